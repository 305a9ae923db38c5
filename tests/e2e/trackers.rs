//! Trackers as Bidswarm announces to them itself (`swarm/src/trackers.rs`): a tracker
//! added to a running torrent is announced to at once (opentracker sees it), a leecher
//! with nothing but a magnet's UDP tracker finds the seeder through it, so does a running
//! torrent given a tracker (and `completed` is announced when it completes), the list
//! survives a restart, a removed tracker is told `stopped`, and hostile trackers (an interval of 0,
//! a failure reason with escapes, an endless body, silence) neither make us hammer them
//! nor show the user what they like.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use bidswarm_api::{
    AddOptions, ApiErrorKind, Request, Response, TorrentId, TorrentInfo, TorrentSource, TorrentState,
    TrackerInfo, TrackerStatus, TrackerUrl,
};
use bidswarm_tests::{
    create_torrent, download, info_hash_of, path_str, peers, random_file, wait_until, Server,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TIMEOUT: Duration = Duration::from_secs(60);

fn url(url: &str) -> TrackerUrl {
    TrackerUrl::new(url).expect("a tracker URL")
}

async fn seed(server: &Server, torrent: &std::path::Path) -> anyhow::Result<TorrentInfo> {
    let source = TorrentSource::Path(path_str(torrent).into());
    let Response::Torrent { torrent } =
        server.call(&Request::AddTorrent { source, options: AddOptions::default() }).await?
    else {
        anyhow::bail!("add did not answer a torrent")
    };
    server.wait_state(&torrent.id, TorrentState::Seeding).await?;
    Ok(torrent)
}

async fn trackers(server: &Server, request: Request) -> anyhow::Result<Vec<TrackerInfo>> {
    match server.call(&request).await? {
        Response::Trackers { trackers } => Ok(trackers),
        other => anyhow::bail!("unexpected {other:?}"),
    }
}

/// Waits until `check` holds for the torrent's trackers.
async fn wait_trackers(
    server: &Server,
    id: &TorrentId,
    what: &str,
    timeout: Duration,
    check: impl Fn(&[TrackerInfo]) -> bool,
) -> anyhow::Result<Vec<TrackerInfo>> {
    wait_until(what, timeout, Duration::from_millis(200), async || {
        let list = trackers(server, Request::ListTrackers { id: id.clone() }).await.ok()?;
        check(&list).then_some(list)
    })
    .await
}

/// opentracker's count of seeders for `info_hash` (a scrape).
async fn seeders_on(tracker: &peers::OpenTracker, info_hash: &str) -> anyhow::Result<u32> {
    let raw: String = (0..20).map(|i| format!("%{}", &info_hash[2 * i..2 * i + 2])).collect();
    let scrape = tracker.announce_url.replace("/announce", &format!("/scrape?info_hash={raw}"));
    let body = reqwest::get(scrape).await?.bytes().await?;
    let text = String::from_utf8_lossy(&body).into_owned();
    Ok(text
        .split("8:completei")
        .nth(1)
        .and_then(|t| t.split('e').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tracker_added_live_is_announced_to_kept_across_a_restart_and_told_when_removed(
) -> anyhow::Result<()> {
    if !peers::require("opentracker") {
        return Ok(());
    }
    let dir = bidswarm_tests::test_dir();
    let data_dir = dir.path().join("seeder");
    let downloads = data_dir.join("downloads");
    std::fs::create_dir_all(&downloads)?;
    random_file(&downloads.join("tracked.bin"), 1 << 20, 41);
    let torrent = dir.path().join("tracked.torrent");
    let magnet = create_torrent(&downloads.join("tracked.bin"), &torrent, &[])?;
    let hash = info_hash_of(&magnet);
    let tracker = peers::OpenTracker::start(&dir.path().join("tracker"), &[&hash], dir.path()).await?;
    let udp = tracker.announce_url.replace("http://", "udp://");

    let mut server = Server::start("seeder-1", &data_dir, dir.path()).await?;
    let t = seed(&server, &torrent).await?;
    assert_eq!(t.tracker_status, None, "no trackers yet");
    assert!(trackers(&server, Request::ListTrackers { id: t.id.clone() }).await?.is_empty());

    // Bad input changes nothing.
    for bad in
        ["ftp://127.0.0.1/announce", "http://a b/announce", "udp://127.0.0.1/no-port", "javascript:alert(1)"]
    {
        let error = server
            .refused_json(format!(
                r#"{{"type":"add_trackers","id":"{}","urls":[{}]}}"#,
                t.id,
                serde_json::to_string(bad)?
            ))
            .await?;
        assert_eq!(error.kind, ApiErrorKind::BadRequest, "{bad:?}: {}", error.message);
    }
    assert!(trackers(&server, Request::ListTrackers { id: t.id.clone() }).await?.is_empty());
    let unknown =
        Request::AddTrackers { id: TorrentId::from([7; 20]), urls: vec![url(&tracker.announce_url)] };
    assert_eq!(server.rpc(&unknown).await?.expect_err("unknown").kind, ApiErrorKind::UnknownTorrent);
    let not_there =
        Request::RemoveTrackers { id: t.id.clone(), urls: vec![url("http://127.0.0.1:9/announce")] };
    assert_eq!(server.rpc(&not_there).await?.expect_err("not there").kind, ApiErrorKind::BadRequest);

    // Added while seeding: announced to at once, and opentracker counts the seeder.
    let added = trackers(
        &server,
        Request::AddTrackers { id: t.id.clone(), urls: vec![url(&tracker.announce_url), url(&udp)] },
    )
    .await?;
    assert_eq!(
        added.iter().map(|t| (t.url.as_str(), t.tier)).collect::<Vec<_>>(),
        [(tracker.announce_url.as_str(), 0), (udp.as_str(), 1)]
    );
    let working = wait_trackers(&server, &t.id, "both trackers working", TIMEOUT, |list| {
        list.iter().all(|t| t.status == TrackerStatus::Working && t.seeds == Some(1))
    })
    .await?;
    assert!(
        working.iter().all(|t| t.last_announce.is_some() && t.next_announce > t.last_announce),
        "{working:?}"
    );
    tracker.wait_for_seeder(&hash, TIMEOUT).await?;
    let info = server.torrent(&t.id).await?;
    assert_eq!(info.tracker_hosts, ["127.0.0.1"]);
    assert_eq!(info.tracker_status, Some(TrackerStatus::Working));
    assert_eq!(
        (info.swarm_seeds, info.tracker.as_ref().map(TrackerUrl::as_str)),
        (Some(1), Some(tracker.announce_url.as_str()))
    );
    assert!(info.magnet.contains("tr="), "the magnet to share names the trackers: {}", info.magnet);

    // A leecher with only the UDP tracker (no DHT, no peer given) finds the seeder.
    let only_udp = format!("magnet:?xt=urn:btih:{hash}&tr={}", udp.replace(':', "%3A").replace('/', "%2F"));
    let out = dir.path().join("out");
    download(&only_udp, &out, None, TIMEOUT, dir.path()).await?;
    assert!(bidswarm_tests::files_equal(&downloads.join("tracked.bin"), &out.join("tracked.bin"))?);

    // A second server with the .torrent alone, given the HTTP tracker while it runs: it
    // dials the seeder the tracker names (through the gateway, as librqbit takes no peer
    // for a running torrent), completes, and the tracker hears `completed` at once, not
    // at its next interval half an hour away.
    let mut leecher = Server::start("leecher", &dir.path().join("leecher"), dir.path()).await?;
    // Its preview of the UDP-only magnet finds the seeder through the tracker too (asked
    // once, as nothing is added).
    let preview = Request::PreviewTorrent { source: TorrentSource::Magnet(only_udp.clone()) };
    let Response::Preview { preview } = leecher.call(&preview).await? else { anyhow::bail!("no preview") };
    assert_eq!(preview.name.as_deref(), Some("tracked.bin"));
    let source = TorrentSource::Path(path_str(&torrent).into());
    leecher.call(&Request::AddTorrent { source, options: AddOptions::default() }).await?;
    trackers(&leecher, Request::AddTrackers { id: t.id.clone(), urls: vec![url(&tracker.announce_url)] })
        .await?;
    leecher.wait_state(&t.id, TorrentState::Seeding).await?;
    wait_until("the leecher's completed announce", TIMEOUT, Duration::from_millis(300), async || {
        (seeders_on(&tracker, &hash).await.ok()? == 2).then_some(())
    })
    .await?;
    leecher.proc.terminate(Duration::from_secs(30)).await?;

    // The list is the torrent's own now, across a restart.
    server.proc.terminate(Duration::from_secs(30)).await?;
    wait_until("the seeder's stopped announce", TIMEOUT, Duration::from_millis(300), async || {
        (seeders_on(&tracker, &hash).await.ok()? == 0).then_some(())
    })
    .await?;
    let server = Server::start("seeder-2", &data_dir, dir.path()).await?;
    server.wait_state(&t.id, TorrentState::Seeding).await?;
    wait_trackers(&server, &t.id, "the trackers after a restart", TIMEOUT, |list| {
        list.len() == 2 && list.iter().all(|t| t.status == TrackerStatus::Working)
    })
    .await?;
    tracker.wait_for_seeder(&hash, TIMEOUT).await?;

    // Edited to a URL it has: refused. Removed: told `stopped`, and no longer counted.
    let clash =
        Request::EditTracker { id: t.id.clone(), url: url(&udp), new_url: url(&tracker.announce_url) };
    assert_eq!(server.rpc(&clash).await?.expect_err("a clash").kind, ApiErrorKind::BadRequest);
    let left = trackers(
        &server,
        Request::RemoveTrackers { id: t.id.clone(), urls: vec![url(&tracker.announce_url), url(&udp)] },
    )
    .await?;
    assert!(left.is_empty());
    wait_until("the removed trackers' stopped announce", TIMEOUT, Duration::from_millis(300), async || {
        (seeders_on(&tracker, &hash).await.ok()? == 0).then_some(())
    })
    .await?;
    assert_eq!(server.torrent(&t.id).await?.tracker_status, None);
    Ok(())
}

/// What a scripted tracker does with each announce.
#[derive(Clone, Copy)]
enum Script {
    /// `interval 0`, and a warning with a terminal escape and a bidi override.
    IntervalZero,
    /// A `failure reason` with a newline, a bidi override and 1,000 more characters.
    Refuses,
    /// Starts an answer and never ends it (a megabyte and more).
    Endless,
    /// Reads the request and never answers.
    Silent,
}

/// A hostile HTTP tracker on 127.0.0.1; returns its URL and how many announces it saw.
async fn scripted_tracker(script: Script) -> anyhow::Result<(String, Arc<AtomicUsize>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/announce", listener.local_addr()?);
    let seen = Arc::new(AtomicUsize::new(0));
    let count = seen.clone();
    tokio::spawn(async move {
        // Bounded: the test is over long before this many announces.
        for _ in 0..64 {
            let Ok((mut stream, _)) = listener.accept().await else { return };
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request).await;
                let body: Vec<u8> = match script {
                    Script::IntervalZero => {
                        let warning = "slow down\u{1b}[31m\u{202E}evil";
                        format!("d8:intervali0e15:warning message{}:{warning}5:peers0:e", warning.len())
                            .into_bytes()
                    }
                    Script::Refuses => {
                        let reason = format!("passkey\nrevoked\u{202E}{}", "x".repeat(1000));
                        format!("d14:failure reason{}:{reason}e", reason.len()).into_bytes()
                    }
                    Script::Endless => {
                        let head = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nd5:peers";
                        let _ = stream.write_all(head).await;
                        for _ in 0..1024 {
                            if stream.write_all(&[b'9'; 1024]).await.is_err() {
                                return;
                            }
                        }
                        return;
                    }
                    Script::Silent => {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                        return;
                    }
                };
                let head =
                    format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", body.len());
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(&body).await;
            });
        }
    });
    Ok((url, seen))
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_trackers_cannot_make_us_hammer_them_or_show_what_they_like() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let data_dir = dir.path().join("data");
    let downloads = data_dir.join("downloads");
    std::fs::create_dir_all(&downloads)?;
    random_file(&downloads.join("hostile.bin"), 256 << 10, 42);
    let torrent = dir.path().join("hostile.torrent");
    create_torrent(&downloads.join("hostile.bin"), &torrent, &[])?;
    let server = Server::start("serve", &data_dir, dir.path()).await?;
    let t = seed(&server, &torrent).await?;

    let (zero, zero_seen) = scripted_tracker(Script::IntervalZero).await?;
    let (refuses, _) = scripted_tracker(Script::Refuses).await?;
    let (endless, _) = scripted_tracker(Script::Endless).await?;
    let (silent, _) = scripted_tracker(Script::Silent).await?;
    let urls = [&zero, &refuses, &endless, &silent].map(|u| url(u)).to_vec();
    trackers(&server, Request::AddTrackers { id: t.id.clone(), urls: urls.clone() }).await?;

    let status = |list: &[TrackerInfo], u: &str| list.iter().find(|t| t.url.as_str() == u).map(|t| t.status);
    let list = wait_trackers(&server, &t.id, "the scripted trackers answered", TIMEOUT, |list| {
        status(list, &zero) == Some(TrackerStatus::Working)
            && status(list, &refuses) == Some(TrackerStatus::NotWorking)
            && status(list, &endless) == Some(TrackerStatus::NotWorking)
    })
    .await?;
    let message = |u: &str| {
        list.iter().find(|t| t.url.as_str() == u).and_then(|t| t.message.clone()).unwrap_or_default()
    };
    let warning = message(&zero);
    assert!(warning.starts_with("slow down") && warning.ends_with("evil"), "{warning:?}");
    let reason = message(&refuses);
    assert!(reason.starts_with("passkey revoked"), "{reason:?}");
    for shown in [&warning, &reason] {
        assert!(!shown.chars().any(|c| c.is_control() || c == '\u{202E}'), "shown as it came: {shown:?}");
        assert!(shown.chars().count() <= 300, "{} characters", shown.chars().count());
    }
    assert!(message(&endless).contains("larger than"), "{:?}", message(&endless));
    // The silent one is still waiting, or has given up; either way the API answers.
    assert!(matches!(status(&list, &silent), Some(TrackerStatus::Updating | TrackerStatus::NotWorking)));
    assert_eq!(server.torrent(&t.id).await?.state, TorrentState::Seeding);

    // `interval 0` is taken as a minute: nothing more within the next seconds.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(zero_seen.load(Ordering::SeqCst), 1, "an interval of 0 made us announce again");
    // "Reannounce" does announce again, once, a few seconds after the last.
    server.call(&Request::Reannounce { ids: vec![t.id.clone()] }).await?;
    wait_until("the reannounce", TIMEOUT, Duration::from_millis(200), async || {
        (zero_seen.load(Ordering::SeqCst) == 2).then_some(())
    })
    .await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(zero_seen.load(Ordering::SeqCst), 2, "one reannounce, one announce");
    let bad_ids = Request::Reannounce { ids: vec![TorrentId::from([9; 20])] };
    assert_eq!(server.rpc(&bad_ids).await?.expect_err("unknown").kind, ApiErrorKind::UnknownTorrent);
    Ok(())
}
