//! Keys: BIP-39 recovery phrases, the TRON key at m/44'/195'/0'/0/N (BIP-44, coin type
//! 195), and raw private keys. Every type here zeroizes on drop and its `Debug` shows no
//! secret.

use std::fmt;

use k256::ecdsa::SigningKey;
use zeroize::Zeroizing;

use crate::{Address, Error, Result};

/// How many words a new recovery phrase has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordCount {
    /// 128 bits of entropy.
    Twelve,
    /// 256 bits of entropy.
    TwentyFour,
}

impl WordCount {
    fn entropy_bytes(self) -> usize {
        match self {
            WordCount::Twelve => 16,
            WordCount::TwentyFour => 32,
        }
    }
}

/// A BIP-39 recovery phrase (English word list), with its checksum checked.
pub struct Mnemonic(bip39::Mnemonic);

impl Mnemonic {
    /// A new phrase from the OS random source.
    pub fn generate(words: WordCount) -> Result<Self> {
        let mut entropy = Zeroizing::new([0u8; 32]);
        let entropy = &mut entropy[..words.entropy_bytes()];
        getrandom::fill(entropy).map_err(|_| Error::Derivation)?;
        Self::from_entropy(entropy)
    }

    /// Parses a phrase the user typed: case and runs of whitespace do not matter. Only 12
    /// and 24 words are accepted, and the checksum must match.
    pub fn parse(phrase: &str) -> Result<Self> {
        let normalized =
            Zeroizing::new(phrase.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>().join(" "));
        let count = normalized.split(' ').filter(|w| !w.is_empty()).count();
        if count != 12 && count != 24 {
            return Err(Error::MnemonicWordCount(count));
        }
        bip39::Mnemonic::parse_in_normalized(bip39::Language::English, &normalized).map(Self).map_err(|e| {
            match e {
                // bip39 counts words from 0; people count from 1.
                bip39::Error::UnknownWord(i) => Error::MnemonicUnknownWord(i + 1),
                bip39::Error::BadWordCount(n) => Error::MnemonicWordCount(n),
                bip39::Error::InvalidChecksum => Error::MnemonicChecksum,
                _ => Error::MnemonicInvalid,
            }
        })
    }

    pub(crate) fn from_entropy(entropy: &[u8]) -> Result<Self> {
        bip39::Mnemonic::from_entropy(entropy).map(Self).map_err(|_| Error::MnemonicInvalid)
    }

    pub(crate) fn entropy(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.0.to_entropy())
    }

    pub fn word_count(&self) -> usize {
        self.0.word_count()
    }

    /// The words, separated by single spaces.
    ///
    /// # Security
    /// This is the whole wallet. Show it only to the user who asked for it, behind the
    /// password, and never log it.
    pub fn phrase(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::new());
        for (i, word) in self.0.words().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(word);
        }
        out
    }

    /// The TRON key at m/44'/195'/0'/0/`index`, from this phrase and a BIP-39 passphrase
    /// (empty for none). Runs PBKDF2 with 2048 rounds: call it off the async runtime.
    pub fn derive(&self, passphrase: &str, index: u32) -> Result<PrivateKey> {
        if index >= 0x8000_0000 {
            return Err(Error::AccountIndex(index));
        }
        let seed = Zeroizing::new(self.0.to_seed(passphrase));
        let path: bip32::DerivationPath =
            format!("m/44'/195'/0'/0/{index}").parse().map_err(|_| Error::Derivation)?;
        let xprv = bip32::XPrv::derive_from_path(&seed[..], &path).map_err(|_| Error::Derivation)?;
        // The extended key zeroizes itself on drop; we keep a copy of the signing key only.
        Ok(PrivateKey::from_signing_key(xprv.private_key().clone()))
    }
}

impl fmt::Debug for Mnemonic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mnemonic({} words)", self.word_count())
    }
}

/// A secp256k1 private key. It zeroizes on drop (k256's `SigningKey` does), and `Debug`
/// shows only its address.
#[derive(Clone)]
pub struct PrivateKey {
    key: SigningKey,
    address: Address,
}

impl PrivateKey {
    /// From 32 big-endian bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let key = SigningKey::from_slice(bytes).map_err(|_| Error::InvalidPrivateKey)?;
        Ok(Self::from_signing_key(key))
    }

    /// From 64 hex digits (an optional `0x` is accepted; surrounding whitespace too, as
    /// keys are often pasted from files).
    pub fn from_hex(s: &str) -> Result<Self> {
        let s = s.trim();
        let s = s.strip_prefix("0x").unwrap_or(s);
        if s.len() != 64 {
            return Err(Error::InvalidPrivateKey);
        }
        let mut bytes = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(s, &mut bytes[..]).map_err(|_| Error::InvalidPrivateKey)?;
        Self::from_bytes(&bytes[..])
    }

    fn from_signing_key(key: SigningKey) -> Self {
        let address = Address::from_public_key(key.verifying_key());
        Self { key, address }
    }

    pub fn address(&self) -> Address {
        self.address
    }

    /// The uncompressed SEC1 public key: 0x04 ‖ x ‖ y.
    pub fn public_key_uncompressed(&self) -> [u8; 65] {
        let point = self.key.verifying_key().to_sec1_point(false);
        let mut out = [0u8; 65];
        out.copy_from_slice(point.as_bytes());
        out
    }

    /// The 32 key bytes.
    ///
    /// # Security
    /// Whoever has these bytes owns the account. Use them only to seal them into the
    /// keystore or to show them to the user on request; never log them.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(&self.key.to_bytes());
        out
    }

    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.key
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey").field("address", &self.address).finish_non_exhaustive()
    }
}

/// What a wallet is made from: a recovery phrase (with its passphrase and account
/// index), or an imported private key. This is what the keystore seals.
pub enum WalletSecret {
    Mnemonic {
        mnemonic: Mnemonic,
        /// The BIP-39 passphrase ("25th word"); empty for none.
        passphrase: Zeroizing<String>,
        /// N in m/44'/195'/0'/0/N.
        index: u32,
    },
    PrivateKey(PrivateKey),
}

impl WalletSecret {
    /// A phrase with no passphrase, account 0: what "create wallet" makes.
    pub fn from_mnemonic(mnemonic: Mnemonic) -> Self {
        Self::Mnemonic { mnemonic, passphrase: Zeroizing::new(String::new()), index: 0 }
    }

    /// The signing key this secret stands for (derives it for a phrase).
    pub fn private_key(&self) -> Result<PrivateKey> {
        match self {
            WalletSecret::Mnemonic { mnemonic, passphrase, index } => mnemonic.derive(passphrase, *index),
            WalletSecret::PrivateKey(key) => Ok(key.clone()),
        }
    }

    /// Serialized for sealing: kind, then its fields in fixed order.
    /// Mnemonic: 1 ‖ entropy len (u8) ‖ entropy ‖ index (u32 BE) ‖ passphrase len (u16 BE)
    /// ‖ passphrase (UTF-8). Private key: 2 ‖ 32 key bytes.
    pub(crate) fn to_plaintext(&self) -> Result<Zeroizing<Vec<u8>>> {
        let mut out = Zeroizing::new(Vec::with_capacity(128));
        match self {
            WalletSecret::Mnemonic { mnemonic, passphrase, index } => {
                let entropy = mnemonic.entropy();
                let pass = passphrase.as_bytes();
                let pass_len = u16::try_from(pass.len()).map_err(|_| Error::MnemonicInvalid)?;
                out.push(1);
                out.push(entropy.len() as u8); // 16..=32 bytes, per BIP-39
                out.extend_from_slice(&entropy);
                out.extend_from_slice(&index.to_be_bytes());
                out.extend_from_slice(&pass_len.to_be_bytes());
                out.extend_from_slice(pass);
            }
            WalletSecret::PrivateKey(key) => {
                out.push(2);
                out.extend_from_slice(&key.to_bytes()[..]);
            }
        }
        Ok(out)
    }

    pub(crate) fn from_plaintext(bytes: &[u8]) -> Result<Self> {
        const BAD: Error = Error::Corrupt("sealed secret has the wrong shape");
        match bytes.split_first() {
            Some((1, rest)) => {
                let (&len, rest) = rest.split_first().ok_or(BAD)?;
                let len = usize::from(len);
                if rest.len() < len + 6 {
                    return Err(BAD);
                }
                let (entropy, rest) = rest.split_at(len);
                let index = u32::from_be_bytes(rest[..4].try_into().map_err(|_| BAD)?);
                let pass_len = usize::from(u16::from_be_bytes([rest[4], rest[5]]));
                let pass = &rest[6..];
                if pass.len() != pass_len {
                    return Err(BAD);
                }
                let passphrase = std::str::from_utf8(pass).map_err(|_| BAD)?;
                Ok(WalletSecret::Mnemonic {
                    mnemonic: Mnemonic::from_entropy(entropy).map_err(|_| BAD)?,
                    passphrase: Zeroizing::new(passphrase.to_owned()),
                    index,
                })
            }
            Some((2, key)) if key.len() == 32 => {
                Ok(WalletSecret::PrivateKey(PrivateKey::from_bytes(key).map_err(|_| BAD)?))
            }
            _ => Err(BAD),
        }
    }
}

impl fmt::Debug for WalletSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WalletSecret::Mnemonic { mnemonic, index, .. } => f
                .debug_struct("WalletSecret::Mnemonic")
                .field("words", &mnemonic.word_count())
                .field("index", index)
                .finish_non_exhaustive(),
            WalletSecret::PrivateKey(key) => f.debug_tuple("WalletSecret::PrivateKey").field(key).finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ABANDON: &str =
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

    #[test]
    fn generated_phrases_have_the_asked_length_and_parse_back() {
        for (words, n) in [(WordCount::Twelve, 12), (WordCount::TwentyFour, 24)] {
            let m = Mnemonic::generate(words).unwrap();
            assert_eq!(m.word_count(), n);
            let again = Mnemonic::parse(&m.phrase()).unwrap();
            assert_eq!(again.entropy(), m.entropy());
        }
    }

    #[test]
    fn parse_tolerates_case_and_spacing_but_not_a_wrong_word() {
        let loud = format!("  {}  ", ABANDON.to_uppercase().replace(' ', "   "));
        assert_eq!(Mnemonic::parse(&loud).unwrap().phrase().as_str(), ABANDON);
        let swapped = ABANDON.replace("about", "abandon");
        assert!(matches!(Mnemonic::parse(&swapped), Err(Error::MnemonicChecksum)));
        let unknown = ABANDON.replace("about", "bidswarm");
        assert!(matches!(Mnemonic::parse(&unknown), Err(Error::MnemonicUnknownWord(12))));
        assert!(matches!(Mnemonic::parse("abandon abandon"), Err(Error::MnemonicWordCount(2))));
        // 15 words is valid BIP-39 but not something we offer.
        let fifteen = "abandon ".repeat(14) + "ability";
        assert!(matches!(Mnemonic::parse(&fifteen), Err(Error::MnemonicWordCount(15))));
    }

    #[test]
    fn a_hardened_index_is_refused() {
        let m = Mnemonic::parse(ABANDON).unwrap();
        assert!(matches!(m.derive("", 0x8000_0000), Err(Error::AccountIndex(_))));
    }

    #[test]
    fn secrets_round_trip_through_plaintext() {
        let m = WalletSecret::Mnemonic {
            mnemonic: Mnemonic::parse(ABANDON).unwrap(),
            passphrase: Zeroizing::new("pässwörd".into()),
            index: 7,
        };
        let back = WalletSecret::from_plaintext(&m.to_plaintext().unwrap()).unwrap();
        assert_eq!(back.private_key().unwrap().address(), m.private_key().unwrap().address());
        let k = WalletSecret::PrivateKey(PrivateKey::from_bytes(&[7u8; 32]).unwrap());
        let back = WalletSecret::from_plaintext(&k.to_plaintext().unwrap()).unwrap();
        assert_eq!(back.private_key().unwrap().address(), k.private_key().unwrap().address());
    }

    #[test]
    fn bad_private_keys_are_refused() {
        assert!(PrivateKey::from_bytes(&[0u8; 32]).is_err());
        assert!(PrivateKey::from_bytes(&[0xffu8; 32]).is_err());
        assert!(PrivateKey::from_hex("1234").is_err());
        assert!(PrivateKey::from_hex(&"zz".repeat(32)).is_err());
    }
}
