//! The peer-wire gateway: every peer connection goes through it.
//!
//! librqbit 9.1 cannot choose who gets our upload, drops unknown BEP 10 messages, and
//! sees every proxied peer as 127.0.0.1. So librqbit listens on loopback only and dials
//! out through our SOCKS5 endpoint, and the gateway owns the public socket:
//!
//! ```text
//!   remote peer ──TCP──▶ public listener ──▶ relay ──▶ librqbit (127.0.0.1)
//!   librqbit ──SOCKS5 CONNECT──▶ socks endpoint ──▶ relay ──TCP──▶ remote peer
//! ```
//!
//! The relay (`relay.rs`) frames both directions with `bidswarm-peerwire`, adds
//! `bt_speed` to librqbit's extended handshake, hands `bt_speed` messages to a
//! [`SpeedHandler`] instead of librqbit, removes loopback addresses from PEX, and counts
//! piece bytes per connection. Streams through the SOCKS endpoint that are not BitTorrent
//! (HTTP trackers, torrent downloads) are copied untouched.
//!
//! The [`Choker`] decides who is unchoked: librqbit's own CHOKE/UNCHOKE never reach
//! peers, and requests from peers we choke never reach librqbit.
//!
//! Still to come (issue 3): upload shaping, verified-piece attribution, connection
//! limits and the blocklist.

pub mod choker;
mod relay;
mod socks;

pub use choker::{Choker, ChokerConfig, LinkId, PeerSample, Ranker, RateRanker};
pub use relay::PeerLink;

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use bidswarm_peerwire::{Handshake, HANDSHAKE_LEN};
use bytes::{Bytes, BytesMut};
use tokio::{
    io::AsyncReadExt,
    net::{TcpListener, TcpStream},
    sync::{watch, Notify},
    task::JoinHandle,
};
use tracing::{debug, debug_span, Instrument};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    PeerWire(#[from] bidswarm_peerwire::Error),
    #[error("SOCKS5: {0}")]
    Socks(String),
    #[error("the connection closed")]
    Closed,
    #[error("librqbit's extended handshake uses every message id")]
    NoExtensionId,
    #[error("the engine is not listening yet")]
    NoEngine,
    #[error("the handshake did not arrive in time")]
    HandshakeTimeout,
}

/// Receives `bt_speed` messages from remote peers (the speed layer implements it).
pub trait SpeedHandler: Send + Sync + 'static {
    fn on_message(&self, peer: SocketAddr, payload: Bytes);
}

/// Drops `bt_speed` messages: the gateway without a speed layer.
#[derive(Debug, Default)]
pub struct IgnoreSpeed;

impl SpeedHandler for IgnoreSpeed {
    fn on_message(&self, _peer: SocketAddr, _payload: Bytes) {}
}

/// Which real peer stands behind each loopback address librqbit sees.
#[derive(Debug, Default)]
pub struct AddressBook {
    by_loopback: Mutex<HashMap<SocketAddr, SocketAddr>>,
}

impl AddressBook {
    pub fn real_address(&self, loopback: SocketAddr) -> Option<SocketAddr> {
        self.lock().get(&loopback).copied()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SocketAddr, SocketAddr>> {
        // A plain map: a poisoned lock still holds usable entries.
        self.by_loopback.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[derive(Debug, Clone, Copy)]
pub struct GatewayConfig {
    /// Where remote peers connect.
    pub public_listen: SocketAddr,
    /// Where librqbit's SOCKS5 client connects; keep it on loopback.
    pub socks_listen: SocketAddr,
    /// How long a new connection may take to show its first bytes, and each side to
    /// complete its handshake.
    pub handshake_timeout: Duration,
    pub choker: ChokerConfig,
    /// Incoming connections open at once, in all; more are closed at accept.
    pub max_incoming: usize,
    /// Incoming connections open at once from one IP address. Everything on this
    /// machine is one address (127.0.0.1), so keep it above the local peers' count.
    pub max_incoming_per_ip: usize,
}

impl GatewayConfig {
    /// Both listeners at these addresses, with the default 20 s handshake timeout.
    pub fn new(public_listen: SocketAddr, socks_listen: SocketAddr) -> Self {
        Self {
            public_listen,
            socks_listen,
            handshake_timeout: Duration::from_secs(20),
            choker: ChokerConfig::default(),
            max_incoming: 500,
            max_incoming_per_ip: 8,
        }
    }
}

pub struct Gateway {
    public_addr: SocketAddr,
    handshake_timeout: Duration,
    max_incoming: usize,
    max_incoming_per_ip: usize,
    incoming: Mutex<IncomingCount>,
    socks_addr: SocketAddr,
    engine: watch::Sender<Option<SocketAddr>>,
    links: Mutex<HashMap<u64, Arc<PeerLink>>>,
    next_link: AtomicU64,
    book: Arc<AddressBook>,
    speed: Arc<dyn SpeedHandler>,
    interest_changed: Arc<Notify>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("public_addr", &self.public_addr)
            .field("socks_addr", &self.socks_addr)
            .finish_non_exhaustive()
    }
}

impl Gateway {
    /// Binds both listeners and starts accepting. Incoming peers wait for
    /// [`Gateway::set_engine`] before they are forwarded.
    pub async fn start(config: GatewayConfig, speed: Arc<dyn SpeedHandler>) -> Result<Arc<Self>> {
        let public = TcpListener::bind(config.public_listen).await?;
        let socks = TcpListener::bind(config.socks_listen).await?;
        let gateway = Arc::new(Self {
            public_addr: public.local_addr()?,
            handshake_timeout: config.handshake_timeout,
            max_incoming: config.max_incoming,
            max_incoming_per_ip: config.max_incoming_per_ip,
            incoming: Mutex::new(IncomingCount::default()),
            socks_addr: socks.local_addr()?,
            engine: watch::channel(None).0,
            links: Mutex::new(HashMap::new()),
            next_link: AtomicU64::new(0),
            book: Arc::new(AddressBook::default()),
            speed,
            interest_changed: Arc::new(Notify::new()),
            tasks: Mutex::new(Vec::new()),
        });
        let inbound = tokio::spawn(gateway.clone().accept_public(public));
        let outbound = tokio::spawn(gateway.clone().accept_socks(socks));
        // The choker holds only a weak reference, so dropping the gateway stops it.
        let rechoke = tokio::spawn(rechoke_loop(Arc::downgrade(&gateway), config.choker));
        gateway.tasks.lock().unwrap_or_else(|p| p.into_inner()).extend([inbound, outbound, rechoke]);
        Ok(gateway)
    }

    pub fn public_addr(&self) -> SocketAddr {
        self.public_addr
    }

    /// The `proxy_url` librqbit dials out through.
    pub fn socks_url(&self) -> String {
        format!("socks5://{}", self.socks_addr)
    }

    /// Where librqbit listens (on loopback); incoming peers are forwarded there.
    pub fn set_engine(&self, addr: SocketAddr) {
        self.engine.send_replace(Some(addr));
    }

    /// The connections open now.
    pub fn peers(&self) -> Vec<Arc<PeerLink>> {
        self.links.lock().unwrap_or_else(|p| p.into_inner()).values().cloned().collect()
    }

    fn links_by_id(&self) -> Vec<(LinkId, Arc<PeerLink>)> {
        self.links.lock().unwrap_or_else(|p| p.into_inner()).iter().map(|(k, l)| (*k, l.clone())).collect()
    }

    pub fn stop(&self) {
        for task in self.tasks.lock().unwrap_or_else(|p| p.into_inner()).drain(..) {
            task.abort();
        }
    }

    async fn accept_public(self: Arc<Self>, listener: TcpListener) {
        loop {
            let Ok((stream, remote)) = listener.accept().await else { continue };
            let Some(admitted) = Admitted::new(&self, remote.ip()) else {
                debug!(peer = %remote, "refused: too many incoming connections");
                continue;
            };
            let this = self.clone();
            let span = debug_span!("inbound", peer = %remote);
            tokio::spawn(
                async move {
                    if let Err(e) = this.inbound(stream, remote).await {
                        debug!("closed: {e}");
                    }
                    drop(admitted);
                }
                .instrument(span),
            );
        }
    }

    async fn inbound(self: Arc<Self>, mut remote_stream: TcpStream, remote: SocketAddr) -> Result<()> {
        remote_stream.set_nodelay(true)?;
        let head = first_bytes(&mut remote_stream, self.handshake_timeout).await?;
        // The public port serves BitTorrent only.
        Handshake::parse(&head[..head.len().min(HANDSHAKE_LEN)])?;
        let engine_addr = self.engine_addr().await?;
        let engine = TcpStream::connect(engine_addr).await?;
        engine.set_nodelay(true)?;
        let loopback = engine.local_addr()?;
        self.book.lock().insert(loopback, remote);
        let result = self.run(engine, remote_stream, BytesMut::new(), head, remote, true).await;
        self.book.lock().remove(&loopback);
        result
    }

    async fn accept_socks(self: Arc<Self>, listener: TcpListener) {
        loop {
            let Ok((stream, client)) = listener.accept().await else { continue };
            if !client.ip().is_loopback() {
                continue;
            }
            let this = self.clone();
            tokio::spawn(
                async move {
                    if let Err(e) = this.outbound(stream).await {
                        debug!("closed: {e}");
                    }
                }
                .instrument(debug_span!("outbound")),
            );
        }
    }

    async fn outbound(self: Arc<Self>, mut engine: TcpStream) -> Result<()> {
        engine.set_nodelay(true)?;
        let (mut remote_stream, remote) = socks::accept(&mut engine).await?;
        let head = first_bytes(&mut engine, self.handshake_timeout).await?;
        let looks_like_bittorrent = Handshake::parse(&head[..head.len().min(HANDSHAKE_LEN)]).is_ok();
        if !looks_like_bittorrent {
            // Trackers, torrent downloads: not ours to read.
            tokio::io::AsyncWriteExt::write_all(&mut remote_stream, &head).await?;
            tokio::io::copy_bidirectional(&mut engine, &mut remote_stream).await?;
            return Ok(());
        }
        self.run(engine, remote_stream, head, BytesMut::new(), remote, false).await
    }

    async fn run(
        &self,
        engine: TcpStream,
        remote_stream: TcpStream,
        engine_head: BytesMut,
        remote_head: BytesMut,
        remote: SocketAddr,
        incoming: bool,
    ) -> Result<()> {
        let (link, control) = PeerLink::new(remote, incoming);
        let link = Arc::new(link);
        let key = self.next_link.fetch_add(1, Ordering::Relaxed);
        self.links.lock().unwrap_or_else(|p| p.into_inner()).insert(key, link.clone());
        let cx = relay::Context {
            interest_changed: self.interest_changed.clone(),
            link,
            handshake_timeout: self.handshake_timeout,
            public_port: self.public_addr.port(),
            book: self.book.clone(),
            speed: self.speed.clone(),
        };
        let result = relay::relay(engine, remote_stream, engine_head, remote_head, control, cx).await;
        self.links.lock().unwrap_or_else(|p| p.into_inner()).remove(&key);
        result
    }

    async fn engine_addr(&self) -> Result<SocketAddr> {
        let mut rx = self.engine.subscribe();
        let addr = tokio::time::timeout(self.handshake_timeout, rx.wait_for(Option::is_some))
            .await
            .map_err(|_| Error::NoEngine)?
            .map_err(|_| Error::NoEngine)?;
        (*addr).ok_or(Error::NoEngine)
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.stop();
    }
}

#[derive(Debug, Default)]
struct IncomingCount {
    total: usize,
    per_ip: HashMap<IpAddr, usize>,
}

/// One incoming connection counted against the limits, for as long as it lives.
struct Admitted {
    gateway: Arc<Gateway>,
    ip: IpAddr,
}

impl Admitted {
    fn new(gateway: &Arc<Gateway>, ip: IpAddr) -> Option<Self> {
        let mut count = gateway.incoming.lock().unwrap_or_else(|p| p.into_inner());
        let from_ip = count.per_ip.get(&ip).copied().unwrap_or(0);
        if count.total >= gateway.max_incoming || from_ip >= gateway.max_incoming_per_ip {
            return None;
        }
        count.total += 1;
        count.per_ip.insert(ip, from_ip + 1);
        Some(Self { gateway: gateway.clone(), ip })
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut count = self.gateway.incoming.lock().unwrap_or_else(|p| p.into_inner());
        count.total -= 1;
        if let Some(n) = count.per_ip.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                count.per_ip.remove(&self.ip);
            }
        }
    }
}

/// Re-ranks every `rechoke_interval`, and at once when a peer's interest changes (so a
/// newly interested peer gets a free slot without waiting). Rates are piece bytes per
/// second since the previous round.
async fn rechoke_loop(gateway: std::sync::Weak<Gateway>, config: ChokerConfig) {
    let mut choker = Choker::new(config);
    let mut last: HashMap<LinkId, (u64, u64, Instant)> = HashMap::new();
    let Some(interest_changed) = gateway.upgrade().map(|g| g.interest_changed.clone()) else { return };
    let mut tick = tokio::time::interval(config.rechoke_interval);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = interest_changed.notified() => {}
        }
        let Some(gateway) = gateway.upgrade() else { return };
        let now = Instant::now();
        let links = gateway.links_by_id();
        let samples: Vec<PeerSample> = links
            .iter()
            .map(|(id, link)| {
                let down = link.downloaded_piece_bytes.load(Ordering::Relaxed);
                let up = link.uploaded_piece_bytes.load(Ordering::Relaxed);
                let (prev_down, prev_up, at) = last.get(id).copied().unwrap_or((down, up, now));
                let secs = now.duration_since(at).as_secs_f64().max(0.001);
                last.insert(*id, (down, up, now));
                PeerSample {
                    link: *id,
                    interested: link.peer_interested.load(Ordering::Acquire),
                    download_rate: ((down - prev_down) as f64 / secs) as u64,
                    upload_rate: ((up - prev_up) as f64 / secs) as u64,
                }
            })
            .collect();
        last.retain(|id, _| links.iter().any(|(l, _)| l == id));
        let unchoke = choker.rechoke(now, &samples, &RateRanker);
        for (id, link) in &links {
            link.set_choked(!unchoke.contains(id));
        }
    }
}

/// Reads whatever arrives first, so the caller can tell what the stream is.
async fn first_bytes(stream: &mut TcpStream, timeout: Duration) -> Result<BytesMut> {
    let mut buf = BytesMut::with_capacity(16 * 1024);
    let n = tokio::time::timeout(timeout, stream.read_buf(&mut buf)).await.map_err(|_| Error::Closed)??;
    if n == 0 {
        return Err(Error::Closed);
    }
    Ok(buf)
}
