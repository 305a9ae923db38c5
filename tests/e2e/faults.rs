//! Faults that lose nothing and stop nothing: a damaged file in the data folder is set
//! aside, unchanged, and the client runs on and says so.

use bidswarm_api::{
    AddOptions, Request, Response, SecretStoreKind, TorrentSource, TorrentState, WalletState,
};
use bidswarm_tests::{create_torrent, files_equal, random_file, start_seeder, Server};

/// Issue 16, item 6: a damaged `ledger.sqlite` kept `serve` from starting, so no torrent
/// ran at all. Now the file is moved aside byte for byte, a fresh ledger starts in its
/// place, a torrent downloads, the wallet unlocks, and the log and the API both name
/// where the old file went.
#[tokio::test(flavor = "multi_thread")]
async fn regression_a_damaged_ledger_is_moved_aside_and_the_server_runs_on() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let data_dir = dir.path().join("data");
    let state = data_dir.join("state");
    std::fs::create_dir_all(&state)?;
    let ledger = state.join("ledger.sqlite");
    // SQLite's magic, then a page of nonsense: what a torn copy or a bad sector leaves.
    let mut damaged = b"SQLite format 3\0".to_vec();
    damaged.extend((0..8192u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    std::fs::write(&ledger, &damaged)?;

    let seed = dir.path().join("seed");
    std::fs::create_dir_all(&seed)?;
    random_file(&seed.join("after.bin"), 3 << 20, 61);
    let torrent = dir.path().join("after.torrent");
    let magnet = create_torrent(&seed.join("after.bin"), &torrent, &[])?;
    let (_seeder, addr) = start_seeder("seeder", &torrent, &seed, &[], dir.path()).await?;

    let server = Server::start("serve", &data_dir, dir.path()).await?;

    // Where the damaged file went: one file, byte for byte what was there.
    let moved: Vec<_> = std::fs::read_dir(&state)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("ledger.sqlite.damaged-")))
        .collect();
    let [moved] = moved.as_slice() else { anyhow::bail!("one file set aside, not {moved:?}") };
    assert_eq!(std::fs::read(moved)?, damaged, "set aside unchanged");

    // The API says so beside the fresh ledger's health, and the fresh ledger is sound.
    let Response::LedgerHealth { health } = server.call(&Request::VerifyLedger).await? else {
        anyhow::bail!("not a health report")
    };
    assert!(health.ok, "{:?}", health.problems);
    let recovered =
        health.recovered.clone().ok_or_else(|| anyhow::anyhow!("no recovery reported: {health:?}"))?;
    assert_eq!(std::path::Path::new(&recovered.moved_to), moved.as_path());
    assert!(!recovered.reason.is_empty());
    // `serve` names the file in its log at start.
    let log = std::fs::read_to_string(dir.path().join("serve.stderr"))?;
    assert!(log.contains("WARN") && log.contains(&recovered.moved_to), "{log}");

    // Torrents run: one downloads whole from the seeder.
    let options = AddOptions { peers: vec![addr], ..Default::default() };
    let Response::Torrent { torrent: added } =
        server.call(&Request::AddTorrent { source: TorrentSource::Magnet(magnet), options }).await?
    else {
        anyhow::bail!("add answers the torrent")
    };
    server.wait_state(&added.id, TorrentState::Seeding).await?;
    assert!(files_equal(&seed.join("after.bin"), &data_dir.join("downloads/after.bin"))?);
    assert_eq!(server.torrents().await?.len(), 1);

    // The wallet works: a key imports and unlocks.
    let key = "11".repeat(32);
    let Response::WalletStatus { status } = server
        .call(&Request::ImportWallet {
            mnemonic: None,
            private_key: Some(key.as_str().into()),
            passphrase: None,
            password: "a password for the test".into(),
            store: SecretStoreKind::File,
        })
        .await?
    else {
        anyhow::bail!("import answers the status")
    };
    assert_eq!(status.state, WalletState::Unlocked);

    // The fresh ledger is a real file in the damaged one's place, private to its owner.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&ledger)?.permissions().mode() & 0o777, 0o600);
        let settings = data_dir.join("config/settings.json");
        assert_eq!(std::fs::metadata(settings)?.permissions().mode() & 0o777, 0o600);
    }
    assert!(bidswarm_ledger::Ledger::open(&ledger).await?.verify().await?.is_ok());
    Ok(())
}

/// A healthy ledger is never moved and no recovery is reported, across a restart.
#[tokio::test(flavor = "multi_thread")]
async fn a_healthy_ledger_is_left_in_place_and_no_recovery_is_reported() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let data_dir = dir.path().join("data");
    for round in 0..2 {
        let mut server = Server::start("serve", &data_dir, dir.path()).await?;
        let Response::LedgerHealth { health } = server.call(&Request::VerifyLedger).await? else {
            anyhow::bail!("not a health report")
        };
        assert!(health.ok && health.recovered.is_none(), "round {round}: {health:?}");
        server.proc.terminate(std::time::Duration::from_secs(30)).await?;
    }
    let names: Vec<String> = std::fs::read_dir(data_dir.join("state"))?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    assert!(!names.iter().any(|n| n.contains("damaged")), "{names:?}");
    Ok(())
}

/// The state folder mounted on its own file system, unmounted when dropped.
struct Mounted(std::path::PathBuf);

impl Mounted {
    /// A 16 MiB tmpfs at `at`. Needs root, as CI runs.
    fn tmpfs(at: &std::path::Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(at)?;
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=16m", "tmpfs"])
            .arg(at)
            .status()?;
        anyhow::ensure!(
            status.success(),
            "this test mounts a tmpfs, which needs root (as CI runs): mount failed"
        );
        Ok(Self(at.to_owned()))
    }

    fn read_only(&self) -> anyhow::Result<()> {
        let status = std::process::Command::new("mount").args(["-o", "remount,ro"]).arg(&self.0).status()?;
        anyhow::ensure!(status.success(), "remount read-only failed");
        Ok(())
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Issue 16, item 6: the data folder's state turned read-only (a disk remounted after
/// errors) kept `serve` from starting. Now it starts and says what is wrong (in its log,
/// and in every ledger request), bid for speed stays off (money it cannot record is money
/// it cannot account for), and a torrent added runs and seeds, though it is not
/// remembered. Known limit: librqbit cannot load its saved session from a folder it
/// cannot write, so the earlier session's torrents wait for the folder to be writable.
#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_state_folder_starts_with_torrents_running_and_money_off() -> anyhow::Result<()> {
    use std::time::Duration;
    let dir = bidswarm_tests::test_dir();
    let data_dir = dir.path().join("data");
    let state = Mounted::tmpfs(&data_dir.join("state"))?;
    let seed = dir.path().join("seed");
    std::fs::create_dir_all(&seed)?;
    random_file(&seed.join("ro.bin"), 2 << 20, 62);
    let torrent = dir.path().join("ro.torrent");
    let magnet = create_torrent(&seed.join("ro.bin"), &torrent, &[])?;
    // An earlier session wrote its ledger and session there.
    let mut first = Server::start("serve", &data_dir, dir.path()).await?;
    first.proc.terminate(Duration::from_secs(20)).await?;
    let before: Vec<_> =
        std::fs::read_dir(&state.0)?.map(|e| e.map(|e| e.file_name())).collect::<Result<_, _>>()?;

    state.read_only()?;
    let server = Server::start("serve-ro", &data_dir, dir.path()).await?;
    let log = std::fs::read_to_string(dir.path().join("serve-ro.stderr"))?;
    assert!(
        log.contains("cannot be written") && log.contains("no ledger"),
        "the log says what is wrong: {log}"
    );
    let Err(summary) = server.rpc(&Request::LedgerSummary).await? else { anyhow::bail!("a ledger summary") };
    assert!(
        summary.message.contains("cannot be written") && summary.message.contains("bid for speed is off"),
        "{summary:?}"
    );
    let Response::Settings { mut settings, .. } = server.call(&Request::GetSettings).await? else {
        anyhow::bail!("settings")
    };
    settings.speed.earning_enabled = true;
    let Err(refused) = server.rpc(&Request::UpdateSettings { settings: settings.into() }).await? else {
        anyhow::bail!("earning turned on without a ledger")
    };
    assert!(refused.message.contains("needs the ledger"), "{refused:?}");

    // A torrent runs: added, seeded, and downloaded whole by a leecher.
    let options = AddOptions { output_folder: Some(seed.display().to_string()), ..Default::default() };
    let source = TorrentSource::Path(torrent.display().to_string());
    let Response::Torrent { torrent: added } = server.call(&Request::AddTorrent { source, options }).await?
    else {
        anyhow::bail!("add answers the torrent")
    };
    server.wait_state(&added.id, TorrentState::Seeding).await?;
    let mut server = server;
    let addr = server.peer_addr().await?;
    let out = dir.path().join("leech");
    bidswarm_tests::download(&magnet, &out, Some(&addr), crate::TRANSFER_TIMEOUT, dir.path()).await?;
    assert!(files_equal(&seed.join("ro.bin"), &out.join("ro.bin"))?);
    let after: Vec<_> =
        std::fs::read_dir(&state.0)?.map(|e| e.map(|e| e.file_name())).collect::<Result<_, _>>()?;
    assert_eq!(after, before, "nothing in the state folder changed");
    server.proc.terminate(Duration::from_secs(20)).await?;
    Ok(())
}

/// Issue 16, item 6: the state folder's disk fills up while the client runs. Adding a
/// torrent, whose record librqbit must write there, gets a clear `io` error naming the
/// full disk and changes nothing; the torrent already running seeds on; the ledger stays
/// sound; and once there is room again, the same add works and both torrents come back
/// after a restart.
#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_refuses_an_add_clearly_and_loses_nothing() -> anyhow::Result<()> {
    use std::{io::Write, time::Duration};
    let dir = bidswarm_tests::test_dir();
    let data_dir = dir.path().join("data");
    let state = Mounted::tmpfs(&data_dir.join("state"))?;
    let seed = dir.path().join("seed");
    std::fs::create_dir_all(&seed)?;
    let mut torrents = Vec::new();
    for (name, seed_byte) in [("first.bin", 63), ("second.bin", 64)] {
        random_file(&seed.join(name), 2 << 20, seed_byte);
        let torrent = dir.path().join(format!("{name}.torrent"));
        let magnet = create_torrent(&seed.join(name), &torrent, &[])?;
        torrents.push((name, torrent, magnet));
    }
    let add = |torrent: &std::path::Path| Request::AddTorrent {
        source: TorrentSource::Path(torrent.display().to_string()),
        options: AddOptions { output_folder: Some(seed.display().to_string()), ..Default::default() },
    };
    let mut server = Server::start("serve", &data_dir, dir.path()).await?;
    let Response::Torrent { torrent: first } = server.call(&add(&torrents[0].1)).await? else {
        anyhow::bail!("the first add answers its torrent")
    };
    server.wait_state(&first.id, TorrentState::Seeding).await?;

    // Fill the disk, to the last byte the file system gives.
    let filler_path = state.0.join("filler");
    let mut filler = std::fs::File::create(&filler_path)?;
    let block = vec![0u8; 64 << 10];
    while filler.write_all(&block).is_ok() {}
    while filler.write_all(&block[..1]).is_ok() {}
    drop(filler);

    let refused = server.rpc(&add(&torrents[1].1)).await?;
    let Err(error) = refused else { anyhow::bail!("a torrent was added on a full disk: {refused:?}") };
    assert_eq!(error.kind, bidswarm_api::ApiErrorKind::Io, "{error:?}");
    assert!(error.message.to_lowercase().contains("space"), "the message names the full disk: {error:?}");
    let listed = server.torrents().await?;
    assert_eq!(listed.iter().map(|t| &t.id).collect::<Vec<_>>(), [&first.id], "nothing half added");
    // The running torrent seeds on, to a leecher that downloads it whole.
    let addr = server.peer_addr().await?;
    let out = dir.path().join("leech");
    bidswarm_tests::download(&torrents[0].2, &out, Some(&addr), crate::TRANSFER_TIMEOUT, dir.path()).await?;
    assert!(files_equal(&seed.join("first.bin"), &out.join("first.bin"))?);
    let Response::LedgerHealth { health } = server.call(&Request::VerifyLedger).await? else {
        anyhow::bail!("a health report")
    };
    assert!(health.ok, "the ledger is sound on a full disk: {:?}", health.problems);

    // Room again: the same add works, and both torrents survive a restart.
    std::fs::remove_file(&filler_path)?;
    let Response::Torrent { torrent: second } = server.call(&add(&torrents[1].1)).await? else {
        anyhow::bail!("the add answers its torrent once there is room")
    };
    server.wait_state(&second.id, TorrentState::Seeding).await?;
    server.proc.terminate(Duration::from_secs(20)).await?;
    let again = Server::start("serve-again", &data_dir, dir.path()).await?;
    let mut ids: Vec<_> = again.torrents().await?.into_iter().map(|t| t.id).collect();
    ids.sort();
    let mut expected = vec![first.id, second.id];
    expected.sort();
    assert_eq!(ids, expected, "both torrents are back");
    let Response::LedgerHealth { health } = again.call(&Request::VerifyLedger).await? else {
        anyhow::bail!("a health report")
    };
    assert!(health.ok, "{:?}", health.problems);
    Ok(())
}
