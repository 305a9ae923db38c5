//! Interoperability with Debian's Transmission 3.00. It will not dial loopback peers it
//! learns from a tracker, so Bidswarm always dials, and data flows either way.

use std::time::Duration;

use anyhow::Context;
use bidswarm_tests::{
    create_torrent, download, download_with, files_equal, peers, random_file, start_seeder,
};

const SIZE: usize = 16 << 20;
/// Transmission waits about 12 s before its first byte and moves ~7 MiB/s on loopback.
const TIMEOUT: Duration = Duration::from_secs(240);

#[tokio::test(flavor = "multi_thread")]
async fn bidswarm_downloads_from_a_transmission_seeder() -> anyhow::Result<()> {
    download_from_transmission(peers::TrEncryption::PreferPlaintext, &[], 30).await
}

#[tokio::test(flavor = "multi_thread")]
async fn transmission_downloads_from_a_bidswarm_seeder() -> anyhow::Result<()> {
    seed_to_transmission(peers::TrEncryption::PreferPlaintext, &[], 31).await
}

/// Bidswarm (with `args`) dials a Transmission seeder set to `encryption` and downloads a
/// file made from `seed`.
pub(crate) async fn download_from_transmission(
    encryption: peers::TrEncryption,
    args: &[&str],
    seed: u64,
) -> anyhow::Result<()> {
    if !peers::require("transmission-daemon") {
        return Ok(());
    }
    let dir = bidswarm_tests::test_dir();
    let tr = peers::Transmission::start_with(&dir.path().join("tr"), dir.path(), encryption).await?;
    let tr_data = dir.path().join("tr-data");
    std::fs::create_dir_all(&tr_data)?;
    random_file(&tr_data.join("from-tr.bin"), SIZE, seed);
    let torrent = dir.path().join("from-tr.torrent");
    let magnet = create_torrent(&tr_data.join("from-tr.bin"), &torrent, &[])?;
    tr.add(&torrent, &tr_data).await?;
    tr.wait_complete(&bidswarm_tests::info_hash_of(&magnet), Duration::from_secs(60)).await?;

    let out = dir.path().join("out");
    let peer = format!("127.0.0.1:{}", tr.peer_port);
    download_with(&magnet, &out, Some(&peer), args, TIMEOUT, dir.path())
        .await
        .with_context(|| format!("transmission:\n{}", tr.proc.stderr_tail()))?;
    assert!(files_equal(&tr_data.join("from-tr.bin"), &out.join("from-tr.bin"))?);
    Ok(())
}

/// A Bidswarm seeder (with `args`) dials a Transmission leecher set to `encryption`, which
/// downloads a file made from `seed`.
pub(crate) async fn seed_to_transmission(
    encryption: peers::TrEncryption,
    args: &[&str],
    seed: u64,
) -> anyhow::Result<()> {
    if !peers::require("transmission-daemon") {
        return Ok(());
    }
    let dir = bidswarm_tests::test_dir();
    let tr = peers::Transmission::start_with(&dir.path().join("tr"), dir.path(), encryption).await?;
    let data = dir.path().join("seed");
    std::fs::create_dir_all(&data)?;
    random_file(&data.join("to-tr.bin"), SIZE, seed);
    let torrent = dir.path().join("to-tr.torrent");
    let magnet = create_torrent(&data.join("to-tr.bin"), &torrent, &[])?;
    let tr_out = dir.path().join("tr-out");
    std::fs::create_dir_all(&tr_out)?;
    tr.add(&torrent, &tr_out).await?;
    // A finished librqbit torrent never redials a peer that turned it away, so dial only
    // once Transmission is ready for this torrent.
    tr.wait_active(&bidswarm_tests::info_hash_of(&magnet), Duration::from_secs(60)).await?;

    let peer = format!("127.0.0.1:{}", tr.peer_port);
    let mut seeder_args = vec!["--peer", peer.as_str()];
    seeder_args.extend_from_slice(args);
    let (_seeder, _) = start_seeder("seeder", &torrent, &data, &seeder_args, dir.path()).await?;
    tr.wait_complete(&bidswarm_tests::info_hash_of(&magnet), TIMEOUT).await?;
    assert!(files_equal(&data.join("to-tr.bin"), &tr_out.join("to-tr.bin"))?);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn bidswarm_finds_a_transmission_seeder_through_opentracker() -> anyhow::Result<()> {
    if !peers::require("transmission-daemon") || !peers::require("opentracker") {
        return Ok(());
    }
    let dir = bidswarm_tests::test_dir();
    let tr_data = dir.path().join("tr-data");
    std::fs::create_dir_all(&tr_data)?;
    random_file(&tr_data.join("tracked.bin"), SIZE, 32);
    let probe = create_torrent(&tr_data.join("tracked.bin"), &dir.path().join("probe.torrent"), &[])?;
    let tracker = peers::OpenTracker::start(
        &dir.path().join("tracker"),
        &[&bidswarm_tests::info_hash_of(&probe)],
        dir.path(),
    )
    .await?;
    let torrent = dir.path().join("tracked.torrent");
    let magnet =
        create_torrent(&tr_data.join("tracked.bin"), &torrent, &["--tracker", &tracker.announce_url])?;
    assert!(magnet.contains("tr="), "the magnet names the tracker: {magnet}");

    let tr = peers::Transmission::start(&dir.path().join("tr"), dir.path()).await?;
    tr.add(&torrent, &tr_data).await?;
    tr.wait_complete(&bidswarm_tests::info_hash_of(&magnet), Duration::from_secs(60)).await?;
    tracker.wait_for_seeder(&bidswarm_tests::info_hash_of(&magnet), Duration::from_secs(60)).await?;

    // No --peer: the only way to Transmission is the tracker.
    let out = dir.path().join("out");
    download(&magnet, &out, None, TIMEOUT, dir.path())
        .await
        .with_context(|| format!("transmission:\n{}", tr.proc.stderr_tail()))?;
    assert!(files_equal(&tr_data.join("tracked.bin"), &out.join("tracked.bin"))?);
    Ok(())
}
