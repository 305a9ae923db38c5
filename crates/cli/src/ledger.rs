//! `bidswarm-cli ledger`: read a ledger file (the one `--ledger` or the server keeps) to
//! see where BTT went, check it, and export it.

#![allow(clippy::print_stdout)] // user-facing output is the point of these commands

use std::path::PathBuf;

use anyhow::Context;
use bidswarm_ledger::{DateRange, Ledger};

#[derive(Debug, clap::Subcommand)]
pub enum LedgerCommand {
    /// Balances derived from the journal, in BTT base units.
    Summary(LedgerFile),
    /// Check the journal's balance, hash chain, vouchers and budgets; exits 1 on a problem.
    Verify(LedgerFile),
    /// Write the history as CSV to stdout.
    Export {
        #[command(flatten)]
        file: LedgerFile,
        /// Only entries at or after this time (unix seconds).
        #[arg(long, value_name = "UNIX_SECS")]
        from: Option<i64>,
        /// Only entries before this time (unix seconds).
        #[arg(long, value_name = "UNIX_SECS")]
        to: Option<i64>,
    },
}

#[derive(Debug, clap::Args)]
pub struct LedgerFile {
    /// The ledger (SQLite) file.
    #[arg(long, value_name = "FILE")]
    ledger: PathBuf,
}

pub async fn run(command: LedgerCommand) -> anyhow::Result<bool> {
    let path = match &command {
        LedgerCommand::Summary(f) | LedgerCommand::Verify(f) | LedgerCommand::Export { file: f, .. } => {
            &f.ledger
        }
    };
    // Opening creates a missing file; a typo should not leave an empty ledger behind.
    anyhow::ensure!(path.exists(), "no ledger at {}", path.display());
    let ledger =
        Ledger::open(path).await.with_context(|| format!("cannot open the ledger {}", path.display()))?;
    let ok = match command {
        LedgerCommand::Summary(_) => {
            let s = ledger.summary().await?;
            for (key, amount) in [
                ("onchain", s.onchain),
                ("committed", s.committed),
                ("spendable", s.spendable),
                ("spent", s.spent),
                ("earned_pending", s.earned_pending),
                ("earned_settled", s.earned_settled),
                ("fees", s.fees),
            ] {
                println!("{key}: {}", amount.base_units());
            }
            // TRX, not BTT: what the chain burnt for our settlements and our sends.
            println!("settlement_fees_sun: {}", ledger.settlement_fees_sun().await?);
            println!("send_fees_sun: {}", ledger.send_fees_sun().await?);
            true
        }
        LedgerCommand::Verify(_) => {
            let report = ledger.verify().await?;
            println!("entries_checked: {}", report.entries_checked);
            println!("vouchers_checked: {}", report.vouchers_checked);
            for problem in &report.problems {
                println!("problem: {problem}");
            }
            println!("ok: {}", report.is_ok());
            report.is_ok()
        }
        LedgerCommand::Export { from, to, .. } => {
            let mut out = std::io::stdout().lock();
            ledger.export_csv(DateRange { from, to }, &mut out).await?;
            true
        }
    };
    ledger.close().await;
    Ok(ok)
}
