//! Making `.torrent` files, and deciding where a torrent's files live on disk.
//!
//! We hash and encode torrents ourselves rather than with librqbit's `create_torrent`:
//! librqbit 9.1 appends the hash of an empty piece when the size is an exact multiple of
//! the piece length, which Transmission and qBittorrent rightly reject. Doing it here
//! also lets the CLI show real progress.

use std::{
    io::Read,
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
};

use bidswarm_api::{CreatedTorrent, TorrentId};
use librqbit::torrent_from_bytes;
use librqbit_bencode::ByteBufOwned;
use serde::Serialize;
use sha1::{Digest, Sha1};

use crate::{Error, Result};

#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    pub trackers: Vec<String>,
    /// Bytes per piece; a power of two of at least 16 KiB. Chosen from the size when absent.
    pub piece_length: Option<u32>,
    /// Updated while hashing, for progress bars.
    pub progress: Option<Arc<CreateProgress>>,
}

/// How far hashing has got, in bytes.
#[derive(Debug, Default)]
pub struct CreateProgress {
    pub hashed_bytes: AtomicU64,
    pub total_bytes: AtomicU64,
}

/// The BEP 3 info dictionary. The bencode writer sorts keys, as BEP 3 requires.
#[derive(Serialize)]
struct Info {
    name: String,
    #[serde(rename = "piece length")]
    piece_length: u32,
    pieces: ByteBufOwned,
    #[serde(skip_serializing_if = "Option::is_none")]
    length: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    files: Option<Vec<FileEntry>>,
}

#[derive(Serialize)]
struct FileEntry {
    length: u64,
    path: Vec<String>,
}

#[derive(Serialize)]
struct MetaInfo<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    announce: Option<&'a str>,
    #[serde(rename = "announce-list", skip_serializing_if = "Vec::is_empty")]
    announce_list: Vec<Vec<&'a str>>,
    #[serde(rename = "created by")]
    created_by: String,
    #[serde(rename = "creation date")]
    creation_date: u64,
    info: &'a Info,
}

/// Hashes the file or folder at `path` and writes a `.torrent` for it to `output`.
/// Returns the torrent's id and magnet; the magnet names the trackers.
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
    // Written from the parsed URL, never the raw string: the URL parser drops tabs and
    // newlines, so a caller cannot smuggle lines of its own into the output file.
    let mut trackers = Vec::with_capacity(options.trackers.len());
    for tracker in &options.trackers {
        let shown: String = tracker.chars().filter(|c| !c.is_control()).take(200).collect();
        match url::Url::parse(tracker) {
            Ok(url) if matches!(url.scheme(), "http" | "https" | "udp" | "ws" | "wss") => {
                trackers.push(String::from(url))
            }
            Ok(_) => {
                return Err(Error::BadInput(format!(
                    "tracker \"{shown}\" is not an http, https, udp or ws tracker URL"
                )))
            }
            Err(_) => return Err(Error::BadInput(format!("tracker \"{shown}\" is not a URL"))),
        }
    }
    let (root, options_owned) = (path.to_owned(), options.clone());
    // Hashing reads every byte: keep it off the async workers.
    let info = tokio::task::spawn_blocking(move || build_info(&root, &options_owned))
        .await
        .map_err(|e| Error::Engine { context: "hashing stopped", source: e.into() })??;
    let mut info_bytes = Vec::new();
    librqbit_bencode::bencode_serialize_to_writer(&info, &mut info_bytes).map_err(|e| Error::Engine {
        context: "could not encode the torrent",
        source: anyhow::anyhow!("{e}"),
    })?;
    let info_hash = TorrentId::from(<[u8; 20]>::from(Sha1::digest(&info_bytes)));
    let trackers: Vec<&str> = trackers.iter().map(String::as_str).collect();
    let meta = MetaInfo {
        announce: trackers.first().copied(),
        announce_list: trackers.iter().map(|t| vec![*t]).collect(),
        created_by: format!("Bidswarm {}", env!("CARGO_PKG_VERSION")),
        creation_date: u64::try_from(bidswarm_primitives::unix_secs()).unwrap_or(0),
        info: &info,
    };
    let mut bytes = Vec::new();
    librqbit_bencode::bencode_serialize_to_writer(&meta, &mut bytes).map_err(|e| Error::Engine {
        context: "could not encode the torrent",
        source: anyhow::anyhow!("{e}"),
    })?;
    bidswarm_primitives::write_atomically(output, &bytes, bidswarm_primitives::Access::Default)
        .await
        .map_err(Error::io(format!("cannot write {}", output.display())))?;
    let mut magnet = url::form_urlencoded::Serializer::new(String::new());
    magnet.append_pair("dn", &info.name);
    for t in &trackers {
        magnet.append_pair("tr", t);
    }
    Ok(CreatedTorrent {
        magnet: format!("magnet:?xt=urn:btih:{info_hash}&{}", magnet.finish()),
        id: info_hash,
        torrent_path: output.display().to_string(),
    })
}

/// Picks about 1000–2000 pieces: few enough to keep the `.torrent` small, many enough
/// that peers can trade early.
fn default_piece_length(total: u64) -> u32 {
    let target = (total / 1500).max(1).next_power_of_two();
    target.clamp(16 * 1024, 16 * 1024 * 1024) as u32
}

fn build_info(root: &Path, options: &CreateOptions) -> Result<Info> {
    let name = root
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::BadInput(format!("{} has no UTF-8 name", root.display())))?
        .to_owned();
    let files = list_files(root)?;
    let total: u64 = files.iter().map(|(_, len)| len).sum();
    if total == 0 {
        return Err(Error::BadInput(format!("{} holds no data to share", root.display())));
    }
    let piece_length = options.piece_length.unwrap_or_else(|| default_piece_length(total));
    if let Some(p) = &options.progress {
        p.total_bytes.store(total, Ordering::Relaxed);
    }
    let mut pieces = Vec::with_capacity(total.div_ceil(piece_length as u64) as usize * 20);
    let mut piece = Vec::with_capacity(piece_length as usize);
    let mut buffer = vec![0u8; 1 << 20];
    for (file, _) in &files {
        let mut reader =
            std::fs::File::open(file).map_err(Error::io(format!("cannot read {}", file.display())))?;
        loop {
            let n = reader.read(&mut buffer).map_err(Error::io(format!("cannot read {}", file.display())))?;
            if n == 0 {
                break;
            }
            let mut chunk = &buffer[..n];
            while !chunk.is_empty() {
                let take = (piece_length as usize - piece.len()).min(chunk.len());
                piece.extend_from_slice(&chunk[..take]);
                chunk = &chunk[take..];
                if piece.len() == piece_length as usize {
                    pieces.extend_from_slice(&Sha1::digest(&piece));
                    piece.clear();
                }
            }
            if let Some(p) = &options.progress {
                p.hashed_bytes.fetch_add(n as u64, Ordering::Relaxed);
            }
        }
    }
    // The last piece may be short; an empty remainder is no piece at all.
    if !piece.is_empty() {
        pieces.extend_from_slice(&Sha1::digest(&piece));
    }
    let single = root.is_file();
    Ok(Info {
        name,
        piece_length,
        pieces: ByteBufOwned::from(pieces),
        length: single.then_some(total),
        files: (!single).then(|| {
            files
                .iter()
                .map(|(path, length)| FileEntry {
                    length: *length,
                    path: path
                        .strip_prefix(root)
                        .unwrap_or(path)
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect(),
                })
                .collect()
        }),
    })
}

/// The regular files under `root` in a stable (sorted) order, with their lengths.
/// Symbolic links are not followed, so a torrent never includes files from elsewhere.
fn list_files(root: &Path) -> Result<Vec<(PathBuf, u64)>> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(root).follow_links(false).sort_by_file_name() {
        let entry = entry.map_err(|e| Error::Io {
            context: format!("cannot list {}", root.display()),
            source: e.into(),
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.into_path();
        if path.to_str().is_none() {
            return Err(Error::BadInput(format!("{} has a name that is not UTF-8", path.display())));
        }
        let len =
            std::fs::metadata(&path).map_err(Error::io(format!("cannot read {}", path.display())))?.len();
        files.push((path, len));
    }
    Ok(files)
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

/// Refuses to add a torrent over files that are not its own: librqbit sets every file to
/// the torrent's length when it opens it, so a bigger file of the same name would be cut
/// short, and a smaller one written over. A file that has the torrent's length exactly is
/// taken as this torrent's data (a resume, or seeding what is there): librqbit checks every
/// piece before trusting it. Anything else of that name (another length, a folder, a
/// symlink) is refused, and nothing is touched.
pub(crate) fn refuse_foreign_files(torrent: &[u8], content_folder: &Path) -> Result<()> {
    for (relative, len) in data_files(torrent)? {
        let path = content_folder.join(relative);
        let Ok(found) = std::fs::symlink_metadata(&path) else { continue };
        let what = if found.is_file() {
            if found.len() == len {
                continue;
            }
            format!("a file of {} bytes (the torrent's is {len} bytes)", found.len())
        } else if found.is_dir() {
            "a folder".to_owned()
        } else {
            "a link or special file".to_owned()
        };
        return Err(Error::FileInTheWay(format!(
            "{}: {what} is already there and is not this torrent's; move it away or choose another folder, so it is not written over",
            path.display()
        )));
    }
    Ok(())
}

/// The torrent's data files (padding files left out): each one's path under the content
/// folder, and its length.
pub(crate) fn data_files(torrent: &[u8]) -> Result<Vec<(PathBuf, u64)>> {
    let meta = torrent_from_bytes(torrent).map_err(|e| Error::InvalidTorrent(e.to_string()))?;
    let info = meta.info.data.validate().map_err(|e| Error::InvalidTorrent(e.to_string()))?;
    Ok(info
        .iter_file_details()
        .filter(|f| !f.attrs().padding)
        .map(|f| (f.filename.to_pathbuf(), f.len))
        .collect())
}

/// A torrent's name becomes a folder name: nothing that could climb out of, or hide in,
/// the download folder.
fn is_safe_folder_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0'])
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
        let err = create_torrent(
            &dir.path().join("nope"),
            &dir.path().join("x.torrent"),
            &CreateOptions::default(),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, Error::PathNotFound(_)), "{err}");
    }

    /// A folder torrent ("album": a.bin of 100,000 bytes, b.bin of 5) added into a folder
    /// where other things of those names stand: only a file of exactly the torrent's
    /// length passes; the others are refused and left as they were.
    #[tokio::test]
    async fn a_torrent_is_not_added_over_files_that_are_not_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let album = dir.path().join("album");
        std::fs::create_dir(&album).unwrap();
        std::fs::write(album.join("a.bin"), vec![7u8; 100_000]).unwrap();
        std::fs::write(album.join("b.bin"), b"12345").unwrap();
        let out = dir.path().join("album.torrent");
        let options = CreateOptions { trackers: vec![], piece_length: Some(16384), progress: None };
        create_torrent(&album, &out, &options).await.unwrap();
        let bytes = std::fs::read(&out).unwrap();

        let target = dir.path().join("target");
        let content = content_folder(&bytes, &target).unwrap();
        assert_eq!(content, target.join("album"));
        refuse_foreign_files(&bytes, &content).expect("nothing there yet");
        std::fs::create_dir_all(&content).unwrap();
        std::fs::write(content.join("a.bin"), vec![9u8; 100_000]).unwrap();
        refuse_foreign_files(&bytes, &content).expect("same length: the torrent's data, checked by librqbit");

        let precious = b"ssh-ed25519 AAAA... a key the user needs\n".repeat(10);
        std::fs::write(content.join("b.bin"), &precious).unwrap();
        let refused = refuse_foreign_files(&bytes, &content).unwrap_err();
        assert!(matches!(refused, Error::FileInTheWay(_)), "{refused}");
        assert!(
            refused.to_string().contains("b.bin") && refused.to_string().contains("5 bytes"),
            "{refused}"
        );
        assert_eq!(std::fs::read(content.join("b.bin")).unwrap(), precious, "untouched");

        std::fs::remove_file(content.join("b.bin")).unwrap();
        std::fs::create_dir(content.join("b.bin")).unwrap();
        assert!(matches!(refuse_foreign_files(&bytes, &content), Err(Error::FileInTheWay(_))));
        std::fs::remove_dir(content.join("b.bin")).unwrap();
        std::os::unix::fs::symlink(album.join("b.bin"), content.join("b.bin")).unwrap();
        assert!(
            matches!(refuse_foreign_files(&bytes, &content), Err(Error::FileInTheWay(_))),
            "a link is not followed"
        );
    }

    #[tokio::test]
    async fn created_torrent_round_trips_through_the_parser() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data.bin");
        std::fs::write(&data, vec![7u8; 100_000]).unwrap();
        let out = dir.path().join("data.torrent");
        let options = CreateOptions {
            trackers: vec!["http://127.0.0.1:1/announce".into()],
            piece_length: Some(16384),
            progress: None,
        };
        let created = create_torrent(&data, &out, &options).await.unwrap();
        let resolved = crate::source::parse_torrent(std::fs::read(&out).unwrap().into()).unwrap();
        assert_eq!(resolved.id(), &created.id);
        assert_eq!(resolved.name(), Some("data.bin"));
        assert!(created.magnet.starts_with(&format!("magnet:?xt=urn:btih:{}", created.id)));
        assert!(created.magnet.contains("tr="), "{}", created.magnet);
    }

    /// A tracker string carrying newlines wrote whole lines of the caller's choice into the
    /// output (an `authorized_keys` line, say); trackers are written from the parsed URL.
    #[tokio::test]
    async fn regression_a_tracker_with_newlines_writes_no_line_of_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data.bin");
        std::fs::write(&data, vec![7u8; 20_000]).unwrap();
        let out = dir.path().join("out.torrent");
        let injected = "http://127.0.0.1:1/announce\nssh-ed25519 AAAAC3Nza attacker@example\n";
        let options = CreateOptions { trackers: vec![injected.into()], ..Default::default() };
        create_torrent(&data, &out, &options).await.unwrap();
        let written = std::fs::read(&out).unwrap();
        assert!(!written.contains(&b'\n'), "no newline reaches the file");
        let text = String::from_utf8_lossy(&written);
        assert!(text.contains("http://127.0.0.1:1/announcessh-ed25519"), "the URL as parsed: {text}");
        for bad in ["file:///etc/passwd", "not a url"] {
            let options = CreateOptions { trackers: vec![bad.into()], ..Default::default() };
            let err = create_torrent(&data, &out, &options).await.unwrap_err();
            assert!(matches!(err, Error::BadInput(_)), "{bad}: {err}");
        }
    }

    /// librqbit 9.1 wrote one hash too many for sizes that are a multiple of the piece
    /// length; Transmission and qBittorrent refuse such torrents.
    #[tokio::test]
    async fn exact_multiple_of_piece_length_has_one_hash_per_piece() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("even.bin");
        std::fs::write(&data, vec![1u8; 4 * 16384]).unwrap();
        let out = dir.path().join("even.torrent");
        let options = CreateOptions { piece_length: Some(16384), ..Default::default() };
        create_torrent(&data, &out, &options).await.unwrap();
        let bytes = std::fs::read(&out).unwrap();
        let meta = torrent_from_bytes(&bytes).unwrap();
        assert_eq!(meta.info.data.pieces.as_ref().len(), 4 * 20);
        let first = Sha1::digest(vec![1u8; 16384]);
        assert_eq!(&meta.info.data.pieces.as_ref()[..20], first.as_slice());
    }

    #[tokio::test]
    async fn folder_torrent_lists_files_in_sorted_order_with_relative_paths() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("album");
        std::fs::create_dir_all(root.join("b")).unwrap();
        std::fs::write(root.join("b/z.txt"), b"zz").unwrap();
        std::fs::write(root.join("a.txt"), b"a").unwrap();
        let progress = Arc::new(CreateProgress::default());
        let options = CreateOptions { progress: Some(progress.clone()), ..Default::default() };
        let out = dir.path().join("album.torrent");
        create_torrent(&root, &out, &options).await.unwrap();
        assert_eq!(progress.hashed_bytes.load(Ordering::Relaxed), 3);
        let text = String::from_utf8_lossy(&std::fs::read(&out).unwrap()).into_owned();
        let a = text.find("5:a.txt").unwrap();
        let z = text.find("1:b5:z.txt").unwrap();
        assert!(a < z, "{text}");
    }

    #[tokio::test]
    async fn an_empty_folder_has_nothing_to_share() {
        let dir = tempfile::tempdir().unwrap();
        let err = create_torrent(dir.path(), &dir.path().join("x.torrent"), &CreateOptions::default())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("no data to share"), "{err}");
    }
}
