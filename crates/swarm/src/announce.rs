//! One announce to one tracker, over HTTP(S) (BEP 3, BEP 23's compact peers, BEP 7's
//! `peers6`) or UDP (BEP 15), and what came back.
//!
//! Everything a tracker sends is hostile until checked: the body is read up to
//! [`MAX_BODY`], at most [`MAX_PEERS`] peers are kept, intervals are clamped
//! ([`clamp_interval`]) so a tracker cannot make us hammer it or go silent for days, and its
//! messages are cut to [`MAX_MESSAGE_CHARS`] printable characters before anyone shows them.

use std::{
    collections::HashMap,
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    time::Duration,
};

use bidswarm_api::TrackerUrl;
use bidswarm_peerwire::compact_peers;
use librqbit_bencode::{BencodeValue, ByteBuf};

/// Largest HTTP answer read. A compact answer with 200 peers is about 1.2 KB.
pub(crate) const MAX_BODY: usize = 256 << 10;
/// Most peers kept from one answer; what we ask for (`numwant`).
pub(crate) const MAX_PEERS: usize = 200;
/// Longest tracker message kept, in characters.
pub(crate) const MAX_MESSAGE_CHARS: usize = 300;
/// How long one HTTP announce may take, redirects included.
pub(crate) const HTTP_TIMEOUT: Duration = Duration::from_secs(20);
/// How long one UDP announce may take: librqbit-tracker-comms waits 10 s for each of
/// the connect and the announce.
pub(crate) const UDP_TIMEOUT: Duration = Duration::from_secs(25);
/// Shortest and longest wait between announces, whatever a tracker asks. libtorrent's
/// `min_announce_interval` is 5 minutes; a minute still keeps a tracker that answers
/// `interval 0` from seeing more than one announce a minute from us.
pub(crate) const MIN_INTERVAL: Duration = Duration::from_secs(60);
pub(crate) const MAX_INTERVAL: Duration = Duration::from_secs(4 * 3600);
/// Used when a tracker names no interval.
pub(crate) const DEFAULT_INTERVAL: Duration = Duration::from_secs(1800);

/// BEP 3's `event`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Event {
    Started,
    Completed,
    Stopped,
}

/// What we tell the tracker.
#[derive(Debug, Clone)]
pub(crate) struct Announce {
    pub info_hash: [u8; 20],
    pub peer_id: [u8; 20],
    pub port: u16,
    pub uploaded: u64,
    pub downloaded: u64,
    pub left: u64,
    pub event: Option<Event>,
    pub key: u32,
}

/// A tracker's answer, checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Answer {
    pub interval: Duration,
    pub min_interval: Option<Duration>,
    pub seeds: Option<u32>,
    pub leechers: Option<u32>,
    pub peers: Vec<SocketAddr>,
    pub warning: Option<String>,
}

/// Why an announce did not work, as the Trackers tab says it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Failure {
    /// The tracker answered with a `failure reason`.
    Refused(String),
    /// No answer, or one that is not a tracker's.
    Unreachable(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Refused(why) | Self::Unreachable(why) => f.write_str(why),
        }
    }
}

/// The HTTP client every announce shares, made once per session.
pub(crate) fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(HTTP_TIMEOUT)
        // To the same host only (http to https, say): a tracker must not send our
        // announce, passkey and all, somewhere else, or into the local network.
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            let same_host =
                attempt.previous().first().is_some_and(|first| first.host_str() == attempt.url().host_str());
            if attempt.previous().len() > 3 || !same_host {
                attempt.stop()
            } else {
                attempt.follow()
            }
        }))
        .referer(false)
        .user_agent(concat!("Bidswarm/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

/// Announces `announce` to `url`.
pub(crate) async fn announce(
    http: &reqwest::Client,
    url: &TrackerUrl,
    announce: &Announce,
) -> Result<Answer, Failure> {
    let parsed = url::Url::parse(url.as_str()).map_err(|e| Failure::Unreachable(e.to_string()))?;
    if parsed.scheme() == "udp" {
        tokio::time::timeout(UDP_TIMEOUT, announce_udp(&parsed, announce)).await.unwrap_or_else(|_| {
            Err(Failure::Unreachable(format!("no answer within {} s", UDP_TIMEOUT.as_secs())))
        })
    } else {
        announce_http(http, url.as_str(), announce).await
    }
}

async fn announce_http(http: &reqwest::Client, url: &str, a: &Announce) -> Result<Answer, Failure> {
    let unreachable = |why: String| Failure::Unreachable(why);
    let mut query = format!(
        "info_hash={}&peer_id={}&port={}&uploaded={}&downloaded={}&left={}&compact=1&numwant={MAX_PEERS}&key={:08x}",
        percent(&a.info_hash),
        percent(&a.peer_id),
        a.port,
        a.uploaded,
        a.downloaded,
        a.left,
        a.key,
    );
    if let Some(event) = a.event {
        query.push_str(match event {
            Event::Started => "&event=started",
            Event::Completed => "&event=completed",
            Event::Stopped => "&event=stopped",
        });
    }
    // BEP 3: the parameters are added to the URL, after any it has (a passkey).
    let separator = if url.contains('?') { '&' } else { '?' };
    let mut response =
        http.get(format!("{url}{separator}{query}")).send().await.map_err(|e| unreachable(describe(&e)))?;
    let status = response.status();
    if !status.is_success() {
        return Err(unreachable(format!("the tracker answered HTTP {status}")));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| unreachable(describe(&e)))? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(unreachable(format!("the tracker's answer is larger than {} KiB", MAX_BODY >> 10)));
        }
        body.extend_from_slice(&chunk);
    }
    parse_http(&body)
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        format!("no answer within {} s", HTTP_TIMEOUT.as_secs())
    } else if e.is_connect() {
        "the tracker cannot be reached".to_owned()
    } else if e.is_redirect() {
        "too many redirects".to_owned()
    } else {
        // reqwest's own text names the URL, passkey and all; only its kind is kept.
        "the request failed".to_owned()
    }
}

/// Every byte as `%XX`: unreserved bytes may stay as they are, but need not (RFC 3986).
fn percent(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

/// Reads an HTTP tracker's bencoded answer.
pub(crate) fn parse_http(body: &[u8]) -> Result<Answer, Failure> {
    let not_a_tracker =
        || Failure::Unreachable("the answer is not a tracker's (bencoded dictionary)".to_owned());
    let value: BencodeValue<ByteBuf<'_>> = librqbit_bencode::from_bytes(body).map_err(|_| not_a_tracker())?;
    let BencodeValue::Dict(dict) = value else { return Err(not_a_tracker()) };
    let dict: HashMap<&[u8], &BencodeValue<ByteBuf<'_>>> =
        dict.iter().map(|(k, v)| (k.as_ref(), v)).collect();
    let text = |key: &[u8]| match dict.get(key) {
        Some(BencodeValue::Bytes(b)) => Some(clean_message(b.as_ref())),
        _ => None,
    };
    let number = |key: &[u8]| match dict.get(key) {
        Some(BencodeValue::Integer(n)) => Some(*n),
        _ => None,
    };
    if let Some(why) = text(b"failure reason") {
        return Err(Failure::Refused(why));
    }
    let mut peers = Vec::new();
    match dict.get(&b"peers"[..]) {
        Some(BencodeValue::Bytes(b)) => peers.extend(compact_peers(b.as_ref(), 6).take(MAX_PEERS)),
        // The original, non-compact form: a list of dictionaries with `ip` and `port`.
        Some(BencodeValue::List(list)) => peers.extend(list.iter().filter_map(dict_peer)),
        _ => {}
    }
    if let Some(BencodeValue::Bytes(b)) = dict.get(&b"peers6"[..]) {
        peers.extend(compact_peers(b.as_ref(), 18).take(MAX_PEERS));
    }
    peers.truncate(MAX_PEERS);
    let secs = |n: Option<i64>| n.and_then(|n| u64::try_from(n).ok()).map(Duration::from_secs);
    Ok(Answer {
        interval: clamp_interval(secs(number(b"interval")).unwrap_or(DEFAULT_INTERVAL)),
        min_interval: secs(number(b"min interval")).map(clamp_interval),
        seeds: number(b"complete").and_then(|n| u32::try_from(n).ok()),
        leechers: number(b"incomplete").and_then(|n| u32::try_from(n).ok()),
        peers,
        warning: text(b"warning message"),
    })
}

fn dict_peer(value: &BencodeValue<ByteBuf<'_>>) -> Option<SocketAddr> {
    let BencodeValue::Dict(d) = value else { return None };
    let get = |key: &[u8]| d.iter().find(|(k, _)| k.as_ref() == key).map(|(_, v)| v);
    let Some(BencodeValue::Bytes(ip)) = get(b"ip") else { return None };
    let Some(BencodeValue::Integer(port)) = get(b"port") else { return None };
    // An IP address only: a host name here would make us resolve names a tracker chose.
    let ip: IpAddr = std::str::from_utf8(ip.as_ref()).ok()?.parse().ok()?;
    Some(SocketAddr::new(ip, u16::try_from(*port).ok()?))
}

/// BEP 15: a connect exchange, then the announce, on a socket of its own connected to
/// the tracker (so only the tracker's address is heard), each request sent again after
/// [`UDP_RETRY`] up to [`UDP_ATTEMPTS`] times, and each answer checked for its action and
/// our transaction id.
async fn announce_udp(url: &url::Url, a: &Announce) -> Result<Answer, Failure> {
    let unreachable = |why: &str| Failure::Unreachable(why.to_owned());
    let (Some(host), Some(port)) = (url.host_str(), url.port()) else {
        return Err(unreachable("the URL names no host and port"));
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addr = tokio::net::lookup_host((host, port))
        .await
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| Failure::Unreachable(format!("cannot resolve {host}")))?;
    let local: SocketAddr =
        if addr.is_ipv4() { (Ipv4Addr::UNSPECIFIED, 0).into() } else { (Ipv6Addr::UNSPECIFIED, 0).into() };
    let socket =
        tokio::net::UdpSocket::bind(local).await.map_err(|_| unreachable("cannot open a UDP socket"))?;
    socket.connect(addr).await.map_err(|_| unreachable("the tracker cannot be reached"))?;

    let tid = random_u32();
    let mut connect = Vec::with_capacity(16);
    connect.extend_from_slice(&UDP_PROTOCOL_ID.to_be_bytes());
    connect.extend_from_slice(&ACTION_CONNECT.to_be_bytes());
    connect.extend_from_slice(&tid.to_be_bytes());
    let answer = udp_exchange(&socket, &connect, ACTION_CONNECT, tid).await?;
    let connection_id = answer.get(..8).ok_or_else(|| unreachable("the connect answer is too short"))?;

    let tid = random_u32();
    let event: u32 = match a.event {
        None => 0,
        Some(Event::Completed) => 1,
        Some(Event::Started) => 2,
        Some(Event::Stopped) => 3,
    };
    let mut request = Vec::with_capacity(98);
    request.extend_from_slice(connection_id);
    request.extend_from_slice(&ACTION_ANNOUNCE.to_be_bytes());
    request.extend_from_slice(&tid.to_be_bytes());
    request.extend_from_slice(&a.info_hash);
    request.extend_from_slice(&a.peer_id);
    request.extend_from_slice(&a.downloaded.to_be_bytes());
    request.extend_from_slice(&a.left.to_be_bytes());
    request.extend_from_slice(&a.uploaded.to_be_bytes());
    request.extend_from_slice(&event.to_be_bytes());
    request.extend_from_slice(&0u32.to_be_bytes()); // IP address: the sender's
    request.extend_from_slice(&a.key.to_be_bytes());
    request.extend_from_slice(&(MAX_PEERS as u32).to_be_bytes()); // num_want
    request.extend_from_slice(&a.port.to_be_bytes());
    let answer = udp_exchange(&socket, &request, ACTION_ANNOUNCE, tid).await?;
    parse_udp_announce(answer.as_slice(), addr.is_ipv6())
}

/// BEP 15's magic constant for a connect request.
const UDP_PROTOCOL_ID: u64 = 0x0417_2710_1980;
const ACTION_CONNECT: u32 = 0;
const ACTION_ANNOUNCE: u32 = 1;
const ACTION_ERROR: u32 = 3;
/// BEP 15 waits 15 s and doubles; we try each request three times, 4 s apart, so the
/// connect and the announce both fit in [`UDP_TIMEOUT`].
const UDP_RETRY: Duration = Duration::from_secs(4);
const UDP_ATTEMPTS: usize = 3;

fn random_u32() -> u32 {
    let mut bytes = [0u8; 4];
    // Without the OS's randomness the transaction id is only easier to guess.
    let _ = getrandom::fill(&mut bytes);
    u32::from_be_bytes(bytes)
}

/// Sends `request` until an answer with our transaction id comes; returns what follows
/// its header. An error action is the tracker refusing, with its message.
async fn udp_exchange(
    socket: &tokio::net::UdpSocket,
    request: &[u8],
    action: u32,
    tid: u32,
) -> Result<Vec<u8>, Failure> {
    let mut buf = vec![0u8; 8 + 8 + 18 * MAX_PEERS + 64];
    for _ in 0..UDP_ATTEMPTS {
        socket
            .send(request)
            .await
            .map_err(|_| Failure::Unreachable("the tracker cannot be reached".to_owned()))?;
        let deadline = tokio::time::Instant::now() + UDP_RETRY;
        // Datagrams with another transaction id (late answers to an earlier try) are skipped.
        while let Ok(received) = tokio::time::timeout_at(deadline, socket.recv(&mut buf)).await {
            let Ok(len) = received else { break };
            let Some((header, body)) = buf[..len].split_at_checked(8) else { continue };
            let got_action = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
            if u32::from_be_bytes([header[4], header[5], header[6], header[7]]) != tid {
                continue;
            }
            return match got_action {
                a if a == action => Ok(body.to_vec()),
                ACTION_ERROR => Err(Failure::Refused(clean_message(body.strip_suffix(&[0]).unwrap_or(body)))),
                _ => Err(Failure::Unreachable("the answer is not a UDP tracker's".to_owned())),
            };
        }
    }
    Err(Failure::Unreachable("no answer".to_owned()))
}

/// An announce answer after its header: interval, leechers, seeders, then peers.
fn parse_udp_announce(body: &[u8], ipv6: bool) -> Result<Answer, Failure> {
    let Some((counts, peers)) = body.split_at_checked(12) else {
        return Err(Failure::Unreachable("the announce answer is too short".to_owned()));
    };
    let word = |i: usize| u32::from_be_bytes([counts[i], counts[i + 1], counts[i + 2], counts[i + 3]]);
    let mut peers: Vec<SocketAddr> = compact_peers(peers, if ipv6 { 18 } else { 6 }).collect();
    peers.truncate(MAX_PEERS);
    Ok(Answer {
        interval: clamp_interval(Duration::from_secs(word(0).into())),
        min_interval: None,
        leechers: Some(word(4)),
        seeds: Some(word(8)),
        peers,
        warning: None,
    })
}

/// Keeps an interval between [`MIN_INTERVAL`] and [`MAX_INTERVAL`].
pub(crate) fn clamp_interval(interval: Duration) -> Duration {
    interval.clamp(MIN_INTERVAL, MAX_INTERVAL)
}

/// A tracker's text as it may be shown: valid UTF-8 (lossy), control and invisible
/// formatting characters replaced by spaces, trimmed, at most [`MAX_MESSAGE_CHARS`].
pub(crate) fn clean_message(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() || is_formatting(c) { ' ' } else { c })
        .take(MAX_MESSAGE_CHARS)
        .collect();
    cleaned.trim().to_owned()
}

/// Characters that reorder or hide text (bidi overrides, zero-width, line separators).
fn is_formatting(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_compact_answer_gives_peers_counts_and_a_clamped_interval() {
        let mut body = b"d8:completei5e10:incompletei7e8:intervali0e12:min intervali30e5:peers12:".to_vec();
        body.extend_from_slice(&[127, 0, 0, 1, 0x1a, 0xe1, 10, 0, 0, 2, 0, 80]);
        body.extend_from_slice(b"6:peers618:");
        body.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
        body.extend_from_slice(&[0x1a, 0xe1]);
        body.extend_from_slice(b"15:warning message5:slow!e");
        let answer = parse_http(&body).unwrap();
        assert_eq!(answer.seeds, Some(5));
        assert_eq!(answer.leechers, Some(7));
        // `interval 0` would have us announce without pause.
        assert_eq!(answer.interval, MIN_INTERVAL);
        assert_eq!(answer.min_interval, Some(MIN_INTERVAL));
        assert_eq!(
            answer.peers,
            vec![
                "127.0.0.1:6881".parse().unwrap(),
                "10.0.0.2:80".parse().unwrap(),
                "[::1]:6881".parse().unwrap()
            ]
        );
        assert_eq!(answer.warning.as_deref(), Some("slow!"));
    }

    #[test]
    fn the_dictionary_form_takes_ip_addresses_only() {
        let body = b"d8:intervali999999999e5:peersld2:ip9:127.0.0.14:porti80eed2:ip11:example.com4:porti80eed2:ip3:::14:porti99999eeee";
        let answer = parse_http(body).unwrap();
        assert_eq!(answer.peers, vec!["127.0.0.1:80".parse().unwrap()]);
        assert_eq!(answer.interval, MAX_INTERVAL);
        assert_eq!(answer.seeds, None);
    }

    #[test]
    fn a_failure_reason_is_cleaned_before_anyone_shows_it() {
        let mut body = b"d14:failure reason".to_vec();
        let reason = format!("bad\n\u{202E}passkey\u{1b}[31m{}", "x".repeat(1000));
        body.extend_from_slice(format!("{}:{reason}e", reason.len()).as_bytes());
        let Err(Failure::Refused(why)) = parse_http(&body) else { panic!("not refused") };
        assert!(why.starts_with("bad  passkey [31mxxx"), "{why}");
        assert_eq!(why.chars().count(), MAX_MESSAGE_CHARS);
    }

    #[test]
    fn what_is_not_a_trackers_answer_is_unreachable_not_a_panic() {
        let too_many: Vec<u8> = [b"d5:peers1200:".as_slice(), &[7u8; 1200], b"e"].concat();
        assert_eq!(parse_http(&too_many).unwrap().peers.len(), MAX_PEERS);
        for body in [&b""[..], b"<html>nginx</html>", b"le", b"d5:peersi3ee", b"i42e", b"d8:intervali-5ee"] {
            match parse_http(body) {
                Err(Failure::Unreachable(_)) => {}
                Ok(answer) => {
                    assert!(answer.peers.is_empty(), "{body:?}");
                    assert!(answer.interval >= MIN_INTERVAL, "{body:?}");
                }
                other => panic!("{body:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_udp_answer_gives_counts_and_peers_and_a_short_one_is_refused() {
        let mut body = vec![0, 0, 0, 5, 0, 0, 0, 2, 0, 0, 0, 3];
        body.extend_from_slice(&[127, 0, 0, 1, 0x1a, 0xe1, 9]);
        let answer = parse_udp_announce(&body, false).unwrap();
        assert_eq!((answer.seeds, answer.leechers, answer.interval), (Some(3), Some(2), MIN_INTERVAL));
        assert_eq!(answer.peers, vec!["127.0.0.1:6881".parse().unwrap()]);
        assert!(parse_udp_announce(&body[..11], false).is_err());
    }

    #[test]
    fn the_query_escapes_every_byte_of_the_hash() {
        assert_eq!(percent(&[0x00, b'a', 0xff]), "%00%61%FF");
    }
}
