//! The paid-slot auction (docs/PROTOCOL.md §5).
//!
//! A payee with `slots` paid slots and an ask sells them to the highest bids at or above
//! the ask. Every winner pays one uniform clearing price: the highest losing bid, or the
//! ask when no bid loses. So no winner pays more than it bid, and bidding one's true value
//! is safe. Bids below the ask take no part. The optimistic slot is never sold (the
//! gateway's choker keeps it), so bids buy priority, not access.

use crate::Amount;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedBid<K> {
    pub bidder: K,
    pub price: Amount,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome<K> {
    /// Highest bid first.
    pub winners: Vec<K>,
    /// What every winner pays per GiB; meaningless when there are no winners.
    pub clearing_price: Amount,
}

/// Clears the auction. Equal bids are ranked by bidder, so the same bids always give the
/// same outcome.
pub fn clear<K: Ord + Clone>(ask: Amount, slots: usize, bids: &[SealedBid<K>]) -> Outcome<K> {
    let mut valid: Vec<&SealedBid<K>> = bids.iter().filter(|b| b.price >= ask).collect();
    valid.sort_by(|a, b| b.price.cmp(&a.price).then_with(|| a.bidder.cmp(&b.bidder)));
    let winners = valid.iter().take(slots).map(|b| b.bidder.clone()).collect();
    let clearing_price = valid.get(slots).map_or(ask, |first_loser| first_loser.price);
    Outcome { winners, clearing_price }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bid(bidder: u32, price: u128) -> SealedBid<u32> {
        SealedBid { bidder, price: Amount(price) }
    }

    #[test]
    fn winners_pay_the_highest_losing_bid() {
        let outcome = clear(Amount(10), 2, &[bid(1, 50), bid(2, 30), bid(3, 20), bid(4, 5)]);
        assert_eq!(outcome.winners, vec![1, 2]);
        assert_eq!(outcome.clearing_price, Amount(20));
    }

    #[test]
    fn with_no_loser_the_price_is_the_ask() {
        let outcome = clear(Amount(10), 4, &[bid(1, 50), bid(2, 30)]);
        assert_eq!(outcome.winners, vec![1, 2]);
        assert_eq!(outcome.clearing_price, Amount(10));
    }

    #[test]
    fn bids_below_the_ask_never_win_nor_set_the_price() {
        let outcome = clear(Amount(10), 1, &[bid(1, 9), bid(2, 12), bid(3, 1)]);
        assert_eq!(outcome.winners, vec![2]);
        assert_eq!(outcome.clearing_price, Amount(10));
        assert!(clear(Amount(10), 3, &[bid(1, 9)]).winners.is_empty());
    }

    #[test]
    fn ties_break_by_bidder_and_the_tied_loser_sets_the_price() {
        let outcome = clear(Amount(1), 1, &[bid(7, 20), bid(3, 20)]);
        assert_eq!(outcome.winners, vec![3]);
        assert_eq!(outcome.clearing_price, Amount(20));
    }

    #[test]
    fn no_winner_ever_pays_more_than_its_bid() {
        let bids: Vec<_> = (0..20).map(|i| bid(i, u128::from(i * 7 % 13))).collect();
        for slots in 0..22 {
            let outcome = clear(Amount(3), slots, &bids);
            for w in &outcome.winners {
                let mine = bids.iter().find(|b| b.bidder == *w).map(|b| b.price);
                assert!(Some(outcome.clearing_price) <= mine);
            }
            assert!(outcome.winners.len() <= slots);
        }
    }
}
