// Generated from crates/api by `UPDATE_BINDINGS=1 cargo test -p bidswarm-api --test bindings`.
// Do not edit by hand.

export type Request = { "type": "preview_torrent", source: TorrentSource, } | { "type": "add_torrent", source: TorrentSource, options: AddOptions, } | { "type": "list_torrents" } | { "type": "get_torrent", id: TorrentId, } | { "type": "pause", id: TorrentId, } | { "type": "resume", id: TorrentId, } | { "type": "pause_all" } | { "type": "resume_all" } | { "type": "remove", id: TorrentId, delete_data: boolean, } | { "type": "set_file_selection", id: TorrentId, files: Array<number>, } | { "type": "set_file_priority", id: TorrentId, files: Array<number>, priority: FilePriority, } | { "type": "set_torrent_limits", id: TorrentId, limits: RateLimits, } | { "type": "set_seeding_limits", id: TorrentId, limits: SeedingLimits | null, } | { "type": "move_in_queue", ids: Array<TorrentId>, to: QueueMove, } | { "type": "set_force_start", ids: Array<TorrentId>, enabled: boolean, } | { "type": "set_bandwidth_priority", ids: Array<TorrentId>, priority: BandwidthPriority, } | { "type": "set_sequential", ids: Array<TorrentId>, enabled: boolean, } | { "type": "set_first_last_pieces_first", ids: Array<TorrentId>, enabled: boolean, } | { "type": "recheck", ids: Array<TorrentId>, } | { "type": "rename_torrent", id: TorrentId, name: TorrentName | null, } | { "type": "list_trackers", id: TorrentId, } | { "type": "add_trackers", id: TorrentId, urls: Array<TrackerUrl>, } | { "type": "edit_tracker", id: TorrentId, url: TrackerUrl, new_url: TrackerUrl, } | { "type": "remove_trackers", id: TorrentId, urls: Array<TrackerUrl>, } | { "type": "reannounce", ids: Array<TorrentId>, } | { "type": "list_labels" } | { "type": "set_category", name: Label, save_path: string | null, 
/**
 * Its torrents' share of the upload cap, times each one's own priority. Left out
 * (`null`): kept as it is, normal for a new category.
 */
bandwidth_priority: BandwidthPriority | null, } | { "type": "rename_category", from: Label, to: Label, } | { "type": "remove_categories", names: Array<Label>, } | { "type": "create_tags", names: Array<Label>, } | { "type": "rename_tag", from: Label, to: Label, } | { "type": "remove_tags", names: Array<Label>, } | { "type": "set_torrent_category", ids: Array<TorrentId>, category: Label | null, move_data: boolean, } | { "type": "add_torrent_tags", ids: Array<TorrentId>, tags: Array<Label>, } | { "type": "remove_torrent_tags", ids: Array<TorrentId>, tags: Array<Label>, } | { "type": "set_location", ids: Array<TorrentId>, folder: string, } | { "type": "set_alt_limits_enabled", enabled: boolean, } | { "type": "list_peers", id: TorrentId, } | { "type": "add_peers", id: TorrentId, peers: Array<string>, } | { "type": "get_settings" } | { "type": "update_settings", 
/**
 * Boxed: the largest request by far, and rare.
 */
settings: Settings, } | { "type": "session_stats" } | { "type": "reload_blocklist" } | { "type": "get_pieces", id: TorrentId, } | { "type": "get_torrent_speed", id: TorrentId, } | { "type": "list_bids" } | { "type": "set_torrent_bid", id: TorrentId, bid: TorrentBid | null, } | { "type": "create_torrent", path: string, output: string, trackers: Array<string>, piece_length: number | null, } | { "type": "wallet_status" } | { "type": "create_wallet", 
/**
 * 12 or 24.
 */
words: number, password: string, 
/**
 * An optional BIP-39 passphrase ("25th word").
 */
passphrase: string | null, store: SecretStoreKind, } | { "type": "import_wallet", mnemonic: string | null, private_key: string | null, passphrase: string | null, password: string, store: SecretStoreKind, } | { "type": "unlock_wallet", password: string, } | { "type": "lock_wallet" } | { "type": "change_wallet_password", old: string, new: string, } | { "type": "reveal_mnemonic", password: string, } | { "type": "wallet_balances" } | { "type": "quote_send", to: string, asset: WalletAsset, amount: BaseUnits, } | { "type": "send", quote_id: string, } | { "type": "wallet_history" } | { "type": "quote_settlement" } | { "type": "settle_now" } | { "type": "ledger_summary" } | { "type": "verify_ledger" } | { "type": "ledger_history", cursor: string | null, limit: number, from: number | null, to: number | null, } | { "type": "export_ledger", from: number | null, to: number | null, };

export type Response = { "type": "ok" } | { "type": "preview", preview: TorrentPreview, } | { "type": "torrent", torrent: TorrentInfo, } | { "type": "torrents", torrents: Array<TorrentInfo>, } | { "type": "trackers", trackers: Array<TrackerInfo>, } | { "type": "peers", peers: Array<PeerInfo>, } | { "type": "settings", settings: Settings, 
/**
 * True when a changed setting (listen port, DHT, LSD, UPnP) only takes effect
 * after Bidswarm restarts.
 */
restart_required: boolean, } | { "type": "session_stats", stats: SessionStats, } | { "type": "created", created: CreatedTorrent, } | { "type": "blocklist", blocklist: BlocklistStatus, } | { "type": "pieces", pieces: PieceMap, } | { "type": "torrent_speed", speed: TorrentSpeed, } | { "type": "bids", bids: Array<BidSummary>, } | { "type": "labels", labels: Labels, } | { "type": "wallet_status", status: WalletStatus, } | { "type": "mnemonic", words: string, } | { "type": "wallet_balances", balances: WalletBalances, } | { "type": "send_quote", quote: SendQuote, } | { "type": "sent", txid: string, } | { "type": "wallet_history", transfers: Array<WalletTransfer>, 
/**
 * False when the node could not be asked: only the ledger's entries are listed.
 */
online: boolean, } | { "type": "settlement_quote", quote: SettlementQuote, } | { "type": "settled", settlements: Array<SettlementDone>, } | { "type": "ledger_summary", summary: LedgerSummary, per_torrent: Array<TorrentEconomics>, 
/**
 * Most money moved first.
 */
per_peer: Array<PeerEconomics>, by_day: Array<DayEconomics>, } | { "type": "ledger_health", health: LedgerHealth, } | { "type": "ledger_csv", csv: string, } | { "type": "ledger_history", entries: Array<LedgerEntry>, 
/**
 * Where the next page starts; `null` on the last page.
 */
next_cursor: string | null, };

export type Event = { "type": "added", torrent: TorrentInfo, } | { "type": "metadata_resolved", torrent: TorrentInfo, } | { "type": "progress", torrent: TorrentInfo, } | { "type": "completed", torrent: TorrentInfo, } | { "type": "removed", id: TorrentId, } | { "type": "state_changed", torrent: TorrentInfo, previous: TorrentState, } | { "type": "error", id: TorrentId, error: ApiError, } | { "type": "pieces_verified", id: TorrentId, pieces: number, contributions: Array<PeerBytes>, } | { "type": "speed", event: SpeedEvent, } | { "type": "seeding_limit_reached", id: TorrentId, name: string | null, limit: SeedingLimitKind, action: SeedingAction, } | { "type": "watched_file_failed", 
/**
 * Where it is now.
 */
file: string, error: ApiError, } | { "type": "alt_limits_scheduled", enabled: boolean, } | { "type": "labels_changed", labels: Labels, } | { "type": "move_failed", id: TorrentId, error: ApiError, };

export type ApiError = { kind: ApiErrorKind, message: string, };

export type ApiErrorKind = "bad_request" | "invalid_magnet" | "invalid_torrent" | "path_not_found" | "already_exists" | "unknown_torrent" | "unreachable" | "unauthorized" | "forbidden" | "io" | "internal" | "no_wallet" | "wallet_locked" | "wrong_password" | "invalid_address" | "insufficient_funds" | "offline" | "node_rejected" | "too_many_attempts" | "file_in_the_way" | "unknown_label" | "label_exists";

export type TorrentId = string;

export type BaseUnits = string;

export type TorrentSource = { "kind": "magnet", "value": string } | { "kind": "torrent_base64", "value": string } | { "kind": "path", "value": string } | { "kind": "url", "value": string };

export type AddOptions = { 
/**
 * Add without starting.
 */
paused: boolean, 
/**
 * File indices to download; all files when absent.
 */
files: Array<number> | null, 
/**
 * Where the data goes; the download folder setting when absent.
 */
output_folder: string | null, 
/**
 * Peers to connect to at once, as `host:port`.
 */
peers: Array<string>, limits: RateLimits, 
/**
 * This torrent's own bid for speed; the settings' defaults when absent.
 */
bid?: TorrentBid, 
/**
 * Its category; the category's folder is used when `output_folder` is absent.
 */
category?: Label, 
/**
 * Tags that do not exist yet are created.
 */
tags: Array<Label>, };

export type RateLimits = { download_bytes_per_sec: number | null, upload_bytes_per_sec: number | null, };

export type TorrentPreview = { id: TorrentId, name: string | null, total_bytes: number, files: Array<TorrentFile>, };

export type TorrentFile = { index: number, 
/**
 * Path inside the torrent, `/`-separated.
 */
path: string, length: number, included: boolean, 
/**
 * Verified bytes of this file on disk.
 */
progress_bytes: number, 
/**
 * `skip` exactly when `included` is false.
 */
priority: FilePriority, };

export type FilePriority = "skip" | "low" | "normal" | "high";

export type TorrentInfo = { id: TorrentId, name: string | null, 
/**
 * A magnet link for sharing: info hash and trackers.
 */
magnet: string, state: TorrentState, output_folder: string, 
/**
 * The folder it was saved in, as chosen when adding or moving it ("Set location"
 * takes this): `output_folder` itself, or for a torrent of several files the folder
 * its own folder sits in.
 */
save_path: string, 
/**
 * Verified bytes of the selected files.
 */
progress_bytes: number, 
/**
 * Bytes of the selected files.
 */
total_bytes: number, 
/**
 * While `checking`: how much of the existing data has been read so far.
 */
checked_bytes: number, 
/**
 * Bytes received from peers in this session, wasted ones included.
 */
fetched_bytes: number, uploaded_bytes: number, download_bytes_per_sec: number, upload_bytes_per_sec: number, eta_secs: number | null, peers: number, 
/**
 * How this torrent's peers were reached since it started in this session.
 */
reached: PeerReach, error: string | null, limits: RateLimits, 
/**
 * Empty until the metadata is known.
 */
files: Array<TorrentFile>, 
/**
 * Bytes of each piece but the last; `None` until the metadata is known.
 */
piece_length: number | null, 
/**
 * How many pieces; `None` until the metadata is known.
 */
pieces: number | null, 
/**
 * When the torrent was added, Unix seconds; `None` for torrents added before Bidswarm
 * recorded it.
 */
added_at: number | null, 
/**
 * Bytes uploaded over the torrent's whole life, across pauses and restarts.
 */
all_time_uploaded_bytes: number, 
/**
 * Bytes received from peers over the torrent's whole life, wasted ones included.
 */
all_time_downloaded_bytes: number, 
/**
 * `all_time_uploaded_bytes / all_time_downloaded_bytes`; `None` while nothing has
 * been downloaded (a torrent seeded from data that was already here).
 */
ratio: number | null, 
/**
 * From the `.torrent`: the program that made it (`created by`).
 */
created_by: string | null, 
/**
 * From the `.torrent`: its `comment`.
 */
comment: string | null, 
/**
 * From the `.torrent`: its `creation date`, Unix seconds.
 */
creation_date: number | null, 
/**
 * This torrent's own seeding limits; `None` when it follows the settings'.
 */
seeding_limits: SeedingLimits | null, 
/**
 * Seconds spent seeding (complete and not paused), across restarts.
 */
seeding_secs: number, 
/**
 * Seconds seeding since it last uploaded a byte (or started seeding).
 */
inactive_secs: number, 
/**
 * Its place in the queue, from 1.
 */
queue_position: number, 
/**
 * It runs whatever the queue says.
 */
force_start: boolean, 
/**
 * Its share of the upload cap against other torrents'.
 */
bandwidth_priority: BandwidthPriority, 
/**
 * Its pieces are fetched in order ([`crate::Request::SetSequential`]).
 */
sequential: boolean, 
/**
 * Each file's first and last pieces come before the rest of it
 * ([`crate::Request::SetFirstLastPiecesFirst`]).
 */
first_last_pieces_first: boolean, category: Label | null, 
/**
 * Sorted by name.
 */
tags: Array<Label>, 
/**
 * When it was first seen complete, Unix seconds; `None` until then.
 */
completed_at: number | null, 
/**
 * The tracker announced to now: the first that works, else the first.
 */
tracker: TrackerUrl | null, 
/**
 * The hosts of all its trackers, sorted, each once (the sidebar's tracker filter).
 */
tracker_hosts: Array<string>, 
/**
 * How its trackers are doing as a whole: `working` when one works, `not_working` when
 * every one was tried and failed; `None` without trackers.
 */
tracker_status: TrackerStatus | null, 
/**
 * Seeders in the whole swarm, as its best-informed tracker counts them.
 */
swarm_seeds: number | null, 
/**
 * Leechers in the whole swarm, as its best-informed tracker counts them.
 */
swarm_leechers: number | null, };

export type PeerReach = { 
/**
 * Peers that connected to us.
 */
incoming: number, 
/**
 * Peers we connected to.
 */
outgoing: number, 
/**
 * Connections over uTP rather than TCP.
 */
utp: number, 
/**
 * RC4-encrypted connections.
 */
encrypted: number, 
/**
 * Peers that connected offering encryption only: with encryption disabled they
 * would not have reached us.
 */
refused_plaintext: number, 
/**
 * HAVE messages our engine failed to send that the gateway sent in its place
 * (librqbit drops them to a peer more than 128 pieces behind).
 */
missed_haves: number, };

export type TorrentState = "resolving" | "checking" | "downloading" | "seeding" | "paused" | "queued" | "moving" | "error";

export type Settings = { download_folder: string, 
/**
 * TCP port for incoming peers; 0 picks a free one.
 */
listen_port: number, dht: boolean, local_service_discovery: boolean, upnp: boolean, 
/**
 * Global limits. The upload limit is enforced by the gateway, shared among the
 * peers we upload to; the download limit by the engine.
 */
limits: RateLimits, 
/**
 * Limits used instead of `limits` while `alt_limits_enabled` (the "turtle" mode).
 */
alt_limits: RateLimits, 
/**
 * Switched by `set_alt_limits_enabled` and the schedule only: `update_settings`
 * keeps it as it is, so a settings form read earlier never switches it back.
 */
alt_limits_enabled: boolean, 
/**
 * When the alternative limits switch on and off by themselves.
 */
alt_schedule: AltSchedule, 
/**
 * When finished torrents stop seeding, unless a torrent has its own.
 */
seeding_limits: SeedingLimits, 
/**
 * How many torrents run at once.
 */
queue: QueueSettings, 
/**
 * `.torrent` files dropped here are added, then moved into its `added` folder (or
 * `failed`, when they cannot be added).
 */
watched_folder: string | null, 
/**
 * The category torrents added from the watched folder are put in.
 */
watched_folder_category: Label | null, 
/**
 * Peer connections open at once, in all.
 */
max_connections: number, max_connections_per_torrent: number, 
/**
 * Incoming connections from one IP address.
 */
max_connections_per_ip: number, 
/**
 * A blocklist file (CIDR, single addresses, ranges or the P2P format), read at start
 * and whenever settings change or `reload_blocklist` is sent.
 */
blocklist_path: string | null, 
/**
 * Desktop app: a notification when a torrent completes.
 */
notify_on_complete: boolean, 
/**
 * Desktop app: start at login, minimized to the tray.
 */
start_at_login: boolean, 
/**
 * Desktop app: closing the window keeps Bidswarm seeding in the tray.
 */
close_to_tray: boolean, 
/**
 * Bid for speed: spending, earning and their limits.
 */
speed: SpeedSettings, 
/**
 * The TRON network the wallet uses.
 */
network: TronNetwork, 
/**
 * MSE/PE encryption of peer connections.
 */
encryption: EncryptionMode, };

export type SeedingLimits = { 
/**
 * Uploaded over downloaded, over the torrent's whole life. A torrent seeded from
 * data that was already here counts its size as downloaded, as qBittorrent does, so
 * the limit still means "uploaded this many times its size".
 */
ratio: number | null, 
/**
 * Minutes spent seeding (not paused), across restarts.
 */
seeding_minutes: number | null, 
/**
 * Minutes seeding without uploading a byte.
 */
inactive_minutes: number | null, action: SeedingAction, };

export type SeedingAction = "pause" | "remove";

export type SeedingLimitKind = "ratio" | "seeding_time" | "inactive_time";

export type AltSchedule = { enabled: boolean, 
/**
 * Minutes after local midnight, 0 to 1439.
 */
from_minute: number, 
/**
 * Minutes after local midnight, 0 to 1439.
 */
to_minute: number, days: ScheduleDays, };

export type ScheduleDays = "every" | "weekdays" | "weekends" | "monday" | "tuesday" | "wednesday" | "thursday" | "friday" | "saturday" | "sunday";

export type QueueSettings = { enabled: boolean, 
/**
 * Torrents downloading at once.
 */
max_active_downloads: number | null, 
/**
 * Finished torrents seeding at once.
 */
max_active_uploads: number | null, 
/**
 * Torrents running at once, downloading and seeding together.
 */
max_active_torrents: number | null, 
/**
 * Torrents slower than both rates below for `slow_after_secs` do not count, so a
 * torrent nobody seeds does not hold a place.
 */
ignore_slow: boolean, slow_download_bytes_per_sec: number, slow_upload_bytes_per_sec: number, slow_after_secs: number, };

export type QueueMove = "top" | "up" | "down" | "bottom";

export type BandwidthPriority = "low" | "normal" | "high";

export type Label = string;

export type TorrentName = string;

export type TrackerUrl = string;

export type TrackerStatus = "not_contacted" | "updating" | "working" | "not_working";

export type TrackerInfo = { url: TrackerUrl, 
/**
 * BEP 12's tier, from 0. Bidswarm announces to every tier.
 */
tier: number, status: TrackerStatus, 
/**
 * The tracker's failure reason or warning, or why it could not be reached.
 */
message: string | null, 
/**
 * Peers it gave in its last answer.
 */
peers: number, 
/**
 * Seeders it knows of (`complete`), from its last answer.
 */
seeds: number | null, 
/**
 * Leechers it knows of (`incomplete`), from its last answer.
 */
leechers: number | null, 
/**
 * When it was last announced to, Unix seconds.
 */
last_announce: number | null, 
/**
 * When it will be announced to next, Unix seconds; `None` while the torrent does not run.
 */
next_announce: number | null, };

export type Category = { name: Label, 
/**
 * Where torrents added in this category are saved; the download folder when `None`.
 */
save_path: string | null, 
/**
 * Its torrents' share of the upload cap against other categories': it multiplies
 * each torrent's own bandwidth priority.
 */
bandwidth_priority: BandwidthPriority, };

export type Labels = { categories: Array<Category>, tags: Array<Label>, };

export type EncryptionMode = "prefer" | "require" | "disable";

export type SessionStats = { download_bytes_per_sec: number, upload_bytes_per_sec: number, fetched_bytes: number, uploaded_bytes: number, torrents: number, peers: number, 
/**
 * The address peers can reach this session at, when it listens.
 */
listen_addr: string | null, 
/**
 * Nodes in the DHT routing table (IPv4 and IPv6); `None` when DHT is off.
 */
dht_nodes: number | null, 
/**
 * Free space in the download folder, when it can be read.
 */
free_disk_bytes: number | null, 
/**
 * Peer connections through the gateway, all torrents.
 */
connections: number, 
/**
 * The upload cap in force now (the gateway's), bytes per second; `None` unlimited.
 */
upload_cap_bytes_per_sec: number | null, };

export type CreatedTorrent = { id: TorrentId, magnet: string, torrent_path: string, };

export type PeerInfo = { 
/**
 * The peer's real address (never the loopback address librqbit sees).
 */
address: string, 
/**
 * Client name and version from its extended handshake, when it sent one.
 */
client: string | null, 
/**
 * The peer connected to us (rather than we to it).
 */
incoming: boolean, 
/**
 * The connection is RC4-encrypted (MSE/PE).
 */
encrypted: boolean, 
/**
 * The connection runs over uTP (BEP 29) rather than TCP.
 */
utp: boolean, 
/**
 * The peer speaks bt_speed, so it can bid or sell speed.
 */
bt_speed: boolean, 
/**
 * Piece bytes sent to this peer on this connection.
 */
uploaded_bytes: number, 
/**
 * Piece bytes received from this peer on this connection.
 */
downloaded_bytes: number, 
/**
 * Piece bytes per second over the last second.
 */
download_bytes_per_sec: number, upload_bytes_per_sec: number, 
/**
 * We refuse to upload to it (BEP 3 "choking"); the gateway's choker decides.
 */
am_choking: boolean, 
/**
 * We want pieces it has.
 */
am_interested: boolean, 
/**
 * It refuses to upload to us.
 */
peer_choking: boolean, 
/**
 * It wants pieces we have.
 */
peer_interested: boolean, };

export type PeerBytes = { address: string, bytes: number, };

export type BlocklistStatus = { path: string | null, 
/**
 * Blocked address ranges, after merging overlaps.
 */
ranges: number, 
/**
 * Line numbers that could not be read (the first 20).
 */
bad_lines: Array<number>, };

export type PieceMap = { count: number, 
/**
 * One bit per piece, most significant bit first (as in BEP 3), base64.
 */
bitfield_base64: string, };

export type TronNetwork = { "kind": "mainnet" } | { "kind": "nile" } | { "kind": "shasta" } | { "kind": "custom", url: string, api_key: string | null, } | { "kind": "local", url: string, };

export type BidStrategy = "fixed" | "auto";

export type SpeedSettings = { spending_enabled: boolean, strategy: BidStrategy, 
/**
 * Base units per GiB, for the fixed strategy.
 */
fixed_price_per_gib: BaseUnits, 
/**
 * Base units per GiB that auto-bid never exceeds.
 */
max_price_per_gib: BaseUnits, 
/**
 * Base units each torrent may spend at most (per torrent, overridable).
 */
budget_per_torrent: BaseUnits, 
/**
 * Base units all torrents together may spend, counted from the ledger (every
 * session's vouchers). Required above zero when spending is on; raise it to spend
 * more.
 */
spending_cap: BaseUnits, earning_enabled: boolean, 
/**
 * Base units per GiB below which no paid slot is sold.
 */
ask_per_gib: BaseUnits, 
/**
 * Bytes a paid slot is served beyond its last payment; raised to 4 pieces of the
 * torrent where that is more (a buyer pays for verified pieces only).
 */
credit_window_bytes: number, 
/**
 * Base units one payer may owe us unsettled before it gets no paid slot.
 */
exposure_cap: BaseUnits, 
/**
 * Base units all payers together may owe us unsettled before no payer gets a paid
 * slot: fresh keys cannot multiply [`Self::exposure_cap`].
 */
total_exposure_cap: BaseUnits, 
/**
 * Seconds a payer may owe us unsettled before it gets no paid slot until it pays.
 */
settlement_overdue_secs: number, 
/**
 * A payee is paid on chain once what we owe it is worth at least this many times the
 * settlement's fee (20: the fee is at most 5% of what moves). 0 pays whatever is owed
 * at every round. Quitting, removing a torrent and "settle now" pay everything owed.
 */
settle_fee_multiple: number, 
/**
 * What one TRX is worth in BTT base units, to weigh a settlement's TRX fee against the
 * BTT it pays. Set by the user: Bidswarm reads no price feed.
 */
btt_per_trx: BaseUnits, };

export type TorrentBid = { 
/**
 * Off: never pay for this torrent, whatever the global setting.
 */
spending: boolean, strategy: BidStrategy, 
/**
 * Base units per GiB (fixed), or the max price (auto).
 */
price_per_gib: BaseUnits, 
/**
 * Base units this torrent may spend at most.
 */
budget: BaseUnits, };

export type TorrentSpeed = { bid: TorrentBid | null, 
/**
 * Base units per GiB we bid now, if bidding.
 */
current_bid: string | null, 
/**
 * Base units: the budget, what was promised so far, and what is left.
 */
budget: string, spent: string, remaining: string, 
/**
 * Bytes of verified pieces paid for.
 */
bytes_bought: number, budget_exhausted: boolean, 
/**
 * Seeders that granted us a paid slot, with the price.
 */
paid_slots: Array<PaidSlot>, 
/**
 * Base units promised to us by payers for this torrent, and how much of it has
 * arrived on chain.
 */
earned: string, earned_settled: string, channels: Array<ChannelInfo>, };

export type BidSummary = { id: TorrentId, bid: TorrentBid | null, 
/**
 * Base units per GiB we bid now, if bidding.
 */
current_bid: string | null, budget_exhausted: boolean, };

export type PaidSlot = { peer: string, price_per_gib: string, };

export type ChannelDirection = "spend" | "earn";

export type ChannelInfo = { channel: string, direction: ChannelDirection, peer: string, 
/**
 * The other side's TRON address.
 */
counterparty: string, price_per_gib: string, budget: string, 
/**
 * The last voucher's cumulative amount and sequence number.
 */
cumulative: string, seq: number, };

export type SpeedEvent = { "what": "bid", id: TorrentId, peer: string, price: string, } | { "what": "price", id: TorrentId, peer: string, price: string, slot: boolean, } | { "what": "price_refused", id: TorrentId, peer: string, price: string, bid: string, } | { "what": "paid", id: TorrentId, peer: string, channel: string, cumulative: string, } | { "what": "earned", id: TorrentId, peer: string, channel: string, cumulative: string, } | { "what": "settled", txid: string, amount: string, } | { "what": "budget_exhausted", id: TorrentId, };

export type SettlementQuote = { payees: Array<PayeeDue>, 
/**
 * TRX, in sun, that one settlement to a payee already holding BTT burns now, as the
 * node prices it; `None` without a wallet or when the node cannot be asked.
 */
typical_fee_sun: string | null, 
/**
 * [`Self::typical_fee_sun`] in BTT base units at the settings' `btt_per_trx`.
 */
typical_fee_btt: string | null, };

export type PayeeDue = { payee: string, 
/**
 * Base units promised and not yet settled.
 */
owed: string, 
/**
 * TRX, in sun, that paying it now burns; `None` when the node could not price it.
 */
fee_sun: string | null, 
/**
 * The fee in BTT base units at the settings' `btt_per_trx`.
 */
fee_btt: string | null, 
/**
 * A settlement to it is on its way already: settling now signs nothing new for it.
 */
in_flight: boolean, 
/**
 * What is owed is worth the fee by the settings' multiple: the next round pays it
 * anyway.
 */
worth_it: boolean, };

export type SettlementDone = { payee: string, 
/**
 * Base units paid.
 */
amount: string, txid: string, };

export type SecretStoreKind = "keyring" | "file";

export type WalletState = "none" | "locked" | "unlocked";

export type WalletStatus = { state: WalletState, 
/**
 * Base58 (`T…`), once there is a wallet.
 */
address: string | null, 
/**
 * The same address as hex starting with 41.
 */
address_hex: string | null, 
/**
 * Where the sealed secret is: "OS keyring (…)" or "file <path>".
 */
store: string | null, 
/**
 * Why the OS keyring was passed over, when it was asked for.
 */
store_note: string | null, 
/**
 * `mainnet`, `nile`, `shasta`, `custom` or `local`.
 */
network: string, 
/**
 * Seconds of inactivity after which an unlocked wallet locks itself.
 */
auto_lock_secs: number, 
/**
 * Seconds left before it locks itself, while unlocked.
 */
locks_in_secs: number | null, 
/**
 * Bid for speed can sign (vouchers within the budgets and the spending cap, and
 * their settlements), also after the idle lock; the user's own lock stops it.
 */
speed_signing: boolean, };

export type WalletBalances = { address: string, network: string, online: boolean, 
/**
 * Why the node could not be asked, when offline.
 */
offline_reason: string | null, 
/**
 * TRX on chain, in sun.
 */
trx_sun: string | null, 
/**
 * BTT on chain, in base units.
 */
btt_onchain: string | null, 
/**
 * From the ledger, in BTT base units: on chain minus what vouchers promised.
 */
spendable: string, 
/**
 * Promised in vouchers, not yet settled on chain.
 */
committed: string, 
/**
 * Earned in vouchers we hold, not yet settled.
 */
earned_pending: string, 
/**
 * Earned and confirmed on chain.
 */
earned_settled: string, };

export type WalletAsset = "trx" | "btt";

export type SendQuote = { quote_id: string, network: string, from: string, to: string, asset: WalletAsset, amount: string, 
/**
 * The TRX the network is expected to burn, in sun (bandwidth, and energy for BTT).
 */
fee_estimate_sun: string, 
/**
 * The most TRX the transaction may burn for energy, in sun ("0" for TRX).
 */
fee_limit_sun: string, 
/**
 * True when the node states its fees exactly (the local devnet).
 */
fee_exact: boolean, 
/**
 * TRX leaving the wallet, in sun: the amount (for TRX) plus the fee estimate.
 */
total_trx_sun: string, 
/**
 * BTT leaving the wallet, in base units ("0" for TRX).
 */
total_btt: string, 
/**
 * The quote must be confirmed within this many seconds.
 */
expires_in_secs: number, };

export type TransferDirection = "in" | "out" | "fee";

export type WalletTransfer = { txid: string, 
/**
 * Milliseconds since the Unix epoch (the block's time when on chain).
 */
at_ms: number, asset: WalletAsset, direction: TransferDirection, counterparty: string | null, amount: string, 
/**
 * `raw_data.data` as hex, when the node reports it.
 */
memo_hex: string | null, 
/**
 * Seen in the node's history.
 */
on_chain: boolean, 
/**
 * Recorded in Bidswarm's ledger.
 */
in_ledger: boolean, };

export type LedgerSummary = { 
/**
 * Our addresses' BTT as last seen on chain.
 */
onchain: string, 
/**
 * Promised in vouchers and not yet settled.
 */
committed: string, 
/**
 * On chain minus committed.
 */
spendable: string, spent: string, earned_pending: string, earned_settled: string, 
/**
 * Fees booked in BTT (wallet transfers).
 */
fees: string, 
/**
 * TRX, in sun, the chain burnt for our settlements: kept beside the journal, which
 * books BTT only.
 */
settlement_fees_sun: string, 
/**
 * TRX, in sun, the chain burnt for the transfers the user sent from the wallet, as far
 * as they are known (a send's fee is read once it is in a block).
 */
send_fees_sun: string, };

export type Economics = { spent: string, earned: string, 
/**
 * Vouchers behind those amounts.
 */
vouchers: number, };

export type TorrentEconomics = { id: TorrentId, economics: Economics, };

export type PeerEconomics = { 
/**
 * Its TRON address (base58).
 */
peer: string, economics: Economics, };

export type DayEconomics = { 
/**
 * `YYYY-MM-DD`, UTC.
 */
day: string, economics: Economics, };

export type LedgerHealth = { ok: boolean, entries_checked: number, vouchers_checked: number, 
/**
 * Each problem names its table and row.
 */
problems: Array<string>, 
/**
 * Set when this session found its ledger file damaged at start and began a fresh one:
 * the checks above are the fresh ledger's.
 */
recovered: LedgerRecovery | null, };

export type LedgerRecovery = { 
/**
 * Where the damaged file is now: `…/ledger.sqlite.damaged-<unix time>`.
 */
moved_to: string, 
/**
 * Why it could not be opened, in SQLite's words.
 */
reason: string, 
/**
 * When it was moved, unix seconds.
 */
at: number, };

export type LedgerEntry = { 
/**
 * Unique and stable: the ledger's event id.
 */
id: number, 
/**
 * Unix seconds.
 */
at: number, kind: LedgerEntryKind, 
/**
 * Spend or earn, for vouchers and settlements.
 */
direction: ChannelDirection | null, 
/**
 * The torrent, for vouchers.
 */
torrent: TorrentId | null, 
/**
 * The other side's TRON address.
 */
peer: string | null, 
/**
 * What the event moved, in BTT base units: for a voucher, what it adds over the one
 * before it.
 */
amount: string, txid: string | null, };

export type LedgerEntryKind = "voucher_sent" | "voucher_received" | "settlement_pending" | "settlement_confirmed" | "settlement_failed" | "settlement_retried" | "deposit" | "withdrawal" | "fee" | "balance_observed";

/** The `type` of the response that answers each request type (`answers!` in crates/api). */
export const ANSWERS = {
  preview_torrent: "preview",
  add_torrent: "torrent",
  list_torrents: "torrents",
  get_torrent: "torrent",
  pause: "torrent",
  resume: "torrent",
  pause_all: "ok",
  resume_all: "ok",
  remove: "ok",
  set_file_selection: "torrent",
  set_file_priority: "torrent",
  set_torrent_limits: "torrent",
  set_seeding_limits: "torrent",
  set_alt_limits_enabled: "settings",
  move_in_queue: "ok",
  set_force_start: "ok",
  set_bandwidth_priority: "ok",
  set_sequential: "ok",
  set_first_last_pieces_first: "ok",
  recheck: "ok",
  rename_torrent: "torrent",
  list_trackers: "trackers",
  add_trackers: "trackers",
  edit_tracker: "trackers",
  remove_trackers: "trackers",
  reannounce: "ok",
  list_labels: "labels",
  set_category: "labels",
  rename_category: "labels",
  remove_categories: "labels",
  create_tags: "labels",
  rename_tag: "labels",
  remove_tags: "labels",
  set_torrent_category: "ok",
  add_torrent_tags: "ok",
  remove_torrent_tags: "ok",
  set_location: "ok",
  list_peers: "peers",
  add_peers: "ok",
  get_settings: "settings",
  update_settings: "settings",
  session_stats: "session_stats",
  reload_blocklist: "blocklist",
  get_pieces: "pieces",
  get_torrent_speed: "torrent_speed",
  list_bids: "bids",
  set_torrent_bid: "torrent_speed",
  create_torrent: "created",
  wallet_status: "wallet_status",
  create_wallet: "wallet_status",
  import_wallet: "wallet_status",
  unlock_wallet: "wallet_status",
  lock_wallet: "wallet_status",
  change_wallet_password: "wallet_status",
  reveal_mnemonic: "mnemonic",
  wallet_balances: "wallet_balances",
  quote_send: "send_quote",
  send: "sent",
  wallet_history: "wallet_history",
  quote_settlement: "settlement_quote",
  settle_now: "settled",
  ledger_summary: "ledger_summary",
  verify_ledger: "ledger_health",
  ledger_history: "ledger_history",
  export_ledger: "ledger_csv",
} as const satisfies Record<Request["type"], Response["type"]>;

/** The response a request of type `T` is answered with. */
export type AnswerTo<T extends Request["type"]> = Extract<Response, { type: (typeof ANSWERS)[T] }>;
