//! Any voucher and signature a peer can send: parsing the signature and recovering its
//! signer never panic, and only the signer passes as the payer.
//! The check lives in `bidswarm_speed::fuzz`, which `cargo test` also runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| bidswarm_speed::fuzz::voucher(data));
