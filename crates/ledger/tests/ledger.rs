//! The ledger on real SQLite files: balances after a sequence of events, refusals,
//! tampering, the CSV export, the history by page.

mod common;

use bidswarm_ledger::{
    Amount, ChannelState, DateRange, Direction, Economics, Error, HistoryCursor, HistoryEntry, Ledger,
    NewSettlement, Send, SendAsset, SettlementTx, VoucherReceipt, WalletTx, WalletTxKind, MAX_HISTORY_PAGE,
};
use common::*;
use sqlx::Connection;

const TXID_OUT: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const TXID_IN_1: &str = "2222222222222222222222222222222222222222222222222222222222222222";
const TXID_IN_2: &str = "3333333333333333333333333333333333333333333333333333333333333333";
const TXID_DEPOSIT: &str = "4444444444444444444444444444444444444444444444444444444444444444";
const TXID_FEE: &str = "5555555555555555555555555555555555555555555555555555555555555555";

/// A ledger that has seen one of everything: a spend channel with three vouchers settled
/// on chain, an earn channel with two vouchers whose settlement failed, was retried and
/// confirmed, a deposit, a fee and two balance observations.
async fn populated(dir: &tempfile::TempDir) -> anyhow::Result<Ledger> {
    let k = keys();
    let ledger = open(dir).await;
    let me = k.me.address();
    ledger.add_account(me, "main", T0).await?;
    ledger.observe_onchain_balance(me, btt("100"), T0).await?;

    let spend = channel(me, k.seeder.address(), 1, btt("50"));
    ledger.open_channel(&spend, T0 + 10).await?;
    for (seq, c) in [(1, "1"), (2, "2.5"), (3, "10")] {
        ledger.record_voucher_sent(&sign(&k.me, spend.id, seq, btt(c)), T0 + 10 + seq as i64).await?;
    }
    let out = ledger
        .settlement_pending(
            &NewSettlement { channels: vec![(spend.id, btt("10"))], txid: Some(TXID_OUT.into()) },
            T0 + 100,
        )
        .await?;
    ledger.settlement_confirmed(out, TXID_OUT, T0 + 200).await?;

    // The next day: we earn from a leecher.
    let earn = channel(k.leecher.address(), me, 2, btt("20"));
    ledger.open_channel(&earn, T0 + 86_400).await?;
    ledger.record_voucher_received(&sign(&k.leecher, earn.id, 1, btt("3")), T0 + 86_401).await?;
    ledger
        .record_voucher_received(&sign(&k.leecher, earn.id, 2, btt("7.000000000000000001")), T0 + 86_402)
        .await?;
    let inc = ledger
        .settlement_pending(
            &NewSettlement {
                channels: vec![(earn.id, btt("7.000000000000000001"))],
                txid: Some(TXID_IN_1.into()),
            },
            T0 + 86_500,
        )
        .await?;
    ledger.settlement_failed(inc, T0 + 86_600).await?;
    ledger.settlement_retry(inc, Some(TXID_IN_2), T0 + 86_700).await?;
    ledger.settlement_confirmed(inc, TXID_IN_2, T0 + 86_800).await?;

    ledger
        .record_wallet_tx(&WalletTx {
            txid: TXID_DEPOSIT.into(),
            account: me,
            kind: WalletTxKind::Deposit,
            counterparty: Some(k.mallory.address()),
            amount: btt("5"),
            at: T0 + 90_000,
        })
        .await?;
    ledger
        .record_wallet_tx(&WalletTx {
            txid: TXID_FEE.into(),
            account: me,
            kind: WalletTxKind::Fee,
            counterparty: None,
            amount: btt("0.1"),
            at: T0 + 90_001,
        })
        .await?;
    Ok(ledger)
}

#[tokio::test]
async fn balances_are_exact_after_a_sequence_of_events() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let k = keys();
    let ledger = populated(&dir).await?;
    // 100 − 10 paid + 7.000000000000000001 earned + 5 deposit − 0.1 fee.
    let expected = populated_summary();
    assert_eq!(ledger.summary().await?, expected);

    // A voucher not yet settled is committed: it leaves the spendable balance at once.
    let spend = channel(k.me.address(), k.seeder.address(), 1, btt("50"));
    ledger.record_voucher_sent(&sign(&k.me, spend.id, 4, btt("12.25")), T0 + 90_100).await?;
    let s = ledger.summary().await?;
    assert_eq!(
        (s.committed, s.spendable, s.spent),
        (btt("2.25"), btt("99.650000000000000001"), btt("12.25"))
    );

    // The chain says 99: the book follows it, and the 2.900000000000000001 difference is
    // booked against `external` (which had given 100 + 5 in deposit and first observation).
    ledger.observe_onchain_balance(k.me.address(), btt("99"), T0 + 90_200).await?;
    let s = ledger.summary().await?;
    assert_eq!((s.onchain, s.spendable, s.shortfall), (btt("99"), btt("96.75"), Amount::ZERO));
    assert_eq!(ledger.account_balance("external").await?, (btt("102.099999999999999999"), true));

    // Four vouchers to the seeder (three on the first day), two from the leecher.
    let breakdown = ledger.breakdown().await?;
    assert_eq!(breakdown.per_torrent.len(), 1);
    assert_eq!(
        breakdown.per_torrent[&INFO_HASH],
        Economics { spent: btt("12.25"), earned: btt("7.000000000000000001"), vouchers: 6 }
    );
    assert_eq!(
        breakdown.per_peer[&k.seeder.address()],
        Economics { spent: btt("12.25"), earned: Amount::ZERO, vouchers: 4 }
    );
    assert_eq!(
        breakdown.per_peer[&k.leecher.address()],
        Economics { spent: Amount::ZERO, earned: btt("7.000000000000000001"), vouchers: 2 }
    );
    assert_eq!(breakdown.per_peer.len(), 2);
    let by_day: Vec<_> = breakdown.by_day.clone().into_iter().collect();
    assert_eq!(
        by_day,
        vec![
            ("2024-05-01".to_string(), Economics { spent: btt("10"), earned: Amount::ZERO, vouchers: 3 }),
            (
                "2024-05-02".to_string(),
                Economics { spent: btt("2.25"), earned: btt("7.000000000000000001"), vouchers: 3 }
            ),
        ]
    );
    // The single-view helpers read the same pass.
    assert_eq!(ledger.per_torrent().await?, breakdown.per_torrent);
    assert_eq!(ledger.per_peer().await?, breakdown.per_peer);
    assert_eq!(ledger.by_day().await?, breakdown.by_day);
    let report = ledger.verify().await?;
    assert!(report.is_ok(), "{report}");
    Ok(())
}

#[tokio::test]
async fn a_settlement_in_flight_stays_committed_until_confirmed_and_returns_when_it_fails(
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let k = keys();
    let ledger = open(&dir).await;
    let me = k.me.address();
    ledger.add_account(me, "main", T0).await?;
    ledger.observe_onchain_balance(me, btt("10"), T0).await?;
    let ch = channel(me, k.seeder.address(), 1, btt("5"));
    ledger.open_channel(&ch, T0).await?;
    ledger.record_voucher_sent(&sign(&k.me, ch.id, 1, btt("4")), T0).await?;
    let sid = ledger
        .settlement_pending(&NewSettlement { channels: vec![(ch.id, btt("3"))], txid: None }, T0)
        .await?;
    assert_eq!(ledger.summary().await?.committed, btt("4"));
    assert_eq!(ledger.account_balance(&format!("committed:{}", ch.id)).await?, (btt("1"), true));
    // The same range cannot be settled twice while one is in flight.
    let again =
        ledger.settlement_pending(&NewSettlement { channels: vec![(ch.id, btt("3"))], txid: None }, T0).await;
    assert!(matches!(again, Err(Error::SettlementRange { .. })), "{again:?}");
    ledger.settlement_failed(sid, T0 + 1).await?;
    assert_eq!(ledger.account_balance(&format!("committed:{}", ch.id)).await?, (btt("4"), true));
    // A confirmation of a failed settlement is refused; it must be retried first.
    assert!(matches!(
        ledger.settlement_confirmed(sid, TXID_OUT, T0).await,
        Err(Error::SettlementState { .. })
    ));
    ledger.settlement_retry(sid, Some(TXID_OUT), T0 + 2).await?;
    assert_eq!(ledger.close_channel(ch.id, T0 + 3).await?, ChannelState::Closed);
    ledger.settlement_confirmed(sid, TXID_OUT, T0 + 4).await?;
    let s = ledger.summary().await?;
    assert_eq!((s.onchain, s.committed, s.spendable), (btt("7"), btt("1"), btt("6")));
    // Settling the rest makes the closed channel settled.
    let rest = ledger
        .settlement_pending(&NewSettlement { channels: vec![(ch.id, btt("4"))], txid: None }, T0 + 5)
        .await?;
    ledger.settlement_confirmed(rest, TXID_IN_1, T0 + 6).await?;
    let state: String =
        sqlx::query_scalar("SELECT state FROM channels").fetch_one(&ledger_conn(&dir).await?).await?;
    assert_eq!(state, "settled");
    let report = ledger.verify().await?;
    assert!(report.is_ok(), "{report}");
    Ok(())
}

/// A settlement's signed transaction is stored with it, listed while it may still
/// confirm, survives reopening the file, and leaves the list once final; its range cannot
/// be signed again meanwhile.
#[tokio::test]
async fn a_signed_settlement_is_in_flight_until_final_and_survives_a_reopen() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let k = keys();
    let ledger = open(&dir).await;
    let me = k.me.address();
    ledger.add_account(me, "main", T0).await?;
    let ch = channel(me, k.seeder.address(), 1, btt("5"));
    ledger.open_channel(&ch, T0).await?;
    ledger.record_voucher_sent(&sign(&k.me, ch.id, 1, btt("4")), T0).await?;
    let signed = SettlementTx { txid: TXID_OUT.into(), signed_hex: "0a02beef".into(), expiration_ms: 1_000 };
    let settlement = NewSettlement { channels: vec![(ch.id, btt("4"))], txid: Some(TXID_OUT.into()) };
    let sid = ledger.settlement_signed(&settlement, &signed, T0).await?;
    let again = ledger.settlement_signed(&settlement, &signed, T0).await;
    assert!(matches!(again, Err(Error::SettlementRange { .. })), "signed twice: {again:?}");
    ledger.close().await;

    let ledger = open(&dir).await;
    let in_flight = ledger.settlements_in_flight().await?;
    assert_eq!(in_flight.len(), 1);
    let p = &in_flight[0];
    assert_eq!((p.id, p.counterparty, p.amount, &p.tx), (sid, k.seeder.address(), btt("4"), &signed));
    assert_eq!(p.channels, vec![(ch.id, btt("4"))]);
    assert_eq!(ledger.settlement_fees_sun().await?, 0, "no fee known yet");
    ledger.settlement_fee(sid, 1_810_000).await?;
    ledger.settlement_confirmed(sid, TXID_OUT, T0 + 1).await?;
    assert_eq!(ledger.settlement_fees_sun().await?, 1_810_000);
    assert!(ledger.settlements_in_flight().await?.is_empty(), "final: no longer in flight");
    let report = ledger.verify().await?;
    assert!(report.is_ok(), "{report}");
    Ok(())
}

async fn ledger_conn(dir: &tempfile::TempDir) -> anyhow::Result<sqlx::SqlitePool> {
    Ok(sqlx::SqlitePool::connect(&format!("sqlite:{}", dir.path().join("ledger.db").display())).await?)
}

#[tokio::test]
async fn every_event_balances_and_the_chain_links_every_row() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let _ledger = populated(&dir).await?;
    let db = ledger_conn(&dir).await?;
    type JournalRow = (i64, i64, String, String, Vec<u8>, Vec<u8>);
    let rows: Vec<JournalRow> =
        sqlx::query_as("SELECT id, event_id, side, amount, prev_hash, hash FROM journal ORDER BY id")
            .fetch_all(&db)
            .await?;
    assert!(rows.len() > 20);
    let mut per_event: std::collections::BTreeMap<i64, (u128, u128)> = Default::default();
    let mut prev = vec![0u8; 32];
    for (i, (id, event, side, amount, prev_hash, hash)) in rows.iter().enumerate() {
        assert_eq!(*id, i as i64 + 1);
        assert_eq!(prev_hash, &prev);
        prev = hash.clone();
        let e = per_event.entry(*event).or_default();
        let amount: u128 = amount.parse()?;
        if side == "debit" {
            e.0 += amount;
        } else {
            e.1 += amount;
        }
    }
    for (event, (d, c)) in per_event {
        assert_eq!(d, c, "event {event}");
    }
    // The journal refuses edits through the ledger's own connection rules.
    let edit = sqlx::query("UPDATE journal SET amount = '1' WHERE id = 1").execute(&db).await;
    assert!(edit.unwrap_err().to_string().contains("append-only"));
    Ok(())
}

/// Runs raw SQL against the file, as someone with the sqlite3 CLI could, after dropping
/// the append-only triggers.
async fn tamper(dir: &tempfile::TempDir, sql: &str) -> anyhow::Result<()> {
    let mut conn =
        sqlx::SqliteConnection::connect(&format!("sqlite:{}", dir.path().join("ledger.db").display()))
            .await?;
    sqlx::raw_sql(
        "DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete;
         DROP TRIGGER vouchers_no_update; DROP TRIGGER vouchers_no_delete; DROP TRIGGER events_no_update;",
    )
    .execute(&mut conn)
    .await?;
    // Test-only SQL, written in this file.
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(&mut conn).await?;
    conn.close().await?;
    Ok(())
}

async fn tampered_report(sql: &str) -> anyhow::Result<bidswarm_ledger::VerifyReport> {
    let dir = tempfile::tempdir()?;
    let ledger = populated(&dir).await?;
    assert!(ledger.verify().await?.is_ok());
    tamper(&dir, sql).await?;
    Ok(ledger.verify().await?)
}

fn has(report: &bidswarm_ledger::VerifyReport, table: &str, row: i64, needle: &str) -> bool {
    report.problems.iter().any(|p| p.table == table && p.row == row && p.message.contains(needle))
}

#[tokio::test]
async fn a_voucher_edited_behind_the_ledgers_back_is_reported_with_its_row() -> anyhow::Result<()> {
    let report =
        tampered_report("UPDATE vouchers SET cumulative = '20000000000000000000' WHERE id = 2").await?;
    assert!(has(&report, "vouchers", 2, "changed after it was written"), "{report}");
    assert!(has(&report, "vouchers", 2, "not by the payer"), "{report}");
    Ok(())
}

#[tokio::test]
async fn an_edited_journal_amount_is_reported_with_its_row() -> anyhow::Result<()> {
    let report = tampered_report("UPDATE journal SET amount = '1' WHERE id = 5").await?;
    assert!(has(&report, "journal", 5, "does not match its hash"), "{report}");
    Ok(())
}

#[tokio::test]
async fn a_deleted_journal_row_breaks_the_chain() -> anyhow::Result<()> {
    let report = tampered_report("DELETE FROM journal WHERE id = 7").await?;
    assert!(has(&report, "journal", 8, "rows are missing"), "{report}");
    assert!(has(&report, "journal", 8, "chain is broken"), "{report}");
    Ok(())
}

#[tokio::test]
async fn reordered_journal_rows_break_the_chain() -> anyhow::Result<()> {
    let report = tampered_report(
        "UPDATE journal SET id = -1 WHERE id = 6; UPDATE journal SET id = 6 WHERE id = 7; UPDATE journal SET id = 7 WHERE id = -1;",
    )
    .await?;
    assert!(has(&report, "journal", 6, "chain is broken"), "{report}");
    assert!(has(&report, "journal", 7, "does not match its hash"), "{report}");
    Ok(())
}

#[tokio::test]
async fn a_raised_budget_or_a_faked_settlement_state_is_reported() -> anyhow::Result<()> {
    let report =
        tampered_report("UPDATE channels SET budget = '999000000000000000000' WHERE rowid = 1").await?;
    assert!(has(&report, "channels", 1, "terms were changed"), "{report}");
    let report =
        tampered_report("UPDATE settlements SET state = 'pending', txid = NULL WHERE id = 1").await?;
    assert!(has(&report, "settlements", 1, "is pending, but its events make it confirmed"), "{report}");
    Ok(())
}

#[tokio::test]
async fn refused_vouchers_say_why_and_write_nothing() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let k = keys();
    let ledger = open(&dir).await;
    let me = k.me.address();
    ledger.add_account(me, "main", T0).await?;
    let earn = channel(k.leecher.address(), me, 1, btt("10"));
    let other = channel(k.mallory.address(), me, 2, btt("10"));
    ledger.open_channel(&earn, T0).await?;
    ledger.open_channel(&other, T0).await?;
    ledger.record_voucher_received(&sign(&k.leecher, earn.id, 5, btt("2")), T0).await?;
    let db = ledger_conn(&dir).await?;
    let count =
        || async { sqlx::query_scalar::<_, i64>("SELECT count(*) FROM journal").fetch_one(&db).await };
    let before = count().await?;

    let wrong_payer = sign(&k.mallory, earn.id, 6, btt("3"));
    let err = ledger.record_voucher_received(&wrong_payer, T0).await.unwrap_err();
    assert!(matches!(err, Error::WrongPayer { .. }));
    assert!(err.to_string().contains("not by the channel's payer"));
    // A verified voucher carries its signer, and the ledger still holds it to the payer.
    let verified = wrong_payer.verify()?;
    let err = ledger.record_verified_vouchers(&[verified], T0).await.unwrap_err();
    let Error::Batch { index: 0, source } = err else { panic!("{err}") };
    assert!(matches!(*source, Error::WrongPayer { .. }), "{source}");

    let mut forged = sign(&k.leecher, earn.id, 6, btt("3"));
    forged.voucher.cumulative += 1;
    assert!(matches!(
        ledger.record_voucher_received(&forged, T0).await,
        Err(Error::WrongPayer { .. } | Error::ForgedVoucher { .. })
    ));

    let replay = sign(&k.leecher, earn.id, 5, btt("2.5"));
    let err = ledger.record_voucher_received(&replay, T0).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "voucher seq 5 on channel {} replays a different voucher already recorded with that seq",
            earn.id
        )
    );

    let decreasing = sign(&k.leecher, earn.id, 6, btt("1.5"));
    let err = ledger.record_voucher_received(&decreasing, T0).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("voucher on channel {} is not monotonic: seq 6 promises 1.5 BTT, but seq 5 already promised 2 BTT; seq and cumulative must both increase", earn.id)
    );
    let older_seq = sign(&k.leecher, earn.id, 4, btt("3"));
    assert!(matches!(ledger.record_voucher_received(&older_seq, T0).await, Err(Error::NonMonotonic { .. })));

    let over = sign(&k.leecher, earn.id, 6, btt("10.000000000000000001"));
    assert!(matches!(ledger.record_voucher_received(&over, T0).await, Err(Error::OverBudget { .. })));

    // A voucher for one channel presented as another's: the signature no longer
    // recovers that channel's payer.
    let mut cross = sign(&k.leecher, earn.id, 6, btt("3"));
    cross.voucher.channel = other.id;
    assert!(matches!(
        ledger.record_voucher_received(&cross, T0).await,
        Err(Error::WrongPayer { .. } | Error::ForgedVoucher { .. })
    ));

    let unknown = sign(&k.leecher, bidswarm_wallet::ChannelId([9; 16]), 1, btt("1"));
    assert!(matches!(ledger.record_voucher_received(&unknown, T0).await, Err(Error::UnknownChannel(_))));
    // A received voucher is not a sent one.
    let ok = sign(&k.leecher, earn.id, 6, btt("3"));
    assert!(matches!(ledger.record_voucher_sent(&ok, T0).await, Err(Error::WrongDirection { .. })));

    // In a batch, one bad voucher refuses the batch, and names it.
    let batch = [sign(&k.leecher, earn.id, 6, btt("3")), sign(&k.leecher, earn.id, 7, btt("2.9"))];
    let err = ledger.record_vouchers(&batch, T0).await.unwrap_err();
    assert!(
        matches!(&err, Error::Batch { index: 1, source } if matches!(**source, Error::NonMonotonic { .. })),
        "{err:?}"
    );
    assert_eq!(count().await?, before, "nothing was written");

    // The same voucher twice is recorded once.
    assert_eq!(ledger.record_voucher_received(&ok, T0).await?, VoucherReceipt::Recorded { delta: btt("1") });
    assert_eq!(ledger.record_voucher_received(&ok, T0).await?, VoucherReceipt::AlreadyRecorded);
    let receipts = ledger.record_vouchers(&[ok, sign(&k.leecher, earn.id, 7, btt("4"))], T0).await?;
    assert_eq!(receipts, vec![VoucherReceipt::AlreadyRecorded, VoucherReceipt::Recorded { delta: btt("1") }]);
    assert_eq!(ledger.summary().await?.earned_pending, btt("4"));
    assert!(ledger.verify().await?.is_ok());
    Ok(())
}

#[tokio::test]
async fn a_wallet_transaction_is_counted_once() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let k = keys();
    let ledger = open(&dir).await;
    ledger.add_account(k.me.address(), "main", T0).await?;
    let tx = WalletTx {
        txid: TXID_DEPOSIT.into(),
        account: k.me.address(),
        kind: WalletTxKind::Deposit,
        counterparty: None,
        amount: btt("3"),
        at: T0,
    };
    assert!(ledger.record_wallet_tx(&tx).await?);
    assert!(!ledger.record_wallet_tx(&tx).await?);
    let other = WalletTx { amount: btt("4"), ..tx };
    assert!(matches!(ledger.record_wallet_tx(&other).await, Err(Error::DuplicateTx(_))));
    assert_eq!(ledger.summary().await?.onchain, btt("3"));
    Ok(())
}

#[tokio::test]
async fn what_was_written_is_there_after_reopening() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let before = {
        let ledger = populated(&dir).await?;
        let s = ledger.summary().await?;
        ledger.close().await;
        s
    };
    let ledger = open(&dir).await;
    assert_eq!(ledger.summary().await?, before);
    assert!(ledger.verify().await?.is_ok());
    Ok(())
}

const FIXTURE_CSV: &str = "\
date,torrent,peer,direction,amount_btt,state,txid,amount_trx
2024-05-01T00:00:11Z,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,THHsfg2eNiv6MSXC4y5d4t5wkvRVADRKiF,spend,1,settled,1111111111111111111111111111111111111111111111111111111111111111,
2024-05-01T00:00:12Z,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,THHsfg2eNiv6MSXC4y5d4t5wkvRVADRKiF,spend,1.5,settled,1111111111111111111111111111111111111111111111111111111111111111,
2024-05-01T00:00:13Z,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,THHsfg2eNiv6MSXC4y5d4t5wkvRVADRKiF,spend,7.5,settled,1111111111111111111111111111111111111111111111111111111111111111,
2024-05-02T00:00:01Z,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,TEdea7WvtoCNceWPwaz7JbkBjbb6omTQcL,earn,3,settled,3333333333333333333333333333333333333333333333333333333333333333,
2024-05-02T00:00:02Z,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,TEdea7WvtoCNceWPwaz7JbkBjbb6omTQcL,earn,4.000000000000000001,settled,3333333333333333333333333333333333333333333333333333333333333333,
2024-05-02T01:00:00Z,,TTtSZc4vTkLvd5GPg9Q4kihQUTLfxkbkxk,deposit,5,confirmed,4444444444444444444444444444444444444444444444444444444444444444,
2024-05-02T01:00:01Z,,,fee,0.1,confirmed,5555555555555555555555555555555555555555555555555555555555555555,
";

#[tokio::test]
async fn csv_export_is_byte_exact_and_filters_by_date() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let ledger = populated(&dir).await?;
    let mut out = Vec::new();
    assert_eq!(ledger.export_csv(DateRange::ALL, &mut out).await?, 7);
    assert_eq!(String::from_utf8(out)?, FIXTURE_CSV);

    // Only the second day, up to (not including) the fee.
    let mut out = Vec::new();
    let range = DateRange { from: Some(T0 + 86_400), to: Some(T0 + 90_001) };
    assert_eq!(ledger.export_csv(range, &mut out).await?, 3);
    let text = String::from_utf8(out)?;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "date,torrent,peer,direction,amount_btt,state,txid,amount_trx");
    assert_eq!(lines[1..], FIXTURE_CSV.lines().collect::<Vec<_>>()[4..7]);
    Ok(())
}

/// The TRX our settlements burnt are in the CSV, one `settlement_fee` row per transaction
/// whose fee is known and not zero, in `amount_trx` and never in `amount_btt`, within the
/// date range like every other row.
#[tokio::test]
async fn csv_export_has_a_trx_row_per_settlement_fee() -> anyhow::Result<()> {
    const TXID_NO_FEE: &str = "6666666666666666666666666666666666666666666666666666666666666666";
    const TXID_FAILED: &str = "7777777777777777777777777777777777777777777777777777777777777777";
    const TXID_ZERO_FEE: &str = "8888888888888888888888888888888888888888888888888888888888888888";
    let dir = tempfile::tempdir()?;
    let k = keys();
    let ledger = open(&dir).await;
    let me = k.me.address();
    ledger.add_account(me, "main", T0).await?;
    // Pays `cumulative` on a fresh channel to `payee`, signed at `at`, final 10 s later.
    let settle = async |payee: &bidswarm_wallet::PrivateKey,
                        nonce: u64,
                        txid: &str,
                        fee_sun: Option<u64>,
                        confirmed: bool,
                        at: i64|
           -> anyhow::Result<()> {
        let ch = channel(me, payee.address(), nonce, btt("50"));
        ledger.open_channel(&ch, at).await?;
        ledger.record_voucher_sent(&sign(&k.me, ch.id, 1, btt("4")), at).await?;
        let signed = SettlementTx { txid: txid.into(), signed_hex: "0a02beef".into(), expiration_ms: 1_000 };
        let settlement = NewSettlement { channels: vec![(ch.id, btt("4"))], txid: Some(txid.into()) };
        let sid = ledger.settlement_signed(&settlement, &signed, at).await?;
        if let Some(fee) = fee_sun {
            ledger.settlement_fee(sid, fee).await?;
        }
        if confirmed {
            ledger.settlement_confirmed(sid, txid, at + 10).await?;
        } else {
            ledger.settlement_failed(sid, at + 10).await?;
        }
        Ok(())
    };
    settle(&k.seeder, 1, TXID_OUT, Some(1_810_000), true, T0 + 10).await?;
    settle(&k.leecher, 2, TXID_NO_FEE, None, true, T0 + 30).await?;
    settle(&k.mallory, 3, TXID_FAILED, Some(345_000), false, T0 + 70).await?;
    settle(&k.seeder, 4, TXID_ZERO_FEE, Some(0), true, T0 + 90).await?;

    let csv = async |range: DateRange| -> anyhow::Result<(usize, String)> {
        let mut out = Vec::new();
        let rows = ledger.export_csv(range, &mut out).await?;
        Ok((rows, String::from_utf8(out)?))
    };
    let fee_rows = |text: &str| -> Vec<String> {
        text.lines().filter(|l| l.contains(",settlement_fee,")).map(str::to_owned).collect()
    };
    let confirmed_fee =
        format!("2024-05-01T00:00:20Z,,{},settlement_fee,,confirmed,{TXID_OUT},1.81", k.seeder.address());
    let failed_fee =
        format!("2024-05-01T00:01:20Z,,{},settlement_fee,,failed,{TXID_FAILED},0.345", k.mallory.address());

    let (rows, text) = csv(DateRange::ALL).await?;
    assert_eq!(fee_rows(&text), [confirmed_fee.clone(), failed_fee.clone()], "{text}");
    assert_eq!(rows, 4 + 2, "four vouchers and two fees: {text}");
    assert!(text.lines().all(|l| l.split(',').count() == 8), "every row has every column: {text}");
    let spend: Vec<&str> = text.lines().filter(|l| l.contains(",spend,")).collect();
    assert!(
        spend.iter().all(|l| l.split(',').nth(4).is_some_and(|b| !b.is_empty()) && l.ends_with(',')),
        "vouchers keep amount_btt and leave amount_trx empty: {text}"
    );
    assert!(
        spend.iter().any(|l| l.contains(&format!(",settled,{TXID_OUT},"))),
        "the fee's txid is the settlement's"
    );

    // `to` excluded: the failed settlement's fee at T0 + 80 is outside, the first one in.
    let (rows, text) = csv(DateRange { from: Some(T0 + 20), to: Some(T0 + 80) }).await?;
    assert_eq!(fee_rows(&text), [confirmed_fee], "{text}");
    assert_eq!(rows, 3, "the fee and the two vouchers at T0 + 30 and T0 + 70: {text}");
    let (_, text) = csv(DateRange { from: Some(T0 + 21), to: None }).await?;
    assert_eq!(fee_rows(&text), [failed_fee], "{text}");

    let fees = ledger.settlement_fees().await?;
    assert_eq!(
        fees.iter().map(|f| (f.payer, f.payee, f.fee_sun)).collect::<Vec<_>>(),
        [(me, k.seeder.address(), 1_810_000), (me, k.mallory.address(), 345_000)]
    );
    Ok(())
}

/// A settlement paid to us is recorded confirmed in one write; one a crash left pending
/// (recorded in two writes by an older version) is found by its txid, and crediting the
/// same range anew is refused, so it must be confirmed as it stands.
#[tokio::test]
async fn a_received_settlement_is_confirmed_in_one_write_and_a_left_pending_one_is_found(
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let k = keys();
    let ledger = open(&dir).await;
    let me = k.me.address();
    ledger.add_account(me, "main", T0).await?;
    let earn = channel(k.leecher.address(), me, 7, btt("20"));
    ledger.open_channel(&earn, T0).await?;
    ledger.record_voucher_received(&sign(&k.leecher, earn.id, 1, btt("3")), T0 + 1).await?;
    ledger.record_voucher_received(&sign(&k.leecher, earn.id, 2, btt("5")), T0 + 2).await?;

    let first = NewSettlement { channels: vec![(earn.id, btt("3"))], txid: Some(TXID_IN_1.into()) };
    ledger.settlement_received(&first, T0 + 10).await?;
    assert!(ledger.earned_settlement_recorded(TXID_IN_1).await?);
    assert_eq!(ledger.earned_settlement_pending(TXID_IN_1).await?, None);

    // The old two writes, stopped between them.
    let second = NewSettlement { channels: vec![(earn.id, btt("5"))], txid: Some(TXID_IN_2.into()) };
    let id = ledger.settlement_pending(&second, T0 + 20).await?;
    assert!(!ledger.earned_settlement_recorded(TXID_IN_2).await?);
    assert!(ledger.settlement_received(&second, T0 + 30).await.is_err(), "its range is taken");
    assert_eq!(ledger.earned_settlement_pending(TXID_IN_2).await?, Some((id, vec![(earn.id, btt("5"))])));
    ledger.settlement_confirmed(id, TXID_IN_2, T0 + 30).await?;
    assert!(ledger.earned_settlement_recorded(TXID_IN_2).await?);
    let s = ledger.summary().await?;
    assert_eq!((s.earned_pending, s.earned_settled), (Amount::ZERO, btt("5")));
    assert!(ledger.verify().await?.problems.is_empty());
    Ok(())
}

/// The wallet history's typed reads: every wallet transfer as recorded, and the txid of
/// each settlement (a retried one under the txid that confirmed), nothing else.
#[tokio::test]
async fn wallet_transfers_and_settlement_txids_read_back_typed() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let k = keys();
    let ledger = populated(&dir).await?;
    let txs = ledger.wallet_txs().await?;
    assert_eq!(
        txs.iter().map(|t| (t.txid.as_str(), t.kind, t.counterparty, t.amount, t.at)).collect::<Vec<_>>(),
        [
            (TXID_DEPOSIT, WalletTxKind::Deposit, Some(k.mallory.address()), btt("5"), T0 + 90_000),
            (TXID_FEE, WalletTxKind::Fee, None, btt("0.1"), T0 + 90_001),
        ]
    );
    assert!(txs.iter().all(|t| t.account == k.me.address()));
    let txids = ledger.settlement_txids().await?;
    assert_eq!(txids, [TXID_OUT.to_owned(), TXID_IN_2.to_owned()].into_iter().collect());
    Ok(())
}

/// A send's fee: noted when signed, filled in once (a node that later tells another
/// figure is not believed), a zero fee (expired without a block) leaves no row, and the
/// same txid for another send is refused.
#[tokio::test]
async fn send_fees_are_followed_from_signing_to_the_csv() -> anyhow::Result<()> {
    const TXID_EXPIRED: &str = "6666666666666666666666666666666666666666666666666666666666666666";
    let dir = tempfile::tempdir()?;
    let k = keys();
    let ledger = open(&dir).await;
    let me = k.me.address();
    ledger.add_account(me, "main", T0).await?;
    let send = |txid: &str, asset, at| Send {
        txid: txid.into(),
        account: me,
        to: k.seeder.address(),
        asset,
        network: "devnet:8090".into(),
        expiration_ms: (at + 60) * 1000,
        at,
    };
    let trx = send(TXID_OUT, SendAsset::Trx, T0 + 10);
    let btt_send = send(TXID_DEPOSIT, SendAsset::Btt, T0 + 20);
    let expired = send(TXID_EXPIRED, SendAsset::Trx, T0 + 30);
    for s in [&trx, &btt_send, &expired] {
        ledger.send_signed(s).await?;
    }
    ledger.send_signed(&trx).await?;
    assert!(
        matches!(
            ledger.send_signed(&Send { asset: SendAsset::Btt, ..trx.clone() }).await,
            Err(Error::DuplicateTx(_))
        ),
        "another send under a known txid"
    );
    assert_eq!(
        ledger.sends_without_fee("devnet:8090", 10).await?,
        [trx.clone(), btt_send.clone(), expired.clone()]
    );
    assert_eq!(
        ledger.sends_without_fee("devnet:8090", 1).await?,
        std::slice::from_ref(&trx),
        "the limit holds"
    );
    assert!(ledger.sends_without_fee("mainnet", 10).await?.is_empty(), "followed on their own chain only");
    assert_eq!(ledger.send_fees_sun().await?, 0, "no fee known yet");
    // One the node could not tell about goes behind the others.
    ledger.send_checked(TXID_OUT).await?;
    assert_eq!(
        ledger.sends_without_fee("devnet:8090", 10).await?,
        [btt_send.clone(), expired.clone(), trx.clone()]
    );

    ledger.send_fee(TXID_OUT, 268_000).await?;
    ledger.send_fee(TXID_OUT, 99_000_000).await?;
    ledger.send_fee(TXID_DEPOSIT, 2_913_450).await?;
    ledger.send_fee(TXID_EXPIRED, 0).await?;
    assert!(ledger.sends_without_fee("devnet:8090", 10).await?.is_empty());
    assert_eq!(ledger.send_fees_sun().await?, 268_000 + 2_913_450, "the first figure stays");
    assert_eq!(
        ledger.send_fees().await?.iter().map(|f| (f.send.txid.as_str(), f.fee_sun)).collect::<Vec<_>>(),
        [(TXID_OUT, 268_000), (TXID_DEPOSIT, 2_913_450)]
    );

    let mut out = Vec::new();
    assert_eq!(ledger.export_csv(DateRange::ALL, &mut out).await?, 2);
    let seeder = k.seeder.address();
    assert_eq!(
        String::from_utf8(out)?.lines().skip(1).collect::<Vec<_>>(),
        [
            format!("2024-05-01T00:00:10Z,,{seeder},send_fee,,confirmed,{TXID_OUT},0.268"),
            format!("2024-05-01T00:00:20Z,,{seeder},send_fee,,confirmed,{TXID_DEPOSIT},2.91345"),
        ]
    );
    let mut out = Vec::new();
    assert_eq!(
        ledger.export_csv(DateRange { from: Some(T0 + 11), to: None }, &mut out).await?,
        1,
        "in the range only"
    );
    Ok(())
}

/// Every page of the history within `range`, walked with `limit`.
async fn walk(ledger: &Ledger, range: DateRange, limit: usize) -> anyhow::Result<Vec<HistoryEntry>> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let page = ledger.history(range, cursor, limit).await?;
        assert!(page.entries.len() <= limit);
        assert!(!page.entries.is_empty(), "an empty page after a cursor: the cursor promised more");
        all.extend(page.entries);
        match page.next_cursor {
            // Through its text form, as the UI hands it back.
            Some(next) => cursor = Some(next.to_string().parse::<HistoryCursor>()?),
            None => return Ok(all),
        }
    }
}

#[tokio::test]
async fn history_lists_every_money_event_newest_first_with_its_amount_peer_and_txid() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let ledger = populated(&dir).await?;
    let k = keys();
    let (seeder, leecher, mallory) =
        (Some(k.seeder.address()), Some(k.leecher.address()), Some(k.mallory.address()));
    let (spend, earn) = (Some(Direction::Spend), Some(Direction::Earn));
    let tx = |t: &str| Some(t.to_owned());
    let entries = ledger.history(DateRange::ALL, None, 100).await?;
    assert_eq!(entries.next_cursor, None);
    let got: Vec<_> = entries
        .entries
        .iter()
        .map(|e| (e.at - T0, e.kind.as_str(), e.direction, e.peer, e.amount, e.txid.clone(), e.info_hash))
        .collect();
    let torrent = Some(INFO_HASH);
    let earned = btt("7.000000000000000001");
    // Opening the account and the channels moved no money: they are not listed.
    let expected = vec![
        (90_001, "fee", None, None, btt("0.1"), tx(TXID_FEE), None),
        (90_000, "deposit", None, mallory, btt("5"), tx(TXID_DEPOSIT), None),
        (86_800, "settlement_confirmed", earn, leecher, earned, tx(TXID_IN_2), None),
        (86_700, "settlement_retried", earn, leecher, earned, tx(TXID_IN_2), None),
        (86_600, "settlement_failed", earn, leecher, earned, tx(TXID_IN_1), None),
        (86_500, "settlement_pending", earn, leecher, earned, tx(TXID_IN_1), None),
        (86_402, "voucher_received", earn, leecher, btt("4.000000000000000001"), None, torrent),
        (86_401, "voucher_received", earn, leecher, btt("3"), None, torrent),
        (200, "settlement_confirmed", spend, seeder, btt("10"), tx(TXID_OUT), None),
        (100, "settlement_pending", spend, seeder, btt("10"), tx(TXID_OUT), None),
        (13, "voucher_sent", spend, seeder, btt("7.5"), None, torrent),
        (12, "voucher_sent", spend, seeder, btt("1.5"), None, torrent),
        (11, "voucher_sent", spend, seeder, btt("1"), None, torrent),
        (0, "balance_observed", None, None, btt("100"), None, None),
    ];
    assert_eq!(got, expected);

    // Any page size walks the same entries; a range keeps `from` and drops `to`.
    for limit in [1, 2, 3, 13, 14, 15] {
        assert_eq!(walk(&ledger, DateRange::ALL, limit).await?, entries.entries, "limit {limit}");
    }
    let day_two = DateRange { from: Some(T0 + 86_401), to: Some(T0 + 90_001) };
    let ats: Vec<i64> = walk(&ledger, day_two, 2).await?.iter().map(|e| e.at - T0).collect();
    assert_eq!(ats, [90_000, 86_800, 86_700, 86_600, 86_500, 86_402, 86_401]);
    Ok(())
}

#[tokio::test]
async fn history_pages_are_capped_and_entries_written_between_pages_neither_repeat_nor_skip(
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let k = keys();
    let ledger = open(&dir).await;
    ledger.add_account(k.me.address(), "main", T0).await?;
    let spend = channel(k.me.address(), k.seeder.address(), 1, btt("1000000"));
    ledger.open_channel(&spend, T0).await?;
    // All at the same second, so the order within it is by id.
    let n = MAX_HISTORY_PAGE as u64 + 20;
    let batch: Vec<_> = (1..=n).map(|seq| sign(&k.me, spend.id, seq, btt(&seq.to_string()))).collect();
    ledger.record_vouchers(&batch, T0 + 1).await?;

    let first = ledger.history(DateRange::ALL, None, 100_000).await?;
    assert_eq!(first.entries.len(), MAX_HISTORY_PAGE, "a huge limit is capped");
    let cursor = first.next_cursor.expect("a second page");
    // Written after the first page: newer ones (never seen by this walk) and one dated
    // inside the part still to come, which the walk must then list once.
    ledger.record_vouchers(&[sign(&k.me, spend.id, n + 1, btt(&(n + 1).to_string()))], T0 + 2).await?;
    ledger.record_vouchers(&[sign(&k.me, spend.id, n + 2, btt(&(n + 2).to_string()))], T0).await?;
    let second = ledger.history(DateRange::ALL, Some(cursor), 100_000).await?;
    assert_eq!(second.next_cursor, None);

    let walked: Vec<&HistoryEntry> = first.entries.iter().chain(&second.entries).collect();
    let keys: Vec<(i64, i64)> = walked.iter().map(|e| (e.at, e.id)).collect();
    assert!(keys.windows(2).all(|w| w[0] > w[1]), "strictly newest first, so no entry twice");
    // Every voucher written before the first page, then the one dated T0 written later;
    // not the one dated T0 + 2, which is newer than where the walk began.
    assert_eq!(walked.len(), n as usize + 1);
    assert_eq!(walked.iter().filter(|e| e.at == T0 + 1).count(), n as usize);
    assert_eq!(walked.last().map(|e| e.at), Some(T0));
    assert!(walked.iter().all(|e| e.amount == btt("1")));
    let fresh = ledger.history(DateRange::ALL, None, 1).await?;
    assert_eq!(fresh.entries[0].at, T0 + 2, "a new walk starts with it");
    Ok(())
}

#[tokio::test]
async fn history_refuses_a_page_of_nothing() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let ledger = open(&dir).await;
    let err = ledger.history(DateRange::ALL, None, 0).await.unwrap_err();
    assert!(matches!(err, Error::InvalidPageSize), "{err}");
    // An empty ledger is one empty, last page.
    let page = ledger.history(DateRange::ALL, None, 10).await?;
    assert!(page.entries.is_empty() && page.next_cursor.is_none());
    Ok(())
}

/// Every row of the tables a voucher writes, every column, in id order.
async fn voucher_rows(dir: &tempfile::TempDir) -> anyhow::Result<Vec<Vec<String>>> {
    let db = ledger_conn(dir).await?;
    let mut tables = Vec::new();
    for sql in [
        "SELECT quote(id) || ',' || quote(channel) || ',' || seq || ',' || cumulative || ',' || expiry
           || ',' || quote(signature) || ',' || recorded_at FROM vouchers ORDER BY id",
        "SELECT quote(id) || ',' || kind || ',' || at || ',' || quote(account) || ',' || quote(channel)
           || ',' || quote(voucher_id) || ',' || quote(settlement_id) || ',' || quote(wallet_tx_id)
           || ',' || quote(observation_id) || ',' || quote(txid) || ',' || quote(record_digest)
           FROM events ORDER BY id",
        "SELECT id || ',' || event_id || ',' || account || ',' || side || ',' || amount || ','
           || quote(prev_hash) || ',' || quote(hash) FROM journal ORDER BY id",
    ] {
        tables.push(sqlx::query_scalar::<_, String>(sql).fetch_all(&db).await?);
    }
    db.close().await;
    Ok(tables)
}

#[tokio::test]
async fn a_batch_across_channels_writes_what_one_at_a_time_writes() -> anyhow::Result<()> {
    let k = keys();
    let me = k.me.address();
    let budget = btt("1000");
    let earn_a = channel(k.leecher.address(), me, 1, budget);
    let earn_b = channel(k.mallory.address(), me, 2, budget);
    let earn_c = channel(k.seeder.address(), me, 3, budget);
    let spend = channel(me, k.seeder.address(), 4, budget);
    let (one_dir, batch_dir) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let (one, batched) = (open(&one_dir).await, open(&batch_dir).await);
    for ledger in [&one, &batched] {
        ledger.add_account(me, "main", T0).await?;
        for c in [&earn_a, &earn_b, &earn_c, &spend] {
            ledger.open_channel(c, T0).await?;
        }
    }
    // Interleaved channels, gaps in seq, a first voucher promising nothing yet (a memo
    // entry), and repeats of vouchers from the same batch and from an earlier one.
    let a = |seq: u64, cum: &str| sign(&k.leecher, earn_a.id, seq, btt(cum));
    let b = |seq: u64, cum: &str| sign(&k.mallory, earn_b.id, seq, btt(cum));
    let c = |seq: u64, cum: &str| sign(&k.seeder, earn_c.id, seq, btt(cum));
    let s = |seq: u64, cum: &str| sign(&k.me, spend.id, seq, btt(cum));
    let batches = [
        vec![a(1, "1"), b(1, "0.5"), s(1, "2")],
        vec![a(2, "1.5"), c(1, "0"), b(3, "0.75"), a(2, "1.5"), s(2, "2.25"), c(2, "0.1")],
        vec![a(5, "3"), b(1, "0.5"), b(4, "1"), a(6, "3.000000000000000001"), s(5, "9"), c(2, "0.1")],
        (7..40).map(|i| if i % 2 == 0 { a(i, &i.to_string()) } else { s(i, &(i * 2).to_string()) }).collect(),
    ];
    let (mut one_receipts, mut batch_receipts) = (Vec::new(), Vec::new());
    for (i, batch) in batches.iter().enumerate() {
        let at = T0 + 60 * i as i64;
        for v in batch {
            one_receipts.push(if v.voucher.channel == spend.id {
                one.record_voucher_sent(v, at).await?
            } else {
                one.record_voucher_received(v, at).await?
            });
        }
        batch_receipts.extend(batched.record_vouchers(batch, at).await?);
    }
    assert_eq!(batch_receipts, one_receipts);
    assert_eq!(
        batch_receipts.iter().filter(|r| **r == VoucherReceipt::AlreadyRecorded).count(),
        3,
        "repeats are counted once"
    );
    assert_eq!(batched.summary().await?, one.summary().await?);
    // a ends at 38, b at 1, c at 0.1.
    assert_eq!(batched.summary().await?.earned_pending, btt("39.1"));
    for ledger in [&one, &batched] {
        let report = ledger.verify().await?;
        assert!(report.is_ok(), "{report}");
        ledger.close().await;
    }
    // Row for row, hash for hash.
    let (one_rows, batch_rows) = (voucher_rows(&one_dir).await?, voucher_rows(&batch_dir).await?);
    assert!(one_rows[2].len() > 80, "{} journal rows", one_rows[2].len());
    assert_eq!(batch_rows, one_rows);
    Ok(())
}
