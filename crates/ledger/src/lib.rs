//! Bidswarm's book of money. Every BTT the UI shows is derived from the records here:
//! channels, the vouchers signed on them, settlements, wallet transfers and balances read
//! from the chain, and an append-only, hash-chained double-entry journal over all of them.
//!
//! The shape follows from what went wrong with BitTorrent Speed's balances (nobody could
//! tell where BTT went): the journal is the only truth for money, and balances are always
//! computed from it, never stored ([`Ledger::summary`] and friends). Every record the
//! journal speaks of is signed or hashed into it, so [`Ledger::verify`] can tell which row
//! was changed behind the ledger's back. The account scheme and the chain are in
//! [`journal`](crate::journal)'s docs.
//!
//! - Storage: SQLite through sqlx, WAL, foreign keys on, `synchronous=FULL`; migrations in
//!   `migrations/` run at [`Ledger::open`]. Queries are checked at compile time against
//!   the committed `.sqlx` data, so builds need no database. Files are the owner's only
//!   (0600). A damaged file is moved aside, never deleted, and a fresh ledger started
//!   ([`Ledger::open_or_set_aside`]; what counts as damage is in `recovery.rs`).
//! - [`Amount`]: BTT base units in a `u128`, exact; stored as the decimal integer in TEXT
//!   and summed in Rust with checked arithmetic, never by SQL.
//! - Writes: each one is a single `BEGIN IMMEDIATE` transaction, serialized by one lock, so
//!   a crash leaves all of a write or none of it. [`Ledger::record_vouchers`] takes a batch
//!   in one transaction for high-rate streams.
//! - Vouchers are checked before they are written: the signature must recover the
//!   channel's payer ([`bidswarm_wallet::verify_voucher`]), seq and cumulative must both
//!   increase, the cumulative must stay within the channel's budget. The same voucher
//!   twice is a no-op ([`VoucherReceipt::AlreadyRecorded`]), never counted twice.
//!
//! - History: [`Ledger::history`] pages through every event that moved money, newest
//!   first, by an opaque keyset [`HistoryCursor`] that stays valid as entries are added.
//!
//! Times are unix seconds (UTC) passed in by the caller, so tests fix the clock.

mod amount;
mod balances;
mod batch;
mod chain;
mod error;
mod export;
mod history;
pub mod journal;
mod ledger;
mod recovery;
mod rows;
mod rules;
mod send_fees;
mod time;
mod transfers;
mod verify;

use bidswarm_wallet::{Address, ChannelId};

pub use balances::{Breakdown, Economics, Summary, Unsettled};
pub use bidswarm_primitives::{Amount, AmountError, BTT_DECIMALS};
pub use error::{Error, Result};
pub use export::DateRange;
pub use history::{HistoryCursor, HistoryEntry, HistoryPage, MAX_HISTORY_PAGE};
pub use ledger::Ledger;
pub use recovery::SetAside;
pub use send_fees::{Send, SendAsset, SendFee};
pub use time::format_utc;
pub use verify::{Problem, VerifyReport};

/// Unix time in seconds, UTC.
pub type UnixTime = i64;

/// Whether we pay on a channel or are paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// We are the payer: we sign vouchers.
    Spend,
    /// We are the payee: we receive vouchers.
    Earn,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Spend => "spend",
            Direction::Earn => "earn",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self> {
        match s {
            "spend" => Ok(Direction::Spend),
            "earn" => Ok(Direction::Earn),
            other => Err(Error::Corrupt { what: "direction", detail: format!("{other:?}") }),
        }
    }
}

/// A channel's life: `Open` takes vouchers; `close_channel` makes it `Closed`; once closed
/// and every voucher's amount is in a confirmed settlement it is `Settled`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelState {
    Open,
    Closed,
    Settled,
}

impl ChannelState {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelState::Open => "open",
            ChannelState::Closed => "closed",
            ChannelState::Settled => "settled",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self> {
        match s {
            "open" => Ok(ChannelState::Open),
            "closed" => Ok(ChannelState::Closed),
            "settled" => Ok(ChannelState::Settled),
            other => Err(Error::Corrupt { what: "channel state", detail: format!("{other:?}") }),
        }
    }
}

/// A settlement's life: `Pending` → `Confirmed`, or `Pending` → `Failed` → (retry)
/// `Pending` again. Only a confirmed settlement moves money on our books' wallet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettlementState {
    Pending,
    Confirmed,
    Failed,
}

impl SettlementState {
    pub fn as_str(self) -> &'static str {
        match self {
            SettlementState::Pending => "pending",
            SettlementState::Confirmed => "confirmed",
            SettlementState::Failed => "failed",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self> {
        match s {
            "pending" => Ok(SettlementState::Pending),
            "confirmed" => Ok(SettlementState::Confirmed),
            "failed" => Ok(SettlementState::Failed),
            other => Err(Error::Corrupt { what: "settlement state", detail: format!("{other:?}") }),
        }
    }
}

/// A remote peer we deal with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peer {
    pub address: Address,
    /// Uncompressed SEC1 public key (0x04 ‖ x ‖ y), when known.
    pub public_key: Option<[u8; 65]>,
    /// The client name from its extended handshake.
    pub client: Option<String>,
}

/// The agreed terms of a channel. One of payer and payee must be one of our accounts
/// ([`Ledger::add_account`]); that decides the direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewChannel {
    pub id: ChannelId,
    pub payer: Address,
    pub payee: Address,
    pub info_hash: [u8; 20],
    /// The agreed price in BTT base units per GiB of verified piece data.
    pub price_per_gib: Amount,
    /// The most the payer will ever promise on this channel.
    pub budget: Amount,
}

pub use bidswarm_wallet::{SignedVoucher, VerifiedVoucher};

/// What recording a voucher did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoucherReceipt {
    /// Written; `delta` is what it adds over the channel's previous cumulative.
    Recorded { delta: Amount },
    /// This exact voucher was already recorded; nothing was written.
    AlreadyRecorded,
}

/// A settlement's row id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct SettlementId(pub i64);

/// A settlement to record as pending: for each channel, the cumulative it settles up to.
/// It pays the difference to what earlier pending or confirmed settlements covered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSettlement {
    pub channels: Vec<(ChannelId, Amount)>,
    /// The TRON transaction id (64 hex digits), once broadcast.
    pub txid: Option<String>,
}

/// A settlement's signed TRON transaction, stored before it is broadcast.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettlementTx {
    /// 64 lowercase hex digits.
    pub txid: String,
    /// The protobuf `Transaction`, lowercase hex: rebroadcast as it is.
    pub signed_hex: String,
    /// `raw_data.expiration`, milliseconds since the Unix epoch: after it (by the chain's
    /// clock) the transaction can no longer be put in a block.
    pub expiration_ms: i64,
}

/// A pending settlement we pay whose signed transaction may still confirm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InFlightSettlement {
    pub id: SettlementId,
    pub counterparty: Address,
    pub amount: Amount,
    /// Each channel and the cumulative it settles up to.
    pub channels: Vec<(ChannelId, Amount)>,
    pub tx: SettlementTx,
}

/// The TRX the chain burnt for one settlement transaction we paid. TRX, not BTT: kept
/// beside the journal, which books BTT only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettlementFee {
    pub settlement: SettlementId,
    pub txid: String,
    /// Our account that signed the transaction and paid its fee.
    pub payer: Address,
    /// Who the settlement paid.
    pub payee: Address,
    pub fee_sun: u64,
    /// The fee is burnt whatever the state: a transaction that failed on chain burns it too.
    pub state: SettlementState,
    /// When the settlement was confirmed or failed (while still pending: when it was signed).
    pub at: UnixTime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WalletTxKind {
    Deposit,
    Withdrawal,
    Fee,
}

impl WalletTxKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WalletTxKind::Deposit => "deposit",
            WalletTxKind::Withdrawal => "withdrawal",
            WalletTxKind::Fee => "fee",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self> {
        match s {
            "deposit" => Ok(WalletTxKind::Deposit),
            "withdrawal" => Ok(WalletTxKind::Withdrawal),
            "fee" => Ok(WalletTxKind::Fee),
            other => Err(Error::Corrupt { what: "wallet transaction kind", detail: format!("{other:?}") }),
        }
    }
}

/// A transfer in or out of one of our addresses that is not a settlement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalletTx {
    pub txid: String,
    pub account: Address,
    pub kind: WalletTxKind,
    pub counterparty: Option<Address>,
    pub amount: Amount,
    pub at: UnixTime,
}
