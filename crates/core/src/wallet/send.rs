//! Sending TRX or BTT: a quote first, then the confirmed send, and following its fee.

use std::{
    str::FromStr,
    time::{Duration, Instant},
};

use bidswarm_api::{ApiErrorKind, BaseUnits, Response, SendQuote, WalletAsset};
use bidswarm_tron::{
    transfer::{Order, Payment},
    Client, Network,
};
use bidswarm_wallet::Address;
use tracing::{debug, info, warn};

use super::{lock, speed_network_name, ApiResult, Inner, Slot, WalletService};
use crate::error::{api_error, locked_error, no_wallet, node_error, transfer_error, wallet_error};

/// How many sends whose fee is not known yet one settlement round looks at.
const SENDS_FOLLOWED_PER_ROUND: u32 = 8;

/// A quote must be confirmed within this; fees and balances move.
const QUOTE_VALID_FOR: Duration = Duration::from_secs(60);
/// A signed transfer's expiration, after its creation.
const TX_VALID_FOR: Duration = Duration::from_secs(60);

/// A priced transfer waiting for `send`.
#[derive(Debug, Clone)]
pub(super) struct Quote {
    from: Address,
    to: Address,
    asset: WalletAsset,
    amount: u128,
    fee_limit_sun: u64,
    network: Network,
    made: Instant,
}

/// A send's amount (checked as digits when the request was read): above zero, and for TRX
/// within what a transfer's `int64` amount field holds.
fn check_amount(amount: BaseUnits, asset: WalletAsset) -> ApiResult<u128> {
    let unit = match asset {
        WalletAsset::Trx => "sun (10^-6 TRX)",
        WalletAsset::Btt => "BTT base units (10^-18 BTT)",
    };
    if amount.0 == 0 {
        return Err(api_error(
            ApiErrorKind::BadRequest,
            format!("the amount must be a whole number of {unit} above zero"),
        ));
    }
    if amount.0 > i64::MAX as u128 && asset == WalletAsset::Trx {
        return Err(api_error(
            ApiErrorKind::BadRequest,
            "that amount is larger than any TRX transfer can be",
        ));
    }
    Ok(amount.0)
}

impl WalletService {
    pub(crate) async fn quote(
        &self,
        to: String,
        asset: WalletAsset,
        amount: BaseUnits,
    ) -> ApiResult<Response> {
        let inner = &self.inner;
        inner.load().await?;
        let from = inner.address().ok_or_else(no_wallet)?;
        // The input is not echoed: a pasted key in the wrong field must not come back.
        let to = Address::from_str(to.trim()).map_err(|e| {
            api_error(ApiErrorKind::InvalidAddress, format!("the recipient is not a TRON address: {e}"))
        })?;
        if to == from {
            return Err(api_error(
                ApiErrorKind::BadRequest,
                "that is this wallet's own address; send to another one",
            ));
        }
        let amount = check_amount(amount, asset)?;
        let client = inner.client();
        if asset == WalletAsset::Btt && client.btt_contract().is_none() {
            return Err(api_error(
                ApiErrorKind::BadRequest,
                format!(
                    "the {} network has no BTT; choose mainnet or the local test network",
                    client.network().name()
                ),
            ));
        }
        let onchain = inner.onchain(from, true).await;
        let trx = match &onchain.trx_sun {
            Ok(trx) => u128::from(*trx),
            Err(reason) => {
                return Err(api_error(
                    ApiErrorKind::Offline,
                    format!("{reason}; sending needs the network, nothing was sent"),
                ))
            }
        };
        // Before the fee: the node cannot run a transfer of BTT the wallet does not have,
        // so its energy could not be estimated.
        if asset == WalletAsset::Btt {
            let btt = onchain.btt.ok_or_else(|| {
                api_error(
                    ApiErrorKind::Offline,
                    "the node did not tell the BTT balance; try again in a moment",
                )
            })?;
            if btt < amount {
                return Err(api_error(
                    ApiErrorKind::InsufficientFunds,
                    format!("the wallet holds {btt} BTT base units, fewer than the {amount} to send; nothing was sent"),
                ));
            }
        }
        // From the node's own fee parameters, our free and staked bandwidth and energy,
        // whether the recipient exists (TRX) or holds BTT (the energy the call uses now):
        // mainnet's rules on every network (bidswarm_tron::fee).
        let fee_quote = match asset {
            WalletAsset::Trx => {
                let amount_sun = u64::try_from(amount)
                    .map_err(|_| wallet_error(bidswarm_wallet::Error::AmountTooLarge(amount)))?;
                client.quote_trx_transfer(&from, &to, amount_sun, None).await
            }
            WalletAsset::Btt => {
                let token = client
                    .btt_contract()
                    .ok_or_else(|| api_error(ApiErrorKind::BadRequest, "this network has no BTT"))?;
                client.quote_trc20_transfer(&token, &from, &to, amount, None).await
            }
        }
        .map_err(|e| node_error(e, true))?;
        let fee_estimate_sun = fee_quote.total_sun();
        let fee_limit_sun = match asset {
            WalletAsset::Trx => 0,
            WalletAsset::Btt => fee_quote.fee_limit_sun(),
        };
        // The node can charge differently than quoted (free bandwidth used meanwhile, a
        // recipient that emptied its balance), so no quote is exact.
        let fee_exact = false;
        let fee = u128::from(fee_estimate_sun);
        let (total_trx, total_btt) = match asset {
            WalletAsset::Trx => (amount + fee, 0),
            WalletAsset::Btt => (fee, amount),
        };
        if trx < total_trx {
            let what = match asset {
                WalletAsset::Trx => format!("the amount plus the fee of about {fee_estimate_sun} sun"),
                WalletAsset::Btt => format!("{fee_estimate_sun} sun of TRX for the network fee"),
            };
            return Err(api_error(
                ApiErrorKind::InsufficientFunds,
                format!("the wallet holds {trx} sun of TRX, and this transfer needs {total_trx} sun ({what}); nothing was sent"),
            ));
        }
        let quote_id = hex::encode(rand::random::<[u8; 16]>());
        let network = client.network().clone();
        let quote = SendQuote {
            quote_id: quote_id.clone(),
            network: network.name().into(),
            from: from.to_base58(),
            to: to.to_base58(),
            asset,
            amount: amount.to_string(),
            fee_estimate_sun: fee_estimate_sun.to_string(),
            fee_limit_sun: fee_limit_sun.to_string(),
            fee_exact,
            total_trx_sun: total_trx.to_string(),
            total_btt: total_btt.to_string(),
            expires_in_secs: QUOTE_VALID_FOR.as_secs(),
        };
        let mut quotes = lock(&inner.quotes);
        quotes.retain(|_, q| q.made.elapsed() < QUOTE_VALID_FOR);
        quotes.insert(
            quote_id,
            Quote { from, to, asset, amount, fee_limit_sun, network, made: Instant::now() },
        );
        drop(quotes);
        inner.touch();
        Ok(Response::SendQuote { quote })
    }

    pub(crate) async fn send(&self, quote_id: String) -> ApiResult<Response> {
        let inner = &self.inner;
        inner.load().await?;
        let quote = lock(&inner.quotes).remove(&quote_id).ok_or_else(|| {
            api_error(
                ApiErrorKind::BadRequest,
                "there is no such quote (it was used already, or never made); ask for a new one",
            )
        })?;
        if quote.made.elapsed() >= QUOTE_VALID_FOR {
            return Err(api_error(
                ApiErrorKind::BadRequest,
                "the quote expired (a quote holds for 60 seconds, as fees and balances change); ask for a new one",
            ));
        }
        let key = match &*lock(&inner.slot) {
            Slot::Unlocked { key, .. } if key.address == quote.from => Some(key.clone()),
            Slot::Unlocked { .. } => {
                return Err(api_error(
                    ApiErrorKind::BadRequest,
                    "the quote was made for another wallet; ask for a new one",
                ))
            }
            _ => None,
        };
        let Some(key) = key else {
            // Kept, so the user can unlock and confirm the same quote.
            lock(&inner.quotes).insert(quote_id, quote);
            return Err(locked_error("send (the quote is kept until it expires)"));
        };
        let client = inner.client();
        if *client.network() != quote.network {
            return Err(api_error(
                ApiErrorKind::BadRequest,
                "the network changed since the quote; ask for a new one",
            ));
        }
        let payment = match quote.asset {
            WalletAsset::Trx => Payment::Trx {
                amount_sun: u64::try_from(quote.amount)
                    .map_err(|_| wallet_error(bidswarm_wallet::Error::AmountTooLarge(quote.amount)))?,
            },
            WalletAsset::Btt => Payment::Trc20 {
                token: client
                    .btt_contract()
                    .ok_or_else(|| api_error(ApiErrorKind::BadRequest, "this network has no BTT"))?,
                amount: quote.amount,
                fee_limit_sun: quote.fee_limit_sun,
            },
        };
        let order =
            Order { from: quote.from, to: quote.to, payment, memo: Vec::new(), valid_for: TX_VALID_FOR };
        let signed = client.sign_transfer(&order, key.as_ref()).await.map_err(transfer_error)?;
        // The txid is the hash of what we signed, whatever the node answers. Noted before
        // the broadcast, so its fee is followed even when the answer is lost.
        let txid = signed.txid_hex();
        inner.record_send(&txid, &quote, signed.unsigned().raw().expiration).await;
        client.submit(&signed).await.map_err(|e| node_error(e, true))?;
        info!(%txid, asset = ?quote.asset, to = %quote.to, amount = %quote.amount, "transfer sent");
        *lock(&inner.cache) = None;
        inner.touch();
        if quote.asset == WalletAsset::Btt {
            inner.record_withdrawal(&txid, &quote).await;
        }
        Ok(Response::Sent { txid })
    }

    /// Reads the fee of up to [`SENDS_FOLLOWED_PER_ROUND`] sends not followed to their end,
    /// the least often asked about first: the node's `fee` once the transfer is in a block,
    /// 0 once it expired in none (by `settle::expired`'s rule). Needs no key; restarts pick
    /// up where they stopped.
    pub(crate) async fn follow_send_fees(&self) {
        let Some(ledger) = &self.inner.ledger else { return };
        // The wallet's own node, and only the sends made on its chain: a send on another
        // is not in this one's blocks, and must not be taken for expired.
        let node = self.inner.client();
        let network = speed_network_name(node.network());
        let sends = match ledger.sends_without_fee(&network, SENDS_FOLLOWED_PER_ROUND).await {
            Ok(sends) => sends,
            Err(e) => {
                warn!("cannot read the sends whose fee is not known: {e}");
                return;
            }
        };
        for send in sends {
            let fee = match send_fee(&node, &send).await {
                Ok(Some(fee)) => fee,
                Ok(None) => {
                    if let Err(e) = ledger.send_checked(&send.txid).await {
                        warn!(txid = %send.txid, "the ledger did not note a send's check: {e}");
                    }
                    continue;
                }
                Err(e) => {
                    debug!(txid = %send.txid, "cannot read a send's fee yet: {e}");
                    return;
                }
            };
            info!(txid = %send.txid, fee_sun = fee, "a send's fee is known");
            if let Err(e) = ledger.send_fee(&send.txid, fee).await {
                warn!(txid = %send.txid, "the ledger did not take a send's fee: {e}");
            }
        }
    }
}

impl Inner {
    /// Notes a send as signed, so [`WalletService::follow_send_fees`] reads its fee.
    async fn record_send(&self, txid: &str, quote: &Quote, expiration_ms: i64) {
        let Some(ledger) = &self.ledger else { return };
        let at = bidswarm_primitives::unix_secs();
        let send = bidswarm_ledger::Send {
            txid: txid.to_owned(),
            account: quote.from,
            to: quote.to,
            asset: match quote.asset {
                WalletAsset::Trx => bidswarm_ledger::SendAsset::Trx,
                WalletAsset::Btt => bidswarm_ledger::SendAsset::Btt,
            },
            network: speed_network_name(&quote.network),
            expiration_ms,
            at,
        };
        let result = async {
            ledger.add_account(quote.from, "wallet", at).await?;
            ledger.send_signed(&send).await
        }
        .await;
        if let Err(e) = result {
            warn!(%txid, "the ledger did not note the send, so its fee will not be shown: {e}");
        }
    }

    async fn record_withdrawal(&self, txid: &str, quote: &Quote) {
        let Some(ledger) = &self.ledger else { return };
        let at = bidswarm_primitives::unix_secs();
        let wtx = bidswarm_ledger::WalletTx {
            txid: txid.to_owned(),
            account: quote.from,
            kind: bidswarm_ledger::WalletTxKind::Withdrawal,
            counterparty: Some(quote.to),
            amount: bidswarm_ledger::Amount(quote.amount),
            at,
        };
        let result = async {
            ledger.add_account(quote.from, "wallet", at).await?;
            ledger.record_wallet_tx(&wtx).await.map(|_| ())
        }
        .await;
        if let Err(e) = result {
            warn!(%txid, "the ledger did not record the transfer: {e}");
        }
    }
}

/// What the chain burnt for `send`: its receipt's `fee` once it is in a block, 0 once it
/// expired in none, `None` while it may still land.
async fn send_fee(node: &Client, send: &bidswarm_ledger::Send) -> anyhow::Result<Option<u64>> {
    if let Some(info) = node.transaction_info(&send.txid).await? {
        return Ok(Some(info.fee_sun));
    }
    if !crate::settle::expired(node, send.expiration_ms).await? {
        return Ok(None);
    }
    // Looked for once more after the head time, as a settlement is: a block with it may
    // have come between.
    Ok(Some(node.transaction_info(&send.txid).await?.map_or(0, |i| i.fee_sun)))
}
