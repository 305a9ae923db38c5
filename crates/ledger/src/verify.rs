//! [`Ledger::verify`]: re-checks every invariant from the rows as they are now, and names
//! the row where one fails.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use bidswarm_wallet::{verify_voucher, ChannelId, Voucher};

use crate::amount::Stored as _;
use crate::journal::{self, Account, EventHeader, Side, Totals};
use crate::rows::{address, channel_id, fully_settled, load_channel, load_settlement, signature};
use crate::{Amount, ChannelState, Direction, Ledger, Result, SettlementState};

/// One broken invariant, at one row.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The table of the offending row: `journal`, `events`, `vouchers`, `channels`, …
    pub table: &'static str,
    /// Its SQLite rowid (`SELECT rowid, * FROM <table> WHERE rowid = <row>` shows it).
    pub row: i64,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} row {}: {}", self.table, self.row, self.message)
    }
}

/// What [`Ledger::verify`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct VerifyReport {
    pub entries_checked: u64,
    pub events_checked: u64,
    pub vouchers_checked: u64,
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }

    fn problem(&mut self, table: &'static str, row: i64, message: impl Into<String>) {
        self.problems.push(Problem { table, row, message: message.into() });
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} entries, {} events, {} vouchers checked: ",
            self.entries_checked, self.events_checked, self.vouchers_checked
        )?;
        if self.problems.is_empty() {
            return f.write_str("no problems");
        }
        writeln!(f, "{} problems", self.problems.len())?;
        for p in &self.problems {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}

struct EventRow {
    kind: String,
    at: i64,
    account: Option<Vec<u8>>,
    channel: Option<Vec<u8>>,
    voucher_id: Option<i64>,
    settlement_id: Option<i64>,
    wallet_tx_id: Option<i64>,
    observation_id: Option<i64>,
    txid: Option<String>,
    record_digest: Vec<u8>,
}

impl Ledger {
    /// Checks, from the rows as they are now: the journal's hash chain; that each event's
    /// entries balance; that every record still matches the digest its event recorded;
    /// that vouchers are signed by their channel's payer, increase in seq and cumulative,
    /// and stay within budget; that each channel's journal totals stay within its budget;
    /// that settlement and channel states follow from their events. Reading problems
    /// (a column that no longer parses) are reported too, not returned as errors.
    pub async fn verify(&self) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        // One read transaction: a consistent snapshot while writers go on.
        let mut tx = self.pool.begin().await?;

        let events: BTreeMap<i64, EventRow> = sqlx::query!(
            "SELECT id, kind, at, account, channel, voucher_id, settlement_id, wallet_tx_id, observation_id, txid, record_digest
             FROM events ORDER BY id"
        )
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|r| {
            (
                r.id,
                EventRow {
                    kind: r.kind,
                    at: r.at,
                    account: r.account,
                    channel: r.channel,
                    voucher_id: r.voucher_id,
                    settlement_id: r.settlement_id,
                    wallet_tx_id: r.wallet_tx_id,
                    observation_id: r.observation_id,
                    txid: r.txid,
                    record_digest: r.record_digest,
                },
            )
        })
        .collect();
        report.events_checked = events.len() as u64;

        // 1. The chain, and each event's totals.
        let entries = sqlx::query!(
            "SELECT id, event_id, account, side, amount, prev_hash, hash FROM journal ORDER BY id"
        )
        .fetch_all(&mut *tx)
        .await?;
        report.entries_checked = entries.len() as u64;
        let mut prev_hash = journal::GENESIS.to_vec();
        let mut prev_id = 0i64;
        let mut event_totals: HashMap<i64, Totals> = HashMap::new();
        let mut account_totals: BTreeMap<Account, Totals> = BTreeMap::new();
        // Per voucher event: the amount moved to `spent:`/`earned:` (must be the delta).
        let mut moved: HashMap<i64, Amount> = HashMap::new();
        for e in &entries {
            if e.id != prev_id + 1 {
                report.problem(
                    "journal",
                    e.id,
                    format!("follows row {prev_id}: rows are missing or out of order"),
                );
            }
            if e.prev_hash != prev_hash {
                report.problem(
                    "journal",
                    e.id,
                    format!("its prev_hash is not row {prev_id}'s hash: the chain is broken (a row was deleted, inserted or reordered)"),
                );
            }
            let parsed = Side::parse(&e.side)
                .and_then(|side| Ok((side, Amount::from_db(&e.amount, "journal.amount")?)))
                .and_then(|(side, amount)| Ok((side, amount, Account::parse(&e.account)?)));
            let (side, amount, account) = match parsed {
                Ok(p) => p,
                Err(err) => {
                    report.problem("journal", e.id, format!("cannot be read: {err}"));
                    prev_hash = e.hash.clone();
                    prev_id = e.id;
                    continue;
                }
            };
            match events.get(&e.event_id) {
                None => report.problem(
                    "journal",
                    e.id,
                    format!("belongs to event {}, which does not exist", e.event_id),
                ),
                Some(ev) => {
                    let header = EventHeader {
                        id: e.event_id,
                        kind: &ev.kind,
                        at: ev.at,
                        txid: ev.txid.as_deref(),
                        record_digest: &ev.record_digest,
                    };
                    let hash = journal::entry_hash(&e.prev_hash, e.id, &header, &e.account, side, amount);
                    if hash.as_slice() != e.hash.as_slice() {
                        report.problem(
                            "journal",
                            e.id,
                            format!(
                                "does not match its hash: this entry or its event {} was changed after it was written ({} {} {} BTT)",
                                e.event_id, e.account, e.side, amount
                            ),
                        );
                    }
                }
            }
            let totals = event_totals.entry(e.event_id).or_default();
            if let Err(err) = totals.add(side, amount) {
                report.problem("journal", e.id, err.to_string());
            }
            if let Err(err) = account_totals.entry(account.clone()).or_default().add(side, amount) {
                report.problem("journal", e.id, err.to_string());
            }
            if matches!(account, Account::Spent(_) | Account::Earned(_)) {
                let m = moved.entry(e.event_id).or_default();
                *m = m.checked_add(amount).unwrap_or(Amount::MAX);
            }
            prev_hash = e.hash.clone();
            prev_id = e.id;
        }
        for (id, ev) in &events {
            match event_totals.get(id) {
                None => report.problem("events", *id, format!("{} event has no journal entries", ev.kind)),
                Some(t) if t.debits != t.credits => report.problem(
                    "events",
                    *id,
                    format!(
                        "{} event does not balance: {} BTT debited, {} BTT credited",
                        ev.kind, t.debits, t.credits
                    ),
                ),
                Some(_) => {}
            }
        }

        // 2. Each record still matches the digest its event recorded.
        let mut voucher_events: HashMap<i64, i64> = HashMap::new();
        let mut closed: HashSet<ChannelId> = HashSet::new();
        // Per settlement: (last state its events imply, last txid, retries).
        let mut settlement_history: BTreeMap<i64, (SettlementState, Option<String>, i64)> = BTreeMap::new();
        for (id, ev) in &events {
            let checked = self.check_record(&mut tx, *id, ev, &mut report).await;
            if let Err(err) = checked {
                report.problem("events", *id, format!("its record cannot be read: {err}"));
            }
            match ev.kind.as_str() {
                "voucher_sent" | "voucher_received" => {
                    if let Some(v) = ev.voucher_id {
                        voucher_events.insert(v, *id);
                    }
                }
                "channel_closed" => {
                    if let Some(Ok(c)) = ev.channel.as_deref().map(channel_id) {
                        closed.insert(c);
                    }
                }
                kind @ ("settlement_pending"
                | "settlement_confirmed"
                | "settlement_failed"
                | "settlement_retried") => {
                    if let Some(sid) = ev.settlement_id {
                        let h = settlement_history.entry(sid).or_insert((SettlementState::Pending, None, 0));
                        h.0 = match kind {
                            "settlement_confirmed" => SettlementState::Confirmed,
                            "settlement_failed" => SettlementState::Failed,
                            _ => SettlementState::Pending,
                        };
                        h.1 = ev.txid.clone();
                        if kind == "settlement_retried" {
                            h.2 += 1;
                        }
                    }
                }
                _ => {}
            }
        }

        // 3. Vouchers: signed by the payer, monotonic, within budget, each with its event
        //    moving exactly its delta.
        let vouchers = sqlx::query!(
            "SELECT id, channel, seq, cumulative, expiry, signature FROM vouchers ORDER BY channel, seq"
        )
        .fetch_all(&mut *tx)
        .await?;
        report.vouchers_checked = vouchers.len() as u64;
        let mut last: Option<(ChannelId, Amount)> = None;
        for v in &vouchers {
            let Ok(channel) = channel_id(&v.channel) else {
                report.problem("vouchers", v.id, "its channel id is not 16 bytes");
                continue;
            };
            let Ok(Some(row)) = load_channel(&mut tx, channel).await else {
                report.problem("vouchers", v.id, format!("its channel {channel} is missing or unreadable"));
                continue;
            };
            let cumulative = match Amount::from_db(&v.cumulative, "vouchers.cumulative") {
                Ok(c) => c,
                Err(err) => {
                    report.problem("vouchers", v.id, err.to_string());
                    continue;
                }
            };
            let previous = match last {
                Some((c, amount)) if c == channel => amount,
                _ => Amount::ZERO,
            };
            let first = !matches!(last, Some((c, _)) if c == channel);
            if !first && cumulative <= previous {
                report.problem(
                    "vouchers",
                    v.id,
                    format!("seq {} on channel {channel} promises {cumulative} BTT, not more than before ({previous} BTT)", v.seq),
                );
            }
            if cumulative > row.terms.budget {
                report.problem(
                    "vouchers",
                    v.id,
                    format!(
                        "seq {} on channel {channel} promises {cumulative} BTT, over the budget of {} BTT",
                        v.seq, row.terms.budget
                    ),
                );
            }
            let voucher = Voucher {
                channel,
                seq: u64::try_from(v.seq).unwrap_or(u64::MAX),
                cumulative: cumulative.base_units(),
                expiry: u64::try_from(v.expiry).unwrap_or(u64::MAX),
            };
            match signature(&v.signature).and_then(|s| verify_voucher(&voucher, &s).map_err(|e| crate::Error::Corrupt { what: "signature", detail: e.to_string() })) {
                Ok(signer) if signer == row.terms.payer => {}
                Ok(signer) => report.problem(
                    "vouchers",
                    v.id,
                    format!("seq {} on channel {channel} is signed by {signer}, not by the payer {}: the voucher was altered or forged", v.seq, row.terms.payer),
                ),
                Err(err) => report.problem("vouchers", v.id, format!("seq {} on channel {channel}: invalid signature: {err}", v.seq)),
            }
            match voucher_events.get(&v.id) {
                None => report.problem("vouchers", v.id, "has no event in the journal"),
                Some(ev) => {
                    let delta = cumulative.checked_sub(previous).unwrap_or(Amount::ZERO);
                    let got = moved.get(ev).copied().unwrap_or(Amount::ZERO);
                    if got != delta {
                        report.problem(
                            "events",
                            *ev,
                            format!("voucher event moved {got} BTT, but the voucher adds {delta} BTT over the one before"),
                        );
                    }
                }
            }
            last = Some((channel, cumulative));
        }

        // 4. Commitments within budgets, and no liability or receivable below zero.
        let channels =
            sqlx::query!("SELECT rowid AS row_id, id, state FROM channels").fetch_all(&mut *tx).await?;
        for c in &channels {
            let Ok(id) = channel_id(&c.id) else { continue };
            let Ok(Some(row)) = load_channel(&mut tx, id).await else {
                report.problem(
                    "channels",
                    c.row_id,
                    format!("channel {} cannot be read", hex::encode(&c.id)),
                );
                continue;
            };
            let (income_or_expense, open) = match row.terms.direction {
                Direction::Spend => (Account::Spent(id), Account::Committed(id)),
                Direction::Earn => (Account::Earned(id), Account::Receivable(id)),
            };
            let total = account_totals.get(&income_or_expense).copied().unwrap_or_default();
            let promised = match row.terms.direction {
                Direction::Spend => total.debit_balance(),
                Direction::Earn => total.credit_balance(),
            };
            if promised > row.terms.budget {
                report.problem(
                    "channels",
                    c.row_id,
                    format!(
                        "channel {id}: the journal holds {promised} BTT promised, over its budget of {} BTT",
                        row.terms.budget
                    ),
                );
            }
            let outstanding = account_totals.get(&open).copied().unwrap_or_default();
            let negative = match row.terms.direction {
                Direction::Spend => outstanding.debits > outstanding.credits,
                Direction::Earn => outstanding.credits > outstanding.debits,
            };
            if negative {
                report.problem(
                    "channels",
                    c.row_id,
                    format!("channel {id}: {open} is below zero: more was settled than promised"),
                );
            }
            let expected = if !closed.contains(&id) {
                ChannelState::Open
            } else if fully_settled(&mut tx, id).await? {
                ChannelState::Settled
            } else {
                ChannelState::Closed
            };
            if c.state != expected.as_str() {
                report.problem(
                    "channels",
                    c.row_id,
                    format!("channel {id} is {}, but its events make it {}", c.state, expected.as_str()),
                );
            }
        }

        // 5. Settlement states, txids and attempts follow from their events.
        let settlements =
            sqlx::query!("SELECT id, state, txid, attempts FROM settlements").fetch_all(&mut *tx).await?;
        for s in &settlements {
            let Some((state, txid, retries)) = settlement_history.get(&s.id) else {
                report.problem("settlements", s.id, "has no event in the journal");
                continue;
            };
            if s.state != state.as_str() {
                report.problem(
                    "settlements",
                    s.id,
                    format!("is {}, but its events make it {}", s.state, state.as_str()),
                );
            }
            if s.txid != *txid {
                report.problem(
                    "settlements",
                    s.id,
                    format!("txid is {:?}, but its last event recorded {:?}", s.txid, txid),
                );
            }
            if s.attempts != retries + 1 {
                report.problem(
                    "settlements",
                    s.id,
                    format!("says {} attempts, but its events show {}", s.attempts, retries + 1),
                );
            }
        }
        tx.rollback().await?;
        Ok(report)
    }

    /// Recomputes the digest of the record an event is about and compares.
    async fn check_record(
        &self,
        conn: &mut sqlx::SqliteConnection,
        event_id: i64,
        ev: &EventRow,
        report: &mut VerifyReport,
    ) -> Result<()> {
        let changed = |report: &mut VerifyReport, table: &'static str, row: i64| {
            report.problem(
                table,
                row,
                format!(
                    "does not match what event {event_id} ({}) recorded: it was changed after it was written",
                    ev.kind
                ),
            );
        };
        let missing = |report: &mut VerifyReport, what: &str| -> Result<()> {
            report.problem("events", event_id, format!("{} event: its {what} is missing", ev.kind));
            Ok(())
        };
        match ev.kind.as_str() {
            "account_added" => {
                let Some(bytes) = ev.account.as_deref() else { return missing(report, "account") };
                let row = sqlx::query!("SELECT rowid AS id, label FROM accounts WHERE address = ?", bytes)
                    .fetch_optional(&mut *conn)
                    .await?;
                let Some(row) = row else { return missing(report, "account") };
                if journal::account_digest(&address(bytes, "events.account")?, &row.label) != ev.record_digest
                {
                    changed(report, "accounts", row.id);
                }
            }
            "channel_opened" | "channel_closed" => {
                let Some(bytes) = ev.channel.as_deref() else { return missing(report, "channel") };
                let id = channel_id(bytes)?;
                let Some(row) = load_channel(conn, id).await? else { return missing(report, "channel") };
                if journal::channel_digest(&row.terms) != ev.record_digest {
                    let row_id = sqlx::query_scalar!("SELECT rowid FROM channels WHERE id = ?", bytes)
                        .fetch_one(&mut *conn)
                        .await?;
                    report.problem(
                        "channels",
                        row_id,
                        format!("channel {id} does not match what event {event_id} ({}) recorded: its terms were changed after they were agreed", ev.kind),
                    );
                }
            }
            "voucher_sent" | "voucher_received" => {
                let Some(vid) = ev.voucher_id else { return missing(report, "voucher") };
                let row = sqlx::query!(
                    "SELECT channel, seq, cumulative, expiry, signature FROM vouchers WHERE id = ?",
                    vid
                )
                .fetch_optional(&mut *conn)
                .await?;
                let Some(row) = row else { return missing(report, "voucher") };
                let voucher = Voucher {
                    channel: channel_id(&row.channel)?,
                    seq: u64::try_from(row.seq).unwrap_or(u64::MAX),
                    cumulative: Amount::from_db(&row.cumulative, "vouchers.cumulative")?.base_units(),
                    expiry: u64::try_from(row.expiry).unwrap_or(u64::MAX),
                };
                if journal::voucher_digest(&voucher, &signature(&row.signature)?) != ev.record_digest {
                    changed(report, "vouchers", vid);
                }
            }
            "settlement_pending" | "settlement_confirmed" | "settlement_failed" | "settlement_retried" => {
                let Some(sid) = ev.settlement_id else { return missing(report, "settlement") };
                let s = load_settlement(conn, sid).await?;
                if s.digest() != ev.record_digest {
                    changed(report, "settlements", sid);
                }
            }
            "deposit" | "withdrawal" | "fee" => {
                let Some(wid) = ev.wallet_tx_id else { return missing(report, "wallet transaction") };
                let row = sqlx::query!(
                    "SELECT txid, account, kind, counterparty, amount FROM wallet_txs WHERE id = ?",
                    wid
                )
                .fetch_optional(&mut *conn)
                .await?;
                let Some(row) = row else { return missing(report, "wallet transaction") };
                let counterparty =
                    row.counterparty.as_deref().map(|c| address(c, "wallet_txs.counterparty")).transpose()?;
                let digest = journal::wallet_tx_digest(
                    &row.txid,
                    &address(&row.account, "wallet_txs.account")?,
                    &row.kind,
                    counterparty.as_ref(),
                    Amount::from_db(&row.amount, "wallet_txs.amount")?,
                );
                if digest != ev.record_digest || row.kind != ev.kind {
                    changed(report, "wallet_txs", wid);
                }
            }
            "balance_observed" => {
                let Some(oid) = ev.observation_id else { return missing(report, "observation") };
                let row =
                    sqlx::query!("SELECT account, amount, at FROM balance_observations WHERE id = ?", oid)
                        .fetch_optional(&mut *conn)
                        .await?;
                let Some(row) = row else { return missing(report, "observation") };
                let digest = journal::observation_digest(
                    oid,
                    &address(&row.account, "balance_observations.account")?,
                    Amount::from_db(&row.amount, "balance_observations.amount")?,
                    row.at,
                );
                if digest != ev.record_digest {
                    changed(report, "balance_observations", oid);
                }
            }
            other => report.problem("events", event_id, format!("unknown event kind {other:?}")),
        }
        Ok(())
    }
}
