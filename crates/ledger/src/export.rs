//! CSV export of the history: one row per voucher (what it added), per wallet transfer
//! and per TRX fee a settlement or send of ours burnt, with the state and txid of the
//! settlement that pays it.

use std::collections::HashMap;
use std::io::Write;

use bidswarm_wallet::ChannelId;

use crate::amount::Stored as _;
use crate::rows::{address, channel_id};
use crate::time::format_utc;
use crate::{Amount, Error, Ledger, Result, UnixTime};

/// A span of time: `from` inclusive, `to` exclusive; `None` leaves that end open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DateRange {
    pub from: Option<UnixTime>,
    pub to: Option<UnixTime>,
}

impl DateRange {
    pub const ALL: DateRange = DateRange { from: None, to: None };

    pub fn contains(&self, at: UnixTime) -> bool {
        self.from.is_none_or(|f| at >= f) && self.to.is_none_or(|t| at < t)
    }
}

struct Row {
    at: UnixTime,
    order: (u8, i64),
    torrent: String,
    peer: String,
    direction: &'static str,
    amount: RowAmount,
    state: &'static str,
    txid: String,
}

/// Each row moves one asset, written in its own column so that no figure can be read in
/// the wrong unit.
enum RowAmount {
    Btt(Amount),
    TrxSun(u64),
}

struct Cover {
    from: Amount,
    upto: Amount,
    confirmed: bool,
    pending: bool,
    txid: Option<String>,
}

impl Ledger {
    /// Writes the history within `range` as CSV to `out`, oldest first. Columns: `date`
    /// (UTC, ISO 8601), `torrent` (info hash hex), `peer` (TRON address), `direction`
    /// (`spend`, `earn`, `deposit`, `withdrawal`, `fee`, `settlement_fee`, `send_fee`),
    /// `amount_btt` (exact decimal), `state` (vouchers: `unsettled`, `settling`, `settled`;
    /// transfers and send fees: `confirmed`; settlement fees: the settlement's `confirmed`,
    /// `failed` or `pending`),
    /// `txid`, `amount_trx` (exact decimal).
    ///
    /// A `settlement_fee` row is the TRX the chain burnt for one of our settlement
    /// transactions (one row per transaction whose fee is known and not zero; a failed
    /// transaction burns its fee too): `amount_trx` holds it and `amount_btt` is empty,
    /// while every other row has `amount_btt` and an empty `amount_trx`. Its `date` is when
    /// the settlement was confirmed or failed, `peer` the payee, `torrent` empty (a
    /// settlement may pay for several torrents), `txid` the settlement's, which the
    /// `spend` rows it paid also name. A `send_fee` row is likewise the TRX burnt for a
    /// transfer the user sent from the wallet (TRX or BTT): `date` when it was signed,
    /// `peer` the recipient, `txid` the transfer's, which its `withdrawal` row (a BTT send)
    /// also names. Returns the number of rows written.
    pub async fn export_csv<W: Write>(&self, range: DateRange, out: W) -> Result<usize> {
        let mut conn = self.pool.acquire().await?;
        let mut covers: HashMap<ChannelId, Vec<Cover>> = HashMap::new();
        let parts = sqlx::query!(
            "SELECT sc.channel, sc.from_cumulative, sc.upto_cumulative, s.state, s.txid
             FROM settlement_channels sc JOIN settlements s ON s.id = sc.settlement_id ORDER BY s.id"
        )
        .fetch_all(&mut *conn)
        .await?;
        for p in parts {
            covers.entry(channel_id(&p.channel)?).or_default().push(Cover {
                from: Amount::from_db(&p.from_cumulative, "settlement_channels.from_cumulative")?,
                upto: Amount::from_db(&p.upto_cumulative, "settlement_channels.upto_cumulative")?,
                confirmed: p.state == "confirmed",
                pending: p.state == "pending",
                txid: p.txid,
            });
        }

        let mut rows = Vec::new();
        let vouchers = sqlx::query!(
            "SELECT v.id, v.channel, v.cumulative, v.recorded_at, c.info_hash, c.payer, c.payee, c.direction
             FROM vouchers v JOIN channels c ON c.id = v.channel ORDER BY v.channel, v.seq"
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut previous: Option<(ChannelId, Amount)> = None;
        for v in vouchers {
            let channel = channel_id(&v.channel)?;
            let cumulative = Amount::from_db(&v.cumulative, "vouchers.cumulative")?;
            let before = match previous {
                Some((c, amount)) if c == channel => amount,
                _ => Amount::ZERO,
            };
            previous = Some((channel, cumulative));
            if !range.contains(v.recorded_at) {
                continue;
            }
            let spend = v.direction == "spend";
            let peer = address(if spend { &v.payee } else { &v.payer }, "channels")?;
            let cover = covers.get(&channel).map(Vec::as_slice).unwrap_or(&[]);
            let within = |c: &&Cover| c.from < cumulative && cumulative <= c.upto;
            let (state, txid) = if let Some(c) = cover.iter().find(|c| c.confirmed && within(c)) {
                ("settled", c.txid.clone())
            } else if let Some(c) = cover.iter().find(|c| c.pending && within(c)) {
                ("settling", c.txid.clone())
            } else {
                ("unsettled", None)
            };
            rows.push(Row {
                at: v.recorded_at,
                order: (0, v.id),
                torrent: hex::encode(&v.info_hash),
                peer: peer.to_string(),
                direction: if spend { "spend" } else { "earn" },
                amount: RowAmount::Btt(cumulative.checked_sub(before)?),
                state,
                txid: txid.unwrap_or_default(),
            });
        }

        drop(conn);
        // In the order recorded (the sort below is stable).
        for t in self.wallet_txs().await? {
            if !range.contains(t.at) {
                continue;
            }
            rows.push(Row {
                at: t.at,
                order: (1, 0),
                torrent: String::new(),
                peer: t.counterparty.map(|p| p.to_string()).unwrap_or_default(),
                direction: t.kind.as_str(),
                amount: RowAmount::Btt(t.amount),
                state: "confirmed",
                txid: t.txid,
            });
        }

        for fee in self.settlement_fees().await? {
            if !range.contains(fee.at) {
                continue;
            }
            rows.push(Row {
                at: fee.at,
                order: (2, fee.settlement.0),
                torrent: String::new(),
                peer: fee.payee.to_string(),
                direction: "settlement_fee",
                amount: RowAmount::TrxSun(fee.fee_sun),
                state: fee.state.as_str(),
                txid: fee.txid,
            });
        }
        for fee in self.send_fees().await? {
            if !range.contains(fee.send.at) {
                continue;
            }
            rows.push(Row {
                at: fee.send.at,
                // After settlement fees; among themselves in `send_fees` order (the sort is stable).
                order: (3, 0),
                torrent: String::new(),
                peer: fee.send.to.to_string(),
                direction: "send_fee",
                amount: RowAmount::TrxSun(fee.fee_sun),
                state: "confirmed",
                txid: fee.send.txid,
            });
        }
        rows.sort_by_key(|r| (r.at, r.order));

        let mut w = csv::Writer::from_writer(out);
        w.write_record(["date", "torrent", "peer", "direction", "amount_btt", "state", "txid", "amount_trx"])
            .map_err(Error::Csv)?;
        for r in &rows {
            let date = format_utc(r.at);
            let (btt, trx) = match r.amount {
                RowAmount::Btt(amount) => (amount.to_string(), String::new()),
                RowAmount::TrxSun(sun) => (String::new(), trx_decimal(sun)),
            };
            w.write_record([date.as_str(), &r.torrent, &r.peer, r.direction, &btt, r.state, &r.txid, &trx])
                .map_err(Error::Csv)?;
        }
        w.flush().map_err(|e| Error::Csv(e.into()))?;
        Ok(rows.len())
    }
}

/// Sun as exact decimal TRX (1 TRX = 10^6 sun), trailing zeros trimmed as
/// `Amount`'s `Display` trims them.
fn trx_decimal(sun: u64) -> String {
    const SUN_PER_TRX: u64 = 1_000_000;
    let (whole, frac) = (sun / SUN_PER_TRX, sun % SUN_PER_TRX);
    if frac == 0 {
        return whole.to_string();
    }
    format!("{whole}.{}", format!("{frac:06}").trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::trx_decimal;

    #[test]
    fn sun_reads_as_exact_trx() {
        assert_eq!(trx_decimal(0), "0");
        assert_eq!(trx_decimal(1), "0.000001");
        assert_eq!(trx_decimal(1_810_000), "1.81");
        assert_eq!(trx_decimal(3_000_000), "3");
        assert_eq!(trx_decimal(u64::MAX), "18446744073709.551615");
    }
}
