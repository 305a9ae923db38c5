//! The wall clock: Unix time from the system, or, for a test, a [`Clock`] it sets.

use std::{
    sync::{
        atomic::{AtomicI64, Ordering},
        Arc,
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

/// Milliseconds since the Unix epoch by the system clock; 0 for a clock set before 1970.
pub fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Seconds since the Unix epoch by the system clock; 0 for a clock set before 1970.
pub fn unix_secs() -> i64 {
    unix_ms() / 1000
}

/// Where a component reads the time of day: the system clock, or one a test holds and
/// moves ([`Clock::manual`]), so a rule about dates is tested without waiting or sleeping.
/// Clones share the time.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    manual_ms: Option<Arc<AtomicI64>>,
}

impl Clock {
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that stands at `unix_ms` until [`Clock::set_ms`] or [`Clock::advance`].
    pub fn manual(unix_ms: i64) -> Self {
        Self { manual_ms: Some(Arc::new(AtomicI64::new(unix_ms))) }
    }

    pub fn unix_ms(&self) -> i64 {
        match &self.manual_ms {
            Some(ms) => ms.load(Ordering::Relaxed),
            None => unix_ms(),
        }
    }

    pub fn unix_secs(&self) -> i64 {
        self.unix_ms().div_euclid(1000)
    }

    /// Sets a manual clock; the system clock is not ours to set, so it ignores this.
    pub fn set_ms(&self, unix_ms: i64) {
        if let Some(ms) = &self.manual_ms {
            ms.store(unix_ms, Ordering::Relaxed);
        }
    }

    /// Moves a manual clock forward; the system clock ignores this.
    pub fn advance(&self, by: Duration) {
        if let Some(ms) = &self.manual_ms {
            ms.fetch_add(i64::try_from(by.as_millis()).unwrap_or(i64::MAX), Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_its_clones_follow() {
        let clock = Clock::manual(1_714_521_600_500);
        let seen_elsewhere = clock.clone();
        assert_eq!(clock.unix_secs(), 1_714_521_600);
        clock.advance(Duration::from_millis(600));
        assert_eq!(seen_elsewhere.unix_ms(), 1_714_521_601_100);
        clock.set_ms(-1);
        assert_eq!(seen_elsewhere.unix_secs(), -1, "before 1970 rounds down, not toward zero");
    }

    #[test]
    fn the_system_clock_is_the_systems() {
        let before = unix_ms();
        let clock = Clock::system();
        clock.set_ms(0);
        let read = clock.unix_ms();
        assert!(read >= before && read <= unix_ms(), "{before} <= {read}");
        assert!(before > 1_700_000_000_000, "the machine's clock is after 2023");
    }
}
