//! The BEP 10 extended handshake, kept as a whole bencode dictionary so that keys we do
//! not know survive a rewrite untouched.

use std::{collections::HashMap, net::IpAddr};

use bytes::Bytes;
use librqbit_bencode::{BencodeValueOwned, ByteBufOwned};

use crate::{Error, Result};

/// BEP 11 peer exchange.
pub const UT_PEX: &str = "ut_pex";
/// Bidswarm's bid-for-speed extension (docs/PROTOCOL.md).
pub const BT_SPEED: &str = "bt_speed";

type Dict = HashMap<ByteBufOwned, BencodeValueOwned>;

#[derive(Debug, PartialEq, Eq)]
pub struct ExtendedHandshake {
    dict: Dict,
}

impl ExtendedHandshake {
    pub fn parse(payload: &[u8]) -> Result<Self> {
        match decode_bencode(payload)? {
            BencodeValueOwned::Dict(dict) => Ok(Self { dict }),
            _ => Err(Error::Bencode("the extended handshake is not a dictionary".into())),
        }
    }

    /// Bencoded, keys sorted as BEP 3 requires.
    pub fn encode(&self) -> Bytes {
        let mut out = Vec::new();
        // Serializing an in-memory dictionary into a Vec cannot fail.
        let _ = librqbit_bencode::bencode_serialize_to_writer(&self.dict, &mut out);
        out.into()
    }

    /// The message id the sender wants for `name`, if it supports it (BEP 10: 0 or
    /// absent means no).
    pub fn extension_id(&self, name: &str) -> Option<u8> {
        match self.m()?.get(name.as_bytes())? {
            BencodeValueOwned::Integer(i) if (1..=255).contains(i) => Some(*i as u8),
            _ => None,
        }
    }

    pub fn set_extension_id(&mut self, name: &str, id: u8) {
        let m = self.dict.entry(key("m")).or_insert_with(|| BencodeValueOwned::Dict(Dict::new()));
        if !matches!(m, BencodeValueOwned::Dict(_)) {
            *m = BencodeValueOwned::Dict(Dict::new());
        }
        if let BencodeValueOwned::Dict(m) = m {
            m.insert(key(name), BencodeValueOwned::Integer(id.into()));
        }
    }

    /// Every extension id the sender assigned, to pick one of ours that does not clash.
    pub fn used_ids(&self) -> Vec<u8> {
        let Some(m) = self.m() else { return Vec::new() };
        m.values()
            .filter_map(|v| match v {
                BencodeValueOwned::Integer(i) if (1..=255).contains(i) => Some(*i as u8),
                _ => None,
            })
            .collect()
    }

    /// `p`: the port the sender listens on.
    pub fn listen_port(&self) -> Option<u16> {
        match self.dict.get(b"p".as_slice())? {
            BencodeValueOwned::Integer(p) => u16::try_from(*p).ok().filter(|p| *p != 0),
            _ => None,
        }
    }

    pub fn set_listen_port(&mut self, port: u16) {
        self.dict.insert(key("p"), BencodeValueOwned::Integer(port.into()));
    }

    /// `yourip`: the receiver's address as the sender sees it (4 or 16 bytes).
    pub fn set_yourip(&mut self, ip: IpAddr) {
        let bytes = match ip {
            IpAddr::V4(v4) => v4.octets().to_vec(),
            IpAddr::V6(v6) => v6.octets().to_vec(),
        };
        self.dict.insert(key("yourip"), BencodeValueOwned::Bytes(bytes.into()));
    }

    /// `v`: the sender's client name and version.
    pub fn client(&self) -> Option<String> {
        match self.dict.get(b"v".as_slice())? {
            BencodeValueOwned::Bytes(b) => Some(String::from_utf8_lossy(b.as_ref()).into_owned()),
            _ => None,
        }
    }

    fn m(&self) -> Option<&Dict> {
        match self.dict.get(b"m".as_slice())? {
            BencodeValueOwned::Dict(m) => Some(m),
            _ => None,
        }
    }
}

pub(crate) fn key(s: &str) -> ByteBufOwned {
    ByteBufOwned::from(s.as_bytes())
}

/// The longest run of digits we let the bencode parser see. librqbit-bencode 9.1 reads
/// lengths and integers with an `atoi` that panics on overflow (found by fuzzing: a
/// 38-digit length prefix); 18 digits cannot overflow an `i64` or a `usize`, and no
/// honest extended message carries a longer number.
const MAX_DIGITS: usize = 18;

/// Decodes a bencoded value from a peer without trusting it: numbers longer than an
/// honest message needs are refused before the parser sees them.
pub fn decode_bencode(payload: &[u8]) -> Result<BencodeValueOwned> {
    if let Some(digits) = longest_number(payload).filter(|&d| d > MAX_DIGITS) {
        return Err(Error::Bencode(format!("a number of {digits} digits is too long")));
    }
    librqbit_bencode::from_bytes::<BencodeValueOwned>(payload).map_err(|e| Error::Bencode(e.to_string()))
}

/// The longest length prefix or integer in `payload`, walked as librqbit-bencode reads it.
/// Digits inside byte strings are data, not numbers: a signature or a channel id may hold
/// 19 bytes in `'0'..='9'` (found by the voucher fuzz target). Where the bytes stop being
/// bencode the walk stops, as the parser will.
fn longest_number(payload: &[u8]) -> Option<usize> {
    let digits_from = |from: usize| {
        payload.get(from..).map_or(0, |rest| rest.iter().take_while(|b| b.is_ascii_digit()).count())
    };
    let mut longest = 0;
    let mut at = 0usize;
    while let Some(&b) = payload.get(at) {
        match b {
            b'd' | b'l' | b'e' => at += 1,
            b'i' => {
                // atoi reads signed integers with a '+' or '-' in front; a sign alone is zero.
                let sign = usize::from(matches!(payload.get(at + 1), Some(b'+' | b'-')));
                let digits = digits_from(at + 1 + sign);
                longest = longest.max(digits);
                at += 1 + sign + digits;
                if sign + digits == 0 || payload.get(at) != Some(&b'e') || digits > MAX_DIGITS {
                    break;
                }
                at += 1;
            }
            b'0'..=b'9' => {
                let digits = digits_from(at);
                longest = longest.max(digits);
                if digits > MAX_DIGITS || payload.get(at + digits) != Some(&b':') {
                    break;
                }
                // At most MAX_DIGITS ASCII digits: always a valid u64.
                let len: u64 = std::str::from_utf8(&payload[at..at + digits])
                    .ok()
                    .and_then(|d| d.parse().ok())
                    .unwrap_or(u64::MAX);
                at = at.saturating_add(digits + 1).saturating_add(usize::try_from(len).unwrap_or(usize::MAX));
            }
            _ => break,
        }
    }
    Some(longest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_bt_speed_keeps_every_other_key() {
        // Shaped like librqbit's: m with ut_metadata and ut_pex, v, reqq, metadata_size.
        let raw = b"d1:md11:ut_metadatai1e6:ut_pexi2ee13:metadata_sizei1234e4:reqqi512e1:v11:rqbit 9.1.0e";
        let mut h = ExtendedHandshake::parse(raw).unwrap();
        assert_eq!(h.extension_id(UT_PEX), Some(2));
        assert_eq!(h.extension_id(BT_SPEED), None);
        assert_eq!(h.client().as_deref(), Some("rqbit 9.1.0"));
        let mut used = h.used_ids();
        used.sort();
        assert_eq!(used, [1, 2]);

        h.set_extension_id(BT_SPEED, 3);
        h.set_listen_port(51413);
        h.set_yourip("203.0.113.7".parse().unwrap());
        let again = ExtendedHandshake::parse(&h.encode()).unwrap();
        assert_eq!(again, h);
        assert_eq!(again.extension_id(BT_SPEED), Some(3));
        assert_eq!(again.extension_id("ut_metadata"), Some(1));
        assert_eq!(again.listen_port(), Some(51413));
        let encoded = h.encode();
        let text = String::from_utf8_lossy(&encoded);
        assert!(text.contains("13:metadata_sizei1234e") && text.contains("4:reqqi512e"), "{text}");
        assert!(text.contains("6:yourip4:"), "{text}");
    }

    #[test]
    fn keys_come_out_sorted() {
        let h = ExtendedHandshake::parse(b"d1:vi1e1:md6:ut_pexi1eee").unwrap();
        assert_eq!(&h.encode()[..], b"d1:md6:ut_pexi1ee1:vi1ee");
    }

    #[test]
    fn disabled_and_out_of_range_ids_mean_unsupported() {
        let h = ExtendedHandshake::parse(b"d1:md6:ut_pexi0e8:bt_speedi300eee").unwrap();
        assert_eq!(h.extension_id(UT_PEX), None);
        assert_eq!(h.extension_id(BT_SPEED), None);
    }

    /// Found by `cargo fuzz`: librqbit-bencode's atoi overflowed and panicked.
    #[test]
    fn bencode_numbers_too_long_to_read_are_an_error_not_a_panic() {
        let crash = [&[b'4'; 38][..], b"5h"].concat();
        assert!(matches!(ExtendedHandshake::parse(&crash), Err(Error::Bencode(_))));
        assert!(ExtendedHandshake::parse(b"d1:pi99999999999999999999999ee").is_err());
        assert!(crate::Pex::parse(b"d5:added99999999999999999999999:e").is_err());
        // Digits inside a byte string are data (a signature may hold 19 in a row).
        let sig = [&b"d3:sig65:"[..], &[b'6'; 65], b"e"].concat();
        assert!(decode_bencode(&sig).is_ok());
        // 18 digits still parse.
        assert!(ExtendedHandshake::parse(b"d1:pi123456789012345678ee").is_ok());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bad in [&b""[..], b"i5e", b"d1:m", b"l1:ae", b"\xff\xff"] {
            assert!(ExtendedHandshake::parse(bad).is_err(), "{bad:?}");
        }
    }
}
