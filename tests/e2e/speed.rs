//! Bid for speed end to end, on loopback against a devnet: real seeders and leechers
//! (`bidswarm-cli seed --earn`, `download --bid`), real vouchers, settlement on the devnet.

use std::{path::Path, time::Duration};

use bidswarm_tests::{cli, create_torrent, files_equal, path_str, random_file, start_seeder, Proc};
use bidswarm_tron::Client;
use bidswarm_wallet::{Address, PrivateKey};

use crate::{devnet::start_devnet, TRANSFER_TIMEOUT};

pub(crate) const BTT: u128 = 1_000_000_000_000_000_000;
const MIB: usize = 1 << 20;

/// A fresh key in a 0600 file, funded on the devnet when `btt` is given.
pub(crate) async fn wallet(
    dir: &Path,
    name: &str,
    seed: u8,
    devnet: &Client,
    btt: Option<u128>,
) -> anyhow::Result<(String, Address)> {
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

/// What every test here starts with: a devnet, and a file of `mib` MiB of random data in
/// `dir/seed` with its torrent.
pub(crate) struct Market {
    pub devnet_proc: Proc,
    pub devnet: Client,
    pub url: String,
    pub seed_dir: std::path::PathBuf,
    pub data: std::path::PathBuf,
    pub torrent: std::path::PathBuf,
    pub magnet: String,
}

pub(crate) async fn market(
    dir: &Path,
    name: &str,
    mib: usize,
    seed: u64,
    create: &[&str],
) -> anyhow::Result<Market> {
    let (mut devnet_proc, devnet) = start_devnet("devnet", &dir.join("chain.sqlite"), dir).await?;
    let url = devnet_proc.wait_for_value("url", Duration::from_secs(5)).await?;
    let seed_dir = dir.join("seed");
    std::fs::create_dir_all(&seed_dir)?;
    let data = seed_dir.join(format!("{name}.bin"));
    random_file(&data, mib * MIB, seed);
    let torrent = dir.join(format!("{name}.torrent"));
    let magnet = create_torrent(&data, &torrent, create)?;
    Ok(Market { devnet_proc, devnet, url, seed_dir, data, torrent, magnet })
}

/// The hello of a hand-made seller keyed by `[key; 32]`, on the devnet at `url`, asking
/// 1 BTT per GiB.
pub(crate) fn devnet_seller_hello(url: &str, key: u8) -> anyhow::Result<bidswarm_speed::message::Hello> {
    let port = url::Url::parse(url)?.port().unwrap_or(0);
    Ok(bidswarm_speed::message::Hello {
        version: 1,
        address: PrivateKey::from_bytes(&[key; 32])?.address(),
        network: format!("devnet:{port}"),
        token: bidswarm_tron::devnet_btt_contract(),
        ask: Some(bidswarm_speed::Amount::from_btt(1)),
    })
}

pub(crate) fn value(proc: &Proc, key: &str) -> Option<String> {
    let prefix = format!("{key}: ");
    proc.stdout().iter().rev().find_map(|l| l.strip_prefix(&prefix).map(str::to_owned))
}

/// The arguments of a seeder that earns: its upload capped at `upload_limit`, asking
/// `ask` BTT per GiB, paid to the key in `wallet_file` on the chain at `network`.
pub(crate) fn earning_seeder_args<'a>(
    upload_limit: &'a str,
    ask: &'a str,
    wallet_file: &'a str,
    network: &'a str,
) -> Vec<&'a str> {
    vec![
        "--upload-limit",
        upload_limit,
        "--earn",
        "--ask",
        ask,
        "--wallet-file",
        wallet_file,
        "--network",
        network,
    ]
}

/// The arguments of a leecher that bids `bid` BTT per GiB and spends at most `budget` BTT,
/// from the key in `wallet_file` on the chain at `network`.
pub(crate) fn bidding_leecher_args<'a>(
    wallet_file: &'a str,
    network: &'a str,
    bid: &'a str,
    budget: &'a str,
) -> Vec<&'a str> {
    vec!["--wallet-file", wallet_file, "--network", network, "--bid", bid, "--budget", budget]
}

pub(crate) fn leecher(
    name: &str,
    magnet: &str,
    out: &Path,
    seeder: &str,
    extra: &[&str],
    log_dir: &Path,
) -> anyhow::Result<Proc> {
    let mut args =
        vec!["download", magnet, "-o", path_str(out), "--no-dht", "--exit-on-complete", "--peer", seeder];
    args.extend_from_slice(extra);
    Proc::spawn(name, cli(&args), log_dir)
}

/// The "bid beats no bid": a seeder earning with upload capped at 4 MiB/s, leecher
/// A bidding, leecher B with a wallet but spending off. A finishes first; what A spent is
/// what the seeder earned and what A settled on the devnet; B signs no voucher.
#[tokio::test(flavor = "multi_thread")]
async fn a_bidder_finishes_first_and_pays_exactly_what_the_seeder_earned_and_settles() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let Market { mut devnet_proc, devnet, url, seed_dir, data, torrent, magnet } =
        market(dir.path(), "paid", 24, 61, &[]).await?;
    let (seeder_key, seeder_address) = wallet(dir.path(), "seeder", 0x51, &devnet, None).await?;
    let (a_key, _) = wallet(dir.path(), "a", 0x52, &devnet, Some(1000 * BTT)).await?;
    let (b_key, _) = wallet(dir.path(), "b", 0x53, &devnet, Some(1000 * BTT)).await?;
    let seeder_ledger = dir.path().join("seeder-ledger.sqlite");
    let (mut seeder, addr) = start_seeder(
        "seeder",
        &torrent,
        &seed_dir,
        &[
            "--upload-limit",
            "4M",
            "--earn",
            "--ask",
            "1",
            "--wallet-file",
            &seeder_key,
            "--network",
            &url,
            "--ledger",
            path_str(&seeder_ledger),
        ],
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
        &[
            "--wallet-file",
            &a_key,
            "--network",
            &url,
            "--bid",
            "10",
            "--budget",
            "100",
            "--ledger",
            path_str(&a_ledger),
        ],
        dir.path(),
    )?;
    let mut b = leecher(
        "leecher-b",
        &magnet,
        &out_b,
        &addr,
        &["--wallet-file", &b_key, "--network", &url],
        dir.path(),
    )?;

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

    // The seeder was promised exactly what A spent (B promised nothing): the vouchers of
    // A's last pieces too, although librqbit closes the connection once both sides are
    // seeds (the gateway keeps it open for them). A bound on a hang, not a speed: on a
    // loaded machine the seeder's last rounds can lag (20 s was once too short).
    let earned = bidswarm_tests::wait_until(
        "the seeder's earnings",
        Duration::from_secs(60),
        Duration::from_millis(200),
        async || value(&seeder, "earned").filter(|e| *e == spent.to_string()),
    )
    .await;
    assert!(earned.is_ok(), "seeder earned {:?}, A spent {spent}", value(&seeder, "earned"));

    // A settled its promise on the devnet, to the seeder, in one transfer.
    let settled = value(&a, "settled").expect("A settled on exit");
    let parts: Vec<&str> = settled.split(' ').collect();
    assert_eq!(parts[0], seeder_address.to_string());
    assert_eq!(parts[1], spent.to_string());
    assert_eq!(devnet.btt_balance(&seeder_address).await?, spent, "the seeder holds exactly what A settled");
    // The seeder saw the settlement arrive and marked its channel settled.
    let settled_seen = bidswarm_tests::wait_until(
        "the seeder to see the settlement",
        Duration::from_secs(90),
        Duration::from_millis(250),
        async || value(&seeder, "earned_settled").filter(|e| *e == spent.to_string()),
    )
    .await;
    assert!(
        settled_seen.is_ok(),
        "seeder earned_settled {:?}, A settled {spent}",
        value(&seeder, "earned_settled")
    );
    seeder.terminate(Duration::from_secs(10)).await?;

    // Both ledgers tell the same story, and both check out.
    let ledger = |file: &Path, what: &str| -> anyhow::Result<std::process::Output> {
        Ok(cli(&["ledger", what, "--ledger", path_str(file)]).output()?)
    };
    let line = |out: &std::process::Output, key: &str| {
        let prefix = format!("{key}: ");
        String::from_utf8_lossy(&out.stdout).lines().find_map(|l| l.strip_prefix(&prefix).map(str::to_owned))
    };
    let a_summary = ledger(&a_ledger, "summary")?;
    assert_eq!(line(&a_summary, "spent"), Some(spent.to_string()), "A's ledger: spent");
    assert_eq!(line(&a_summary, "committed"), Some("0".into()), "A's promises are all settled");
    let s_summary = ledger(&seeder_ledger, "summary")?;
    assert_eq!(
        line(&s_summary, "earned_settled"),
        Some(spent.to_string()),
        "the seeder's ledger: earned and settled"
    );
    for file in [&a_ledger, &seeder_ledger] {
        let verify = ledger(file, "verify")?;
        assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
    }
    let csv = String::from_utf8(ledger(&a_ledger, "export")?.stdout)?;
    assert!(csv.starts_with("date,torrent,peer,direction,amount_btt,state,txid"), "{csv}");
    devnet_proc.terminate(Duration::from_secs(10)).await?;
    Ok(())
}

/// A 16 MiB download by leecher A, holding `a_btt` BTT, from a seeder earning at 64 BTT
/// per GiB (so the whole file costs 1 BTT) with upload capped at 4 MiB/s, the torrent made
/// with `create` and the seeder started with `seeder_extra` besides. A bids 64 with
/// `budget`; it must finish with an intact file. Returns A and the seeder, and the
/// seeder's address.
#[allow(clippy::too_many_arguments)]
async fn one_bidder(
    dir: &Path,
    name: &str,
    seed: u64,
    keys: (u8, u8),
    a_btt: u128,
    budget: &str,
    create: &[&str],
    seeder_extra: &[&str],
) -> anyhow::Result<(Proc, Proc, Address, Market)> {
    let market = market(dir, name, 16, seed, create).await?;
    let (seeder_key, seeder_address) = wallet(dir, "seeder", keys.0, &market.devnet, None).await?;
    let (a_key, _) = wallet(dir, "a", keys.1, &market.devnet, Some(a_btt)).await?;
    let url = &market.url;
    let mut seeder_args =
        vec!["--upload-limit", "4M", "--earn", "--ask", "64", "--wallet-file", &seeder_key, "--network", url];
    seeder_args.extend_from_slice(seeder_extra);
    let (seeder, addr) = start_seeder("seeder", &market.torrent, &market.seed_dir, &seeder_args, dir).await?;
    let out = dir.join("a");
    let a_args = ["--wallet-file", &a_key, "--network", url, "--bid", "64", "--budget", budget];
    let mut a = leecher("leecher-a", &market.magnet, &out, &addr, &a_args, dir)?;
    let status = a.wait_exit(TRANSFER_TIMEOUT).await?;
    anyhow::ensure!(status.success(), "A failed:\n{}", a.stderr_tail());
    assert!(files_equal(&market.data, &out.join(format!("{name}.bin")))?, "A's download is intact");
    Ok((a, seeder, seeder_address, market))
}

/// The "budget runs out": A's budget covers about half the file. It never spends
/// more, says so, and finishes the download for free.
#[tokio::test(flavor = "multi_thread")]
async fn a_spent_budget_stops_bidding_and_the_download_finishes_for_free() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let (a, _seeder, _, mut market) =
        one_bidder(dir.path(), "budget", 62, (0x61, 0x62), 1000 * BTT, "0.5", &[], &[]).await?;
    assert_eq!(value(&a, "spent").as_deref(), Some((BTT / 2).to_string().as_str()), "exactly the budget");
    assert_eq!(value(&a, "budget_exhausted").as_deref(), Some("true"));
    market.devnet_proc.terminate(Duration::from_secs(10)).await?;
    Ok(())
}

/// A seller whose credit window is smaller than a piece (64 KiB against 1 MiB pieces): a
/// buyer pays for verified pieces only, so a slot choked after one window, before the
/// piece it serves can verify, would wait for a payment that never comes. The seller
/// serves each paid slot at least a few pieces ahead, so A finishes on the paid slot and
/// pays for the whole file.
#[tokio::test(flavor = "multi_thread")]
async fn a_credit_window_smaller_than_a_piece_does_not_stall_the_paid_slot() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let (a, seeder, _, mut market) = one_bidder(
        dir.path(),
        "bigpieces",
        64,
        (0x66, 0x67),
        1000 * BTT,
        "1000",
        &["--piece-length", "1048576"],
        &["--credit-window", "65536"],
    )
    .await?;
    let spent: u128 = value(&a, "spent").unwrap_or_default().parse()?;
    // The whole file costs 1 BTT at 64 BTT per GiB; the free share of the cap is small.
    assert!(spent >= BTT / 2, "A was served on the paid slot: it paid {spent} of {BTT}");
    assert_eq!(value(&seeder, "earned"), Some(spent.to_string()), "the seeder accepted every voucher");
    market.devnet_proc.terminate(Duration::from_secs(10)).await?;
    Ok(())
}

/// A wallet that holds less than the budget: A's budget would buy the whole file, but its
/// wallet holds 0.3 BTT of the 1 BTT the file costs. The seeder grants credit only while
/// A's balance covers what A owes plus one window (0.25 BTT at this price), so A is served
/// on the paid slot for less than it holds, finishes for free, and every voucher it signed
/// is accepted and settled. (A seller that does not check is
/// `speed_hostile::vouchers_never_promise_more_than_the_wallet_holds_to_a_seller_that_does_not_check`.)
#[tokio::test(flavor = "multi_thread")]
async fn a_thin_wallet_is_served_on_credit_only_while_its_balance_covers_it() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let held = 3 * BTT / 10;
    let (a, seeder, seeder_address, mut market) =
        one_bidder(dir.path(), "thin", 63, (0x64, 0x65), held, "1000", &[], &[]).await?;
    let spent: u128 = value(&a, "spent").unwrap_or_default().parse()?;
    assert!(spent > 0 && spent <= held, "A promised {spent}, within the {held} it held");
    assert_eq!(value(&seeder, "earned"), Some(spent.to_string()), "the seeder accepted every voucher");
    assert_eq!(market.devnet.btt_balance(&seeder_address).await?, spent, "and was paid all of it");
    market.devnet_proc.terminate(Duration::from_secs(10)).await?;
    Ok(())
}

/// The "ordinary peer": a Transmission leecher in a swarm where a seeder sells
/// paid slots and a Bidswarm leecher buys one. Transmission never advertises bt_speed, so
/// it is sent none (the gateway sends bt_speed only with the peer's own extension id), and
/// it completes normally beside the bidder.
#[tokio::test(flavor = "multi_thread")]
async fn a_transmission_leecher_completes_beside_a_bidder_untouched_by_bt_speed() -> anyhow::Result<()> {
    if !bidswarm_tests::peers::require("transmission-daemon") {
        return Ok(());
    }
    let dir = bidswarm_tests::test_dir();
    let Market { mut devnet_proc, devnet, url, seed_dir, data, torrent, magnet } =
        market(dir.path(), "mixed", 8, 73, &[]).await?;
    let (seeder_key, _) = wallet(dir.path(), "seeder", 0x71, &devnet, None).await?;
    let (a_key, _) = wallet(dir.path(), "a", 0x72, &devnet, Some(1000 * BTT)).await?;
    let tr = bidswarm_tests::peers::Transmission::start(&dir.path().join("tr"), dir.path()).await?;
    let info_hash: String = magnet.trim_start_matches("magnet:?xt=urn:btih:").chars().take(40).collect();
    let tr_out = dir.path().join("tr-out");
    std::fs::create_dir_all(&tr_out)?;
    tr.add(&torrent, &tr_out).await?;
    tr.wait_active(&info_hash, Duration::from_secs(60)).await?;
    let tr_peer = format!("127.0.0.1:{}", tr.peer_port);
    let (_seeder, addr) = start_seeder(
        "seeder",
        &torrent,
        &seed_dir,
        &[
            "--upload-limit",
            "4M",
            "--earn",
            "--ask",
            "1",
            "--wallet-file",
            &seeder_key,
            "--network",
            &url,
            "--peer",
            &tr_peer,
        ],
        dir.path(),
    )
    .await?;
    let out = dir.path().join("a");
    let mut a = leecher(
        "leecher-a",
        &magnet,
        &out,
        &addr,
        &["--wallet-file", &a_key, "--network", &url, "--bid", "5", "--budget", "10"],
        dir.path(),
    )?;
    let status = a.wait_exit(TRANSFER_TIMEOUT).await?;
    anyhow::ensure!(status.success(), "A failed:\n{}", a.stderr_tail());
    assert_ne!(value(&a, "spent").as_deref(), Some("0"), "the bidder bought a paid slot");
    tr.wait_complete(&info_hash, Duration::from_secs(240)).await?;
    assert!(files_equal(&data, &tr_out.join("mixed.bin"))?);
    devnet_proc.terminate(Duration::from_secs(10)).await?;
    Ok(())
}

/// A hand-made cheating payer: it speaks bt_speed to a real earning seeder, wins the paid
/// slot, requests every block and never pays; then it sends a forged voucher.
pub(crate) mod cheater {
    use anyhow::Context;
    use bidswarm_peerwire::{encode, BlockRef, Decoder, ExtendedHandshake, Handshake, Message, BT_SPEED};
    use bidswarm_speed::{
        message::{Bid, ErrorCode, Hello, SignedVoucher, SpeedMessage},
        Amount,
    };
    use bidswarm_wallet::{ChannelId, PrivateKey, Signer, Voucher};
    use bytes::{Bytes, BytesMut};
    use tokio::{
        io::{AsyncReadExt, AsyncWriteExt},
        net::TcpStream,
    };

    /// Our id for bt_speed messages sent to us.
    const OUR_BT_SPEED: u8 = 7;

    pub struct Cheater {
        stream: TcpStream,
        buf: BytesMut,
        pub their_bt_speed: u8,
        pub info_hash: [u8; 20],
    }

    impl Cheater {
        pub async fn connect(addr: &str, info_hash: [u8; 20]) -> anyhow::Result<Self> {
            Self::handshake(TcpStream::connect(addr).await?, info_hash).await
        }

        /// `connect` with a receive buffer of 64 KiB, fixed: the kernel would otherwise
        /// grow it to tens of MiB (`tcp_rmem`), so a peer that stops reading would still
        /// take in everything sent to it for a long while.
        pub async fn connect_with_small_window(addr: &str, info_hash: [u8; 20]) -> anyhow::Result<Self> {
            let addr: std::net::SocketAddr = addr.parse()?;
            let socket = if addr.is_ipv4() {
                tokio::net::TcpSocket::new_v4()?
            } else {
                tokio::net::TcpSocket::new_v6()?
            };
            socket.set_recv_buffer_size(64 * 1024)?;
            Self::handshake(socket.connect(addr).await?, info_hash).await
        }

        async fn handshake(mut stream: TcpStream, info_hash: [u8; 20]) -> anyhow::Result<Self> {
            let mut out = BytesMut::new();
            let mut reserved = [0u8; 8];
            reserved[5] = 0x10;
            Handshake { reserved, info_hash, peer_id: *b"-XX0001-cheater00000" }.encode(&mut out);
            stream.write_all(&out).await?;
            let mut buf = BytesMut::new();
            while buf.len() < 68 {
                anyhow::ensure!(
                    stream.read_buf(&mut buf).await? > 0,
                    "the seeder closed during the handshake"
                );
            }
            let _ = buf.split_to(68);
            let mut this = Self { stream, buf, their_bt_speed: 0, info_hash };
            let ours = format!("d1:md8:bt_speedi{OUR_BT_SPEED}eee");
            this.send(Message::Extended { id: 0, payload: Bytes::from(ours.into_bytes()) }).await?;
            Ok(this)
        }

        pub async fn send(&mut self, m: Message) -> anyhow::Result<()> {
            let mut out = BytesMut::new();
            encode(&m, &mut out);
            Ok(self.stream.write_all(&out).await?)
        }

        pub async fn send_speed(&mut self, m: SpeedMessage) -> anyhow::Result<()> {
            let id = self.their_bt_speed;
            self.send(Message::Extended { id, payload: m.encode() }).await
        }

        /// The next message, or `None` after `wait` of silence.
        pub async fn next(&mut self, wait: std::time::Duration) -> anyhow::Result<Option<Message>> {
            let decoder = Decoder::default();
            loop {
                if let Some(m) = decoder.decode(&mut self.buf)? {
                    if let Message::Extended { id: 0, payload } = &m {
                        let theirs = ExtendedHandshake::parse(payload)?;
                        self.their_bt_speed = theirs.extension_id(BT_SPEED).unwrap_or(0);
                    }
                    return Ok(Some(m));
                }
                match tokio::time::timeout(wait, self.stream.read_buf(&mut self.buf)).await {
                    Err(_) => return Ok(None),
                    Ok(n) => anyhow::ensure!(n? > 0, "the seeder closed the connection"),
                }
            }
        }

        pub fn speed(m: &Message) -> Option<SpeedMessage> {
            match m {
                Message::Extended { id: OUR_BT_SPEED, payload } => SpeedMessage::decode(payload).ok(),
                _ => None,
            }
        }

        /// Says hello as a payer and bids.
        pub async fn bid(
            &mut self,
            key: &PrivateKey,
            seller: &Hello,
            price: Amount,
        ) -> anyhow::Result<ChannelId> {
            self.bid_with_nonce(key, seller, price, 1).await
        }

        /// Says hello as a payer and bids on the channel of `nonce` (a fresh nonce is a
        /// fresh channel, as on a reconnect).
        pub async fn bid_with_nonce(
            &mut self,
            key: &PrivateKey,
            seller: &Hello,
            price: Amount,
            nonce: u64,
        ) -> anyhow::Result<ChannelId> {
            let hello = Hello {
                version: 1,
                address: key.address(),
                network: seller.network.clone(),
                token: seller.token,
                ask: None,
            };
            self.send_speed(SpeedMessage::Hello(hello)).await?;
            let channel = ChannelId::derive(&key.address(), &seller.address, &self.info_hash, nonce);
            let bid = Bid { price, budget: Amount::from_btt(100), channel, nonce };
            self.send_speed(SpeedMessage::Bid(bid)).await?;
            Ok(channel)
        }

        pub async fn request_all(&mut self, pieces: u32, piece_len: u32) -> anyhow::Result<()> {
            for index in 0..pieces {
                for begin in (0..piece_len).step_by(16384) {
                    self.send(Message::Request(BlockRef { index, begin, length: 16384 })).await?;
                }
            }
            Ok(())
        }

        pub async fn forged_voucher(&mut self, channel: ChannelId) -> anyhow::Result<()> {
            // Large enough to pass the payee's flood gate, so it is refused for its signature.
            let voucher =
                Voucher { channel, seq: 1, cumulative: 1_000_000_000_000_000_000, expiry: 4_000_000_000 };
            // Signed by someone else: the signature recovers another address.
            let stranger = PrivateKey::from_bytes(&[0x99; 32])?;
            let signature = stranger.sign_voucher(&voucher)?;
            self.send_speed(SpeedMessage::Voucher(SignedVoucher { voucher, signature })).await
        }

        /// A voucher properly signed by `key`, the payer.
        pub async fn voucher(
            &mut self,
            key: &PrivateKey,
            channel: ChannelId,
            seq: u64,
            cumulative: Amount,
        ) -> anyhow::Result<()> {
            let expiry =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() + 7 * 86_400;
            let voucher = Voucher { channel, seq, cumulative: cumulative.0, expiry };
            let signature = key.sign_voucher(&voucher)?;
            self.send_speed(SpeedMessage::Voucher(SignedVoucher { voucher, signature })).await
        }

        pub fn is_error(m: &SpeedMessage, code: ErrorCode) -> bool {
            matches!(m, SpeedMessage::Error(e) if e.code == code)
        }

        /// Reads until the seller's hello.
        pub async fn hello(&mut self) -> anyhow::Result<Hello> {
            loop {
                let m = self
                    .next(std::time::Duration::from_secs(10))
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("no hello from the seller"))?;
                if let Some(SpeedMessage::Hello(h)) = Self::speed(&m) {
                    return Ok(h);
                }
            }
        }
    }

    /// A hand-made seller: it takes one connection on `listener`, says it has all
    /// `pieces` and speaks bt_speed; the test decides what it answers.
    pub struct Seller {
        stream: TcpStream,
        buf: BytesMut,
        /// The buyer's id for bt_speed messages, once its extended handshake came.
        pub their_bt_speed: u8,
    }

    impl Seller {
        pub async fn accept(
            listener: tokio::net::TcpListener,
            info_hash: [u8; 20],
            pieces: usize,
            peer_id: [u8; 20],
        ) -> anyhow::Result<Self> {
            // A plaintext-only peer, as scripted peers are: a connection that opens with an
            // MSE key (Bidswarm prefers encryption) is closed, and Bidswarm dials again in
            // plaintext. Bounded: a few attempts.
            let (mut stream, mut buf) = (None, BytesMut::new());
            for _ in 0..4 {
                let (mut s, _) = listener.accept().await?;
                let mut head = BytesMut::new();
                while head.len() < 68 {
                    anyhow::ensure!(s.read_buf(&mut head).await? > 0, "closed in the handshake");
                }
                if head.starts_with(b"\x13BitTorrent protocol") {
                    (stream, buf) = (Some(s), head);
                    break;
                }
            }
            let mut stream = stream.context("no plaintext handshake in four connections")?;
            let _ = buf.split_to(68);
            let mut out = BytesMut::new();
            let mut reserved = [0u8; 8];
            reserved[5] = 0x10;
            Handshake { reserved, info_hash, peer_id }.encode(&mut out);
            let mut bitfield = vec![0u8; pieces.div_ceil(8)];
            for i in 0..pieces {
                bitfield[i / 8] |= 0x80 >> (i % 8);
            }
            let ours = format!("d1:md8:bt_speedi{OUR_BT_SPEED}eee");
            encode(&Message::Extended { id: 0, payload: Bytes::from(ours.into_bytes()) }, &mut out);
            encode(&Message::Bitfield(Bytes::from(bitfield)), &mut out);
            encode(&Message::Unchoke, &mut out);
            stream.write_all(&out).await?;
            Ok(Self { stream, buf, their_bt_speed: 0 })
        }

        /// The next message, or `None` once the buyer is gone or silent for 20 s. Notes
        /// the buyer's bt_speed id from its extended handshake.
        pub async fn next(&mut self) -> anyhow::Result<Option<Message>> {
            let decoder = Decoder::default();
            loop {
                if let Some(m) = decoder.decode(&mut self.buf)? {
                    if let Message::Extended { id: 0, payload } = &m {
                        self.their_bt_speed =
                            ExtendedHandshake::parse(payload)?.extension_id(BT_SPEED).unwrap_or(0);
                    }
                    return Ok(Some(m));
                }
                let read = self.stream.read_buf(&mut self.buf);
                match tokio::time::timeout(std::time::Duration::from_secs(20), read).await {
                    Ok(Ok(n)) if n > 0 => {}
                    _ => return Ok(None),
                }
            }
        }

        /// Sends messages; `false` once the buyer is gone.
        pub async fn send(&mut self, messages: &[Message]) -> bool {
            let mut out = BytesMut::new();
            for m in messages {
                encode(m, &mut out);
            }
            self.stream.write_all(&out).await.is_ok()
        }

        pub fn speed_message(&self, m: SpeedMessage) -> Message {
            Message::Extended { id: self.their_bt_speed, payload: m.encode() }
        }
    }
}

/// The "cheating payer": a payer that never pays is served at most the credit
/// window (plus less than one block) on its paid slot, then choked and asked to pay; a
/// forged voucher is refused and the slot stays lost.
#[tokio::test(flavor = "multi_thread")]
async fn a_payer_that_never_pays_gets_at_most_the_credit_window_then_is_choked() -> anyhow::Result<()> {
    use bidswarm_peerwire::Message;
    use bidswarm_speed::message::{ErrorCode, SpeedMessage};
    use cheater::Cheater;

    const WINDOW: u64 = 1 << 20;
    let dir = bidswarm_tests::test_dir();
    let Market { mut devnet_proc, devnet, url, seed_dir, torrent, magnet, .. } =
        market(dir.path(), "bait", 8, 81, &["--piece-length", "65536"]).await?;
    let (seeder_key, _) = wallet(dir.path(), "seeder", 0x81, &devnet, None).await?;
    let window = WINDOW.to_string();
    // Capped, so the transfer lasts past the auction (otherwise loopback delivers
    // everything as a free peer within the first round).
    let mut args = earning_seeder_args("2M", "1", &seeder_key, &url);
    args.extend(["--credit-window", &window]);
    let (_seeder, addr) = start_seeder("seeder", &torrent, &seed_dir, &args, dir.path()).await?;
    let info_hash: [u8; 20] =
        hex::decode(&magnet["magnet:?xt=urn:btih:".len()..][..40])?.try_into().unwrap_or([0; 20]);
    let key = PrivateKey::from_bytes(&[0x82; 32])?;
    // Funded: a seller grants credit only to a payer whose balance covers it.
    devnet.faucet(&key.address(), 1_000_000_000, 10 * BTT).await?;
    let mut peer = Cheater::connect(&addr, info_hash).await?;

    // Wait for the seller's hello, then bid and ask for everything.
    let hello = peer.hello().await?;
    assert!(hello.ask.is_some(), "the seeder sells");
    let channel = peer.bid(&key, &hello, bidswarm_speed::Amount::from_btt(5)).await?;
    peer.send(Message::Interested).await?;
    let (mut slot, mut after_slot, mut choked_after_slot, mut asked_to_pay) = (false, 0u64, false, false);
    let mut requested = false;
    while let Some(m) = peer.next(Duration::from_secs(5)).await? {
        match &m {
            Message::Unchoke if !requested => {
                peer.request_all(128, 65536).await?;
                requested = true;
            }
            Message::Piece { block, .. } if slot => after_slot += block.len() as u64,
            Message::Choke if slot => choked_after_slot = true,
            _ => {}
        }
        match Cheater::speed(&m) {
            Some(SpeedMessage::Price(p)) if p.slot => slot = true,
            Some(SpeedMessage::NeedPayment(n)) => {
                asked_to_pay = true;
                assert!(n.unpaid_bytes > 0);
            }
            _ => {}
        }
        if asked_to_pay && choked_after_slot {
            break;
        }
    }
    eprintln!("served {after_slot} bytes on the unpaid slot; choked {choked_after_slot}, asked to pay {asked_to_pay}");
    assert!(slot, "the bid won the paid slot");
    assert!(choked_after_slot, "the unpaid slot was choked");
    assert!(asked_to_pay, "the seeder asked for payment");
    assert!(
        after_slot <= WINDOW + 16384,
        "served {after_slot} unpaid bytes on the paid slot; the window is {WINDOW}"
    );

    // A forged voucher is refused, and no more data comes.
    peer.forged_voucher(channel).await?;
    let mut refused = false;
    let mut more = 0u64;
    while let Some(m) = peer.next(Duration::from_secs(3)).await? {
        if let Some(s) = Cheater::speed(&m) {
            refused |= Cheater::is_error(&s, ErrorCode::BadVoucher);
        }
        if let Message::Piece { block, .. } = &m {
            more += block.len() as u64;
        }
    }
    assert!(refused, "the forged voucher was refused with bad_voucher");
    assert_eq!(more, 0, "nothing more was served after the forged voucher");
    devnet_proc.terminate(Duration::from_secs(10)).await?;
    Ok(())
}

/// The "cheating seeder": a peer that sells a paid slot and serves corrupt blocks.
/// The bidder downloads the file from an honest free seeder beside it and pays the cheat
/// nothing, because it pays only for pieces that pass their hash check.
#[tokio::test(flavor = "multi_thread")]
async fn a_seeder_serving_corrupt_blocks_is_never_paid() -> anyhow::Result<()> {
    use bidswarm_peerwire::Message;
    use bidswarm_speed::{
        message::{PriceOffer, SpeedMessage},
        Amount,
    };
    use bytes::Bytes;
    use cheater::Seller;

    let dir = bidswarm_tests::test_dir();
    let Market { mut devnet_proc, devnet, url, seed_dir, data, torrent, magnet } =
        market(dir.path(), "fair", 8, 91, &["--piece-length", "65536"]).await?;
    let (a_key, _) = wallet(dir.path(), "a", 0x91, &devnet, Some(1000 * BTT)).await?;
    let info_hash: [u8; 20] =
        hex::decode(&magnet["magnet:?xt=urn:btih:".len()..][..40])?.try_into().unwrap_or([0; 20]);
    // The honest seeder is slowed, so the cheat gets a real share of the requests.
    let (_honest, honest_addr) =
        start_seeder("honest", &torrent, &seed_dir, &["--upload-limit", "2M"], dir.path()).await?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let cheat_addr = listener.local_addr()?.to_string();
    let hello = devnet_seller_hello(&url, 0x92)?;
    // The cheat: a seller that answers every request with garbage, counting what it is
    // paid and what it serves.
    let cheat = tokio::spawn(async move {
        let mut seller = Seller::accept(listener, info_hash, 128, *b"-XX0001-corrupt00000").await?;
        let (mut vouchers, mut served) = (0u32, 0u64);
        while let Some(message) = seller.next().await? {
            let reply = match message {
                Message::Extended { id: 0, .. } => {
                    vec![seller.speed_message(SpeedMessage::Hello(hello.clone()))]
                }
                Message::Extended { id: 7, payload } => match SpeedMessage::decode(&payload)? {
                    SpeedMessage::Bid(_) => {
                        let offer =
                            PriceOffer { price: Amount::from_btt(1), slot: true, credit_window: 64 << 20 };
                        vec![seller.speed_message(SpeedMessage::Price(offer))]
                    }
                    SpeedMessage::Voucher(_) => {
                        vouchers += 1;
                        vec![]
                    }
                    _ => vec![],
                },
                Message::Request(r) => {
                    served += u64::from(r.length);
                    let garbage = Bytes::from(vec![0x5a; r.length as usize]);
                    vec![Message::Piece { index: r.index, begin: r.begin, block: garbage }]
                }
                _ => vec![],
            };
            if !seller.send(&reply).await {
                break;
            }
        }
        Ok::<_, anyhow::Error>((vouchers, served))
    });

    let out = dir.path().join("a");
    let mut a = leecher(
        "leecher-a",
        path_str(&torrent),
        &out,
        &honest_addr,
        &[
            "--peer",
            &cheat_addr,
            "--wallet-file",
            &a_key,
            "--network",
            &url,
            "--bid",
            "10",
            "--budget",
            "100",
        ],
        dir.path(),
    )?;
    let status = a.wait_exit(TRANSFER_TIMEOUT).await?;
    anyhow::ensure!(status.success(), "A failed:\n{}", a.stderr_tail());
    assert!(files_equal(&data, &out.join("fair.bin"))?, "the download is intact despite the corrupt blocks");
    let (vouchers, served) = tokio::time::timeout(Duration::from_secs(30), cheat).await???;
    eprintln!("the cheat served {served} corrupt bytes and got {vouchers} vouchers");
    assert!(served > 0, "the cheat was asked for blocks, so the test means something");
    assert_eq!(vouchers, 0, "no voucher for corrupt pieces");
    assert_eq!(value(&a, "spent").as_deref(), Some("0"));
    devnet_proc.terminate(Duration::from_secs(10)).await?;
    Ok(())
}

/// The seeder checks a payer's vouchers against its BTT balance on chain (docs/PROTOCOL.md
/// §7): with 1 BTT in its wallet, a payer's voucher for 0.5 BTT is accepted and one for
/// 2 BTT is refused as unbacked, although its bid's budget (100 BTT) would allow both.
#[tokio::test(flavor = "multi_thread")]
async fn a_voucher_beyond_the_payers_balance_on_chain_is_refused() -> anyhow::Result<()> {
    use bidswarm_speed::message::{ErrorCode, SpeedMessage};
    use cheater::Cheater;

    let dir = bidswarm_tests::test_dir();
    let Market { mut devnet_proc, devnet, url, seed_dir, torrent, magnet, .. } =
        market(dir.path(), "backing", 1, 91, &[]).await?;
    let (seeder_key, _) = wallet(dir.path(), "seeder", 0x91, &devnet, None).await?;
    let (_seeder, addr) = start_seeder(
        "seeder",
        &torrent,
        &seed_dir,
        &["--earn", "--ask", "1", "--wallet-file", &seeder_key, "--network", &url],
        dir.path(),
    )
    .await?;
    let key = PrivateKey::from_bytes(&[0x92; 32])?;
    devnet.faucet(&key.address(), 1_000_000_000, BTT).await?;
    let info_hash: [u8; 20] =
        hex::decode(&magnet["magnet:?xt=urn:btih:".len()..][..40])?.try_into().unwrap_or([0; 20]);
    let mut peer = Cheater::connect(&addr, info_hash).await?;
    let hello = peer.hello().await?;
    let channel = peer.bid(&key, &hello, bidswarm_speed::Amount::from_btt(5)).await?;
    // The seeder reads a new payer's balance within a second of its bid.
    tokio::time::sleep(Duration::from_secs(3)).await;

    // Reads everything the seeder says for `quiet` of silence; returns the refusal, if any.
    async fn refusal(peer: &mut Cheater, quiet: Duration) -> anyhow::Result<Option<String>> {
        let mut refused = None;
        while let Some(m) = peer.next(quiet).await? {
            if let Some(SpeedMessage::Error(e)) = Cheater::speed(&m) {
                if e.code == ErrorCode::BadVoucher {
                    refused = Some(e.message);
                }
            }
        }
        Ok(refused)
    }
    peer.voucher(&key, channel, 1, bidswarm_speed::Amount(BTT / 2)).await?;
    let first = refusal(&mut peer, Duration::from_secs(2)).await?;
    assert_eq!(first, None, "a voucher the balance covers is accepted");
    peer.voucher(&key, channel, 2, bidswarm_speed::Amount(2 * BTT)).await?;
    let second = refusal(&mut peer, Duration::from_secs(2)).await?;
    let message = second.ok_or_else(|| anyhow::anyhow!("a voucher beyond the balance was accepted"))?;
    assert!(message.contains("balance"), "refused for the balance: {message}");
    devnet_proc.terminate(Duration::from_secs(10)).await?;
    Ok(())
}

/// A headless server that paid for a download through the wallet's own network (no
/// `--network` flag): a wallet imported over the API, spending on with a fixed bid, a
/// torrent added with an earning seeder as its peer, every verified piece paid for and
/// nothing settled yet (what it owes is not worth a settlement's fee).
struct PaidDownload {
    devnet_proc: Proc,
    devnet: Client,
    seeder: Proc,
    seeder_address: Address,
    server: bidswarm_tests::Server,
    id: bidswarm_api::TorrentId,
    spent: u128,
    /// How to start the seeder again on the same data, wallet and ledger.
    seeder_args: Vec<String>,
    seeder_ledger: std::path::PathBuf,
}

pub(crate) const PAYER_PASSWORD: &str = "correct horse 42";

async fn paid_download(dir: &Path) -> anyhow::Result<PaidDownload> {
    paid_download_with(dir, PaidOptions::default()).await
}

/// How [`paid_download_with`] sets up the download.
struct PaidOptions {
    /// MiB served...
    mib: usize,
    /// ...by a seeder capped at this upload rate.
    cap: &'static str,
    /// Settle when owed this many times the fee (the default, 20 fees at 300,000 BTT a
    /// TRX, is far above the 10 BTT budget).
    fee_multiple: Option<u32>,
    /// Both sides reach the devnet through a proxy that says every fee is 0.
    free_fee_node: bool,
}

impl Default for PaidOptions {
    fn default() -> Self {
        Self { mib: 8, cap: "2M", fee_multiple: None, free_fee_node: false }
    }
}

/// A headless server at `dir/payer` that pays for speed: the key `payer_key` imported
/// under [`PAYER_PASSWORD`] (so unlocked), a fixed bid of 64 BTT per GiB, at most `budget`
/// base units per torrent, downloads in `dir/payer-downloads`, settling on the devnet at
/// `url` once owed `fee_multiple` times the fee (the default rule when `None`).
pub(crate) async fn payer_server(
    dir: &Path,
    url: &str,
    payer_key: &PrivateKey,
    budget: u128,
    fee_multiple: Option<u32>,
) -> anyhow::Result<bidswarm_tests::Server> {
    use bidswarm_api::{BidStrategy, Request, Response, SecretStoreKind, TronNetwork};

    let server = bidswarm_tests::Server::start("payer", &dir.join("payer"), dir).await?;
    let Response::Settings { mut settings, .. } = server.call(&Request::GetSettings).await? else {
        anyhow::bail!("settings")
    };
    settings.network = TronNetwork::Local { url: url.to_owned() };
    settings.download_folder = path_str(&dir.join("payer-downloads")).to_owned();
    settings.speed.spending_enabled = true;
    settings.speed.strategy = BidStrategy::Fixed;
    settings.speed.fixed_price_per_gib = bidswarm_api::BaseUnits(64 * BTT);
    settings.speed.budget_per_torrent = bidswarm_api::BaseUnits(budget);
    if let Some(multiple) = fee_multiple {
        settings.speed.settle_fee_multiple = multiple;
    }
    server.call(&Request::UpdateSettings { settings: settings.into() }).await?;
    server
        .call(&Request::ImportWallet {
            mnemonic: None,
            private_key: Some(hex::encode(*payer_key.to_bytes()).into()),
            passphrase: None,
            password: PAYER_PASSWORD.into(),
            store: SecretStoreKind::File,
        })
        .await?;
    Ok(server)
}

/// [`paid_download`] as `options` say.
async fn paid_download_with(dir: &Path, options: PaidOptions) -> anyhow::Result<PaidDownload> {
    use bidswarm_api::{Request, Response, TorrentSource};

    let PaidOptions { mib, cap, fee_multiple, free_fee_node } = options;
    let Market { devnet_proc, devnet, url, seed_dir, data, torrent, magnet } =
        market(dir, "served", mib, 101, &["--piece-length", "65536"]).await?;
    // bt_speed names a devnet by its URL's port: both sides use the same one.
    let url = if free_fee_node { crate::settlement::free_fee_node(&url).await? } else { url };
    let (seeder_key, seeder_address) = wallet(dir, "seeder", 0xa1, &devnet, None).await?;
    let seeder_ledger = dir.join("seeder-ledger.sqlite");
    let seeder_args: Vec<String> = [
        "--upload-limit",
        cap,
        "--earn",
        "--ask",
        "64",
        "--wallet-file",
        &seeder_key,
        "--network",
        &url,
        "--ledger",
        path_str(&seeder_ledger),
    ]
    .map(str::to_owned)
    .to_vec();
    let args: Vec<&str> = seeder_args.iter().map(String::as_str).collect();
    let (seeder, addr) = start_seeder("seeder", &torrent, &seed_dir, &args, dir).await?;
    let payer_key = PrivateKey::from_bytes(&[0xa2; 32])?;
    devnet.faucet(&payer_key.address(), 1_000_000_000, 1000 * BTT).await?;

    let server = payer_server(dir, &url, &payer_key, 10 * BTT, fee_multiple).await?;
    let Response::Torrent { torrent: added } = server
        .call(&Request::AddTorrent {
            source: TorrentSource::Magnet(magnet.clone()),
            options: bidswarm_api::AddOptions { peers: vec![addr.clone()], ..Default::default() },
        })
        .await?
    else {
        anyhow::bail!("add")
    };
    server.wait_state(&added.id, bidswarm_api::TorrentState::Seeding).await?;
    let name = data.file_name().unwrap_or_default();
    assert!(files_equal(&data, &dir.join("payer-downloads").join(name))?, "the download is intact");

    // The last verified pieces are paid within a round or two of completing; then spent
    // stops moving. Spent and earned can agree just before that last voucher, so they must
    // agree on the same figure 2 s running.
    let agreed = std::cell::Cell::new((0u128, 0u32));
    let spent = bidswarm_tests::wait_until(
        "what the payer spent to match what the seeder earned",
        Duration::from_secs(60),
        Duration::from_millis(500),
        async || {
            let Ok(Response::TorrentSpeed { speed }) =
                server.call(&Request::GetTorrentSpeed { id: added.id.clone() }).await
            else {
                return None;
            };
            let spent: u128 = speed.spent.parse().ok()?;
            let earned: u128 = value(&seeder, "earned").and_then(|e| e.parse().ok()).unwrap_or(0);
            let (last, times) = agreed.get();
            let times = if spent > 0 && spent == earned && spent == last { times + 1 } else { 0 };
            agreed.set((if spent == earned { spent } else { 0 }, times));
            (times >= 4).then_some(spent)
        },
    )
    .await?;
    if fee_multiple.is_none() {
        assert_eq!(devnet.btt_balance(&seeder_address).await?, 0, "nothing is worth the fee yet");
    }
    let seeder_args =
        [vec![path_str(&torrent).to_owned(), path_str(&seed_dir).to_owned()], seeder_args].concat();
    Ok(PaidDownload {
        devnet_proc,
        devnet,
        seeder,
        seeder_address,
        server,
        id: added.id,
        spent,
        seeder_args,
        seeder_ledger,
    })
}

impl PaidDownload {
    /// Waits for the settlement to reach the seeder on chain, and for the seeder to see
    /// it; then stops everything. Returns how many transfers paid the seeder.
    async fn expect_settled(mut self) -> anyhow::Result<usize> {
        let Self { devnet, seeder_address, spent, .. } = &self;
        let settled = bidswarm_tests::wait_until(
            "the seeder to hold on chain what the payer promised",
            Duration::from_secs(60),
            Duration::from_millis(500),
            async || devnet.btt_balance(seeder_address).await.ok().filter(|b| b == spent),
        )
        .await;
        let balance = devnet.btt_balance(seeder_address).await?;
        assert!(settled.is_ok(), "the seeder holds {balance}, the payer promised {spent}");
        // Every voucher reached the seeder (see `a_bidder_finishes_first…`), so it credits
        // exactly what was paid.
        let seen = bidswarm_tests::wait_until(
            "the seeder to see the settlement",
            Duration::from_secs(90),
            Duration::from_millis(250),
            async || value(&self.seeder, "earned_settled").filter(|e| e == &spent.to_string()),
        )
        .await;
        assert!(
            seen.is_ok(),
            "seeder earned_settled {:?} of earned {:?}, settled {spent}",
            value(&self.seeder, "earned_settled"),
            value(&self.seeder, "earned")
        );
        let transfers = devnet.trc20_history(seeder_address, 50).await?.len();
        // The payer's wallet history shows each settlement as on chain and in the ledger.
        let bidswarm_api::Response::WalletHistory { transfers: history, .. } =
            self.server.call(&bidswarm_api::Request::WalletHistory).await?
        else {
            anyhow::bail!("wallet history")
        };
        let to_seeder: Vec<_> = history
            .iter()
            .filter(|t| t.counterparty.as_deref() == Some(&seeder_address.to_base58()))
            .collect();
        assert_eq!(to_seeder.len(), transfers, "every settlement is in the payer's history: {history:?}");
        assert!(
            to_seeder.iter().all(|t| t.on_chain && t.in_ledger),
            "settlements are in the ledger: {to_seeder:?}"
        );
        self.seeder.terminate(Duration::from_secs(10)).await?;
        self.devnet_proc.terminate(Duration::from_secs(10)).await?;
        Ok(transfers)
    }
}

/// Removing a torrent settles what it owes on the devnet at the next round, whatever the
/// fee rule, through the wallet's network; the seeder sees the settlement arrive.
#[tokio::test(flavor = "multi_thread")]
async fn the_server_settles_through_the_wallets_network_when_a_torrent_is_removed() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let paid = paid_download(dir.path()).await?;
    let remove = bidswarm_api::Request::Remove { id: paid.id.clone(), delete_data: false };
    paid.server.call(&remove).await?;
    assert_eq!(paid.expect_settled().await?, 1, "one transfer, at the removal");
    Ok(())
}

/// What `quote_settlement` answers.
async fn settlement_quote(server: &bidswarm_tests::Server) -> anyhow::Result<bidswarm_api::SettlementQuote> {
    match server.call(&bidswarm_api::Request::QuoteSettlement).await? {
        bidswarm_api::Response::SettlementQuote { quote } => Ok(quote),
        other => anyhow::bail!("quote_settlement answered {other:?}"),
    }
}

/// The fee rule: a debt far below 20 fees waits (checked in [`paid_download`]) and the
/// quote says it is not worth it yet; once the user values a TRX at one base unit of BTT,
/// the same debt is worth many fees and the next round pays it by itself.
#[tokio::test(flavor = "multi_thread")]
async fn a_debt_is_settled_by_itself_once_it_is_worth_the_fee() -> anyhow::Result<()> {
    use bidswarm_api::{Request, Response};
    let dir = bidswarm_tests::test_dir();
    let paid = paid_download(dir.path()).await?;
    let quote = settlement_quote(&paid.server).await?;
    let [due] = quote.payees.as_slice() else { anyhow::bail!("one payee: {quote:?}") };
    assert!(!due.worth_it, "10 BTT is not 20 fees at 300,000 BTT a TRX: {due:?}");
    // A settlement round (every 10 s) passes and pays nothing.
    tokio::time::sleep(Duration::from_secs(12)).await;
    assert_eq!(paid.devnet.btt_balance(&paid.seeder_address).await?, 0, "a debt below 20 fees waits");
    let Response::Settings { mut settings, .. } = paid.server.call(&Request::GetSettings).await? else {
        anyhow::bail!("settings")
    };
    settings.speed.btt_per_trx = bidswarm_api::BaseUnits(1);
    paid.server.call(&Request::UpdateSettings { settings: settings.into() }).await?;
    let quote = settlement_quote(&paid.server).await?;
    assert!(quote.payees.iter().all(|p| p.worth_it || p.in_flight), "worth it now: {quote:?}");
    assert_eq!(paid.expect_settled().await?, 1, "one transfer, by the round itself");
    Ok(())
}

/// A node that says every fee is 0 (a free settlement is worth it at any debt) gets no
/// settlement sent at each round: the payer values one at no less than the 1 TRX memo fee
/// mainnet burns, so the 10 BTT debt waits as with an honest node (checked during the
/// download by [`paid_download_with`], and for a round after it); removing the torrent
/// still pays it, once.
#[tokio::test(flavor = "multi_thread")]
async fn a_node_that_says_settling_is_free_cannot_make_every_round_settle() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let paid =
        paid_download_with(dir.path(), PaidOptions { free_fee_node: true, ..Default::default() }).await?;
    let quote = settlement_quote(&paid.server).await?;
    let [due] = quote.payees.as_slice() else { anyhow::bail!("one payee: {quote:?}") };
    let fee: u64 = due.fee_sun.as_deref().unwrap_or_default().parse()?;
    assert_eq!(fee, 1_000_000, "a fee quoted as 0 is valued at the memo fee: {due:?}");
    assert!(!due.worth_it, "{due:?}");
    tokio::time::sleep(Duration::from_secs(12)).await;
    assert_eq!(paid.devnet.btt_balance(&paid.seeder_address).await?, 0, "a round passed and paid nothing");
    paid.server.call(&bidswarm_api::Request::Remove { id: paid.id.clone(), delete_data: false }).await?;
    assert_eq!(paid.expect_settled().await?, 1, "one transfer, at the removal");
    Ok(())
}

/// "Settle now", after the quote the user saw: the quote names the seeder, what is owed
/// and the fee; locked, settling is refused and pays nothing; unlocked, it pays the debt
/// once, the devnet charges exactly the fee quoted (it follows mainnet's rules), and the
/// next quote and "settle now" find nothing owed.
#[tokio::test(flavor = "multi_thread")]
async fn settle_now_pays_once_what_the_quote_showed_for_the_fee_it_showed() -> anyhow::Result<()> {
    use bidswarm_api::{ApiErrorKind, Request, Response};
    let dir = bidswarm_tests::test_dir();
    let paid = paid_download(dir.path()).await?;
    let quote = settlement_quote(&paid.server).await?;
    let [due] = quote.payees.as_slice() else { anyhow::bail!("one payee: {quote:?}") };
    assert_eq!(due.payee, paid.seeder_address.to_base58());
    assert_eq!(due.owed, paid.spent.to_string());
    assert!(!due.in_flight && !due.worth_it, "{due:?}");
    let fee: u64 = due.fee_sun.as_deref().unwrap_or_default().parse()?;
    assert!(fee >= 1_000_000, "a settlement with a memo burns at least the 1 TRX memo fee: {due:?}");
    let typical: u64 = quote.typical_fee_sun.as_deref().unwrap_or_default().parse()?;
    assert!(typical >= 1_000_000, "{quote:?}");
    let fee_btt: u128 = due.fee_btt.as_deref().unwrap_or_default().parse()?;
    assert_eq!(fee_btt, u128::from(fee) * 300_000 * BTT / 1_000_000, "valued at the default rate");

    paid.server.call(&Request::LockWallet).await?;
    let Err(refused) = paid.server.rpc(&Request::SettleNow).await? else {
        anyhow::bail!("settling with the wallet locked should be refused")
    };
    assert_eq!(refused.kind, ApiErrorKind::WalletLocked, "{refused:?}");
    assert_eq!(paid.devnet.btt_balance(&paid.seeder_address).await?, 0, "a locked wallet pays nothing");
    paid.server.call(&Request::UnlockWallet { password: PAYER_PASSWORD.into() }).await?;

    let Response::Settled { settlements } = paid.server.call(&Request::SettleNow).await? else {
        anyhow::bail!("settle_now")
    };
    let [done] = settlements.as_slice() else { anyhow::bail!("one settlement: {settlements:?}") };
    assert_eq!((done.payee.as_str(), done.amount.as_str()), (due.payee.as_str(), due.owed.as_str()));
    assert_eq!(paid.devnet.btt_balance(&paid.seeder_address).await?, paid.spent);
    let Response::LedgerSummary { summary, .. } = paid.server.call(&Request::LedgerSummary).await? else {
        anyhow::bail!("ledger summary")
    };
    assert_eq!(summary.settlement_fees_sun, fee.to_string(), "charged what was quoted");
    assert!(settlement_quote(&paid.server).await?.payees.is_empty(), "nothing owed any more");
    let Response::Settled { settlements } = paid.server.call(&Request::SettleNow).await? else {
        anyhow::bail!("settle_now")
    };
    assert!(settlements.is_empty(), "nothing paid twice: {settlements:?}");
    assert_eq!(paid.expect_settled().await?, 1, "one transfer");
    Ok(())
}

/// A server killed before it could settle pays what it owed after a restart, once the
/// wallet that signed the vouchers is unlocked: the promises come back from the ledger.
#[tokio::test(flavor = "multi_thread")]
async fn promises_left_unsettled_by_a_crash_are_settled_after_a_restart() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let mut paid = paid_download(dir.path()).await?;
    paid.server.proc.kill();
    // Nothing was settled on the way down.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(paid.devnet.btt_balance(&paid.seeder_address).await?, 0);
    paid.server = bidswarm_tests::Server::start("payer-again", &dir.path().join("payer"), dir.path()).await?;
    // Locked after a restart: nothing can be paid until the user unlocks.
    tokio::time::sleep(Duration::from_secs(12)).await;
    assert_eq!(paid.devnet.btt_balance(&paid.seeder_address).await?, 0, "a locked wallet pays nothing");
    paid.server.call(&bidswarm_api::Request::UnlockWallet { password: PAYER_PASSWORD.into() }).await?;
    paid.expect_settled().await.map(|_| ())
}

/// With a fee multiple of 0 the payer settles at every round while its vouchers
/// keep coming, so each settlement pays less than the seeder already holds vouchers for.
/// The seeder credits each one to the channel as it arrives, and in the end has all of it
/// settled (it used to wait for a transfer covering everything it held, which never came).
#[tokio::test(flavor = "multi_thread")]
async fn settlements_sent_while_vouchers_keep_coming_are_each_credited() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let paid = paid_download_with(
        dir.path(),
        PaidOptions { mib: 24, cap: "1M", fee_multiple: Some(0), ..Default::default() },
    )
    .await?;
    paid.server.call(&bidswarm_api::Request::Remove { id: paid.id.clone(), delete_data: false }).await?;
    let transfers = paid.expect_settled().await?;
    assert!(transfers >= 2, "settled in {transfers} transfers; the test needs several");
    Ok(())
}

/// A seeder restarted before the payer settles still recognises the settlement: what it
/// was promised comes back from its ledger, and the transfer that arrives later marks it
/// settled there.
#[tokio::test(flavor = "multi_thread")]
async fn a_seeder_restarted_before_the_settlement_still_sees_it_arrive() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let mut paid = paid_download(dir.path()).await?;
    paid.seeder.kill();
    let [torrent, data, rest @ ..] = paid.seeder_args.as_slice() else { anyhow::bail!("seeder args") };
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    let (seeder, _) =
        start_seeder("seeder-again", Path::new(torrent), Path::new(data), &rest, dir.path()).await?;
    paid.seeder = seeder;
    paid.server.call(&bidswarm_api::Request::Remove { id: paid.id.clone(), delete_data: false }).await?;
    let summary = |key: &str| -> anyhow::Result<Option<String>> {
        let out = cli(&["ledger", "summary", "--ledger", path_str(&paid.seeder_ledger)]).output()?;
        let prefix = format!("{key}: ");
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix(&prefix).map(str::to_owned)))
    };
    let spent = paid.spent.to_string();
    let settled = bidswarm_tests::wait_until(
        "the restarted seeder's ledger to record the settlement",
        Duration::from_secs(60),
        Duration::from_millis(500),
        async || summary("earned_settled").ok().flatten().filter(|s| *s == spent),
    )
    .await;
    assert!(settled.is_ok(), "earned_settled {:?}, promised {spent}", summary("earned_settled")?);
    assert_eq!(summary("earned_pending")?.as_deref(), Some("0"));
    paid.devnet_proc.terminate(Duration::from_secs(10)).await?;
    Ok(())
}
