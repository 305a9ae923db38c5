//! Any `.torrent` a user can be tricked into opening, through what we do with it before
//! librqbit's session: never a panic, never a folder outside the download folder.
//! The check lives in `bidswarm_swarm::fuzz`, which `cargo test` also runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| bidswarm_swarm::fuzz::torrent(data));
