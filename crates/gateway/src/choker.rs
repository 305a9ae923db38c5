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
        PeerSample { link, interested, download_rate: down, upload_rate: up }
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
