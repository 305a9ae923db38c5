//! Making `.torrent` files, and deciding where a torrent's files live on disk.

use std::path::{Path, PathBuf};

use bidswarm_api::{CreatedTorrent, TorrentId};
use librqbit::{CreateTorrentOptions, spawn_utils::BlockingSpawner, torrent_from_bytes};

use crate::{Error, Result};

#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    pub trackers: Vec<String>,
    /// Bytes per piece; a power of two of at least 16 KiB. librqbit's default when absent.
    pub piece_length: Option<u32>,
}

/// Hashes the file or folder at `path` and writes a `.torrent` for it to `output`.
/// Returns the torrent's id and magnet; the magnet lists the trackers.
pub async fn create_torrent(path: &Path, output: &Path, options: &CreateOptions) -> Result<CreatedTorrent> {
    if !tokio::fs::try_exists(path).await.unwrap_or(false) {
        return Err(Error::PathNotFound(path.display().to_string()));
    }
    if let Some(len) = options.piece_length {
        if len < 16 * 1024 || !len.is_power_of_two() {
            return Err(Error::BadInput(format!(
                "piece length {len} must be a power of two of at least 16384 bytes"
            )));
        }
    }
    for tracker in &options.trackers {
        if url::Url::parse(tracker).is_err() {
            return Err(Error::BadInput(format!("tracker \"{tracker}\" is not a URL")));
        }
    }
    let created = librqbit::create_torrent(
        path,
        CreateTorrentOptions {
            name: None,
            trackers: options.trackers.clone(),
            piece_length: options.piece_length,
        },
        &BlockingSpawner::new(1),
    )
    .await
    .map_err(Error::engine("could not hash the files"))?;
    let bytes = created.as_bytes().map_err(Error::engine("could not encode the torrent"))?;
    crate::write_atomically(output, &bytes)
        .await
        .map_err(Error::io(format!("cannot write {}", output.display())))?;
    Ok(CreatedTorrent {
        id: TorrentId(created.info_hash().as_string()),
        magnet: created.as_magnet().to_string(),
        torrent_path: output.display().to_string(),
    })
}

/// Where a torrent's files go when it is downloaded into `download_folder`: a multi-file
/// torrent (BEP 3: one with a `files` list) gets a folder named after it, as Transmission
/// and qBittorrent do, so the same `--data` folder works for all three.
pub(crate) fn content_folder(torrent: &[u8], download_folder: &Path) -> Result<PathBuf> {
    let meta = torrent_from_bytes(torrent).map_err(|e| Error::InvalidTorrent(e.to_string()))?;
    if meta.info.data.files.is_none() {
        return Ok(download_folder.to_owned());
    }
    let name = meta
        .info
        .data
        .name
        .as_ref()
        .map(|n| String::from_utf8_lossy(n.as_ref()).into_owned())
        .filter(|n| is_safe_folder_name(n))
        .unwrap_or_else(|| meta.info_hash.as_string());
    Ok(download_folder.join(name))
}

/// A torrent's name becomes a folder name: nothing that could climb out of, or hide in,
/// the download folder.
fn is_safe_folder_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\', '\0'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_cannot_escape_the_download_folder() {
        for bad in ["", ".", "..", "../etc", "a/b", "a\\b"] {
            assert!(!is_safe_folder_name(bad), "{bad:?}");
        }
        assert!(is_safe_folder_name("Ubuntu 24.04"));
    }

    #[test]
    fn multi_file_torrent_gets_its_own_folder_single_file_does_not() {
        let single = b"d4:infod6:lengthi10e4:name1:a12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee";
        assert_eq!(content_folder(single, Path::new("/d")).unwrap(), Path::new("/d"));
        let multi = b"d4:infod5:filesld6:lengthi10e4:pathl1:xeee4:name3:dir12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee";
        assert_eq!(content_folder(multi, Path::new("/d")).unwrap(), Path::new("/d/dir"));
        let escaping = b"d4:infod5:filesld6:lengthi10e4:pathl1:xeee4:name2:..12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee";
        let folder = content_folder(escaping, Path::new("/d")).unwrap();
        assert_eq!(folder.parent(), Some(Path::new("/d")));
        assert_ne!(folder.file_name().unwrap(), "..");
    }

    #[tokio::test]
    async fn create_torrent_of_a_missing_path_is_path_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let err = create_torrent(&dir.path().join("nope"), &dir.path().join("x.torrent"), &CreateOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::PathNotFound(_)), "{err}");
    }

    #[tokio::test]
    async fn created_torrent_round_trips_through_the_parser() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data.bin");
        std::fs::write(&data, vec![7u8; 100_000]).unwrap();
        let out = dir.path().join("data.torrent");
        let options = CreateOptions { trackers: vec!["http://127.0.0.1:1/announce".into()], piece_length: Some(16384) };
        let created = create_torrent(&data, &out, &options).await.unwrap();
        let resolved = crate::source::parse_torrent(std::fs::read(&out).unwrap().into()).unwrap();
        assert_eq!(resolved.id(), &created.id);
        assert_eq!(resolved.name(), Some("data.bin"));
        assert!(created.magnet.starts_with(&format!("magnet:?xt=urn:btih:{}", created.id)));
        assert!(created.magnet.contains("tr="), "{}", created.magnet);
    }
}
