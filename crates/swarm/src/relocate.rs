//! Moving a torrent's data to another folder: "set location", and a category's folder.
//!
//! librqbit fixes a torrent's folder when it is added, so a move takes the torrent out of
//! the session, moves its files, and adds it again where they are; librqbit then checks
//! every piece before trusting it. Meanwhile `list` shows it as `moving`.
//!
//! - **Nothing written over.** Anything already where a file would go stops the move
//!   before it starts (`file_in_the_way`).
//! - **Each file whole in one place at every instant.** A file moves by rename; across
//!   file systems it is copied to `<name>.bidswarm-part` beside its target, synced, renamed
//!   into place, and only then removed where it was.
//! - **A crash loses nothing.** Before the torrent leaves the session, a journal
//!   (`state/moves/<info hash>.json`, and its `.torrent` beside it) says from where to
//!   where. At the next start each journal's move is finished ([`move_files`] picks up
//!   where it stopped) and the torrent added again.
//! - **A failed move goes back.** The files already moved are moved back, and the
//!   torrent is added where it was.

use std::{
    io::ErrorKind,
    path::{Path, PathBuf},
    sync::Arc,
};

use bidswarm_api::{TorrentId, TorrentState};
use bidswarm_primitives::{write_atomically, Access};
use librqbit::api::TorrentIdOrHash;
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use crate::{torrent, Error, Result, Swarm};

/// What a move needs to be finished after a crash.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Journal {
    /// The content folder it leaves.
    from: PathBuf,
    /// The content folder it goes to.
    to: PathBuf,
    paused: bool,
    only_files: Option<Vec<usize>>,
}

/// A move begun by [`Swarm::begin_move`]: the torrent is out of the session, its files
/// not moved yet. [`Move::finish`] does the rest.
#[must_use = "the torrent stays out of the session until the move is finished"]
pub struct Move {
    swarm: Arc<Swarm>,
    id: TorrentId,
    journal: Journal,
    torrent: bytes::Bytes,
}

impl std::fmt::Debug for Move {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Move").field("id", &self.id).field("journal", &self.journal).finish_non_exhaustive()
    }
}

impl Swarm {
    /// Whether [`Swarm::begin_move`] would start: checks everything a move can check
    /// before it starts, so a request naming several torrents can check them all first.
    pub fn check_move(&self, id: &TorrentId, download_folder: &Path) -> Result<()> {
        self.plan_move(id, download_folder).map(drop)
    }

    /// The torrent, where its data goes, and its `.torrent`; `None` when it is there
    /// already. Refused when the metadata is not known yet or anything stands where a
    /// file of it would go.
    fn plan_move(
        &self,
        id: &TorrentId,
        download_folder: &Path,
    ) -> Result<Option<(Arc<librqbit::ManagedTorrent>, Journal, bytes::Bytes)>> {
        let handle = self.handle(id)?;
        let Some(torrent) = handle.metadata.load().as_ref().map(|m| m.torrent_bytes.clone()) else {
            return Err(Error::BadInput("a torrent's data can be moved once its metadata is known".into()));
        };
        let from = handle.output_folder().to_owned();
        let to = torrent::content_folder(&torrent, download_folder)?;
        if from == to {
            return Ok(None);
        }
        self.refuse_own_folder(&torrent, &to)?;
        for (relative, _) in torrent::data_files(&torrent)? {
            let target = to.join(&relative);
            if target.symlink_metadata().is_ok() {
                return Err(Error::FileInTheWay(format!(
                    "{}: something is already there; move it away or choose another folder, so it is not written over",
                    target.display()
                )));
            }
        }
        let journal = Journal { from, to, paused: handle.is_paused(), only_files: handle.only_files() };
        Ok(Some((handle, journal, torrent)))
    }

    /// Starts moving a torrent's data into `download_folder` (its own folder, for a torrent
    /// of several files, goes inside): takes it out of the session, after writing the
    /// journal. `None` when it is there already.
    pub async fn begin_move(
        self: &Arc<Self>,
        id: &TorrentId,
        download_folder: &Path,
    ) -> Result<Option<Move>> {
        let Some((handle, journal, torrent)) = self.plan_move(id, download_folder)? else { return Ok(None) };
        let mut shown = self.info_of(&handle);
        shown.state = TorrentState::Moving;
        shown.output_folder = journal.to.display().to_string();
        (shown.download_bytes_per_sec, shown.upload_bytes_per_sec, shown.peers, shown.eta_secs) =
            (0, 0, 0, None);
        // Claimed first: a second move or a recheck of it is refused from here on.
        self.claim(id, shown)?;
        if let Err(e) = self.write_journal(id, &journal, &torrent).await {
            self.lock().set_aside.remove(id);
            return Err(e);
        }
        if let Err(e) = self.session.delete(TorrentIdOrHash::Id(handle.id()), false).await {
            self.lock().set_aside.remove(id);
            self.remove_journal(id).await;
            return Err(Error::engine("could not take the torrent out of the session to move it")(e));
        }
        info!(info_hash = %id, from = %journal.from.display(), to = %journal.to.display(), "moving a torrent's data");
        Ok(Some(Move { swarm: self.clone(), id: id.clone(), journal, torrent }))
    }

    /// Finishes the moves a crash or a stop interrupted (see the module's doc).
    pub(crate) async fn finish_interrupted_moves(self: &Arc<Self>) {
        let Some(folder) = self.moves_folder() else { return };
        let Ok(mut entries) = tokio::fs::read_dir(&folder).await else { return };
        while let Ok(Some(entry)) = entries.next_entry().await {
            let path = entry.path();
            let Some(id) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".json"))
                .and_then(|hash| hash.parse::<TorrentId>().ok())
            else {
                continue;
            };
            let journal =
                tokio::fs::read(&path).await.ok().and_then(|j| serde_json::from_slice::<Journal>(&j).ok());
            let torrent = tokio::fs::read(folder.join(format!("{id}.torrent"))).await.ok();
            let (Some(journal), Some(torrent)) = (journal, torrent) else {
                warn!(path = %path.display(), "ignoring an unreadable move journal");
                continue;
            };
            if let Ok(handle) = self.handle(&id) {
                if handle.output_folder() == journal.to {
                    // Added again before the journal was removed: the move was done.
                    self.remove_journal(&id).await;
                    continue;
                }
                // librqbit's session file still had it where it was (written before the
                // stop had saved its removal): out again, and the move finished.
                if let Err(e) = self.session.delete(TorrentIdOrHash::Id(handle.id()), false).await {
                    warn!(info_hash = %id, "could not finish an interrupted move: {e:#}");
                    continue;
                }
            }
            info!(info_hash = %id, to = %journal.to.display(), "finishing a move a stop interrupted");
            let next = Move { swarm: self.clone(), id, journal, torrent: torrent.into() };
            if let Err(e) = next.finish_resumed().await {
                warn!("could not finish an interrupted move: {e}");
            }
        }
    }

    fn moves_folder(&self) -> Option<PathBuf> {
        self.config.state_folder.as_ref().map(|f| f.join("moves"))
    }

    async fn write_journal(&self, id: &TorrentId, journal: &Journal, torrent: &[u8]) -> Result<()> {
        let Some(folder) = self.moves_folder() else { return Ok(()) };
        let cannot = || Error::io(format!("cannot write the move's journal in {}", folder.display()));
        tokio::fs::create_dir_all(&folder).await.map_err(cannot())?;
        // The `.torrent` first: a journal is only read when its `.json` is there.
        write_atomically(&folder.join(format!("{id}.torrent")), torrent, Access::Default)
            .await
            .map_err(cannot())?;
        let json = serde_json::to_vec_pretty(journal).unwrap_or_default();
        write_atomically(&folder.join(format!("{id}.json")), &json, Access::Default).await.map_err(cannot())
    }

    async fn remove_journal(&self, id: &TorrentId) {
        let Some(folder) = self.moves_folder() else { return };
        let _ = tokio::fs::remove_file(folder.join(format!("{id}.json"))).await;
        let _ = tokio::fs::remove_file(folder.join(format!("{id}.torrent"))).await;
    }
}

impl Move {
    pub fn id(&self) -> &TorrentId {
        &self.id
    }

    /// Moves the files and adds the torrent again where they are. On an error the files
    /// already moved go back and the torrent is added where it was; the error says why.
    pub async fn finish(self) -> Result<()> {
        self.run(false).await
    }

    /// As [`Move::finish`], for a journal found at start: a file found whole in both
    /// places was copied before the stop, and only its source is left to remove.
    async fn finish_resumed(self) -> Result<()> {
        self.run(true).await
    }

    async fn run(self, resumed: bool) -> Result<()> {
        let files: Vec<PathBuf> = torrent::data_files(&self.torrent)?.into_iter().map(|(f, _)| f).collect();
        let journal = self.journal.clone();
        // A torrent of one file has no folder of its own: its content folder is the
        // download folder, which stays.
        let single_file = torrent::content_folder(&self.torrent, Path::new("/"))? == Path::new("/");
        let moved = tokio::task::spawn_blocking(move || {
            let mut done = Vec::new();
            match move_files(&journal.from, &journal.to, &files, resumed, &mut done) {
                Ok(()) => {
                    remove_empty_folders(&journal.from, &files, single_file);
                    Ok(journal.to)
                }
                Err(e) => {
                    // Only what this run moved goes back: a file that appeared in the way
                    // is someone else's, whatever its length.
                    if let Err(back) = move_files(&journal.to, &journal.from, &done, false, &mut Vec::new()) {
                        warn!("could not move the files back after a failed move: {back}");
                    }
                    Err((e, journal.from))
                }
            }
        })
        .await
        .map_err(|e| Error::Io { context: "the move stopped".into(), source: std::io::Error::other(e) })?;
        let (landed, outcome) = match moved {
            Ok(to) => (to, Ok(())),
            Err((e, from)) => (from, Err(e)),
        };
        let limits = self.swarm.lock().limits.get(&self.id).copied().unwrap_or_default();
        let added = self
            .swarm
            .add_again(
                self.torrent.clone(),
                &landed,
                self.journal.paused,
                self.journal.only_files.clone(),
                limits,
            )
            .await;
        self.swarm.lock().set_aside.remove(&self.id);
        added?;
        // The journal stays when the torrent could not be added, or a move resumed at start
        // failed (some files may already be in the new folder): the next start tries again.
        if !(resumed && outcome.is_err()) {
            self.swarm.remove_journal(&self.id).await;
        }
        outcome
    }
}

/// Moves each of `files` (paths under `from`) to the same path under `to`. A file in
/// neither place is skipped (never downloaded). Stops at the first error, leaving every
/// file whole in one place. `resumed`: a file whole in both places (same length) was
/// copied before a stop, so its source is removed; otherwise it is someone else's and
/// the move stops. Each file it moves is added to `done`.
pub(crate) fn move_files(
    from: &Path,
    to: &Path,
    files: &[PathBuf],
    resumed: bool,
    done: &mut Vec<PathBuf>,
) -> Result<()> {
    for relative in files {
        let (source, target) = (from.join(relative), to.join(relative));
        let Ok(found) = source.symlink_metadata() else { continue };
        match target.symlink_metadata() {
            Err(_) => {
                move_one(&source, &target)?;
                done.push(relative.clone());
            }
            // Resumed: a source of the same length is the copy's original, or the file
            // librqbit made again (empty, or set to its length) when it restored the torrent
            // at its old folder; the target holds the data.
            Ok(there) if resumed && there.is_file() && (there.len() == found.len() || found.len() == 0) => {
                std::fs::remove_file(&source)
                    .map_err(Error::io(format!("cannot remove {}", source.display())))?;
            }
            Ok(_) => {
                return Err(Error::FileInTheWay(format!(
                    "{}: something else appeared there during the move; nothing was written over",
                    target.display()
                )));
            }
        }
    }
    Ok(())
}

fn move_one(source: &Path, target: &Path) -> Result<()> {
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(Error::io(format!("cannot create {}", parent.display())))?;
    }
    match std::fs::rename(source, target) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::CrossesDevices => copy_then_remove(source, target),
        Err(e) => Err(Error::Io {
            context: format!("cannot move {} to {}", source.display(), target.display()),
            source: e,
        }),
    }
}

/// Across file systems: the copy is whole (synced) under its final name before the
/// source goes.
fn copy_then_remove(source: &Path, target: &Path) -> Result<()> {
    let mut part = target.as_os_str().to_owned();
    part.push(".bidswarm-part");
    let part = PathBuf::from(part);
    let copy = || -> std::io::Result<()> {
        std::fs::copy(source, &part)?;
        std::fs::File::open(&part)?.sync_all()?;
        std::fs::rename(&part, target)?;
        // The new name on disk before the source goes, or a power cut could lose both.
        match target.parent() {
            Some(folder) => std::fs::File::open(folder)?.sync_all(),
            None => Ok(()),
        }
    };
    if let Err(e) = copy() {
        let _ = std::fs::remove_file(&part);
        return Err(Error::Io {
            context: format!("cannot copy {} to {}", source.display(), target.display()),
            source: e,
        });
    }
    std::fs::remove_file(source).map_err(Error::io(format!("cannot remove {}", source.display())))
}

/// Removes the folders the moved files leave empty: those under `from`, and `from`
/// itself unless it is the download folder (a torrent of one file). A folder that still
/// holds anything stays.
fn remove_empty_folders(from: &Path, files: &[PathBuf], single_file: bool) {
    let mut folders: Vec<PathBuf> = files
        .iter()
        .flat_map(|f| from.join(f).ancestors().skip(1).map(Path::to_path_buf).collect::<Vec<_>>())
        .filter(|d| d.starts_with(from) && (d != from || !single_file))
        .collect();
    folders.sort();
    folders.dedup();
    // Deepest first; `remove_dir` refuses a folder that is not empty.
    for folder in folders.iter().rev() {
        let _ = std::fs::remove_dir(folder);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(root: &Path, files: &[(&str, &[u8])]) -> Vec<PathBuf> {
        for (name, bytes) in files {
            let path = root.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        files.iter().map(|(n, _)| PathBuf::from(n)).collect()
    }

    #[test]
    fn files_move_with_their_folders_and_the_empty_ones_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("old/T"), dir.path().join("new/T"));
        let files = tree(&from, &[("a.bin", b"aa"), ("sub/b.bin", b"bbb")]);
        std::fs::write(from.join("keep.txt"), b"the user's").unwrap();
        move_files(
            &from,
            &to,
            &[files.clone(), vec!["never-downloaded.bin".into()]].concat(),
            false,
            &mut Vec::new(),
        )
        .unwrap();
        remove_empty_folders(&from, &files, false);
        assert_eq!(std::fs::read(to.join("sub/b.bin")).unwrap(), b"bbb");
        assert_eq!(std::fs::read(to.join("a.bin")).unwrap(), b"aa");
        assert!(!from.join("sub").exists(), "the empty folder went");
        assert_eq!(
            std::fs::read(from.join("keep.txt")).unwrap(),
            b"the user's",
            "what is not the torrent's stays"
        );
    }

    /// Someone else's file that appears where ours would go stops the move, and it is
    /// left as it was.
    #[test]
    fn a_file_in_the_way_is_never_written_over() {
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("old"), dir.path().join("new"));
        let files = tree(&from, &[("a.bin", b"ours")]);
        tree(&to, &[("a.bin", b"theirs, longer")]);
        let err = move_files(&from, &to, &files, false, &mut Vec::new()).unwrap_err();
        assert!(matches!(err, Error::FileInTheWay(_)), "{err}");
        assert_eq!(std::fs::read(to.join("a.bin")).unwrap(), b"theirs, longer");
        assert_eq!(std::fs::read(from.join("a.bin")).unwrap(), b"ours");
        // Resumed after a stop, a copy of another length is still not ours.
        assert!(move_files(&from, &to, &files, true, &mut Vec::new()).is_err());
        assert_eq!(std::fs::read(from.join("a.bin")).unwrap(), b"ours");
    }

    /// A move stopped by a file in the way (here of the very same length) moves back what
    /// it moved, and only that: the file in the way is someone else's and stays.
    #[test]
    fn a_failed_move_puts_back_what_it_moved_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("old"), dir.path().join("new"));
        let files = tree(&from, &[("a.bin", b"1"), ("b.bin", b"2"), ("c.bin", b"3")]);
        tree(&to, &[("c.bin", b"x")]);
        let mut done = Vec::new();
        assert!(move_files(&from, &to, &files, false, &mut done).is_err());
        assert_eq!(done, [PathBuf::from("a.bin"), PathBuf::from("b.bin")]);
        move_files(&to, &from, &done, false, &mut Vec::new()).unwrap();
        for (name, bytes) in [("a.bin", &b"1"[..]), ("b.bin", b"2"), ("c.bin", b"3")] {
            assert_eq!(std::fs::read(from.join(name)).unwrap(), bytes, "{name}");
        }
        assert_eq!(std::fs::read(to.join("c.bin")).unwrap(), b"x");
    }

    /// A stop between a finished copy and removing its source: run again, the source goes
    /// and the copy stays; files already moved and files not yet moved are both handled.
    #[test]
    fn a_move_run_again_after_a_stop_finishes_what_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("old"), dir.path().join("new"));
        let files = tree(&from, &[("done.bin", b"1"), ("copied.bin", b"22"), ("left.bin", b"333")]);
        std::fs::create_dir_all(&to).unwrap();
        std::fs::rename(from.join("done.bin"), to.join("done.bin")).unwrap();
        std::fs::copy(from.join("copied.bin"), to.join("copied.bin")).unwrap();
        move_files(&from, &to, &files, true, &mut Vec::new()).unwrap();
        for (name, bytes) in [("done.bin", &b"1"[..]), ("copied.bin", b"22"), ("left.bin", b"333")] {
            assert_eq!(std::fs::read(to.join(name)).unwrap(), bytes, "{name}");
            assert!(!from.join(name).exists(), "{name}");
        }
    }

    /// Across file systems (a tmpfs, where the machine has one) the file is copied and
    /// no `.bidswarm-part` is left.
    #[test]
    fn across_file_systems_the_file_is_copied_whole_then_removed() {
        let shm = Path::new("/dev/shm");
        let Ok(other) = tempfile::tempdir_in(shm) else {
            eprintln!("no /dev/shm here: the copy path is not tried");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let files = tree(dir.path(), &[("big.bin", &[7u8; 300_000])]);
        let moved = move_files(dir.path(), other.path(), &files, false, &mut Vec::new());
        // Only a cross-device move proves the copy path; a same-device tmp is still a move.
        moved.unwrap();
        assert_eq!(std::fs::read(other.path().join("big.bin")).unwrap(), vec![7u8; 300_000]);
        assert!(!dir.path().join("big.bin").exists());
        assert!(!other.path().join("big.bin.bidswarm-part").exists());
    }

    #[test]
    fn a_single_file_torrent_never_removes_the_download_folder() {
        let dir = tempfile::tempdir().unwrap();
        let files = tree(dir.path(), &[("one.iso", b"x")]);
        std::fs::remove_file(dir.path().join("one.iso")).unwrap();
        remove_empty_folders(dir.path(), &files, true);
        assert!(dir.path().exists());
    }
}
