//! One payment channel, seen from each side (docs/PROTOCOL.md §7–8).
//!
//! **Payee ([`Earning`]).** Keeps the highest valid voucher. A voucher is accepted only
//! if it is for this channel, signed by the payer, later (`seq`) and larger
//! (`cumulative`) than the last, within the payer's stated budget, not about to expire,
//! and backed by the payer's balance (the caller passes what backs it: an unread balance
//! backs nothing). Each accepted voucher buys the payer credit
//! ([`crate::policy::credit_for_voucher`]: what the increase pays for, at most one
//! window); the gateway serves a paid slot only while credit remains (the credit window),
//! so a payer that stops paying costs the payee at most the window.
//!
//! **Payer ([`Spending`]).** Owes only for bytes the gateway attributed to this payee in
//! pieces that passed their hash check, at the agreed price, and never more than its
//! budget or what the wallet can spend. Vouchers are cumulative: losing one loses
//! nothing, and the payee needs only the last.

use bidswarm_wallet::{Address, ChannelId, VerifiedVoucher, Voucher};

use crate::{message::SignedVoucher, Amount, GIB};

/// A voucher must stay claimable at least this long after it arrives (seconds), so the
/// payee has time to settle it.
pub const MIN_VOUCHER_LIFETIME_SECS: u64 = 24 * 3600;
/// How long the vouchers a payer signs stay valid (seconds).
pub const VOUCHER_LIFETIME_SECS: u64 = 7 * 24 * 3600;

/// Why a payee refused a voucher. Each is a reason to stop serving the paid slot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VoucherRejected {
    #[error("the voucher is for channel {got}, not {expected}")]
    WrongChannel { expected: ChannelId, got: ChannelId },
    #[error("the voucher's signature is not valid")]
    BadSignature,
    #[error("the voucher is signed by {signer}, not the payer {payer}")]
    WrongSigner { payer: Address, signer: Address },
    #[error("voucher {seq} is not after voucher {last} (a replay)")]
    Replayed { seq: u64, last: u64 },
    #[error("the voucher promises {cumulative} BTT in total, not more than the {last} BTT already promised")]
    NotIncreasing { cumulative: Amount, last: Amount },
    #[error("the voucher promises {cumulative} BTT, over the payer's budget of {budget} BTT")]
    OverBudget { cumulative: Amount, budget: Amount },
    #[error("the voucher expires too soon to be settled")]
    ExpiresTooSoon,
    #[error(
        "the payer's balance does not cover the voucher ({unsettled} BTT unsettled, {backing} BTT available)"
    )]
    Unbacked { unsettled: Amount, backing: Amount },
}

/// The payee's side of a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Earning {
    pub channel: ChannelId,
    pub payer: Address,
    /// The most the payer said it would spend on this channel.
    pub budget: Amount,
    /// What the payer pays per GiB now (the clearing price).
    pub price: Amount,
    best: Option<SignedVoucher>,
    settled: Amount,
}

impl Earning {
    pub fn new(channel: ChannelId, payer: Address, budget: Amount, price: Amount) -> Self {
        Self { channel, payer, budget, price, best: None, settled: Amount::ZERO }
    }

    /// The highest valid voucher: the one to settle.
    pub fn best(&self) -> Option<&SignedVoucher> {
        self.best.as_ref()
    }

    /// Promised in total so far.
    pub fn promised(&self) -> Amount {
        self.best.as_ref().map_or(Amount::ZERO, |v| Amount(v.voucher.cumulative))
    }

    /// Promised and not yet settled on chain: what the payee is exposed to.
    pub fn unsettled(&self) -> Amount {
        self.promised().saturating_sub(self.settled)
    }

    /// Records that settlements up to `cumulative` arrived on chain.
    pub fn mark_settled(&mut self, cumulative: Amount) {
        self.settled = self.settled.max(cumulative.min(self.promised()));
    }

    /// Checks a voucher and keeps it when valid. Returns the increase over the last one, and
    /// the voucher with its signer, for the ledger.
    /// `backing` is the payer's on-chain balance as last read minus what it owes the payee
    /// on other channels; zero while the balance is unknown.
    pub fn accept(
        &mut self,
        v: &SignedVoucher,
        now_unix: u64,
        backing: Amount,
    ) -> Result<(Amount, VerifiedVoucher), VoucherRejected> {
        let voucher = &v.voucher;
        if voucher.channel != self.channel {
            return Err(VoucherRejected::WrongChannel { expected: self.channel, got: voucher.channel });
        }
        let verified = v.verify().map_err(|_| VoucherRejected::BadSignature)?;
        let signer = verified.signer();
        if signer != self.payer {
            return Err(VoucherRejected::WrongSigner { payer: self.payer, signer });
        }
        let last_seq = self.best.as_ref().map_or(0, |b| b.voucher.seq);
        if voucher.seq <= last_seq {
            return Err(VoucherRejected::Replayed { seq: voucher.seq, last: last_seq });
        }
        let cumulative = Amount(voucher.cumulative);
        let last = self.promised();
        if cumulative <= last {
            return Err(VoucherRejected::NotIncreasing { cumulative, last });
        }
        if cumulative > self.budget {
            return Err(VoucherRejected::OverBudget { cumulative, budget: self.budget });
        }
        if voucher.expiry < now_unix.saturating_add(MIN_VOUCHER_LIFETIME_SECS) {
            return Err(VoucherRejected::ExpiresTooSoon);
        }
        let unsettled = cumulative.saturating_sub(self.settled);
        if unsettled > backing {
            return Err(VoucherRejected::Unbacked { unsettled, backing });
        }
        self.best = Some(*v);
        Ok((cumulative.saturating_sub(last), verified))
    }
}

/// The payer's side of a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spending {
    pub channel: ChannelId,
    pub payee: Address,
    pub budget: Amount,
    /// The agreed price per GiB (the payee's last `price` message).
    pub price: Amount,
    /// What the verified bytes are worth, and the remainder below one base unit
    /// (numerator over 2^30), so many small steps add up exactly.
    owed: Amount,
    carry: u128,
    verified_bytes: u64,
    paid: Amount,
    seq: u64,
}

impl Spending {
    pub fn new(channel: ChannelId, payee: Address, budget: Amount, price: Amount) -> Self {
        Self {
            channel,
            payee,
            budget,
            price,
            owed: Amount::ZERO,
            carry: 0,
            verified_bytes: 0,
            paid: Amount::ZERO,
            seq: 0,
        }
    }

    /// Bytes of verified pieces this payee delivered while we held a paid slot.
    pub fn on_verified(&mut self, bytes: u64) {
        self.verified_bytes = self.verified_bytes.saturating_add(bytes);
        let numerator = u128::from(bytes).saturating_mul(self.price.0).saturating_add(self.carry);
        self.owed = Amount(self.owed.0.saturating_add(numerator / u128::from(GIB)));
        self.carry = numerator % u128::from(GIB);
    }

    pub fn verified_bytes(&self) -> u64 {
        self.verified_bytes
    }

    /// What the verified bytes cost, capped at the budget.
    pub fn owed(&self) -> Amount {
        self.owed.min(self.budget)
    }

    /// Promised so far (the last voucher's cumulative).
    pub fn paid(&self) -> Amount {
        self.paid
    }

    pub fn remaining_budget(&self) -> Amount {
        self.budget.saturating_sub(self.paid)
    }

    /// The budget is used up: stop bidding, keep downloading for free.
    pub fn exhausted(&self) -> bool {
        self.owed >= self.budget
    }

    /// The next voucher, if anything more is owed: it promises what is owed, as far as
    /// the budget and `spendable` (what the wallet can still commit) allow.
    pub fn next_voucher(&mut self, now_unix: u64, spendable: Amount) -> Option<Voucher> {
        let affordable = self.paid.checked_add(spendable).unwrap_or(Amount(u128::MAX));
        let target = self.owed().min(affordable);
        if target <= self.paid {
            return None;
        }
        self.seq += 1;
        self.paid = target;
        Some(Voucher {
            channel: self.channel,
            seq: self.seq,
            cumulative: target.0,
            expiry: now_unix.saturating_add(VOUCHER_LIFETIME_SECS),
        })
    }
}

#[cfg(test)]
mod tests {
    use bidswarm_wallet::{PrivateKey, Signer};

    use super::*;

    const NOW: u64 = 1_800_000_000;
    /// A payer whose balance covers anything: the tests of the other rules.
    const ANY_BALANCE: Amount = Amount(u128::MAX);

    fn key(n: u8) -> PrivateKey {
        PrivateKey::from_bytes(&[n; 32]).unwrap_or_else(|_| unreachable!())
    }

    fn signed(key: &PrivateKey, voucher: Voucher) -> SignedVoucher {
        SignedVoucher { signature: key.sign_voucher(&voucher).unwrap_or_else(|_| unreachable!()), voucher }
    }

    fn pair() -> (PrivateKey, Spending, Earning) {
        let payer = key(1);
        let payee = key(2).address();
        let channel = ChannelId::derive(&payer.address(), &payee, &[9; 20], 1);
        let price = Amount::from_btt(8); // 8 BTT per GiB
        let budget = Amount::from_btt(4);
        (
            payer.clone(),
            Spending::new(channel, payee, budget, price),
            Earning::new(channel, payer.address(), budget, price),
        )
    }

    #[test]
    fn the_payer_pays_for_verified_bytes_and_the_payee_credits_them() {
        let (payer, mut spending, mut earning) = pair();
        assert_eq!(spending.next_voucher(NOW, Amount::from_btt(100)), None, "nothing verified, nothing owed");
        spending.on_verified(GIB / 8); // 1 BTT's worth
        let v = spending.next_voucher(NOW, Amount::from_btt(100)).unwrap();
        assert_eq!((v.seq, v.cumulative), (1, Amount::from_btt(1).0));
        let (increase, verified) = earning.accept(&signed(&payer, v), NOW, ANY_BALANCE).unwrap();
        assert_eq!(verified.signer(), payer.address(), "the ledger gets the signer with the voucher");
        assert_eq!(increase, Amount::from_btt(1));
        assert_eq!(crate::policy::credit_for_voucher(increase, earning.price, 0, GIB), GIB / 8);
        assert_eq!(spending.next_voucher(NOW, Amount::from_btt(100)), None, "paid up");
    }

    #[test]
    fn many_small_verifications_cost_exactly_as_much_as_one_large() {
        let (_, mut small, _) = pair();
        let (_, mut large, _) = pair();
        for _ in 0..1000 {
            small.on_verified(16_381); // an odd size, so rounding would show
        }
        large.on_verified(16_381 * 1000);
        assert_eq!(small.owed(), large.owed());
    }

    #[test]
    fn the_payer_never_promises_past_its_budget_or_its_spendable_balance() {
        let (_, mut spending, _) = pair();
        spending.on_verified(GIB); // 8 BTT's worth; the budget is 4
        assert!(spending.exhausted());
        let v = spending.next_voucher(NOW, Amount::from_btt(3)).unwrap();
        assert_eq!(v.cumulative, Amount::from_btt(3).0, "only what the wallet can spend");
        let v = spending.next_voucher(NOW, Amount::from_btt(100)).unwrap();
        assert_eq!(v.cumulative, Amount::from_btt(4).0, "then the budget, and no more");
        assert_eq!(spending.next_voucher(NOW, Amount::from_btt(100)), None);
        assert_eq!(spending.remaining_budget(), Amount::ZERO);
    }

    #[test]
    fn the_payee_refuses_forged_replayed_decreasing_foreign_and_unbacked_vouchers() {
        let (payer, _, mut earning) = pair();
        let channel = earning.channel;
        let v = |seq, btt| Voucher {
            channel,
            seq,
            cumulative: Amount::from_btt(btt).0,
            expiry: NOW + VOUCHER_LIFETIME_SECS,
        };
        earning.accept(&signed(&payer, v(2, 2)), NOW, ANY_BALANCE).unwrap();
        let forged = signed(&key(3), v(3, 3));
        assert!(matches!(
            earning.accept(&forged, NOW, ANY_BALANCE),
            Err(VoucherRejected::WrongSigner { .. })
        ));
        assert!(matches!(
            earning.accept(&signed(&payer, v(2, 3)), NOW, ANY_BALANCE),
            Err(VoucherRejected::Replayed { .. })
        ));
        assert!(matches!(
            earning.accept(&signed(&payer, v(3, 2)), NOW, ANY_BALANCE),
            Err(VoucherRejected::NotIncreasing { .. })
        ));
        assert!(matches!(
            earning.accept(&signed(&payer, v(3, 5)), NOW, ANY_BALANCE),
            Err(VoucherRejected::OverBudget { .. })
        ));
        let other = Voucher { channel: ChannelId([0; 16]), ..v(3, 3) };
        assert!(matches!(
            earning.accept(&signed(&payer, other), NOW, ANY_BALANCE),
            Err(VoucherRejected::WrongChannel { .. })
        ));
        let short = Voucher { expiry: NOW + 60, ..v(3, 3) };
        assert!(matches!(
            earning.accept(&signed(&payer, short), NOW, ANY_BALANCE),
            Err(VoucherRejected::ExpiresTooSoon)
        ));
        assert!(matches!(
            earning.accept(&signed(&payer, v(3, 3)), NOW, Amount::from_btt(2)),
            Err(VoucherRejected::Unbacked { .. })
        ));
        assert_eq!(earning.promised(), Amount::from_btt(2), "nothing refused was kept");
        assert_eq!(
            earning.accept(&signed(&payer, v(3, 3)), NOW, Amount::from_btt(3)).map(|(increase, _)| increase),
            Ok(Amount::from_btt(1))
        );
        earning.mark_settled(Amount::from_btt(2));
        assert_eq!(earning.unsettled(), Amount::from_btt(1));
    }
}
