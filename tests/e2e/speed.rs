//! Bid for speed end to end, on loopback against a devnet: real seeders and leechers
//! (`bidswarm-cli seed --earn`, `download --bid`), real vouchers, settlement on the devnet.

use std::{path::Path, time::Duration};

use bidswarm_tests::{cli, create_torrent, files_equal, path_str, random_file, start_seeder, Proc};
use bidswarm_tron::Client;
use bidswarm_wallet::{Address, PrivateKey};

use crate::{devnet::start_devnet, TRANSFER_TIMEOUT};

const BTT: u128 = 1_000_000_000_000_000_000;
const MIB: usize = 1 << 20;

/// A fresh key in a 0600 file, funded on the devnet when `btt` is given.
async fn wallet(dir: &Path, name: &str, seed: u8, devnet: &Client, btt: Option<u128>) -> anyhow::Result<(String, Address)> {
    let key = PrivateKey::from_bytes(&[seed; 32])?;
    let path = dir.join(format!("{name}.key"));
    std::fs::write(&path, hex::encode(*key.to_bytes()))?;
    #[cfg(unix)]
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    if let Some(btt) = btt {
        devnet.faucet(&key.address(), 1_000_000_000, btt).await?;
    }
    Ok((path_str(&path).to_owned(), key.address()))
}

fn value(proc: &Proc, key: &str) -> Option<String> {
    let prefix = format!("{key}: ");
    proc.stdout().iter().rev().find_map(|l| l.strip_prefix(&prefix).map(str::to_owned))
}

fn leecher(name: &str, magnet: &str, out: &Path, seeder: &str, extra: &[&str], log_dir: &Path) -> anyhow::Result<Proc> {
    let mut args = vec!["download", magnet, "-o", path_str(out), "--no-dht", "--exit-on-complete", "--peer", seeder];
    args.extend_from_slice(extra);
    Proc::spawn(name, cli(&args), log_dir)
}

/// The "bid beats no bid": a seeder earning with upload capped at 4 MiB/s, leecher
/// A bidding, leecher B with a wallet but spending off. A finishes first; what A spent is
/// what the seeder earned and what A settled on the devnet; B signs no voucher.
#[tokio::test(flavor = "multi_thread")]
async fn a_bidder_finishes_first_and_pays_exactly_what_the_seeder_earned_and_settles() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let (mut devnet_proc, devnet) = start_devnet("devnet", &dir.path().join("chain.sqlite"), dir.path()).await?;
    let url = devnet_proc.wait_for_value("url", Duration::from_secs(5)).await?;
    let (seeder_key, seeder_address) = wallet(dir.path(), "seeder", 0x51, &devnet, None).await?;
    let (a_key, _) = wallet(dir.path(), "a", 0x52, &devnet, Some(1000 * BTT)).await?;
    let (b_key, _) = wallet(dir.path(), "b", 0x53, &devnet, Some(1000 * BTT)).await?;

    let seed_dir = dir.path().join("seed");
    std::fs::create_dir_all(&seed_dir)?;
    let data = seed_dir.join("paid.bin");
    random_file(&data, 24 * MIB, 61);
    let torrent = dir.path().join("paid.torrent");
    let magnet = create_torrent(&data, &torrent, &[])?;
    let seeder_ledger = dir.path().join("seeder-ledger.sqlite");
    let (mut seeder, addr) = start_seeder(
        "seeder",
        &torrent,
        &seed_dir,
        &["--upload-limit", "4M", "--earn", "--ask", "1", "--wallet-file", &seeder_key, "--network", &url,
          "--ledger", path_str(&seeder_ledger)],
        dir.path(),
    )
    .await?;

    let (out_a, out_b) = (dir.path().join("a"), dir.path().join("b"));
    let a_ledger = dir.path().join("a-ledger.sqlite");
    let mut a = leecher(
        "leecher-a",
        &magnet,
        &out_a,
        &addr,
        &["--wallet-file", &a_key, "--network", &url, "--bid", "10", "--budget", "100", "--ledger", path_str(&a_ledger)],
        dir.path(),
    )?;
    let mut b = leecher("leecher-b", &magnet, &out_b, &addr, &["--wallet-file", &b_key, "--network", &url], dir.path())?;

    let start = tokio::time::Instant::now();
    let status = a.wait_exit(TRANSFER_TIMEOUT).await?;
    anyhow::ensure!(status.success(), "A failed:\n{}", a.stderr_tail());
    let a_time = start.elapsed();
    let status = b.wait_exit(TRANSFER_TIMEOUT).await?;
    anyhow::ensure!(status.success(), "B failed:\n{}", b.stderr_tail());
    let b_time = start.elapsed();
    eprintln!("bidder A: {a_time:?}, free B: {b_time:?}");
    assert!(a_time < b_time, "the bidder finished after the free leecher: {a_time:?} vs {b_time:?}");
    assert!(files_equal(&data, &out_a.join("paid.bin"))? && files_equal(&data, &out_b.join("paid.bin"))?);

    let spent: u128 = value(&a, "spent").expect("A reports what it spent").parse()?;
    assert!(spent > 0, "A paid nothing");
    assert!(spent <= 100 * BTT);
    let bought: u64 = value(&a, "bytes_bought").expect("bytes_bought").parse()?;
    assert!(bought > 0 && bought <= 24 * MIB as u64, "bought {bought} bytes of a 24 MiB file");
    // A is the only bidder, so it pays the ask (1 BTT per GiB), not its bid: exactly,
    // rounded down on the running total.
    assert_eq!(spent, u128::from(bought) * BTT / (1 << 30));
    assert_eq!(value(&b, "spent").as_deref(), Some("0"), "B has spending off and paid nothing");

    // The seeder was promised exactly what A spent (B promised nothing).
    let earned = bidswarm_tests::wait_until("the seeder's earnings", Duration::from_secs(20), Duration::from_millis(200), async || {
        value(&seeder, "earned").filter(|e| *e == spent.to_string())
    })
    .await;
    assert!(earned.is_ok(), "seeder earned {:?}, A spent {spent}", value(&seeder, "earned"));

    // A settled its promise on the devnet, to the seeder, in one transfer.
    let settled = value(&a, "settled").expect("A settled on exit");
    let parts: Vec<&str> = settled.split(' ').collect();
    assert_eq!(parts[0], seeder_address.to_string());
    assert_eq!(parts[1], spent.to_string());
    assert_eq!(devnet.btt_balance(&seeder_address).await?, spent, "the seeder holds exactly what A settled");
    seeder.terminate(Duration::from_secs(10)).await?;
    devnet_proc.terminate(Duration::from_secs(10)).await?;
    Ok(())
}

/// The "budget runs out": A's budget covers about half the file. It never spends
/// more, says so, and finishes the download for free.
#[tokio::test(flavor = "multi_thread")]
async fn a_spent_budget_stops_bidding_and_the_download_finishes_for_free() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let (mut devnet_proc, devnet) = start_devnet("devnet", &dir.path().join("chain.sqlite"), dir.path()).await?;
    let url = devnet_proc.wait_for_value("url", Duration::from_secs(5)).await?;
    let (seeder_key, _) = wallet(dir.path(), "seeder", 0x61, &devnet, None).await?;
    let (a_key, _) = wallet(dir.path(), "a", 0x62, &devnet, Some(1000 * BTT)).await?;
    let seed_dir = dir.path().join("seed");
    std::fs::create_dir_all(&seed_dir)?;
    let data = seed_dir.join("budget.bin");
    random_file(&data, 16 * MIB, 62);
    let torrent = dir.path().join("budget.torrent");
    let magnet = create_torrent(&data, &torrent, &[])?;
    let (_seeder, addr) = start_seeder(
        "seeder",
        &torrent,
        &seed_dir,
        &["--upload-limit", "4M", "--earn", "--ask", "64", "--wallet-file", &seeder_key, "--network", &url],
        dir.path(),
    )
    .await?;
    // 16 MiB at the 64 BTT per GiB ask would cost 1 BTT; the budget is half of that.
    let out = dir.path().join("a");
    let mut a = leecher(
        "leecher-a",
        &magnet,
        &out,
        &addr,
        &["--wallet-file", &a_key, "--network", &url, "--bid", "64", "--budget", "0.5"],
        dir.path(),
    )?;
    let status = a.wait_exit(TRANSFER_TIMEOUT).await?;
    anyhow::ensure!(status.success(), "A failed:\n{}", a.stderr_tail());
    assert!(files_equal(&data, &out.join("budget.bin"))?);
    assert_eq!(value(&a, "spent").as_deref(), Some((BTT / 2).to_string().as_str()), "exactly the budget");
    assert_eq!(value(&a, "budget_exhausted").as_deref(), Some("true"));
    devnet_proc.terminate(Duration::from_secs(10)).await?;
    Ok(())
}
