//! MSE/PE on the wire, against real peers: Debian's Transmission 3.00 set to require
//! encryption (Bidswarm dials it, downloading and seeding), libtorrent 2.0 with encryption
//! forced (dialing a Bidswarm seeder, and seeding to Bidswarm), and raw connections that
//! the encryption setting refuses.

use std::{path::Path, process::Command, time::Duration};

use anyhow::Context;
use bidswarm_tests::{
    create_torrent, download_with, files_equal, path_str, peers, peers::TrEncryption, random_file,
    start_seeder, Proc,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::transmission::{download_from_transmission, seed_to_transmission};

pub(crate) const SIZE: usize = 8 << 20;
/// Transmission waits about 12 s before its first byte and moves ~7 MiB/s on loopback.
const TIMEOUT: Duration = Duration::from_secs(240);

/// A torrent of `SIZE` random bytes in `dir/name`.
pub(crate) fn torrent_of(
    dir: &Path,
    name: &str,
    seed: u64,
) -> anyhow::Result<(std::path::PathBuf, std::path::PathBuf, String)> {
    let data = dir.join(format!("{name}-data"));
    std::fs::create_dir_all(&data)?;
    random_file(&data.join(name), SIZE, seed);
    let torrent = dir.join(format!("{name}.torrent"));
    let magnet = create_torrent(&data.join(name), &torrent, &[])?;
    Ok((data, torrent, magnet))
}

/// Bidswarm dials a Transmission seeder that takes encrypted peers only: the download
/// completes only if our MSE handshake and RC4 stream are right.
#[tokio::test(flavor = "multi_thread")]
async fn bidswarm_downloads_from_a_transmission_seeder_that_requires_encryption() -> anyhow::Result<()> {
    download_from_transmission(TrEncryption::Require, &["--encryption", "require"], 40).await
}

/// A Bidswarm seeder with default settings dials a Transmission leecher that takes
/// encrypted peers only.
#[tokio::test(flavor = "multi_thread")]
async fn transmission_requiring_encryption_downloads_from_a_bidswarm_seeder() -> anyhow::Result<()> {
    seed_to_transmission(TrEncryption::Require, &[], 41).await
}

/// libtorrent, encryption forced, dials a Bidswarm seeder that requires it: our side of
/// the handshake answers a real client, and libtorrent reports the connection RC4.
#[tokio::test(flavor = "multi_thread")]
async fn libtorrent_forcing_encryption_downloads_from_a_bidswarm_seeder_that_requires_it(
) -> anyhow::Result<()> {
    if !peers::require_python_module("libtorrent") {
        return Ok(());
    }
    let dir = bidswarm_tests::test_dir();
    let (seed, torrent, _) = torrent_of(dir.path(), "enc-to-lt.bin", 42)?;
    let (_seeder, addr) =
        start_seeder("seeder", &torrent, &seed, &["--encryption", "require"], dir.path()).await?;
    let out = dir.path().join("lt-out");
    std::fs::create_dir_all(&out)?;
    let mut lt = libtorrent("leech", &torrent, &out, &addr, "forced", "tcp", dir.path())?;
    let status = lt.wait_exit(TIMEOUT).await?;
    assert!(status.success(), "libtorrent did not finish: {:?}\n{}", lt.stdout(), lt.stderr_tail());
    assert!(lt.stdout().iter().any(|l| l.contains("encrypted=1")), "{:?}", lt.stdout());
    assert!(files_equal(&seed.join("enc-to-lt.bin"), &out.join("enc-to-lt.bin"))?);
    Ok(())
}

/// A Bidswarm with default settings downloads from a libtorrent seeder that takes
/// encrypted peers only (RC4 forced): our side of the handshake dials a real client, and
/// libtorrent reports the connection RC4.
#[tokio::test(flavor = "multi_thread")]
async fn bidswarm_with_default_settings_downloads_from_a_libtorrent_seeder_forcing_encryption(
) -> anyhow::Result<()> {
    if !peers::require_python_module("libtorrent") {
        return Ok(());
    }
    let dir = bidswarm_tests::test_dir();
    let (data, torrent, magnet) = torrent_of(dir.path(), "enc-from-lt.bin", 44)?;
    let mut lt = libtorrent("seed", &torrent, &data, "-", "forced", "tcp", dir.path())?;
    let addr = lt.wait_for_value("listening", Duration::from_secs(60)).await?;
    let out = dir.path().join("out");
    download_with(&magnet, &out, Some(&addr), &[], TIMEOUT, dir.path())
        .await
        .with_context(|| format!("libtorrent: {:?}\n{}", lt.stdout(), lt.stderr_tail()))?;
    assert!(files_equal(&data.join("enc-from-lt.bin"), &out.join("enc-from-lt.bin"))?);
    assert!(lt.stdout().iter().any(|l| l.contains("encrypted=1")), "{:?}", lt.stdout());
    Ok(())
}

/// The setting refuses what it must, and answers nothing to it: a plaintext handshake
/// when encryption is required, an MSE key when it is disabled.
#[tokio::test(flavor = "multi_thread")]
async fn a_seeder_refuses_the_handshakes_its_setting_excludes() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let (seed, torrent, magnet) = torrent_of(dir.path(), "enc-refused.bin", 43)?;
    let mut hash = [0u8; 20];
    hex::decode_to_slice(bidswarm_tests::info_hash_of(&magnet), &mut hash)?;
    let mut plain = b"\x13BitTorrent protocol".to_vec();
    plain.extend([0u8; 8]);
    plain.extend(hash);
    plain.extend(*b"-XX0001-000000000000");
    // A public key as MSE sends it (any 96 bytes above 1 read as one), then padding.
    let key = [0x5Au8; 96 + 40];

    let (_required, required) =
        start_seeder("required", &torrent, &seed, &["--encryption", "require"], dir.path()).await?;
    let (_disabled, disabled) =
        start_seeder("disabled", &torrent, &seed, &["--encryption", "disable"], dir.path()).await?;
    let (_preferred, preferred) = start_seeder("preferred", &torrent, &seed, &[], dir.path()).await?;
    assert_eq!(
        answer(&required, &plain).await?,
        0,
        "a plaintext handshake is refused when encryption is required"
    );
    assert_eq!(answer(&disabled, &key).await?, 0, "an MSE key is refused when encryption is disabled");
    // The controls: each is answered where the setting allows it.
    assert!(answer(&preferred, &plain).await? >= 68, "a plaintext handshake is answered by default");
    assert!(answer(&preferred, &key).await? >= 96, "an MSE key is answered by default");
    assert!(answer(&required, &key).await? >= 96, "an MSE key is answered when encryption is required");
    Ok(())
}

/// Sends `bytes` to `addr` and counts what comes back until the peer closes or 5 s of
/// silence pass.
async fn answer(addr: &str, bytes: &[u8]) -> anyhow::Result<usize> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream.write_all(bytes).await?;
    let mut got = 0;
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return Ok(got),
            Ok(Ok(n)) => got += n,
        }
    }
}

/// `tests/harness/lt_peer.py`: a libtorrent leecher dialing `peer`, or a seeder of
/// `folder` (`peer` is then `-`), speaking `transport` (`tcp` or `utp`) only.
pub(crate) fn libtorrent(
    mode: &str,
    torrent: &Path,
    folder: &Path,
    peer: &str,
    policy: &str,
    transport: &str,
    log_dir: &Path,
) -> anyhow::Result<Proc> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("harness/lt_peer.py");
    let mut command = Command::new("/usr/bin/python3");
    let timeout = TIMEOUT.as_secs().to_string();
    command.arg(script).args([mode, path_str(torrent), path_str(folder), peer, policy, &timeout, transport]);
    Proc::spawn(&format!("libtorrent-{mode}"), command, log_dir)
}
