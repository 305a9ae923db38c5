//! Property tests: signatures round-trip, addresses catch every typo, vouchers are bound
//! to their channel.

#![allow(clippy::unwrap_used)] // a test: a failure here should panic

use bidswarm_wallet::{
    recover_prehash, verify_voucher, Address, AddressError, ChannelId, PrivateKey, Signer, Voucher,
};
use proptest::prelude::*;

const BASE58_ALPHABET: &str = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

fn key_strategy() -> impl Strategy<Value = PrivateKey> {
    // Nearly every 32-byte string is a valid key; the rare zero or too-large one is
    // filtered out.
    any::<[u8; 32]>().prop_filter_map("valid secp256k1 scalar", |b| PrivateKey::from_bytes(&b).ok())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn sign_then_recover_gives_the_signer(key in key_strategy(), prehash in any::<[u8; 32]>()) {
        let sig = key.sign_prehash(&prehash).unwrap();
        prop_assert!(sig.v() <= 1);
        prop_assert_eq!(recover_prehash(&prehash, &sig).unwrap(), key.address());
        // Through the 65 bytes and back.
        let again = bidswarm_wallet::Signature::from_slice(sig.as_bytes()).unwrap();
        prop_assert_eq!(again, sig);
    }

    #[test]
    fn signed_messages_recover_their_signer(key in key_strategy(), msg in proptest::collection::vec(any::<u8>(), 0..200)) {
        let sig = key.sign_message(&msg).unwrap();
        bidswarm_wallet::verify_message(&key.address(), &msg, &sig).unwrap();
    }

    /// Every single-character change of an address, at every position and to every other
    /// base58 character, is refused.
    #[test]
    fn every_single_character_change_is_rejected(evm in any::<[u8; 20]>()) {
        let address = Address::from_evm_bytes(evm);
        let text = address.to_base58();
        prop_assert_eq!(text.len(), 34);
        prop_assert_eq!(Address::from_base58(&text).unwrap(), address);
        for (i, original) in text.char_indices() {
            for c in BASE58_ALPHABET.chars().filter(|&c| c != original) {
                let mut changed = text.clone();
                changed.replace_range(i..i + 1, c.encode_utf8(&mut [0; 4]));
                prop_assert!(
                    Address::from_base58(&changed).is_err(),
                    "{} accepted", changed
                );
            }
            // And a character outside the alphabet is named as such.
            let mut changed = text.clone();
            changed.replace_range(i..i + 1, "0");
            prop_assert_eq!(
                Address::from_base58(&changed),
                Err(AddressError::NotBase58 { character: '0', index: i })
            );
        }
    }

    #[test]
    fn a_voucher_for_one_channel_does_not_verify_for_another(
        key in key_strategy(),
        channel in any::<[u8; 16]>(),
        other in any::<[u8; 16]>(),
        seq in any::<u64>(),
        cumulative in any::<u128>(),
        expiry in any::<u64>(),
    ) {
        prop_assume!(channel != other);
        let voucher = Voucher { channel: ChannelId(channel), seq, cumulative, expiry };
        let sig = key.sign_voucher(&voucher).unwrap();
        prop_assert_eq!(verify_voucher(&voucher, &sig).unwrap(), key.address());
        let moved = Voucher { channel: ChannelId(other), ..voucher };
        // Recovery over another digest yields some other key, or fails.
        prop_assert_ne!(verify_voucher(&moved, &sig).ok(), Some(key.address()));
    }
}
