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
//! peers, and requests from peers we choke never reach librqbit. The [`shaper`] holds
//! our upload under one cap shared by weight, and [`attribution`] tells which peers
//! delivered each piece that passed its hash check. Connection limits, the
//! [`Blocklist`] and the timeouts are enforced here, on real addresses, because librqbit
//! sees every peer as 127.0.0.1.
//!
//! Tasks: one accept loop per listener, one task per connection (two directions inside
//! it), a 1 s sampler (rates for the peers view, the shaper's share-out) and the
//! rechoke loop. Locks are plain mutexes held for a few map operations, never across an
//! `.await`, and never two at once.

pub mod attribution;
pub mod blocklist;
pub mod choker;
#[doc(hidden)]
pub mod fuzz;
pub mod mse;
mod relay;
pub mod shaper;
mod socks;
pub mod transport;

pub use attribution::{Attribution, VerifiedPiece};
pub use blocklist::{BadRule, Blocklist};
pub use choker::{Choker, ChokerConfig, LinkId, PeerSample, Ranker, RateRanker};
pub use mse::Encryption;
pub use relay::{LinkSnapshot, PeerLink};
/// The relay's buffer and batching, public so that `benches/relay_floor.rs` measures a
/// bare relay with the same numbers.
pub use relay::{HAVE_GRACE, LINGER, MAX_UNREQUESTED_RUN, READ_CHUNK, TOP_UP_BELOW, TOP_UP_WAIT};
pub use transport::{PeerStream, Transport};

use std::{
    collections::{HashMap, HashSet},
    net::{IpAddr, SocketAddr},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex, MutexGuard, RwLock,
    },
    time::{Duration, Instant},
};

use bidswarm_peerwire::{Handshake, HANDSHAKE_LEN};
use bytes::{Bytes, BytesMut};
use tokio::{
    io::{AsyncRead, AsyncReadExt},
    net::{TcpListener, TcpStream},
    sync::{broadcast, watch, Notify},
    task::JoinHandle,
};
use tracing::{debug, debug_span, warn, Instrument};

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
    #[error("the peer sent nothing for too long")]
    IdleTimeout,
    #[error("the torrent already has its most connections")]
    TorrentFull,
    #[error("the address is on the blocklist")]
    Blocked,
    #[error("closed by the gateway")]
    ClosedByUs,
    #[error("the peer sent too many blocks nobody asked for")]
    Unrequested,
    #[error("the peer answered for another torrent")]
    WrongTorrent,
    #[error("encryption handshake: {0}")]
    Encryption(&'static str),
    #[error("the peer sent a plaintext handshake and encryption is required")]
    PlaintextRefused,
    #[error("the peer sent an encrypted handshake and encryption is disabled")]
    EncryptionRefused,
    #[error("the peer closed the connection without a word")]
    Unanswered,
}

impl Error {
    /// The peer closed or reset the connection before it said anything we could read.
    pub fn is_reset(&self) -> bool {
        use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset, UnexpectedEof};
        match self {
            Self::Closed => true,
            Self::Io(e) => {
                matches!(e.kind(), ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof)
            }
            _ => false,
        }
    }
}

/// Connections to one torrent's peers since it started here, by how they were reached:
/// each way, over uTP, encrypted, and how many peers dialed us offering encryption only
/// (they would have refused plaintext). Also how many HAVEs librqbit failed to send that
/// the gateway sent in its place (see `relay::HaveBook`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reached {
    pub incoming: u32,
    pub outgoing: u32,
    pub utp: u32,
    pub encrypted: u32,
    pub refused_plaintext: u32,
    pub missed_haves: u32,
}

/// How long an incoming uTP connection may take to send its first data. A real peer sends
/// its handshake as soon as our SYN-ACK arrives; a forged SYN never sends anything.
const UTP_FIRST_DATA: Duration = Duration::from_secs(5);

/// The speed layer's view of the wire: `bt_speed` messages from remote peers, and when
/// peers that speak it come and go. Called on the connection's own task, so it must not
/// block; reply with [`PeerLink::send_speed`].
pub trait SpeedHandler: Send + Sync + 'static {
    /// The remote's extended handshake says it speaks `bt_speed`.
    fn on_ready(&self, _link: &Arc<PeerLink>) {}
    fn on_message(&self, link: &Arc<PeerLink>, payload: Bytes);
    /// The connection ended.
    fn on_closed(&self, _link: &Arc<PeerLink>) {}
}

/// Drops `bt_speed` messages: the gateway without a speed layer.
#[derive(Debug, Default)]
pub struct IgnoreSpeed;

/// How the speed layer asks the choker to re-rank now (it changed who is paid), without
/// holding the gateway: one handle, given to both at start.
#[derive(Debug, Clone, Default)]
pub struct RechokeSignal(Arc<Notify>);

impl RechokeSignal {
    pub fn rechoke_soon(&self) {
        self.0.notify_one();
    }
}

/// Who decides for the gateway, given once at [`Gateway::start`]: the speed layer's
/// handler of `bt_speed`, the ranker of the choker's slots, and the signal the speed layer
/// asks for a rechoke with.
#[derive(Clone)]
pub struct Policy {
    pub speed: Arc<dyn SpeedHandler>,
    pub ranker: Arc<dyn Ranker>,
    pub rechoke: RechokeSignal,
}

impl Policy {
    /// No speed layer: `bt_speed` dropped, slots by rate (tit-for-tat).
    pub fn free() -> Self {
        Self { speed: Arc::new(IgnoreSpeed), ranker: Arc::new(RateRanker), rechoke: RechokeSignal::default() }
    }
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy").field("rechoke", &self.rechoke).finish_non_exhaustive()
    }
}

impl SpeedHandler for IgnoreSpeed {
    fn on_message(&self, _link: &Arc<PeerLink>, _payload: Bytes) {}
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

/// How many connections may be open at once; changeable at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// In all, incoming and outgoing. Incoming ones over it are closed at accept.
    pub max_connections: usize,
    /// To peers of one torrent; more are closed once their handshake names it.
    pub max_per_torrent: usize,
    /// Incoming from one IP address. Everything on this machine is one address
    /// (127.0.0.1), so keep it above the local peers' count in tests. It also sets how
    /// many *new* connections one address beyond this machine may open a minute
    /// ([`NEW_PER_MINUTE_PER_SLOT`] times it).
    pub max_per_ip: usize,
}

/// New incoming connections one address may open a minute, per connection it may hold at
/// once: 32 with the default 8, in a burst or one every 1.9 s. A peer reconnects a few
/// times a minute at most; an attacker churning connections from one address (each one
/// a record librqbit keeps, see `swarm`'s dead-peer limit) is held to this rate.
pub const NEW_PER_MINUTE_PER_SLOT: usize = 4;
/// Addresses the new-connection limiter remembers before it forgets those whose quota is
/// whole again.
const RATE_ADDRESSES: usize = 4096;

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self { max_connections: 500, max_per_torrent: 100, max_per_ip: 8 }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct GatewayConfig {
    /// Where remote peers connect. An unspecified IPv4 address (0.0.0.0) also listens on
    /// IPv6 (`[::]`) at the same port, when the machine has IPv6.
    pub public_listen: SocketAddr,
    /// Where librqbit's SOCKS5 client connects; keep it on loopback.
    pub socks_listen: SocketAddr,
    /// How long a new connection may take to show its first bytes, and each side to
    /// complete its handshake.
    pub handshake_timeout: Duration,
    /// How long a remote may send nothing at all (peers send a keep-alive every 2 min).
    pub idle_timeout: Duration,
    /// How long a connection that carries vouchers stays open after our engine closed it,
    /// for the last vouchers each way (see [`relay::LINGER`]).
    pub linger: Duration,
    /// How long librqbit has to send a HAVE itself before the gateway sends it (see
    /// [`relay::HAVE_GRACE`]).
    pub have_grace: Duration,
    pub choker: ChokerConfig,
    pub limits: ConnectionLimits,
    /// Bytes per second we upload to peers in all; `None` is unlimited.
    pub upload_cap: Option<u64>,
    /// MSE/PE on the wire: preferred, required or off.
    pub encryption: Encryption,
}

impl GatewayConfig {
    /// Both listeners at these addresses, with a 20 s handshake timeout, a 3 min idle
    /// timeout and default limits.
    pub fn new(public_listen: SocketAddr, socks_listen: SocketAddr) -> Self {
        Self {
            public_listen,
            socks_listen,
            handshake_timeout: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(180),
            linger: relay::LINGER,
            have_grace: relay::HAVE_GRACE,
            choker: ChokerConfig::default(),
            limits: ConnectionLimits::default(),
            upload_cap: None,
            encryption: Encryption::Prefer,
        }
    }
}

pub struct Gateway {
    public_addr: SocketAddr,
    handshake_timeout: Duration,
    idle_timeout: Duration,
    linger: Duration,
    have_grace: Duration,
    /// The uTP socket on the public port, for incoming uTP peers and outgoing fallback;
    /// `None` when its UDP port could not be bound.
    utp: Option<Arc<librqbit_utp::UtpSocketUdp>>,
    /// Ends the uTP socket's own tasks (they hold the socket, so dropping it would not).
    utp_stop: tokio_util::sync::CancellationToken,
    limits: Mutex<ConnectionLimits>,
    reached: Mutex<HashMap<[u8; 20], Reached>>,
    counts: Mutex<ConnectionCounts>,
    new_connections: Mutex<NewConnections>,
    blocklist: RwLock<Arc<Blocklist>>,
    /// Bytes per second in all; 0 is unlimited.
    upload_cap: AtomicU64,
    ranker: Arc<dyn Ranker>,
    socks_addr: SocketAddr,
    socks_credentials: socks::Credentials,
    engine: watch::Sender<Option<SocketAddr>>,
    links: Mutex<HashMap<LinkId, Arc<PeerLink>>>,
    next_link: AtomicU64,
    book: Arc<AddressBook>,
    speed: Arc<dyn SpeedHandler>,
    attribution: Attribution,
    verified: broadcast::Sender<VerifiedPiece>,
    /// A peer's interest changed or a connection closed: free slots are filled.
    interest_changed: Arc<Notify>,
    /// The speed layer changed who is paid: everyone is re-ranked.
    rechoke_requested: Arc<Notify>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    encryption: RwLock<Encryption>,
    /// The torrents we serve: an encrypted handshake names its torrent only by a hash.
    torrents: RwLock<Option<TorrentList>>,
}

/// Lists the info hashes of the torrents the engine serves.
pub type TorrentList = Arc<dyn Fn() -> Vec<[u8; 20]> + Send + Sync>;

/// What a remote's BitTorrent handshake must be, when the gateway knows before it comes.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Expect {
    /// The torrent it must name: the one we dialed it for, or its MSE handshake named.
    pub torrent: Option<[u8; 20]>,
    /// The gateway greeted the engine itself (see [`Gateway::dial`]): the remote's
    /// handshake is checked and not passed on.
    pub greeted: bool,
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
    pub async fn start(config: GatewayConfig, policy: Policy) -> Result<Arc<Self>> {
        let Policy { speed, ranker, rechoke } = policy;
        let public = TcpListener::bind(config.public_listen).await?;
        let public_addr = public.local_addr()?;
        let public_v6 = if public_addr.ip() == IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED) {
            let v6 = SocketAddr::new(IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED), public_addr.port());
            match bind_v6_only(v6) {
                Ok(listener) => Some(listener),
                Err(e) => {
                    warn!("no IPv6 listener at {v6} ({e}); peers reach us over IPv4 only");
                    None
                }
            }
        } else {
            None
        };
        let socks = TcpListener::bind(config.socks_listen).await?;
        // uTP (BEP 29) listens on UDP at the TCP port, as every client does.
        let utp_addr = SocketAddr::new(config.public_listen.ip(), public_addr.port());
        let utp_stop = tokio_util::sync::CancellationToken::new();
        let utp_opts =
            librqbit_utp::SocketOpts { cancellation_token: utp_stop.clone(), ..Default::default() };
        let utp = match librqbit_utp::UtpSocketUdp::new_udp_with_opts(utp_addr, utp_opts, Default::default())
            .await
        {
            Ok(socket) => Some(socket),
            Err(e) => {
                warn!("no uTP at {utp_addr} ({e}); peers reach us over TCP only");
                None
            }
        };
        let gateway = Arc::new(Self {
            public_addr,
            handshake_timeout: config.handshake_timeout,
            idle_timeout: config.idle_timeout,
            linger: config.linger,
            have_grace: config.have_grace,
            utp: utp.clone(),
            utp_stop,
            limits: Mutex::new(config.limits),
            reached: Mutex::new(HashMap::new()),
            counts: Mutex::new(ConnectionCounts::default()),
            new_connections: Mutex::new(NewConnections::new(config.limits.max_per_ip)),
            blocklist: RwLock::new(Arc::new(Blocklist::default())),
            upload_cap: AtomicU64::new(config.upload_cap.unwrap_or(0)),
            ranker,
            socks_addr: socks.local_addr()?,
            socks_credentials: socks::Credentials::random()?,
            engine: watch::channel(None).0,
            links: Mutex::new(HashMap::new()),
            next_link: AtomicU64::new(0),
            book: Arc::new(AddressBook::default()),
            speed,
            attribution: Attribution::default(),
            verified: broadcast::channel(4096).0,
            interest_changed: Arc::new(Notify::new()),
            rechoke_requested: rechoke.0,
            tasks: Mutex::new(Vec::new()),
            encryption: RwLock::new(config.encryption),
            torrents: RwLock::new(None),
        });
        let mut tasks = vec![
            tokio::spawn(gateway.clone().accept_public(public)),
            tokio::spawn(gateway.clone().accept_socks(socks)),
            // These hold only a weak reference, so dropping the gateway stops them.
            tokio::spawn(rechoke_loop(Arc::downgrade(&gateway), config.choker)),
            tokio::spawn(sample_loop(Arc::downgrade(&gateway))),
        ];
        if let Some(v6) = public_v6 {
            tasks.push(tokio::spawn(gateway.clone().accept_public(v6)));
        }
        if let Some(utp) = utp {
            tasks.push(tokio::spawn(gateway.clone().accept_utp(utp)));
        }
        gateway.tasks.lock().unwrap_or_else(|p| p.into_inner()).extend(tasks);
        Ok(gateway)
    }

    pub fn public_addr(&self) -> SocketAddr {
        self.public_addr
    }

    /// The `proxy_url` librqbit dials out through, with the user name and password only it
    /// gets: a secret, never to be logged.
    pub fn socks_url(&self) -> String {
        format!("socks5://{}@{}", self.socks_credentials.userinfo(), self.socks_addr)
    }

    /// MSE/PE for connections from now on.
    pub fn set_encryption(&self, encryption: Encryption) {
        *self.encryption.write().unwrap_or_else(|p| p.into_inner()) = encryption;
    }

    pub fn encryption(&self) -> Encryption {
        *self.encryption.read().unwrap_or_else(|p| p.into_inner())
    }

    /// How to list the torrents we serve (needed to answer encrypted handshakes).
    pub fn set_torrents(&self, list: TorrentList) {
        *self.torrents.write().unwrap_or_else(|p| p.into_inner()) = Some(list);
    }

    fn info_hashes(&self) -> Vec<[u8; 20]> {
        let list = self.torrents.read().unwrap_or_else(|p| p.into_inner()).clone();
        list.map_or_else(Vec::new, |list| list())
    }

    /// Where librqbit listens (on loopback); incoming peers are forwarded there.
    pub fn set_engine(&self, addr: SocketAddr) {
        self.engine.send_replace(Some(addr));
    }

    /// One connection by its id, while it is open.
    pub fn link(&self, id: LinkId) -> Option<Arc<PeerLink>> {
        self.links_lock().get(&id).cloned()
    }

    /// The connections open now.
    pub fn peers(&self) -> Vec<Arc<PeerLink>> {
        self.links_lock().values().cloned().collect()
    }

    fn links_by_id(&self) -> Vec<(LinkId, Arc<PeerLink>)> {
        self.links_lock().iter().map(|(k, l)| (*k, l.clone())).collect()
    }

    fn links_lock(&self) -> MutexGuard<'_, HashMap<LinkId, Arc<PeerLink>>> {
        // A plain map: a poisoned lock still holds usable entries.
        self.links.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Caps our upload to all peers together (`None`: unlimited), from now on.
    pub fn set_upload_cap(&self, bytes_per_sec: Option<u64>) {
        self.upload_cap.store(bytes_per_sec.unwrap_or(0), Ordering::Relaxed);
        self.reshare(false);
    }

    pub fn upload_cap(&self) -> Option<u64> {
        Some(self.upload_cap.load(Ordering::Relaxed)).filter(|c| *c > 0)
    }

    pub fn set_limits(&self, limits: ConnectionLimits) {
        *self.limits.lock().unwrap_or_else(|p| p.into_inner()) = limits;
    }

    pub fn limits(&self) -> ConnectionLimits {
        *self.limits.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Replaces the blocklist, and closes open connections to addresses now on it.
    pub fn set_blocklist(&self, blocklist: Blocklist) {
        let blocklist = Arc::new(blocklist);
        // Stored first: a connection registering meanwhile checks the new list itself.
        *self.blocklist.write().unwrap_or_else(|p| p.into_inner()) = blocklist.clone();
        for link in self.peers() {
            if blocklist.contains(link.remote.ip()) {
                link.close();
            }
        }
    }

    fn is_blocked(&self, ip: IpAddr) -> bool {
        self.blocklist.read().unwrap_or_else(|p| p.into_inner()).contains(ip)
    }

    /// Who gets the upload slots and the larger shares of the cap ([`Policy::ranker`]).
    fn ranker(&self) -> Arc<dyn Ranker> {
        self.ranker.clone()
    }

    /// Every piece that passes its hash check from now on, with who delivered it.
    pub fn verified_pieces(&self) -> broadcast::Receiver<VerifiedPiece> {
        self.verified.subscribe()
    }

    /// Tells the gateway librqbit has verified `piece` (the core sees it in the
    /// have-bitfield; librqbit sends HAVE only to peers that lack the piece): it is
    /// attributed, and announced to the torrent's peers librqbit does not announce it to
    /// within [`relay::HAVE_GRACE`] (see `relay::HaveBook`).
    pub fn piece_verified(&self, info_hash: [u8; 20], piece: u32) {
        self.attribute(info_hash, piece);
        self.owe_have(info_hash, piece);
    }

    /// [`Gateway::piece_verified`] for a piece verified before the core first looked at
    /// its torrent: announced only when blocks of it came through the gateway, so it was
    /// fetched while peers were connected. A piece that was on disk is in every peer's
    /// bitfield already. (Announcing only followed torrents' pieces lost the HAVEs for
    /// the pieces a fast download verified before the core's first look.)
    pub fn piece_verified_earlier(&self, info_hash: [u8; 20], piece: u32) {
        if self.attribute(info_hash, piece) {
            self.owe_have(info_hash, piece);
        }
    }

    /// Every open connection to the torrent's peers owes the peer a HAVE for `piece`,
    /// unless librqbit sends it.
    fn owe_have(&self, info_hash: [u8; 20], piece: u32) {
        let now = Instant::now();
        for link in self.peers() {
            if link.info_hash() == Some(info_hash) {
                link.have_book().verified(piece, now);
            }
        }
    }

    /// Attributes a verified piece to who delivered it, once; false when no block of it
    /// came through the gateway (or it was attributed before).
    fn attribute(&self, info_hash: [u8; 20], piece: u32) -> bool {
        let Some(verified) = self.attribution.on_verified(info_hash, piece) else { return false };
        // Nobody listening is fine.
        let _ = self.verified.send(verified);
        true
    }

    /// Torrents with received blocks not yet attributed to a verified piece.
    pub fn torrents_awaiting_verification(&self) -> Vec<[u8; 20]> {
        self.attribution.pending_torrents()
    }

    /// Forgets a removed torrent's unverified blocks.
    pub fn forget_torrent(&self, info_hash: [u8; 20]) {
        self.attribution.forget(info_hash);
        self.reached.lock().unwrap_or_else(|p| p.into_inner()).remove(&info_hash);
    }

    /// How peers of the torrent `info_hash` were reached since it started here.
    pub fn reached(&self, info_hash: &[u8; 20]) -> Reached {
        self.reached.lock().unwrap_or_else(|p| p.into_inner()).get(info_hash).copied().unwrap_or_default()
    }

    /// Counts HAVEs the gateway sent because librqbit did not, for a torrent it serves.
    fn count_missed_haves(&self, info_hash: [u8; 20], sent: u32) {
        if !self.info_hashes().contains(&info_hash) {
            return;
        }
        let mut reached = self.reached.lock().unwrap_or_else(|p| p.into_inner());
        let r = reached.entry(info_hash).or_default();
        r.missed_haves = r.missed_haves.saturating_add(sent);
    }

    /// Counts a connection whose handshake named `info_hash`, once, as it starts; only for
    /// torrents the engine serves, so a peer naming made-up info hashes grows nothing.
    fn count_reached(&self, info_hash: [u8; 20], link: &PeerLink) {
        if !self.info_hashes().contains(&info_hash) {
            return;
        }
        let mut reached = self.reached.lock().unwrap_or_else(|p| p.into_inner());
        let r = reached.entry(info_hash).or_default();
        let add = |n: &mut u32, yes: bool| *n = n.saturating_add(u32::from(yes));
        add(&mut r.incoming, link.incoming);
        add(&mut r.outgoing, !link.incoming);
        add(&mut r.utp, link.transport == Transport::Utp);
        add(&mut r.encrypted, link.encrypted);
        add(&mut r.refused_plaintext, link.refuses_plaintext);
    }

    /// Gives every connection its share of the upload cap. With `roll`, also starts a
    /// new window for telling who is sending (the 1 s sampler does that).
    fn reshare(&self, roll: bool) {
        let now = Instant::now();
        let cap = self.upload_cap();
        let links = self.links_by_id();
        let ranker = self.ranker();
        let claims: Vec<shaper::Claim> = links
            .iter()
            .map(|(id, link)| {
                let sending = if roll { link.bucket().take_sent() > 0 } else { link.was_sending() };
                link.set_was_sending(sending);
                shaper::Claim { weight: ranker.weight(&link.sample(*id)), sending }
            })
            .collect();
        for ((_, link), rate) in links.iter().zip(shaper::share(cap, &claims)) {
            link.bucket().set_rate(rate, now);
        }
    }

    /// Stops accepting and closes every connection, lingering ones too: the speed layer
    /// that would read their last messages is stopping with us.
    pub fn stop(&self) {
        for task in self.tasks.lock().unwrap_or_else(|p| p.into_inner()).drain(..) {
            task.abort();
        }
        self.utp_stop.cancel();
        for link in self.peers() {
            link.close();
        }
    }

    async fn accept_public(self: Arc<Self>, listener: TcpListener) {
        let mut backoff = AcceptBackoff::default();
        loop {
            let Some((stream, remote)) = backoff.accept(&listener).await else { continue };
            if let Err(e) = stream.set_nodelay(true) {
                debug!(peer = %remote, "closed: {e}");
                continue;
            }
            self.clone().incoming(PeerStream::Tcp(stream), remote);
        }
    }

    async fn accept_utp(self: Arc<Self>, socket: Arc<librqbit_utp::UtpSocketUdp>) {
        let mut backoff = AcceptBackoff::default();
        loop {
            let Some(stream) = backoff.after(socket.accept().await, "uTP").await else { continue };
            let remote = stream.remote_addr();
            self.clone().incoming(PeerStream::Utp(stream), remote);
        }
    }

    /// A new incoming connection on either transport: refused under the blocklist and the
    /// connection limits, otherwise relayed on its own task.
    ///
    /// A uTP connection is counted against the limits only once its first data arrived: a
    /// SYN alone may carry a forged address, and only a peer at the real one learns the
    /// sequence number our answer carries. Until then it holds one of the uTP socket's own
    /// streams, for [`UTP_FIRST_DATA`] at most.
    fn incoming(self: Arc<Self>, mut stream: PeerStream, remote: SocketAddr) {
        if self.is_blocked(remote.ip()) {
            debug!(peer = %remote, "refused: on the blocklist");
            return;
        }
        let span = debug_span!("inbound", peer = %remote);
        tokio::spawn(
            async move {
                let proven = match stream.transport() {
                    Transport::Tcp => None,
                    Transport::Utp => match first_bytes(&mut stream, UTP_FIRST_DATA).await {
                        Ok(head) => Some(head),
                        Err(e) => return debug!("closed: {e}"),
                    },
                };
                if !self.may_connect_again(remote.ip()) {
                    return debug!("refused: too many new connections from this address");
                }
                let Some(admitted) = Admitted::new(&self, Some(remote.ip())) else {
                    return debug!("refused: too many connections");
                };
                if let Err(e) = self.inbound(stream, proven, remote, admitted).await {
                    debug!("closed: {e}");
                }
            }
            .instrument(span),
        );
    }

    /// `head` is what the peer already sent, if it was read.
    async fn inbound(
        self: Arc<Self>,
        mut remote_stream: PeerStream,
        head: Option<BytesMut>,
        remote: SocketAddr,
        admitted: Admitted,
    ) -> Result<()> {
        let head = match head {
            Some(head) => head,
            None => first_bytes(&mut remote_stream, self.handshake_timeout).await?,
        };
        let (crypto, torrent) =
            tokio::time::timeout(self.handshake_timeout, self.incoming_crypto(&mut remote_stream, head))
                .await
                .map_err(|_| Error::HandshakeTimeout)??;
        let expect = Expect { torrent, greeted: false };
        let engine_addr = self.engine_addr().await?;
        let engine = TcpStream::connect(engine_addr).await?;
        engine.set_nodelay(true)?;
        let loopback = engine.local_addr()?;
        self.book.lock().insert(loopback, remote);
        let result =
            self.clone().run(engine, remote_stream, crypto, BytesMut::new(), remote, admitted, expect).await;
        self.book.lock().remove(&loopback);
        result
    }

    /// Tells a plain BitTorrent handshake from an MSE key by its first 20 bytes, and
    /// answers the key exchange when it is one, as the encryption setting allows. Returns
    /// the stream's state and, after MSE, the torrent it named (its BitTorrent handshake
    /// must name the same).
    async fn incoming_crypto(
        &self,
        stream: &mut PeerStream,
        mut head: BytesMut,
    ) -> Result<(mse::Established, Option<[u8; 20]>)> {
        mse::fill(stream, &mut head, 20).await?;
        let mode = self.encryption();
        if mse::is_plain_handshake(&head) {
            if mode == Encryption::Require {
                return Err(Error::PlaintextRefused);
            }
            return Ok((mse::Established::plain(head), None));
        }
        if mode == Encryption::Disable {
            return Err(Error::EncryptionRefused);
        }
        let torrents = self.info_hashes();
        let (established, torrent) =
            mse::respond(stream, head, &torrents, mode == Encryption::Prefer).await?;
        Ok((established, Some(torrent)))
    }

    /// Starts an MSE handshake on a connection we opened for `info_hash`, as the
    /// encryption setting asks. A peer that does not speak it (it closes, or does not
    /// answer within half the handshake timeout) is dialed again in plaintext unless
    /// encryption is required, as libtorrent does.
    async fn outgoing_crypto(
        &self,
        mut stream: PeerStream,
        remote: SocketAddr,
        info_hash: &[u8; 20],
    ) -> Result<(PeerStream, mse::Established)> {
        let plain = mse::Established::plain(BytesMut::new());
        let require = match self.encryption() {
            Encryption::Disable => return Ok((stream, plain)),
            Encryption::Require => true,
            Encryption::Prefer => false,
        };
        // With a plaintext retry to come, the attempt gets half the time.
        let wait = if require { self.handshake_timeout } else { self.handshake_timeout / 2 };
        let mut attempt = tokio::time::timeout(wait, mse::initiate(&mut stream, info_hash, require)).await;
        // A peer that takes TCP connections only to close them unanswered (libtorrent with
        // TCP off) may be listening on uTP at the same port.
        if let (Ok(Err(Error::Unanswered)), PeerStream::Tcp(_), Some(utp)) = (&attempt, &stream, &self.utp) {
            let answer = tokio::time::timeout(transport::UTP_FALLBACK_WAIT, utp.connect(remote)).await;
            if let Ok(Ok(utp_stream)) = answer {
                debug!(peer = %remote, "TCP closed unanswered; trying uTP");
                stream = PeerStream::Utp(utp_stream);
                attempt = tokio::time::timeout(wait, mse::initiate(&mut stream, info_hash, require)).await;
            }
        }
        match attempt {
            Ok(Ok(established)) => Ok((stream, established)),
            Ok(Err(e)) if require => Err(e),
            Err(_) if require => Err(Error::HandshakeTimeout),
            _ => {
                debug!(peer = %remote, "no encryption handshake; dialing again in plaintext");
                // Over the transport that answered: a peer reached over uTP after TCP was
                // refused or closed would do so again.
                let again = match (stream, &self.utp) {
                    (PeerStream::Utp(_), Some(utp)) => {
                        tokio::time::timeout(self.handshake_timeout, utp.connect(remote))
                            .await
                            .map_err(|_| Error::HandshakeTimeout)?
                            .map(PeerStream::Utp)
                            .map_err(|e| Error::Io(std::io::Error::other(e)))?
                    }
                    _ => self.connect(remote).await?,
                };
                Ok((again, plain))
            }
        }
    }

    /// A connection to `remote` over TCP, or uTP where TCP does not answer, within the
    /// handshake timeout.
    async fn connect(&self, remote: SocketAddr) -> Result<PeerStream> {
        Ok(tokio::time::timeout(self.handshake_timeout, PeerStream::connect(remote, self.utp.as_ref()))
            .await
            .map_err(|_| Error::HandshakeTimeout)??)
    }

    async fn accept_socks(self: Arc<Self>, listener: TcpListener) {
        let mut backoff = AcceptBackoff::default();
        loop {
            let Some((stream, client)) = backoff.accept(&listener).await else { continue };
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
        let (mut remote_stream, remote) =
            socks::accept(&mut engine, &self.socks_credentials, self.utp.as_ref(), |ip| self.is_blocked(ip))
                .await?;
        let mut head = first_bytes(&mut engine, self.handshake_timeout).await?;
        let handshake = loop {
            match Handshake::parse(&head[..head.len().min(HANDSHAKE_LEN)]) {
                Ok(Some(h)) => break h,
                // The start of a handshake: the rest is on its way.
                Ok(None) => {
                    tokio::time::timeout(
                        self.handshake_timeout,
                        mse::fill(&mut engine, &mut head, HANDSHAKE_LEN),
                    )
                    .await
                    .map_err(|_| Error::HandshakeTimeout)??;
                }
                Err(_) => {
                    // Trackers, torrent downloads: not ours to read.
                    tokio::io::AsyncWriteExt::write_all(&mut remote_stream, &head).await?;
                    tokio::io::copy_bidirectional(&mut engine, &mut remote_stream).await?;
                    return Ok(());
                }
            }
        };
        let admitted = Admitted::new(&self, None).ok_or(Error::ClosedByUs)?;
        let (remote_stream, crypto) =
            self.outgoing_crypto(remote_stream, remote, &handshake.info_hash).await?;
        let expect = Expect { torrent: Some(handshake.info_hash), greeted: false };
        self.clone().run(engine, remote_stream, crypto, head, remote, admitted, expect).await
    }

    /// Dials `remote` for the torrent `info_hash` and hands the connection to the engine as
    /// an incoming peer: librqbit 9.1 has no public way to add a peer to a running torrent,
    /// but it takes whoever calls its listener. Runs until the connection ends.
    ///
    /// The engine answers a handshake, and the remote waits for ours, so the gateway opens
    /// the engine's side first with a handshake of its own for the torrent, sends the
    /// remote the engine's answer, and swallows the remote's answer after checking it
    /// names the same torrent. The engine sees the remote as a peer with the standard
    /// extension bit and a placeholder peer id; everything after the handshakes is relayed
    /// as on any connection.
    pub async fn dial(self: &Arc<Self>, remote: SocketAddr, info_hash: [u8; 20]) -> Result<()> {
        if self.is_blocked(remote.ip()) {
            return Err(Error::Blocked);
        }
        let admitted = Admitted::new(self, None).ok_or(Error::ClosedByUs)?;
        let remote_stream = self.connect(remote).await?;
        let (remote_stream, crypto) = self.outgoing_crypto(remote_stream, remote, &info_hash).await?;
        let mut engine = TcpStream::connect(self.engine_addr().await?).await?;
        engine.set_nodelay(true)?;
        let mut hello = BytesMut::new();
        let mut peer_id = *b"-BS0001-000000000000";
        mse::random(&mut peer_id[8..])?;
        // BEP 10: the extension protocol bit, which every client in use sets.
        Handshake { reserved: [0, 0, 0, 0, 0, 0x10, 0, 0], info_hash, peer_id }.encode(&mut hello);
        tokio::io::AsyncWriteExt::write_all(&mut engine, &hello).await?;
        let loopback = engine.local_addr()?;
        self.book.lock().insert(loopback, remote);
        let result = (self.clone())
            .run(
                engine,
                remote_stream,
                crypto,
                BytesMut::new(),
                remote,
                admitted,
                Expect { torrent: Some(info_hash), greeted: true },
            )
            .await;
        self.book.lock().remove(&loopback);
        result
    }

    /// Relays one connection; `engine_head` and `crypto.head` are bytes already read from
    /// each side; `expect` what the remote's handshake must be.
    #[allow(clippy::too_many_arguments)]
    async fn run(
        self: Arc<Self>,
        engine: TcpStream,
        remote_stream: PeerStream,
        crypto: mse::Established,
        engine_head: BytesMut,
        remote: SocketAddr,
        admitted: Admitted,
        expect: Expect,
    ) -> Result<()> {
        let key = self.next_link.fetch_add(1, Ordering::Relaxed);
        let (link, control) =
            PeerLink::new(key, remote, admitted.ip.is_some(), &crypto, remote_stream.transport());
        let link = Arc::new(link);
        // A newcomer starts with the share it would get among those sending now.
        if let Some(cap) = self.upload_cap() {
            let sending = self.peers().iter().filter(|l| l.was_sending()).count() as u64;
            link.bucket().set_rate(Some((cap / (sending + 1)).max(1)), Instant::now());
        }
        self.links_lock().insert(key, link.clone());
        if self.is_blocked(remote.ip()) {
            // The blocklist changed while this connection was being set up.
            self.links_lock().remove(&key);
            return Err(Error::Blocked);
        }
        let cx = relay::Context { link: link.clone(), gateway: self.clone(), admitted, expect };
        let result = relay::relay(engine, remote_stream, crypto, engine_head, control, cx).await;
        self.links_lock().remove(&key);
        // Its slot, if it had one, goes to a peer waiting.
        self.interest_changed.notify_one();
        if link.registered.load(Ordering::Acquire) {
            self.speed.on_closed(&link);
        }
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

/// How often each address beyond this machine opened a connection lately.
struct NewConnections {
    /// The `max_per_ip` the quota was made for: a new limit makes a new quota.
    max_per_ip: usize,
    limiter: governor::DefaultKeyedRateLimiter<IpAddr>,
}

impl NewConnections {
    fn new(max_per_ip: usize) -> Self {
        let per_minute =
            u32::try_from(max_per_ip.saturating_mul(NEW_PER_MINUTE_PER_SLOT)).unwrap_or(u32::MAX);
        let quota = governor::Quota::per_minute(
            std::num::NonZeroU32::new(per_minute).unwrap_or(std::num::NonZeroU32::MIN),
        );
        Self { max_per_ip, limiter: governor::RateLimiter::keyed(quota) }
    }
}

impl Gateway {
    /// Whether `ip` may open one more connection now ([`NEW_PER_MINUTE_PER_SLOT`]). This
    /// machine's own address is exempt: every local client shares it, and whoever connects
    /// from it is already on the machine.
    fn may_connect_again(&self, ip: IpAddr) -> bool {
        if ip == IpAddr::from(std::net::Ipv4Addr::LOCALHOST)
            || ip == IpAddr::from(std::net::Ipv6Addr::LOCALHOST)
        {
            return true;
        }
        let max_per_ip = self.limits().max_per_ip;
        let mut new = self.new_connections.lock().unwrap_or_else(|p| p.into_inner());
        if new.max_per_ip != max_per_ip {
            *new = NewConnections::new(max_per_ip);
        }
        if new.limiter.len() >= RATE_ADDRESSES {
            new.limiter.retain_recent();
        }
        new.limiter.check_key(&ip).is_ok()
    }
}

/// Connections counted against the [`ConnectionLimits`].
#[derive(Debug, Default)]
struct ConnectionCounts {
    total: usize,
    /// Incoming only.
    per_ip: HashMap<IpAddr, usize>,
    per_torrent: HashMap<[u8; 20], usize>,
}

/// One connection counted against the limits, for as long as it lives.
pub(crate) struct Admitted {
    gateway: Arc<Gateway>,
    /// The remote's address, for incoming connections (counted per IP).
    ip: Option<IpAddr>,
    torrent: Mutex<Option<[u8; 20]>>,
}

impl Admitted {
    fn new(gateway: &Arc<Gateway>, ip: Option<IpAddr>) -> Option<Self> {
        let limits = gateway.limits();
        let mut count = gateway.counts();
        let from_ip = ip.map(|ip| count.per_ip.get(&ip).copied().unwrap_or(0)).unwrap_or(0);
        if count.total >= limits.max_connections || (ip.is_some() && from_ip >= limits.max_per_ip) {
            return None;
        }
        count.total += 1;
        if let Some(ip) = ip {
            count.per_ip.insert(ip, from_ip + 1);
        }
        Some(Self { gateway: gateway.clone(), ip, torrent: Mutex::new(None) })
    }

    /// Counts the connection against its torrent once the handshake names it; `false`
    /// when that torrent is full.
    pub(crate) fn join_torrent(&self, info_hash: [u8; 20]) -> bool {
        let mut torrent = self.torrent.lock().unwrap_or_else(|p| p.into_inner());
        if torrent.is_some() {
            return true;
        }
        let max = self.gateway.limits().max_per_torrent;
        let mut count = self.gateway.counts();
        let n = count.per_torrent.entry(info_hash).or_default();
        if *n >= max {
            return false;
        }
        *n += 1;
        *torrent = Some(info_hash);
        true
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let torrent = *self.torrent.lock().unwrap_or_else(|p| p.into_inner());
        let mut count = self.gateway.counts();
        count.total -= 1;
        if let Some(ip) = self.ip {
            decrement(&mut count.per_ip, &ip);
        }
        if let Some(info_hash) = torrent {
            decrement(&mut count.per_torrent, &info_hash);
        }
    }
}

fn decrement<K: std::hash::Hash + Eq>(map: &mut HashMap<K, usize>, key: &K) {
    if let Some(n) = map.get_mut(key) {
        *n -= 1;
        if *n == 0 {
            map.remove(key);
        }
    }
}

impl Gateway {
    fn counts(&self) -> MutexGuard<'_, ConnectionCounts> {
        // Plain counters: a poisoned lock still holds usable values.
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A listener on `addr` for IPv6 only, so it can share its port with the IPv4 one.
fn bind_v6_only(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = socket2::Socket::new(socket2::Domain::IPV6, socket2::Type::STREAM, None)?;
    socket.set_only_v6(true)?;
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    TcpListener::from_std(socket.into())
}

/// The choker's clock: re-ranks every `rechoke_interval` by piece bytes per second over
/// that interval, and at once, by those rates, when the speed layer asks; fills free slots
/// without re-ranking when a peer's interest changes or a connection closes (see
/// [`Choker::fill`]).
async fn rechoke_loop(gateway: std::sync::Weak<Gateway>, config: ChokerConfig) {
    let mut choker = Choker::new(config);
    // Piece byte counters at the last periodic rechoke, and the rates measured over the
    // interval before it. Rechokes in between reuse those rates: measured over the few
    // milliseconds since the last look, they would be noise.
    let mut last: HashMap<LinkId, (u64, u64, Instant)> = HashMap::new();
    let mut rates: HashMap<LinkId, (u64, u64)> = HashMap::new();
    let Some((interest_changed, rechoke_requested)) =
        gateway.upgrade().map(|g| (g.interest_changed.clone(), g.rechoke_requested.clone()))
    else {
        return;
    };
    let mut tick = tokio::time::interval(config.rechoke_interval);
    loop {
        let wake = tokio::select! {
            _ = tick.tick() => Wake::Tick,
            _ = rechoke_requested.notified() => Wake::Rerank,
            _ = interest_changed.notified() => Wake::Fill,
        };
        let Some(gateway) = gateway.upgrade() else { return };
        let now = Instant::now();
        let links = gateway.links_by_id();
        if wake == Wake::Tick {
            for (id, link) in &links {
                let down = link.downloaded_piece_bytes.load(Ordering::Relaxed);
                let up = link.uploaded_piece_bytes.load(Ordering::Relaxed);
                let (prev_down, prev_up, at) = last.insert(*id, (down, up, now)).unwrap_or((down, up, now));
                let secs = now.duration_since(at).as_secs_f64().max(0.001);
                rates.insert(
                    *id,
                    (((down - prev_down) as f64 / secs) as u64, ((up - prev_up) as f64 / secs) as u64),
                );
            }
            last.retain(|id, _| links.iter().any(|(l, _)| l == id));
            rates.retain(|id, _| links.iter().any(|(l, _)| l == id));
        }
        let samples: Vec<PeerSample> = links
            .iter()
            .map(|(id, link)| {
                let (download_rate, upload_rate) = rates.get(id).copied().unwrap_or_default();
                PeerSample {
                    link: *id,
                    // A paid peer out of credit waits, choked, until it pays.
                    interested: link.peer_interested.load(Ordering::Acquire) && !link.out_of_credit(),
                    download_rate,
                    upload_rate,
                    info_hash: link.info_hash(),
                }
            })
            .collect();
        let ranker = gateway.ranker();
        let unchoke = if wake == Wake::Fill {
            let unchoked_now: HashSet<LinkId> = links
                .iter()
                .filter(|(_, l)| !l.am_choking.load(Ordering::Acquire))
                .map(|(id, _)| *id)
                .collect();
            choker.fill(now, &samples, &unchoked_now, ranker.as_ref())
        } else {
            choker.rechoke(now, &samples, ranker.as_ref())
        };
        for (id, link) in &links {
            link.set_choked(!unchoke.contains(id));
        }
    }
}

/// What woke the choker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wake {
    /// The periodic rechoke: rates are measured and everyone is re-ranked.
    Tick,
    /// The speed layer asked: everyone is re-ranked, by the last measured rates.
    Rerank,
    /// Interest changed or a connection closed: free slots are filled, nobody displaced.
    Fill,
}

/// Once a second: each connection's rates for the peers view, and the shaper's
/// share-out of the upload cap among those sending.
async fn sample_loop(gateway: std::sync::Weak<Gateway>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut last: HashMap<LinkId, (u64, u64, Instant)> = HashMap::new();
    loop {
        tick.tick().await;
        let Some(gateway) = gateway.upgrade() else { return };
        let now = Instant::now();
        let links = gateway.links_by_id();
        for (id, link) in &links {
            let down = link.downloaded_piece_bytes.load(Ordering::Relaxed);
            let up = link.uploaded_piece_bytes.load(Ordering::Relaxed);
            if let Some((prev_down, prev_up, at)) = last.insert(*id, (down, up, now)) {
                let secs = now.duration_since(at).as_secs_f64().max(0.001);
                link.download_rate.store(((down - prev_down) as f64 / secs) as u64, Ordering::Relaxed);
                link.upload_rate.store(((up - prev_up) as f64 / secs) as u64, Ordering::Relaxed);
            }
        }
        last.retain(|id, _| links.iter().any(|(l, _)| l == id));
        for (_, link) in &links {
            let sent = link.send_owed_haves(now, gateway.have_grace);
            if let (Some(info_hash), 1..) = (link.info_hash(), sent) {
                gateway.count_missed_haves(info_hash, sent);
            }
        }
        gateway.reshare(true);
    }
}

/// An accept loop's pause after an error, for every listener Bidswarm runs (the peer and
/// SOCKS ports here, the HTTP API in the CLI). Out of file descriptors (`EMFILE`), `accept`
/// fails at once and for as long as none is freed, so retrying straight away spins a core
/// at 100%: each error in a row doubles the pause, from 10 ms up to 1 s, and a success
/// resets it.
#[derive(Debug, Default)]
pub struct AcceptBackoff {
    pause: Duration,
}

impl AcceptBackoff {
    const FIRST: Duration = Duration::from_millis(10);
    const MOST: Duration = Duration::from_secs(1);

    /// The next connection, or `None` after an error and its pause.
    pub async fn accept(&mut self, listener: &TcpListener) -> Option<(TcpStream, SocketAddr)> {
        let what = listener.local_addr().map_or_else(|_| "TCP".to_owned(), |a| a.to_string());
        self.after(listener.accept().await, &what).await
    }

    /// What an accept call gave, or `None` after an error and its pause; `what` names the
    /// listener in the one warning a run of errors logs.
    pub async fn after<T, E: std::fmt::Display>(
        &mut self,
        accepted: std::result::Result<T, E>,
        what: &str,
    ) -> Option<T> {
        match accepted {
            Ok(accepted) => {
                self.pause = Duration::ZERO;
                Some(accepted)
            }
            Err(e) => {
                if self.pause.is_zero() {
                    warn!(listener = what, "cannot accept connections ({e}); pausing the accept loop");
                }
                self.pause = self.next_pause();
                tokio::time::sleep(self.pause).await;
                None
            }
        }
    }

    fn next_pause(&self) -> Duration {
        (self.pause * 2).clamp(Self::FIRST, Self::MOST)
    }
}

/// Reads whatever arrives first, so the caller can tell what the stream is.
async fn first_bytes(stream: &mut (impl AsyncRead + Unpin), timeout: Duration) -> Result<BytesMut> {
    let mut buf = BytesMut::with_capacity(16 * 1024);
    let n = tokio::time::timeout(timeout, stream.read_buf(&mut buf)).await.map_err(|_| Error::Closed)??;
    if n == 0 {
        return Err(Error::Closed);
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_accept_loop_pauses_longer_after_each_error_in_a_row() {
        let mut backoff = AcceptBackoff::default();
        let mut pauses = Vec::new();
        for _ in 0..9 {
            backoff.pause = backoff.next_pause();
            pauses.push(backoff.pause.as_millis());
        }
        assert_eq!(pauses, [10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
    }
}
