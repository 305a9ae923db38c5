//! The bt_speed state machine of docs/PROTOCOL.md, for every connection at once, with no
//! I/O and no clock of its own.
//!
//! The driver (`core`'s `speed` module) feeds it what happened: a link became ready,
//! a message arrived on it, it closed, a round went by (with the time, the pieces
//! verified since the last one and each link's credit as the gateway meters it), or a
//! balance was read from the chain. Each call answers with the [`Action`]s to take, in
//! order: messages to send, vouchers to record (one of ours goes on the wire only once it
//! is recorded), credit to set or add on a link, events for the UI, and a rechoke.
//!
//! Per connection, both roles may run at once: as payer (we bid to a seller) and as
//! payee (the peer bids to us). The rules against a lying counterpart are in
//! [`policy`](crate::policy); this module applies them to every link and channel.

use std::{
    collections::{BTreeSet, HashMap, HashSet},
    net::SocketAddr,
    sync::Arc,
};

use bidswarm_wallet::{Address, ChannelId, Signer, VerifiedVoucher};
use rand::{rngs::StdRng, Rng, SeedableRng};
use tracing::{debug, info, warn};

use crate::{
    auction::{self, SealedBid},
    bidding::{Bidder, Strategy},
    channel::{Earning, Spending, VoucherRejected},
    message::{
        Bid, ErrorCode, Hello, MessageError, NeedPayment, PriceOffer, SpeedError, SpeedMessage, MAX_NONCE,
        VERSION,
    },
    policy::{self, CreditCheck, NoCredit, OfferVerdict, VoucherGate},
    Amount,
};

/// A connection, as the gateway numbers it.
pub type LinkId = u64;

/// Paid slots a seller auctions: the choker's regular slots (the optimistic one is never
/// sold).
pub const PAID_SLOTS: usize = 4;

/// The wallet key bt_speed signs with, and the network it is on. Signing is computation,
/// not I/O: the session signs a voucher when it decides to pay.
#[derive(Clone)]
pub struct Identity {
    pub signer: Arc<dyn Signer + Send + Sync>,
    pub address: Address,
    /// `mainnet`, `nile`, `shasta` or `devnet:<name>` (docs/PROTOCOL.md §4).
    pub network: String,
    /// The BTT TRC-20 contract on that network.
    pub token: Address,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity").field("address", &self.address).field("network", &self.network).finish()
    }
}

/// The user's settings, checked: what we may spend and what we sell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    /// How torrents without their own bid bid; [`Strategy::Off`] while spending is off.
    pub spend: Strategy,
    /// What one such torrent may spend.
    pub budget: Amount,
    /// What all torrents together may spend, in this session and earlier ones.
    pub spending_cap: Amount,
    pub earning: bool,
    pub ask: Amount,
    /// Bytes a paid slot may take before it must pay.
    pub credit_window: u64,
    /// Unsettled earnings one payer may owe us, and all payers together.
    pub exposure_cap: Amount,
    pub total_exposure_cap: Amount,
    /// A payer owing us longer than this gets no paid slot until it pays.
    pub overdue_after_secs: u64,
}

impl Terms {
    /// These terms with spending and earning off: what runs while there is no ledger to
    /// record money in.
    pub fn without_money(self) -> Self {
        Self { spend: Strategy::Off, earning: false, ..self }
    }
}

/// One torrent's own bid, overriding [`Terms`]: how it bids and what it may spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TorrentTerms {
    pub strategy: Strategy,
    pub budget: Amount,
}

/// What the swarm says of one torrent each round.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Bytes still to download.
    pub remaining: u64,
    /// Bytes of each piece but the last; 0 while the metadata is not known.
    pub piece_length: u64,
}

/// A paid slot is served at least this many pieces beyond its last payment, whatever the
/// credit window says. A buyer pays for verified pieces only, and our engine's requests
/// to one peer span about two pieces at a time; a window under that chokes the slot
/// before the piece it serves can verify, and the payment it waits for never comes.
pub const WINDOW_PIECES: u64 = 4;

/// The most [`WINDOW_PIECES`] raises a window to: the piece length is the torrent's word,
/// and a `.torrent` with 4 GiB pieces must not make a seller serve 16 GiB on credit. Four
/// pieces of up to 16 MiB (the largest in common use) fit.
pub const MAX_RAISED_WINDOW: u64 = 64 << 20;

/// The credit window a paid slot for `info_hash` gets: the seller's setting, raised to
/// [`WINDOW_PIECES`] pieces of that torrent, but by no more than [`MAX_RAISED_WINDOW`].
fn window_for(terms: &Terms, progress: &HashMap<[u8; 20], Progress>, info_hash: &[u8; 20]) -> u64 {
    let piece = progress.get(info_hash).map_or(0, |p| p.piece_length);
    terms.credit_window.max(piece.saturating_mul(WINDOW_PIECES).min(MAX_RAISED_WINDOW))
}

/// Piece bytes one peer delivered for a piece that passed its hash check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub info_hash: [u8; 20],
    pub from: SocketAddr,
    pub bytes: u64,
}

/// What the driver does for the session, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Send {
        link: LinkId,
        message: SpeedMessage,
    },
    /// Write this to the ledger; the driver keeps the order.
    Record(Record),
    /// Meter the piece bytes sent to `link`: `Some(bytes)` more before the gateway chokes
    /// it, `None` stops metering.
    SetCredit {
        link: LinkId,
        bytes: Option<u64>,
    },
    /// The payer on `link` paid for `bytes` more.
    AddCredit {
        link: LinkId,
        bytes: u64,
    },
    Event(Event),
    /// Paid slots changed: the choker should run soon.
    Rechoke,
}

/// A record for the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// A voucher, with its channel's terms. With `then_send`, it goes on that link as a
    /// `voucher` message once the ledger holds it, so we never promise what we have not
    /// recorded; if nothing can be recorded (no ledger), the driver sends it at once.
    Voucher {
        channel: Box<ChannelTerms>,
        voucher: VerifiedVoucher,
        ours: bool,
        then_send: Option<LinkId>,
    },
    Close {
        channel: ChannelId,
    },
}

/// A channel as the ledger records it with its first voucher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelTerms {
    pub id: ChannelId,
    pub payer: Address,
    pub payee: Address,
    pub info_hash: [u8; 20],
    pub price: Amount,
    pub budget: Amount,
}

/// What the UI hears about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Bid { info_hash: [u8; 20], peer: SocketAddr, price: Amount },
    Price { info_hash: [u8; 20], peer: SocketAddr, price: Amount, slot: bool },
    PriceRefused { info_hash: [u8; 20], peer: SocketAddr, price: Amount, bid: Amount },
    Paid { info_hash: [u8; 20], peer: SocketAddr, channel: ChannelId, cumulative: Amount },
    Earned { info_hash: [u8; 20], peer: SocketAddr, channel: ChannelId, cumulative: Amount },
    BudgetExhausted { info_hash: [u8; 20] },
}

/// What one channel promised, and how much of it is settled. `counterparty` is the payee
/// on a spend channel, the payer on an earn channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owed {
    pub counterparty: Address,
    pub promised: Amount,
    pub settled: Amount,
}

impl Owed {
    pub fn unsettled(&self) -> Amount {
        self.promised.saturating_sub(self.settled)
    }
}

/// What an earlier session left unsettled on one channel (from the ledger).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsettled {
    pub channel: ChannelId,
    pub payer: Address,
    pub payee: Address,
    pub info_hash: [u8; 20],
    pub promised: Amount,
    pub unsettled: Amount,
}

/// The choker's view: paid bidders and the free peers' weight.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Ranking {
    pub paid: HashMap<LinkId, Amount>,
    pub max_bid: Amount,
    pub free_weight: u32,
}

impl Ranking {
    /// A peer's weight in the upload shaper: a paid slot's in proportion to its bid, a
    /// free peer's the free share.
    pub fn weight(&self, link: LinkId) -> u32 {
        match self.paid.get(&link) {
            Some(bid) => weight_of(*bid, self.max_bid),
            None => self.free_weight.max(1),
        }
    }
}

/// What bid for speed is doing for one torrent.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TorrentView {
    pub budget: Amount,
    pub spent: Amount,
    pub budget_exhausted: bool,
    /// Verified bytes paid for, on every channel of this session.
    pub bytes_bought: u64,
    /// Sellers that gave us a paid slot, and the price we pay them.
    pub paid_slots: Vec<(SocketAddr, Amount)>,
    pub channels: Vec<ChannelView>,
    pub current_bid: Option<Amount>,
    pub earned: Amount,
    /// Of what this session earned, what is settled on chain.
    pub earned_settled: Amount,
}

/// One open channel of a torrent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelView {
    pub channel: ChannelId,
    /// We pay on it (else we are paid).
    pub spend: bool,
    pub peer: SocketAddr,
    pub counterparty: Option<Address>,
    pub price: Amount,
    pub budget: Amount,
    pub cumulative: Amount,
    /// The last accepted voucher's sequence number (earn channels).
    pub seq: u64,
}

/// One torrent's spending: its own bid and what all its channels promised.
#[derive(Debug, Clone, Default)]
struct TorrentBudget {
    bid: Option<TorrentTerms>,
    /// Promised on channels now closed (and in earlier sessions), and the verified bytes
    /// they paid for; open ones add theirs.
    spent_closed: Amount,
    bought_closed: u64,
    /// Promised to us on channels now closed.
    earned_closed: Amount,
    exhausted_announced: bool,
}

/// What we know about one bt_speed connection.
#[derive(Debug)]
struct Peer {
    link: LinkId,
    remote: SocketAddr,
    info_hash: [u8; 20],
    /// The gateway's meter for this link as last reported, and as our own actions since
    /// changed it.
    credit: Option<i64>,
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
    unrecorded: Option<Record>,
    /// Why the payer gets no credit now, as last told (so it is told once per reason).
    no_credit: Option<NoCredit>,
}

impl Peer {
    fn out_of_credit(&self) -> bool {
        self.credit.is_some_and(|c| c <= 0)
    }
}

/// Every bt_speed connection and channel, and the money rules across them.
#[derive(Debug)]
pub struct Session {
    terms: Terms,
    identity: Option<Identity>,
    /// Channel nonces.
    rng: StdRng,
    peers: HashMap<LinkId, Peer>,
    torrents: HashMap<[u8; 20], TorrentBudget>,
    /// Payers that cheated (bad voucher); no paid slot for them this session.
    banned: Vec<Address>,
    ranking: Ranking,
    /// Each torrent's remaining bytes and piece length, from the last round.
    progress: HashMap<[u8; 20], Progress>,
    /// Every spend channel of this session: payee, promised, settled on chain.
    owed: HashMap<ChannelId, Owed>,
    /// Every earn channel of this session, and earlier sessions' still owed to us: payer,
    /// promised to us, settled on chain, and the torrent.
    earned: HashMap<ChannelId, (Owed, [u8; 20])>,
    /// Payers' BTT balances as last read from the chain. A payer not in here (offline,
    /// or not read yet) backs nothing (docs/PROTOCOL.md §7).
    payer_balances: HashMap<Address, Amount>,
    /// Spend channels of earlier sessions still owed, from the ledger, with the account
    /// that signed them: settled only while that account is unlocked.
    restored: HashMap<ChannelId, (Address, Owed)>,
    /// Earn channels of earlier sessions (in `earned`), so a settlement that arrives now
    /// is matched; not part of this session's per-torrent figures.
    restored_earn: HashSet<ChannelId>,
    /// Our own BTT balance on chain, as last read, and for which address: vouchers never
    /// promise more than it minus what is already promised and unsettled.
    own_balance: Option<(Address, Amount)>,
    /// Since when (unix seconds) each payer has owed us something unsettled; a payer past
    /// the deadline gets no paid slot until it pays.
    owed_since: HashMap<Address, u64>,
    /// Payees that told us our settlement is overdue: the next settlement round pays
    /// them, whatever the fee rule.
    settle_asks: BTreeSet<Address>,
    /// When (unix seconds) each payee's ask was last honoured: once a day at most
    /// ([`policy::honour_settle_ask`]), so asking cannot burn our TRX fee after fee.
    asks_honoured: HashMap<Address, u64>,
}

/// The actions of one call, and a few ways to add to them.
#[derive(Debug, Default)]
struct Out(Vec<Action>);

impl Out {
    fn send(&mut self, link: LinkId, message: SpeedMessage) {
        self.0.push(Action::Send { link, message });
    }

    fn refuse(&mut self, link: LinkId, code: ErrorCode, message: &str) {
        self.send(link, SpeedMessage::Error(SpeedError { code, message: message.into() }));
    }

    fn event(&mut self, event: Event) {
        self.0.push(Action::Event(event));
    }
}

impl Session {
    /// A session under `terms`, with no identity (so no payments) yet. `seed` seeds the
    /// channel nonces: from the OS in the client, fixed in tests.
    pub fn new(terms: Terms, seed: u64) -> Self {
        Self {
            terms,
            identity: None,
            rng: StdRng::seed_from_u64(seed),
            peers: HashMap::new(),
            torrents: HashMap::new(),
            banned: Vec::new(),
            ranking: Ranking { free_weight: 1, ..Ranking::default() },
            progress: HashMap::new(),
            owed: HashMap::new(),
            earned: HashMap::new(),
            payer_balances: HashMap::new(),
            restored: HashMap::new(),
            restored_earn: HashSet::new(),
            own_balance: None,
            owed_since: HashMap::new(),
            settle_asks: BTreeSet::new(),
            asks_honoured: HashMap::new(),
        }
    }

    /// The key to pay and be paid with; `None` turns payments off. A new key greets every
    /// link already open: a peer that connected while the wallet was locked (a restart
    /// before the unlock) got no hello, and refuses bids until it has one.
    pub fn set_identity(&mut self, identity: Option<Identity>) -> Vec<Action> {
        let before = self.identity.as_ref().map(|i| i.address);
        self.identity = identity;
        let mut out = Out::default();
        if self.identity.as_ref().map(|i| i.address) != before {
            let mut links: Vec<LinkId> = self.peers.keys().copied().collect();
            links.sort_unstable();
            for link in links {
                if let Some(hello) = self.hello() {
                    out.send(link, SpeedMessage::Hello(hello));
                }
            }
        }
        out.0
    }

    /// Our hello, while we have a key.
    fn hello(&self) -> Option<Hello> {
        let me = self.identity.as_ref()?;
        Some(Hello {
            version: VERSION,
            address: me.address,
            network: me.network.clone(),
            token: me.token,
            ask: self.terms.earning.then_some(self.terms.ask),
        })
    }

    pub fn identity(&self) -> Option<&Identity> {
        self.identity.as_ref()
    }

    pub fn set_terms(&mut self, terms: Terms) {
        self.terms = terms;
        // A raised budget or cap lets torrents bid again; the next round says if not.
        for t in self.torrents.values_mut() {
            t.exhausted_announced = false;
        }
    }

    pub fn set_torrent_terms(&mut self, info_hash: [u8; 20], terms: Option<TorrentTerms>) {
        let entry = self.torrents.entry(info_hash).or_default();
        entry.bid = terms;
        entry.exhausted_announced = false;
    }

    /// The choker's view as of the last round.
    pub fn ranking(&self) -> &Ranking {
        &self.ranking
    }

    /// Some connection speaks bt_speed (so a round has something to do).
    pub fn has_peers(&self) -> bool {
        !self.peers.is_empty()
    }

    /// A link that speaks bt_speed is ready: it gets our hello.
    pub fn on_ready(&mut self, link: LinkId, remote: SocketAddr, info_hash: [u8; 20]) -> Vec<Action> {
        let mut out = Out::default();
        if let Some(hello) = self.hello() {
            out.send(link, SpeedMessage::Hello(hello));
        }
        let peer = Peer {
            link,
            remote,
            info_hash,
            credit: None,
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
        self.peers.insert(link, peer);
        out.0
    }

    /// A link closed: its channels close, and what they promised stays in the torrent's
    /// figures.
    pub fn on_closed(&mut self, link: LinkId) -> Vec<Action> {
        let mut out = Vec::new();
        self.ranking.paid.remove(&link);
        let Some(mut peer) = self.peers.remove(&link) else { return out };
        if let Some(record) = peer.unrecorded.take() {
            out.push(Action::Record(record));
        }
        let entry = self.torrents.entry(peer.info_hash).or_default();
        if let Some(s) = &peer.spending {
            entry.spent_closed = entry.spent_closed.checked_add(s.paid()).unwrap_or(entry.spent_closed);
            entry.bought_closed = entry.bought_closed.saturating_add(s.verified_bytes());
            out.push(Action::Record(Record::Close { channel: s.channel }));
        }
        if let Some(e) = &peer.earning {
            entry.earned_closed =
                entry.earned_closed.checked_add(e.promised()).unwrap_or(entry.earned_closed);
            out.push(Action::Record(Record::Close { channel: e.channel }));
        }
        out
    }

    /// A bt_speed payload arrived on `link` at `now` (unix seconds), while the gateway's
    /// meter for it stood at `credit`.
    pub fn on_payload(&mut self, link: LinkId, payload: &[u8], now: u64, credit: Option<i64>) -> Vec<Action> {
        let remote = self.peers.get(&link).map(|p| p.remote);
        match SpeedMessage::decode(payload) {
            Ok(message) => self.on_message(link, message, now, credit),
            Err(MessageError::UnknownType(t)) => {
                debug!(peer = ?remote, "ignoring bt_speed message type {t:?}");
                Vec::new()
            }
            Err(e) => {
                debug!(peer = ?remote, "bad bt_speed message: {e}");
                let mut out = Out::default();
                out.refuse(link, ErrorCode::BadMessage, &e.to_string());
                out.0
            }
        }
    }

    /// A decoded bt_speed message arrived on `link`.
    pub fn on_message(
        &mut self,
        link: LinkId,
        message: SpeedMessage,
        now: u64,
        credit: Option<i64>,
    ) -> Vec<Action> {
        let mut out = Out::default();
        let cap_room = self.cap_room();
        let Self {
            peers,
            identity,
            terms,
            torrents,
            banned,
            progress,
            earned,
            payer_balances,
            owed_since,
            settle_asks,
            asks_honoured,
            rng,
            ..
        } = self;
        let Some(peer) = peers.get_mut(&link) else { return out.0 };
        peer.credit = credit;
        let remote = peer.remote;
        let info_hash = peer.info_hash;
        match message {
            SpeedMessage::Hello(hello) => {
                if hello.version < VERSION {
                    out.refuse(
                        link,
                        ErrorCode::UnsupportedVersion,
                        "bt_speed v1 is the oldest version spoken here",
                    );
                    return out.0;
                }
                debug!(peer = %remote, address = %hello.address, ask = ?hello.ask, "bt_speed hello");
                peer.theirs = Some(hello);
                if let Some(me) = identity.as_ref() {
                    let budget = torrents.entry(info_hash).or_default().clone();
                    let left = progress.get(&info_hash).map_or(0, |p| p.remaining);
                    maybe_bid(peer, me, terms, &budget, cap_room, left, rng, &mut out);
                }
            }
            SpeedMessage::Bid(bid) => {
                let Some(me) = identity.as_ref().filter(|_| terms.earning) else {
                    out.refuse(link, ErrorCode::NotSelling, "this peer sells no paid slots");
                    return out.0;
                };
                let Some(theirs) = peer.theirs.clone() else {
                    out.refuse(link, ErrorCode::BadMessage, "send hello before bidding");
                    return out.0;
                };
                if theirs.network != me.network || theirs.token != me.token {
                    out.refuse(link, ErrorCode::WrongNetwork, "we are paid on another network or token");
                    return out.0;
                }
                if ChannelId::derive(&theirs.address, &me.address, &info_hash, bid.nonce) != bid.channel {
                    out.refuse(
                        link,
                        ErrorCode::UnknownChannel,
                        "the channel does not derive from our addresses and the nonce",
                    );
                    return out.0;
                }
                if !bid.price.is_zero() && bid.price < terms.ask {
                    out.refuse(link, ErrorCode::BelowAsk, "the bid is below the ask");
                }
                if banned.contains(&theirs.address) {
                    out.refuse(link, ErrorCode::BadVoucher, "an earlier voucher from this payer was refused");
                    return out.0;
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
                let Some(spending) = peer.spending.as_mut() else { return out.0 };
                match policy::check_offer(peer.bidder.current(), &offer) {
                    OfferVerdict::Accept { price, slot } => {
                        spending.price = price;
                        peer.slot = slot;
                        out.event(Event::Price { info_hash, peer: remote, price, slot });
                    }
                    OfferVerdict::AboveBid { price, bid } => {
                        // The seller names its own price: refused. We hold no paid slot
                        // and pay nothing at it (docs/PROTOCOL.md §5: never above the bid).
                        warn!(peer = %remote, %price, %bid, "a seller's price is above our bid: refused");
                        peer.slot = false;
                        spending.price = spending.price.min(bid);
                        out.refuse(
                            link,
                            ErrorCode::PriceAboveBid,
                            "the price is above our bid; we pay no more than we bid",
                        );
                        out.event(Event::PriceRefused { info_hash, peer: remote, price, bid });
                    }
                    // A slot we did not bid for is not one: nothing is owed for it.
                    OfferVerdict::NoBid => peer.slot = false,
                }
            }
            SpeedMessage::Voucher(voucher) => {
                let Some(earning) = peer.earning.as_mut() else {
                    out.refuse(link, ErrorCode::UnknownChannel, "no channel is open with this peer");
                    return out.0;
                };
                let cumulative = Amount(voucher.voucher.cumulative);
                if let Err(flood) = peer.voucher_gate.admit(
                    now,
                    earning.promised(),
                    cumulative,
                    earning.price,
                    earning.budget,
                ) {
                    debug!(peer = %remote, "voucher not looked at: {flood}");
                    out.refuse(link, ErrorCode::VoucherFlood, &flood.to_string());
                    return out.0;
                }
                // A balance we have not read backs nothing (docs/PROTOCOL.md §7).
                let balance = payer_balances.get(&earning.payer).copied().unwrap_or(Amount::ZERO);
                let backing = balance.saturating_sub(owed_by(earned, earning.payer, Some(earning.channel)));
                match earning.accept(&voucher, now, backing) {
                    Ok((increase, verified)) => {
                        let entry = earned.entry(earning.channel).or_insert((
                            Owed {
                                counterparty: earning.payer,
                                promised: Amount::ZERO,
                                settled: Amount::ZERO,
                            },
                            info_hash,
                        ));
                        entry.0.promised = earning.promised();
                        owed_since.entry(earning.payer).or_insert(now);
                        if let Some(me) = identity.as_ref() {
                            // Recorded at the end of the round, with whatever came after.
                            peer.unrecorded = Some(Record::Voucher {
                                channel: Box::new(ChannelTerms {
                                    id: earning.channel,
                                    payer: earning.payer,
                                    payee: me.address,
                                    info_hash,
                                    price: earning.price,
                                    budget: earning.budget,
                                }),
                                voucher: verified,
                                ours: false,
                                then_send: None,
                            });
                        }
                        let credit = policy::credit_for_voucher(
                            increase,
                            earning.price,
                            credit.unwrap_or(0),
                            window_for(terms, progress, &info_hash),
                        );
                        out.0.push(Action::AddCredit { link, bytes: credit });
                        peer.credit =
                            peer.credit.map(|c| c.saturating_add(i64::try_from(credit).unwrap_or(i64::MAX)));
                        peer.need_payment_sent = false;
                        out.event(Event::Earned {
                            info_hash,
                            peer: remote,
                            channel: earning.channel,
                            cumulative: earning.promised(),
                        });
                        out.0.push(Action::Rechoke);
                    }
                    Err(e) => {
                        warn!(peer = %remote, payer = %earning.payer, "voucher refused: {e}");
                        out.refuse(link, ErrorCode::BadVoucher, &e.to_string());
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
                debug!(peer = %remote, owed = %need.owed, unpaid = need.unpaid_bytes, "payee asks for payment");
                // Paid at the next round, for verified bytes only.
            }
            SpeedMessage::Error(e) => {
                debug!(peer = %remote, code = e.code.number(), "bt_speed error: {}", e.message);
                if matches!(e.code, ErrorCode::BelowAsk | ErrorCode::NotSelling | ErrorCode::WrongNetwork) {
                    peer.slot = false;
                }
                if let (ErrorCode::SettlementOverdue, Some(spending)) = (e.code, &peer.spending) {
                    // We owe this payee for too long by its rules: pay at the next round,
                    // once a day at most.
                    let payee = spending.payee;
                    if policy::honour_settle_ask(asks_honoured.get(&payee).copied(), now) {
                        asks_honoured.insert(payee, now);
                        settle_asks.insert(payee);
                    } else {
                        debug!(%payee, "the payee asked to be paid again within a day; it waits for the fee rule");
                    }
                }
            }
        }
        out.0
    }

    /// One round at `now`: payments for the pieces verified since the last round, bids,
    /// the auction, and payment demands. `remaining` is each torrent's bytes still to
    /// download; `credits` each link's meter as the gateway reads it now.
    pub fn tick(
        &mut self,
        now: u64,
        verified: &[Delivered],
        progress: HashMap<[u8; 20], Progress>,
        credits: &HashMap<LinkId, Option<i64>>,
    ) -> Vec<Action> {
        let mut out = Out::default();
        self.progress = progress;
        for peer in self.peers.values_mut() {
            peer.credit = credits.get(&peer.link).copied().flatten();
        }
        self.credit_verified(verified);
        self.pay(now, &mut out);
        self.rebid(&mut out);
        self.run_auction(now, &mut out);
        self.demand_payment(&mut out);
        self.record_earned(&mut out);
        out.0
    }

    /// Spend channels with promises not yet settled on chain: this session's, and earlier
    /// sessions' signed by the account now in use.
    pub fn unsettled(&self) -> Vec<(ChannelId, Owed)> {
        let me = self.identity.as_ref().map(|i| i.address);
        let restored =
            self.restored.iter().filter(|(c, (payer, _))| Some(*payer) == me && !self.owed.contains_key(c));
        let mut owed: Vec<(ChannelId, Owed)> = self
            .owed
            .iter()
            .chain(restored.map(|(c, (_, o))| (c, o)))
            .filter(|(_, o)| o.promised > o.settled)
            .map(|(c, o)| (*c, *o))
            .collect();
        owed.sort_by_key(|(c, _)| *c);
        owed
    }

    /// Takes over what earlier sessions left unsettled (from the ledger) at `now`: what
    /// we owe is settled like this session's promises, and settlements of what we are
    /// owed are matched as they arrive.
    pub fn restore_unsettled(&mut self, owe: &[Unsettled], owed_to_us: &[Unsettled], now: u64) {
        let owed = |u: &Unsettled, counterparty: Address| Owed {
            counterparty,
            promised: u.promised,
            settled: u.promised.saturating_sub(u.unsettled),
        };
        for u in owe {
            self.restored.insert(u.channel, (u.payer, owed(u, u.payee)));
        }
        for u in owed_to_us {
            self.earned.insert(u.channel, (owed(u, u.payer), u.info_hash));
            self.restored_earn.insert(u.channel);
            // The deadline runs from the restart: the ledger does not say since when.
            self.owed_since.entry(u.payer).or_insert(now);
        }
    }

    /// What earlier sessions spent and earned on one torrent (from the ledger), so a
    /// restart never gives a torrent its budget again, and the spending cap counts every
    /// session.
    pub fn restore_spent(&mut self, info_hash: [u8; 20], spent: Amount, earned: Amount) {
        let entry = self.torrents.entry(info_hash).or_default();
        entry.spent_closed = entry.spent_closed.checked_add(spent).unwrap_or(Amount(u128::MAX));
        entry.earned_closed = entry.earned_closed.checked_add(earned).unwrap_or(Amount(u128::MAX));
    }

    /// The payees that told us our settlement is overdue since the last call, and whose
    /// ask is honoured.
    pub fn take_settle_asks(&mut self) -> BTreeSet<Address> {
        std::mem::take(&mut self.settle_asks)
    }

    /// Records that `channel` is settled up to `upto` on chain.
    pub fn mark_settled(&mut self, channel: ChannelId, upto: Amount) {
        let mut paid_out = Amount::ZERO;
        if let Some(o) = self.owed.get_mut(&channel) {
            paid_out = upto.saturating_sub(o.settled);
            o.settled = o.settled.max(upto);
        }
        if let Some((_, o)) = self.restored.get_mut(&channel) {
            paid_out = paid_out.max(upto.saturating_sub(o.settled));
            o.settled = o.settled.max(upto);
        }
        // Our balance fell by what we just paid; until the next read says so, the cached
        // figure would let new vouchers promise it again.
        if let Some((_, balance)) = self.own_balance.as_mut() {
            *balance = balance.saturating_sub(paid_out);
        }
        if let Some((o, _)) = self.earned.get_mut(&channel) {
            o.settled = o.settled.max(upto);
            let payer = o.counterparty;
            if owed_by(&self.earned, payer, None).is_zero() {
                self.owed_since.remove(&payer);
            }
        }
        for peer in self.peers.values_mut() {
            if let Some(e) = peer.earning.as_mut().filter(|e| e.channel == channel) {
                e.mark_settled(upto);
            }
        }
    }

    /// The earn channels `channels` names, as promised to us by `payer`, not yet settled.
    pub fn earned_unsettled(&self, payer: Address, channels: &[ChannelId]) -> Vec<(ChannelId, Owed)> {
        channels
            .iter()
            .filter_map(|c| self.earned.get(c).map(|(o, _)| (*c, *o)))
            .filter(|(_, o)| o.counterparty == payer && o.promised > o.settled)
            .collect()
    }

    /// The payers of the earn channels open on live connections, whose on-chain balance
    /// should back their vouchers.
    pub fn payers(&self) -> Vec<Address> {
        let mut payers: Vec<Address> =
            self.peers.values().filter_map(|p| p.earning.as_ref().map(|e| e.payer)).collect();
        payers.sort();
        payers.dedup();
        payers
    }

    /// Our address, while we might pay someone: its balance caps our vouchers.
    pub fn paying_address(&self) -> Option<Address> {
        let me = self.identity.as_ref()?.address;
        let might_pay = self.peers.values().any(|p| p.theirs.as_ref().is_some_and(|h| h.ask.is_some()));
        might_pay.then_some(me)
    }

    /// Our own BTT balance as read from the chain.
    pub fn set_own_balance(&mut self, address: Address, balance: Amount) {
        self.own_balance = Some((address, balance));
    }

    /// A payer's BTT balance as read from the chain.
    pub fn set_payer_balance(&mut self, payer: Address, balance: Amount) {
        self.payer_balances.insert(payer, balance);
    }

    /// Earn channels promised to us and not yet settled on chain.
    pub fn has_unsettled_earnings(&self) -> bool {
        self.earned.values().any(|(o, _)| o.promised > o.settled)
    }

    /// What bid for speed is doing for one torrent.
    pub fn torrent_view(&self, info_hash: [u8; 20]) -> TorrentView {
        let t = self.torrents.get(&info_hash).cloned().unwrap_or_default();
        let (budget, _) = torrent_budget(&self.terms, &t);
        let spent = self.spent_on(info_hash, &t);
        let mut view = TorrentView {
            budget,
            spent,
            budget_exhausted: t.exhausted_announced,
            bytes_bought: t.bought_closed,
            earned: t.earned_closed,
            ..TorrentView::default()
        };
        for peer in self.peers.values().filter(|p| p.info_hash == info_hash) {
            let counterparty = peer.theirs.as_ref().map(|h| h.address);
            if let Some(s) = &peer.spending {
                view.bytes_bought += s.verified_bytes();
                if peer.slot {
                    view.paid_slots.push((peer.remote, s.price));
                }
                view.channels.push(ChannelView {
                    channel: s.channel,
                    spend: true,
                    peer: peer.remote,
                    counterparty,
                    price: s.price,
                    budget: s.budget,
                    cumulative: s.paid(),
                    seq: 0,
                });
            }
            if let Some(e) = &peer.earning {
                view.earned = view.earned.checked_add(e.promised()).unwrap_or(view.earned);
                view.channels.push(ChannelView {
                    channel: e.channel,
                    spend: false,
                    peer: peer.remote,
                    counterparty,
                    price: e.price,
                    budget: e.budget,
                    cumulative: e.promised(),
                    seq: e.best().map_or(0, |v| v.voucher.seq),
                });
            }
            if let Some(price) = peer.bidder.current() {
                view.current_bid = Some(price);
            }
        }
        view.earned_settled = self
            .earned
            .iter()
            .filter(|(c, (_, t))| *t == info_hash && !self.restored_earn.contains(c))
            .fold(Amount::ZERO, |sum, (_, (o, _))| sum.checked_add(o.settled).unwrap_or(sum));
        view
    }

    /// Credits verified pieces to the channels of the peers that delivered them, while
    /// they gave us a paid slot.
    fn credit_verified(&mut self, verified: &[Delivered]) {
        for d in verified {
            let peer = self.peers.values_mut().find(|p| p.info_hash == d.info_hash && p.remote == d.from);
            if let Some(s) = peer.filter(|p| p.slot).and_then(|p| p.spending.as_mut()) {
                s.on_verified(d.bytes);
            }
        }
    }

    /// Signs a voucher on every channel that owes something, within each torrent's
    /// budget, the spending cap and the wallet's balance; announces a used-up budget once.
    fn pay(&mut self, now: u64, out: &mut Out) {
        let Some(me) = self.identity.clone() else { return };
        // What the wallet can still promise: its balance minus every unsettled promise. Not
        // known yet (or the node unreachable): nothing, so a voucher is never unbacked.
        let balance_known = matches!(self.own_balance, Some((address, _)) if address == me.address);
        let mut wallet_room = match self.own_balance {
            Some((_, balance)) if balance_known => balance.saturating_sub(self.unsettled_total(me.address)),
            _ => Amount::ZERO,
        };
        let mut short: Vec<[u8; 20]> = Vec::new();
        let mut links: Vec<LinkId> = self.peers.keys().copied().collect();
        links.sort_unstable();
        for link in links {
            let Some(info_hash) = self.peers.get(&link).map(|p| p.info_hash) else { continue };
            let t = self.torrents.get(&info_hash).cloned().unwrap_or_default();
            let (budget, _) = torrent_budget(&self.terms, &t);
            let room =
                budget.saturating_sub(self.spent_on(info_hash, &t)).min(wallet_room).min(self.cap_room());
            let Some(peer) = self.peers.get_mut(&link) else { continue };
            let Some(spending) = peer.spending.as_mut() else { continue };
            let before = spending.paid();
            let voucher = spending.next_voucher(now, room);
            if spending.owed() > spending.paid() && wallet_room.is_zero() && balance_known {
                // Owed more than the wallet holds: like a spent budget, stop bidding.
                short.push(info_hash);
            }
            let Some(voucher) = voucher else { continue };
            wallet_room = wallet_room.saturating_sub(spending.paid().saturating_sub(before));
            let voucher = match VerifiedVoucher::sign(me.signer.as_ref(), voucher) {
                Ok(signed) => signed,
                Err(e) => {
                    warn!("could not sign a voucher: {e}");
                    continue;
                }
            };
            let owed = self.owed.entry(spending.channel).or_insert(Owed {
                counterparty: spending.payee,
                promised: Amount::ZERO,
                settled: Amount::ZERO,
            });
            owed.promised = Amount(voucher.voucher().cumulative);
            let channel = ChannelTerms {
                id: spending.channel,
                payer: me.address,
                payee: spending.payee,
                info_hash,
                price: spending.price,
                budget: spending.budget,
            };
            // On the wire only once it is in the ledger.
            out.0.push(Action::Record(Record::Voucher {
                channel: Box::new(channel),
                voucher,
                ours: true,
                then_send: Some(link),
            }));
            out.event(Event::Paid {
                info_hash,
                peer: peer.remote,
                channel: voucher.voucher().channel,
                cumulative: Amount(voucher.voucher().cumulative),
            });
        }
        // Budgets used up, or the spending cap of all torrents: stop bidding (keep
        // downloading for free).
        let capped = self.cap_room().is_zero();
        let hashes: Vec<[u8; 20]> = self.torrents.keys().copied().collect();
        for info_hash in hashes {
            let t = self.torrents.get(&info_hash).cloned().unwrap_or_default();
            let (budget, strategy) = torrent_budget(&self.terms, &t);
            if matches!(strategy, Strategy::Off) || t.exhausted_announced || budget.is_zero() {
                continue;
            }
            if !self.peers.values().any(|p| p.info_hash == info_hash) {
                // Not connected to anyone (or an earlier session's torrent): told when it is.
                continue;
            }
            let wallet_short = short.contains(&info_hash);
            if self.spent_on(info_hash, &t) < budget && !wallet_short && !capped {
                continue;
            }
            if let Some(entry) = self.torrents.get_mut(&info_hash) {
                entry.exhausted_announced = true;
            }
            for peer in self.peers.values_mut().filter(|p| p.info_hash == info_hash) {
                if let Some(s) = &peer.spending {
                    let withdraw = Bid {
                        price: Amount::ZERO,
                        budget: Amount::ZERO,
                        channel: s.channel,
                        nonce: peer.nonce,
                    };
                    out.send(peer.link, SpeedMessage::Bid(withdraw));
                }
                peer.slot = false;
                peer.bidder = Bidder::default();
            }
            let torrent = hex::encode(info_hash);
            if wallet_short {
                warn!(info_hash = %torrent, "the wallet cannot cover more: downloading on for free");
            } else if capped {
                info!(info_hash = %torrent, "the spending cap of all torrents is reached: downloading on for free");
            } else {
                info!(info_hash = %torrent, %budget, "budget used up: downloading on for free");
            }
            out.event(Event::BudgetExhausted { info_hash });
        }
    }

    /// Auto-bids move with the remaining budget and bytes.
    fn rebid(&mut self, out: &mut Out) {
        let Some(me) = self.identity.clone() else { return };
        let mut links: Vec<LinkId> = self.peers.keys().copied().collect();
        links.sort_unstable();
        for link in links {
            let cap_room = self.cap_room();
            let Some(info_hash) = self.peers.get(&link).map(|p| p.info_hash) else { continue };
            let t = self.torrents.entry(info_hash).or_default().clone();
            if t.exhausted_announced {
                continue;
            }
            let left = self.progress.get(&info_hash).map_or(0, |p| p.remaining);
            let Self { peers, terms, rng, .. } = self;
            if let Some(peer) = peers.get_mut(&link) {
                maybe_bid(peer, &me, terms, &t, cap_room, left, rng, out);
            }
        }
    }

    /// Paid slots to the highest bids whose payers may have credit (docs/PROTOCOL.md §8),
    /// a `price` to every bidder whose terms changed, credit on the winners' links, and
    /// the choker's view.
    fn run_auction(&mut self, now: u64, out: &mut Out) {
        let terms = &self.terms;
        let all_unsettled = sum_unsettled(self.earned.values().map(|(o, _)| o));
        let mut bids: Vec<SealedBid<LinkId>> = Vec::new();
        if terms.earning && self.identity.is_some() {
            for (id, p) in self.peers.iter_mut() {
                let (Some(bid), Some(theirs)) = (p.bid.as_ref(), p.theirs.as_ref()) else { continue };
                let (price, payer) = (bid.price, theirs.address);
                if price.is_zero() || self.banned.contains(&payer) || p.out_of_credit() {
                    continue;
                }
                // Every payer is checked before each round's grant: what it owes us on
                // every channel, its balance as last read (unknown counts as none), the
                // caps, and its settlement deadline.
                let check = CreditCheck {
                    balance: self.payer_balances.get(&payer).copied(),
                    payer_unsettled: owed_by(&self.earned, payer, None),
                    all_unsettled,
                    window_cost: policy::window_cost(window_for(terms, &self.progress, &p.info_hash), price),
                    payer_cap: terms.exposure_cap,
                    total_cap: terms.total_exposure_cap,
                    overdue: self
                        .owed_since
                        .get(&payer)
                        .is_some_and(|since| now.saturating_sub(*since) > terms.overdue_after_secs),
                };
                let verdict = policy::may_grant_credit(&check);
                tell_no_credit(p, verdict.err(), out);
                if verdict.is_ok() {
                    bids.push(SealedBid { bidder: *id, price });
                }
            }
        }
        let outcome = auction::clear(terms.ask, PAID_SLOTS, &bids);
        let mut paid = HashMap::new();
        for (id, peer) in self.peers.iter_mut() {
            let Some(bid) = peer.bid.clone() else { continue };
            let won = outcome.winners.contains(id);
            // A peer out of credit keeps its slot (and its choke) until it pays.
            let keeps = peer.offered.as_ref().is_some_and(|o| o.slot) && peer.out_of_credit();
            let slot = won || keeps;
            let window = window_for(terms, &self.progress, &peer.info_hash);
            let offer = PriceOffer { price: outcome.clearing_price, slot, credit_window: window };
            if slot {
                paid.insert(*id, bid.price);
                if let Some(earning) = peer.earning.as_mut() {
                    earning.price = outcome.clearing_price;
                }
                if peer.credit.is_none() {
                    peer.credit = Some(i64::try_from(window).unwrap_or(i64::MAX));
                    out.0.push(Action::SetCredit { link: *id, bytes: Some(window) });
                }
            } else if peer.credit.is_some() && !peer.out_of_credit() {
                peer.credit = None;
                out.0.push(Action::SetCredit { link: *id, bytes: None });
            }
            if peer.offered.as_ref() != Some(&offer) {
                out.send(*id, SpeedMessage::Price(offer.clone()));
                peer.offered = Some(offer);
            }
        }
        let changed = self.ranking.paid != paid;
        let max_bid = paid.values().copied().max().unwrap_or(Amount::ZERO);
        let total_paid_weight: u64 = paid.values().map(|b| u64::from(weight_of(*b, max_bid))).sum();
        let free_peers = self.peers.len().saturating_sub(paid.len()).max(1) as u64;
        let free_weight = if paid.is_empty() {
            1
        } else {
            // All free peers together get an eighth of the paid peers' weight: about 11% of
            // the cap when everyone is sending (docs/PROTOCOL.md §5).
            (total_paid_weight / 8 / free_peers).clamp(1, u64::from(u32::MAX)) as u32
        };
        self.ranking = Ranking { paid, max_bid, free_weight };
        // Only a change of paid slots needs the choker now; otherwise its own 10 s rounds
        // keep their rate samples meaningful.
        if changed {
            out.0.push(Action::Rechoke);
        }
    }

    /// Tells paid peers that ran out of credit what they owe, once per shortfall.
    fn demand_payment(&mut self, out: &mut Out) {
        for peer in self.peers.values_mut() {
            let (Some(earning), Some(credit)) = (&peer.earning, peer.credit) else { continue };
            if credit > 0 || peer.need_payment_sent {
                continue;
            }
            let window = window_for(&self.terms, &self.progress, &peer.info_hash);
            // Out of credit: the whole window (and any overdraft) is served and unpaid.
            let unpaid_bytes = window.saturating_add(credit.unsigned_abs());
            let owed = earning
                .promised()
                .checked_add(crate::cost_of(unpaid_bytes, earning.price).unwrap_or(Amount::ZERO))
                .unwrap_or(earning.promised());
            out.send(peer.link, SpeedMessage::NeedPayment(NeedPayment { owed, unpaid_bytes }));
            peer.need_payment_sent = true;
        }
    }

    /// Hands each channel's last accepted voucher to the ledger: at most one per channel
    /// per round, however many the payer sent.
    fn record_earned(&mut self, out: &mut Out) {
        for peer in self.peers.values_mut() {
            if let Some(record) = peer.unrecorded.take() {
                out.0.push(Action::Record(record));
            }
        }
    }

    /// Everything `me` promised and has not settled: this session's spend channels and
    /// earlier sessions' still owed.
    fn unsettled_total(&self, me: Address) -> Amount {
        let restored =
            self.restored.iter().filter(|(c, (payer, _))| *payer == me && !self.owed.contains_key(c));
        sum_unsettled(self.owed.values().chain(restored.map(|(_, (_, o))| o)))
    }

    /// What all torrents together may still spend: the spending cap minus every torrent's
    /// spending in this session and earlier ones.
    fn cap_room(&self) -> Amount {
        let open = self.peers.values().filter_map(|p| p.spending.as_ref()).map(|s| s.paid());
        let closed = self.torrents.values().map(|t| t.spent_closed);
        let spent =
            open.chain(closed).fold(Amount::ZERO, |sum, a| sum.checked_add(a).unwrap_or(Amount(u128::MAX)));
        self.terms.spending_cap.saturating_sub(spent)
    }

    /// Promised so far for a torrent, on all its channels.
    fn spent_on(&self, info_hash: [u8; 20], t: &TorrentBudget) -> Amount {
        self.peers
            .values()
            .filter(|p| p.info_hash == info_hash)
            .filter_map(|p| p.spending.as_ref())
            .fold(t.spent_closed, |sum, s| sum.checked_add(s.paid()).unwrap_or(sum))
    }
}

/// Bids to a seller that asks no more than we pay, when spending is on for the torrent.
#[allow(clippy::too_many_arguments)]
fn maybe_bid(
    peer: &mut Peer,
    me: &Identity,
    terms: &Terms,
    t: &TorrentBudget,
    cap_room: Amount,
    remaining_bytes: u64,
    rng: &mut StdRng,
    out: &mut Out,
) {
    let Some(theirs) = peer.theirs.clone() else { return };
    let Some(ask) = theirs.ask else { return };
    if theirs.network != me.network || theirs.token != me.token || theirs.address == me.address {
        return;
    }
    let (budget, strategy) = torrent_budget(terms, t);
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
            peer.nonce = rng.random_range(0..MAX_NONCE);
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
    out.send(peer.link, SpeedMessage::Bid(bid));
    info!(peer = %peer.remote, %price, budget = %left, "bid for speed");
    out.event(Event::Bid { info_hash: peer.info_hash, peer: peer.remote, price });
}

/// The torrent's budget and strategy: its own bid, else the settings.
fn torrent_budget(terms: &Terms, t: &TorrentBudget) -> (Amount, Strategy) {
    match t.bid {
        Some(own) => (own.budget, own.strategy),
        None if terms.spend != Strategy::Off => (terms.budget, terms.spend),
        None => (Amount::ZERO, Strategy::Off),
    }
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
fn tell_no_credit(peer: &mut Peer, why: Option<NoCredit>, out: &mut Out) {
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
    out.refuse(peer.link, code, &message);
}

/// Weight of a paid slot in the upload shaper: proportional to its bid.
fn weight_of(bid: Amount, max_bid: Amount) -> u32 {
    if max_bid.is_zero() {
        return 1000;
    }
    ((bid.0.saturating_mul(1000) / max_bid.0).clamp(1, 1000)) as u32
}

#[cfg(test)]
mod tests {
    use bidswarm_wallet::{PrivateKey, Voucher};

    use super::*;
    use crate::{channel::VOUCHER_LIFETIME_SECS, GIB};

    const NOW: u64 = 1_800_000_000;
    const TORRENT: [u8; 20] = [9; 20];
    const LINK: LinkId = 1;
    const WINDOW: u64 = 4 << 20;

    fn key(seed: u8) -> PrivateKey {
        PrivateKey::from_bytes(&[seed; 32]).unwrap()
    }

    fn identity(seed: u8) -> Identity {
        let key = key(seed);
        Identity {
            address: key.address(),
            signer: Arc::new(key),
            network: "devnet:1".into(),
            token: key_address(0x77),
        }
    }

    fn key_address(seed: u8) -> Address {
        key(seed).address()
    }

    fn remote(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    fn btt(n: u64) -> Amount {
        Amount::from_btt(n)
    }

    /// Buys at 100 BTT/GiB with 1,000 BTT per torrent, and sells at an ask of 10.
    fn terms() -> Terms {
        Terms {
            spend: Strategy::Fixed { price: btt(100) },
            budget: btt(1000),
            spending_cap: btt(10_000),
            earning: true,
            ask: btt(10),
            credit_window: WINDOW,
            exposure_cap: btt(1000),
            total_exposure_cap: btt(5000),
            overdue_after_secs: 3600,
        }
    }

    fn hello(who: &Identity, ask: Option<Amount>) -> SpeedMessage {
        SpeedMessage::Hello(Hello {
            version: VERSION,
            address: who.address,
            network: who.network.clone(),
            token: who.token,
            ask,
        })
    }

    fn sent(actions: &[Action]) -> Vec<&SpeedMessage> {
        actions
            .iter()
            .filter_map(|a| if let Action::Send { message, .. } = a { Some(message) } else { None })
            .collect()
    }

    fn errors(actions: &[Action]) -> Vec<ErrorCode> {
        sent(actions)
            .into_iter()
            .filter_map(|m| if let SpeedMessage::Error(e) = m { Some(e.code) } else { None })
            .collect()
    }

    fn bids(actions: &[Action]) -> Vec<Bid> {
        sent(actions)
            .into_iter()
            .filter_map(|m| if let SpeedMessage::Bid(b) = m { Some(b.clone()) } else { None })
            .collect()
    }

    /// Our vouchers in `actions`: recorded, and to be sent on `then_send` once recorded.
    fn our_vouchers(actions: &[Action]) -> Vec<(Amount, Option<LinkId>)> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Record(Record::Voucher { voucher, ours: true, then_send, .. }) => {
                    Some((Amount(voucher.voucher().cumulative), *then_send))
                }
                _ => None,
            })
            .collect()
    }

    /// A buyer under `terms` with a funded wallet, connected to a seller asking 10 BTT/GiB
    /// on [`LINK`]: it has bid.
    fn buyer(terms: Terms) -> (Session, Identity) {
        let mut session = Session::new(terms, 7);
        let me = identity(1);
        session.set_own_balance(me.address, btt(1_000_000));
        session.set_identity(Some(me));
        let seller = identity(2);
        session.on_ready(LINK, remote(6881), TORRENT);
        session.on_message(LINK, hello(&seller, Some(btt(10))), NOW, None);
        (session, seller)
    }

    fn offer(session: &mut Session, price: Amount, slot: bool) -> Vec<Action> {
        let offer = PriceOffer { price, slot, credit_window: WINDOW };
        session.on_message(LINK, SpeedMessage::Price(offer), NOW, None)
    }

    fn deliver(session: &mut Session, from: SocketAddr, info_hash: [u8; 20], bytes: u64) -> Vec<Action> {
        session.tick(NOW, &[Delivered { info_hash, from, bytes }], HashMap::new(), &HashMap::new())
    }

    /// PROTOCOL.md §5: no winner pays more than it bid, whatever price the seller names,
    /// and nothing without a paid slot.
    #[test]
    fn a_seller_is_paid_at_most_our_bid_for_the_bytes_it_delivered() {
        struct Row {
            case: &'static str,
            offer: Option<(Amount, bool)>,
            refused: bool,
            paid: Amount,
        }
        let rows = [
            Row { case: "below the bid", offer: Some((btt(50), true)), refused: false, paid: btt(50) },
            Row { case: "at the bid", offer: Some((btt(100), true)), refused: false, paid: btt(100) },
            Row {
                case: "a unit above",
                offer: Some((Amount(btt(100).0 + 1), true)),
                refused: true,
                paid: Amount::ZERO,
            },
            Row { case: "2^100", offer: Some((Amount(1 << 100), true)), refused: true, paid: Amount::ZERO },
            Row { case: "no slot", offer: Some((btt(50), false)), refused: false, paid: Amount::ZERO },
            Row { case: "a slot never granted", offer: None, refused: false, paid: Amount::ZERO },
        ];
        for row in rows {
            let (mut session, _) = buyer(terms());
            let answer = row.offer.map(|(price, slot)| offer(&mut session, price, slot)).unwrap_or_default();
            assert_eq!(
                errors(&answer) == [ErrorCode::PriceAboveBid],
                row.refused,
                "{}: {answer:?}",
                row.case
            );
            let actions = deliver(&mut session, remote(6881), TORRENT, GIB);
            let paid = our_vouchers(&actions).last().map_or(Amount::ZERO, |(c, _)| *c);
            assert_eq!(paid, row.paid, "{}", row.case);
        }
    }

    /// A voucher goes to the ledger with the link to send it on, never straight to the
    /// wire: the driver sends it once it is written.
    #[test]
    fn our_voucher_is_recorded_before_it_is_sent() {
        let (mut session, _) = buyer(terms());
        offer(&mut session, btt(100), true);
        let actions = deliver(&mut session, remote(6881), TORRENT, GIB / 2);
        assert_eq!(our_vouchers(&actions), [(btt(50), Some(LINK))]);
        assert!(!sent(&actions).iter().any(|m| matches!(m, SpeedMessage::Voucher(_))), "{actions:?}");
    }

    /// Only the peer holding our paid slot on that torrent is paid for what it delivered.
    #[test]
    fn bytes_from_another_peer_or_torrent_are_not_paid() {
        for (case, from, info_hash) in
            [("another peer", remote(6882), TORRENT), ("another torrent", remote(6881), [8; 20])]
        {
            let (mut session, _) = buyer(terms());
            offer(&mut session, btt(100), true);
            let actions = deliver(&mut session, from, info_hash, GIB);
            assert!(our_vouchers(&actions).is_empty(), "{case}: {actions:?}");
        }
    }

    /// What earlier sessions spent (from the ledger) counts against the torrent's budget
    /// and the cap of all torrents: a restart never refreshes either.
    #[test]
    fn a_restart_never_gives_a_budget_back() {
        struct Row {
            case: &'static str,
            spent_here: u64,
            spent_elsewhere: u64,
            cap: u64,
            bid_budget: Option<u64>,
        }
        let rows = [
            Row {
                case: "nothing spent",
                spent_here: 0,
                spent_elsewhere: 0,
                cap: 10_000,
                bid_budget: Some(1000),
            },
            Row {
                case: "some spent here",
                spent_here: 400,
                spent_elsewhere: 0,
                cap: 10_000,
                bid_budget: Some(600),
            },
            Row {
                case: "all spent here",
                spent_here: 1000,
                spent_elsewhere: 0,
                cap: 10_000,
                bid_budget: None,
            },
            Row {
                case: "the cap nearly used",
                spent_here: 0,
                spent_elsewhere: 450,
                cap: 500,
                bid_budget: Some(50),
            },
            Row { case: "the cap used", spent_here: 100, spent_elsewhere: 400, cap: 500, bid_budget: None },
        ];
        for row in rows {
            let mut session = Session::new(Terms { spending_cap: btt(row.cap), ..terms() }, 7);
            let me = identity(1);
            session.set_own_balance(me.address, btt(1_000_000));
            session.set_identity(Some(me));
            session.restore_spent(TORRENT, btt(row.spent_here), Amount::ZERO);
            session.restore_spent([8; 20], btt(row.spent_elsewhere), Amount::ZERO);
            session.on_ready(LINK, remote(6881), TORRENT);
            let actions = session.on_message(LINK, hello(&identity(2), Some(btt(10))), NOW, None);
            let budget = bids(&actions).first().map(|b| b.budget);
            assert_eq!(budget, row.bid_budget.map(btt), "{}", row.case);
        }
    }

    /// A wallet balance not read yet backs no voucher; one read short of the debt pays
    /// what it holds and stops bidding.
    #[test]
    fn vouchers_never_promise_more_than_the_wallet_holds() {
        let (mut session, _) = buyer(terms());
        session.own_balance = None;
        offer(&mut session, btt(100), true);
        let actions = deliver(&mut session, remote(6881), TORRENT, GIB);
        assert!(our_vouchers(&actions).is_empty(), "an unread balance: {actions:?}");

        session.set_own_balance(identity(1).address, btt(30));
        let actions = session.tick(NOW, &[], HashMap::new(), &HashMap::new());
        assert_eq!(our_vouchers(&actions), [(btt(30), Some(LINK))]);
        // The next round finds the wallet spoken for, and the debt still open.
        let actions = session.tick(NOW, &[], HashMap::new(), &HashMap::new());
        assert!(our_vouchers(&actions).is_empty(), "{actions:?}");
        assert!(
            actions.contains(&Action::Event(Event::BudgetExhausted { info_hash: TORRENT })),
            "{actions:?}"
        );
        assert_eq!(bids(&actions).first().map(|b| b.price), Some(Amount::ZERO), "the bid is withdrawn");
    }

    /// A link that opened while the wallet was locked (a restart before the unlock) gets
    /// our hello once a key is set, so the bid that follows is not refused; the same key
    /// set again greets nobody twice.
    #[test]
    fn a_key_set_after_links_opened_greets_them() {
        let mut session = Session::new(terms(), 7);
        assert!(session.on_ready(LINK, remote(6881), TORRENT).is_empty(), "no key, no hello");
        let me = identity(1);
        let actions = session.set_identity(Some(me.clone()));
        let hellos: Vec<_> =
            sent(&actions).into_iter().filter(|m| matches!(m, SpeedMessage::Hello(_))).collect();
        assert_eq!(hellos, [&hello(&me, Some(btt(10)))]);
        assert!(session.set_identity(Some(me)).is_empty(), "the same key again");
        assert!(session.set_identity(None).is_empty(), "no key greets nobody");
    }

    /// A seller's ask to be paid is honoured once a day at most.
    #[test]
    fn an_ask_to_settle_is_honoured_once_a_day() {
        let (mut session, seller) = buyer(terms());
        let ask = |session: &mut Session, now: u64| {
            let e = SpeedError { code: ErrorCode::SettlementOverdue, message: "pay".into() };
            session.on_message(LINK, SpeedMessage::Error(e), now, None);
            session.take_settle_asks()
        };
        for (case, now, honoured) in
            [("first", NOW, true), ("a minute later", NOW + 60, false), ("a day later", NOW + 86_401, true)]
        {
            assert_eq!(ask(&mut session, now).contains(&seller.address), honoured, "{case}");
        }
    }

    /// A seller under `terms` with `payer` connected on [`LINK`] and bidding `price`.
    fn seller(terms: Terms, payer: &Identity, price: Amount) -> (Session, Bid) {
        let mut session = Session::new(terms, 7);
        let me = identity(2);
        session.set_identity(Some(me.clone()));
        session.on_ready(LINK, remote(50_000), TORRENT);
        session.on_message(LINK, hello(payer, None), NOW, None);
        let nonce = 5;
        let channel = ChannelId::derive(&payer.address, &me.address, &TORRENT, nonce);
        let bid = Bid { price, budget: btt(1000), channel, nonce };
        session.on_message(LINK, SpeedMessage::Bid(bid.clone()), NOW, None);
        (session, bid)
    }

    fn round(session: &mut Session, now: u64, credit: Option<i64>) -> Vec<Action> {
        session.tick(now, &[], HashMap::new(), &HashMap::from([(LINK, credit)]))
    }

    fn slot_offered(actions: &[Action]) -> Option<bool> {
        sent(actions)
            .into_iter()
            .find_map(|m| if let SpeedMessage::Price(p) = m { Some(p.slot) } else { None })
    }

    /// PROTOCOL.md §8: credit only while the payer's balance, less what it owes us, covers
    /// the window, within the caps and its settlement deadline. An unknown balance is none.
    #[test]
    fn credit_is_granted_only_while_the_payer_can_cover_it() {
        struct Row {
            case: &'static str,
            balance: Option<u64>,
            exposure_cap: u64,
            /// Owed to us from an earlier session, since `NOW`.
            owed: u64,
            at: u64,
            slot: bool,
            error: Option<ErrorCode>,
        }
        let rows = [
            Row {
                case: "funded",
                balance: Some(10),
                exposure_cap: 1000,
                owed: 0,
                at: NOW,
                slot: true,
                error: None,
            },
            Row {
                case: "balance unknown",
                balance: None,
                exposure_cap: 1000,
                owed: 0,
                at: NOW,
                slot: false,
                error: None,
            },
            Row {
                case: "no BTT",
                balance: Some(0),
                exposure_cap: 1000,
                owed: 0,
                at: NOW,
                slot: false,
                error: Some(ErrorCode::NoCredit),
            },
            Row {
                case: "its balance spoken for",
                balance: Some(10),
                exposure_cap: 1000,
                owed: 10,
                at: NOW,
                slot: false,
                error: Some(ErrorCode::NoCredit),
            },
            Row {
                case: "over the exposure cap",
                balance: Some(100),
                exposure_cap: 5,
                owed: 5,
                at: NOW,
                slot: false,
                error: Some(ErrorCode::ExposureCap),
            },
            Row {
                case: "overdue",
                balance: Some(100),
                exposure_cap: 1000,
                owed: 1,
                at: NOW + 3601,
                slot: false,
                error: Some(ErrorCode::SettlementOverdue),
            },
            Row {
                case: "owing, not yet overdue",
                balance: Some(100),
                exposure_cap: 1000,
                owed: 1,
                at: NOW + 3600,
                slot: true,
                error: None,
            },
        ];
        let payer = identity(1);
        for row in rows {
            let (mut session, _) =
                seller(Terms { exposure_cap: btt(row.exposure_cap), ..terms() }, &payer, btt(20));
            if let Some(balance) = row.balance {
                session.set_payer_balance(payer.address, btt(balance));
            }
            if row.owed > 0 {
                let earlier = Unsettled {
                    channel: ChannelId::derive(&payer.address, &identity(2).address, &[8; 20], 1),
                    payer: payer.address,
                    payee: identity(2).address,
                    info_hash: [8; 20],
                    promised: btt(row.owed),
                    unsettled: btt(row.owed),
                };
                session.restore_unsettled(&[], &[earlier], NOW);
            }
            let actions = round(&mut session, row.at, None);
            assert_eq!(slot_offered(&actions), Some(row.slot), "{}: {actions:?}", row.case);
            let credit = actions.contains(&Action::SetCredit { link: LINK, bytes: Some(WINDOW) });
            assert_eq!(credit, row.slot, "{}", row.case);
            assert_eq!(errors(&actions).first().copied(), row.error, "{}", row.case);
        }
    }

    fn voucher(payer: &PrivateKey, bid: &Bid, seq: u64, cumulative: Amount) -> SpeedMessage {
        let voucher = Voucher {
            channel: bid.channel,
            seq,
            cumulative: cumulative.0,
            expiry: NOW + VOUCHER_LIFETIME_SECS,
        };
        SpeedMessage::Voucher(*VerifiedVoucher::sign(payer, voucher).unwrap().signed())
    }

    /// Vouchers past 8 a second are refused unread, and the ledger gets the last accepted
    /// one per round, however many came.
    #[test]
    fn a_voucher_flood_is_refused_and_the_ledger_gets_one_record_a_round() {
        let payer = identity(1);
        let (mut session, bid) = seller(terms(), &payer, btt(20));
        session.set_payer_balance(payer.address, btt(100));
        round(&mut session, NOW, None);
        let step = policy::min_increment(btt(10));
        let mut refused = 0;
        for seq in 1..=12u64 {
            let message = voucher(&key(1), &bid, seq, Amount(step.0 * u128::from(seq)));
            let actions = session.on_message(LINK, message, NOW, Some(WINDOW as i64));
            refused += usize::from(errors(&actions) == [ErrorCode::VoucherFlood]);
        }
        assert_eq!(refused, 12 - policy::MAX_VOUCHERS_PER_SEC as usize);
        let actions = round(&mut session, NOW, Some(WINDOW as i64));
        let recorded: Vec<Amount> = actions
            .iter()
            .filter_map(|a| match a {
                Action::Record(Record::Voucher { voucher, ours: false, .. }) => {
                    Some(Amount(voucher.voucher().cumulative))
                }
                _ => None,
            })
            .collect();
        assert_eq!(recorded, [Amount(step.0 * 8)]);
        // A step below one block's worth is a flood too.
        let tiny = voucher(&key(1), &bid, 13, Amount(step.0 * 8 + 1));
        let actions = session.on_message(LINK, tiny, NOW + 1, Some(WINDOW as i64));
        assert_eq!(errors(&actions), [ErrorCode::VoucherFlood]);
    }

    /// A forged voucher bans its payer for the session; a voucher the balance did not
    /// back does not (it may be topped up).
    #[test]
    fn a_forged_voucher_bans_the_payer_and_an_unbacked_one_does_not() {
        let payer = identity(1);
        for (case, signer, balance, banned) in [("forged", key(3), 100, true), ("unbacked", key(1), 0, false)]
        {
            let (mut session, bid) = seller(terms(), &payer, btt(20));
            session.set_payer_balance(payer.address, btt(balance));
            let actions = session.on_message(LINK, voucher(&signer, &bid, 1, btt(1)), NOW, None);
            assert_eq!(errors(&actions), [ErrorCode::BadVoucher], "{case}");
            let again = session.on_message(LINK, SpeedMessage::Bid(bid.clone()), NOW, None);
            assert_eq!(errors(&again).contains(&ErrorCode::BadVoucher), banned, "{case}: {again:?}");
        }
    }

    /// What [`trade`] ended with.
    struct Traded {
        verified: u64,
        buyer: Session,
        seller: Session,
        payer: Address,
    }

    /// A buyer's and a seller's session wired to each other for 64 rounds, the seller
    /// serving 16 KiB blocks while its credit lasts (a block that starts within the credit
    /// goes whole, as the gateway does), up to 1 MiB a round, and the buyer verifying a
    /// piece of `piece` bytes once all its blocks came.
    fn trade(seller_terms: Terms, piece: u64) -> Traded {
        const BLOCK: u64 = 16 * 1024;
        const PER_ROUND: u64 = 1 << 20;
        let (mut buyer, mut seller) = (Session::new(terms(), 1), Session::new(seller_terms, 2));
        let (b, s) = (identity(1), identity(2));
        buyer.set_identity(Some(b.clone()));
        buyer.set_own_balance(b.address, btt(1_000_000));
        seller.set_identity(Some(s.clone()));
        seller.set_payer_balance(b.address, btt(1_000_000));
        let (buyer_sees, seller_sees) = (remote(6881), remote(50_000));
        let mut credit: Option<i64> = None;
        let mut to_seller = buyer.on_ready(LINK, buyer_sees, TORRENT);
        let mut to_buyer = seller.on_ready(LINK, seller_sees, TORRENT);
        let (mut verified, mut partial) = (0u64, 0u64);
        for now in NOW..NOW + 64 {
            // Messages cross until both sides are quiet (a bounded number of hops).
            for _ in 0..16 {
                let mut next_to_seller = Vec::new();
                for action in std::mem::take(&mut to_buyer) {
                    match action {
                        Action::Send { message, .. } => {
                            next_to_seller.extend(buyer.on_message(LINK, message, now, None))
                        }
                        Action::SetCredit { bytes, .. } => credit = bytes.map(|b| b as i64),
                        Action::AddCredit { bytes, .. } => credit = credit.map(|c| c + bytes as i64),
                        _ => {}
                    }
                }
                for action in std::mem::take(&mut to_seller).into_iter().chain(next_to_seller) {
                    let message = match action {
                        Action::Send { message, .. } => message,
                        Action::Record(Record::Voucher { voucher, then_send: Some(_), .. }) => {
                            SpeedMessage::Voucher(*voucher.signed())
                        }
                        _ => continue,
                    };
                    to_buyer.extend(seller.on_message(LINK, message, now, credit));
                }
                if to_buyer.is_empty() {
                    break;
                }
            }
            let mut delivered = Vec::new();
            let mut sent = 0;
            while sent < PER_ROUND && credit.is_some_and(|c| c > 0) {
                credit = credit.map(|c| c - BLOCK as i64);
                (sent, partial) = (sent + BLOCK, partial + BLOCK);
                if partial == piece {
                    verified += piece;
                    partial = 0;
                    delivered.push(Delivered { info_hash: TORRENT, from: buyer_sees, bytes: piece });
                }
            }
            let progress =
                |remaining| HashMap::from([(TORRENT, Progress { remaining, piece_length: piece })]);
            to_seller.extend(buyer.tick(now, &delivered, progress(GIB), &HashMap::new()));
            to_buyer.extend(seller.tick(now, &[], progress(0), &HashMap::from([(LINK, credit)])));
        }
        // The last round's voucher reaches the seller.
        for action in to_seller {
            if let Action::Record(Record::Voucher { voucher, then_send: Some(_), .. }) = action {
                seller.on_message(LINK, SpeedMessage::Voucher(*voucher.signed()), NOW + 64, credit);
            }
        }
        Traded { verified, buyer, seller, payer: b.address }
    }

    /// The buyer pays the clearing price for what it verified, never more than its bid,
    /// and both sides count the same promise.
    #[test]
    fn a_buyer_and_a_seller_agree_on_what_is_owed() {
        let Traded { verified, buyer, seller, payer } = trade(terms(), 256 * 1024);
        assert!(verified > WINDOW, "served past the first window: {verified} bytes");
        let promised: Vec<(ChannelId, Owed)> = buyer.unsettled();
        let [(channel, owed)] = promised.as_slice() else { panic!("one channel: {promised:?}") };
        // Uniform clearing with one bidder: the ask, below the bid.
        assert_eq!(owed.promised, crate::cost_of(verified, btt(10)).unwrap());
        assert!(owed.promised <= crate::cost_of(verified, btt(100)).unwrap());
        let earned = seller.earned_unsettled(payer, &[*channel]);
        assert_eq!(
            earned.first().map(|(_, o)| o.promised),
            Some(owed.promised),
            "the seller holds the same promise"
        );
    }

    /// A credit window smaller than a piece (64 KiB against 1 MiB pieces): choked after
    /// one window, the slot would wait for a payment for a piece that cannot verify. The
    /// seller serves [`WINDOW_PIECES`] pieces ahead instead, so the trade goes on.
    #[test]
    fn a_credit_window_smaller_than_a_piece_is_raised_to_a_few_pieces() {
        let piece = 1 << 20;
        let small = Terms { credit_window: 64 * 1024, ..terms() };
        let Traded { verified, buyer, .. } = trade(small.clone(), piece);
        assert!(verified >= 32 * piece, "the trade went on: {verified} bytes verified in 64 rounds");
        let promised = buyer.unsettled();
        assert_eq!(promised.first().map(|(_, o)| o.promised), crate::cost_of(verified, btt(10)));
        let mut views = HashMap::new();
        views.insert(TORRENT, Progress { remaining: 0, piece_length: piece });
        assert_eq!(window_for(&small, &views, &TORRENT), WINDOW_PIECES * piece);
        assert_eq!(window_for(&small, &HashMap::new(), &TORRENT), 64 * 1024, "no metadata: the setting");
        assert_eq!(window_for(&terms(), &views, &TORRENT), WINDOW, "a window above four pieces stays");
        // A torrent's word about its pieces raises the window only so far.
        views.insert(TORRENT, Progress { remaining: 0, piece_length: u64::from(u32::MAX) });
        assert_eq!(window_for(&small, &views, &TORRENT), MAX_RAISED_WINDOW);
        let large = Terms { credit_window: 128 << 20, ..terms() };
        assert_eq!(window_for(&large, &views, &TORRENT), 128 << 20, "a larger setting stays");
    }
}
