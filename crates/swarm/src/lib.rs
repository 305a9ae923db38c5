//! The swarm engine: Bidswarm's wrapper around librqbit.
//!
//! librqbit does the BitTorrent work (peers, pieces, disk, trackers, DHT). This crate is
//! the only place that knows it exists: its public API speaks `bidswarm_api` types, so
//! librqbit can be upgraded, or its quirks worked around, without touching the rest.
//!
//! Three things are done here rather than in librqbit:
//! - **Input checks** ([`source`]): every magnet, `.torrent` and URL is parsed and
//!   validated before the session sees it, so bad input fails with a clear error and
//!   never disturbs running torrents.
//! - **Magnets resolve in the background.** librqbit's add blocks until a peer sends the
//!   metadata; we return at once with a `resolving` torrent and finish the add in a task.
//!   The metadata is then added as `.torrent` bytes, so a restart never has to ask the
//!   swarm for it again.
//! - **Resume data is written by us** (see [`Swarm::save_resume_data`]): librqbit saves
//!   which pieces are verified only every 16 MiB, so a restart fetched up to 16 MiB per
//!   torrent again, or everything when stopped earlier.
//! - **Per-torrent limits** are remembered in `torrent-limits.json` beside librqbit's own
//!   state, because librqbit fixes a torrent's limits when it is added.
//! - **What librqbit forgets** ([`records`]): when a torrent was added, its bytes up and
//!   down over its whole life, and file priorities other than selected/skipped, in
//!   `torrent-records.json`.

mod announce;
mod error;
#[doc(hidden)]
pub mod fuzz;
mod labels;
mod order;
mod records;
mod relocate;
mod session_file;
pub mod source;
mod spawn;
mod torrent;
mod trackers;

pub use error::{Error, Result};
pub use spawn::spawn;
pub use torrent::{create_torrent, CreateOptions, CreateProgress};
pub use trackers::PeersFn;

use std::{
    collections::{HashMap, HashSet},
    net::SocketAddr,
    num::NonZeroU32,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::Duration,
};

use bidswarm_api::{
    AddOptions, FilePriority, QueueMove, RateLimits, SeedingLimits, SessionStats, TorrentFile, TorrentId,
    TorrentInfo, TorrentPreview, TorrentSource, TorrentState,
};
use bidswarm_primitives::{write_atomically, Access};
use librqbit::{
    api::TorrentIdOrHash, dht::Id20, limits::LimitsConfig, AddTorrent, AddTorrentOptions, AddTorrentResponse,
    ConnectionOptions, ListenerMode, ListenerOptions, ManagedTorrent, PeerConnectionOptions, Session,
    SessionOptions, SessionPersistenceConfig, TorrentStatsState,
};
use records::TorrentRecord;
pub use relocate::Move;
use source::Resolved;
use tracing::{debug, info, info_span, warn};

/// How long a preview of a magnet waits for some peer to send the metadata.
const MAGNET_PREVIEW_TIMEOUT: Duration = Duration::from_secs(60);

/// How often verified pieces are written down: a crash re-downloads at most this long's
/// worth of pieces.
const RESUME_DATA_INTERVAL: Duration = Duration::from_secs(5);
/// Dead peer records a torrent may keep before [`Swarm::forget_dead_peers`] restarts it:
/// at about 15 KB each, some 60 MB. A busy public torrent meets this many peers in days,
/// an attacker reconnecting in a minute.
const MAX_PEER_RECORDS: usize = 4096;
/// Overrides [`MAX_PEER_RECORDS`] (tests lower it to see a restart).
const MAX_PEER_RECORDS_ENV: &str = "BIDSWARM_MAX_PEER_RECORDS";

fn max_peer_records() -> usize {
    std::env::var(MAX_PEER_RECORDS_ENV).ok().and_then(|v| v.parse().ok()).unwrap_or(MAX_PEER_RECORDS)
}

/// How long a peer may stay silent before we drop it. librqbit's 10 s is shorter than
/// Transmission's first reply to a new connection (about 12 s), so seeding to a fresh
/// Transmission failed; 60 s is still below the 2-minute keep-alive of BEP 3.
const PEER_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// How the engine is set up. Fields that librqbit fixes at start-up (listen address,
/// DHT, LSD, UPnP, state folder) only change by building a new `Swarm`.
/// A torrent's verified pieces: one bit per piece, most significant bit first (the BEP 3
/// bitfield layout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HavePieces {
    pub bitfield: Vec<u8>,
    /// Pieces in the torrent; the bitfield's last byte may have spare bits.
    pub count: u32,
}

impl HavePieces {
    pub fn has(&self, piece: u32) -> bool {
        let byte = self.bitfield.get(piece as usize / 8).copied().unwrap_or(0);
        piece < self.count && byte & (0x80 >> (piece % 8)) != 0
    }
}

#[derive(Debug, Clone)]
pub struct SwarmConfig {
    /// Where torrents go unless an add names another folder.
    pub download_folder: PathBuf,
    /// Where the session (torrents, fast-resume bitfields, DHT table) is kept. `None`
    /// keeps nothing, for one-shot command-line use.
    pub state_folder: Option<PathBuf>,
    /// Where librqbit listens for peers. `None` accepts no incoming peers.
    pub listen_addr: Option<SocketAddr>,
    /// The port announced to trackers and peers, when it is not librqbit's own (the
    /// gateway's public port).
    pub announce_port: Option<u16>,
    /// `socks5://user:pass@…` that every outgoing connection goes through (the gateway).
    /// Its password keeps other local programs out of the gateway, so `Debug` hides it.
    pub proxy_url: Option<bidswarm_api::Secret>,
    pub dht: bool,
    pub local_service_discovery: bool,
    pub upnp: bool,
    pub limits: RateLimits,
}

/// A magnet whose metadata is still being fetched.
#[derive(Debug)]
struct Resolving {
    name: Option<String>,
    output_folder: PathBuf,
    limits: RateLimits,
    error: Option<String>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Debug, Default)]
struct Shared {
    resolving: HashMap<TorrentId, Resolving>,
    limits: HashMap<TorrentId, RateLimits>,
    /// Ordered, so the file on disk is stable.
    records: std::collections::BTreeMap<TorrentId, TorrentRecord>,
    /// Read once from each torrent's `.torrent` bytes.
    about: HashMap<TorrentId, About>,
    /// `torrent-records.json` as last written, so an idle session does not rewrite it.
    records_written: Vec<u8>,
    labels: labels::LabelBook,
    /// Torrents out of librqbit's session for a while (a move, [`Swarm::begin_move`], or a
    /// recheck), shown meanwhile as this snapshot (state `moving` or `checking`).
    set_aside: HashMap<TorrentId, TorrentInfo>,
}

/// The `.torrent`'s own description of itself. A magnet's metadata is the info
/// dictionary alone (BEP 9), so a torrent added by magnet has none of these.
#[derive(Debug, Clone, Default)]
struct About {
    created_by: Option<String>,
    comment: Option<String>,
    creation_date: Option<u64>,
    trackers: Vec<trackers::TrackerEntry>,
}

impl About {
    fn read(torrent: &[u8]) -> Self {
        let Ok(meta) = librqbit::torrent_from_bytes(torrent) else { return Self::default() };
        let text = |b: Option<librqbit_bencode::ByteBuf<'_>>| {
            b.map(|b| String::from_utf8_lossy(b.as_ref()).trim().to_owned()).filter(|s| !s.is_empty())
        };
        Self {
            created_by: text(meta.created_by),
            comment: text(meta.comment),
            creation_date: meta.creation_date.map(|d| d as u64),
            trackers: trackers::of_torrent(torrent),
        }
    }
}

/// A running BitTorrent session.
pub struct Swarm {
    session: Arc<Session>,
    config: SwarmConfig,
    shared: Arc<Mutex<Shared>>,
    /// Every [`RESUME_DATA_INTERVAL`]: writes resume data, when there is a state folder,
    /// and forgets dead peers ([`Swarm::forget_dead_peers`]).
    upkeep: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Held while librqbit adds a torrent. librqbit 9.1's JSON store picks the next id as
    /// "largest stored id + 1", so two adds at once get the same id and the second is
    /// answered "already managed" with the first torrent.
    adding: tokio::sync::Mutex<()>,
    /// How a torrent's peers were reached, from the gateway ([`Swarm::set_reached`]).
    reached: std::sync::RwLock<Option<ReachedFn>>,
    /// Held while `labels.json` is written, so the last write holds the last change.
    labels_writes: tokio::sync::Mutex<()>,
    /// Held while resume bitfields are written, and by a recheck while it deletes one. It
    /// holds what was last written for each torrent ([`ResumeWritten`]).
    resume_writes: tokio::sync::Mutex<ResumeWritten>,
    /// Tasks that order pieces ([`order`]).
    cursors: Mutex<order::Cursors>,
    /// Announces to trackers ([`trackers`]).
    announcer: trackers::Announcer,
    /// Runs [`Swarm::announce_round`].
    announcing: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// The resume bitfield last written for each torrent, keyed by info hash and tagged with
/// librqbit's id for the torrent at the time. An idle session with a thousand torrents
/// would otherwise write, sync and rename a thousand unchanged files every few seconds
/// (most of its idle CPU, `docs/BENCHMARKS.md`). librqbit deletes the file when a torrent
/// leaves the session (a remove, a move, a recheck); when it comes back it usually has a
/// new id, so an entry of an older id is not taken as written. It can get its old id back
/// (librqbit's store picks the largest id + 1), and then librqbit's own check has written
/// the file again after the add, with what the check found.
type ResumeWritten = HashMap<TorrentId, (usize, Vec<u8>)>;

/// Answers how the peers of a torrent (by v1 info hash) were reached.
pub type ReachedFn = Arc<dyn Fn(&[u8; 20]) -> bidswarm_api::PeerReach + Send + Sync>;

impl std::fmt::Debug for Swarm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Swarm").field("config", &self.config).finish_non_exhaustive()
    }
}

impl Swarm {
    pub async fn start(config: SwarmConfig) -> Result<Arc<Self>> {
        // Each peer takes two descriptors through the gateway; Debian's default soft limit
        // of 1,024 would run out in a busy session.
        match librqbit::try_increase_nofile_limit() {
            Ok(limit) => tracing::debug!(limit, "open file limit"),
            Err(e) => tracing::warn!("cannot raise the open file limit: {e}"),
        }
        tokio::fs::create_dir_all(&config.download_folder)
            .await
            .map_err(Error::io(format!("cannot create {}", config.download_folder.display())))?;
        if let Some(state) = &config.state_folder {
            tokio::fs::create_dir_all(state)
                .await
                .map_err(Error::io(format!("cannot create {}", state.display())))?;
            session_file::restore_if_damaged(&state.join("session")).await;
        }
        let listen_addr = config.listen_addr.map(with_concrete_port).transpose()?;
        let dht = config.dht.then(|| librqbit::DhtSessionConfig {
            persistence: config.state_folder.as_ref().map(|f| librqbit::dht::DhtPersistenceConfig {
                config_filename: Some(f.join("dht.json")),
                ..Default::default()
            }),
            ..Default::default()
        });
        let options = SessionOptions {
            dht,
            fastresume: config.state_folder.is_some(),
            persistence: config
                .state_folder
                .as_ref()
                .map(|f| SessionPersistenceConfig::Json { folder: Some(f.join("session")) }),
            listen: listen_addr.map(|addr| ListenerOptions {
                mode: ListenerMode::TcpOnly,
                listen_addr: addr,
                // librqbit announces no port at all when it listens on loopback; we want
                // trackers to learn it, so local swarms and tests work.
                announce_port: Some(config.announce_port.unwrap_or(addr.port())),
                enable_upnp_port_forwarding: config.upnp,
                ipv4_only: addr.is_ipv4(),
                ..Default::default()
            }),
            connect: Some(ConnectionOptions {
                proxy_url: config.proxy_url.as_ref().map(|u| u.expose().to_owned()),
                peer_opts: Some(PeerConnectionOptions {
                    read_write_timeout: Some(PEER_READ_TIMEOUT),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ratelimits: limits_config(config.limits),
            disable_local_service_discovery: !config.local_service_discovery,
            client_name_and_version: Some(format!("Bidswarm {}", env!("CARGO_PKG_VERSION"))),
            // Bidswarm announces itself ([`trackers`]).
            disable_trackers: true,
            ..Default::default()
        };
        let session = Session::new_with_opts(config.download_folder.clone(), options)
            .await
            .map_err(Error::engine("could not start the BitTorrent session"))?;
        let swarm = Arc::new(Self {
            session,
            shared: Default::default(),
            upkeep: Mutex::new(None),
            adding: tokio::sync::Mutex::new(()),
            reached: std::sync::RwLock::new(None),
            labels_writes: tokio::sync::Mutex::new(()),
            resume_writes: Default::default(),
            cursors: Default::default(),
            // Trackers need some port even when nobody can connect to it; librqbit's own
            // announcing said 4240 then.
            announcer: trackers::Announcer::new(
                config.announce_port.or(listen_addr.map(|a| a.port())).unwrap_or(4240),
            ),
            config,
            announcing: Mutex::new(None),
        });
        swarm.restore_records().await;
        swarm.restore_labels().await;
        // Before the limits: a torrent a stop left mid-move is back in the session for them.
        swarm.finish_interrupted_moves().await;
        swarm.restore_torrent_limits().await;
        swarm.keep_good_session().await;
        // A weak reference, so the task never keeps a dropped swarm alive.
        let weak = Arc::downgrade(&swarm);
        let task = spawn(info_span!("upkeep"), "upkeep", async move {
            let mut tick = tokio::time::interval(RESUME_DATA_INTERVAL);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(swarm) = weak.upgrade() else { return Ok::<_, Error>(()) };
                if swarm.config.state_folder.is_some() {
                    swarm.save_resume_data().await;
                    swarm.keep_good_session().await;
                }
                swarm.forget_dead_peers().await;
                swarm.reconcile_order();
            }
        });
        *swarm.upkeep.lock().unwrap_or_else(|p| p.into_inner()) = Some(task);
        let weak = Arc::downgrade(&swarm);
        let task = spawn(info_span!("trackers"), "trackers", async move {
            let mut tick = tokio::time::interval(trackers::ROUND);
            let mut running = HashSet::new();
            loop {
                tick.tick().await;
                let Some(swarm) = weak.upgrade() else { return Ok::<_, Error>(()) };
                swarm.announce_round(&mut running);
            }
        });
        *swarm.announcing.lock().unwrap_or_else(|p| p.into_inner()) = Some(task);
        Ok(swarm)
    }

    /// librqbit keeps a record of every peer a torrent ever had, dead or not (an incoming
    /// peer is never dropped from its table, librqbit 9.1 `on_peer_died`), and through the
    /// gateway every connection comes from a fresh loopback port: a peer reconnecting
    /// over and over grew a seeder by about 15 KB a connection, for good. No API drops
    /// them, but pausing a torrent ends its live state, table and all; so a torrent with
    /// more than [`max_peer_records`] dead records is paused and resumed at once (its
    /// connections drop and peers reconnect; nothing is checked again).
    async fn forget_dead_peers(&self) {
        let limit = max_peer_records();
        let crowded: Vec<_> = self.session.with_torrents(|all| {
            all.filter(|(_, h)| {
                h.live().is_some_and(|live| {
                    let peers = live.stats_snapshot().peer_stats;
                    peers.dead.saturating_add(peers.not_needed) as usize > limit
                })
            })
            .map(|(_, h)| h.clone())
            .collect()
        });
        for handle in &crowded {
            warn!(info_hash = %handle.info_hash().as_string(), limit, "forgetting dead peers: the torrent restarts, its peers reconnect");
            if let Err(e) = self.session.pause(handle).await {
                warn!("could not pause to forget dead peers: {e:#}");
                continue;
            }
            if let Err(e) = self.session.unpause(handle).await {
                warn!("could not resume after forgetting dead peers: {e:#}");
            }
        }
    }

    /// The address peers reach this session at, when it listens.
    pub fn listen_addr(&self) -> Option<SocketAddr> {
        self.session.listen_addr()
    }

    pub fn config(&self) -> &SwarmConfig {
        &self.config
    }

    /// Reads a torrent's name and files without adding it.
    pub async fn preview(&self, source: &TorrentSource) -> Result<TorrentPreview> {
        let resolved = source::resolve(source).await?;
        let fetch = async {
            match &resolved {
                Resolved::Magnet { uri, peers, .. } => {
                    self.preview_magnet(resolved.id(), uri, peers.clone()).await
                }
                Resolved::Torrent { bytes, .. } => {
                    let options = AddTorrentOptions { list_only: true, ..Default::default() };
                    self.session
                        .add_torrent(AddTorrent::from_bytes(bytes.clone()), Some(options))
                        .await
                        .map_err(Error::engine("could not read the torrent's metadata"))
                }
            }
        };
        let response =
            tokio::time::timeout(MAGNET_PREVIEW_TIMEOUT, fetch).await.map_err(|_| Error::Unreachable {
                url: resolved.id().to_string(),
                reason: format!("no peer sent the metadata within {} s", MAGNET_PREVIEW_TIMEOUT.as_secs()),
            })??;
        let AddTorrentResponse::ListOnly(list) = response else {
            return Err(Error::Engine {
                context: "preview",
                source: anyhow::anyhow!("librqbit added a torrent it was asked only to list"),
            });
        };
        let files: Vec<TorrentFile> = list
            .info
            .iter_file_details()
            .enumerate()
            .map(|(index, d)| TorrentFile {
                index: index as u32,
                path: d.filename.to_string(),
                length: d.len,
                included: true,
                progress_bytes: 0,
                priority: FilePriority::Normal,
            })
            .collect();
        Ok(TorrentPreview {
            id: resolved.id().clone(),
            name: list.info.name().map(|n| n.into_owned()),
            total_bytes: files.iter().map(|f| f.length).sum(),
            files,
        })
    }

    /// Adds a torrent. A magnet returns at once in state `resolving`.
    pub async fn add(self: &Arc<Self>, source: &TorrentSource, options: &AddOptions) -> Result<TorrentInfo> {
        let resolved = source::resolve(source).await?;
        let id = resolved.id().clone();
        self.ensure_new(&id, resolved.name())?;
        self.ensure_room().await?;
        let mut peers = parse_peers(&options.peers)?;
        let mut record = TorrentRecord::added_now();
        if let Resolved::Magnet { uri, .. } = &resolved {
            record.trackers = Some(trackers::of_magnet(uri));
        }
        let tags_created = self.label_new_record(&mut record, options.category.as_ref(), &options.tags)?;
        {
            let mut shared = self.lock();
            // Last in the queue.
            record.queue_key = shared.records.values().map(|r| r.queue_key).max().map_or(0, |k| k + 1);
            shared.records.insert(id.clone(), record);
        }
        if tags_created {
            self.save_labels().await;
        }
        self.save_records().await;
        let download_folder = options
            .output_folder
            .as_ref()
            .map(PathBuf::from)
            .unwrap_or_else(|| self.config.download_folder.clone());
        match resolved {
            Resolved::Torrent { bytes, .. } => {
                match self.add_bytes(bytes, &download_folder, options, peers).await {
                    Ok(handle) => {
                        self.keep_good_session().await;
                        Ok(self.info_of(&handle))
                    }
                    Err(e) => {
                        self.forget_records(&id).await;
                        Err(e)
                    }
                }
            }
            Resolved::Magnet { uri, name, peers: magnet_peers, .. } => {
                peers.extend(magnet_peers);
                let span = info_span!("resolve_magnet", info_hash = %id);
                let this = self.clone();
                let task_id = id.clone();
                let task_options = options.clone();
                let folder = download_folder.clone();
                // Holding the lock while spawning keeps the task from finishing before its
                // own entry exists.
                let mut shared = self.lock();
                let task = spawn(span, "resolve_magnet", async move {
                    let outcome = this.finish_magnet(&task_id, &uri, &folder, &task_options, peers).await;
                    let mut shared = this.lock();
                    match outcome {
                        Ok(()) => {
                            shared.resolving.remove(&task_id);
                        }
                        Err(e) => {
                            if let Some(r) = shared.resolving.get_mut(&task_id) {
                                r.error = Some(e.to_string());
                            }
                        }
                    }
                    Ok::<_, Error>(())
                });
                shared.resolving.insert(
                    id.clone(),
                    Resolving {
                        name,
                        output_folder: download_folder,
                        limits: options.limits,
                        error: None,
                        task,
                    },
                );
                drop(shared);
                self.get(&id)
            }
        }
    }

    async fn finish_magnet(
        &self,
        id: &TorrentId,
        uri: &str,
        download_folder: &Path,
        options: &AddOptions,
        peers: Vec<SocketAddr>,
    ) -> Result<()> {
        let waits_for_trackers = !self.config.dht && !self.tracker_list(id).is_empty();
        let response = self.fetch_metadata(id, uri, &peers, waits_for_trackers).await?;
        let AddTorrentResponse::ListOnly(list) = response else {
            return Err(Error::Engine {
                context: "magnet",
                source: anyhow::anyhow!("librqbit added a torrent it was asked only to list"),
            });
        };
        let mut peers = peers;
        peers.extend(list.seen_peers);
        self.add_bytes(list.torrent_bytes, download_folder, options, peers).await?;
        Ok(())
    }

    /// A magnet's metadata, from `peers` and the peers its trackers find
    /// ([`Swarm::found_peers`]). librqbit takes peers only when a fetch starts; when our
    /// trackers find new ones, the fetch starts again with them (at most every
    /// `REFETCH_GAP`). Without DHT the trackers are the only way to more peers: librqbit
    /// refuses a fetch with no peers, and gives up when every peer it had failed, so then
    /// we wait for more (unless there are no trackers either: then its refusal says why).
    async fn fetch_metadata(
        &self,
        id: &TorrentId,
        uri: &str,
        peers: &[SocketAddr],
        waits_for_trackers: bool,
    ) -> Result<AddTorrentResponse> {
        const REFETCH_GAP: Duration = Duration::from_secs(5);
        let response = loop {
            let (found, more) = self.found_peers(id);
            let mut all = peers.to_vec();
            all.extend(found.iter().filter(|p| !peers.contains(p)));
            if all.is_empty() && waits_for_trackers {
                more.await;
                continue;
            }
            let list_only =
                AddTorrentOptions { list_only: true, initial_peers: Some(all), ..Default::default() };
            let fetch = self.session.add_torrent(AddTorrent::from_url(uri.to_owned()), Some(list_only));
            let earliest_refetch = tokio::time::Instant::now() + REFETCH_GAP;
            let mut more = more;
            tokio::select! {
                response = fetch => match response {
                    Ok(response) => break response,
                    Err(e) if waits_for_trackers => {
                        debug!("no peer sent the metadata ({e:#}); waiting for the trackers to find more");
                        more.as_mut().await;
                        tokio::time::sleep_until(earliest_refetch).await;
                    }
                    Err(e) => return Err(Error::engine("could not fetch the metadata")(e)),
                },
                () = async {
                    more.as_mut().await;
                    tokio::time::sleep_until(earliest_refetch).await;
                } => debug!("trackers found more peers; fetching the metadata again with them"),
            }
        };
        Ok(response)
    }

    async fn add_bytes(
        &self,
        bytes: bytes::Bytes,
        download_folder: &Path,
        options: &AddOptions,
        peers: Vec<SocketAddr>,
    ) -> Result<Arc<ManagedTorrent>> {
        let content_folder = torrent::content_folder(&bytes, download_folder)?;
        self.refuse_own_folder(&bytes, &content_folder)?;
        torrent::refuse_foreign_files(&bytes, &content_folder)?;
        let add = AddTorrentOptions {
            paused: options.paused,
            only_files: options.files.as_ref().map(|f| f.iter().map(|&i| i as usize).collect()),
            // Resuming or seeding existing data needs this; librqbit still verifies every
            // piece before trusting it.
            overwrite: true,
            output_folder: Some(content_folder.to_string_lossy().into_owned()),
            initial_peers: Some(peers),
            ratelimits: limits_config(options.limits),
            ..Default::default()
        };
        let response = {
            let _one_at_a_time = self.adding.lock().await;
            self.session
                .add_torrent(AddTorrent::from_bytes(bytes), Some(add))
                .await
                .map_err(classify_add_error)?
        };
        let handle = match response {
            AddTorrentResponse::Added(_, handle) => handle,
            AddTorrentResponse::AlreadyManaged(_, handle) => {
                return Err(Error::AlreadyExists { name: display_name(&handle) });
            }
            AddTorrentResponse::ListOnly(_) => {
                return Err(Error::Engine {
                    context: "add",
                    source: anyhow::anyhow!("librqbit only listed a torrent it was asked to add"),
                });
            }
        };
        let id = TorrentId::from(handle.info_hash().0);
        info!(info_hash = %id, name = ?handle.name(), "added torrent");
        if options.limits != RateLimits::default() {
            self.lock().limits.insert(id, options.limits);
            self.save_torrent_limits().await;
        }
        Ok(handle)
    }

    fn ensure_new(&self, id: &TorrentId, name: Option<&str>) -> Result<()> {
        let existing = {
            let shared = self.lock();
            let aside = shared.set_aside.get(id).map(|t| t.name.clone());
            shared.resolving.get(id).map(|r| r.name.clone()).or(aside)
        };
        if let Some(existing) = existing {
            return Err(Error::AlreadyExists {
                name: existing.or(name.map(str::to_owned)).unwrap_or_else(|| id.to_string()),
            });
        }
        if let Ok(handle) = self.handle(id) {
            return Err(Error::AlreadyExists { name: display_name(&handle) });
        }
        Ok(())
    }

    /// The info hashes of the torrents the engine serves (not magnets still resolving).
    pub fn info_hashes(&self) -> Vec<[u8; 20]> {
        self.session.with_torrents(|all| all.map(|(_, h)| h.info_hash().0).collect())
    }

    pub fn list(&self) -> Vec<TorrentInfo> {
        let mut torrents: Vec<TorrentInfo> =
            self.session.with_torrents(|all| all.map(|(_, h)| self.info_of(h)).collect());
        let shared = self.lock();
        // A magnet that has just been added is briefly in both; the session's view wins.
        let resolving: Vec<TorrentInfo> = shared
            .resolving
            .iter()
            .filter(|(id, _)| !torrents.iter().any(|t| &t.id == *id))
            .map(|(id, r)| self.resolving_info(id, r, shared.records.get(id)))
            .collect();
        torrents.extend(resolving);
        let aside: Vec<TorrentInfo> = shared
            .set_aside
            .iter()
            .filter(|(id, _)| !torrents.iter().any(|t| &t.id == *id))
            .map(|(_, t)| t.clone())
            .collect();
        torrents.extend(aside);
        let positions: HashMap<&TorrentId, u32> =
            records::queue_order(&shared.records).into_iter().zip(1..).collect();
        for t in &mut torrents {
            t.queue_position = positions.get(&t.id).copied().unwrap_or(u32::MAX);
        }
        drop(shared);
        torrents.sort_by(|a, b| a.id.cmp(&b.id));
        torrents
    }

    /// Shows a torrent under `name`, or (`None`) under its own name again; saved at once.
    pub async fn rename_torrent(
        &self,
        id: &TorrentId,
        name: Option<bidswarm_api::TorrentName>,
    ) -> Result<()> {
        self.get(id)?;
        // Not `entry`: a torrent removed meanwhile must not come back as a record.
        if let Some(r) = self.lock().records.get_mut(id) {
            r.display_name = name;
        }
        self.save_records().await;
        Ok(())
    }

    /// Moves torrents in the queue ([`records::move_in_order`]), saved at once.
    pub async fn move_in_queue(&self, ids: &[TorrentId], to: QueueMove) -> Result<()> {
        for id in ids {
            self.get(id)?;
        }
        {
            let mut shared = self.lock();
            let order: Vec<TorrentId> = records::queue_order(&shared.records).into_iter().cloned().collect();
            for (key, id) in (0..).zip(records::move_in_order(&order, ids, to)) {
                if let Some(r) = shared.records.get_mut(&id) {
                    r.queue_key = key;
                }
            }
        }
        self.save_records().await;
        Ok(())
    }

    /// Runs a torrent whatever the queue says, or puts it back under the queue.
    pub async fn set_force_start(&self, id: &TorrentId, enabled: bool) -> Result<()> {
        self.get(id)?;
        if enabled {
            self.resume(id).await?;
        }
        // Not `entry`: a torrent removed meanwhile must not come back as a record.
        if let Some(r) = self.lock().records.get_mut(id) {
            r.force_start = enabled;
        }
        self.save_records().await;
        Ok(())
    }

    /// Sets a torrent's share of the upload cap, kept in its record.
    pub async fn set_bandwidth_priority(
        &self,
        id: &TorrentId,
        priority: bidswarm_api::BandwidthPriority,
    ) -> Result<()> {
        self.get(id)?;
        if let Some(r) = self.lock().records.get_mut(id) {
            r.bandwidth_priority = priority;
        }
        self.save_records().await;
        Ok(())
    }

    /// Fetches the torrents' pieces in order, or in librqbit's order again; saved at once.
    pub async fn set_sequential(&self, ids: &[TorrentId], enabled: bool) -> Result<()> {
        self.set_order(ids, |r| r.sequential = enabled).await
    }

    /// Fetches each walked file's first and last pieces before the rest; saved at once.
    pub async fn set_first_last_pieces_first(&self, ids: &[TorrentId], enabled: bool) -> Result<()> {
        self.set_order(ids, |r| r.first_last_pieces_first = enabled).await
    }

    /// One save and one reconcile for the lot: a request may name thousands.
    async fn set_order(&self, ids: &[TorrentId], change: impl Fn(&mut TorrentRecord)) -> Result<()> {
        // A torrent has a record from its add on, so looking records up (rather than
        // building each one's `TorrentInfo`) keeps thousands of ids cheap. One without
        // (restored from before records were kept) is checked, and given one, by `get`.
        let without: Vec<TorrentId> =
            ids.iter().filter(|id| !self.lock().records.contains_key(*id)).cloned().collect();
        for id in &without {
            self.get(id)?;
        }
        {
            let mut shared = self.lock();
            for id in ids {
                // Not `entry`: a torrent removed meanwhile must not come back as a record.
                if let Some(r) = shared.records.get_mut(id) {
                    change(r);
                }
            }
        }
        self.save_records().await;
        self.reconcile_order();
        Ok(())
    }

    /// Starts and stops cursors ([`order`]) so that the torrents whose order the user
    /// changed (sequential, or files of high priority) have one, first in queue order: only
    /// those downloading, and under the torrent's librqbit id now.
    pub fn reconcile_order(&self) {
        // Held throughout, so that two reconciles never put an older plan in force last.
        let mut cursors = self.cursors.lock().unwrap_or_else(|p| p.into_inner());
        let asked: Vec<(TorrentId, TorrentRecord)> = {
            let shared = self.lock();
            records::queue_order(&shared.records)
                .into_iter()
                .filter_map(|id| {
                    let r = &shared.records[id];
                    (r.sequential || r.priorities.values().any(|p| *p == FilePriority::High))
                        .then(|| (id.clone(), r.clone()))
                })
                .collect()
        };
        cursors.settle(&asked.iter().map(|(id, _)| id).collect());
        let mut wanted = Vec::new();
        for (id, record) in asked {
            // Only the first few get a cursor: the rest need not even be looked at. This
            // runs on every resume and upkeep round, so the checks are cheap ones.
            if wanted.len() == order::MAX_CURSORS {
                break;
            }
            let Ok(handle) = self.handle(&id) else { continue };
            // Live, and with something still to fetch (not paused, checking or complete).
            let Some(live) = handle.live() else { continue };
            if live.get_hns().is_none_or(|h| h.needed_bytes == 0) {
                continue;
            }
            let Some(count) = handle.metadata.load().as_ref().map(|m| m.file_infos.len()) else { continue };
            let only = handle.only_files();
            let included: Vec<bool> =
                (0..count).map(|i| only.as_ref().is_none_or(|o| o.contains(&i))).collect();
            let files = order::plan(&included, |i| record.priority_of(i as u32), record.sequential);
            if files.is_empty() {
                continue;
            }
            let first_last = record.first_last_pieces_first;
            let plan = order::Wanted { session_id: handle.id(), files, first_last };
            if !cursors.is_done(&id, &plan) {
                wanted.push((id, plan, handle));
            }
        }
        cursors.reconcile(wanted);
    }

    /// Every torrent's weight in the upload cap ([`bidswarm_api::BandwidthPriority::torrent_weight`])
    /// that is not [`bidswarm_api::NORMAL_TORRENT_WEIGHT`], by info hash.
    pub fn bandwidth_weights(&self) -> HashMap<[u8; 20], u32> {
        let shared = self.lock();
        shared
            .records
            .iter()
            .map(|(id, r)| {
                let category = shared.labels.priority_of(r.category.as_ref());
                (
                    id.info_hash(),
                    bidswarm_api::BandwidthPriority::torrent_weight(r.bandwidth_priority, category),
                )
            })
            .filter(|(_, weight)| *weight != bidswarm_api::NORMAL_TORRENT_WEIGHT)
            .collect()
    }

    /// The queue's pause: the torrent shows `queued`, and [`Swarm::queue_resume`] starts
    /// it again. Leaves alone a torrent the user has paused meanwhile.
    pub async fn queue_pause(&self, id: &TorrentId) -> Result<()> {
        let Some(handle) = self.handle_unless_resolving(id)? else { return Ok(()) };
        if handle.is_paused() {
            return Ok(());
        }
        self.set_queue_flags(id, true, None);
        if let Err(e) = self.session.pause(&handle).await {
            self.set_queue_flags(id, false, None);
            return Err(Error::engine("could not queue")(e));
        }
        // Saved by the caller once for all its steps ([`Swarm::flush_records`]).
        Ok(())
    }

    /// Writes the records now if they changed: after a round of queue steps.
    pub async fn flush_records(&self) {
        self.save_records().await;
    }

    /// Marks a torrent added paused as waiting in the queue rather than paused by the user.
    pub async fn mark_queued(&self, id: &TorrentId) {
        if self.set_queue_flags(id, true, None) {
            self.save_records().await;
        }
    }

    /// Starts a torrent the queue paused; one the user paused meanwhile stays paused.
    /// Saved by the caller, as [`Swarm::queue_pause`].
    pub async fn queue_resume(&self, id: &TorrentId) -> Result<()> {
        if !self.lock().records.get(id).is_some_and(|r| r.queued) {
            return Ok(());
        }
        self.unpause(id).await?;
        self.set_queue_flags(id, false, None);
        Ok(())
    }

    /// Remembers peers the user added to a torrent, across restarts (see
    /// [`Swarm::remembered_peers`]).
    pub async fn remember_peers(&self, id: &TorrentId, peers: &[std::net::SocketAddr]) -> Result<()> {
        self.get(id)?;
        self.lock().records.entry(id.clone()).or_default().remember_peers(peers);
        self.save_records().await;
        Ok(())
    }

    /// Gives a torrent its own seeding limits (`None`: it follows the settings'), kept in
    /// its record across restarts. A magnet still resolving keeps them for when it is added.
    pub async fn set_seeding_limits(&self, id: &TorrentId, limits: Option<SeedingLimits>) -> Result<()> {
        self.get(id)?;
        if let Some(r) = self.lock().records.get_mut(id) {
            r.seeding_limits = limits;
        }
        self.save_records().await;
        Ok(())
    }

    /// Each torrent's remembered peers, for torrents that have any.
    pub fn remembered_peers(&self) -> Vec<(TorrentId, Vec<std::net::SocketAddr>)> {
        let shared = self.lock();
        shared
            .records
            .iter()
            .filter(|(_, r)| !r.peers.is_empty())
            .map(|(id, r)| (id.clone(), r.peers.clone()))
            .collect()
    }

    pub fn get(&self, id: &TorrentId) -> Result<TorrentInfo> {
        let mut torrent = match self.handle(id) {
            Ok(handle) => self.info_of(&handle),
            Err(e) => {
                let shared = self.lock();
                let resolving =
                    shared.resolving.get(id).map(|r| self.resolving_info(id, r, shared.records.get(id)));
                resolving.or_else(|| shared.set_aside.get(id).cloned()).ok_or(e)?
            }
        };
        let shared = self.lock();
        torrent.queue_position = records::queue_order(&shared.records)
            .into_iter()
            .position(|k| k == id)
            .map_or(u32::MAX, |p| p as u32 + 1);
        Ok(torrent)
    }

    /// The user's pause: the torrent leaves the queue (and its force start ends) until
    /// resumed. Pausing or resuming a magnet that is still resolving does nothing: there is
    /// no transfer yet.
    pub async fn pause(&self, id: &TorrentId) -> Result<()> {
        let Some(handle) = self.handle_unless_resolving(id)? else { return Ok(()) };
        let changed = self.set_queue_flags(id, false, Some(false));
        let paused = match handle.is_paused() {
            true => Ok(()),
            false => self.session.pause(&handle).await.map_err(Error::engine("could not pause")),
        };
        if changed {
            self.save_records().await;
        }
        paused
    }

    /// Sets a torrent's `queued` (and `force_start`, when given) flags; whether they changed.
    fn set_queue_flags(&self, id: &TorrentId, queued: bool, force_start: Option<bool>) -> bool {
        let mut shared = self.lock();
        let Some(r) = shared.records.get_mut(id) else { return false };
        let before = (r.queued, r.force_start);
        r.queued = queued;
        r.force_start = force_start.unwrap_or(r.force_start);
        before != (r.queued, r.force_start)
    }

    /// The user's resume (and the queue's): the torrent runs; the queue may make it wait
    /// again at its next round if it has no room.
    pub async fn resume(&self, id: &TorrentId) -> Result<()> {
        self.unpause(id).await?;
        if self.set_queue_flags(id, false, None) {
            self.save_records().await;
        }
        Ok(())
    }

    /// librqbit's unpause, for a torrent that is paused or failed.
    async fn unpause(&self, id: &TorrentId) -> Result<()> {
        let Some(handle) = self.handle_unless_resolving(id)? else { return Ok(()) };
        let stopped = matches!(handle.stats().state, TorrentStatsState::Paused | TorrentStatsState::Error);
        if !stopped {
            return Ok(());
        }
        self.session.unpause(&handle).await.map_err(Error::engine("could not resume"))?;
        // At once, not at the next upkeep: a sequential torrent's first seconds count.
        self.reconcile_order();
        Ok(())
    }

    /// Removes a torrent; with `delete_data` its downloaded files go too.
    pub async fn remove(&self, id: &TorrentId, delete_data: bool) -> Result<()> {
        let resolving = self.lock().resolving.remove(id);
        if let Some(r) = &resolving {
            r.task.abort();
        }
        // A magnet may have been added to the session just before its task was stopped.
        let handle = match (self.handle(id), resolving) {
            (Ok(handle), _) => handle,
            (Err(_), Some(_)) => {
                self.forget_records(id).await;
                return Ok(());
            }
            (Err(e), None) => return Err(e),
        };
        self.session
            .delete(TorrentIdOrHash::Id(handle.id()), delete_data)
            .await
            .map_err(Error::engine("could not remove the torrent"))?;
        if self.lock().limits.remove(id).is_some() {
            self.save_torrent_limits().await;
        }
        self.forget_records(id).await;
        // Not refused on a full disk, where removing is how a user makes room; if the
        // session file could not be written, the next start puts the good copy back, and
        // only this removal is undone.
        self.keep_good_session().await;
        info!(info_hash = %id, delete_data, "removed torrent");
        Ok(())
    }

    pub async fn set_file_selection(&self, id: &TorrentId, files: &[u32]) -> Result<()> {
        let handle = self.handle(id)?;
        let count = handle.metadata.load().as_ref().map(|m| m.file_infos.len()).unwrap_or(0);
        if let Some(bad) = files.iter().find(|&&f| f as usize >= count) {
            return Err(Error::BadInput(format!(
                "file index {bad} is out of range; this torrent has {count} files"
            )));
        }
        if files.is_empty() {
            return Err(Error::BadInput("select at least one file, or pause the torrent instead".into()));
        }
        let selection: HashSet<usize> = files.iter().map(|&i| i as usize).collect();
        self.session
            .update_only_files(&handle, &selection)
            .await
            .map_err(Error::engine("could not change the file selection"))?;
        // A cursor must not go on fetching a file no longer selected.
        self.reconcile_order();
        Ok(())
    }

    /// Sets some files' priority; `skip` deselects them, any other selects them. See
    /// [`FilePriority`] for what librqbit 9.1 does with the rest.
    pub async fn set_file_priority(
        &self,
        id: &TorrentId,
        files: &[u32],
        priority: FilePriority,
    ) -> Result<()> {
        let Some(handle) = self.handle_unless_resolving(id)? else {
            return Err(Error::BadInput("file priorities can be set once the metadata is known".into()));
        };
        let count = handle.metadata.load().as_ref().map(|m| m.file_infos.len()).unwrap_or(0);
        if files.is_empty() {
            return Err(Error::BadInput("name at least one file".into()));
        }
        if let Some(bad) = files.iter().find(|&&f| f as usize >= count) {
            return Err(Error::BadInput(format!(
                "file index {bad} is out of range; this torrent has {count} files"
            )));
        }
        if matches!(handle.stats().state, TorrentStatsState::Initializing { .. }) {
            // librqbit 9.1 refuses to change the selection of a torrent it is checking.
            return Err(Error::BadInput(
                "this torrent is still checking its data; change priorities once the check is done".into(),
            ));
        }
        let before: HashSet<usize> =
            handle.only_files().map(|o| o.into_iter().collect()).unwrap_or_else(|| (0..count).collect());
        let mut after = before.clone();
        for &f in files {
            if priority == FilePriority::Skip {
                after.remove(&(f as usize));
            } else {
                after.insert(f as usize);
            }
        }
        if after.is_empty() {
            return Err(Error::BadInput(
                "at least one file must stay selected; pause the torrent instead".into(),
            ));
        }
        if after != before {
            self.session
                .update_only_files(&handle, &after)
                .await
                .map_err(Error::engine("could not change the file selection"))?;
        }
        self.lock().records.entry(id.clone()).or_default().set_priority(files, priority);
        self.save_records().await;
        self.reconcile_order();
        Ok(())
    }

    /// Session-wide caps; they apply at once to every torrent.
    pub fn set_session_limits(&self, limits: RateLimits) {
        self.session.ratelimits.set_download_bps(nonzero(limits.download_bytes_per_sec));
        self.session.ratelimits.set_upload_bps(nonzero(limits.upload_bytes_per_sec));
    }

    pub fn session_limits(&self) -> RateLimits {
        let config = self.session.ratelimits.get_config();
        RateLimits {
            download_bytes_per_sec: config.download_bps.map(NonZeroU32::get),
            upload_bytes_per_sec: config.upload_bps.map(NonZeroU32::get),
        }
    }

    /// Changes one torrent's caps. librqbit fixes them when a torrent is added, so the
    /// torrent is re-added with the new caps: its data stays, and is verified again.
    pub async fn set_torrent_limits(&self, id: &TorrentId, limits: RateLimits) -> Result<()> {
        let handle = self.handle(id)?;
        if self.lock().limits.get(id).copied().unwrap_or_default() == limits {
            return Ok(());
        }
        self.readd_with_limits(&handle, limits).await?;
        {
            let mut shared = self.lock();
            if limits == RateLimits::default() {
                shared.limits.remove(id);
            } else {
                shared.limits.insert(id.clone(), limits);
            }
        }
        self.save_torrent_limits().await;
        Ok(())
    }

    async fn readd_with_limits(&self, handle: &Arc<ManagedTorrent>, limits: RateLimits) -> Result<()> {
        let Some(bytes) = handle.metadata.load().as_ref().map(|m| m.torrent_bytes.clone()) else {
            return Err(Error::BadInput("limits can be set once the metadata is known".into()));
        };
        // Read before the delete, which stops the torrent.
        let (paused, only_files) = (handle.is_paused(), handle.only_files());
        self.session
            .delete(TorrentIdOrHash::Id(handle.id()), false)
            .await
            .map_err(Error::engine("could not re-add the torrent with new limits"))?;
        self.add_again(bytes, handle.output_folder(), paused, only_files, limits).await
    }

    /// Checks every piece of a torrent's data again ("force recheck"): librqbit checks
    /// only on add, and then trusts its resume bitfield, so the torrent leaves the session,
    /// its bitfield is deleted, and it is added again. It shows `checking` meanwhile.
    pub async fn recheck(&self, id: &TorrentId) -> Result<()> {
        let handle = self.handle(id)?;
        let Some(bytes) = handle.metadata.load().as_ref().map(|m| m.torrent_bytes.clone()) else {
            return Err(Error::BadInput("a torrent can be checked once its metadata is known".into()));
        };
        let mut shown = self.info_of(&handle);
        (shown.state, shown.checked_bytes, shown.download_bytes_per_sec, shown.upload_bytes_per_sec) =
            (TorrentState::Checking, 0, 0, 0);
        let limits = self.lock().limits.get(id).copied().unwrap_or_default();
        // Read before the delete, which stops the torrent.
        let (paused, only_files, folder) =
            (handle.is_paused(), handle.only_files(), handle.output_folder().to_owned());
        self.claim(id, shown)?;
        let readded = async {
            // The upkeep must not write the old bitfield back between the delete and the add.
            let mut no_resume_writes = self.resume_writes.lock().await;
            no_resume_writes.remove(id);
            self.session
                .delete(TorrentIdOrHash::Id(handle.id()), false)
                .await
                .map_err(Error::engine("could not take the torrent out of the session to check it"))?;
            if let Some(session) = self.session_folder() {
                match tokio::fs::remove_file(session.join(format!("{id}.bitv"))).await {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        warn!(info_hash = %id, "could not delete the resume bitfield; the check trusts it: {e}");
                    }
                    _ => {}
                }
            }
            self.add_again(bytes, &folder, paused, only_files, limits).await
        }
        .await;
        self.lock().set_aside.remove(id);
        readded
    }

    /// Refuses a torrent whose files would land in the state folder: a download folder
    /// above it (the home folder, say) and a torrent named after the folders between
    /// would otherwise write into the session, the records or a move's journal.
    fn refuse_own_folder(&self, torrent: &[u8], content_folder: &Path) -> Result<()> {
        let Some(state) = self.config.state_folder.as_ref().and_then(|f| std::fs::canonicalize(f).ok())
        else {
            return Ok(());
        };
        for (relative, _) in torrent::data_files(torrent)? {
            if content_folder.join(relative).starts_with(&state) {
                return Err(Error::BadInput(format!(
                    "this torrent's files would be written into Bidswarm's own data folder ({}); choose another folder",
                    state.display()
                )));
            }
        }
        Ok(())
    }

    /// Whether a torrent is set aside (moving, or being checked again).
    pub fn is_set_aside(&self, id: &TorrentId) -> bool {
        self.lock().set_aside.contains_key(id)
    }

    /// Sets a torrent aside, shown as `shown`, unless it already is (a move or a recheck
    /// of it is under way): only one of them may take it out of the session.
    fn claim(&self, id: &TorrentId, shown: TorrentInfo) -> Result<()> {
        let mut shared = self.lock();
        if let Some(busy) = shared.set_aside.get(id) {
            return Err(busy_error(busy));
        }
        shared.set_aside.insert(id.clone(), shown);
        Ok(())
    }

    /// Adds a torrent taken out of the session back: its data is checked again.
    async fn add_again(
        &self,
        bytes: bytes::Bytes,
        content_folder: &Path,
        paused: bool,
        only_files: Option<Vec<usize>>,
        limits: RateLimits,
    ) -> Result<()> {
        let options = AddTorrentOptions {
            paused,
            only_files,
            overwrite: true,
            output_folder: Some(content_folder.to_string_lossy().into_owned()),
            ratelimits: limits_config(limits),
            ..Default::default()
        };
        let _one_at_a_time = self.adding.lock().await;
        let response = self
            .session
            .add_torrent(AddTorrent::from_bytes(bytes), Some(options))
            .await
            .map_err(Error::engine("could not add the torrent again"))?;
        match response {
            AddTorrentResponse::Added(..) => Ok(()),
            // Someone added it meanwhile, maybe elsewhere: theirs stands, and the caller
            // must not take it for its own.
            _ => Err(Error::AlreadyExists { name: "the torrent".into() }),
        }
    }

    pub fn session_stats(&self) -> SessionStats {
        let snapshot = self.session.stats_snapshot();
        SessionStats {
            download_bytes_per_sec: snapshot.download_speed.as_bytes(),
            upload_bytes_per_sec: snapshot.upload_speed.as_bytes(),
            fetched_bytes: snapshot.counters.fetched_bytes,
            uploaded_bytes: snapshot.counters.uploaded_bytes,
            torrents: self.session.with_torrents(|t| t.count()) as u32 + self.lock().resolving.len() as u32,
            peers: snapshot.peers.live,
            listen_addr: self.listen_addr().map(|a| a.to_string()),
            dht_nodes: self.session.get_dht().map(|dht| {
                let stats = dht.stats();
                (stats.routing_table_size + stats.routing_table_size_v6) as u32
            }),
            free_disk_bytes: None,
            connections: snapshot.peers.live,
            upload_cap_bytes_per_sec: None,
        }
    }

    /// Stops every torrent and writes down what is verified.
    pub async fn stop(&self) {
        for (_, r) in self.lock().resolving.drain() {
            r.task.abort();
        }
        if let Some(upkeep) = self.upkeep.lock().unwrap_or_else(|p| p.into_inner()).take() {
            upkeep.abort();
        }
        if let Some(announcing) = self.announcing.lock().unwrap_or_else(|p| p.into_inner()).take() {
            announcing.abort();
        }
        self.stop_announcing().await;
        self.cursors.lock().unwrap_or_else(|p| p.into_inner()).reconcile(Vec::new());
        // Before the torrents stop: stopping zeroes their byte counters.
        self.save_records().await;
        self.session.stop().await;
        self.save_resume_data().await;
    }

    fn records_file(&self) -> Option<PathBuf> {
        self.config.state_folder.as_ref().map(|f| f.join("torrent-records.json"))
    }

    /// Writes `torrent-records.json`. The life byte counts are brought up to date first,
    /// so a restart loses at most what moved since the last call.
    async fn save_records(&self) {
        let Some(path) = self.records_file() else { return };
        let json = {
            let live: Vec<(TorrentId, u64, u64)> = self.session.with_torrents(|all| {
                all.map(|(_, h)| {
                    let (up, down) = session_counters(h);
                    (TorrentId::from(h.info_hash().0), up, down)
                })
                .collect()
            });
            let mut shared = self.lock();
            for (id, up, down) in live {
                if let Some(r) = shared.records.get_mut(&id) {
                    r.uploaded.observe(up);
                    r.downloaded.observe(down);
                }
            }
            let json = serde_json::to_vec_pretty(&shared.records).unwrap_or_default();
            if json == shared.records_written {
                return;
            }
            json
        };
        match write_atomically(&path, &json, Access::Default).await {
            Ok(()) => self.lock().records_written = json,
            Err(e) => warn!(path = %path.display(), "could not save torrent records: {e}"),
        }
    }

    fn session_folder(&self) -> Option<PathBuf> {
        self.config.state_folder.as_ref().map(|f| f.join("session"))
    }

    /// Refuses a change librqbit would have to record on a full disk
    /// ([`session_file::ensure_room`]).
    async fn ensure_room(&self) -> Result<()> {
        match self.session_folder() {
            Some(folder) => session_file::ensure_room(&folder).await,
            None => Ok(()),
        }
    }

    async fn keep_good_session(&self) {
        if let Some(folder) = self.session_folder() {
            session_file::keep_good_copy(&folder).await;
        }
    }

    async fn restore_records(&self) {
        let Some(path) = self.records_file() else { return };
        let Ok(json) = tokio::fs::read(&path).await else { return };
        match serde_json::from_slice(&json) {
            Ok(records) => self.lock().records = records,
            Err(e) => warn!(path = %path.display(), "ignoring unreadable torrent records: {e}"),
        }
    }

    async fn forget_records(&self, id: &TorrentId) {
        let forgotten = {
            let mut shared = self.lock();
            shared.about.remove(id);
            shared.records.remove(id).is_some()
        };
        if forgotten {
            self.save_records().await;
        }
    }

    /// Writes each torrent's verified pieces where librqbit's fast-resume reads them
    /// (`state/session/<info hash>.bitv`: the raw bitfield, most significant bit first).
    ///
    /// librqbit 9.1 writes this file only every 16 MiB of verified pieces and trusts it on
    /// start (checking one claimed piece per file), so whatever was verified since its last
    /// write was downloaded again after a restart. Written atomically (rename), after
    /// which librqbit's own writer writes to the replaced file and we are the only writer.
    /// Runs every [`RESUME_DATA_INTERVAL`] and at [`Swarm::stop`], and writes only the
    /// bitfields that changed since ([`ResumeWritten`]). The bitfield only grows, so an older
    /// copy is never wrong, only incomplete.
    pub async fn save_resume_data(&self) {
        let Some(folder) = self.config.state_folder.as_ref().map(|f| f.join("session")) else { return };
        self.save_records().await;
        let mut written = self.resume_writes.lock().await;
        let session_ids: HashMap<TorrentId, usize> = self
            .session
            .with_torrents(|all| all.map(|(sid, h)| (TorrentId::from(h.info_hash().0), sid)).collect());
        let ids: Vec<TorrentId> = session_ids.keys().cloned().collect();
        let mut now = ResumeWritten::with_capacity(ids.len());
        for (id, pieces) in self.have_pieces_of(&ids) {
            let Some(&sid) = session_ids.get(&id) else { continue };
            let bytes = pieces.bitfield;
            let unchanged = written.remove(&id).filter(|(was_sid, was)| *was_sid == sid && *was == bytes);
            if let Some(entry) = unchanged {
                now.insert(id, entry);
                continue;
            }
            let path = folder.join(format!("{}.bitv", id.0));
            match write_atomically(&path, &bytes, Access::Default).await {
                Ok(()) => {
                    now.insert(id, (sid, bytes));
                }
                Err(e) => warn!(info_hash = %id.0, "could not save resume data: {e}"),
            }
        }
        // Torrents gone or checking drop out, and are written again when back.
        *written = now;
    }

    /// Which pieces each torrent in the session has verified, now (a paused one too).
    /// Torrents resolving or still checking have no entry.
    pub fn have_pieces(&self) -> Vec<(TorrentId, HavePieces)> {
        // The ids are collected first and the session's lock released: reading a bitfield
        // takes that lock again, and a nested read behind a waiting add (a writer) would
        // wait forever.
        let ids: Vec<TorrentId> =
            self.session.with_torrents(|all| all.map(|(_, h)| TorrentId::from(h.info_hash().0)).collect());
        self.have_pieces_of(&ids)
    }

    /// [`Swarm::have_pieces`] for these torrents only.
    pub fn have_pieces_of(&self, ids: &[TorrentId]) -> Vec<(TorrentId, HavePieces)> {
        let api = librqbit::Api::new(self.session.clone(), None);
        ids.iter()
            .filter_map(|id| {
                let (bits, count) =
                    api.api_dump_haves(TorrentIdOrHash::Hash(Id20::new(id.info_hash()))).ok()?;
                Some((id.clone(), HavePieces { bitfield: bits.as_raw_slice().to_vec(), count }))
            })
            .collect()
    }

    fn handle(&self, id: &TorrentId) -> Result<Arc<ManagedTorrent>> {
        let missing = || match self.lock().set_aside.get(id) {
            Some(busy) => busy_error(busy),
            None => Error::UnknownTorrent(id.to_string()),
        };
        self.session.get(TorrentIdOrHash::Hash(Id20::new(id.info_hash()))).ok_or_else(missing)
    }

    fn handle_unless_resolving(&self, id: &TorrentId) -> Result<Option<Arc<ManagedTorrent>>> {
        match self.handle(id) {
            Ok(handle) => Ok(Some(handle)),
            Err(_) if self.lock().resolving.contains_key(id) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        // A panic while holding this lock leaves plain maps behind, still consistent.
        self.shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Where [`TorrentInfo::reached`] comes from: the gateway, which sees every connection.
    pub fn set_reached(&self, reached: ReachedFn) {
        *self.reached.write().unwrap_or_else(|p| p.into_inner()) = Some(reached);
    }

    fn reached_of(&self, info_hash: &[u8; 20]) -> bidswarm_api::PeerReach {
        let reached = self.reached.read().unwrap_or_else(|p| p.into_inner());
        reached.as_ref().map(|f| f(info_hash)).unwrap_or_default()
    }

    fn resolving_info(&self, id: &TorrentId, r: &Resolving, record: Option<&TorrentRecord>) -> TorrentInfo {
        let list = record.and_then(|r| r.trackers.as_deref()).unwrap_or_default();
        resolving_info(id, r, record, self.tracker_summary(id, list))
    }

    fn info_of(&self, handle: &ManagedTorrent) -> TorrentInfo {
        let id = TorrentId::from(handle.info_hash().0);
        let stats = handle.stats();
        let only_files = handle.only_files();
        let metadata = handle.metadata.load();
        let (session_up, session_down) = session_counters(handle);
        let state = match stats.state {
            TorrentStatsState::Initializing { .. } => TorrentState::Checking,
            TorrentStatsState::Live if stats.finished => TorrentState::Seeding,
            TorrentStatsState::Live => TorrentState::Downloading,
            TorrentStatsState::Paused => TorrentState::Paused,
            TorrentStatsState::Error => TorrentState::Error,
        };
        let (record, about, limits, state, tracker_list) = {
            let mut shared = self.lock();
            // A torrent restored from before records were kept gets one now: no `added_at`,
            // and life counts from this run on.
            let record = shared.records.entry(id.clone()).or_default();
            let uploaded = record.uploaded.observe(session_up);
            record.downloaded.observe(session_down);
            record.seeding.observe(state == TorrentState::Seeding, uploaded, std::time::Instant::now());
            if state == TorrentState::Seeding && record.completed_at.is_none() {
                record.completed_at = u64::try_from(bidswarm_primitives::unix_secs()).ok();
            }
            let record = record.clone();
            let about = match (shared.about.get(&id), metadata.as_ref()) {
                (Some(about), _) => about.clone(),
                (None, Some(m)) => {
                    let about = About::read(&m.torrent_bytes);
                    shared.about.insert(id.clone(), about.clone());
                    about
                }
                (None, None) => About::default(),
            };
            let state =
                if state == TorrentState::Paused && record.queued { TorrentState::Queued } else { state };
            let tracker_list = record.trackers.clone().unwrap_or_else(|| about.trackers.clone());
            (record, about, shared.limits.get(&id).copied().unwrap_or_default(), state, tracker_list)
        };
        let trackers = self.tracker_summary(&id, &tracker_list);
        if state == TorrentState::Seeding {
            self.announce_completion(&id);
        }
        let (all_time_uploaded_bytes, all_time_downloaded_bytes) =
            (record.uploaded.total(), record.downloaded.total());
        let files: Vec<TorrentFile> = metadata
            .as_ref()
            .map(|m| {
                m.file_infos
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| !f.attrs.padding)
                    .map(|(index, f)| {
                        let included = only_files.as_ref().is_none_or(|o| o.contains(&index));
                        TorrentFile {
                            index: index as u32,
                            path: f.relative_filename.to_string_lossy().into_owned(),
                            length: f.len,
                            included,
                            progress_bytes: stats.file_progress.get(index).copied().unwrap_or(0),
                            priority: if included {
                                record.priority_of(index as u32)
                            } else {
                                FilePriority::Skip
                            },
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let (download_bps, upload_bps, fetched, peers) = stats
            .live
            .as_ref()
            .map(|l| {
                (
                    l.download_speed.as_bytes(),
                    l.upload_speed.as_bytes(),
                    l.snapshot.fetched_bytes,
                    l.snapshot.peer_stats.live,
                )
            })
            .unwrap_or_default();
        // While checking, librqbit reports bytes checked as progress; none are verified yet.
        let (progress_bytes, checked_bytes) = match state {
            TorrentState::Checking => (0, stats.progress_bytes),
            _ => (stats.progress_bytes, 0),
        };
        let remaining = stats.total_bytes.saturating_sub(progress_bytes);
        let eta_secs = (state == TorrentState::Downloading && download_bps > 0)
            .then(|| remaining.div_ceil(download_bps));
        TorrentInfo {
            limits,
            id,
            name: record.display_name.clone().map(String::from).or_else(|| handle.name()),
            magnet: librqbit::Magnet::from_id20(
                handle.info_hash(),
                tracker_list.iter().map(|t| t.url.to_string()).collect(),
                None,
            )
            .to_string(),
            state,
            output_folder: handle.output_folder().to_string_lossy().into_owned(),
            save_path: save_path_of(handle, metadata.as_ref().map(|m| m.info.info().files.is_some())),
            progress_bytes,
            total_bytes: stats.total_bytes,
            checked_bytes,
            fetched_bytes: fetched,
            uploaded_bytes: stats.uploaded_bytes,
            download_bytes_per_sec: download_bps,
            upload_bytes_per_sec: upload_bps,
            eta_secs,
            peers,
            reached: self.reached_of(&handle.info_hash().0),
            error: stats.error,
            files,
            piece_length: metadata.as_ref().map(|m| u64::from(m.info.lengths().default_piece_length())),
            pieces: metadata.as_ref().map(|m| u64::from(m.info.lengths().total_pieces())),
            added_at: record.added_at,
            all_time_uploaded_bytes,
            all_time_downloaded_bytes,
            ratio: records::ratio(all_time_uploaded_bytes, all_time_downloaded_bytes),
            created_by: about.created_by,
            comment: about.comment,
            creation_date: about.creation_date,
            seeding_limits: record.seeding_limits,
            seeding_secs: record.seeding.seeding_secs,
            inactive_secs: record.seeding.inactive_secs,
            // Filled in by `list` and `get`, which rank every torrent.
            queue_position: 0,
            force_start: record.force_start,
            bandwidth_priority: record.bandwidth_priority,
            sequential: record.sequential,
            first_last_pieces_first: record.first_last_pieces_first,
            category: record.category.clone(),
            tags: record.tags.iter().cloned().collect(),
            completed_at: record.completed_at,
            tracker: trackers.tracker,
            tracker_hosts: trackers.hosts,
            tracker_status: trackers.status,
            swarm_seeds: trackers.seeds,
            swarm_leechers: trackers.leechers,
        }
    }

    fn limits_file(&self) -> Option<PathBuf> {
        self.config.state_folder.as_ref().map(|f| f.join("torrent-limits.json"))
    }

    async fn save_torrent_limits(&self) {
        let Some(path) = self.limits_file() else { return };
        let json = serde_json::to_vec_pretty(&self.lock().limits).unwrap_or_default();
        if let Err(e) = write_atomically(&path, &json, Access::Default).await {
            warn!(path = %path.display(), "could not save per-torrent limits: {e}");
        }
    }

    /// librqbit restored its torrents with no limits; put each torrent's back.
    async fn restore_torrent_limits(&self) {
        let Some(path) = self.limits_file() else { return };
        let Ok(json) = tokio::fs::read(&path).await else { return };
        let saved: HashMap<TorrentId, RateLimits> = match serde_json::from_slice(&json) {
            Ok(saved) => saved,
            Err(e) => {
                warn!(path = %path.display(), "ignoring unreadable per-torrent limits: {e}");
                return;
            }
        };
        for (id, limits) in saved {
            let Ok(handle) = self.handle(&id) else { continue };
            match self.readd_with_limits(&handle, limits).await {
                Ok(()) => {
                    self.lock().limits.insert(id, limits);
                }
                Err(e) => warn!(info_hash = %id, "could not restore limits: {e}"),
            }
        }
    }
}

/// Port 0 means "any free port"; pick it now so it can be announced to trackers.
fn with_concrete_port(addr: SocketAddr) -> Result<SocketAddr> {
    if addr.port() != 0 {
        return Ok(addr);
    }
    let probe = std::net::TcpListener::bind(addr).map_err(Error::io(format!("cannot listen on {addr}")))?;
    probe.local_addr().map_err(Error::io("cannot read the listening address"))
}

/// [`TorrentInfo::save_path`]: a torrent of several files sits in its own folder, named
/// after it (or its info hash, [`torrent::content_folder`]), inside the one chosen.
fn save_path_of(handle: &ManagedTorrent, several_files: Option<bool>) -> String {
    let output = handle.output_folder();
    let own_folder = |name: &std::ffi::OsStr| {
        handle.name().is_some_and(|n| name == n.as_str()) || name == handle.info_hash().as_string().as_str()
    };
    match (several_files, output.file_name(), output.parent()) {
        (Some(true), Some(name), Some(parent)) if own_folder(name) => parent.to_string_lossy().into_owned(),
        _ => output.to_string_lossy().into_owned(),
    }
}

/// A magnet still resolving, as the list shows it.
fn resolving_info(
    id: &TorrentId,
    r: &Resolving,
    record: Option<&TorrentRecord>,
    trackers: trackers::Summary,
) -> TorrentInfo {
    TorrentInfo {
        id: id.clone(),
        name: record.and_then(|r| r.display_name.clone()).map(String::from).or_else(|| r.name.clone()),
        magnet: format!("magnet:?xt=urn:btih:{id}"),
        state: if r.error.is_some() { TorrentState::Error } else { TorrentState::Resolving },
        output_folder: r.output_folder.to_string_lossy().into_owned(),
        save_path: r.output_folder.to_string_lossy().into_owned(),
        progress_bytes: 0,
        total_bytes: 0,
        checked_bytes: 0,
        fetched_bytes: 0,
        uploaded_bytes: 0,
        download_bytes_per_sec: 0,
        upload_bytes_per_sec: 0,
        eta_secs: None,
        peers: 0,
        reached: Default::default(),
        error: r.error.clone(),
        limits: r.limits,
        files: Vec::new(),
        piece_length: None,
        pieces: None,
        added_at: record.and_then(|r| r.added_at),
        all_time_uploaded_bytes: 0,
        all_time_downloaded_bytes: 0,
        ratio: None,
        created_by: None,
        comment: None,
        creation_date: None,
        seeding_limits: record.and_then(|r| r.seeding_limits),
        seeding_secs: 0,
        inactive_secs: 0,
        queue_position: 0,
        force_start: record.is_some_and(|r| r.force_start),
        bandwidth_priority: record.map(|r| r.bandwidth_priority).unwrap_or_default(),
        sequential: record.is_some_and(|r| r.sequential),
        first_last_pieces_first: record.is_some_and(|r| r.first_last_pieces_first),
        category: record.and_then(|r| r.category.clone()),
        tags: record.map(|r| r.tags.iter().cloned().collect()).unwrap_or_default(),
        completed_at: None,
        tracker: trackers.tracker,
        tracker_hosts: trackers.hosts,
        tracker_status: trackers.status,
        swarm_seeds: trackers.seeds,
        swarm_leechers: trackers.leechers,
    }
}

/// The answer to a request naming a torrent that is set aside.
pub(crate) fn busy_error(busy: &TorrentInfo) -> Error {
    Error::BadInput(format!(
        "\"{}\" is being {}; try again once it is done",
        busy.name.as_deref().unwrap_or("the torrent"),
        if busy.state == TorrentState::Moving { "moved to another folder" } else { "checked again" }
    ))
}

/// librqbit's byte counters (uploaded, fetched) for the torrent's current live spell;
/// zero while it is not live.
fn session_counters(handle: &ManagedTorrent) -> (u64, u64) {
    handle
        .live()
        .map(|l| {
            let s = l.stats_snapshot();
            (s.uploaded_bytes, s.fetched_bytes)
        })
        .unwrap_or_default()
}

fn display_name(handle: &ManagedTorrent) -> String {
    handle.name().unwrap_or_else(|| handle.info_hash().as_string())
}

fn classify_add_error(e: anyhow::Error) -> Error {
    let text = format!("{e:#}");
    if text.contains("error decoding torrent") || text.contains("validat") {
        Error::InvalidTorrent(text)
    } else {
        Error::Engine { context: "could not add the torrent", source: e }
    }
}

fn parse_peers(peers: &[String]) -> Result<Vec<SocketAddr>> {
    peers
        .iter()
        .map(|p| {
            p.trim()
                .parse()
                .map_err(|_| Error::BadInput(format!("peer \"{p}\" is not an address like 127.0.0.1:6881")))
        })
        .collect()
}

fn nonzero(v: Option<u32>) -> Option<NonZeroU32> {
    v.and_then(NonZeroU32::new)
}

fn limits_config(limits: RateLimits) -> LimitsConfig {
    LimitsConfig {
        download_bps: nonzero(limits.download_bytes_per_sec),
        upload_bps: nonzero(limits.upload_bytes_per_sec),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_printed_config_never_shows_the_gateways_proxy_password() {
        let config = SwarmConfig {
            download_folder: PathBuf::from("/tmp/d"),
            state_folder: None,
            listen_addr: None,
            announce_port: None,
            proxy_url: Some(bidswarm_api::Secret::new("socks5://someuser:hunter2secret@127.0.0.1:1080")),
            dht: false,
            local_service_discovery: false,
            upnp: false,
            limits: RateLimits::default(),
        };
        let printed = format!("{config:?}");
        assert!(printed.contains("download_folder"), "{printed}");
        assert!(!printed.contains("hunter2secret") && !printed.contains("someuser"), "{printed}");
    }
}
