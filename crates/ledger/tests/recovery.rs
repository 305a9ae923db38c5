//! A damaged ledger file is moved aside whole and a fresh ledger opens in its place; a
//! problem around the file (a folder in the way, no permission, a lock, a newer Bidswarm's
//! ledger) moves nothing. Real SQLite files throughout, damaged the way disks and people
//! damage them.

mod common;

use std::path::{Path, PathBuf};

use bidswarm_ledger::{Ledger, SetAside};
use common::*;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};

/// Files in `dir` whose name contains `.damaged-`.
fn set_aside_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("readable folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".damaged-"))
        .collect();
    names.sort();
    names
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

/// A ledger with an account, a channel and three vouchers, closed (its WAL checkpointed
/// into the main file).
async fn populated(path: &Path) -> anyhow::Result<()> {
    let k = keys();
    let ledger = Ledger::open(path).await?;
    ledger.add_account(k.me.address(), "me", T0).await?;
    let ch = channel(k.me.address(), k.seeder.address(), 1, btt("50"));
    ledger.open_channel(&ch, T0).await?;
    for seq in 1..=3 {
        ledger.record_voucher_sent(&sign(&k.me, ch.id, seq, btt(&seq.to_string())), T0 + seq as i64).await?;
    }
    ledger.close().await;
    Ok(())
}

async fn assert_fresh_and_healthy(ledger: &Ledger) -> anyhow::Result<()> {
    let report = ledger.verify().await?;
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!(report.entries_checked, 0, "a fresh ledger has no entries");
    assert_eq!(ledger.summary().await?.spent, bidswarm_ledger::Amount::ZERO);
    Ok(())
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_moved_aside_whole_and_a_fresh_ledger_opens() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("ledger.sqlite");
    let garbage: Vec<u8> = (0..20_000u32).map(|i| (i * 7 + 3) as u8).collect();
    std::fs::write(&path, &garbage)?;
    std::fs::write(with_suffix(&path, "-wal"), b"not a wal")?;
    std::fs::write(with_suffix(&path, "-shm"), b"not a shm")?;

    let (ledger, set_aside) = Ledger::open_or_set_aside(&path, T0).await?;
    let SetAside { moved_to, reason } = set_aside.expect("the damaged file was moved aside");
    assert_eq!(moved_to, with_suffix(&path, &format!(".damaged-{T0}")));
    assert!(reason.contains("not a database"), "{reason}");
    assert_eq!(std::fs::read(&moved_to)?, garbage, "moved byte for byte");
    // The side files go with it, under the name SQLite looks for beside it; none is left
    // to be read into the fresh ledger.
    // (SQLite rewrites or removes a `-shm` file, its scratch index of the WAL, whenever it
    // opens or closes a database: nothing is kept there.)
    assert_eq!(std::fs::read(with_suffix(&moved_to, "-wal"))?, b"not a wal");
    assert_fresh_and_healthy(&ledger).await?;
    // The fresh ledger takes records and keeps them.
    ledger.add_account(keys().me.address(), "me", T0).await?;
    ledger.close().await;
    let (again, none) = Ledger::open_or_set_aside(&path, T0 + 1).await?;
    assert_eq!(none, None, "a healthy ledger is never moved");
    assert_eq!(again.verify().await?.entries_checked, 1);
    let left: Vec<String> =
        set_aside_files(dir.path()).into_iter().filter(|n| !n.ends_with("-shm")).collect();
    assert_eq!(left, [format!("ledger.sqlite.damaged-{T0}"), format!("ledger.sqlite.damaged-{T0}-wal")]);
    Ok(())
}

/// A real ledger with one page overwritten, as a bad sector or a stray write leaves it:
/// found at open by SQLite's own check, though no query at open reads that page.
#[tokio::test]
async fn a_ledger_with_a_corrupt_page_is_found_at_open_and_moved_aside() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("ledger.sqlite");
    populated(&path).await?;
    let mut bytes = std::fs::read(&path)?;
    assert!(!with_suffix(&path, "-wal").exists(), "closing checkpointed the WAL");
    let page = 4096;
    let pages = bytes.len() / page;
    assert!(pages > 8, "{pages} pages");
    // The last page: journal rows or an index, nothing the migrations look at.
    bytes[(pages - 1) * page..].fill(0xA5);
    std::fs::write(&path, &bytes)?;

    let (ledger, set_aside) = Ledger::open_or_set_aside(&path, T0).await?;
    let set_aside = set_aside.expect("the corrupt file was moved aside");
    assert!(
        set_aside.reason.contains("quick_check") || set_aside.reason.contains("malformed"),
        "{}",
        set_aside.reason
    );
    assert_eq!(std::fs::read(&set_aside.moved_to)?, bytes, "moved byte for byte");
    assert_fresh_and_healthy(&ledger).await?;
    Ok(())
}

/// Two recoveries within one second never overwrite the first file set aside.
#[tokio::test]
async fn a_second_recovery_in_the_same_second_takes_a_new_name() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("ledger.sqlite");
    std::fs::write(&path, b"first garbage, long enough to be no database header")?;
    let (first, set_aside) = Ledger::open_or_set_aside(&path, T0).await?;
    first.close().await;
    let first_moved = set_aside.expect("moved").moved_to;
    std::fs::write(&path, b"second garbage, also long enough to be no database header")?;
    let (_second, set_aside) = Ledger::open_or_set_aside(&path, T0).await?;
    let second_moved = set_aside.expect("moved").moved_to;
    assert_eq!(second_moved, with_suffix(&path, &format!(".damaged-{T0}-2")));
    assert_eq!(std::fs::read(first_moved)?, b"first garbage, long enough to be no database header");
    assert_eq!(std::fs::read(second_moved)?, b"second garbage, also long enough to be no database header");
    Ok(())
}

/// What is wrong around the file is not damage: moving the file would not help (the
/// folder, the disk, the permission stay as they are) and would hide a book that is fine
/// (another Bidswarm holding it, a newer Bidswarm's ledger). Each is an error, and nothing
/// is moved or changed.
#[tokio::test]
async fn a_folder_in_the_way_or_a_file_for_a_folder_moves_nothing() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;

    let folder = dir.path().join("ledger.sqlite");
    std::fs::create_dir(&folder)?;
    std::fs::write(folder.join("keep.txt"), b"mine")?;
    let err = Ledger::open_or_set_aside(&folder, T0).await.expect_err("a folder is no ledger");
    assert!(!err.is_damage(), "{err:?}");
    assert_eq!(std::fs::read(folder.join("keep.txt"))?, b"mine");

    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, b"plain file")?;
    let err = Ledger::open_or_set_aside(file.join("ledger.sqlite"), T0).await.expect_err("no folder");
    assert!(!err.is_damage(), "{err:?}");
    assert_eq!(std::fs::read(&file)?, b"plain file");

    assert_eq!(set_aside_files(dir.path()), Vec::<String>::new());
    Ok(())
}

#[tokio::test]
async fn a_ledger_written_by_a_newer_bidswarm_is_refused_and_left_alone() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("ledger.sqlite");
    populated(&path).await?;
    {
        let mut conn = SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(&path)).await?;
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES (9999, 'from the future', 1, x'00', 0)",
        )
        .execute(&mut conn)
        .await?;
        conn.close().await?;
    }
    let before = std::fs::read(&path)?;
    let err = Ledger::open_or_set_aside(&path, T0).await.expect_err("an unknown migration");
    assert!(!err.is_damage(), "{err:?}");
    assert!(format!("{err:?}").contains("9999"), "{err:?}");
    assert_eq!(std::fs::read(&path)?, before, "left as it was");
    assert_eq!(set_aside_files(dir.path()), Vec::<String>::new());
    Ok(())
}

/// Another process holds the ledger (a second Bidswarm on the same folder): after the
/// busy timeout (10 s) opening fails, and the file it is writing stays where it is.
#[tokio::test]
async fn a_ledger_locked_by_another_process_is_not_moved() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("ledger.sqlite");
    populated(&path).await?;
    let mut holder = SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(&path)).await?;
    sqlx::query("PRAGMA locking_mode = EXCLUSIVE").execute(&mut holder).await?;
    sqlx::query("BEGIN EXCLUSIVE").execute(&mut holder).await?;
    sqlx::query("CREATE TABLE scratch (x)").execute(&mut holder).await?;

    let err = Ledger::open_or_set_aside(&path, T0).await.expect_err("the file is locked");
    assert!(!err.is_damage(), "{err:?}");
    assert!(format!("{err:?}").contains("locked"), "{err:?}");
    assert_eq!(set_aside_files(dir.path()), Vec::<String>::new());
    sqlx::query("COMMIT").execute(&mut holder).await?;
    holder.close().await?;
    let (ledger, none) = Ledger::open_or_set_aside(&path, T0).await?;
    assert_eq!(none, None);
    assert!(ledger.verify().await?.is_ok());
    Ok(())
}

/// A file the user may not read. Root reads every file whatever its mode, so as root
/// this says so and checks nothing; the folder cases above fail the same way (SQLite
/// cannot open the path) and run everywhere.
#[cfg(unix)]
#[tokio::test]
async fn a_ledger_without_read_permission_is_not_moved() -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("ledger.sqlite");
    populated(&path).await?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000))?;
    if std::fs::File::open(&path).is_ok() {
        eprintln!("skipped: this user reads files without permission (root)");
        return Ok(());
    }
    let err = Ledger::open_or_set_aside(&path, T0).await.expect_err("no permission");
    assert!(!err.is_damage(), "{err:?}");
    assert_eq!(set_aside_files(dir.path()), Vec::<String>::new());
    Ok(())
}

/// The book of money is the user's business only: the database and the WAL and
/// shared-memory files SQLite makes beside it are created 0600, whatever the umask lets
/// through, and so is the fresh ledger after a recovery.
#[cfg(unix)]
#[tokio::test]
async fn ledger_files_are_readable_by_their_owner_only() -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).map(|m| m.permissions().mode() & 0o777);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("ledger.sqlite");
    let ledger = Ledger::open(&path).await?;
    ledger.add_account(keys().me.address(), "me", T0).await?;
    for file in [path.clone(), with_suffix(&path, "-wal"), with_suffix(&path, "-shm")] {
        assert_eq!(mode(&file)?, 0o600, "{}", file.display());
    }
    ledger.close().await;

    std::fs::remove_file(&path)?;
    std::fs::write(&path, b"damaged, and world-readable like any file written by hand")?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))?;
    let (fresh, set_aside) = Ledger::open_or_set_aside(&path, T0).await?;
    let moved_to = set_aside.expect("moved").moved_to;
    assert_eq!(mode(&moved_to)?, 0o644, "the damaged file keeps its mode, like its bytes");
    fresh.add_account(keys().me.address(), "me", T0).await?;
    for file in [path.clone(), with_suffix(&path, "-wal"), with_suffix(&path, "-shm")] {
        assert_eq!(mode(&file)?, 0o600, "{}", file.display());
    }
    Ok(())
}
