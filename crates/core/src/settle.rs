//! Settlement (docs/PROTOCOL.md §10): the payer pays what its vouchers promised with one
//! BTT TRC-20 transfer per payee, the channel ids in the memo, and records each step in
//! the ledger.
//!
//! Runs when a payee is owed more than the threshold (every [`SETTLE_EVERY`]), and with
//! `force` when the app quits. A transfer that cannot be sent (offline, node refusal) stays
//! owed and is tried again on the next round, so nothing is lost; the ledger shows it as
//! failed and then pending again.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use bidswarm_ledger::{Ledger, NewSettlement};
use bidswarm_speed::Amount;
use bidswarm_tron::Client;
use bidswarm_wallet::{
    tx::{trc20_transfer, TxHeader},
    Address, ChannelId,
};
use tracing::{info, warn};

use crate::speed::{Owed, SpeedService};

/// How often the settlement round runs: payments due are sent, and transfers that arrived
/// are matched to our earn channels.
pub(crate) const SETTLE_EVERY: Duration = Duration::from_secs(10);
/// TRX (in sun) a settlement may burn for energy.
const FEE_LIMIT_SUN: u64 = 20_000_000;
/// How long to wait for a settlement to be in a block.
const CONFIRM_WITHIN: Duration = Duration::from_secs(30);

/// What one settlement did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    pub payee: Address,
    pub amount: Amount,
    pub txid: String,
}

/// Settles every payee owed at least `threshold` (everything owed with `force`). Returns
/// the confirmed settlements.
pub(crate) async fn settle(
    speed: &Arc<SpeedService>,
    node: &Client,
    ledger: Option<&Ledger>,
    threshold: Amount,
    force: bool,
) -> Vec<Settled> {
    let Some(me) = speed.identity() else { return Vec::new() };
    let mut by_payee: BTreeMap<Address, Vec<(ChannelId, Owed)>> = BTreeMap::new();
    for (channel, owed) in speed.unsettled() {
        by_payee.entry(owed.counterparty).or_default().push((channel, owed));
    }
    let mut done = Vec::new();
    for (payee, channels) in by_payee {
        let amount = channels.iter().fold(Amount::ZERO, |sum, (_, o)| {
            sum.checked_add(o.promised.saturating_sub(o.settled)).unwrap_or(sum)
        });
        if amount.is_zero() || (!force && amount < threshold) {
            continue;
        }
        let at = unix_now();
        let ranges: Vec<(ChannelId, bidswarm_ledger::Amount)> = channels
            .iter()
            .map(|(c, o)| (*c, bidswarm_ledger::Amount::from_base_units(o.promised.0)))
            .collect();
        let memo = format!(
            "{MEMO_PREFIX}{}",
            channels.iter().map(|(c, _)| c.to_string()).collect::<Vec<_>>().join(",")
        );
        let pending = match ledger {
            Some(l) => {
                match l.settlement_pending(&NewSettlement { channels: ranges, txid: None }, at).await {
                    Ok(id) => Some(id),
                    Err(e) => {
                        warn!(%payee, "the ledger refused the settlement, so it is not sent: {e}");
                        continue;
                    }
                }
            }
            None => None,
        };
        match send(node, &me, payee, amount, memo).await {
            Ok(txid) => {
                if let (Some(l), Some(id)) = (ledger, pending) {
                    if let Err(e) = l.settlement_confirmed(id, &txid, unix_now()).await {
                        warn!(%txid, "settled on chain but the ledger did not record it: {e}");
                    }
                }
                for (channel, owed) in &channels {
                    speed.mark_settled(*channel, owed.promised);
                }
                info!(%payee, %amount, %txid, "settled");
                done.push(Settled { payee, amount, txid });
            }
            Err(e) => {
                warn!(%payee, %amount, "settlement not sent, will retry: {e}");
                if let (Some(l), Some(id)) = (ledger, pending) {
                    let _ = l.settlement_failed(id, unix_now()).await;
                }
            }
        }
    }
    done
}

/// The memo every settlement carries before its channel ids.
const MEMO_PREFIX: &str = "bt_speed:v1:";

/// The payee's side: looks at the BTT transfers our address received, and marks the earn
/// channels a settlement names as settled when it pays at least what they owe. `seen`
/// holds the txids already handled.
pub(crate) async fn watch_incoming(
    speed: &Arc<SpeedService>,
    node: &Client,
    ledger: Option<&Ledger>,
    seen: &mut std::collections::HashSet<String>,
) -> anyhow::Result<Vec<Settled>> {
    let Some(me) = speed.identity() else { return Ok(Vec::new()) };
    let mut done = Vec::new();
    for transfer in node.trc20_history(&me.address, 50).await? {
        if transfer.to != me.address
            || transfer.asset != bidswarm_tron::Asset::Trc20(me.token)
            || seen.contains(&transfer.txid)
        {
            continue;
        }
        let Some(memo) = transfer.memo.as_deref().and_then(|m| std::str::from_utf8(m).ok()) else { continue };
        let Some(ids) = memo.strip_prefix(MEMO_PREFIX) else { continue };
        let channels: Vec<ChannelId> = ids.split(',').filter_map(|id| id.parse().ok()).collect();
        let owed = speed.earned_unsettled(transfer.from, &channels);
        // Credited to the named channels in the memo's order, each up to what it is owed
        // (PROTOCOL.md §10). A payer settles what it promised when it sent the transfer;
        // vouchers that arrived since stay owed for its next settlement.
        let mut left = Amount(transfer.amount);
        let mut credited: Vec<(ChannelId, Amount)> = Vec::new();
        for (channel, o) in &owed {
            let take = left.min(o.promised.saturating_sub(o.settled));
            if take.is_zero() {
                break;
            }
            credited.push((*channel, o.settled.checked_add(take).unwrap_or(o.promised)));
            left = left.saturating_sub(take);
        }
        if credited.is_empty() {
            // Not (yet) ours to match: unknown channels, or nothing owed on them.
            continue;
        }
        seen.insert(transfer.txid.clone());
        if let Some(l) = ledger {
            let ranges = credited
                .iter()
                .map(|(c, upto)| (*c, bidswarm_ledger::Amount::from_base_units(upto.0)))
                .collect();
            let recorded = async {
                let id = l
                    .settlement_pending(
                        &NewSettlement { channels: ranges, txid: Some(transfer.txid.clone()) },
                        unix_now(),
                    )
                    .await?;
                l.settlement_confirmed(id, &transfer.txid, unix_now()).await
            }
            .await;
            if let Err(e) = recorded {
                warn!(txid = %transfer.txid, "a settlement arrived but the ledger did not record it: {e}");
            }
        }
        for (channel, upto) in &credited {
            speed.mark_settled(*channel, *upto);
        }
        if !left.is_zero() {
            info!(txid = %transfer.txid, surplus = %left, "a settlement paid more than its channels owe");
        }
        info!(payer = %transfer.from, amount = %Amount(transfer.amount), txid = %transfer.txid, "settlement received");
        done.push(Settled { payee: me.address, amount: Amount(transfer.amount), txid: transfer.txid });
    }
    Ok(done)
}

/// Builds, signs, broadcasts and waits for one BTT transfer; returns its txid.
async fn send(
    node: &Client,
    me: &crate::SpeedIdentity,
    payee: Address,
    amount: Amount,
    memo: String,
) -> anyhow::Result<String> {
    let block = node.now_block().await?;
    let now_ms = (unix_now() * 1000).max(block.timestamp_ms);
    let header = TxHeader::new(block.ref_block, now_ms, 10 * 60 * 1000).with_memo(memo.into_bytes());
    let unsigned = trc20_transfer(&header, &me.address, &me.token, &payee, amount.0, FEE_LIMIT_SUN)?;
    let signed = unsigned.sign(me.signer.as_ref())?;
    let txid = node.broadcast(&signed).await?;
    let deadline = tokio::time::Instant::now() + CONFIRM_WITHIN;
    loop {
        if let Some(info) = node.transaction_info(&txid).await? {
            anyhow::ensure!(
                info.success,
                "the transfer failed on chain: {}",
                info.failure.unwrap_or_default()
            );
            return Ok(txid);
        }
        anyhow::ensure!(tokio::time::Instant::now() < deadline, "not in a block within {CONFIRM_WITHIN:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}
