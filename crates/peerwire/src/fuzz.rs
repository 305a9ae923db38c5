//! The check the fuzz target in `crates/peerwire/fuzz` runs on every input. `cargo test`
//! runs it on seeds and a few thousand seeded pseudo-random inputs, so a broken promise
//! shows up in `make test` long before a fuzzing run (docs/FUZZING.md).
//!
//! The attacker is any peer: every byte on the wire is its choice.

use bytes::BytesMut;

use crate::{encode, Decoder, ExtendedHandshake, Handshake, Pex};

/// The frame limit the check decodes with.
const MAX_FRAME: u32 = 64 * 1024;
/// How many bytes the stream is fed at a time, as TCP might deliver them.
const PIECE: usize = 7;

/// Any bytes a peer can send: the decoders never panic, never buffer past their limit,
/// and whatever they accept encodes back to bytes that decode the same.
pub fn decode(data: &[u8]) {
    let _ = Handshake::parse(data);
    if let Ok(h) = ExtendedHandshake::parse(data) {
        ExtendedHandshake::parse(&h.encode()).expect("what we encode parses");
    }
    if let Ok(p) = Pex::parse(data) {
        Pex::parse(&p.encode()).expect("what we encode parses");
    }

    let decoder = Decoder::new(MAX_FRAME);
    let mut buf = BytesMut::new();
    for chunk in data.chunks(PIECE) {
        buf.extend_from_slice(chunk);
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(message)) => {
                    let mut again = BytesMut::new();
                    encode(&message, &mut again);
                    assert_eq!(decoder.decode(&mut again).ok().flatten(), Some(message));
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
        assert!(buf.len() <= MAX_FRAME as usize + 4 + PIECE, "buffered past the limit");
    }
}

/// Flips, overwrites, inserts and cuts bytes of `seed`, as libFuzzer's simplest mutators
/// do, for the seeded runs of the fuzz checks in `cargo test` (here, in speed and in
/// swarm). New bytes come from `alphabet`, the bytes that give the format its shape
/// (bencode's digits and `d e i l :`, a magnet's `&` and `=`), so that a mutant is often
/// still well-formed enough to reach the deeper checks; a flipped bit reaches every other
/// value.
#[cfg(any(test, feature = "mutate"))]
pub fn mutate(rng: &mut impl rand::Rng, seed: &[u8], alphabet: &[u8]) -> Vec<u8> {
    use rand::seq::IndexedRandom as _;

    let mut out = seed.to_vec();
    let pick = |rng: &mut _| alphabet.choose(rng).copied().unwrap_or(b'0');
    for _ in 0..rng.random_range(1..=4) {
        let at = rng.random_range(0..=out.len());
        match rng.random_range(0..5) {
            0 if at < out.len() => out[at] ^= 1 << rng.random_range(0..8),
            1 if at < out.len() => out[at] = pick(rng),
            2 => out.insert(at, pick(rng)),
            3 => out.truncate(at),
            _ => out.extend((0..rng.random_range(0..8)).map(|_| pick(rng))),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    //! The short run of the fuzz target: seeds and the regression, then seeded mutations.
    use rand::{rngs::StdRng, SeedableRng as _};

    use super::*;

    /// The bytes that give bencode and a frame's length its shape.
    const ALPHABET: &[u8] = b"0123456789:deil\x00\xff";

    #[test]
    fn peer_bytes_survive_the_fuzz_check() {
        let crash = [&[b'4'; 38][..], b"5h"].concat();
        let mut seeds: Vec<Vec<u8>> = vec![
            crash.clone(),
            [&[0, 0, 0, 41, 20, 0][..], &crash[..]].concat(),
            b"d1:md6:ut_pexi1e8:bt_speedi2ee1:pi6881e1:v7:bidswarme".to_vec(),
            b"d5:added6:\x7f\0\0\x01\x1a\xe17:added.f1:\x00e".to_vec(),
            vec![0, 0, 0, 5, 4, 0, 0, 1, 0, 0, 0, 0, 13, 6, 0, 0, 0, 1, 0, 0, 0x40, 0, 0, 0, 0x40, 0],
        ];
        let mut handshake = vec![19];
        handshake.extend_from_slice(b"BitTorrent protocol");
        handshake.extend_from_slice(&[0; 48]);
        seeds.push(handshake);
        let mut rng = StdRng::seed_from_u64(0x5eed_0005);
        for seed in &seeds {
            decode(seed);
            for _ in 0..500 {
                decode(&mutate(&mut rng, seed, ALPHABET));
            }
        }
    }
}
