//! The alternative speed limits' schedule: switches them on and off at the times the
//! user chose, in local time, as qBittorrent's bandwidth scheduler does.
//!
//! The schedule acts only when its window opens or closes (and when it is first seen):
//! between those, the status bar's toggle holds, so a user who turns the limits off in
//! the middle of the night is not overruled until the next morning.

use std::time::Instant;

use bidswarm_api::AltSchedule;
use chrono::{Datelike, NaiveDateTime, Timelike};

/// Local wall-clock time: the machine's, or (for tests) one that starts at a given time
/// and runs at the real rate from then on.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalClock {
    fake: Option<(NaiveDateTime, Instant)>,
}

impl LocalClock {
    /// A clock that reads `start` now and runs on from there.
    pub fn starting_at(start: NaiveDateTime) -> Self {
        Self { fake: Some((start, Instant::now())) }
    }

    pub fn now(&self) -> NaiveDateTime {
        match self.fake {
            Some((start, at)) => start + at.elapsed(),
            None => chrono::Local::now().naive_local(),
        }
    }
}

impl std::str::FromStr for LocalClock {
    type Err = String;

    /// `YYYY-MM-DDTHH:MM:SS`: a clock that starts there now.
    fn from_str(text: &str) -> Result<Self, String> {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
            .map(Self::starting_at)
            .map_err(|e| format!("not a local time as YYYY-MM-DDTHH:MM:SS: {e}"))
    }
}

/// What the schedule last decided, to act only when that changes.
#[derive(Debug, Default)]
pub(crate) struct Scheduler {
    last: Option<(AltSchedule, bool)>,
}

impl Scheduler {
    /// Whether the alternative limits should now be switched on (`Some(true)`) or off
    /// (`Some(false)`), or left as they are (`None`): the schedule is off, or its window
    /// has not opened or closed since the last call. A changed schedule counts as new.
    pub(crate) fn decide(&mut self, schedule: &AltSchedule, now: NaiveDateTime) -> Option<bool> {
        if !schedule.enabled {
            self.last = None;
            return None;
        }
        let weekday = now.weekday().num_days_from_monday() as u8;
        let minute = (now.hour() * 60 + now.minute()) as u16;
        let want = schedule.active_at(weekday, minute);
        let changed = self.last != Some((*schedule, want));
        self.last = Some((*schedule, want));
        changed.then_some(want)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bidswarm_api::ScheduleDays;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn the_schedule_acts_only_when_its_window_opens_or_closes() {
        // 2026-12-07 is a Monday.
        let night =
            AltSchedule { enabled: true, from_minute: 22 * 60, to_minute: 6 * 60, days: ScheduleDays::Every };
        let mut s = Scheduler::default();
        assert_eq!(s.decide(&night, at("2026-12-07 21:00")), Some(false), "first seen: put in force");
        assert_eq!(s.decide(&night, at("2026-12-07 21:59")), None, "the user's toggle holds");
        assert_eq!(s.decide(&night, at("2026-12-07 22:00")), Some(true));
        assert_eq!(s.decide(&night, at("2026-12-08 03:00")), None);
        assert_eq!(s.decide(&night, at("2026-12-08 06:00")), Some(false));
        let earlier = AltSchedule { from_minute: 20 * 60, ..night };
        assert_eq!(
            s.decide(&earlier, at("2026-12-08 06:01")),
            Some(false),
            "a changed schedule acts at once"
        );
        assert_eq!(s.decide(&AltSchedule { enabled: false, ..night }, at("2026-12-08 23:00")), None);
        assert_eq!(s.decide(&night, at("2026-12-08 23:00")), Some(true), "switched back on: acts at once");
    }

    #[test]
    fn weekend_only_schedules_skip_weekdays() {
        let weekends =
            AltSchedule { enabled: true, from_minute: 0, to_minute: 0, days: ScheduleDays::Weekends };
        let mut s = Scheduler::default();
        assert_eq!(s.decide(&weekends, at("2026-12-11 12:00")), Some(false), "Friday");
        assert_eq!(s.decide(&weekends, at("2026-12-12 00:00")), Some(true), "Saturday");
        assert_eq!(s.decide(&weekends, at("2026-12-13 23:59")), None, "Sunday");
        assert_eq!(s.decide(&weekends, at("2026-12-14 00:00")), Some(false), "Monday");
    }

    #[test]
    fn a_fake_clock_runs_from_its_start() {
        assert!("21:59".parse::<LocalClock>().is_err());
        let clock: LocalClock = "2026-12-07T21:59:00".parse().unwrap();
        let now = clock.now();
        assert!(now >= at("2026-12-07 21:59") && now < at("2026-12-07 22:00"), "{now}");
    }
}
