use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The one error type that crosses the API boundary. `kind` is stable and meant for code;
/// `message` is for people and says what went wrong and what they can do.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub kind: ApiErrorKind,
    pub message: String,
}

/// Stable error kinds. New kinds may be added; existing ones never change meaning.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, TS, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// The request itself is malformed (bad JSON, wrong field types, bad values).
    BadRequest,
    /// A magnet link that cannot be parsed or has no BitTorrent v1 info hash.
    InvalidMagnet,
    /// Bytes that are not a valid `.torrent` file (truncated, garbage, bad fields).
    InvalidTorrent,
    /// A file or folder the request names does not exist.
    PathNotFound,
    /// The torrent is already in the session.
    AlreadyExists,
    /// No torrent with that id is in the session.
    UnknownTorrent,
    /// A URL could not be fetched (DNS, connection, HTTP status, timeout).
    Unreachable,
    /// The API token is missing or wrong.
    Unauthorized,
    /// The request came from a foreign Host or Origin, or names a path outside the
    /// folders Bidswarm may use (the message names them and how to add one).
    Forbidden,
    /// Reading or writing local files failed.
    Io,
    /// Something inside Bidswarm failed; the message has the details.
    Internal,
    /// No wallet has been created or imported yet.
    NoWallet,
    /// The wallet is locked; unlock it with its password first.
    WalletLocked,
    /// The wallet password is wrong. Nothing was changed.
    WrongPassword,
    /// A TRON address that is not valid (prefix, length or checksum).
    InvalidAddress,
    /// The wallet cannot cover the amount (plus fees).
    InsufficientFunds,
    /// The TRON node cannot be reached; on-chain figures are unknown for now.
    Offline,
    /// The TRON node refused a transaction; the message has its reason.
    NodeRejected,
    /// Too many wrong wallet passwords in a row: for a while every password request is
    /// refused without being checked, the right password too. The message says how many
    /// seconds to wait. Nothing was changed.
    TooManyAttempts,
    /// A file or folder that is not the torrent's stands where its data would go (another
    /// file of the same name): the torrent is not added and nothing is written over.
    FileInTheWay,
    /// No category or tag of that name exists.
    UnknownLabel,
    /// A category or tag of that name exists already.
    LabelExists,
}

impl ApiError {
    pub fn new(kind: ApiErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into() }
    }

    /// The HTTP status the headless server answers with for this kind.
    pub fn http_status(&self) -> u16 {
        match self.kind {
            ApiErrorKind::Unauthorized => 401,
            ApiErrorKind::Forbidden => 403,
            ApiErrorKind::UnknownTorrent | ApiErrorKind::PathNotFound | ApiErrorKind::UnknownLabel => 404,
            ApiErrorKind::AlreadyExists | ApiErrorKind::FileInTheWay | ApiErrorKind::LabelExists => 409,
            ApiErrorKind::Unreachable | ApiErrorKind::Offline | ApiErrorKind::NodeRejected => 502,
            ApiErrorKind::NoWallet => 404,
            ApiErrorKind::WalletLocked => 423,
            ApiErrorKind::TooManyAttempts => 429,
            ApiErrorKind::Io | ApiErrorKind::Internal => 500,
            _ => 400,
        }
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        Self::new(ApiErrorKind::BadRequest, format!("not a valid request: {e}"))
    }
}
