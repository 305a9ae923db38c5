//! Who gets our upload: N regular slots ranked by rate, plus one optimistic slot that
//! rotates, the classic BitTorrent choker (BEP 3, "choking and optimistic unchoking").
//!
//! No I/O and no clock: the gateway passes `now` and a sample of its connections, and
//! gets back the set to unchoke. A [`Ranker`] orders the candidates, so the speed layer
//! can put paid bidders first without the choker knowing about money.

use std::{
    collections::HashSet,
    time::{Duration, Instant},
};

/// A connection's id in the gateway.
pub type LinkId = u64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChokerConfig {
    /// Regular upload slots.
    pub slots: usize,
    /// How often the optimistic slot moves to another peer.
    pub optimistic_interval: Duration,
    /// How often the gateway re-ranks.
    pub rechoke_interval: Duration,
}

impl Default for ChokerConfig {
    fn default() -> Self {
        Self {
            slots: 4,
            optimistic_interval: Duration::from_secs(30),
            rechoke_interval: Duration::from_secs(10),
        }
    }
}

/// What the choker knows of one connection at a rechoke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerSample {
    pub link: LinkId,
    /// The peer wants data from us; only interested peers take slots.
    pub interested: bool,
    /// Piece bytes per second the peer sends us.
    pub download_rate: u64,
    /// Piece bytes per second we send the peer.
    pub upload_rate: u64,
    /// The torrent the connection is for, once its handshake named it.
    pub info_hash: Option<[u8; 20]>,
}

/// Orders candidates for the regular slots (a higher key is unchoked first) and weighs
/// their shares of the upload cap.
pub trait Ranker: Send + Sync {
    fn key(&self, peer: &PeerSample) -> u128;

    /// This peer's share of the upload cap relative to the others sending (0 counts as
    /// 1). Equal by default.
    fn weight(&self, _peer: &PeerSample) -> u32 {
        1
    }
}

/// Tit-for-tat: while we leech, peers that give us the most; while we seed (nobody gives
/// us anything), peers that take the most, which keeps fast links busy.
#[derive(Debug, Default, Clone, Copy)]
pub struct RateRanker;

impl Ranker for RateRanker {
    fn key(&self, peer: &PeerSample) -> u128 {
        (u128::from(peer.download_rate) << 64) | u128::from(peer.upload_rate)
    }
}

#[derive(Debug)]
pub struct Choker {
    config: ChokerConfig,
    optimistic: Option<LinkId>,
    optimistic_since: Option<Instant>,
}

impl Choker {
    pub fn new(config: ChokerConfig) -> Self {
        Self { config, optimistic: None, optimistic_since: None }
    }

    pub fn config(&self) -> ChokerConfig {
        self.config
    }

    /// The connections to unchoke now; every other one is choked.
    pub fn rechoke(&mut self, now: Instant, peers: &[PeerSample], ranker: &dyn Ranker) -> HashSet<LinkId> {
        let mut candidates: Vec<&PeerSample> = peers.iter().filter(|p| p.interested).collect();
        // Ties break by link id, so the same input always gives the same answer.
        candidates.sort_by(|a, b| ranker.key(b).cmp(&ranker.key(a)).then(a.link.cmp(&b.link)));
        let mut unchoked: HashSet<LinkId> =
            candidates.iter().take(self.config.slots).map(|p| p.link).collect();

        let others: Vec<LinkId> = candidates.iter().skip(self.config.slots).map(|p| p.link).collect();
        let current_still_valid = self.optimistic.is_some_and(|o| others.contains(&o));
        let due =
            self.optimistic_since.is_none_or(|t| now.duration_since(t) >= self.config.optimistic_interval);
        if !current_still_valid || due {
            self.optimistic = next_after(self.optimistic, &others);
            self.optimistic_since = self.optimistic.map(|_| now);
        }
        if let Some(o) = self.optimistic {
            unchoked.insert(o);
        }
        unchoked
    }

    /// Between rechokes, when a peer's interest changed: the peers unchoked now keep their
    /// slots while they stay interested, and free slots (regular, then the optimistic one)
    /// go to the best-ranked peers waiting. Nobody is displaced: only [`Choker::rechoke`]
    /// re-ranks, so a peer toggling its interest cannot make the choker churn the others'
    /// slots (each CHOKE costs a peer its queued requests), and rates are never judged
    /// over the few milliseconds since the last look.
    pub fn fill(
        &mut self,
        now: Instant,
        peers: &[PeerSample],
        unchoked_now: &HashSet<LinkId>,
        ranker: &dyn Ranker,
    ) -> HashSet<LinkId> {
        let mut candidates: Vec<&PeerSample> = peers.iter().filter(|p| p.interested).collect();
        candidates.sort_by(|a, b| ranker.key(b).cmp(&ranker.key(a)).then(a.link.cmp(&b.link)));
        if self.optimistic.is_some_and(|o| !candidates.iter().any(|p| p.link == o)) {
            self.optimistic = None;
            self.optimistic_since = None;
        }
        let mut unchoked: HashSet<LinkId> =
            candidates.iter().map(|p| p.link).filter(|l| unchoked_now.contains(l)).collect();
        let regular = |unchoked: &HashSet<LinkId>, optimistic: Option<LinkId>| {
            unchoked.iter().filter(|l| Some(**l) != optimistic).count()
        };
        for p in &candidates {
            if regular(&unchoked, self.optimistic) >= self.config.slots {
                break;
            }
            unchoked.insert(p.link);
        }
        if self.optimistic.is_none() {
            let others: Vec<LinkId> =
                candidates.iter().map(|p| p.link).filter(|l| !unchoked.contains(l)).collect();
            if let Some(o) = others.first().copied() {
                self.optimistic = Some(o);
                self.optimistic_since = Some(now);
                unchoked.insert(o);
            }
        }
        unchoked
    }

    /// The connection holding the optimistic slot, if any.
    pub fn optimistic(&self) -> Option<LinkId> {
        self.optimistic
    }
}

/// Round robin over `others` in id order: the first id after `current`, wrapping.
fn next_after(current: Option<LinkId>, others: &[LinkId]) -> Option<LinkId> {
    let mut sorted = others.to_vec();
    sorted.sort_unstable();
    match current {
        Some(c) => sorted.iter().copied().find(|&id| id > c).or_else(|| sorted.first().copied()),
        None => sorted.first().copied(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(link: LinkId, interested: bool, down: u64, up: u64) -> PeerSample {
        PeerSample { link, interested, download_rate: down, upload_rate: up, info_hash: None }
    }

    fn config() -> ChokerConfig {
        ChokerConfig { slots: 2, ..Default::default() }
    }

    #[test]
    fn the_fastest_givers_get_the_slots_and_one_more_gets_the_optimistic_one() {
        let mut choker = Choker::new(config());
        let peers = [peer(1, true, 10, 0), peer(2, true, 50, 0), peer(3, true, 30, 0), peer(4, true, 5, 0)];
        let unchoked = choker.rechoke(Instant::now(), &peers, &RateRanker);
        assert_eq!(unchoked.len(), 3, "two regular slots plus one optimistic");
        assert!(unchoked.contains(&2) && unchoked.contains(&3));
        let optimistic = choker.optimistic().unwrap();
        assert!(optimistic == 1 || optimistic == 4);
        assert!(unchoked.contains(&optimistic));
    }

    #[test]
    fn uninterested_peers_never_take_a_slot() {
        let mut choker = Choker::new(config());
        let peers = [peer(1, false, 100, 100), peer(2, true, 1, 0)];
        let unchoked = choker.rechoke(Instant::now(), &peers, &RateRanker);
        assert_eq!(unchoked, HashSet::from([2]));
        assert_eq!(choker.optimistic(), None, "nobody is left for the optimistic slot");
    }

    #[test]
    fn while_seeding_the_fastest_takers_win() {
        let mut choker = Choker::new(ChokerConfig { slots: 1, ..Default::default() });
        let peers = [peer(1, true, 0, 10), peer(2, true, 0, 90), peer(3, true, 0, 40)];
        let unchoked = choker.rechoke(Instant::now(), &peers, &RateRanker);
        assert!(unchoked.contains(&2));
        assert_eq!(unchoked.len(), 2);
    }

    #[test]
    fn the_optimistic_slot_stays_for_its_interval_then_rotates_through_everyone() {
        let mut choker = Choker::new(ChokerConfig { slots: 1, ..Default::default() });
        let peers = [peer(1, true, 100, 0), peer(2, true, 0, 0), peer(3, true, 0, 0), peer(4, true, 0, 0)];
        let start = Instant::now();
        choker.rechoke(start, &peers, &RateRanker);
        let first = choker.optimistic().unwrap();
        choker.rechoke(start + Duration::from_secs(10), &peers, &RateRanker);
        assert_eq!(choker.optimistic(), Some(first), "kept within 30 s");
        let mut seen = HashSet::from([first]);
        for round in 1..=3 {
            choker.rechoke(start + Duration::from_secs(30 * round), &peers, &RateRanker);
            seen.insert(choker.optimistic().unwrap());
        }
        assert_eq!(seen, HashSet::from([2, 3, 4]), "every choked peer gets a turn");
    }

    #[test]
    fn an_optimistic_peer_that_wins_a_regular_slot_is_replaced_at_once() {
        let mut choker = Choker::new(ChokerConfig { slots: 1, ..Default::default() });
        let start = Instant::now();
        choker.rechoke(
            start,
            &[peer(1, true, 100, 0), peer(2, true, 0, 0), peer(3, true, 0, 0)],
            &RateRanker,
        );
        assert_eq!(choker.optimistic(), Some(2));
        // Peer 2 turns out fast and takes the regular slot.
        let unchoked = choker.rechoke(
            start + Duration::from_secs(10),
            &[peer(1, true, 10, 0), peer(2, true, 500, 0), peer(3, true, 0, 0)],
            &RateRanker,
        );
        assert_eq!(unchoked, HashSet::from([2, 3]));
        assert_eq!(choker.optimistic(), Some(3));
    }

    #[test]
    fn a_newcomer_takes_a_free_slot_between_rechokes_but_displaces_nobody() {
        let mut choker = Choker::new(config());
        let now = Instant::now();
        // Two regular slots and the optimistic one; peer 1 alone is interested.
        let unchoked = choker.rechoke(now, &[peer(1, true, 10, 0), peer(2, false, 0, 0)], &RateRanker);
        assert_eq!(unchoked, HashSet::from([1]));
        // Peer 2 turns interested: a free regular slot is its.
        let peers = [peer(1, true, 10, 0), peer(2, true, 0, 0), peer(3, false, 900, 0), peer(4, false, 0, 0)];
        let unchoked = choker.fill(now, &peers, &unchoked, &RateRanker);
        assert_eq!(unchoked, HashSet::from([1, 2]));
        // Peer 3, the fastest, turns interested: only the optimistic slot is free.
        let peers = [peer(1, true, 10, 0), peer(2, true, 0, 0), peer(3, true, 900, 0), peer(4, false, 0, 0)];
        let unchoked = choker.fill(now, &peers, &unchoked, &RateRanker);
        assert_eq!(unchoked, HashSet::from([1, 2, 3]));
        assert_eq!(choker.optimistic(), Some(3));
        // Peer 4 turns interested: no slot is free, and nobody makes room for it.
        let peers =
            [peer(1, true, 10, 0), peer(2, true, 0, 0), peer(3, true, 900, 0), peer(4, true, 5000, 0)];
        assert_eq!(choker.fill(now, &peers, &unchoked, &RateRanker), HashSet::from([1, 2, 3]));
        // The next rechoke ranks everyone: 4 and 3 by rate, and the optimistic slot moves on.
        let unchoked = choker.rechoke(now + Duration::from_secs(10), &peers, &RateRanker);
        assert!(unchoked.contains(&4) && unchoked.contains(&3), "{unchoked:?}");
    }

    /// The hostile case: a peer toggling its interest between rechokes. Each toggle runs
    /// a fill; the peers holding slots keep them throughout, and the toggler gets a slot
    /// only while one is free.
    #[test]
    fn a_peer_toggling_its_interest_never_churns_the_others_slots() {
        let mut choker = Choker::new(config());
        let now = Instant::now();
        let honest = [peer(1, true, 10, 0), peer(2, true, 20, 0), peer(3, true, 5, 0), peer(4, true, 1, 0)];
        let mut unchoked = choker.rechoke(now, &honest, &RateRanker);
        let holders = unchoked.clone();
        assert_eq!(holders.len(), 3, "two regular slots and the optimistic one");
        for toggle in 0..100 {
            let mut peers = honest.to_vec();
            // The toggler claims to give us the most, to rank first if anything re-ranked.
            peers.push(peer(9, toggle % 2 == 0, u64::MAX / 2, 0));
            unchoked = choker.fill(now, &peers, &unchoked, &RateRanker);
            assert!(holders.is_subset(&unchoked), "toggle {toggle}: {unchoked:?} lost one of {holders:?}");
            assert!(!unchoked.contains(&9), "toggle {toggle}: no slot was free for the toggler");
        }
    }

    #[test]
    fn a_slot_freed_between_rechokes_goes_to_the_best_peer_waiting() {
        let mut choker = Choker::new(ChokerConfig { slots: 1, ..Default::default() });
        let now = Instant::now();
        let peers = [peer(1, true, 50, 0), peer(2, true, 0, 0), peer(3, true, 40, 0), peer(4, true, 30, 0)];
        let unchoked = choker.rechoke(now, &peers, &RateRanker);
        assert!(unchoked.contains(&1));
        let optimistic = choker.optimistic().unwrap();
        // Peer 1 is no longer interested (or has gone): the best one waiting takes its slot.
        let peers: Vec<PeerSample> =
            peers.iter().map(|p| PeerSample { interested: p.link != 1, ..*p }).collect();
        let unchoked = choker.fill(now, &peers, &unchoked, &RateRanker);
        let best_waiting = if optimistic == 3 { 4 } else { 3 };
        assert_eq!(unchoked, HashSet::from([optimistic, best_waiting]));
    }

    #[test]
    fn a_ranker_can_put_bidders_first() {
        struct Bidders;
        impl Ranker for Bidders {
            fn key(&self, p: &PeerSample) -> u128 {
                // Link 9 pays; everyone else by rate.
                if p.link == 9 {
                    u128::MAX
                } else {
                    RateRanker.key(p)
                }
            }
        }
        let mut choker = Choker::new(ChokerConfig { slots: 1, ..Default::default() });
        let unchoked =
            choker.rechoke(Instant::now(), &[peer(1, true, 900, 0), peer(9, true, 1, 0)], &Bidders);
        assert!(unchoked.contains(&9));
        assert_eq!(choker.optimistic(), Some(1), "the faster free peer still gets the optimistic slot");
    }
}
