//! Categories, tags and moving data (issue 18, item 3): the requests' checks around the
//! swarm's labels ([`bidswarm_swarm`]'s `labels` and `relocate`).
//!
//! Folders named here (a category's, a new location) pass the path policy like every
//! other path a request names. A move runs in the background: the request answers once
//! every torrent named has passed its checks and begun, and a move that fails later is a
//! `move_failed` event, with the torrent back where it was.

use bidswarm_api::{ApiError, ApiErrorKind, Event, Label, Labels, Response, TorrentId, MAX_LABELS};
use bidswarm_swarm::Move;

use crate::{api_error, Core};

/// A request naming more labels than can exist is refused before any work.
pub(crate) fn at_most_labels(names: &[Label]) -> Result<(), ApiError> {
    if names.len() > MAX_LABELS {
        return Err(api_error(
            ApiErrorKind::BadRequest,
            format!("a request may name at most {MAX_LABELS} categories or tags, not {}", names.len()),
        ));
    }
    Ok(())
}

impl Core {
    /// Tells every UI, and answers the labels.
    pub(crate) fn labels_changed(&self, labels: Labels) -> Response {
        // A category's priority, renamed or removed with it, weighs its torrents' uploads.
        self.speed.set_bandwidth_weights(self.swarm.bandwidth_weights());
        let _ = self.events.send(Event::LabelsChanged { labels: labels.clone() });
        Response::Labels { labels }
    }

    /// Creates a category or changes its folder, kept as the file system resolves it.
    pub(crate) async fn set_category(
        &self,
        name: Label,
        save_path: Option<String>,
        priority: Option<bidswarm_api::BandwidthPriority>,
    ) -> Result<Response, ApiError> {
        let save_path = match save_path.filter(|p| !p.trim().is_empty()) {
            Some(path) => Some(self.confine.check(&path, "The category's folder")?.display().to_string()),
            None => None,
        };
        Ok(self.labels_changed(self.swarm.set_category(name, save_path, priority).await?))
    }

    /// Puts torrents in a category; with `move_data`, their data follows to its folder (or
    /// the download folder). Every check (the category, each torrent, each move) passes
    /// before anything changes.
    pub(crate) async fn set_torrent_category(
        &self,
        ids: Vec<TorrentId>,
        category: Option<Label>,
        move_data: bool,
    ) -> Result<Response, ApiError> {
        let folder = match &category {
            Some(name) => self.swarm.category_folder(name)?,
            None => None,
        };
        let moving_to = move_data.then(|| folder.unwrap_or_else(|| self.settings.get().download_folder));
        let moving_to = match moving_to {
            Some(folder) => Some(self.check_moves(&ids, &folder).await?),
            None => None,
        };
        self.swarm.set_torrent_category(&ids, category.as_ref()).await?;
        // Now, before a move can fail: the torrents are in the category either way.
        self.speed.set_bandwidth_weights(self.swarm.bandwidth_weights());
        if let Some(folder) = moving_to {
            self.begin_moves(&ids, &folder).await?;
        }
        Ok(Response::Ok)
    }

    /// Moves torrents' data into `folder` ("set location").
    pub(crate) async fn set_location(&self, ids: Vec<TorrentId>, folder: &str) -> Result<Response, ApiError> {
        let folder = self.check_moves(&ids, folder).await?;
        self.begin_moves(&ids, &folder).await?;
        Ok(Response::Ok)
    }

    /// The folder as resolved, created, once every torrent's move would start.
    async fn check_moves(&self, ids: &[TorrentId], folder: &str) -> Result<std::path::PathBuf, ApiError> {
        let folder = self.confine.check(folder, "The new folder")?;
        for id in ids {
            self.swarm.check_move(id, &folder)?;
        }
        tokio::fs::create_dir_all(&folder)
            .await
            .map_err(|e| api_error(ApiErrorKind::Io, format!("cannot create {}: {e}", folder.display())))?;
        Ok(folder)
    }

    /// Starts each move, which then goes on by itself. A move that cannot start after
    /// the checks passed (something appeared in the way meanwhile) stops here with its
    /// error; the ones begun before it go on.
    async fn begin_moves(&self, ids: &[TorrentId], folder: &std::path::Path) -> Result<(), ApiError> {
        for id in ids {
            if let Some(moving) = self.swarm.begin_move(id, folder).await? {
                spawn_move(moving, self.events.clone());
            }
        }
        Ok(())
    }
}

fn spawn_move(moving: Move, events: tokio::sync::broadcast::Sender<Event>) {
    let id = moving.id().clone();
    let span = tracing::info_span!("move", info_hash = %id);
    bidswarm_swarm::spawn(span, "move", async move {
        let Err(e) = moving.finish().await else { return Ok(()) };
        let error = ApiError::from(e);
        let _ = events.send(Event::MoveFailed { id, error: error.clone() });
        Err(error.message)
    });
}
