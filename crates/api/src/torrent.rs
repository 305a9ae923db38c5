use bidswarm_primitives::{InfoHash, InfoHashError};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{
    AltSchedule, BandwidthPriority, Label, QueueSettings, SeedingLimits, SpeedSettings, TorrentBid,
    TrackerStatus, TrackerUrl, TronNetwork,
};

/// A torrent's id: its BitTorrent v1 info hash as 40 lowercase hex digits. It is known
/// before metadata (from the magnet) and stays the same across restarts. Anything else
/// is refused when a request is read (`bad_request`), so no handler parses it again.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(transparent)]
#[ts(type = "string")]
pub struct TorrentId(pub InfoHash);

impl TorrentId {
    pub fn info_hash(&self) -> [u8; 20] {
        self.0 .0
    }
}

impl From<[u8; 20]> for TorrentId {
    fn from(bytes: [u8; 20]) -> Self {
        Self(InfoHash(bytes))
    }
}

impl std::str::FromStr for TorrentId {
    type Err = InfoHashError;
    fn from_str(s: &str) -> Result<Self, InfoHashError> {
        s.parse().map(Self)
    }
}

impl std::fmt::Display for TorrentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a torrent comes from.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum TorrentSource {
    /// A `magnet:` URI.
    Magnet(String),
    /// The bytes of a `.torrent` file, base64-encoded (standard alphabet, padded).
    TorrentBase64(String),
    /// A `.torrent` file on the machine running the core.
    Path(String),
    /// An `http://` or `https://` URL serving a `.torrent` file.
    Url(String),
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS, PartialEq)]
#[serde(default)]
pub struct AddOptions {
    /// Add without starting.
    pub paused: bool,
    /// File indices to download; all files when absent.
    pub files: Option<Vec<u32>>,
    /// Where the data goes; the download folder setting when absent.
    pub output_folder: Option<String>,
    /// Peers to connect to at once, as `host:port`.
    pub peers: Vec<String>,
    pub limits: RateLimits,
    /// This torrent's own bid for speed; the settings' defaults when absent.
    #[ts(optional)]
    pub bid: Option<TorrentBid>,
    /// Its category; the category's folder is used when `output_folder` is absent.
    #[ts(optional)]
    pub category: Option<Label>,
    /// Tags that do not exist yet are created.
    pub tags: Vec<Label>,
}

/// Upload and download caps in bytes per second; `None` means unlimited.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, TS, PartialEq, Eq)]
#[serde(default)]
pub struct RateLimits {
    pub download_bytes_per_sec: Option<u32>,
    pub upload_bytes_per_sec: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
pub struct TorrentPreview {
    pub id: TorrentId,
    pub name: Option<String>,
    #[ts(type = "number")]
    pub total_bytes: u64,
    pub files: Vec<TorrentFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
pub struct TorrentFile {
    pub index: u32,
    /// Path inside the torrent, `/`-separated.
    pub path: String,
    #[ts(type = "number")]
    pub length: u64,
    pub included: bool,
    /// Verified bytes of this file on disk.
    #[ts(type = "number")]
    pub progress_bytes: u64,
    /// `skip` exactly when `included` is false.
    pub priority: FilePriority,
}

/// How much the user wants a file.
///
/// librqbit 9.1 can only select files: it downloads the selected ones in file-name order
/// and has no way to reorder them (its per-torrent file order is private and fixed when
/// the torrent starts). So `skip` deselects the file, and `low`, `normal` and `high` all
/// download it; the three are stored and shown, but do not yet change which pieces are
/// requested first.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, TS, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum FilePriority {
    /// Not downloaded.
    Skip,
    Low,
    #[default]
    Normal,
    High,
}

/// A torrent's lifecycle as the user sees it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, TS, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TorrentState {
    /// A magnet whose metadata is still being fetched from peers.
    Resolving,
    /// Checking existing data on disk.
    Checking,
    Downloading,
    /// Every selected file is complete and verified.
    Seeding,
    Paused,
    /// Waiting for its turn in the queue (not paused by the user).
    Queued,
    /// Its data is being moved to another folder (`set_location`).
    Moving,
    Error,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
pub struct TorrentInfo {
    pub id: TorrentId,
    pub name: Option<String>,
    /// A magnet link for sharing: info hash and trackers.
    pub magnet: String,
    pub state: TorrentState,
    pub output_folder: String,
    /// The folder it was saved in, as chosen when adding or moving it ("Set location"
    /// takes this): `output_folder` itself, or for a torrent of several files the folder
    /// its own folder sits in.
    pub save_path: String,
    /// Verified bytes of the selected files.
    #[ts(type = "number")]
    pub progress_bytes: u64,
    /// Bytes of the selected files.
    #[ts(type = "number")]
    pub total_bytes: u64,
    /// While `checking`: how much of the existing data has been read so far.
    #[ts(type = "number")]
    pub checked_bytes: u64,
    /// Bytes received from peers in this session, wasted ones included.
    #[ts(type = "number")]
    pub fetched_bytes: u64,
    #[ts(type = "number")]
    pub uploaded_bytes: u64,
    #[ts(type = "number")]
    pub download_bytes_per_sec: u64,
    #[ts(type = "number")]
    pub upload_bytes_per_sec: u64,
    #[ts(type = "number | null")]
    pub eta_secs: Option<u64>,
    pub peers: u32,
    /// How this torrent's peers were reached since it started in this session.
    pub reached: PeerReach,
    pub error: Option<String>,
    pub limits: RateLimits,
    /// Empty until the metadata is known.
    pub files: Vec<TorrentFile>,
    /// Bytes of each piece but the last; `None` until the metadata is known.
    #[ts(type = "number | null")]
    pub piece_length: Option<u64>,
    /// How many pieces; `None` until the metadata is known.
    #[ts(type = "number | null")]
    pub pieces: Option<u64>,
    /// When the torrent was added, Unix seconds; `None` for torrents added before Bidswarm
    /// recorded it.
    #[ts(type = "number | null")]
    pub added_at: Option<u64>,
    /// Bytes uploaded over the torrent's whole life, across pauses and restarts.
    #[ts(type = "number")]
    pub all_time_uploaded_bytes: u64,
    /// Bytes received from peers over the torrent's whole life, wasted ones included.
    #[ts(type = "number")]
    pub all_time_downloaded_bytes: u64,
    /// `all_time_uploaded_bytes / all_time_downloaded_bytes`; `None` while nothing has
    /// been downloaded (a torrent seeded from data that was already here).
    pub ratio: Option<f64>,
    /// From the `.torrent`: the program that made it (`created by`).
    pub created_by: Option<String>,
    /// From the `.torrent`: its `comment`.
    pub comment: Option<String>,
    /// From the `.torrent`: its `creation date`, Unix seconds.
    #[ts(type = "number | null")]
    pub creation_date: Option<u64>,
    /// This torrent's own seeding limits; `None` when it follows the settings'.
    pub seeding_limits: Option<SeedingLimits>,
    /// Seconds spent seeding (complete and not paused), across restarts.
    #[ts(type = "number")]
    pub seeding_secs: u64,
    /// Seconds seeding since it last uploaded a byte (or started seeding).
    #[ts(type = "number")]
    pub inactive_secs: u64,
    /// Its place in the queue, from 1.
    pub queue_position: u32,
    /// It runs whatever the queue says.
    pub force_start: bool,
    /// Its share of the upload cap against other torrents'.
    pub bandwidth_priority: BandwidthPriority,
    /// Its pieces are fetched in order ([`crate::Request::SetSequential`]).
    pub sequential: bool,
    /// Each file's first and last pieces come before the rest of it
    /// ([`crate::Request::SetFirstLastPiecesFirst`]).
    pub first_last_pieces_first: bool,
    pub category: Option<Label>,
    /// Sorted by name.
    pub tags: Vec<Label>,
    /// When it was first seen complete, Unix seconds; `None` until then.
    #[ts(type = "number | null")]
    pub completed_at: Option<u64>,
    /// The tracker announced to now: the first that works, else the first.
    pub tracker: Option<TrackerUrl>,
    /// The hosts of all its trackers, sorted, each once (the sidebar's tracker filter).
    pub tracker_hosts: Vec<String>,
    /// How its trackers are doing as a whole: `working` when one works, `not_working` when
    /// every one was tried and failed; `None` without trackers.
    pub tracker_status: Option<TrackerStatus>,
    /// Seeders in the whole swarm, as its best-informed tracker counts them.
    pub swarm_seeds: Option<u32>,
    /// Leechers in the whole swarm, as its best-informed tracker counts them.
    pub swarm_leechers: Option<u32>,
}

impl TorrentInfo {
    pub fn is_complete(&self) -> bool {
        self.total_bytes > 0 && self.progress_bytes >= self.total_bytes
    }
}

/// User settings, stored in the config folder.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
#[serde(default)]
pub struct Settings {
    pub download_folder: String,
    /// TCP port for incoming peers; 0 picks a free one.
    pub listen_port: u16,
    pub dht: bool,
    pub local_service_discovery: bool,
    pub upnp: bool,
    /// Global limits. The upload limit is enforced by the gateway, shared among the
    /// peers we upload to; the download limit by the engine.
    pub limits: RateLimits,
    /// Limits used instead of `limits` while `alt_limits_enabled` (the "turtle" mode).
    pub alt_limits: RateLimits,
    /// Switched by `set_alt_limits_enabled` and the schedule only: `update_settings`
    /// keeps it as it is, so a settings form read earlier never switches it back.
    pub alt_limits_enabled: bool,
    /// When the alternative limits switch on and off by themselves.
    pub alt_schedule: AltSchedule,
    /// When finished torrents stop seeding, unless a torrent has its own.
    pub seeding_limits: SeedingLimits,
    /// How many torrents run at once.
    pub queue: QueueSettings,
    /// `.torrent` files dropped here are added, then moved into its `added` folder (or
    /// `failed`, when they cannot be added).
    pub watched_folder: Option<String>,
    /// The category torrents added from the watched folder are put in.
    pub watched_folder_category: Option<Label>,
    /// Peer connections open at once, in all.
    pub max_connections: u32,
    pub max_connections_per_torrent: u32,
    /// Incoming connections from one IP address.
    pub max_connections_per_ip: u32,
    /// A blocklist file (CIDR, single addresses, ranges or the P2P format), read at start
    /// and whenever settings change or `reload_blocklist` is sent.
    pub blocklist_path: Option<String>,
    /// Desktop app: a notification when a torrent completes.
    pub notify_on_complete: bool,
    /// Desktop app: start at login, minimized to the tray.
    pub start_at_login: bool,
    /// Desktop app: closing the window keeps Bidswarm seeding in the tray.
    pub close_to_tray: bool,
    /// Bid for speed: spending, earning and their limits.
    pub speed: SpeedSettings,
    /// The TRON network the wallet uses.
    pub network: TronNetwork,
    /// MSE/PE encryption of peer connections.
    pub encryption: EncryptionMode,
}

/// MSE/PE (BitTorrent message stream encryption) on peer connections, as qBittorrent,
/// Transmission and libtorrent offer it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, TS, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum EncryptionMode {
    /// Encrypt where the peer can; plaintext with peers that cannot.
    #[default]
    Prefer,
    /// Encrypted connections only: peers that cannot encrypt are refused.
    Require,
    /// Plaintext only.
    Disable,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            download_folder: String::new(),
            listen_port: 0,
            dht: true,
            local_service_discovery: true,
            upnp: false,
            limits: RateLimits::default(),
            alt_limits: RateLimits::default(),
            alt_limits_enabled: false,
            alt_schedule: AltSchedule::default(),
            seeding_limits: SeedingLimits::default(),
            queue: QueueSettings::default(),
            watched_folder: None,
            watched_folder_category: None,
            max_connections: 500,
            max_connections_per_torrent: 100,
            max_connections_per_ip: 8,
            blocklist_path: None,
            notify_on_complete: true,
            start_at_login: false,
            close_to_tray: true,
            speed: SpeedSettings::default(),
            network: TronNetwork::default(),
            encryption: EncryptionMode::default(),
        }
    }
}

impl Settings {
    /// The limits in force now: the alternative ones while they are switched on.
    pub fn effective_limits(&self) -> RateLimits {
        if self.alt_limits_enabled {
            self.alt_limits
        } else {
            self.limits
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
pub struct SessionStats {
    #[ts(type = "number")]
    pub download_bytes_per_sec: u64,
    #[ts(type = "number")]
    pub upload_bytes_per_sec: u64,
    #[ts(type = "number")]
    pub fetched_bytes: u64,
    #[ts(type = "number")]
    pub uploaded_bytes: u64,
    pub torrents: u32,
    pub peers: u32,
    /// The address peers can reach this session at, when it listens.
    pub listen_addr: Option<String>,
    /// Nodes in the DHT routing table (IPv4 and IPv6); `None` when DHT is off.
    pub dht_nodes: Option<u32>,
    /// Free space in the download folder, when it can be read.
    #[ts(type = "number | null")]
    pub free_disk_bytes: Option<u64>,
    /// Peer connections through the gateway, all torrents.
    pub connections: u32,
    /// The upload cap in force now (the gateway's), bytes per second; `None` unlimited.
    #[ts(type = "number | null")]
    pub upload_cap_bytes_per_sec: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
pub struct CreatedTorrent {
    pub id: TorrentId,
    pub magnet: String,
    pub torrent_path: String,
}

/// Connections to a torrent's peers since it started in this session, by how they were
/// made (the gateway's counts; all zero when no gateway runs).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, TS, PartialEq, Eq)]
pub struct PeerReach {
    /// Peers that connected to us.
    pub incoming: u32,
    /// Peers we connected to.
    pub outgoing: u32,
    /// Connections over uTP rather than TCP.
    pub utp: u32,
    /// RC4-encrypted connections.
    pub encrypted: u32,
    /// Peers that connected offering encryption only: with encryption disabled they
    /// would not have reached us.
    pub refused_plaintext: u32,
    /// HAVE messages our engine failed to send that the gateway sent in its place
    /// (librqbit drops them to a peer more than 128 pieces behind).
    pub missed_haves: u32,
}

/// One connected peer, from the gateway.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
pub struct PeerInfo {
    /// The peer's real address (never the loopback address librqbit sees).
    pub address: String,
    /// Client name and version from its extended handshake, when it sent one.
    pub client: Option<String>,
    /// The peer connected to us (rather than we to it).
    pub incoming: bool,
    /// The connection is RC4-encrypted (MSE/PE).
    pub encrypted: bool,
    /// The connection runs over uTP (BEP 29) rather than TCP.
    pub utp: bool,
    /// The peer speaks bt_speed, so it can bid or sell speed.
    pub bt_speed: bool,
    /// Piece bytes sent to this peer on this connection.
    #[ts(type = "number")]
    pub uploaded_bytes: u64,
    /// Piece bytes received from this peer on this connection.
    #[ts(type = "number")]
    pub downloaded_bytes: u64,
    /// Piece bytes per second over the last second.
    #[ts(type = "number")]
    pub download_bytes_per_sec: u64,
    #[ts(type = "number")]
    pub upload_bytes_per_sec: u64,
    /// We refuse to upload to it (BEP 3 "choking"); the gateway's choker decides.
    pub am_choking: bool,
    /// We want pieces it has.
    pub am_interested: bool,
    /// It refuses to upload to us.
    pub peer_choking: bool,
    /// It wants pieces we have.
    pub peer_interested: bool,
}

/// Piece bytes one peer delivered of pieces that passed their hash check.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
pub struct PeerBytes {
    pub address: String,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// What the blocklist file held when it was last read.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Default)]
pub struct BlocklistStatus {
    pub path: Option<String>,
    /// Blocked address ranges, after merging overlaps.
    pub ranges: u32,
    /// Line numbers that could not be read (the first 20).
    pub bad_lines: Vec<u32>,
}

/// A torrent's verified pieces, for the pieces map.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
pub struct PieceMap {
    pub count: u32,
    /// One bit per piece, most significant bit first (as in BEP 3), base64.
    pub bitfield_base64: String,
}
