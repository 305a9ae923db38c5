//! Schema upgrades: a ledger written at the first migration opens with the latest one, its
//! money and its signed records intact.
//!
//! The rows come from `fixtures/ledger_at_0001.sql`, frozen when 0001 was the only
//! migration, so the database this test builds stays a first-migration database however
//! many migrations follow. With only 0001 today the upgrade is empty, but the checks are
//! the ones a later migration must pass: a migration that drops, rewrites or reorders a
//! row breaks `verify()` (the journal's hash chain and record digests), the balances or
//! the history.

mod common;

use bidswarm_ledger::{DateRange, Ledger};
use common::*;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};

const ROWS_AT_0001: &str = include_str!("fixtures/ledger_at_0001.sql");

/// Rows per table in the fixture.
const TABLES: [(&str, i64); 10] = [
    ("accounts", 1),
    ("peers", 2),
    ("channels", 2),
    ("vouchers", 5),
    ("settlements", 2),
    ("settlement_channels", 2),
    ("wallet_txs", 2),
    ("balance_observations", 1),
    ("events", 17),
    ("journal", 31),
];

async fn count(conn: &mut SqliteConnection, table: &str) -> anyhow::Result<i64> {
    // Table names come from TABLES above, never from input.
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
        .fetch_one(&mut *conn)
        .await?)
}

async fn applied(conn: &mut SqliteConnection) -> anyhow::Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(&mut *conn)
        .await?)
}

#[tokio::test]
async fn a_ledger_at_the_first_migration_upgrades_with_its_data_intact() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("ledger.db");
    let migrator = sqlx::migrate!("./migrations");
    let versions: Vec<i64> = migrator.iter().map(|m| m.version).collect();
    let first = versions[0];

    let options = SqliteConnectOptions::new().filename(&path).create_if_missing(true).foreign_keys(true);
    let mut conn = SqliteConnection::connect_with(&options).await?;
    migrator.run_to(first, &mut conn).await?;
    assert_eq!(applied(&mut conn).await?, [first], "the database starts at the first migration");
    sqlx::raw_sql(ROWS_AT_0001).execute(&mut conn).await?;
    for (table, rows) in TABLES {
        assert_eq!(count(&mut conn, table).await?, rows, "{table} before the upgrade");
    }
    conn.close().await?;

    let ledger = Ledger::open(&path).await?;
    let mut conn = SqliteConnection::connect_with(&options).await?;
    assert_eq!(applied(&mut conn).await?, versions, "open applied every later migration");
    for (table, rows) in TABLES {
        assert_eq!(count(&mut conn, table).await?, rows, "{table} after the upgrade");
    }
    conn.close().await?;

    let report = ledger.verify().await?;
    assert!(report.is_ok(), "{report}");
    assert_eq!((report.entries_checked, report.vouchers_checked), (31, 5));
    // The same money as the `populated` ledger in tests/ledger.rs.
    let expected = populated_summary();
    assert_eq!(ledger.summary().await?, expected);
    let history = ledger.history(DateRange::ALL, None, 100).await?;
    assert_eq!(history.entries.len(), 14);

    // And the upgraded ledger takes new records on top of the old ones.
    let k = keys();
    let spend = channel(k.me.address(), k.seeder.address(), 1, btt("50"));
    ledger.record_voucher_sent(&sign(&k.me, spend.id, 4, btt("12.25")), T0 + 90_100).await?;
    assert_eq!(ledger.summary().await?.committed, btt("2.25"));
    assert!(ledger.verify().await?.is_ok());
    Ok(())
}
