//! Interoperability with Debian's qBittorrent 4.5 (libtorrent 2.0) at its defaults:
//! encryption allowed, TCP and uTP. Bidswarm dials it (with `--peer`), at Bidswarm's
//! defaults too (encryption preferred), and data flows either way.

use std::time::Duration;

use anyhow::Context;
use bidswarm_tests::{create_torrent, download_with, files_equal, peers, random_file, start_seeder};

const SIZE: usize = 16 << 20;
const TIMEOUT: Duration = Duration::from_secs(240);

#[tokio::test(flavor = "multi_thread")]
async fn bidswarm_downloads_from_a_qbittorrent_seeder() -> anyhow::Result<()> {
    if !peers::require("qbittorrent-nox") {
        return Ok(());
    }
    let dir = bidswarm_tests::test_dir();
    let qbt = peers::Qbittorrent::start(&dir.path().join("qbt"), dir.path()).await?;
    let qbt_data = dir.path().join("qbt-data");
    std::fs::create_dir_all(&qbt_data)?;
    random_file(&qbt_data.join("from-qbt.bin"), SIZE, 40);
    let torrent = dir.path().join("from-qbt.torrent");
    let magnet = create_torrent(&qbt_data.join("from-qbt.bin"), &torrent, &[])?;
    qbt.add(&torrent, &qbt_data).await?;
    qbt.wait_complete(&bidswarm_tests::info_hash_of(&magnet), Duration::from_secs(60)).await?;

    let out = dir.path().join("out");
    let peer = format!("127.0.0.1:{}", qbt.peer_port);
    download_with(&magnet, &out, Some(&peer), &[], TIMEOUT, dir.path())
        .await
        .with_context(|| format!("qbittorrent:\n{}", qbt.proc.stderr_tail()))?;
    assert!(files_equal(&qbt_data.join("from-qbt.bin"), &out.join("from-qbt.bin"))?);
    Ok(())
}

/// The seeder's upload is capped so the connection lasts seconds, long enough to see in
/// qBittorrent's own peer list how it was reached: over TCP, and through an MSE handshake
/// (qBittorrent flags `E` for RC4 and `e` for a plaintext payload after it).
#[tokio::test(flavor = "multi_thread")]
async fn qbittorrent_downloads_from_a_bidswarm_seeder_over_an_encrypted_handshake() -> anyhow::Result<()> {
    if !peers::require("qbittorrent-nox") {
        return Ok(());
    }
    let dir = bidswarm_tests::test_dir();
    let qbt = peers::Qbittorrent::start(&dir.path().join("qbt"), dir.path()).await?;
    let data = dir.path().join("seed");
    std::fs::create_dir_all(&data)?;
    random_file(&data.join("to-qbt.bin"), SIZE, 41);
    let torrent = dir.path().join("to-qbt.torrent");
    let magnet = create_torrent(&data.join("to-qbt.bin"), &torrent, &[])?;
    let hash = bidswarm_tests::info_hash_of(&magnet);
    let qbt_out = dir.path().join("qbt-out");
    std::fs::create_dir_all(&qbt_out)?;
    qbt.add(&torrent, &qbt_out).await?;
    // A finished librqbit torrent never redials a peer that turned it away, so dial only
    // once qBittorrent is ready for this torrent.
    qbt.wait_active(&hash, Duration::from_secs(60)).await?;

    let peer = format!("127.0.0.1:{}", qbt.peer_port);
    let args = ["--peer", peer.as_str(), "--upload-limit", "4M"];
    let (_seeder, _) = start_seeder("seeder", &torrent, &data, &args, dir.path()).await?;
    let flags = bidswarm_tests::wait_until(
        "qBittorrent to list the seeder",
        TIMEOUT,
        Duration::from_millis(200),
        async || {
            let peers = qbt.peers(&hash).await.ok()?;
            peers.values().find_map(|p| p["flags"].as_str().filter(|f| !f.is_empty()).map(str::to_owned))
        },
    )
    .await
    .with_context(|| format!("qbittorrent:\n{}", qbt.proc.stderr_tail()))?;
    assert!(flags.contains('E') || flags.contains('e'), "an MSE handshake: flags {flags:?}");
    assert!(!flags.contains('P'), "over TCP: flags {flags:?}");
    qbt.wait_complete(&hash, TIMEOUT).await?;
    assert!(files_equal(&data.join("to-qbt.bin"), &qbt_out.join("to-qbt.bin"))?);
    Ok(())
}
