//! Bid for speed, wired: drives `bidswarm_speed::session` over the gateway.
//!
//! The [`Session`] decides everything (messages, bids, the auction, credit, vouchers)
//! and touches nothing. This module feeds it what happens (a link ready, a payload, a
//! round every [`TICK`] with the time, the verified pieces and each link's credit) and
//! carries out its [`Action`]s: sends on [`PeerLink::send_speed`], meters credit on the
//! link, hands records to the [`ledger_writer`] (our vouchers go on the wire only once
//! they are written), emits events, and asks the choker to rechoke. It also ranks and
//! weighs peers for the choker and the shaper ([`Ranker`]) from the session's view.
//!
//! Lock order: `SpeedService::state` only; it is never held across an `.await`, and the
//! gateway's own locks are taken inside it only through `PeerLink` methods, which hold
//! theirs for a single operation.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    sync::{Arc, Mutex, MutexGuard, RwLock},
    time::Duration,
};

use bidswarm_api::{
    BidStrategy, BidSummary, ChannelDirection, ChannelInfo, Event, PaidSlot, SpeedEvent, SpeedSettings,
    TorrentBid, TorrentId, TorrentSpeed,
};
use bidswarm_gateway::{
    LinkId, PeerLink, PeerSample, Ranker, RateRanker, RechokeSignal, SpeedHandler, VerifiedPiece,
};
use bidswarm_speed::{
    bidding::Strategy,
    message::SpeedMessage,
    session::{self, Action, Delivered, Progress, Ranking, Record, Session, TorrentTerms},
    Amount,
};
use bidswarm_wallet::{Address, ChannelId};
use bytes::Bytes;
use tokio::sync::broadcast;
use tracing::warn;

pub use bidswarm_speed::session::Identity as SpeedIdentity;
pub(crate) use bidswarm_speed::session::{Owed, Terms};

/// How often bids, auctions and payments are revisited, besides on each message.
pub(crate) const TICK: Duration = Duration::from_millis(250);

/// The settings in a form the session can use, checked once.
pub(crate) fn terms_from_settings(s: &SpeedSettings) -> Result<Terms, String> {
    let spend = match (s.spending_enabled, s.strategy) {
        (false, _) => Strategy::Off,
        (true, BidStrategy::Fixed) => Strategy::Fixed { price: s.fixed_price_per_gib.btt() },
        (true, BidStrategy::Auto) => Strategy::Auto { max_price: s.max_price_per_gib.btt() },
    };
    let terms = Terms {
        spend,
        budget: s.budget_per_torrent.btt(),
        spending_cap: s.spending_cap.btt(),
        earning: s.earning_enabled,
        ask: s.ask_per_gib.btt(),
        credit_window: s.credit_window_bytes,
        exposure_cap: s.exposure_cap.btt(),
        total_exposure_cap: s.total_exposure_cap.btt(),
        overdue_after_secs: s.settlement_overdue_secs,
    };
    if s.btt_per_trx.0 == 0 && s.settle_fee_multiple > 0 {
        return Err(
            "btt_per_trx must be above zero: how many BTT one TRX is worth, to weigh a settlement's fee"
                .into(),
        );
    }
    if s.spending_enabled && terms.budget.is_zero() {
        return Err(
            "spending needs a budget per torrent above zero: set how much one torrent may spend".into()
        );
    }
    if s.spending_enabled && terms.spending_cap.is_zero() {
        return Err(
            "spending needs a spending cap above zero: set how much all torrents together may spend".into()
        );
    }
    if terms.earning && terms.credit_window == 0 {
        return Err("earning needs a credit window above zero bytes".into());
    }
    if terms.earning && terms.overdue_after_secs == 0 {
        return Err("earning needs a settlement deadline above zero seconds".into());
    }
    Ok(terms)
}

/// Something for the ledger to record, in the order it happened. Written by
/// [`ledger_writer`] off the relay tasks, so the wire never waits for the disk.
#[derive(Debug)]
pub(crate) enum LedgerOp {
    /// A voucher, with its channel's terms. `then_send` goes on the wire only once the
    /// voucher is in the ledger, so we never promise what we have not recorded.
    Voucher {
        channel: Box<bidswarm_ledger::NewChannel>,
        voucher: bidswarm_ledger::VerifiedVoucher,
        ours: bool,
        then_send: Option<Outgoing>,
    },
    Close {
        channel: ChannelId,
    },
}

/// A bt_speed message to send once its record is written.
#[derive(Debug)]
pub(crate) struct Outgoing {
    link: Arc<PeerLink>,
    payload: Bytes,
}

impl Outgoing {
    fn send(self) {
        self.link.send_speed(self.payload);
    }
}

pub(crate) struct SpeedService {
    state: Mutex<Driver>,
    ledger: tokio::sync::mpsc::UnboundedSender<LedgerOp>,
    /// Asks the gateway's choker to re-rank (see `bidswarm_gateway::Policy`).
    rechoke: RechokeSignal,
    events: broadcast::Sender<Event>,
    /// The ranker's view, copied from the session after each round.
    ranking: RwLock<Ranking>,
    /// Torrents whose weight is not `NORMAL_TORRENT_WEIGHT` (their bandwidth priority's
    /// factor times their category's); their peers' weights in the upload shaper are
    /// multiplied by it.
    weights: RwLock<HashMap<[u8; 20], u32>>,
}

/// The session and what its actions need: the links it names, and each torrent's bid
/// as the user set it (shown back as it was given).
struct Driver {
    session: Session,
    links: HashMap<LinkId, Arc<PeerLink>>,
    bids: HashMap<[u8; 20], TorrentBid>,
}

/// What is left to do once the state lock is released.
#[derive(Default)]
struct After {
    events: Vec<SpeedEvent>,
    rechoke: bool,
}

impl std::fmt::Debug for SpeedService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpeedService").finish_non_exhaustive()
    }
}

fn now_unix() -> u64 {
    u64::try_from(bidswarm_primitives::unix_secs()).unwrap_or(0)
}

impl SpeedService {
    pub(crate) fn new(
        terms: Terms,
        events: broadcast::Sender<Event>,
        ledger: tokio::sync::mpsc::UnboundedSender<LedgerOp>,
        rechoke: RechokeSignal,
    ) -> Arc<Self> {
        let driver = Driver {
            session: Session::new(terms, rand::random()),
            links: HashMap::new(),
            bids: HashMap::new(),
        };
        Arc::new(Self {
            state: Mutex::new(driver),
            ledger,
            rechoke,
            events,
            ranking: RwLock::new(Ranking::default()),
            weights: RwLock::default(),
        })
    }

    /// Puts torrents' bandwidth weights (their own priority times their category's) in
    /// force for the upload shaper.
    pub(crate) fn set_bandwidth_weights(&self, weights: HashMap<[u8; 20], u32>) {
        *self.weights.write().unwrap_or_else(|p| p.into_inner()) = weights;
    }

    fn lock(&self) -> MutexGuard<'_, Driver> {
        // Plain maps and values: a poisoned lock still holds a usable state.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Carries out the session's actions in order, under the state lock; what can wait
    /// for the lock to be released is returned.
    fn apply(&self, driver: &Driver, actions: Vec<Action>) -> After {
        let mut after = After::default();
        for action in actions {
            match action {
                Action::Send { link, message } => {
                    if let Some(link) = driver.links.get(&link) {
                        link.send_speed(message.encode());
                    }
                }
                Action::Record(record) => self.record(driver, record),
                Action::SetCredit { link, bytes } => {
                    if let Some(link) = driver.links.get(&link) {
                        if bytes.is_some() {
                            // A paid slot: the buyer's last vouchers must find it open.
                            link.mark_paid();
                        }
                        link.set_credit(bytes);
                    }
                }
                Action::AddCredit { link, bytes } => {
                    if let Some(link) = driver.links.get(&link) {
                        link.add_credit(bytes);
                    }
                }
                Action::Event(event) => after.events.push(api_event(event)),
                Action::Rechoke => after.rechoke = true,
            }
        }
        after
    }

    /// Hands a record to the ledger writer. Without a ledger (a one-shot download with
    /// no ledger file) there is nothing to record first, and our voucher is sent at once.
    fn record(&self, driver: &Driver, record: Record) {
        let op = match record {
            Record::Voucher { channel, voucher, ours, then_send } => {
                let then_send = then_send.and_then(|l| driver.links.get(&l)).map(|link| {
                    // Our vouchers go on it: the last ones must find it open.
                    link.mark_paid();
                    Outgoing {
                        link: link.clone(),
                        payload: SpeedMessage::Voucher(*voucher.signed()).encode(),
                    }
                });
                LedgerOp::Voucher {
                    channel: Box::new(bidswarm_ledger::NewChannel {
                        id: channel.id,
                        payer: channel.payer,
                        payee: channel.payee,
                        info_hash: channel.info_hash,
                        price_per_gib: channel.price,
                        budget: channel.budget,
                    }),
                    voucher,
                    ours,
                    then_send,
                }
            }
            Record::Close { channel } => LedgerOp::Close { channel },
        };
        if let Err(tokio::sync::mpsc::error::SendError(LedgerOp::Voucher {
            then_send: Some(outgoing), ..
        })) = self.ledger.send(op)
        {
            outgoing.send();
        }
    }

    fn finish(&self, after: After) {
        for event in after.events {
            // Nobody listening is normal.
            let _ = self.events.send(Event::Speed { event });
        }
        if after.rechoke {
            self.rechoke.rechoke_soon();
        }
    }

    /// The key to pay and be paid with; `None` turns bt_speed payments off (hello is
    /// still exchanged, without an ask, so peers know we exist).
    pub(crate) fn set_identity(&self, identity: Option<SpeedIdentity>) {
        let mut driver = self.lock();
        let actions = driver.session.set_identity(identity);
        let after = self.apply(&driver, actions);
        drop(driver);
        self.finish(after);
    }

    pub(crate) fn set_terms(&self, terms: Terms) {
        self.lock().session.set_terms(terms);
    }

    pub(crate) fn identity(&self) -> Option<SpeedIdentity> {
        self.lock().session.identity().cloned()
    }

    /// Spend channels with promises not yet settled on chain: this session's, and earlier
    /// sessions' signed by the unlocked account.
    pub(crate) fn unsettled(&self) -> Vec<(ChannelId, Owed)> {
        self.lock().session.unsettled()
    }

    /// Takes over what earlier sessions left unsettled (from the ledger): what we owe is
    /// settled like this session's promises, and settlements of what we are owed are
    /// matched as they arrive. Returns how many channels we owe on.
    pub(crate) fn restore_unsettled(
        &self,
        owe: &[bidswarm_ledger::Unsettled],
        owed_to_us: &[bidswarm_ledger::Unsettled],
    ) -> usize {
        let convert = |list: &[bidswarm_ledger::Unsettled]| -> Vec<session::Unsettled> {
            list.iter()
                .map(|u| session::Unsettled {
                    channel: u.channel,
                    payer: u.payer,
                    payee: u.payee,
                    info_hash: u.info_hash,
                    promised: u.promised,
                    unsettled: u.unsettled,
                })
                .collect()
        };
        self.lock().session.restore_unsettled(&convert(owe), &convert(owed_to_us), now_unix());
        owe.len()
    }

    /// What earlier sessions spent and earned per torrent (from the ledger), so a restart
    /// never gives a torrent its budget again, and the spending cap counts every session.
    pub(crate) fn restore_spent(&self, per_torrent: &BTreeMap<[u8; 20], (Amount, Amount)>) {
        let mut driver = self.lock();
        for (info_hash, (spent, earned)) in per_torrent {
            driver.session.restore_spent(*info_hash, *spent, *earned);
        }
    }

    /// The payees that told us our settlement is overdue since the last call, and whose
    /// ask is honoured.
    pub(crate) fn take_settle_asks(&self) -> BTreeSet<Address> {
        self.lock().session.take_settle_asks()
    }

    /// Records that `channel` is settled up to `upto` on chain.
    pub(crate) fn mark_settled(&self, channel: ChannelId, upto: Amount) {
        self.lock().session.mark_settled(channel, upto);
    }

    /// The earn channels `channels` names, as promised to us by `payer`, not yet settled.
    pub(crate) fn earned_unsettled(&self, payer: Address, channels: &[ChannelId]) -> Vec<(ChannelId, Owed)> {
        self.lock().session.earned_unsettled(payer, channels)
    }

    /// The payers of the earn channels open on live connections, whose on-chain balance
    /// should back their vouchers.
    pub(crate) fn payers(&self) -> Vec<Address> {
        self.lock().session.payers()
    }

    /// Our address, while we might pay someone: its balance caps our vouchers.
    pub(crate) fn paying_address(&self) -> Option<Address> {
        self.lock().session.paying_address()
    }

    /// Records our own BTT balance as read from the chain.
    pub(crate) fn set_own_balance(&self, address: Address, balance: Amount) {
        self.lock().session.set_own_balance(address, balance);
    }

    /// Records a payer's BTT balance as read from the chain.
    pub(crate) fn set_payer_balance(&self, payer: Address, balance: Amount) {
        self.lock().session.set_payer_balance(payer, balance);
    }

    /// Earn channels promised to us and not yet settled on chain (the payee's side of
    /// settlement has something to look for).
    pub(crate) fn has_unsettled_earnings(&self) -> bool {
        self.lock().session.has_unsettled_earnings()
    }

    /// Some connection speaks bt_speed (so a round has something to do).
    pub(crate) fn has_peers(&self) -> bool {
        self.lock().session.has_peers()
    }

    pub(crate) fn set_torrent_bid(&self, info_hash: [u8; 20], bid: Option<TorrentBid>) {
        let terms = bid.as_ref().map(torrent_terms);
        let mut driver = self.lock();
        driver.session.set_torrent_terms(info_hash, terms);
        match bid {
            Some(bid) => driver.bids.insert(info_hash, bid),
            None => driver.bids.remove(&info_hash),
        };
    }

    /// One round: payments for newly verified pieces, bids, the auction, and payment
    /// demands. `progress` is each torrent's bytes still to download and piece length.
    pub(crate) fn tick(&self, verified: Vec<VerifiedPiece>, progress: HashMap<[u8; 20], Progress>) {
        let delivered: Vec<Delivered> = verified
            .iter()
            .flat_map(|piece| {
                piece.contributions.iter().map(|(from, bytes)| Delivered {
                    info_hash: piece.info_hash,
                    from: *from,
                    bytes: *bytes,
                })
            })
            .collect();
        let mut driver = self.lock();
        let credits: HashMap<LinkId, Option<i64>> =
            driver.links.iter().map(|(id, link)| (*id, link.credit())).collect();
        let actions = driver.session.tick(now_unix(), &delivered, progress, &credits);
        *self.ranking.write().unwrap_or_else(|p| p.into_inner()) = driver.session.ranking().clone();
        let after = self.apply(&driver, actions);
        drop(driver);
        self.finish(after);
    }

    /// The bid column's line for a torrent, or `None` when it has nothing to show (no own
    /// bid, not bidding, budget not run out).
    pub(crate) fn bid_summary(&self, id: TorrentId) -> Option<BidSummary> {
        let info_hash = id.info_hash();
        let driver = self.lock();
        let view = driver.session.torrent_view(info_hash);
        let bid = driver.bids.get(&info_hash).cloned();
        let current_bid = view.current_bid.map(|a| a.0.to_string());
        (bid.is_some() || current_bid.is_some() || view.budget_exhausted).then_some(BidSummary {
            id,
            bid,
            current_bid,
            budget_exhausted: view.budget_exhausted,
        })
    }

    /// What bid-for-speed is doing for one torrent.
    pub(crate) fn torrent_status(&self, info_hash: [u8; 20]) -> TorrentSpeed {
        let driver = self.lock();
        let view = driver.session.torrent_view(info_hash);
        let text = |a: Amount| a.0.to_string();
        TorrentSpeed {
            bid: driver.bids.get(&info_hash).cloned(),
            current_bid: view.current_bid.map(text),
            budget: text(view.budget),
            spent: text(view.spent),
            remaining: text(view.budget.saturating_sub(view.spent)),
            bytes_bought: view.bytes_bought,
            budget_exhausted: view.budget_exhausted,
            paid_slots: view
                .paid_slots
                .iter()
                .map(|(peer, price)| PaidSlot { peer: peer.to_string(), price_per_gib: text(*price) })
                .collect(),
            earned: text(view.earned),
            earned_settled: text(view.earned_settled),
            channels: view
                .channels
                .into_iter()
                .map(|c| ChannelInfo {
                    channel: c.channel.to_string(),
                    direction: if c.spend { ChannelDirection::Spend } else { ChannelDirection::Earn },
                    peer: c.peer.to_string(),
                    counterparty: c.counterparty.map(|a| a.to_string()).unwrap_or_default(),
                    price_per_gib: text(c.price),
                    budget: text(c.budget),
                    cumulative: text(c.cumulative),
                    seq: c.seq,
                })
                .collect(),
        }
    }
}

/// A torrent's own bid as the session uses it.
fn torrent_terms(bid: &TorrentBid) -> TorrentTerms {
    let (budget, price) = (bid.budget.btt(), bid.price_per_gib.btt());
    let strategy = match (bid.spending, bid.strategy) {
        (false, _) => Strategy::Off,
        (true, BidStrategy::Fixed) => Strategy::Fixed { price },
        (true, BidStrategy::Auto) => Strategy::Auto { max_price: price },
    };
    TorrentTerms { strategy, budget }
}

fn api_event(event: session::Event) -> SpeedEvent {
    let id = TorrentId::from;
    let text = |a: Amount| a.0.to_string();
    match event {
        session::Event::Bid { info_hash, peer, price } => {
            SpeedEvent::Bid { id: id(info_hash), peer: peer.to_string(), price: text(price) }
        }
        session::Event::Price { info_hash, peer, price, slot } => {
            SpeedEvent::Price { id: id(info_hash), peer: peer.to_string(), price: text(price), slot }
        }
        session::Event::PriceRefused { info_hash, peer, price, bid } => SpeedEvent::PriceRefused {
            id: id(info_hash),
            peer: peer.to_string(),
            price: text(price),
            bid: text(bid),
        },
        session::Event::Paid { info_hash, peer, channel, cumulative } => SpeedEvent::Paid {
            id: id(info_hash),
            peer: peer.to_string(),
            channel: channel.to_string(),
            cumulative: text(cumulative),
        },
        session::Event::Earned { info_hash, peer, channel, cumulative } => SpeedEvent::Earned {
            id: id(info_hash),
            peer: peer.to_string(),
            channel: channel.to_string(),
            cumulative: text(cumulative),
        },
        session::Event::BudgetExhausted { info_hash } => SpeedEvent::BudgetExhausted { id: id(info_hash) },
    }
}

impl SpeedHandler for SpeedService {
    fn on_ready(&self, link: &Arc<PeerLink>) {
        let Some(info_hash) = link.info_hash() else { return };
        let mut driver = self.lock();
        driver.links.insert(link.id(), link.clone());
        let actions = driver.session.on_ready(link.id(), link.remote(), info_hash);
        let after = self.apply(&driver, actions);
        drop(driver);
        self.finish(after);
    }

    fn on_message(&self, link: &Arc<PeerLink>, payload: Bytes) {
        let mut driver = self.lock();
        let actions = driver.session.on_payload(link.id(), &payload, now_unix(), link.credit());
        let after = self.apply(&driver, actions);
        drop(driver);
        self.finish(after);
    }

    fn on_closed(&self, link: &Arc<PeerLink>) {
        let mut driver = self.lock();
        let actions = driver.session.on_closed(link.id());
        let after = self.apply(&driver, actions);
        driver.links.remove(&link.id());
        drop(driver);
        self.finish(after);
    }
}

impl Ranker for SpeedService {
    fn key(&self, peer: &PeerSample) -> u128 {
        let ranking = self.ranking.read().unwrap_or_else(|p| p.into_inner());
        match ranking.paid.get(&peer.link) {
            // Paid slots first, highest bid first.
            Some(bid) => (1u128 << 127) | (bid.0 >> 1),
            None => RateRanker.key(peer) >> 1,
        }
    }

    /// The speed layer's weight (a paid slot's by its bid), times its torrent's bandwidth
    /// priority.
    fn weight(&self, peer: &PeerSample) -> u32 {
        let weight = self.ranking.read().unwrap_or_else(|p| p.into_inner()).weight(peer.link);
        let weights = self.weights.read().unwrap_or_else(|p| p.into_inner());
        let torrent = peer
            .info_hash
            .and_then(|h| weights.get(&h).copied())
            .unwrap_or(bidswarm_api::NORMAL_TORRENT_WEIGHT);
        weight.saturating_mul(torrent)
    }
}

/// Most vouchers written in one ledger transaction.
const LEDGER_BATCH: usize = 512;

/// Applies [`LedgerOp`]s in order. A channel is recorded with its terms when its first
/// voucher is; the vouchers that queue up while the ledger writes are batched into one
/// transaction. A write that fails is logged with what was lost, and the next goes on.
pub(crate) async fn ledger_writer(
    ledger: Arc<bidswarm_ledger::Ledger>,
    mut ops: tokio::sync::mpsc::UnboundedReceiver<LedgerOp>,
) {
    let mut opened = std::collections::HashSet::new();
    let mut vouchers: Vec<(bidswarm_ledger::VerifiedVoucher, Option<Outgoing>)> = Vec::new();
    while let Some(first) = ops.recv().await {
        // Whatever queued up meanwhile goes in the same round: vouchers on channels the
        // ledger knows are written as one batch, in order with the other records.
        let mut round = vec![first];
        while round.len() < LEDGER_BATCH {
            match ops.try_recv() {
                Ok(op) => round.push(op),
                Err(_) => break,
            }
        }
        let at = now_unix() as i64;
        for op in round {
            match op {
                LedgerOp::Voucher { channel, voucher, then_send, .. } if opened.contains(&channel.id) => {
                    vouchers.push((voucher, then_send))
                }
                op => {
                    write_vouchers(&ledger, &mut vouchers, at).await;
                    if let Err(e) = write_op(&ledger, &mut opened, op, at).await {
                        warn!("the ledger did not record a bt_speed event: {e}");
                    }
                }
            }
        }
        write_vouchers(&ledger, &mut vouchers, at).await;
    }
}

/// Writes the queued vouchers in one transaction, then sends the ones that go on the
/// wire. A batch is all or nothing, so when one is refused the rest are written one by
/// one and only the refused one is lost (and never sent).
async fn write_vouchers(
    ledger: &bidswarm_ledger::Ledger,
    vouchers: &mut Vec<(bidswarm_ledger::VerifiedVoucher, Option<Outgoing>)>,
    at: i64,
) {
    if vouchers.is_empty() {
        return;
    }
    let (batch, outgoing): (Vec<_>, Vec<_>) = std::mem::take(vouchers).into_iter().unzip();
    if ledger.record_verified_vouchers(&batch, at).await.is_ok() {
        outgoing.into_iter().flatten().for_each(Outgoing::send);
        return;
    }
    for (voucher, outgoing) in batch.iter().zip(outgoing) {
        match ledger.record_verified_vouchers(std::slice::from_ref(voucher), at).await {
            Ok(_) => outgoing.into_iter().for_each(Outgoing::send),
            Err(e) => {
                warn!(channel = %voucher.voucher().channel, seq = voucher.voucher().seq, "the ledger refused a voucher, so it is not sent: {e}")
            }
        }
    }
}

/// One record that is not a voucher on a known channel: a channel's first voucher (with
/// the channel, its account and peer), or a closed channel.
async fn write_op(
    ledger: &bidswarm_ledger::Ledger,
    opened: &mut std::collections::HashSet<ChannelId>,
    op: LedgerOp,
    at: i64,
) -> Result<(), bidswarm_ledger::Error> {
    match op {
        LedgerOp::Voucher { channel, voucher, ours, then_send } => {
            if opened.insert(channel.id) {
                // The counterparty is a peer; our side is an account.
                let peer = if ours { channel.payee } else { channel.payer };
                let me = if ours { channel.payer } else { channel.payee };
                let record = bidswarm_ledger::Peer { address: peer, public_key: None, client: None };
                ledger.add_account(me, "wallet", at).await?;
                ledger.record_peer(&record, at).await?;
                ledger.open_channel(&channel, at).await?;
            }
            let direction =
                if ours { bidswarm_ledger::Direction::Spend } else { bidswarm_ledger::Direction::Earn };
            ledger.record_verified_voucher(&voucher, direction, at).await?;
            then_send.into_iter().for_each(Outgoing::send);
            Ok(())
        }
        LedgerOp::Close { channel } if opened.contains(&channel) => {
            ledger.close_channel(channel, at).await.map(|_| ())
        }
        LedgerOp::Close { .. } => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use bidswarm_wallet::{PrivateKey, Voucher};

    use super::*;

    /// Vouchers queued together are written as a batch; a refused one (a replayed seq)
    /// costs only itself, and the channel's first voucher brings the channel with it.
    #[tokio::test]
    async fn the_ledger_writer_batches_and_a_refused_voucher_costs_only_itself() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Arc::new(bidswarm_ledger::Ledger::open(dir.path().join("ledger.sqlite")).await.unwrap());
        let me = PrivateKey::from_bytes(&[7; 32]).unwrap();
        let seller = PrivateKey::from_bytes(&[8; 32]).unwrap().address();
        let info_hash = [3u8; 20];
        let channel = bidswarm_ledger::NewChannel {
            id: ChannelId::derive(&me.address(), &seller, &info_hash, 1),
            payer: me.address(),
            payee: seller,
            info_hash,
            price_per_gib: bidswarm_ledger::Amount::from_base_units(1000),
            budget: bidswarm_ledger::Amount::from_base_units(1_000_000),
        };
        let voucher = |seq: u64, cumulative: u128| {
            let voucher = Voucher { channel: channel.id, seq, cumulative, expiry: 4_000_000_000 };
            LedgerOp::Voucher {
                channel: Box::new(channel.clone()),
                voucher: bidswarm_ledger::VerifiedVoucher::sign(&me, voucher).unwrap(),
                ours: true,
                then_send: None,
            }
        };
        let (ops, rx) = tokio::sync::mpsc::unbounded_channel();
        // All queued before the writer starts, so they arrive as one round.
        for op in [voucher(1, 100), voucher(2, 200), voucher(2, 250), voucher(3, 300), voucher(4, 400)] {
            ops.send(op).unwrap();
        }
        drop(ops);
        ledger_writer(ledger.clone(), rx).await;
        let summary = ledger.summary().await.unwrap();
        assert_eq!(summary.spent.base_units(), 400, "every voucher but the replayed one");
        assert!(ledger.verify().await.unwrap().problems.is_empty());
    }
}
