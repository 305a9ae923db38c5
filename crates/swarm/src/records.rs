//! What Bidswarm remembers about a torrent that librqbit does not: when it was added,
//! what it moved over its whole life, and the file priorities beyond "selected".
//!
//! Kept in `torrent-records.json` beside librqbit's session state, written when a
//! torrent is added, removed or its priorities change, and with the resume data (every
//! 5 s and at shutdown) for the byte counts.

use std::collections::BTreeMap;

use std::time::{Duration, Instant};

use bidswarm_api::{FilePriority, SeedingLimits};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub(crate) struct TorrentRecord {
    /// Unix seconds.
    pub added_at: Option<u64>,
    pub uploaded: LifeCounter,
    pub downloaded: LifeCounter,
    /// `low` and `high` only: `skip` is librqbit's own file selection, and a file with no
    /// entry is `normal`.
    pub priorities: BTreeMap<u32, FilePriority>,
    /// Peers the user added (`add_peers`), oldest first, at most [`REMEMBERED_PEERS`].
    pub peers: Vec<std::net::SocketAddr>,
    /// The torrent's own seeding limits; `None` follows the settings'.
    pub seeding_limits: Option<SeedingLimits>,
    pub seeding: SeedClock,
    /// Its place in the queue: lower runs first. Records written before the queue have 0,
    /// and rank among themselves by when they were added.
    pub queue_key: u64,
    /// Paused by the queue rather than by the user.
    pub queued: bool,
    /// Runs whatever the queue says.
    pub force_start: bool,
    pub bandwidth_priority: bidswarm_api::BandwidthPriority,
    /// Read leniently: a name a later version refuses is dropped, not the whole file.
    #[serde(deserialize_with = "lenient::category")]
    pub category: Option<bidswarm_api::Label>,
    #[serde(deserialize_with = "lenient::tags")]
    pub tags: std::collections::BTreeSet<bidswarm_api::Label>,
    /// Unix seconds: when it was first seen complete.
    pub completed_at: Option<u64>,
    /// Its pieces are fetched in order (`order::plan`).
    pub sequential: bool,
    /// Each walked file's first and last pieces come first (`order::walk`).
    pub first_last_pieces_first: bool,
    /// The name the user gave it, shown instead of its own. Read leniently like the labels.
    #[serde(deserialize_with = "lenient::name")]
    pub display_name: Option<bidswarm_api::TorrentName>,
    /// Its trackers, once the user changed them; `None` takes the `.torrent`'s (or for a
    /// magnet, set when it is added, its `tr=`). Read leniently: a URL a later version
    /// refuses is dropped.
    #[serde(deserialize_with = "lenient::trackers")]
    pub trackers: Option<Vec<crate::trackers::TrackerEntry>>,
}

/// Category and tag names as read from the file: each name a [`bidswarm_api::Label`]
/// refuses is left out (with a warning) instead of failing every record.
mod lenient {
    use bidswarm_api::Label;
    use serde::{Deserialize, Deserializer};

    fn keep(name: String) -> Option<Label> {
        Label::new(name.clone()).map_err(|why| tracing::warn!(name, "dropping a stored label: {why}")).ok()
    }

    pub fn category<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Label>, D::Error> {
        Ok(Option::<String>::deserialize(d)?.and_then(keep))
    }

    pub fn name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bidswarm_api::TorrentName>, D::Error> {
        let keep = |name: String| {
            bidswarm_api::TorrentName::new(name.clone())
                .map_err(|why| tracing::warn!(name, "dropping a stored torrent name: {why}"))
                .ok()
        };
        Ok(Option::<String>::deserialize(d)?.and_then(keep))
    }

    pub fn trackers<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Vec<crate::trackers::TrackerEntry>>, D::Error> {
        #[derive(Deserialize)]
        struct Entry {
            url: String,
            tier: u32,
        }
        let keep = |e: Entry| match bidswarm_api::TrackerUrl::new(e.url.clone()) {
            Ok(url) => Some(crate::trackers::TrackerEntry::new(url, e.tier)),
            Err(_) => {
                // Not the URL, nor the reason that quotes it: it may hold a passkey.
                tracing::warn!("dropping a stored tracker URL that is no longer accepted");
                None
            }
        };
        Ok(Option::<Vec<Entry>>::deserialize(d)?.map(|list| list.into_iter().filter_map(keep).collect()))
    }

    pub fn tags<'de, D: Deserializer<'de>>(d: D) -> Result<std::collections::BTreeSet<Label>, D::Error> {
        Ok(Vec::<String>::deserialize(d)?.into_iter().filter_map(keep).collect())
    }
}

/// Most peers remembered per torrent; the oldest go first.
pub const REMEMBERED_PEERS: usize = 64;

impl TorrentRecord {
    pub fn added_now() -> Self {
        let now = u64::try_from(bidswarm_primitives::unix_secs()).ok();
        Self { added_at: now, ..Default::default() }
    }

    /// Remembers these peers, each once, newest last, keeping the latest
    /// [`REMEMBERED_PEERS`].
    pub fn remember_peers(&mut self, peers: &[std::net::SocketAddr]) {
        for peer in peers {
            self.peers.retain(|p| p != peer);
            self.peers.push(*peer);
        }
        let excess = self.peers.len().saturating_sub(REMEMBERED_PEERS);
        self.peers.drain(..excess);
    }

    /// Remembers `priority` for these files; `normal` and `skip` need no entry.
    pub fn set_priority(&mut self, files: &[u32], priority: FilePriority) {
        for &file in files {
            match priority {
                FilePriority::Low | FilePriority::High => {
                    self.priorities.insert(file, priority);
                }
                FilePriority::Normal | FilePriority::Skip => {
                    self.priorities.remove(&file);
                }
            }
        }
    }

    /// A selected file's priority.
    pub fn priority_of(&self, file: u32) -> FilePriority {
        self.priorities.get(&file).copied().unwrap_or(FilePriority::Normal)
    }
}

/// The queue order of `records`: by key, then when added, then id.
pub(crate) fn queue_order<'a, K: Ord + 'a>(
    records: impl IntoIterator<Item = (&'a K, &'a TorrentRecord)>,
) -> Vec<&'a K> {
    let mut all: Vec<_> = records.into_iter().collect();
    all.sort_by(|(a_id, a), (b_id, b)| {
        (a.queue_key, a.added_at.unwrap_or(0))
            .cmp(&(b.queue_key, b.added_at.unwrap_or(0)))
            .then(a_id.cmp(b_id))
    });
    all.into_iter().map(|(id, _)| id).collect()
}

/// Moves `moving` (a set of positions in `order`) to the top, one up, one down or to the
/// bottom; the moved keep their order among themselves, and one already at the edge stays.
pub(crate) fn move_in_order<K: PartialEq + Clone>(
    order: &[K],
    moving: &[K],
    to: bidswarm_api::QueueMove,
) -> Vec<K> {
    use bidswarm_api::QueueMove;
    let moved = |k: &K| moving.contains(k);
    match to {
        QueueMove::Top | QueueMove::Bottom => {
            let (picked, rest): (Vec<K>, Vec<K>) = order.iter().cloned().partition(|k| moved(k));
            if to == QueueMove::Top {
                [picked, rest].concat()
            } else {
                [rest, picked].concat()
            }
        }
        QueueMove::Up => {
            let mut out = order.to_vec();
            for i in 1..out.len() {
                if moved(&out[i]) && !moved(&out[i - 1]) {
                    out.swap(i, i - 1);
                }
            }
            out
        }
        QueueMove::Down => {
            let mut out = order.to_vec();
            for i in (0..out.len().saturating_sub(1)).rev() {
                if moved(&out[i]) && !moved(&out[i + 1]) {
                    out.swap(i, i + 1);
                }
            }
            out
        }
    }
}

/// A byte count over a torrent's whole life, built from librqbit's counters, which start
/// again from zero whenever a torrent is paused, re-added (new limits) or restored.
///
/// Each sample adds what the counter grew by since the last one; a counter smaller than
/// before has been restarted, so all of it is new. Bytes moved between the last sample
/// and a restart are lost: at most one sampling interval's worth (the watcher samples
/// every second).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub(crate) struct LifeCounter {
    /// Everything counted up to the last sample.
    total: u64,
    /// librqbit's counter at the last sample; it starts at zero after a restart too.
    #[serde(skip)]
    last_seen: u64,
}

impl LifeCounter {
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Folds in librqbit's counter as it reads now; returns the life total.
    pub fn observe(&mut self, counter_now: u64) -> u64 {
        let grown = if counter_now >= self.last_seen { counter_now - self.last_seen } else { counter_now };
        self.total = self.total.saturating_add(grown);
        self.last_seen = counter_now;
        self.total
    }
}

/// How long a torrent has seeded, and how long since it last uploaded while seeding,
/// across pauses and restarts: what seeding-time limits are measured by.
///
/// Built from samples (the watcher's, once a second): the time between two samples that
/// both saw the torrent seeding counts, up to [`SeedClock::MAX_STEP`], so time asleep,
/// paused or not running never does.
///
/// Both are saved in whole minutes (what the limits count in), so a torrent seeding idly
/// does not rewrite the records file every few seconds; a restart loses under a minute.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub(crate) struct SeedClock {
    #[serde(serialize_with = "whole_minutes")]
    pub seeding_secs: u64,
    /// Seeding since the last byte went up, or since seeding began.
    #[serde(serialize_with = "whole_minutes")]
    pub inactive_secs: u64,
    /// The life upload total at the last sample, to tell an upload from none.
    #[serde(skip)]
    uploaded: Option<u64>,
    /// What is not a whole second yet, in milliseconds, so frequent samples add up.
    #[serde(skip)]
    part_ms: u64,
    /// When the last sample saw the torrent seeding.
    #[serde(skip)]
    last: Option<Instant>,
}

impl SeedClock {
    /// The longest gap between two samples that still counts in full.
    pub const MAX_STEP: Duration = Duration::from_secs(5);

    /// One sample: whether the torrent is seeding, and its life upload total.
    pub fn observe(&mut self, seeding: bool, uploaded_total: u64, now: Instant) {
        let uploaded = self.uploaded.is_some_and(|before| uploaded_total > before);
        self.uploaded = Some(uploaded_total);
        if !seeding {
            self.last = None;
            return;
        }
        match self.last {
            // Seeding begins (or begins again): inactivity counts from now.
            None => self.inactive_secs = 0,
            Some(last) => {
                let step = now.saturating_duration_since(last).min(Self::MAX_STEP);
                let ms = self.part_ms + step.as_millis() as u64;
                self.part_ms = ms % 1000;
                self.seeding_secs += ms / 1000;
                self.inactive_secs += ms / 1000;
            }
        }
        if uploaded {
            self.inactive_secs = 0;
        }
        self.last = Some(now);
    }
}

fn whole_minutes<S: serde::Serializer>(secs: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(secs / 60 * 60)
}

/// Uploaded over downloaded; `None` while nothing was downloaded.
pub(crate) fn ratio(uploaded: u64, downloaded: u64) -> Option<f64> {
    (downloaded > 0).then(|| uploaded as f64 / downloaded as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_name_refused_now_drops_that_name_not_the_records() {
        let json = r#"{"aa":{"category":"bad,name","tags":["ok","a/b"],"queue_key":3}}"#;
        let records: std::collections::BTreeMap<String, TorrentRecord> = serde_json::from_str(json).unwrap();
        let record = &records["aa"];
        assert_eq!(record.category, None);
        assert_eq!(record.tags.iter().map(|t| t.as_str()).collect::<Vec<_>>(), ["ok"]);
        assert_eq!(record.queue_key, 3);
    }

    #[test]
    fn life_counter_survives_pauses_readds_and_restarts() {
        let mut c = LifeCounter::default();
        assert_eq!(c.observe(100), 100);
        assert_eq!(c.observe(250), 250);
        // Paused: librqbit reports nothing while there is no live state.
        assert_eq!(c.observe(0), 250);
        // Resumed: a fresh counter.
        assert_eq!(c.observe(40), 290);
        // Restart: the stored total comes back, the counter starts from zero.
        let json = serde_json::to_string(&c).unwrap();
        let mut restored: LifeCounter = serde_json::from_str(&json).unwrap();
        assert_eq!(restored.observe(10), 300);
        assert_eq!(restored.observe(10), 300, "the same reading twice counts once");
    }

    #[test]
    fn only_low_and_high_are_stored() {
        let mut r = TorrentRecord::default();
        r.set_priority(&[0, 1, 2], FilePriority::High);
        r.set_priority(&[1], FilePriority::Low);
        r.set_priority(&[2], FilePriority::Normal);
        r.set_priority(&[0], FilePriority::Skip);
        assert_eq!(r.priorities.into_iter().collect::<Vec<_>>(), [(1, FilePriority::Low)]);
    }

    #[test]
    fn the_seed_clock_counts_only_time_seen_seeding() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut c = SeedClock::default();
        c.observe(true, 0, at(0));
        c.observe(true, 0, at(600));
        c.observe(true, 0, at(1200));
        assert_eq!((c.seeding_secs, c.inactive_secs), (1, 1), "parts of a second add up");
        c.observe(true, 500, at(3200));
        assert_eq!((c.seeding_secs, c.inactive_secs), (3, 0), "an upload resets inactivity");
        c.observe(true, 500, at(4200));
        assert_eq!((c.seeding_secs, c.inactive_secs), (4, 1));
        // Paused for an hour: none of it counts, and inactivity starts again at the resume.
        c.observe(false, 500, at(5000));
        c.observe(true, 500, at(3_604_000));
        c.observe(true, 500, at(3_606_000));
        assert_eq!((c.seeding_secs, c.inactive_secs), (6, 2));
        // A machine asleep between two samples counts at most MAX_STEP.
        c.observe(true, 500, at(7_206_000));
        assert_eq!(c.seeding_secs, 6 + SeedClock::MAX_STEP.as_secs());
        // Saved in whole minutes.
        let c = SeedClock { seeding_secs: 150, inactive_secs: 59, ..c };
        let back: SeedClock = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!((back.seeding_secs, back.inactive_secs), (120, 0));
    }

    #[test]
    fn queue_moves_keep_the_moved_in_their_order() {
        use bidswarm_api::QueueMove::*;
        let order = ['a', 'b', 'c', 'd', 'e'];
        let s = |v: Vec<char>| v.into_iter().collect::<String>();
        assert_eq!(s(move_in_order(&order, &['c', 'e'], Top)), "ceabd");
        assert_eq!(s(move_in_order(&order, &['a', 'c'], Bottom)), "bdeac");
        assert_eq!(s(move_in_order(&order, &['a', 'c'], Up)), "acbde", "a is at the top already");
        assert_eq!(s(move_in_order(&order, &['b', 'c'], Up)), "bcade");
        assert_eq!(s(move_in_order(&order, &['d', 'e'], Down)), "abcde", "e is at the bottom already");
        assert_eq!(s(move_in_order(&order, &['b', 'c'], Down)), "adbce");
        assert_eq!(s(move_in_order(&order, &['z'], Top)), "abcde", "an unknown id moves nothing");
    }

    #[test]
    fn the_queue_orders_by_key_then_age() {
        let r = |key, added| TorrentRecord { queue_key: key, added_at: Some(added), ..Default::default() };
        let records: BTreeMap<char, TorrentRecord> =
            [('a', r(2, 1)), ('b', r(0, 9)), ('c', r(0, 5)), ('d', r(1, 0))].into_iter().collect();
        assert_eq!(queue_order(&records).into_iter().collect::<String>(), "cbda");
    }

    #[test]
    fn ratio_needs_downloaded_bytes() {
        assert_eq!(ratio(10, 0), None);
        assert_eq!(ratio(30, 20), Some(1.5));
    }

    /// Each peer once, the latest last, at most [`REMEMBERED_PEERS`]; a record written
    /// before peers were kept reads as none.
    #[test]
    fn remembered_peers_are_unique_newest_last_and_capped() {
        let peer = |n: u16| std::net::SocketAddr::from(([192, 0, 2, 1], n));
        let mut r = TorrentRecord::default();
        r.remember_peers(&[peer(1), peer(2)]);
        r.remember_peers(&[peer(1)]);
        assert_eq!(r.peers, [peer(2), peer(1)]);
        r.remember_peers(&(100..200).map(peer).collect::<Vec<_>>());
        assert_eq!(r.peers.len(), REMEMBERED_PEERS);
        assert_eq!(r.peers.first(), Some(&peer(200 - REMEMBERED_PEERS as u16)));
        assert_eq!(r.peers.last(), Some(&peer(199)));
        let old: TorrentRecord = serde_json::from_str(r#"{"added_at":5}"#).unwrap();
        assert!(old.peers.is_empty());
        let back: TorrentRecord = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back.peers, r.peers);
    }
}
