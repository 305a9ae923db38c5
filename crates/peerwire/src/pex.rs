//! BEP 11 peer exchange: compact address lists the gateway must filter, because
//! librqbit sees every incoming peer as 127.0.0.1 and would advertise that.

use std::{
    collections::HashMap,
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
};

use bytes::Bytes;
use librqbit_bencode::BencodeValueOwned;

use crate::{
    extended::{decode_bencode, key},
    Error, Result,
};

/// One `ut_pex` message. `added_flags[i]` belongs to `added[i]` (0 when the sender gave
/// none). IPv4 and IPv6 addresses share the lists and are split again on encoding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pex {
    pub added: Vec<SocketAddr>,
    pub added_flags: Vec<u8>,
    pub dropped: Vec<SocketAddr>,
}

impl Pex {
    pub fn parse(payload: &[u8]) -> Result<Self> {
        let BencodeValueOwned::Dict(dict) = decode_bencode(payload)? else {
            return Err(Error::Bencode("ut_pex is not a dictionary".into()));
        };
        let bytes = |k: &str| match dict.get(k.as_bytes()) {
            Some(BencodeValueOwned::Bytes(b)) => b.as_ref().to_vec(),
            _ => Vec::new(),
        };
        let mut pex = Self::default();
        for (list, flags, width) in [("added", "added.f", 6), ("added6", "added6.f", 18)] {
            let addrs = compact(&bytes(list), width)?;
            let mut f = bytes(flags);
            f.resize(addrs.len(), 0);
            pex.added.extend(addrs);
            pex.added_flags.extend(f);
        }
        pex.dropped.extend(compact(&bytes("dropped"), 6)?);
        pex.dropped.extend(compact(&bytes("dropped6"), 18)?);
        Ok(pex)
    }

    pub fn encode(&self) -> Bytes {
        let mut dict = HashMap::new();
        let mut put = |k: &str, v: Vec<u8>| {
            if !v.is_empty() {
                dict.insert(key(k), BencodeValueOwned::Bytes(v.into()));
            }
        };
        let (mut a4, mut f4, mut a6, mut f6) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (addr, flag) in self.added.iter().zip(&self.added_flags) {
            let (list, flags) = if addr.is_ipv4() { (&mut a4, &mut f4) } else { (&mut a6, &mut f6) };
            push_compact(list, addr);
            flags.push(*flag);
        }
        let (mut d4, mut d6) = (Vec::new(), Vec::new());
        for addr in &self.dropped {
            push_compact(if addr.is_ipv4() { &mut d4 } else { &mut d6 }, addr);
        }
        put("added", a4);
        put("added.f", f4);
        put("added6", a6);
        put("added6.f", f6);
        put("dropped", d4);
        put("dropped6", d6);
        let mut out = Vec::new();
        // Serializing an in-memory dictionary into a Vec cannot fail.
        let _ = librqbit_bencode::bencode_serialize_to_writer(&dict, &mut out);
        out.into()
    }

    /// Maps every address through `f`; `None` removes it (with its flags).
    pub fn rewrite(&mut self, mut f: impl FnMut(SocketAddr) -> Option<SocketAddr>) {
        let mut added = Vec::with_capacity(self.added.len());
        let mut flags = Vec::with_capacity(self.added.len());
        for (addr, flag) in self.added.iter().zip(&self.added_flags) {
            if let Some(a) = f(*addr) {
                added.push(a);
                flags.push(*flag);
            }
        }
        self.added = added;
        self.added_flags = flags;
        self.dropped = self.dropped.iter().filter_map(|a| f(*a)).collect();
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.dropped.is_empty()
    }
}

fn compact(bytes: &[u8], width: usize) -> Result<Vec<SocketAddr>> {
    if !bytes.len().is_multiple_of(width) {
        return Err(Error::BadPexList(bytes.len()));
    }
    Ok(compact_peers(bytes, width).collect())
}

/// BEP 23's compact peers, as PEX and trackers send them: `width` bytes each (6 for
/// IPv4, 18 for IPv6), the port last, both big-endian. A tail shorter than one entry is
/// left out.
pub fn compact_peers(bytes: &[u8], width: usize) -> impl Iterator<Item = SocketAddr> + '_ {
    bytes.chunks_exact(width).map(move |c| {
        let port = u16::from_be_bytes([c[width - 2], c[width - 1]]);
        let ip = if width == 6 {
            IpAddr::V4(Ipv4Addr::new(c[0], c[1], c[2], c[3]))
        } else {
            let mut octets = [0u8; 16];
            octets.copy_from_slice(&c[..16]);
            IpAddr::V6(Ipv6Addr::from(octets))
        };
        SocketAddr::new(ip, port)
    })
}

fn push_compact(out: &mut Vec<u8>, addr: &SocketAddr) {
    match addr.ip() {
        IpAddr::V4(v4) => out.extend_from_slice(&v4.octets()),
        IpAddr::V6(v6) => out.extend_from_slice(&v6.octets()),
    }
    out.extend_from_slice(&addr.port().to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Pex {
        Pex {
            added: vec![
                "127.0.0.1:50000".parse().unwrap(),
                "198.51.100.4:6881".parse().unwrap(),
                "[2001:db8::1]:51413".parse().unwrap(),
            ],
            added_flags: vec![0x10, 0x02, 0x01],
            dropped: vec!["127.0.0.1:50001".parse().unwrap(), "192.0.2.9:1".parse().unwrap()],
        }
    }

    #[test]
    fn round_trips_both_families() {
        let p = sample();
        let back = Pex::parse(&p.encode()).unwrap();
        // Encoding groups IPv4 before IPv6, as the wire format does.
        assert_eq!(back, p);
    }

    #[test]
    fn rewriting_removes_loopback_and_keeps_flags_aligned() {
        let mut p = sample();
        p.rewrite(|a| (!a.ip().is_loopback()).then_some(a));
        assert_eq!(
            p.added,
            vec!["198.51.100.4:6881".parse::<SocketAddr>().unwrap(), "[2001:db8::1]:51413".parse().unwrap()]
        );
        assert_eq!(p.added_flags, vec![0x02, 0x01]);
        assert_eq!(p.dropped, vec!["192.0.2.9:1".parse::<SocketAddr>().unwrap()]);
        let wire = p.encode();
        let back = Pex::parse(&wire).unwrap();
        assert!(back.added.iter().chain(&back.dropped).all(|a| !a.ip().is_loopback()));
    }

    #[test]
    fn a_fixture_from_the_wire_decodes() {
        // d5:added6:<1.2.3.4:258>7:added.f1:<0x02>e
        let mut raw = b"d5:added6:".to_vec();
        raw.extend_from_slice(&[1, 2, 3, 4, 1, 2]);
        raw.extend_from_slice(b"7:added.f1:\x02e");
        let p = Pex::parse(&raw).unwrap();
        assert_eq!(p.added, vec!["1.2.3.4:258".parse::<SocketAddr>().unwrap()]);
        assert_eq!(p.added_flags, vec![2]);
    }

    #[test]
    fn ragged_lists_are_errors() {
        assert_eq!(Pex::parse(b"d5:added5:abcdee"), Err(Error::BadPexList(5)));
        assert!(Pex::parse(b"le").is_err());
    }
}
