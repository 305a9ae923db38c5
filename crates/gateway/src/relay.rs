//! Relaying one peer connection between librqbit ("engine", on loopback) and the remote
//! peer, a frame at a time.
//!
//! Each direction reads into a 256 KiB buffer, walks the complete frames in it, and
//! writes runs of untouched frames in one call without copying them. Only the few
//! frames we act on are decoded: extended handshakes (to add `bt_speed`, `p` and
//! `yourip`), `ut_pex` from librqbit (to drop loopback addresses), `bt_speed` from the
//! remote (never forwarded), piece headers (for accounting and attribution) and HAVE
//! from librqbit (a piece passed its check). A direction reads again only after it has
//! written, so a slow peer, or the upload cap, stalls its reader instead of growing
//! memory: at most one read buffer per direction is held.

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering},
        Arc, Mutex,
    },
};

use bidswarm_peerwire::{
    encode, Decoder, ExtendedHandshake, Handshake, Message, Pex, BT_SPEED, HANDSHAKE_LEN, UT_PEX,
};
use bytes::{Bytes, BytesMut};
use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt},
    net::TcpStream,
    sync::{mpsc, Notify},
};

use crate::{
    mse::Established,
    mse::{Decrypting, Encrypting},
    shaper::UploadBucket,
    Admitted, Error, Expect, Gateway, LinkId, PeerSample, PeerStream, Result, Transport,
};

/// What each direction reads into.
pub const READ_CHUNK: usize = 256 * 1024;
/// librqbit writes every message on its own: each block it serves, each block it
/// requests. Relayed as they come, each would wake the relay, cost a read and a write,
/// and reach the peer as its own packet. So after a read smaller than this from librqbit,
/// the relay waits [`TOP_UP_WAIT`] before reading again, and the messages queued
/// meanwhile go on in one write. That is up to 2 ms of latency (tokio's timer ticks in
/// milliseconds) in a pipeline of 128 requests per peer, and at high rates the reads are
/// large and nothing waits.
pub const TOP_UP_BELOW: usize = 64 * 1024;
pub const TOP_UP_WAIT: std::time::Duration = std::time::Duration::from_millis(1);
/// How long a connection that carries vouchers ([`PeerLink::mark_paid`]) stays open after
/// our engine closed its side. librqbit closes a connection once both sides are seeds, which for a
/// buyer is the moment its last piece arrives: the vouchers for that piece are signed in
/// the speed layer's next round, and a seller closing first would never receive them. So
/// the peer's side stays open this long, carrying only `bt_speed` both ways (the engine's
/// last words are gone with it); the peer closing ends it sooner.
pub const LINGER: std::time::Duration = std::time::Duration::from_secs(5);
/// The credit value of a peer whose piece bytes are not metered.
const UNMETERED: i64 = i64::MAX;

/// What the gateway knows about one connection. Its state is the gateway's own; others
/// read it through [`PeerLink::snapshot`] and act on it through its methods.
#[derive(Debug)]
pub struct PeerLink {
    /// The gateway's id for this connection (the choker's [`LinkId`]).
    pub(crate) id: LinkId,
    pub(crate) remote: SocketAddr,
    pub(crate) incoming: bool,
    /// The payload stream is RC4-encrypted (MSE/PE).
    pub(crate) encrypted: bool,
    /// The peer dialed us offering RC4 only: it would have refused plaintext.
    pub(crate) refuses_plaintext: bool,
    pub(crate) transport: Transport,
    pub(crate) uploaded_piece_bytes: AtomicU64,
    pub(crate) downloaded_piece_bytes: AtomicU64,
    pub(crate) remote_supports_bt_speed: AtomicBool,
    pub(crate) client: Mutex<Option<String>>,
    /// We refuse to serve this peer (BEP 3 choke). Starts choked; the choker decides.
    pub(crate) am_choking: AtomicBool,
    /// The peer has said it wants data from us.
    pub(crate) peer_interested: AtomicBool,
    /// librqbit wants data from the peer.
    pub(crate) am_interested: AtomicBool,
    /// The peer refuses to send us data (it starts so, BEP 3).
    pub(crate) peer_choking: AtomicBool,
    /// Piece bytes per second over the last second, each way.
    pub(crate) download_rate: AtomicU64,
    pub(crate) upload_rate: AtomicU64,
    bucket: Mutex<UploadBucket>,
    /// Piece bytes we may still send before the peer must pay; [`UNMETERED`] for peers
    /// that are not on a paid slot.
    credit: AtomicI64,
    /// It sent something in the shaper's last window.
    was_sending: AtomicBool,
    close: Notify,
    info_hash: Mutex<Option<[u8; 20]>>,
    ids: Mutex<ExtensionIds>,
    /// Messages the gateway itself sends to the peer (our CHOKE and UNCHOKE).
    control: mpsc::UnboundedSender<Bytes>,
    /// Blocks our engine requested from this peer and not yet received (piece, begin,
    /// length): only a block that answers one is credited to the peer.
    requested: Mutex<std::collections::HashSet<(u32, u32, u32)>>,
    /// Blocks the peer sent that answered none of those, while it has sent none that did.
    unrequested_run: std::sync::atomic::AtomicU32,
    /// It has sent a block our engine asked for: librqbit judges the rest of its blocks.
    answered: AtomicBool,
    /// Pieces verified while this connection is open that librqbit has or has not
    /// announced to the peer (see [`HaveBook`]).
    haves: Mutex<HaveBook>,
    /// The peer has told us of its pieces (a BITFIELD or a HAVE). Until it does, librqbit
    /// 9.1 announces nothing to it: `should_transmit_have` takes a peer whose bitfield it
    /// never got for one that has every piece. BEP 3 lets a peer with no pieces skip the
    /// bitfield, so the gateway sends that peer's HAVEs without waiting.
    remote_told_pieces: AtomicBool,
    /// Our engine closed its side: the peer's stays open for [`LINGER`], for `bt_speed`.
    engine_closed: AtomicBool,
    engine_gone: Notify,
    /// Vouchers pass on this connection ([`PeerLink::mark_paid`]).
    paid: AtomicBool,
    /// The speed layer was told of this connection ([`crate::SpeedHandler::on_ready`]), so it is
    /// told when it closes.
    pub(crate) registered: AtomicBool,
}

/// How long librqbit has to send a HAVE itself before the gateway sends it. librqbit
/// sends each one as the piece passes its check, unless the peer's task fell behind.
pub const HAVE_GRACE: std::time::Duration = std::time::Duration::from_secs(5);
/// Pieces a [`HaveBook`] holds each way: a bound, never reached by a torrent's pace.
const MAX_HAVE_BOOK: usize = 65_536;

/// librqbit 9.1 loses HAVEs: each peer's task follows a `broadcast::channel(128)` of
/// verified pieces and ignores `Lagged`, so a peer more than 128 pieces behind never hears
/// of the pieces it missed. The gateway sees both what the engine verified (from the
/// core's have-bitfield) and every HAVE the engine sends, and sends the ones missing after
/// [`HAVE_GRACE`], so sellers and leechers always see what we have. A HAVE for a piece
/// the peer already has is legal and harmless (libtorrent sends them by default).
#[derive(Debug, Default)]
pub(crate) struct HaveBook {
    /// Pieces librqbit announced on this connection lately, with when.
    announced: std::collections::HashMap<u32, std::time::Instant>,
    /// Pieces verified that librqbit has not announced here yet, with when.
    owed: std::collections::HashMap<u32, std::time::Instant>,
}

impl HaveBook {
    fn announced(&mut self, piece: u32, now: std::time::Instant) {
        self.owed.remove(&piece);
        if self.announced.len() < MAX_HAVE_BOOK {
            self.announced.insert(piece, now);
        }
    }

    pub(crate) fn verified(&mut self, piece: u32, now: std::time::Instant) {
        if !self.announced.contains_key(&piece) && self.owed.len() < MAX_HAVE_BOOK {
            self.owed.entry(piece).or_insert(now);
        }
    }

    /// The pieces owed past `grace`, in order, taken out of the book; announcements older
    /// than twice [`HAVE_GRACE`] are forgotten (the core reports a piece within a second).
    pub(crate) fn due(&mut self, now: std::time::Instant, grace: std::time::Duration) -> Vec<u32> {
        self.announced.retain(|_, at| now.duration_since(*at) < HAVE_GRACE * 2);
        let mut due: Vec<u32> =
            self.owed.iter().filter(|(_, at)| now.duration_since(**at) >= grace).map(|(p, _)| *p).collect();
        due.sort_unstable();
        for piece in &due {
            self.owed.remove(piece);
        }
        due
    }
}

/// Requests tracked per connection for attribution; librqbit pipelines far fewer. Past
/// this, a request still goes out but its block is not credited (the seller is not paid
/// for it), so a stuck peer cannot grow the set.
const MAX_TRACKED_REQUESTS: usize = 2048;

/// How many blocks nobody asked for a peer may send before the gateway closes the
/// connection, as long as it has sent none that our engine did ask for. A peer spraying
/// junk frames is cut off within its first read, before librqbit or the rest of its
/// frames cost anything. Once a peer has answered a request, its stray blocks (late ones,
/// after our CANCEL or its own CHOKE) are librqbit's to judge, as before: an honest peer
/// is never closed by this rule.
pub const MAX_UNREQUESTED_RUN: u32 = 256;

/// Extension message ids, as each side assigned them in its extended handshake.
#[derive(Debug, Default, Clone, Copy)]
struct ExtensionIds {
    /// Ids the remote wants for messages *to* it.
    remote_ut_pex: Option<u8>,
    remote_bt_speed: Option<u8>,
    /// The id we added to librqbit's handshake; the remote sends `bt_speed` with it.
    our_bt_speed: Option<u8>,
}

/// One connection as the peers view shows it: a copy, taken at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkSnapshot {
    pub id: LinkId,
    pub remote: SocketAddr,
    /// The torrent its handshake named, once it has.
    pub info_hash: Option<[u8; 20]>,
    pub client: Option<String>,
    pub incoming: bool,
    pub encrypted: bool,
    pub refuses_plaintext: bool,
    pub transport: Transport,
    pub bt_speed: bool,
    pub uploaded_piece_bytes: u64,
    pub downloaded_piece_bytes: u64,
    pub download_rate: u64,
    pub upload_rate: u64,
    pub am_choking: bool,
    pub am_interested: bool,
    pub peer_choking: bool,
    pub peer_interested: bool,
}

impl PeerLink {
    pub fn id(&self) -> LinkId {
        self.id
    }

    pub fn remote(&self) -> SocketAddr {
        self.remote
    }

    /// What the connection is and has done, now.
    pub fn snapshot(&self) -> LinkSnapshot {
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let flag = |a: &AtomicBool| a.load(Ordering::Relaxed);
        LinkSnapshot {
            id: self.id,
            remote: self.remote,
            info_hash: self.info_hash(),
            client: lock(&self.client).clone(),
            incoming: self.incoming,
            encrypted: self.encrypted,
            refuses_plaintext: self.refuses_plaintext,
            transport: self.transport,
            bt_speed: flag(&self.remote_supports_bt_speed),
            uploaded_piece_bytes: load(&self.uploaded_piece_bytes),
            downloaded_piece_bytes: load(&self.downloaded_piece_bytes),
            download_rate: load(&self.download_rate),
            upload_rate: load(&self.upload_rate),
            am_choking: flag(&self.am_choking),
            am_interested: flag(&self.am_interested),
            peer_choking: flag(&self.peer_choking),
            peer_interested: flag(&self.peer_interested),
        }
    }

    pub(crate) fn new(
        id: LinkId,
        remote: SocketAddr,
        incoming: bool,
        crypto: &Established,
        transport: Transport,
    ) -> (Self, mpsc::UnboundedReceiver<Bytes>) {
        let (control, control_rx) = mpsc::unbounded_channel();
        let link = Self {
            id,
            credit: AtomicI64::new(UNMETERED),
            remote,
            incoming,
            encrypted: crypto.rc4(),
            refuses_plaintext: crypto.refuses_plaintext,
            transport,
            uploaded_piece_bytes: AtomicU64::new(0),
            downloaded_piece_bytes: AtomicU64::new(0),
            remote_supports_bt_speed: AtomicBool::new(false),
            client: Mutex::new(None),
            am_choking: AtomicBool::new(true),
            peer_interested: AtomicBool::new(false),
            am_interested: AtomicBool::new(false),
            peer_choking: AtomicBool::new(true),
            download_rate: AtomicU64::new(0),
            upload_rate: AtomicU64::new(0),
            bucket: Mutex::new(UploadBucket::default()),
            was_sending: AtomicBool::new(false),
            close: Notify::new(),
            info_hash: Mutex::new(None),
            ids: Mutex::new(ExtensionIds::default()),
            control,
            requested: Mutex::new(std::collections::HashSet::new()),
            unrequested_run: std::sync::atomic::AtomicU32::new(0),
            answered: AtomicBool::new(false),
            remote_told_pieces: AtomicBool::new(false),
            engine_closed: AtomicBool::new(false),
            engine_gone: Notify::new(),
            paid: AtomicBool::new(false),
            registered: AtomicBool::new(false),
            haves: Mutex::new(HaveBook::default()),
        };
        (link, control_rx)
    }

    pub(crate) fn have_book(&self) -> std::sync::MutexGuard<'_, HaveBook> {
        lock(&self.haves)
    }

    /// Sends the HAVEs librqbit owes this peer past `grace` ([`HAVE_GRACE`] unless the
    /// gateway was set otherwise), or at once when librqbit will send none (see
    /// [`PeerLink::remote_told_pieces`]); returns how many.
    pub(crate) fn send_owed_haves(&self, now: std::time::Instant, grace: std::time::Duration) -> u32 {
        let grace =
            if self.remote_told_pieces.load(Ordering::Relaxed) { grace } else { std::time::Duration::ZERO };
        let due = self.have_book().due(now, grace);
        for &piece in &due {
            // The receiver is gone only when the connection is closing.
            let _ = self.control.send(frame_of(Message::Have(piece)));
        }
        u32::try_from(due.len()).unwrap_or(u32::MAX)
    }

    /// Chokes or unchokes the peer, telling it only when that changes.
    pub(crate) fn set_choked(&self, choke: bool) {
        if self.am_choking.swap(choke, Ordering::AcqRel) != choke {
            let message = if choke { Message::Choke } else { Message::Unchoke };
            // The receiver is gone only when the connection is closing.
            let _ = self.control.send(frame_of(message));
        }
    }

    /// Sends a `bt_speed` message to the peer, if it speaks `bt_speed`. Goes out after
    /// librqbit's first message, in order with the gateway's other messages.
    pub fn send_speed(&self, payload: Bytes) -> bool {
        let Some(id) = self.ids().remote_bt_speed else { return false };
        self.control.send(frame_of(Message::Extended { id, payload })).is_ok()
    }

    /// Meters the piece bytes sent to this peer: `Some(bytes)` allows that many more
    /// before the gateway chokes it (a paid slot's credit window), `None` stops metering.
    pub fn set_credit(&self, bytes: Option<u64>) {
        let value = bytes.map_or(UNMETERED, |b| i64::try_from(b).unwrap_or(UNMETERED - 1));
        self.credit.store(value, Ordering::Release);
    }

    /// Adds to a metered peer's credit (it paid); no effect on an unmetered one.
    pub fn add_credit(&self, bytes: u64) {
        let add = i64::try_from(bytes).unwrap_or(i64::MAX / 2);
        let _ = self.credit.fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| {
            (c != UNMETERED).then(|| c.saturating_add(add).min(UNMETERED - 1))
        });
    }

    /// Credit left, for a metered peer.
    pub fn credit(&self) -> Option<i64> {
        Some(self.credit.load(Ordering::Acquire)).filter(|c| *c != UNMETERED)
    }

    /// A metered peer that has used its credit: choked until it pays.
    pub fn out_of_credit(&self) -> bool {
        self.credit().is_some_and(|c| c <= 0)
    }

    /// Closes the connection (it stays in the peers view until its task ends).
    pub fn close(&self) {
        // A stored permit: the relay sees it even if it is not waiting yet.
        self.close.notify_one();
    }

    /// The rate the shaper allows this connection now, in bytes per second.
    pub fn upload_allowance(&self) -> Option<u64> {
        self.bucket().rate()
    }

    /// What the choker and the ranker see of this connection.
    pub fn sample(&self, link: LinkId) -> PeerSample {
        PeerSample {
            link,
            interested: self.peer_interested.load(Ordering::Acquire),
            download_rate: self.download_rate.load(Ordering::Relaxed),
            upload_rate: self.upload_rate.load(Ordering::Relaxed),
            info_hash: self.info_hash(),
        }
    }

    pub(crate) fn bucket(&self) -> std::sync::MutexGuard<'_, UploadBucket> {
        lock(&self.bucket)
    }

    pub(crate) fn was_sending(&self) -> bool {
        self.was_sending.load(Ordering::Relaxed)
    }

    pub(crate) fn set_was_sending(&self, sending: bool) {
        self.was_sending.store(sending, Ordering::Relaxed);
    }

    /// Says vouchers pass on this connection, either way (a paid slot, or our voucher
    /// sent): from now on it outlives our engine's side for [`LINGER`].
    pub fn mark_paid(&self) {
        self.paid.store(true, Ordering::Release);
    }

    /// Whether this connection outlives our engine's side for [`LINGER`]: it carries
    /// vouchers, and both sides named their `bt_speed` id. Only such connections: to the
    /// remote's engine a lingering connection is a silent one, which would stall a
    /// download on a connection our engine dropped for its own reasons.
    fn lingers(&self) -> bool {
        let ids = self.ids();
        self.paid.load(Ordering::Acquire) && ids.remote_bt_speed.is_some() && ids.our_bt_speed.is_some()
    }

    /// Our engine closed its side: only `bt_speed` still passes, for [`LINGER`] at most.
    pub fn engine_closed(&self) -> bool {
        self.engine_closed.load(Ordering::Acquire)
    }

    /// Marks the engine's side closed, once, and starts the linger's clock in [`relay`].
    /// The peer's interest is void with it, so the next rechoke gives it no slot. (Not an
    /// early rechoke: connections closing one after another at a torrent's end would make
    /// a storm of them, each measuring rates over a sliver of time.)
    fn close_engine(&self) {
        if !self.engine_closed.swap(true, Ordering::AcqRel) {
            self.peer_interested.store(false, Ordering::Release);
            self.engine_gone.notify_one();
        }
    }

    /// The torrent this connection is for, once a handshake has named it.
    pub fn info_hash(&self) -> Option<[u8; 20]> {
        *lock(&self.info_hash)
    }

    fn ids(&self) -> std::sync::MutexGuard<'_, ExtensionIds> {
        lock(&self.ids)
    }
}

/// Which way a direction carries bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    EngineToRemote,
    RemoteToEngine,
}

pub(crate) struct Context {
    pub link: Arc<PeerLink>,
    pub gateway: Arc<Gateway>,
    /// This connection's place under the connection limits.
    pub admitted: Admitted,
    /// What the remote's handshake must be.
    pub expect: Expect,
}

/// Runs both directions until either side closes. `engine_head` and `crypto.head` are
/// plain bytes already read from each side (while deciding what the stream is); the
/// remote's side is decrypted and encrypted with `crypto`'s ciphers, if any.
pub(crate) async fn relay(
    engine: TcpStream,
    remote: PeerStream,
    crypto: Established,
    engine_head: BytesMut,
    control: mpsc::UnboundedReceiver<Bytes>,
    cx: Context,
) -> Result<()> {
    let (er, ew) = engine.into_split();
    let (rr, rw) = remote.into_split();
    let (rr, rw) = (Decrypting::new(rr, crypto.read), Encrypting::new(rw, crypto.write));
    let remote_head = crypto.head;
    let cx = Arc::new(cx);
    let link = cx.link.clone();
    let linger_for = cx.gateway.linger;
    let up = pump(er, rw, engine_head, Way::EngineToRemote, Some(control), cx.clone());
    let down = pump(rr, ew, remote_head, Way::RemoteToEngine, None, cx);
    // When one direction ends the connection is over; dropping the other closes it. Once
    // our engine closed, the linger time bounds everything left, a stuck write included.
    let linger = async {
        link.engine_gone.notified().await;
        tokio::time::sleep(linger_for).await;
    };
    tokio::select! {
        r = up => r,
        r = down => r,
        _ = link.close.notified() => Err(Error::ClosedByUs),
        _ = linger => Ok(()),
    }
}

async fn pump(
    mut reader: impl AsyncRead + Unpin,
    mut writer: impl AsyncWrite + Unpin,
    mut buf: BytesMut,
    way: Way,
    mut control: Option<mpsc::UnboundedReceiver<Bytes>>,
    cx: Arc<Context>,
) -> Result<()> {
    // The handshake passes unchanged, if it arrives in time: a peer trickling it a byte
    // at a time must not hold a connection open forever.
    let gateway = &cx.gateway;
    let handshake = tokio::time::timeout(gateway.handshake_timeout, async {
        loop {
            if let Some(h) = Handshake::parse(&buf)? {
                return Ok(h);
            }
            if read_more(&mut reader, &mut buf).await? == 0 {
                return Err(Error::Closed);
            }
        }
    })
    .await
    .map_err(|_| Error::HandshakeTimeout)??;
    *lock(&cx.link.info_hash) = Some(handshake.info_hash);
    if !cx.admitted.join_torrent(handshake.info_hash) {
        return Err(Error::TorrentFull);
    }
    let greeting = buf.split_to(HANDSHAKE_LEN);
    if way == Way::RemoteToEngine {
        if cx.expect.torrent.is_some_and(|t| t != handshake.info_hash) {
            return Err(Error::WrongTorrent);
        }
        gateway.count_reached(handshake.info_hash, &cx.link);
    }
    if !(cx.expect.greeted && way == Way::RemoteToEngine) {
        send(&mut writer, &greeting).await?;
    }
    // Only our upload is shaped, and only its bulk: the runs of frames librqbit sends.
    let shaper = (way == Way::EngineToRemote).then_some(&*cx.link);
    // A remote that sends nothing at all, not even keep-alives, is gone.
    let idle_timeout = (way == Way::RemoteToEngine).then_some(gateway.idle_timeout);

    let decoder = Decoder::default();
    // BEP 3: the bitfield must be the first message after the handshake, so our own
    // messages wait until librqbit has sent its first.
    let mut first_sent = false;
    // The last read from librqbit was small: wait for more before reading again.
    let mut top_up = false;
    loop {
        let mut ready = 0;
        while let Some(len) = decoder.frame_len(&buf[ready..])? {
            first_sent = true;
            let frame = &buf[ready..ready + len];
            match act_on(frame, way, &cx)? {
                Action::Forward => ready += len,
                action => {
                    if ready > 0 {
                        forward(&mut writer, &buf.split_to(ready), shaper, way, &cx).await?;
                        ready = 0;
                    }
                    let _ = buf.split_to(len);
                    if let Action::Replace(bytes) = action {
                        forward(&mut writer, &bytes, None, way, &cx).await?;
                    }
                }
            }
        }
        if ready > 0 {
            forward(&mut writer, &buf.split_to(ready), shaper, way, &cx).await?;
        }
        if top_up {
            tokio::time::sleep(TOP_UP_WAIT).await;
        }
        let read = match (control.as_mut().filter(|_| first_sent), idle_timeout) {
            // Reading is cancel-safe, so a control message may interrupt it.
            (Some(rx), _) => tokio::select! {
                n = read_more(&mut reader, &mut buf) => n,
                Some(message) = rx.recv() => {
                    send(&mut writer, &message).await?;
                    continue;
                }
            },
            (None, Some(idle)) => tokio::time::timeout(idle, read_more(&mut reader, &mut buf))
                .await
                .map_err(|_| Error::IdleTimeout)?,
            (None, None) => read_more(&mut reader, &mut buf).await,
        };
        match read {
            // Our engine closed (or reset) its side: a bt_speed peer stays for the last
            // vouchers.
            Ok(0) | Err(_) if way == Way::EngineToRemote && cx.link.lingers() => {
                // Our messages wait for librqbit's first (BEP 3), as above.
                return linger(&mut writer, control.filter(|_| first_sent), &cx).await;
            }
            Ok(0) => return Ok(()),
            Ok(read) => top_up = way == Way::EngineToRemote && read < TOP_UP_BELOW,
            Err(e) => return Err(e),
        }
    }
}

/// After our engine closed a `bt_speed` peer's connection: the speed layer's messages
/// still go to the peer (while the other direction hands the peer's `bt_speed` messages to
/// the speed layer and drops the rest; see [`PeerLink::engine_closed`]) until [`relay`]
/// ends it, at the linger time or sooner when the peer closes.
async fn linger(
    writer: &mut (impl AsyncWrite + Unpin),
    control: Option<mpsc::UnboundedReceiver<Bytes>>,
    cx: &Context,
) -> Result<()> {
    cx.link.close_engine();
    let Some(mut control) = control else { return std::future::pending().await };
    while let Some(message) = control.recv().await {
        send(writer, &message).await?;
    }
    std::future::pending().await
}

/// Writes whole frames on, as [`write_run`] does. Toward our engine, once it closed a
/// lingering connection, nothing is written: a write failing there means it closed.
async fn forward(
    writer: &mut (impl AsyncWrite + Unpin),
    bytes: &[u8],
    shaper: Option<&PeerLink>,
    way: Way,
    cx: &Context,
) -> Result<()> {
    let to_engine = way == Way::RemoteToEngine;
    if to_engine && cx.link.engine_closed() {
        return Ok(());
    }
    match write_run(writer, bytes, shaper).await {
        Err(_) if to_engine && cx.link.lingers() => {
            cx.link.close_engine();
            Ok(())
        }
        written => written,
    }
}

/// Writes a run of whole frames, first waiting for the upload cap when `shaper` is given.
async fn write_run(
    writer: &mut (impl AsyncWrite + Unpin),
    bytes: &[u8],
    shaper: Option<&PeerLink>,
) -> Result<()> {
    if let Some(link) = shaper {
        let wait = link.bucket().take(bytes.len(), std::time::Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
    send(writer, bytes).await
}

/// Writes `bytes` and flushes them: an [`Encrypting`] writer may hold what it encrypted
/// until flushed (a plain socket's flush does nothing).
async fn send(writer: &mut (impl AsyncWrite + Unpin), bytes: &[u8]) -> Result<()> {
    writer.write_all(bytes).await?;
    Ok(writer.flush().await?)
}

async fn read_more(reader: &mut (impl AsyncRead + Unpin), buf: &mut BytesMut) -> Result<usize> {
    buf.reserve(READ_CHUNK);
    Ok(reader.read_buf(buf).await?)
}

enum Action {
    Forward,
    Drop,
    Replace(Bytes),
}

/// Decides what happens to one whole frame (length prefix included).
fn act_on(frame: &[u8], way: Way, cx: &Context) -> Result<Action> {
    const CHOKE: u8 = 0;
    const UNCHOKE: u8 = 1;
    const INTERESTED: u8 = 2;
    const NOT_INTERESTED: u8 = 3;
    const HAVE: u8 = 4;
    const BITFIELD: u8 = 5;
    const REQUEST: u8 = 6;
    const PIECE: u8 = 7;
    const CANCEL: u8 = 8;
    const REJECT: u8 = 0x10;
    const EXTENDED: u8 = 20;
    let Some(&id) = frame.get(4) else { return Ok(Action::Forward) };
    if way == Way::RemoteToEngine && cx.link.engine_closed() {
        // Lingering: only the peer's bt_speed still has a reader. Its blocks are not
        // counted (nor ever paid for: the engine never verifies them).
        let ours = cx.link.ids().our_bt_speed;
        return match frame.get(5) {
            Some(&ext) if id == EXTENDED && Some(ext) == ours => extended(frame, way, cx),
            _ => Ok(Action::Drop),
        };
    }
    let choking = cx.link.am_choking.load(Ordering::Acquire);
    match (id, way) {
        // librqbit unchokes everyone; the gateway's choker decides instead.
        (CHOKE | UNCHOKE, Way::EngineToRemote) => Ok(Action::Drop),
        // A choked peer gets no data (BEP 3: requests are discarded on choke).
        (PIECE, Way::EngineToRemote) if choking => Ok(Action::Drop),
        (REQUEST, Way::RemoteToEngine) if choking => Ok(Action::Drop),
        (CHOKE | UNCHOKE, Way::RemoteToEngine) => {
            cx.link.peer_choking.store(id == CHOKE, Ordering::Relaxed);
            if id == CHOKE {
                // BEP 3: a choke discards our pending requests; the engine asks again.
                lock(&cx.link.requested).clear();
            }
            Ok(Action::Forward)
        }
        (REQUEST, Way::EngineToRemote) => {
            if let (Some(info_hash), Some(block)) = (cx.link.info_hash(), block_of(frame)) {
                let mut requested = lock(&cx.link.requested);
                if requested.len() < MAX_TRACKED_REQUESTS {
                    requested.insert(block);
                }
                drop(requested);
                cx.gateway.attribution.on_request(info_hash, block.0, block.1);
            }
            Ok(Action::Forward)
        }
        // A request our engine withdrew, or the peer refused (BEP 6), will not be answered
        // as asked: no longer tracked, so the set holds only what is outstanding.
        (CANCEL, Way::EngineToRemote) | (REJECT, Way::RemoteToEngine) => {
            if let Some(block) = block_of(frame) {
                lock(&cx.link.requested).remove(&block);
            }
            Ok(Action::Forward)
        }
        (INTERESTED | NOT_INTERESTED, Way::EngineToRemote) => {
            cx.link.am_interested.store(id == INTERESTED, Ordering::Relaxed);
            Ok(Action::Forward)
        }
        (INTERESTED | NOT_INTERESTED, Way::RemoteToEngine) => {
            cx.link.peer_interested.store(id == INTERESTED, Ordering::Release);
            cx.gateway.interest_changed.notify_one();
            Ok(Action::Forward)
        }
        (PIECE, Way::EngineToRemote) => {
            let len = frame.len().saturating_sub(13) as u64;
            if cx.link.credit().is_some() {
                // A paid slot: serve what is paid for plus the credit window. A block that
                // starts within the credit goes whole (so the overdraft is under one block);
                // after that the peer is choked until it pays.
                let left = cx.link.credit.fetch_sub(len as i64, Ordering::AcqRel);
                if left <= 0 {
                    cx.link.credit.fetch_add(len as i64, Ordering::AcqRel);
                    cx.link.set_choked(true);
                    return Ok(Action::Drop);
                }
            }
            cx.link.uploaded_piece_bytes.fetch_add(len, Ordering::Relaxed);
            Ok(Action::Forward)
        }
        (PIECE, Way::RemoteToEngine) => {
            let len = frame.len().saturating_sub(13);
            cx.link.downloaded_piece_bytes.fetch_add(len as u64, Ordering::Relaxed);
            if let (Some(info_hash), Some(piece), Some(begin)) =
                (cx.link.info_hash(), be_u32(frame, 5), be_u32(frame, 9))
            {
                // Credited only when it answers a request our engine sent this peer.
                if lock(&cx.link.requested).remove(&(piece, begin, len as u32)) {
                    cx.link.answered.store(true, Ordering::Relaxed);
                    cx.gateway.attribution.on_block(info_hash, piece, begin, len as u32, cx.link.remote);
                } else if !cx.link.answered.load(Ordering::Relaxed)
                    && cx.link.unrequested_run.fetch_add(1, Ordering::Relaxed) >= MAX_UNREQUESTED_RUN
                {
                    return Err(Error::Unrequested);
                }
            }
            Ok(Action::Forward)
        }
        // librqbit announces a piece only once it passed its hash check.
        (HAVE, Way::EngineToRemote) => {
            if let (Some(info_hash), Some(piece)) = (cx.link.info_hash(), be_u32(frame, 5)) {
                cx.link.have_book().announced(piece, std::time::Instant::now());
                cx.gateway.attribute(info_hash, piece);
            }
            Ok(Action::Forward)
        }
        (BITFIELD | HAVE, Way::RemoteToEngine) => {
            cx.link.remote_told_pieces.store(true, Ordering::Relaxed);
            Ok(Action::Forward)
        }
        (EXTENDED, _) => extended(frame, way, cx),
        _ => Ok(Action::Forward),
    }
}

fn extended(frame: &[u8], way: Way, cx: &Context) -> Result<Action> {
    let Some(&ext) = frame.get(5) else { return Ok(Action::Forward) };
    let payload = &frame[6..];
    let ids = *cx.link.ids();
    match way {
        Way::EngineToRemote if ext == 0 => {
            let mut handshake = ExtendedHandshake::parse(payload)?;
            let used = handshake.used_ids();
            let ours = (1..=u8::MAX).find(|i| !used.contains(i)).ok_or(Error::NoExtensionId)?;
            handshake.set_extension_id(BT_SPEED, ours);
            // librqbit sends no `p`, and would say `yourip` is 127.0.0.1 on proxied links.
            handshake.set_listen_port(cx.gateway.public_addr.port());
            handshake.set_yourip(cx.link.remote.ip());
            cx.link.ids().our_bt_speed = Some(ours);
            Ok(Action::Replace(frame_of(Message::Extended { id: 0, payload: handshake.encode() })))
        }
        Way::EngineToRemote if Some(ext) == ids.remote_ut_pex => {
            let mut pex = Pex::parse(payload)?;
            let book = &cx.gateway.book;
            pex.rewrite(|addr| if addr.ip().is_loopback() { book.real_address(addr) } else { Some(addr) });
            if pex.is_empty() {
                return Ok(Action::Drop);
            }
            Ok(Action::Replace(frame_of(Message::Extended { id: ext, payload: pex.encode() })))
        }
        Way::RemoteToEngine if ext == 0 => {
            // Tolerate a remote whose handshake we cannot read: librqbit judges it too.
            if let Ok(handshake) = ExtendedHandshake::parse(payload) {
                let mut ids = cx.link.ids();
                ids.remote_ut_pex = handshake.extension_id(UT_PEX);
                ids.remote_bt_speed = handshake.extension_id(BT_SPEED);
                let speaks = ids.remote_bt_speed.is_some();
                drop(ids);
                let spoke = cx.link.remote_supports_bt_speed.swap(speaks, Ordering::Relaxed);
                *lock(&cx.link.client) = handshake.client();
                // Told once per connection, however often the peer repeats its handshake,
                // and then told when it closes.
                if speaks && !spoke && !cx.link.registered.swap(true, Ordering::AcqRel) {
                    cx.gateway.speed.on_ready(&cx.link);
                }
            }
            Ok(Action::Forward)
        }
        Way::RemoteToEngine if Some(ext) == ids.our_bt_speed => {
            cx.gateway.speed.on_message(&cx.link, Bytes::copy_from_slice(payload));
            Ok(Action::Drop)
        }
        _ => Ok(Action::Forward),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Plain values: a poisoned lock still holds a usable one.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The (piece, begin, length) of a REQUEST, CANCEL or REJECT frame.
fn block_of(frame: &[u8]) -> Option<(u32, u32, u32)> {
    Some((be_u32(frame, 5)?, be_u32(frame, 9)?, be_u32(frame, 13)?))
}

/// The big-endian u32 at `at` in a frame, if the frame is that long.
fn be_u32(frame: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(frame.get(at..at + 4)?.try_into().ok()?))
}

fn frame_of(message: Message) -> Bytes {
    let mut out = BytesMut::new();
    encode(&message, &mut out);
    out.freeze()
}
