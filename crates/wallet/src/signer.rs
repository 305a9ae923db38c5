//! Signing and recovery. A [`Signer`] needs one thing: sign a 32-byte prehash. Message
//! (TIP-191) and voucher signatures are built on that, so a hardware or remote signer
//! only implements the one method.

use std::fmt;
use std::str::FromStr;

use k256::ecdsa::{RecoveryId, VerifyingKey};
use sha3::Digest;

use crate::keys::PrivateKey;
use crate::voucher::{voucher_digest, Voucher};
use crate::{Address, Error, Result};

pub fn keccak256(data: &[u8]) -> [u8; 32] {
    sha3::Keccak256::digest(data).into()
}

/// A recoverable secp256k1 signature: r ‖ s ‖ v, with v ∈ {0, 1} and s in low form.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature([u8; 65]);

impl Signature {
    /// From 65 bytes. v may be 0/1 or the Ethereum-style 27/28 (TronWeb's
    /// `signMessageV2` output); it is stored as 0/1. A high s is refused, so every
    /// signature has one encoding.
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        let mut out: [u8; 65] = bytes.try_into().map_err(|_| Error::SignatureLength(bytes.len()))?;
        out[64] = match out[64] {
            v @ (0 | 1) => v,
            v @ (27 | 28) => v - 27,
            v => return Err(Error::SignatureRecoveryId(v)),
        };
        let sig = Self(out);
        let inner = sig.ecdsa()?;
        if inner.normalize_s() != inner {
            return Err(Error::SignatureInvalid);
        }
        Ok(sig)
    }

    /// From 130 hex digits (optional `0x`).
    pub fn from_hex(s: &str) -> Result<Self> {
        let s = s.trim();
        let s = s.strip_prefix("0x").unwrap_or(s);
        let bytes = hex::decode(s).map_err(|_| Error::SignatureHex)?;
        Self::from_slice(&bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 65] {
        &self.0
    }

    pub fn r(&self) -> [u8; 32] {
        self.0[..32].try_into().expect("32 of 65 bytes")
    }

    pub fn s(&self) -> [u8; 32] {
        self.0[32..64].try_into().expect("32 of 65 bytes")
    }

    /// The recovery id, 0 or 1.
    pub fn v(&self) -> u8 {
        self.0[64]
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    fn ecdsa(&self) -> Result<k256::ecdsa::Signature> {
        k256::ecdsa::Signature::from_slice(&self.0[..64]).map_err(|_| Error::SignatureInvalid)
    }

    /// The address whose key made this signature over `prehash`.
    pub fn recover(&self, prehash: &[u8; 32]) -> Result<Address> {
        let recid = RecoveryId::from_byte(self.v()).ok_or(Error::SignatureRecoveryId(self.v()))?;
        let key = VerifyingKey::recover_from_prehash(prehash, &self.ecdsa()?, recid)
            .map_err(|_| Error::SignatureInvalid)?;
        Ok(Address::from_public_key(&key))
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", self.to_hex())
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl FromStr for Signature {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::from_hex(s)
    }
}

/// Something that can sign for one TRON address.
pub trait Signer {
    /// Signs a 32-byte prehash as it is; no hashing is added.
    fn sign_prehash(&self, prehash: &[u8; 32]) -> Result<Signature>;

    /// The address this signer signs for. The default signs a fixed digest and recovers
    /// the address from it; key-holding signers override it with the address they know.
    fn address(&self) -> Result<Address> {
        let probe = keccak256(b"bidswarm signer address probe");
        self.sign_prehash(&probe)?.recover(&probe)
    }

    /// Signs a message the TIP-191 way (TronWeb's `signMessageV2`).
    fn sign_message(&self, message: &[u8]) -> Result<Signature> {
        self.sign_prehash(&message_digest(message))
    }

    /// Signs a bt_speed voucher (digest per [`voucher_digest`]).
    fn sign_voucher(&self, voucher: &Voucher) -> Result<Signature> {
        self.sign_prehash(&voucher_digest(voucher))
    }
}

impl Signer for PrivateKey {
    fn sign_prehash(&self, prehash: &[u8; 32]) -> Result<Signature> {
        // RFC 6979 deterministic nonce; k256 returns s in low form.
        let (sig, recid) = self.signing_key().sign_prehash_recoverable(prehash);
        let mut out = [0u8; 65];
        out[..64].copy_from_slice(&sig.to_bytes());
        out[64] = recid.to_byte();
        Ok(Signature(out))
    }

    fn address(&self) -> Result<Address> {
        Ok(PrivateKey::address(self))
    }
}

/// TIP-191: keccak256("\x19TRON Signed Message:\n" ‖ decimal byte length ‖ message).
pub fn message_digest(message: &[u8]) -> [u8; 32] {
    let mut hasher = sha3::Keccak256::new();
    hasher.update(b"\x19TRON Signed Message:\n");
    hasher.update(message.len().to_string().as_bytes());
    hasher.update(message);
    hasher.finalize().into()
}

/// The address that signed `prehash`.
pub fn recover_prehash(prehash: &[u8; 32], signature: &Signature) -> Result<Address> {
    signature.recover(prehash)
}

/// The address that signed `message` (TIP-191).
pub fn recover_message(message: &[u8], signature: &Signature) -> Result<Address> {
    signature.recover(&message_digest(message))
}

/// Ok when `address` signed `message` (TIP-191).
pub fn verify_message(address: &Address, message: &[u8], signature: &Signature) -> Result<()> {
    let actual = recover_message(message, signature)?;
    if actual != *address {
        return Err(Error::WrongSigner { expected: *address, actual });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> PrivateKey {
        PrivateKey::from_hex("9ab06d4ddc783eaedadb2b1967bf664f8c859f6635c416c67941d3766fdee6b2").unwrap()
    }

    #[test]
    fn a_signed_message_verifies_for_its_signer_only() {
        let k = key();
        let sig = k.sign_message(b"hello bidswarm").unwrap();
        verify_message(&k.address(), b"hello bidswarm", &sig).unwrap();
        assert!(matches!(
            verify_message(&k.address(), b"hello bidswarn", &sig),
            Err(Error::WrongSigner { .. })
        ));
    }

    #[test]
    fn ethereum_style_v_is_accepted_and_normalized() {
        let k = key();
        let sig = k.sign_message(b"m").unwrap();
        let mut bytes = *sig.as_bytes();
        bytes[64] += 27;
        assert_eq!(Signature::from_slice(&bytes).unwrap(), sig);
        bytes[64] = 2;
        assert!(matches!(Signature::from_slice(&bytes), Err(Error::SignatureRecoveryId(2))));
        assert!(matches!(Signature::from_slice(&bytes[..64]), Err(Error::SignatureLength(64))));
    }

    #[test]
    fn the_default_address_method_recovers_the_key_address() {
        struct Remote(PrivateKey);
        impl Signer for Remote {
            fn sign_prehash(&self, prehash: &[u8; 32]) -> Result<Signature> {
                self.0.sign_prehash(prehash)
            }
        }
        let k = key();
        assert_eq!(Remote(k.clone()).address().unwrap(), k.address());
    }

    #[test]
    fn the_tip191_prefix_counts_bytes_in_decimal() {
        let mut expected = b"\x19TRON Signed Message:\n12".to_vec();
        expected.extend_from_slice(b"hello, world");
        assert_eq!(message_digest(b"hello, world"), keccak256(&expected));
    }
}
