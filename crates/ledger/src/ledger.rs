//! [`Ledger`]: opening the database and every write.
//!
//! Each write takes the write lock, opens one `BEGIN IMMEDIATE` transaction, checks,
//! inserts the record, posts its event to the journal and commits. Lock order: the
//! in-process `write_lock`, then SQLite's write lock (taken at `BEGIN IMMEDIATE`, so a
//! write never has to upgrade a read lock and cannot fail half-way on `SQLITE_BUSY`).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use bidswarm_wallet::{verify_voucher, Address, ChannelId, Voucher};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{SqliteConnection, SqlitePool};
use tokio::sync::Mutex;

use crate::amount::Stored as _;
use crate::batch;
use crate::chain::{post, NewEvent};
use crate::journal::{self, credit, debit, Account, ChannelTerms, Posting, SettledRange, Side};
use crate::rows::{
    address, channel_settlements, fully_settled, last_voucher, load_channel, load_settlement,
    recorded_at_seq, to_i64,
};
use crate::rules::{check_next, check_signed, same_seq_receipt, voucher_postings};
use crate::{
    Amount, ChannelState, Direction, Error, InFlightSettlement, NewChannel, NewSettlement, Peer, Result,
    SettlementFee, SettlementId, SettlementState, SettlementTx, SignedVoucher, UnixTime, VerifiedVoucher,
    VoucherReceipt, WalletTx,
};

/// The ledger database. Cheap to share behind an `Arc`; all methods take `&self`.
#[derive(Debug)]
pub struct Ledger {
    pub(crate) pool: SqlitePool,
    pub(crate) write_lock: Mutex<()>,
}

impl Ledger {
    /// Opens (creating if missing) the ledger at `path` and brings its schema up to date.
    ///
    /// A new file is created readable by its owner only (0600 on Unix); SQLite gives its
    /// `-wal` and `-shm` files the same mode. Opening reads the whole file once (`PRAGMA
    /// quick_check`), so a damaged page is found here rather than by the first query that
    /// reaches it: such errors are [`Error::is_damage`], and
    /// [`Ledger::open_or_set_aside`] moves the file aside for them.
    pub async fn open(path: impl AsRef<Path>) -> Result<Ledger> {
        let path = path.as_ref();
        crate::recovery::create_private(path);
        let busy_timeout = Duration::from_secs(10);
        crate::recovery::check_file(path, busy_timeout).await?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a committed write survives power loss too, not only a crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(busy_timeout);
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
        if let Err(e) = sqlx::migrate!("./migrations").run(&pool).await {
            // Every connection is closed before the caller may move the file: SQLite
            // removes the `-wal` and `-shm` files of the name it opened when the last
            // one closes.
            pool.close().await;
            return Err(e.into());
        }
        Ok(Ledger { pool, write_lock: Mutex::new(()) })
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Records one of our own addresses. Adding the same address with the same label
    /// again changes nothing.
    pub async fn add_account(&self, account: Address, label: &str, at: UnixTime) -> Result<()> {
        let _guard = self.write_lock.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let bytes = account.as_bytes().as_slice();
        let existing = sqlx::query!("SELECT label FROM accounts WHERE address = ?", bytes)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(row) = existing {
            if row.label == label {
                return Ok(());
            }
            return Err(Error::Corrupt {
                what: "accounts",
                detail: format!("{account} is already recorded as {:?}", row.label),
            });
        }
        sqlx::query!("INSERT INTO accounts (address, label, added_at) VALUES (?, ?, ?)", bytes, label, at)
            .execute(&mut *tx)
            .await?;
        let event = NewEvent {
            kind: "account_added",
            at,
            account: Some(account),
            record_digest: journal::account_digest(&account, label),
            ..NewEvent::default()
        };
        post(&mut tx, event, Vec::new()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a peer or updates what we know of it (public key, client name). Not an
    /// economic event: nothing goes into the journal.
    pub async fn record_peer(&self, peer: &Peer, at: UnixTime) -> Result<()> {
        let _guard = self.write_lock.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let bytes = peer.address.as_bytes().as_slice();
        let key = peer.public_key.as_ref().map(|k| k.as_slice());
        let client = peer.client.as_deref();
        sqlx::query!(
            "INSERT INTO peers (address, public_key, client, first_seen) VALUES (?, ?, ?, ?)
             ON CONFLICT (address) DO UPDATE SET
               public_key = coalesce(excluded.public_key, public_key),
               client = coalesce(excluded.client, client)",
            bytes,
            key,
            client,
            at
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a channel's agreed terms. One side must be our account: payer for a spend
    /// channel, payee for an earn channel. Recording the same terms again changes nothing;
    /// different terms under the same id are refused.
    pub async fn open_channel(&self, channel: &NewChannel, at: UnixTime) -> Result<Direction> {
        let _guard = self.write_lock.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let payer_ours = is_own(&mut tx, &channel.payer).await?;
        let payee_ours = is_own(&mut tx, &channel.payee).await?;
        let direction = match (payer_ours, payee_ours) {
            (true, false) => Direction::Spend,
            (false, true) => Direction::Earn,
            _ => return Err(Error::NotOurChannel(channel.id)),
        };
        let terms = ChannelTerms {
            id: channel.id,
            payer: channel.payer,
            payee: channel.payee,
            info_hash: channel.info_hash,
            price_per_gib: channel.price_per_gib,
            budget: channel.budget,
            direction,
        };
        if let Some(existing) = load_channel(&mut tx, channel.id).await? {
            if journal::channel_digest(&existing.terms) == journal::channel_digest(&terms) {
                return Ok(direction);
            }
            return Err(Error::ChannelConflict(channel.id));
        }
        let counterparty = match direction {
            Direction::Spend => channel.payee,
            Direction::Earn => channel.payer,
        };
        let peer = counterparty.as_bytes().as_slice();
        sqlx::query!(
            "INSERT INTO peers (address, first_seen) VALUES (?, ?) ON CONFLICT (address) DO NOTHING",
            peer,
            at
        )
        .execute(&mut *tx)
        .await?;
        let id = channel.id.0.as_slice();
        let payer = channel.payer.as_bytes().as_slice();
        let payee = channel.payee.as_bytes().as_slice();
        let info_hash = channel.info_hash.as_slice();
        let price = channel.price_per_gib.to_db();
        let budget = channel.budget.to_db();
        let dir = direction.as_str();
        sqlx::query!(
            "INSERT INTO channels (id, payer, payee, info_hash, price_per_gib, budget, direction, state, opened_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?)",
            id,
            payer,
            payee,
            info_hash,
            price,
            budget,
            dir,
            at
        )
        .execute(&mut *tx)
        .await?;
        let event = NewEvent {
            kind: "channel_opened",
            at,
            channel: Some(channel.id),
            record_digest: journal::channel_digest(&terms),
            ..NewEvent::default()
        };
        post(&mut tx, event, Vec::new()).await?;
        tx.commit().await?;
        Ok(direction)
    }

    /// Closes a channel: it takes no more vouchers. It is `Settled` at once when every
    /// voucher is already in a confirmed settlement, else when the last one is.
    pub async fn close_channel(&self, id: ChannelId, at: UnixTime) -> Result<ChannelState> {
        let _guard = self.write_lock.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let channel = load_channel(&mut tx, id).await?.ok_or(Error::UnknownChannel(id))?;
        if channel.state != ChannelState::Open {
            return Ok(channel.state);
        }
        let state =
            if fully_settled(&mut tx, id).await? { ChannelState::Settled } else { ChannelState::Closed };
        set_channel_state(&mut tx, id, state).await?;
        let event = NewEvent {
            kind: "channel_closed",
            at,
            channel: Some(id),
            record_digest: journal::channel_digest(&channel.terms),
            ..NewEvent::default()
        };
        post(&mut tx, event, Vec::new()).await?;
        tx.commit().await?;
        Ok(state)
    }

    /// Records a voucher we signed, on a spend channel.
    pub async fn record_voucher_sent(&self, voucher: &SignedVoucher, at: UnixTime) -> Result<VoucherReceipt> {
        let signer = verify_voucher(&voucher.voucher, &voucher.signature).ok();
        self.record_one(voucher, signer, Some(Direction::Spend), at).await
    }

    /// Records a voucher a payer sent us, on an earn channel.
    pub async fn record_voucher_received(
        &self,
        voucher: &SignedVoucher,
        at: UnixTime,
    ) -> Result<VoucherReceipt> {
        let signer = verify_voucher(&voucher.voucher, &voucher.signature).ok();
        self.record_one(voucher, signer, Some(Direction::Earn), at).await
    }

    /// Records a voucher whose signer is known (see [`Ledger::record_verified_vouchers`])
    /// on a channel of `direction`: ours (`Spend`) or a payer's (`Earn`).
    pub async fn record_verified_voucher(
        &self,
        voucher: &VerifiedVoucher,
        direction: Direction,
        at: UnixTime,
    ) -> Result<VoucherReceipt> {
        self.record_one(voucher.signed(), Some(voucher.signer()), Some(direction), at).await
    }

    async fn record_one(
        &self,
        voucher: &SignedVoucher,
        signer: Option<Address>,
        expected: Option<Direction>,
        at: UnixTime,
    ) -> Result<VoucherReceipt> {
        let _guard = self.write_lock.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let receipt = insert_voucher(&mut tx, voucher, signer, expected, at).await?;
        tx.commit().await?;
        Ok(receipt)
    }

    /// Records a batch of vouchers, sent or received (each channel's direction decides),
    /// in one transaction: all are written or, if any is refused, none
    /// ([`Error::Batch`] says which). Signatures are checked on every core before the lock
    /// is taken; the batch is then a few statements, not eight per voucher (`batch.rs`),
    /// and leaves the same rows and hash chain as recording the vouchers one by one.
    pub async fn record_vouchers(
        &self,
        vouchers: &[SignedVoucher],
        at: UnixTime,
    ) -> Result<Vec<VoucherReceipt>> {
        let signers = batch::recover_signers(vouchers).await;
        self.record_batch(vouchers, &signers, at).await
    }

    /// [`Ledger::record_vouchers`] for vouchers whose signers are known already (the speed
    /// layer checked each as it arrived, or signed it): no signature is recovered again.
    pub async fn record_verified_vouchers(
        &self,
        vouchers: &[VerifiedVoucher],
        at: UnixTime,
    ) -> Result<Vec<VoucherReceipt>> {
        let signed: Vec<SignedVoucher> = vouchers.iter().map(|v| *v.signed()).collect();
        let signers: Vec<Option<Address>> = vouchers.iter().map(|v| Some(v.signer())).collect();
        self.record_batch(&signed, &signers, at).await
    }

    /// Writes a batch whose signers are known (`None`: the signature is not valid) in one
    /// transaction.
    async fn record_batch(
        &self,
        vouchers: &[SignedVoucher],
        signers: &[Option<Address>],
        at: UnixTime,
    ) -> Result<Vec<VoucherReceipt>> {
        let _guard = self.write_lock.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let receipts = batch::record(&mut tx, vouchers, signers, at).await?;
        tx.commit().await?;
        Ok(receipts)
    }

    /// Records a settlement as pending (sent by us on spend channels, or expected from a
    /// payer on earn channels). All channels must share direction, our account and the
    /// counterparty; each must settle up to more than is already settled or settling and
    /// no more than its vouchers reach.
    pub async fn settlement_pending(&self, settlement: &NewSettlement, at: UnixTime) -> Result<SettlementId> {
        let _guard = self.write_lock.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let id = insert_pending(&mut tx, settlement, at).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Records a settlement we pay as pending together with its signed transaction, in
    /// one write, before the transaction is broadcast: from here until it is confirmed or
    /// failed, [`Ledger::settlements_in_flight`] lists it, so it is rebroadcast with the
    /// same bytes and never signed twice, across restarts too.
    pub async fn settlement_signed(
        &self,
        settlement: &NewSettlement,
        signed: &SettlementTx,
        at: UnixTime,
    ) -> Result<SettlementId> {
        let _guard = self.write_lock.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let id = insert_pending(&mut tx, settlement, at).await?;
        let txid = signed.txid.as_str();
        let hex = signed.signed_hex.as_str();
        sqlx::query!(
            "INSERT INTO settlement_transactions (settlement_id, txid, signed_hex, expiration_ms) VALUES (?, ?, ?, ?)",
            id.0,
            txid,
            hex,
            signed.expiration_ms
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Settlements we pay that are pending with a signed transaction: each may still
    /// confirm until its expiration, oldest first.
    pub async fn settlements_in_flight(&self) -> Result<Vec<InFlightSettlement>> {
        let mut conn = self.pool.acquire().await?;
        let rows = sqlx::query!(
            "SELECT t.settlement_id, t.txid, t.signed_hex, t.expiration_ms
             FROM settlement_transactions t JOIN settlements s ON s.id = t.settlement_id
             WHERE s.state = 'pending' AND s.direction = 'spend' ORDER BY t.settlement_id"
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let s = load_settlement(&mut conn, row.settlement_id).await?;
            out.push(InFlightSettlement {
                id: SettlementId(row.settlement_id),
                counterparty: s.counterparty,
                amount: s.amount,
                channels: s.ranges.iter().map(|r| (r.channel, r.upto)).collect(),
                tx: SettlementTx {
                    txid: row.txid,
                    signed_hex: row.signed_hex,
                    expiration_ms: row.expiration_ms,
                },
            });
        }
        Ok(out)
    }

    /// Whether a settlement paid to us by transaction `txid` is already recorded as
    /// confirmed: a transfer seen again (after a restart, in the node's history) is never
    /// credited twice.
    pub async fn earned_settlement_recorded(&self, txid: &str) -> Result<bool> {
        let mut conn = self.pool.acquire().await?;
        let found = sqlx::query_scalar!(
            "SELECT EXISTS (SELECT 1 FROM settlements WHERE txid = ? AND direction = 'earn' AND state = 'confirmed') AS \"found!: bool\"",
            txid
        )
        .fetch_one(&mut *conn)
        .await?;
        Ok(found)
    }

    /// TRX (in sun) the chain burnt for our confirmed or failed settlements, as far as
    /// their fees are known. TRX, not BTT: kept beside the journal, which books BTT only.
    /// Saturating: the fees are the node's word, and absurd ones must not make the whole
    /// summary fail.
    pub async fn settlement_fees_sun(&self) -> Result<u64> {
        let mut conn = self.pool.acquire().await?;
        let fees = sqlx::query_scalar!(
            "SELECT fee_sun AS \"fee_sun!\" FROM settlement_transactions WHERE fee_sun IS NOT NULL"
        )
        .fetch_all(&mut *conn)
        .await?;
        fees.into_iter().try_fold(0u64, |sum, fee| {
            let fee = u64::try_from(fee).map_err(|_| Error::Corrupt {
                what: "settlement_transactions.fee_sun",
                detail: format!("{fee}"),
            })?;
            Ok(sum.saturating_add(fee))
        })
    }

    /// Each of our settlement transactions whose fee is known and not zero, oldest first
    /// by [`SettlementFee::at`]: what the CSV export and the wallet history show as fees.
    pub async fn settlement_fees(&self) -> Result<Vec<SettlementFee>> {
        let mut conn = self.pool.acquire().await?;
        // Every channel of a settlement has the same payer (`settlement_pending` checks),
        // so its first one names the account.
        let rows = sqlx::query!(
            "SELECT t.settlement_id, t.txid, t.fee_sun AS \"fee_sun!\", s.counterparty, s.state, s.updated_at, c.payer
             FROM settlement_transactions t
             JOIN settlements s ON s.id = t.settlement_id
             JOIN channels c ON c.id =
                 (SELECT sc.channel FROM settlement_channels sc WHERE sc.settlement_id = s.id ORDER BY sc.rowid LIMIT 1)
             WHERE s.direction = 'spend' AND t.fee_sun > 0
             ORDER BY s.updated_at, t.settlement_id"
        )
        .fetch_all(&mut *conn)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(SettlementFee {
                    settlement: SettlementId(r.settlement_id),
                    txid: r.txid,
                    payer: address(&r.payer, "channels.payer")?,
                    payee: address(&r.counterparty, "settlements.counterparty")?,
                    fee_sun: u64::try_from(r.fee_sun).map_err(|_| Error::Corrupt {
                        what: "settlement_transactions.fee_sun",
                        detail: format!("{}", r.fee_sun),
                    })?,
                    state: SettlementState::parse(&r.state)?,
                    at: r.updated_at,
                })
            })
            .collect()
    }

    /// Notes what the chain burnt for a settlement's transaction (its `fee`, in sun).
    pub async fn settlement_fee(&self, id: SettlementId, fee_sun: u64) -> Result<()> {
        let fee = to_i64("fee_sun", fee_sun)?;
        let _guard = self.write_lock.lock().await;
        sqlx::query!("UPDATE settlement_transactions SET fee_sun = ? WHERE settlement_id = ?", fee, id.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The settlement's transaction is confirmed on chain: the money has moved. Closed
    /// channels it completes become `Settled`.
    pub async fn settlement_confirmed(&self, id: SettlementId, txid: &str, at: UnixTime) -> Result<()> {
        let _guard = self.write_lock.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        confirm(&mut tx, id, txid, at).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A settlement paid to us, seen confirmed on chain: recorded pending and confirmed in
    /// one write, so a crash between the two cannot leave it pending with the money
    /// already ours (crediting it again would then be refused as covering a settled
    /// range). `settlement.txid` must be set.
    pub async fn settlement_received(
        &self,
        settlement: &NewSettlement,
        at: UnixTime,
    ) -> Result<SettlementId> {
        let txid = settlement.txid.clone().ok_or(Error::EmptySettlement)?;
        let _guard = self.write_lock.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let id = insert_pending(&mut tx, settlement, at).await?;
        confirm(&mut tx, id, &txid, at).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A settlement paid to us under `txid` that is still pending (a version before
    /// [`Ledger::settlement_received`] recorded it in two writes and stopped between them),
    /// with each channel and the cumulative it settles up to.
    pub async fn earned_settlement_pending(
        &self,
        txid: &str,
    ) -> Result<Option<(SettlementId, Vec<(ChannelId, Amount)>)>> {
        let mut conn = self.pool.acquire().await?;
        let id = sqlx::query_scalar!(
            "SELECT id AS \"id!\" FROM settlements WHERE txid = ? AND direction = 'earn' AND state = 'pending' ORDER BY id LIMIT 1",
            txid
        )
        .fetch_optional(&mut *conn)
        .await?;
        let Some(id) = id else { return Ok(None) };
        let s = load_settlement(&mut conn, id).await?;
        Ok(Some((SettlementId(id), s.ranges.iter().map(|r| (r.channel, r.upto)).collect())))
    }
}

/// Marks a pending settlement confirmed, within `tx`: its journal entries, and closed
/// channels it completes become settled.
async fn confirm(tx: &mut SqliteConnection, id: SettlementId, txid: &str, at: UnixTime) -> Result<()> {
    let s = load_settlement(&mut *tx, id.0).await?;
    if s.state != SettlementState::Pending {
        return Err(Error::SettlementState { id: id.0, state: s.state.as_str(), wanted: "confirmed" });
    }
    update_settlement(&mut *tx, id.0, SettlementState::Confirmed, Some(txid), s.attempts, at).await?;
    let postings = match s.direction {
        Direction::Spend => {
            vec![debit(Account::Outgoing(id.0), s.amount), credit(Account::Wallet(s.own), s.amount)]
        }
        Direction::Earn => {
            vec![debit(Account::Wallet(s.own), s.amount), credit(Account::Incoming(id.0), s.amount)]
        }
    };
    let event = NewEvent {
        kind: "settlement_confirmed",
        at,
        account: Some(s.own),
        settlement_id: Some(id.0),
        txid: Some(txid),
        record_digest: s.digest(),
        ..NewEvent::default()
    };
    post(&mut *tx, event, postings).await?;
    for r in &s.ranges {
        let channel = load_channel(&mut *tx, r.channel).await?.ok_or(Error::UnknownChannel(r.channel))?;
        if channel.state == ChannelState::Closed && fully_settled(&mut *tx, r.channel).await? {
            set_channel_state(&mut *tx, r.channel, ChannelState::Settled).await?;
        }
    }
    Ok(())
}

impl Ledger {
    /// The settlement's transaction failed (or expired): what it covered is owed again,
    /// and may be retried with [`Ledger::settlement_retry`] or settled anew.
    pub async fn settlement_failed(&self, id: SettlementId, at: UnixTime) -> Result<()> {
        let _guard = self.write_lock.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let s = load_settlement(&mut tx, id.0).await?;
        if s.state != SettlementState::Pending {
            return Err(Error::SettlementState { id: id.0, state: s.state.as_str(), wanted: "failed" });
        }
        update_settlement(&mut tx, id.0, SettlementState::Failed, s.txid.as_deref(), s.attempts, at).await?;
        let postings = pending_postings(s.direction, id.0, s.amount, &s.ranges)
            .into_iter()
            .map(|p| Posting { side: if p.side == Side::Debit { Side::Credit } else { Side::Debit }, ..p })
            .collect();
        let event = NewEvent {
            kind: "settlement_failed",
            at,
            account: Some(s.own),
            settlement_id: Some(id.0),
            txid: s.txid.as_deref(),
            record_digest: s.digest(),
            ..NewEvent::default()
        };
        post(&mut tx, event, postings).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Tries a failed settlement again, with a new transaction id when there is one. Refused
    /// when another settlement pending or confirmed now overlaps any of its ranges. (A
    /// failed settlement followed by a later one leaves a gap that only its retry fills.)
    pub async fn settlement_retry(&self, id: SettlementId, txid: Option<&str>, at: UnixTime) -> Result<()> {
        let _guard = self.write_lock.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let s = load_settlement(&mut tx, id.0).await?;
        if s.state != SettlementState::Failed {
            return Err(Error::SettlementState { id: id.0, state: s.state.as_str(), wanted: "pending" });
        }
        for r in &s.ranges {
            let others = channel_settlements(&mut tx, r.channel).await?;
            let overlap = others.iter().any(|o| {
                o.id != id.0 && o.state != SettlementState::Failed && o.from < r.upto && r.from < o.upto
            });
            if overlap {
                let settled = settled_upto(&mut tx, r.channel, Some(id.0)).await?;
                let vouchered =
                    last_voucher(&mut tx, r.channel).await?.map(|(_, c)| c).unwrap_or(Amount::ZERO);
                return Err(Error::SettlementRange { channel: r.channel, upto: r.upto, settled, vouchered });
            }
        }
        let txid = txid.or(s.txid.as_deref());
        let attempts =
            s.attempts.checked_add(1).ok_or(Error::OutOfRange { what: "attempts", value: u64::MAX })?;
        update_settlement(&mut tx, id.0, SettlementState::Pending, txid, attempts, at).await?;
        let event = NewEvent {
            kind: "settlement_retried",
            at,
            account: Some(s.own),
            settlement_id: Some(id.0),
            txid,
            record_digest: s.digest(),
            ..NewEvent::default()
        };
        post(&mut tx, event, pending_postings(s.direction, id.0, s.amount, &s.ranges)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a deposit, withdrawal or fee on one of our addresses. The same transaction
    /// again is a no-op (`Ok(false)`); a different one under the same txid is refused.
    pub async fn record_wallet_tx(&self, wtx: &WalletTx) -> Result<bool> {
        let _guard = self.write_lock.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        if !is_own(&mut tx, &wtx.account).await? {
            return Err(Error::UnknownAccount(wtx.account));
        }
        let digest = journal::wallet_tx_digest(
            &wtx.txid,
            &wtx.account,
            wtx.kind.as_str(),
            wtx.counterparty.as_ref(),
            wtx.amount,
        );
        let txid = wtx.txid.as_str();
        let existing =
            sqlx::query!("SELECT account, kind, counterparty, amount FROM wallet_txs WHERE txid = ?", txid)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(row) = existing {
            let counterparty =
                row.counterparty.as_deref().map(|c| address(c, "wallet_txs.counterparty")).transpose()?;
            let same = journal::wallet_tx_digest(
                txid,
                &address(&row.account, "wallet_txs.account")?,
                &row.kind,
                counterparty.as_ref(),
                Amount::from_db(&row.amount, "wallet_txs.amount")?,
            ) == digest;
            return if same { Ok(false) } else { Err(Error::DuplicateTx(wtx.txid.clone())) };
        }
        let account = wtx.account.as_bytes().as_slice();
        let kind = wtx.kind.as_str();
        let counterparty = wtx.counterparty.as_ref().map(|a| a.as_bytes().as_slice());
        let amount = wtx.amount.to_db();
        let row_id = sqlx::query!(
            "INSERT INTO wallet_txs (txid, account, kind, counterparty, amount, at) VALUES (?, ?, ?, ?, ?, ?)",
            txid,
            account,
            kind,
            counterparty,
            amount,
            wtx.at
        )
        .execute(&mut *tx)
        .await?
        .last_insert_rowid();
        let wallet = Account::Wallet(wtx.account);
        let postings = match wtx.kind {
            crate::WalletTxKind::Deposit => {
                vec![debit(wallet, wtx.amount), credit(Account::External, wtx.amount)]
            }
            crate::WalletTxKind::Withdrawal => {
                vec![debit(Account::External, wtx.amount), credit(wallet, wtx.amount)]
            }
            crate::WalletTxKind::Fee => vec![debit(Account::Fees, wtx.amount), credit(wallet, wtx.amount)],
        };
        let event = NewEvent {
            kind: wtx.kind.as_str(),
            at: wtx.at,
            account: Some(wtx.account),
            wallet_tx_id: Some(row_id),
            txid: Some(txid),
            record_digest: digest,
            ..NewEvent::default()
        };
        post(&mut tx, event, postings).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Records the balance the chain reports for one of our addresses. The journal moves
    /// the difference between the book and the chain to `external`, so from here on the
    /// book's on-chain balance is the observed one.
    pub async fn observe_onchain_balance(
        &self,
        account: Address,
        balance: Amount,
        at: UnixTime,
    ) -> Result<()> {
        let _guard = self.write_lock.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        if !is_own(&mut tx, &account).await? {
            return Err(Error::UnknownAccount(account));
        }
        let name = Account::Wallet(account).to_string();
        let rows = sqlx::query!("SELECT side, amount FROM journal WHERE account = ?", name)
            .fetch_all(&mut *tx)
            .await?;
        let mut book = journal::Totals::default();
        for row in rows {
            book.add(Side::parse(&row.side)?, Amount::from_db(&row.amount, "journal.amount")?)?;
        }
        // What the book must gain (or lose) to equal the chain, from debits − credits.
        let target = journal::Totals { debits: balance, credits: Amount::ZERO };
        let (gain, loss) = (
            target.debits.checked_add(book.credits)?.checked_sub(book.debits).unwrap_or(Amount::ZERO),
            book.debits.checked_sub(target.debits.checked_add(book.credits)?).unwrap_or(Amount::ZERO),
        );
        let bytes = account.as_bytes().as_slice();
        let amount = balance.to_db();
        let obs = sqlx::query!(
            "INSERT INTO balance_observations (account, amount, at) VALUES (?, ?, ?)",
            bytes,
            amount,
            at
        )
        .execute(&mut *tx)
        .await?
        .last_insert_rowid();
        let wallet = Account::Wallet(account);
        let postings = if !gain.is_zero() {
            vec![debit(wallet, gain), credit(Account::External, gain)]
        } else if !loss.is_zero() {
            vec![debit(Account::External, loss), credit(wallet, loss)]
        } else {
            Vec::new()
        };
        let event = NewEvent {
            kind: "balance_observed",
            at,
            account: Some(account),
            observation_id: Some(obs),
            record_digest: journal::observation_digest(obs, &account, balance, at),
            ..NewEvent::default()
        };
        post(&mut tx, event, postings).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The pending settlement's rows and events, inside the caller's write transaction.
async fn insert_pending(
    conn: &mut SqliteConnection,
    settlement: &NewSettlement,
    at: UnixTime,
) -> Result<SettlementId> {
    let (first, _) = *settlement.channels.first().ok_or(Error::EmptySettlement)?;
    let head = load_channel(&mut *conn, first).await?.ok_or(Error::UnknownChannel(first))?;
    let mut ranges = Vec::new();
    let mut total = Amount::ZERO;
    for &(id, upto) in &settlement.channels {
        let channel = load_channel(&mut *conn, id).await?.ok_or(Error::UnknownChannel(id))?;
        if channel.terms.direction != head.terms.direction
            || channel.own() != head.own()
            || channel.counterparty() != head.counterparty()
            || ranges.iter().any(|r: &SettledRange| r.channel == id)
        {
            return Err(Error::MixedSettlement(id));
        }
        let from = settled_upto(&mut *conn, id, None).await?;
        let vouchered = last_voucher(&mut *conn, id).await?.map(|(_, c)| c).unwrap_or(Amount::ZERO);
        if upto <= from || upto > vouchered {
            return Err(Error::SettlementRange { channel: id, upto, settled: from, vouchered });
        }
        total = total.checked_add(upto.checked_sub(from)?)?;
        ranges.push(SettledRange { channel: id, from, upto });
    }
    let direction = head.terms.direction.as_str();
    let counterparty = head.counterparty();
    let cp = counterparty.as_bytes().as_slice();
    let amount = total.to_db();
    let txid = settlement.txid.as_deref();
    let sid = sqlx::query!(
            "INSERT INTO settlements (direction, counterparty, amount, txid, state, attempts, created_at, updated_at)
             VALUES (?, ?, ?, ?, 'pending', 1, ?, ?)",
            direction,
            cp,
            amount,
            txid,
            at,
            at
        )
        .execute(&mut *conn)
        .await?
        .last_insert_rowid();
    for r in &ranges {
        let ch = r.channel.0.as_slice();
        let from = r.from.to_db();
        let upto = r.upto.to_db();
        sqlx::query!(
            "INSERT INTO settlement_channels (settlement_id, channel, from_cumulative, upto_cumulative)
                 VALUES (?, ?, ?, ?)",
            sid,
            ch,
            from,
            upto
        )
        .execute(&mut *conn)
        .await?;
    }
    let event = NewEvent {
        kind: "settlement_pending",
        at,
        account: Some(head.own()),
        settlement_id: Some(sid),
        txid,
        record_digest: journal::settlement_digest(sid, head.terms.direction, &counterparty, total, &ranges),
        ..NewEvent::default()
    };
    post(&mut *conn, event, pending_postings(head.terms.direction, sid, total, &ranges)).await?;
    Ok(SettlementId(sid))
}

/// Pending entries of a settlement (see the journal docs); failure posts them reversed.
fn pending_postings(direction: Direction, sid: i64, total: Amount, ranges: &[SettledRange]) -> Vec<Posting> {
    let mut postings = Vec::with_capacity(ranges.len() + 1);
    for r in ranges {
        // upto > from was checked when the settlement was made.
        let part = r.upto.checked_sub(r.from).unwrap_or(Amount::ZERO);
        postings.push(match direction {
            Direction::Spend => debit(Account::Committed(r.channel), part),
            Direction::Earn => credit(Account::Receivable(r.channel), part),
        });
    }
    postings.push(match direction {
        Direction::Spend => credit(Account::Outgoing(sid), total),
        Direction::Earn => debit(Account::Incoming(sid), total),
    });
    postings
}

async fn insert_voucher(
    conn: &mut SqliteConnection,
    signed: &SignedVoucher,
    signer: Option<Address>,
    expected: Option<Direction>,
    at: UnixTime,
) -> Result<VoucherReceipt> {
    let v: &Voucher = &signed.voucher;
    let channel = load_channel(conn, v.channel).await?.ok_or(Error::UnknownChannel(v.channel))?;
    let (seq, expiry) = check_signed(&channel, signed, signer, expected)?;
    if let Some(recorded) = recorded_at_seq(conn, v.channel, seq).await? {
        return same_seq_receipt(signed, &recorded);
    }
    let previous = last_voucher(conn, v.channel).await?;
    let delta = check_next(&channel, previous, v)?;
    let id = v.channel.0.as_slice();
    let text = Amount::from_base_units(v.cumulative).to_db();
    let sig = signed.signature.as_bytes().as_slice();
    let voucher_id = sqlx::query!(
        "INSERT INTO vouchers (channel, seq, cumulative, expiry, signature, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
        id,
        seq,
        text,
        expiry,
        sig,
        at
    )
    .execute(&mut *conn)
    .await?
    .last_insert_rowid();
    let (kind, postings) = voucher_postings(&channel, delta);
    let event = NewEvent {
        kind,
        at,
        account: Some(channel.own()),
        channel: Some(v.channel),
        voucher_id: Some(voucher_id),
        record_digest: journal::voucher_digest(v, &signed.signature),
        ..NewEvent::default()
    };
    post(conn, event, postings).await?;
    Ok(VoucherReceipt::Recorded { delta })
}

async fn is_own(conn: &mut SqliteConnection, account: &Address) -> Result<bool> {
    let bytes = account.as_bytes().as_slice();
    Ok(sqlx::query!("SELECT address FROM accounts WHERE address = ?", bytes)
        .fetch_optional(&mut *conn)
        .await?
        .is_some())
}

async fn set_channel_state(conn: &mut SqliteConnection, id: ChannelId, state: ChannelState) -> Result<()> {
    let bytes = id.0.as_slice();
    let state = state.as_str();
    sqlx::query!("UPDATE channels SET state = ? WHERE id = ?", state, bytes).execute(&mut *conn).await?;
    Ok(())
}

/// How far a channel is settled or settling: the highest `upto` of its pending or
/// confirmed settlements, leaving out `except`.
async fn settled_upto(conn: &mut SqliteConnection, id: ChannelId, except: Option<i64>) -> Result<Amount> {
    let mut upto = Amount::ZERO;
    for part in channel_settlements(conn, id).await? {
        if Some(part.id) != except && part.state != SettlementState::Failed {
            upto = upto.max(part.upto);
        }
    }
    Ok(upto)
}

async fn update_settlement(
    conn: &mut SqliteConnection,
    id: i64,
    state: SettlementState,
    txid: Option<&str>,
    attempts: i64,
    at: UnixTime,
) -> Result<()> {
    let state = state.as_str();
    sqlx::query!(
        "UPDATE settlements SET state = ?, txid = ?, attempts = ?, updated_at = ? WHERE id = ?",
        state,
        txid,
        attempts,
        at,
        id
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl FromStr for Direction {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Direction::parse(s)
    }
}
