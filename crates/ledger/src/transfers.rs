//! The ledger's own record of wallet transfers, typed, for the wallet history to merge
//! with the node's: deposits, withdrawals and fees on our accounts, and which txids are
//! bt_speed settlements.

use std::collections::HashSet;

use crate::amount::Stored as _;
use crate::rows::address;
use crate::{Amount, Ledger, Result, WalletTx, WalletTxKind};

impl Ledger {
    /// Every deposit, withdrawal and fee recorded on our accounts, in the order recorded.
    pub async fn wallet_txs(&self) -> Result<Vec<WalletTx>> {
        let mut conn = self.pool.acquire().await?;
        let rows =
            sqlx::query!("SELECT txid, account, kind, counterparty, amount, at FROM wallet_txs ORDER BY id")
                .fetch_all(&mut *conn)
                .await?;
        rows.into_iter()
            .map(|r| {
                Ok(WalletTx {
                    txid: r.txid,
                    account: address(&r.account, "wallet_txs.account")?,
                    kind: WalletTxKind::parse(&r.kind)?,
                    counterparty: r
                        .counterparty
                        .as_deref()
                        .map(|c| address(c, "wallet_txs.counterparty"))
                        .transpose()?,
                    amount: Amount::from_db(&r.amount, "wallet_txs.amount")?,
                    at: r.at,
                })
            })
            .collect()
    }

    /// The txid of every settlement that has one, either way and in any state: on chain
    /// these are BTT transfers, which the wallet history shows as the settlements they are.
    pub async fn settlement_txids(&self) -> Result<HashSet<String>> {
        let mut conn = self.pool.acquire().await?;
        let txids = sqlx::query_scalar!("SELECT txid AS \"txid!\" FROM settlements WHERE txid IS NOT NULL")
            .fetch_all(&mut *conn)
            .await?;
        Ok(txids.into_iter().collect())
    }
}
