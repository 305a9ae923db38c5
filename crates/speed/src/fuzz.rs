//! The checks the fuzz targets in `crates/speed/fuzz` run on every input. `cargo test`
//! runs the same checks on the seeds and a few thousand seeded pseudo-random inputs, so a
//! broken promise shows up in `make test` long before a fuzzing run (docs/FUZZING.md).
//!
//! The attacker is any peer: it sends a `bt_speed` payload of its choosing, and the
//! voucher in it carries a signature it made up.

use bidswarm_wallet::{verify_voucher, ChannelId, Signature, Voucher};

use crate::channel::{Earning, MIN_VOUCHER_LIFETIME_SECS};
use crate::message::{SignedVoucher, SpeedMessage, MAX_NONCE, MAX_PAYLOAD};
use crate::Amount;

/// Bytes before the signature in a [`voucher`] input: channel, seq, cumulative, expiry.
pub const VOUCHER_FIELDS_LEN: usize = 16 + 8 + 16 + 8;

/// A `bt_speed` payload: decoding never panics, and a message that decodes encodes to at
/// most [`MAX_PAYLOAD`] bytes that decode to the same message and encode to the same bytes.
pub fn speed_message(payload: &[u8]) {
    let Ok(message) = SpeedMessage::decode(payload) else { return };
    let bytes = message.encode();
    assert!(bytes.len() <= MAX_PAYLOAD, "{message:?} encodes to {} bytes", bytes.len());
    let again = SpeedMessage::decode(&bytes).expect("what we encode decodes");
    assert_eq!(again, message, "decode(encode(m)) != m");
    assert_eq!(again.encode(), bytes, "encoding is not canonical");
    if let SpeedMessage::Voucher(signed) = &message {
        signed_voucher(signed);
    }
}

/// A voucher as its fixed-width fields (big-endian, [`VOUCHER_FIELDS_LEN`] bytes) and then
/// the signature, so the fuzzer reaches signature parsing and signer recovery without
/// first having to learn bencode. Nothing panics, the signature has one encoding, and a
/// voucher that can go on the wire comes back from it unchanged.
///
/// The attacker is a payer with a made-up signature, or someone else's.
pub fn voucher(bytes: &[u8]) {
    let Some((fields, signature)) = bytes.split_at_checked(VOUCHER_FIELDS_LEN) else { return };
    let (channel, rest) = fields.split_at(16);
    let (seq, rest) = rest.split_at(8);
    let (cumulative, expiry) = rest.split_at(16);
    // Each slice has the width of its field, by the splits above.
    let voucher = Voucher {
        channel: ChannelId(channel.try_into().expect("16 bytes")),
        seq: u64::from_be_bytes(seq.try_into().expect("8 bytes")),
        cumulative: u128::from_be_bytes(cumulative.try_into().expect("16 bytes")),
        expiry: u64::from_be_bytes(expiry.try_into().expect("8 bytes")),
    };
    let Ok(signature) = Signature::from_slice(signature) else { return };
    assert_eq!(Signature::from_slice(signature.as_bytes()).ok(), Some(signature), "two encodings");
    let signed = SignedVoucher { voucher, signature };
    signed_voucher(&signed);

    // The wire carries seq and expiry as bencode integers of at most 18 digits (the
    // guard in `bidswarm_peerwire::decode_bencode`), and seq from 1.
    let on_wire = (1..MAX_NONCE).contains(&voucher.seq) && voucher.expiry < MAX_NONCE;
    if on_wire {
        let message = SpeedMessage::Voucher(signed);
        let bytes = message.encode();
        assert_eq!(SpeedMessage::decode(&bytes).ok(), Some(message), "a voucher changed on the wire");
        speed_message(&bytes);
    }
}

/// Recovering the signer never panics, and a payee whose payer is that signer takes the
/// voucher exactly when it raises the promise and lives long enough. Each recovery costs
/// about as much as all the rest of the check, so it recovers twice, not more.
fn signed_voucher(signed: &SignedVoucher) {
    let voucher = &signed.voucher;
    let Ok(signer) = verify_voucher(voucher, &signed.signature) else { return };
    let mut payee = Earning::new(voucher.channel, signer, Amount(u128::MAX), Amount(1));
    let taken = payee.accept(signed, 0, Amount(u128::MAX));
    let should_take =
        voucher.seq > 0 && voucher.cumulative > 0 && voucher.expiry >= MIN_VOUCHER_LIFETIME_SECS;
    assert_eq!(taken.is_ok(), should_take, "{voucher:?}: {taken:?}");
    if should_take {
        assert_eq!(payee.promised(), Amount(voucher.cumulative));
    }
}

#[cfg(test)]
mod tests {
    //! The short run of the fuzz targets: seeds and regressions, then seeded mutations.
    use bidswarm_peerwire::fuzz::mutate;
    use bidswarm_wallet::{PrivateKey, Signer};
    use rand::{rngs::StdRng, SeedableRng as _};

    use super::*;

    /// The bytes that give a `bt_speed` payload its shape, and a byte's two extremes.
    const ALPHABET: &[u8] = b"0123456789:deil-\x00\xff";

    fn signed_voucher_bytes() -> Vec<u8> {
        let payer = PrivateKey::from_bytes(&[7u8; 32]).expect("a valid key");
        let v = Voucher {
            channel: ChannelId([3; 16]),
            seq: 5,
            cumulative: 10u128.pow(18),
            expiry: 1_900_000_000,
        };
        let mut bytes = v.channel.0.to_vec();
        bytes.extend_from_slice(&v.seq.to_be_bytes());
        bytes.extend_from_slice(&v.cumulative.to_be_bytes());
        bytes.extend_from_slice(&v.expiry.to_be_bytes());
        bytes.extend_from_slice(payer.sign_voucher(&v).expect("signs").as_bytes());
        bytes
    }

    #[test]
    fn speed_messages_survive_the_fuzz_check() {
        let mut seeds: Vec<Vec<u8>> =
            crate::message::tests::samples().iter().map(|m| m.encode().to_vec()).collect();
        seeds.push(b"d1:t5:error4:codei-9e3:msg0:e".to_vec());
        seeds.extend(crate::message::tests::REGRESSIONS.iter().map(|r| r.to_vec()));
        let mut rng = StdRng::seed_from_u64(0x5eed_0001);
        for seed in &seeds {
            speed_message(seed);
            for _ in 0..400 {
                speed_message(&mutate(&mut rng, seed, ALPHABET));
            }
        }
    }

    #[test]
    fn vouchers_survive_the_fuzz_check() {
        let signed = signed_voucher_bytes();
        voucher(&signed);
        voucher(&[]);
        // Found by the voucher target: a signature holding 51 bytes in '0'..='9' made the
        // peer wire's number guard refuse the whole message.
        voucher(&hex::decode("0303030303030303030303710000400400000005000000000000040000000000000000000000000000000000000c0d0e0f363636363636363636363636363636363636363636363636363636363636363636363636363636363636363636363636363636363610c9677b05461d1e1f0000").expect("hex"));
        voucher(&[0xff; VOUCHER_FIELDS_LEN + 65]);
        let mut rng = StdRng::seed_from_u64(0x5eed_0002);
        for _ in 0..600 {
            voucher(&mutate(&mut rng, &signed, ALPHABET));
        }
    }

    #[test]
    fn a_voucher_signed_by_the_payer_is_accepted_through_the_fuzz_path() {
        // The fuzz check must reach recovery for real signatures, or it proves nothing.
        let bytes = signed_voucher_bytes();
        let (fields, sig) = bytes.split_at(VOUCHER_FIELDS_LEN);
        let signature = Signature::from_slice(sig).expect("a real signature parses");
        let voucher = Voucher {
            channel: ChannelId(fields[..16].try_into().expect("16")),
            seq: 5,
            cumulative: 10u128.pow(18),
            expiry: 1_900_000_000,
        };
        let payer = PrivateKey::from_bytes(&[7u8; 32]).expect("a valid key").address();
        assert_eq!(verify_voucher(&voucher, &signature).ok(), Some(payer));
        let signed = SignedVoucher { voucher, signature };
        let someone_else = PrivateKey::from_bytes(&[8u8; 32]).expect("a valid key").address();
        let mut payee = Earning::new(voucher.channel, someone_else, Amount(u128::MAX), Amount(1));
        assert!(payee.accept(&signed, 0, Amount(u128::MAX)).is_err(), "a voucher by the wrong payer");
        signed_voucher(&signed);
    }
}
