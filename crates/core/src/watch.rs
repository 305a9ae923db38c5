//! Turns the swarm's state, sampled once a second, into [`Event`]s.
//!
//! Sampling rather than hooking librqbit keeps the swarm crate free of callbacks and
//! catches every transition, whoever caused it. The cost is up to a second of delay.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use bidswarm_api::{ApiError, ApiErrorKind, Event, TorrentId, TorrentInfo, TorrentState};
use bidswarm_swarm::Swarm;
use tokio::sync::broadcast;
use tracing::info_span;

const INTERVAL: Duration = Duration::from_secs(1);

/// What the last sample said about one torrent.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Seen {
    state: TorrentState,
    has_metadata: bool,
    complete: bool,
    /// It was complete, and has only been moving or checking its data since (a move, new
    /// limits): finishing that check is not a download finishing.
    complete_before_check: bool,
}

impl From<&TorrentInfo> for Seen {
    fn from(t: &TorrentInfo) -> Self {
        Self {
            state: t.state,
            has_metadata: !t.files.is_empty(),
            complete: t.is_complete(),
            complete_before_check: t.is_complete(),
        }
    }
}

/// The last sample, shared between the sampling task and [`Watcher::track`].
#[derive(Debug)]
pub(crate) struct Watcher {
    seen: Mutex<HashMap<TorrentId, Seen>>,
    events: broadcast::Sender<Event>,
}

impl Watcher {
    /// Starts sampling `swarm`. Torrents already there (restored from the last run) are
    /// the baseline and announce nothing.
    ///
    /// Each sample is also published on `samples`, for the rules round: listing a thousand
    /// torrents is the costly part of a second's work, so it is done once.
    pub(crate) fn spawn(
        swarm: Arc<Swarm>,
        events: broadcast::Sender<Event>,
        samples: tokio::sync::watch::Sender<Arc<Vec<TorrentInfo>>>,
    ) -> (Arc<Self>, tokio::task::JoinHandle<()>) {
        let seen = swarm.list().iter().map(|t| (t.id.clone(), Seen::from(t))).collect();
        let watcher = Arc::new(Self { seen: Mutex::new(seen), events });
        let this = watcher.clone();
        let task = bidswarm_swarm::spawn(info_span!("watch_swarm"), "watch_swarm", async move {
            let mut ticker = tokio::time::interval(INTERVAL);
            loop {
                ticker.tick().await;
                let now = swarm.list();
                let events = diff(&mut this.lock(), &now);
                for event in events {
                    this.send(event);
                }
                samples.send_replace(Arc::new(now));
            }
            #[allow(unreachable_code)]
            Ok::<(), std::convert::Infallible>(())
        });
        (watcher, task)
    }

    /// Announces a torrent the user just added, so that everything after (metadata,
    /// completion) is reported even if it happens before the next sample.
    pub(crate) fn track(&self, torrent: &TorrentInfo) {
        self.lock().insert(torrent.id.clone(), Seen::from(torrent));
        self.send(Event::Added { torrent: torrent.clone() });
    }

    fn send(&self, event: Event) {
        // No UI listening is normal (a seedbox with no browser open).
        let _ = self.events.send(event);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TorrentId, Seen>> {
        // The map is replaced whole by each sample, so a poisoned lock still holds one.
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The events that lead from `seen` to `now`; `seen` becomes `now`.
fn diff(seen: &mut HashMap<TorrentId, Seen>, now: &[TorrentInfo]) -> Vec<Event> {
    let mut events = Vec::new();
    let mut next = HashMap::with_capacity(now.len());
    for t in now {
        let mut current = Seen::from(t);
        let before = seen.remove(&t.id);
        if before.as_ref().is_some_and(|b| b.complete_before_check)
            && matches!(current.state, TorrentState::Moving | TorrentState::Checking)
        {
            current.complete_before_check = true;
        }
        match before {
            None => events.push(Event::Added { torrent: t.clone() }),
            Some(before) => {
                if !before.has_metadata && current.has_metadata {
                    events.push(Event::MetadataResolved { torrent: t.clone() });
                }
                if before.state != TorrentState::Error && current.state == TorrentState::Error {
                    let message =
                        t.error.clone().unwrap_or_else(|| "the torrent stopped with an error".into());
                    events.push(Event::Error {
                        id: t.id.clone(),
                        error: ApiError::new(ApiErrorKind::Internal, message),
                    });
                }
                if !before.complete && current.complete && !before.complete_before_check {
                    events.push(Event::Completed { torrent: t.clone() });
                }
                if before.state != current.state {
                    events.push(Event::StateChanged { torrent: t.clone(), previous: before.state });
                }
            }
        }
        if !matches!(current.state, TorrentState::Paused | TorrentState::Queued) {
            events.push(Event::Progress { torrent: t.clone() });
        }
        next.insert(t.id.clone(), current);
    }
    events.extend(seen.drain().map(|(id, _)| Event::Removed { id }));
    *seen = next;
    events
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use bidswarm_api::{FilePriority, RateLimits, TorrentFile};

    /// A torrent of 10 bytes, for tests here and in other modules.
    pub(crate) fn torrent(state: TorrentState, progress: u64, files: bool) -> TorrentInfo {
        TorrentInfo {
            id: TorrentId::from([0xaa; 20]),
            name: None,
            magnet: "magnet:?xt=urn:btih:aa".into(),
            state,
            output_folder: "/d".into(),
            save_path: "/d".into(),
            progress_bytes: progress,
            total_bytes: 10,
            checked_bytes: 0,
            fetched_bytes: 0,
            uploaded_bytes: 0,
            download_bytes_per_sec: 0,
            upload_bytes_per_sec: 0,
            eta_secs: None,
            peers: 0,
            reached: Default::default(),
            error: None,
            limits: RateLimits::default(),
            files: if files {
                vec![TorrentFile {
                    index: 0,
                    path: "f".into(),
                    length: 10,
                    included: true,
                    progress_bytes: progress,
                    priority: FilePriority::Normal,
                }]
            } else {
                vec![]
            },
            piece_length: None,
            pieces: None,
            added_at: None,
            all_time_uploaded_bytes: 0,
            all_time_downloaded_bytes: 0,
            ratio: None,
            created_by: None,
            comment: None,
            creation_date: None,
            seeding_limits: None,
            seeding_secs: 0,
            inactive_secs: 0,
            queue_position: 1,
            force_start: false,
            bandwidth_priority: Default::default(),
            sequential: false,
            first_last_pieces_first: false,
            category: None,
            tags: Vec::new(),
            completed_at: None,
            tracker: None,
            tracker_hosts: Vec::new(),
            tracker_status: None,
            swarm_seeds: None,
            swarm_leechers: None,
        }
    }

    fn kinds(events: &[Event]) -> Vec<&'static str> {
        events
            .iter()
            .map(|e| match e {
                Event::Added { .. } => "added",
                Event::MetadataResolved { .. } => "metadata_resolved",
                Event::Progress { .. } => "progress",
                Event::Completed { .. } => "completed",
                Event::Removed { .. } => "removed",
                Event::Error { .. } => "error",
                Event::PiecesVerified { .. } => "pieces_verified",
                Event::Speed { .. } => "speed",
                Event::StateChanged { .. } => "state_changed",
                Event::SeedingLimitReached { .. } => "seeding_limit_reached",
                Event::AltLimitsScheduled { .. } => "alt_limits_scheduled",
                Event::WatchedFileFailed { .. } => "watched_file_failed",
                Event::LabelsChanged { .. } => "labels_changed",
                Event::MoveFailed { .. } => "move_failed",
            })
            .collect()
    }

    #[test]
    fn a_magnet_lifecycle_yields_each_event_once() {
        let mut seen = HashMap::new();
        let e = diff(&mut seen, &[torrent(TorrentState::Resolving, 0, false)]);
        assert_eq!(kinds(&e), ["added", "progress"]);
        let e = diff(&mut seen, &[torrent(TorrentState::Downloading, 5, true)]);
        assert_eq!(kinds(&e), ["metadata_resolved", "state_changed", "progress"]);
        let e = diff(&mut seen, &[torrent(TorrentState::Seeding, 10, true)]);
        assert_eq!(kinds(&e), ["completed", "state_changed", "progress"]);
        let e = diff(&mut seen, &[torrent(TorrentState::Seeding, 10, true)]);
        assert_eq!(kinds(&e), ["progress"]);
        let e = diff(&mut seen, &[]);
        assert_eq!(kinds(&e), ["removed"]);
    }

    #[test]
    fn paused_torrents_send_no_progress_and_errors_are_reported_once() {
        let mut seen = HashMap::new();
        diff(&mut seen, &[torrent(TorrentState::Paused, 0, true)]);
        assert!(diff(&mut seen, &[torrent(TorrentState::Paused, 0, true)]).is_empty());
        let mut failed = torrent(TorrentState::Error, 0, true);
        failed.error = Some("disk full".into());
        let e = diff(&mut seen, &[failed.clone()]);
        assert_eq!(kinds(&e), ["error", "state_changed", "progress"]);
        let Event::Error { error, .. } = &e[0] else { unreachable!() };
        assert_eq!(error.message, "disk full");
        assert_eq!(kinds(&diff(&mut seen, &[failed])), ["progress"]);
    }

    #[test]
    fn pausing_and_resuming_are_announced_even_though_paused_torrents_send_no_progress() {
        let mut seen = HashMap::new();
        diff(&mut seen, &[torrent(TorrentState::Seeding, 10, true)]);
        let e = diff(&mut seen, &[torrent(TorrentState::Paused, 10, true)]);
        assert_eq!(kinds(&e), ["state_changed"]);
        let Event::StateChanged { torrent: paused, previous } = &e[0] else { unreachable!() };
        assert_eq!((previous, paused.state), (&TorrentState::Seeding, TorrentState::Paused));
        let e = diff(&mut seen, &[torrent(TorrentState::Seeding, 10, true)]);
        assert_eq!(kinds(&e), ["state_changed", "progress"]);
    }

    /// A finished torrent moved to another folder is checked again where it lands; that
    /// check finishing is not a download finishing, so no second "completed" (and no
    /// second desktop notification). A download finishing after it still is one.
    #[test]
    fn a_finished_torrent_checked_again_after_a_move_is_not_completed_again() {
        let mut seen = HashMap::new();
        diff(&mut seen, &[torrent(TorrentState::Seeding, 10, true)]);
        for (state, progress) in [
            (TorrentState::Moving, 10),
            (TorrentState::Checking, 0),
            (TorrentState::Checking, 6),
            (TorrentState::Seeding, 10),
        ] {
            let e = diff(&mut seen, &[torrent(state, progress, true)]);
            assert!(!kinds(&e).contains(&"completed"), "{state:?}: {:?}", kinds(&e));
        }
        diff(&mut seen, &[torrent(TorrentState::Downloading, 8, true)]);
        let e = diff(&mut seen, &[torrent(TorrentState::Seeding, 10, true)]);
        assert!(kinds(&e).contains(&"completed"), "{:?}", kinds(&e));
    }
}
