//! Any bytes a peer can send: the decoders must never panic, never buffer past their
//! limit, and whatever they accept must encode back to the same bytes.
#![no_main]

use bidswarm_peerwire::{Decoder, ExtendedHandshake, Handshake, Pex, encode};
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Handshake::parse(data);
    let _ = ExtendedHandshake::parse(data).map(|h| ExtendedHandshake::parse(&h.encode()).expect("re-parse"));
    let _ = Pex::parse(data).map(|p| Pex::parse(&p.encode()).expect("re-parse"));

    // Feed the stream in uneven pieces, as TCP would.
    let decoder = Decoder::new(64 * 1024);
    let mut buf = BytesMut::new();
    for chunk in data.chunks(7) {
        buf.extend_from_slice(chunk);
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(message)) => {
                    let mut again = BytesMut::new();
                    encode(&message, &mut again);
                    let mut check = again.clone();
                    assert_eq!(decoder.decode(&mut check).ok().flatten(), Some(message));
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
        assert!(buf.len() <= 64 * 1024 + 4 + 7, "buffered past the limit");
    }
});
