//! Wallet and bid-for-speed types. Every BTT amount crosses the API as a decimal string
//! of base units (10^-18 BTT): exact in JSON and in JavaScript, never a float. TRX amounts
//! are strings of sun (10^-6 TRX) for the same reason.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{BaseUnits, TorrentId};

/// Which TRON network the wallet uses.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TronNetwork {
    #[default]
    Mainnet,
    Nile,
    Shasta,
    /// Any TRON full-node HTTP API, with an optional TronGrid API key.
    Custom {
        url: String,
        api_key: Option<String>,
    },
    /// A `bidswarm-cli devnet` node: the local test network.
    Local {
        url: String,
    },
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, TS, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum BidStrategy {
    /// Bid the fixed price per GiB.
    Fixed,
    /// Spread the remaining budget over the remaining bytes, up to the max price.
    #[default]
    Auto,
}

/// Bid-for-speed settings. Spending is off until the user turns it on, and then a
/// budget per torrent is required.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq)]
#[serde(default)]
pub struct SpeedSettings {
    pub spending_enabled: bool,
    pub strategy: BidStrategy,
    /// Base units per GiB, for the fixed strategy.
    pub fixed_price_per_gib: BaseUnits,
    /// Base units per GiB that auto-bid never exceeds.
    pub max_price_per_gib: BaseUnits,
    /// Base units each torrent may spend at most (per torrent, overridable).
    pub budget_per_torrent: BaseUnits,
    /// Base units all torrents together may spend, counted from the ledger (every
    /// session's vouchers). Required above zero when spending is on; raise it to spend
    /// more.
    pub spending_cap: BaseUnits,
    pub earning_enabled: bool,
    /// Base units per GiB below which no paid slot is sold.
    pub ask_per_gib: BaseUnits,
    /// Bytes a paid slot is served beyond its last payment; raised to 4 pieces of the
    /// torrent where that is more (a buyer pays for verified pieces only).
    #[ts(type = "number")]
    pub credit_window_bytes: u64,
    /// Base units one payer may owe us unsettled before it gets no paid slot.
    pub exposure_cap: BaseUnits,
    /// Base units all payers together may owe us unsettled before no payer gets a paid
    /// slot: fresh keys cannot multiply [`Self::exposure_cap`].
    pub total_exposure_cap: BaseUnits,
    /// Seconds a payer may owe us unsettled before it gets no paid slot until it pays.
    #[ts(type = "number")]
    pub settlement_overdue_secs: u64,
    /// A payee is paid on chain once what we owe it is worth at least this many times the
    /// settlement's fee (20: the fee is at most 5% of what moves). 0 pays whatever is owed
    /// at every round. Quitting, removing a torrent and "settle now" pay everything owed.
    #[ts(type = "number")]
    pub settle_fee_multiple: u32,
    /// What one TRX is worth in BTT base units, to weigh a settlement's TRX fee against the
    /// BTT it pays. Set by the user: Bidswarm reads no price feed.
    pub btt_per_trx: BaseUnits,
}

const BTT: u128 = 1_000_000_000_000_000_000;

/// Priced against a settlement's fee (docs/PROTOCOL.md §10): a BTT transfer with a memo to
/// a holder burns about 2.8 TRX on mainnet, some 840,000 BTT at 300,000 BTT a TRX. A payee
/// is paid once owed 20 such fees (about 17 million BTT), so the caps leave room for that,
/// and 10,000 BTT a GiB (about a cent) makes it some 1,700 GiB from one seller. What a
/// seller risks beyond its caps is upload, not wallet money.
impl Default for SpeedSettings {
    fn default() -> Self {
        Self {
            spending_enabled: false,
            strategy: BidStrategy::Auto,
            fixed_price_per_gib: BaseUnits(10_000 * BTT),
            max_price_per_gib: BaseUnits(50_000 * BTT),
            budget_per_torrent: BaseUnits(0),
            spending_cap: BaseUnits(20_000_000 * BTT),
            earning_enabled: false,
            ask_per_gib: BaseUnits(10_000 * BTT),
            credit_window_bytes: 4 << 20,
            exposure_cap: BaseUnits(20_000_000 * BTT),
            total_exposure_cap: BaseUnits(100_000_000 * BTT),
            settlement_overdue_secs: 24 * 3600,
            settle_fee_multiple: 20,
            btt_per_trx: BaseUnits(300_000 * BTT),
        }
    }
}

/// One torrent's own bid, overriding the defaults in [`SpeedSettings`].
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq)]
pub struct TorrentBid {
    /// Off: never pay for this torrent, whatever the global setting.
    pub spending: bool,
    pub strategy: BidStrategy,
    /// Base units per GiB (fixed), or the max price (auto).
    pub price_per_gib: BaseUnits,
    /// Base units this torrent may spend at most.
    pub budget: BaseUnits,
}

/// The bid column's line for one torrent (`list_bids`): its own bid, the price we bid
/// now, and whether its budget ran out. Only torrents with something to show are listed.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq)]
pub struct BidSummary {
    pub id: TorrentId,
    pub bid: Option<TorrentBid>,
    /// Base units per GiB we bid now, if bidding.
    pub current_bid: Option<String>,
    pub budget_exhausted: bool,
}

/// What bid-for-speed is doing for one torrent.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq, Default)]
pub struct TorrentSpeed {
    pub bid: Option<TorrentBid>,
    /// Base units per GiB we bid now, if bidding.
    pub current_bid: Option<String>,
    /// Base units: the budget, what was promised so far, and what is left.
    pub budget: String,
    pub spent: String,
    pub remaining: String,
    /// Bytes of verified pieces paid for.
    #[ts(type = "number")]
    pub bytes_bought: u64,
    pub budget_exhausted: bool,
    /// Seeders that granted us a paid slot, with the price.
    pub paid_slots: Vec<PaidSlot>,
    /// Base units promised to us by payers for this torrent, and how much of it has
    /// arrived on chain.
    pub earned: String,
    pub earned_settled: String,
    pub channels: Vec<ChannelInfo>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq)]
pub struct PaidSlot {
    pub peer: String,
    pub price_per_gib: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, TS, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ChannelDirection {
    Spend,
    Earn,
}

/// One payment channel of this session.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq)]
pub struct ChannelInfo {
    pub channel: String,
    pub direction: ChannelDirection,
    pub peer: String,
    /// The other side's TRON address.
    pub counterparty: String,
    pub price_per_gib: String,
    pub budget: String,
    /// The last voucher's cumulative amount and sequence number.
    pub cumulative: String,
    #[ts(type = "number")]
    pub seq: u64,
}

/// Bid-for-speed events, for the UI's live view.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum SpeedEvent {
    /// We bid `price` per GiB to a seeder.
    Bid { id: TorrentId, peer: String, price: String },
    /// A seeder answered: its clearing price, and whether we hold a paid slot.
    Price { id: TorrentId, peer: String, price: String, slot: bool },
    /// A seeder named a price above our bid: refused, no paid slot, nothing paid at it.
    PriceRefused { id: TorrentId, peer: String, price: String, bid: String },
    /// We signed a voucher: `cumulative` in total on that channel.
    Paid { id: TorrentId, peer: String, channel: String, cumulative: String },
    /// A payer's voucher was accepted.
    Earned { id: TorrentId, peer: String, channel: String, cumulative: String },
    /// A settlement transaction was confirmed on chain.
    Settled { txid: String, amount: String },
    /// The torrent's budget is used up: bidding stopped, downloading goes on for free.
    BudgetExhausted { id: TorrentId },
}

/// What settling everything now would pay and burn, payee by payee
/// (`Request::QuoteSettlement`): shown before "settle now" asks for confirmation.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq, Default)]
pub struct SettlementQuote {
    pub payees: Vec<PayeeDue>,
    /// TRX, in sun, that one settlement to a payee already holding BTT burns now, as the
    /// node prices it; `None` without a wallet or when the node cannot be asked.
    pub typical_fee_sun: Option<String>,
    /// [`Self::typical_fee_sun`] in BTT base units at the settings' `btt_per_trx`.
    pub typical_fee_btt: Option<String>,
}

/// One payee we owe.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq)]
pub struct PayeeDue {
    pub payee: String,
    /// Base units promised and not yet settled.
    pub owed: String,
    /// TRX, in sun, that paying it now burns; `None` when the node could not price it.
    pub fee_sun: Option<String>,
    /// The fee in BTT base units at the settings' `btt_per_trx`.
    pub fee_btt: Option<String>,
    /// A settlement to it is on its way already: settling now signs nothing new for it.
    pub in_flight: bool,
    /// What is owed is worth the fee by the settings' multiple: the next round pays it
    /// anyway.
    pub worth_it: bool,
}

/// A settlement confirmed on chain.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq)]
pub struct SettlementDone {
    pub payee: String,
    /// Base units paid.
    pub amount: String,
    pub txid: String,
}
