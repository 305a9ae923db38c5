//! The history, a page at a time: every event that moved money, newest first.
//!
//! Pages are cut by keyset, not by offset: a [`HistoryCursor`] holds the `(at, event id)`
//! of the last entry handed out, and the next page starts strictly after it in
//! `ORDER BY at DESC, id DESC`. Events are append-only (triggers in the first migration),
//! so a cursor stays valid forever, and entries written between two pages never shift a
//! page: each entry that existed when paging began comes exactly once.

use std::fmt;
use std::str::FromStr;

use bidswarm_wallet::Address;

use crate::amount::Stored as _;
use crate::journal::{Side, Totals};
use crate::rows::address;
use crate::{Amount, DateRange, Direction, Error, Ledger, Result, UnixTime};

/// The most entries one page holds; larger requests get this many.
pub const MAX_HISTORY_PAGE: usize = 500;

/// One event that moved money.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    /// The event's row id: unique and stable.
    pub id: i64,
    pub at: UnixTime,
    /// What happened: `voucher_sent`, `voucher_received`, `settlement_pending`,
    /// `settlement_confirmed`, `settlement_failed`, `settlement_retried`, `deposit`,
    /// `withdrawal`, `fee`, or `balance_observed` (the book moved to the chain's balance).
    pub kind: String,
    /// Spend or earn, for vouchers and settlements.
    pub direction: Option<Direction>,
    /// The torrent, for vouchers.
    pub info_hash: Option<[u8; 20]>,
    /// The other side: the channel's or settlement's peer, a transfer's counterparty.
    pub peer: Option<Address>,
    /// What the event moved: for a voucher, what it adds over the one before.
    pub amount: Amount,
    pub txid: Option<String>,
}

/// Where the next page starts. Its text form is opaque to clients (hand back
/// `next_cursor` unchanged) and stable across versions: the version byte leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HistoryCursor {
    at: UnixTime,
    id: i64,
}

const CURSOR_VERSION: u8 = 1;
/// Version byte, `at` and `id` as big-endian i64, in hex.
const CURSOR_HEX_LEN: usize = 2 * (1 + 8 + 8);

impl fmt::Display for HistoryCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut bytes = Vec::with_capacity(17);
        bytes.push(CURSOR_VERSION);
        bytes.extend_from_slice(&self.at.to_be_bytes());
        bytes.extend_from_slice(&self.id.to_be_bytes());
        f.write_str(&hex::encode(bytes))
    }
}

impl FromStr for HistoryCursor {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let bad = |reason| Error::InvalidCursor { reason };
        if s.len() != CURSOR_HEX_LEN {
            return Err(bad("it has the wrong length"));
        }
        let bytes = hex::decode(s).map_err(|_| bad("it is not hex"))?;
        if bytes[0] != CURSOR_VERSION {
            return Err(bad("it comes from an unknown version"));
        }
        // The length was checked above: 17 bytes.
        let at = i64::from_be_bytes(bytes[1..9].try_into().map_err(|_| bad("it has the wrong length"))?);
        let id = i64::from_be_bytes(bytes[9..17].try_into().map_err(|_| bad("it has the wrong length"))?);
        if id < 1 {
            return Err(bad("it names no event"));
        }
        Ok(HistoryCursor { at, id })
    }
}

/// One page of the history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryPage {
    pub entries: Vec<HistoryEntry>,
    /// Where the next page starts; `None` when this page is the last.
    pub next_cursor: Option<HistoryCursor>,
}

impl Ledger {
    /// Up to `limit` (at most [`MAX_HISTORY_PAGE`]) entries within `range`, newest first,
    /// starting after `cursor` (from the newest when `None`). A `limit` of 0 is refused.
    pub async fn history(
        &self,
        range: DateRange,
        cursor: Option<HistoryCursor>,
        limit: usize,
    ) -> Result<HistoryPage> {
        if limit == 0 {
            return Err(Error::InvalidPageSize);
        }
        let limit = limit.min(MAX_HISTORY_PAGE);
        let from = range.from.unwrap_or(i64::MIN);
        let to = range.to.unwrap_or(i64::MAX);
        let (after_at, after_id) = cursor.map_or((i64::MAX, i64::MAX), |c| (c.at, c.id));
        // One more than asked, to know whether another page follows.
        let fetch = i64::try_from(limit + 1).unwrap_or(i64::MAX);
        let mut conn = self.pool.acquire().await?;
        // `at <= after_at` bounds the index scan; the OR places ties on `at` by id.
        let rows = sqlx::query!(
            r#"SELECT e.id, e.kind, e.at, e.txid,
                      c.info_hash AS "info_hash?",
                      coalesce(c.direction, s.direction) AS "direction?: String",
                      CASE c.direction WHEN 'spend' THEN c.payee WHEN 'earn' THEN c.payer
                           ELSE coalesce(s.counterparty, w.counterparty) END AS "peer?: Vec<u8>"
               FROM events e
               LEFT JOIN channels c ON c.id = e.channel
               LEFT JOIN settlements s ON s.id = e.settlement_id
               LEFT JOIN wallet_txs w ON w.id = e.wallet_tx_id
               WHERE e.at >= ? AND e.at < ? AND e.at <= ? AND (e.at < ? OR e.id < ?)
                 AND EXISTS (SELECT 1 FROM journal j WHERE j.event_id = e.id AND j.account <> 'memo')
               ORDER BY e.at DESC, e.id DESC
               LIMIT ?"#,
            from,
            to,
            after_at,
            after_at,
            after_id,
            fetch
        )
        .fetch_all(&mut *conn)
        .await?;
        let more = rows.len() > limit;
        let mut entries = Vec::with_capacity(limit);
        for r in rows.into_iter().take(limit) {
            let lines = sqlx::query!(
                "SELECT side, amount FROM journal WHERE event_id = ? AND account <> 'memo'",
                r.id
            )
            .fetch_all(&mut *conn)
            .await?;
            let mut totals = Totals::default();
            for line in lines {
                totals.add(Side::parse(&line.side)?, Amount::from_db(&line.amount, "journal.amount")?)?;
            }
            let info_hash = r
                .info_hash
                .map(|h| {
                    <[u8; 20]>::try_from(h.as_slice()).map_err(|_| Error::Corrupt {
                        what: "channels.info_hash",
                        detail: format!("{} bytes", h.len()),
                    })
                })
                .transpose()?;
            entries.push(HistoryEntry {
                id: r.id,
                at: r.at,
                kind: r.kind,
                direction: r.direction.as_deref().map(Direction::parse).transpose()?,
                info_hash,
                peer: r.peer.as_deref().map(|p| address(p, "history peer")).transpose()?,
                // Every event balances, so its debits are what it moved.
                amount: totals.debits,
                txid: r.txid,
            });
        }
        let next_cursor = match entries.last() {
            Some(last) if more => Some(HistoryCursor { at: last.at, id: last.id }),
            _ => None,
        };
        Ok(HistoryPage { entries, next_cursor })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_what_it_wrote() {
        for (at, id) in [(0, 1), (1_714_521_600, 42), (-5, i64::MAX), (i64::MIN, 7)] {
            let cursor = HistoryCursor { at, id };
            let text = cursor.to_string();
            assert_eq!(text.len(), CURSOR_HEX_LEN);
            assert_eq!(text.parse::<HistoryCursor>().unwrap(), cursor);
        }
    }

    #[test]
    fn a_cursor_that_is_not_one_says_why() {
        let good = HistoryCursor { at: 5, id: 9 }.to_string();
        let cases = [
            (String::new(), "wrong length"),
            ("zz".repeat(17), "not hex"),
            (format!("02{}", &good[2..]), "unknown version"),
            (format!("{}00", &good[..CURSOR_HEX_LEN - 2]), "names no event"),
            (format!("{good}00"), "wrong length"),
        ];
        for (input, reason) in cases {
            let err = input.parse::<HistoryCursor>().unwrap_err();
            assert!(err.to_string().contains(reason), "{input:?}: {err}");
        }
    }
}
