//! The one API between Bidswarm's UI and its core.
//!
//! Every operation the UI can perform is a [`Request`] variant, answered by one
//! [`Response`] or an [`ApiError`]. Everything that happens on its own (progress,
//! completion, errors) is an [`Event`]. Both transports, the Tauri command bridge and
//! the headless HTTP server, carry exactly these types as JSON, and the TypeScript in
//! `ui/src/bindings/` is generated from them (see `tests/bindings.rs`), so the UI and the
//! core cannot drift apart silently.
//!
//! Wire shape: enums are internally tagged with `"type"` in `snake_case`, so a request
//! reads `{"type":"pause","id":"<info hash>"}`. Byte counts and rates are JSON numbers;
//! they stay far below 2^53.

mod amount;
mod error;
mod labels;
mod ledger;
mod limits;
mod speed;
mod torrent;
mod trackers;
mod wallet;

pub use amount::BaseUnits;
pub use error::{ApiError, ApiErrorKind};
pub use labels::*;
pub use ledger::*;
pub use limits::*;
pub use speed::*;
pub use torrent::*;
pub use trackers::*;
pub use wallet::*;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Everything the UI can ask of the core. `core::Core::handle` matches on it once.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    /// Reads the metadata (name, files, sizes) without adding the torrent, so the user
    /// can choose files first. A magnet needs a peer for this and may take a while.
    PreviewTorrent {
        source: TorrentSource,
    },
    /// Adds a torrent. A magnet returns at once in state `resolving`; its files appear
    /// with the `metadata_resolved` event.
    AddTorrent {
        source: TorrentSource,
        #[serde(default)]
        options: AddOptions,
    },
    ListTorrents,
    GetTorrent {
        id: TorrentId,
    },
    Pause {
        id: TorrentId,
    },
    Resume {
        id: TorrentId,
    },
    PauseAll,
    ResumeAll,
    /// Removes the torrent from the session; `delete_data` also deletes its files.
    Remove {
        id: TorrentId,
        #[serde(default)]
        delete_data: bool,
    },
    /// Chooses which files (by index into `files`) are downloaded.
    SetFileSelection {
        id: TorrentId,
        files: Vec<u32>,
    },
    /// Sets the priority of some files (by index into `files`); `skip` deselects them. The
    /// choice is kept across restarts.
    SetFilePriority {
        id: TorrentId,
        files: Vec<u32>,
        priority: FilePriority,
    },
    SetTorrentLimits {
        id: TorrentId,
        limits: RateLimits,
    },
    /// Gives a torrent its own seeding limits, or with `None` has it follow the settings'.
    /// Kept across restarts.
    SetSeedingLimits {
        id: TorrentId,
        limits: Option<SeedingLimits>,
    },
    /// Moves torrents in the queue; several keep their order among themselves.
    MoveInQueue {
        ids: Vec<TorrentId>,
        to: QueueMove,
    },
    /// Runs torrents whatever the queue says ("force start"), or (with `false`) puts them
    /// back under it. Pausing a torrent ends its force start.
    SetForceStart {
        ids: Vec<TorrentId>,
        enabled: bool,
    },
    /// Sets how large a share of the upload cap torrents get against the others.
    SetBandwidthPriority {
        ids: Vec<TorrentId>,
        priority: BandwidthPriority,
    },
    /// Fetches these torrents' pieces in order, file by file ("sequential download"), or
    /// (with `false`) in librqbit's own order again. Files of high priority come first
    /// either way.
    SetSequential {
        ids: Vec<TorrentId>,
        enabled: bool,
    },
    /// Fetches each file's first and last pieces before the rest of it, for a player that
    /// reads a file's end (an index) before it plays. librqbit already does so for a
    /// torrent that is not sequential; this makes a sequential torrent (and files of high
    /// priority) do it too.
    SetFirstLastPiecesFirst {
        ids: Vec<TorrentId>,
        enabled: bool,
    },
    /// Checks every piece of these torrents' data again ("force recheck"); each shows
    /// `checking` meanwhile. A paused torrent stays paused.
    Recheck {
        ids: Vec<TorrentId>,
    },
    /// Shows a torrent under another name (qBittorrent's "rename"): only what the list
    /// and notifications show changes, not its files or folder. `None` goes back to the
    /// torrent's own name.
    RenameTorrent {
        id: TorrentId,
        name: Option<TorrentName>,
    },
    /// The torrent's trackers, each with how its last announce went.
    ListTrackers {
        id: TorrentId,
    },
    /// Adds trackers to the torrent (in a tier after its others) and announces to them
    /// now. One it has already is left as it is. At most [`MAX_TRACKERS`] in all.
    AddTrackers {
        id: TorrentId,
        urls: Vec<TrackerUrl>,
    },
    /// Puts `new_url` in `url`'s place (same tier), and announces to it now.
    EditTracker {
        id: TorrentId,
        url: TrackerUrl,
        new_url: TrackerUrl,
    },
    /// Removes trackers from the torrent; each is sent a `stopped` announce if it was
    /// announced to. URLs the torrent does not have are refused.
    RemoveTrackers {
        id: TorrentId,
        urls: Vec<TrackerUrl>,
    },
    /// Announces these torrents to their trackers now ("reannounce"), or as soon as a
    /// tracker's `min interval` allows. Paused torrents are skipped.
    Reannounce {
        ids: Vec<TorrentId>,
    },
    /// Every category and tag.
    ListLabels,
    /// Creates a category, or changes the folder of one that exists. The folder must be one
    /// requests may name; torrents already in the category stay where they are.
    SetCategory {
        name: Label,
        save_path: Option<String>,
        /// Its torrents' share of the upload cap, times each one's own priority. Left out
        /// (`null`): kept as it is, normal for a new category.
        #[serde(default)]
        bandwidth_priority: Option<BandwidthPriority>,
    },
    /// Renames a category; its torrents and folder go with it.
    RenameCategory {
        from: Label,
        to: Label,
    },
    /// Removes categories; their torrents are left without one, and their data stays.
    /// Names that are not categories are ignored.
    RemoveCategories {
        names: Vec<Label>,
    },
    CreateTags {
        names: Vec<Label>,
    },
    /// Renames a tag on every torrent that has it.
    RenameTag {
        from: Label,
        to: Label,
    },
    /// Removes tags, from every torrent too. Names that are not tags are ignored.
    RemoveTags {
        names: Vec<Label>,
    },
    /// Puts torrents in a category (`None`: in none). With `move_data`, each torrent's data
    /// moves to the category's folder, or the download folder when it has none.
    SetTorrentCategory {
        ids: Vec<TorrentId>,
        category: Option<Label>,
        #[serde(default)]
        move_data: bool,
    },
    /// Adds tags to torrents, creating the tags that do not exist yet.
    AddTorrentTags {
        ids: Vec<TorrentId>,
        tags: Vec<Label>,
    },
    RemoveTorrentTags {
        ids: Vec<TorrentId>,
        tags: Vec<Label>,
    },
    /// Moves torrents' data into `folder` ("set location"); each shows `moving` meanwhile,
    /// and is checked again where it lands. Nothing already in the way is written over.
    SetLocation {
        ids: Vec<TorrentId>,
        folder: String,
    },
    /// Switches the alternative speed limits on or off (the status bar's toggle). The
    /// schedule, when on, switches them again at its next start or end. Answers the
    /// settings.
    SetAltLimitsEnabled {
        enabled: bool,
    },
    /// The peers connected for this torrent, as the gateway sees them.
    ListPeers {
        id: TorrentId,
    },
    /// Dials these peers (`IP:port`, at most 64) for the torrent now, and remembers them
    /// across restarts (re-dialled while the torrent runs and they are not connected): a
    /// peer found some other way than trackers, DHT or PEX.
    AddPeers {
        id: TorrentId,
        peers: Vec<String>,
    },
    GetSettings,
    UpdateSettings {
        /// Boxed: the largest request by far, and rare.
        settings: Box<Settings>,
    },
    SessionStats,
    /// Reads the blocklist file named in the settings again.
    ReloadBlocklist,
    /// Which pieces of a torrent are verified, for the pieces map.
    GetPieces {
        id: TorrentId,
    },
    /// What bid-for-speed is doing for a torrent.
    GetTorrentSpeed {
        id: TorrentId,
    },
    /// The bid column for every torrent at once: each one's own bid, the price we bid now
    /// and whether its budget ran out.
    ListBids,
    /// Sets (or with `None` clears) a torrent's own bid.
    SetTorrentBid {
        id: TorrentId,
        bid: Option<TorrentBid>,
    },
    /// Hashes a file or folder into a new `.torrent` written to `output`.
    CreateTorrent {
        path: String,
        output: String,
        #[serde(default)]
        trackers: Vec<String>,
        #[serde(default)]
        piece_length: Option<u32>,
    },
    /// Whether there is a wallet, its address, and whether it is unlocked.
    WalletStatus,
    /// Makes a new recovery phrase and seals it under `password`. Answers the status
    /// only; the UI then asks `reveal_mnemonic` (with the password) to show the words
    /// for backup.
    CreateWallet {
        /// 12 or 24.
        words: u8,
        #[ts(type = "string")]
        password: Secret,
        /// An optional BIP-39 passphrase ("25th word").
        #[serde(default)]
        #[ts(type = "string | null")]
        passphrase: Option<Secret>,
        #[serde(default)]
        store: SecretStoreKind,
    },
    /// Imports a recovery phrase or (exclusively) a raw private key (64 hex digits).
    ImportWallet {
        #[serde(default)]
        #[ts(type = "string | null")]
        mnemonic: Option<Secret>,
        #[serde(default)]
        #[ts(type = "string | null")]
        private_key: Option<Secret>,
        #[serde(default)]
        #[ts(type = "string | null")]
        passphrase: Option<Secret>,
        #[ts(type = "string")]
        password: Secret,
        #[serde(default)]
        store: SecretStoreKind,
    },
    UnlockWallet {
        #[ts(type = "string")]
        password: Secret,
    },
    LockWallet,
    ChangeWalletPassword {
        #[ts(type = "string")]
        old: Secret,
        #[ts(type = "string")]
        new: Secret,
    },
    /// The recovery phrase, behind the password. The only request that returns key
    /// material.
    RevealMnemonic {
        #[ts(type = "string")]
        password: Secret,
    },
    /// TRX and BTT on chain, and the ledger's spendable, committed and earned BTT.
    WalletBalances,
    /// Prices a transfer (`amount` in sun for TRX, base units for BTT) without sending
    /// it; `send` with the quote's id within 60 s confirms it.
    QuoteSend {
        to: String,
        asset: WalletAsset,
        amount: BaseUnits,
    },
    /// Signs and broadcasts a quoted transfer: the confirmation step.
    Send {
        quote_id: String,
    },
    /// Transfers from the node's history merged with the ledger's wallet transactions,
    /// newest first.
    WalletHistory,
    /// What settling every payee now would pay and burn in fees, without signing anything.
    QuoteSettlement,
    /// Pays every payee we owe now, whatever the fee rule (the user saw the quote): waits
    /// for each new settlement to be in a block, up to about 30 s each. Needs the wallet
    /// (or bid for speed's key) unlocked.
    SettleNow,
    /// Balances derived from the ledger, in all, per torrent and per day.
    LedgerSummary,
    /// Checks the ledger and reports every problem with its row, and whether this session
    /// found its ledger file damaged at start and began a fresh one (`recovered`).
    VerifyLedger,
    /// The history, newest first, a page at a time: pass `cursor` as `null` for the first
    /// page and then each page's `next_cursor` unchanged. `limit` is capped at 500; 0 is
    /// refused. `from` and `to` (unix seconds, `to` excluded) narrow it by date.
    LedgerHistory {
        #[serde(default)]
        cursor: Option<String>,
        limit: u32,
        #[serde(default)]
        #[ts(type = "number | null")]
        from: Option<i64>,
        #[serde(default)]
        #[ts(type = "number | null")]
        to: Option<i64>,
    },
    /// The history as CSV (date, torrent, peer, direction, amount_btt, state, txid,
    /// amount_trx), optionally between two times (unix seconds; `to` excluded). Each TRX fee
    /// one of our settlements or sends burnt is a `settlement_fee` or `send_fee` row, with
    /// the fee in `amount_trx` and `amount_btt` empty; every other row has `amount_btt` and
    /// an empty `amount_trx`.
    ExportLedger {
        #[serde(default)]
        #[ts(type = "number | null")]
        from: Option<i64>,
        #[serde(default)]
        #[ts(type = "number | null")]
        to: Option<i64>,
    },
}

/// The answer to a [`Request`]; which variant depends on the request.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Response {
    Ok,
    Preview {
        preview: TorrentPreview,
    },
    Torrent {
        torrent: TorrentInfo,
    },
    Torrents {
        torrents: Vec<TorrentInfo>,
    },
    Trackers {
        trackers: Vec<TrackerInfo>,
    },
    Peers {
        peers: Vec<PeerInfo>,
    },
    Settings {
        settings: Settings,
        /// True when a changed setting (listen port, DHT, LSD, UPnP) only takes effect
        /// after Bidswarm restarts.
        restart_required: bool,
    },
    SessionStats {
        stats: SessionStats,
    },
    Created {
        created: CreatedTorrent,
    },
    Blocklist {
        blocklist: BlocklistStatus,
    },
    Pieces {
        pieces: PieceMap,
    },
    TorrentSpeed {
        speed: TorrentSpeed,
    },
    Bids {
        bids: Vec<BidSummary>,
    },
    Labels {
        labels: Labels,
    },
    WalletStatus {
        status: WalletStatus,
    },
    /// The recovery phrase, words separated by single spaces. Never logged.
    Mnemonic {
        #[ts(type = "string")]
        words: Secret,
    },
    WalletBalances {
        balances: WalletBalances,
    },
    SendQuote {
        quote: SendQuote,
    },
    /// The transfer was accepted by the node.
    Sent {
        txid: String,
    },
    WalletHistory {
        transfers: Vec<WalletTransfer>,
        /// False when the node could not be asked: only the ledger's entries are listed.
        online: bool,
    },
    SettlementQuote {
        quote: SettlementQuote,
    },
    /// The settlements confirmed; payees not in it stay owed (still in flight, or the node
    /// refused: the next rounds go on).
    Settled {
        settlements: Vec<SettlementDone>,
    },
    LedgerSummary {
        summary: LedgerSummary,
        per_torrent: Vec<TorrentEconomics>,
        /// Most money moved first.
        per_peer: Vec<PeerEconomics>,
        by_day: Vec<DayEconomics>,
    },
    LedgerHealth {
        health: LedgerHealth,
    },
    LedgerCsv {
        csv: String,
    },
    LedgerHistory {
        entries: Vec<LedgerEntry>,
        /// Where the next page starts; `null` on the last page.
        next_cursor: Option<String>,
    },
}

/// Declares which [`Response`] variant answers each [`Request`] variant, once, for both
/// sides: [`Request::is_answered_by`] (the core checks every answer with it in debug builds)
/// and [`answer_table`] (written into the TypeScript bindings as `ANSWERS`, which the UI's
/// `call()` checks every answer against). A new request does not compile until it is here.
macro_rules! answers {
    ($($request:ident => $response:ident),* $(,)?) => {
        impl Request {
            /// Whether `response` is the kind of answer this request gets.
            pub fn is_answered_by(&self, response: &Response) -> bool {
                match self {
                    $(Self::$request { .. } => matches!(response, Response::$response { .. }),)*
                }
            }
        }

        /// `(request type, response type)` for every request, as they are spelled on the
        /// wire, in declaration order.
        pub fn answer_table() -> Vec<(String, String)> {
            vec![$((snake_case(stringify!($request)), snake_case(stringify!($response)))),*]
        }
    };
}

answers! {
    PreviewTorrent => Preview,
    AddTorrent => Torrent,
    ListTorrents => Torrents,
    GetTorrent => Torrent,
    Pause => Torrent,
    Resume => Torrent,
    PauseAll => Ok,
    ResumeAll => Ok,
    Remove => Ok,
    SetFileSelection => Torrent,
    SetFilePriority => Torrent,
    SetTorrentLimits => Torrent,
    SetSeedingLimits => Torrent,
    SetAltLimitsEnabled => Settings,
    MoveInQueue => Ok,
    SetForceStart => Ok,
    SetBandwidthPriority => Ok,
    SetSequential => Ok,
    SetFirstLastPiecesFirst => Ok,
    Recheck => Ok,
    RenameTorrent => Torrent,
    ListTrackers => Trackers,
    AddTrackers => Trackers,
    EditTracker => Trackers,
    RemoveTrackers => Trackers,
    Reannounce => Ok,
    ListLabels => Labels,
    SetCategory => Labels,
    RenameCategory => Labels,
    RemoveCategories => Labels,
    CreateTags => Labels,
    RenameTag => Labels,
    RemoveTags => Labels,
    SetTorrentCategory => Ok,
    AddTorrentTags => Ok,
    RemoveTorrentTags => Ok,
    SetLocation => Ok,
    ListPeers => Peers,
    AddPeers => Ok,
    GetSettings => Settings,
    UpdateSettings => Settings,
    SessionStats => SessionStats,
    ReloadBlocklist => Blocklist,
    GetPieces => Pieces,
    GetTorrentSpeed => TorrentSpeed,
    ListBids => Bids,
    SetTorrentBid => TorrentSpeed,
    CreateTorrent => Created,
    WalletStatus => WalletStatus,
    CreateWallet => WalletStatus,
    ImportWallet => WalletStatus,
    UnlockWallet => WalletStatus,
    LockWallet => WalletStatus,
    ChangeWalletPassword => WalletStatus,
    RevealMnemonic => Mnemonic,
    WalletBalances => WalletBalances,
    QuoteSend => SendQuote,
    Send => Sent,
    WalletHistory => WalletHistory,
    QuoteSettlement => SettlementQuote,
    SettleNow => Settled,
    LedgerSummary => LedgerSummary,
    VerifyLedger => LedgerHealth,
    LedgerHistory => LedgerHistory,
    ExportLedger => LedgerCsv,
}

/// A variant's name as serde's `rename_all = "snake_case"` spells it.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Things that happen without being asked. Sent to every connected UI.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    Added {
        torrent: TorrentInfo,
    },
    MetadataResolved {
        torrent: TorrentInfo,
    },
    /// Sent about once a second for every torrent that is not paused or queued.
    Progress {
        torrent: TorrentInfo,
    },
    Completed {
        torrent: TorrentInfo,
    },
    Removed {
        id: TorrentId,
    },
    /// The torrent's state changed (paused, resumed, finished checking, seeding…), whoever
    /// caused it. Sent at most a second late, and also for paused torrents, which send no
    /// `progress`.
    StateChanged {
        torrent: TorrentInfo,
        previous: TorrentState,
    },
    Error {
        id: TorrentId,
        error: ApiError,
    },
    /// Pieces that passed their hash check since the last report (up to four a second),
    /// with who delivered them
    /// (the bytes paying for speed rests on).
    PiecesVerified {
        id: TorrentId,
        pieces: u32,
        contributions: Vec<PeerBytes>,
    },
    Speed {
        event: SpeedEvent,
    },
    /// A finished torrent reached a seeding limit and was paused or removed.
    SeedingLimitReached {
        id: TorrentId,
        name: Option<String>,
        limit: SeedingLimitKind,
        action: SeedingAction,
    },
    /// A `.torrent` dropped into the watched folder could not be added; it was moved into
    /// the folder's `failed` folder.
    WatchedFileFailed {
        /// Where it is now.
        file: String,
        error: ApiError,
    },
    /// The alternative speed limits were switched on or off by their schedule.
    AltLimitsScheduled {
        enabled: bool,
    },
    /// A category or tag was created, changed or removed.
    LabelsChanged {
        labels: Labels,
    },
    /// Moving a torrent's data failed; it stays (or was put back) where it was.
    MoveFailed {
        id: TorrentId,
        error: ApiError,
    },
}

/// Every type the TypeScript bindings declare, in the order they are written.
pub fn typescript_declarations() -> Vec<String> {
    macro_rules! decls {
        ($($t:ty),* $(,)?) => { vec![$(format!("export {}", <$t as TS>::decl())),*] };
    }
    decls![
        Request,
        Response,
        Event,
        ApiError,
        ApiErrorKind,
        TorrentId,
        BaseUnits,
        TorrentSource,
        AddOptions,
        RateLimits,
        TorrentPreview,
        TorrentFile,
        FilePriority,
        TorrentInfo,
        PeerReach,
        TorrentState,
        Settings,
        SeedingLimits,
        SeedingAction,
        SeedingLimitKind,
        AltSchedule,
        ScheduleDays,
        QueueSettings,
        QueueMove,
        BandwidthPriority,
        Label,
        TorrentName,
        TrackerUrl,
        TrackerStatus,
        TrackerInfo,
        Category,
        Labels,
        EncryptionMode,
        SessionStats,
        CreatedTorrent,
        PeerInfo,
        PeerBytes,
        BlocklistStatus,
        PieceMap,
        TronNetwork,
        BidStrategy,
        SpeedSettings,
        TorrentBid,
        TorrentSpeed,
        BidSummary,
        PaidSlot,
        ChannelDirection,
        ChannelInfo,
        SpeedEvent,
        SettlementQuote,
        PayeeDue,
        SettlementDone,
        SecretStoreKind,
        WalletState,
        WalletStatus,
        WalletBalances,
        WalletAsset,
        SendQuote,
        TransferDirection,
        WalletTransfer,
        LedgerSummary,
        Economics,
        TorrentEconomics,
        PeerEconomics,
        DayEconomics,
        LedgerHealth,
        LedgerRecovery,
        LedgerEntry,
        LedgerEntryKind,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_wire_shape_is_tagged_snake_case() {
        let hash = "ab".repeat(20);
        let req: Request =
            serde_json::from_str(&format!(r#"{{"type":"remove","id":"{hash}","delete_data":true}}"#))
                .unwrap();
        assert_eq!(req, Request::Remove { id: TorrentId::from([0xab; 20]), delete_data: true });
        let bad = serde_json::from_str::<Request>(r#"{"type":"remove","id":"ab"}"#).unwrap_err();
        assert!(bad.to_string().contains("40 hex digits"), "{bad}");
        let json = serde_json::to_value(Request::ListTorrents).unwrap();
        assert_eq!(json, serde_json::json!({"type": "list_torrents"}));
    }

    /// The table's names are the wire's: each request spelled by the table deserializes
    /// (with its fields, where it has any, absent or defaulted) or fails on a missing field,
    /// never on an unknown `type`.
    #[test]
    fn the_answer_table_spells_every_type_as_the_wire_does() {
        for (request, response) in answer_table() {
            let error = serde_json::from_value::<Request>(serde_json::json!({ "type": request })).err();
            assert!(
                error.as_ref().is_none_or(|e| e.to_string().contains("missing field")),
                "{request}: {error:?}"
            );
            let error = serde_json::from_value::<Response>(serde_json::json!({ "type": response })).err();
            assert!(
                error.as_ref().is_none_or(|e| e.to_string().contains("missing field")),
                "{response}: {error:?}"
            );
        }
        assert!(Request::ListBids.is_answered_by(&Response::Bids { bids: vec![] }));
        assert!(!Request::ListBids.is_answered_by(&Response::Ok));
    }

    #[test]
    fn add_torrent_options_default_when_omitted() {
        let req: Request = serde_json::from_str(
            r#"{"type":"add_torrent","source":{"kind":"magnet","value":"magnet:?xt=urn:btih:00"}}"#,
        )
        .unwrap();
        let Request::AddTorrent { options, .. } = req else { panic!("wrong variant") };
        assert_eq!(options, AddOptions::default());
        assert!(!options.paused);
    }
}
