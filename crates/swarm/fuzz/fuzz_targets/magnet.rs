//! Any magnet link a user can be tricked into pasting: refused with a reason or read back
//! the same, never a panic. The check lives in `bidswarm_swarm::fuzz`, which `cargo test`
//! also runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| bidswarm_swarm::fuzz::magnet(data));
