use bidswarm_api::{ApiError, ApiErrorKind};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong in the swarm engine. Each variant maps to one stable
/// [`ApiErrorKind`], and its message is written for the person who caused it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("not a valid magnet link: {0}")]
    InvalidMagnet(String),
    #[error("not a valid .torrent file: {0}")]
    InvalidTorrent(String),
    #[error("no such file or folder: {0}")]
    PathNotFound(String),
    #[error("\"{name}\" is already in the list")]
    AlreadyExists { name: String },
    /// Not the torrent's own file where its data would go.
    #[error("{0}")]
    FileInTheWay(String),
    #[error("no torrent with id {0}; it may have been removed")]
    UnknownTorrent(String),
    #[error("could not fetch {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("{0}")]
    BadInput(String),
    #[error("there is no {0}; create it first")]
    UnknownLabel(String),
    #[error("there is already a {0}")]
    LabelExists(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// librqbit reports its failures as `anyhow` chains; `{:#}` keeps the whole chain.
    #[error("{context}: {source:#}")]
    Engine {
        context: &'static str,
        #[source]
        source: anyhow::Error,
    },
}

impl Error {
    pub(crate) fn engine(context: &'static str) -> impl FnOnce(anyhow::Error) -> Self {
        move |source| Self::Engine { context, source }
    }

    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        move |source| Self::Io { context: context.into(), source }
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let kind = match &e {
            Error::InvalidMagnet(_) => ApiErrorKind::InvalidMagnet,
            Error::InvalidTorrent(_) => ApiErrorKind::InvalidTorrent,
            Error::PathNotFound(_) => ApiErrorKind::PathNotFound,
            Error::AlreadyExists { .. } => ApiErrorKind::AlreadyExists,
            Error::FileInTheWay(_) => ApiErrorKind::FileInTheWay,
            Error::UnknownTorrent(_) => ApiErrorKind::UnknownTorrent,
            Error::Unreachable { .. } => ApiErrorKind::Unreachable,
            Error::BadInput(_) => ApiErrorKind::BadRequest,
            Error::UnknownLabel(_) => ApiErrorKind::UnknownLabel,
            Error::LabelExists(_) => ApiErrorKind::LabelExists,
            Error::Io { .. } => ApiErrorKind::Io,
            Error::Engine { .. } => ApiErrorKind::Internal,
        };
        ApiError::new(kind, e.to_string())
    }
}
