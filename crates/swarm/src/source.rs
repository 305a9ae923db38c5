//! Turning what the user handed us (a magnet, `.torrent` bytes, a path, a URL) into
//! something librqbit can add, with every kind of bad input caught here, before the
//! session is touched, so a bad add can never disturb the torrents already running.

use std::{net::SocketAddr, path::Path, time::Duration};

use base64::Engine as _;
use bidswarm_api::{TorrentId, TorrentSource};
use bytes::Bytes;
use librqbit::{torrent_from_bytes, Magnet};

use crate::{Error, Result};

/// The largest `.torrent` we accept. Real ones with tens of thousands of files stay far
/// below this; anything bigger is a mistake or an attack on our memory.
pub const MAX_TORRENT_FILE_BYTES: usize = 32 * 1024 * 1024;
const URL_TIMEOUT: Duration = Duration::from_secs(30);

/// A source that has been fetched, parsed and validated.
#[derive(Debug, Clone)]
pub enum Resolved {
    Magnet {
        id: TorrentId,
        name: Option<String>,
        uri: String,
        /// Peers named in the magnet's `x.pe` parameters (BEP 9).
        peers: Vec<SocketAddr>,
    },
    Torrent {
        id: TorrentId,
        name: Option<String>,
        bytes: Bytes,
    },
}

impl Resolved {
    pub fn id(&self) -> &TorrentId {
        match self {
            Self::Magnet { id, .. } | Self::Torrent { id, .. } => id,
        }
    }

    pub fn name(&self) -> Option<&str> {
        match self {
            Self::Magnet { name, .. } | Self::Torrent { name, .. } => name.as_deref(),
        }
    }
}

pub async fn resolve(source: &TorrentSource) -> Result<Resolved> {
    match source {
        TorrentSource::Magnet(uri) => parse_magnet(uri),
        TorrentSource::TorrentBase64(b64) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|e| Error::InvalidTorrent(format!("the upload is not valid base64 ({e})")))?;
            parse_torrent(bytes.into())
        }
        TorrentSource::Path(path) => parse_torrent(read_torrent_file(Path::new(path)).await?),
        TorrentSource::Url(url) if url.trim_start().starts_with("magnet:") => parse_magnet(url),
        TorrentSource::Url(url) => parse_torrent(fetch_url(url.trim()).await?),
    }
}

pub fn parse_magnet(uri: &str) -> Result<Resolved> {
    let uri = uri.trim();
    if !uri.starts_with("magnet:?") {
        return Err(Error::InvalidMagnet("it must start with \"magnet:?\"".into()));
    }
    if !uri.contains("xt=urn:btih:") {
        return Err(Error::InvalidMagnet("missing xt=urn:btih".into()));
    }
    let magnet = Magnet::parse(uri).map_err(|e| Error::InvalidMagnet(format!("{e:#}")))?;
    let info_hash = magnet
        .as_id20()
        .ok_or_else(|| Error::InvalidMagnet("only BitTorrent v1 (btih) magnets are supported".into()))?;
    Ok(Resolved::Magnet {
        id: TorrentId(info_hash.as_string()),
        name: magnet.name.clone(),
        uri: uri.to_owned(),
        peers: magnet_peers(uri),
    })
}

/// `x.pe=host:port` entries; ones that are not a literal socket address are skipped, as
/// resolving names here would block and leak which torrents we look at to DNS.
fn magnet_peers(uri: &str) -> Vec<SocketAddr> {
    let Ok(url) = url::Url::parse(uri) else { return Vec::new() };
    url.query_pairs().filter(|(k, _)| k == "x.pe").filter_map(|(_, v)| v.parse().ok()).collect()
}

pub fn parse_torrent(bytes: Bytes) -> Result<Resolved> {
    if bytes.is_empty() {
        return Err(Error::InvalidTorrent("the file is empty".into()));
    }
    if bytes.len() > MAX_TORRENT_FILE_BYTES {
        return Err(Error::InvalidTorrent(format!(
            "the file is {} bytes, more than the {MAX_TORRENT_FILE_BYTES} a .torrent may have",
            bytes.len()
        )));
    }
    let meta = torrent_from_bytes(&bytes)
        .map_err(|e| Error::InvalidTorrent(format!("{e} (is it truncated, or not a .torrent at all?)")))?;
    let name = meta.info.data.name.as_ref().map(|n| String::from_utf8_lossy(n.as_ref()).into_owned());
    let id = TorrentId(meta.info_hash.as_string());
    let info = &meta.info.data;
    let total: u64 = match (&info.files, info.length) {
        (Some(files), _) => files.iter().map(|f| f.length).sum(),
        (None, Some(length)) => length,
        (None, None) => return Err(Error::InvalidTorrent("it has neither a length nor a file list".into())),
    };
    if info.piece_length == 0 {
        return Err(Error::InvalidTorrent("its piece length is zero".into()));
    }
    // librqbit tolerates extra hashes; Transmission and qBittorrent do not, and a torrent
    // we accept should work everywhere.
    let pieces = total.div_ceil(info.piece_length as u64);
    let hashes = info.pieces.as_ref().len();
    if hashes as u64 != pieces * 20 {
        return Err(Error::InvalidTorrent(format!(
            "it has {} bytes of piece hashes for {pieces} pieces ({} expected)",
            hashes,
            pieces * 20
        )));
    }
    meta.info
        .data
        .validate()
        .map_err(|e| Error::InvalidTorrent(format!("its piece layout is inconsistent: {e}")))?;
    Ok(Resolved::Torrent { id, name, bytes })
}

async fn read_torrent_file(path: &Path) -> Result<Bytes> {
    let display = path.display().to_string();
    let meta = tokio::fs::metadata(path).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::PathNotFound(display.clone()),
        _ => Error::Io { context: format!("cannot read {display}"), source: e },
    })?;
    if !meta.is_file() {
        return Err(Error::InvalidTorrent(format!("{display} is a folder, not a .torrent file")));
    }
    if meta.len() > MAX_TORRENT_FILE_BYTES as u64 {
        return Err(Error::InvalidTorrent(format!("{display} is too large to be a .torrent")));
    }
    let bytes = tokio::fs::read(path).await.map_err(Error::io(format!("cannot read {display}")))?;
    Ok(bytes.into())
}

async fn fetch_url(url: &str) -> Result<Bytes> {
    let unreachable = |reason: String| Error::Unreachable { url: url.to_owned(), reason };
    let parsed = url::Url::parse(url).map_err(|e| Error::BadInput(format!("not a valid URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::BadInput(format!(
            "unsupported URL scheme \"{}\"; use magnet:, http:// or https://",
            parsed.scheme()
        )));
    }
    let client =
        reqwest::Client::builder().timeout(URL_TIMEOUT).build().map_err(|e| unreachable(e.to_string()))?;
    let mut response = client.get(parsed).send().await.map_err(|e| unreachable(describe(&e)))?;
    let status = response.status();
    if !status.is_success() {
        return Err(unreachable(format!("the server answered HTTP {status}")));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| unreachable(describe(&e)))? {
        if body.len() + chunk.len() > MAX_TORRENT_FILE_BYTES {
            return Err(Error::InvalidTorrent(format!("{url} serves more than a .torrent may hold")));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.into())
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        format!("no answer within {} s", URL_TIMEOUT.as_secs())
    } else if e.is_connect() {
        "could not connect to the server".into()
    } else {
        e.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn magnet_with_btih_and_peer_parses() {
        let uri = format!("magnet:?xt=urn:btih:{HASH}&dn=file&x.pe=127.0.0.1:6881&x.pe=bad");
        let Resolved::Magnet { id, name, peers, .. } = parse_magnet(&uri).unwrap() else {
            panic!("a magnet resolves to a magnet")
        };
        assert_eq!(id.0, HASH);
        assert_eq!(name.as_deref(), Some("file"));
        assert_eq!(peers, vec!["127.0.0.1:6881".parse::<SocketAddr>().unwrap()]);
    }

    #[test]
    fn malformed_magnets_say_what_is_wrong() {
        for (uri, expect) in [
            ("http://example.invalid/x", "must start with"),
            ("magnet:?dn=nothing", "missing xt=urn:btih"),
            ("magnet:?xt=urn:btih:zz", "not a valid magnet link"),
        ] {
            let err = parse_magnet(uri).unwrap_err();
            assert!(matches!(err, Error::InvalidMagnet(_)), "{uri}: {err}");
            assert!(err.to_string().contains(expect), "{uri}: {err}");
        }
    }

    #[test]
    fn garbage_and_truncated_torrents_are_rejected() {
        assert!(matches!(parse_torrent(Bytes::new()), Err(Error::InvalidTorrent(_))));
        assert!(matches!(
            parse_torrent(Bytes::from_static(b"this is not bencode")),
            Err(Error::InvalidTorrent(_))
        ));
        let truncated = b"d8:announce3:url4:infod6:lengthi10e4:name1:a12:piece lengthi16384e6:pieces20:aaaa";
        assert!(matches!(parse_torrent(Bytes::from_static(truncated)), Err(Error::InvalidTorrent(_))));
    }

    #[test]
    fn well_formed_torrent_parses_with_its_name() {
        let t = b"d4:infod6:lengthi10e4:name1:a12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee";
        let resolved = parse_torrent(Bytes::from_static(t)).unwrap();
        assert_eq!(resolved.name(), Some("a"));
        assert_eq!(resolved.id().0.len(), 40);
    }

    #[test]
    fn pieces_that_do_not_match_the_length_are_inconsistent() {
        // 10 bytes need one piece hash; two are given.
        let t = b"d4:infod6:lengthi10e4:name1:a12:piece lengthi16384e6:pieces40:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaee";
        let err = parse_torrent(Bytes::from_static(t)).unwrap_err();
        assert!(matches!(err, Error::InvalidTorrent(_)), "{err}");
    }
}
