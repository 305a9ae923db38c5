//! The journal's hash chain: an event and its entries written after the last row, each
//! entry hashed over the one before (see `journal.rs` for what is hashed).

use bidswarm_wallet::{Address, ChannelId};
use sqlx::SqliteConnection;

use crate::amount::Stored as _;
use crate::journal::{self, debit, Account, EventHeader, Posting, Side};
use crate::{Amount, Error, Result, UnixTime};

/// What an event is about; becomes one `events` row.
#[derive(Default)]
pub(crate) struct NewEvent<'a> {
    pub(crate) kind: &'a str,
    pub(crate) at: UnixTime,
    pub(crate) account: Option<Address>,
    pub(crate) channel: Option<ChannelId>,
    pub(crate) voucher_id: Option<i64>,
    pub(crate) settlement_id: Option<i64>,
    pub(crate) wallet_tx_id: Option<i64>,
    pub(crate) observation_id: Option<i64>,
    pub(crate) txid: Option<&'a str>,
    pub(crate) record_digest: Vec<u8>,
}

/// Writes an event and its entries, chained after the journal's last row. Entries must
/// balance; an event with none gets one zero entry to `memo`, so it is chained too.
pub(crate) async fn post(
    conn: &mut SqliteConnection,
    event: NewEvent<'_>,
    postings: Vec<Posting>,
) -> Result<i64> {
    let postings = event_entries(event.kind, postings)?;
    let account = event.account.as_ref().map(|a| a.as_bytes().as_slice());
    let channel = event.channel.as_ref().map(|c| c.0.as_slice());
    let digest = event.record_digest.as_slice();
    let event_id = sqlx::query!(
        "INSERT INTO events (kind, at, account, channel, voucher_id, settlement_id, wallet_tx_id, observation_id, txid, record_digest)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        event.kind,
        event.at,
        account,
        channel,
        event.voucher_id,
        event.settlement_id,
        event.wallet_tx_id,
        event.observation_id,
        event.txid,
        digest
    )
    .execute(&mut *conn)
    .await?
    .last_insert_rowid();
    let mut head = journal_head(conn).await?;
    let header =
        EventHeader { id: event_id, kind: event.kind, at: event.at, txid: event.txid, record_digest: digest };
    for entry in head.chain(&header, &postings) {
        let side = entry.side.as_str();
        let amount = entry.amount.to_db();
        let hash_ref = entry.hash.as_slice();
        let prev_ref = entry.prev_hash.as_slice();
        sqlx::query!(
            "INSERT INTO journal (id, event_id, account, side, amount, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
            entry.id,
            event_id,
            entry.account,
            side,
            amount,
            prev_ref,
            hash_ref
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(event_id)
}

/// An event's entries as the journal records them: zero entries dropped, debits equal to
/// credits, and one zero `memo` entry when nothing moves, so its record is chained too.
pub(crate) fn event_entries(kind: &str, mut postings: Vec<Posting>) -> Result<Vec<Posting>> {
    postings.retain(|p| !p.amount.is_zero());
    let t = journal::totals(&postings)?;
    if t.debits != t.credits {
        // Every caller builds balanced postings; this guards the invariant, not input.
        return Err(Error::Corrupt {
            what: "journal",
            detail: format!("event {kind} does not balance: {} debit vs {} credit", t.debits, t.credits),
        });
    }
    if postings.is_empty() {
        postings.push(debit(Account::Memo, Amount::ZERO));
    }
    Ok(postings)
}

/// The journal's last row: where the next entry chains on.
pub(crate) struct JournalHead {
    id: i64,
    hash: Vec<u8>,
}

/// A journal row, chained, ready to insert.
pub(crate) struct ChainedEntry {
    pub id: i64,
    pub account: String,
    pub side: Side,
    pub amount: Amount,
    pub prev_hash: Vec<u8>,
    pub hash: [u8; 32],
}

impl JournalHead {
    /// Chains an event's entries after the head, in order, and moves the head past them.
    pub(crate) fn chain(&mut self, event: &EventHeader<'_>, postings: &[Posting]) -> Vec<ChainedEntry> {
        postings
            .iter()
            .map(|p| {
                self.id += 1;
                let account = p.account.to_string();
                let hash = journal::entry_hash(&self.hash, self.id, event, &account, p.side, p.amount);
                let prev_hash = std::mem::replace(&mut self.hash, hash.to_vec());
                ChainedEntry { id: self.id, account, side: p.side, amount: p.amount, prev_hash, hash }
            })
            .collect()
    }
}

pub(crate) async fn journal_head(conn: &mut SqliteConnection) -> Result<JournalHead> {
    let last = sqlx::query!("SELECT id, hash FROM journal ORDER BY id DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match last {
        Some(row) => JournalHead { id: row.id, hash: row.hash },
        None => JournalHead { id: 0, hash: journal::GENESIS.to_vec() },
    })
}
