//! Trackers: Bidswarm announces to them itself, so it can show how each is doing, change a
//! torrent's list while it runs, and announce again on demand. librqbit 9.1 shows none of
//! this, and fixes a torrent's trackers when it is added, so its own announcing is off
//! (`SessionOptions::disable_trackers`).
//!
//! - A torrent's list is its `.torrent`'s (BEP 12 tiers; a magnet's `tr=` each in a tier of
//!   its own) until the user changes it; then the record keeps it ([`TrackerEntry`]).
//! - Every tracker of every running torrent is announced to: `started` when the torrent
//!   starts (or the tracker is added), `completed` when it completes, again after the
//!   tracker's interval (clamped, [`announce::clamp_interval`]), and `stopped` when it is
//!   paused or removed, or the tracker is. A failed announce is tried again after a
//!   minute, doubling up to an hour.
//! - Peers a tracker gives for a running torrent go to [`PeersFn`] (the core dials them
//!   through the gateway); for a magnet still resolving, to its metadata fetch.
//! - A resolving magnet announces too (`left` = 1: it has nothing), which is how a magnet
//!   with only trackers finds peers.

use std::{
    collections::{HashMap, HashSet},
    net::{IpAddr, SocketAddr},
    pin::Pin,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use tokio::sync::futures::OwnedNotified;

use bidswarm_api::{TorrentId, TrackerInfo, TrackerStatus, TrackerUrl, MAX_TRACKERS};
use serde::{Deserialize, Serialize};
use tracing::{debug, info_span};

use crate::{
    announce::{self, Announce, Event},
    spawn::spawn,
    Error, Result, Swarm,
};

/// How often the announcer looks for announces that are due.
pub(crate) const ROUND: Duration = Duration::from_secs(1);
/// Announces at once, over all torrents: a thousand torrents starting do not open a
/// thousand connections.
const CONCURRENT_ANNOUNCES: usize = 16;
/// First wait after a failed announce (the shortest interval we keep to); it doubles with
/// each failure in a row.
const RETRY_AFTER: Duration = announce::MIN_INTERVAL;
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);
/// Shortest time between two announces to one tracker, "reannounce" included.
const REANNOUNCE_GAP: Duration = Duration::from_secs(5);
/// How long a `stopped` announce may take before it is given up.
const STOPPED_TIMEOUT: Duration = Duration::from_secs(5);
/// `stopped` announces at once. They have slots of their own: a queue of announces
/// waiting on dead trackers must not hold up the news that we left.
const CONCURRENT_STOPPED: usize = 32;
/// Most peers kept for a magnet still fetching its metadata.
const MAX_FOUND: usize = 400;
/// Most peers from trackers kept per running torrent to dial again.
const MAX_GIVEN: usize = 50;
/// What a resolving magnet says it has left: anything above 0 says "not a seeder".
const UNKNOWN_LEFT: u64 = 1;

/// One tracker in a torrent's list, as records keep it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TrackerEntry {
    pub url: TrackerUrl,
    pub tier: u32,
    /// `url`'s host, worked out once: every listing shows it for every torrent.
    #[serde(skip)]
    pub host: String,
}

impl TrackerEntry {
    pub fn new(url: TrackerUrl, tier: u32) -> Self {
        Self { host: url.host(), url, tier }
    }
}

/// Receives the peers a tracker gave for a running torrent.
pub type PeersFn = Arc<dyn Fn(&TorrentId, Vec<SocketAddr>) + Send + Sync>;

/// How the announces to one tracker of one torrent are going.
#[derive(Debug, Clone)]
struct State {
    /// How the last announce went (never `updating`: that is `in_flight`, [`State::shown`]).
    status: TrackerStatus,
    message: Option<String>,
    peers: u32,
    seeds: Option<u32>,
    leechers: Option<u32>,
    /// Unix seconds, and when by the monotonic clock.
    last: Option<(u64, Instant)>,
    /// `None` while the torrent does not run.
    next: Option<Instant>,
    min_interval: Duration,
    failures: u32,
    in_flight: bool,
    /// A `started` was answered, so a `stopped` is owed when the torrent stops.
    started: bool,
    /// Whether the torrent was complete when the tracker was last told.
    told_complete: bool,
}

impl State {
    /// The status as the user sees it: `updating` while an announce is queued or on its way.
    fn shown(&self) -> TrackerStatus {
        if self.in_flight {
            TrackerStatus::Updating
        } else {
            self.status
        }
    }
}

impl Default for State {
    fn default() -> Self {
        Self {
            status: TrackerStatus::NotContacted,
            message: None,
            peers: 0,
            seeds: None,
            leechers: None,
            last: None,
            next: None,
            min_interval: Duration::ZERO,
            failures: 0,
            in_flight: false,
            started: false,
            told_complete: false,
        }
    }
}

#[derive(Debug, Default)]
struct TorrentTrackers {
    states: HashMap<TrackerUrl, State>,
    running: bool,
    /// `(uploaded, downloaded, left)` as last read while it ran: librqbit's counters are
    /// gone once a torrent is paused or removed, and `stopped` still reports them.
    figures: Option<(u64, u64, u64)>,
    /// Peers found while the torrent is a magnet still resolving (or previewed).
    found: Vec<SocketAddr>,
    /// A magnet being previewed: kept by the round though it does not run.
    preview: bool,
    /// Peers the trackers last gave while it runs, newest first, at most [`MAX_GIVEN`]:
    /// dialled again while not connected ([`Swarm::tracker_peers`]), since a dial that
    /// failed once (a peer restarting) is otherwise not tried again until the next
    /// announce, half an hour on.
    given: Vec<SocketAddr>,
    found_signal: Arc<tokio::sync::Notify>,
}

struct PreviewGuard<'a> {
    swarm: &'a Swarm,
    id: &'a TorrentId,
    answered: Vec<TrackerUrl>,
    /// Dropped with the guard, which stops the announces still waiting.
    _asks: tokio::task::JoinSet<()>,
}

impl Drop for PreviewGuard<'_> {
    fn drop(&mut self) {
        if let Some(t) = self.swarm.announcer.lock().get_mut(self.id) {
            t.preview = false;
            t.found.clear();
        }
        for url in std::mem::take(&mut self.answered) {
            self.swarm.send_stopped(self.id, url);
        }
    }
}

impl TorrentTrackers {
    /// Keeps peers for a metadata fetch and wakes it when some are new.
    fn take_found(&mut self, peers: &[SocketAddr]) {
        let before = self.found.len();
        for peer in peers {
            if self.found.len() < MAX_FOUND && !self.found.contains(peer) {
                self.found.push(*peer);
            }
        }
        if self.found.len() > before {
            self.found_signal.notify_waiters();
        }
    }
}

/// The announcing side of a session.
pub(crate) struct Announcer {
    http: reqwest::Client,
    peer_id: [u8; 20],
    key: u32,
    /// The port peers reach us on (the gateway's).
    port: u16,
    torrents: Mutex<HashMap<TorrentId, TorrentTrackers>>,
    on_peers: std::sync::RwLock<Option<PeersFn>>,
    permits: Arc<tokio::sync::Semaphore>,
    stopped_permits: Arc<tokio::sync::Semaphore>,
    /// Held while a torrent's list is read, changed and stored, so two changes at once
    /// never lose one.
    changes: tokio::sync::Mutex<()>,
}

impl Announcer {
    pub fn new(port: u16) -> Self {
        let mut peer_id = *b"-BS0001-000000000000";
        let mut key = [0u8; 4];
        // Random bytes from the OS; without them the id is still unique enough per host.
        let _ = getrandom::fill(&mut peer_id[8..]).and_then(|()| getrandom::fill(&mut key));
        Self {
            http: announce::http_client(),
            peer_id,
            key: u32::from_be_bytes(key),
            port,
            torrents: Default::default(),
            on_peers: Default::default(),
            permits: Arc::new(tokio::sync::Semaphore::new(CONCURRENT_ANNOUNCES)),
            stopped_permits: Arc::new(tokio::sync::Semaphore::new(CONCURRENT_STOPPED)),
            changes: Default::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TorrentId, TorrentTrackers>> {
        self.torrents.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The trackers of a `.torrent` (its `announce-list`'s tiers, else its `announce`), each
/// once; URLs that are not trackers are left out.
pub(crate) fn of_torrent(torrent: &[u8]) -> Vec<TrackerEntry> {
    let Ok(meta) = librqbit::torrent_from_bytes(torrent) else { return Vec::new() };
    let tiers: Vec<Vec<&[u8]>> = if meta.announce_list.iter().flatten().next().is_some() {
        meta.announce_list.iter().map(|tier| tier.iter().map(|u| u.as_ref()).collect()).collect()
    } else {
        meta.announce.iter().map(|u| vec![u.as_ref()]).collect()
    };
    let mut entries = Vec::new();
    for (tier, urls) in tiers.into_iter().enumerate() {
        for url in urls {
            push_entry(&mut entries, String::from_utf8_lossy(url).trim(), tier);
        }
    }
    entries
}

/// The trackers a magnet names (`tr=`), each in a tier of its own as libtorrent does.
pub(crate) fn of_magnet(uri: &str) -> Vec<TrackerEntry> {
    let Ok(magnet) = librqbit::Magnet::parse(uri) else { return Vec::new() };
    let mut entries = Vec::new();
    for (tier, url) in magnet.trackers.iter().enumerate() {
        push_entry(&mut entries, url.trim(), tier);
    }
    entries
}

fn push_entry(entries: &mut Vec<TrackerEntry>, url: &str, tier: usize) {
    if entries.len() == MAX_TRACKERS {
        return;
    }
    match TrackerUrl::new(url) {
        Ok(url) if !entries.iter().any(|e| e.url == url) => {
            entries.push(TrackerEntry::new(url, u32::try_from(tier).unwrap_or(u32::MAX)))
        }
        Ok(_) => {}
        // Not the URL: it may hold a passkey.
        Err(_) => debug!("leaving out a URL that is not a tracker's"),
    }
}

/// Whether a peer a tracker gave may be dialled: never port 0, an unspecified, multicast
/// or broadcast address; a loopback or private one only from a tracker that is itself
/// on loopback or a private network (a public tracker naming `127.0.0.1:22` or a LAN
/// printer would have us knock on doors inside the user's network).
fn usable_peer(peer: &SocketAddr, tracker_is_local: bool) -> bool {
    let ip = peer.ip();
    if peer.port() == 0
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip == IpAddr::from([255, 255, 255, 255])
    {
        return false;
    }
    tracker_is_local || !is_local(ip)
}

fn is_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unicast_link_local()
                || v6.is_unique_local()
                || v6.to_ipv4_mapped().is_some_and(|v4| is_local(IpAddr::V4(v4)))
        }
    }
}

/// A tracker on loopback or a private network (by its address; a name counts as public).
fn is_local_tracker(url: &TrackerUrl) -> bool {
    let host = url.host();
    host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().is_ok_and(is_local)
}

/// What [`bidswarm_api::TorrentInfo`] shows of a torrent's trackers.
#[derive(Debug, Clone, Default)]
pub(crate) struct Summary {
    pub tracker: Option<TrackerUrl>,
    pub hosts: Vec<String>,
    pub status: Option<TrackerStatus>,
    pub seeds: Option<u32>,
    pub leechers: Option<u32>,
}

impl Swarm {
    /// Where peers from trackers go for running torrents (the core dials them).
    pub fn set_tracker_peers(&self, on_peers: PeersFn) {
        *self.announcer.on_peers.write().unwrap_or_else(|p| p.into_inner()) = Some(on_peers);
    }

    /// The torrent's trackers as the user last set them, else its `.torrent`'s.
    pub(crate) fn tracker_list(&self, id: &TorrentId) -> Vec<TrackerEntry> {
        {
            let shared = self.lock();
            let stored = shared.records.get(id).and_then(|r| r.trackers.clone());
            // The cache also answers while the torrent is out of the session (a move).
            if let Some(list) = stored.or_else(|| shared.about.get(id).map(|a| a.trackers.clone())) {
                return list;
            }
        }
        let bytes =
            self.handle(id).ok().and_then(|h| h.metadata.load().as_ref().map(|m| m.torrent_bytes.clone()));
        bytes.map(|b| of_torrent(&b)).unwrap_or_default()
    }

    pub fn trackers(&self, id: &TorrentId) -> Result<Vec<TrackerInfo>> {
        // Listed while it is moved too; no whole TorrentInfo is built for this check (the
        // tab asks every 2 s).
        if let Err(e) = self.handle_unless_resolving(id) {
            if !self.lock().set_aside.contains_key(id) {
                return Err(e);
            }
        }
        let list = self.tracker_list(id);
        let torrents = self.announcer.lock();
        let states = torrents.get(id).map(|t| &t.states);
        let now = Instant::now();
        let now_secs = u64::try_from(bidswarm_primitives::unix_secs()).unwrap_or(0);
        Ok(list
            .into_iter()
            .map(|entry| {
                let state = states.and_then(|s| s.get(&entry.url)).cloned().unwrap_or_default();
                TrackerInfo {
                    tier: entry.tier,
                    url: entry.url,
                    status: state.shown(),
                    message: state.message,
                    peers: state.peers,
                    seeds: state.seeds,
                    leechers: state.leechers,
                    last_announce: state.last.map(|(secs, _)| secs),
                    next_announce: state
                        .next
                        .map(|next| now_secs.saturating_add(next.saturating_duration_since(now).as_secs())),
                }
            })
            .collect())
    }

    /// Adds trackers after the torrent's others, each in a tier of its own; one it has is
    /// left as it is.
    pub async fn add_trackers(&self, id: &TorrentId, urls: &[TrackerUrl]) -> Result<Vec<TrackerInfo>> {
        self.handle_unless_resolving(id)?;
        self.change_trackers(id, |list| {
            let mut next_tier = list.iter().map(|e| e.tier.saturating_add(1)).max().unwrap_or(0);
            for url in urls {
                if list.iter().any(|e| &e.url == url) {
                    continue;
                }
                if list.len() == MAX_TRACKERS {
                    return Err(Error::BadInput(format!(
                        "a torrent may have at most {MAX_TRACKERS} trackers"
                    )));
                }
                list.push(TrackerEntry::new(url.clone(), next_tier));
                next_tier = next_tier.saturating_add(1);
            }
            Ok(())
        })
        .await?;
        self.trackers(id)
    }

    pub async fn edit_tracker(
        &self,
        id: &TorrentId,
        url: &TrackerUrl,
        new_url: &TrackerUrl,
    ) -> Result<Vec<TrackerInfo>> {
        self.handle_unless_resolving(id)?;
        self.change_trackers(id, |list| {
            if url != new_url && list.iter().any(|e| &e.url == new_url) {
                return Err(Error::BadInput(format!("the torrent already has the tracker {new_url}")));
            }
            let entry = list
                .iter_mut()
                .find(|e| &e.url == url)
                .ok_or_else(|| Error::BadInput(format!("the torrent has no tracker {url}")))?;
            *entry = TrackerEntry::new(new_url.clone(), entry.tier);
            Ok(())
        })
        .await?;
        self.trackers(id)
    }

    pub async fn remove_trackers(&self, id: &TorrentId, urls: &[TrackerUrl]) -> Result<Vec<TrackerInfo>> {
        self.handle_unless_resolving(id)?;
        self.change_trackers(id, |list| {
            if let Some(missing) = urls.iter().find(|u| !list.iter().any(|e| &e.url == *u)) {
                return Err(Error::BadInput(format!("the torrent has no tracker {missing}")));
            }
            list.retain(|e| !urls.contains(&e.url));
            Ok(())
        })
        .await?;
        self.trackers(id)
    }

    /// Applies `change` to the torrent's list and keeps the result in its record; nothing
    /// changes when it fails. The next round announces to new trackers and sends `stopped`
    /// to removed ones.
    async fn change_trackers(
        &self,
        id: &TorrentId,
        change: impl FnOnce(&mut Vec<TrackerEntry>) -> Result<()>,
    ) -> Result<()> {
        let _one_at_a_time = self.announcer.changes.lock().await;
        if let Some(busy) = self.lock().set_aside.get(id) {
            return Err(crate::busy_error(busy));
        }
        let mut list = self.tracker_list(id);
        change(&mut list)?;
        {
            let mut shared = self.lock();
            let Some(record) = shared.records.get_mut(id) else {
                return Err(Error::UnknownTorrent(id.to_string()));
            };
            record.trackers = Some(list.clone());
        }
        self.save_records().await;
        self.reconcile_trackers(id, &list);
        Ok(())
    }

    /// Announces the running ones of these torrents now, or as soon as each tracker's
    /// `min interval` (and [`REANNOUNCE_GAP`]) allows.
    pub fn reannounce(&self, ids: &[TorrentId]) {
        let mut torrents = self.announcer.lock();
        for id in ids {
            let Some(t) = torrents.get_mut(id).filter(|t| t.running) else { continue };
            for state in t.states.values_mut() {
                let earliest = state.last.map(|(_, at)| at + state.min_interval.max(REANNOUNCE_GAP));
                state.next = Some(earliest.map_or_else(Instant::now, |e| e.max(Instant::now())));
            }
        }
    }

    /// Brings the announcer's states in line with `list`: a new tracker of a running
    /// torrent is due now, a removed one that was announced to is sent `stopped`.
    fn reconcile_trackers(&self, id: &TorrentId, list: &[TrackerEntry]) {
        let mut stopped = Vec::new();
        {
            let mut torrents = self.announcer.lock();
            let torrent = torrents.entry(id.clone()).or_default();
            let gone: Vec<TrackerUrl> =
                torrent.states.keys().filter(|url| !list.iter().any(|e| &e.url == *url)).cloned().collect();
            for url in gone {
                if torrent.states.remove(&url).is_some_and(|s| s.started) {
                    stopped.push(url);
                }
            }
            let running = torrent.running;
            for entry in list {
                torrent
                    .states
                    .entry(entry.url.clone())
                    .or_insert_with(|| State { next: running.then(Instant::now), ..Default::default() });
            }
        }
        // Not under the announcer's lock: what it sends reads the torrent's figures.
        for url in stopped {
            self.send_stopped(id, url);
        }
    }

    /// What the list and details show of a torrent's trackers.
    pub(crate) fn tracker_summary(&self, id: &TorrentId, list: &[TrackerEntry]) -> Summary {
        let torrents = self.announcer.lock();
        let states = torrents.get(id).map(|t| &t.states);
        let state_of = |url: &TrackerUrl| states.and_then(|s| s.get(url));
        let status_of = |url: &TrackerUrl| state_of(url).map_or(TrackerStatus::NotContacted, State::shown);
        let working = list.iter().find(|e| status_of(&e.url) == TrackerStatus::Working);
        let mut hosts: Vec<String> = list.iter().map(|e| e.host.clone()).collect();
        hosts.sort();
        hosts.dedup();
        let status = if list.is_empty() {
            None
        } else if working.is_some() {
            Some(TrackerStatus::Working)
        } else if list.iter().any(|e| status_of(&e.url) == TrackerStatus::Updating) {
            Some(TrackerStatus::Updating)
        } else if list.iter().all(|e| status_of(&e.url) == TrackerStatus::NotWorking) {
            Some(TrackerStatus::NotWorking)
        } else {
            Some(TrackerStatus::NotContacted)
        };
        // The best-informed tracker: the one that knows the most peers.
        let counts = list
            .iter()
            .filter_map(|e| state_of(&e.url))
            .filter_map(|s| Some((s.seeds?, s.leechers?)))
            .max_by_key(|(seeds, leechers)| u64::from(*seeds) + u64::from(*leechers));
        Summary {
            tracker: working.or(list.first()).map(|e| e.url.clone()),
            hosts,
            status,
            seeds: counts.map(|c| c.0),
            leechers: counts.map(|c| c.1),
        }
    }

    /// The peers trackers gave each running torrent, for the core's redial round.
    pub fn tracker_peers(&self) -> Vec<(TorrentId, Vec<SocketAddr>)> {
        let torrents = self.announcer.lock();
        torrents
            .iter()
            .filter(|(_, t)| t.running && !t.given.is_empty())
            .map(|(id, t)| (id.clone(), t.given.clone()))
            .collect()
    }

    /// Peers trackers gave a magnet that is still resolving, and a signal for more.
    /// The signal is armed under the same lock the peers are read under, so peers found
    /// right after are never missed.
    pub(crate) fn found_peers(&self, id: &TorrentId) -> (Vec<SocketAddr>, Pin<Box<OwnedNotified>>) {
        let mut torrents = self.announcer.lock();
        let t = torrents.entry(id.clone()).or_default();
        let mut more = Box::pin(t.found_signal.clone().notified_owned());
        more.as_mut().enable();
        (t.found.clone(), more)
    }

    /// A magnet's metadata for a preview: nothing is added, so nothing keeps announcing;
    /// each of its trackers is asked once (`started`, and `stopped` after), and the peers
    /// they give join the fetch as a resolving magnet's do.
    pub(crate) async fn preview_magnet(
        &self,
        id: &TorrentId,
        uri: &str,
        peers: Vec<SocketAddr>,
    ) -> Result<librqbit::AddTorrentResponse> {
        let list = of_magnet(uri);
        self.announcer.lock().entry(id.clone()).or_default().preview = true;
        let (tx, mut rx) = tokio::sync::mpsc::channel(list.len().max(1));
        let mut asks = tokio::task::JoinSet::new();
        for entry in &list {
            let (http, url, tx) = (self.announcer.http.clone(), entry.url.clone(), tx.clone());
            let fields = self.fields(id, Some(Event::Started));
            let permits = self.announcer.permits.clone();
            asks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                let answer = announce::announce(&http, &url, &fields).await;
                let _ = tx.send((url.clone(), is_local_tracker(&url), answer.ok().map(|a| a.peers))).await;
            });
        }
        drop(tx);
        // Ends the preview however it ends (done, timed out, or dropped when the caller
        // gave up): the trackers that answered hear `stopped`.
        let mut guard = PreviewGuard { swarm: self, id, answered: Vec::new(), _asks: asks };
        let answered = &mut guard.answered;
        let feed = async {
            while let Some((url, local, peers)) = rx.recv().await {
                let Some(mut peers) = peers else { continue };
                answered.push(url);
                peers.retain(|p| usable_peer(p, local));
                if let Some(t) = self.announcer.lock().get_mut(id) {
                    t.take_found(&peers);
                }
            }
            std::future::pending::<()>().await;
        };
        let waits_for_trackers = !self.config.dht && !list.is_empty();
        tokio::select! {
            fetched = self.fetch_metadata(id, uri, &peers, waits_for_trackers) => fetched,
            () = feed => unreachable!("the feed never ends"),
        }
    }

    /// One round of the announcer (every [`ROUND`]): starts and stops torrents' trackers as
    /// torrents start, stop and go, and sends each announce that is due.
    pub(crate) fn announce_round(self: &Arc<Self>, was_running: &mut HashSet<TorrentId>) {
        let mut running: HashSet<TorrentId> = self.session.with_torrents(|all| {
            all.filter(|(_, h)| h.live().is_some()).map(|(_, h)| TorrentId::from(h.info_hash().0)).collect()
        });
        // A magnet whose fetch failed for good waits for the user, not for peers.
        running.extend(
            self.lock().resolving.iter().filter(|(_, r)| r.error.is_none()).map(|(id, _)| id.clone()),
        );
        let started: Vec<TorrentId> = running.difference(was_running).cloned().collect();
        let lists: Vec<(TorrentId, Vec<TrackerEntry>)> =
            started.into_iter().map(|id| (id.clone(), self.tracker_list(&id))).collect();
        let known: HashSet<TorrentId> = self.lock().records.keys().cloned().collect();
        let mut due = Vec::new();
        {
            let mut torrents = self.announcer.lock();
            for (id, list) in lists {
                let torrent = torrents.entry(id).or_default();
                torrent.running = true;
                torrent.states.retain(|url, _| list.iter().any(|e| &e.url == url));
                for entry in list {
                    torrent.states.entry(entry.url).or_default().next = Some(Instant::now());
                }
            }
            let now = Instant::now();
            let mut stopped = Vec::new();
            for (id, torrent) in torrents.iter_mut() {
                if torrent.running && !running.contains(id) {
                    torrent.running = false;
                    torrent.found.clear();
                    torrent.given.clear();
                    for (url, state) in &mut torrent.states {
                        state.next = None;
                        if std::mem::take(&mut state.started) {
                            stopped.push((id.clone(), url.clone()));
                        }
                    }
                }
                if !torrent.running {
                    continue;
                }
                for (url, state) in &mut torrent.states {
                    if !state.in_flight && state.next.is_some_and(|next| next <= now) {
                        state.in_flight = true;
                        due.push((id.clone(), url.clone()));
                    }
                }
            }
            // A removed torrent's states go (its `stopped` was sent above, when it stopped).
            torrents.retain(|id, t| t.running || t.preview || known.contains(id));
            drop(torrents);
            for (id, url) in stopped {
                self.send_stopped(&id, url);
            }
        }
        *was_running = running;
        for (id, url) in due {
            let this = self.clone();
            spawn(info_span!("announce", info_hash = %id), "announce", async move {
                let _permit = this.announcer.permits.clone().acquire_owned().await;
                this.announce_one(&id, url).await;
                Ok::<_, Error>(())
            });
        }
    }

    /// What we tell trackers about the torrent now: `(uploaded, downloaded, left)`.
    fn announce_figures(&self, id: &TorrentId) -> (u64, u64, u64) {
        let live = self.handle(id).ok().filter(|h| h.live().is_some()).map(|handle| {
            let stats = handle.stats();
            let (up, down) = crate::session_counters(&handle);
            (up, down, stats.total_bytes.saturating_sub(stats.progress_bytes))
        });
        let mut torrents = self.announcer.lock();
        let remembered = &mut torrents.entry(id.clone()).or_default().figures;
        if live.is_some() {
            *remembered = live;
        }
        remembered.unwrap_or((0, 0, UNKNOWN_LEFT))
    }

    /// A torrent the list now shows complete: trackers told otherwise hear `completed`
    /// now rather than at their next interval (called from `info_of`, cheap when nothing
    /// is owed).
    pub(crate) fn announce_completion(&self, id: &TorrentId) {
        let mut torrents = self.announcer.lock();
        let Some(torrent) = torrents.get_mut(id).filter(|t| t.running) else { return };
        let now = Instant::now();
        for state in torrent.states.values_mut() {
            if state.started
                && !state.told_complete
                && !state.in_flight
                && state.next.is_some_and(|n| n > now)
            {
                state.next = Some(now);
            }
        }
    }

    fn fields(&self, id: &TorrentId, event: Option<Event>) -> Announce {
        let (uploaded, downloaded, left) = self.announce_figures(id);
        Announce {
            info_hash: id.info_hash(),
            peer_id: self.announcer.peer_id,
            port: self.announcer.port,
            uploaded,
            downloaded,
            left,
            event,
            key: self.announcer.key,
        }
    }

    async fn announce_one(&self, id: &TorrentId, url: TrackerUrl) {
        // Read now, not when it was queued: the wait for a slot can be long, and the
        // torrent may have stopped or the tracker gone meanwhile.
        let current = {
            let mut torrents = self.announcer.lock();
            let torrent = torrents.get_mut(id);
            let running = torrent.as_ref().is_some_and(|t| t.running);
            match torrent.and_then(|t| t.states.get_mut(&url)) {
                Some(state) if running => Some((state.started, state.told_complete)),
                Some(state) => {
                    state.in_flight = false;
                    None
                }
                None => None,
            }
        };
        let Some((started, told_complete)) = current else { return };
        let mut fields = self.fields(id, None);
        let complete = fields.left == 0;
        fields.event = if !started {
            Some(Event::Started)
        } else if complete && !told_complete {
            Some(Event::Completed)
        } else {
            None
        };
        let outcome = announce::announce(&self.announcer.http, &url, &fields).await;
        let now = Instant::now();
        let now_secs = u64::try_from(bidswarm_primitives::unix_secs()).unwrap_or(0);
        let mut peers = Vec::new();
        let mut owes_stopped = false;
        let resolving = self.lock().resolving.contains_key(id);
        {
            let mut torrents = self.announcer.lock();
            let Some(torrent) = torrents.get_mut(id) else { return };
            let running = torrent.running;
            let tracker_is_local = is_local_tracker(&url);
            // Removed or replaced meanwhile: nothing to record.
            let Some(state) = torrent.states.get_mut(&url) else { return };
            state.in_flight = false;
            state.last = Some((now_secs, now));
            match outcome {
                Ok(answer) => {
                    state.status = TrackerStatus::Working;
                    state.message = answer.warning;
                    state.peers = u32::try_from(answer.peers.len()).unwrap_or(u32::MAX);
                    state.seeds = answer.seeds;
                    state.leechers = answer.leechers;
                    state.min_interval = answer.min_interval.unwrap_or(Duration::ZERO);
                    state.failures = 0;
                    // Stopped while this `started` was on its way: the round had nothing to
                    // stop then, so the `stopped` is owed now.
                    state.started = running;
                    owes_stopped = !running && fields.event == Some(Event::Started);
                    state.told_complete = complete;
                    state.next = running.then(|| now + answer.interval);
                    peers = answer.peers;
                }
                Err(failure) => {
                    state.status = TrackerStatus::NotWorking;
                    state.message = Some(failure.to_string());
                    state.failures = state.failures.saturating_add(1);
                    let backoff = RETRY_AFTER.saturating_mul(1 << state.failures.min(8).saturating_sub(1));
                    state.next = running.then(|| now + backoff.min(MAX_RETRY_AFTER));
                }
            }
            let own = self.announcer.port;
            let mut seen = HashSet::with_capacity(peers.len());
            peers.retain(|p| {
                usable_peer(p, tracker_is_local)
                    && !(p.port() == own && p.ip().is_loopback())
                    && seen.insert(*p)
            });
            if resolving && !peers.is_empty() {
                torrent.take_found(&peers);
                return;
            }
            if running {
                let mut given: Vec<SocketAddr> = peers.iter().take(MAX_GIVEN).copied().collect();
                given.extend(torrent.given.iter().filter(|p| !peers.contains(p)));
                given.truncate(MAX_GIVEN);
                torrent.given = given;
            }
        }
        if owes_stopped {
            self.send_stopped(id, url);
            return;
        }
        if peers.is_empty() {
            return;
        }
        let on_peers = self.announcer.on_peers.read().unwrap_or_else(|p| p.into_inner()).clone();
        match on_peers {
            Some(on_peers) => on_peers(id, peers),
            None => debug!(count = peers.len(), "peers from a tracker with no way to dial them"),
        }
    }

    /// Tells a tracker we stopped, in the background, giving up after [`STOPPED_TIMEOUT`].
    fn send_stopped(&self, id: &TorrentId, url: TrackerUrl) {
        let stopped = self.stopped(id, url);
        let permits = self.announcer.stopped_permits.clone();
        spawn(info_span!("announce_stopped", info_hash = %id), "announce stopped", async move {
            let _permit = permits.acquire_owned().await;
            stopped.await;
            Ok::<_, Error>(())
        });
    }

    /// A `stopped` announce, given up after [`STOPPED_TIMEOUT`].
    fn stopped(
        &self,
        id: &TorrentId,
        url: TrackerUrl,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        let fields = self.fields(id, Some(Event::Stopped));
        let http = self.announcer.http.clone();
        async move {
            let sent = tokio::time::timeout(STOPPED_TIMEOUT, announce::announce(&http, &url, &fields)).await;
            // Not the URL: it may hold a passkey.
            debug!(ok = matches!(sent, Ok(Ok(_))), "sent stopped");
        }
    }

    /// At shutdown: tells every tracker announced to that we stopped, all at once, and
    /// waits for them at most [`STOPPED_TIMEOUT`].
    pub(crate) async fn stop_announcing(&self) {
        let owed: Vec<(TorrentId, TrackerUrl)> = {
            let mut torrents = self.announcer.lock();
            let mut owed = Vec::new();
            for (id, torrent) in torrents.iter_mut() {
                torrent.running = false;
                for (url, state) in &mut torrent.states {
                    state.next = None;
                    if std::mem::take(&mut state.started) {
                        owed.push((id.clone(), url.clone()));
                    }
                }
            }
            owed
        };
        let mut all = tokio::task::JoinSet::new();
        for (id, url) in owed {
            let stopped = self.stopped(&id, url);
            let permits = self.announcer.stopped_permits.clone();
            all.spawn(async move {
                let _permit = permits.acquire_owned().await;
                stopped.await;
            });
        }
        let _ = tokio::time::timeout(STOPPED_TIMEOUT, all.join_all()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(s: &str) -> String {
        format!("{}:{s}", s.len())
    }

    #[test]
    fn a_torrents_tiers_are_kept_and_what_is_not_a_tracker_is_left_out() {
        let (a, b, c) = ("http://a.example/announce", "https://b.example/announce", "udp://c.example:6969");
        let torrent = format!(
            "d8:announce{}13:announce-listll{}{}{}el{}{}ee4:infod6:lengthi1e4:name1:x12:piece lengthi16384e6:pieces20:{}ee",
            bytes(a),
            bytes(a),
            bytes(b),
            bytes("file:///etc/passwd"),
            bytes(c),
            bytes(a),
            "p".repeat(20)
        );
        let tiers: Vec<(String, u32)> =
            of_torrent(torrent.as_bytes()).into_iter().map(|e| (e.url.to_string(), e.tier)).collect();
        assert_eq!(tiers, [(a.to_owned(), 0), (b.to_owned(), 0), (c.to_owned(), 1)]);
        assert!(of_torrent(b"not a torrent").is_empty());
    }

    #[test]
    fn a_magnets_trackers_each_get_a_tier() {
        let magnet = "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567\
                      &tr=udp%3A%2F%2Ft.example%3A6969&tr=ftp%3A%2F%2Fx&tr=http%3A%2F%2Fu.example%2Fa\
                      &tr=udp%3A%2F%2Ft.example%3A6969";
        let tiers: Vec<(String, u32)> =
            of_magnet(magnet).into_iter().map(|e| (e.url.to_string(), e.tier)).collect();
        assert_eq!(tiers, [("udp://t.example:6969".to_owned(), 0), ("http://u.example/a".to_owned(), 2)]);
    }

    #[test]
    fn a_public_tracker_cannot_send_us_into_the_local_network() {
        let public = TrackerUrl::new("http://tracker.example/announce").unwrap();
        let lan = TrackerUrl::new("udp://192.168.1.2:6969").unwrap();
        assert!(!is_local_tracker(&public));
        assert!(is_local_tracker(&lan));
        assert!(is_local_tracker(&TrackerUrl::new("http://[::1]:80/a").unwrap()));
        for (peer, from_public, from_local) in [
            ("203.0.113.7:6881", true, true),
            ("127.0.0.1:22", false, true),
            ("192.168.1.9:6881", false, true),
            ("[::ffff:10.0.0.1]:6881", false, true),
            ("0.0.0.0:6881", false, false),
            ("203.0.113.7:0", false, false),
            ("224.0.0.1:6881", false, false),
            ("255.255.255.255:6881", false, false),
        ] {
            let peer: SocketAddr = peer.parse().unwrap();
            assert_eq!(usable_peer(&peer, false), from_public, "{peer} from a public tracker");
            assert_eq!(usable_peer(&peer, true), from_local, "{peer} from a local tracker");
        }
    }

    #[test]
    fn a_stored_list_keeps_what_is_still_a_tracker() {
        let json = r#"{"trackers":[{"url":"http://a.example/x","tier":0},{"url":"gopher://b","tier":1}]}"#;
        let record: crate::records::TorrentRecord = serde_json::from_str(json).unwrap();
        let list = record.trackers.unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].url.as_str(), "http://a.example/x");
        let older: crate::records::TorrentRecord = serde_json::from_str("{}").unwrap();
        assert_eq!(older.trackers, None, "a record from before keeps the .torrent's list");
    }
}
