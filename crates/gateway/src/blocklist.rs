//! The IP blocklist: addresses we never connect to and never accept.
//!
//! librqbit's own blocklist cannot work behind the gateway (every incoming peer reaches
//! it as 127.0.0.1), so the gateway checks the real address at accept and before dialing.
//!
//! A blocklist file has one rule per line, in any of the forms users have lists in:
//!
//! ```text
//! # comments start with # or //
//! 10.0.0.0/8                      a CIDR block, IPv4 or IPv6
//! 192.0.2.7                       one address
//! 198.51.100.1-198.51.100.99      an inclusive range
//! Some org:203.0.113.0-203.0.113.255   the P2P (PeerGuardian) form
//! ```
//!
//! Rules are kept as merged, sorted ranges over IPv6 space (IPv4 as `::ffff:a.b.c.d`), so a
//! lookup is one binary search however long the list is.

use std::net::{IpAddr, Ipv6Addr};

use ipnet::IpNet;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Blocklist {
    /// Sorted, non-overlapping, inclusive.
    ranges: Vec<(u128, u128)>,
}

/// A line the parser could not read, for the user to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRule {
    pub line: usize,
    pub text: String,
}

impl Blocklist {
    /// Reads every rule it can; lines it cannot read are returned, not fatal, so one typo
    /// in a 100 000-line list does not leave the user unprotected.
    pub fn parse(text: &str) -> (Self, Vec<BadRule>) {
        let mut ranges = Vec::new();
        let mut bad = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with("//") {
                continue;
            }
            match parse_rule(line) {
                Some(range) => ranges.push(range),
                None => bad.push(BadRule { line: i + 1, text: line.chars().take(120).collect() }),
            }
        }
        (Self::from_ranges(ranges), bad)
    }

    fn from_ranges(mut ranges: Vec<(u128, u128)>) -> Self {
        ranges.sort_unstable();
        let mut merged: Vec<(u128, u128)> = Vec::with_capacity(ranges.len());
        for (start, end) in ranges {
            match merged.last_mut() {
                Some(last) if start <= last.1.saturating_add(1) => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        Self { ranges: merged }
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let x = key(ip);
        // The last range starting at or before x is the only one that can hold it.
        let i = self.ranges.partition_point(|(start, _)| *start <= x);
        i > 0 && self.ranges[i - 1].1 >= x
    }

    /// How many separate ranges are blocked (after merging).
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }
}

fn key(ip: IpAddr) -> u128 {
    let v6: Ipv6Addr = match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(|v4| v4.to_ipv6_mapped()).unwrap_or(v6),
    };
    u128::from(v6)
}

fn parse_rule(line: &str) -> Option<(u128, u128)> {
    if let Ok(net) = line.parse::<IpNet>() {
        return Some((key(net.network()), key(net.broadcast())));
    }
    if let Ok(ip) = line.parse::<IpAddr>() {
        return Some((key(ip), key(ip)));
    }
    // A range, maybe behind a P2P-style "description:" (IPv4 only there, since IPv6
    // addresses contain colons themselves).
    let range = match line.split_once('-') {
        Some((a, _)) if a.trim().parse::<IpAddr>().is_err() => line.rsplit_once(':')?.1,
        _ => line,
    };
    let (a, b) = range.split_once('-')?;
    let (a, b): (IpAddr, IpAddr) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    if a.is_ipv4() != b.is_ipv4() || key(a) > key(b) {
        return None;
    }
    Some((key(a), key(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn every_rule_form_blocks_what_it_says_and_nothing_next_to_it() {
        let text = "\
# a comment
// another

10.0.0.0/8
192.0.2.7
198.51.100.1 - 198.51.100.99
Bad org:203.0.113.0-203.0.113.255
2001:db8::/32
";
        let (list, bad) = Blocklist::parse(text);
        assert!(bad.is_empty(), "{bad:?}");
        for blocked in [
            "10.0.0.0",
            "10.255.255.255",
            "192.0.2.7",
            "198.51.100.1",
            "198.51.100.99",
            "203.0.113.128",
            "2001:db8::1",
            "::ffff:10.1.2.3",
        ] {
            assert!(list.contains(ip(blocked)), "{blocked} should be blocked");
        }
        for allowed in [
            "9.255.255.255",
            "11.0.0.0",
            "192.0.2.6",
            "192.0.2.8",
            "198.51.100.100",
            "2001:db9::1",
            "127.0.0.1",
        ] {
            assert!(!list.contains(ip(allowed)), "{allowed} should pass");
        }
    }

    #[test]
    fn unreadable_lines_are_reported_with_their_numbers_and_the_rest_still_applies() {
        let (list, bad) = Blocklist::parse("1.2.3.4\nnot an address\n5.6.7.8-5.6.7.1\n9.9.9.9\n");
        assert_eq!(bad.iter().map(|b| b.line).collect::<Vec<_>>(), vec![2, 3]);
        assert!(list.contains(ip("1.2.3.4")) && list.contains(ip("9.9.9.9")));
    }

    #[test]
    fn overlapping_and_adjacent_rules_merge() {
        let (list, _) = Blocklist::parse("1.0.0.0/24\n1.0.1.0/24\n1.0.0.5-1.0.0.10\n");
        assert_eq!(list.len(), 1);
        assert!(list.contains(ip("1.0.1.255")) && !list.contains(ip("1.0.2.0")));
    }

    #[test]
    fn an_empty_list_blocks_nothing() {
        let (list, bad) = Blocklist::parse("");
        assert!(list.is_empty() && bad.is_empty());
        assert!(!list.contains(ip("1.2.3.4")));
    }
}
