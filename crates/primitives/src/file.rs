//! [`write_atomically`]: replace a file so that a crash leaves the old contents or the new,
//! never half of either.

use std::{
    ffi::OsString,
    io::Write,
    path::{Path, PathBuf},
};

/// Who may read the file written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The process's umask decides (usually everyone may read).
    Default,
    /// Its owner only (0600 on Unix): settings, the keystore.
    OwnerOnly,
}

/// The file a write goes through before it is renamed over `path`: `<name>.bidswarm-tmp`
/// beside it. Not `<name>.tmp`, which librqbit uses for its own session file.
pub fn temp_path(path: &Path) -> PathBuf {
    let mut name: OsString = path.file_name().unwrap_or_default().to_owned();
    name.push(".bidswarm-tmp");
    path.with_file_name(name)
}

/// Writes `contents` to `path` atomically and durably: to [`temp_path`] first, synced, then
/// renamed into place, then the folder synced so the rename itself survives a power cut.
/// On failure the temporary file is removed and `path` is untouched.
pub fn write_atomically_blocking(path: &Path, contents: &[u8], access: Access) -> std::io::Result<()> {
    let tmp = temp_path(path);
    let write = || -> std::io::Result<()> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        if access == Access::OwnerOnly {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        #[cfg(unix)]
        if access == Access::OwnerOnly {
            // Also when a crash left the temporary file behind with another mode.
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        file.write_all(contents)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)?;
        #[cfg(unix)]
        {
            let folder = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            std::fs::File::open(folder)?.sync_all()?;
        }
        Ok(())
    };
    write().inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

#[cfg(feature = "tokio")]
/// [`write_atomically_blocking`] on tokio's blocking pool, so an async task never waits on
/// the disk itself.
pub async fn write_atomically(path: &Path, contents: &[u8], access: Access) -> std::io::Result<()> {
    let (path, contents) = (path.to_owned(), contents.to_vec());
    tokio::task::spawn_blocking(move || write_atomically_blocking(&path, &contents, access))
        .await
        .map_err(std::io::Error::other)?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "tokio")]
    #[tokio::test]
    async fn a_write_replaces_the_file_whole_and_leaves_nothing_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        std::fs::write(&path, b"old").unwrap();
        write_atomically(&path, b"new contents", Access::OwnerOnly).await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new contents");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["settings.json"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary_one() {
        let dir = tempfile::tempdir().unwrap();
        // A folder where the file should be: the rename fails after the temporary file
        // was written.
        let path = dir.path().join("taken");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("inside"), b"kept").unwrap();
        assert!(write_atomically_blocking(&path, b"new", Access::Default).is_err());
        assert_eq!(std::fs::read(path.join("inside")).unwrap(), b"kept");
        assert!(!temp_path(&path).exists());
    }

    #[test]
    fn the_temporary_file_is_beside_the_target_and_not_librqbits() {
        assert_eq!(temp_path(Path::new("/s/session.json")), Path::new("/s/session.json.bidswarm-tmp"));
        assert_eq!(temp_path(Path::new("wallet.keystore")), Path::new("wallet.keystore.bidswarm-tmp"));
    }
}
