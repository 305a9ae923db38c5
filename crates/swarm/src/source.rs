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
/// The most file indices a magnet's `so=` may select. Torrents with more files than this
/// are rare, and librqbit holds every selected index in memory.
const MAX_SELECTED_FILES: usize = 1 << 20;

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
    check_params(uri)?;
    let magnet = Magnet::parse(uri).map_err(|e| Error::InvalidMagnet(format!("{e:#}")))?;
    let info_hash = magnet
        .as_id20()
        .ok_or_else(|| Error::InvalidMagnet("only BitTorrent v1 (btih) magnets are supported".into()))?;
    Ok(Resolved::Magnet {
        id: TorrentId::from(info_hash.0),
        name: magnet.name.clone(),
        uri: uri.to_owned(),
        peers: magnet_peers(uri),
    })
}

/// The parameters librqbit 9.1 would crash on, refused first (both found by the magnet
/// fuzz target). The attacker is whoever wrote the link the user pastes.
/// - An `xt` hash: librqbit copies whatever 32 base32 characters decode to into 20 bytes,
///   and a `=` or a character outside the alphabet makes them decode to fewer.
/// - `so` (BEP 53, files to select): librqbit lists every index of a range, so
///   `so=0-99999999999999` asks for terabytes and aborts the process.
fn check_params(uri: &str) -> Result<()> {
    let url = url::Url::parse(uri).map_err(|e| Error::InvalidMagnet(format!("it is not a URL ({e})")))?;
    let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    let base32 =
        |s: &str, len: usize| s.len() == len && s.bytes().all(|b| matches!(b, b'A'..=b'Z' | b'2'..=b'7'));
    let mut selected = 0usize;
    for (key, value) in url.query_pairs() {
        match &*key {
            "xt" => {
                if let Some(v1) = value.strip_prefix("urn:btih:") {
                    if !hex(v1, 40) && !base32(v1, 32) {
                        return Err(Error::InvalidMagnet(
                            "its btih info hash is neither 40 hex digits nor 32 base32 characters".into(),
                        ));
                    }
                } else if let Some(v2) = value.strip_prefix("urn:btmh:1220") {
                    if !hex(v2, 64) {
                        return Err(Error::InvalidMagnet("its btmh info hash is not 64 hex digits".into()));
                    }
                }
            }
            "so" => {
                for part in value.split(',') {
                    // As librqbit reads them: unreadable parts are skipped, a backward range is empty.
                    let count = match part.split_once('-') {
                        Some((start, end)) => match (start.parse::<usize>(), end.parse::<usize>()) {
                            (Ok(start), Ok(end)) => {
                                end.saturating_sub(start).saturating_add(usize::from(end >= start))
                            }
                            _ => 0,
                        },
                        None => usize::from(part.parse::<usize>().is_ok()),
                    };
                    selected = selected.saturating_add(count);
                    if selected > MAX_SELECTED_FILES {
                        return Err(Error::InvalidMagnet(format!(
                            "it selects more than {MAX_SELECTED_FILES} files (so=)"
                        )));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
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
    check_numbers(&bytes)?;
    let meta = torrent_from_bytes(&bytes)
        .map_err(|e| Error::InvalidTorrent(format!("{e} (is it truncated, or not a .torrent at all?)")))?;
    let name = meta.info.data.name.as_ref().map(|n| String::from_utf8_lossy(n.as_ref()).into_owned());
    let id = TorrentId::from(meta.info_hash.0);
    let info = &meta.info.data;
    // A hostile .torrent can name lengths whose sum, or whose count of piece hashes,
    // overflows a u64 (found writing the torrent fuzz check).
    let too_large = || Error::InvalidTorrent("its files add up to more bytes than anyone can store".into());
    let total: u64 = match (&info.files, info.length) {
        (Some(files), _) => {
            files.iter().try_fold(0u64, |sum, f| sum.checked_add(f.length)).ok_or_else(too_large)?
        }
        (None, Some(length)) => length,
        (None, None) => return Err(Error::InvalidTorrent("it has neither a length nor a file list".into())),
    };
    if info.piece_length == 0 {
        return Err(Error::InvalidTorrent("its piece length is zero".into()));
    }
    // librqbit tolerates extra hashes; Transmission and qBittorrent do not, and a torrent
    // we accept should work everywhere.
    let pieces = total.div_ceil(info.piece_length as u64);
    let expected = pieces.checked_mul(20).ok_or_else(too_large)?;
    let hashes = info.pieces.as_ref().len();
    if hashes as u64 != expected {
        return Err(Error::InvalidTorrent(format!(
            "it has {hashes} bytes of piece hashes for {pieces} pieces ({expected} expected)"
        )));
    }
    meta.info
        .data
        .validate()
        .map_err(|e| Error::InvalidTorrent(format!("its piece layout is inconsistent: {e}")))?;
    Ok(Resolved::Torrent { id, name, bytes })
}

/// The longest number we let librqbit-bencode 9.1 read: its `atoi` panics on overflow
/// (found by the torrent fuzz target, as peerwire's was for the peer wire). 18 digits fit
/// an `i64` and a `usize`, and no honest `.torrent` has a longer length or integer.
const MAX_DIGITS: usize = 18;

/// Walks the bencode as librqbit will and refuses a number it would overflow reading: a
/// length prefix or integer over [`MAX_DIGITS`], or a `piece length` over `u32::MAX`
/// (librqbit's type for it). Numbers inside byte strings (a file named after a date) are
/// text and not counted. Where the bytes stop being bencode the walk stops: librqbit
/// refuses them there, before it reads anything further.
fn check_numbers(bytes: &[u8]) -> Result<()> {
    let too_long = || Error::InvalidTorrent(format!("it has a number longer than {MAX_DIGITS} digits"));
    let digits_from = |from: usize| {
        bytes.get(from..).map_or(0, |rest| rest.iter().take_while(|b| b.is_ascii_digit()).count())
    };
    // At most MAX_DIGITS ASCII digits: always a valid u64.
    let value = |from: usize, digits: usize| -> u64 {
        std::str::from_utf8(&bytes[from..from + digits]).ok().and_then(|d| d.parse().ok()).unwrap_or(u64::MAX)
    };
    let mut previous_string: &[u8] = &[];
    let mut at = 0usize;
    while let Some(&b) = bytes.get(at) {
        let key = std::mem::take(&mut previous_string);
        match b {
            b'd' | b'l' | b'e' => at += 1,
            b'i' => {
                // atoi reads signed integers with a '+' or '-' in front.
                let sign = usize::from(matches!(bytes.get(at + 1), Some(b'+' | b'-')));
                let digits = digits_from(at + 1 + sign);
                if digits > MAX_DIGITS {
                    return Err(too_long());
                }
                if key == b"piece length" && value(at + 1 + sign, digits) > u64::from(u32::MAX) {
                    return Err(Error::InvalidTorrent("its piece length is over 4 GiB".into()));
                }
                // A sign alone ("i+e") is zero to atoi.
                at += 1 + sign + digits;
                if sign + digits == 0 || bytes.get(at) != Some(&b'e') {
                    break;
                }
                at += 1;
            }
            b'0'..=b'9' => {
                let digits = digits_from(at);
                if digits > MAX_DIGITS {
                    return Err(too_long());
                }
                if bytes.get(at + digits) != Some(&b':') {
                    break;
                }
                let start = at.saturating_add(digits + 1);
                let end = start.saturating_add(usize::try_from(value(at, digits)).unwrap_or(usize::MAX));
                previous_string = bytes.get(start..end).unwrap_or_default();
                at = end;
            }
            _ => break,
        }
    }
    Ok(())
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
        assert_eq!(id.to_string(), HASH);
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
        assert_ne!(resolved.id().info_hash(), [0; 20]);
    }

    #[test]
    fn pieces_that_do_not_match_the_length_are_inconsistent() {
        // 10 bytes need one piece hash; two are given.
        let t = b"d4:infod6:lengthi10e4:name1:a12:piece lengthi16384e6:pieces40:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaee";
        let err = parse_torrent(Bytes::from_static(t)).unwrap_err();
        assert!(matches!(err, Error::InvalidTorrent(_)), "{err}");
    }

    #[test]
    fn a_btih_that_decodes_short_of_20_bytes_is_refused_not_a_panic() {
        // Found by the magnet fuzz target: librqbit 9.1 copies whatever 32 base32
        // characters decode to into 20 bytes, and a '=' makes them decode to fewer.
        let crash = "magnet:?xt=urn:btih:CIRCUMSTANCESCI=CUMSTANCESCIRCUM&tr=udp%3>A%2::1]:1";
        assert!(matches!(parse_magnet(crash), Err(Error::InvalidMagnet(_))));
        let padded = format!("magnet:?xt=urn:btih:{}==", "A".repeat(30));
        assert!(matches!(parse_magnet(&padded), Err(Error::InvalidMagnet(_))));
        // The same for the v2 hash of a hybrid magnet: 56 base32 characters are 35 bytes.
        let hybrid = format!("magnet:?xt=urn:btih:{HASH}&xt=urn:btmh:1220{}", "A".repeat(56));
        assert!(matches!(parse_magnet(&hybrid), Err(Error::InvalidMagnet(_))));
        // Plain base32 still works.
        assert!(parse_magnet("magnet:?xt=urn:btih:CIRCUMSTANCESCIRCUMSTANCESCIRCUM").is_ok());
    }

    #[test]
    fn file_lengths_that_overflow_are_refused_not_a_panic() {
        // Three files of 2^63 - 1 bytes add up past u64::MAX.
        let files = b"d4:infod5:filesld6:lengthi9223372036854775807e4:pathl1:xeed6:lengthi9223372036854775807e4:pathl1:yeed6:lengthi9223372036854775807e4:pathl1:zeee4:name1:d12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee";
        assert!(matches!(parse_torrent(Bytes::from_static(files)), Err(Error::InvalidTorrent(_))));
        // 2^63 - 1 one-byte pieces need more hash bytes than a u64 can count.
        let pieces = b"d4:infod6:lengthi9223372036854775807e4:name1:a12:piece lengthi1e6:pieces20:aaaaaaaaaaaaaaaaaaaaee";
        assert!(matches!(parse_torrent(Bytes::from_static(pieces)), Err(Error::InvalidTorrent(_))));
    }

    #[test]
    fn a_magnet_selecting_trillions_of_files_is_refused_not_an_abort() {
        // Found by the magnet fuzz target: librqbit lists every index of an so= range, and
        // this one would take 5 TB.
        let crash = format!("magnet:?xt=urn:btih:{HASH}&so=012354567845-678901234567");
        assert!(matches!(parse_magnet(&crash), Err(Error::InvalidMagnet(_))));
        let many = format!("magnet:?xt=urn:btih:{HASH}&so=0-1000,2000-{}", MAX_SELECTED_FILES + 1000);
        assert!(matches!(parse_magnet(&many), Err(Error::InvalidMagnet(_))));
        let fine = format!("magnet:?xt=urn:btih:{HASH}&so=0,2,4-6,9-3,x-1");
        assert!(parse_magnet(&fine).is_ok());
    }

    #[test]
    fn numbers_too_long_to_read_are_refused_not_a_panic() {
        // Found by the torrent fuzz target: librqbit-bencode's atoi overflows on a 62-digit
        // length prefix (the value of an unknown key), and panics in a debug build.
        let crash = [
            &b"d4:infod6:lengt5"[..],
            &[b'5'; 62],
            b"hi10e4:named4:infodece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee",
        ]
        .concat();
        assert!(matches!(parse_torrent(crash.into()), Err(Error::InvalidTorrent(_))));
        let integer = b"d4:infod6:lengthi1234567890123456789e4:name1:a12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee";
        assert!(matches!(parse_torrent(Bytes::from_static(integer)), Err(Error::InvalidTorrent(_))));
        // A '+' is part of an integer to librqbit, so it is to the walk too (else it reads the
        // digits after it as a length and loses its place).
        let plus = b"d4:infod6:lengthi+10e4:name1:a12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaa5:filesl12:x77777777777777777777777777777777777777777777xeee";
        assert!(matches!(parse_torrent(Bytes::from_static(plus)), Err(Error::InvalidTorrent(_))));
        let sign_alone = [&b"d4:fgt`i+e4:\x98gt`"[..], &[b'9'; 95], b"d4:fgt`i+e4:\x98gt`i+4i+4e"].concat();
        assert!(matches!(parse_torrent(sign_alone.into()), Err(Error::InvalidTorrent(_))));
        // librqbit reads the piece length into a u32.
        let piece =
            b"d4:infod6:lengthi10e4:name1:a12:piece lengthi16380000000e6:pieces20:aaaaaaaaaaaaaaaaaaaaee";
        assert!(matches!(parse_torrent(Bytes::from_static(piece)), Err(Error::InvalidTorrent(_))));
        // Digits inside a name are text, not numbers.
        let dated = b"d4:infod6:lengthi10e4:name24:20241206123456789012345612:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee";
        assert_eq!(
            parse_torrent(Bytes::from_static(dated)).unwrap().name(),
            Some("202412061234567890123456")
        );
    }
}
