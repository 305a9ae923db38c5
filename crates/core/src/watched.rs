//! The watched folder: `.torrent` files dropped into it are added, then moved aside into
//! its `added/` folder, or into `failed/` when they cannot be added (with the reason in an
//! event and the log), so the folder only ever holds what is still to do.

use std::{
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

use bidswarm_swarm::source::MAX_TORRENT_FILE_BYTES;

/// How often the folder is looked at.
pub(crate) const SCAN_EVERY: Duration = Duration::from_secs(3);

/// A file changed more recently than this may still be being written; it waits.
const SETTLE: Duration = Duration::from_secs(2);

/// Most files taken in one look, so a folder of thousands is worked through in turns.
const MOST_PER_SCAN: usize = 50;

/// How long reading one file may take.
const READ_WITHIN: Duration = Duration::from_secs(10);

const NOT_A_FILE: &str = "it is not a regular file (a link, a pipe or a device); copy the .torrent itself";

/// Reads a regular file of at most [`MAX_TORRENT_FILE_BYTES`], checked on the file it
/// opened: a name swapped for a link, a pipe or a device after the folder was listed is
/// refused (`O_NOFOLLOW`, and `O_NONBLOCK` so a pipe cannot block the open), and a file that
/// grows is cut off after the cap.
fn read_capped(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| format!("it cannot be opened: {e}"))?;
    let meta = file.metadata().map_err(|e| format!("it cannot be read: {e}"))?;
    if !meta.is_file() {
        return Err(NOT_A_FILE.into());
    }
    let too_big =
        |len: u64| format!("it is {len} bytes, more than the {MAX_TORRENT_FILE_BYTES} a .torrent may have");
    if meta.len() > MAX_TORRENT_FILE_BYTES as u64 {
        return Err(too_big(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_TORRENT_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("it cannot be read: {e}"))?;
    if bytes.len() > MAX_TORRENT_FILE_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Where files go once handled.
pub(crate) const ADDED: &str = "added";
pub(crate) const FAILED: &str = "failed";

/// A `.torrent` in the folder, ready: its bytes, or why it cannot be read as one.
pub(crate) type Found = (PathBuf, Result<Vec<u8>, String>);

/// The `.torrent` files in `folder` (not its subfolders) that have not changed for
/// [`SETTLE`]. Only regular files are read: a link or a pipe named `.torrent` is refused
/// unread, as is a file larger than any `.torrent` may be.
pub(crate) async fn scan(folder: &Path, now: SystemTime) -> std::io::Result<Vec<Found>> {
    let mut entries = tokio::fs::read_dir(folder).await?;
    let mut found = Vec::new();
    while let Some(entry) = entries.next_entry().await? {
        if found.len() == MOST_PER_SCAN {
            break;
        }
        let path = entry.path();
        let is_torrent = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("torrent"));
        let Ok(meta) = tokio::fs::symlink_metadata(&path).await else { continue };
        if !is_torrent || meta.is_dir() {
            continue;
        }
        let changed = meta.modified().unwrap_or(now);
        if now.duration_since(changed).is_ok_and(|age| age < SETTLE) {
            continue;
        }
        let bytes = if !meta.file_type().is_file() {
            Err(NOT_A_FILE.into())
        } else {
            let reading = path.clone();
            match tokio::time::timeout(
                READ_WITHIN,
                tokio::task::spawn_blocking(move || read_capped(&reading)),
            )
            .await
            {
                Ok(Ok(read)) => read,
                Ok(Err(e)) => Err(format!("it could not be read: {e}")),
                Err(_) => Err(format!("it could not be read within {} s", READ_WITHIN.as_secs())),
            }
        };
        found.push((path, bytes));
    }
    Ok(found)
}

/// Moves `file` into `sub` beside it, never over another file: a name already there gets
/// ` (2)`, ` (3)` … before its extension. `sub` must be a real folder, not a link that
/// would send files elsewhere. Returns where it went.
pub(crate) async fn move_aside(file: &Path, sub: &str) -> std::io::Result<PathBuf> {
    let parent = file.parent().unwrap_or(Path::new("."));
    let into = parent.join(sub);
    tokio::fs::create_dir_all(&into).await?;
    if !tokio::fs::symlink_metadata(&into).await?.is_dir() {
        return Err(std::io::Error::other(format!("{} is not a folder (a link?)", into.display())));
    }
    let stem = file.file_stem().unwrap_or_default().to_string_lossy().into_owned();
    let ext = file.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
    for n in 1..1000u32 {
        let name = if n == 1 { format!("{stem}{ext}") } else { format!("{stem} ({n}){ext}") };
        let target = into.join(name);
        if tokio::fs::symlink_metadata(&target).await.is_err() {
            tokio::fs::rename(file, &target).await?;
            return Ok(target);
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        "a thousand files of that name are already there",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn later() -> SystemTime {
        SystemTime::now() + Duration::from_secs(10)
    }

    #[tokio::test]
    async fn only_settled_regular_torrent_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("good.torrent"), b"d4:infode").unwrap();
        std::fs::write(d.join("UPPER.TORRENT"), b"x").unwrap();
        std::fs::write(d.join("notes.txt"), b"x").unwrap();
        let made = std::process::Command::new("mkfifo").arg(d.join("pipe.torrent")).status().unwrap();
        assert!(made.success());
        std::fs::create_dir(d.join("folder.torrent")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", d.join("link.torrent")).unwrap();
        let big = std::fs::File::create(d.join("big.torrent")).unwrap();
        big.set_len(MAX_TORRENT_FILE_BYTES as u64 + 1).unwrap();

        assert!(scan(d, SystemTime::now()).await.unwrap().is_empty(), "all of them were just written");
        let mut found = scan(d, later()).await.unwrap();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        let names: Vec<String> =
            found.iter().map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["UPPER.TORRENT", "big.torrent", "good.torrent", "link.torrent", "pipe.torrent"]);
        assert_eq!(found[2].1.as_deref(), Ok(&b"d4:infode"[..]));
        assert!(found[1].1.as_ref().unwrap_err().contains("more than"), "{:?}", found[1].1);
        assert!(found[3].1.as_ref().unwrap_err().contains("not a regular file"), "{:?}", found[3].1);
        assert!(found[4].1.as_ref().unwrap_err().contains("not a regular file"), "{:?}", found[4].1);
    }

    /// A name that was a file when listed and is a pipe or a link when opened.
    #[test]
    fn a_file_swapped_after_the_listing_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let pipe = dir.path().join("p.torrent");
        assert!(std::process::Command::new("mkfifo").arg(&pipe).status().unwrap().success());
        assert!(
            read_capped(&pipe).unwrap_err().contains("not a regular file"),
            "a pipe does not block the open"
        );
        let link = dir.path().join("l.torrent");
        std::os::unix::fs::symlink("/etc/hostname", &link).unwrap();
        assert!(read_capped(&link).unwrap_err().contains("cannot be opened"));
    }

    #[tokio::test]
    async fn added_and_failed_must_be_real_folders() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), dir.path().join(FAILED)).unwrap();
        std::fs::write(dir.path().join("x.torrent"), b"x").unwrap();
        assert!(move_aside(&dir.path().join("x.torrent"), FAILED).await.is_err());
        assert!(dir.path().join("x.torrent").exists(), "left where it was");
        assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);
    }

    #[tokio::test]
    async fn moving_aside_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for round in 0..3 {
            std::fs::write(d.join("a.torrent"), format!("{round}")).unwrap();
            move_aside(&d.join("a.torrent"), ADDED).await.unwrap();
        }
        let read = |name: &str| std::fs::read_to_string(d.join(ADDED).join(name)).unwrap();
        assert_eq!([read("a.torrent"), read("a (2).torrent"), read("a (3).torrent")], ["0", "1", "2"]);
        assert!(!d.join("a.torrent").exists());
    }
}
