use std::time::Duration;

use bidswarm_tests::{cli, create_torrent, download, files_equal, path_str, random_file, start_seeder, Proc};

use crate::TRANSFER_TIMEOUT;

#[tokio::test(flavor = "multi_thread")]
async fn bidswarm_downloads_64_mib_by_magnet_from_another_bidswarm() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let (seed_dir, leech_dir) = (dir.path().join("seed"), dir.path().join("leech"));
    std::fs::create_dir_all(&seed_dir)?;
    let data = seed_dir.join("payload.bin");
    random_file(&data, 64 << 20, 1);
    let torrent = dir.path().join("payload.torrent");
    let magnet = create_torrent(&data, &torrent, &[])?;
    assert!(magnet.starts_with("magnet:?xt=urn:btih:"), "{magnet}");

    let (_seeder, addr) = start_seeder("seeder", &torrent, &seed_dir, &[], dir.path()).await?;
    let leecher = download(&magnet, &leech_dir, Some(&addr), TRANSFER_TIMEOUT, dir.path()).await?;
    assert!(files_equal(&data, &leech_dir.join("payload.bin"))?, "downloaded bytes differ");
    let stdout = leecher.stdout();
    assert!(stdout.iter().any(|l| l == &format!("verified_bytes: {}", 64 << 20)), "{stdout:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_multi_file_folder_seeds_from_the_parent_folder_like_transmission() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let album = dir.path().join("seed/album");
    std::fs::create_dir_all(album.join("disc2"))?;
    random_file(&album.join("a.bin"), 300_000, 2);
    random_file(&album.join("disc2/b.bin"), 500_000, 3);
    let torrent = dir.path().join("album.torrent");
    create_torrent(&album, &torrent, &["--piece-length", "16384"])?;

    let (_seeder, addr) = start_seeder("seeder", &torrent, &dir.path().join("seed"), &[], dir.path()).await?;
    let leech_dir = dir.path().join("leech");
    download(path_str(&torrent), &leech_dir, Some(&addr), TRANSFER_TIMEOUT, dir.path()).await?;
    assert!(files_equal(&album.join("a.bin"), &leech_dir.join("album/a.bin"))?);
    assert!(files_equal(&album.join("disc2/b.bin"), &leech_dir.join("album/disc2/b.bin"))?);
    Ok(())
}

/// `--progress-lines`, which `bench/speed.py` reads: verified bytes over time, and always a
/// last line with the whole size, however quickly the download finishes.
#[tokio::test(flavor = "multi_thread")]
async fn progress_lines_end_with_the_whole_size() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let seed_dir = dir.path().join("seed");
    std::fs::create_dir_all(&seed_dir)?;
    let data = seed_dir.join("small.bin");
    random_file(&data, 800_000, 6);
    let torrent = dir.path().join("small.torrent");
    create_torrent(&data, &torrent, &[])?;
    let (_seeder, addr) = start_seeder("seeder", &torrent, &seed_dir, &[], dir.path()).await?;

    let out = dir.path().join("leech");
    let args = ["download", path_str(&torrent), "-o", path_str(&out), "--no-dht", "--exit-on-complete"];
    let mut leecher = Proc::spawn(
        "leecher",
        cli(&[&args[..], &["--peer", &addr, "--progress-lines"]].concat()),
        dir.path(),
    )?;
    let status = leecher.wait_exit(TRANSFER_TIMEOUT).await?;
    assert!(status.success(), "{}", leecher.stderr_tail());
    let mut lines = Vec::new();
    for line in leecher.stdout() {
        let Some(rest) = line.strip_prefix("progress: ") else { continue };
        let (bytes, at) = rest.split_once(' ').ok_or_else(|| anyhow::anyhow!("bad line {line:?}"))?;
        lines.push((bytes.parse::<u64>()?, at.parse::<u128>()?));
    }
    assert_eq!(lines.last().map(|l| l.0), Some(800_000), "{lines:?}");
    assert!(
        lines.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1),
        "bytes and times never go back: {lines:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn seeding_data_that_does_not_match_fails_clearly() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let data = dir.path().join("real.bin");
    random_file(&data, 1 << 20, 4);
    let torrent = dir.path().join("real.torrent");
    create_torrent(&data, &torrent, &[])?;
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other)?;
    random_file(&other.join("real.bin"), 1 << 20, 5);

    let mut seeder = Proc::spawn(
        "seeder",
        cli(&["seed", path_str(&torrent), "--data", path_str(&other), "--listen", "127.0.0.1:0", "--no-dht"]),
        dir.path(),
    )?;
    let status = seeder.wait_exit(Duration::from_secs(60)).await?;
    assert!(!status.success());
    let stderr = seeder.stderr_tail();
    assert!(stderr.contains("does not match") && stderr.contains("0 of 1048576 bytes verified"), "{stderr}");
    // The data it was pointed at is left as it was.
    let mut expected = tempfile::NamedTempFile::new()?;
    random_file(expected.path(), 1 << 20, 5);
    expected.as_file_mut().sync_all()?;
    assert!(files_equal(&other.join("real.bin"), expected.path())?);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn download_reports_bad_sources_and_unreachable_swarms() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let out = dir.path().join("out");
    let garbage = dir.path().join("garbage.torrent");
    std::fs::write(&garbage, b"d8:announce")?;
    let missing = dir.path().join("missing.torrent");
    random_file(&dir.path().join("small.bin"), 100_000, 6);
    let small_torrent = dir.path().join("small.torrent");
    create_torrent(&dir.path().join("small.bin"), &small_torrent, &[])?;
    let closed = format!("127.0.0.1:{}", bidswarm_tests::free_port());
    let lonely = "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567";
    let cases: [(&[&str], &str); 6] = [
        (&["magnet:?dn=nothing"], "missing xt=urn:btih"),
        (&[path_str(&garbage)], "not a valid .torrent file"),
        (&[path_str(&missing)], "no such file"),
        (&[lonely], "no known way to resolve peers"),
        (&[lonely, "--peer", &closed], "could not fetch the metadata"),
        (&[path_str(&small_torrent), "--peer", &closed, "--timeout", "2"], "timed out after 2 s"),
    ];
    for (args, expect) in cases {
        let mut all = vec!["download"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["-o", path_str(&out), "--no-dht", "--exit-on-complete"]);
        let output = cli(&all).output()?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} succeeded");
        assert!(stderr.contains(expect), "{args:?}: {stderr}");
    }
    Ok(())
}

#[test]
fn every_command_has_help() {
    for command in ["serve", "download", "seed", "create-torrent"] {
        let out = cli(&[command, "--help"]).output().expect("run --help");
        assert!(out.status.success(), "{command} --help failed");
        assert!(String::from_utf8_lossy(&out.stdout).contains("Usage: bidswarm-cli"), "{command}");
    }
}
