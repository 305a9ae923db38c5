//! Any `bt_speed` payload a peer can send: no panic, and what decodes round-trips.
//! The check lives in `bidswarm_speed::fuzz`, which `cargo test` also runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| bidswarm_speed::fuzz::speed_message(data));
