//! The devnet's state in SQLite, and the checks a broadcast passes before it changes it.
//!
//! Invariant: every change (a broadcast, a faucet credit, a new block) happens inside one
//! SQLite transaction while `write` is held, so a check and the change it allows see the
//! same balances, and a crash leaves either all of a change or none of it.
//!
//! Amounts: TRX in sun as INTEGER (at most 2^63-1, like TRON's int64); BTT in base units
//! as decimal TEXT, because a `u128` does not fit SQLite's INTEGER.

use std::path::Path;
use std::str::FromStr;

use bidswarm_wallet::{
    tx::{decode_trc20_transfer, SignedTransaction, TransactionJson, TxContract},
    Address, Signature,
};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::{
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    Row, SqliteConnection, SqlitePool,
};
use tokio::sync::Mutex;

use crate::{Error, Result};
use crate::{
    BANDWIDTH_WINDOW_MS, MAINNET_FEES, MAX_EXPIRATION_AHEAD_MS, TAPOS_WINDOW, TRC20_ENERGY_TO_HOLDER,
    TRC20_ENERGY_TO_NEW_HOLDER,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS accounts (
    address    TEXT PRIMARY KEY,
    trx_sun    INTEGER NOT NULL DEFAULT 0,
    btt        TEXT NOT NULL DEFAULT '0',
    created_ms INTEGER NOT NULL
    -- added later, see COLUMNS_ADDED: activated, free_net_used, free_net_at_ms
);
CREATE TABLE IF NOT EXISTS blocks (
    number       INTEGER PRIMARY KEY,
    id           TEXT NOT NULL,
    parent       TEXT NOT NULL,
    tx_root      TEXT NOT NULL,
    timestamp_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS transactions (
    txid            TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    owner           TEXT NOT NULL,
    to_address      TEXT NOT NULL,
    contract        TEXT,
    amount          TEXT NOT NULL,
    fee_sun         INTEGER NOT NULL,
    energy_used     INTEGER NOT NULL,
    memo            TEXT,
    json            TEXT NOT NULL,
    received_ms     INTEGER NOT NULL,
    block_number    INTEGER,
    block_timestamp INTEGER
);
-- added later, see COLUMNS_ADDED: transactions.receipt
CREATE INDEX IF NOT EXISTS transactions_owner ON transactions(owner);
CREATE INDEX IF NOT EXISTS transactions_to ON transactions(to_address);
CREATE INDEX IF NOT EXISTS transactions_pending ON transactions(block_number) WHERE block_number IS NULL;
";

/// Columns added after the first schema, so a devnet file made before them still opens.
/// `activated` is 0 for an address that only ever received BTT: mainnet has no account for
/// it (a TRC-20 transfer creates none), so a TRX transfer to it pays for creating one.
const COLUMNS_ADDED: [(&str, &str, &str); 4] = [
    ("accounts", "activated", "ALTER TABLE accounts ADD COLUMN activated INTEGER NOT NULL DEFAULT 1"),
    ("accounts", "free_net_used", "ALTER TABLE accounts ADD COLUMN free_net_used INTEGER NOT NULL DEFAULT 0"),
    (
        "accounts",
        "free_net_at_ms",
        "ALTER TABLE accounts ADD COLUMN free_net_at_ms INTEGER NOT NULL DEFAULT 0",
    ),
    ("transactions", "receipt", "ALTER TABLE transactions ADD COLUMN receipt TEXT"),
];

/// What a transaction burnt, and the resources it used: the `receipt` of
/// `gettransactioninfobyid`, plus the two fees the node reports only in the total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Receipt {
    /// Bytes paid from free bandwidth.
    pub net_usage: u64,
    /// Sun burnt for bandwidth, or the account-creation fee that replaces it.
    pub net_fee: u64,
    pub energy_usage_total: u64,
    pub energy_fee: u64,
    pub memo_fee: u64,
    /// `getCreateNewAccountFeeInSystemContract`, for a TRX transfer that created an account.
    pub account_fee: u64,
}

impl Receipt {
    /// The transaction's `fee`: everything it burnt.
    pub fn fee(&self) -> u64 {
        self.net_fee + self.energy_fee + self.memo_fee + self.account_fee
    }

    /// `receipt` in java-tron's JSON: fields that are zero are left out (proto3).
    fn to_json(self, contract_call: bool) -> Value {
        let mut r = serde_json::Map::new();
        for (key, value) in [
            ("energy_fee", self.energy_fee),
            ("energy_usage_total", self.energy_usage_total),
            ("net_usage", self.net_usage),
            ("net_fee", self.net_fee),
        ] {
            if value > 0 {
                r.insert(key.into(), value.into());
            }
        }
        if contract_call {
            r.insert("result".into(), "SUCCESS".into());
        }
        Value::Object(r)
    }
}

/// Free bandwidth still counted as used `now_ms`, `used` having been recorded at `at_ms`:
/// it recovers linearly over [`BANDWIDTH_WINDOW_MS`] (java-tron's `increase` with no new
/// usage).
pub(crate) fn recovered(used: u64, at_ms: i64, now_ms: i64) -> u64 {
    let elapsed = now_ms.saturating_sub(at_ms).max(0);
    if elapsed >= BANDWIDTH_WINDOW_MS {
        return 0;
    }
    let left = u128::from(used) * u128::try_from(BANDWIDTH_WINDOW_MS - elapsed).unwrap_or(0);
    u64::try_from(left.div_ceil(u128::try_from(BANDWIDTH_WINDOW_MS).unwrap_or(1))).unwrap_or(u64::MAX)
}

/// A block as the devnet keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Block {
    pub number: u64,
    pub id: [u8; 32],
    pub parent: [u8; 32],
    pub tx_root: [u8; 32],
    pub timestamp_ms: i64,
}

impl Block {
    /// TRON's block id: the number in the first 8 bytes, then 24 bytes of a hash of the
    /// header (here sha256 of parent, number, timestamp and the transactions' root).
    fn new(number: u64, parent: [u8; 32], timestamp_ms: i64, tx_root: [u8; 32]) -> Self {
        let mut h = Sha256::new();
        h.update(parent);
        h.update(number.to_be_bytes());
        h.update(timestamp_ms.to_be_bytes());
        h.update(tx_root);
        let hash: [u8; 32] = h.finalize().into();
        let mut id = hash;
        id[..8].copy_from_slice(&number.to_be_bytes());
        Self { number, id, parent, tx_root, timestamp_ms }
    }

    /// `/wallet/getnowblock`'s shape.
    pub fn to_json(self) -> Value {
        json!({
            "blockID": hex::encode(self.id),
            "block_header": {
                "raw_data": {
                    "number": self.number,
                    "txTrieRoot": hex::encode(self.tx_root),
                    "witness_address": crate::devnet_witness().to_hex(),
                    "parentHash": hex::encode(self.parent),
                    "version": 30,
                    "timestamp": self.timestamp_ms,
                },
                "witness_signature": "",
            },
        })
    }
}

/// A devnet account's balances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Account {
    pub trx_sun: u64,
    pub btt: u128,
    pub created_ms: i64,
    /// False for an address that only received BTT: mainnet has no account for it.
    pub activated: bool,
    /// Free bandwidth used, as of `free_net_at_ms`.
    pub free_net_used: u64,
    pub free_net_at_ms: i64,
}

impl Account {
    fn new(now_ms: i64) -> Self {
        Self { trx_sun: 0, btt: 0, created_ms: now_ms, activated: false, free_net_used: 0, free_net_at_ms: 0 }
    }
}

/// A refused broadcast, in the node's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reject {
    pub code: &'static str,
    pub message: String,
}

fn reject(code: &'static str, message: impl Into<String>) -> Reject {
    Reject { code, message: message.into() }
}

/// What a verified transaction does to balances.
enum Effect {
    Trx { owner: Address, to: Address, amount_sun: u64 },
    Trc20 { owner: Address, to: Address, amount: u128 },
}

#[derive(Debug)]
pub(crate) struct Chain {
    pool: SqlitePool,
    write: Mutex<()>,
    btt_contract: Address,
}

impl Chain {
    /// Opens (or creates) the state at `db`, or in memory when `None`, and makes the
    /// genesis block if there is none.
    pub async fn open(db: Option<&Path>, btt_contract: Address, now_ms: i64) -> Result<Self> {
        let options = match db {
            Some(path) => SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal),
            None => SqliteConnectOptions::new().in_memory(true),
        };
        // One connection: writes are serialised anyway, and an in-memory database lives
        // only as long as its connection, so it must never be closed for idling.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        sqlx::raw_sql(SCHEMA).execute(&pool).await?;
        for (table, column, alter) in COLUMNS_ADDED {
            let present: Option<i64> =
                sqlx::query_scalar("SELECT 1 FROM pragma_table_info(?) WHERE name = ?")
                    .bind(table)
                    .bind(column)
                    .fetch_optional(&pool)
                    .await?;
            if present.is_none() {
                sqlx::raw_sql(alter).execute(&pool).await?;
            }
        }
        let chain = Self { pool, write: Mutex::new(()), btt_contract };
        if chain.head().await?.is_none() {
            let genesis = Block::new(0, [0; 32], now_ms, [0; 32]);
            let mut conn = chain.pool.acquire().await?;
            insert_block(&mut conn, &genesis).await?;
        }
        Ok(chain)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub async fn head(&self) -> Result<Option<Block>> {
        let mut conn = self.pool.acquire().await?;
        head(&mut conn).await
    }

    /// Seals the pending transactions into a new block.
    pub async fn produce_block(&self, now_ms: i64) -> Result<Block> {
        let _write = self.write.lock().await;
        let mut db = self.pool.begin().await?;
        let parent =
            head(&mut db).await?.ok_or_else(|| Error::State("the devnet has no genesis block".into()))?;
        let pending: Vec<String> =
            sqlx::query("SELECT txid FROM transactions WHERE block_number IS NULL ORDER BY rowid")
                .fetch_all(&mut *db)
                .await?
                .iter()
                .map(|r| r.get(0))
                .collect();
        let mut root = Sha256::new();
        for txid in &pending {
            root.update(txid.as_bytes());
        }
        let block = Block::new(
            parent.number + 1,
            parent.id,
            now_ms.max(parent.timestamp_ms + 1),
            root.finalize().into(),
        );
        insert_block(&mut db, &block).await?;
        sqlx::query(
            "UPDATE transactions SET block_number = ?, block_timestamp = ? WHERE block_number IS NULL",
        )
        .bind(sql_i64(block.number))
        .bind(block.timestamp_ms)
        .execute(&mut *db)
        .await?;
        // Only the last TAPOS_WINDOW blocks can be referenced; older ones are not needed.
        sqlx::query("DELETE FROM blocks WHERE number < ?")
            .bind(sql_i64(block.number.saturating_sub(TAPOS_WINDOW)))
            .execute(&mut *db)
            .await?;
        db.commit().await?;
        Ok(block)
    }

    pub async fn account(&self, address: &Address) -> Result<Option<Account>> {
        let mut conn = self.pool.acquire().await?;
        account(&mut conn, address).await
    }

    /// Credits `address`; `Ok(Err(..))` says why the credit is refused (a balance would
    /// overflow).
    pub async fn faucet(
        &self,
        address: &Address,
        trx_sun: u64,
        btt: u128,
        now_ms: i64,
    ) -> Result<Result<Account, String>> {
        let _write = self.write.lock().await;
        let mut db = self.pool.begin().await?;
        let before = account(&mut db, address).await?.unwrap_or(Account::new(now_ms));
        let after = match (before.trx_sun.checked_add(trx_sun), before.btt.checked_add(btt)) {
            // TRX activates the account, as a TRX transfer would; BTT alone does not.
            (Some(t), Some(b)) if i64::try_from(t).is_ok() => {
                Account { trx_sun: t, btt: b, activated: before.activated || trx_sun > 0, ..before }
            }
            _ => return Ok(Err("the balance would overflow".into())),
        };
        put_account(&mut db, address, &after).await?;
        db.commit().await?;
        Ok(Ok(after))
    }

    /// Verifies and applies a broadcast transaction. `Ok(Err(..))` is the node's refusal.
    pub async fn broadcast(&self, tx: &TransactionJson, now_ms: i64) -> Result<Result<String, Reject>> {
        let (signed, effect) = match self.verify_alone(tx, now_ms) {
            Ok(v) => v,
            Err(r) => return Ok(Err(r)),
        };
        let txid = signed.txid_hex();

        let _write = self.write.lock().await;
        let mut db = self.pool.begin().await?;
        if sqlx::query("SELECT 1 FROM transactions WHERE txid = ?")
            .bind(&txid)
            .fetch_optional(&mut *db)
            .await?
            .is_some()
        {
            return Ok(Err(reject("DUP_TRANSACTION_ERROR", "Dup transaction.")));
        }
        if let Err(r) = tapos(&mut db, &signed).await? {
            return Ok(Err(r));
        }
        let (owner, to) = match effect {
            Effect::Trx { owner, to, .. } | Effect::Trc20 { owner, to, .. } => (owner, to),
        };
        let Some(mut payer) = account(&mut db, &owner).await?.filter(|a| a.activated) else {
            return Ok(Err(reject(
                "CONTRACT_VALIDATE_ERROR",
                format!("Validate contract error: account {} does not exist", owner.to_base58()),
            )));
        };
        let recipient = account(&mut db, &to).await?;
        let fees = MAINNET_FEES;
        let raw = signed.unsigned().raw();
        let mut receipt = Receipt::default();

        // 1. Bandwidth (java-tron's BandwidthProcessor.consume). A TRX transfer that
        // creates its recipient pays the account-creation fee instead of its bytes; any
        // other transaction uses free bandwidth when it covers all of it, else burns
        // TRX for every byte (https://developers.tron.network/docs/resource-model,
        // "Bandwidth"). A balance that cannot pay is refused as the node does.
        let creates_account = matches!(effect, Effect::Trx { .. }) && !recipient.is_some_and(|a| a.activated);
        if creates_account {
            receipt.net_fee = fees.create_account_fee_sun;
        } else {
            let bytes =
                u64::try_from(signed.to_bytes().len()).unwrap_or(u64::MAX) + bidswarm_tron::fee::RESULT_BYTES;
            let used = recovered(payer.free_net_used, payer.free_net_at_ms, now_ms);
            if bytes <= fees.free_net_limit.saturating_sub(used) {
                receipt.net_usage = bytes;
                payer.free_net_used = used + bytes;
                payer.free_net_at_ms = now_ms;
            } else {
                receipt.net_fee = bytes * fees.transaction_fee_sun_per_byte;
            }
        }
        // 2. The memo fee (getMemoFee), for any transaction with raw_data.data.
        if !raw.data.is_empty() {
            receipt.memo_fee = fees.memo_fee_sun;
        }
        let Some(mut left) = payer.trx_sun.checked_sub(receipt.net_fee + receipt.memo_fee) else {
            return Ok(Err(reject(
                "BANDWITH_ERROR",
                format!(
                    "Account resource insufficient error: {} sun cannot pay {} sun for bandwidth and {} sun for the memo",
                    payer.trx_sun, receipt.net_fee, receipt.memo_fee
                ),
            )));
        };

        // 3. The contract.
        let (kind, amount, contract) = match effect {
            Effect::Trx { amount_sun, .. } => {
                if creates_account {
                    receipt.account_fee = fees.create_new_account_fee_sun;
                }
                let Some(rest) =
                    left.checked_sub(amount_sun).and_then(|r| r.checked_sub(receipt.account_fee))
                else {
                    return Ok(Err(reject(
                        "CONTRACT_VALIDATE_ERROR",
                        format!(
                            "Validate TransferContract error, balance is not sufficient: {left} sun after fees, sends {amount_sun}{}",
                            if creates_account { " plus 1 TRX to create the account" } else { "" }
                        ),
                    )));
                };
                left = rest;
                ("trx", u128::from(amount_sun), None)
            }
            Effect::Trc20 { amount, .. } => {
                // A balance slot going from zero to non-zero costs an SSTORE of a new slot.
                let holds = if to == owner { payer.btt > 0 } else { recipient.is_some_and(|a| a.btt > 0) };
                receipt.energy_usage_total =
                    if holds { TRC20_ENERGY_TO_HOLDER } else { TRC20_ENERGY_TO_NEW_HOLDER };
                receipt.energy_fee = receipt.energy_usage_total * fees.energy_fee_sun;
                if raw.fee_limit < sql_i64(receipt.energy_fee) {
                    return Ok(Err(reject(
                        "CONTRACT_VALIDATE_ERROR",
                        format!(
                            "fee_limit {} sun is below the transfer's energy fee of {} sun ({} energy)",
                            raw.fee_limit, receipt.energy_fee, receipt.energy_usage_total
                        ),
                    )));
                }
                let Some(rest) = left.checked_sub(receipt.energy_fee) else {
                    return Ok(Err(reject(
                        "CONTRACT_VALIDATE_ERROR",
                        format!(
                            "balance is not sufficient: {left} sun after bandwidth and memo, the energy fee is {} sun",
                            receipt.energy_fee
                        ),
                    )));
                };
                let Some(btt_rest) = payer.btt.checked_sub(amount) else {
                    return Ok(Err(reject(
                        "CONTRACT_VALIDATE_ERROR",
                        format!("BTT balance is not sufficient: {} base units, sends {amount}", payer.btt),
                    )));
                };
                left = rest;
                payer.btt = btt_rest;
                ("trc20", amount, Some(self.btt_contract.to_base58()))
            }
        };
        payer.trx_sun = left;
        let fee_sun = receipt.fee();
        let energy_used = receipt.energy_usage_total;
        put_account(&mut db, &owner, &payer).await?;
        // Read the payee after the payer is written, so a self-transfer (allowed for
        // TRC-20) credits the balance just debited.
        let mut payee = account(&mut db, &to).await?.unwrap_or(Account::new(now_ms));
        let credited = match kind {
            "trx" => u64::try_from(amount)
                .ok()
                .and_then(|a| payee.trx_sun.checked_add(a))
                .filter(|t| i64::try_from(*t).is_ok())
                .map(|t| {
                    payee.trx_sun = t;
                    payee.activated = true;
                }),
            _ => payee.btt.checked_add(amount).map(|b| payee.btt = b),
        };
        if credited.is_none() {
            return Ok(Err(reject("CONTRACT_EXE_ERROR", "the payee's balance would overflow")));
        }
        put_account(&mut db, &to, &payee).await?;

        let json = serde_json::to_string(&signed.to_json().map_err(Error::from)?)
            .map_err(|e| Error::State(e.to_string()))?;
        sqlx::query(
            "INSERT INTO transactions (txid, kind, owner, to_address, contract, amount, fee_sun, energy_used, memo, json, received_ms, receipt)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&txid)
        .bind(kind)
        .bind(owner.to_base58())
        .bind(to.to_base58())
        .bind(contract)
        .bind(amount.to_string())
        .bind(sql_i64(fee_sun))
        .bind(sql_i64(energy_used))
        .bind((!raw.data.is_empty()).then(|| hex::encode(&raw.data)))
        .bind(json)
        .bind(now_ms)
        .bind(serde_json::to_string(&receipt).map_err(|e| Error::State(e.to_string()))?)
        .execute(&mut *db)
        .await?;
        db.commit().await?;
        tracing::info!(txid = %txid, kind, from = %owner, to = %to, %amount, fee_sun, "accepted");
        Ok(Ok(txid))
    }

    /// The checks that need no state: encoding, txID, signature, expiration and the
    /// contract's own rules.
    fn verify_alone(&self, tx: &TransactionJson, now_ms: i64) -> Result<(SignedTransaction, Effect), Reject> {
        let raw_bytes =
            hex::decode(&tx.raw_data_hex).map_err(|_| reject("OTHER_ERROR", "raw_data_hex is not hex"))?;
        let signatures = tx
            .signature
            .iter()
            .map(|s| Signature::from_hex(s))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| reject("SIGERROR", format!("Validate signature error: {e}")))?;
        let signed = SignedTransaction::from_parts(&raw_bytes, signatures)
            .map_err(|e| reject("OTHER_ERROR", format!("raw_data_hex: {e}")))?;
        if !tx.tx_id.eq_ignore_ascii_case(&signed.txid_hex()) {
            return Err(reject("OTHER_ERROR", "txID is not sha256(raw_data)"));
        }
        // The JSON a node would execute must be the bytes that were signed.
        let canonical = signed.to_json().map_err(|e| reject("CONTRACT_VALIDATE_ERROR", e.to_string()))?;
        if canonical.raw_data != tx.raw_data {
            return Err(reject("OTHER_ERROR", "raw_data does not match raw_data_hex"));
        }
        let contract =
            signed.unsigned().contract().map_err(|e| reject("CONTRACT_VALIDATE_ERROR", e.to_string()))?;
        let owner = *contract.owner();
        match signed.signers() {
            Ok(signers) if signers == [owner] => {}
            Ok(signers) if signers.is_empty() => {
                return Err(reject("SIGERROR", "the transaction is not signed"))
            }
            Ok(signers) if signers.len() > 1 => {
                return Err(reject(
                    "SIGERROR",
                    "the devnet takes one signature (no multi-signature permissions)",
                ))
            }
            Ok(signers) => {
                return Err(reject(
                    "SIGERROR",
                    format!(
                        "Validate signature error: signed by {}, but the owner is {}",
                        signers[0].to_base58(),
                        owner.to_base58()
                    ),
                ))
            }
            Err(e) => return Err(reject("SIGERROR", format!("Validate signature error: {e}"))),
        }
        let expiration = signed.unsigned().raw().expiration;
        if expiration <= now_ms {
            return Err(reject(
                "TRANSACTION_EXPIRATION_ERROR",
                format!("Transaction expired: expiration is {expiration}, the devnet's time is {now_ms}"),
            ));
        }
        if expiration > now_ms.saturating_add(MAX_EXPIRATION_AHEAD_MS) {
            return Err(reject(
                "TRANSACTION_EXPIRATION_ERROR",
                format!("expiration {expiration} is more than 24 h after the devnet's time {now_ms}"),
            ));
        }
        let effect = match contract {
            TxContract::Transfer { owner, to, amount_sun } => {
                let amount_sun = u64::try_from(amount_sun)
                    .ok()
                    .filter(|a| *a > 0)
                    .ok_or_else(|| reject("CONTRACT_VALIDATE_ERROR", "Amount must be greater than 0."))?;
                if to == owner {
                    return Err(reject("CONTRACT_VALIDATE_ERROR", "Cannot transfer TRX to yourself."));
                }
                Effect::Trx { owner, to, amount_sun }
            }
            TxContract::TriggerSmartContract { owner, contract, call_value, data } => {
                if contract != self.btt_contract {
                    return Err(reject(
                        "CONTRACT_VALIDATE_ERROR",
                        format!(
                            "No contract or not a smart contract: the devnet has only BTT at {}",
                            self.btt_contract.to_base58()
                        ),
                    ));
                }
                if call_value != 0 {
                    return Err(reject(
                        "CONTRACT_VALIDATE_ERROR",
                        "BTT's transfer takes no TRX (call_value)",
                    ));
                }
                let (to, amount) = decode_trc20_transfer(&data).ok_or_else(|| {
                    reject("CONTRACT_VALIDATE_ERROR", "the devnet's BTT runs only transfer(address,uint256)")
                })?;
                Effect::Trc20 { owner, to, amount }
            }
            _ => {
                return Err(reject(
                    "CONTRACT_VALIDATE_ERROR",
                    "the devnet runs TRX transfers and BTT (TRC-20) transfers only",
                ))
            }
        };
        Ok((signed, effect))
    }

    /// `/wallet/gettransactioninfobyid`: `{}` until the transaction is in a block. `fee`
    /// is everything burnt (bandwidth, energy, memo, account creation); `receipt` splits
    /// bandwidth and energy, as java-tron's does.
    pub async fn transaction_info(&self, txid: &str) -> Result<Value> {
        let mut conn = self.pool.acquire().await?;
        let row = sqlx::query(
            "SELECT txid, kind, owner, to_address, amount, fee_sun, receipt, block_number, block_timestamp
             FROM transactions WHERE txid = ? AND block_number IS NOT NULL",
        )
        .bind(txid.to_ascii_lowercase())
        .fetch_optional(&mut *conn)
        .await?;
        let Some(row) = row else { return Ok(json!({})) };
        let receipt = stored_receipt(&row);
        let trc20 = row.get::<String, _>("kind") == "trc20";
        let mut info = json!({
            "id": row.get::<String, _>("txid"),
            "blockNumber": row.get::<i64, _>("block_number"),
            "blockTimeStamp": row.get::<i64, _>("block_timestamp"),
            "contractResult": [""],
            "receipt": receipt.to_json(trc20),
        });
        if receipt.fee() > 0 {
            info["fee"] = receipt.fee().into();
        }
        if trc20 {
            let from = parse_stored(&row.get::<String, _>("owner"));
            let to = parse_stored(&row.get::<String, _>("to_address"));
            let amount: u128 = row.get::<String, _>("amount").parse().unwrap_or(0);
            let word = |b: [u8; 20]| format!("{}{}", "0".repeat(24), hex::encode(b));
            info["contract_address"] = self.btt_contract.to_hex().into();
            info["contractResult"] = json!([format!("{:064x}", 1)]);
            info["log"] = json!([{
                "address": hex::encode(self.btt_contract.evm_bytes()),
                "topics": [
                    hex::encode(bidswarm_wallet::keccak256(b"Transfer(address,address,uint256)")),
                    word(from.evm_bytes()),
                    word(to.evm_bytes()),
                ],
                "data": format!("{amount:064x}"),
            }]);
        }
        Ok(info)
    }

    /// `/wallet/gettransactionbyid`: the transaction as broadcast (addresses in hex, as
    /// java-tron answers without `visible`), with its `ret`; `{}` until it is in a block.
    pub async fn transaction_by_id(&self, txid: &str) -> Result<Value> {
        let mut conn = self.pool.acquire().await?;
        let row =
            sqlx::query("SELECT txid, json FROM transactions WHERE txid = ? AND block_number IS NOT NULL")
                .bind(txid.to_ascii_lowercase())
                .fetch_optional(&mut *conn)
                .await?;
        Ok(match row {
            Some(row) => stored_transaction(&row)?,
            None => json!({}),
        })
    }

    /// `/wallet/getblockbynum` and `/wallet/getblock`: the block at `number` (`{}` when
    /// there is none), with its transactions when `detail`.
    pub async fn block(&self, number: u64, detail: bool) -> Result<Value> {
        let mut conn = self.pool.acquire().await?;
        let row =
            sqlx::query("SELECT number, id, parent, tx_root, timestamp_ms FROM blocks WHERE number = ?")
                .bind(sql_i64(number))
                .fetch_optional(&mut *conn)
                .await?;
        let Some(block) = row.map(|r| block_from_row(&r)) else { return Ok(json!({})) };
        let mut out = block.to_json();
        if detail {
            let rows =
                sqlx::query("SELECT txid, json FROM transactions WHERE block_number = ? ORDER BY rowid")
                    .bind(sql_i64(number))
                    .fetch_all(&mut *conn)
                    .await?;
            // Like the node, a block without transactions has no `transactions` field.
            if !rows.is_empty() {
                out["transactions"] = rows.iter().map(stored_transaction).collect::<Result<Vec<_>>>()?.into();
            }
        }
        Ok(out)
    }

    /// The block whose id is `id` (hex), when the devnet still keeps it.
    pub async fn block_number_of(&self, id: &str) -> Result<Option<u64>> {
        let mut conn = self.pool.acquire().await?;
        let row = sqlx::query("SELECT number FROM blocks WHERE id = ?")
            .bind(id.to_ascii_lowercase())
            .fetch_optional(&mut *conn)
            .await?;
        Ok(row.map(|r| u64::try_from(r.get::<i64, _>("number")).unwrap_or(0)))
    }

    /// TronGrid's `/v1/accounts/{address}/transactions[/trc20]` items, newest first. The
    /// TRC-20 items have TronGrid's fields only: no memo (read it with
    /// `gettransactionbyid`).
    pub async fn history(&self, address: &Address, trc20_only: bool, limit: u32) -> Result<Vec<Value>> {
        let mut conn = self.pool.acquire().await?;
        let rows = sqlx::query(
            "SELECT txid, kind, owner, to_address, contract, amount, fee_sun, receipt, json,
                    block_number, block_timestamp
             FROM transactions
             WHERE block_number IS NOT NULL AND (owner = ?1 OR to_address = ?1) AND (?2 = 0 OR kind = 'trc20')
             ORDER BY block_number DESC, rowid DESC LIMIT ?3",
        )
        .bind(address.to_base58())
        .bind(i64::from(trc20_only))
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let txid: String = row.get("txid");
            let block_timestamp: i64 = row.get("block_timestamp");
            if trc20_only {
                out.push(json!({
                    "transaction_id": txid,
                    "token_info": {
                        "symbol": "BTT",
                        "address": row.get::<Option<String>, _>("contract"),
                        "decimals": 18,
                        "name": "BitTorrent (devnet)",
                    },
                    "block_timestamp": block_timestamp,
                    "from": row.get::<String, _>("owner"),
                    "to": row.get::<String, _>("to_address"),
                    "type": "Transfer",
                    "value": row.get::<String, _>("amount"),
                }));
            } else {
                let receipt = stored_receipt(&row);
                let mut item = stored_transaction(&row)?;
                item["ret"] = json!([{ "contractRet": "SUCCESS", "fee": receipt.fee() }]);
                item["blockNumber"] = row.get::<i64, _>("block_number").into();
                item["block_timestamp"] = block_timestamp.into();
                item["net_usage"] = receipt.net_usage.into();
                item["net_fee"] = receipt.net_fee.into();
                item["energy_fee"] = receipt.energy_fee.into();
                item["energy_usage_total"] = receipt.energy_usage_total.into();
                item["internal_transactions"] = json!([]);
                out.push(item);
            }
        }
        Ok(out)
    }
}

/// A stored transaction in the node's JSON, with `ret` as java-tron adds it.
fn stored_transaction(row: &sqlx::sqlite::SqliteRow) -> Result<Value> {
    let txid: String = row.get("txid");
    let mut item: Value = serde_json::from_str(&row.get::<String, _>("json"))
        .map_err(|e| Error::State(format!("stored transaction {txid}: {e}")))?;
    if let Some(o) = item.as_object_mut() {
        o.remove("visible");
    }
    item["ret"] = json!([{ "contractRet": "SUCCESS" }]);
    Ok(item)
}

/// The receipt a transaction was charged by. Rows from before receipts were kept show
/// their whole fee as bandwidth.
fn stored_receipt(row: &sqlx::sqlite::SqliteRow) -> Receipt {
    row.get::<Option<String>, _>("receipt").and_then(|r| serde_json::from_str(&r).ok()).unwrap_or_else(|| {
        Receipt { net_fee: u64::try_from(row.get::<i64, _>("fee_sun")).unwrap_or(0), ..Receipt::default() }
    })
}

fn block_from_row(r: &sqlx::sqlite::SqliteRow) -> Block {
    Block {
        number: u64::try_from(r.get::<i64, _>("number")).unwrap_or(0),
        id: hex32(&r.get::<String, _>("id")),
        parent: hex32(&r.get::<String, _>("parent")),
        tx_root: hex32(&r.get::<String, _>("tx_root")),
        timestamp_ms: r.get("timestamp_ms"),
    }
}

/// Blocks numbers, fees and balances are below 2^63 by construction (TRON's int64).
fn sql_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn parse_stored(s: &str) -> Address {
    // Only addresses we wrote are stored; a damaged row shows as the zero account.
    Address::from_base58(s).unwrap_or_else(|_| Address::from_evm_bytes([0; 20]))
}

fn hex32(s: &str) -> [u8; 32] {
    hex::decode(s).ok().and_then(|b| b.try_into().ok()).unwrap_or([0; 32])
}

async fn head(conn: &mut SqliteConnection) -> Result<Option<Block>> {
    let row = sqlx::query(
        "SELECT number, id, parent, tx_root, timestamp_ms FROM blocks ORDER BY number DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| block_from_row(&r)))
}

async fn insert_block(conn: &mut SqliteConnection, b: &Block) -> Result<()> {
    sqlx::query("INSERT INTO blocks (number, id, parent, tx_root, timestamp_ms) VALUES (?, ?, ?, ?, ?)")
        .bind(sql_i64(b.number))
        .bind(hex::encode(b.id))
        .bind(hex::encode(b.parent))
        .bind(hex::encode(b.tx_root))
        .bind(b.timestamp_ms)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// TaPoS (TRON's `validateTapos`): `ref_block_bytes` are bytes 6..8 of a recent block's
/// number and `ref_block_hash` bytes 8..16 of that block's id.
async fn tapos(conn: &mut SqliteConnection, signed: &SignedTransaction) -> Result<Result<(), Reject>> {
    let raw = signed.unsigned().raw();
    let (Ok(bytes), Ok(hash)) = (
        <[u8; 2]>::try_from(raw.ref_block_bytes.as_slice()),
        <[u8; 8]>::try_from(raw.ref_block_hash.as_slice()),
    ) else {
        return Ok(Err(reject("TAPOS_ERROR", "ref_block_bytes must be 2 bytes and ref_block_hash 8")));
    };
    let row = sqlx::query("SELECT id FROM blocks WHERE (number & 65535) = ? ORDER BY number DESC LIMIT 1")
        .bind(i64::from(u16::from_be_bytes(bytes)))
        .fetch_optional(&mut *conn)
        .await?;
    let found = row.map(|r| hex32(&r.get::<String, _>("id")));
    if found.is_some_and(|id| id[8..16] == hash) {
        Ok(Ok(()))
    } else {
        Ok(Err(reject(
            "TAPOS_ERROR",
            format!(
                "Tapos check error: no recent block {} with hash {}",
                hex::encode(bytes),
                hex::encode(hash)
            ),
        )))
    }
}

async fn account(conn: &mut SqliteConnection, address: &Address) -> Result<Option<Account>> {
    let row = sqlx::query(
        "SELECT trx_sun, btt, created_ms, activated, free_net_used, free_net_at_ms FROM accounts WHERE address = ?",
    )
        .bind(address.to_base58())
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| {
        let btt: String = r.get("btt");
        Ok(Account {
            trx_sun: u64::try_from(r.get::<i64, _>("trx_sun")).unwrap_or(0),
            btt: u128::from_str(&btt)
                .map_err(|_| Error::State(format!("stored BTT balance {btt:?} is not a number")))?,
            created_ms: r.get("created_ms"),
            activated: r.get::<i64, _>("activated") != 0,
            free_net_used: u64::try_from(r.get::<i64, _>("free_net_used")).unwrap_or(0),
            free_net_at_ms: r.get("free_net_at_ms"),
        })
    })
    .transpose()
}

async fn put_account(conn: &mut SqliteConnection, address: &Address, a: &Account) -> Result<()> {
    sqlx::query(
        "INSERT INTO accounts (address, trx_sun, btt, created_ms, activated, free_net_used, free_net_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(address) DO UPDATE SET trx_sun = excluded.trx_sun, btt = excluded.btt,
             activated = excluded.activated, free_net_used = excluded.free_net_used,
             free_net_at_ms = excluded.free_net_at_ms",
    )
    .bind(address.to_base58())
    .bind(sql_i64(a.trx_sun))
    .bind(a.btt.to_string())
    .bind(a.created_ms)
    .bind(i64::from(a.activated))
    .bind(sql_i64(a.free_net_used))
    .bind(a.free_net_at_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
