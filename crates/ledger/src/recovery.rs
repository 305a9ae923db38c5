//! A ledger file that cannot be read as a ledger is moved aside, whole and unchanged, and a
//! fresh ledger opens in its place ([`Ledger::open_or_set_aside`]), so one damaged file
//! never keeps torrents from running and nothing is ever deleted.
//!
//! What counts as damage is decided from the error alone ([`Error::is_damage`]): SQLite says
//! the file is not a database or is corrupt, its `quick_check` finds a bad page, or our
//! migrations cannot be applied to what the file holds. Everything else is a fault of the
//! file's surroundings, or one that passes: no permission, a folder where the file should
//! be, a disk I/O error, a full disk, another process holding the lock, or a ledger written
//! by a newer Bidswarm (a migration this build does not know). Moving the file then would
//! hide a book that is fine, so those errors are returned and nothing moves.

use std::path::{Path, PathBuf};

use sqlx::migrate::MigrateError;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};

use crate::{Error, Ledger, Result, UnixTime};

/// A damaged ledger file that [`Ledger::open_or_set_aside`] moved aside.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetAside {
    /// Where the file is now: `<ledger>.damaged-<unix time>`, its `-wal`, `-shm` and
    /// `-journal` files (when there were any) beside it under the same new name, so SQLite
    /// still reads them together.
    pub moved_to: PathBuf,
    /// Why it could not be opened, in SQLite's words.
    pub reason: String,
}

/// The files SQLite keeps beside a database, by suffix.
const SIDE_FILES: [&str; 3] = ["-wal", "-shm", "-journal"];

// SQLite's primary result codes (https://www.sqlite.org/rescode.html).
const SQLITE_PERM: i32 = 3;
const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;
const SQLITE_NOMEM: i32 = 7;
const SQLITE_READONLY: i32 = 8;
const SQLITE_INTERRUPT: i32 = 9;
const SQLITE_IOERR: i32 = 10;
const SQLITE_CORRUPT: i32 = 11;
const SQLITE_FULL: i32 = 13;
const SQLITE_CANTOPEN: i32 = 14;
const SQLITE_PROTOCOL: i32 = 15;
const SQLITE_AUTH: i32 = 23;
const SQLITE_NOTADB: i32 = 26;

/// Codes about the file's surroundings rather than its contents.
const SURROUNDINGS: [i32; 11] = [
    SQLITE_PERM,
    SQLITE_BUSY,
    SQLITE_LOCKED,
    SQLITE_NOMEM,
    SQLITE_READONLY,
    SQLITE_INTERRUPT,
    SQLITE_IOERR,
    SQLITE_FULL,
    SQLITE_CANTOPEN,
    SQLITE_PROTOCOL,
    SQLITE_AUTH,
];

/// SQLite's primary result code of `e`, when SQLite answered.
fn sqlite_code(e: &sqlx::Error) -> Option<i32> {
    let code = e.as_database_error()?.code()?.parse::<i32>().ok()?;
    // sqlx reports the extended code; its low byte is the primary one.
    Some(code & 0xff)
}

impl Error {
    /// Whether this error from [`Ledger::open`] says the file itself is damaged: it is not
    /// a database, a page is corrupt, or the schema in it cannot be brought up to date.
    /// `false` for what is wrong around the file instead (permissions, a folder in the
    /// way, I/O, a lock, a newer Bidswarm's ledger): see the [module docs](self).
    pub fn is_damage(&self) -> bool {
        match self {
            Error::Corrupt { .. } => true,
            Error::Database(e) => sqlite_code(e).is_some_and(|c| c == SQLITE_CORRUPT || c == SQLITE_NOTADB),
            Error::Migrate(e) => match e {
                // A migration's SQL (or the bookkeeping of which ran) failed on what the
                // file holds, unless the cause is one of the surroundings'.
                MigrateError::Execute(e) | MigrateError::ExecuteMigration(e, _) => {
                    sqlite_code(e).is_some_and(|c| !SURROUNDINGS.contains(&c))
                }
                // The file says a migration ran that differs from ours, or ran half-way.
                MigrateError::VersionMismatch(_) | MigrateError::Dirty(_) => true,
                // `VersionMissing`: a newer Bidswarm wrote it, and it is fine there.
                _ => false,
            },
            _ => false,
        }
    }

    /// What the damage is, short enough for a banner.
    fn damage_reason(&self) -> String {
        match self {
            Error::Database(e) => match e.as_database_error() {
                Some(db) => format!("SQLite: {}", db.message()),
                None => e.to_string(),
            },
            Error::Migrate(e) => format!("its tables cannot be brought up to date: {e}"),
            other => other.to_string(),
        }
    }
}

impl Ledger {
    /// [`Ledger::open`], and when the file at `path` is damaged ([`Error::is_damage`]):
    /// moves it and its `-wal`, `-shm` and `-journal` files aside to
    /// `<path>.damaged-<now>`, unchanged, opens a fresh ledger at `path`, and says where
    /// the old one went. Any other error is returned with nothing moved, as is an error
    /// moving the files (nothing is deleted in any case).
    pub async fn open_or_set_aside(
        path: impl AsRef<Path>,
        now: UnixTime,
    ) -> Result<(Ledger, Option<SetAside>)> {
        let path = path.as_ref();
        let damage = match Ledger::open(path).await {
            Ok(ledger) => return Ok((ledger, None)),
            Err(e) if e.is_damage() => e,
            Err(e) => return Err(e),
        };
        let reason = damage.damage_reason();
        let moved_to = move_aside(path, now).await.map_err(|source| Error::SetAside {
            path: path.to_owned(),
            reason: reason.clone(),
            source,
        })?;
        let ledger = Ledger::open(path).await?;
        Ok((ledger, Some(SetAside { moved_to, reason })))
    }
}

/// Renames the ledger at `path` and its side files to the first free
/// `<path>.damaged-<now>[-n]`, and returns that name.
async fn move_aside(path: &Path, now: UnixTime) -> std::io::Result<PathBuf> {
    let target = free_name(path, now).await?;
    // Side files first: a `-wal` left behind would be read into the fresh ledger.
    for suffix in SIDE_FILES {
        match tokio::fs::rename(with_suffix(path, suffix), with_suffix(&target, suffix)).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    tokio::fs::rename(path, &target).await?;
    // The renames survive a power cut only once the folder is synced.
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        tokio::fs::File::open(dir).await?.sync_all().await?;
    }
    Ok(target)
}

/// `<path>.damaged-<now>`, or with `-2`, `-3`… when that name or one of its side files is
/// taken (two recoveries in one second): a rename would replace them.
async fn free_name(path: &Path, now: UnixTime) -> std::io::Result<PathBuf> {
    for n in 1u32.. {
        let name = if n == 1 { format!(".damaged-{now}") } else { format!(".damaged-{now}-{n}") };
        let candidate = with_suffix(path, &name);
        let mut taken = tokio::fs::try_exists(&candidate).await?;
        for suffix in SIDE_FILES {
            taken |= tokio::fs::try_exists(with_suffix(&candidate, suffix)).await?;
        }
        if !taken {
            return Ok(candidate);
        }
    }
    Err(std::io::Error::other("no free name to move the ledger to"))
}

/// `path` with `suffix` appended to its file name (`ledger.sqlite` → `ledger.sqlite-wal`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Creates an empty file at `path` readable by its owner only, unless something is there
/// already (SQLite reads an empty file as an empty database). SQLite would create it with
/// the process's default mode, usually world-readable. Any failure is left for SQLite to
/// report when it opens the path.
pub(crate) fn create_private(path: &Path) {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let _ = options.open(path);
}

/// Reads the whole file once with SQLite's own check of every page and index (`PRAGMA
/// quick_check`), on a read-only connection of its own, closed and waited for whatever the
/// outcome:
/// - read-only, so checking a damaged file never writes it (a read-write connection
///   checkpoints the WAL into the file and removes the WAL when it closes);
/// - waited for, because a connection sqlx drops on an error closes later on its own
///   thread, when the file may have been moved and the fresh ledger's `-shm` file has the
///   name SQLite would then remove.
///
/// When only a writer could read the file (a journal to roll back, a WAL to recover after a
/// crash), the check is left to the read-write connections that follow.
pub(crate) async fn check_file(path: &Path, busy_timeout: std::time::Duration) -> Result<()> {
    // No pragma here reads the file; a path SQLite cannot open fails before a handle exists.
    let options = SqliteConnectOptions::new().filename(path).read_only(true).busy_timeout(busy_timeout);
    let mut conn = SqliteConnection::connect_with(&options).await?;
    // A pragma with no parameters and no table: nothing for the query macros to check.
    let rows = sqlx::query_scalar::<_, String>("PRAGMA quick_check").fetch_all(&mut conn).await;
    // Closing a read-only connection writes nothing that could fail to be written.
    let _ = conn.close().await;
    let rows = match rows {
        Err(e) if sqlite_code(&e) == Some(SQLITE_READONLY) => return Ok(()),
        rows => rows?,
    };
    if rows.len() == 1 && rows[0] == "ok" {
        return Ok(());
    }
    Err(Error::Corrupt { what: "SQLite's quick_check", detail: rows.join("; ") })
}
