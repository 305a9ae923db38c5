//! Restarting the server mid-download: torrents and their progress survive, and verified
//! pieces are not fetched again.

use std::time::Duration;

use anyhow::Context;
use bidswarm_api::{AddOptions, Request, Response, TorrentSource, TorrentState};
use bidswarm_tests::{
    create_torrent, files_equal, path_str, peers, random_file, start_seeder, wait_until, Server,
};

use crate::TRANSFER_TIMEOUT;

const SIZE: u64 = 32 << 20;
const PIECE: u64 = 256 << 10;

#[tokio::test(flavor = "multi_thread")]
async fn interrupted_download_resumes_without_fetching_verified_pieces_again() -> anyhow::Result<()> {
    // Peers reach each other through a real tracker, because a restarted session has
    // forgotten any peer it was told about by hand.
    if !peers::require("opentracker") {
        return Ok(());
    }
    let dir = bidswarm_tests::test_dir();
    let seed = dir.path().join("seed");
    std::fs::create_dir_all(&seed)?;
    random_file(&seed.join("big.bin"), SIZE as usize, 20);
    let torrent = dir.path().join("big.torrent");

    // The tracker needs the info hash on its whitelist before anyone announces.
    let probe = dir.path().join("probe.torrent");
    let magnet = create_torrent(&seed.join("big.bin"), &probe, &["--piece-length", &PIECE.to_string()])?;
    let hash = magnet.trim_start_matches("magnet:?xt=urn:btih:").get(..40).unwrap_or_default().to_owned();
    let tracker = peers::OpenTracker::start(&dir.path().join("tracker"), &[&hash], dir.path()).await?;
    create_torrent(
        &seed.join("big.bin"),
        &torrent,
        &["--piece-length", &PIECE.to_string(), "--tracker", &tracker.announce_url],
    )?;

    // A slow seeder, so the download can be interrupted about half-way.
    let (_seeder, seeder_addr) =
        start_seeder("seeder", &torrent, &seed, &["--upload-limit", "3M"], dir.path()).await?;
    let data_dir = dir.path().join("data");
    let mut server = Server::start("serve-1", &data_dir, dir.path()).await?;
    let source = TorrentSource::Path(path_str(&torrent).into());
    let Response::Torrent { torrent: added } =
        server.call(&Request::AddTorrent { source, options: AddOptions::default() }).await?
    else {
        anyhow::bail!("add did not answer a torrent")
    };
    let before =
        wait_until("about half the download", TRANSFER_TIMEOUT, Duration::from_millis(100), async || {
            server.torrent(&added.id).await.ok().filter(|t| t.progress_bytes >= SIZE * 2 / 5)
        })
        .await?;
    assert!(before.progress_bytes < SIZE, "finished before it could be interrupted");

    // Mid-download, the gateway's peers view shows the seeder at its public address.
    let Response::Peers { peers } = server.call(&Request::ListPeers { id: added.id.clone() }).await? else {
        anyhow::bail!("no peers answer")
    };
    let seeder = peers.iter().find(|p| p.address == seeder_addr).context(format!("{peers:?}"))?;
    assert!(seeder.downloaded_bytes > 0 && !seeder.incoming && seeder.bt_speed, "{seeder:?}");
    assert!(seeder.client.as_deref().is_some_and(|c| c.starts_with("Bidswarm")), "{seeder:?}");
    server.proc.terminate(Duration::from_secs(30)).await?;

    let server = Server::start("serve-2", &data_dir, dir.path()).await?;
    let listed = server.torrents().await?;
    assert_eq!(listed.len(), 1, "the torrent survives the restart: {listed:?}");
    let done = server.wait_state(&added.id, TorrentState::Seeding).await?;
    // Pieces in flight at the interruption may be fetched again; verified ones may not.
    let slack = 16 * PIECE;
    let missing = SIZE - before.progress_bytes;
    assert!(
        done.fetched_bytes <= missing + slack,
        "fetched {} bytes after the restart, but only {missing} were missing",
        done.fetched_bytes
    );
    assert!(done.fetched_bytes > 0);
    assert!(files_equal(&seed.join("big.bin"), &data_dir.join("downloads/big.bin"))?);
    Ok(())
}
