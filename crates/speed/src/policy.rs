//! The safety rules of bid for speed, each against the side that would lie
//! (docs/PROTOCOL.md §5–8, "What each side can lose").
//!
//! Pure decisions, no state of their own: the driver passes in what it knows (our bid, the
//! payer's balance as last read, what every payer owes us) and gets a verdict.
//!
//! - **A seller names a price** ([`check_offer`]): a price above our bid is refused and
//!   the paid slot dropped; a slot we never bid for is not one. So a buyer never pays more
//!   than it bid for any byte.
//! - **A buyer asks for credit** ([`may_grant_credit`]): only when its balance is known
//!   and covers what it owes us on every channel plus the window, and only while its own
//!   and all payers' unsettled totals stay under the caps. A balance we could not read
//!   counts as zero; reconnecting or using fresh keys does not reset anything, since what
//!   is owed is counted per payer across all channels and all payers together.
//! - **A voucher buys credit** ([`credit_for_voucher`]): never more than one window.
//! - **A buyer floods vouchers** ([`VoucherGate`]): each must raise the promise by at least
//!   one block's worth, and a link gets at most [`MAX_VOUCHERS_PER_SEC`] a second.
//! - **A settlement costs a fee** ([`worth_settling`]): a payee is paid on chain once what
//!   we owe it is worth the fee many times over, so fees stay a small share of what moves.
//! - **A payee asks to be paid** ([`honour_settle_ask`]): at most once a day each, so a
//!   seller cannot burn our TRX with one fee after another for small debts.

use crate::{bytes_for, cost_of, message::PriceOffer, Amount};

/// The smallest block a peer requests (BEP 3): a voucher must pay for at least one.
pub const BLOCK_BYTES: u64 = 16 * 1024;
/// Vouchers a payee takes from one link per second; more are refused unread. Bidswarm's
/// payer sends at most four a second (one per round).
pub const MAX_VOUCHERS_PER_SEC: u32 = 8;

/// What we do with a seller's `price` message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferVerdict {
    /// Pay `price` per GiB for bytes verified from now, on a paid slot if `slot`.
    Accept { price: Amount, slot: bool },
    /// The price is above our bid: refuse it, hold no paid slot, pay nothing more.
    AboveBid { price: Amount, bid: Amount },
    /// We bid nothing (never, or withdrawn): there is no paid slot to hold.
    NoBid,
}

/// Checks a seller's `price` against our current bid. The protocol's one promise to the
/// buyer (§5): no winner pays more than it bid.
pub fn check_offer(our_bid: Option<Amount>, offer: &PriceOffer) -> OfferVerdict {
    match our_bid {
        None => OfferVerdict::NoBid,
        Some(bid) if bid.is_zero() => OfferVerdict::NoBid,
        Some(bid) if offer.price > bid => OfferVerdict::AboveBid { price: offer.price, bid },
        Some(_) => OfferVerdict::Accept { price: offer.price, slot: offer.slot },
    }
}

/// What a seller knows when it decides whether a payer gets (or keeps getting) credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreditCheck {
    /// The payer's BTT on chain as last read; `None` while unknown (not read yet, or the
    /// node unreachable).
    pub balance: Option<Amount>,
    /// Promised to us by this payer on every channel (this connection's, earlier ones,
    /// earlier sessions'), not yet settled.
    pub payer_unsettled: Amount,
    /// Promised to us by all payers together, not yet settled.
    pub all_unsettled: Amount,
    /// What one credit window costs at the payer's price.
    pub window_cost: Amount,
    /// Most one payer may owe us unsettled.
    pub payer_cap: Amount,
    /// Most all payers together may owe us unsettled.
    pub total_cap: Amount,
    /// The payer owes us for longer than we allow (its settlement is overdue).
    pub overdue: bool,
}

/// Why a payer gets no credit now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoCredit {
    #[error("the payer's balance is not known yet")]
    UnknownBalance,
    #[error("the payer's balance ({balance}) does not cover what it owes ({owes}) and one more window")]
    Unbacked { balance: Amount, owes: Amount },
    #[error("the payer owes {owes} unsettled, at the cap of {cap} per payer")]
    PayerCap { owes: Amount, cap: Amount },
    #[error("payers owe {owes} unsettled in all, at the cap of {cap}")]
    TotalCap { owes: Amount, cap: Amount },
    #[error("the payer's settlement is overdue")]
    Overdue,
}

/// Whether a payer may be given (another) credit window now. With this check the most a
/// cheating payer can cost is what it owes unsettled (≤ `payer_cap`, and all of them
/// together ≤ `total_cap`) plus one window of bytes per paid slot.
pub fn may_grant_credit(c: &CreditCheck) -> Result<(), NoCredit> {
    if c.overdue {
        return Err(NoCredit::Overdue);
    }
    let balance = c.balance.ok_or(NoCredit::UnknownBalance)?;
    let owes = c.payer_unsettled.checked_add(c.window_cost).unwrap_or(Amount(u128::MAX));
    if owes > balance {
        return Err(NoCredit::Unbacked { balance, owes });
    }
    if owes > c.payer_cap {
        return Err(NoCredit::PayerCap { owes: c.payer_unsettled, cap: c.payer_cap });
    }
    let all = c.all_unsettled.checked_add(c.window_cost).unwrap_or(Amount(u128::MAX));
    if all > c.total_cap {
        return Err(NoCredit::TotalCap { owes: c.all_unsettled, cap: c.total_cap });
    }
    Ok(())
}

/// What one credit window costs at `price_per_gib` (saturating: a window that costs more
/// than any balance is simply never granted).
pub fn window_cost(window_bytes: u64, price_per_gib: Amount) -> Amount {
    cost_of(window_bytes, price_per_gib).unwrap_or(Amount(u128::MAX))
}

/// Bytes of credit a voucher's `increase` adds when the link has `credit` left: what the
/// increase pays for at `price`, but never more than brings the credit to one window. A
/// payer that prepays a fortune still gets one window at a time, each re-checked.
pub fn credit_for_voucher(increase: Amount, price_per_gib: Amount, credit: i64, window_bytes: u64) -> u64 {
    let bought = bytes_for(increase, price_per_gib);
    let room = i128::from(window_bytes) - i128::from(credit);
    let room = u64::try_from(room.max(0)).unwrap_or(u64::MAX);
    bought.min(room)
}

/// The least a voucher must add to the promise at `price_per_gib`: one block's worth
/// (at least one base unit), so a payer cannot grow our ledger one base unit at a time.
pub fn min_increment(price_per_gib: Amount) -> Amount {
    cost_of(BLOCK_BYTES, price_per_gib).unwrap_or(Amount(u128::MAX)).max(Amount(1))
}

/// Per link: how many vouchers arrived in the current second. The driver passes `now`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VoucherGate {
    second: u64,
    count: u32,
}

/// Why a voucher was not even looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Flood {
    #[error("more than {MAX_VOUCHERS_PER_SEC} vouchers in a second")]
    TooFast,
    #[error("the voucher adds {increase}, less than one block's worth ({min})")]
    TooSmall { increase: Amount, min: Amount },
}

impl VoucherGate {
    /// Admits a voucher raising the promise from `last` to `cumulative` at `price`, at
    /// `now_unix`, on a channel whose budget is `budget`; counts it either way.
    pub fn admit(
        &mut self,
        now_unix: u64,
        last: Amount,
        cumulative: Amount,
        price_per_gib: Amount,
        budget: Amount,
    ) -> Result<(), Flood> {
        if now_unix != self.second {
            self.second = now_unix;
            self.count = 0;
        }
        self.count = self.count.saturating_add(1);
        if self.count > MAX_VOUCHERS_PER_SEC {
            return Err(Flood::TooFast);
        }
        let increase = cumulative.saturating_sub(last);
        let min = min_increment(price_per_gib);
        // A smaller step is fine when it spends the budget's last base units; the
        // payee's other checks refuse anything above the budget, or not increasing.
        if increase < min && cumulative > last && cumulative < budget {
            return Err(Flood::TooSmall { increase, min });
        }
        Ok(())
    }
}

/// Sun in one TRX.
pub const SUN_PER_TRX: u128 = 1_000_000;

/// A settlement's `fee_sun` in BTT base units, at `btt_per_trx` base units of BTT per TRX
/// (the user's rate: there is no price feed). `None` when it does not fit.
pub fn fee_in_btt(fee_sun: u64, btt_per_trx: Amount) -> Option<Amount> {
    u128::from(fee_sun).checked_mul(btt_per_trx.0).map(|v| Amount(v.div_ceil(SUN_PER_TRX)))
}

/// Whether paying `owed` on chain is worth a fee of `fee_sun`: `owed` is at least
/// `multiple` times the fee in BTT (docs/PROTOCOL.md §10). A multiple of 0 settles
/// anything owed; a fee too large to value is never worth it.
pub fn worth_settling(owed: Amount, fee_sun: u64, multiple: u32, btt_per_trx: Amount) -> bool {
    if owed.is_zero() {
        return false;
    }
    let needed = fee_in_btt(fee_sun, btt_per_trx).and_then(|fee| fee.0.checked_mul(u128::from(multiple)));
    needed.is_some_and(|needed| owed.0 >= needed)
}

/// How often one payee's "your settlement is overdue" (error 13) is honoured below the fee
/// rule: once a day, the default deadline. A payee asking more often is served no sooner;
/// by its own rule it then refuses us paid slots, which costs speed, not money.
pub const SETTLE_ASK_EVERY_SECS: u64 = 24 * 3600;

/// Whether a payee's ask at `now_unix` is honoured, given when we last honoured one of its
/// asks.
pub fn honour_settle_ask(last_honoured: Option<u64>, now_unix: u64) -> bool {
    last_honoured.is_none_or(|at| now_unix.saturating_sub(at) >= SETTLE_ASK_EVERY_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GIB;

    const BTT: u128 = 1_000_000_000_000_000_000;

    fn offer(price: u128, slot: bool) -> PriceOffer {
        PriceOffer { price: Amount(price), slot, credit_window: 4 << 20 }
    }

    #[test]
    fn a_seller_never_sets_a_price_above_our_bid() {
        let cases = [
            // (our bid, offered price, slot, verdict)
            (Some(BTT), BTT, true, OfferVerdict::Accept { price: Amount(BTT), slot: true }),
            (Some(BTT), BTT / 2, true, OfferVerdict::Accept { price: Amount(BTT / 2), slot: true }),
            (Some(BTT), 0, false, OfferVerdict::Accept { price: Amount(0), slot: false }),
            (Some(BTT), BTT + 1, true, OfferVerdict::AboveBid { price: Amount(BTT + 1), bid: Amount(BTT) }),
            (
                Some(BTT),
                1u128 << 100,
                true,
                OfferVerdict::AboveBid { price: Amount(1 << 100), bid: Amount(BTT) },
            ),
            (None, 1, true, OfferVerdict::NoBid),
            (Some(0), 0, true, OfferVerdict::NoBid),
        ];
        for (bid, price, slot, verdict) in cases {
            assert_eq!(
                check_offer(bid.map(Amount), &offer(price, slot)),
                verdict,
                "bid {bid:?} price {price}"
            );
        }
    }

    fn check() -> CreditCheck {
        CreditCheck {
            balance: Some(Amount(10 * BTT)),
            payer_unsettled: Amount::ZERO,
            all_unsettled: Amount::ZERO,
            window_cost: Amount(BTT),
            payer_cap: Amount(5 * BTT),
            total_cap: Amount(8 * BTT),
            overdue: false,
        }
    }

    #[test]
    fn credit_needs_a_known_balance_that_covers_everything_owed_and_the_caps() {
        let b = |n: u128| Amount(n * BTT);
        let cases: [(CreditCheck, Result<(), NoCredit>); 8] = [
            (check(), Ok(())),
            // The buyer with no funds, or whose balance we have not read.
            (CreditCheck { balance: None, ..check() }, Err(NoCredit::UnknownBalance)),
            (
                CreditCheck { balance: Some(b(0)), ..check() },
                Err(NoCredit::Unbacked { balance: b(0), owes: b(1) }),
            ),
            // Owes 9 on other channels: 10 does not cover 9 + a window.
            (
                CreditCheck { payer_unsettled: b(10), payer_cap: b(100), total_cap: b(100), ..check() },
                Err(NoCredit::Unbacked { balance: b(10), owes: b(11) }),
            ),
            // Reconnecting changes nothing: what it owes is counted across channels.
            (CreditCheck { payer_unsettled: b(4), ..check() }, Ok(())),
            (
                CreditCheck { payer_unsettled: b(5), ..check() },
                Err(NoCredit::PayerCap { owes: b(5), cap: b(5) }),
            ),
            // Fresh keys do not multiply the cap: all payers together.
            (
                CreditCheck { all_unsettled: b(8), ..check() },
                Err(NoCredit::TotalCap { owes: b(8), cap: b(8) }),
            ),
            (CreditCheck { overdue: true, ..check() }, Err(NoCredit::Overdue)),
        ];
        for (i, (c, verdict)) in cases.into_iter().enumerate() {
            assert_eq!(may_grant_credit(&c), verdict, "case {i}");
        }
    }

    #[test]
    fn one_voucher_never_buys_more_than_one_window() {
        let price = Amount(BTT); // 1 BTT per GiB
        let window = 4u64 << 20;
        // Prepaying a whole GiB tops the credit up to one window, no further.
        assert_eq!(credit_for_voucher(Amount(BTT), price, 0, window), window);
        assert_eq!(credit_for_voucher(Amount(BTT), price, (window / 2) as i64, window), window / 2);
        // Paying off an overdraft restores it and the window.
        assert_eq!(credit_for_voucher(Amount(BTT), price, -100, window), window + 100);
        // A small payment buys what it pays for.
        let small = cost_of(GIB / 1024, price).unwrap();
        assert_eq!(credit_for_voucher(small, price, 0, window), GIB / 1024);
        assert_eq!(credit_for_voucher(Amount(BTT), price, (window + 1) as i64, window), 0);
    }

    #[test]
    fn a_voucher_flood_is_refused_by_rate_and_by_step() {
        const BIG: Amount = Amount(u128::MAX);
        let price = Amount(BTT);
        let step = min_increment(price);
        assert_eq!(step, cost_of(BLOCK_BYTES, price).unwrap());
        assert_eq!(min_increment(Amount(1)), Amount(1), "at least one base unit");
        let mut gate = VoucherGate::default();
        let mut last = Amount::ZERO;
        for i in 0..MAX_VOUCHERS_PER_SEC {
            let next = Amount(last.0 + step.0);
            assert_eq!(gate.admit(100, last, next, price, BIG), Ok(()), "voucher {i}");
            last = next;
        }
        assert_eq!(gate.admit(100, last, Amount(last.0 + step.0), price, BIG), Err(Flood::TooFast));
        // The next second, the rate resets; a one-unit step is still too small.
        assert_eq!(
            gate.admit(101, last, Amount(last.0 + 1), price, BIG),
            Err(Flood::TooSmall { increase: Amount(1), min: step })
        );
        assert_eq!(gate.admit(101, last, Amount(last.0 + step.0), price, BIG), Ok(()));
        last = Amount(last.0 + step.0);
        // The last base units of a budget may come in a smaller step.
        assert_eq!(gate.admit(101, last, Amount(last.0 + 1), price, Amount(last.0 + 1)), Ok(()));
    }

    #[test]
    fn a_settlement_waits_until_it_is_worth_its_fee() {
        // 2.81 TRX (a BTT transfer with a memo to a holder) at 300,000 BTT a TRX.
        let rate = Amount(300_000 * BTT);
        let fee = 2_810_000;
        let fee_btt = fee_in_btt(fee, rate).unwrap();
        assert_eq!(fee_btt, Amount(843_000 * BTT));
        let cases = [
            ("nothing owed", Amount::ZERO, 20, false),
            ("nothing owed, multiple 0", Amount::ZERO, 0, false),
            ("one base unit, multiple 0", Amount(1), 0, true),
            ("just below 20 fees", Amount(20 * fee_btt.0 - 1), 20, false),
            ("exactly 20 fees", Amount(20 * fee_btt.0), 20, true),
            ("one fee, multiple 1", fee_btt, 1, true),
            ("a fortune", Amount(u128::MAX), 20, true),
        ];
        for (what, owed, multiple, due) in cases {
            assert_eq!(worth_settling(owed, fee, multiple, rate), due, "{what}");
        }
        // A rate or multiple so large the fee cannot be valued: never worth it.
        assert!(!worth_settling(Amount(u128::MAX), fee, 20, Amount(u128::MAX)));
        assert!(!worth_settling(Amount(u128::MAX), u64::MAX, u32::MAX, rate));
        // A fraction of a base unit counts as one.
        assert_eq!(fee_in_btt(1, Amount(1)), Some(Amount(1)));
        assert_eq!(fee_in_btt(0, rate), Some(Amount::ZERO));
    }

    #[test]
    fn a_payee_asking_for_payment_is_honoured_once_a_day() {
        let day = SETTLE_ASK_EVERY_SECS;
        assert!(honour_settle_ask(None, 0), "the first ask");
        assert!(!honour_settle_ask(Some(1_000), 1_000), "again at once");
        assert!(!honour_settle_ask(Some(1_000), 1_000 + day - 1), "again within the day");
        assert!(honour_settle_ask(Some(1_000), 1_000 + day), "a day later");
        assert!(!honour_settle_ask(Some(5_000), 1_000), "a clock that went back");
    }
}
