//! The rules a qBittorrent user sets once and forgets: when seeding stops on its own,
//! when the alternative speed limits switch on by themselves, and how many torrents run
//! at once (the queue).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// When a finished torrent stops seeding. Each limit is off when `None`; the first one
/// reached applies `action`. A torrent has either its own set or follows the settings'.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, TS, PartialEq)]
#[serde(default)]
pub struct SeedingLimits {
    /// Uploaded over downloaded, over the torrent's whole life. A torrent seeded from
    /// data that was already here counts its size as downloaded, as qBittorrent does, so
    /// the limit still means "uploaded this many times its size".
    pub ratio: Option<f64>,
    /// Minutes spent seeding (not paused), across restarts.
    pub seeding_minutes: Option<u32>,
    /// Minutes seeding without uploading a byte.
    pub inactive_minutes: Option<u32>,
    pub action: SeedingAction,
}

impl SeedingLimits {
    pub fn is_set(&self) -> bool {
        self.ratio.is_some() || self.seeding_minutes.is_some() || self.inactive_minutes.is_some()
    }
}

/// What happens to a torrent that reaches a seeding limit.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, TS, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SeedingAction {
    #[default]
    Pause,
    /// Removed from the list; its files stay on disk.
    Remove,
}

/// Which seeding limit a torrent reached.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, TS, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SeedingLimitKind {
    Ratio,
    SeedingTime,
    InactiveTime,
}

/// When the alternative speed limits switch on and off by themselves, in local time, as
/// qBittorrent's scheduler does: on at `from` on the chosen days, off at `to` (the next
/// day when `to` is not after `from`). Between switches the user's own toggle holds.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, TS, PartialEq, Eq)]
#[serde(default)]
pub struct AltSchedule {
    pub enabled: bool,
    /// Minutes after local midnight, 0 to 1439.
    pub from_minute: u16,
    /// Minutes after local midnight, 0 to 1439.
    pub to_minute: u16,
    pub days: ScheduleDays,
}

impl Default for AltSchedule {
    fn default() -> Self {
        // qBittorrent's defaults: 08:00 to 20:00, every day.
        Self { enabled: false, from_minute: 8 * 60, to_minute: 20 * 60, days: ScheduleDays::Every }
    }
}

/// The days a schedule starts on.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, TS, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleDays {
    #[default]
    Every,
    /// Monday to Friday.
    Weekdays,
    /// Saturday and Sunday.
    Weekends,
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl ScheduleDays {
    /// Whether a window starting on `weekday` (0 Monday to 6 Sunday) counts.
    pub fn includes(self, weekday: u8) -> bool {
        match self {
            Self::Every => true,
            Self::Weekdays => weekday < 5,
            Self::Weekends => weekday >= 5,
            Self::Monday => weekday == 0,
            Self::Tuesday => weekday == 1,
            Self::Wednesday => weekday == 2,
            Self::Thursday => weekday == 3,
            Self::Friday => weekday == 4,
            Self::Saturday => weekday == 5,
            Self::Sunday => weekday == 6,
        }
    }
}

/// How many torrents run at once, as in qBittorrent: the rest wait, `queued`, in queue
/// order. A limit of `None` is no limit. Forced torrents run whatever the queue says and do
/// not count; torrents paused by the user are outside the queue.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, TS, PartialEq, Eq)]
#[serde(default)]
pub struct QueueSettings {
    pub enabled: bool,
    /// Torrents downloading at once.
    pub max_active_downloads: Option<u32>,
    /// Finished torrents seeding at once.
    pub max_active_uploads: Option<u32>,
    /// Torrents running at once, downloading and seeding together.
    pub max_active_torrents: Option<u32>,
    /// Torrents slower than both rates below for `slow_after_secs` do not count, so a
    /// torrent nobody seeds does not hold a place.
    pub ignore_slow: bool,
    pub slow_download_bytes_per_sec: u32,
    pub slow_upload_bytes_per_sec: u32,
    pub slow_after_secs: u32,
}

impl Default for QueueSettings {
    fn default() -> Self {
        // qBittorrent's numbers, with the queue off: turning it on is the user's choice.
        Self {
            enabled: false,
            max_active_downloads: Some(3),
            max_active_uploads: Some(3),
            max_active_torrents: Some(5),
            ignore_slow: true,
            slow_download_bytes_per_sec: 2048,
            slow_upload_bytes_per_sec: 2048,
            slow_after_secs: 60,
        }
    }
}

/// Where `move_in_queue` puts torrents.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, TS, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum QueueMove {
    Top,
    Up,
    Down,
    Bottom,
}

/// How large a share of the upload cap a torrent's peers get against other torrents'
/// (the gateway's shaper shares the cap by weight): high gets twice normal's, low half.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, TS, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum BandwidthPriority {
    Low,
    #[default]
    Normal,
    High,
}

impl BandwidthPriority {
    /// The factor its peers' weights are multiplied by.
    pub fn weight(self) -> u32 {
        match self {
            Self::Low => 1,
            Self::Normal => 2,
            Self::High => 4,
        }
    }

    /// The factor a torrent's peers' weights are multiplied by: its own priority's times
    /// its category's (a torrent in no category counts as normal there).
    pub fn torrent_weight(own: Self, category: Self) -> u32 {
        own.weight() * category.weight()
    }
}

/// [`BandwidthPriority::torrent_weight`] of a normal torrent in a normal category.
pub const NORMAL_TORRENT_WEIGHT: u32 = 4;

/// Minutes in a day.
pub const DAY_MINUTES: u16 = 24 * 60;

impl AltSchedule {
    /// Whether the alternative limits should be on at local time `minute` (after
    /// midnight) of `weekday` (0 Monday to 6 Sunday). A window that runs past midnight
    /// belongs to the day it started on; `from == to` is a whole day.
    pub fn active_at(&self, weekday: u8, minute: u16) -> bool {
        let (from, to) = (self.from_minute, self.to_minute);
        if from < to {
            return self.days.includes(weekday) && (from..to).contains(&minute);
        }
        // Runs past midnight: the evening part is today's window, the morning part
        // yesterday's.
        let yesterday = (weekday + 6) % 7;
        (minute >= from && self.days.includes(weekday)) || (minute < to && self.days.includes(yesterday))
    }

    /// The schedule's own mistakes, as a message for the user.
    pub fn check(&self) -> Result<(), String> {
        if self.from_minute >= DAY_MINUTES || self.to_minute >= DAY_MINUTES {
            return Err("the schedule's times must be between 00:00 and 23:59".into());
        }
        Ok(())
    }
}

impl SeedingLimits {
    /// The limits' own mistakes, as a message for the user.
    pub fn check(&self) -> Result<(), String> {
        match self.ratio {
            Some(r) if !(0.0..=10_000.0).contains(&r) => {
                Err(format!("a ratio limit must be between 0 and 10000, not {r}"))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(from: u16, to: u16, days: ScheduleDays) -> AltSchedule {
        AltSchedule { enabled: true, from_minute: from, to_minute: to, days }
    }

    #[test]
    fn a_daytime_window_covers_from_up_to_to() {
        let s = schedule(8 * 60, 20 * 60, ScheduleDays::Every);
        assert!(!s.active_at(0, 8 * 60 - 1));
        assert!(s.active_at(0, 8 * 60));
        assert!(s.active_at(3, 19 * 60 + 59));
        assert!(!s.active_at(3, 20 * 60));
    }

    #[test]
    fn a_night_window_belongs_to_the_day_it_starts() {
        // Friday 22:00 to 06:00 only: Friday night and Saturday morning.
        let s = schedule(22 * 60, 6 * 60, ScheduleDays::Friday);
        assert!(s.active_at(4, 22 * 60));
        assert!(s.active_at(5, 5 * 60 + 59), "Saturday morning is Friday's window");
        assert!(!s.active_at(5, 6 * 60));
        assert!(!s.active_at(4, 5 * 60), "Friday morning is Thursday's window");
        assert!(!s.active_at(5, 22 * 60));
    }

    #[test]
    fn weekdays_and_weekends_split_the_week() {
        let weekdays = schedule(0, 12 * 60, ScheduleDays::Weekdays);
        let weekends = schedule(0, 12 * 60, ScheduleDays::Weekends);
        for day in 0..7 {
            assert_eq!(weekdays.active_at(day, 60), day < 5, "day {day}");
            assert_eq!(weekends.active_at(day, 60), day >= 5, "day {day}");
        }
    }

    #[test]
    fn equal_times_are_a_whole_day() {
        let s = schedule(9 * 60, 9 * 60, ScheduleDays::Every);
        assert!(s.active_at(2, 0) && s.active_at(2, 9 * 60) && s.active_at(2, 23 * 60));
    }

    #[test]
    fn bad_times_and_ratios_are_refused() {
        assert!(schedule(DAY_MINUTES, 0, ScheduleDays::Every).check().is_err());
        assert!(schedule(0, 1439, ScheduleDays::Every).check().is_ok());
        for r in [f64::NAN, f64::INFINITY, -1.0, 10_001.0] {
            assert!(SeedingLimits { ratio: Some(r), ..Default::default() }.check().is_err(), "{r}");
        }
        assert!(SeedingLimits { ratio: Some(0.0), ..Default::default() }.check().is_ok());
    }
}
