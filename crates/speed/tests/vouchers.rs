//! Voucher properties over many cases (the issue asks for at least 10,000 in all): a
//! payee accepts exactly the vouchers its payer signed for this channel, in order, within
//! the budget, and the wire format carries every one unchanged.

#![allow(clippy::unwrap_used)]

use std::sync::OnceLock;

use bidswarm_speed::{
    channel::{Earning, VOUCHER_LIFETIME_SECS},
    message::{SignedVoucher, SpeedMessage},
    Amount,
};
use bidswarm_wallet::{Address, ChannelId, PrivateKey, Signer, Voucher};
use proptest::prelude::*;

const NOW: u64 = 1_800_000_000;
const CASES: u32 = 2_600; // × 4 properties

fn keys() -> &'static (PrivateKey, PrivateKey, Address) {
    static KEYS: OnceLock<(PrivateKey, PrivateKey, Address)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let payer = PrivateKey::from_bytes(&[0x11; 32]).unwrap();
        let forger = PrivateKey::from_bytes(&[0x22; 32]).unwrap();
        let payee = PrivateKey::from_bytes(&[0x33; 32]).unwrap().address();
        (payer, forger, payee)
    })
}

fn channel(nonce: u64) -> ChannelId {
    let (payer, _, payee) = keys();
    ChannelId::derive(&payer.address(), payee, &[5; 20], nonce)
}

fn earning(nonce: u64, budget: u128) -> Earning {
    Earning::new(channel(nonce), keys().0.address(), Amount(budget), Amount(1))
}

fn sign(key: &PrivateKey, voucher: Voucher) -> SignedVoucher {
    SignedVoucher { signature: key.sign_voucher(&voucher).unwrap(), voucher }
}

fn voucher(nonce: u64, seq: u64, cumulative: u128) -> Voucher {
    Voucher { channel: channel(nonce), seq, cumulative, expiry: NOW + VOUCHER_LIFETIME_SECS }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn a_forged_signature_is_never_accepted(nonce: u64, seq in 1u64.., cumulative in 1u128..1 << 100) {
        let mut e = earning(nonce, u128::MAX);
        let forged = sign(&keys().1, voucher(nonce, seq, cumulative));
        prop_assert!(e.accept(&forged, NOW, Amount(u128::MAX)).is_err());
        // A signature copied onto other terms recovers someone else.
        let genuine = sign(&keys().0, voucher(nonce, seq, cumulative));
        let altered = SignedVoucher { voucher: voucher(nonce, seq, cumulative + 1), ..genuine };
        prop_assert!(e.accept(&altered, NOW, Amount(u128::MAX)).is_err());
        prop_assert_eq!(e.promised(), Amount::ZERO);
    }

    #[test]
    fn replayed_and_decreasing_vouchers_are_refused(
        nonce: u64,
        first in 1u128..1 << 90,
        later_seq_offset in 0u64..3,
        smaller in 0u128..1 << 90,
    ) {
        let mut e = earning(nonce, u128::MAX);
        let v1 = sign(&keys().0, voucher(nonce, 5, first));
        prop_assert!(e.accept(&v1, NOW, Amount(u128::MAX)).is_ok());
        // The same voucher again, or any seq not after 5.
        prop_assert!(e.accept(&v1, NOW, Amount(u128::MAX)).is_err());
        let stale = sign(&keys().0, voucher(nonce, 5 - later_seq_offset, first + 1));
        prop_assert!(e.accept(&stale, NOW, Amount(u128::MAX)).is_err());
        // A later seq that does not promise more.
        let lower = sign(&keys().0, voucher(nonce, 6, smaller.min(first)));
        prop_assert!(e.accept(&lower, NOW, Amount(u128::MAX)).is_err());
        prop_assert_eq!(e.promised(), Amount(first));
    }

    #[test]
    fn a_voucher_for_another_channel_is_refused(nonce: u64, other: u64, cumulative in 1u128..1 << 100) {
        prop_assume!(nonce != other);
        let mut e = earning(nonce, u128::MAX);
        let foreign = sign(&keys().0, voucher(other, 1, cumulative));
        prop_assert!(e.accept(&foreign, NOW, Amount(u128::MAX)).is_err());
    }

    #[test]
    fn valid_vouchers_survive_the_wire_and_are_accepted_within_the_budget(
        nonce: u64,
        steps in proptest::collection::vec(1u128..1 << 60, 1..4),
        budget in 1u128..1 << 62,
    ) {
        let mut e = earning(nonce, budget);
        let mut cumulative = 0u128;
        for (i, step) in steps.iter().enumerate() {
            cumulative += step;
            let sent = SpeedMessage::Voucher(sign(&keys().0, voucher(nonce, i as u64 + 1, cumulative)));
            let SpeedMessage::Voucher(received) = SpeedMessage::decode(&sent.encode()).unwrap() else {
                unreachable!()
            };
            let result = e.accept(&received, NOW, Amount(u128::MAX));
            prop_assert_eq!(result.is_ok(), cumulative <= budget, "cumulative {} budget {}", cumulative, budget);
            if result.is_err() {
                break;
            }
        }
        prop_assert!(e.promised() <= Amount(budget));
    }
}
