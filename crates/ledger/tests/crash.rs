//! Crash safety: a child process streams vouchers and settlements into a ledger and is
//! SIGKILLed at 50 random points. After each kill the parent reopens the file: verify()
//! passes, every voucher the child reported committed is there, nothing is counted twice.
//!
//! The child is this same test binary running the ignored `crash_child` test with
//! `LEDGER_CRASH_DB` set.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bidswarm_ledger::{Amount, NewSettlement};
use common::*;

const UNIT: u128 = 1_000_000_000_000;

/// The child: resumes after the last voucher on the channel and streams batches until
/// killed (bounded, in case nobody kills it).
#[tokio::test(flavor = "current_thread")]
#[ignore = "run by crash_at_random_points_loses_and_doubles_nothing as a child process"]
async fn crash_child() -> anyhow::Result<()> {
    let Ok(path) = std::env::var("LEDGER_CRASH_DB") else { return Ok(()) };
    let k = keys();
    let ledger = bidswarm_ledger::Ledger::open(&path).await?;
    let me = k.me.address();
    ledger.add_account(me, "main", T0).await?;
    let ch = channel(me, k.seeder.address(), 1, Amount::MAX);
    ledger.open_channel(&ch, T0).await?;
    let db = sqlx::SqlitePool::connect(&format!("sqlite:{path}")).await?;
    let last: Option<i64> = sqlx::query_scalar("SELECT max(seq) FROM vouchers").fetch_one(&db).await?;
    let mut seq = last.unwrap_or(0) as u64;
    let mut out = std::io::stdout();
    for batch_no in 0..10_000u64 {
        let n = 1 + batch_no % 16;
        let batch: Vec<_> = (1..=n)
            .map(|i| sign(&k.me, ch.id, seq + i, Amount::from_base_units(u128::from(seq + i) * UNIT)))
            .collect();
        ledger.record_vouchers(&batch, T0 + seq as i64).await?;
        seq += n;
        writeln!(out, "committed {seq}")?;
        out.flush()?;
        if batch_no % 5 == 4 {
            let upto = Amount::from_base_units(u128::from(seq) * UNIT);
            let sid = ledger
                .settlement_pending(&NewSettlement { channels: vec![(ch.id, upto)], txid: None }, T0)
                .await?;
            writeln!(out, "settlement {}", sid.0)?;
            out.flush()?;
            if batch_no % 10 == 9 {
                ledger.settlement_confirmed(sid, "feed", T0).await?;
            } else {
                ledger.settlement_failed(sid, T0).await?;
                ledger.settlement_retry(sid, Some("beef"), T0).await?;
            }
        }
    }
    Ok(())
}

/// A small deterministic generator, so a failing run can be replayed.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn crash_at_random_points_loses_and_doubles_nothing() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("ledger.db");
    let exe = std::env::current_exe()?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut reported = 0u64;
    let mut settlements_reported = 0i64;
    let deadline = Instant::now() + Duration::from_secs(300);
    for kill in 0..50 {
        assert!(Instant::now() < deadline, "the crash test ran out of time at kill {kill}");
        let mut child = Command::new(&exe)
            .args(["--ignored", "--exact", "crash_child", "--nocapture", "--test-threads=1"])
            .env("LEDGER_CRASH_DB", &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdout = child.stdout.take().expect("piped");
        let mut lines = BufReader::new(stdout).lines();
        let wanted = 1 + rng.below(25);
        let mut seen = 0;
        while seen < wanted {
            let Some(line) = lines.next() else { break };
            let line = line?;
            if let Some(seq) = line.strip_prefix("committed ") {
                reported = reported.max(seq.parse()?);
                seen += 1;
            } else if let Some(sid) = line.strip_prefix("settlement ") {
                settlements_reported = settlements_reported.max(sid.parse()?);
            }
        }
        // Kill it somewhere in its next write, not only between them.
        std::thread::sleep(Duration::from_micros(rng.below(3_000)));
        child.kill()?;
        child.wait()?;

        rt.block_on(async {
            let ledger = bidswarm_ledger::Ledger::open(&path).await?;
            let report = ledger.verify().await?;
            assert!(report.is_ok(), "after kill {kill}: {report}");
            let db = sqlx::SqlitePool::connect(&format!("sqlite:{}", path.display())).await?;
            let (count, max): (i64, Option<i64>) =
                sqlx::query_as("SELECT count(*), max(seq) FROM vouchers").fetch_one(&db).await?;
            let max = max.unwrap_or(0) as u64;
            assert!(
                max >= reported,
                "after kill {kill}: voucher {reported} was reported committed, the ledger has up to {max}"
            );
            assert_eq!(count as u64, max, "after kill {kill}: every seq once");
            let summary = ledger.summary().await?;
            // Spent is the last cumulative, exactly: no voucher counted twice.
            assert_eq!(summary.spent, Amount::from_base_units(u128::from(max) * UNIT), "after kill {kill}");
            let settled: i64 = sqlx::query_scalar("SELECT count(*) FROM settlements").fetch_one(&db).await?;
            assert!(settled >= settlements_reported, "after kill {kill}: a reported settlement is missing");
            db.close().await;
            ledger.close().await;
            anyhow::Ok(())
        })?;
    }
    assert!(reported > 50, "the child committed only {reported} vouchers");
    Ok(())
}
