//! Relaying one peer connection between librqbit ("engine", on loopback) and the remote
//! peer, a frame at a time.
//!
//! Each direction reads into a 256 KiB buffer, walks the complete frames in it, and
//! writes runs of untouched frames in one call without copying them. Only the few
//! frames we act on are decoded: extended handshakes (to add `bt_speed`, `p` and
//! `yourip`), `ut_pex` from librqbit (to drop loopback addresses), `bt_speed` from the
//! remote (never forwarded), and piece headers (for accounting). A direction reads again
//! only after it has written, so a slow peer stalls its reader instead of growing memory.

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use bidswarm_peerwire::{
    encode, Decoder, ExtendedHandshake, Handshake, Message, Pex, BT_SPEED, HANDSHAKE_LEN, UT_PEX,
};
use bytes::{Bytes, BytesMut};
use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt},
    net::TcpStream,
};

use crate::{AddressBook, Error, Result, SpeedHandler};

const READ_CHUNK: usize = 256 * 1024;

/// What the gateway knows about one connection; shared with the peers view.
#[derive(Debug)]
pub struct PeerLink {
    pub remote: SocketAddr,
    pub incoming: bool,
    pub uploaded_piece_bytes: AtomicU64,
    pub downloaded_piece_bytes: AtomicU64,
    pub remote_supports_bt_speed: AtomicBool,
    pub client: Mutex<Option<String>>,
    info_hash: Mutex<Option<[u8; 20]>>,
    ids: Mutex<ExtensionIds>,
}

/// Extension message ids, as each side assigned them in its extended handshake.
#[derive(Debug, Default, Clone, Copy)]
struct ExtensionIds {
    /// Ids the remote wants for messages *to* it.
    remote_ut_pex: Option<u8>,
    remote_bt_speed: Option<u8>,
    /// The id we added to librqbit's handshake; the remote sends `bt_speed` with it.
    our_bt_speed: Option<u8>,
}

impl PeerLink {
    pub(crate) fn new(remote: SocketAddr, incoming: bool) -> Self {
        Self {
            remote,
            incoming,
            uploaded_piece_bytes: AtomicU64::new(0),
            downloaded_piece_bytes: AtomicU64::new(0),
            remote_supports_bt_speed: AtomicBool::new(false),
            client: Mutex::new(None),
            info_hash: Mutex::new(None),
            ids: Mutex::new(ExtensionIds::default()),
        }
    }

    /// The torrent this connection is for, once a handshake has named it.
    pub fn info_hash(&self) -> Option<[u8; 20]> {
        *self.info_hash.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn ids(&self) -> std::sync::MutexGuard<'_, ExtensionIds> {
        // Plain ids: a poisoned lock still holds usable values.
        self.ids.lock().unwrap_or_else(|p| p.into_inner())
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
    /// How long each side may take to complete its handshake.
    pub handshake_timeout: Duration,
    pub public_port: u16,
    pub book: Arc<AddressBook>,
    pub speed: Arc<dyn SpeedHandler>,
}

/// Runs both directions until either side closes. `engine_head` and `remote_head` are
/// bytes already read from each side (while deciding what the stream is).
pub(crate) async fn relay(
    engine: TcpStream,
    remote: TcpStream,
    engine_head: BytesMut,
    remote_head: BytesMut,
    cx: Context,
) -> Result<()> {
    let (er, ew) = engine.into_split();
    let (rr, rw) = remote.into_split();
    let cx = Arc::new(cx);
    let up = pump(er, rw, engine_head, Way::EngineToRemote, cx.clone());
    let down = pump(rr, ew, remote_head, Way::RemoteToEngine, cx);
    // When one direction ends the connection is over; dropping the other closes it.
    tokio::select! {
        r = up => r,
        r = down => r,
    }
}

async fn pump(
    mut reader: impl AsyncRead + Unpin,
    mut writer: impl AsyncWrite + Unpin,
    mut buf: BytesMut,
    way: Way,
    cx: Arc<Context>,
) -> Result<()> {
    // The handshake passes unchanged, if it arrives in time: a peer trickling it a byte
    // at a time must not hold a connection open forever.
    let handshake = tokio::time::timeout(cx.handshake_timeout, async {
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
    *cx.link.info_hash.lock().unwrap_or_else(|p| p.into_inner()) = Some(handshake.info_hash);
    writer.write_all(&buf.split_to(HANDSHAKE_LEN)).await?;

    let decoder = Decoder::default();
    loop {
        let mut ready = 0;
        while let Some(len) = decoder.frame_len(&buf[ready..])? {
            let frame = &buf[ready..ready + len];
            match act_on(frame, way, &cx)? {
                Action::Forward => ready += len,
                action => {
                    if ready > 0 {
                        writer.write_all(&buf.split_to(ready)).await?;
                        ready = 0;
                    }
                    let _ = buf.split_to(len);
                    if let Action::Replace(bytes) = action {
                        writer.write_all(&bytes).await?;
                    }
                }
            }
        }
        if ready > 0 {
            writer.write_all(&buf.split_to(ready)).await?;
        }
        if read_more(&mut reader, &mut buf).await? == 0 {
            return Ok(());
        }
    }
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
    const PIECE: u8 = 7;
    const EXTENDED: u8 = 20;
    let Some(&id) = frame.get(4) else { return Ok(Action::Forward) };
    match (id, way) {
        (PIECE, Way::EngineToRemote) => {
            cx.link.uploaded_piece_bytes.fetch_add(frame.len().saturating_sub(13) as u64, Ordering::Relaxed);
            Ok(Action::Forward)
        }
        (PIECE, Way::RemoteToEngine) => {
            cx.link
                .downloaded_piece_bytes
                .fetch_add(frame.len().saturating_sub(13) as u64, Ordering::Relaxed);
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
            handshake.set_listen_port(cx.public_port);
            handshake.set_yourip(cx.link.remote.ip());
            cx.link.ids().our_bt_speed = Some(ours);
            Ok(Action::Replace(frame_of(Message::Extended { id: 0, payload: handshake.encode() })))
        }
        Way::EngineToRemote if Some(ext) == ids.remote_ut_pex => {
            let mut pex = Pex::parse(payload)?;
            let book = &cx.book;
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
                cx.link.remote_supports_bt_speed.store(ids.remote_bt_speed.is_some(), Ordering::Relaxed);
                *cx.link.client.lock().unwrap_or_else(|p| p.into_inner()) = handshake.client();
            }
            Ok(Action::Forward)
        }
        Way::RemoteToEngine if Some(ext) == ids.our_bt_speed => {
            cx.speed.on_message(cx.link.remote, Bytes::copy_from_slice(payload));
            Ok(Action::Drop)
        }
        _ => Ok(Action::Forward),
    }
}

fn frame_of(message: Message) -> Bytes {
    let mut out = BytesMut::new();
    encode(&message, &mut out);
    out.freeze()
}
