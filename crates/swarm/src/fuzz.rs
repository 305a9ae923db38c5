//! The checks the fuzz targets in `crates/swarm/fuzz` run on every input. `cargo test`
//! runs the same checks on the seeds and a few thousand seeded pseudo-random inputs, so a
//! broken promise shows up in `make test` long before a fuzzing run (docs/FUZZING.md).
//!
//! The attacker hands the user a magnet link or a `.torrent` (a web page, a chat, a
//! tracker); the user pastes or opens it, and it must be refused with a reason, never
//! crash the client or name a folder outside the download folder.

use std::path::Path;

use bytes::Bytes;

use crate::source::{parse_magnet, parse_torrent, Resolved};

/// A magnet link as [`crate::source::resolve`] reads it: no panic; an accepted one reads
/// back the same from the URI we keep and hand to librqbit (its id is an info hash by type).
pub fn magnet(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else { return };
    let Ok(resolved) = parse_magnet(text) else { return };
    let Resolved::Magnet { id, name, uri, peers } = &resolved else {
        panic!("a magnet resolved to a .torrent");
    };
    let Ok(Resolved::Magnet { id: id2, name: name2, uri: uri2, peers: peers2 }) = parse_magnet(uri) else {
        panic!("the URI we keep ({uri:?}) does not parse again");
    };
    assert_eq!((id, name, uri, peers), (&id2, &name2, &uri2, &peers2), "re-parsing changed the magnet");
}

/// `.torrent` bytes through everything we do with them before librqbit's session: the
/// checks in [`parse_torrent`], then what the preview, the download folder and the
/// details pane read. Nothing panics, and an accepted torrent's content folder is the download folder or one folder inside it.
pub fn torrent(bytes: &[u8]) {
    if parse_torrent(Bytes::copy_from_slice(bytes)).is_err() {
        return;
    }
    let _ = crate::About::read(bytes);

    let downloads = Path::new("/downloads");
    let folder = crate::torrent::content_folder(bytes, downloads).expect("an accepted torrent has a folder");
    assert_eq!(
        folder.parent().filter(|_| folder != downloads).unwrap_or(downloads),
        downloads,
        "{folder:?} is not in the download folder"
    );

    // What the preview lists (librqbit's list-only add parses the same bytes).
    let meta = librqbit::torrent_from_bytes(bytes).expect("parse_torrent accepted it");
    let info = meta.info.data.validate().expect("parse_torrent validated it");
    let mut total = 0u64;
    for file in info.iter_file_details() {
        let _ = file.filename.to_string();
        let _ = file.filename.to_vec();
        total = total.checked_add(file.len).expect("parse_torrent refuses lengths that overflow");
    }
    let _ = total;
}

#[cfg(test)]
mod tests {
    //! The short run of the fuzz targets: seeds and regressions, then seeded mutations.
    use bidswarm_peerwire::fuzz::mutate;
    use rand::{rngs::StdRng, SeedableRng as _};

    use super::*;

    pub(crate) const MAGNET_SEEDS: &[&str] = &[
        "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=file&x.pe=127.0.0.1:6881&x.pe=bad",
        "magnet:?xt=urn:btih:CIRCUMSTANCESCIRCUMSTANCESCIRCUM&tr=udp%3A%2F%2Ft.invalid%3A80&x.pe=[::1]:1",
        "  magnet:?dn=%E2%9C%93&xt=urn:btih:0123456789ABCDEF0123456789ABCDEF01234567  ",
        "magnet:?xt=urn:btmh:1220caf1e1c30e81cb361b9ee167c4aa64228a7fa4fa9f6105232b28ad099f3a302e",
    ];

    pub(crate) const TORRENT_SEEDS: &[&[u8]] = &[
        b"d4:infod6:lengthi10e4:name1:a12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee",
        b"d7:comment2:hi10:created by3:me!13:creation datei1700000000e4:infod5:filesld6:lengthi3e4:pathl1:x1:yeed6:lengthi4e4:pathl1:zeee4:name3:dir12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee",
    ];

    /// Inputs the fuzzer found, replayed on every `cargo test` (each also has its own test
    /// in `source::tests`).
    pub(crate) const MAGNET_REGRESSIONS: &[&str] = &[
        "magnet:?xt=urn:btih:CIRCUMSTANCESCI=CUMSTANCESCIRCUM&tr=udp%3>A%2::1]:1",
        "magnet:?xt=urn:btih:CIRCUMSTANCESCMRIUCSTANCESCIRAUM&so=012354567845-678901234567&dn=file",
    ];
    pub(crate) const TORRENT_REGRESSIONS: &[&[u8]] = &[
        b"d4:infod5:filesld6:lengthi9223372036854775807e4:pathl1:xeed6:lengthi9223372036854775807e4:pathl1:yeed6:lengthi9223372036854775807e4:pathl1:zeee4:name1:d12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee",
        b"d4:infod6:lengthi9223372036854775807e4:name1:a12:piece lengthi1e6:pieces20:aaaaaaaaaaaaaaaaaaaaee",
        b"d4:infod6:lengt55555555555555555555555555555555555555555555555555555555555555hi10e4:named4:infodece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee",
        b"d7:comment2:hi10:created by3:me!13:cr%ation datei1700000000e4:infod5:filesld6:lengthi3e4:pathl1:x1:yeed6:lengthi4e4:pathl1:zeee4:name3:\xf3)r12:piece lengthi16380000000e4:infod5:filesld6:lenaaaaee",
        b"d7:co\"ment2:hi10:cbeated by4:]me!13:crladion datei+1700000000e4:infod5:filesld6:lengthi3e4:pathl12:\xf777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777\x8dmlink athl1:zeee4:attr3:dir12:piece lengthi16384e6:pieces20:aa1:x1:yeed6:lengtaaee",
        b"d4:fgt`i+e4:\x98gt`99999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999d4:fgt`i+e4:\x98gt`i+4i+4e",
    ];

    #[test]
    fn magnets_survive_the_fuzz_check() {
        let mut rng = StdRng::seed_from_u64(0x5eed_0003);
        let alphabet = b"magnet:?xt=urn:btih:&dn=x.pe%[]:.0123456789abcdefABCDEF \xc3\xa9/";
        for seed in MAGNET_SEEDS.iter().chain(MAGNET_REGRESSIONS) {
            magnet(seed.as_bytes());
            for _ in 0..500 {
                magnet(&mutate(&mut rng, seed.as_bytes(), alphabet));
            }
        }
    }

    #[test]
    fn the_magnet_seed_is_accepted_so_the_check_reaches_the_round_trip() {
        assert!(parse_magnet(MAGNET_SEEDS[0]).is_ok());
        assert!(parse_magnet(MAGNET_SEEDS[2]).is_ok());
    }

    #[test]
    fn torrents_survive_the_fuzz_check() {
        let mut rng = StdRng::seed_from_u64(0x5eed_0004);
        let alphabet = b"0123456789:deil-/.abcdefghijklmnopqrstuvwxyz \x00\xff";
        for seed in TORRENT_SEEDS.iter().chain(TORRENT_REGRESSIONS) {
            torrent(seed);
            for _ in 0..800 {
                torrent(&mutate(&mut rng, seed, alphabet));
            }
        }
    }

    #[test]
    fn the_torrent_seeds_are_accepted_so_the_check_reaches_the_folder() {
        for seed in TORRENT_SEEDS {
            assert!(parse_torrent(Bytes::from_static(seed)).is_ok(), "{}", String::from_utf8_lossy(seed));
        }
    }
}
