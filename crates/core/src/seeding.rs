//! Seeding limits: when a finished torrent has given back enough, it stops (paused or
//! removed with its files kept), as qBittorrent's "when ratio reaches" settings do.

use bidswarm_api::{SeedingLimitKind, SeedingLimits, TorrentInfo, TorrentState};

/// The first limit `torrent` has reached, under its own limits or else `global`; `None`
/// while it is not seeding or within them.
pub(crate) fn reached(
    torrent: &TorrentInfo,
    global: &SeedingLimits,
) -> Option<(SeedingLimitKind, SeedingLimits)> {
    if torrent.state != TorrentState::Seeding {
        return None;
    }
    let limits = torrent.seeding_limits.unwrap_or(*global);
    if let Some(max) = limits.ratio {
        // A torrent seeded from data that was already here downloaded nothing; its size
        // stands in, as in qBittorrent, so "ratio 2" still means twice its size uploaded.
        let downloaded = torrent.all_time_downloaded_bytes.max(torrent.progress_bytes);
        if downloaded > 0 && torrent.all_time_uploaded_bytes as f64 >= max * downloaded as f64 {
            return Some((SeedingLimitKind::Ratio, limits));
        }
    }
    let minutes = |secs: u64| secs / 60;
    if limits.seeding_minutes.is_some_and(|m| minutes(torrent.seeding_secs) >= u64::from(m)) {
        return Some((SeedingLimitKind::SeedingTime, limits));
    }
    if limits.inactive_minutes.is_some_and(|m| minutes(torrent.inactive_secs) >= u64::from(m)) {
        return Some((SeedingLimitKind::InactiveTime, limits));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::tests::torrent;
    use bidswarm_api::SeedingAction;

    fn seeding(uploaded: u64, downloaded: u64) -> TorrentInfo {
        TorrentInfo {
            all_time_uploaded_bytes: uploaded,
            all_time_downloaded_bytes: downloaded,
            ..torrent(TorrentState::Seeding, 10, true)
        }
    }

    fn ratio(r: f64) -> SeedingLimits {
        SeedingLimits { ratio: Some(r), ..Default::default() }
    }

    #[test]
    fn the_ratio_counts_the_size_when_nothing_was_downloaded() {
        // Seeded from data already here: 10 bytes, so ratio 1 is 10 bytes up.
        assert_eq!(reached(&seeding(9, 0), &ratio(1.0)), None);
        assert_eq!(reached(&seeding(10, 0), &ratio(1.0)).map(|r| r.0), Some(SeedingLimitKind::Ratio));
        // Downloaded 40 (some of it wasted): 40 is the base.
        assert_eq!(reached(&seeding(39, 40), &ratio(1.0)), None);
        assert!(reached(&seeding(40, 40), &ratio(1.0)).is_some());
        assert!(reached(&seeding(0, 0), &ratio(0.0)).is_some(), "ratio 0 stops at once");
    }

    #[test]
    fn only_seeding_torrents_stop() {
        for state in
            [TorrentState::Downloading, TorrentState::Paused, TorrentState::Checking, TorrentState::Error]
        {
            let t = TorrentInfo { state, ..seeding(100, 0) };
            assert_eq!(reached(&t, &ratio(1.0)), None, "{state:?}");
        }
    }

    #[test]
    fn a_torrents_own_limits_replace_the_global_ones() {
        let own = SeedingLimits { ratio: Some(5.0), action: SeedingAction::Remove, ..Default::default() };
        let t = TorrentInfo { seeding_limits: Some(own), ..seeding(20, 0) };
        assert_eq!(reached(&t, &ratio(1.0)), None, "its own ratio 5 wins over the global 1");
        let t = TorrentInfo { all_time_uploaded_bytes: 50, ..t };
        assert_eq!(reached(&t, &ratio(1.0)), Some((SeedingLimitKind::Ratio, own)));
        let unlimited = TorrentInfo { seeding_limits: Some(SeedingLimits::default()), ..seeding(1000, 0) };
        assert_eq!(reached(&unlimited, &ratio(1.0)), None, "its own \"no limits\"");
    }

    #[test]
    fn seeding_and_inactive_time_count_whole_minutes() {
        let limits =
            SeedingLimits { seeding_minutes: Some(2), inactive_minutes: Some(1), ..Default::default() };
        let t = |seeding_secs, inactive_secs| TorrentInfo { seeding_secs, inactive_secs, ..seeding(0, 0) };
        assert_eq!(reached(&t(119, 59), &limits), None);
        assert_eq!(reached(&t(120, 0), &limits).map(|r| r.0), Some(SeedingLimitKind::SeedingTime));
        assert_eq!(reached(&t(100, 60), &limits).map(|r| r.0), Some(SeedingLimitKind::InactiveTime));
        assert_eq!(reached(&t(100_000, 100_000), &SeedingLimits::default()), None, "no limits set");
    }
}
