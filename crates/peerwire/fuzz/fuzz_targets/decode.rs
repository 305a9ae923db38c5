//! Any bytes a peer can send: the decoders must never panic, never buffer past their
//! limit, and whatever they accept must encode back to the same bytes.
//! The check lives in `bidswarm_peerwire::fuzz`, which `cargo test` also runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| bidswarm_peerwire::fuzz::decode(data));
