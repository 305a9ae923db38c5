//! The check the fuzz target in `crates/gateway/fuzz` runs on every input. `cargo test`
//! runs it on seeds and a few thousand seeded pseudo-random inputs, so a broken promise
//! shows up in `make test` long before a fuzzing run (docs/FUZZING.md).
//!
//! The attacker is any peer: it opens a connection, or answers ours, with an MSE
//! handshake of its choosing.

use std::{
    pin::Pin,
    task::{Context, Poll},
};

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::mse::{self, Cipher, CRYPTO_PLAIN, CRYPTO_RC4};

/// The torrent the scripted handshakes name.
pub const TORRENT: [u8; 20] = [7; 20];
/// The shared secret of the framed handshakes: fixed, so the fuzzer's bytes go straight
/// to what follows the key exchange (a real one costs a 768-bit exponentiation).
const SECRET: [u8; 96] = [0x5c; 96];

thread_local! {
    /// Made once: a runtime per input would cost more than the handshake.
    static RUNTIME: tokio::runtime::Runtime =
        tokio::runtime::Builder::new_current_thread().build().expect("a current-thread runtime");
}

/// One MSE handshake against a peer that sends `data` and then closes: no panic, an end
/// (the script runs out), and nothing made up: what comes out as read past the handshake
/// is no longer than what the peer sent. The first byte picks the case:
/// - bit 0: we answer (`respond`) or we dial (`initiate`);
/// - bit 1: plaintext allowed, or RC4 required;
/// - `0xFC` and up: raw, the rest is the whole stream, keys included (degenerate keys and
///   the search through padding); otherwise framed: the rest is the peer's plaintext
///   after the key exchange, which this check encrypts as the peer would (the
///   verification constant, the crypto fields, the paddings, the initial payload and the
///   stream after it).
pub fn mse_handshake(data: &[u8]) {
    let Some((&mode, body)) = data.split_first() else { return };
    let we_answer = mode & 1 == 0;
    let allow_plain = mode & 2 == 0;
    let raw = mode >= 0xFC;
    let sent = if raw { body.to_vec() } else { framed(we_answer, body) };
    let mut peer = Script { input: &sent, at: 0 };
    let read_past = RUNTIME.with(|runtime| {
        runtime.block_on(async {
            let established = match (we_answer, raw) {
                (true, true) => {
                    mse::respond(&mut peer, BytesMut::new(), &[TORRENT], allow_plain).await.map(|(e, _)| e)
                }
                (true, false) => {
                    let answered =
                        mse::respond_secured(&mut peer, BytesMut::new(), &SECRET, &[TORRENT], allow_plain)
                            .await;
                    if let Ok((_, torrent)) = &answered {
                        assert_eq!(*torrent, TORRENT, "a torrent we do not have");
                    }
                    answered.map(|(e, _)| e)
                }
                (false, true) => mse::initiate(&mut peer, &TORRENT, !allow_plain).await,
                (false, false) => {
                    let provide = if allow_plain { CRYPTO_RC4 | CRYPTO_PLAIN } else { CRYPTO_RC4 };
                    mse::initiate_secured(&mut peer, BytesMut::new(), &SECRET, &TORRENT, provide).await
                }
            };
            established.map(|e| e.head.len())
        })
    });
    if let Ok(read_past) = read_past {
        assert!(read_past <= sent.len(), "{read_past} bytes read past a handshake of {}", sent.len());
    }
}

/// What a peer sends after the key exchange, `body` being its plaintext: a dialer's
/// HASH('req1', S) and torrent hash, then `body` under its RC4; a receiver's `body` under
/// its RC4.
fn framed(we_answer: bool, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut body = body.to_vec();
    if we_answer {
        out.extend(mse::sha1(&[b"req1", &SECRET]));
        let req2 = mse::sha1(&[b"req2", &TORRENT]);
        let req3 = mse::sha1(&[b"req3", &SECRET]);
        out.extend(req2.iter().zip(req3).map(|(a, b)| a ^ b));
        Cipher::new(b"keyA", &SECRET, &TORRENT).apply(&mut body);
    } else {
        Cipher::new(b"keyB", &SECRET, &TORRENT).apply(&mut body);
    }
    out.extend(body);
    out
}

/// A peer that sends `input` and then closes, and takes whatever we write.
struct Script<'a> {
    input: &'a [u8],
    at: usize,
}

impl AsyncRead for Script<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        // A few bytes at a time, as a network may deliver them.
        let n = (self.input.len() - self.at).min(buf.remaining()).min(97);
        buf.put_slice(&self.input[self.at..self.at + n]);
        self.at += n;
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Script<'_> {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    //! The short run of the fuzz target: seeds, then seeded mutations.
    use bidswarm_peerwire::fuzz::mutate;
    use rand::{rngs::StdRng, SeedableRng as _};

    use super::*;

    /// The bytes that give a handshake's fields their shape, and a byte's two extremes.
    const ALPHABET: &[u8] = b"\x00\x01\x02\x03\xff";

    /// Well-formed handshakes for each case: the plaintext a peer sends after the keys.
    pub(crate) fn seeds() -> Vec<Vec<u8>> {
        // A dialer: VC, crypto_provide, len(padC), padC, len(IA), IA, then the stream.
        let dialer = |provide: u32, pad: &[u8], ia: &[u8]| {
            let mut b = vec![0u8; 8];
            b.extend(provide.to_be_bytes());
            b.extend((pad.len() as u16).to_be_bytes());
            b.extend(pad);
            b.extend((ia.len() as u16).to_be_bytes());
            b.extend(ia);
            b.extend(b"after");
            b
        };
        // A receiver: VC, crypto_select, len(padD), padD, then the stream.
        let receiver = |select: u32, pad: &[u8]| {
            let mut b = vec![0u8; 8];
            b.extend(select.to_be_bytes());
            b.extend((pad.len() as u16).to_be_bytes());
            b.extend(pad);
            b.extend(b"after");
            b
        };
        let mut seeds = Vec::new();
        for mode in [0u8, 2] {
            for body in
                [dialer(3, b"", b""), dialer(2, &[0; 7], b"\x13BitTorrent protocol"), dialer(1, b"", b"x")]
            {
                seeds.push([vec![mode], body].concat());
            }
        }
        for mode in [1u8, 3] {
            for body in [receiver(2, b""), receiver(1, &[9; 3]), receiver(3, b"")] {
                seeds.push([vec![mode], body].concat());
            }
        }
        seeds.push(vec![0xFC; 200]);
        seeds.push([vec![0xFD], vec![0x11; 96], vec![0; 40]].concat());
        seeds
    }

    #[test]
    fn mse_handshakes_survive_the_fuzz_check() {
        let mut rng = StdRng::seed_from_u64(0x5eed_0003);
        for seed in seeds() {
            mse_handshake(&seed);
            for _ in 0..200 {
                mse_handshake(&mutate(&mut rng, &seed, ALPHABET));
            }
        }
    }

    /// The framed seeds do reach the end of a handshake, decrypting what follows it: the
    /// check exercises more than the first field.
    #[test]
    fn the_framed_seeds_complete_a_handshake() {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let dialer = &seeds()[0];
        let sent = framed(true, &dialer[1..]);
        let mut peer = Script { input: &sent, at: 0 };
        let answered = runtime
            .block_on(mse::respond_secured(&mut peer, BytesMut::new(), &SECRET, &[TORRENT], true))
            .unwrap();
        // What came in the same reads as the handshake's end; the rest is still unread.
        assert!(b"after".starts_with(&answered.0.head), "{:?}", answered.0.head);
        let receiver = &seeds()[6];
        let sent = framed(false, &receiver[1..]);
        let mut peer = Script { input: &sent, at: 0 };
        let dialed = runtime
            .block_on(mse::initiate_secured(
                &mut peer,
                BytesMut::new(),
                &SECRET,
                &TORRENT,
                CRYPTO_RC4 | CRYPTO_PLAIN,
            ))
            .unwrap();
        assert!(dialed.rc4());
        assert!(b"after".starts_with(&dialed.head), "{:?}", dialed.head);
    }
}
