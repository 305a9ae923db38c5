//! The worked example in docs/PROTOCOL.md §7, pinned: if any of these bytes change, the
//! spec and every other implementation break with them.

#![allow(clippy::unwrap_used)]

use bidswarm_speed::message::{SignedVoucher, SpeedMessage};
use bidswarm_wallet::{verify_voucher, ChannelId, PrivateKey, Signer, Voucher};

#[test]
fn the_worked_example_in_protocol_md() {
    let payer = PrivateKey::from_bytes(&[0x11; 32]).unwrap();
    let payee = PrivateKey::from_bytes(&[0x22; 32]).unwrap();
    let info_hash = [0xab; 20];
    let channel = ChannelId::derive(&payer.address(), &payee.address(), &info_hash, 7);
    let voucher = Voucher { channel, seq: 1, cumulative: 1_500_000_000_000_000_000, expiry: 1_800_000_000 };
    let signature = payer.sign_voucher(&voucher).unwrap();
    let wire = SpeedMessage::Voucher(SignedVoucher { voucher, signature }).encode();
    if std::env::var_os("PRINT_EXAMPLE").is_some() {
        println!("payer   {}", payer.address());
        println!("payee   {}", payee.address());
        println!("channel {}", channel);
        println!("signing {}", hex::encode(voucher.signing_bytes()));
        println!("digest  {}", hex::encode(voucher.digest()));
        println!("sig     {}", signature.to_hex());
        println!("wire    {}", hex::encode(&wire));
    }
    assert_eq!(verify_voucher(&voucher, &signature).unwrap(), payer.address());
    assert_eq!(payer.address().to_string(), PAYER);
    assert_eq!(payee.address().to_string(), PAYEE);
    assert_eq!(channel.to_string(), CHANNEL);
    assert_eq!(hex::encode(voucher.signing_bytes()), SIGNING_BYTES);
    assert_eq!(hex::encode(voucher.digest()), DIGEST);
    assert_eq!(signature.to_hex(), SIGNATURE);
    assert_eq!(hex::encode(&wire), WIRE);
}

const PAYER: &str = "TCLBgkbfVkJroVBJVqBEsxtPNQEQMTQCLQ";
const PAYEE: &str = "TBvJUBXorwBPzqvV38vjDgegj5Eh6g2Tsq";
const CHANNEL: &str = "ab4e6a70507c6ef1ce1e4638788ce638";
const SIGNING_BYTES: &str = "1900424944535741524d2d564f55434845522d7631ab4e6a70507c6ef1ce1e4638788ce6380000000000000001000000000000000014d1120d7b160000000000006b49d200";
const DIGEST: &str = "419a9dbb098a27481c4ea22f76fdbc780fe17fcff0cc4e1fc833efe5cd48837f";
const SIGNATURE: &str = "db3ef3da982c1b1d950d5d57ad190d1d046f5fe73896412408cf4a3c3789b96b043902874ca583831ae20ec762f4d286ec3080e6ae2db567163fc4336fba38f500";
const WIRE: &str = "64373a6368616e6e656c31363aab4e6a70507c6ef1ce1e4638788ce63831303a63756d756c617469766531363a000000000000000014d1120d7b160000363a657870697279693138303030303030303065333a736571693165333a73696736353adb3ef3da982c1b1d950d5d57ad190d1d046f5fe73896412408cf4a3c3789b96b043902874ca583831ae20ec762f4d286ec3080e6ae2db567163fc4336fba38f500313a74373a766f756368657265";
