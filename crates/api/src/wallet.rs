//! The wallet as the UI sees it: its state, balances, a send quote and history.
//!
//! Nothing here carries key material. The one exception in the whole API is
//! `Response::Mnemonic`, the answer to `Request::RevealMnemonic`, which needs the
//! password. Amounts are decimal strings: BTT in base units (10^-18 BTT), TRX in sun
//! (10^-6 TRX).

use std::fmt;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A password, recovery phrase or private key as it crosses the API. On the wire it is
/// the plain JSON string; `Debug` never shows it, so a request or response printed in a
/// log or a test failure carries no secret.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The text itself.
    ///
    /// # Security
    /// Pass it on to the wallet only; never log or format it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Secret {
    fn from(text: &str) -> Self {
        Self::new(text)
    }
}

impl From<String> for Secret {
    fn from(text: String) -> Self {
        Self(text)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Where a new wallet's sealed secret is kept.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, TS, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum SecretStoreKind {
    /// The OS keyring (Secret Service) when one answers; otherwise the encrypted file,
    /// and `WalletStatus.store_note` says why.
    #[default]
    Keyring,
    /// The encrypted file `wallet.keystore` in the config folder.
    File,
}

/// `none` → (create or import) → `locked` ⇄ `unlocked` (unlock with the password; lock,
/// or idle for the auto-lock time).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, TS, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum WalletState {
    /// No wallet yet: create or import one.
    None,
    Locked,
    Unlocked,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq)]
pub struct WalletStatus {
    pub state: WalletState,
    /// Base58 (`T…`), once there is a wallet.
    pub address: Option<String>,
    /// The same address as hex starting with 41.
    pub address_hex: Option<String>,
    /// Where the sealed secret is: "OS keyring (…)" or "file <path>".
    pub store: Option<String>,
    /// Why the OS keyring was passed over, when it was asked for.
    pub store_note: Option<String>,
    /// `mainnet`, `nile`, `shasta`, `custom` or `local`.
    pub network: String,
    /// Seconds of inactivity after which an unlocked wallet locks itself.
    #[ts(type = "number")]
    pub auto_lock_secs: u64,
    /// Seconds left before it locks itself, while unlocked.
    #[ts(type = "number | null")]
    pub locks_in_secs: Option<u64>,
    /// Bid for speed can sign (vouchers within the budgets and the spending cap, and
    /// their settlements), also after the idle lock; the user's own lock stops it.
    pub speed_signing: bool,
}

/// What the wallet holds. On-chain figures are `None` while the node is unreachable
/// (`online` false); the ledger's figures are always known.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq)]
pub struct WalletBalances {
    pub address: String,
    pub network: String,
    pub online: bool,
    /// Why the node could not be asked, when offline.
    pub offline_reason: Option<String>,
    /// TRX on chain, in sun.
    pub trx_sun: Option<String>,
    /// BTT on chain, in base units.
    pub btt_onchain: Option<String>,
    /// From the ledger, in BTT base units: on chain minus what vouchers promised.
    pub spendable: String,
    /// Promised in vouchers, not yet settled on chain.
    pub committed: String,
    /// Earned in vouchers we hold, not yet settled.
    pub earned_pending: String,
    /// Earned and confirmed on chain.
    pub earned_settled: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, TS, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum WalletAsset {
    /// Amounts in sun.
    Trx,
    /// BTT (TRC-20), amounts in base units.
    Btt,
}

/// A priced transfer waiting for the user's confirmation (`Request::Send`).
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq)]
pub struct SendQuote {
    pub quote_id: String,
    pub network: String,
    pub from: String,
    pub to: String,
    pub asset: WalletAsset,
    pub amount: String,
    /// The TRX the network is expected to burn, in sun (bandwidth, and energy for BTT).
    pub fee_estimate_sun: String,
    /// The most TRX the transaction may burn for energy, in sun ("0" for TRX).
    pub fee_limit_sun: String,
    /// True when the node states its fees exactly (the local devnet).
    pub fee_exact: bool,
    /// TRX leaving the wallet, in sun: the amount (for TRX) plus the fee estimate.
    pub total_trx_sun: String,
    /// BTT leaving the wallet, in base units ("0" for TRX).
    pub total_btt: String,
    /// The quote must be confirmed within this many seconds.
    #[ts(type = "number")]
    pub expires_in_secs: u64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, TS, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TransferDirection {
    In,
    Out,
    /// TRX burnt for a transaction's fee.
    Fee,
}

/// One transfer in or out of the wallet: from the chain's history, the ledger, or both.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq)]
pub struct WalletTransfer {
    pub txid: String,
    /// Milliseconds since the Unix epoch (the block's time when on chain).
    #[ts(type = "number")]
    pub at_ms: i64,
    pub asset: WalletAsset,
    pub direction: TransferDirection,
    pub counterparty: Option<String>,
    pub amount: String,
    /// `raw_data.data` as hex, when the node reports it.
    pub memo_hex: Option<String>,
    /// Seen in the node's history.
    pub on_chain: bool,
    /// Recorded in Bidswarm's ledger.
    pub in_ledger: bool,
}
