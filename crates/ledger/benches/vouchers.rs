//! Vouchers persisted per second (`make bench`; alone: `cargo bench -p bidswarm-ledger
//! --bench vouchers`). The goal is at least 20,000 a second on a 2-core machine.
//!
//! A payee receives pre-signed vouchers from several payers and records them with
//! [`Ledger::record_vouchers`] in batches, as the speed layer would: every signature is
//! recovered, every voucher checked and posted to the hash-chained journal, one
//! `BEGIN IMMEDIATE … COMMIT` per batch, WAL with `synchronous=FULL`, on a real file in a
//! temporary folder. Signing is the payer's work and is done before the clock starts.
//!
//! References in the same run, on the same kind of file and settings, with the same rows:
//! plain INSERTs into a table shaped like `vouchers`, one transaction each (what an
//! unbatched writer pays) and batched like ours (the floor for SQLite itself).
//!
//! Arguments: `[vouchers] [batch]`, 100000 and 256 by default.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // a benchmark binary: it prints, and panics on failure

use std::time::{Duration, Instant};

use bidswarm_ledger::{Amount, Ledger, NewChannel, SignedVoucher};
use bidswarm_wallet::{verify_voucher, ChannelId, PrivateKey, Signer, Voucher};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, SqliteConnection};

const PAYERS: u8 = 8;
const T0: i64 = 1_714_521_600;
/// Unbatched INSERTs wait for a sync each; a few thousand give a steady rate.
const UNBATCHED_ROWS: usize = 3_000;

fn per_sec(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

/// Round-robin over the payers, so consecutive vouchers hit different channels.
fn signed_vouchers(
    me: &PrivateKey,
    payers: &[PrivateKey],
    n: usize,
) -> (Vec<NewChannel>, Vec<SignedVoucher>) {
    let channels: Vec<NewChannel> = payers
        .iter()
        .map(|p| NewChannel {
            id: ChannelId::derive(&p.address(), &me.address(), &[0xAA; 20], 1),
            payer: p.address(),
            payee: me.address(),
            info_hash: [0xAA; 20],
            price_per_gib: Amount::from_base_units(1_000_000_000_000_000_000),
            budget: Amount::MAX,
        })
        .collect();
    let vouchers = (0..n)
        .map(|i| {
            let (payer, channel) = (&payers[i % payers.len()], &channels[i % payers.len()]);
            let seq = (i / payers.len() + 1) as u64;
            // 16 KiB at 1 BTT per GiB per voucher.
            let voucher = Voucher {
                channel: channel.id,
                seq,
                cumulative: u128::from(seq) * 15_258_789_062_500,
                expiry: 1_900_000_000,
            };
            SignedVoucher { voucher, signature: payer.sign_voucher(&voucher).unwrap() }
        })
        .collect();
    (channels, vouchers)
}

async fn plain_table(path: &std::path::Path) -> SqliteConnection {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full);
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    sqlx::raw_sql(
        "CREATE TABLE vouchers (id INTEGER PRIMARY KEY, channel BLOB NOT NULL, seq INTEGER NOT NULL,
           cumulative TEXT NOT NULL, expiry INTEGER NOT NULL, signature BLOB NOT NULL,
           recorded_at INTEGER NOT NULL, UNIQUE (channel, seq)) STRICT",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn
}

async fn plain_insert(conn: &mut SqliteConnection, v: &SignedVoucher) {
    sqlx::query("INSERT INTO vouchers (channel, seq, cumulative, expiry, signature, recorded_at) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(v.voucher.channel.0.as_slice())
        .bind(v.voucher.seq as i64)
        .bind(v.voucher.cumulative.to_string())
        .bind(v.voucher.expiry as i64)
        .bind(v.signature.as_bytes().as_slice())
        .bind(T0)
        .execute(&mut *conn)
        .await
        .unwrap();
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let n = args.first().copied().unwrap_or(100_000);
    let batch = args.get(1).copied().unwrap_or(256).max(1);
    let dir = tempfile::tempdir().unwrap();

    let me = PrivateKey::from_bytes(&[1; 32]).unwrap();
    let payers: Vec<PrivateKey> =
        (0..PAYERS).map(|i| PrivateKey::from_bytes(&[10 + i; 32]).unwrap()).collect();
    print!("signing {n} vouchers (not timed)… ");
    let (channels, vouchers) = signed_vouchers(&me, &payers, n);
    println!("done");

    // Signature recovery alone, the part of the work that is pure CPU.
    let sample = &vouchers[..n.min(10_000)];
    let start = Instant::now();
    for v in sample {
        verify_voucher(&v.voucher, &v.signature).unwrap();
    }
    let verify_rate = per_sec(sample.len(), start.elapsed());

    // The ledger.
    let path = dir.path().join("ledger.sqlite");
    let ledger = Ledger::open(&path).await.unwrap();
    ledger.add_account(me.address(), "bench", T0).await.unwrap();
    for c in &channels {
        ledger.open_channel(c, T0).await.unwrap();
    }
    let start = Instant::now();
    for (i, chunk) in vouchers.chunks(batch).enumerate() {
        ledger.record_vouchers(chunk, T0 + i as i64).await.unwrap();
    }
    let ledger_time = start.elapsed();
    let ledger_rate = per_sec(n, ledger_time);
    let summary = ledger.summary().await.unwrap();
    assert_eq!(
        summary.earned_pending.base_units(),
        vouchers[n - PAYERS as usize..].iter().map(|v| v.voucher.cumulative).sum::<u128>(),
        "every voucher counted once"
    );
    ledger.close().await;
    // Everything in the main file, none left in the WAL, for the size.
    let mut conn = SqliteConnection::connect(&format!("sqlite:{}", path.display())).await.unwrap();
    sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    let bytes = std::fs::metadata(&path).unwrap().len();

    // References: the same rows, plain INSERTs, unbatched and batched.
    let mut conn = plain_table(&dir.path().join("plain-unbatched.sqlite")).await;
    let some = &vouchers[..n.min(UNBATCHED_ROWS)];
    let start = Instant::now();
    for v in some {
        plain_insert(&mut conn, v).await;
    }
    let unbatched_rate = per_sec(some.len(), start.elapsed());
    conn.close().await.unwrap();

    let mut conn = plain_table(&dir.path().join("plain-batched.sqlite")).await;
    let start = Instant::now();
    for chunk in vouchers.chunks(batch) {
        let mut tx = conn.begin().await.unwrap();
        for v in chunk {
            plain_insert(&mut tx, v).await;
        }
        tx.commit().await.unwrap();
    }
    let batched_rate = per_sec(n, start.elapsed());
    conn.close().await.unwrap();

    println!(
        "ledger: {n} vouchers in batches of {batch} from {PAYERS} payers, signatures checked and journaled:"
    );
    println!(
        "  {ledger_rate:.0} vouchers/s ({:.2} s); goal 20000/s: {}",
        ledger_time.as_secs_f64(),
        if ledger_rate >= 20_000.0 { "met" } else { "NOT met" }
    );
    println!("signature recovery alone, one core: {verify_rate:.0}/s");
    println!("same run, plain INSERTs of the same rows into a table shaped like vouchers:");
    println!(
        "  one per transaction ({} rows): {unbatched_rate:.0}/s; ledger is {:.1}x this",
        some.len(),
        ledger_rate / unbatched_rate
    );
    println!(
        "  {batch} per transaction: {batched_rate:.0}/s; ledger is {:.2}x this",
        ledger_rate / batched_rate
    );
    println!(
        "database: {bytes} bytes for {n} vouchers = {:.0} bytes each, {:.0} MiB per 1M vouchers",
        bytes as f64 / n as f64,
        bytes as f64 / n as f64 * 1e6 / 1_048_576.0
    );
}
