//! Recording a batch of vouchers in a handful of statements ([`Ledger::record_vouchers`]).
//!
//! Recording one voucher alone takes eight statements, and each is a hand-off to sqlx's
//! SQLite worker thread; at a few thousand vouchers a second those hand-offs, not SQLite,
//! were the cost (`docs/BENCHMARKS.md`). A batch instead:
//!
//! 1. recovers every signer before the write lock, on all cores ([`recover_signers`]);
//! 2. loads each channel it touches once (terms, state, last voucher) and applies the
//!    voucher rules of `ledger.rs` in batch order, in memory, carrying each channel's last
//!    voucher forward, so voucher *i* is judged against the channel as vouchers 0..*i*
//!    left it, exactly as one at a time;
//! 3. gives vouchers and events the ids SQLite would have given them one at a time (the
//!    largest id + 1: the tables have no AUTOINCREMENT and are append-only), chains the
//!    journal entries in Rust from the journal's head in that same order, and writes
//!    vouchers, events and entries as multi-row INSERTs.
//!
//! So a batch leaves the same rows, ids and hash chain as recording its vouchers one by
//! one (`tests/ledger.rs` checks this), in one transaction: all or nothing.
//!
//! [`Ledger::record_vouchers`]: crate::Ledger::record_vouchers

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use bidswarm_wallet::{verify_voucher, Address, ChannelId};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::amount::Stored as _;
use crate::chain::{event_entries, journal_head, ChainedEntry};
use crate::journal::{self, EventHeader};
use crate::rows::{last_voucher, load_channel, recorded_at_seq, to_i64, ChannelRow, RecordedVoucher};
use crate::rules::{check_next, check_signed, same_seq_receipt, voucher_postings};
use crate::{Amount, Error, Result, SignedVoucher, UnixTime, VoucherReceipt};

/// Below this many vouchers one thread is about as quick as handing chunks out.
const PARALLEL_FROM: usize = 16;

/// Rows per INSERT statement. At most 10 values per row keeps a statement far below
/// SQLite's limit of 32,766 bound values.
const ROWS_PER_INSERT: usize = 1_000;

/// Recovers the signer of every voucher (`None` where the signature is not valid), in
/// order. Recovery is pure CPU (k256), about 60 µs a voucher, so a large batch is split
/// across the blocking pool, one chunk per core, and the async thread is not held.
pub(crate) async fn recover_signers(vouchers: &[SignedVoucher]) -> Vec<Option<Address>> {
    fn recover(chunk: &[SignedVoucher]) -> Vec<Option<Address>> {
        chunk.iter().map(|v| verify_voucher(&v.voucher, &v.signature).ok()).collect()
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 || vouchers.len() < PARALLEL_FROM {
        return recover(vouchers);
    }
    let chunk_len = vouchers.len().div_ceil(cores);
    let tasks: Vec<_> = vouchers
        .chunks(chunk_len)
        .map(|chunk| {
            let chunk = chunk.to_vec();
            tokio::task::spawn_blocking(move || recover(&chunk))
        })
        .collect();
    let mut signers = Vec::with_capacity(vouchers.len());
    for (task, chunk) in tasks.into_iter().zip(vouchers.chunks(chunk_len)) {
        match task.await {
            Ok(part) => signers.extend(part),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            // Cancelled: the runtime is shutting down. Finish the chunk here instead.
            Err(_) => signers.extend(recover(chunk)),
        }
    }
    signers
}

/// One channel as the batch has left it so far.
struct ChannelCursor {
    channel: ChannelRow,
    /// The last (highest seq) voucher, including those accepted earlier in the batch.
    last: Option<(u64, Amount)>,
    /// The highest seq already in the database before the batch.
    stored_last_seq: Option<u64>,
}

/// A voucher that passed every check and will be written.
struct Accepted<'a> {
    signed: &'a SignedVoucher,
    seq: i64,
    expiry: i64,
    delta: Amount,
    kind: &'static str,
    own: Address,
    postings: Vec<journal::Posting>,
}

/// Checks and writes `vouchers` (whose recovered signers are `signers`) inside the caller's
/// transaction. A refused voucher is [`Error::Batch`] with its index, and nothing is
/// written: every check runs before the first INSERT.
pub(crate) async fn record(
    conn: &mut SqliteConnection,
    vouchers: &[SignedVoucher],
    signers: &[Option<Address>],
    at: UnixTime,
) -> Result<Vec<VoucherReceipt>> {
    let mut cursors: HashMap<ChannelId, ChannelCursor> = HashMap::new();
    // Vouchers accepted earlier in this batch, by (channel, seq): a repeat of one is
    // judged against it as it would be against the stored row.
    let mut in_batch: HashMap<(ChannelId, u64), &SignedVoucher> = HashMap::new();
    let mut accepted = Vec::with_capacity(vouchers.len());
    let mut receipts = Vec::with_capacity(vouchers.len());
    for (index, (signed, signer)) in vouchers.iter().zip(signers).enumerate() {
        match check(conn, &mut cursors, &mut in_batch, signed, *signer).await {
            Ok(Some(a)) => {
                receipts.push(VoucherReceipt::Recorded { delta: a.delta });
                accepted.push(a);
            }
            Ok(None) => receipts.push(VoucherReceipt::AlreadyRecorded),
            Err(e @ Error::Database(_)) => return Err(e),
            Err(e) => return Err(Error::Batch { index, source: Box::new(e) }),
        }
    }
    if !accepted.is_empty() {
        write(conn, &accepted, at).await?;
    }
    Ok(receipts)
}

/// The rules of `ledger.rs`, in its order, against the channel as the batch left it.
/// `None`: this exact voucher is already recorded.
async fn check<'a>(
    conn: &mut SqliteConnection,
    cursors: &mut HashMap<ChannelId, ChannelCursor>,
    in_batch: &mut HashMap<(ChannelId, u64), &'a SignedVoucher>,
    signed: &'a SignedVoucher,
    signer: Option<Address>,
) -> Result<Option<Accepted<'a>>> {
    let v = &signed.voucher;
    let cursor = match cursors.entry(v.channel) {
        Entry::Occupied(slot) => slot.into_mut(),
        Entry::Vacant(slot) => {
            let channel = load_channel(conn, v.channel).await?.ok_or(Error::UnknownChannel(v.channel))?;
            let last = last_voucher(conn, v.channel).await?;
            slot.insert(ChannelCursor { channel, last, stored_last_seq: last.map(|(seq, _)| seq) })
        }
    };
    let (seq, expiry) = check_signed(&cursor.channel, signed, signer, None)?;
    // Only a seq at or below the channel's last can already be recorded.
    if cursor.last.is_some_and(|(last_seq, _)| v.seq <= last_seq) {
        let recorded = match in_batch.get(&(v.channel, v.seq)) {
            Some(earlier) => Some(RecordedVoucher {
                cumulative: earlier.voucher.cumulative,
                // It passed check_signed, so this converts.
                expiry: to_i64("voucher expiry", earlier.voucher.expiry)?,
                signature: earlier.signature.as_bytes().to_vec(),
            }),
            // A retried voucher: rare, so one statement each is fine.
            None if cursor.stored_last_seq.is_some_and(|s| v.seq <= s) => {
                recorded_at_seq(conn, v.channel, seq).await?
            }
            None => None,
        };
        if let Some(recorded) = recorded {
            same_seq_receipt(signed, &recorded)?;
            return Ok(None);
        }
    }
    let delta = check_next(&cursor.channel, cursor.last, v)?;
    cursor.last = Some((v.seq, Amount::from_base_units(v.cumulative)));
    in_batch.insert((v.channel, v.seq), signed);
    let (kind, postings) = voucher_postings(&cursor.channel, delta);
    Ok(Some(Accepted {
        signed,
        seq,
        expiry,
        delta,
        kind,
        own: cursor.channel.own(),
        postings: event_entries(kind, postings)?,
    }))
}

/// Writes accepted vouchers, their events and their chained entries.
async fn write(conn: &mut SqliteConnection, accepted: &[Accepted<'_>], at: UnixTime) -> Result<()> {
    let first_voucher_id = sqlx::query!("SELECT id FROM vouchers ORDER BY id DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?
        .map_or(1, |r| r.id + 1);
    let first_event_id = sqlx::query!("SELECT id FROM events ORDER BY id DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?
        .map_or(1, |r| r.id + 1);
    let mut head = journal_head(conn).await?;

    let mut events = Vec::with_capacity(accepted.len());
    let mut entries: Vec<(i64, ChainedEntry)> = Vec::with_capacity(accepted.len() * 2);
    for (k, a) in (0i64..).zip(accepted) {
        let (voucher_id, event_id) = (first_voucher_id + k, first_event_id + k);
        let digest = journal::voucher_digest(&a.signed.voucher, &a.signed.signature);
        let header = EventHeader { id: event_id, kind: a.kind, at, txid: None, record_digest: &digest };
        entries.extend(head.chain(&header, &a.postings).into_iter().map(|e| (event_id, e)));
        events.push((event_id, voucher_id, digest));
    }

    // The statements below use QueryBuilder, not `query!`: the number of rows varies with
    // the batch, and a compile-checked query has a fixed number of placeholders. Each
    // builds the same column list as the checked single-row INSERT in `ledger.rs`.
    for (part, rows) in accepted.chunks(ROWS_PER_INSERT).enumerate() {
        let first = first_voucher_id + (part * ROWS_PER_INSERT) as i64;
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO vouchers (id, channel, seq, cumulative, expiry, signature, recorded_at) ",
        );
        q.push_values((first..).zip(rows), |mut row, (id, a)| {
            row.push_bind(id)
                .push_bind(a.signed.voucher.channel.0.to_vec())
                .push_bind(a.seq)
                .push_bind(Amount::from_base_units(a.signed.voucher.cumulative).to_db())
                .push_bind(a.expiry)
                .push_bind(a.signed.signature.as_bytes().to_vec())
                .push_bind(at);
        });
        q.build().execute(&mut *conn).await?;
    }
    for (rows, accepted) in events.chunks(ROWS_PER_INSERT).zip(accepted.chunks(ROWS_PER_INSERT)) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO events (id, kind, at, account, channel, voucher_id, record_digest) ",
        );
        q.push_values(rows.iter().zip(accepted), |mut row, ((event_id, voucher_id, digest), a)| {
            row.push_bind(*event_id)
                .push_bind(a.kind)
                .push_bind(at)
                .push_bind(a.own.as_bytes().to_vec())
                .push_bind(a.signed.voucher.channel.0.to_vec())
                .push_bind(*voucher_id)
                .push_bind(digest.clone());
        });
        q.build().execute(&mut *conn).await?;
    }
    for rows in entries.chunks(ROWS_PER_INSERT) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO journal (id, event_id, account, side, amount, prev_hash, hash) ",
        );
        q.push_values(rows, |mut row, (event_id, e)| {
            row.push_bind(e.id)
                .push_bind(*event_id)
                .push_bind(e.account.clone())
                .push_bind(e.side.as_str())
                .push_bind(e.amount.to_db())
                .push_bind(e.prev_hash.clone())
                .push_bind(e.hash.to_vec());
        });
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}
