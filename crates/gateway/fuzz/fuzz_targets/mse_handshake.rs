//! Any MSE handshake a peer can send, answering ours or opening its own: no panic, an
//! end, nothing read that was not sent. The check lives in `bidswarm_gateway::fuzz`,
//! which `cargo test` also runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| bidswarm_gateway::fuzz::mse_handshake(data));
