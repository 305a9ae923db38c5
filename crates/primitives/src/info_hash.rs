//! [`InfoHash`]: a torrent's v1 identity (BEP 3), 20 bytes, written as 40 hex digits.

use std::{fmt, str::FromStr};

/// The SHA-1 of a torrent's info dictionary. Its text form is 40 lowercase hex digits, as
/// the API and the UI name torrents; parsing also takes uppercase.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct InfoHash(pub [u8; 20]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an info hash: {0:?} (a torrent id is 40 hex digits)")]
pub struct InfoHashError(String);

impl InfoHash {
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl From<[u8; 20]> for InfoHash {
    fn from(bytes: [u8; 20]) -> Self {
        Self(bytes)
    }
}

impl From<InfoHash> for [u8; 20] {
    fn from(hash: InfoHash) -> Self {
        hash.0
    }
}

impl FromStr for InfoHash {
    type Err = InfoHashError;
    fn from_str(s: &str) -> Result<Self, InfoHashError> {
        let mut bytes = [0u8; 20];
        match hex::decode_to_slice(s, &mut bytes) {
            Ok(()) => Ok(Self(bytes)),
            Err(_) => Err(InfoHashError(s.chars().take(80).collect())),
        }
    }
}

impl fmt::Display for InfoHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for InfoHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InfoHash({})", self.to_hex())
    }
}

impl serde::Serialize for InfoHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for InfoHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_anything_else_is_refused() {
        let hash = InfoHash([0xab; 20]);
        assert_eq!(hash.to_string(), "ab".repeat(20));
        assert_eq!(hash.to_string().parse::<InfoHash>().unwrap(), hash);
        assert_eq!("AB".repeat(20).parse::<InfoHash>().unwrap(), hash);
        for bad in ["", "ab", &"ab".repeat(21), &"zz".repeat(20), &format!(" {}", "ab".repeat(20))] {
            let err = bad.parse::<InfoHash>().unwrap_err();
            assert!(err.to_string().contains("40 hex digits"), "{bad}: {err}");
        }
        assert_eq!(serde_json::to_string(&hash).unwrap(), format!("\"{}\"", "ab".repeat(20)));
        assert!(serde_json::from_str::<InfoHash>("\"abc\"").is_err());
    }
}
