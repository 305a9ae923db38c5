//! MSE/PE, BitTorrent's message stream encryption, as the peers in use speak it
//! (libtorrent, Transmission, qBittorrent; the specification is Vuze's "Message Stream
//! Encryption"): a 768-bit Diffie-Hellman exchange, then RC4 with its first 1024 bytes
//! discarded, each way under its own key. The initiator offers plaintext and/or RC4 for
//! the rest of the stream (`crypto_provide`) and the receiver picks one (`crypto_select`).
//!
//! The gateway runs the handshake here, then relays through [`Decrypting`] and
//! [`Encrypting`], so everything above it (the relay's framing, the choker, `bt_speed`,
//! attribution) reads and writes plain peer-wire bytes whatever the wire carries.
//!
//! Hostile peers: every length read from the wire is checked against the specification's
//! bounds before anything is allocated, the receiver searches for the initiator's
//! marker only as far as the largest padding allows, and the caller runs the whole
//! handshake under its handshake timeout.

use std::{
    pin::Pin,
    task::{ready, Context, Poll},
};

use bytes::{Buf, BytesMut};
use num_bigint::BigUint;
use rc4::{consts::U20, KeyInit, Rc4, StreamCipher};
use sha1::{Digest, Sha1};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};

use crate::{Error, Result};

/// What the user allows on the wire.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Encryption {
    /// Encrypted where the peer can, plaintext with peers that cannot: outgoing
    /// connections try MSE first, incoming ones may be either.
    #[default]
    Prefer,
    /// RC4 only: plaintext handshakes and MSE offering plaintext only are refused.
    Require,
    /// Plaintext only: incoming MSE is refused and outgoing connections never try it.
    Disable,
}

/// The 768-bit prime of the exchange (the specification's, RFC 2409's first Oakley group);
/// the generator is 2.
const PRIME: &str = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A63A36210000000000090563";
/// A public key or shared secret: 768 bits, big-endian.
const KEY_LEN: usize = 96;
/// The most random padding either side may send before or inside the handshake.
const MAX_PAD: usize = 512;
/// The verification constant: eight zero bytes, sent encrypted.
const VC: [u8; 8] = [0; 8];
/// `crypto_provide`/`crypto_select` bits.
pub(crate) const CRYPTO_PLAIN: u32 = 0x01;
pub(crate) const CRYPTO_RC4: u32 = 0x02;
/// RC4 keystream bytes both sides drop before use.
const DISCARD: usize = 1024;

/// One direction's RC4 stream.
pub struct Cipher(Rc4<U20>);

impl Cipher {
    /// RC4 under `HASH(label, S, SKEY)`, its first [`DISCARD`] bytes dropped.
    pub(crate) fn new(label: &[u8], secret: &[u8], info_hash: &[u8; 20]) -> Self {
        let key = sha1(&[label, secret, info_hash]);
        let mut rc4 = Rc4::new(&key.into());
        rc4.apply_keystream(&mut [0u8; DISCARD]);
        Self(rc4)
    }

    pub(crate) fn apply(&mut self, bytes: &mut [u8]) {
        self.0.apply_keystream(bytes);
    }
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cipher")
    }
}

/// A connection past its MSE handshake, or with none: the ciphers for the rest of the
/// stream (`None` each way for plaintext) and the plain bytes already read past the
/// handshake (the initial payload, and whatever followed it in the same reads).
#[derive(Debug)]
pub struct Established {
    pub read: Option<Cipher>,
    pub write: Option<Cipher>,
    pub head: BytesMut,
    /// The peer dialed us offering RC4 only: it would have refused plaintext.
    pub refuses_plaintext: bool,
}

impl Established {
    /// A plaintext connection, `head` already read.
    pub fn plain(head: BytesMut) -> Self {
        Self { read: None, write: None, head, refuses_plaintext: false }
    }

    /// Whether the payload stream is RC4 (else plaintext, after an MSE handshake or none).
    pub fn rc4(&self) -> bool {
        self.write.is_some()
    }
}

/// Whether `head` (at least 20 bytes, or all there is) starts a plain BitTorrent
/// handshake rather than an MSE key: `19`, then "BitTorrent protocol".
pub fn is_plain_handshake(head: &[u8]) -> bool {
    const START: &[u8] = b"\x13BitTorrent protocol";
    head.len() >= START.len() && head.starts_with(START)
}

pub(crate) fn sha1(parts: &[&[u8]]) -> [u8; 20] {
    let mut h = Sha1::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

fn prime() -> &'static BigUint {
    static P: std::sync::LazyLock<BigUint> = std::sync::LazyLock::new(|| {
        BigUint::parse_bytes(PRIME.as_bytes(), 16).expect("the prime is valid hex")
    });
    &P
}

/// Fills `bytes` from the operating system's random source.
pub(crate) fn random(bytes: &mut [u8]) -> Result<()> {
    getrandom::fill(bytes).map_err(|e| Error::Io(std::io::Error::other(e.to_string())))
}

/// A fresh 160-bit private key and its public key `2^x mod P`.
fn key_pair() -> Result<(BigUint, [u8; KEY_LEN])> {
    let mut x = [0u8; 20];
    random(&mut x)?;
    let x = BigUint::from_bytes_be(&x);
    let y = BigUint::from(2u8).modpow(&x, prime());
    Ok((x, to_key_bytes(&y)))
}

fn to_key_bytes(n: &BigUint) -> [u8; KEY_LEN] {
    let bytes = n.to_bytes_be();
    let mut out = [0u8; KEY_LEN];
    out[KEY_LEN - bytes.len()..].copy_from_slice(&bytes);
    out
}

/// The shared secret from the peer's public key. A key outside `2..P-1` would make the
/// secret one the peer knows without the exchange (0, 1 or ±1): refused.
fn shared_secret(their_public: &[u8], ours: &BigUint) -> Result<[u8; KEY_LEN]> {
    let p = prime();
    let y = BigUint::from_bytes_be(their_public);
    if y < BigUint::from(2u8) || y >= p - 1u8 {
        return Err(Error::Encryption("the peer's key is degenerate"));
    }
    Ok(to_key_bytes(&y.modpow(ours, p)))
}

/// `len` random padding bytes, `len` itself random up to `max`.
fn padding(max: usize) -> Result<Vec<u8>> {
    let mut len = [0u8; 2];
    random(&mut len)?;
    let mut pad = vec![0u8; usize::from(u16::from_be_bytes(len)) % (max + 1)];
    random(&mut pad)?;
    Ok(pad)
}

/// Reads from `stream` until `buf` holds at least `n` bytes.
pub(crate) async fn fill(stream: &mut (impl AsyncRead + Unpin), buf: &mut BytesMut, n: usize) -> Result<()> {
    while buf.len() < n {
        buf.reserve(n - buf.len());
        if stream.read_buf(buf).await? == 0 {
            return Err(Error::Closed);
        }
    }
    Ok(())
}

/// Reads until `marker` appears within the first `within` bytes of `buf`, and drops
/// everything up to and including it.
async fn sync_on(
    stream: &mut (impl AsyncRead + Unpin),
    buf: &mut BytesMut,
    marker: &[u8],
    within: usize,
) -> Result<()> {
    loop {
        let searched = buf.len().min(within);
        if let Some(at) = buf[..searched].windows(marker.len()).position(|w| w == marker) {
            buf.advance(at + marker.len());
            return Ok(());
        }
        if buf.len() >= within {
            return Err(Error::Encryption("no handshake marker where the padding ends"));
        }
        fill(stream, buf, buf.len() + 1).await?;
    }
}

/// Takes `n` bytes off `buf` and decrypts them.
fn take(buf: &mut BytesMut, n: usize, cipher: &mut Cipher) -> BytesMut {
    let mut out = buf.split_to(n);
    cipher.apply(&mut out);
    out
}

fn be_u16(b: &[u8]) -> usize {
    usize::from(u16::from_be_bytes([b[0], b[1]]))
}

fn be_u32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// The rest of the stream: RC4 both ways, or plaintext after the handshake; what was read
/// past the handshake (`rest`, as it came off the wire) goes in front, decrypted if need be.
fn established(
    select: u32,
    mut read: Cipher,
    write: Cipher,
    mut head: BytesMut,
    mut rest: BytesMut,
) -> Established {
    if select == CRYPTO_RC4 {
        read.apply(&mut rest);
        head.unsplit(rest);
        Established { read: Some(read), write: Some(write), head, refuses_plaintext: false }
    } else {
        head.unsplit(rest);
        Established { read: None, write: None, head, refuses_plaintext: false }
    }
}

/// The dialing side, for the torrent `info_hash`: offers RC4, and plaintext too unless
/// `require`d. Sends no initial payload: the BitTorrent handshake follows in the stream.
pub async fn initiate(
    stream: &mut (impl AsyncRead + AsyncWrite + Unpin),
    info_hash: &[u8; 20],
    require: bool,
) -> Result<Established> {
    let provide = if require { CRYPTO_RC4 } else { CRYPTO_RC4 | CRYPTO_PLAIN };
    initiate_offering(stream, info_hash, provide).await
}

async fn initiate_offering(
    stream: &mut (impl AsyncRead + AsyncWrite + Unpin),
    info_hash: &[u8; 20],
    provide: u32,
) -> Result<Established> {
    let (x, ya) = key_pair()?;
    let mut hello = ya.to_vec();
    hello.extend(padding(MAX_PAD)?);
    stream.write_all(&hello).await?;

    let mut buf = BytesMut::new();
    if let Err(e) = fill(stream, &mut buf, KEY_LEN).await {
        // Not a byte back: the peer may not take this transport at all (libtorrent with
        // TCP off resets every TCP connection), or just not MSE.
        return Err(if buf.is_empty() && e.is_reset() { Error::Unanswered } else { e });
    }
    let secret = shared_secret(&buf.split_to(KEY_LEN), &x)?;
    initiate_secured(stream, buf, &secret, info_hash, provide).await
}

/// The dialing side past the key exchange: `secret` shared, `buf` what the receiver sent
/// after its key.
pub(crate) async fn initiate_secured(
    stream: &mut (impl AsyncRead + AsyncWrite + Unpin),
    mut buf: BytesMut,
    secret: &[u8],
    info_hash: &[u8; 20],
    provide: u32,
) -> Result<Established> {
    let mut write = Cipher::new(b"keyA", secret, info_hash);
    let mut read = Cipher::new(b"keyB", secret, info_hash);

    let req2 = sha1(&[b"req2", info_hash]);
    let req3 = sha1(&[b"req3", secret]);
    let mut message = sha1(&[b"req1", secret]).to_vec();
    message.extend(req2.iter().zip(req3).map(|(a, b)| a ^ b));
    let mut offer = VC.to_vec();
    offer.extend(provide.to_be_bytes());
    offer.extend(0u16.to_be_bytes()); // no padding C
    offer.extend(0u16.to_be_bytes()); // no initial payload
    write.apply(&mut offer);
    message.extend(offer);
    stream.write_all(&message).await?;

    // The receiver's VC as it looks encrypted; finding it ends its padding B.
    let mut marker = VC;
    read.apply(&mut marker);
    sync_on(stream, &mut buf, &marker, MAX_PAD + VC.len()).await?;
    fill(stream, &mut buf, 6).await?;
    let answer = take(&mut buf, 6, &mut read);
    let select = be_u32(&answer[..4]);
    let pad_d = be_u16(&answer[4..]);
    if select.count_ones() != 1 || select & provide == 0 {
        return Err(Error::Encryption("the peer selected a method we did not offer"));
    }
    if pad_d > MAX_PAD {
        return Err(Error::Encryption("padding D is too long"));
    }
    fill(stream, &mut buf, pad_d).await?;
    take(&mut buf, pad_d, &mut read);
    Ok(established(select, read, write, BytesMut::new(), buf))
}

/// The receiving side. `buf` holds the bytes already read (the start of the peer's key);
/// `torrents` are ours (the peer names its torrent only through a hash); `allow_plain`
/// says whether plaintext may be selected for the stream (RC4 is, whenever offered; its
/// initial payload, at most 64 KiB, is read in full). Returns the connection and the
/// torrent the peer asked for.
pub async fn respond(
    stream: &mut (impl AsyncRead + AsyncWrite + Unpin),
    mut buf: BytesMut,
    torrents: &[[u8; 20]],
    allow_plain: bool,
) -> Result<(Established, [u8; 20])> {
    fill(stream, &mut buf, KEY_LEN).await?;
    let (y, yb) = key_pair()?;
    let secret = shared_secret(&buf.split_to(KEY_LEN), &y)?;
    let mut hello = yb.to_vec();
    hello.extend(padding(MAX_PAD)?);
    stream.write_all(&hello).await?;
    respond_secured(stream, buf, &secret, torrents, allow_plain).await
}

/// The receiving side past the key exchange: `secret` shared, `buf` what the dialer sent
/// after its key.
pub(crate) async fn respond_secured(
    stream: &mut (impl AsyncRead + AsyncWrite + Unpin),
    mut buf: BytesMut,
    secret: &[u8],
    torrents: &[[u8; 20]],
    allow_plain: bool,
) -> Result<(Established, [u8; 20])> {
    // Padding A ends where HASH('req1', S) begins.
    sync_on(stream, &mut buf, &sha1(&[b"req1", secret]), MAX_PAD + 20).await?;
    fill(stream, &mut buf, 20).await?;
    let req3 = sha1(&[b"req3", secret]);
    let req2: Vec<u8> = buf.split_to(20).iter().zip(req3).map(|(a, b)| a ^ b).collect();
    let info_hash = *torrents
        .iter()
        .find(|ih| sha1(&[b"req2", ih.as_slice()]).as_slice() == req2)
        .ok_or(Error::Encryption("the peer asked for a torrent we do not have"))?;
    let mut read = Cipher::new(b"keyA", secret, &info_hash);
    let mut write = Cipher::new(b"keyB", secret, &info_hash);

    fill(stream, &mut buf, 14).await?;
    let offer = take(&mut buf, 14, &mut read);
    if offer[..8] != VC {
        return Err(Error::Encryption("the verification constant is wrong"));
    }
    let provide = be_u32(&offer[8..12]);
    let pad_c = be_u16(&offer[12..]);
    if pad_c > MAX_PAD {
        return Err(Error::Encryption("padding C is too long"));
    }
    fill(stream, &mut buf, pad_c + 2).await?;
    let ia_len = be_u16(&take(&mut buf, pad_c + 2, &mut read)[pad_c..]);
    fill(stream, &mut buf, ia_len).await?;
    let initial = take(&mut buf, ia_len, &mut read);

    let select = if provide & CRYPTO_RC4 != 0 {
        CRYPTO_RC4
    } else if provide & CRYPTO_PLAIN != 0 && allow_plain {
        CRYPTO_PLAIN
    } else {
        return Err(Error::Encryption("the peer offers no method we accept"));
    };
    let mut answer = VC.to_vec();
    answer.extend(select.to_be_bytes());
    answer.extend(0u16.to_be_bytes()); // no padding D
    write.apply(&mut answer);
    stream.write_all(&answer).await?;
    let mut established = established(select, read, write, initial, buf);
    established.refuses_plaintext = provide & CRYPTO_PLAIN == 0;
    Ok((established, info_hash))
}

/// The read half of a connection, decrypting what it reads when a cipher is set.
#[derive(Debug)]
pub struct Decrypting<R> {
    inner: R,
    cipher: Option<Cipher>,
}

impl<R> Decrypting<R> {
    pub fn new(inner: R, cipher: Option<Cipher>) -> Self {
        Self { inner, cipher }
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for Decrypting<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        if let Some(cipher) = this.cipher.as_mut() {
            cipher.apply(&mut buf.filled_mut()[before..]);
        }
        Poll::Ready(Ok(()))
    }
}

/// The write half of a connection, encrypting what it writes when a cipher is set.
///
/// Like a `BufWriter`, it accepts a write once encrypted and may hold it until the next
/// write or a flush: callers flush after each message (a no-op on a plain socket).
/// RC4 is a stream: bytes once encrypted must go out in that order, so a write is never
/// taken back.
#[derive(Debug)]
pub struct Encrypting<W> {
    inner: W,
    cipher: Option<Cipher>,
    pending: BytesMut,
}

impl<W> Encrypting<W> {
    pub fn new(inner: W, cipher: Option<Cipher>) -> Self {
        Self { inner, cipher, pending: BytesMut::new() }
    }
}

impl<W: AsyncWrite + Unpin> Encrypting<W> {
    /// Writes out what is encrypted and not yet sent.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        while !self.pending.is_empty() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending))?;
            if n == 0 {
                return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into()));
            }
            self.pending.advance(n);
        }
        Poll::Ready(Ok(()))
    }
}

impl<W: AsyncWrite + Unpin> AsyncWrite for Encrypting<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        ready!(this.poll_drain(cx))?;
        let Some(cipher) = this.cipher.as_mut() else {
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        };
        this.pending.extend_from_slice(buf);
        cipher.apply(&mut this.pending);
        // Sent now if the socket takes it; else on the next write or flush.
        if let Poll::Ready(Err(e)) = this.poll_drain(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        ready!(self.poll_drain(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        ready!(self.poll_drain(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TORRENT: [u8; 20] = [7; 20];
    const OTHER: [u8; 20] = [9; 20];

    /// Both sides of a handshake over an in-memory pipe: the initiator offering `provide`,
    /// the receiver serving `torrents`. A side that fails closes its end, as the gateway
    /// does, so the other is not left waiting.
    async fn handshake(
        provide: u32,
        torrents: &[[u8; 20]],
        allow_plain: bool,
    ) -> (
        Result<Established>,
        Result<(Established, [u8; 20])>,
        tokio::io::DuplexStream,
        tokio::io::DuplexStream,
    ) {
        let (mut a, mut b) = tokio::io::duplex(64 * 1024);
        let (ours, theirs) = tokio::join!(
            async {
                let got = initiate_offering(&mut a, &TORRENT, provide).await;
                if got.is_err() {
                    a.shutdown().await.ok();
                }
                got
            },
            async {
                let got = respond(&mut b, BytesMut::new(), torrents, allow_plain).await;
                if got.is_err() {
                    b.shutdown().await.ok();
                }
                got
            }
        );
        (ours, theirs, a, b)
    }

    /// Sends `message` from one side and reads it on the other, through the ciphers.
    async fn carry(
        from: &mut Established,
        to: &mut Established,
        wire_from: &mut tokio::io::DuplexStream,
        wire_to: &mut tokio::io::DuplexStream,
        message: &[u8],
    ) -> Vec<u8> {
        let mut writer = Encrypting::new(&mut *wire_from, from.write.take());
        writer.write_all(message).await.unwrap();
        writer.flush().await.unwrap();
        from.write = writer.cipher.take();
        let mut reader = Decrypting::new(&mut *wire_to, to.read.take());
        let mut got = vec![0u8; message.len()];
        reader.read_exact(&mut got).await.unwrap();
        to.read = reader.cipher.take();
        got
    }

    #[tokio::test]
    async fn both_sides_agree_on_rc4_and_carry_the_stream_both_ways() {
        let (ours, theirs, mut a, mut b) =
            handshake(CRYPTO_RC4 | CRYPTO_PLAIN, &[OTHER, TORRENT], true).await;
        let (mut ours, (mut theirs, info_hash)) = (ours.unwrap(), theirs.unwrap());
        assert_eq!(info_hash, TORRENT, "found among the torrents by its hash");
        assert!(ours.rc4() && theirs.rc4(), "RC4 is picked whenever offered");
        assert!(ours.head.is_empty() && theirs.head.is_empty());
        for round in 0..3u8 {
            let message: Vec<u8> = (0..1000u32).map(|i| (i as u8).wrapping_mul(round + 1)).collect();
            let got = carry(&mut ours, &mut theirs, &mut a, &mut b, &message).await;
            assert_eq!(got, message);
            let got = carry(&mut theirs, &mut ours, &mut b, &mut a, &message).await;
            assert_eq!(got, message);
        }
    }

    /// What the wire carries is not the plaintext (a peer-wire handshake would be seen).
    #[tokio::test]
    async fn rc4_hides_the_stream() {
        let (ours, _theirs, mut a, mut b) = handshake(CRYPTO_RC4, &[TORRENT], false).await;
        let mut ours = ours.unwrap();
        let message = b"\x13BitTorrent protocol";
        let mut writer = Encrypting::new(&mut a, ours.write.take());
        writer.write_all(message).await.unwrap();
        writer.flush().await.unwrap();
        let mut raw = [0u8; 20];
        b.read_exact(&mut raw).await.unwrap();
        assert_ne!(&raw, message);
    }

    #[tokio::test]
    async fn plaintext_is_selected_only_when_rc4_is_not_offered_and_plain_is_allowed() {
        let (ours, theirs, mut a, mut b) = handshake(CRYPTO_PLAIN, &[TORRENT], true).await;
        let (mut ours, (mut theirs, _)) = (ours.unwrap(), theirs.unwrap());
        assert!(!ours.rc4() && !theirs.rc4());
        let got = carry(&mut ours, &mut theirs, &mut a, &mut b, b"plain after the handshake").await;
        assert_eq!(got, b"plain after the handshake");

        // Encryption required: a peer offering plaintext only is refused.
        let (_, theirs, _, _) = handshake(CRYPTO_PLAIN, &[TORRENT], false).await;
        assert!(matches!(theirs, Err(Error::Encryption(_))), "{theirs:?}");
    }

    #[tokio::test]
    async fn a_torrent_we_do_not_have_is_refused() {
        let (_, theirs, _, _) = handshake(CRYPTO_RC4, &[OTHER], true).await;
        assert!(matches!(theirs, Err(Error::Encryption(_))), "{theirs:?}");
    }

    /// Hostile receivers' inputs: a key that makes the secret known, a key followed by
    /// junk with no marker, a marker followed by a wrong verification constant. Each ends
    /// the handshake with an error, having read at most what the padding allows.
    #[tokio::test]
    async fn hostile_handshakes_end_with_an_error() {
        // A key of 1: the secret would be 1.
        let mut one = [0u8; KEY_LEN];
        one[KEY_LEN - 1] = 1;
        for key in [[0u8; KEY_LEN], one, to_key_bytes(&(prime() - 1u8)), [0xFF; KEY_LEN]] {
            let (mut a, mut b) = tokio::io::duplex(64 * 1024);
            a.write_all(&key).await.unwrap();
            let got = respond(&mut b, BytesMut::new(), &[TORRENT], true).await;
            assert!(matches!(got, Err(Error::Encryption(_))), "{got:?}");
        }

        // A valid key, then junk forever: refused once the padding's room is used up.
        let (mut a, mut b) = tokio::io::duplex(64 * 1024);
        let (_, key) = key_pair().unwrap();
        a.write_all(&key).await.unwrap();
        a.write_all(&[0x55; 4096]).await.unwrap();
        let got = respond(&mut b, BytesMut::new(), &[TORRENT], true).await;
        assert!(matches!(got, Err(Error::Encryption(_))), "{got:?}");

        // The same to the dialing side: a receiver whose answer never shows the marker.
        let (mut a, mut b) = tokio::io::duplex(64 * 1024);
        let (_, key) = key_pair().unwrap();
        b.write_all(&key).await.unwrap();
        b.write_all(&[0x55; 4096]).await.unwrap();
        let got = initiate(&mut a, &TORRENT, false).await;
        assert!(matches!(got, Err(Error::Encryption(_))), "{got:?}");

        // A peer that closes mid-handshake.
        let (mut a, b) = tokio::io::duplex(64 * 1024);
        drop(b);
        assert!(initiate(&mut a, &TORRENT, false).await.is_err());
    }

    #[test]
    fn the_prime_is_768_bits_and_keys_are_96_bytes() {
        assert_eq!(prime().bits(), 768);
        let (_, key) = key_pair().unwrap();
        assert_eq!(key.len(), KEY_LEN);
        assert!(is_plain_handshake(b"\x13BitTorrent protocol\0\0\0\0\0\0\0\0"));
        assert!(!is_plain_handshake(&key));
        assert!(!is_plain_handshake(b"\x13BitTorrent"), "too short to tell");
    }
}
