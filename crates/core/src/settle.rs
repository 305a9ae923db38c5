//! Settlement (docs/PROTOCOL.md §10): the payer pays what its vouchers promised with one
//! BTT TRC-20 transfer per payee, the channel ids in the memo, and records each step in
//! the ledger.
//!
//! Runs every [`SETTLE_EVERY`] for payees owed enough to be worth the fee ([`Due`]), and
//! for every payee when the app quits, a torrent is removed or the user says "settle now".
//!
//! **Worth its fee.** A payee is paid once what we owe it is worth at least the settings'
//! multiple of the fee the node quotes for that very transfer, valued at the user's BTT per
//! TRX rate (`policy::worth_settling`). A node that lies about the fee can make us settle
//! sooner or later than we should, never pay more than the chain charges; and never
//! sooner than [`MIN_FEE_SUN`] allows: a node saying a settlement is free would otherwise
//! get one sent, and its real fee burnt, at every round with a debt. A payee saying our
//! settlement is overdue is paid whatever the fee, once a day at most.
//!
//! **Paid once.** A settlement's transaction is signed once and stored in the ledger with
//! its txid before it is broadcast ([`Ledger::settlement_signed`]). Until it is in a block
//! with success, or has expired, every round rebroadcasts the same bytes (a node that has
//! them answers `DUP_TRANSACTION_ERROR`) and no new transaction is signed for that payee,
//! whatever the node answered: a node that timed out, erred or lied may still have passed
//! it on. "Expired" needs both the chain's head and our own clock past the expiration
//! plus [`EXPIRY_MARGIN`], so a node reporting a head in the future cannot end it early;
//! and a receipt saying it failed counts only once it has expired too, so a node that
//! reports a failure that never happened cannot get a second transfer signed while the
//! first can still confirm. The ledger keeps this across restarts.
//!
//! The attacker is the node (or the network in front of it). Within a transaction's
//! lifetime ([`VALID_FOR`] plus [`EXPIRY_MARGIN`]) it can only delay a settlement. Known
//! limit: one node that goes on claiming a confirmed transfer failed, past its expiry, is
//! believed, and the debt is paid again; a second, independent node would catch it.
//!
//! **Credited once.** The payee takes a transfer from its history only as the node's
//! transaction for that txid shows it: the raw data hashes to the txid, the payer's
//! signature recovers to the payer, the contract succeeded, and the recipient, token and
//! amount are ours; the amount credited is the transaction's, not the history's. A txid
//! already recorded as a confirmed settlement to us is not credited again, across
//! restarts too.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Arc,
    time::Duration,
};

use bidswarm_ledger::{InFlightSettlement, Ledger, NewSettlement, SettlementTx};
use bidswarm_primitives::unix_secs;
use bidswarm_speed::{policy, Amount};
use bidswarm_tron::{
    transfer::{Order, Payment},
    Client, TransactionInfo,
};
use bidswarm_wallet::{tx::SignedTransaction, Address, ChannelId};
use tracing::{debug, info, warn};

use crate::speed::{Owed, SpeedService};

/// How often the settlement round runs: payments due are sent, and transfers that arrived
/// are matched to our earn channels.
pub(crate) const SETTLE_EVERY: Duration = Duration::from_secs(10);
/// TRX (in sun) a settlement may burn for energy.
const FEE_LIMIT_SUN: u64 = 20_000_000;
/// How long a round waits for a new settlement to be in a block before leaving it to the
/// next rounds.
const CONFIRM_WITHIN: Duration = Duration::from_secs(30);
/// A settlement transaction's lifetime (`raw_data.expiration` after its timestamp). Short,
/// so a transaction a node lost can be replaced soon; long enough for a slow node.
const VALID_FOR: Duration = Duration::from_secs(120);
/// Overrides [`VALID_FOR`] in seconds (tests shorten it to see an expiry).
const VALID_FOR_ENV: &str = "BIDSWARM_SETTLEMENT_VALID_SECS";

fn valid_for() -> Duration {
    std::env::var(VALID_FOR_ENV)
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|s| *s > 0)
        .map_or(VALID_FOR, Duration::from_secs)
}

/// How far past its expiration (by the head block's time) a transaction in no block is
/// taken as gone for good: a block made just before the expiration may reach the node late.
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);
/// How often a transaction is looked for while waiting.
const POLL_EVERY: Duration = Duration::from_millis(500);

/// What one settlement did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    pub payee: Address,
    pub amount: Amount,
    pub txid: String,
}

/// Which payees a round pays.
#[derive(Debug, Clone, Default)]
pub(crate) struct Due {
    /// Every payee owed, whatever the fee.
    pub all: bool,
    /// Payees that asked to be paid (an overdue settlement), whatever the fee.
    pub asked: BTreeSet<Address>,
    /// The others once owed this many times the fee...
    pub fee_multiple: u32,
    /// ...valued at this many BTT base units per TRX.
    pub btt_per_trx: Amount,
}

/// The least a settlement is taken to cost, whatever the node says: it carries a memo, and
/// mainnet burns 1 TRX for any transaction with one, which no staked resource pays
/// (`getMemoFee`, TIP-387: <https://github.com/tronprotocol/tips/blob/master/tip-387.md>).
/// Floored, a node that lies the fee down to 0 can bring a settlement forward only until
/// what is owed is the fee multiple times 1 TRX: the real fee, at most about 4.5 TRX to a
/// new holder, is then under a quarter of the amount at the default multiple of 20.
const MIN_FEE_SUN: u64 = 1_000_000;

/// How long a payee's fee quote is used before the node is asked again.
const QUOTE_FRESH: Duration = Duration::from_secs(600);

/// The last fee quoted per payee, so a round asks the node at most once per payee every
/// [`QUOTE_FRESH`], whatever it owes.
#[derive(Debug, Default)]
pub(crate) struct FeeQuotes(std::sync::Mutex<std::collections::HashMap<Address, (std::time::Instant, u64)>>);

impl FeeQuotes {
    /// TRX, in sun, that a settlement of `amount` with `memo` to `payee` burns now, by the
    /// node's quote and never less than [`MIN_FEE_SUN`].
    async fn fee_sun(
        &self,
        node: &Client,
        me: &crate::SpeedIdentity,
        payee: Address,
        amount: Amount,
        memo: &str,
    ) -> bidswarm_tron::Result<u64> {
        let cached = self.0.lock().unwrap_or_else(|p| p.into_inner()).get(&payee).copied();
        if let Some((at, fee)) = cached.filter(|(at, _)| at.elapsed() < QUOTE_FRESH) {
            debug!(%payee, age = ?at.elapsed(), "fee quote reused");
            return Ok(fee);
        }
        let quote = node
            .quote_trc20_transfer(&me.token, &me.address, &payee, amount.0, Some(memo.as_bytes()))
            .await?;
        let fee = quote.total_sun().max(MIN_FEE_SUN);
        if fee > quote.total_sun() {
            warn!(%payee, quoted_sun = quote.total_sun(), "the node quotes a settlement below the 1 TRX memo fee; valued at 1 TRX");
        }
        self.0.lock().unwrap_or_else(|p| p.into_inner()).insert(payee, (std::time::Instant::now(), fee));
        Ok(fee)
    }
}

/// The memo of a settlement paying each of `channels` up to its cumulative promise
/// (docs/PROTOCOL.md §10): `bt_speed:v2:<channel>:<upto>,…`, `upto` in base units.
fn memo_for(channels: &[(ChannelId, Owed)]) -> String {
    let entries: Vec<String> = channels.iter().map(|(c, o)| format!("{c}:{}", o.promised.0)).collect();
    format!("{MEMO_PREFIX}{}", entries.join(","))
}

/// Follows the settlements already signed, then settles every payee [`Due`] says is due.
/// Returns the confirmed settlements.
pub(crate) async fn settle(
    speed: &Arc<SpeedService>,
    node: &Client,
    ledger: Option<&Ledger>,
    due: &Due,
    quotes: &FeeQuotes,
) -> Vec<Settled> {
    let mut done = Vec::new();
    // Following needs no key: a locked wallet still sees its settlements land.
    // Payees with a transaction that may still confirm: nothing new is signed for them.
    let mut in_flight: BTreeSet<Address> = BTreeSet::new();
    if let Some(l) = ledger {
        let signed = match l.settlements_in_flight().await {
            Ok(s) => s,
            Err(e) => {
                warn!("cannot read the settlements in flight from the ledger, so none is signed: {e}");
                return done;
            }
        };
        for p in signed {
            match follow(node, &p.tx, true).await {
                Ok(Followed::InBlock(info)) => {
                    if let Some(settled) = record_final(speed, Some(l), &p, &info).await {
                        done.push(settled);
                    }
                }
                Ok(Followed::Expired) => {
                    info!(txid = %p.tx.txid, payee = %p.counterparty, "the settlement expired in no block; it will be signed anew");
                    match l.settlement_failed(p.id, unix_secs()).await {
                        Ok(()) => owed_again(speed, l, &p).await,
                        Err(e) => {
                            warn!(txid = %p.tx.txid, "the ledger did not take the expiry, so it stays in flight: {e}");
                            in_flight.insert(p.counterparty);
                        }
                    }
                }
                Ok(Followed::Waiting) => {
                    in_flight.insert(p.counterparty);
                }
                Err(e) => {
                    debug!(txid = %p.tx.txid, "cannot follow the settlement now: {e}");
                    in_flight.insert(p.counterparty);
                }
            }
        }
    }

    let Some(me) = speed.identity() else { return done };
    for (payee, channels) in owed_by_payee(speed) {
        if in_flight.contains(&payee) {
            continue;
        }
        let amount = owed_total(&channels);
        if amount.is_zero() {
            continue;
        }
        let memo = memo_for(&channels);
        if !(due.all || due.asked.contains(&payee)) {
            match quotes.fee_sun(node, &me, payee, amount, &memo).await {
                Ok(fee) if policy::worth_settling(amount, fee, due.fee_multiple, due.btt_per_trx) => {
                    info!(%payee, %amount, fee_sun = fee, "owed enough to be worth the fee; settling");
                }
                Ok(_) => continue,
                Err(e) => {
                    debug!(%payee, "cannot price the settlement, so it waits: {e}");
                    continue;
                }
            }
        }
        let ranges: Vec<(ChannelId, Amount)> = channels.iter().map(|(c, o)| (*c, o.promised)).collect();
        let signed = match sign(node, &me, payee, amount, memo).await {
            Ok(s) => s,
            Err(e) => {
                warn!(%payee, %amount, "settlement not signed, will retry: {e}");
                continue;
            }
        };
        let tx = SettlementTx {
            txid: signed.txid_hex(),
            signed_hex: signed.to_hex(),
            expiration_ms: signed.unsigned().raw().expiration,
        };
        // Stored before it can reach any node.
        let recorded = match ledger {
            Some(l) => {
                let settlement = NewSettlement { channels: ranges.clone(), txid: Some(tx.txid.clone()) };
                match l.settlement_signed(&settlement, &tx, unix_secs()).await {
                    Ok(id) => Some(id),
                    Err(e) => {
                        warn!(%payee, "the ledger refused the settlement, so it is not sent: {e}");
                        continue;
                    }
                }
            }
            None => None,
        };
        let waited = broadcast_and_wait(node, &signed, &tx, ledger.is_none()).await;
        let p = InFlightSettlement {
            // Without a ledger the id is never used.
            id: recorded.unwrap_or(bidswarm_ledger::SettlementId(0)),
            counterparty: payee,
            amount,
            channels: ranges,
            tx,
        };
        match waited {
            Some(info) => done.extend(record_final(speed, ledger, &p, &info).await),
            // In the ledger as in flight: the next rounds follow it.
            None => {
                info!(%payee, %amount, txid = %p.tx.txid, "settlement not in a block yet; followed until it is or it expires")
            }
        }
    }
    done
}

/// What settling every payee now would pay and burn (`Request::QuoteSettlement`). Signs
/// nothing; fees come from the node (cached as for the rounds), and are `None` where it
/// could not price them or no key is unlocked.
pub(crate) async fn quote(
    speed: &Arc<SpeedService>,
    node: &Client,
    ledger: Option<&Ledger>,
    due: &Due,
    quotes: &FeeQuotes,
) -> bidswarm_api::SettlementQuote {
    let in_flight: BTreeSet<Address> = match ledger {
        Some(l) => match l.settlements_in_flight().await {
            Ok(s) => s.into_iter().map(|p| p.counterparty).collect(),
            Err(e) => {
                warn!("cannot read the settlements in flight from the ledger: {e}");
                BTreeSet::new()
            }
        },
        None => BTreeSet::new(),
    };
    let me = speed.identity();
    let in_btt =
        |fee: Option<u64>| fee.and_then(|f| policy::fee_in_btt(f, due.btt_per_trx)).map(|a| a.0.to_string());
    let mut payees = Vec::new();
    for (payee, channels) in owed_by_payee(speed) {
        let amount = owed_total(&channels);
        let fee = match &me {
            Some(me) => {
                let memo = memo_for(&channels);
                quotes
                    .fee_sun(node, me, payee, amount, &memo)
                    .await
                    .map_err(|e| debug!(%payee, "cannot price: {e}"))
                    .ok()
            }
            None => None,
        };
        payees.push(bidswarm_api::PayeeDue {
            payee: payee.to_string(),
            owed: amount.0.to_string(),
            fee_sun: fee.map(|f| f.to_string()),
            fee_btt: in_btt(fee),
            in_flight: in_flight.contains(&payee),
            worth_it: fee
                .is_some_and(|f| policy::worth_settling(amount, f, due.fee_multiple, due.btt_per_trx)),
        });
    }
    // A transfer to ourselves, a holder once funded: what one settlement costs now.
    let typical = match &me {
        Some(me) => {
            let one = Amount(1_000_000_000_000_000_000);
            let memo = memo_for(&[(
                ChannelId([0; 16]),
                Owed { counterparty: me.address, promised: one, settled: Amount::ZERO },
            )]);
            quotes
                .fee_sun(node, me, me.address, one, &memo)
                .await
                .map_err(|e| debug!("cannot price a settlement: {e}"))
                .ok()
        }
        None => None,
    };
    bidswarm_api::SettlementQuote {
        payees,
        typical_fee_sun: typical.map(|f| f.to_string()),
        typical_fee_btt: in_btt(typical),
    }
}

/// What we owe, per payee and channel.
fn owed_by_payee(speed: &SpeedService) -> BTreeMap<Address, Vec<(ChannelId, Owed)>> {
    let mut by_payee: BTreeMap<Address, Vec<(ChannelId, Owed)>> = BTreeMap::new();
    for (channel, owed) in speed.unsettled() {
        by_payee.entry(owed.counterparty).or_default().push((channel, owed));
    }
    by_payee
}

/// What `channels` owe together, not yet settled.
fn owed_total(channels: &[(ChannelId, Owed)]) -> Amount {
    channels.iter().fold(Amount::ZERO, |sum, (_, o)| {
        sum.checked_add(o.promised.saturating_sub(o.settled)).unwrap_or(sum)
    })
}

/// A signed settlement's state on the node.
enum Followed {
    /// In a block with success; or failed, and past its expiration (see [`expired`]).
    InBlock(TransactionInfo),
    /// Past its expiration and in no block: it can never be, so the debt may be signed
    /// anew.
    Expired,
    /// Not final yet: wait (and rebroadcast).
    Waiting,
}

/// One look at a signed settlement. A receipt that says it failed, or none, is believed
/// only once the transaction has expired; until then the same bytes are rebroadcast when
/// `rebroadcast`.
async fn follow(node: &Client, tx: &SettlementTx, rebroadcast: bool) -> anyhow::Result<Followed> {
    let receipt = node.transaction_info(&tx.txid).await?;
    if let Some(info) = receipt.as_ref().filter(|i| i.success) {
        return Ok(Followed::InBlock(info.clone()));
    }
    if expired(node, tx.expiration_ms).await? {
        // Looked for once more after the head time: a block with it may have come between.
        return Ok(match node.transaction_info(&tx.txid).await? {
            Some(info) => Followed::InBlock(info),
            None => Followed::Expired,
        });
    }
    if receipt.is_none() && rebroadcast {
        let bytes = hex::decode(&tx.signed_hex)?;
        let signed = SignedTransaction::from_bytes(&bytes)?;
        anyhow::ensure!(signed.txid_hex() == tx.txid, "the stored settlement does not hash to its txid");
        send(node, &signed).await;
    }
    Ok(Followed::Waiting)
}

/// Whether a transaction expiring at `expiration_ms` is past it plus [`EXPIRY_MARGIN`] by
/// our own clock and by the chain's head: neither a head in the future nor a wrong local
/// clock alone ends it.
pub(crate) async fn expired(node: &Client, expiration_ms: i64) -> anyhow::Result<bool> {
    let margin = i64::try_from(EXPIRY_MARGIN.as_millis()).unwrap_or(i64::MAX);
    let past = |ms: i64| ms > expiration_ms.saturating_add(margin);
    // Ours first: while it is not past, the node is not asked.
    if !past(unix_secs().saturating_mul(1000)) {
        return Ok(false);
    }
    Ok(past(node.now_block().await?.timestamp_ms))
}

/// Broadcasts a signed settlement; any refusal leaves it to be followed until it expires.
async fn send(node: &Client, signed: &SignedTransaction) {
    if let Err(e) = node.submit(signed).await {
        debug!(txid = %signed.txid_hex(), "the node did not take the settlement (followed until it expires): {e}")
    }
}

/// Broadcasts a settlement and follows it: up to [`CONFIRM_WITHIN`] when the ledger keeps
/// it for the next rounds, else until it is final (nothing else remembers it), sending
/// the same bytes again every [`SETTLE_EVERY`]. `None` when it is not final.
async fn broadcast_and_wait(
    node: &Client,
    signed: &SignedTransaction,
    tx: &SettlementTx,
    until_final: bool,
) -> Option<TransactionInfo> {
    send(node, signed).await;
    let wait = if until_final { valid_for() + EXPIRY_MARGIN + CONFIRM_WITHIN } else { CONFIRM_WITHIN };
    let deadline = tokio::time::Instant::now() + wait;
    let mut sent = tokio::time::Instant::now();
    while tokio::time::Instant::now() < deadline {
        tokio::time::sleep(POLL_EVERY).await;
        let rebroadcast = sent.elapsed() >= SETTLE_EVERY;
        if rebroadcast {
            sent = tokio::time::Instant::now();
        }
        match follow(node, tx, rebroadcast).await {
            Ok(Followed::InBlock(info)) => return Some(info),
            Ok(Followed::Expired) => return None,
            Ok(Followed::Waiting) | Err(_) => {}
        }
    }
    None
}

/// A settlement that will never pay (expired, or failed on chain) is owed again: its
/// channels go back to the speed layer as the ledger now has them. A settlement from an
/// earlier session counted as paid when it was restored at start, so without this its
/// debt would wait for the next start.
async fn owed_again(speed: &Arc<SpeedService>, ledger: &Ledger, p: &InFlightSettlement) {
    match ledger.unsettled(bidswarm_ledger::Direction::Spend).await {
        Ok(all) => {
            let again: Vec<_> =
                all.into_iter().filter(|u| p.channels.iter().any(|(c, _)| *c == u.channel)).collect();
            speed.restore_unsettled(&again, &[]);
        }
        Err(e) => warn!(txid = %p.tx.txid, "cannot read what is owed again from the ledger: {e}"),
    }
}

/// A final settlement: confirmed (the channels are settled that far, its fee noted) or
/// failed on chain and expired (its fee burnt, the debt owed again). Without a ledger the
/// speed layer's own figures are all there is: a failure leaves them owed.
async fn record_final(
    speed: &Arc<SpeedService>,
    ledger: Option<&Ledger>,
    p: &InFlightSettlement,
    info: &TransactionInfo,
) -> Option<Settled> {
    if let Some(l) = ledger {
        if let Err(e) = l.settlement_fee(p.id, info.fee_sun).await {
            warn!(txid = %p.tx.txid, "the ledger did not take the settlement's fee: {e}");
        }
    }
    if !info.success {
        warn!(txid = %p.tx.txid, "the settlement failed on chain, will retry: {}", info.failure.clone().unwrap_or_default());
        if let Some(l) = ledger {
            match l.settlement_failed(p.id, unix_secs()).await {
                Ok(()) => owed_again(speed, l, p).await,
                Err(e) => warn!(txid = %p.tx.txid, "the ledger did not take the failure: {e}"),
            }
        }
        return None;
    }
    if let Some(l) = ledger {
        if let Err(e) = l.settlement_confirmed(p.id, &p.tx.txid, unix_secs()).await {
            warn!(txid = %p.tx.txid, "settled on chain but the ledger did not record it: {e}");
        }
    }
    for (channel, upto) in &p.channels {
        speed.mark_settled(*channel, *upto);
    }
    let amount = p.amount;
    info!(payee = %p.counterparty, %amount, txid = %p.tx.txid, fee_sun = info.fee_sun, "settled");
    Some(Settled { payee: p.counterparty, amount, txid: p.tx.txid.clone() })
}

/// The memo every settlement carries before its channels and what it pays each up to.
const MEMO_PREFIX: &str = "bt_speed:v2:";
/// The memo of earlier builds: channel ids only, credited in order each up to what it owes.
const MEMO_PREFIX_V1: &str = "bt_speed:v1:";

/// What the payee's watch remembers between rounds: the transfers already credited, and
/// what each transfer's transaction said and when it was first read, so each is fetched
/// from the node once.
///
/// Bounded: at most [`KNOWN_TRANSFERS`] looked-up transactions are kept, the oldest
/// dropped first; a dropped one is fetched again if it is still in the history.
#[derive(Debug, Default)]
pub(crate) struct Incoming {
    handled: std::collections::HashSet<String>,
    looked_up: std::collections::HashMap<String, (std::time::Instant, Option<Credit>)>,
    order: std::collections::VecDeque<String>,
    /// Transfers that could not be credited when last tried (not readable on our node, or
    /// refused by the ledger), with when that was first seen: see [`STUCK_WAIT`].
    stuck: std::collections::HashMap<String, std::time::Instant>,
}

/// What the node says of a transfer in our history.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Lookup {
    /// In no block on this node yet (a history served by another node), or the node's
    /// answer could not be read: asked again next round.
    Unreadable,
    /// Not a settlement to us, or not what the history says (a node that lies).
    NotOurs,
    Settlement(Credit),
}

/// A settlement to us as its transaction shows it: who signed it, what it paid, and the
/// channels its memo names, each with the cumulative promise it pays up to (`None` in a
/// v1 memo, which does not say).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Credit {
    payer: Address,
    amount: Amount,
    channels: Vec<(ChannelId, Option<Amount>)>,
}

/// How many looked-up transactions [`Incoming`] keeps (the history read is
/// [`HISTORY_LEN`] long).
const KNOWN_TRANSFERS: usize = 1024;
/// How many of our latest BTT transfers each round reads: TronGrid's largest page, so
/// that dust sent to us while a settlement waits must be this long to push it out.
const HISTORY_LEN: u32 = 200;
/// How long a payer's later settlements wait behind one that cannot be credited for a
/// reason that may clear (our node does not have it yet, the ledger refused it). Past
/// this they are credited without it, so one bad transfer cannot hold a payer back for
/// good; it is still tried every round.
const STUCK_WAIT: Duration = Duration::from_secs(120);

impl Incoming {
    /// What `transfer` pays us, read from the transaction itself
    /// (`/wallet/gettransactionbyid`; TronGrid's TRC-20 history has no memo). Fetched once
    /// per txid, once readable.
    async fn lookup(
        &mut self,
        node: &Client,
        me: &crate::SpeedIdentity,
        transfer: &bidswarm_tron::Transfer,
    ) -> Lookup {
        if let Some((_, known)) = self.looked_up.get(&transfer.txid) {
            return known.clone().map_or(Lookup::NotOurs, Lookup::Settlement);
        }
        let tx = match node.transaction(&transfer.txid).await {
            Ok(Some(tx)) => tx,
            Ok(None) => return Lookup::Unreadable,
            Err(e) => {
                debug!(txid = %transfer.txid, "cannot read the transaction now: {e}");
                return Lookup::Unreadable;
            }
        };
        let channels = settlement_credit(&tx, me, transfer);
        if self.order.len() >= KNOWN_TRANSFERS {
            if let Some(oldest) = self.order.pop_front() {
                self.looked_up.remove(&oldest);
            }
        }
        self.order.push_back(transfer.txid.clone());
        self.looked_up.insert(transfer.txid.clone(), (std::time::Instant::now(), channels.clone()));
        channels.map_or(Lookup::NotOurs, Lookup::Settlement)
    }

    /// Notes that `txid` could not be credited this round; whether its payer's later
    /// transfers still wait behind it ([`STUCK_WAIT`]).
    fn stuck(&mut self, txid: &str) -> bool {
        if self.stuck.len() >= KNOWN_TRANSFERS {
            self.stuck.clear();
        }
        let since = *self.stuck.entry(txid.to_owned()).or_insert_with(std::time::Instant::now);
        since.elapsed() < STUCK_WAIT
    }

    /// How long ago this watch first read `txid`'s transaction.
    fn seen_for(&self, txid: &str) -> Duration {
        self.looked_up.get(txid).map_or(Duration::ZERO, |(at, _)| at.elapsed())
    }
}

/// What a settlement pays: `tx` must be the BTT `transfer` the history item describes
/// (same payer, us as recipient, same amount), signed by that payer, reported as having
/// succeeded (a missing result is no success), and carry a `bt_speed:v2:` (or `v1`) memo.
fn settlement_credit(
    tx: &bidswarm_tron::NodeTransaction,
    me: &crate::SpeedIdentity,
    transfer: &bidswarm_tron::Transfer,
) -> Option<Credit> {
    if tx.contract_ret.as_deref() != Some("SUCCESS") {
        return None;
    }
    let bidswarm_wallet::tx::TxContract::TriggerSmartContract { owner, contract, data, .. } =
        tx.raw.contract().ok()?
    else {
        return None;
    };
    let (to, amount) = bidswarm_wallet::tx::decode_trc20_transfer(&data)?;
    if owner != transfer.from || contract != me.token || to != me.address || amount != transfer.amount {
        warn!(txid = %transfer.txid, "the node's history does not match the transaction; ignored");
        return None;
    }
    if !tx.signers.contains(&owner) {
        warn!(txid = %transfer.txid, "the transaction is not signed by its payer; ignored");
        return None;
    }
    let memo = std::str::from_utf8(tx.memo()?).ok()?;
    let named: Vec<(ChannelId, Option<Amount>)> = if let Some(entries) = memo.strip_prefix(MEMO_PREFIX) {
        let entry = |e: &str| {
            let (id, upto) = e.split_once(':')?;
            Some((id.parse().ok()?, Some(Amount(upto.parse().ok()?))))
        };
        entries.split(',').filter_map(entry).collect()
    } else {
        let ids = memo.strip_prefix(MEMO_PREFIX_V1)?;
        ids.split(',').filter_map(|id| Some((id.parse().ok()?, None))).collect()
    };
    // A channel named twice counts once, as first named (the ledger takes one range a
    // channel per settlement).
    let mut channels: Vec<(ChannelId, Option<Amount>)> = Vec::new();
    for (channel, upto) in named {
        if !channels.iter().any(|(c, _)| *c == channel) {
            channels.push((channel, upto));
        }
    }
    Some(Credit { payer: owner, amount: Amount(amount), channels })
}

/// How long a settlement paying more than the vouchers we hold waits for the rest to
/// arrive.
const SURPLUS_WAIT: Duration = Duration::from_secs(30);

/// Whether a settlement paying `surplus` more than we know of still waits for vouchers
/// on the wire: until [`SURPLUS_WAIT`] has passed since we first read it (`seen_for`), by
/// our own clock only. The block's timestamp is the node's word: dated in the future it
/// would hold the credit back for good, dated in the past it would end the wait at once
/// and credit the settlement short.
fn waits_for_vouchers(surplus: Amount, seen_for: Duration) -> bool {
    !surplus.is_zero() && seen_for < SURPLUS_WAIT
}

/// The payee's side: looks at the BTT transfers our address received, and marks the earn
/// channels a settlement names as settled when it pays at least what they owe (after
/// [`SURPLUS_WAIT`] for vouchers still on the wire). The history need only be
/// TronGrid's (no memo): each new transfer's memo is read from its transaction, once.
pub(crate) async fn watch_incoming(
    speed: &Arc<SpeedService>,
    node: &Client,
    ledger: Option<&Ledger>,
    seen: &mut Incoming,
) -> anyhow::Result<Vec<Settled>> {
    let Some(me) = speed.identity() else { return Ok(Vec::new()) };
    let mut done = Vec::new();
    // Payers with a settlement waiting this round (for vouchers, or a while for our node or
    // ledger): their later ones wait too.
    let mut waiting = std::collections::HashSet::new();
    // Oldest first (the history is newest first). A payer's settlement pays each channel
    // from where its previous one stopped, and we credit a channel from where we stopped:
    // the two agree only if we credit them in the order they were paid. Credited newest
    // first, a later settlement's amount went to the range an earlier one pays, the
    // earlier one then looked like a surplus, and another channel it paid stayed pending
    // in our books for good (found by the crash soak).
    for transfer in node.trc20_history(&me.address, HISTORY_LEN).await?.into_iter().rev() {
        if transfer.to != me.address
            || transfer.asset != bidswarm_tron::Asset::Trc20(me.token)
            || seen.handled.contains(&transfer.txid)
        {
            continue;
        }
        if waiting.contains(&transfer.from) {
            continue;
        }
        let credit = match seen.lookup(node, &me, &transfer).await {
            Lookup::Settlement(credit) => credit,
            Lookup::NotOurs => continue,
            Lookup::Unreadable => {
                // Credited before a restart, and gone from this node since: done.
                if let Some(l) = ledger {
                    if l.earned_settlement_recorded(&transfer.txid).await? {
                        seen.handled.insert(transfer.txid.clone());
                        continue;
                    }
                }
                // What its payer paid after it is credited after it, for a while.
                if seen.stuck(&transfer.txid) {
                    waiting.insert(transfer.from);
                }
                continue;
            }
        };
        if let Some(l) = ledger {
            // Credited before (this txid is in the history again after a restart).
            if l.earned_settlement_recorded(&transfer.txid).await? {
                seen.handled.insert(transfer.txid.clone());
                continue;
            }
            // Left pending by a version that recorded it in two writes and stopped between
            // them: crediting it anew would be refused (its range is taken), so it is
            // confirmed as it stands.
            if let Some((id, ranges)) = l.earned_settlement_pending(&transfer.txid).await? {
                l.settlement_confirmed(id, &transfer.txid, unix_secs()).await?;
                for (channel, upto) in &ranges {
                    speed.mark_settled(*channel, *upto);
                }
                seen.handled.insert(transfer.txid.clone());
                info!(txid = %transfer.txid, "a settlement left pending by a crash is confirmed");
                continue;
            }
        }
        let ids: Vec<ChannelId> = credit.channels.iter().map(|(c, _)| *c).collect();
        let owed = speed.earned_unsettled(credit.payer, &ids);
        // Credited to the named channels in the memo's order, each up to what the memo
        // says it pays and what we hold vouchers for, and never more in all than the
        // transfer paid (PROTOCOL.md §10): a payer naming more than it pays gets only what
        // it paid credited. Vouchers that arrived after the payer signed stay owed for its
        // next settlement.
        let mut left = credit.amount;
        let mut credited: Vec<(ChannelId, Amount)> = Vec::new();
        for (channel, o) in &owed {
            let upto = credit.channels.iter().find(|(c, _)| c == channel).and_then(|(_, upto)| *upto);
            let target = upto.map_or(o.promised, |u| u.min(o.promised));
            let take = left.min(target.saturating_sub(o.settled));
            if take.is_zero() {
                continue;
            }
            credited.push((*channel, o.settled.checked_add(take).unwrap_or(o.promised)));
            left = left.saturating_sub(take);
        }
        // A payer settles what it promised when it signed, and records each voucher before
        // sending it: its last one may still be on its way to us. A transfer paying more
        // than we know of waits a few rounds for it, so it is credited whole; credited
        // short and marked handled, the rest stayed pending in our books for good (found
        // by the crash test). Past the wait (the voucher was lost with a killed link), what
        // we know of is credited.
        if waits_for_vouchers(left, seen.seen_for(&transfer.txid)) {
            waiting.insert(transfer.from);
            debug!(txid = %transfer.txid, surplus = %left, "a settlement pays vouchers not here yet: waiting for them");
            continue;
        }
        if credited.is_empty() {
            // Not (yet) ours to match: unknown channels, or nothing owed on them.
            continue;
        }
        seen.handled.insert(transfer.txid.clone());
        if let Some(l) = ledger {
            let ranges = credited.clone();
            let recorded = l
                .settlement_received(
                    &NewSettlement { channels: ranges, txid: Some(transfer.txid.clone()) },
                    unix_secs(),
                )
                .await;
            if let Err(e) = recorded {
                // Not marked settled either: the next round tries again, so what the
                // ledger holds and what the speed layer counts stay the same.
                warn!(txid = %transfer.txid, "a settlement arrived but the ledger did not record it: {e}");
                seen.handled.remove(&transfer.txid);
                if seen.stuck(&transfer.txid) {
                    waiting.insert(transfer.from);
                }
                continue;
            }
        }
        seen.stuck.remove(&transfer.txid);
        for (channel, upto) in &credited {
            speed.mark_settled(*channel, *upto);
        }
        if !left.is_zero() {
            info!(txid = %transfer.txid, surplus = %left, "a settlement paid more than its channels owe");
        }
        info!(payer = %credit.payer, amount = %credit.amount, txid = %transfer.txid, "settlement received");
        done.push(Settled { payee: me.address, amount: credit.amount, txid: transfer.txid });
    }
    Ok(done)
}

/// Builds and signs one BTT transfer with `memo` (nothing is sent).
async fn sign(
    node: &Client,
    me: &crate::SpeedIdentity,
    payee: Address,
    amount: Amount,
    memo: String,
) -> bidswarm_tron::Result<SignedTransaction> {
    let payment = Payment::Trc20 { token: me.token, amount: amount.0, fee_limit_sun: FEE_LIMIT_SUN };
    let order =
        Order { from: me.address, to: payee, payment, memo: memo.into_bytes(), valid_for: valid_for() };
    node.sign_transfer(&order, me.signer.as_ref()).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use bidswarm_wallet::{
        tx::{trc20_transfer, TxHeader},
        PrivateKey,
    };

    /// A node answering the history with one transfer and `gettransactionbyid` with
    /// another, or with a transfer nobody signed, or without its result: the memo is taken
    /// only from a transaction that is the transfer the history describes, signed by its
    /// payer, and reported as a success.
    #[test]
    fn a_memo_counts_only_from_the_transfer_the_history_describes() {
        let payer = PrivateKey::from_bytes(&[1; 32]).unwrap();
        let me_key = PrivateKey::from_bytes(&[2; 32]).unwrap();
        let token = bidswarm_tron::devnet_btt_contract();
        let me = crate::SpeedIdentity {
            signer: Arc::new(me_key.clone()),
            address: me_key.address(),
            network: "devnet:1".into(),
            token,
        };
        let channel: ChannelId = "00112233445566778899aabbccddeeff".parse().unwrap();
        let memo = format!("{MEMO_PREFIX}{channel}:5");
        let header = TxHeader::new(bidswarm_wallet::tx::RefBlock { number: 1, id: [0; 32] }, 1_000, 60_000)
            .with_memo(memo.into_bytes());
        let tx = |from: &PrivateKey, token: Address, to: Address, amount: u128| {
            let raw = trc20_transfer(&header, &from.address(), &token, &to, amount, 1).unwrap();
            bidswarm_tron::NodeTransaction {
                txid: hex::encode(raw.txid()),
                raw,
                contract_ret: Some("SUCCESS".into()),
                signers: vec![from.address()],
            }
        };
        let history = bidswarm_tron::Transfer {
            txid: String::new(),
            block_timestamp_ms: 0,
            from: payer.address(),
            to: me.address,
            asset: bidswarm_tron::Asset::Trc20(token),
            amount: 5,
            memo: None,
        };
        let other = PrivateKey::from_bytes(&[3; 32]).unwrap();
        assert_eq!(
            settlement_credit(&tx(&payer, token, me.address, 5), &me, &history),
            Some(Credit {
                payer: payer.address(),
                amount: Amount(5),
                channels: vec![(channel, Some(Amount(5)))]
            })
        );
        let lies = [
            ("another amount", tx(&payer, token, me.address, 6)),
            ("another payer", tx(&other, token, me.address, 5)),
            ("another recipient", tx(&payer, token, other.address(), 5)),
            ("another token", tx(&payer, other.address(), me.address, 5)),
        ];
        for (what, lie) in lies {
            assert_eq!(settlement_credit(&lie, &me, &history), None, "{what}");
        }
        let mut reverted = tx(&payer, token, me.address, 5);
        reverted.contract_ret = Some("REVERT".into());
        assert_eq!(settlement_credit(&reverted, &me, &history), None, "a failed call pays nothing");
        let mut unreported = tx(&payer, token, me.address, 5);
        unreported.contract_ret = None;
        assert_eq!(settlement_credit(&unreported, &me, &history), None, "no result is no success");
        let mut forged = tx(&payer, token, me.address, 5);
        forged.signers = vec![other.address()];
        assert_eq!(settlement_credit(&forged, &me, &history), None, "a transfer the payer never signed");

        // The memo's forms: a channel named twice counts once, as first named; a v1 memo
        // names channels without amounts; entries that do not parse are skipped.
        let other_channel: ChannelId = "ffeeddccbbaa99887766554433221100".parse().unwrap();
        let cases = [
            (format!("{MEMO_PREFIX}{channel}:5,{channel}:100"), vec![(channel, Some(Amount(5)))]),
            (
                format!("{MEMO_PREFIX_V1}{channel},{other_channel}"),
                vec![(channel, None), (other_channel, None)],
            ),
            (format!("{MEMO_PREFIX}{channel}:5,junk,{other_channel}:-1"), vec![(channel, Some(Amount(5)))]),
        ];
        for (memo, channels) in cases {
            let header =
                TxHeader::new(bidswarm_wallet::tx::RefBlock { number: 1, id: [0; 32] }, 1_000, 60_000)
                    .with_memo(memo.clone().into_bytes());
            let raw = trc20_transfer(&header, &payer.address(), &token, &me.address, 5, 1).unwrap();
            let tx = bidswarm_tron::NodeTransaction {
                txid: hex::encode(raw.txid()),
                raw,
                contract_ret: Some("SUCCESS".into()),
                signers: vec![payer.address()],
            };
            let credit = settlement_credit(&tx, &me, &history).map(|c| c.channels);
            assert_eq!(credit, Some(channels), "{memo}");
        }
    }

    /// How the payee credits a payer's settlements (PROTOCOL.md §10), with a devnet for
    /// the chain and the speed layer holding vouchers:
    /// - several unread at once (we were down while it paid, or one waits for a voucher
    ///   still on the wire): credited in the order paid, none before an earlier one that
    ///   waits. Credited newest first, the later one's amount went to the range the
    ///   earlier one pays, which then looked like a surplus, and another channel stayed
    ///   pending in our books for good (found by the crash soak);
    /// - one paying several channels while we hold vouchers it does not pay yet: each
    ///   channel up to what the memo says. Credited greedily in memo order, the first
    ///   channel took the second's share (found by the crash soak too);
    /// - a payer naming more than it pays: only what it paid is credited.
    #[tokio::test]
    async fn a_payers_settlements_are_credited_in_order_and_each_channel_as_paid() {
        use bidswarm_devnet::{Devnet, DevnetConfig};
        let devnet = Devnet::start(DevnetConfig {
            block_interval: Duration::from_millis(50),
            ..DevnetConfig::default()
        })
        .await
        .unwrap();
        let node = Client::new(devnet.network()).unwrap();
        let token = bidswarm_tron::devnet_btt_contract();
        let identity = |key: &PrivateKey| crate::SpeedIdentity {
            signer: Arc::new(key.clone()),
            address: key.address(),
            network: "devnet:1".into(),
            token,
        };
        let payer = identity(&PrivateKey::from_bytes(&[1; 32]).unwrap());
        let me = identity(&PrivateKey::from_bytes(&[2; 32]).unwrap());
        node.faucet(&payer.address, 1_000_000_000, 1_000).await.unwrap();
        let channel = |n: u8| ChannelId([n; 16]);
        // The payer pays `amount`, its memo naming each channel and what it pays up to;
        // each transfer in its own block, in order.
        let pay = async |amount: u128, entries: &[(ChannelId, u128)]| {
            let memo: Vec<String> = entries.iter().map(|(c, upto)| format!("{c}:{upto}")).collect();
            let memo = format!("{MEMO_PREFIX}{}", memo.join(","));
            let signed = sign(&node, &payer, me.address, Amount(amount), memo).await.unwrap();
            let txid = node.broadcast(&signed).await.unwrap();
            for _ in 0..500 {
                if node.transaction(&txid).await.unwrap().is_some() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            panic!("{txid} never reached a block");
        };
        // The vouchers we hold: `promised` on each channel, keeping what is settled.
        let (events, _) = tokio::sync::broadcast::channel(8);
        let (ledger_ops, _ops) = tokio::sync::mpsc::unbounded_channel();
        let terms = crate::speed::terms_from_settings(&Default::default()).unwrap();
        let speed = SpeedService::new(terms, events, ledger_ops, Default::default());
        speed.set_identity(Some(me.clone()));
        let hold = |promised: &[(ChannelId, u128)]| {
            let held: Vec<_> = promised
                .iter()
                .map(|&(channel, promised)| {
                    let settled = speed
                        .earned_unsettled(payer.address, &[channel])
                        .first()
                        .map_or(0, |(_, o)| o.settled.0);
                    bidswarm_ledger::Unsettled {
                        channel,
                        payer: payer.address,
                        payee: me.address,
                        info_hash: [7; 20],
                        promised: Amount(promised),
                        unsettled: Amount(promised - settled),
                    }
                })
                .collect();
            speed.restore_unsettled(&[], &held);
        };
        // (channel, promised, settled) of the channels with something unsettled.
        let owed = |channels: &[ChannelId]| -> Vec<(ChannelId, u128, u128)> {
            let owed = speed.earned_unsettled(payer.address, channels);
            owed.iter().map(|(c, o)| (*c, o.promised.0, o.settled.0)).collect()
        };
        let mut seen = Incoming::default();
        let mut round = async || watch_incoming(&speed, &node, None, &mut seen).await.unwrap().len();

        // Two unread at once: c1 0→10, then c1 10→14 and c2 0→5.
        let (c1, c2) = (channel(1), channel(2));
        hold(&[(c1, 14), (c2, 5)]);
        pay(10, &[(c1, 10)]).await;
        pay(4 + 5, &[(c1, 14), (c2, 5)]).await;
        assert_eq!(round().await, 2, "both credited");
        assert_eq!(owed(&[c1, c2]), [], "every voucher is settled");

        // One paying c3 0→10 and c4 0→5 while we hold c3 up to 14 (a voucher since): c4
        // gets its 5, and c3's 4 stay owed until the next settlement pays them.
        let (c3, c4) = (channel(3), channel(4));
        hold(&[(c3, 14), (c4, 5)]);
        pay(10 + 5, &[(c3, 10), (c4, 5)]).await;
        assert_eq!(round().await, 1);
        assert_eq!(owed(&[c3, c4]), [(c3, 14, 10)]);
        pay(4, &[(c3, 14)]).await;
        assert_eq!(round().await, 1);
        assert_eq!(owed(&[c3, c4]), [], "every voucher is settled");

        // The first of two waits for c5's vouchers (we hold 8 of its 10): the second,
        // paying c5 10→12 and c6 0→5, waits behind it rather than take c5's share.
        let (c5, c6) = (channel(5), channel(6));
        hold(&[(c5, 8), (c6, 5)]);
        pay(10, &[(c5, 10)]).await;
        pay(2 + 5, &[(c5, 12), (c6, 5)]).await;
        assert_eq!(round().await, 0, "both wait for the vouchers");
        assert_eq!(owed(&[c5, c6]), [(c5, 8, 0), (c6, 5, 0)]);
        hold(&[(c5, 12), (c6, 5)]);
        assert_eq!(round().await, 2, "the vouchers arrived: both credited");
        assert_eq!(owed(&[c5, c6]), [], "every voucher is settled");

        // A payer naming c7 up to 100 but paying 3: 3 is credited.
        let c7 = channel(7);
        hold(&[(c7, 100)]);
        pay(3, &[(c7, 100)]).await;
        assert_eq!(round().await, 1);
        assert_eq!(owed(&[c7]), [(c7, 100, 3)]);
        devnet.shutdown().await.unwrap();
    }

    /// A settlement paying more than we know of waits 30 s for the vouchers on the wire,
    /// by our own clock from when we first read it; nothing else ends the wait early or
    /// holds it longer.
    #[test]
    fn a_surplus_waits_for_vouchers_thirty_seconds_by_our_clock() {
        let (some, none) = (Amount(1), Amount(0));
        let secs = Duration::from_secs;
        let cases = [
            // (surplus, seen for, waits)
            (none, secs(0), false),
            (some, secs(0), true),
            (some, Duration::from_millis(29_999), true),
            (some, secs(30), false),
            (some, secs(3_600), false),
        ];
        for (surplus, seen, waits) in cases {
            assert_eq!(waits_for_vouchers(surplus, seen), waits, "{surplus:?} {seen:?}");
        }
    }
}
