use bidswarm_wallet::{Address, ChannelId};

use crate::Amount;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What the ledger refuses or cannot do. Whenever a write returns an error, nothing of it
/// was written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(transparent)]
    Amount(#[from] bidswarm_primitives::AmountError),
    #[error("{what} is {value}, beyond the largest the ledger stores (2^63 - 1)")]
    OutOfRange { what: &'static str, value: u64 },

    #[error("unknown channel {0}: open it in the ledger before recording its vouchers or settlements")]
    UnknownChannel(ChannelId),
    #[error("channel {0} is already recorded, with different terms")]
    ChannelConflict(ChannelId),
    #[error("channel {channel} is {state}; it takes no more vouchers")]
    ChannelNotOpen { channel: ChannelId, state: &'static str },
    #[error(
        "channel {0}: neither or both of payer and payee are our own accounts; add our address with add_account first"
    )]
    NotOurChannel(ChannelId),
    #[error("channel {channel} is a {actual} channel, not a {expected} one")]
    WrongDirection { channel: ChannelId, expected: &'static str, actual: &'static str },
    #[error("{0} is not one of our accounts; add it with add_account first")]
    UnknownAccount(Address),

    #[error("forged voucher on channel {channel} seq {seq}: the signature is not valid")]
    ForgedVoucher { channel: ChannelId, seq: u64 },
    #[error(
        "voucher on channel {channel} seq {seq} is signed by {signer}, not by the channel's payer {payer}"
    )]
    WrongPayer { channel: ChannelId, seq: u64, payer: Address, signer: Address },
    #[error(
        "voucher seq {seq} on channel {channel} replays a different voucher already recorded with that seq"
    )]
    ReplayedSeq { channel: ChannelId, seq: u64 },
    #[error(
        "voucher on channel {channel} is not monotonic: seq {seq} promises {cumulative} BTT, but seq {last_seq} already promised {last_cumulative} BTT; seq and cumulative must both increase"
    )]
    NonMonotonic { channel: ChannelId, seq: u64, cumulative: Amount, last_seq: u64, last_cumulative: Amount },
    #[error("voucher on channel {channel} seq {seq} promises {cumulative} BTT, over the channel's budget of {budget} BTT")]
    OverBudget { channel: ChannelId, seq: u64, cumulative: Amount, budget: Amount },
    #[error("voucher {index} of the batch was refused, so nothing in the batch was written")]
    Batch {
        index: usize,
        #[source]
        source: Box<Error>,
    },

    #[error("unknown settlement {0}")]
    UnknownSettlement(i64),
    #[error("settlement {id} is {state}; it cannot become {wanted}")]
    SettlementState { id: i64, state: &'static str, wanted: &'static str },
    #[error("a settlement needs at least one channel")]
    EmptySettlement,
    #[error("the channels of one settlement must share direction and counterparty; channel {0} does not")]
    MixedSettlement(ChannelId),
    #[error(
        "settlement of channel {channel} up to {upto} BTT is invalid: already settled or settling up to {settled} BTT, and vouchers reach {vouchered} BTT"
    )]
    SettlementRange { channel: ChannelId, upto: Amount, settled: Amount, vouchered: Amount },
    #[error("wallet transaction {0} is already recorded")]
    DuplicateTx(String),

    #[error(
        "not a history cursor: {reason}; pass back the next_cursor of an earlier page unchanged, or none to start from the newest entry"
    )]
    InvalidCursor { reason: &'static str },
    #[error(
        "a history page needs a limit of at least 1 entry (at most {} are returned at once)",
        crate::MAX_HISTORY_PAGE
    )]
    InvalidPageSize,

    #[error("the ledger database is damaged: {what}: {detail}")]
    Corrupt { what: &'static str, detail: String },
    #[error("could not write the CSV export")]
    Csv(#[source] csv::Error),
    #[error("ledger database")]
    Database(#[from] sqlx::Error),
    #[error("could not bring the ledger database up to date")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(
        "the ledger {} is damaged ({reason}) and could not be moved aside; move it away by hand to start a fresh one",
        path.display()
    )]
    SetAside {
        path: std::path::PathBuf,
        reason: String,
        #[source]
        source: std::io::Error,
    },
}
