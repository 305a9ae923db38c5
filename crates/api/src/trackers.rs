//! A torrent's trackers, as the Trackers tab shows and edits them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Longest tracker URL accepted. Real ones (a passkey included) stay far below it.
pub const MAX_TRACKER_URL_CHARS: usize = 1024;

/// Most trackers one torrent may have.
pub const MAX_TRACKERS: usize = 100;

/// A tracker's announce URL: `http://`, `https://` or `udp://`, a host, and printable ASCII
/// only (a name in another script is written in its punycode form, and anything else
/// percent-encoded), at most [`MAX_TRACKER_URL_CHARS`] characters. Anything else is
/// refused when a request is read (`bad_request`).
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(try_from = "String", into = "String")]
#[ts(type = "string")]
pub struct TrackerUrl(String);

impl TrackerUrl {
    pub fn new(url: impl Into<String>) -> Result<Self, String> {
        let url = url.into();
        if url.is_empty() {
            return Err("a tracker's URL is empty".to_owned());
        }
        if url.len() > MAX_TRACKER_URL_CHARS {
            return Err(format!("a tracker's URL is longer than {MAX_TRACKER_URL_CHARS} characters"));
        }
        if !url.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(format!(
                "the tracker URL {:?} has a space, a control character or a character outside ASCII",
                shorten(&url)
            ));
        }
        let parsed = url::Url::parse(&url).map_err(|e| format!("{:?} is not a URL: {e}", shorten(&url)))?;
        if !matches!(parsed.scheme(), "http" | "https" | "udp") {
            return Err(format!(
                "{:?} is not a tracker: a tracker's URL starts with http://, https:// or udp://",
                shorten(&url)
            ));
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(format!("the tracker URL {:?} names no host", shorten(&url)));
        }
        if parsed.scheme() == "udp" && parsed.port().is_none() {
            return Err(format!("the UDP tracker URL {:?} names no port", shorten(&url)));
        }
        Ok(Self(url))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The host the tracker runs on, for the sidebar's tracker filter.
    pub fn host(&self) -> String {
        url::Url::parse(&self.0)
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
            .unwrap_or_default()
    }
}

/// The start of a long URL, for an error message.
fn shorten(url: &str) -> String {
    url.chars().take(80).collect()
}

impl TryFrom<String> for TrackerUrl {
    type Error = String;
    fn try_from(url: String) -> Result<Self, String> {
        Self::new(url)
    }
}

impl From<TrackerUrl> for String {
    fn from(url: TrackerUrl) -> String {
        url.0
    }
}

impl std::fmt::Display for TrackerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How the last announce to a tracker went.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, TS, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TrackerStatus {
    /// Not announced to yet (the torrent is paused, or has just started).
    NotContacted,
    /// An announce is on its way.
    Updating,
    /// The last announce was answered.
    Working,
    /// The last announce failed: no answer, or the tracker refused it (`message` says).
    NotWorking,
}

/// One tracker of a torrent.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
pub struct TrackerInfo {
    pub url: TrackerUrl,
    /// BEP 12's tier, from 0. Bidswarm announces to every tier.
    pub tier: u32,
    pub status: TrackerStatus,
    /// The tracker's failure reason or warning, or why it could not be reached.
    pub message: Option<String>,
    /// Peers it gave in its last answer.
    pub peers: u32,
    /// Seeders it knows of (`complete`), from its last answer.
    pub seeds: Option<u32>,
    /// Leechers it knows of (`incomplete`), from its last answer.
    pub leechers: Option<u32>,
    /// When it was last announced to, Unix seconds.
    #[ts(type = "number | null")]
    pub last_announce: Option<u64>,
    /// When it will be announced to next, Unix seconds; `None` while the torrent does not run.
    #[ts(type = "number | null")]
    pub next_announce: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_https_and_udp_urls_with_a_host_are_trackers() {
        for good in [
            "http://tracker.example/announce",
            "https://t.example:8443/a/passkey123/announce?x=1",
            "udp://tracker.example:6969/announce",
            "udp://[::1]:6969",
            "http://127.0.0.1:6969/announce",
        ] {
            let json = serde_json::to_string(good).unwrap();
            let url: TrackerUrl = serde_json::from_str(&json).unwrap();
            assert_eq!(url.as_str(), good);
        }
        for (bad, why) in [
            ("", "empty"),
            ("file:///etc/passwd", "not a tracker"),
            ("javascript:alert(1)", "not a tracker"),
            ("ws://t.example/announce", "not a tracker"),
            ("udp://tracker.example/announce", "no port"),
            ("http://t.example/ann ounce", "space"),
            ("http://t.example/\nannounce", "control"),
            ("http://t.example/annonce\u{202E}", "outside ASCII"),
            ("udp://:6969/announce", "empty host"),
            ("tracker.example:6969", "not a tracker"),
            ("/announce", "not a URL"),
        ] {
            let json = serde_json::to_string(bad).unwrap();
            let error = serde_json::from_str::<TrackerUrl>(&json).unwrap_err().to_string();
            assert!(error.contains(why), "{bad:?}: {error}");
        }
        let long = format!("http://t.example/{}", "a".repeat(MAX_TRACKER_URL_CHARS));
        assert!(TrackerUrl::new(long).unwrap_err().contains("longer than"));
    }

    #[test]
    fn the_host_is_what_the_sidebar_groups_by() {
        assert_eq!(TrackerUrl::new("udp://Tracker.Example:6969/announce").unwrap().host(), "tracker.example");
        assert_eq!(TrackerUrl::new("http://[::1]:80/a").unwrap().host(), "[::1]");
    }
}
