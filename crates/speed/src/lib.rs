//! Bid for speed, as pure logic: no sockets, no clock, no database. The core feeds it
//! events (a message arrived, bytes were served, a piece was verified) with `now`, and it
//! answers with decisions (what to send, who gets a paid slot, whether to keep serving).
//! docs/PROTOCOL.md is the wire spec; this crate is its reference implementation.
//!
//! - [`message`]: the `bt_speed` v1 messages and their bencoding, strict about types
//!   and sizes because every byte comes from a stranger.
//! - [`auction`]: paid slots to the highest bids at or above the ask, one uniform
//!   clearing price.
//! - [`bidding`]: what a leecher bids: a fixed price or auto-bid from its budget.
//! - [`channel`]: one payment channel from each side. The payee's [`channel::Earning`]
//!   checks vouchers and enforces the credit window; the payer's [`channel::Spending`]
//!   pays only for verified bytes, never past its budget.
//! - [`policy`]: the rules against a lying counterpart: a price above our bid, credit for
//!   a payer whose balance does not cover it, caps per payer and in all, voucher floods.
//! - [`session`]: the state machine over every connection and channel: inputs (a link
//!   ready, a message, a round with the time, a balance read) in, actions (send, record,
//!   set credit, events) out.
//!
//! Prices are BTT base units per GiB (2^30 bytes). What bytes cost is always computed from
//! the running byte total, rounded down, so paying in many small steps never adds up to
//! more than paying once.

pub mod auction;
pub mod bidding;
pub mod channel;
#[doc(hidden)]
pub mod fuzz;
pub mod message;
pub mod policy;
pub mod session;

pub use bidswarm_wallet::Amount;

/// Bytes in the GiB that prices are quoted per.
pub const GIB: u64 = 1 << 30;

/// What `bytes` cost at `price_per_gib`, rounded down; `None` on overflow.
pub fn cost_of(bytes: u64, price_per_gib: Amount) -> Option<Amount> {
    let value = u128::from(bytes).checked_mul(price_per_gib.0)? / u128::from(GIB);
    Some(Amount(value))
}

/// How many bytes `amount` pays for at `price_per_gib`, rounded down (all of them when the
/// price is zero).
pub fn bytes_for(amount: Amount, price_per_gib: Amount) -> u64 {
    if price_per_gib.is_zero() {
        return u64::MAX;
    }
    let bytes = amount.0.saturating_mul(u128::from(GIB)) / price_per_gib.0;
    u64::try_from(bytes).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_round_down_and_never_overflow_silently() {
        let price = Amount::from_btt(10); // 10 BTT per GiB
        assert_eq!(cost_of(GIB, price), Some(price));
        assert_eq!(cost_of(GIB / 2, price), Some(Amount::from_btt(5)));
        assert_eq!(cost_of(1, Amount(GIB as u128 - 1)), Some(Amount(0)));
        assert_eq!(cost_of(u64::MAX, Amount(u128::MAX)), None);
        assert_eq!(bytes_for(Amount::from_btt(5), price), GIB / 2);
        assert_eq!(bytes_for(Amount(1), Amount::ZERO), u64::MAX);
    }
}
