//! The ledger's view through the API: balances derived from the journal, its health
//! check, the history by page, and the CSV export. Amounts are decimal strings of BTT base units.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ChannelDirection, TorrentId};

/// Balances derived from the journal (never stored), in base units.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq, Default)]
pub struct LedgerSummary {
    /// Our addresses' BTT as last seen on chain.
    pub onchain: String,
    /// Promised in vouchers and not yet settled.
    pub committed: String,
    /// On chain minus committed.
    pub spendable: String,
    pub spent: String,
    pub earned_pending: String,
    pub earned_settled: String,
    /// Fees booked in BTT (wallet transfers).
    pub fees: String,
    /// TRX, in sun, the chain burnt for our settlements: kept beside the journal, which
    /// books BTT only.
    pub settlement_fees_sun: String,
    /// TRX, in sun, the chain burnt for the transfers the user sent from the wallet, as far
    /// as they are known (a send's fee is read once it is in a block).
    pub send_fees_sun: String,
}

/// What one torrent, peer or day cost and earned.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq)]
pub struct Economics {
    pub spent: String,
    pub earned: String,
    /// Vouchers behind those amounts.
    #[ts(type = "number")]
    pub vouchers: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq)]
pub struct TorrentEconomics {
    pub id: TorrentId,
    pub economics: Economics,
}

/// One counterparty: the payee of our spend channels, or the payer of our earn channels.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq)]
pub struct PeerEconomics {
    /// Its TRON address (base58).
    pub peer: String,
    pub economics: Economics,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq)]
pub struct DayEconomics {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub economics: Economics,
}

/// The result of checking the ledger (balance of every event, hash chain, vouchers,
/// budgets): the UI's health badge.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq)]
pub struct LedgerHealth {
    pub ok: bool,
    #[ts(type = "number")]
    pub entries_checked: u64,
    #[ts(type = "number")]
    pub vouchers_checked: u64,
    /// Each problem names its table and row.
    pub problems: Vec<String>,
    /// Set when this session found its ledger file damaged at start and began a fresh one:
    /// the checks above are the fresh ledger's.
    pub recovered: Option<LedgerRecovery>,
}

/// A ledger file that could not be read as a ledger at start (not a database, a corrupt
/// page, tables that cannot be brought up to date). It was moved aside unchanged, with its
/// `-wal` and `-shm` files, and a fresh ledger started in its place; nothing was deleted.
/// Money recorded only in the old file (spend, earnings, promises still to settle) is not
/// in the fresh one.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq)]
pub struct LedgerRecovery {
    /// Where the damaged file is now: `…/ledger.sqlite.damaged-<unix time>`.
    pub moved_to: String,
    /// Why it could not be opened, in SQLite's words.
    pub reason: String,
    /// When it was moved, unix seconds.
    #[ts(type = "number")]
    pub at: i64,
}

/// One event that moved money, as the history lists it.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq)]
pub struct LedgerEntry {
    /// Unique and stable: the ledger's event id.
    #[ts(type = "number")]
    pub id: i64,
    /// Unix seconds.
    #[ts(type = "number")]
    pub at: i64,
    pub kind: LedgerEntryKind,
    /// Spend or earn, for vouchers and settlements.
    pub direction: Option<ChannelDirection>,
    /// The torrent, for vouchers.
    pub torrent: Option<TorrentId>,
    /// The other side's TRON address.
    pub peer: Option<String>,
    /// What the event moved, in BTT base units: for a voucher, what it adds over the one
    /// before it.
    pub amount: String,
    pub txid: Option<String>,
}

/// What a history entry records.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, TS, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LedgerEntryKind {
    VoucherSent,
    VoucherReceived,
    SettlementPending,
    SettlementConfirmed,
    SettlementFailed,
    SettlementRetried,
    Deposit,
    Withdrawal,
    Fee,
    /// The book moved to the balance read from the chain.
    BalanceObserved,
}
