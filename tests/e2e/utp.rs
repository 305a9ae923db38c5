//! uTP (BEP 29) against a real peer: libtorrent 2.0 speaking uTP only. It still accepts
//! TCP connections on its port, and resets them, as it does with TCP off.

use std::time::Duration;

use anyhow::Context;
use bidswarm_tests::{download_with, files_equal, peers, start_seeder};

use crate::encryption::{libtorrent, torrent_of};

const TIMEOUT: Duration = Duration::from_secs(240);

/// A Bidswarm with default settings dials a libtorrent seeder reachable only over uTP:
/// TCP is reset before a word, so the gateway tries uTP at the same port, encryption and
/// all, and libtorrent reports the connection uTP.
#[tokio::test(flavor = "multi_thread")]
async fn bidswarm_downloads_from_a_libtorrent_seeder_reachable_only_over_utp() -> anyhow::Result<()> {
    if !peers::require_python_module("libtorrent") {
        return Ok(());
    }
    let dir = bidswarm_tests::test_dir();
    let (data, torrent, magnet) = torrent_of(dir.path(), "utp-from-lt.bin", 50)?;
    let mut lt = libtorrent("seed", &torrent, &data, "-", "enabled", "utp", dir.path())?;
    let addr = lt.wait_for_value("listening", Duration::from_secs(60)).await?;
    let out = dir.path().join("out");
    download_with(&magnet, &out, Some(&addr), &[], TIMEOUT, dir.path())
        .await
        .with_context(|| format!("libtorrent: {:?}\n{}", lt.stdout(), lt.stderr_tail()))?;
    assert!(files_equal(&data.join("utp-from-lt.bin"), &out.join("utp-from-lt.bin"))?);
    assert!(lt.stdout().iter().any(|l| l.ends_with("utp=1")), "{:?}", lt.stdout());
    Ok(())
}

/// A libtorrent leecher that speaks uTP only dials a Bidswarm seeder: the gateway's uTP
/// socket on the public port takes it.
#[tokio::test(flavor = "multi_thread")]
async fn a_libtorrent_leecher_on_utp_only_downloads_from_a_bidswarm_seeder() -> anyhow::Result<()> {
    if !peers::require_python_module("libtorrent") {
        return Ok(());
    }
    let dir = bidswarm_tests::test_dir();
    let (seed, torrent, _) = torrent_of(dir.path(), "utp-to-lt.bin", 51)?;
    let (_seeder, addr) = start_seeder("seeder", &torrent, &seed, &[], dir.path()).await?;
    let out = dir.path().join("lt-out");
    std::fs::create_dir_all(&out)?;
    let mut lt = libtorrent("leech", &torrent, &out, &addr, "enabled", "utp", dir.path())?;
    let status = lt.wait_exit(TIMEOUT).await?;
    assert!(status.success(), "libtorrent did not finish: {:?}\n{}", lt.stdout(), lt.stderr_tail());
    assert!(lt.stdout().iter().any(|l| l.ends_with("utp=1")), "{:?}", lt.stdout());
    assert!(files_equal(&seed.join("utp-to-lt.bin"), &out.join("utp-to-lt.bin"))?);
    Ok(())
}
