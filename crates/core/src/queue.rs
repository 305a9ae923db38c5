//! The queue: how many torrents run at once, the rest `queued` in queue order, as in
//! qBittorrent. Each round plans which torrents start and which wait; the swarm does it.

use std::{collections::HashMap, time::Instant};

use bidswarm_api::{QueueSettings, TorrentId, TorrentInfo, TorrentState};

/// What the queue does to one torrent this round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Start,
    Wait,
}

/// Since when each running torrent has been below both slow rates: slow for
/// `slow_after_secs` in a row, not just for one sample, so a dip does not hand its place
/// over and back every second.
#[derive(Debug, Default)]
pub(crate) struct Queue {
    slow_since: HashMap<TorrentId, Instant>,
}

impl Queue {
    /// The changes that bring `torrents` (any order) within `settings` at `now`: queued
    /// torrents with room start, running ones without room wait. Paused (by the user),
    /// checking, resolving and failed torrents are outside the queue; forced ones run and
    /// do not count.
    pub(crate) fn plan(
        &mut self,
        torrents: &[TorrentInfo],
        settings: &QueueSettings,
        now: Instant,
    ) -> Vec<(TorrentId, Step)> {
        let running = |t: &TorrentInfo| matches!(t.state, TorrentState::Downloading | TorrentState::Seeding);
        if !settings.enabled {
            self.slow_since.clear();
            return torrents
                .iter()
                .filter(|t| t.state == TorrentState::Queued)
                .map(|t| (t.id.clone(), Step::Start))
                .collect();
        }
        // Rebuilt each round, in one pass: a thousand torrents must cost microseconds.
        let below = |t: &TorrentInfo| {
            t.download_bytes_per_sec < u64::from(settings.slow_download_bytes_per_sec)
                && t.upload_bytes_per_sec < u64::from(settings.slow_upload_bytes_per_sec)
        };
        let since: HashMap<TorrentId, Instant> = torrents
            .iter()
            .filter(|t| running(t) && below(t))
            .map(|t| (t.id.clone(), self.slow_since.get(&t.id).copied().unwrap_or(now)))
            .collect();
        self.slow_since = since;
        let mut order: Vec<&TorrentInfo> = torrents.iter().collect();
        order.sort_by_key(|t| t.queue_position);
        let (mut downloads, mut uploads, mut total) = (0u32, 0u32, 0u32);
        let room = |used: u32, max: Option<u32>| max.is_none_or(|m| used < m);
        let mut steps = Vec::new();
        for t in order {
            let queued = t.state == TorrentState::Queued;
            if !(queued || running(t)) {
                continue;
            }
            if t.force_start {
                if queued {
                    steps.push((t.id.clone(), Step::Start));
                }
                continue;
            }
            let complete = t.is_complete();
            let fits = room(total, settings.max_active_torrents)
                && if complete {
                    room(uploads, settings.max_active_uploads)
                } else {
                    room(downloads, settings.max_active_downloads)
                };
            if !fits {
                if !queued {
                    steps.push((t.id.clone(), Step::Wait));
                }
                continue;
            }
            if queued {
                steps.push((t.id.clone(), Step::Start));
            }
            if settings.ignore_slow && self.is_slow(t, settings, now) {
                continue;
            }
            total += 1;
            if complete {
                uploads += 1;
            } else {
                downloads += 1;
            }
        }
        steps
    }

    /// Running for at least `slow_after_secs` below both slow rates.
    fn is_slow(&self, t: &TorrentInfo, settings: &QueueSettings, now: Instant) -> bool {
        self.slow_since.get(&t.id).is_some_and(|since| {
            now.saturating_duration_since(*since).as_secs() >= u64::from(settings.slow_after_secs)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::watch::tests::torrent;

    fn t(n: u8, state: TorrentState, done: bool) -> TorrentInfo {
        TorrentInfo {
            id: TorrentId::from([n; 20]),
            queue_position: u32::from(n),
            ..torrent(state, if done { 10 } else { 3 }, true)
        }
    }

    fn settings(downloads: u32, uploads: u32, total: u32) -> QueueSettings {
        QueueSettings {
            enabled: true,
            max_active_downloads: Some(downloads),
            max_active_uploads: Some(uploads),
            max_active_torrents: Some(total),
            ignore_slow: false,
            ..Default::default()
        }
    }

    fn ids(steps: &[(TorrentId, Step)], step: Step) -> Vec<u8> {
        steps.iter().filter(|(_, s)| *s == step).map(|(id, _)| id.info_hash()[0]).collect()
    }

    #[test]
    fn the_first_in_the_queue_run_and_the_rest_wait() {
        use TorrentState::*;
        let all =
            [t(3, Queued, false), t(1, Downloading, false), t(2, Downloading, false), t(4, Seeding, true)];
        let steps = Queue::default().plan(&all, &settings(1, 5, 5), Instant::now());
        assert_eq!(ids(&steps, Step::Wait), [2], "one download at a time: the second waits");
        assert!(ids(&steps, Step::Start).is_empty(), "the third has no room either");
        // The first finishes: the next download starts.
        let all = [t(1, Seeding, true), t(2, Queued, false), t(3, Queued, false)];
        let steps = Queue::default().plan(&all, &settings(1, 5, 5), Instant::now());
        assert_eq!((ids(&steps, Step::Start), ids(&steps, Step::Wait)), (vec![2], vec![]));
    }

    #[test]
    fn the_total_limit_counts_downloads_and_uploads_together() {
        use TorrentState::*;
        let all = [t(1, Seeding, true), t(2, Seeding, true), t(3, Queued, false), t(4, Downloading, false)];
        let steps = Queue::default().plan(&all, &settings(5, 5, 3), Instant::now());
        assert_eq!((ids(&steps, Step::Start), ids(&steps, Step::Wait)), (vec![3], vec![4]));
        let steps = Queue::default().plan(&all, &settings(5, 1, 5), Instant::now());
        assert_eq!(ids(&steps, Step::Wait), [2], "one upload at a time");
    }

    #[test]
    fn paused_and_forced_torrents_are_outside_the_queue() {
        use TorrentState::*;
        let forced = TorrentInfo { force_start: true, ..t(1, Queued, false) };
        let all =
            [forced, t(2, Paused, false), t(3, Checking, false), t(4, Queued, false), t(5, Queued, false)];
        let steps = Queue::default().plan(&all, &settings(1, 1, 1), Instant::now());
        assert_eq!(ids(&steps, Step::Start), [1, 4], "the forced one starts and holds no place");
        assert!(ids(&steps, Step::Wait).is_empty());
    }

    #[test]
    fn a_slow_torrent_gives_up_its_place_once_it_has_had_time() {
        use TorrentState::*;
        let s = QueueSettings { ignore_slow: true, slow_after_secs: 60, ..settings(1, 5, 5) };
        let all = [t(1, Downloading, false), t(2, Queued, false)];
        let mut q = Queue::default();
        let start = Instant::now();
        assert!(q.plan(&all, &s, start).is_empty(), "just started: not slow yet");
        let later = start + Duration::from_secs(60);
        assert_eq!(ids(&q.plan(&all, &s, later), Step::Start), [2], "slow for a minute: the next one starts");
        let fast = TorrentInfo { download_bytes_per_sec: 1 << 20, ..t(1, Downloading, false) };
        let all = [fast.clone(), t(2, Downloading, false)];
        assert_eq!(ids(&q.plan(&all, &s, later), Step::Wait), [2], "fast again: it takes its place back");
        // One slow sample after a long run is a dip, not a slow torrent.
        let dip = [t(1, Downloading, false), t(2, Queued, false)];
        assert!(q.plan(&dip, &s, later + Duration::from_secs(1)).is_empty(), "a dip frees no place");
    }

    #[test]
    fn turning_the_queue_off_starts_every_queued_torrent() {
        use TorrentState::*;
        let all = [t(1, Queued, false), t(2, Paused, false), t(3, Queued, true)];
        let off = QueueSettings { enabled: false, ..settings(0, 0, 0) };
        assert_eq!(ids(&Queue::default().plan(&all, &off, Instant::now()), Step::Start), [1, 3]);
    }
}
