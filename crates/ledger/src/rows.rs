//! Reading the ledger's rows: decoding columns into our types (a malformed value is
//! [`Error::Corrupt`]) and the queries the write paths and the checks share.

use bidswarm_wallet::{Address, ChannelId, Signature};
use sqlx::SqliteConnection;

use crate::amount::Stored as _;
use crate::journal::{self, ChannelTerms, SettledRange};
use crate::{Amount, ChannelState, Direction, Error, Result, SettlementState};

/// A voucher already recorded at some seq, as stored.
pub(crate) struct RecordedVoucher {
    pub cumulative: u128,
    pub expiry: i64,
    pub signature: Vec<u8>,
}

/// A channel row as the ledger uses it.
#[derive(Clone, Debug)]
pub(crate) struct ChannelRow {
    pub terms: ChannelTerms,
    pub state: ChannelState,
}

impl ChannelRow {
    /// Our own side of the channel.
    pub(crate) fn own(&self) -> Address {
        match self.terms.direction {
            Direction::Spend => self.terms.payer,
            Direction::Earn => self.terms.payee,
        }
    }

    /// The peer's side.
    pub(crate) fn counterparty(&self) -> Address {
        match self.terms.direction {
            Direction::Spend => self.terms.payee,
            Direction::Earn => self.terms.payer,
        }
    }
}

pub(crate) fn to_i64(what: &'static str, value: u64) -> Result<i64> {
    i64::try_from(value).map_err(|_| Error::OutOfRange { what, value })
}

pub(crate) fn address(bytes: &[u8], what: &'static str) -> Result<Address> {
    Address::from_slice(bytes).map_err(|e| Error::Corrupt { what, detail: e.to_string() })
}

pub(crate) fn channel_id(bytes: &[u8]) -> Result<ChannelId> {
    let id: [u8; 16] = bytes
        .try_into()
        .map_err(|_| Error::Corrupt { what: "channel id", detail: format!("{} bytes", bytes.len()) })?;
    Ok(ChannelId(id))
}

pub(crate) fn signature(bytes: &[u8]) -> Result<Signature> {
    Signature::from_slice(bytes)
        .map_err(|e| Error::Corrupt { what: "voucher signature", detail: e.to_string() })
}

/// The voucher recorded on a channel at `seq`, if any.
pub(crate) async fn recorded_at_seq(
    conn: &mut SqliteConnection,
    channel: ChannelId,
    seq: i64,
) -> Result<Option<RecordedVoucher>> {
    let id = channel.0.as_slice();
    let row = sqlx::query!(
        "SELECT cumulative, expiry, signature FROM vouchers WHERE channel = ? AND seq = ?",
        id,
        seq
    )
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(RecordedVoucher {
            cumulative: Amount::from_db(&r.cumulative, "vouchers.cumulative")?.base_units(),
            expiry: r.expiry,
            signature: r.signature,
        })
    })
    .transpose()
}

pub(crate) async fn load_channel(conn: &mut SqliteConnection, id: ChannelId) -> Result<Option<ChannelRow>> {
    let bytes = id.0.as_slice();
    let row = sqlx::query!(
        "SELECT payer, payee, info_hash, price_per_gib, budget, direction, state FROM channels WHERE id = ?",
        bytes
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let info_hash: [u8; 20] = row.info_hash.as_slice().try_into().map_err(|_| Error::Corrupt {
        what: "channels.info_hash",
        detail: format!("{} bytes", row.info_hash.len()),
    })?;
    Ok(Some(ChannelRow {
        terms: ChannelTerms {
            id,
            payer: address(&row.payer, "channels.payer")?,
            payee: address(&row.payee, "channels.payee")?,
            info_hash,
            price_per_gib: Amount::from_db(&row.price_per_gib, "channels.price_per_gib")?,
            budget: Amount::from_db(&row.budget, "channels.budget")?,
            direction: Direction::parse(&row.direction)?,
        },
        state: ChannelState::parse(&row.state)?,
    }))
}

/// The highest (seq, cumulative) recorded on a channel.
pub(crate) async fn last_voucher(
    conn: &mut SqliteConnection,
    id: ChannelId,
) -> Result<Option<(u64, Amount)>> {
    let bytes = id.0.as_slice();
    let row = sqlx::query!(
        "SELECT seq, cumulative FROM vouchers WHERE channel = ? ORDER BY seq DESC LIMIT 1",
        bytes
    )
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        let seq = u64::try_from(r.seq).map_err(|_| Error::Corrupt {
            what: "vouchers.seq",
            detail: format!("negative seq {}", r.seq),
        })?;
        Ok((seq, Amount::from_db(&r.cumulative, "vouchers.cumulative")?))
    })
    .transpose()
}

/// One settlement's range on one channel.
pub(crate) struct ChannelPart {
    pub id: i64,
    pub state: SettlementState,
    pub from: Amount,
    pub upto: Amount,
}

/// Every settlement range on a channel, in settlement order.
pub(crate) async fn channel_settlements(
    conn: &mut SqliteConnection,
    id: ChannelId,
) -> Result<Vec<ChannelPart>> {
    let bytes = id.0.as_slice();
    let rows = sqlx::query!(
        "SELECT sc.settlement_id, sc.from_cumulative, sc.upto_cumulative, s.state
         FROM settlement_channels sc JOIN settlements s ON s.id = sc.settlement_id
         WHERE sc.channel = ? ORDER BY sc.settlement_id",
        bytes
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(ChannelPart {
                id: r.settlement_id,
                state: SettlementState::parse(&r.state)?,
                from: Amount::from_db(&r.from_cumulative, "settlement_channels.from_cumulative")?,
                upto: Amount::from_db(&r.upto_cumulative, "settlement_channels.upto_cumulative")?,
            })
        })
        .collect()
}

/// Every voucher's amount is in a confirmed settlement: the confirmed ranges cover
/// (0, last cumulative] without a gap.
pub(crate) async fn fully_settled(conn: &mut SqliteConnection, id: ChannelId) -> Result<bool> {
    let vouchered = last_voucher(conn, id).await?.map(|(_, c)| c).unwrap_or(Amount::ZERO);
    let mut confirmed: Vec<(Amount, Amount)> = channel_settlements(conn, id)
        .await?
        .into_iter()
        .filter(|p| p.state == SettlementState::Confirmed)
        .map(|p| (p.from, p.upto))
        .collect();
    confirmed.sort();
    let mut covered = Amount::ZERO;
    for (from, upto) in confirmed {
        if from <= covered {
            covered = covered.max(upto);
        }
    }
    Ok(covered >= vouchered)
}

pub(crate) struct SettlementRow {
    pub direction: Direction,
    pub counterparty: Address,
    pub own: Address,
    pub amount: Amount,
    pub txid: Option<String>,
    pub state: SettlementState,
    pub attempts: i64,
    pub ranges: Vec<SettledRange>,
    pub id: i64,
}

impl SettlementRow {
    pub(crate) fn digest(&self) -> Vec<u8> {
        journal::settlement_digest(self.id, self.direction, &self.counterparty, self.amount, &self.ranges)
    }
}

pub(crate) async fn load_settlement(conn: &mut SqliteConnection, id: i64) -> Result<SettlementRow> {
    let row = sqlx::query!(
        "SELECT direction, counterparty, amount, txid, state, attempts FROM settlements WHERE id = ?",
        id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(Error::UnknownSettlement(id))?;
    let parts = sqlx::query!(
        "SELECT channel, from_cumulative, upto_cumulative FROM settlement_channels
         WHERE settlement_id = ? ORDER BY rowid",
        id
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut ranges = Vec::with_capacity(parts.len());
    for p in parts {
        ranges.push(SettledRange {
            channel: channel_id(&p.channel)?,
            from: Amount::from_db(&p.from_cumulative, "settlement_channels.from_cumulative")?,
            upto: Amount::from_db(&p.upto_cumulative, "settlement_channels.upto_cumulative")?,
        });
    }
    let first = ranges.first().map(|r| r.channel).ok_or(Error::Corrupt {
        what: "settlement_channels",
        detail: format!("settlement {id} has no channel"),
    })?;
    let channel = load_channel(conn, first).await?.ok_or(Error::UnknownChannel(first))?;
    Ok(SettlementRow {
        direction: Direction::parse(&row.direction)?,
        counterparty: address(&row.counterparty, "settlements.counterparty")?,
        own: channel.own(),
        amount: Amount::from_db(&row.amount, "settlements.amount")?,
        txid: row.txid,
        state: SettlementState::parse(&row.state)?,
        attempts: row.attempts,
        ranges,
        id,
    })
}
