//! The TRX the chain burnt for the user's own sends from the wallet page: noted when a
//! send is signed, filled in once the node shows it in a block (or 0 once it expired
//! without one). TRX, not BTT: kept beside the journal, which books BTT only.

use bidswarm_wallet::Address;

use crate::rows::address;
use crate::{Error, Ledger, Result, UnixTime};

/// What a send moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendAsset {
    Trx,
    Btt,
}

impl SendAsset {
    fn as_str(self) -> &'static str {
        match self {
            SendAsset::Trx => "trx",
            SendAsset::Btt => "btt",
        }
    }

    fn parse(text: &str) -> Result<SendAsset> {
        match text {
            "trx" => Ok(SendAsset::Trx),
            "btt" => Ok(SendAsset::Btt),
            other => Err(Error::Corrupt { what: "send_fees.asset", detail: other.to_owned() }),
        }
    }
}

/// A transfer the user signed from one of our accounts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Send {
    /// 64 lowercase hex digits.
    pub txid: String,
    /// Our account that signed it and pays its fee.
    pub account: Address,
    pub to: Address,
    pub asset: SendAsset,
    /// The chain it was sent on (`mainnet`, `nile`, `shasta`, `devnet:<port>`).
    pub network: String,
    /// `raw_data.expiration`, milliseconds since the Unix epoch.
    pub expiration_ms: i64,
    pub at: UnixTime,
}

/// A send and the TRX its transaction burnt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendFee {
    pub send: Send,
    pub fee_sun: u64,
}

impl Ledger {
    /// Notes a send as it is signed, before it is broadcast, so its fee is followed even
    /// when the broadcast's answer is lost. The same send again is a no-op; another under
    /// the same txid is refused.
    pub async fn send_signed(&self, send: &Send) -> Result<()> {
        let _guard = self.write_lock.lock().await;
        let account = send.account.as_bytes().as_slice();
        let to = send.to.as_bytes().as_slice();
        let asset = send.asset.as_str();
        let inserted = sqlx::query!(
            "INSERT INTO send_fees (txid, account, counterparty, asset, network, expiration_ms, at)
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (txid) DO NOTHING",
            send.txid,
            account,
            to,
            asset,
            send.network,
            send.expiration_ms,
            send.at
        )
        .execute(&self.pool)
        .await?
        .rows_affected();
        if inserted == 0 {
            let same = sqlx::query_scalar!(
                "SELECT EXISTS (SELECT 1 FROM send_fees WHERE txid = ? AND account = ? AND counterparty = ? AND asset = ?) AS \"same!: bool\"",
                send.txid,
                account,
                to,
                asset
            )
            .fetch_one(&self.pool)
            .await?;
            if !same {
                return Err(Error::DuplicateTx(send.txid.clone()));
            }
        }
        Ok(())
    }

    /// Up to `limit` sends on `network` whose fee is not known yet: the least often checked
    /// first (see [`Ledger::send_checked`]), then the oldest.
    pub async fn sends_without_fee(&self, network: &str, limit: u32) -> Result<Vec<Send>> {
        let mut conn = self.pool.acquire().await?;
        let rows = sqlx::query!(
            "SELECT txid, account, counterparty, asset, network, expiration_ms, at FROM send_fees
             WHERE fee_sun IS NULL AND network = ? ORDER BY checks, at, txid LIMIT ?",
            network,
            limit
        )
        .fetch_all(&mut *conn)
        .await?;
        rows.into_iter()
            .map(|r| {
                send_row(r.txid, &r.account, &r.counterparty, &r.asset, r.network, r.expiration_ms, r.at)
            })
            .collect()
    }

    /// Notes that the node was asked about a send's fee and could not tell yet, so sends
    /// asked about less often come first next time.
    pub async fn send_checked(&self, txid: &str) -> Result<()> {
        let _guard = self.write_lock.lock().await;
        sqlx::query!("UPDATE send_fees SET checks = checks + 1 WHERE txid = ? AND fee_sun IS NULL", txid)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Notes what the chain burnt for a send (0 once it expired without a block), at most
    /// `i64::MAX` sun (a figure no chain charges: a node that reports more is clamped, not
    /// refused, so the send stops being asked about). The first figure stays: a node that
    /// later tells another is not believed.
    pub async fn send_fee(&self, txid: &str, fee_sun: u64) -> Result<()> {
        let fee = i64::try_from(fee_sun).unwrap_or(i64::MAX);
        let _guard = self.write_lock.lock().await;
        sqlx::query!("UPDATE send_fees SET fee_sun = ? WHERE txid = ? AND fee_sun IS NULL", fee, txid)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Every send whose fee is known and not zero, oldest first: what the CSV export and
    /// the wallet history show as fees.
    pub async fn send_fees(&self) -> Result<Vec<SendFee>> {
        let mut conn = self.pool.acquire().await?;
        let rows = sqlx::query!(
            "SELECT txid, account, counterparty, asset, network, expiration_ms, at, fee_sun AS \"fee_sun!\"
             FROM send_fees WHERE fee_sun > 0 ORDER BY at, txid"
        )
        .fetch_all(&mut *conn)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(SendFee {
                    send: send_row(
                        r.txid,
                        &r.account,
                        &r.counterparty,
                        &r.asset,
                        r.network,
                        r.expiration_ms,
                        r.at,
                    )?,
                    fee_sun: u64::try_from(r.fee_sun).map_err(|_| Error::Corrupt {
                        what: "send_fees.fee_sun",
                        detail: r.fee_sun.to_string(),
                    })?,
                })
            })
            .collect()
    }

    /// TRX (in sun) burnt for all our sends, as far as their fees are known. Saturating:
    /// the fees are the node's word, and a node that reports absurd ones must not make the
    /// whole summary fail.
    pub async fn send_fees_sun(&self) -> Result<u64> {
        Ok(self.send_fees().await?.iter().fold(0u64, |sum, f| sum.saturating_add(f.fee_sun)))
    }
}

/// A `send_fees` row's columns as a [`Send`].
fn send_row(
    txid: String,
    account: &[u8],
    to: &[u8],
    asset: &str,
    network: String,
    expiration_ms: i64,
    at: UnixTime,
) -> Result<Send> {
    Ok(Send {
        txid,
        account: address(account, "send_fees.account")?,
        to: address(to, "send_fees.counterparty")?,
        asset: SendAsset::parse(asset)?,
        network,
        expiration_ms,
        at,
    })
}
