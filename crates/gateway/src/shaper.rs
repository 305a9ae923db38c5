//! Upload shaping: one global cap on the bytes we send to peers, shared among the
//! connections that are sending by weight.
//!
//! Every connection has an [`UploadBucket`], a token bucket that may run into debt: a
//! write of `n` bytes takes `n` tokens and then waits until the balance is back to
//! zero, so the average rate is exact however large the writes are. Once a second the
//! gateway hands out the cap ([`share`]): a connection that sent anything in the last
//! second gets `cap × weight / Σ weights of those sending`; an idle one is offered the
//! share it would get if it started, so a new uploader is neither starved nor allowed to
//! flood. While a connection waits for tokens it does not read from librqbit, so the
//! bytes waiting for a slow peer are bounded by one read buffer per connection.
//!
//! No I/O and no clock: callers pass `now` and sleep for the returned delay.

use std::time::{Duration, Instant};

/// How long a connection may save up tokens while idle, as a time at its rate.
const BURST: Duration = Duration::from_millis(250);
/// The least burst, so a tiny share still lets whole blocks through.
const MIN_BURST_BYTES: f64 = 32.0 * 1024.0;

#[derive(Debug, Clone)]
pub struct UploadBucket {
    /// Bytes per second; `None` is unlimited.
    rate: Option<u64>,
    /// May go negative: bytes sent ahead of the rate, still to be waited for.
    tokens: f64,
    last: Option<Instant>,
    /// Bytes taken since the last [`UploadBucket::take_sent`], to tell who is sending.
    sent: u64,
}

impl Default for UploadBucket {
    fn default() -> Self {
        Self { rate: None, tokens: 0.0, last: None, sent: 0 }
    }
}

impl UploadBucket {
    pub fn rate(&self) -> Option<u64> {
        self.rate
    }

    /// Changes the rate from now on; what was already owed stays owed.
    pub fn set_rate(&mut self, rate: Option<u64>, now: Instant) {
        self.refill(now);
        self.rate = rate.filter(|r| *r > 0);
        if self.rate.is_none() {
            self.tokens = 0.0;
        }
    }

    /// Takes `bytes` about to be sent and says how long to wait before sending them.
    pub fn take(&mut self, bytes: usize, now: Instant) -> Duration {
        self.sent += bytes as u64;
        let Some(rate) = self.rate else { return Duration::ZERO };
        self.refill(now);
        self.tokens -= bytes as f64;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / rate as f64)
        }
    }

    /// Bytes taken since the previous call.
    pub fn take_sent(&mut self) -> u64 {
        std::mem::take(&mut self.sent)
    }

    fn refill(&mut self, now: Instant) {
        if let (Some(rate), Some(last)) = (self.rate, self.last) {
            let rate = rate as f64;
            let burst = (rate * BURST.as_secs_f64()).max(MIN_BURST_BYTES);
            let earned = now.saturating_duration_since(last).as_secs_f64() * rate;
            self.tokens = (self.tokens + earned).min(burst);
        }
        self.last = Some(now);
    }
}

/// One connection's claim on the cap at a share-out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    /// From the ranker; 0 counts as 1.
    pub weight: u32,
    /// It sent something since the last share-out.
    pub sending: bool,
}

/// Each connection's rate under `cap` bytes per second (`None`: unlimited for all).
pub fn share(cap: Option<u64>, claims: &[Claim]) -> Vec<Option<u64>> {
    let Some(cap) = cap.filter(|c| *c > 0) else { return vec![None; claims.len()] };
    let weight = |c: &Claim| u64::from(c.weight.max(1));
    let sending: u64 = claims.iter().filter(|c| c.sending).map(weight).sum();
    claims
        .iter()
        .map(|c| {
            let total = if c.sending { sending } else { sending + weight(c) };
            // At least one byte a second: a zero rate would mean unlimited.
            Some((u128::from(cap) * u128::from(weight(c)) / u128::from(total)).max(1) as u64)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unlimited_bucket_never_waits() {
        let mut bucket = UploadBucket::default();
        assert_eq!(bucket.take(10 << 20, Instant::now()), Duration::ZERO);
    }

    #[test]
    fn a_bucket_averages_its_rate_over_large_writes() {
        let start = Instant::now();
        let mut bucket = UploadBucket::default();
        bucket.set_rate(Some(1 << 20), start);
        // Send 8 MiB in 256 KiB writes, sleeping as told.
        let mut now = start;
        for _ in 0..32 {
            now += bucket.take(256 << 10, now);
        }
        let secs = now.duration_since(start).as_secs_f64();
        assert!((7.9..=8.0).contains(&secs), "8 MiB at 1 MiB/s took {secs} s");
    }

    #[test]
    fn idle_time_saves_up_only_a_short_burst() {
        let start = Instant::now();
        let mut bucket = UploadBucket::default();
        bucket.set_rate(Some(1 << 20), start);
        let later = start + Duration::from_secs(60);
        // A minute idle earns 250 ms worth, not 60 MiB.
        assert_eq!(bucket.take(256 << 10, later), Duration::ZERO);
        let wait = bucket.take(1 << 20, later);
        assert!(wait >= Duration::from_millis(990), "waited only {wait:?}");
    }

    #[test]
    fn senders_share_the_cap_by_weight_and_an_idle_link_is_offered_a_fair_share() {
        let claims = [
            Claim { weight: 1, sending: true },
            Claim { weight: 3, sending: true },
            Claim { weight: 1, sending: false },
        ];
        let rates = share(Some(4000), &claims);
        assert_eq!(rates, vec![Some(1000), Some(3000), Some(800)]);
        let total_sending: u64 = rates[..2].iter().flatten().sum();
        assert_eq!(total_sending, 4000, "the senders use the whole cap");
    }

    #[test]
    fn no_cap_means_no_limit_for_anyone() {
        let claims = [Claim { weight: 1, sending: true }];
        assert_eq!(share(None, &claims), vec![None]);
        assert_eq!(share(Some(0), &claims), vec![None]);
    }

    #[test]
    fn a_tiny_cap_never_rounds_to_unlimited() {
        let claims = vec![Claim { weight: 1, sending: true }; 10];
        assert!(share(Some(3), &claims).iter().all(|r| *r == Some(1)));
    }
}
