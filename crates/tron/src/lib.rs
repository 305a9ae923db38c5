//! Bidswarm's link to TRON: an HTTP client for a full node's API, and TRON's fee rules.
//!
//! The client ([`Client`]) speaks the node's `/wallet/*` endpoints and TronGrid's `/v1`
//! history, and nothing else; it never sees a key. Transactions arrive already signed by
//! `bidswarm-wallet`, so this crate only moves public bytes. Every call has a timeout, and
//! an unreachable node is [`Error::Offline`], which callers show as "offline" while the
//! rest of the app goes on.
//!
//! The local devnet the tests and the app's "Local test network" use is a crate of its own
//! (`bidswarm-devnet`); the client talks to it unchanged through [`Network::Local`].

mod client;
pub mod fee;
mod network;
pub mod transfer;

pub use client::{Asset, Client, DevnetInfo, NodeTransaction, NowBlock, TransactionInfo, Transfer};
pub use fee::{AccountResource, ChainParameters, FeeQuote};
pub use network::{devnet_btt_contract, Network};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a node call failed. [`Error::Offline`] is the one a UI shows as a state rather than
/// as a failure; [`Error::Rejected`] carries the node's own code for a refused
/// transaction.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("the TRON node at {url} cannot be reached (offline, or it did not answer in time)")]
    Offline {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("the TRON node at {url} answered HTTP {status}: {body}")]
    Http { url: String, status: u16, body: String },
    #[error("the node refused the transaction: {code}: {message}")]
    Rejected { code: RejectCode, message: String },
    #[error("the node reported an error: {0}")]
    Node(String),
    #[error("unexpected answer from the TRON node: {0}")]
    Decode(String),
    #[error("the {network} network has no BTT TRC-20 contract; set one with Client::with_btt_contract")]
    NoBttContract { network: &'static str },
    #[error("not a usable node URL: {0}")]
    Url(String),
    #[error(transparent)]
    Wallet(#[from] bidswarm_wallet::Error),
}

impl Error {
    /// True when the node could not be reached at all: show "offline", retry later.
    pub fn is_offline(&self) -> bool {
        matches!(self, Self::Offline { .. })
    }

    /// True when the node refused a transfer because the sender holds too little: TRX for
    /// the bandwidth, memo or account-creation fee (`BANDWITH_ERROR`, java-tron's spelling),
    /// or the amount itself. `CONTRACT_VALIDATE_ERROR` covers every contract check, so only
    /// java-tron's words for the balance ("balance is not sufficient", from its
    /// `TransferActuator` and `TransferAssetActuator`) make that one a shortfall.
    pub fn is_shortfall(&self) -> bool {
        match self {
            Self::Rejected { code: RejectCode::BandwidthError, .. } => true,
            Self::Rejected { code: RejectCode::ContractValidateError, message } => {
                message.contains("balance is not sufficient")
            }
            _ => false,
        }
    }
}

/// The `code` of a refused broadcast (`Return.response_code` in TRON's `api.proto`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RejectCode {
    SigError,
    ContractValidateError,
    ContractExeError,
    BandwidthError,
    DupTransactionError,
    TaposError,
    TooBigTransactionError,
    TransactionExpirationError,
    ServerBusy,
    OtherError,
    /// A code this client does not know, as the node spelled it.
    Other(String),
}

impl RejectCode {
    const KNOWN: [(&'static str, RejectCode); 10] = [
        ("SIGERROR", Self::SigError),
        ("CONTRACT_VALIDATE_ERROR", Self::ContractValidateError),
        ("CONTRACT_EXE_ERROR", Self::ContractExeError),
        ("BANDWITH_ERROR", Self::BandwidthError),
        ("DUP_TRANSACTION_ERROR", Self::DupTransactionError),
        ("TAPOS_ERROR", Self::TaposError),
        ("TOO_BIG_TRANSACTION_ERROR", Self::TooBigTransactionError),
        ("TRANSACTION_EXPIRATION_ERROR", Self::TransactionExpirationError),
        ("SERVER_BUSY", Self::ServerBusy),
        ("OTHER_ERROR", Self::OtherError),
    ];

    /// From the node's spelling (TRON writes `BANDWITH_ERROR` without the D).
    pub fn parse(code: &str) -> Self {
        Self::KNOWN
            .iter()
            .find(|(name, _)| *name == code)
            .map(|(_, c)| c.clone())
            .unwrap_or_else(|| Self::Other(code.to_owned()))
    }

    /// The node's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Other(s) => s,
            known => {
                Self::KNOWN.iter().find(|(_, c)| c == known).map(|(name, _)| *name).unwrap_or("OTHER_ERROR")
            }
        }
    }
}

impl std::fmt::Display for RejectCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reject_codes_round_trip_the_nodes_spelling() {
        for (name, code) in RejectCode::KNOWN {
            assert_eq!(RejectCode::parse(name), code);
            assert_eq!(code.as_str(), name);
        }
        assert_eq!(RejectCode::parse("NEW_CODE"), RejectCode::Other("NEW_CODE".into()));
        assert_eq!(RejectCode::parse("NEW_CODE").to_string(), "NEW_CODE");
    }

    /// java-tron's refusals that mean "you hold too little", and ones that do not.
    #[test]
    fn a_shortfall_is_told_from_other_refusals() {
        let rejected = |code: RejectCode, message: &str| Error::Rejected { code, message: message.into() };
        let cases = [
            (rejected(RejectCode::BandwidthError, "account resource insufficient error."), true),
            (
                rejected(
                    RejectCode::ContractValidateError,
                    "Validate TransferContract error, balance is not sufficient.",
                ),
                true,
            ),
            (rejected(RejectCode::ContractValidateError, "Cannot transfer TRX to yourself."), false),
            (rejected(RejectCode::SigError, "balance is not sufficient"), false),
            (rejected(RejectCode::Other("DUP_TRANSACTION_ERROR".into()), "dup transaction"), false),
        ];
        for (error, short) in cases {
            assert_eq!(error.is_shortfall(), short, "{error:?}");
        }
    }
}
