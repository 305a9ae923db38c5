//! librqbit's session file (`state/session/session.json`), kept whole on a full disk.
//!
//! librqbit 9.1 rewrites the file on every add and remove through a `.tmp` file and a
//! rename, but never flushes the tokio file it writes: on a full disk the write's error
//! is lost, and an empty file replaces the session. Seen in `e2e::faults`: every torrent
//! was forgotten and the next start failed. Around it:
//!
//! - before an add, [`ensure_room`] writes a probe as large as the file plus a margin; on
//!   a full disk the add is refused with an `io` error and librqbit never writes (a
//!   removal is not refused: removing is how a user makes room);
//! - after a change, [`keep_good_copy`] keeps the file as `session-good.json` if it parses;
//! - at start, [`restore_if_damaged`] moves a file that does not parse aside
//!   (`session.json.damaged-<unix time>`) and puts the good copy back, so a disk that
//!   filled between the probe and librqbit's write costs at most that one change.

use std::path::{Path, PathBuf};

use bidswarm_primitives::{temp_path, write_atomically, Access};
use tracing::warn;

use crate::{Error, Result};

const FILE: &str = "session.json";
/// A name unlike librqbit's own files (`session.json` and `session.json.tmp`, which it
/// renames into place itself): a write of ours that went through librqbit's temporary file
/// once broke concurrent adds ("error renaming persistence file").
const GOOD: &str = "session-good.json";
/// Room asked for beyond the session file's size: its growth by one torrent, and more.
const MARGIN: u64 = 256 << 10;

fn parses(bytes: &[u8]) -> bool {
    !bytes.is_empty() && serde_json::from_slice::<serde_json::Value>(bytes).is_ok()
}

/// Checks that `folder` (librqbit's session folder) has room to rewrite its session file:
/// writes and removes a probe of the file's size plus [`MARGIN`].
pub(crate) async fn ensure_room(folder: &Path) -> Result<()> {
    let size = tokio::fs::metadata(folder.join(FILE)).await.map_or(0, |m| m.len());
    // A name of its own: adds run concurrently, and a shared probe's rename fails for all
    // but the first.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let probe = folder.join(format!(".room-probe-{n}"));
    let len = usize::try_from(size.saturating_add(MARGIN)).unwrap_or(usize::MAX);
    let written = write_atomically(&probe, &vec![0; len], Access::Default).await;
    let _ = tokio::fs::remove_file(&probe).await;
    let _ = tokio::fs::remove_file(temp_path(&probe)).await;
    written.map_err(Error::io(format!(
        "nothing was changed: the state folder {} has no room to record it",
        folder.display()
    )))
}

/// Keeps the session file as [`GOOD`] when it parses and differs from the copy (called
/// every upkeep round: an unchanged file is neither parsed nor written again). A failed
/// copy keeps the older one. Returns whether it wrote.
pub(crate) async fn keep_good_copy(folder: &Path) -> bool {
    let Ok(bytes) = tokio::fs::read(folder.join(FILE)).await else { return false };
    if tokio::fs::read(folder.join(GOOD)).await.is_ok_and(|good| good == bytes) {
        return false;
    }
    if !parses(&bytes) {
        warn!(folder = %folder.display(), "librqbit's session file does not parse: the good copy is kept");
        return false;
    }
    match write_atomically(&folder.join(GOOD), &bytes, Access::Default).await {
        Ok(()) => true,
        Err(e) => {
            warn!(folder = %folder.display(), "cannot keep a copy of the session file: {e}");
            false
        }
    }
}

/// Before librqbit reads it: a session file that does not parse is moved aside, and the
/// good copy, if any, put in its place. Returns where the damaged file went.
pub(crate) async fn restore_if_damaged(folder: &Path) -> Option<PathBuf> {
    let path = folder.join(FILE);
    let bytes = tokio::fs::read(&path).await.ok()?;
    if parses(&bytes) {
        return None;
    }
    let at = bidswarm_primitives::unix_secs();
    let aside = folder.join(format!("{FILE}.damaged-{at}"));
    if let Err(e) = tokio::fs::rename(&path, &aside).await {
        warn!(path = %path.display(), "a damaged session file cannot be moved aside: {e}");
        return None;
    }
    match tokio::fs::read(folder.join(GOOD)).await {
        Ok(good) if parses(&good) => match write_atomically(&path, &good, Access::Default).await {
            Ok(()) => {
                warn!(damaged = %aside.display(), "librqbit's session file was damaged (a full disk?): the last good copy is back")
            }
            Err(e) => {
                warn!(damaged = %aside.display(), "librqbit's session file was damaged, and its good copy cannot be put back: {e}")
            }
        },
        _ => {
            warn!(damaged = %aside.display(), "librqbit's session file was damaged and there is no good copy: the torrents start again empty")
        }
    }
    Some(aside)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Adds run concurrently: every probe succeeds, and none is left behind.
    #[tokio::test(flavor = "multi_thread")]
    async fn concurrent_probes_all_find_room() {
        let dir = tempfile::tempdir().unwrap();
        let mut probes = tokio::task::JoinSet::new();
        for _ in 0..16 {
            let folder = dir.path().to_owned();
            probes.spawn(async move { ensure_room(&folder).await });
        }
        while let Some(result) = probes.join_next().await {
            result.unwrap().unwrap();
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no probe left");
    }

    #[tokio::test]
    async fn a_damaged_session_file_is_set_aside_and_the_good_copy_put_back() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path();
        let good = br#"{"torrents":{"0":{"info_hash":"aa"}}}"#;
        tokio::fs::write(folder.join(FILE), good).await.unwrap();
        assert!(keep_good_copy(folder).await, "the first copy is written");
        assert!(!keep_good_copy(folder).await, "an unchanged file is not written again");
        assert_eq!(restore_if_damaged(folder).await, None, "a file that parses is left alone");
        for damaged in [&b""[..], b"{\"torrents\":{\"0\":"] {
            tokio::fs::write(folder.join(FILE), damaged).await.unwrap();
            assert!(!keep_good_copy(folder).await, "a damaged file is not copied");
            let aside = restore_if_damaged(folder).await.expect("set aside");
            assert_eq!(tokio::fs::read(&aside).await.unwrap(), damaged, "kept unchanged");
            assert_eq!(tokio::fs::read(folder.join(FILE)).await.unwrap(), good, "the good copy is back");
            tokio::fs::remove_file(aside).await.unwrap();
        }
    }
}
