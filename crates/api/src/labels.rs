//! Categories and tags: names the user gives torrents to sort them, as in qBittorrent.
//!
//! A torrent has at most one category and any number of tags. A category may name a
//! folder: a torrent added in it is saved there, and moving a torrent into it can move
//! its data there. Both are kept across restarts. Also here: the name a user gives a
//! torrent ([`TorrentName`]).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Most categories, and most tags, a session keeps: enough for anyone sorting by hand, and
/// a bound on what a caller can make us store.
pub const MAX_LABELS: usize = 1_000;
/// Longest name, in characters.
pub const MAX_LABEL_CHARS: usize = 64;
/// Most tags one torrent carries: every torrent's tags are cloned into each listing.
pub const MAX_TAGS_PER_TORRENT: usize = 64;

/// Characters that change how text around them is shown without being seen: bidirectional
/// overrides and isolates, zero-width characters, the byte-order mark. A name with one
/// could pass for another in the list.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// What is wrong with a name a user gives, if anything: empty, longer than `max`
/// characters, spaces at either end, a control character, or a character `hidden` says
/// could make it pass for another.
fn name_problem(name: &str, max: usize, hidden: impl Fn(char) -> bool) -> Option<String> {
    let chars = name.chars().count();
    let why = if chars == 0 {
        "is empty".to_owned()
    } else if chars > max {
        format!("is longer than {max} characters")
    } else if name.trim() != name {
        "starts or ends with a space".to_owned()
    } else if name.chars().any(char::is_control) {
        "has a control character".to_owned()
    } else if name.chars().any(hidden) {
        "has an invisible formatting character".to_owned()
    } else {
        return None;
    };
    Some(why)
}

/// A category's or a tag's name: 1 to [`MAX_LABEL_CHARS`] characters, no control
/// characters, no `,` (tag lists are written with commas), no `/` or `\` (a name is not a
/// path), and no spaces at either end. Anything else is refused when a request is read
/// (`bad_request`).
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(try_from = "String", into = "String")]
#[ts(type = "string")]
pub struct Label(String);

impl Label {
    pub fn new(name: impl Into<String>) -> Result<Self, String> {
        let name = name.into();
        let why = match name_problem(&name, MAX_LABEL_CHARS, is_invisible) {
            Some(why) => why,
            None if name.contains([',', '/', '\\']) => "has a comma, / or \\".into(),
            None => return Ok(Self(name)),
        };
        Err(format!("a category or tag name {why}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Label {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        Self::new(name)
    }
}

impl From<Label> for String {
    fn from(label: Label) -> String {
        label.0
    }
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq)]
pub struct Category {
    pub name: Label,
    /// Where torrents added in this category are saved; the download folder when `None`.
    pub save_path: Option<String>,
    /// Its torrents' share of the upload cap against other categories': it multiplies
    /// each torrent's own bandwidth priority.
    #[serde(default)]
    pub bandwidth_priority: crate::BandwidthPriority,
}

/// Every category and tag, each sorted by name.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS, PartialEq, Eq)]
#[serde(default)]
pub struct Labels {
    pub categories: Vec<Category>,
    pub tags: Vec<Label>,
}

impl Labels {
    pub fn category(&self, name: &Label) -> Option<&Category> {
        self.categories.iter().find(|c| &c.name == name)
    }
}

/// Longest name a torrent can be given, in characters (a file name's limit on most
/// systems is 255 bytes; this is about what a list can show).
pub const MAX_TORRENT_NAME_CHARS: usize = 255;

/// Beyond [`is_invisible`], refused in a torrent's name: line and paragraph separators
/// (they break a line without being control characters), the Arabic letter mark, the soft
/// hyphen and the Mongolian vowel separator (unseen, so a name could pass for another).
fn breaks_or_hides(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}' | '\u{061C}' | '\u{00AD}' | '\u{180E}')
}

/// A name the user gives a torrent ([`crate::Request::RenameTorrent`]): 1 to
/// [`MAX_TORRENT_NAME_CHARS`] characters, no control or invisible formatting characters,
/// no spaces at either end. Unlike a [`Label`] it may hold `/` or `,`: it names nothing on
/// disk. Refused when a request is read (`bad_request`).
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq)]
#[serde(try_from = "String", into = "String")]
#[ts(type = "string")]
pub struct TorrentName(String);

impl TorrentName {
    pub fn new(name: impl Into<String>) -> Result<Self, String> {
        let name = name.into();
        match name_problem(&name, MAX_TORRENT_NAME_CHARS, |c| is_invisible(c) || breaks_or_hides(c)) {
            Some(why) => Err(format!("a torrent's name {why}")),
            None => Ok(Self(name)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TorrentName {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        Self::new(name)
    }
}

impl From<TorrentName> for String {
    fn from(name: TorrentName) -> String {
        name.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_could_break_a_list_or_a_path_are_refused_when_read() {
        for bad in [
            "",
            " a",
            "a ",
            "a,b",
            "a/b",
            "..\\x",
            "tab\there",
            "new\nline",
            "adm\u{202E}nimda",
            "a\u{200B}b",
            &"x".repeat(65),
        ] {
            let json = serde_json::to_string(bad).unwrap();
            let error = serde_json::from_str::<Label>(&json).unwrap_err().to_string();
            assert!(error.contains("a category or tag name"), "{bad:?}: {error}");
        }
        for good in ["Linux ISOs", "4K", "série", "日本語", &"é".repeat(64)] {
            let label: Label = serde_json::from_str(&serde_json::to_string(good).unwrap()).unwrap();
            assert_eq!(label.as_str(), good);
        }
    }

    #[test]
    fn a_torrents_name_may_hold_slashes_but_nothing_that_hides_or_breaks_a_line() {
        for bad in [
            "",
            " a",
            "a ",
            "new\nline",
            "nul\u{0}",
            "adm\u{202E}nimda",
            "a\u{FEFF}b",
            "line\u{2028}break",
            "soft\u{00AD}hyphen",
            &"x".repeat(256),
        ] {
            let json = serde_json::to_string(bad).unwrap();
            let error = serde_json::from_str::<TorrentName>(&json).unwrap_err().to_string();
            assert!(error.contains("a torrent's name"), "{bad:?}: {error}");
        }
        for good in ["Debian 12/amd64, netinst", "日本語", &"é".repeat(255)] {
            let name: TorrentName = serde_json::from_str(&serde_json::to_string(good).unwrap()).unwrap();
            assert_eq!(name.as_str(), good);
        }
    }
}
