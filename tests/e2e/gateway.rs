//! The gateway in real sessions: the upload cap shared among leechers, verified-piece
//! attribution, and hostile connections while a download runs.

use std::{
    io::Write,
    net::TcpStream,
    path::Path,
    time::{Duration, Instant},
};

use bidswarm_api::{AddOptions, Event, PeerInfo, Request, Response, Settings, TorrentSource, TorrentState};
use bidswarm_tests::{create_torrent, files_equal, path_str, random_file, Proc, Server};
use tokio::io::AsyncWriteExt;

use crate::TRANSFER_TIMEOUT;

const MIB: u64 = 1 << 20;

/// A `serve` session seeding `data` (a single file in `seed_dir`) under `settings`
/// changes, and the address peers reach it at.
async fn seeding_server(
    name: &str,
    dir: &Path,
    torrent: &Path,
    seed_dir: &Path,
    extra: &[&str],
    change: impl FnOnce(&mut Settings),
) -> anyhow::Result<(Server, String)> {
    seeding_server_with_env(name, dir, torrent, seed_dir, extra, &[], change).await
}

/// [`seeding_server`], the server's environment also holding `env`.
async fn seeding_server_with_env(
    name: &str,
    dir: &Path,
    torrent: &Path,
    seed_dir: &Path,
    extra: &[&str],
    env: &[(&str, &str)],
    change: impl FnOnce(&mut Settings),
) -> anyhow::Result<(Server, String)> {
    let mut server = Server::start_with_env(name, &dir.join(name), dir, extra, env).await?;
    let Response::Settings { mut settings, .. } = server.call(&Request::GetSettings).await? else {
        anyhow::bail!("no settings")
    };
    change(&mut settings);
    server.call(&Request::UpdateSettings { settings: settings.into() }).await?;
    let options = AddOptions { output_folder: Some(path_str(seed_dir).into()), ..Default::default() };
    let source = TorrentSource::Path(path_str(torrent).into());
    let Response::Torrent { torrent } = server.call(&Request::AddTorrent { source, options }).await? else {
        anyhow::bail!("not added")
    };
    server.wait_state(&torrent.id, TorrentState::Seeding).await?;
    let addr = server.peer_addr().await?;
    Ok((server, addr))
}

async fn peers(server: &Server) -> anyhow::Result<Vec<PeerInfo>> {
    let id = server.torrents().await?.remove(0).id;
    match server.call(&Request::ListPeers { id }).await? {
        Response::Peers { peers } => Ok(peers),
        other => anyhow::bail!("unexpected {other:?}"),
    }
}

fn leecher(name: &str, magnet: &str, out: &Path, seeder: &str, log_dir: &Path) -> anyhow::Result<Proc> {
    let args = ["download", magnet, "-o", path_str(out), "--no-dht", "--exit-on-complete", "--peer", seeder];
    Proc::spawn(name, bidswarm_tests::cli(&args), log_dir)
}

/// The cap test: a seeder capped at 2 MiB/s, three Bidswarm leechers. Measured
/// from the seeder's first uploaded byte to the last leecher's completion, the seeder's
/// rate stays under the cap (+10% for the sampling), and every leecher gets a share
/// throughout. That the cap is also used (at least 90% of it) is a speed goal, which a busy
/// machine can miss: checked only with `BIDSWARM_TIMING_GOALS=1`, as `make bench` runs it.
#[tokio::test(flavor = "multi_thread")]
async fn an_upload_cap_of_2_mib_per_s_holds_across_three_leechers_who_all_progress() -> anyhow::Result<()> {
    const CAP: u64 = 2 * MIB;
    const SIZE: u64 = 16 * MIB;
    let dir = bidswarm_tests::test_dir();
    let seed_dir = dir.path().join("seed");
    std::fs::create_dir_all(&seed_dir)?;
    let data = seed_dir.join("capped.bin");
    random_file(&data, SIZE as usize, 21);
    let torrent = dir.path().join("capped.torrent");
    let magnet = create_torrent(&data, &torrent, &[])?;
    let (seeder, addr) = seeding_server("seeder", dir.path(), &torrent, &seed_dir, &[], |s| {
        s.limits.upload_bytes_per_sec = Some(CAP as u32);
    })
    .await?;

    let mut leechers = Vec::new();
    for i in 0..3 {
        let out = dir.path().join(format!("leech{i}"));
        leechers.push((leecher(&format!("leecher{i}"), &magnet, &out, &addr, dir.path())?, out));
    }
    // Sample the seeder's peers view until every leecher is done.
    let mut first_byte: Option<Instant> = None;
    let mut midway: Option<Vec<u64>> = None;
    let deadline = Instant::now() + TRANSFER_TIMEOUT;
    let mut done = [false; 3];
    while !done.iter().all(|d| *d) {
        anyhow::ensure!(Instant::now() < deadline, "the leechers did not finish in time");
        let uploaded: Vec<u64> = peers(&seeder).await?.iter().map(|p| p.uploaded_bytes).collect();
        if first_byte.is_none() && uploaded.iter().any(|b| *b > 0) {
            first_byte = Some(Instant::now());
        }
        // Midway: the first sample with 40% of all bytes sent, while all three are connected.
        if midway.is_none() && uploaded.len() == 3 && uploaded.iter().sum::<u64>() >= 3 * SIZE * 4 / 10 {
            midway = Some(uploaded);
        }
        for (i, (proc, _)) in leechers.iter_mut().enumerate() {
            if !done[i] {
                if let Ok(status) = proc.wait_exit(Duration::from_millis(1)).await {
                    anyhow::ensure!(status.success(), "leecher {i} failed:\n{}", proc.stderr_tail());
                    done[i] = true;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let elapsed = first_byte.expect("bytes were uploaded").elapsed().as_secs_f64();
    let rate = (3 * SIZE) as f64 / elapsed;
    let ratio = rate / CAP as f64;
    eprintln!("capped seeder: {:.2} MiB/s over {elapsed:.1} s, {ratio:.3} of the cap", rate / MIB as f64);
    assert!(ratio <= 1.1, "upload rate {ratio:.3}× the cap: the cap does not hold");
    if std::env::var_os("BIDSWARM_TIMING_GOALS").is_some() {
        assert!(ratio >= 0.9, "upload rate {ratio:.3}× the cap: less than 90% of it used");
    }
    let midway = midway.expect("a sample with all three leechers connected midway");
    for (i, bytes) in midway.iter().enumerate() {
        assert!(*bytes >= SIZE * 15 / 100, "leecher {i} got only {bytes} bytes by midway: {midway:?}");
    }
    for (_, out) in &leechers {
        assert!(files_equal(&data, &out.join("capped.bin"))?);
    }
    Ok(())
}

/// Verified pieces are attributed to the peer that delivered them, as events.
#[tokio::test(flavor = "multi_thread")]
async fn every_verified_piece_is_attributed_to_the_seeder_that_sent_it() -> anyhow::Result<()> {
    const SIZE: u64 = 4 * MIB;
    let dir = bidswarm_tests::test_dir();
    let seed_dir = dir.path().join("seed");
    std::fs::create_dir_all(&seed_dir)?;
    random_file(&seed_dir.join("attr.bin"), SIZE as usize, 22);
    let torrent = dir.path().join("attr.torrent");
    let magnet = create_torrent(&seed_dir.join("attr.bin"), &torrent, &["--piece-length", "65536"])?;
    let (_seeder, addr) =
        bidswarm_tests::start_seeder("seeder", &torrent, &seed_dir, &[], dir.path()).await?;
    let leech = Server::start("leech", &dir.path().join("leech"), dir.path()).await?;
    let mut events = leech.events().await?;
    let options = AddOptions { peers: vec![addr.clone()], ..Default::default() };
    leech.call(&Request::AddTorrent { source: TorrentSource::Magnet(magnet), options }).await?;

    let (mut pieces, mut bytes) = (0u32, 0u64);
    let deadline = tokio::time::Instant::now() + TRANSFER_TIMEOUT;
    while pieces < 64 {
        let Some(event) = events.next_by(deadline).await? else {
            anyhow::bail!("only {pieces} of 64 pieces were attributed");
        };
        if let Event::PiecesVerified { pieces: n, contributions, .. } = event {
            pieces += n;
            for c in contributions {
                assert_eq!(c.address, addr, "credited to someone other than the seeder");
                bytes += c.bytes;
            }
        }
    }
    assert_eq!(pieces, 64);
    assert_eq!(bytes, SIZE, "every verified byte is credited exactly once");
    Ok(())
}

fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).ok_or_else(|| anyhow::anyhow!("no VmRSS"))?;
    Ok(line.split_whitespace().nth(1).unwrap_or("0").parse()?)
}

/// A BitTorrent handshake (extension protocol on) for `magnet`'s torrent, with a peer id
/// of `id` repeated.
fn handshake_for(magnet: &str, id: u8) -> anyhow::Result<Vec<u8>> {
    let info_hash = hex::decode(&magnet["magnet:?xt=urn:btih:".len()..][..40])?;
    let mut handshake = vec![19u8];
    handshake.extend_from_slice(b"BitTorrent protocol");
    handshake.extend_from_slice(&[0, 0, 0, 0, 0, 0x10, 0, 0]);
    handshake.extend_from_slice(&info_hash);
    handshake.extend_from_slice(&[id; 20]);
    Ok(handshake)
}

/// PIECE frames with 16-byte blocks at fresh piece indices a junk connection sends after
/// its handshake, in one write of about 260 KB: what the gateway reads in one go.
const JUNK_FRAMES: u32 = 9_000;

/// One junk peer, the `n`th: `rounds` connections one after another, each a valid
/// handshake and PIECE frames for pieces nobody requested, then waiting for the seeder to
/// close it. Returns how many frames the seeder took in whole writes.
async fn junk_pieces(addr: String, handshake: Vec<u8>, n: u32, rounds: u32) -> anyhow::Result<u64> {
    let mut sent = 0;
    for round in 0..rounds {
        let Ok(mut conn) = tokio::net::TcpStream::connect(&addr).await else { continue };
        let mut bytes = handshake.clone();
        for i in 0..JUNK_FRAMES {
            bytes.extend_from_slice(&25u32.to_be_bytes());
            bytes.push(7);
            bytes.extend_from_slice(&(((n * rounds + round) * JUNK_FRAMES) + i).to_be_bytes());
            bytes.extend_from_slice(&0u32.to_be_bytes());
            bytes.extend_from_slice(&[0xa5; 16]);
        }
        let written = tokio::time::timeout(Duration::from_secs(10), conn.write_all(&bytes)).await;
        if matches!(written, Ok(Ok(()))) {
            sent += u64::from(JUNK_FRAMES);
        }
        closed_within(&mut conn, Duration::from_secs(30)).await?;
    }
    Ok(sent)
}

/// Reads until the peer closes; `Err` when it is still open after `within`.
async fn closed_within(stream: &mut tokio::net::TcpStream, within: Duration) -> anyhow::Result<()> {
    use tokio::io::AsyncReadExt;
    let mut sink = vec![0u8; 16 * 1024];
    tokio::time::timeout(within, async {
        loop {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .map_err(|_| anyhow::anyhow!("still open after {within:?}"))
}

/// The hostile peers, all during one running download from a throttled seeder:
/// random bytes, a 4 GiB length prefix, a handshake trickled at 1 byte/s, 500 idle
/// connections, 200 sending garbage and 300 streaming PIECE frames nobody asked for. Each is closed within its timeout, the download completes intact, and the
/// seeder's memory stays under a ceiling measured with margin (see the assertion).
#[tokio::test(flavor = "multi_thread")]
async fn hostile_connections_are_cut_off_while_a_download_completes() -> anyhow::Result<()> {
    const SIZE: u64 = 24 * MIB;
    const HANDSHAKE_SECS: u64 = 3;
    let dir = bidswarm_tests::test_dir();
    let seed_dir = dir.path().join("seed");
    std::fs::create_dir_all(&seed_dir)?;
    let data = seed_dir.join("target.bin");
    random_file(&data, SIZE as usize, 23);
    let torrent = dir.path().join("target.torrent");
    let magnet = create_torrent(&data, &torrent, &[])?;
    let timeout_flag = HANDSHAKE_SECS.to_string();
    let extra = ["--peer-handshake-timeout-secs", timeout_flag.as_str()];
    let (seeder, addr) = seeding_server("seeder", dir.path(), &torrent, &seed_dir, &extra, |s| {
        // Slow enough that the download outlasts the attacks.
        s.limits.upload_bytes_per_sec = Some(2 * MIB as u32);
        // Let all 500 idle connections in, so the handshake timeout is what closes them.
        s.max_connections_per_ip = 600;
        s.max_connections = 700;
    })
    .await?;
    let pid = seeder.proc.pid();
    let rss_before = rss_kib(pid)?;
    let out = dir.path().join("leech");
    let mut leech = leecher("leecher", &magnet, &out, &addr, dir.path())?;

    // Random bytes: not a handshake, closed at once.
    let mut random = tokio::net::TcpStream::connect(&addr).await?;
    let noise: Vec<u8> = (0..65536u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    let _ = random.write_all(&noise).await;
    closed_within(&mut random, Duration::from_secs(HANDSHAKE_SECS + 10)).await?;

    // A valid handshake, then a 4 GiB length prefix.
    let mut huge = tokio::net::TcpStream::connect(&addr).await?;
    let handshake = handshake_for(&magnet, b'h')?;
    huge.write_all(&handshake).await?;
    huge.write_all(&[0xff, 0xff, 0xff, 0xff, 7]).await?;
    closed_within(&mut huge, Duration::from_secs(HANDSHAKE_SECS + 10)).await?;

    // 500 connections left idle, and one trickling its handshake at a byte a second.
    let idle: Vec<TcpStream> = (0..500).map(|_| TcpStream::connect(&addr)).collect::<Result<_, _>>()?;
    let opened = Instant::now();
    let mut trickle = TcpStream::connect(&addr)?;
    let mut trickle_closed_at = None;
    for byte in &handshake {
        if trickle.write_all(&[*byte]).is_err() {
            trickle_closed_at = Some(opened.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_secs(1));
        if opened.elapsed() > Duration::from_secs(HANDSHAKE_SECS + 15) {
            break;
        }
    }
    let trickle_closed_at = trickle_closed_at.expect("the trickled handshake was cut off");
    assert!(trickle_closed_at <= Duration::from_secs(HANDSHAKE_SECS + 10), "{trickle_closed_at:?}");
    // The rest of the 1,000, while the idle ones still hold their slots: 200 sending
    // garbage, and 300 that shake hands and stream PIECE frames for pieces nobody asked
    // for, each at a fresh index (what grew a seeder to 422 MB before attribution
    // recorded only requested blocks).
    let garbage = (0..200).map(|_| {
        let (addr, noise) = (addr.clone(), noise.clone());
        tokio::spawn(async move {
            let mut conn = tokio::net::TcpStream::connect(&addr).await?;
            let _ = conn.write_all(&noise).await;
            closed_within(&mut conn, Duration::from_secs(HANDSHAKE_SECS + 20)).await
        })
    });
    let junk = (0..300u32).map(|n| tokio::spawn(junk_pieces(addr.clone(), handshake.clone(), n, 1)));
    let (garbage, junk) = (futures::future::join_all(garbage).await, futures::future::join_all(junk).await);
    for closed in garbage {
        closed??;
    }
    let mut frames = 0;
    for sent in junk {
        frames += sent??;
    }
    eprintln!("junk PIECE frames taken before their connections closed: {frames}");
    let rss_during = rss_kib(pid)?;

    // The idle ones are closed by the handshake timeout: reading gives EOF or an error.
    for mut conn in idle {
        conn.set_read_timeout(Some(Duration::from_secs(HANDSHAKE_SECS + 10)))?;
        let mut byte = [0u8; 1];
        let n = std::io::Read::read(&mut conn, &mut byte);
        assert!(matches!(n, Ok(0) | Err(_)), "an idle connection was kept open");
        if let Err(e) = &n {
            assert_ne!(e.kind(), std::io::ErrorKind::WouldBlock, "an idle connection outlived its timeout");
            assert_ne!(e.kind(), std::io::ErrorKind::TimedOut, "an idle connection outlived its timeout");
        }
    }

    let status = leech.wait_exit(TRANSFER_TIMEOUT).await?;
    assert!(status.success(), "the download failed:\n{}", leech.stderr_tail());
    assert!(files_equal(&data, &out.join("target.bin"))?);
    let Response::SessionStats { stats } = seeder.call(&Request::SessionStats).await? else {
        anyhow::bail!("no stats")
    };
    assert!(stats.connections <= 2, "hostile connections linger: {}", stats.connections);
    // Measured on a 2-core CI-like machine: 28 MiB before, 47 MiB after (the junk
    // connections' full read buffers at once). 64 MiB of growth means per-connection
    // memory or what attribution records went wrong: recording every junk block grew a
    // seeder by 400 MB.
    eprintln!("seeder RSS: {rss_before} KiB before, {rss_during} KiB after 1,000 hostile connections");
    assert!(rss_during < rss_before + 64 * 1024, "RSS grew from {rss_before} to {rss_during} KiB");
    Ok(())
}

/// librqbit keeps a record of every peer a torrent ever had, and through the gateway each
/// connection is a new one: 600 junk connections (30 peers reconnecting 20 times) push a
/// seeder past its limit of dead peer records (lowered to 200 here; 4,096 by default), it
/// restarts the torrent to forget them, and a new leecher still downloads it intact.
#[tokio::test(flavor = "multi_thread")]
async fn a_seeder_forgets_dead_peers_past_its_limit_and_seeds_on() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let seed_dir = dir.path().join("seed");
    std::fs::create_dir_all(&seed_dir)?;
    let data = seed_dir.join("churn.bin");
    random_file(&data, 4 * MIB as usize, 41);
    let torrent = dir.path().join("churn.torrent");
    let magnet = create_torrent(&data, &torrent, &[])?;
    let env = [("BIDSWARM_MAX_PEER_RECORDS", "200")];
    let (seeder, addr) = seeding_server_with_env("seeder", dir.path(), &torrent, &seed_dir, &[], &env, |s| {
        s.max_connections_per_ip = 100;
    })
    .await?;
    let handshake = handshake_for(&magnet, b'j')?;
    let junk = (0..30u32).map(|n| tokio::spawn(junk_pieces(addr.clone(), handshake.clone(), n, 20)));
    for sent in futures::future::join_all(junk).await {
        sent??;
    }
    let forgot = bidswarm_tests::wait_until(
        "the seeder to forget its dead peers",
        Duration::from_secs(30),
        Duration::from_millis(250),
        async || seeder.proc.stderr_text().contains("forgetting dead peers").then_some(()),
    )
    .await;
    assert!(forgot.is_ok(), "no restart in the seeder's log:\n{}", seeder.proc.stderr_tail());
    let out = dir.path().join("leech");
    let mut leech = leecher("leecher", &magnet, &out, &addr, dir.path())?;
    let status = leech.wait_exit(TRANSFER_TIMEOUT).await?;
    assert!(status.success(), "the download failed:\n{}", leech.stderr_tail());
    assert!(files_equal(&data, &out.join("churn.bin"))?);
    Ok(())
}

/// One address beyond this machine that opens connection after connection is held to
/// `NEW_PER_MINUTE_PER_SLOT` (4) times its per-address limit a minute; another address is
/// not affected. Each connection sends a handshake: an admitted one is answered, a refused
/// one closed unanswered. With the per-address limit at 16, the quota is 64 a minute
/// (one every 0.94 s after the burst), and 120 connections are knocked one after another.
#[tokio::test(flavor = "multi_thread")]
async fn one_address_cannot_churn_connections_faster_than_its_quota() -> anyhow::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = bidswarm_tests::test_dir();
    let seed_dir = dir.path().join("seed");
    std::fs::create_dir_all(&seed_dir)?;
    let data = seed_dir.join("churn.bin");
    random_file(&data, MIB as usize, 43);
    let torrent = dir.path().join("churn.torrent");
    let magnet = create_torrent(&data, &torrent, &[])?;
    let (_seeder, addr) = seeding_server("seeder", dir.path(), &torrent, &seed_dir, &[], |s| {
        s.max_connections_per_ip = 16;
    })
    .await?;
    let addr: std::net::SocketAddr = addr.parse()?;
    let handshake = handshake_for(&magnet, b'c')?;
    // `true` when the seeder answered the handshake from `from`.
    let knock = async |from: [u8; 4]| -> anyhow::Result<bool> {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.bind((std::net::Ipv4Addr::from(from), 0).into())?;
        let mut conn = socket.connect(addr).await?;
        conn.write_all(&handshake).await?;
        let mut answer = [0u8; 68];
        let read = tokio::time::timeout(Duration::from_secs(20), conn.read_exact(&mut answer)).await;
        Ok(matches!(read, Ok(Ok(_))))
    };
    const KNOCKS: u32 = 120;
    let start = std::time::Instant::now();
    let mut answered = 0u32;
    for _ in 0..KNOCKS {
        answered += u32::from(knock([127, 0, 0, 2]).await?);
    }
    let elapsed = start.elapsed().as_secs_f64();
    // The burst, what refilled while knocking, and one for rounding.
    let quota = 64.0 + elapsed * 64.0 / 60.0 + 1.0;
    assert!(
        f64::from(answered) <= quota,
        "{answered} of {KNOCKS} connections admitted in {elapsed:.1} s; the quota allows {quota:.0}"
    );
    assert!(answered >= 32, "the burst is admitted: {answered} of {KNOCKS}");
    assert!(knock([127, 0, 0, 3]).await?, "another address is still admitted");
    Ok(())
}

/// Issue 17's lagging leecher. librqbit 9.1 tells each peer of a verified piece through a
/// `broadcast::channel(128)` and ignores `Lagged`, so a peer whose task is more than 128
/// pieces behind never hears of the pieces it missed. Here a hand-made leecher asks a
/// half-complete Bidswarm for 16 MiB and stops reading, so librqbit's writer to it is
/// stuck, while that Bidswarm fetches the other 1,536 pieces from a seeder. Then the
/// leecher reads again: every piece must have reached it, in the bitfield or a HAVE, and
/// the gateway's count says it sent the HAVEs librqbit lost (so the lag really happened).
#[tokio::test(flavor = "multi_thread")]
async fn a_leecher_lagging_more_than_128_pieces_behind_still_hears_of_every_piece() -> anyhow::Result<()> {
    use bidswarm_peerwire::{BlockRef, Message};
    const PIECE: usize = 16 * 1024;
    const PIECES: usize = 3072;
    /// What the leecher asks for before it stops reading: every piece the middle peer
    /// has (24 MiB), far more than the socket buffers between it and librqbit hold once
    /// the leecher's own is kept small.
    const REQUESTED: u32 = (PIECES / 2) as u32;
    let dir = bidswarm_tests::test_dir();
    let seed_dir = dir.path().join("seed");
    std::fs::create_dir_all(&seed_dir)?;
    let data = seed_dir.join("target.bin");
    random_file(&data, PIECE * PIECES, 41);
    let torrent = dir.path().join("target.torrent");
    let magnet = create_torrent(&data, &torrent, &["--piece-length", "16384"])?;
    let (_seeder, seeder_addr) =
        seeding_server("seeder", dir.path(), &torrent, &seed_dir, &[], |_| {}).await?;

    // The middle peer starts with the first half on disk and no peers.
    let half_dir = dir.path().join("half");
    std::fs::create_dir_all(&half_dir)?;
    let mut bytes = std::fs::read(&data)?;
    bytes[PIECES / 2 * PIECE..].fill(0);
    std::fs::write(half_dir.join("target.bin"), &bytes)?;
    let mut middle = Server::start("middle", &dir.path().join("middle"), dir.path()).await?;
    let options = AddOptions { output_folder: Some(path_str(&half_dir).into()), ..Default::default() };
    let source = TorrentSource::Path(path_str(&torrent).into());
    let Response::Torrent { torrent: added } = middle.call(&Request::AddTorrent { source, options }).await?
    else {
        anyhow::bail!("not added")
    };
    let id = added.id;
    let half = (PIECES / 2 * PIECE) as u64;
    bidswarm_tests::wait_until(
        "the first half checked",
        TRANSFER_TIMEOUT,
        Duration::from_millis(200),
        async || middle.torrent(&id).await.ok().filter(|t| t.progress_bytes == half),
    )
    .await?;

    let info_hash: [u8; 20] = hex::decode(bidswarm_tests::info_hash_of(&magnet))?
        .try_into()
        .map_err(|_| anyhow::anyhow!("not 20 bytes"))?;
    let mut leecher =
        crate::speed::cheater::Cheater::connect_with_small_window(&middle.peer_addr().await?, info_hash)
            .await?;
    // Which pieces the leecher has heard the middle peer has.
    let mut heard = vec![false; PIECES];
    fn hear(heard: &mut [bool], m: &Message) {
        match m {
            Message::Bitfield(bits) => {
                for (piece, heard) in heard.iter_mut().enumerate() {
                    *heard |= bits.get(piece / 8).is_some_and(|b| b & (0x80 >> (piece % 8)) != 0);
                }
            }
            Message::Have(piece) => {
                if let Some(heard) = heard.get_mut(*piece as usize) {
                    *heard = true;
                }
            }
            _ => {}
        }
    }
    // An empty bitfield: without one librqbit would announce nothing to it at all, and
    // the gateway would do it all (see the relay tests).
    leecher.send(Message::Bitfield(vec![0u8; PIECES / 8].into())).await?;
    leecher.send(Message::Interested).await?;
    let unchoked = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            match leecher.next(Duration::from_secs(60)).await? {
                Some(Message::Unchoke) => return anyhow::Ok(()),
                Some(m) => hear(&mut heard, &m),
                None => anyhow::bail!("silence"),
            }
        }
    });
    unchoked.await.map_err(|_| anyhow::anyhow!("never unchoked"))??;
    for index in 0..REQUESTED {
        leecher.send(Message::Request(BlockRef { index, begin: 0, length: PIECE as u32 })).await?;
    }

    // The leecher reads nothing while the middle peer fetches the second half; at most
    // for 6 s, as librqbit gives up on a write after 10 s (its writer may have been stuck
    // since just after the requests). 128 pieces are 2 MiB: lost within the first second.
    middle.call(&Request::AddPeers { id: id.clone(), peers: vec![seeder_addr] }).await?;
    let stalled = Instant::now();
    while middle.torrent(&id).await?.state != TorrentState::Seeding
        && stalled.elapsed() < Duration::from_secs(6)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let done = middle.torrent(&id).await?.progress_bytes;
    eprintln!("the middle peer had {done} of {} bytes when the leecher read again", PIECE * PIECES);

    // Reading again: the blocks it asked for, librqbit's HAVEs, and after the grace the
    // gateway's for the pieces librqbit lost.
    let deadline = Instant::now() + Duration::from_secs(60);
    while heard.iter().any(|h| !h) && Instant::now() < deadline {
        match leecher.next(Duration::from_secs(15)).await? {
            Some(m) => hear(&mut heard, &m),
            None => break,
        }
    }
    let missing: Vec<usize> = (0..PIECES).filter(|p| !heard[*p]).collect();
    assert!(
        missing.is_empty(),
        "{} pieces never announced, the first {:?}",
        missing.len(),
        &missing[..missing.len().min(8)]
    );
    middle.wait_state(&id, TorrentState::Seeding).await?;
    assert!(files_equal(&data, &half_dir.join("target.bin"))?);
    let reached = middle.torrent(&id).await?.reached;
    eprintln!("HAVEs librqbit lost that the gateway sent: {}", reached.missed_haves);
    assert!(
        reached.missed_haves > 0,
        "librqbit lost no HAVE: the leecher never lagged, so this proves nothing"
    );
    Ok(())
}
