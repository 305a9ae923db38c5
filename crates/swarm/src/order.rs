//! Which pieces come first (issue 18, item 7): sequential download, and files of high
//! priority before the rest.
//!
//! librqbit 9.1 picks a peer's next piece from two lists, in this order: the pieces its
//! file streams will read next (32 MiB ahead of each open stream), then its own queue,
//! which takes files by name and each file's first piece, then its last, then the rest
//! in order. Nothing else about the order can be set from outside. So a torrent whose
//! order we want to change gets a *cursor*: a task holding one librqbit stream on the
//! file to fetch first, which waits for the piece under it (reading one byte of it once
//! it is verified) and then moves to the next piece, so the stream's window always starts
//! at the first piece still missing. When the file is whole the cursor moves to the next
//! file of its plan ([`plan`]), and ends after the last one.
//!
//! A librqbit stream holds one of the session's eight permits for blocking disk work for
//! as long as it is open, so at most [`MAX_CURSORS`] torrents have a cursor at a time; the
//! others keep librqbit's own order until a cursor is free. A cursor that ran to its end
//! frees its place; its plan is done until it changes. Cursors are reconciled with
//! what the records ask every upkeep round and after each change the user makes, and a
//! torrent's cursor ends when it is paused, complete, removed or taken out of the session
//! (a move or a recheck gives it a new librqbit id, and so a new cursor).

use std::{
    collections::{HashMap, HashSet},
    io::SeekFrom,
    sync::Arc,
    time::Duration,
};

use bidswarm_api::{FilePriority, TorrentId};
use librqbit::ManagedTorrent;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tracing::{debug, info_span};

/// Torrents with a cursor at once; see the module's note on permits.
pub(crate) const MAX_CURSORS: usize = 2;

/// How long a cursor waits for a file's last piece before walking the file from its
/// start all the same: no peer may have it, and the rest must not wait on it.
const LAST_PIECE_WAIT: Duration = Duration::from_secs(30);

/// The files a cursor walks, in order: files of high priority first, then, for a
/// sequential torrent, every other selected file, normal before low, each group in the
/// torrent's own order. Empty: librqbit's own order is what the user asked for.
pub(crate) fn plan(
    included: &[bool],
    priority: impl Fn(usize) -> FilePriority,
    sequential: bool,
) -> Vec<usize> {
    let groups: &[FilePriority] = if sequential {
        &[FilePriority::High, FilePriority::Normal, FilePriority::Low]
    } else {
        &[FilePriority::High]
    };
    let priority = &priority;
    groups
        .iter()
        .flat_map(|&wanted| (0..included.len()).filter(move |&i| included[i] && priority(i) == wanted))
        .collect()
}

/// What a cursor was started for: the torrent as librqbit knows it now, and the plan.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Wanted {
    pub session_id: usize,
    pub files: Vec<usize>,
    /// Each file's last piece before the rest of it (its first comes first anyway).
    pub first_last: bool,
}

/// The cursors running, by torrent.
#[derive(Debug, Default)]
pub(crate) struct Cursors {
    running: HashMap<TorrentId, (Wanted, tokio::task::JoinHandle<()>)>,
    /// Plans whose cursor ended (its files whole, or an error, logged): not started again,
    /// so that they hold no place, until the plan changes.
    done: HashMap<TorrentId, Wanted>,
}

impl Cursors {
    /// Moves cursors that ended to `done`, and forgets what is done for torrents no
    /// longer `asked` for an order.
    pub(crate) fn settle(&mut self, asked: &HashSet<&TorrentId>) {
        let ended: Vec<TorrentId> = self
            .running
            .iter()
            .filter(|(_, (_, task))| task.is_finished())
            .map(|(id, _)| id.clone())
            .collect();
        for id in ended {
            if let Some((plan, _)) = self.running.remove(&id) {
                self.done.insert(id, plan);
            }
        }
        self.done.retain(|id, _| asked.contains(id));
    }

    /// Whether this plan's cursor already ran to its end.
    pub(crate) fn is_done(&self, id: &TorrentId, plan: &Wanted) -> bool {
        self.done.get(id) == Some(plan)
    }

    /// Makes the running cursors those of `wanted` (in priority order: the first
    /// [`MAX_CURSORS`] of them get one), stopping the rest.
    pub(crate) fn reconcile(&mut self, wanted: Vec<(TorrentId, Wanted, Arc<ManagedTorrent>)>) {
        let keep: Vec<&TorrentId> = wanted.iter().take(MAX_CURSORS).map(|(id, _, _)| id).collect();
        self.running.retain(|id, (plan, task)| {
            let still = keep.contains(&id) && wanted.iter().any(|(w, p, _)| w == id && p == plan);
            if !still {
                task.abort();
            }
            still
        });
        for (id, plan, handle) in wanted.into_iter().take(MAX_CURSORS) {
            if self.running.contains_key(&id) {
                continue;
            }
            let walked = walk(handle, plan.files.clone(), plan.first_last);
            let task = crate::spawn::spawn(info_span!("cursor", info_hash = %id), "cursor", walked);
            self.running.insert(id, (plan, task));
        }
    }
}

impl Drop for Cursors {
    fn drop(&mut self) {
        for (_, task) in self.running.values() {
            task.abort();
        }
    }
}

/// Walks `files` piece by piece, each piece once it is verified; with `first_last`, each
/// file's last piece first (the stream's window then holds that piece alone).
async fn walk(handle: Arc<ManagedTorrent>, files: Vec<usize>, first_last: bool) -> anyhow::Result<()> {
    let Some(metadata) = handle.metadata.load_full() else { return Ok(()) };
    let piece_length = u64::from(metadata.info.lengths().default_piece_length());
    for file in files {
        let Some(info) = metadata.file_infos.get(file) else { continue };
        if info.attrs.padding || info.len == 0 {
            continue;
        }
        let mut stream = handle.clone().stream(file).await?;
        let mut position = 0;
        let mut byte = [0u8; 1];
        if first_last {
            let last_piece = (info.offset_in_torrent + info.len - 1) / piece_length * piece_length;
            stream.seek(SeekFrom::Start(last_piece.saturating_sub(info.offset_in_torrent))).await?;
            if tokio::time::timeout(LAST_PIECE_WAIT, stream.read_exact(&mut byte)).await.is_err() {
                debug!(file, "cursor: no last piece yet; walking the file from its start");
            }
            stream.seek(SeekFrom::Start(0)).await?;
        }
        while position < info.len {
            // Waits until the piece under `position` is verified; the window librqbit
            // prefers starts here meanwhile.
            stream.read_exact(&mut byte).await?;
            let absolute = info.offset_in_torrent + position;
            position = ((absolute / piece_length + 1) * piece_length - info.offset_in_torrent).min(info.len);
            if position < info.len {
                stream.seek(SeekFrom::Start(position)).await?;
            }
        }
        debug!(file, "cursor: file whole");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_cursor_that_ended_frees_its_place_until_its_plan_changes() {
        let id = TorrentId::from([1; 20]);
        let plan = Wanted { session_id: 7, files: vec![0], first_last: false };
        let ended = tokio::spawn(async {});
        while !ended.is_finished() {
            tokio::task::yield_now().await;
        }
        let mut cursors = Cursors::default();
        cursors.running.insert(id.clone(), (plan.clone(), ended));
        cursors.settle(&HashSet::from([&id]));
        assert!(cursors.running.is_empty(), "an ended cursor holds no place");
        assert!(cursors.is_done(&id, &plan));
        // A new plan (another file, or the torrent back under a new id) runs again.
        assert!(!cursors.is_done(&id, &Wanted { session_id: 8, ..plan.clone() }));
        // No longer asked for (sequential off, no high file): forgotten.
        cursors.settle(&HashSet::new());
        assert!(!cursors.is_done(&id, &plan));
    }

    #[test]
    fn high_files_come_first_then_a_sequential_torrent_takes_the_rest_in_order() {
        use FilePriority::*;
        let priorities = [Normal, High, Low, Normal, High];
        let all = [true; 5];
        let priority = |i: usize| priorities[i];
        assert_eq!(plan(&all, priority, false), vec![1, 4], "not sequential: only the high files");
        assert_eq!(plan(&all, priority, true), vec![1, 4, 0, 3, 2]);
        // A file not selected is never walked, whatever its stored priority.
        let some = [true, false, true, true, true];
        assert_eq!(plan(&some, priority, true), vec![4, 0, 3, 2]);
        assert!(plan(&all, |_| Normal, false).is_empty(), "nothing asked: librqbit's order");
    }
}
