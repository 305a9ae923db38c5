//! The rules a user sets once: seeding limits that stop a finished torrent, and a schedule
//! that switches the alternative speed limits. Real `serve` processes over the HTTP API.

use std::time::Duration;

use bidswarm_api::{
    AddOptions, AltSchedule, BandwidthPriority, Event, QueueMove, QueueSettings, RateLimits, Request,
    Response, ScheduleDays, SeedingAction, SeedingLimitKind, SeedingLimits, Settings, TorrentId, TorrentInfo,
    TorrentSource, TorrentState,
};
use bidswarm_tests::{cli, create_torrent, download, path_str, random_file, start_seeder, Server};

use crate::TRANSFER_TIMEOUT;

async fn settings(server: &Server) -> anyhow::Result<Settings> {
    match server.call(&Request::GetSettings).await? {
        Response::Settings { settings, .. } => Ok(settings),
        other => anyhow::bail!("unexpected {other:?}"),
    }
}

/// One torrent a [`seeding_server`] seeds.
struct Seeded {
    magnet: String,
    torrent: std::path::PathBuf,
    id: TorrentId,
}

/// A `serve` in `dir/seeder` seeding one torrent per name, each a file of `size` random
/// bytes already in its downloads folder, with `change` made to its settings first.
async fn seeding_server(
    dir: &std::path::Path,
    names: &[&str],
    size: usize,
    change: impl FnOnce(Settings) -> Settings,
) -> anyhow::Result<(Server, Vec<Seeded>)> {
    let seed_dir = dir.join("seeder");
    let downloads = seed_dir.join("downloads");
    std::fs::create_dir_all(&downloads)?;
    let mut made = Vec::new();
    for (n, name) in names.iter().enumerate() {
        let file = downloads.join(format!("{name}.bin"));
        random_file(&file, size, 80 + n as u64);
        let torrent = dir.join(format!("{name}.torrent"));
        made.push((create_torrent(&file, &torrent, &["--piece-length", "65536"])?, torrent));
    }
    let seeder = Server::start("seeder", &seed_dir, dir).await?;
    let wanted = change(settings(&seeder).await?);
    seeder.call(&Request::UpdateSettings { settings: Box::new(wanted) }).await?;
    let mut torrents = Vec::new();
    for (magnet, path) in made {
        let source = TorrentSource::Path(path_str(&path).into());
        let Response::Torrent { torrent } =
            seeder.call(&Request::AddTorrent { source, options: Default::default() }).await?
        else {
            anyhow::bail!("add did not answer a torrent")
        };
        seeder.wait_state(&torrent.id, TorrentState::Seeding).await?;
        torrents.push(Seeded { magnet, torrent: path, id: torrent.id });
    }
    Ok((seeder, torrents))
}

/// Waits for the first event `pick` accepts, up to `within`.
async fn wait_event<T>(
    events: &mut bidswarm_tests::EventStream,
    within: Duration,
    pick: impl Fn(Event) -> Option<T>,
) -> anyhow::Result<T> {
    let deadline = tokio::time::Instant::now() + within;
    while let Some(event) = events.next_by(deadline).await? {
        if let Some(found) = pick(event) {
            return Ok(found);
        }
    }
    anyhow::bail!("no such event within {within:?}")
}

/// A torrent seeded from data already on disk, under a global ratio limit of 1: once a
/// leecher has taken a full copy, it is paused and the UI is told why. Its own limit then
/// wins over the global one, and survives a restart; bad limits are refused and change
/// nothing.
#[tokio::test(flavor = "multi_thread")]
async fn a_ratio_limit_pauses_a_seeding_torrent() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let data_dir = dir.path().join("data");
    let downloads = data_dir.join("downloads");
    std::fs::create_dir_all(&downloads)?;
    random_file(&downloads.join("shared.bin"), 2 << 20, 70);
    let torrent = dir.path().join("shared.torrent");
    let magnet = create_torrent(&downloads.join("shared.bin"), &torrent, &["--piece-length", "65536"])?;
    let mut server = Server::start("serve", &data_dir, dir.path()).await?;
    let ratio_one = SeedingLimits { ratio: Some(1.0), ..Default::default() };
    let wanted = Settings { seeding_limits: ratio_one, ..settings(&server).await? };
    server.call(&Request::UpdateSettings { settings: Box::new(wanted) }).await?;

    let mut events = server.events().await?;
    let Response::Torrent { torrent: added } = server
        .call(&Request::AddTorrent {
            source: TorrentSource::Path(path_str(&torrent).into()),
            options: Default::default(),
        })
        .await?
    else {
        anyhow::bail!("add did not answer a torrent")
    };
    let id = added.id.clone();
    let seeding = server.wait_state(&id, TorrentState::Seeding).await?;
    assert_eq!(seeding.all_time_downloaded_bytes, 0, "seeded from data already here");

    // Below the limit it seeds on: nothing was uploaded yet.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(server.torrent(&id).await?.state, TorrentState::Seeding);

    let peer = server.peer_addr().await?;
    download(&magnet, &dir.path().join("leech"), Some(&peer), TRANSFER_TIMEOUT, dir.path()).await?;
    let (limit, action) = wait_event(&mut events, Duration::from_secs(60), |e| match e {
        Event::SeedingLimitReached { id: at, limit, action, .. } if at == id => Some((limit, action)),
        _ => None,
    })
    .await?;
    assert_eq!((limit, action), (SeedingLimitKind::Ratio, SeedingAction::Pause));
    let paused = server.torrent(&id).await?;
    assert_eq!(paused.state, TorrentState::Paused);
    assert!(
        paused.all_time_uploaded_bytes >= 2 << 20,
        "a full copy went up: {}",
        paused.all_time_uploaded_bytes
    );
    assert!(paused.seeding_secs >= 2, "it seeded a while: {} s", paused.seeding_secs);

    // Its own limit wins: ratio 5 lets it seed again.
    // (JSON has no NaN: serde_json writes it as null, so the wire's worst is a negative.)
    let hostile = SeedingLimits { ratio: Some(-1.0), ..Default::default() };
    let refused = server.rpc(&Request::SetSeedingLimits { id: id.clone(), limits: Some(hostile) }).await?;
    let err = refused.expect_err("-1 is no ratio");
    assert_eq!(err.kind, bidswarm_api::ApiErrorKind::BadRequest, "{err:?}");
    assert_eq!(server.torrent(&id).await?.seeding_limits, None, "a refused limit changes nothing");
    let own = SeedingLimits { ratio: Some(5.0), ..Default::default() };
    server.call(&Request::SetSeedingLimits { id: id.clone(), limits: Some(own) }).await?;
    server.call(&Request::Resume { id: id.clone() }).await?;
    server.wait_state(&id, TorrentState::Seeding).await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(server.torrent(&id).await?.state, TorrentState::Seeding, "ratio 5 is not reached");

    // After a restart: its own limit, its life totals and its seeding time are still there.
    let before = server.torrent(&id).await?;
    server.proc.terminate(Duration::from_secs(30)).await?;
    let server = Server::start("serve-again", &data_dir, dir.path()).await?;
    let after = server.wait_state(&id, TorrentState::Seeding).await?;
    assert_eq!(after.seeding_limits, Some(own));
    assert!(after.all_time_uploaded_bytes >= 2 << 20);
    // Kept in whole minutes.
    assert!(
        after.seeding_secs >= before.seeding_secs / 60 * 60,
        "{} < {}",
        after.seeding_secs,
        before.seeding_secs
    );
    assert_eq!(settings(&server).await?.seeding_limits, ratio_one);
    Ok(())
}

/// A schedule from 22:00 to 06:00, on a clock started at 21:59:55: the alternative
/// limits switch on at 22:00 (the gateway's upload cap with them), the user's toggle then
/// holds, and a bad schedule is refused.
#[tokio::test(flavor = "multi_thread")]
async fn the_schedule_switches_the_alternative_limits_at_its_time() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let data_dir = dir.path().join("data");
    let server = Server::start_with_env(
        "serve",
        &data_dir,
        dir.path(),
        &[],
        &[("BIDSWARM_CLOCK_START", "2026-12-07T21:59:55")],
    )
    .await?;
    let mut events = server.events().await?;
    let night =
        AltSchedule { enabled: true, from_minute: 22 * 60, to_minute: 6 * 60, days: ScheduleDays::Every };
    let current = settings(&server).await?;
    let bad = Settings { alt_schedule: AltSchedule { to_minute: 24 * 60, ..night }, ..current.clone() };
    let err = server
        .rpc(&Request::UpdateSettings { settings: Box::new(bad) })
        .await?
        .expect_err("24:00 is no time");
    assert_eq!(err.kind, bidswarm_api::ApiErrorKind::BadRequest, "{err:?}");
    assert_eq!(settings(&server).await?, current, "a refused schedule changes nothing");

    let alt = RateLimits { upload_bytes_per_sec: Some(64 << 10), download_bytes_per_sec: Some(128 << 10) };
    let wanted = Settings { alt_limits: alt, alt_schedule: night, ..current };
    server.call(&Request::UpdateSettings { settings: Box::new(wanted) }).await?;
    let cap = async || -> anyhow::Result<Option<u64>> {
        match server.call(&Request::SessionStats).await? {
            Response::SessionStats { stats } => Ok(stats.upload_cap_bytes_per_sec),
            other => anyhow::bail!("unexpected {other:?}"),
        }
    };
    let enabled = wait_event(&mut events, Duration::from_secs(60), |e| match e {
        Event::AltLimitsScheduled { enabled } => Some(enabled),
        _ => None,
    })
    .await?;
    assert!(enabled, "22:00 switches them on");
    assert_eq!(cap().await?, Some(64 << 10), "the gateway caps upload at the alternative limit");
    assert!(settings(&server).await?.alt_limits_enabled);

    // The user turns them off in the middle of the window: that holds.
    let Response::Settings { settings: off, .. } =
        server.call(&Request::SetAltLimitsEnabled { enabled: false }).await?
    else {
        anyhow::bail!("no settings")
    };
    assert!(!off.alt_limits_enabled);
    assert_eq!(cap().await?, None);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(cap().await?, None, "the schedule does not overrule the toggle until 06:00");
    // A settings form read while they were on, saved now, does not switch them back on.
    let stale = Settings { alt_limits_enabled: true, ..off };
    let Response::Settings { settings: kept, .. } =
        server.call(&Request::UpdateSettings { settings: Box::new(stale) }).await?
    else {
        anyhow::bail!("no settings")
    };
    assert!(!kept.alt_limits_enabled, "update_settings leaves the toggle alone");
    assert_eq!(cap().await?, None);
    let on_disk: Settings = serde_json::from_slice(&std::fs::read(data_dir.join("config/settings.json"))?)?;
    assert!(!on_disk.alt_limits_enabled && on_disk.alt_schedule == night);
    Ok(())
}

/// `bidswarm-cli seed --stop-at-ratio 1` exits by itself once a leecher has taken one
/// copy; a ratio the core refuses stops it at once with the reason.
#[tokio::test(flavor = "multi_thread")]
async fn the_cli_seeder_stops_at_its_ratio() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let data = dir.path().join("seed");
    std::fs::create_dir_all(&data)?;
    random_file(&data.join("one.bin"), 1 << 20, 71);
    let torrent = dir.path().join("one.torrent");
    let magnet = create_torrent(&data.join("one.bin"), &torrent, &["--piece-length", "65536"])?;

    let mut bad = bidswarm_tests::Proc::spawn(
        "bad-ratio",
        cli(&[
            "seed",
            path_str(&torrent),
            "--data",
            path_str(&data),
            "--listen",
            "127.0.0.1:0",
            "--no-dht",
            "--stop-at-ratio=-2",
        ]),
        dir.path(),
    )?;
    let status = bad.wait_exit(Duration::from_secs(60)).await?;
    assert!(!status.success(), "a negative ratio is refused");
    assert!(bad.stderr_text().contains("ratio limit must be between 0 and 10000"), "{}", bad.stderr_tail());

    let (mut seeder, addr) =
        start_seeder("seeder", &torrent, &data, &["--stop-at-ratio", "1"], dir.path()).await?;
    download(&magnet, &dir.path().join("leech"), Some(&addr), TRANSFER_TIMEOUT, dir.path()).await?;
    let status = seeder.wait_exit(Duration::from_secs(60)).await?;
    assert!(status.success(), "{}", seeder.stderr_tail());
    let stopped = seeder.stdout().into_iter().find(|l| l.starts_with("stopped: ratio 1 reached"));
    assert!(stopped.is_some(), "{:?}", seeder.stdout());
    Ok(())
}

/// One download at a time: three torrents from a throttled seeder wait their turn, a
/// torrent moved to the top goes first (the running one waits again), a forced one runs
/// beside the queue, and the order survives a restart.
#[tokio::test(flavor = "multi_thread")]
async fn the_queue_runs_one_download_at_a_time_in_queue_order() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let throttle = |s: Settings| Settings {
        limits: RateLimits { upload_bytes_per_sec: Some(256 << 10), ..Default::default() },
        ..s
    };
    let (mut seeder, seeded) = seeding_server(dir.path(), &["a", "b", "c"], 1 << 20, throttle).await?;
    let seeder_addr = seeder.peer_addr().await?;

    let data_dir = dir.path().join("leecher");
    let mut leecher = Server::start("leecher", &data_dir, dir.path()).await?;
    let queue = QueueSettings {
        enabled: true,
        max_active_downloads: Some(1),
        max_active_uploads: None,
        max_active_torrents: None,
        ignore_slow: false,
        ..Default::default()
    };
    let wanted = Settings { queue, ..settings(&leecher).await? };
    leecher.call(&Request::UpdateSettings { settings: Box::new(wanted) }).await?;
    let mut ids = Vec::new();
    for seeded in &seeded {
        let options = AddOptions { peers: vec![seeder_addr.clone()], ..Default::default() };
        let source = TorrentSource::Path(path_str(&seeded.torrent).into());
        let Response::Torrent { torrent } = leecher.call(&Request::AddTorrent { source, options }).await?
        else {
            anyhow::bail!("add did not answer a torrent")
        };
        ids.push(torrent.id);
    }
    let (a, b, c) = (ids[0].clone(), ids[1].clone(), ids[2].clone());
    let states = async || -> anyhow::Result<Vec<(TorrentId, TorrentInfo)>> {
        Ok(leecher.torrents().await?.into_iter().map(|t| (t.id.clone(), t)).collect())
    };
    let now = states().await?;
    let of = |list: &[(TorrentId, TorrentInfo)], id: &TorrentId| {
        list.iter().find(|(i, _)| i == id).map(|(_, t)| t.clone()).expect("listed")
    };
    assert_eq!([&a, &b, &c].map(|id| of(&now, id).queue_position), [1, 2, 3]);
    assert_eq!(of(&now, &c).state, TorrentState::Queued, "the third waits from the start");
    assert_eq!(of(&now, &b).state, TorrentState::Queued);

    // c to the top: it runs, and a, which ran, waits again.
    leecher.call(&Request::MoveInQueue { ids: vec![c.clone()], to: QueueMove::Top }).await?;
    let now = states().await?;
    assert_eq!([&c, &a, &b].map(|id| of(&now, id).queue_position), [1, 2, 3]);
    // A request naming a torrent that is not there changes none of the others.
    let unknown: TorrentId = "00112233445566778899aabbccddeeff00112233".parse()?;
    for request in [
        Request::MoveInQueue { ids: vec![b.clone(), unknown.clone()], to: QueueMove::Top },
        Request::SetForceStart { ids: vec![a.clone(), unknown.clone()], enabled: true },
        Request::SetBandwidthPriority {
            ids: vec![a.clone(), unknown.clone()],
            priority: BandwidthPriority::Low,
        },
    ] {
        let err = leecher.rpc(&request).await?.expect_err("an unknown torrent");
        assert_eq!(err.kind, bidswarm_api::ApiErrorKind::UnknownTorrent, "{request:?}: {err:?}");
    }
    let unchanged = leecher.torrent(&a).await?;
    assert!(!unchanged.force_start && unchanged.bandwidth_priority == BandwidthPriority::Normal);
    let now = states().await?;
    assert_eq!([&c, &a, &b].map(|id| of(&now, id).queue_position), [1, 2, 3], "the order is as it was");
    // b forced: it runs beside the queue.
    leecher.call(&Request::SetForceStart { ids: vec![b.clone()], enabled: true }).await?;

    // Watch until all three seed: never two queue-run downloads at once, and c first.
    let mut finished: Vec<TorrentId> = Vec::new();
    let deadline = tokio::time::Instant::now() + TRANSFER_TIMEOUT;
    let mut most_at_once = 0;
    while finished.len() < 3 {
        anyhow::ensure!(tokio::time::Instant::now() < deadline, "not all finished: {finished:?}");
        let now = states().await?;
        let running =
            now.iter().filter(|(_, t)| !t.force_start && t.state == TorrentState::Downloading).count();
        most_at_once = most_at_once.max(running);
        for (id, t) in &now {
            if t.state == TorrentState::Seeding && !finished.contains(id) {
                finished.push(id.clone());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(most_at_once, 1, "downloads running at once, at most (and one was seen)");
    let queue_order: Vec<&TorrentId> = finished.iter().filter(|id| **id != b).collect();
    assert_eq!(queue_order, [&c, &a], "the torrent moved to the top finished first");
    let forced = leecher.torrent(&b).await?;
    assert!(forced.force_start);

    // After a restart: the order and the force start are still there.
    leecher.proc.terminate(Duration::from_secs(30)).await?;
    let leecher = Server::start("leecher-again", &data_dir, dir.path()).await?;
    let after = leecher.torrents().await?;
    let position = |id: &TorrentId| after.iter().find(|t| &t.id == id).map(|t| t.queue_position);
    assert_eq!([&c, &a, &b].map(position), [Some(1), Some(2), Some(3)]);
    assert!(leecher.torrent(&b).await?.force_start);
    seeder.proc.terminate(Duration::from_secs(30)).await?;
    Ok(())
}

/// A `.torrent` dropped into the watched folder is added and moved into `added/`; a
/// broken one, a link and a file named like one go to `failed/` with an event, and
/// nothing else changes; a folder outside the allowed ones is refused.
#[tokio::test(flavor = "multi_thread")]
async fn the_watched_folder_adds_what_is_dropped_and_sets_aside_what_fails() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let data_dir = dir.path().join("data");
    let watched = dir.path().join("watched");
    let source = dir.path().join("src");
    std::fs::create_dir_all(&source)?;
    random_file(&source.join("dropped.bin"), 256 << 10, 90);
    let torrent = dir.path().join("dropped.torrent");
    create_torrent(&source.join("dropped.bin"), &torrent, &["--piece-length", "16384"])?;
    let server = Server::start("serve", &data_dir, dir.path()).await?;
    let current = settings(&server).await?;
    let outside = Settings { watched_folder: Some("/var/tmp/not-allowed".into()), ..current.clone() };
    let err =
        server.rpc(&Request::UpdateSettings { settings: Box::new(outside) }).await?.expect_err("outside");
    assert_eq!(err.kind, bidswarm_api::ApiErrorKind::Forbidden, "{err:?}");
    // Inside the download folder, a downloaded file named .torrent would be taken.
    let inside =
        Settings { watched_folder: Some(format!("{}/watch", current.download_folder)), ..current.clone() };
    let err = server.rpc(&Request::UpdateSettings { settings: Box::new(inside) }).await?.expect_err("inside");
    assert_eq!(err.kind, bidswarm_api::ApiErrorKind::BadRequest, "{err:?}");
    assert!(err.message.contains("apart from the download folder"), "{err:?}");
    let wanted = Settings { watched_folder: Some(path_str(&watched).into()), ..current };
    server.call(&Request::UpdateSettings { settings: Box::new(wanted) }).await?;
    assert!(watched.is_dir(), "the folder is made when missing");

    let mut events = server.events().await?;
    std::fs::copy(&torrent, watched.join("dropped.torrent"))?;
    std::fs::write(watched.join("broken.torrent"), b"d4:infoi3ee")?;
    std::os::unix::fs::symlink("/etc/hostname", watched.join("link.torrent"))?;
    std::fs::write(watched.join("notes.txt"), b"left alone")?;
    let mut failed = Vec::new();
    while failed.len() < 2 {
        let file = wait_event(&mut events, Duration::from_secs(60), |e| match e {
            Event::WatchedFileFailed { file, error } => Some((file, error.kind)),
            _ => None,
        })
        .await?;
        failed.push(file);
    }
    failed.sort_by(|a, b| a.0.cmp(&b.0));
    let failed_dir = watched.join("failed");
    assert_eq!(
        failed,
        [
            (
                path_str(&failed_dir.join("broken.torrent")).to_owned(),
                bidswarm_api::ApiErrorKind::InvalidTorrent
            ),
            (
                path_str(&failed_dir.join("link.torrent")).to_owned(),
                bidswarm_api::ApiErrorKind::InvalidTorrent
            ),
        ]
    );
    let listed = bidswarm_tests::wait_until(
        "the dropped torrent",
        Duration::from_secs(60),
        Duration::from_millis(200),
        async || server.torrents().await.ok().filter(|t| t.len() == 1),
    )
    .await?;
    assert_eq!(listed[0].name.as_deref(), Some("dropped.bin"));
    bidswarm_tests::wait_until(
        "moved aside",
        Duration::from_secs(30),
        Duration::from_millis(200),
        async || watched.join("added/dropped.torrent").exists().then_some(()),
    )
    .await?;
    assert!(!watched.join("dropped.torrent").exists());
    assert!(watched.join("notes.txt").exists(), "other files stay");
    assert!(
        failed_dir.join("link.torrent").symlink_metadata()?.file_type().is_symlink(),
        "the link moved, unread"
    );

    // The same torrent dropped again: already there, so set aside as added, not failed.
    std::fs::copy(&torrent, watched.join("again.torrent"))?;
    bidswarm_tests::wait_until(
        "the copy set aside",
        Duration::from_secs(30),
        Duration::from_millis(200),
        async || watched.join("added/again.torrent").exists().then_some(()),
    )
    .await?;
    assert_eq!(server.torrents().await?.len(), 1);
    Ok(())
}

/// Two torrents seeded under one upload cap, one at high bandwidth priority: over the same
/// seconds it uploads twice what the normal one does (±10 %), the gateway's shaper sharing
/// the cap by weight; and the priority survives a restart. Then the same with the torrent
/// at normal priority in a category of high priority (issue 18, item 8: a weight per
/// category). A share, not a speed: the window is long so the ratio is stable on a busy
/// machine. One test, the two in turn: two capped seeders at once on two cores do not
/// reach their caps, and below the cap there is nothing to share.
#[tokio::test(flavor = "multi_thread")]
async fn a_high_priority_torrent_or_category_gets_twice_the_upload_share() -> anyhow::Result<()> {
    twice_the_share(Favour::Torrent).await?;
    twice_the_share(Favour::Category).await
}

/// How the favoured torrent gets its high priority.
enum Favour {
    Torrent,
    Category,
}

async fn twice_the_share(favour: Favour) -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let cap = |s: Settings| Settings {
        limits: RateLimits { upload_bytes_per_sec: Some(4 << 20), ..Default::default() },
        ..s
    };
    let (mut seeder, seeded) = seeding_server(dir.path(), &["high", "normal"], 48 << 20, cap).await?;
    let (high, normal) = (seeded[0].id.clone(), seeded[1].id.clone());
    let fast = bidswarm_api::Label::new("Fast").map_err(anyhow::Error::msg)?;
    match favour {
        Favour::Torrent => {
            seeder
                .call(&Request::SetBandwidthPriority {
                    ids: vec![high.clone()],
                    priority: BandwidthPriority::High,
                })
                .await?;
        }
        Favour::Category => {
            seeder
                .call(&Request::SetCategory {
                    name: fast.clone(),
                    save_path: None,
                    bandwidth_priority: Some(BandwidthPriority::High),
                })
                .await?;
            seeder
                .call(&Request::SetTorrentCategory {
                    ids: vec![high.clone()],
                    category: Some(fast.clone()),
                    move_data: false,
                })
                .await?;
        }
    }
    let addr = seeder.peer_addr().await?;
    let mut leechers = Vec::new();
    for (n, Seeded { magnet, .. }) in seeded.iter().enumerate() {
        let out = dir.path().join(format!("leech{n}"));
        let args =
            ["download", magnet, "-o", path_str(&out), "--no-dht", "--exit-on-complete", "--peer", &addr];
        leechers.push(bidswarm_tests::Proc::spawn(&format!("leecher{n}"), cli(&args), dir.path())?);
    }
    // What the gateway sent on the wire: librqbit's own counter also counts what waits in
    // the loopback socket to the gateway, megabytes of it.
    let sent = async |id: &TorrentId| -> anyhow::Result<u64> {
        match seeder.call(&Request::ListPeers { id: id.clone() }).await? {
            Response::Peers { peers } => Ok(peers.iter().map(|p| p.uploaded_bytes).sum()),
            other => anyhow::bail!("unexpected {other:?}"),
        }
    };
    let uploaded = async || -> anyhow::Result<(u64, u64)> { Ok((sent(&high).await?, sent(&normal).await?)) };
    // Both under way first, then a window of twelve seconds. The gateway reads what librqbit
    // sends in chunks of about half a MiB and shapes whole chunks, so shares are lumpy
    // over a second or two and exact only over many chunks: 12 s is about 70.
    bidswarm_tests::wait_until(
        "both uploading",
        Duration::from_secs(60),
        Duration::from_millis(200),
        async || uploaded().await.ok().filter(|(h, n)| *h > 512 << 10 && *n > 256 << 10),
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (h0, n0) = uploaded().await?;
    tokio::time::sleep(Duration::from_secs(12)).await;
    let (h1, n1) = uploaded().await?;
    let ratio = (h1 - h0) as f64 / (n1 - n0).max(1) as f64;
    eprintln!("high uploaded {} bytes, normal {} bytes: {ratio:.3}", h1 - h0, n1 - n0);
    assert!((1.8..=2.2).contains(&ratio), "high/normal upload was {ratio:.3}, not 2 ± 10 %");
    assert!(n1 - n0 > 1 << 20, "the normal torrent was not starved: {} bytes", n1 - n0);
    drop(leechers);

    seeder.proc.terminate(Duration::from_secs(30)).await?;
    let seeder = Server::start("seeder-again", &dir.path().join("seeder"), dir.path()).await?;
    match favour {
        Favour::Torrent => {
            assert_eq!(seeder.torrent(&high).await?.bandwidth_priority, BandwidthPriority::High);
        }
        Favour::Category => {
            let Response::Labels { labels } = seeder.call(&Request::ListLabels).await? else {
                anyhow::bail!("no labels answer")
            };
            let kept = labels.categories.iter().find(|c| c.name == fast).map(|c| c.bandwidth_priority);
            assert_eq!(kept, Some(BandwidthPriority::High), "{labels:?}");
        }
    }
    assert_eq!(seeder.torrent(&normal).await?.bandwidth_priority, BandwidthPriority::Normal);
    Ok(())
}
