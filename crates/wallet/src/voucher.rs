//! bt_speed vouchers: cumulative promises from a payer to a payee on one channel.
//!
//! The signed digest (DESIGN "Vouchers"; docs/PROTOCOL.md pins it for the wire):
//!
//! ```text
//! keccak256( 0x19 0x00 ‖ "BIDSWARM-VOUCHER-v1" ‖ channel (16 bytes)
//!            ‖ seq (u64 BE) ‖ cumulative (u128 BE, base units) ‖ expiry (u64 BE, unix s) )
//! ```
//!
//! Every field has a fixed width, so no two vouchers share an encoding. The leading 0x19
//! cannot start a TRON transaction's protobuf `raw_data` (0x19 would be field 3 as a
//! fixed64, and `raw`'s field 3 is a varint), and the 0x00 version byte keeps it apart from TIP-191
//! messages (`0x19 'T'…`), so a voucher signature can be replayed as neither.

use std::fmt;
use std::str::FromStr;

use sha3::Digest;

use crate::signer::Signature;
use crate::{Address, Error, Result};

/// The bytes every voucher digest starts with.
pub const VOUCHER_DOMAIN: &[u8] = b"\x19\x00BIDSWARM-VOUCHER-v1";

/// A payment channel's 16-byte id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChannelId(pub [u8; 16]);

impl ChannelId {
    /// The id of the channel from `payer` to `payee` for one torrent:
    /// keccak256("BIDSWARM-CHANNEL-v1" ‖ payer (21) ‖ payee (21) ‖ info_hash (20) ‖
    /// nonce (u64 BE)), first 16 bytes. A fresh nonce gives a fresh channel, so a
    /// restarted download never reuses old sequence numbers.
    pub fn derive(payer: &Address, payee: &Address, info_hash: &[u8; 20], nonce: u64) -> Self {
        let mut h = sha3::Keccak256::new();
        h.update(b"BIDSWARM-CHANNEL-v1");
        h.update(payer.as_bytes());
        h.update(payee.as_bytes());
        h.update(info_hash);
        h.update(nonce.to_be_bytes());
        let digest: [u8; 32] = h.finalize().into();
        let mut id = [0u8; 16];
        id.copy_from_slice(&digest[..16]);
        Self(id)
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChannelId({})", self.to_hex())
    }
}

impl fmt::Display for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl FromStr for ChannelId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let mut id = [0u8; 16];
        hex::decode_to_slice(s, &mut id).map_err(|_| Error::Corrupt("channel id is not 32 hex digits"))?;
        Ok(Self(id))
    }
}

/// A cumulative promise: on `channel`, the payer owes the payee `cumulative` base units
/// in total, as of the `seq`-th voucher, claimable until `expiry` (unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Voucher {
    pub channel: ChannelId,
    pub seq: u64,
    /// BTT base units (18 decimals), the total promised so far on this channel.
    pub cumulative: u128,
    /// Unix time in seconds after which the payee may no longer rely on it.
    pub expiry: u64,
}

impl Voucher {
    /// The 83 bytes that are hashed: [`VOUCHER_DOMAIN`] and every field in fixed width.
    pub fn signing_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(VOUCHER_DOMAIN.len() + 16 + 8 + 16 + 8);
        out.extend_from_slice(VOUCHER_DOMAIN);
        out.extend_from_slice(&self.channel.0);
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.cumulative.to_be_bytes());
        out.extend_from_slice(&self.expiry.to_be_bytes());
        out
    }

    pub fn digest(&self) -> [u8; 32] {
        voucher_digest(self)
    }
}

/// The 32 bytes a voucher signature signs.
pub fn voucher_digest(voucher: &Voucher) -> [u8; 32] {
    crate::keccak256(&voucher.signing_bytes())
}

/// The address that signed `voucher`. The caller compares it with the channel's payer:
/// a valid signature by someone else is not a payment.
pub fn verify_voucher(voucher: &Voucher, signature: &Signature) -> Result<Address> {
    signature.recover(&voucher_digest(voucher))
}

/// Ok when `payer` signed `voucher`.
pub fn verify_voucher_from(payer: &Address, voucher: &Voucher, signature: &Signature) -> Result<()> {
    let actual = verify_voucher(voucher, signature)?;
    if actual != *payer {
        return Err(Error::WrongSigner { expected: *payer, actual });
    }
    Ok(())
}

/// A voucher with its signature, as it travels in a bt_speed `voucher` message. Nothing
/// about it is checked yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedVoucher {
    pub voucher: Voucher,
    pub signature: Signature,
}

impl SignedVoucher {
    /// Recovers the signer once; the result carries it, so nothing downstream (the ledger)
    /// recovers it again.
    pub fn verify(&self) -> Result<VerifiedVoucher> {
        let signer = verify_voucher(&self.voucher, &self.signature)?;
        Ok(VerifiedVoucher { signed: *self, signer })
    }
}

/// A voucher whose signer is known: recovered from its signature by
/// [`SignedVoucher::verify`], or ours, signed by [`VerifiedVoucher::sign`]. No other code
/// makes one, so holding one means the signature was checked (or made) by this process.
/// Whether the signer is the channel's payer is the holder's question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifiedVoucher {
    signed: SignedVoucher,
    signer: Address,
}

impl VerifiedVoucher {
    /// Signs `voucher` with `key`: the signer is the key's address.
    pub fn sign(key: &dyn crate::Signer, voucher: Voucher) -> Result<Self> {
        let signature = key.sign_voucher(&voucher)?;
        Ok(Self { signed: SignedVoucher { voucher, signature }, signer: key.address()? })
    }

    pub fn signed(&self) -> &SignedVoucher {
        &self.signed
    }

    pub fn voucher(&self) -> &Voucher {
        &self.signed.voucher
    }

    pub fn signer(&self) -> Address {
        self.signer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PrivateKey, Signer};

    #[test]
    fn a_verified_voucher_names_who_signed_it_and_a_tampered_one_names_someone_else() {
        let key = PrivateKey::from_bytes(&[3u8; 32]).unwrap();
        let voucher = Voucher { channel: ChannelId([1; 16]), seq: 1, cumulative: 500, expiry: 1_900_000_000 };
        let ours = VerifiedVoucher::sign(&key, voucher).unwrap();
        assert_eq!(ours.signer(), key.address());
        assert_eq!(ours.signed().verify().unwrap(), ours, "what we sign verifies as ours");
        let tampered = SignedVoucher { voucher: Voucher { cumulative: 5_000, ..voucher }, ..*ours.signed() };
        assert_ne!(tampered.verify().map(|v| v.signer()).ok(), Some(key.address()));
    }

    #[test]
    fn signing_bytes_are_the_domain_and_fixed_width_fields() {
        let v = Voucher { channel: ChannelId([0xAB; 16]), seq: 2, cumulative: 3, expiry: 4 };
        let bytes = v.signing_bytes();
        assert_eq!(bytes.len(), 21 + 16 + 8 + 16 + 8);
        assert_eq!(&bytes[..2], &[0x19, 0x00]);
        assert_eq!(&bytes[2..21], b"BIDSWARM-VOUCHER-v1");
        assert_eq!(&bytes[21..37], &[0xAB; 16]);
        assert_eq!(bytes[44], 2);
        assert_eq!(bytes[60], 3);
        assert_eq!(bytes[68], 4);
        // Pinned so a change to the encoding cannot pass unnoticed.
        assert_eq!(hex::encode(v.digest()), hex::encode(crate::keccak256(&bytes)));
    }

    #[test]
    fn a_voucher_verifies_for_its_payer_only() {
        let payer = PrivateKey::from_bytes(&[1u8; 32]).unwrap();
        let other = PrivateKey::from_bytes(&[2u8; 32]).unwrap();
        let v = Voucher {
            channel: ChannelId::derive(&payer.address(), &other.address(), &[9; 20], 1),
            seq: 1,
            cumulative: 10u128.pow(18),
            expiry: 1_900_000_000,
        };
        let sig = payer.sign_voucher(&v).unwrap();
        assert_eq!(verify_voucher(&v, &sig).unwrap(), payer.address());
        verify_voucher_from(&payer.address(), &v, &sig).unwrap();
        assert!(verify_voucher_from(&other.address(), &v, &sig).is_err());
        let more = Voucher { cumulative: v.cumulative + 1, ..v };
        assert_ne!(verify_voucher(&more, &sig).ok(), Some(payer.address()));
    }
}
