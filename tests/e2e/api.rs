//! The headless server's API through real HTTP: security, bad input, events.

use base64::Engine as _;
use bidswarm_api::{
    AddOptions, ApiErrorKind, Event, Request, Response, TorrentId, TorrentSource, TorrentState,
};
use bidswarm_tests::{create_torrent, free_port, path_str, random_file, start_seeder, Server};

use crate::TRANSFER_TIMEOUT;

fn add(source: TorrentSource) -> Request {
    Request::AddTorrent { source, options: AddOptions::default() }
}

#[tokio::test(flavor = "multi_thread")]
async fn api_refuses_missing_tokens_and_foreign_hosts_and_origins() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let server = Server::start("serve", &dir.path().join("data"), dir.path()).await?;
    let http = reqwest::Client::new();
    let rpc = format!("{}/api/rpc", server.url);
    let body = r#"{"type":"list_torrents"}"#;

    let no_token = http.post(&rpc).body(body).send().await?;
    assert_eq!(no_token.status(), 401);
    let err: bidswarm_api::ApiError = serde_json::from_slice(&no_token.bytes().await?)?;
    assert_eq!(err.kind, ApiErrorKind::Unauthorized);

    let wrong = http.post(&rpc).bearer_auth("0".repeat(64)).body(body).send().await?;
    assert_eq!(wrong.status(), 401);
    let events_without_token = http.get(format!("{}/api/events", server.url)).send().await?;
    assert_eq!(events_without_token.status(), 401);

    let rebinding = http
        .post(&rpc)
        .bearer_auth(&server.token)
        .header("Host", "attacker.example")
        .body(body)
        .send()
        .await?;
    assert_eq!(rebinding.status(), 403);
    let cross_site = http
        .post(&rpc)
        .bearer_auth(&server.token)
        .header("Origin", "http://attacker.example")
        .body(body)
        .send()
        .await?;
    assert_eq!(cross_site.status(), 403);

    // The page itself needs no token (it holds no data), but still a genuine Host.
    let page = http.get(format!("{}/", server.url)).send().await?;
    assert_eq!(page.status(), 200);
    let header = |name: &str| page.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert!(header("content-security-policy").contains("frame-ancestors 'none'"), "{:?}", page.headers());
    assert!(header("content-security-policy").contains("script-src 'self'"));
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "no-referrer");
    assert!(page.text().await?.contains("Bidswarm"));
    let rebound_page = http.get(format!("{}/", server.url)).header("Host", "attacker.example").send().await?;
    assert_eq!(rebound_page.status(), 403);

    // The token in the URL opens the event stream only, never the RPC.
    let token_in_url = http.post(format!("{rpc}?token={}", server.token)).body(body).send().await?;
    assert_eq!(token_in_url.status(), 401, "the RPC takes the token from the header only");

    let ok = http.post(&rpc).bearer_auth(&server.token).body(body).send().await?;
    assert_eq!(ok.status(), 200);
    let listed: Response = serde_json::from_slice(&ok.bytes().await?)?;
    assert_eq!(listed, Response::Torrents { torrents: vec![] });

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("data/config/token"))?.permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the token file must be private");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gets_clear_errors_and_leaves_the_running_torrent_alone() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let seed = dir.path().join("seed");
    std::fs::create_dir_all(&seed)?;
    random_file(&seed.join("good.bin"), 2 << 20, 10);
    let torrent = dir.path().join("good.torrent");
    create_torrent(&seed.join("good.bin"), &torrent, &[])?;

    // The server seeds a good torrent from its own download folder.
    let data_dir = dir.path().join("data");
    std::fs::create_dir_all(data_dir.join("downloads"))?;
    std::fs::copy(seed.join("good.bin"), data_dir.join("downloads/good.bin"))?;
    let server = Server::start("serve", &data_dir, dir.path()).await?;
    let good = match server.call(&add(TorrentSource::Path(path_str(&torrent).into()))).await? {
        Response::Torrent { torrent } => torrent,
        other => anyhow::bail!("unexpected {other:?}"),
    };
    server.wait_state(&good.id, TorrentState::Seeding).await?;

    let bytes = std::fs::read(&torrent)?;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let closed_port = free_port();
    let cases = [
        (
            add(TorrentSource::Magnet("magnet:?dn=no-hash".into())),
            ApiErrorKind::InvalidMagnet,
            "missing xt=urn:btih",
        ),
        (
            add(TorrentSource::Magnet("magnet:?xt=urn:btih:xyz".into())),
            ApiErrorKind::InvalidMagnet,
            "not a valid magnet link",
        ),
        (
            add(TorrentSource::TorrentBase64(b64(b"garbage, not bencode"))),
            ApiErrorKind::InvalidTorrent,
            "not a valid .torrent",
        ),
        (
            add(TorrentSource::TorrentBase64(b64(&bytes[..bytes.len() / 2]))),
            ApiErrorKind::InvalidTorrent,
            "truncated",
        ),
        (add(TorrentSource::TorrentBase64("%%%".into())), ApiErrorKind::InvalidTorrent, "not valid base64"),
        (
            add(TorrentSource::Path(path_str(&dir.path().join("nope.torrent")).into())),
            ApiErrorKind::PathNotFound,
            "nope.torrent",
        ),
        (
            add(TorrentSource::Path(path_str(&torrent).into())),
            ApiErrorKind::AlreadyExists,
            "\"good.bin\" is already in the list",
        ),
        (
            add(TorrentSource::Url(format!("http://127.0.0.1:{closed_port}/x.torrent"))),
            ApiErrorKind::Unreachable,
            "could not connect",
        ),
        (
            Request::GetTorrent { id: TorrentId::from([0xff; 20]) },
            ApiErrorKind::UnknownTorrent,
            "no torrent with id",
        ),
        (
            Request::SetFileSelection { id: good.id.clone(), files: vec![7] },
            ApiErrorKind::BadRequest,
            "out of range",
        ),
    ];
    for (request, kind, message) in cases {
        let err = server.rpc(&request).await?.expect_err(&format!("{request:?} must fail"));
        assert_eq!(err.kind, kind, "{request:?}: {err:?}");
        assert!(err.message.contains(message), "{request:?}: {err:?}");
    }
    // Garbage on the wire: not JSON at all.
    let raw = reqwest::Client::new()
        .post(format!("{}/api/rpc", server.url))
        .bearer_auth(&server.token)
        .body("{\"type\": ")
        .send()
        .await?;
    assert_eq!(raw.status(), 400);
    // An id that is not an info hash, and an amount that is not a whole number of base
    // units, are refused as the request is read.
    let hash = "ab".repeat(20);
    let bid = |budget: &str| {
        format!(
            r#"{{"type":"set_torrent_bid","id":"{hash}","bid":{{"spending":true,"strategy":"auto","price_per_gib":"1","budget":"{budget}"}}}}"#
        )
    };
    for (body, says) in [
        (r#"{"type":"pause","id":"not-a-hash"}"#.to_owned(), "40 hex digits"),
        (r#"{"type":"remove","id":"abc","delete_data":true}"#.to_owned(), "40 hex digits"),
        (bid("a lot"), "base units"),
        (bid("-5"), "base units"),
        (bid("1.5"), "base units"),
        (r#"{"type":"quote_send","to":"T","asset":"trx","amount":"1e6"}"#.to_owned(), "base units"),
    ] {
        let answer = reqwest::Client::new()
            .post(format!("{}/api/rpc", server.url))
            .bearer_auth(&server.token)
            .body(body.clone())
            .send()
            .await?;
        assert_eq!(answer.status(), 400, "{body}");
        let err: bidswarm_api::ApiError = serde_json::from_slice(&answer.bytes().await?)?;
        assert_eq!(err.kind, ApiErrorKind::BadRequest, "{body}: {err:?}");
        assert!(err.message.contains(says), "{body}: {err:?}");
    }

    let all = server.torrents().await?;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0].state, TorrentState::Seeding);
    assert_eq!(all[0].progress_bytes, 2 << 20);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn events_stream_reports_added_metadata_and_completion() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let seed = dir.path().join("seed");
    std::fs::create_dir_all(&seed)?;
    random_file(&seed.join("ev.bin"), 4 << 20, 11);
    let torrent = dir.path().join("ev.torrent");
    let magnet = create_torrent(&seed.join("ev.bin"), &torrent, &[])?;
    let (_seeder, addr) = start_seeder("seeder", &torrent, &seed, &[], dir.path()).await?;
    let server = Server::start("serve", &dir.path().join("data"), dir.path()).await?;

    let response = reqwest::Client::new()
        .get(format!("{}/api/events?token={}", server.url, server.token))
        .send()
        .await?;
    assert_eq!(response.status(), 200);
    let mut response = response;

    let options = AddOptions { peers: vec![addr], ..Default::default() };
    let added = server.call(&Request::AddTorrent { source: TorrentSource::Magnet(magnet), options }).await?;
    let Response::Torrent { torrent: added } = added else { anyhow::bail!("unexpected {added:?}") };
    assert!(matches!(
        added.state,
        TorrentState::Resolving | TorrentState::Downloading | TorrentState::Checking
    ));

    let mut seen = Vec::new();
    let mut buffer = String::new();
    tokio::time::timeout(TRANSFER_TIMEOUT, async {
        while let Some(chunk) = response.chunk().await? {
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find("\n\n") {
                let frame: String = buffer.drain(..end + 2).collect();
                let Some(json) = frame.lines().find_map(|l| l.strip_prefix("data: ")) else { continue };
                let event: Event = serde_json::from_str(json)?;
                let kind = match &event {
                    Event::Added { .. } => "added",
                    Event::MetadataResolved { .. } => "metadata_resolved",
                    Event::Completed { .. } => "completed",
                    _ => continue,
                };
                if !seen.contains(&kind) {
                    seen.push(kind);
                }
                if kind == "completed" {
                    return anyhow::Ok(());
                }
            }
        }
        anyhow::bail!("the event stream ended")
    })
    .await??;
    assert!(seen.contains(&"added") && seen.contains(&"completed"), "{seen:?}");
    assert!(dir.path().join("data/downloads/ev.bin").exists());
    Ok(())
}

/// librqbit 9.1 gave two torrents added at once the same id and answered the second
/// "already managed" with the first one's name (found by the UI's performance test).
#[tokio::test(flavor = "multi_thread")]
async fn regression_concurrent_adds_of_different_torrents_all_succeed() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let server = Server::start("serve", &dir.path().join("data"), dir.path()).await?;
    let server = &server;
    let mut adds = Vec::new();
    for i in 0..6u64 {
        let data = dir.path().join(format!("f{i}.bin"));
        random_file(&data, 100_000, 40 + i);
        let torrent = dir.path().join(format!("f{i}.torrent"));
        create_torrent(&data, &torrent, &[])?;
        let source = TorrentSource::Path(torrent.display().to_string());
        let request =
            Request::AddTorrent { source, options: AddOptions { paused: true, ..Default::default() } };
        adds.push(async move { server.rpc(&request).await });
    }
    // All six requests in flight at once.
    let results = futures::future::join_all(adds).await;
    for (i, result) in results.into_iter().enumerate() {
        let result = result?;
        assert!(matches!(result, Ok(Response::Torrent { .. })), "add {i} failed: {result:?}");
    }
    assert_eq!(server.torrents().await?.len(), 6);
    Ok(())
}

/// The ledger through the API: a fresh server's ledger is empty and healthy, its export
/// is just the header, and the answers have the shapes the UI reads.
#[tokio::test(flavor = "multi_thread")]
async fn the_ledger_answers_summary_health_and_export_through_the_api() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let server = Server::start("serve", &dir.path().join("data"), dir.path()).await?;
    let Response::LedgerSummary { summary, per_torrent, per_peer, by_day } =
        server.call(&Request::LedgerSummary).await?
    else {
        anyhow::bail!("not a summary")
    };
    assert_eq!(
        (summary.spent.as_str(), summary.committed.as_str(), summary.earned_settled.as_str()),
        ("0", "0", "0")
    );
    assert!(per_torrent.is_empty() && per_peer.is_empty() && by_day.is_empty());
    let Response::LedgerHealth { health } = server.call(&Request::VerifyLedger).await? else {
        anyhow::bail!("not a health report")
    };
    assert!(health.ok, "{:?}", health.problems);
    assert!(
        dir.path().join("data/state/ledger.sqlite").exists(),
        "the server keeps its ledger in the state folder"
    );
    let Response::LedgerCsv { csv } = server.call(&Request::ExportLedger { from: None, to: None }).await?
    else {
        anyhow::bail!("not CSV")
    };
    assert_eq!(
        csv.lines().collect::<Vec<_>>(),
        ["date,torrent,peer,direction,amount_btt,state,txid,amount_trx"]
    );
    // A bad range is not an error, just empty.
    let Response::LedgerCsv { csv } =
        server.call(&Request::ExportLedger { from: Some(10), to: Some(5) }).await?
    else {
        anyhow::bail!("not CSV")
    };
    assert_eq!(csv.lines().count(), 1);
    Ok(())
}

/// The settings name a file to read as a blocklist, so a caller with the token could aim it
/// at a key file, a FIFO or `/dev/zero`. Each is refused with a clear error that never
/// quotes the file, nothing hangs, and the saved settings are unchanged.
#[tokio::test(flavor = "multi_thread")]
async fn a_blocklist_path_never_leaks_a_file_hangs_or_eats_memory() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let data_dir = dir.path().join("data");
    let server = Server::start("serve", &data_dir, dir.path()).await?;
    let Response::Settings { settings: before, .. } = server.call(&Request::GetSettings).await? else {
        anyhow::bail!("no settings")
    };
    let secret = "4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d";
    let key_file = dir.path().join("wallet.key");
    std::fs::write(&key_file, format!("{secret}\n"))?;
    let fifo = dir.path().join("fifo");
    anyhow::ensure!(std::process::Command::new("mkfifo").arg(&fifo).status()?.success(), "mkfifo failed");
    // `/dev/zero` and files outside the test's folder are `forbidden` before they are
    // opened (paths::requests_naming_paths_outside_the_allowed_folders_are_forbidden_…).
    for (path, says) in [(path_str(&key_file), "is not a blocklist"), (path_str(&fifo), "not a regular file")]
    {
        let mut settings = before.clone();
        settings.blocklist_path = Some(path.into());
        let answer = tokio::time::timeout(
            std::time::Duration::from_secs(20),
            server.rpc(&Request::UpdateSettings { settings: settings.into() }),
        )
        .await
        .map_err(|_| anyhow::anyhow!("reading {path} as a blocklist hung"))??;
        let error = answer.err().ok_or_else(|| anyhow::anyhow!("{path} was taken as a blocklist"))?;
        assert_eq!(error.kind, ApiErrorKind::BadRequest, "{path}: {}", error.message);
        assert!(error.message.contains(says), "{path}: {}", error.message);
        assert!(!error.message.contains(&secret[..16]), "the key file's content leaked: {}", error.message);
    }
    let Response::Settings { settings: after, .. } = server.call(&Request::GetSettings).await? else {
        anyhow::bail!("no settings")
    };
    assert_eq!(after, before, "nothing was saved");
    Ok(())
}

/// A client that opens many connections, sends a request a byte at a time or says nothing
/// cannot shut the owner out: past the cap a connection is closed at once, a request head
/// must arrive within 10 s (on a kept-alive connection too), and once the idle ones are
/// closed the API answers again.
#[tokio::test(flavor = "multi_thread")]
async fn idle_and_trickling_connections_are_capped_and_closed() -> anyhow::Result<()> {
    use std::time::Duration;
    use tokio::{
        io::{AsyncReadExt, AsyncWriteExt},
        net::TcpStream,
        time::{timeout_at, Instant},
    };
    /// The server's `HEADER_TIMEOUT`: a slot taken after a moment is held until at least
    /// this long after it.
    const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
    /// Far past the timeout, so that only a connection the server never closes runs out
    /// of it.
    const CLOSED_WITHIN: Duration = Duration::from_secs(60);
    /// `true` when the server closed `stream` by `deadline`.
    async fn closed_by(stream: &mut TcpStream, deadline: Instant) -> bool {
        let mut rest = Vec::new();
        matches!(timeout_at(deadline, stream.read_to_end(&mut rest)).await, Ok(Ok(_)) | Ok(Err(_)))
    }

    let dir = bidswarm_tests::test_dir();
    let server = Server::start("serve", &dir.path().join("data"), dir.path()).await?;
    let addr = server.url.trim_start_matches("http://").to_owned();
    let head = format!("GET / HTTP/1.1\r\nHost: {addr}\r\n");
    // Each round takes all 64 slots, then knocks once more. Every slot of the round was
    // taken after `start`, so none frees before `start + HEADER_TIMEOUT`: an outcome seen
    // by then is the cap's. A machine that stalls longer leaves the round undecided, and
    // the next one starts once the server has closed all of this one's connections.
    let mut decided = false;
    for _ in 0..3 {
        let start = Instant::now();
        let deadline = start + CLOSED_WITHIN;
        let mut trickle = TcpStream::connect(&addr).await?;
        trickle.write_all(head.as_bytes()).await?;
        let mut idle = Vec::new();
        for _ in 1..64 {
            idle.push(TcpStream::connect(&addr).await?);
        }
        let mut over = TcpStream::connect(&addr).await?;
        let _ = over.write_all(format!("{head}\r\n").as_bytes()).await;
        let mut answer = [0; 64];
        // Closed: the end of the stream, or a reset as the server drops our unread request.
        let Ok(read) = timeout_at(deadline, over.read(&mut answer)).await else {
            anyhow::bail!("the 65th connection was neither closed nor answered within {CLOSED_WITHIN:?}");
        };
        decided = start.elapsed() < HEADER_TIMEOUT;
        if decided {
            let answer = String::from_utf8_lossy(&answer[..read.unwrap_or(0)]);
            assert!(answer.is_empty(), "the 65th connection is closed without an answer: {answer:?}");
        }
        // The unfinished head and the silent connections are closed after the 10 s limit
        // (and the 65th, had it been served, once idle that long).
        assert!(closed_by(&mut trickle, deadline).await, "a trickled head is cut off");
        for stream in &mut idle {
            assert!(closed_by(stream, deadline).await, "a silent connection is closed");
        }
        assert!(closed_by(&mut over, deadline).await, "a kept-alive connection is closed");
        if decided {
            break;
        }
    }
    assert!(decided, "the server stalled past its header timeout in every round, so the cap went unchecked");
    let listed = server.call(&Request::ListTorrents).await?;
    assert_eq!(listed, Response::Torrents { torrents: vec![] }, "the API answers again");
    Ok(())
}

/// A caller with the token that sends a request's body a byte at a time cannot hold its
/// connection for good: the whole body must arrive within the 10 s the head has, or the
/// request is answered `bad_request` and the connection freed. Before, only the head had
/// a deadline.
#[tokio::test(flavor = "multi_thread")]
async fn a_request_body_trickled_a_byte_at_a_time_is_cut_off() -> anyhow::Result<()> {
    use std::time::Duration;
    use tokio::{
        io::{AsyncReadExt, AsyncWriteExt},
        net::TcpStream,
        time::{timeout_at, Instant},
    };
    let dir = bidswarm_tests::test_dir();
    let server = Server::start("serve", &dir.path().join("data"), dir.path()).await?;
    let addr = server.url.trim_start_matches("http://").to_owned();
    let body = r#"{"type":"list_torrents"}"#;
    let mut stream = TcpStream::connect(&addr).await?;
    let head = format!(
        "POST /api/rpc HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        server.token,
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    // One byte a second, never the whole body: far longer than the deadline, and every
    // gap far shorter.
    let (mut reader, mut writer) = stream.into_split();
    let trickle = tokio::spawn(async move {
        for byte in body.as_bytes().iter().take(body.len() - 1) {
            if writer.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        // Held open, body unfinished, until the test ends.
        tokio::time::sleep(Duration::from_secs(120)).await;
    });
    let mut answer = Vec::new();
    let mut chunk = [0; 1024];
    let deadline = Instant::now() + Duration::from_secs(90);
    while !String::from_utf8_lossy(&answer).contains("bad_request") {
        match timeout_at(deadline, reader.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => answer.extend_from_slice(&chunk[..n]),
            Err(_) => break,
        }
    }
    trickle.abort();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "a trickled body is answered 400: {answer:?}");
    assert!(answer.contains("did not arrive within"), "{answer:?}");
    let listed = server.call(&Request::ListTorrents).await?;
    assert_eq!(listed, Response::Torrents { torrents: vec![] }, "the API answers others meanwhile");
    Ok(())
}

/// `serve --tls-cert --tls-key`: the API over HTTPS with the given certificate, for a
/// client that trusts it; a client that does not is refused, and plain HTTP on the same
/// port gets no answer. A key file that holds no key stops the start with a message naming
/// the file, never quoting it.
#[tokio::test(flavor = "multi_thread")]
async fn serve_speaks_https_with_the_certificate_it_is_given() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()])?;
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, made.cert.pem())?;
    std::fs::write(&key, made.key_pair.serialize_pem())?;
    let args = ["--tls-cert", path_str(&cert), "--tls-key", path_str(&key)];
    let server = Server::start_with("serve", &dir.path().join("data"), dir.path(), &args).await?;
    assert!(server.url.starts_with("https://127.0.0.1:"), "{}", server.url);
    let trusting = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(made.cert.pem().as_bytes())?)
        .build()?;
    let (ok, body) =
        bidswarm_tests::post_rpc(&trusting, &server.url, &server.token, &Request::ListTorrents).await?;
    assert!(ok, "{body}");
    assert_eq!(serde_json::from_str::<Response>(&body)?, Response::Torrents { torrents: vec![] });
    let untrusting =
        bidswarm_tests::post_rpc(&reqwest::Client::new(), &server.url, &server.token, &Request::ListTorrents)
            .await;
    assert!(untrusting.is_err(), "an unknown certificate is not trusted: {untrusting:?}");
    let plain = reqwest::get(server.url.replacen("https://", "http://", 1)).await;
    assert!(plain.as_ref().map_or(true, |r| !r.status().is_success()), "no plain HTTP answer: {plain:?}");

    // The certificate given as the key: refused at start, the file named, its text not shown.
    let bad = bidswarm_tests::cli(&[
        "--data-dir",
        path_str(&dir.path().join("data2")),
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--no-dht",
        "--tls-cert",
        path_str(&cert),
        "--tls-key",
        path_str(&cert),
    ])
    .output()?;
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success(), "started without a key");
    assert!(stderr.contains("cert.pem") && !stderr.contains("BEGIN"), "{stderr}");
    Ok(())
}

/// One address beyond this machine's own (127.0.0.2 stands for a remote client) gets 16
/// connections at most: the 17th is closed unanswered while the owner, on 127.0.0.1, is
/// still served; once it closes one, it may open another.
#[tokio::test(flavor = "multi_thread")]
async fn one_remote_address_cannot_take_every_connection() -> anyhow::Result<()> {
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = bidswarm_tests::test_dir();
    let server = Server::start("serve", &dir.path().join("data"), dir.path()).await?;
    let addr: std::net::SocketAddr = server.url.trim_start_matches("http://").parse()?;
    let from_remote = || async move {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.bind("127.0.0.2:0".parse()?)?;
        anyhow::Ok(socket.connect(addr).await?)
    };
    // `Some(answer)` when the server answered a request on `stream`, `None` when it
    // closed it unanswered.
    let ask = |mut stream: tokio::net::TcpStream| async move {
        let request = format!("GET / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        let _ = stream.write_all(request.as_bytes()).await;
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer)).await;
        anyhow::ensure!(read.is_ok(), "neither answered nor closed within 30 s");
        anyhow::Ok((!answer.is_empty()).then(|| String::from_utf8_lossy(&answer).into_owned()))
    };
    // A held slot can time out (10 s without a request head) and free itself; a round in
    // which the 17th was answered only after that does not count (a busy machine), and is
    // run again, 3 rounds at most.
    let mut held = Vec::new();
    for round in 1..=3 {
        let started = std::time::Instant::now();
        held.clear();
        for _ in 0..16 {
            held.push(from_remote().await?);
        }
        let seventeenth = ask(from_remote().await?).await?;
        if seventeenth.is_some() && started.elapsed() >= Duration::from_secs(10) && round < 3 {
            // Let the round's held connections close before the next one.
            held.clear();
            tokio::time::sleep(Duration::from_secs(11)).await;
            continue;
        }
        assert_eq!(seventeenth, None, "the 17th from one address is closed unanswered");
        break;
    }
    assert!(
        matches!(server.call(&Request::GetSettings).await?, Response::Settings { .. }),
        "the owner is served"
    );
    drop(held.pop());
    // The server sees the close when it next reads; give it a bounded while.
    let answered = bidswarm_tests::wait_until(
        "a slot to come free",
        Duration::from_secs(20),
        Duration::from_millis(200),
        async || ask(from_remote().await.ok()?).await.ok().flatten(),
    )
    .await?;
    assert!(answered.starts_with("HTTP/1.1"), "{answered}");
    Ok(())
}

/// The bid column's one request: a torrent's own bid is listed, a refused bid changes
/// nothing, a cleared bid leaves the list, and a torrent nobody bid on is never in it.
#[tokio::test(flavor = "multi_thread")]
async fn list_bids_shows_each_torrents_own_bid_and_a_refused_bid_changes_nothing() -> anyhow::Result<()> {
    use bidswarm_api::{BaseUnits, BidStrategy, TorrentBid};
    let dir = bidswarm_tests::test_dir();
    let server = Server::start("serve", &dir.path().join("data"), dir.path()).await?;
    let mut ids = Vec::new();
    for i in 0..2u64 {
        let data = dir.path().join(format!("bid{i}.bin"));
        random_file(&data, 100_000, 60 + i);
        let torrent = dir.path().join(format!("bid{i}.torrent"));
        create_torrent(&data, &torrent, &[])?;
        let options = AddOptions { paused: true, ..AddOptions::default() };
        let source = TorrentSource::Path(path_str(&torrent).into());
        match server.call(&Request::AddTorrent { source, options }).await? {
            Response::Torrent { torrent } => ids.push(torrent.id),
            other => anyhow::bail!("unexpected {other:?}"),
        }
    }
    let bids = async || match server.call(&Request::ListBids).await {
        Ok(Response::Bids { bids }) => Ok(bids),
        other => Err(anyhow::anyhow!("unexpected {other:?}")),
    };
    assert_eq!(bids().await?, vec![], "nobody bid yet");

    let bid = TorrentBid {
        spending: true,
        strategy: BidStrategy::Auto,
        price_per_gib: BaseUnits(5000),
        budget: BaseUnits(900_000),
    };
    let set = |bid: Option<TorrentBid>| Request::SetTorrentBid { id: ids[1].clone(), bid };
    server.call(&set(Some(bid.clone()))).await?;
    let listed = bids().await?;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!((&listed[0].id, &listed[0].bid), (&ids[1], &Some(bid.clone())));
    assert!(!listed[0].budget_exhausted);

    let refused = server
        .rpc(&set(Some(TorrentBid { budget: BaseUnits(0), ..bid.clone() })))
        .await?
        .expect_err("a bid with no budget is refused");
    assert_eq!(refused.kind, ApiErrorKind::BadRequest, "{}", refused.message);
    assert!(refused.message.contains("budget"), "{}", refused.message);
    assert_eq!(bids().await?[0].bid, Some(bid), "the refused bid changed nothing");

    server.call(&set(None)).await?;
    assert_eq!(bids().await?, vec![], "a cleared bid leaves the column");
    Ok(())
}
