//! Bidswarm's use-cases: the one place a [`Request`] is decided.
//!
//! `Core` owns the swarm engine and the user's settings (later also the gateway, wallet
//! and ledger). Both transports, the desktop bridge and the headless server, hand every
//! request to [`Core::handle`] and forward [`Core::events`] to the UI; nothing else routes
//! requests. Events are derived by watching the swarm once a second (see [`watch`]), so
//! they also report what happens on its own: a magnet resolving, a download completing.

mod confine;
mod error;
mod history;
mod labels;
mod paths;
mod pieces;
mod queue;
mod schedule;
mod seeding;
mod settings;
mod settle;
mod speed;
mod wallet;
mod watch;
mod watched;

pub use paths::DataPaths;
pub use schedule::LocalClock;
pub use settings::SettingsStore;
pub use settle::Settled;
pub use speed::SpeedIdentity;
pub use wallet::speed_network_name;

use std::{
    collections::HashMap,
    net::{IpAddr, Ipv4Addr, SocketAddr},
    path::PathBuf,
    sync::{atomic::Ordering, Arc},
};

use bidswarm_api::{
    ApiError, ApiErrorKind, BlocklistStatus, EncryptionMode, Event, PeerInfo, PieceMap, RateLimits, Request,
    Response, Settings, TorrentId, TorrentState,
};
pub use bidswarm_swarm::{create_torrent, CreateOptions, CreateProgress};

use bidswarm_gateway::{Blocklist, ConnectionLimits, Gateway, GatewayConfig};
use bidswarm_swarm::{Swarm, SwarmConfig};
use tokio::sync::broadcast;
use tracing::{debug, error, info, warn};

use crate::error::{api_error, error_chain, ledger_error};

/// How a `Core` is set up by the binary that runs it.
#[derive(Debug, Clone)]
pub struct CoreConfig {
    /// Where `settings.json` lives. `None` keeps settings in memory only (one-shot CLI
    /// commands).
    pub config_dir: Option<PathBuf>,
    /// Where the session is kept across restarts. `None` keeps nothing.
    pub state_dir: Option<PathBuf>,
    /// Settings used when none are saved yet.
    pub default_settings: Settings,
    /// Listen for peers here instead of on all interfaces at the listen-port setting.
    pub peer_listen: Option<SocketAddr>,
    /// Accept no incoming peers at all (a leecher that only dials out).
    pub no_incoming: bool,
    /// Turn DHT, local service discovery and UPnP off for this run, whatever the
    /// settings say (tests, and private swarms).
    pub no_discovery: bool,
    /// Let librqbit talk to peers directly instead of through the gateway. Only for
    /// benchmarks that measure what the gateway costs.
    pub bypass_gateway: bool,
    /// How long a new peer connection may take to complete its handshake (the gateway's
    /// default when `None`). Tests shorten it.
    pub peer_handshake_timeout: Option<std::time::Duration>,
    /// The key bid-for-speed pays and is paid with, for scripted runs
    /// (`--wallet-file`); the desktop and server set it when the wallet is unlocked.
    pub speed_identity: Option<SpeedIdentity>,
    /// Where the ledger lives; `state_dir/ledger.sqlite` when `None` and there is a state
    /// folder, and no ledger at all otherwise.
    pub ledger_path: Option<PathBuf>,
    /// The TRON node settlements and payer balance checks go through, for scripted runs
    /// (`--network`); the wallet's node for `settings.network` when `None`.
    pub settlement_node: Option<bidswarm_tron::Client>,
    /// Folders (or files) requests may name besides the download folder
    /// ([`confine`]): `serve --allow-path`, or `/` for one-shot commands.
    pub allowed_paths: Vec<PathBuf>,
    /// Local time, for the alternative limits' schedule; tests start it at a chosen time.
    pub clock: LocalClock,
}

impl CoreConfig {
    /// A long-running session (the server, the desktop app) keeping its data in `paths`:
    /// settings and torrents persist, the ledger is `state/ledger.sqlite`, the key comes from
    /// the wallet once it is unlocked.
    pub fn persistent(paths: &DataPaths, peer_listen: Option<SocketAddr>, no_discovery: bool) -> Self {
        Self {
            config_dir: Some(paths.config.clone()),
            state_dir: Some(paths.state.clone()),
            default_settings: Settings {
                download_folder: paths.downloads.display().to_string(),
                ..Default::default()
            },
            peer_listen,
            no_incoming: false,
            no_discovery,
            bypass_gateway: false,
            peer_handshake_timeout: None,
            speed_identity: None,
            ledger_path: None,
            settlement_node: None,
            allowed_paths: Vec::new(),
            clock: LocalClock::default(),
        }
    }
}

pub struct Core {
    /// Which paths requests may name.
    confine: confine::PathPolicy,
    swarm: Arc<Swarm>,
    /// `None` only when bypassed for a benchmark.
    gateway: Option<Arc<Gateway>>,
    peer_listen: Option<SocketAddr>,
    settings: SettingsStore,
    /// The settings the running session was started with, to tell which changes need
    /// a restart.
    started_with: Settings,
    events: broadcast::Sender<Event>,
    watcher: Arc<watch::Watcher>,
    speed: Arc<speed::SpeedService>,
    ledger: Option<Arc<bidswarm_ledger::Ledger>>,
    /// The damaged ledger file this start moved aside, for `verify_ledger` to report.
    ledger_recovered: Option<bidswarm_api::LedgerRecovery>,
    /// Why the ledger could not be opened at start (a read-only or full disk), when it
    /// could not: bid for speed then stays off, since money it cannot record is money it
    /// cannot account for.
    ledger_unavailable: Option<String>,
    wallet: wallet::WalletService,
    settlement_node: Option<bidswarm_tron::Client>,
    /// A torrent was removed: the next settlement round pays everything owed.
    settle_all: std::sync::atomic::AtomicBool,
    /// One settlement run at a time (the round, "settle now", quitting): two at once could
    /// each sign the same debt.
    settling: tokio::sync::Mutex<()>,
    fee_quotes: settle::FeeQuotes,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// Tasks that hold a weak reference to the core itself (the settlement round).
    weak_tasks: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
    blocklist: std::sync::Mutex<BlocklistStatus>,
    clock: LocalClock,
    scheduler: std::sync::Mutex<schedule::Scheduler>,
    /// One queue round at a time (the rules round's and an add's): two plans from two
    /// listings could each start a torrent into the same place.
    queue: tokio::sync::Mutex<queue::Queue>,
    /// When the watched folder was last looked at.
    watched_at: std::sync::Mutex<Option<std::time::Instant>>,
    /// One settings change at a time: the user's and the schedule's each read, change and
    /// save the whole settings.
    settings_writes: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core").field("swarm", &self.swarm).finish_non_exhaustive()
    }
}

impl Core {
    pub async fn start(config: CoreConfig) -> Result<Arc<Self>, ApiError> {
        let default_folder = PathBuf::from(&config.default_settings.download_folder);
        let settings = SettingsStore::open(config.config_dir.clone(), config.default_settings).await?;
        let current = settings.get();
        let listen_addr =
            if config.no_incoming {
                None
            } else {
                Some(config.peer_listen.unwrap_or_else(|| {
                    SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), current.listen_port)
                }))
            };
        let loopback = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0);
        let (events, _) = broadcast::channel(1024);
        // Saved settings were checked when saved; a hand-edited file falls back to
        // spending and earning off rather than keep Bidswarm from starting.
        let terms = speed::terms_from_settings(&current.speed).unwrap_or_else(|e| {
            warn!("bid-for-speed settings ignored: {e}");
            speed::terms_from_settings(&Default::default())
                .unwrap_or_else(|_| unreachable!("defaults are valid"))
        });
        let (ledger_ops, ledger_rx) = tokio::sync::mpsc::unbounded_channel();
        let ledger_path =
            config.ledger_path.clone().or_else(|| config.state_dir.as_ref().map(|d| d.join("ledger.sqlite")));
        // A state folder that cannot be written (a read-only or full disk): librqbit gets
        // no session store, whose every add would fail, and there is no ledger, even one
        // SQLite could open read-only, since no voucher could be recorded in it.
        let (state_folder, unwritable) = match &config.state_dir {
            Some(dir) => match writable(dir).await {
                Ok(()) => (Some(dir.clone()), None),
                Err(e) => {
                    let why = format!("the state folder {} cannot be written ({e})", dir.display());
                    error!("{why}: torrents you add run but are not remembered, and the torrents of earlier sessions are not loaded until it can be");
                    (None, Some(why))
                }
            },
            None => (None, None),
        };
        let (ledger, ledger_recovered, ledger_unavailable) = match &ledger_path {
            Some(_) if config.ledger_path.is_none() && unwritable.is_some() => {
                error!("no ledger: bid for speed stays off until the state folder can be written (restart Bidswarm)");
                (None, None, unwritable)
            }
            Some(path) => match open_ledger(path).await {
                Ok((ledger, set_aside)) => (Some(Arc::new(ledger)), set_aside, None),
                // A ledger named on the command line (`--ledger`) was asked for: its run
                // stops, rather than download without the bids it was started for.
                Err(e) if config.ledger_path.is_some() => return Err(e),
                // The state folder's, on a read-only or full disk: torrents run on, money
                // stays off.
                Err(e) => {
                    error!(
                        "{}; bid for speed stays off until it can be opened (restart Bidswarm)",
                        e.message
                    );
                    (None, None, Some(e.message))
                }
            },
            None => (None, None, None),
        };
        let terms = if ledger_unavailable.is_some() { terms.without_money() } else { terms };
        // The speed layer asks the gateway's choker to re-rank through this, never holding
        // the gateway.
        let rechoke = bidswarm_gateway::RechokeSignal::default();
        let speed = speed::SpeedService::new(terms, events.clone(), ledger_ops, rechoke.clone());
        speed.set_identity(config.speed_identity.clone());
        // Promises an earlier session could not settle (offline, or quit too fast) are
        // paid at the first settlement round; promises made to us are matched to the
        // settlements that arrive.
        let restored = match &ledger {
            Some(ledger) => match async {
                let owe = ledger.unsettled(bidswarm_ledger::Direction::Spend).await?;
                let owed_to_us = ledger.unsettled(bidswarm_ledger::Direction::Earn).await?;
                // What each torrent spent before: a restart never refreshes a budget.
                let per_torrent = ledger
                    .per_torrent()
                    .await?
                    .into_iter()
                    .map(|(hash, e)| (hash, (e.spent, e.earned)))
                    .collect();
                speed.restore_spent(&per_torrent);
                Ok::<_, bidswarm_ledger::Error>(speed.restore_unsettled(&owe, &owed_to_us))
            }
            .await
            {
                Ok(restored) => restored,
                Err(e) => {
                    warn!("cannot read what earlier sessions still owe from the ledger: {e}");
                    0
                }
            },
            None => 0,
        };
        if restored > 0 {
            info!(channels = restored, "earlier promises are still to be settled");
        }
        let gateway = if config.bypass_gateway {
            None
        } else {
            let public_listen = listen_addr.unwrap_or(loopback);
            let gateway_config = GatewayConfig {
                limits: connection_limits(&current),
                upload_cap: current.effective_limits().upload_bytes_per_sec.map(u64::from),
                encryption: encryption(current.encryption),
                ..GatewayConfig::new(public_listen, loopback)
            };
            let gateway_config = match config.peer_handshake_timeout {
                Some(timeout) => GatewayConfig { handshake_timeout: timeout, ..gateway_config },
                None => gateway_config,
            };
            let policy = bidswarm_gateway::Policy { speed: speed.clone(), ranker: speed.clone(), rechoke };
            let gateway = Gateway::start(gateway_config, policy).await.map_err(|e| {
                api_error(ApiErrorKind::Io, format!("cannot listen for peers on {public_listen}: {e}"))
            })?;
            Some(gateway)
        };
        let swarm = Swarm::start(SwarmConfig {
            download_folder: PathBuf::from(&current.download_folder),
            state_folder,
            // Behind the gateway librqbit listens on loopback only; the gateway owns the
            // public port and every outgoing connection.
            listen_addr: if gateway.is_some() { Some(loopback) } else { listen_addr },
            announce_port: gateway.as_ref().map(|g| g.public_addr().port()),
            proxy_url: gateway.as_ref().map(|g| bidswarm_api::Secret::new(g.socks_url())),
            dht: current.dht && !config.no_discovery,
            local_service_discovery: current.local_service_discovery && !config.no_discovery,
            upnp: current.upnp && !config.no_discovery,
            limits: engine_limits(current.effective_limits(), gateway.is_some()),
        })
        .await?;
        if let (Some(gateway), Some(engine)) = (&gateway, swarm.listen_addr()) {
            gateway.set_engine(engine);
            let served = Arc::downgrade(&swarm);
            gateway
                .set_torrents(Arc::new(move || served.upgrade().map_or_else(Vec::new, |s| s.info_hashes())));
            let counts = Arc::downgrade(gateway);
            swarm.set_reached(Arc::new(move |info_hash| {
                let Some(r) = counts.upgrade().map(|g| g.reached(info_hash)) else {
                    return Default::default();
                };
                bidswarm_api::PeerReach {
                    incoming: r.incoming,
                    outgoing: r.outgoing,
                    utp: r.utp,
                    encrypted: r.encrypted,
                    refused_plaintext: r.refused_plaintext,
                    missed_haves: r.missed_haves,
                }
            }));
        }
        let peer_listen = match (&gateway, listen_addr) {
            (_, None) => None,
            (Some(gateway), Some(_)) => Some(gateway.public_addr()),
            (None, Some(_)) => swarm.listen_addr(),
        };
        if let Some(addr) = peer_listen {
            info!(%addr, "listening for peers");
        }
        speed.set_bandwidth_weights(swarm.bandwidth_weights());
        let (samples, sampled) = tokio::sync::watch::channel(Arc::new(Vec::new()));
        let (watcher, watch_task) = watch::Watcher::spawn(swarm.clone(), events.clone(), samples);
        let mut tasks = vec![watch_task];
        match &ledger {
            Some(ledger) => tasks.push(tokio::spawn(speed::ledger_writer(ledger.clone(), ledger_rx))),
            // Nothing to keep it in: a one-shot session without a ledger file.
            None => drop(ledger_rx),
        }
        if let Some(gateway) = &gateway {
            swarm.set_tracker_peers(dial_tracker_peers(gateway, peer_listen));
            tasks.push(rounds(swarm.clone(), gateway.clone(), speed.clone(), events.clone()));
            tasks.push(redial_round(swarm.clone(), gateway.clone(), peer_listen));
        }
        let wallet = wallet::WalletService::new(
            config.config_dir.as_deref(),
            &current.network,
            speed.clone(),
            ledger.clone(),
        );
        let confine = confine::PathPolicy::new(
            [PathBuf::from(&current.download_folder), default_folder]
                .into_iter()
                .filter(|f| !f.as_os_str().is_empty())
                .chain(config.allowed_paths.iter().cloned()),
            config.config_dir.iter().chain(&config.state_dir).cloned(),
        );
        let core = Arc::new(Self {
            confine,
            swarm,
            gateway,
            peer_listen,
            settings,
            started_with: current.clone(),
            events,
            watcher,
            speed,
            ledger,
            wallet,
            ledger_recovered,
            ledger_unavailable,
            settlement_node: config.settlement_node.clone(),
            settle_all: std::sync::atomic::AtomicBool::new(restored > 0),
            settling: tokio::sync::Mutex::new(()),
            fee_quotes: settle::FeeQuotes::default(),
            tasks,
            weak_tasks: Default::default(),
            blocklist: std::sync::Mutex::new(BlocklistStatus::default()),
            clock: config.clock,
            scheduler: Default::default(),
            queue: Default::default(),
            watched_at: Default::default(),
            settings_writes: Default::default(),
        });
        let rounds = [
            settlement_round(Arc::downgrade(&core)),
            payer_balance_round(Arc::downgrade(&core)),
            rules_round(Arc::downgrade(&core), sampled),
        ];
        core.weak_tasks.lock().unwrap_or_else(|p| p.into_inner()).extend(rounds);
        // A missing or unreadable blocklist must not keep Bidswarm from starting.
        if let Err(e) = core.load_blocklist(current.blocklist_path.as_deref()).await {
            warn!("blocklist not loaded: {}", e.message);
        }
        Ok(core)
    }

    /// A `.torrent` named by path must be one requests may read; it is then named as the
    /// file system resolves it.
    fn confine_source(&self, source: &mut bidswarm_api::TorrentSource) -> Result<(), ApiError> {
        if let bidswarm_api::TorrentSource::Path(path) = source {
            *path = self.confine.check(path, "The .torrent file")?.display().to_string();
        }
        Ok(())
    }

    /// Lets requests name `path` and everything under it: for the owner's own choices (a
    /// native folder dialog, a file the app was opened with), never for a request.
    pub fn allow_path(&self, path: &std::path::Path) {
        self.confine.allow(path);
    }

    /// Every event from now on. A receiver that falls more than 1024 events behind
    /// skips the oldest (`RecvError::Lagged`) rather than slowing the core down.
    pub fn events(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// Where peers can reach this session, when it listens.
    pub fn peer_listen_addr(&self) -> Option<SocketAddr> {
        self.peer_listen
    }

    /// Pays what our vouchers promised, on chain: payees owed enough to be worth the fee
    /// by the settings, payees that asked to be paid, or every payee with `all` (quitting,
    /// "settle now"). Returns what was confirmed.
    pub async fn settle(&self, all: bool) -> Vec<Settled> {
        let _one = self.settling.lock().await;
        // Settlements in flight are in the ledger, which `settle` reads first.
        if self.speed.unsettled().is_empty() && self.ledger.is_none() {
            return Vec::new();
        }
        let mut due = self.fee_rule();
        due.all = all;
        // Payees' asks are taken only while a key can pay them.
        if self.speed.identity().is_some() {
            due.asked = self.speed.take_settle_asks();
        }
        settle::settle(&self.speed, &self.node(), self.ledger.as_deref(), &due, &self.fee_quotes).await
    }

    /// The settings' fee rule: which payees are worth settling.
    fn fee_rule(&self) -> settle::Due {
        let speed = self.settings.get().speed;
        settle::Due {
            all: false,
            asked: Default::default(),
            fee_multiple: speed.settle_fee_multiple,
            btt_per_trx: speed.btt_per_trx.btt(),
        }
    }

    /// The TRON node settlements and balance checks use: the one given at start (the
    /// CLI's `--network`), or else the wallet's node for `settings.network`.
    fn node(&self) -> bidswarm_tron::Client {
        self.settlement_node.clone().unwrap_or_else(|| self.wallet.node())
    }

    /// Pays what our vouchers promised (docs/PROTOCOL.md §10: the app quits), stops all
    /// torrents and writes their state down. Call before exiting. A settlement that cannot
    /// finish in time is left as owed (pending or failed in the ledger).
    pub async fn shutdown(&self) {
        if !self.speed.unsettled().is_empty() {
            info!("settling what is owed before quitting");
            if tokio::time::timeout(QUIT_SETTLE_WITHIN, self.settle(true)).await.is_err() {
                warn!("settlement did not finish before quitting; it stays owed");
            }
        }
        for task in self.tasks.iter().chain(self.weak_tasks.lock().unwrap_or_else(|p| p.into_inner()).iter())
        {
            task.abort();
        }
        self.swarm.stop().await;
        if let Some(gateway) = &self.gateway {
            gateway.stop();
        }
    }

    /// The one place requests are routed. Every answer is of the kind `bidswarm_api`'s
    /// table promises the UI (checked here in debug builds, so the tests catch a drift).
    pub async fn handle(&self, request: Request) -> Result<Response, ApiError> {
        let asked = cfg!(debug_assertions).then(|| request.clone());
        let answer = self.route(request).await;
        if let (Some(asked), Ok(response)) = (asked, &answer) {
            debug_assert!(asked.is_answered_by(response), "{response:?} does not answer {asked:?}");
        }
        answer
    }

    async fn route(&self, request: Request) -> Result<Response, ApiError> {
        let swarm = &self.swarm;
        Ok(match request {
            Request::PreviewTorrent { mut source } => {
                self.confine_source(&mut source)?;
                Response::Preview { preview: swarm.preview(&source).await? }
            }
            Request::AddTorrent { source, options } => {
                Response::Torrent { torrent: self.add_torrent(source, options).await? }
            }
            Request::ListTorrents => Response::Torrents { torrents: swarm.list() },
            Request::GetTorrent { id } => Response::Torrent { torrent: swarm.get(&id)? },
            Request::Pause { id } => {
                swarm.pause(&id).await?;
                Response::Torrent { torrent: swarm.get(&id)? }
            }
            Request::Resume { id } => {
                swarm.resume(&id).await?;
                Response::Torrent { torrent: swarm.get(&id)? }
            }
            // A torrent set aside (moving, or checked again) comes back as it was.
            Request::PauseAll => {
                for t in swarm.list().iter().filter(|t| !swarm.is_set_aside(&t.id)) {
                    swarm.pause(&t.id).await?;
                }
                Response::Ok
            }
            Request::ResumeAll => {
                for t in swarm.list().iter().filter(|t| !swarm.is_set_aside(&t.id)) {
                    swarm.resume(&t.id).await?;
                }
                Response::Ok
            }
            Request::Remove { id, delete_data } => {
                self.remove(&id, delete_data).await?;
                Response::Ok
            }
            Request::SetFileSelection { id, files } => {
                swarm.set_file_selection(&id, &files).await?;
                Response::Torrent { torrent: swarm.get(&id)? }
            }
            Request::SetFilePriority { id, files, priority } => {
                swarm.set_file_priority(&id, &files, priority).await?;
                Response::Torrent { torrent: swarm.get(&id)? }
            }
            Request::SetTorrentLimits { id, limits } => {
                swarm.set_torrent_limits(&id, limits).await?;
                Response::Torrent { torrent: swarm.get(&id)? }
            }
            Request::SetSeedingLimits { id, limits } => {
                if let Some(limits) = &limits {
                    limits.check().map_err(|e| api_error(ApiErrorKind::BadRequest, e))?;
                }
                swarm.set_seeding_limits(&id, limits).await?;
                Response::Torrent { torrent: swarm.get(&id)? }
            }
            Request::MoveInQueue { ids, to } => {
                let ids = distinct(ids)?;
                swarm.move_in_queue(&ids, to).await?;
                Response::Ok
            }
            Request::SetForceStart { ids, enabled } => {
                // All or nothing: an unknown id changes none of them.
                for id in &known_ids(swarm, ids)? {
                    swarm.set_force_start(id, enabled).await?;
                }
                Response::Ok
            }
            Request::SetBandwidthPriority { ids, priority } => {
                // All or nothing: an unknown id changes none of them.
                for id in &known_ids(swarm, ids)? {
                    swarm.set_bandwidth_priority(id, priority).await?;
                }
                self.speed.set_bandwidth_weights(swarm.bandwidth_weights());
                Response::Ok
            }
            Request::SetSequential { ids, enabled } => {
                // All or nothing: an unknown id changes none of them.
                swarm.set_sequential(&known_ids(swarm, ids)?, enabled).await?;
                Response::Ok
            }
            Request::SetFirstLastPiecesFirst { ids, enabled } => {
                // All or nothing: an unknown id changes none of them.
                swarm.set_first_last_pieces_first(&known_ids(swarm, ids)?, enabled).await?;
                Response::Ok
            }
            Request::Recheck { ids } => {
                // All or nothing: an unknown id changes none of them.
                for id in &known_ids(swarm, ids)? {
                    swarm.recheck(id).await?;
                }
                Response::Ok
            }
            Request::RenameTorrent { id, name } => {
                swarm.rename_torrent(&id, name).await?;
                Response::Torrent { torrent: self.changed(swarm, &id)? }
            }
            Request::ListTrackers { id } => Response::Trackers { trackers: swarm.trackers(&id)? },
            Request::AddTrackers { id, urls } => {
                let trackers = swarm.add_trackers(&id, &urls).await?;
                self.changed(swarm, &id)?;
                Response::Trackers { trackers }
            }
            Request::EditTracker { id, url, new_url } => {
                let trackers = swarm.edit_tracker(&id, &url, &new_url).await?;
                self.changed(swarm, &id)?;
                Response::Trackers { trackers }
            }
            Request::RemoveTrackers { id, urls } => {
                let trackers = swarm.remove_trackers(&id, &urls).await?;
                self.changed(swarm, &id)?;
                Response::Trackers { trackers }
            }
            Request::Reannounce { ids } => {
                swarm.reannounce(&known_ids(swarm, ids)?);
                Response::Ok
            }
            Request::ListLabels => Response::Labels { labels: swarm.labels() },
            Request::SetCategory { name, save_path, bandwidth_priority } => {
                self.set_category(name, save_path, bandwidth_priority).await?
            }
            Request::RenameCategory { from, to } => {
                self.labels_changed(swarm.rename_category(&from, &to).await?)
            }
            Request::RemoveCategories { names } => {
                labels::at_most_labels(&names)?;
                self.labels_changed(swarm.remove_categories(&names).await?)
            }
            Request::CreateTags { names } => {
                labels::at_most_labels(&names)?;
                self.labels_changed(swarm.create_tags(&names).await?)
            }
            Request::RenameTag { from, to } => self.labels_changed(swarm.rename_tag(&from, &to).await?),
            Request::RemoveTags { names } => {
                labels::at_most_labels(&names)?;
                self.labels_changed(swarm.remove_tags(&names).await?)
            }
            Request::SetTorrentCategory { ids, category, move_data } => {
                self.set_torrent_category(distinct(ids)?, category, move_data).await?
            }
            Request::AddTorrentTags { ids, tags } => {
                labels::at_most_labels(&tags)?;
                let before = swarm.labels();
                swarm.add_torrent_tags(&distinct(ids)?, &tags).await?;
                let after = swarm.labels();
                if after != before {
                    self.labels_changed(after);
                }
                Response::Ok
            }
            Request::RemoveTorrentTags { ids, tags } => {
                labels::at_most_labels(&tags)?;
                swarm.remove_torrent_tags(&distinct(ids)?, &tags).await?;
                Response::Ok
            }
            Request::SetLocation { ids, folder } => self.set_location(distinct(ids)?, &folder).await?,
            Request::SetAltLimitsEnabled { enabled } => {
                self.set_alt_limits(enabled).await?;
                self.settings_response()
            }
            Request::ListPeers { id } => {
                swarm.get(&id)?;
                Response::Peers { peers: self.peers_of(&id) }
            }
            Request::AddPeers { id, peers } => {
                swarm.get(&id)?;
                let peers = parse_peers(&peers)?;
                let own = self.peer_listen;
                if let Some(me) = peers.iter().find(|p| Some(**p) == own) {
                    return Err(api_error(
                        ApiErrorKind::BadRequest,
                        format!("{me} is this Bidswarm's own peer address, not another peer's"),
                    ));
                }
                let Some(gateway) = &self.gateway else {
                    return Err(api_error(
                        ApiErrorKind::BadRequest,
                        "peers can be added only while peers go through Bidswarm's gateway",
                    ));
                };
                swarm.remember_peers(&id, &peers).await?;
                let info_hash = id.info_hash();
                for peer in peers {
                    dial(gateway, peer, info_hash);
                }
                Response::Ok
            }
            Request::GetSettings => self.settings_response(),
            Request::GetTorrentSpeed { id } => {
                swarm.get(&id)?;
                Response::TorrentSpeed { speed: self.speed.torrent_status(id.info_hash()) }
            }
            Request::ListBids => Response::Bids {
                bids: swarm.list().into_iter().filter_map(|t| self.speed.bid_summary(t.id)).collect(),
            },
            Request::SetTorrentBid { id, bid } => {
                swarm.get(&id)?;
                if let Some(bid) = &bid {
                    check_bid(bid)?;
                }
                let info_hash = id.info_hash();
                self.speed.set_torrent_bid(info_hash, bid);
                Response::TorrentSpeed { speed: self.speed.torrent_status(info_hash) }
            }
            Request::UpdateSettings { settings } => {
                let _one_change = self.settings_writes.lock().await;
                let before = self.settings.get();
                // The toggle is `set_alt_limits_enabled`'s and the schedule's: a form that
                // read the settings a while ago must not switch it back.
                let mut settings = Settings { alt_limits_enabled: before.alt_limits_enabled, ..*settings };
                if settings.download_folder != before.download_folder {
                    self.confine.check(&settings.download_folder, "The download folder")?;
                }
                let folders_changed = settings.watched_folder != before.watched_folder
                    || settings.download_folder != before.download_folder;
                if let (Some(folder), true) = (&settings.watched_folder, folders_changed) {
                    let folder = self.confine.check(folder, "The watched folder")?;
                    check_watched_folder(&folder, &settings.download_folder)?;
                    tokio::fs::create_dir_all(&folder).await.map_err(|e| {
                        api_error(
                            ApiErrorKind::Io,
                            format!("cannot use {} as the watched folder: {e}", folder.display()),
                        )
                    })?;
                    // Kept as resolved: a link swapped in later does not move it.
                    settings.watched_folder = Some(folder.display().to_string());
                }
                if let Some(category) = &settings.watched_folder_category {
                    self.swarm.category_folder(category)?;
                }
                let blocklist_changed = settings.blocklist_path != before.blocklist_path;
                if let (Some(path), true) = (&settings.blocklist_path, blocklist_changed) {
                    self.confine.check(path, "The blocklist")?;
                }
                let blocklist = match (&settings.blocklist_path, blocklist_changed) {
                    // Read before saving: a wrong path is refused and changes nothing.
                    (Some(path), true) => Some(read_blocklist(path).await?),
                    _ => None,
                };
                let terms = speed::terms_from_settings(&settings.speed)
                    .map_err(|e| api_error(ApiErrorKind::BadRequest, e))?;
                if let (Some(why), true) = (
                    &self.ledger_unavailable,
                    settings.speed.spending_enabled || settings.speed.earning_enabled,
                ) {
                    return Err(api_error(
                        ApiErrorKind::Io,
                        format!("bid for speed needs the ledger, which could not be opened: {why}. Free space or make the data folder writable, then restart Bidswarm"),
                    ));
                }
                let network = self.wallet.check_network(&settings.network)?;
                self.settings.update(settings.clone()).await?;
                self.wallet.set_network(network);
                self.apply_limits(&settings);
                self.speed.set_terms(terms);
                match blocklist {
                    Some(loaded) => self.set_blocklist(loaded),
                    None if blocklist_changed => {
                        self.set_blocklist((Blocklist::default(), BlocklistStatus::default()))
                    }
                    None => {}
                }
                self.settings_response()
            }
            Request::SessionStats => {
                let mut stats = swarm.session_stats();
                stats.listen_addr = self.peer_listen.map(|a| a.to_string());
                stats.free_disk_bytes = fs4::available_space(self.settings.get().download_folder).ok();
                if let Some(gateway) = &self.gateway {
                    stats.connections = gateway.peers().len() as u32;
                    stats.upload_cap_bytes_per_sec = gateway.upload_cap();
                }
                Response::SessionStats { stats }
            }
            Request::ReloadBlocklist => {
                let path = self.settings.get().blocklist_path;
                let blocklist = self.load_blocklist(path.as_deref()).await?;
                Response::Blocklist { blocklist }
            }
            Request::GetPieces { id } => {
                swarm.get(&id)?;
                let have = swarm.have_pieces().into_iter().find(|(t, _)| *t == id).map(|(_, h)| h);
                let pieces = match have {
                    Some(have) => PieceMap {
                        count: have.count,
                        bitfield_base64: base64::Engine::encode(
                            &base64::engine::general_purpose::STANDARD,
                            have.bitfield,
                        ),
                    },
                    // Paused, resolving or checking: nothing to show yet.
                    None => PieceMap { count: 0, bitfield_base64: String::new() },
                };
                Response::Pieces { pieces }
            }
            Request::CreateTorrent { path, output, trackers, piece_length } => {
                let path = self.confine.check(&path, "What to share")?;
                let output = self.confine.check(&output, "The .torrent file to write")?;
                let options = CreateOptions { trackers, piece_length, progress: None };
                let created = create_torrent(&path, &output, &options).await?;
                Response::Created { created }
            }
            Request::WalletStatus => self.wallet.status().await?,
            Request::CreateWallet { words, password, passphrase, store } => {
                self.wallet.create(words, password, passphrase, store).await?
            }
            Request::ImportWallet { mnemonic, private_key, passphrase, password, store } => {
                self.wallet.import(mnemonic, private_key, passphrase, password, store).await?
            }
            Request::UnlockWallet { password } => self.wallet.unlock(password).await?,
            Request::LockWallet => self.wallet.lock_wallet().await?,
            Request::ChangeWalletPassword { old, new } => self.wallet.change_password(old, new).await?,
            Request::RevealMnemonic { password } => self.wallet.reveal_mnemonic(password).await?,
            Request::WalletBalances => self.wallet.balances().await?,
            Request::QuoteSend { to, asset, amount } => self.wallet.quote(to, asset, amount).await?,
            Request::Send { quote_id } => self.wallet.send(quote_id).await?,
            Request::WalletHistory => self.wallet.history().await?,
            Request::QuoteSettlement => {
                let quote = settle::quote(
                    &self.speed,
                    &self.node(),
                    self.ledger.as_deref(),
                    &self.fee_rule(),
                    &self.fee_quotes,
                )
                .await;
                Response::SettlementQuote { quote }
            }
            Request::SettleNow => {
                if self.speed.identity().is_none() {
                    return Err(ApiError::new(
                        ApiErrorKind::WalletLocked,
                        "unlock the wallet to settle: paying needs its key",
                    ));
                }
                let settlements = self
                    .settle(true)
                    .await
                    .into_iter()
                    .map(|s| bidswarm_api::SettlementDone {
                        payee: s.payee.to_string(),
                        amount: s.amount.0.to_string(),
                        txid: s.txid,
                    })
                    .collect();
                Response::Settled { settlements }
            }
            Request::LedgerSummary => self.ledger_summary().await?,
            Request::VerifyLedger => {
                let report = self.ledger()?.verify().await.map_err(ledger_error)?;
                Response::LedgerHealth {
                    health: bidswarm_api::LedgerHealth {
                        ok: report.is_ok(),
                        entries_checked: report.entries_checked,
                        vouchers_checked: report.vouchers_checked,
                        problems: report.problems.iter().map(ToString::to_string).collect(),
                        recovered: self.ledger_recovered.clone(),
                    },
                }
            }
            Request::LedgerHistory { cursor, limit, from, to } => {
                history::ledger_history(self.ledger()?, cursor, limit, from, to).await?
            }
            Request::ExportLedger { from, to } => {
                let mut csv = Vec::new();
                let range = bidswarm_ledger::DateRange { from, to };
                self.ledger()?.export_csv(range, &mut csv).await.map_err(ledger_error)?;
                Response::LedgerCsv { csv: String::from_utf8_lossy(&csv).into_owned() }
            }
        })
    }

    fn peers_of(&self, id: &TorrentId) -> Vec<PeerInfo> {
        let Some(gateway) = &self.gateway else { return Vec::new() };
        let mut peers: Vec<PeerInfo> = gateway
            .peers()
            .into_iter()
            .map(|link| link.snapshot())
            .filter(|link| link.info_hash == Some(id.info_hash()))
            .map(|link| PeerInfo {
                address: link.remote.to_string(),
                client: link.client,
                incoming: link.incoming,
                encrypted: link.encrypted,
                utp: link.transport == bidswarm_gateway::Transport::Utp,
                bt_speed: link.bt_speed,
                uploaded_bytes: link.uploaded_piece_bytes,
                downloaded_bytes: link.downloaded_piece_bytes,
                download_bytes_per_sec: link.download_rate,
                upload_bytes_per_sec: link.upload_rate,
                am_choking: link.am_choking,
                am_interested: link.am_interested,
                peer_choking: link.peer_choking,
                peer_interested: link.peer_interested,
            })
            .collect();
        peers.sort_by(|a, b| a.address.cmp(&b.address));
        peers
    }

    fn ledger(&self) -> Result<&bidswarm_ledger::Ledger, ApiError> {
        self.ledger.as_deref().ok_or_else(|| match &self.ledger_unavailable {
            Some(why) => api_error(
                ApiErrorKind::Io,
                format!("{why}. Torrents run on and bid for speed is off; free space or make the data folder writable, then restart Bidswarm"),
            ),
            None => api_error(ApiErrorKind::Io, "this session keeps no ledger (it has no state folder)"),
        })
    }

    async fn ledger_summary(&self) -> Result<Response, ApiError> {
        let ledger = self.ledger()?;
        let s = ledger.summary().await.map_err(ledger_error)?;
        let text = |a: bidswarm_ledger::Amount| a.base_units().to_string();
        let economics = |e: bidswarm_ledger::Economics| bidswarm_api::Economics {
            spent: text(e.spent),
            earned: text(e.earned),
            vouchers: e.vouchers,
        };
        let breakdown = ledger.breakdown().await.map_err(ledger_error)?;
        let per_torrent = (breakdown.per_torrent.into_iter())
            .map(|(hash, e)| bidswarm_api::TorrentEconomics {
                id: TorrentId::from(hash),
                economics: economics(e),
            })
            .collect();
        let mut per_peer: Vec<_> = breakdown.per_peer.into_iter().collect();
        // Most money moved first.
        per_peer.sort_by_key(|(_, e)| {
            std::cmp::Reverse(e.spent.base_units().saturating_add(e.earned.base_units()))
        });
        let per_peer = (per_peer.into_iter())
            .map(|(peer, e)| bidswarm_api::PeerEconomics { peer: peer.to_base58(), economics: economics(e) })
            .collect();
        let by_day = (breakdown.by_day.into_iter())
            .map(|(day, e)| bidswarm_api::DayEconomics { day, economics: economics(e) })
            .collect();
        let summary = bidswarm_api::LedgerSummary {
            onchain: text(s.onchain),
            committed: text(s.committed),
            spendable: text(s.spendable),
            spent: text(s.spent),
            earned_pending: text(s.earned_pending),
            earned_settled: text(s.earned_settled),
            fees: text(s.fees),
            settlement_fees_sun: ledger.settlement_fees_sun().await.map_err(ledger_error)?.to_string(),
            send_fees_sun: ledger.send_fees_sun().await.map_err(ledger_error)?.to_string(),
        };
        Ok(Response::LedgerSummary { summary, per_torrent, per_peer, by_day })
    }

    /// Puts the limits from `settings` in force: upload in the gateway, download in the
    /// engine, connection counts and encryption in the gateway (for new connections).
    fn apply_limits(&self, settings: &Settings) {
        let limits = settings.effective_limits();
        self.swarm.set_session_limits(engine_limits(limits, self.gateway.is_some()));
        if let Some(gateway) = &self.gateway {
            gateway.set_upload_cap(limits.upload_bytes_per_sec.map(u64::from));
            gateway.set_limits(connection_limits(settings));
            gateway.set_encryption(encryption(settings.encryption));
        }
    }

    /// Reads the blocklist at `path` (none: no blocklist) and puts it in force.
    async fn load_blocklist(&self, path: Option<&str>) -> Result<BlocklistStatus, ApiError> {
        let loaded = match path {
            Some(path) => read_blocklist(path).await?,
            None => (Blocklist::default(), BlocklistStatus::default()),
        };
        let status = loaded.1.clone();
        self.set_blocklist(loaded);
        Ok(status)
    }

    fn set_blocklist(&self, (blocklist, status): (Blocklist, BlocklistStatus)) {
        if let Some(path) = &status.path {
            info!(path, ranges = status.ranges, bad_lines = status.bad_lines.len(), "blocklist loaded");
        }
        if let Some(gateway) = &self.gateway {
            gateway.set_blocklist(blocklist);
        }
        *self.blocklist.lock().unwrap_or_else(|p| p.into_inner()) = status;
    }

    /// Adds a torrent: the user's `add_torrent`, and the watched folder's.
    async fn add_torrent(
        &self,
        mut source: bidswarm_api::TorrentSource,
        mut options: bidswarm_api::AddOptions,
    ) -> Result<bidswarm_api::TorrentInfo, ApiError> {
        labels::at_most_labels(&options.tags)?;
        if let (None, Some(category)) = (&options.output_folder, &options.category) {
            options.output_folder = self.swarm.category_folder(category)?;
        }
        // The download folder setting may have changed since the session started.
        let folder = options.output_folder.get_or_insert_with(|| self.settings.get().download_folder);
        *folder = self.confine.check(folder, "The download folder")?.display().to_string();
        self.confine_source(&mut source)?;
        if let Some(bid) = &options.bid {
            check_bid(bid)?;
        }
        // With the queue on, a new torrent joins it at the bottom, and the queue starts it
        // now if there is room: it never runs beyond the limits, even for the second
        // before the next round.
        let queue_it = self.settings.get().queue.enabled && !options.paused;
        options.paused |= queue_it;
        let mut torrent = self.swarm.add(&source, &options).await?;
        if options.category.is_some() {
            // Its category's priority weighs its uploads from the start.
            self.speed.set_bandwidth_weights(self.swarm.bandwidth_weights());
        }
        if let Some(bid) = options.bid.clone() {
            self.speed.set_torrent_bid(torrent.id.info_hash(), Some(bid));
        }
        if queue_it {
            self.swarm.mark_queued(&torrent.id).await;
            self.run_queue(&self.settings.get().queue, &self.swarm.list()).await;
            torrent = self.swarm.get(&torrent.id)?;
        }
        self.watcher.track(&torrent);
        Ok(torrent)
    }

    /// Removes a torrent: the user's `remove`, and a seeding limit's.
    async fn remove(&self, id: &TorrentId, delete_data: bool) -> Result<(), ApiError> {
        if delete_data {
            self.confine.check(&self.swarm.get(id)?.output_folder, "The torrent's folder")?;
        }
        self.swarm.remove(id, delete_data).await?;
        self.speed.set_bandwidth_weights(self.swarm.bandwidth_weights());
        if let Some(gateway) = &self.gateway {
            gateway.forget_torrent(id.info_hash());
        }
        // What its channels owe is paid at the next round, whatever the threshold.
        self.settle_all.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// Switches the alternative speed limits on or off, saved and put in force at once.
    async fn set_alt_limits(&self, enabled: bool) -> Result<(), ApiError> {
        let _one_change = self.settings_writes.lock().await;
        let settings = Settings { alt_limits_enabled: enabled, ..self.settings.get() };
        self.settings.update(settings.clone()).await?;
        self.apply_limits(&settings);
        Ok(())
    }

    /// Once a second: the schedule switches the alternative limits when its window opens
    /// or closes, finished torrents past a seeding limit stop, and the queue starts and
    /// stops torrents to keep within its limits.
    async fn apply_rules(&self, torrents: &[bidswarm_api::TorrentInfo]) {
        let settings = self.settings.get();
        let decided = self
            .scheduler
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .decide(&settings.alt_schedule, self.clock.now());
        if let Some(enabled) = decided.filter(|on| *on != settings.alt_limits_enabled) {
            match self.set_alt_limits(enabled).await {
                Ok(()) => {
                    info!(enabled, "the schedule switched the alternative speed limits");
                    let _ = self.events.send(Event::AltLimitsScheduled { enabled });
                }
                Err(e) => warn!("the schedule could not switch the alternative speed limits: {}", e.message),
            }
        }
        let mut stopped = false;
        for torrent in torrents {
            if seeding::reached(torrent, &settings.seeding_limits).is_none() {
                continue;
            }
            // The sample may be a second old: the user may have resumed it, given it its
            // own limits or removed it since. Decide again on what it is now.
            let Ok(now) = self.swarm.get(&torrent.id) else { continue };
            let Some((limit, limits)) = seeding::reached(&now, &settings.seeding_limits) else {
                continue;
            };
            stopped = true;
            let id = torrent.id.clone();
            let done = match limits.action {
                bidswarm_api::SeedingAction::Pause => self.swarm.pause(&id).await.map_err(ApiError::from),
                bidswarm_api::SeedingAction::Remove => self.remove(&id, false).await,
            };
            match done {
                Ok(()) => {
                    info!(info_hash = %id, ?limit, action = ?limits.action, "seeding limit reached");
                    let _ = self.events.send(Event::SeedingLimitReached {
                        id,
                        name: torrent.name.clone(),
                        limit,
                        action: limits.action,
                    });
                }
                Err(e) => {
                    warn!(info_hash = %id, "could not stop a torrent at its seeding limit: {}", e.message)
                }
            }
        }
        // After the seeding limits, whose pauses free places.
        if stopped {
            self.run_queue(&settings.queue, &self.swarm.list()).await;
        } else {
            self.run_queue(&settings.queue, torrents).await;
        }
        if let Some(folder) = &settings.watched_folder {
            let due = {
                let mut at = self.watched_at.lock().unwrap_or_else(|p| p.into_inner());
                let due = at.is_none_or(|t| t.elapsed() >= watched::SCAN_EVERY);
                if due {
                    *at = Some(std::time::Instant::now());
                }
                due
            };
            if due {
                self.take_watched(std::path::Path::new(folder)).await;
            }
        }
    }

    /// Adds the `.torrent` files waiting in the watched folder and moves each aside.
    async fn take_watched(&self, folder: &std::path::Path) {
        let settings = self.settings.get();
        let found = match watched::scan(folder, std::time::SystemTime::now()).await {
            Ok(found) => found,
            Err(e) => {
                debug!(folder = %folder.display(), "cannot read the watched folder: {e}");
                return;
            }
        };
        for (file, bytes) in found {
            let added = match bytes {
                Ok(bytes) => {
                    let source = bidswarm_api::TorrentSource::TorrentBase64(base64::Engine::encode(
                        &base64::engine::general_purpose::STANDARD,
                        &bytes,
                    ));
                    // A category removed since it was chosen is left out, not a failure.
                    let category = settings
                        .watched_folder_category
                        .clone()
                        .filter(|c| self.swarm.category_folder(c).is_ok());
                    let options = bidswarm_api::AddOptions { category, ..Default::default() };
                    self.add_torrent(source, options).await.map(|t| t.name)
                }
                Err(why) => Err(api_error(ApiErrorKind::InvalidTorrent, why)),
            };
            let (sub, failed) = match added {
                Ok(name) => {
                    info!(file = ?file, ?name, "added from the watched folder");
                    (watched::ADDED, None)
                }
                // Already in the list: done, as far as the user is concerned.
                Err(e) if e.kind == ApiErrorKind::AlreadyExists => (watched::ADDED, None),
                Err(e) => (watched::FAILED, Some(e)),
            };
            let moved = match watched::move_aside(&file, sub).await {
                Ok(moved) => moved,
                Err(e) => {
                    // Left where it is, it is tried again at the next look; the others go on.
                    warn!(file = ?file, "cannot move a file out of the watched folder: {e}; it is tried again at the next look");
                    continue;
                }
            };
            if let Some(error) = failed {
                warn!(file = ?moved, "could not add a file from the watched folder: {}", error.message);
                let file = moved.display().to_string();
                let _ = self.events.send(Event::WatchedFileFailed { file, error });
            }
        }
    }

    /// Starts and stops torrents to keep within the queue's limits ([`queue::Queue::plan`]).
    ///
    /// The plan is made on `sample` (the watcher's, up to a second old); only when it finds
    /// something to do is it made again on a fresh listing, under the lock, and carried out.
    /// The records are saved once for all the steps.
    async fn run_queue(&self, settings: &bidswarm_api::QueueSettings, sample: &[bidswarm_api::TorrentInfo]) {
        let mut queue = self.queue.lock().await;
        let now = std::time::Instant::now();
        if queue.plan(sample, settings, now).is_empty() {
            return;
        }
        let steps = queue.plan(&self.swarm.list(), settings, now);
        for (id, step) in steps {
            let done = match step {
                queue::Step::Start => self.swarm.queue_resume(&id).await,
                queue::Step::Wait => self.swarm.queue_pause(&id).await,
            };
            if let Err(e) = done {
                warn!(info_hash = %id, ?step, "the queue could not start or stop a torrent: {e}");
            }
        }
        self.swarm.flush_records().await;
    }

    /// Tells every open UI that a torrent changed, a paused one's too (paused ones get no
    /// progress events of their own), and returns it.
    fn changed(&self, swarm: &Swarm, id: &TorrentId) -> Result<bidswarm_api::TorrentInfo, ApiError> {
        let torrent = swarm.get(id)?;
        let _ = self.events.send(Event::Progress { torrent: torrent.clone() });
        Ok(torrent)
    }

    fn settings_response(&self) -> Response {
        let settings = self.settings.get();
        let before = &self.started_with;
        let restart_required = settings.listen_port != before.listen_port
            || settings.dht != before.dht
            || settings.local_service_discovery != before.local_service_discovery
            || settings.upnp != before.upnp;
        Response::Settings { settings, restart_required }
    }
}

/// Every [`settle::SETTLE_EVERY`]: pays what is due (everything, after a torrent was
/// removed), reads the fees of the user's sends, and matches incoming transfers to our
/// earn channels. Touches the network only when something is owed either way or a send's
/// fee is not known yet.
fn settlement_round(weak: std::sync::Weak<Core>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(settle::SETTLE_EVERY);
        let mut seen = settle::Incoming::default();
        tick.tick().await;
        loop {
            tick.tick().await;
            let Some(core) = weak.upgrade() else { return };
            // Everything owed after a torrent was removed; kept until a key is unlocked to
            // pay with.
            let all = core.speed.identity().is_some() && core.settle_all.swap(false, Ordering::Relaxed);
            core.settle(all).await;
            core.wallet.follow_send_fees().await;
            if core.speed.has_unsettled_earnings() {
                let node = core.node();
                if let Err(e) =
                    settle::watch_incoming(&core.speed, &node, core.ledger.as_deref(), &mut seen).await
                {
                    tracing::debug!("could not look for incoming settlements: {e}");
                }
            }
        }
    })
}

/// Most torrents one request may name.
const MAX_IDS: usize = 10_000;

/// `ids` without repeats, in their order; more than [`MAX_IDS`] is refused.
/// [`distinct`], each one a torrent the swarm has: checked before a request acts on any.
fn known_ids(swarm: &Swarm, ids: Vec<TorrentId>) -> Result<Vec<TorrentId>, ApiError> {
    let ids = distinct(ids)?;
    for id in &ids {
        swarm.get(id)?;
    }
    Ok(ids)
}

fn distinct(ids: Vec<TorrentId>) -> Result<Vec<TorrentId>, ApiError> {
    if ids.len() > MAX_IDS {
        return Err(api_error(
            ApiErrorKind::BadRequest,
            format!("a request may name at most {MAX_IDS} torrents, not {}", ids.len()),
        ));
    }
    let mut seen = std::collections::HashSet::with_capacity(ids.len());
    Ok(ids.into_iter().filter(|id| seen.insert(id.clone())).collect())
}

/// The watched folder may not be the download folder, inside it or around it: a
/// downloaded file named `.torrent` would be taken and moved away from under its torrent.
fn check_watched_folder(folder: &std::path::Path, download_folder: &str) -> Result<(), ApiError> {
    let downloads = std::path::Path::new(download_folder);
    let downloads = std::fs::canonicalize(downloads).unwrap_or_else(|_| downloads.to_path_buf());
    if folder.starts_with(&downloads) || downloads.starts_with(folder) {
        return Err(api_error(
            ApiErrorKind::BadRequest,
            format!(
                "the watched folder {} must be apart from the download folder {}: files downloaded there would be taken for new torrents",
                folder.display(),
                downloads.display()
            ),
        ));
    }
    Ok(())
}

/// After each of the watcher's samples (every second): the alternative limits' schedule,
/// the seeding limits, the queue and the watched folder ([`Core::apply_rules`]).
fn rules_round(
    weak: std::sync::Weak<Core>,
    mut sampled: tokio::sync::watch::Receiver<Arc<Vec<bidswarm_api::TorrentInfo>>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while sampled.changed().await.is_ok() {
            let torrents = sampled.borrow_and_update().clone();
            let Some(core) = weak.upgrade() else { return };
            core.apply_rules(&torrents).await;
        }
    })
}

/// How long quitting waits for the last settlements.
const QUIT_SETTLE_WITHIN: std::time::Duration = std::time::Duration::from_secs(40);

/// How long a payer's balance read from the chain is trusted.
const PAYER_BALANCE_FRESH: std::time::Duration = std::time::Duration::from_secs(15);

/// Reads the BTT balance of every payer with an open earn channel, when first seen and
/// then every [`PAYER_BALANCE_FRESH`], so its vouchers are checked against it
/// (docs/PROTOCOL.md §7); and our own, while we might pay, so our vouchers never promise
/// more than the wallet holds. A node that cannot be reached leaves the last figure.
fn payer_balance_round(weak: std::sync::Weak<Core>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        let mut read_at: HashMap<bidswarm_wallet::Address, tokio::time::Instant> = HashMap::new();
        loop {
            tick.tick().await;
            let Some(core) = weak.upgrade() else { return };
            let Some(me) = core.speed.identity() else { continue };
            let ours = core.speed.paying_address().map(|address| (address, true));
            let payers = core.speed.payers().into_iter().map(|address| (address, false));
            for (payer, own) in ours.into_iter().chain(payers) {
                if read_at.get(&payer).is_some_and(|at| at.elapsed() < PAYER_BALANCE_FRESH) {
                    continue;
                }
                read_at.insert(payer, tokio::time::Instant::now());
                match core.node().trc20_balance(&me.token, &payer).await {
                    Ok(balance) if own => core.speed.set_own_balance(payer, bidswarm_speed::Amount(balance)),
                    Ok(balance) => core.speed.set_payer_balance(payer, bidswarm_speed::Amount(balance)),
                    Err(e) => tracing::debug!(%payer, "could not read the payer's balance: {e}"),
                }
            }
        }
    })
}

/// The core's one round, every [`speed::TICK`]: pieces verified since the last round are
/// reported to the gateway, which attributes them; what it attributed goes to the UI as
/// events and to the speed layer (what to pay for), which then runs its bids and auction.
fn rounds(
    swarm: Arc<Swarm>,
    gateway: Arc<Gateway>,
    speed: Arc<speed::SpeedService>,
    events: broadcast::Sender<Event>,
) -> tokio::task::JoinHandle<()> {
    let mut verified = gateway.verified_pieces();
    bidswarm_swarm::spawn(tracing::info_span!("rounds"), "rounds", async move {
        let mut watch = pieces::PieceWatch::default();
        let mut ticker = tokio::time::interval(speed::TICK);
        // After a stall (a busy machine), rounds resume a tick apart instead of catching up
        // in a burst: a burst sends vouchers faster than a payee takes them (8 a second,
        // docs/PROTOCOL.md §7), and the payee refuses them as a flood.
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            watch.report(&swarm, &gateway);
            let pieces = pieces::drain(&mut verified);
            for event in pieces::events_of(&pieces) {
                // No UI listening is normal.
                let _ = events.send(event);
            }
            // Nobody speaks bt_speed with us: nothing to pay, bid or auction, so skip
            // listing every torrent four times a second.
            if !speed.has_peers() {
                continue;
            }
            let progress = swarm
                .list()
                .into_iter()
                .map(|t| {
                    let hash = t.id.info_hash();
                    let remaining = t.total_bytes.saturating_sub(t.progress_bytes);
                    let piece_length = t.piece_length.unwrap_or(0);
                    (hash, bidswarm_speed::session::Progress { remaining, piece_length })
                })
                .collect();
            speed.tick(pieces, progress);
        }
        #[allow(unreachable_code)]
        Ok::<(), std::convert::Infallible>(())
    })
}

/// Most peers one `add_peers` request names.
const MAX_PEERS_ADDED: usize = 64;

/// `IP:port` texts as peer addresses; the first that is not a peer's address fails the
/// whole request, naming it.
fn parse_peers(peers: &[String]) -> Result<Vec<SocketAddr>, ApiError> {
    let bad = |message: String| api_error(ApiErrorKind::BadRequest, message);
    if peers.is_empty() {
        return Err(bad("name at least one peer, as IP:port".into()));
    }
    if peers.len() > MAX_PEERS_ADDED {
        return Err(bad(format!("at most {MAX_PEERS_ADDED} peers at once, not {}", peers.len())));
    }
    peers
        .iter()
        .map(|text| {
            let shown: String = text.chars().take(64).collect();
            let Ok(addr) = text.trim().parse::<SocketAddr>() else {
                return Err(bad(format!(
                    "{shown:?} is not a peer address; write IP:port, as 192.0.2.7:6881 or [2001:db8::7]:6881"
                )));
            };
            let ip = addr.ip();
            if addr.port() == 0 || ip.is_unspecified() || ip.is_multicast() || ip == Ipv4Addr::BROADCAST {
                return Err(bad(format!(
                    "{shown:?} cannot be a peer: no peer listens on port 0 or at that address"
                )));
            }
            Ok(addr)
        })
        .collect()
}

/// Dials `peer` for the torrent in the background; the gateway hands the connection to
/// the engine.
fn dial(gateway: &Arc<Gateway>, peer: SocketAddr, info_hash: [u8; 20]) {
    let gateway = gateway.clone();
    tokio::spawn(async move {
        match gateway.dial(peer, info_hash).await {
            Ok(()) => debug!(%peer, "an added peer's connection ended"),
            Err(e) => debug!(%peer, "an added peer's connection ended: {e}"),
        }
    });
}

/// Most peers dialled from one tracker answer (which may hold 200).
const TRACKER_DIALS: usize = 50;

/// Where the swarm's trackers send the peers they find: each not connected already, and
/// not this Bidswarm itself, is dialled through the gateway.
fn dial_tracker_peers(gateway: &Arc<Gateway>, own: Option<SocketAddr>) -> bidswarm_swarm::PeersFn {
    let gateway = Arc::downgrade(gateway);
    Arc::new(move |id, peers| {
        let Some(gateway) = gateway.upgrade() else { return };
        let mut budget = TRACKER_DIALS;
        dial_missing(&gateway, &connected_peers(&gateway), id, peers, own, &mut budget);
    })
}

fn connected_peers(gateway: &Gateway) -> std::collections::HashSet<SocketAddr> {
    gateway.peers().iter().map(|l| l.remote()).collect()
}

/// Dials each of `peers` that no connection reaches now and is not `own`, while `budget`
/// lasts (each dial takes one).
fn dial_missing(
    gateway: &Arc<Gateway>,
    connected: &std::collections::HashSet<SocketAddr>,
    id: &TorrentId,
    peers: Vec<SocketAddr>,
    own: Option<SocketAddr>,
    budget: &mut usize,
) {
    let info_hash = id.info_hash();
    for peer in peers.into_iter().filter(|p| Some(*p) != own && !connected.contains(p)) {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        dial(gateway, peer, info_hash);
    }
}

/// How often peers the user added, and peers trackers gave, are dialled again while
/// they are not connected.
const REDIAL_EVERY: std::time::Duration = std::time::Duration::from_secs(60);
/// Most dials one such round makes, over all torrents.
const REDIALS_PER_ROUND: usize = 256;

/// Every [`REDIAL_EVERY`] (the first a few seconds after start, once torrents run): dials
/// each remembered peer of a running torrent, and each peer its trackers last gave, that
/// no connection reaches now. A dial that failed once (the peer was restarting) is
/// otherwise not tried again: a tracker names it again only at its next announce.
fn redial_round(
    swarm: Arc<Swarm>,
    gateway: Arc<Gateway>,
    own: Option<SocketAddr>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        let mut tick = tokio::time::interval(REDIAL_EVERY);
        loop {
            tick.tick().await;
            let connected = connected_peers(&gateway);
            let mut budget = REDIALS_PER_ROUND;
            let remembered = swarm.remembered_peers().into_iter().filter(|(id, _)| {
                swarm
                    .get(id)
                    .is_ok_and(|t| matches!(t.state, TorrentState::Downloading | TorrentState::Seeding))
            });
            // The trackers' peers are of running torrents only.
            for (id, peers) in remembered.chain(swarm.tracker_peers()) {
                dial_missing(&gateway, &connected, &id, peers, own, &mut budget);
            }
        }
    })
}

fn check_bid(bid: &bidswarm_api::TorrentBid) -> Result<(), ApiError> {
    if bid.spending && bid.budget.0 == 0 {
        return Err(api_error(ApiErrorKind::BadRequest, "a bid needs a budget above zero"));
    }
    Ok(())
}

/// What librqbit itself limits: behind the gateway only the download, since the gateway
/// shapes the upload per connection.
fn engine_limits(limits: RateLimits, behind_gateway: bool) -> RateLimits {
    RateLimits {
        download_bytes_per_sec: limits.download_bytes_per_sec,
        upload_bytes_per_sec: if behind_gateway { None } else { limits.upload_bytes_per_sec },
    }
}

fn connection_limits(settings: &Settings) -> ConnectionLimits {
    ConnectionLimits {
        max_connections: settings.max_connections.max(1) as usize,
        max_per_torrent: settings.max_connections_per_torrent.max(1) as usize,
        max_per_ip: settings.max_connections_per_ip.max(1) as usize,
    }
}

/// The gateway's MSE/PE mode for the setting.
fn encryption(mode: EncryptionMode) -> bidswarm_gateway::Encryption {
    match mode {
        EncryptionMode::Prefer => bidswarm_gateway::Encryption::Prefer,
        EncryptionMode::Require => bidswarm_gateway::Encryption::Require,
        EncryptionMode::Disable => bidswarm_gateway::Encryption::Disable,
    }
}

/// Largest blocklist read; the biggest public P2P lists are about 20 MB.
const MAX_BLOCKLIST_BYTES: u64 = 64 << 20;

/// Reads a blocklist file. Whoever can change the settings names the path, so it is read
/// only if it is a regular file of at most [`MAX_BLOCKLIST_BYTES`] (a FIFO would hang the
/// request, `/dev/zero` would fill memory), and no error quotes what the file holds (a
/// key file named as a blocklist must not come back in the message).
async fn read_blocklist(path: &str) -> Result<(Blocklist, BlocklistStatus), ApiError> {
    use tokio::io::AsyncReadExt;
    let cannot = |e: std::io::Error| {
        let kind = if e.kind() == std::io::ErrorKind::NotFound {
            ApiErrorKind::PathNotFound
        } else {
            ApiErrorKind::Io
        };
        api_error(kind, format!("cannot read the blocklist {path}: {e}"))
    };
    let too_big = || {
        api_error(
            ApiErrorKind::BadRequest,
            format!("{path} is larger than {} MiB, too large for a blocklist", MAX_BLOCKLIST_BYTES >> 20),
        )
    };
    let meta = tokio::fs::metadata(path).await.map_err(cannot)?;
    if !meta.is_file() {
        return Err(api_error(
            ApiErrorKind::BadRequest,
            format!("{path} is not a regular file; a blocklist is a text file of CIDR blocks, addresses or ranges"),
        ));
    }
    if meta.len() > MAX_BLOCKLIST_BYTES {
        return Err(too_big());
    }
    let file = tokio::fs::File::open(path).await.map_err(cannot)?;
    let mut bytes = Vec::new();
    file.take(MAX_BLOCKLIST_BYTES + 1).read_to_end(&mut bytes).await.map_err(cannot)?;
    if bytes.len() as u64 > MAX_BLOCKLIST_BYTES {
        return Err(too_big());
    }
    let (blocklist, bad) = Blocklist::parse(&String::from_utf8_lossy(&bytes));
    if blocklist.is_empty() && !bad.is_empty() {
        return Err(api_error(
            ApiErrorKind::BadRequest,
            format!(
                "{path} is not a blocklist: no line could be read (the first unreadable one is line {}); expected CIDR blocks, addresses or ranges",
                bad[0].line
            ),
        ));
    }
    let status = BlocklistStatus {
        path: Some(path.to_owned()),
        ranges: blocklist.len() as u32,
        bad_lines: bad.iter().take(20).map(|b| b.line as u32).collect(),
    };
    Ok((blocklist, status))
}

/// Opens the ledger at `path`. A damaged file (not a database, a corrupt page, tables
/// that cannot be brought up to date) is moved aside, unchanged, and a fresh ledger opens
/// in its place, so torrents and the wallet keep working; anything else (permissions, a
/// folder in the way, the disk, a lock, a newer Bidswarm's ledger) keeps the session from
/// starting, with nothing moved (`bidswarm_ledger`'s `recovery.rs` says why).
/// Whether `dir` can be written: librqbit's session store writes on every change and
/// fails the change when it cannot (a read-only or full disk).
async fn writable(dir: &std::path::Path) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let probe = dir.join(".bidswarm-write-probe");
    tokio::fs::write(&probe, b"probe").await?;
    tokio::fs::remove_file(&probe).await
}

async fn open_ledger(
    path: &std::path::Path,
) -> Result<(bidswarm_ledger::Ledger, Option<bidswarm_api::LedgerRecovery>), ApiError> {
    let cannot = |e: &dyn std::error::Error| {
        api_error(ApiErrorKind::Io, format!("cannot open the ledger {}: {}", path.display(), error_chain(e)))
    };
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await.map_err(|e| cannot(&e))?;
    }
    let now = bidswarm_primitives::unix_secs();
    let (ledger, set_aside) =
        bidswarm_ledger::Ledger::open_or_set_aside(path, now).await.map_err(|e| cannot(&e))?;
    let recovered = set_aside.map(|s| {
        warn!(
            "the ledger {} was damaged ({}); it was moved, unchanged, to {} and a fresh ledger was \
             started in its place. Nothing was deleted, but money recorded only in the old file \
             is not in the fresh one.",
            path.display(),
            s.reason,
            s.moved_to.display()
        );
        bidswarm_api::LedgerRecovery { moved_to: s.moved_to.display().to_string(), reason: s.reason, at: now }
    });
    Ok((ledger, recovered))
}
