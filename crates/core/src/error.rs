//! Every failure the core reports, as the API's [`ApiError`]: each other crate's error
//! is mapped here and nowhere else, so one kind means one thing to the UI. (Rust's orphan
//! rule keeps these from being `From` impls: both sides are other crates' types. The
//! swarm crate, which depends on the API, has its own `From`.)

use bidswarm_api::{ApiError, ApiErrorKind};

/// Shorthand for errors the core raises itself.
pub(crate) fn api_error(kind: ApiErrorKind, message: impl Into<String>) -> ApiError {
    ApiError::new(kind, message)
}

/// `e` and its sources, `: `-separated, each said once (sqlx repeats a database error in
/// its own message and as its source).
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let said = s.to_string();
        if !text.ends_with(&said) {
            text = format!("{text}: {said}");
        }
        source = s.source();
    }
    text
}

pub(crate) fn ledger_error(e: bidswarm_ledger::Error) -> ApiError {
    api_error(ApiErrorKind::Internal, format!("the ledger could not answer: {e}"))
}

pub(crate) fn wallet_error(e: bidswarm_wallet::Error) -> ApiError {
    use bidswarm_wallet::Error as E;
    match e {
        E::WrongPassword => api_error(
            ApiErrorKind::WrongPassword,
            "that password does not unlock this wallet; nothing was changed",
        ),
        E::NoWallet => no_wallet(),
        E::Address(e) => api_error(ApiErrorKind::InvalidAddress, format!("not a TRON address: {e}")),
        e @ (E::MnemonicWordCount(_)
        | E::MnemonicUnknownWord(_)
        | E::MnemonicChecksum
        | E::MnemonicInvalid
        | E::InvalidPrivateKey
        | E::NoMnemonic
        | E::WalletExists
        | E::AmountTooLarge(_)) => api_error(ApiErrorKind::BadRequest, e.to_string()),
        e @ E::Io { .. } => api_error(ApiErrorKind::Io, error_chain(&e)),
        e => api_error(ApiErrorKind::Internal, format!("wallet: {e}")),
    }
}

pub(crate) fn no_wallet() -> ApiError {
    api_error(ApiErrorKind::NoWallet, "there is no wallet yet; create one or import a recovery phrase or key")
}

pub(crate) fn locked_error(what: &str) -> ApiError {
    api_error(
        ApiErrorKind::WalletLocked,
        format!("the wallet is locked; unlock it with its password to {what}"),
    )
}

pub(crate) fn node_error(e: bidswarm_tron::Error, nothing_sent: bool) -> ApiError {
    let suffix = if nothing_sent { "; nothing was sent" } else { "" };
    if e.is_offline() {
        return api_error(ApiErrorKind::Offline, format!("{e}{suffix}"));
    }
    let kind = if e.is_shortfall() { ApiErrorKind::InsufficientFunds } else { ApiErrorKind::NodeRejected };
    match e {
        bidswarm_tron::Error::Rejected { code, message } => {
            api_error(kind, format!("the node refused the transfer ({code}): {message}{suffix}"))
        }
        e => api_error(ApiErrorKind::Unreachable, format!("{e}{suffix}")),
    }
}

/// A transfer that could not be signed: the node gave no head block, the wallet could not
/// build it, or the key was revoked (locked) meanwhile. Nothing was sent.
pub(crate) fn transfer_error(e: bidswarm_tron::Error) -> ApiError {
    match e {
        bidswarm_tron::Error::Wallet(bidswarm_wallet::Error::Keyring(_)) => locked_error("send"),
        bidswarm_tron::Error::Wallet(e) => wallet_error(e),
        e => node_error(e, true),
    }
}

pub(crate) fn join_error(e: tokio::task::JoinError) -> ApiError {
    api_error(ApiErrorKind::Internal, format!("the wallet's key derivation did not finish: {e}"))
}
