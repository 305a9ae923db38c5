//! The 68-byte handshake that opens every peer connection (BEP 3).

use bytes::{BufMut, BytesMut};

use crate::{Error, Result};

pub const PROTOCOL: &[u8; 19] = b"BitTorrent protocol";
pub const HANDSHAKE_LEN: usize = 68;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handshake {
    pub reserved: [u8; 8],
    pub info_hash: [u8; 20],
    pub peer_id: [u8; 20],
}

impl Handshake {
    /// Reads a handshake from the start of `buf`. `Ok(None)` means "not all here yet";
    /// a wrong first byte or protocol string fails as soon as it arrives, so a stream
    /// that is not BitTorrent is recognised early (the gateway then passes it through).
    pub fn parse(buf: &[u8]) -> Result<Option<Self>> {
        let known = buf.len().min(1 + PROTOCOL.len());
        if known > 0 {
            if buf[0] as usize != PROTOCOL.len() {
                return Err(Error::NotBitTorrent);
            }
            if buf[1..known] != PROTOCOL[..known - 1] {
                return Err(Error::NotBitTorrent);
            }
        }
        if buf.len() < HANDSHAKE_LEN {
            return Ok(None);
        }
        let mut h = Self { reserved: [0; 8], info_hash: [0; 20], peer_id: [0; 20] };
        h.reserved.copy_from_slice(&buf[20..28]);
        h.info_hash.copy_from_slice(&buf[28..48]);
        h.peer_id.copy_from_slice(&buf[48..68]);
        Ok(Some(h))
    }

    pub fn encode(&self, out: &mut BytesMut) {
        out.reserve(HANDSHAKE_LEN);
        out.put_u8(PROTOCOL.len() as u8);
        out.put_slice(PROTOCOL);
        out.put_slice(&self.reserved);
        out.put_slice(&self.info_hash);
        out.put_slice(&self.peer_id);
    }

    /// BEP 10: the extension protocol (reserved byte 5, bit 0x10).
    pub fn extension_protocol(&self) -> bool {
        self.reserved[5] & 0x10 != 0
    }

    /// BEP 6: the fast extension (reserved byte 7, bit 0x04).
    pub fn fast(&self) -> bool {
        self.reserved[7] & 0x04 != 0
    }

    /// BEP 5: DHT (reserved byte 7, bit 0x01).
    pub fn dht(&self) -> bool {
        self.reserved[7] & 0x01 != 0
    }

    pub fn set_fast(&mut self, on: bool) {
        if on {
            self.reserved[7] |= 0x04;
        } else {
            self.reserved[7] &= !0x04;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn librqbit_handshake() -> Vec<u8> {
        // What librqbit 9.1 sends: only the BEP 10 bit set.
        let mut v = vec![19];
        v.extend_from_slice(PROTOCOL);
        v.extend_from_slice(&[0, 0, 0, 0, 0, 0x10, 0, 0]);
        v.extend_from_slice(&[0xaa; 20]);
        v.extend_from_slice(b"-rQ9100-abcdefghijkl");
        v
    }

    #[test]
    fn parses_a_real_handshake_and_its_bits() {
        let bytes = librqbit_handshake();
        let h = Handshake::parse(&bytes).unwrap().unwrap();
        assert!(h.extension_protocol());
        assert!(!h.fast() && !h.dht());
        assert_eq!(h.info_hash, [0xaa; 20]);
        assert_eq!(&h.peer_id[..8], b"-rQ9100-");
        let mut out = BytesMut::new();
        h.encode(&mut out);
        assert_eq!(&out[..], &bytes[..]);
    }

    #[test]
    fn a_partial_handshake_waits_and_a_foreign_stream_fails_at_once() {
        let bytes = librqbit_handshake();
        for cut in 0..HANDSHAKE_LEN {
            assert_eq!(Handshake::parse(&bytes[..cut]), Ok(None), "cut at {cut}");
        }
        assert_eq!(Handshake::parse(b"GET / HTTP/1.1\r\n"), Err(Error::NotBitTorrent));
        assert_eq!(Handshake::parse(b"\x13BitTorrent protocoX"), Err(Error::NotBitTorrent));
        assert_eq!(Handshake::parse(&[5]), Err(Error::NotBitTorrent));
    }

    #[test]
    fn fast_bit_can_be_set_and_cleared() {
        let mut h = Handshake::parse(&librqbit_handshake()).unwrap().unwrap();
        h.set_fast(true);
        assert!(h.fast() && h.extension_protocol());
        h.set_fast(false);
        assert!(!h.fast());
    }
}
