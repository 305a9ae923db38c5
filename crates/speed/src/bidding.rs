//! What a leecher bids (docs/PROTOCOL.md §6): a fixed price per GiB, or auto-bid.
//!
//! Auto-bid spends at most the torrent's remaining budget over its remaining bytes: the
//! price that would use the whole budget if every remaining byte were bought. It never goes
//! above the user's max price, and re-bids only when that target moves by more than 10%,
//! so a payee is not flooded with bids as the numbers drift.

use crate::{Amount, GIB};

/// The user's choice for a torrent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Spending is off: never bid, never pay.
    Off,
    Fixed {
        price: Amount,
    },
    Auto {
        max_price: Amount,
    },
}

/// Decides when to send a new bid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bidder {
    current: Option<Amount>,
}

impl Bidder {
    /// The price bid now, if any.
    pub fn current(&self) -> Option<Amount> {
        self.current
    }

    /// The price to bid now, if it differs enough from the last one to send (`None`:
    /// keep the current bid). A price of zero means stop bidding (budget used up).
    pub fn next(
        &mut self,
        strategy: Strategy,
        remaining_budget: Amount,
        remaining_bytes: u64,
    ) -> Option<Amount> {
        let target = match strategy {
            Strategy::Off => Amount::ZERO,
            _ if remaining_budget.is_zero() || remaining_bytes == 0 => Amount::ZERO,
            Strategy::Fixed { price } => price,
            Strategy::Auto { max_price } => {
                let affordable =
                    remaining_budget.0.saturating_mul(u128::from(GIB)) / u128::from(remaining_bytes);
                Amount(affordable.min(max_price.0))
            }
        };
        let changed = match self.current {
            None => !target.is_zero(),
            Some(current) if target.is_zero() || current.is_zero() => target != current,
            // More than 10%: |target - current| * 10 > current.
            Some(current) => target.0.abs_diff(current.0).saturating_mul(10) > current.0,
        };
        if changed {
            self.current = Some(target).filter(|t| !t.is_zero());
            Some(target)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_bid_spreads_the_budget_over_the_remaining_bytes_and_respects_the_max() {
        let mut b = Bidder::default();
        let auto = Strategy::Auto { max_price: Amount::from_btt(100) };
        // 10 BTT left for 2 GiB: 5 BTT per GiB.
        assert_eq!(b.next(auto, Amount::from_btt(10), 2 * GIB), Some(Amount::from_btt(5)));
        // 1000 BTT for 1 GiB would be 1000 per GiB; the max is 100.
        let mut b = Bidder::default();
        assert_eq!(b.next(auto, Amount::from_btt(1000), GIB), Some(Amount::from_btt(100)));
    }

    #[test]
    fn auto_bid_rebids_only_on_a_change_of_more_than_ten_percent() {
        let mut b = Bidder::default();
        let auto = Strategy::Auto { max_price: Amount::from_btt(1000) };
        b.next(auto, Amount::from_btt(100), 10 * GIB); // 10 per GiB
        assert_eq!(b.next(auto, Amount::from_btt(100), 9 * GIB + GIB / 10), None, "≈10.99: within 10%");
        assert_eq!(b.next(auto, Amount::from_btt(100), 9 * GIB), Some(Amount(11_111_111_111_111_111_111)));
        assert_eq!(b.current(), Some(Amount(11_111_111_111_111_111_111)));
    }

    #[test]
    fn a_used_up_budget_stops_bidding_once() {
        let mut b = Bidder::default();
        let fixed = Strategy::Fixed { price: Amount::from_btt(2) };
        assert_eq!(b.next(fixed, Amount::from_btt(1), GIB), Some(Amount::from_btt(2)));
        assert_eq!(b.next(fixed, Amount::ZERO, GIB), Some(Amount::ZERO));
        assert_eq!(b.current(), None);
        assert_eq!(b.next(fixed, Amount::ZERO, GIB), None, "said once");
    }

    #[test]
    fn spending_off_never_bids() {
        let mut b = Bidder::default();
        assert_eq!(b.next(Strategy::Off, Amount::from_btt(100), GIB), None);
        assert_eq!(b.current(), None);
    }
}
