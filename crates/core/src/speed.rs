//! Bid for speed, wired: the bt_speed state machine of docs/PROTOCOL.md over the gateway.
//!
//! `crates/speed` decides (messages, auction, bids, channels); this module keeps the
//! per-connection state, talks through [`PeerLink::send_speed`], meters paid slots with
//! the gateway's credit, ranks and weighs peers for the choker and the shaper
//! ([`Ranker`]), and signs vouchers with the wallet's key.
//!
//! Lock order: `SpeedService::state` only; it is never held across an `.await`, and the
//! gateway's own locks are taken inside it only through `PeerLink` methods, which hold
//! theirs for a single operation.
//!
//! Per connection, both roles may run at once: as payer (we bid to a seller) and as payee
//! (the peer bids to us).

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex, MutexGuard, RwLock, Weak},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use bidswarm_api::{
    BidStrategy, ChannelDirection, ChannelInfo, Event, PaidSlot, SpeedEvent, SpeedSettings, TorrentBid,
    TorrentId, TorrentSpeed,
};
use bidswarm_gateway::{
    Gateway, LinkId, PeerLink, PeerSample, Ranker, RateRanker, SpeedHandler, VerifiedPiece,
};
use bidswarm_speed::{
    auction::{self, SealedBid},
    bidding::{Bidder, Strategy},
    channel::{Earning, Spending, VoucherRejected},
    message::{
        Bid, ErrorCode, Hello, NeedPayment, PriceOffer, SignedVoucher, SpeedError, SpeedMessage, VERSION,
    },
    policy::{self, CreditCheck, NoCredit, OfferVerdict, VoucherGate},
    Amount,
};
use bidswarm_wallet::{Address, ChannelId, Signer};
use bytes::Bytes;
use tokio::sync::broadcast;
use tracing::{debug, info, warn};

/// How often bids, auctions and payments are revisited, besides on each message.
pub(crate) const TICK: Duration = Duration::from_millis(250);
/// Paid slots a seller auctions: the choker's regular slots (the optimistic one is never
/// sold).
const PAID_SLOTS: usize = 4;

/// The wallet key bt_speed signs with, and the network it is on.
#[derive(Clone)]
pub struct SpeedIdentity {
    pub signer: Arc<dyn Signer + Send + Sync>,
    pub address: Address,
    /// `mainnet`, `nile`, `shasta` or `devnet:<name>` (docs/PROTOCOL.md §4).
    pub network: String,
    /// The BTT TRC-20 contract on that network.
    pub token: Address,
}

impl std::fmt::Debug for SpeedIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpeedIdentity")
            .field("address", &self.address)
            .field("network", &self.network)
            .finish()
    }
}

/// The settings in a form the logic can use, checked once.
#[derive(Debug, Clone)]
pub(crate) struct Terms {
    spending: bool,
    strategy: BidStrategy,
    fixed_price: Amount,
    max_price: Amount,
    budget: Amount,
    spending_cap: Amount,
    earning: bool,
    ask: Amount,
    credit_window: u64,
    exposure_cap: Amount,
    total_exposure_cap: Amount,
    overdue_after_secs: u64,
}

impl Terms {
    /// These terms with spending and earning off: what runs while there is no ledger to
    /// record money in.
    pub(crate) fn without_money(self) -> Self {
        Self { spending: false, earning: false, ..self }
    }

    pub(crate) fn from_settings(s: &SpeedSettings) -> Result<Self, String> {
        let amount = |field: &str, text: &str| {
            text.parse::<u128>().map(Amount).map_err(|_| {
                format!("{field} must be a whole number of BTT base units (10^-18 BTT), not {text:?}")
            })
        };
        let terms = Self {
            spending: s.spending_enabled,
            strategy: s.strategy,
            fixed_price: amount("fixed_price_per_gib", &s.fixed_price_per_gib)?,
            max_price: amount("max_price_per_gib", &s.max_price_per_gib)?,
            budget: amount("budget_per_torrent", &s.budget_per_torrent)?,
            spending_cap: amount("spending_cap", &s.spending_cap)?,
            earning: s.earning_enabled,
            ask: amount("ask_per_gib", &s.ask_per_gib)?,
            credit_window: s.credit_window_bytes,
            exposure_cap: amount("exposure_cap", &s.exposure_cap)?,
            total_exposure_cap: amount("total_exposure_cap", &s.total_exposure_cap)?,
            overdue_after_secs: s.settlement_overdue_secs,
        };
        if amount("btt_per_trx", &s.btt_per_trx)?.is_zero() && s.settle_fee_multiple > 0 {
            return Err(
                "btt_per_trx must be above zero: how many BTT one TRX is worth, to weigh a settlement's fee"
                    .into(),
            );
        }
        if terms.spending && terms.budget.is_zero() {
            return Err(
                "spending needs a budget per torrent above zero: set how much one torrent may spend".into()
            );
        }
        if terms.spending && terms.spending_cap.is_zero() {
            return Err(
                "spending needs a spending cap above zero: set how much all torrents together may spend"
                    .into(),
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
}

/// One torrent's spending: its bid settings and what all its channels promised.
#[derive(Debug, Clone, Default)]
struct TorrentBudget {
    bid: Option<TorrentBid>,
    /// Promised on channels now closed, and the verified bytes they paid for; open ones
    /// add theirs.
    spent_closed: Amount,
    bought_closed: u64,
    /// Promised to us on channels now closed.
    earned_closed: Amount,
    exhausted_announced: bool,
}

/// What we know about one bt_speed connection.
#[derive(Debug)]
struct Peer {
    link: Arc<PeerLink>,
    info_hash: [u8; 20],
    hello_sent: bool,
    theirs: Option<Hello>,
    // As payer.
    bidder: Bidder,
    nonce: u64,
    spending: Option<Spending>,
    slot: bool,
    // As payee.
    bid: Option<Bid>,
    earning: Option<Earning>,
    offered: Option<PriceOffer>,
    need_payment_sent: bool,
    /// Vouchers this link may still send this second, and the least step each must add.
    voucher_gate: VoucherGate,
    /// The payer's last accepted voucher, not yet handed to the ledger: vouchers are
    /// coalesced to one per channel per round, so a flood cannot grow the ledger.
    unrecorded: Option<LedgerOp>,
    /// Why the payer gets no credit now, as last told (so it is told once per reason).
    no_credit: Option<NoCredit>,
}

#[derive(Debug, Default)]
struct State {
    terms: Option<Terms>,
    identity: Option<SpeedIdentity>,
    peers: HashMap<LinkId, Peer>,
    torrents: HashMap<[u8; 20], TorrentBudget>,
    /// Payers that cheated (bad voucher); no paid slot for them this session.
    banned: Vec<Address>,
    /// Paid-slot holders and their bids, for the ranker.
    paid: HashMap<LinkId, Amount>,
    /// Remaining bytes per torrent, from the last tick.
    remaining: HashMap<[u8; 20], u64>,
    /// Every spend channel of this session: payee, promised, settled on chain.
    owed: HashMap<ChannelId, Owed>,
    /// Every earn channel of this session: payer, promised to us, settled on chain, and
    /// the torrent.
    earned: HashMap<ChannelId, (Owed, [u8; 20])>,
    /// Payers' BTT balances as last read from the chain ([`SpeedService::set_payer_balance`]).
    /// A payer not in here (offline, or not read yet) is not checked against the chain;
    /// the credit window and the exposure cap still bound what it can take.
    payer_balances: HashMap<Address, Amount>,
    /// Spend channels of earlier sessions still owed, from the ledger, with the account
    /// that signed them: settled only while that account is unlocked.
    restored: HashMap<ChannelId, (Address, Owed)>,
    /// Earn channels of earlier sessions still owed to us (in `earned`), so a settlement
    /// that arrives now is matched; not part of this session's per-torrent figures.
    restored_earn: std::collections::HashSet<ChannelId>,
    /// Our own BTT balance on chain, as last read, and for which address: vouchers never
    /// promise more than it minus what is already promised and unsettled.
    own_balance: Option<(Address, Amount)>,
    /// Since when (unix seconds) each payer has owed us something unsettled; a payer past
    /// the settings' deadline gets no paid slot until it pays.
    owed_since: HashMap<Address, u64>,
    /// Payees that told us our settlement is overdue: the next settlement round pays
    /// them, whatever the fee rule.
    settle_asks: std::collections::BTreeSet<Address>,
    /// When (unix seconds) each payee's ask was last honoured: once a day at most
    /// ([`policy::honour_settle_ask`]), so asking cannot burn our TRX fee after fee.
    asks_honoured: HashMap<Address, u64>,
}

/// What one channel promised, and how much of it is settled. `counterparty` is the payee
/// on a spend channel, the payer on an earn channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Owed {
    pub counterparty: Address,
    pub promised: Amount,
    pub settled: Amount,
}

impl Owed {
    fn unsettled(&self) -> Amount {
        self.promised.saturating_sub(self.settled)
    }
}

/// Something for the ledger to record, in the order it happened. Written by
/// [`ledger_writer`] off the relay tasks, so the wire never waits for the disk.
#[derive(Debug)]
pub(crate) enum LedgerOp {
    /// A voucher, with its channel's terms. `then_send` goes on the wire only once the
    /// voucher is in the ledger, so we never promise what we have not recorded.
    Voucher {
        channel: Box<bidswarm_ledger::NewChannel>,
        voucher: bidswarm_ledger::SignedVoucher,
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
    state: Mutex<State>,
    ledger: tokio::sync::mpsc::UnboundedSender<LedgerOp>,
    gateway: RwLock<Weak<Gateway>>,
    events: broadcast::Sender<Event>,
    /// The ranker's view, rebuilt each tick: paid bidders and the free peers' weight.
    ranking: RwLock<Ranking>,
}

#[derive(Debug, Default, Clone)]
struct Ranking {
    paid: HashMap<LinkId, Amount>,
    max_bid: Amount,
    free_weight: u32,
}

impl std::fmt::Debug for SpeedService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpeedService").finish_non_exhaustive()
    }
}

fn now_unix() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl SpeedService {
    pub(crate) fn new(
        terms: Terms,
        events: broadcast::Sender<Event>,
        ledger: tokio::sync::mpsc::UnboundedSender<LedgerOp>,
    ) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(State { terms: Some(terms), ..State::default() }),
            ledger,
            gateway: RwLock::new(Weak::new()),
            events,
            ranking: RwLock::new(Ranking::default()),
        })
    }

    pub(crate) fn attach(&self, gateway: &Arc<Gateway>) {
        *self.gateway.write().unwrap_or_else(|p| p.into_inner()) = Arc::downgrade(gateway);
    }

    fn gateway(&self) -> Option<Arc<Gateway>> {
        self.gateway.read().unwrap_or_else(|p| p.into_inner()).upgrade()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Plain maps and values: a poisoned lock still holds a usable state.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The key to pay and be paid with; `None` turns bt_speed payments off (hello is
    /// still exchanged, without an ask, so peers know we exist).
    pub(crate) fn set_identity(&self, identity: Option<SpeedIdentity>) {
        self.lock().identity = identity;
    }

    pub(crate) fn set_terms(&self, terms: Terms) {
        let mut state = self.lock();
        state.terms = Some(terms);
        // A raised budget or cap lets torrents bid again; the next round says if not.
        for t in state.torrents.values_mut() {
            t.exhausted_announced = false;
        }
    }

    pub(crate) fn identity(&self) -> Option<SpeedIdentity> {
        self.lock().identity.clone()
    }

    /// Spend channels with promises not yet settled on chain: this session's, and earlier
    /// sessions' signed by the unlocked account.
    pub(crate) fn unsettled(&self) -> Vec<(ChannelId, Owed)> {
        let state = self.lock();
        let me = state.identity.as_ref().map(|i| i.address);
        let restored =
            state.restored.iter().filter(|(c, (payer, _))| Some(*payer) == me && !state.owed.contains_key(c));
        let mut owed: Vec<(ChannelId, Owed)> = state
            .owed
            .iter()
            .chain(restored.map(|(c, (_, o))| (c, o)))
            .filter(|(_, o)| o.promised > o.settled)
            .map(|(c, o)| (*c, *o))
            .collect();
        owed.sort_by_key(|(c, _)| *c);
        owed
    }

    /// Takes over what earlier sessions left unsettled (from the ledger): what we owe is
    /// settled like this session's promises, and settlements of what we are owed are
    /// matched as they arrive. Returns how many channels we owe on.
    pub(crate) fn restore_unsettled(
        &self,
        owe: &[bidswarm_ledger::Unsettled],
        owed_to_us: &[bidswarm_ledger::Unsettled],
    ) -> usize {
        let mut state = self.lock();
        let owed = |u: &bidswarm_ledger::Unsettled, counterparty: Address| {
            let promised = Amount(u.promised.base_units());
            let settled = promised.saturating_sub(Amount(u.unsettled.base_units()));
            Owed { counterparty, promised, settled }
        };
        for u in owe {
            state.restored.insert(u.channel, (u.payer, owed(u, u.payee)));
        }
        let now = now_unix();
        for u in owed_to_us {
            state.earned.insert(u.channel, (owed(u, u.payer), u.info_hash));
            state.restored_earn.insert(u.channel);
            // The deadline runs from the restart: the ledger does not say since when.
            state.owed_since.entry(u.payer).or_insert(now);
        }
        owe.len()
    }

    /// What earlier sessions spent and earned per torrent (from the ledger), so a restart
    /// never gives a torrent its budget again, and the spending cap counts every session.
    pub(crate) fn restore_spent(&self, per_torrent: &std::collections::BTreeMap<[u8; 20], (Amount, Amount)>) {
        let mut state = self.lock();
        for (info_hash, (spent, earned)) in per_torrent {
            let entry = state.torrents.entry(*info_hash).or_default();
            entry.spent_closed = entry.spent_closed.checked_add(*spent).unwrap_or(Amount(u128::MAX));
            entry.earned_closed = entry.earned_closed.checked_add(*earned).unwrap_or(Amount(u128::MAX));
        }
    }

    /// The payees that told us our settlement is overdue since the last call, and whose
    /// ask is honoured.
    pub(crate) fn take_settle_asks(&self) -> std::collections::BTreeSet<Address> {
        std::mem::take(&mut self.lock().settle_asks)
    }

    /// Records that `channel` is settled up to `upto` on chain.
    pub(crate) fn mark_settled(&self, channel: ChannelId, upto: Amount) {
        let mut state = self.lock();
        let mut paid_out = Amount::ZERO;
        if let Some(o) = state.owed.get_mut(&channel) {
            paid_out = upto.saturating_sub(o.settled);
            o.settled = o.settled.max(upto);
        }
        if let Some((_, o)) = state.restored.get_mut(&channel) {
            paid_out = paid_out.max(upto.saturating_sub(o.settled));
            o.settled = o.settled.max(upto);
        }
        // Our balance fell by what we just paid; until the next read says so, the cached
        // figure would let new vouchers promise it again.
        if let Some((_, balance)) = state.own_balance.as_mut() {
            *balance = balance.saturating_sub(paid_out);
        }
        if let Some((o, _)) = state.earned.get_mut(&channel) {
            o.settled = o.settled.max(upto);
            let payer = o.counterparty;
            if owed_by(&state.earned, payer, None).is_zero() {
                state.owed_since.remove(&payer);
            }
        }
        for peer in state.peers.values_mut() {
            if let Some(e) = peer.earning.as_mut().filter(|e| e.channel == channel) {
                e.mark_settled(upto);
            }
        }
    }

    /// The earn channels `channels` names, as promised to us by `payer`, not yet settled.
    pub(crate) fn earned_unsettled(&self, payer: Address, channels: &[ChannelId]) -> Vec<(ChannelId, Owed)> {
        let state = self.lock();
        channels
            .iter()
            .filter_map(|c| state.earned.get(c).map(|(o, _)| (*c, *o)))
            .filter(|(_, o)| o.counterparty == payer && o.promised > o.settled)
            .collect()
    }

    /// The payers of the earn channels open on live connections, whose on-chain balance
    /// should back their vouchers.
    pub(crate) fn payers(&self) -> Vec<Address> {
        let state = self.lock();
        let mut payers: Vec<Address> =
            state.peers.values().filter_map(|p| p.earning.as_ref().map(|e| e.payer)).collect();
        payers.sort();
        payers.dedup();
        payers
    }

    /// Our address, while we might pay someone: its balance caps our vouchers.
    pub(crate) fn paying_address(&self) -> Option<Address> {
        let state = self.lock();
        let me = state.identity.as_ref()?.address;
        let might_pay = state.peers.values().any(|p| p.theirs.as_ref().is_some_and(|h| h.ask.is_some()));
        might_pay.then_some(me)
    }

    /// Records our own BTT balance as read from the chain.
    pub(crate) fn set_own_balance(&self, address: Address, balance: Amount) {
        self.lock().own_balance = Some((address, balance));
    }

    /// Records a payer's BTT balance as read from the chain.
    pub(crate) fn set_payer_balance(&self, payer: Address, balance: Amount) {
        self.lock().payer_balances.insert(payer, balance);
    }

    /// Earn channels promised to us and not yet settled on chain (the payee's side of
    /// settlement has something to look for).
    pub(crate) fn has_unsettled_earnings(&self) -> bool {
        self.lock().earned.values().any(|(o, _)| o.promised > o.settled)
    }

    /// Some connection speaks bt_speed (so a round has something to do).
    pub(crate) fn has_peers(&self) -> bool {
        !self.lock().peers.is_empty()
    }

    pub(crate) fn set_torrent_bid(&self, info_hash: [u8; 20], bid: Option<TorrentBid>) {
        let mut state = self.lock();
        let entry = state.torrents.entry(info_hash).or_default();
        entry.bid = bid;
        entry.exhausted_announced = false;
    }

    fn emit(&self, event: SpeedEvent) {
        // Nobody listening is normal.
        let _ = self.events.send(Event::Speed { event });
    }

    /// One round: payments for newly verified pieces, bids, the auction, and payment
    /// demands. `remaining` is each torrent's bytes still to download.
    pub(crate) fn tick(&self, verified: Vec<VerifiedPiece>, remaining: HashMap<[u8; 20], u64>) {
        let now = now_unix();
        let mut events = Vec::new();
        {
            let mut state = self.lock();
            state.remaining = remaining;
            credit_verified(&mut state, &verified);
            pay(&mut state, now, &mut events, &self.ledger);
            rebid(&mut state, &mut events);
            self.run_auction(&mut state, now);
            demand_payment(&mut state);
            self.record_earned(&mut state);
        }
        for event in events {
            self.emit(event);
        }
    }

    /// Hands each channel's last accepted voucher to the ledger: at most one per channel
    /// per round, however many the payer sent.
    fn record_earned(&self, state: &mut State) {
        for peer in state.peers.values_mut() {
            if let Some(op) = peer.unrecorded.take() {
                // The writer ends only when the core shuts down.
                let _ = self.ledger.send(op);
            }
        }
    }

    fn run_auction(&self, state: &mut State, now: u64) {
        let Some(terms) = state.terms.clone() else { return };
        let all_unsettled = sum_unsettled(state.earned.values().map(|(o, _)| o));
        let bids: Vec<SealedBid<LinkId>> = if terms.earning && state.identity.is_some() {
            let State { peers, banned, earned, payer_balances, owed_since, .. } = &mut *state;
            peers
                .iter_mut()
                .filter_map(|(id, p)| {
                    let price = p.bid.as_ref()?.price;
                    let payer = p.theirs.as_ref()?.address;
                    if price.is_zero() || banned.contains(&payer) || p.link.out_of_credit() {
                        return None;
                    }
                    // Every payer is checked before each round's grant (docs/PROTOCOL.md §8):
                    // what it owes us on every channel, its balance as last read (unknown
                    // counts as none), the caps, and its settlement deadline.
                    let check = CreditCheck {
                        balance: payer_balances.get(&payer).copied(),
                        payer_unsettled: owed_by(earned, payer, None),
                        all_unsettled,
                        window_cost: policy::window_cost(terms.credit_window, price),
                        payer_cap: terms.exposure_cap,
                        total_cap: terms.total_exposure_cap,
                        overdue: owed_since
                            .get(&payer)
                            .is_some_and(|since| now.saturating_sub(*since) > terms.overdue_after_secs),
                    };
                    let verdict = policy::may_grant_credit(&check);
                    tell_no_credit(p, verdict.err());
                    verdict.is_ok().then_some(SealedBid { bidder: *id, price })
                })
                .collect()
        } else {
            Vec::new()
        };
        let outcome = auction::clear(terms.ask, PAID_SLOTS, &bids);
        let mut paid = HashMap::new();
        for (id, peer) in state.peers.iter_mut() {
            let Some(bid) = peer.bid.clone() else { continue };
            let won = outcome.winners.contains(id);
            // A peer out of credit keeps its slot (and its choke) until it pays.
            let keeps = peer.offered.as_ref().is_some_and(|o| o.slot) && peer.link.out_of_credit();
            let slot = won || keeps;
            let offer =
                PriceOffer { price: outcome.clearing_price, slot, credit_window: terms.credit_window };
            if slot {
                paid.insert(*id, bid.price);
                if let Some(earning) = peer.earning.as_mut() {
                    earning.price = outcome.clearing_price;
                }
                if peer.link.credit().is_none() {
                    peer.link.set_credit(Some(terms.credit_window));
                }
            } else if peer.link.credit().is_some() && !peer.link.out_of_credit() {
                peer.link.set_credit(None);
            }
            if peer.offered.as_ref() != Some(&offer) {
                peer.link.send_speed(SpeedMessage::Price(offer.clone()).encode());
                peer.offered = Some(offer);
            }
        }
        let changed = state.paid != paid;
        state.paid = paid.clone();
        let max_bid = paid.values().copied().max().unwrap_or(Amount::ZERO);
        let total_paid_weight: u64 = paid.values().map(|b| u64::from(weight_of(*b, max_bid))).sum();
        let free_peers = state.peers.len().saturating_sub(paid.len()).max(1) as u64;
        let free_weight = if paid.is_empty() {
            1
        } else {
            // All free peers together get an eighth of the paid peers' weight: about 11% of
            // the cap when everyone is sending (docs/PROTOCOL.md §5).
            (total_paid_weight / 8 / free_peers).clamp(1, u64::from(u32::MAX)) as u32
        };
        *self.ranking.write().unwrap_or_else(|p| p.into_inner()) = Ranking { paid, max_bid, free_weight };
        // Only a change of paid slots needs the choker now; otherwise its own 10 s rounds
        // keep their rate samples meaningful.
        if changed {
            if let Some(gateway) = self.gateway() {
                gateway.rechoke_soon();
            }
        }
    }

    /// What bid-for-speed is doing for one torrent.
    pub(crate) fn torrent_status(&self, info_hash: [u8; 20]) -> TorrentSpeed {
        let state = self.lock();
        let budget_entry = state.torrents.get(&info_hash).cloned().unwrap_or_default();
        let (budget, _) = torrent_budget(state.terms.as_ref(), &budget_entry);
        let spent = spent_on(&state, info_hash, &budget_entry);
        let mut status = TorrentSpeed {
            bid: budget_entry.bid.clone(),
            budget: budget.0.to_string(),
            spent: spent.0.to_string(),
            remaining: budget.saturating_sub(spent).0.to_string(),
            budget_exhausted: budget_entry.exhausted_announced,
            bytes_bought: budget_entry.bought_closed,
            ..TorrentSpeed::default()
        };
        let mut earned = budget_entry.earned_closed;
        for peer in state.peers.values().filter(|p| p.info_hash == info_hash) {
            let counterparty = peer.theirs.as_ref().map(|h| h.address.to_string()).unwrap_or_default();
            if let Some(s) = &peer.spending {
                status.bytes_bought += s.verified_bytes();
                if peer.slot {
                    status.paid_slots.push(PaidSlot {
                        peer: peer.link.remote.to_string(),
                        price_per_gib: s.price.0.to_string(),
                    });
                }
                status.channels.push(ChannelInfo {
                    channel: s.channel.to_string(),
                    direction: ChannelDirection::Spend,
                    peer: peer.link.remote.to_string(),
                    counterparty: counterparty.clone(),
                    price_per_gib: s.price.0.to_string(),
                    budget: s.budget.0.to_string(),
                    cumulative: s.paid().0.to_string(),
                    seq: 0,
                });
            }
            if let Some(e) = &peer.earning {
                earned = earned.checked_add(e.promised()).unwrap_or(earned);
                status.channels.push(ChannelInfo {
                    channel: e.channel.to_string(),
                    direction: ChannelDirection::Earn,
                    peer: peer.link.remote.to_string(),
                    counterparty,
                    price_per_gib: e.price.0.to_string(),
                    budget: e.budget.0.to_string(),
                    cumulative: e.promised().0.to_string(),
                    seq: e.best().map_or(0, |v| v.voucher.seq),
                });
            }
            if let Some(price) = peer.bidder.current() {
                status.current_bid = Some(price.0.to_string());
            }
        }
        status.earned = earned.0.to_string();
        let settled = state
            .earned
            .iter()
            .filter(|(c, (_, t))| *t == info_hash && !state.restored_earn.contains(c))
            .map(|(_, e)| e)
            .fold(Amount::ZERO, |sum, (o, _)| sum.checked_add(o.settled).unwrap_or(sum));
        status.earned_settled = settled.0.to_string();
        status
    }

    fn handle(&self, link: &Arc<PeerLink>, message: SpeedMessage) -> Vec<SpeedEvent> {
        let mut events = Vec::new();
        let mut state = self.lock();
        let cap_room = cap_room(&state);
        let State {
            peers,
            identity,
            terms,
            torrents,
            banned,
            remaining,
            earned,
            payer_balances,
            owed_since,
            settle_asks,
            asks_honoured,
            ..
        } = &mut *state;
        let Some(peer) = peers.get_mut(&link.id) else { return events };
        let id = TorrentId(hex::encode(peer.info_hash));
        let reply = |m: SpeedMessage| {
            link.send_speed(m.encode());
        };
        let refuse = |code: ErrorCode, message: &str| {
            reply(SpeedMessage::Error(SpeedError { code, message: message.into() }));
        };
        match message {
            SpeedMessage::Hello(hello) => {
                if hello.version < VERSION {
                    refuse(ErrorCode::UnsupportedVersion, "bt_speed v1 is the oldest version spoken here");
                    return events;
                }
                debug!(peer = %link.remote, address = %hello.address, ask = ?hello.ask, "bt_speed hello");
                peer.theirs = Some(hello);
                if let (Some(me), Some(terms)) = (identity.as_ref(), terms.as_ref()) {
                    let budget = torrents.entry(peer.info_hash).or_default().clone();
                    let left = remaining.get(&peer.info_hash).copied().unwrap_or(0);
                    maybe_bid(peer, me, terms, &budget, cap_room, left, &mut events, &id);
                }
            }
            SpeedMessage::Bid(bid) => {
                let (Some(me), Some(terms)) = (identity.as_ref(), terms.as_ref()) else {
                    refuse(ErrorCode::NotSelling, "this peer sells no paid slots");
                    return events;
                };
                if !terms.earning {
                    refuse(ErrorCode::NotSelling, "this peer sells no paid slots");
                    return events;
                }
                let Some(theirs) = peer.theirs.clone() else {
                    refuse(ErrorCode::BadMessage, "send hello before bidding");
                    return events;
                };
                if theirs.network != me.network || theirs.token != me.token {
                    refuse(ErrorCode::WrongNetwork, "we are paid on another network or token");
                    return events;
                }
                if ChannelId::derive(&theirs.address, &me.address, &peer.info_hash, bid.nonce) != bid.channel
                {
                    refuse(
                        ErrorCode::UnknownChannel,
                        "the channel does not derive from our addresses and the nonce",
                    );
                    return events;
                }
                if !bid.price.is_zero() && bid.price < terms.ask {
                    refuse(ErrorCode::BelowAsk, "the bid is below the ask");
                }
                if banned.contains(&theirs.address) {
                    refuse(ErrorCode::BadVoucher, "an earlier voucher from this payer was refused");
                    return events;
                }
                let same_channel = peer.earning.as_ref().is_some_and(|e| e.channel == bid.channel);
                if !same_channel {
                    peer.earning = Some(Earning::new(bid.channel, theirs.address, bid.budget, terms.ask));
                } else if let Some(e) = peer.earning.as_mut() {
                    e.budget = e.budget.max(bid.budget);
                }
                peer.bid = Some(bid);
            }
            SpeedMessage::Price(offer) => {
                let Some(spending) = peer.spending.as_mut() else { return events };
                match policy::check_offer(peer.bidder.current(), &offer) {
                    OfferVerdict::Accept { price, slot } => {
                        spending.price = price;
                        peer.slot = slot;
                        events.push(SpeedEvent::Price {
                            id,
                            peer: link.remote.to_string(),
                            price: price.0.to_string(),
                            slot,
                        });
                    }
                    OfferVerdict::AboveBid { price, bid } => {
                        // The seller names its own price: refused. We hold no paid slot
                        // and pay nothing at it (docs/PROTOCOL.md §5: never above the bid).
                        warn!(peer = %link.remote, %price, %bid, "a seller's price is above our bid: refused");
                        peer.slot = false;
                        spending.price = spending.price.min(bid);
                        refuse(
                            ErrorCode::PriceAboveBid,
                            "the price is above our bid; we pay no more than we bid",
                        );
                        events.push(SpeedEvent::PriceRefused {
                            id,
                            peer: link.remote.to_string(),
                            price: price.0.to_string(),
                            bid: bid.0.to_string(),
                        });
                    }
                    // A slot we did not bid for is not one: nothing is owed for it.
                    OfferVerdict::NoBid => peer.slot = false,
                }
            }
            SpeedMessage::Voucher(voucher) => {
                let Some(earning) = peer.earning.as_mut() else {
                    refuse(ErrorCode::UnknownChannel, "no channel is open with this peer");
                    return events;
                };
                let now = now_unix();
                let cumulative = Amount(voucher.voucher.cumulative);
                if let Err(flood) = peer.voucher_gate.admit(
                    now,
                    earning.promised(),
                    cumulative,
                    earning.price,
                    earning.budget,
                ) {
                    debug!(peer = %link.remote, "voucher not looked at: {flood}");
                    refuse(ErrorCode::VoucherFlood, &flood.to_string());
                    return events;
                }
                // A balance we have not read backs nothing (docs/PROTOCOL.md §7).
                let balance = payer_balances.get(&earning.payer).copied().unwrap_or(Amount::ZERO);
                let backing = balance.saturating_sub(owed_by(earned, earning.payer, Some(earning.channel)));
                match earning.accept(&voucher, now, backing) {
                    Ok(increase) => {
                        let entry = earned.entry(earning.channel).or_insert((
                            Owed {
                                counterparty: earning.payer,
                                promised: Amount::ZERO,
                                settled: Amount::ZERO,
                            },
                            peer.info_hash,
                        ));
                        entry.0.promised = earning.promised();
                        owed_since.entry(earning.payer).or_insert(now);
                        if let Some(me) = identity.as_ref() {
                            let terms = bidswarm_ledger::NewChannel {
                                id: earning.channel,
                                payer: earning.payer,
                                payee: me.address,
                                info_hash: peer.info_hash,
                                price_per_gib: ledger_amount(earning.price),
                                budget: ledger_amount(earning.budget),
                            };
                            let record = bidswarm_ledger::SignedVoucher {
                                voucher: voucher.voucher,
                                signature: voucher.signature,
                            };
                            // Recorded at the end of the round, with whatever came after.
                            peer.unrecorded = Some(LedgerOp::Voucher {
                                channel: Box::new(terms),
                                voucher: record,
                                ours: false,
                                then_send: None,
                            });
                        }
                        let window = terms.as_ref().map_or(0, |t| t.credit_window);
                        let credit = policy::credit_for_voucher(
                            increase,
                            earning.price,
                            link.credit().unwrap_or(0),
                            window,
                        );
                        link.add_credit(credit);
                        peer.need_payment_sent = false;
                        events.push(SpeedEvent::Earned {
                            id,
                            peer: link.remote.to_string(),
                            channel: earning.channel.to_string(),
                            cumulative: earning.promised().0.to_string(),
                        });
                        if let Some(g) = self.gateway() {
                            g.rechoke_soon();
                        }
                    }
                    Err(e) => {
                        warn!(peer = %link.remote, payer = %earning.payer, "voucher refused: {e}");
                        refuse(ErrorCode::BadVoucher, &e.to_string());
                        // A forged or replayed voucher is cheating; a balance that fell short
                        // may be topped up, so that payer may bid again.
                        if !matches!(e, VoucherRejected::Unbacked { .. }) {
                            banned.push(earning.payer);
                        }
                        peer.bid = None;
                    }
                }
            }
            SpeedMessage::NeedPayment(need) => {
                debug!(peer = %link.remote, owed = %need.owed, unpaid = need.unpaid_bytes, "payee asks for payment");
                // Paid at the next tick, for verified bytes only.
            }
            SpeedMessage::Error(e) => {
                debug!(peer = %link.remote, code = e.code.number(), "bt_speed error: {}", e.message);
                if matches!(e.code, ErrorCode::BelowAsk | ErrorCode::NotSelling | ErrorCode::WrongNetwork) {
                    peer.slot = false;
                }
                if let (ErrorCode::SettlementOverdue, Some(spending)) = (e.code, &peer.spending) {
                    // We owe this payee for too long by its rules: pay at the next round,
                    // once a day at most.
                    let payee = spending.payee;
                    let now = now_unix();
                    if policy::honour_settle_ask(asks_honoured.get(&payee).copied(), now) {
                        asks_honoured.insert(payee, now);
                        settle_asks.insert(payee);
                    } else {
                        debug!(%payee, "the payee asked to be paid again within a day; it waits for the fee rule");
                    }
                }
            }
        }
        events
    }
}

/// Everything `me` promised and has not settled: this session's spend channels and
/// earlier sessions' still owed.
fn unsettled_total(state: &State, me: Address) -> Amount {
    let restored =
        state.restored.iter().filter(|(c, (payer, _))| *payer == me && !state.owed.contains_key(c));
    sum_unsettled(state.owed.values().chain(restored.map(|(_, (_, o))| o)))
}

/// What is promised and not settled on `channels`, saturating.
fn sum_unsettled<'a>(channels: impl Iterator<Item = &'a Owed>) -> Amount {
    channels.fold(Amount::ZERO, |sum, o| sum.checked_add(o.unsettled()).unwrap_or(Amount(u128::MAX)))
}

/// What `payer` promised us on every earn channel but `except`, not yet settled: the part
/// of its balance already spoken for.
fn owed_by(
    earned: &HashMap<ChannelId, (Owed, [u8; 20])>,
    payer: Address,
    except: Option<ChannelId>,
) -> Amount {
    sum_unsettled(
        earned
            .iter()
            .filter(|(c, (o, _))| Some(**c) != except && o.counterparty == payer)
            .map(|(_, (o, _))| o),
    )
}

/// Tells a bidder why it gets no paid slot, once per reason. A balance not read yet is
/// not worth a message: it is read within a second of the bid.
fn tell_no_credit(peer: &mut Peer, why: Option<NoCredit>) {
    if peer.no_credit == why {
        return;
    }
    peer.no_credit = why;
    let code = match why {
        None | Some(NoCredit::UnknownBalance) => return,
        Some(NoCredit::Overdue) => ErrorCode::SettlementOverdue,
        Some(NoCredit::PayerCap { .. } | NoCredit::TotalCap { .. }) => ErrorCode::ExposureCap,
        Some(NoCredit::Unbacked { .. }) => ErrorCode::NoCredit,
    };
    let message = why.map(|w| w.to_string()).unwrap_or_default();
    peer.link.send_speed(SpeedMessage::Error(SpeedError { code, message }).encode());
}

fn ledger_amount(a: Amount) -> bidswarm_ledger::Amount {
    bidswarm_ledger::Amount::from_base_units(a.0)
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
    let mut vouchers: Vec<(bidswarm_ledger::SignedVoucher, Option<Outgoing>)> = Vec::new();
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
    vouchers: &mut Vec<(bidswarm_ledger::SignedVoucher, Option<Outgoing>)>,
    at: i64,
) {
    if vouchers.is_empty() {
        return;
    }
    let (batch, outgoing): (Vec<_>, Vec<_>) = std::mem::take(vouchers).into_iter().unzip();
    if ledger.record_vouchers(&batch, at).await.is_ok() {
        outgoing.into_iter().flatten().for_each(Outgoing::send);
        return;
    }
    for (voucher, outgoing) in batch.iter().zip(outgoing) {
        match ledger.record_vouchers(std::slice::from_ref(voucher), at).await {
            Ok(_) => outgoing.into_iter().for_each(Outgoing::send),
            Err(e) => {
                warn!(channel = %voucher.voucher.channel, seq = voucher.voucher.seq, "the ledger refused a voucher, so it is not sent: {e}")
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
            if ours {
                ledger.record_voucher_sent(&voucher, at).await?;
            } else {
                ledger.record_voucher_received(&voucher, at).await?;
            }
            then_send.into_iter().for_each(Outgoing::send);
            Ok(())
        }
        LedgerOp::Close { channel } if opened.contains(&channel) => {
            ledger.close_channel(channel, at).await.map(|_| ())
        }
        LedgerOp::Close { .. } => Ok(()),
    }
}

/// Weight of a paid slot in the upload shaper: proportional to its bid.
fn weight_of(bid: Amount, max_bid: Amount) -> u32 {
    if max_bid.is_zero() {
        return 1000;
    }
    ((bid.0.saturating_mul(1000) / max_bid.0).clamp(1, 1000)) as u32
}

/// The torrent's budget and strategy: its own bid, else the settings.
fn torrent_budget(terms: Option<&Terms>, t: &TorrentBudget) -> (Amount, Strategy) {
    let Some(terms) = terms else { return (Amount::ZERO, Strategy::Off) };
    match &t.bid {
        Some(bid) => {
            let budget = bid.budget.parse::<u128>().map(Amount).unwrap_or(Amount::ZERO);
            let price = bid.price_per_gib.parse::<u128>().map(Amount).unwrap_or(Amount::ZERO);
            let strategy = match (bid.spending, bid.strategy) {
                (false, _) => Strategy::Off,
                (true, BidStrategy::Fixed) => Strategy::Fixed { price },
                (true, BidStrategy::Auto) => Strategy::Auto { max_price: price },
            };
            (budget, strategy)
        }
        None if terms.spending => {
            let strategy = match terms.strategy {
                BidStrategy::Fixed => Strategy::Fixed { price: terms.fixed_price },
                BidStrategy::Auto => Strategy::Auto { max_price: terms.max_price },
            };
            (terms.budget, strategy)
        }
        None => (Amount::ZERO, Strategy::Off),
    }
}

/// What all torrents together may still spend: the spending cap minus every torrent's
/// spending in this session and earlier ones (from the ledger).
fn cap_room(state: &State) -> Amount {
    let Some(terms) = &state.terms else { return Amount::ZERO };
    let open = state.peers.values().filter_map(|p| p.spending.as_ref()).map(|s| s.paid());
    let closed = state.torrents.values().map(|t| t.spent_closed);
    let spent =
        open.chain(closed).fold(Amount::ZERO, |sum, a| sum.checked_add(a).unwrap_or(Amount(u128::MAX)));
    terms.spending_cap.saturating_sub(spent)
}

/// Promised so far for a torrent, on all its channels.
fn spent_on(state: &State, info_hash: [u8; 20], t: &TorrentBudget) -> Amount {
    state
        .peers
        .values()
        .filter(|p| p.info_hash == info_hash)
        .filter_map(|p| p.spending.as_ref())
        .fold(t.spent_closed, |sum, s| sum.checked_add(s.paid()).unwrap_or(sum))
}

/// Bids to a seller that asks no more than we pay, when spending is on for the torrent.
#[allow(clippy::too_many_arguments)]
fn maybe_bid(
    peer: &mut Peer,
    me: &SpeedIdentity,
    terms: &Terms,
    t: &TorrentBudget,
    cap_room: Amount,
    remaining_bytes: u64,
    events: &mut Vec<SpeedEvent>,
    id: &TorrentId,
) {
    let Some(theirs) = peer.theirs.clone() else { return };
    let Some(ask) = theirs.ask else { return };
    if theirs.network != me.network || theirs.token != me.token || theirs.address == me.address {
        return;
    }
    let (budget, strategy) = torrent_budget(Some(terms), t);
    let spent_here = peer.spending.as_ref().map_or(Amount::ZERO, |s| s.paid());
    // What this torrent may still spend, within what all torrents together may.
    let left = budget.saturating_sub(t.spent_closed).saturating_sub(spent_here).min(cap_room);
    let Some(price) = peer.bidder.next(strategy, left, remaining_bytes.max(1)) else { return };
    if !price.is_zero() && price < ask {
        // We cannot meet this seller's ask; bid nothing.
        peer.bidder = Bidder::default();
        return;
    }
    let channel = match &peer.spending {
        Some(s) => s.channel,
        None => {
            peer.nonce = rand::random_range(0..bidswarm_speed::message::MAX_NONCE);
            let channel = ChannelId::derive(&me.address, &theirs.address, &peer.info_hash, peer.nonce);
            peer.spending = Some(Spending::new(channel, theirs.address, left, Amount::ZERO));
            channel
        }
    };
    if let Some(s) = peer.spending.as_mut() {
        // A lower bid holds from now: bytes verified before the seller's next price are
        // paid at no more than it.
        s.price = s.price.min(price);
    }
    if price.is_zero() {
        peer.slot = false;
    }
    let bid = Bid { price, budget: left, channel, nonce: peer.nonce };
    peer.link.send_speed(SpeedMessage::Bid(bid).encode());
    info!(peer = %peer.link.remote, %price, budget = %left, "bid for speed");
    events.push(SpeedEvent::Bid {
        id: id.clone(),
        peer: peer.link.remote.to_string(),
        price: price.0.to_string(),
    });
}

/// Credits verified pieces to the channels of the peers that delivered them, while they
/// gave us a paid slot.
fn credit_verified(state: &mut State, verified: &[VerifiedPiece]) {
    for piece in verified {
        for (addr, bytes) in &piece.contributions {
            if let Some(peer) = find_peer(&mut state.peers, piece.info_hash, *addr) {
                if peer.slot {
                    if let Some(s) = peer.spending.as_mut() {
                        s.on_verified(*bytes);
                    }
                }
            }
        }
    }
}

fn find_peer(peers: &mut HashMap<LinkId, Peer>, info_hash: [u8; 20], addr: SocketAddr) -> Option<&mut Peer> {
    peers.values_mut().find(|p| p.info_hash == info_hash && p.link.remote == addr)
}

/// Signs and sends a voucher on every channel that owes something, within each torrent's
/// budget; announces a used-up budget once.
fn pay(
    state: &mut State,
    now: u64,
    events: &mut Vec<SpeedEvent>,
    ledger: &tokio::sync::mpsc::UnboundedSender<LedgerOp>,
) {
    let Some(me) = state.identity.clone() else { return };
    // What the wallet can still promise: its balance minus every unsettled promise. Not
    // known yet (or the node unreachable): nothing, so a voucher is never unbacked.
    let mut wallet_room = match state.own_balance {
        Some((address, balance)) if address == me.address => {
            balance.saturating_sub(unsettled_total(state, me.address))
        }
        _ => Amount::ZERO,
    };
    let balance_known = matches!(state.own_balance, Some((address, _)) if address == me.address);
    let mut short: Vec<[u8; 20]> = Vec::new();
    let ids: Vec<LinkId> = state.peers.keys().copied().collect();
    for link_id in ids {
        let Some(info_hash) = state.peers.get(&link_id).map(|p| p.info_hash) else { continue };
        let t = state.torrents.get(&info_hash).cloned().unwrap_or_default();
        let (budget, _) = torrent_budget(state.terms.as_ref(), &t);
        let spent = spent_on(state, info_hash, &t);
        let room = budget.saturating_sub(spent).min(wallet_room).min(cap_room(state));
        let State { peers, owed: state_owed, .. } = &mut *state;
        let Some(peer) = peers.get_mut(&link_id) else { continue };
        let Some(spending) = peer.spending.as_mut() else { continue };
        let before = spending.paid();
        let voucher = spending.next_voucher(now, room);
        if spending.owed() > spending.paid() && wallet_room.is_zero() && balance_known {
            // Owed more than the wallet holds: like a spent budget, stop bidding.
            short.push(info_hash);
        }
        let Some(voucher) = voucher else { continue };
        wallet_room = wallet_room.saturating_sub(spending.paid().saturating_sub(before));
        match me.signer.sign_voucher(&voucher) {
            Ok(signature) => {
                let terms = bidswarm_ledger::NewChannel {
                    id: spending.channel,
                    payer: me.address,
                    payee: spending.payee,
                    info_hash,
                    price_per_gib: ledger_amount(spending.price),
                    budget: ledger_amount(spending.budget),
                };
                let record = bidswarm_ledger::SignedVoucher { voucher, signature };
                let owed = state_owed.entry(spending.channel).or_insert(Owed {
                    counterparty: spending.payee,
                    promised: Amount::ZERO,
                    settled: Amount::ZERO,
                });
                owed.promised = Amount(voucher.cumulative);
                // On the wire only once it is in the ledger; without a ledger (a one-shot
                // download with no ledger file) there is nothing to record first.
                let outgoing = Outgoing {
                    link: peer.link.clone(),
                    payload: SpeedMessage::Voucher(SignedVoucher { voucher, signature }).encode(),
                };
                let op = LedgerOp::Voucher {
                    channel: Box::new(terms),
                    voucher: record,
                    ours: true,
                    then_send: Some(outgoing),
                };
                if let Err(tokio::sync::mpsc::error::SendError(LedgerOp::Voucher {
                    then_send: Some(outgoing),
                    ..
                })) = ledger.send(op)
                {
                    outgoing.send();
                }
                events.push(SpeedEvent::Paid {
                    id: TorrentId(hex::encode(info_hash)),
                    peer: peer.link.remote.to_string(),
                    channel: voucher.channel.to_string(),
                    cumulative: voucher.cumulative.to_string(),
                });
            }
            Err(e) => warn!("could not sign a voucher: {e}"),
        }
    }
    // Budgets used up, or the spending cap of all torrents: stop bidding (keep
    // downloading for free).
    let capped = cap_room(state).is_zero();
    let hashes: Vec<[u8; 20]> = state.torrents.keys().copied().collect();
    for info_hash in hashes {
        let t = state.torrents.get(&info_hash).cloned().unwrap_or_default();
        let (budget, strategy) = torrent_budget(state.terms.as_ref(), &t);
        if matches!(strategy, Strategy::Off) || t.exhausted_announced || budget.is_zero() {
            continue;
        }
        if !state.peers.values().any(|p| p.info_hash == info_hash) {
            // Not connected to anyone (or an earlier session's torrent): told when it is.
            continue;
        }
        let wallet_short = short.contains(&info_hash);
        if spent_on(state, info_hash, &t) >= budget || wallet_short || capped {
            if let Some(entry) = state.torrents.get_mut(&info_hash) {
                entry.exhausted_announced = true;
            }
            for peer in state.peers.values_mut().filter(|p| p.info_hash == info_hash) {
                if let Some(s) = &peer.spending {
                    let withdraw = Bid {
                        price: Amount::ZERO,
                        budget: Amount::ZERO,
                        channel: s.channel,
                        nonce: peer.nonce,
                    };
                    peer.link.send_speed(SpeedMessage::Bid(withdraw).encode());
                }
                peer.slot = false;
                peer.bidder = Bidder::default();
            }
            if wallet_short {
                warn!(info_hash = %hex::encode(info_hash), "the wallet cannot cover more: downloading on for free");
            } else if capped {
                info!(info_hash = %hex::encode(info_hash), "the spending cap of all torrents is reached: downloading on for free");
            } else {
                info!(info_hash = %hex::encode(info_hash), %budget, "budget used up: downloading on for free");
            }
            events.push(SpeedEvent::BudgetExhausted { id: TorrentId(hex::encode(info_hash)) });
        }
    }
}

/// Auto-bids move with the remaining budget and bytes.
fn rebid(state: &mut State, events: &mut Vec<SpeedEvent>) {
    let (Some(me), Some(terms)) = (state.identity.clone(), state.terms.clone()) else { return };
    let ids: Vec<LinkId> = state.peers.keys().copied().collect();
    for link_id in ids {
        let cap_room = cap_room(state);
        let Some(info_hash) = state.peers.get(&link_id).map(|p| p.info_hash) else { continue };
        let t = state.torrents.entry(info_hash).or_default().clone();
        if t.exhausted_announced {
            continue;
        }
        let left = state.remaining.get(&info_hash).copied().unwrap_or(0);
        let id = TorrentId(hex::encode(info_hash));
        if let Some(peer) = state.peers.get_mut(&link_id) {
            maybe_bid(peer, &me, &terms, &t, cap_room, left, events, &id);
        }
    }
}

/// Tells paid peers that ran out of credit what they owe, once per shortfall.
fn demand_payment(state: &mut State) {
    let window = state.terms.as_ref().map_or(0, |t| t.credit_window);
    for peer in state.peers.values_mut() {
        let (Some(earning), Some(credit)) = (&peer.earning, peer.link.credit()) else { continue };
        if credit > 0 || peer.need_payment_sent {
            continue;
        }
        // Out of credit: the whole window (and any overdraft) is served and unpaid.
        let unpaid_bytes = window.saturating_add(credit.unsigned_abs());
        let owed = earning
            .promised()
            .checked_add(bidswarm_speed::cost_of(unpaid_bytes, earning.price).unwrap_or(Amount::ZERO))
            .unwrap_or(earning.promised());
        peer.link.send_speed(SpeedMessage::NeedPayment(NeedPayment { owed, unpaid_bytes }).encode());
        peer.need_payment_sent = true;
    }
}

impl SpeedHandler for SpeedService {
    fn on_ready(&self, link: &Arc<PeerLink>) {
        let Some(info_hash) = link.info_hash() else { return };
        let mut state = self.lock();
        let hello = match (&state.identity, &state.terms) {
            (Some(me), Some(terms)) => Some(Hello {
                version: VERSION,
                address: me.address,
                network: me.network.clone(),
                token: me.token,
                ask: terms.earning.then_some(terms.ask),
            }),
            _ => None,
        };
        let mut peer = Peer {
            link: link.clone(),
            info_hash,
            hello_sent: false,
            theirs: None,
            bidder: Bidder::default(),
            nonce: 0,
            spending: None,
            slot: false,
            bid: None,
            earning: None,
            offered: None,
            need_payment_sent: false,
            voucher_gate: VoucherGate::default(),
            unrecorded: None,
            no_credit: None,
        };
        if let Some(hello) = hello {
            peer.hello_sent = link.send_speed(SpeedMessage::Hello(hello).encode());
        }
        state.peers.insert(link.id, peer);
    }

    fn on_message(&self, link: &Arc<PeerLink>, payload: Bytes) {
        let message = match SpeedMessage::decode(&payload) {
            Ok(m) => m,
            Err(bidswarm_speed::message::MessageError::UnknownType(t)) => {
                debug!(peer = %link.remote, "ignoring bt_speed message type {t:?}");
                return;
            }
            Err(e) => {
                debug!(peer = %link.remote, "bad bt_speed message: {e}");
                let error = SpeedError { code: ErrorCode::BadMessage, message: e.to_string() };
                link.send_speed(SpeedMessage::Error(error).encode());
                return;
            }
        };
        for event in self.handle(link, message) {
            self.emit(event);
        }
    }

    fn on_closed(&self, link: &Arc<PeerLink>) {
        let mut state = self.lock();
        if let Some(mut peer) = state.peers.remove(&link.id) {
            if let Some(op) = peer.unrecorded.take() {
                let _ = self.ledger.send(op);
            }
            if let Some(s) = &peer.spending {
                let entry = state.torrents.entry(peer.info_hash).or_default();
                entry.spent_closed = entry.spent_closed.checked_add(s.paid()).unwrap_or(entry.spent_closed);
                entry.bought_closed = entry.bought_closed.saturating_add(s.verified_bytes());
                let _ = self.ledger.send(LedgerOp::Close { channel: s.channel });
            }
            if let Some(e) = &peer.earning {
                let entry = state.torrents.entry(peer.info_hash).or_default();
                entry.earned_closed =
                    entry.earned_closed.checked_add(e.promised()).unwrap_or(entry.earned_closed);
                let _ = self.ledger.send(LedgerOp::Close { channel: e.channel });
            }
        }
        state.paid.remove(&link.id);
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

    fn weight(&self, peer: &PeerSample) -> u32 {
        let ranking = self.ranking.read().unwrap_or_else(|p| p.into_inner());
        match ranking.paid.get(&peer.link) {
            Some(bid) => weight_of(*bid, ranking.max_bid),
            None => ranking.free_weight.max(1),
        }
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
            let signature = me.sign_voucher(&voucher).unwrap();
            LedgerOp::Voucher {
                channel: Box::new(channel.clone()),
                voucher: bidswarm_ledger::SignedVoucher { voucher, signature },
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
