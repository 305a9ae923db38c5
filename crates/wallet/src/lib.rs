//! Bidswarm's TRON wallet, without any network: keys, signing, the keystore, vouchers and
//! offline transactions. `crates/tron` talks to nodes; this crate only turns secrets and
//! requests into signatures and bytes, so all of it is testable with fixed vectors.
//!
//! - [`keys`]: BIP-39 mnemonics, the TRON key at m/44'/195'/0'/0/N, raw private keys.
//! - [`Address`]: base58check (`T…`) and 41-prefixed hex, validated with distinct errors.
//! - [`Signer`]: one required method (sign a 32-byte prehash, return r‖s‖v); message
//!   (TIP-191) and voucher signing are default methods built on it, as in alloy's `Signer`.
//! - [`voucher`]: the bt_speed voucher, its digest, and [`verify_voucher`], which the
//!   ledger and speed crates use to check what a payer promised.
//! - [`keystore`]: the secret sealed with Argon2id + XChaCha20-Poly1305, kept in the OS
//!   keyring or a file; [`LockedWallet`] and [`UnlockedWallet`] are distinct types.
//! - [`tx`]: TRX, TRC-10 and TRC-20 transfers built offline from a reference block, with the
//!   node's JSON form and the protobuf bytes.
//!
//! Key derivation (Argon2id, BIP-39's PBKDF2) is deliberately slow and blocks the calling
//! thread; the crate spawns no threads. Async callers run [`LockedWallet::unlock`],
//! [`LockedWallet::create`], password changes and [`keys::Mnemonic::derive`] on
//! `tokio::task::spawn_blocking`.
//!
//! Secrets: key types zeroize on drop, their `Debug` shows only the address, and no error
//! message carries a mnemonic word, a passphrase, a password or key bytes.

mod address;
pub mod keys;
pub mod keystore;
mod signer;
pub mod tx;
pub mod voucher;

pub use address::{Address, AddressError};
pub use bidswarm_primitives::{Amount, AmountError, BTT_DECIMALS};
pub use keys::{Mnemonic, PrivateKey, WalletSecret, WordCount};
pub use keystore::{FileStore, KdfParams, KeyringStore, LockedWallet, SecretStore, UnlockedWallet, Wallet};
pub use signer::{
    keccak256, message_digest, recover_message, recover_prehash, verify_message, Signature, Signer,
};
pub use voucher::{verify_voucher, voucher_digest, ChannelId, SignedVoucher, VerifiedVoucher, Voucher};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong in the wallet. No variant carries secret material: a bad mnemonic
/// word is named by its position, never by its text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(transparent)]
    Address(#[from] AddressError),
    #[error("a recovery phrase has 12 or 24 words, not {0}")]
    MnemonicWordCount(usize),
    #[error("word {0} of the recovery phrase is not in the BIP-39 English word list")]
    MnemonicUnknownWord(usize),
    #[error("the recovery phrase's checksum does not match: a word is wrong or out of order")]
    MnemonicChecksum,
    #[error("not a valid recovery phrase")]
    MnemonicInvalid,
    #[error("not a valid private key: it must be 64 hex digits, not zero, below the secp256k1 order")]
    InvalidPrivateKey,
    #[error("account index {0} is too large: it must be below 2^31")]
    AccountIndex(u32),
    #[error("key derivation failed")]
    Derivation,
    #[error("a signature is 65 bytes (r, s, v), not {0}")]
    SignatureLength(usize),
    #[error("signature recovery byte v is {0}; it must be 0, 1, 27 or 28")]
    SignatureRecoveryId(u8),
    #[error("signature is not valid (bad r or s, or s not in low form)")]
    SignatureInvalid,
    #[error("signature is not hex")]
    SignatureHex,
    #[error("signed by {actual}, not by the expected {expected}")]
    WrongSigner { expected: Address, actual: Address },
    #[error("wrong password (or the wallet was altered); nothing was changed")]
    WrongPassword,
    #[error("the wallet data is damaged: {0}")]
    Corrupt(&'static str),
    #[error("the wallet was written by a newer Bidswarm (format version {0}); update Bidswarm to open it")]
    UnsupportedVersion(u8),
    #[error("Argon2 parameters out of range: {0}")]
    KdfParams(&'static str),
    #[error("a wallet already exists there; remove it first or choose another location")]
    WalletExists,
    #[error("no wallet stored there; create or import one")]
    NoWallet,
    #[error("this wallet was imported from a private key and has no recovery phrase")]
    NoMnemonic,
    #[error("could not {action} {path}")]
    Io {
        action: &'static str,
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("OS keyring: {0}")]
    Keyring(String),
    #[error("amount {0} is too large for a TRON transaction (max 2^63-1)")]
    AmountTooLarge(u128),
    #[error("not a TRON transaction: {0}")]
    TransactionDecode(String),
}
