//! What the details panel shows and changes for one torrent, over the HTTP API: file
//! priorities, when it was added, its all-time ratio, the `.torrent`'s `created by` and
//! `comment`, all kept across a restart; and bad priority requests refused without
//! touching other torrents.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bidswarm_api::{
    AddOptions, ApiErrorKind, FilePriority, Request, Response, TorrentId, TorrentInfo, TorrentSource,
    TorrentState,
};
use bidswarm_tests::{create_torrent, path_str, random_file, start_seeder, Server};

fn priorities(t: &TorrentInfo) -> Vec<(FilePriority, bool)> {
    t.files.iter().map(|f| (f.priority, f.included)).collect()
}

async fn set_priority(
    server: &Server,
    id: &TorrentId,
    files: Vec<u32>,
    priority: FilePriority,
) -> anyhow::Result<Result<Response, bidswarm_api::ApiError>> {
    server.rpc(&Request::SetFilePriority { id: id.clone(), files, priority }).await
}

#[tokio::test(flavor = "multi_thread")]
async fn file_priorities_ratio_and_torrent_facts_survive_a_restart() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let set = dir.path().join("seed/set");
    std::fs::create_dir_all(&set)?;
    random_file(&set.join("a.bin"), 1 << 20, 50);
    random_file(&set.join("b.bin"), 1 << 20, 51);
    random_file(&set.join("c.bin"), 1 << 20, 52);
    let torrent = dir.path().join("set.torrent");
    create_torrent(&set, &torrent, &["--piece-length", "16384"])?;
    // Our torrents carry no comment; add one (keys stay sorted: "comment" < "created by").
    let bytes = std::fs::read(&torrent)?;
    anyhow::ensure!(bytes.starts_with(b"d10:created by"), "unexpected torrent start");
    let commented = [b"d7:comment13:from the test".as_slice(), &bytes[1..]].concat();
    std::fs::write(&torrent, commented)?;
    let (_seeder, addr) = start_seeder("seeder", &torrent, &dir.path().join("seed"), &[], dir.path()).await?;

    let data_dir = dir.path().join("data");
    let server = Server::start("serve-1", &data_dir, dir.path()).await?;
    let before_add = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let options = AddOptions { peers: vec![addr.clone()], paused: true, ..Default::default() };
    let Response::Torrent { torrent: added } = server
        .call(&Request::AddTorrent { source: TorrentSource::Path(path_str(&torrent).into()), options })
        .await?
    else {
        anyhow::bail!("add did not answer a torrent")
    };
    let id = added.id.clone();
    assert!(added.added_at.is_some_and(|t| t >= before_add && t <= before_add + 60), "{:?}", added.added_at);
    assert!(added.created_by.as_deref().is_some_and(|c| c.starts_with("Bidswarm")), "{:?}", added.created_by);
    assert_eq!(added.comment.as_deref(), Some("from the test"));
    assert!(added.creation_date.is_some());
    assert_eq!(added.ratio, None, "nothing downloaded yet");

    // librqbit checks the (absent) data first; priorities change once it is done.
    server.wait_state(&id, TorrentState::Paused).await?;
    // Skip the last file, put the first first: answered at once, before any download.
    let skipped = set_priority(&server, &id, vec![2], FilePriority::Skip).await?;
    let Ok(Response::Torrent { torrent: t }) = skipped else {
        anyhow::bail!("skipping a file did not answer the torrent: {skipped:?}")
    };
    assert_eq!(
        priorities(&t),
        [(FilePriority::Normal, true), (FilePriority::Normal, true), (FilePriority::Skip, false)]
    );
    set_priority(&server, &id, vec![0], FilePriority::High).await?.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    set_priority(&server, &id, vec![1], FilePriority::Low).await?.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    server.call(&Request::Resume { id: id.clone() }).await?;
    let done = server.wait_state(&id, TorrentState::Seeding).await?;
    assert_eq!(done.total_bytes, 2 << 20, "the skipped file is not downloaded");
    assert!(!dir.path().join("data/downloads/set/c.bin").exists() || done.files[2].progress_bytes < 1 << 20);
    assert!(done.all_time_downloaded_bytes >= 2 << 20, "{}", done.all_time_downloaded_bytes);
    assert!(done.ratio.is_some_and(|r| r >= 0.0));

    // A second torrent, to show bad requests leave others alone.
    let other_data = dir.path().join("other.bin");
    random_file(&other_data, 64 << 10, 53);
    let other_torrent = dir.path().join("other.torrent");
    create_torrent(&other_data, &other_torrent, &["--piece-length", "16384"])?;
    let Response::Torrent { torrent: other } = server
        .call(&Request::AddTorrent {
            source: TorrentSource::Path(path_str(&other_torrent).into()),
            options: AddOptions { paused: true, ..Default::default() },
        })
        .await?
    else {
        anyhow::bail!("add did not answer a torrent")
    };

    let unknown = "00112233445566778899aabbccddeeff00112233".parse::<TorrentId>()?;
    let err = set_priority(&server, &unknown, vec![0], FilePriority::High).await?.expect_err("unknown");
    assert_eq!(err.kind, ApiErrorKind::UnknownTorrent);
    let err = set_priority(&server, &id, vec![3], FilePriority::High).await?.expect_err("out of range");
    assert_eq!(err.kind, ApiErrorKind::BadRequest);
    assert!(err.message.contains("out of range"), "{}", err.message);
    let err = set_priority(&server, &id, vec![0, 1], FilePriority::Skip).await?.expect_err("nothing left");
    assert_eq!(err.kind, ApiErrorKind::BadRequest);
    let err = set_priority(&server, &id, vec![], FilePriority::High).await?.expect_err("no files");
    assert_eq!(err.kind, ApiErrorKind::BadRequest);
    let raw = reqwest::Client::new()
        .post(format!("{}/api/rpc", server.url))
        .bearer_auth(&server.token)
        .header("content-type", "application/json")
        .body(format!(r#"{{"type":"set_file_priority","id":"{id}","files":[0],"priority":"urgent"}}"#))
        .send()
        .await?;
    assert_eq!(raw.status(), 400);
    let err: bidswarm_api::ApiError = serde_json::from_slice(&raw.bytes().await?)?;
    assert_eq!(err.kind, ApiErrorKind::BadRequest);
    let expected = [(FilePriority::High, true), (FilePriority::Low, true), (FilePriority::Skip, false)];
    assert_eq!(priorities(&server.torrent(&id).await?), expected, "refused requests changed nothing");
    assert_eq!(priorities(&server.torrent(&other.id).await?), [(FilePriority::Normal, true)]);

    // Restart: priorities, added_at, the facts and the life counts come back.
    let mut server = server;
    server.proc.terminate(Duration::from_secs(30)).await?;
    let server = Server::start("serve-2", &data_dir, dir.path()).await?;
    let restored = server.wait_state(&id, TorrentState::Seeding).await?;
    assert_eq!(priorities(&restored), expected);
    assert_eq!(restored.added_at, added.added_at);
    assert_eq!(restored.comment.as_deref(), Some("from the test"));
    assert!(
        restored.all_time_downloaded_bytes >= done.all_time_downloaded_bytes,
        "life count kept: {} then {}",
        done.all_time_downloaded_bytes,
        restored.all_time_downloaded_bytes
    );
    assert_eq!(restored.fetched_bytes, 0, "this run fetched nothing: the count came from the last run");
    assert!(restored.ratio.is_some());
    Ok(())
}

/// A peer added to a running torrent (`add_peers`) delivers its data, and is remembered:
/// restarted mid-download with no peer named anywhere, the client dials it again and
/// finishes. Bad peer lists are refused whole, naming the bad entry, and change nothing.
#[tokio::test(flavor = "multi_thread")]
async fn a_peer_added_to_a_running_torrent_delivers_and_is_remembered_across_a_restart() -> anyhow::Result<()>
{
    let dir = bidswarm_tests::test_dir();
    let seed = dir.path().join("seed");
    std::fs::create_dir_all(&seed)?;
    let data = seed.join("added.bin");
    random_file(&data, 8 << 20, 53);
    let torrent = dir.path().join("added.torrent");
    create_torrent(&data, &torrent, &["--piece-length", "65536"])?;
    // Slow enough that the restart comes mid-download.
    let (_seeder, addr) =
        start_seeder("seeder", &torrent, &seed, &["--upload-limit", "1M"], dir.path()).await?;

    let data_dir = dir.path().join("data");
    let mut server = Server::start("serve-1", &data_dir, dir.path()).await?;
    let own = server.peer_addr().await?;
    let source = TorrentSource::Path(path_str(&torrent).into());
    let Response::Torrent { torrent: added } =
        server.call(&Request::AddTorrent { source, options: Default::default() }).await?
    else {
        anyhow::bail!("add did not answer a torrent")
    };
    let id = added.id.clone();
    server.wait_state(&id, TorrentState::Downloading).await?;
    // No tracker, no DHT, no peer given: nothing arrives.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(server.torrent(&id).await?.progress_bytes, 0, "no peer was known");

    let add = |peers: Vec<&str>| Request::AddPeers {
        id: id.clone(),
        peers: peers.into_iter().map(Into::into).collect(),
    };
    let many: Vec<String> = (1..=65).map(|n| format!("192.0.2.{n}:6881")).collect();
    for (peers, names) in [
        (vec![], "at least one peer"),
        (vec![addr.as_str(), "not an address"], "\"not an address\" is not a peer address"),
        (vec!["127.0.0.1:0"], "cannot be a peer"),
        (vec!["0.0.0.0:6881"], "cannot be a peer"),
        (vec!["224.0.0.1:6881"], "cannot be a peer"),
        (many.iter().map(String::as_str).collect(), "at most 64 peers"),
        (vec![own.as_str()], "own peer address"),
    ] {
        let err = server.rpc(&add(peers.clone())).await?.expect_err("refused");
        assert_eq!(err.kind, ApiErrorKind::BadRequest, "{peers:?}: {err:?}");
        assert!(err.message.contains(names), "{peers:?}: {}", err.message);
    }
    let unknown = Request::AddPeers { id: TorrentId::from([0; 20]), peers: vec![addr.clone()] };
    assert_eq!(server.rpc(&unknown).await?.expect_err("no such torrent").kind, ApiErrorKind::UnknownTorrent);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(server.torrent(&id).await?.progress_bytes, 0, "a refused list dialled nobody");

    assert!(matches!(server.call(&add(vec![addr.as_str()])).await?, Response::Ok));
    let started = bidswarm_tests::wait_until(
        "the added peer's first pieces",
        Duration::from_secs(60),
        Duration::from_millis(200),
        async || server.torrent(&id).await.ok().filter(|t| t.progress_bytes > 0),
    )
    .await?;
    assert!(started.progress_bytes < started.total_bytes, "restarted mid-download");
    server.proc.terminate(Duration::from_secs(30)).await?;

    // Restarted: no peer named, yet the remembered one is dialled again.
    let server = Server::start("serve-2", &data_dir, dir.path()).await?;
    let done = server.wait_state(&id, TorrentState::Seeding).await?;
    assert_eq!(done.progress_bytes, done.total_bytes);
    assert!(bidswarm_tests::files_equal(&data, &data_dir.join("downloads/added.bin"))?, "intact");
    Ok(())
}
