//! TRON addresses: 0x41 followed by the last 20 bytes of keccak256 of the uncompressed
//! public key (without its 0x04 byte). Shown as base58check (`T…`, 34 characters) or as
//! 42 hex digits starting with `41`.

use std::fmt;
use std::str::FromStr;

use k256::ecdsa::VerifyingKey;

/// A TRON account or contract address. Always carries the 0x41 mainnet prefix: the type
/// cannot hold anything else.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address([u8; 21]);

/// Why a string is not a TRON address. Each says which check failed, so the UI can tell a
/// typo (checksum) from a pasted Ethereum or Bitcoin address (prefix, length).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddressError {
    #[error("not a TRON address: character {index} ('{character}') is not base58")]
    NotBase58 { character: char, index: usize },
    #[error("not a TRON address: it decodes to {len} bytes, a TRON address has 21")]
    Length { len: usize },
    #[error("not a TRON address: the checksum does not match, so a character is wrong")]
    Checksum,
    #[error("not a TRON address: it starts with byte 0x{prefix:02x}, TRON addresses start with 0x41 (T…)")]
    Prefix { prefix: u8 },
    #[error("not a TRON address: hex addresses are 42 hex digits starting with 41")]
    NotHex,
}

impl Address {
    /// The first byte of every TRON address.
    pub const PREFIX: u8 = 0x41;

    /// From the 21 raw bytes, checking the prefix.
    pub fn from_bytes(bytes: [u8; 21]) -> Result<Self, AddressError> {
        if bytes[0] != Self::PREFIX {
            return Err(AddressError::Prefix { prefix: bytes[0] });
        }
        Ok(Self(bytes))
    }

    /// For constants; the prefix is checked at compile time.
    pub(crate) const fn from_known(bytes: [u8; 21]) -> Self {
        assert!(bytes[0] == Self::PREFIX);
        Self(bytes)
    }

    /// From a slice that must be exactly 21 bytes with the 0x41 prefix.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, AddressError> {
        let array: [u8; 21] = bytes.try_into().map_err(|_| AddressError::Length { len: bytes.len() })?;
        Self::from_bytes(array)
    }

    /// From the 20-byte account id, as it appears in an ABI-encoded `address` argument.
    pub fn from_evm_bytes(bytes: [u8; 20]) -> Self {
        let mut out = [0u8; 21];
        out[0] = Self::PREFIX;
        out[1..].copy_from_slice(&bytes);
        Self(out)
    }

    /// The address of a public key.
    pub fn from_public_key(key: &VerifyingKey) -> Self {
        let point = key.to_sec1_point(false);
        let uncompressed = point.as_bytes();
        // SEC1 uncompressed: 0x04 ‖ x ‖ y; TRON hashes x ‖ y.
        let hash = crate::keccak256(&uncompressed[1..]);
        let mut evm = [0u8; 20];
        evm.copy_from_slice(&hash[12..]);
        Self::from_evm_bytes(evm)
    }

    pub fn as_bytes(&self) -> &[u8; 21] {
        &self.0
    }

    /// The 20 bytes after the prefix.
    pub fn evm_bytes(&self) -> [u8; 20] {
        let mut out = [0u8; 20];
        out.copy_from_slice(&self.0[1..]);
        out
    }

    /// Parses `T…` base58check. Checks, in order: the alphabet, the length, the
    /// checksum, the prefix.
    pub fn from_base58(s: &str) -> Result<Self, AddressError> {
        let raw = bs58::decode(s).into_vec().map_err(base58_error)?;
        if raw.len() != 25 {
            // 21 payload bytes and a 4-byte checksum; report the payload length.
            return Err(AddressError::Length { len: raw.len().saturating_sub(4) });
        }
        let payload = bs58::decode(s).with_check(None).into_vec().map_err(base58_error)?;
        Self::from_slice(&payload)
    }

    pub fn to_base58(&self) -> String {
        bs58::encode(self.0).with_check().into_string()
    }

    /// Parses 42 hex digits starting with `41` (an optional `0x` is accepted).
    pub fn from_hex(s: &str) -> Result<Self, AddressError> {
        let s = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).unwrap_or(s);
        let bytes = hex::decode(s).map_err(|_| AddressError::NotHex)?;
        Self::from_slice(&bytes)
    }

    /// 42 lowercase hex digits, starting with `41`: the node's form with `visible: false`.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

fn base58_error(e: bs58::decode::Error) -> AddressError {
    match e {
        bs58::decode::Error::InvalidCharacter { character, index } => {
            AddressError::NotBase58 { character, index }
        }
        bs58::decode::Error::NonAsciiCharacter { index } => AddressError::NotBase58 { character: '?', index },
        bs58::decode::Error::InvalidChecksum { .. } => AddressError::Checksum,
        _ => AddressError::Length { len: 0 },
    }
}

/// Accepts either form: 42 hex digits starting with `41`, or base58check.
impl FromStr for Address {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let bare = s.strip_prefix("0x").unwrap_or(s);
        if bare.len() == 42 && bare.bytes().all(|b| b.is_ascii_hexdigit()) {
            Self::from_hex(bare)
        } else {
            Self::from_base58(s)
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base58())
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({})", self.to_base58())
    }
}

impl serde::Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_base58())
    }
}

impl<'de> serde::Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE58: &str = "TEmH6bFE8FahLDTJwZqfAVuB7CaxjvPmZV";
    const HEX: &str = "4134970e58155b49379b5a1fdd9f06949ef6bbdf58";

    #[test]
    fn both_forms_name_the_same_address() {
        let a: Address = BASE58.parse().unwrap();
        let b: Address = HEX.parse().unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_hex(), HEX);
        assert_eq!(b.to_string(), BASE58);
    }

    #[test]
    fn each_check_has_its_own_error() {
        assert!(matches!(
            Address::from_base58("TEmH6bFE8FahLDTJwZqfAVuB7Caxjv0mZV"),
            Err(AddressError::NotBase58 { character: '0', index: 30 })
        ));
        assert!(matches!(
            Address::from_base58("TEmH6bFE8FahLDTJwZqfAVuB7CaxjvPmZW"),
            Err(AddressError::Checksum)
        ));
        // A Bitcoin address: valid base58check, 21 bytes, prefix 0x00.
        assert_eq!(
            Address::from_base58("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"),
            Err(AddressError::Prefix { prefix: 0 })
        );
        assert!(matches!(Address::from_base58("TEmH6bFE8FahLDTJwZqf"), Err(AddressError::Length { .. })));
        assert_eq!(
            Address::from_hex("0034970e58155b49379b5a1fdd9f06949ef6bbdf58"),
            Err(AddressError::Prefix { prefix: 0 })
        );
        assert_eq!(Address::from_hex("41zz"), Err(AddressError::NotHex));
        // An Ethereum address is 20 bytes.
        assert_eq!(
            Address::from_hex("0x34970e58155b49379b5a1fdd9f06949ef6bbdf58"),
            Err(AddressError::Length { len: 20 })
        );
    }

    #[test]
    fn serde_uses_base58() {
        let a: Address = BASE58.parse().unwrap();
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, format!("\"{BASE58}\""));
        assert_eq!(serde_json::from_str::<Address>(&json).unwrap(), a);
    }
}
