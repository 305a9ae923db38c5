//! Settlement against a hostile node: a proxy on 127.0.0.1 in front of `bidswarm-cli
//! devnet` passes the payer's first broadcast on but answers it too late, hides the
//! transaction's receipt, drops connections and answers errors, or lies: a receipt that
//! says the transfer failed, a head block an hour ahead. The payer must not sign the debt a
//! second time while its first transfer can still confirm, must rebroadcast the same
//! bytes, and after a restart must find the transfer and record it: the seeder is paid
//! each debt exactly once, and the payer's ledger verifies.

use std::{
    net::SocketAddr,
    path::Path,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use bidswarm_tests::{cli, path_str, start_seeder, Proc};
use bidswarm_tron::Client;
use bidswarm_wallet::Address;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

use crate::{
    speed::{earning_seeder_args, market, value, wallet, Market, BTT},
    TRANSFER_TIMEOUT,
};
/// Longer than the node client's 15 s request timeout.
const STALL: Duration = Duration::from_secs(20);
/// The largest request or response the proxy handles (the node's answers are small).
const MAX_MESSAGE: usize = 4 << 20;

/// What the proxy does to the payer's node calls.
#[derive(Debug, Default)]
struct Hostility {
    /// While set: the first broadcast reaches the devnet but its answer comes after the
    /// client gave up; receipts are hidden (`{}`), dropped or answered with HTTP 500.
    on: AtomicBool,
    /// While `on`: broadcasts never reach the devnet (closed without an answer).
    drop_broadcasts: AtomicBool,
    /// A lie instead: every receipt says the transaction failed (it did not).
    fake_failure: AtomicBool,
    /// A lie instead: the head block is an hour ahead, and receipts are hidden.
    future_head: AtomicBool,
    /// A lie about fees: every fee parameter of `getchainparameters` is 0.
    free_fees: AtomicBool,
    broadcasts: AtomicUsize,
    receipts: AtomicUsize,
}

/// Starts the proxy in front of `upstream`; returns its URL.
async fn hostile_proxy(upstream: SocketAddr, hostility: Arc<Hostility>) -> anyhow::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let hostility = hostility.clone();
            tokio::spawn(async move {
                let _ = serve(client, upstream, &hostility).await;
            });
        }
    });
    Ok(url)
}

/// A proxy in front of the devnet at `url` that says every fee is 0; returns its URL.
pub(crate) async fn free_fee_node(url: &str) -> anyhow::Result<String> {
    let upstream: SocketAddr = url.trim_start_matches("http://").parse()?;
    let hostility = Hostility { free_fees: AtomicBool::new(true), ..Default::default() };
    hostile_proxy(upstream, Arc::new(hostility)).await
}

/// One request per connection: read it, decide, answer, close.
async fn serve(mut client: TcpStream, upstream: SocketAddr, hostility: &Hostility) -> anyhow::Result<()> {
    let request = read_request(&mut client).await?;
    let head = String::from_utf8_lossy(&request[..request.len().min(200)]).into_owned();
    let path = head.split_whitespace().nth(1).unwrap_or("").to_owned();
    if path.ends_with("/wallet/gettransactioninfobyid") && hostility.future_head.load(Ordering::SeqCst) {
        return respond(&mut client, "200 OK", "{}").await;
    }
    let asked = &request;
    let lie = |edit: fn(&mut serde_json::Value)| async move {
        let answer = forward(asked, upstream).await?;
        let at = answer.windows(4).position(|w| w == b"\r\n\r\n").map_or(answer.len(), |i| i + 4);
        let mut body: serde_json::Value = serde_json::from_slice(&answer[at..])?;
        edit(&mut body);
        anyhow::Ok(body.to_string())
    };
    if path.ends_with("/wallet/gettransactioninfobyid") && hostility.fake_failure.load(Ordering::SeqCst) {
        let body = lie(|v| {
            if v.get("id").is_some() {
                v["result"] = "FAILED".into();
                v["resMessage"] = hex::encode("REVERT opcode executed").into();
                v["receipt"]["result"] = "REVERT".into();
            }
        })
        .await?;
        return respond(&mut client, "200 OK", &body).await;
    }
    if path.ends_with("/wallet/getchainparameters") && hostility.free_fees.load(Ordering::SeqCst) {
        let body = lie(|v| {
            for p in v["chainParameter"].as_array_mut().into_iter().flatten() {
                if p["key"].as_str().is_some_and(|k| k.ends_with("Fee") || k.contains("FeeIn")) {
                    p["value"] = 0.into();
                }
            }
        })
        .await?;
        return respond(&mut client, "200 OK", &body).await;
    }
    if path.ends_with("/wallet/getnowblock") && hostility.future_head.load(Ordering::SeqCst) {
        let body = lie(|v| {
            let ts = v["block_header"]["raw_data"]["timestamp"].as_i64().unwrap_or(0);
            v["block_header"]["raw_data"]["timestamp"] = (ts + 3_600_000).into();
        })
        .await?;
        return respond(&mut client, "200 OK", &body).await;
    }
    let hostile = hostility.on.load(Ordering::SeqCst);
    if hostile
        && path.ends_with("/wallet/broadcasttransaction")
        && hostility.drop_broadcasts.load(Ordering::SeqCst)
    {
        hostility.broadcasts.fetch_add(1, Ordering::SeqCst);
        return Ok(());
    }
    if hostile
        && path.ends_with("/wallet/broadcasttransaction")
        && hostility.broadcasts.fetch_add(1, Ordering::SeqCst) == 0
    {
        // The devnet takes it; the payer hears nothing in time.
        let answer = forward(&request, upstream).await?;
        tokio::time::sleep(STALL).await;
        let _ = client.write_all(&answer).await;
        return Ok(());
    }
    if hostile && path.ends_with("/wallet/gettransactioninfobyid") {
        match hostility.receipts.fetch_add(1, Ordering::SeqCst) % 3 {
            0 => return respond(&mut client, "200 OK", "{}").await,
            1 => return Ok(()), // dropped: closed without an answer
            _ => return respond(&mut client, "500 Internal Server Error", "{\"Error\":\"busy\"}").await,
        }
    }
    let answer = forward(&request, upstream).await?;
    client.write_all(&answer).await?;
    Ok(())
}

async fn respond(client: &mut TcpStream, status: &str, body: &str) -> anyhow::Result<()> {
    let answer = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    client.write_all(answer.as_bytes()).await?;
    Ok(())
}

/// The request's head and body (by `content-length`), with `connection: close` so each
/// side closes after one exchange.
async fn read_request(client: &mut TcpStream) -> anyhow::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        anyhow::ensure!(buf.len() < MAX_MESSAGE, "request head too long");
        let n = tokio::time::timeout(Duration::from_secs(10), client.read(&mut chunk)).await??;
        anyhow::ensure!(n > 0, "closed before the request head ended");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse()))
        .transpose()?
        .unwrap_or(0);
    anyhow::ensure!(length <= MAX_MESSAGE, "request body too long");
    while buf.len() < head_end + length {
        let n = tokio::time::timeout(Duration::from_secs(10), client.read(&mut chunk)).await??;
        anyhow::ensure!(n > 0, "closed before the request body ended");
        buf.extend_from_slice(&chunk[..n]);
    }
    let mut lines: Vec<&str> = head
        .split("\r\n")
        .filter(|l| !l.is_empty() && !l.to_ascii_lowercase().starts_with("connection:"))
        .collect();
    lines.push("connection: close");
    let mut out = lines.join("\r\n").into_bytes();
    out.extend_from_slice(b"\r\n\r\n");
    out.extend_from_slice(&buf[head_end..head_end + length]);
    Ok(out)
}

/// Sends `request` to the devnet and returns its whole answer (it closes after one).
async fn forward(request: &[u8], upstream: SocketAddr) -> anyhow::Result<Vec<u8>> {
    let mut conn = TcpStream::connect(upstream).await?;
    conn.write_all(request).await?;
    let mut answer = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(10), conn.read(&mut chunk)).await??;
        if n == 0 {
            return Ok(answer);
        }
        anyhow::ensure!(answer.len() < MAX_MESSAGE, "answer too long");
        answer.extend_from_slice(&chunk[..n]);
    }
}

fn ledger_line(ledger: &Path, what: &str, key: &str) -> anyhow::Result<Option<String>> {
    let out = cli(&["ledger", what, "--ledger", path_str(ledger)]).output()?;
    let prefix = format!("{key}: ");
    Ok(String::from_utf8_lossy(&out.stdout).lines().find_map(|l| l.strip_prefix(&prefix).map(str::to_owned)))
}

/// The "paid twice": a node that answers the broadcast after 30 s (here: after the
/// client's timeout) and hides the receipt. The payer keeps the signed transfer, sends the
/// same bytes again, and does not sign a second; restarted with an honest node, it finds
/// the transfer confirmed and records it.
#[tokio::test(flavor = "multi_thread")]
async fn a_node_that_stalls_and_fails_answers_gets_each_debt_paid_exactly_once() -> anyhow::Result<()> {
    hostile_settlement(false).await
}

/// A node that drops every broadcast: the payer's transfer never reaches the chain. It is
/// rebroadcast until it has expired by the chain's clock (5 s here, plus the 60 s margin);
/// then, restarted with an honest node, the payer marks it failed, signs the debt anew,
/// and the seeder is paid once.
#[tokio::test(flavor = "multi_thread")]
async fn a_settlement_a_node_dropped_is_signed_anew_only_after_it_expired() -> anyhow::Result<()> {
    hostile_settlement(true).await
}

/// A devnet behind the hostile proxy, an earning seeder and a payer's wallet and ledger,
/// both speaking to the chain through the proxy.
struct Setup {
    dir: std::path::PathBuf,
    devnet_proc: Proc,
    devnet: Client,
    hostility: Arc<Hostility>,
    proxy: String,
    seeder: Proc,
    seeder_address: Address,
    peer: String,
    magnet: String,
    payer_file: String,
    payer_ledger: std::path::PathBuf,
}

impl Setup {
    async fn start(dir: &Path) -> anyhow::Result<Self> {
        let Market { devnet_proc, devnet, url, seed_dir, torrent, magnet, .. } =
            market(dir, "paid-once", 16, 151, &["--piece-length", "65536"]).await?;
        let upstream: SocketAddr = url.trim_start_matches("http://").parse()?;
        let hostility = Arc::new(Hostility::default());
        let proxy = hostile_proxy(upstream, hostility.clone()).await?;
        let (seeder_file, seeder_address) = wallet(dir, "seeder", 0xc1, &devnet, None).await?;
        let (payer_file, _) = wallet(dir, "payer", 0xc2, &devnet, Some(1000 * BTT)).await?;
        let seeder_ledger = dir.join("seeder-ledger.sqlite");
        // Through the proxy too: bt_speed names a devnet by its port, so both sides must
        // use the same URL. The seeder never broadcasts nor reads receipts.
        let mut args = earning_seeder_args("2M", "64", &seeder_file, &proxy);
        args.extend(["--ledger", path_str(&seeder_ledger)]);
        let (seeder, peer) = start_seeder("seeder", &torrent, &seed_dir, &args, dir).await?;
        Ok(Self {
            dir: dir.to_owned(),
            devnet_proc,
            devnet,
            hostility,
            proxy,
            seeder,
            seeder_address,
            peer,
            magnet,
            payer_file,
            payer_ledger: dir.join("payer-ledger.sqlite"),
        })
    }

    /// The payer's download through the proxy; `valid_secs` shortens its settlements'
    /// lifetime.
    fn download(&self, name: &str, valid_secs: Option<&str>) -> anyhow::Result<Proc> {
        let out = self.dir.join("out");
        let mut command = cli(&[
            "download",
            &self.magnet,
            "-o",
            path_str(&out),
            "--no-dht",
            "--exit-on-complete",
            "--peer",
            &self.peer,
            "--wallet-file",
            &self.payer_file,
            "--network",
            &self.proxy,
            "--bid",
            "64",
            "--budget",
            "10",
            "--ledger",
            path_str(&self.payer_ledger),
        ]);
        if let Some(secs) = valid_secs {
            command.env("BIDSWARM_SETTLEMENT_VALID_SECS", secs);
        }
        Proc::spawn(name, command, &self.dir)
    }

    /// The seeder holds exactly `spent`, paid by one transfer.
    async fn paid_once(&self, spent: u128) -> anyhow::Result<()> {
        let balance = self.devnet.btt_balance(&self.seeder_address).await?;
        let transfers = self.devnet.trc20_history(&self.seeder_address, 50).await?;
        assert_eq!(balance, spent, "the seeder holds exactly what it was owed, once");
        assert_eq!(transfers.len(), 1, "one transfer paid it: {transfers:?}");
        Ok(())
    }

    /// Restarted with an honest node: the transfer in flight in the payer's ledger is
    /// found in a block and recorded, nothing new is signed, every voucher is settled, and
    /// the seeder credits it.
    async fn settles_honestly(mut self, spent: u128) -> anyhow::Result<()> {
        self.hostility.on.store(false, Ordering::SeqCst);
        self.hostility.fake_failure.store(false, Ordering::SeqCst);
        self.hostility.future_head.store(false, Ordering::SeqCst);
        let mut again = self.download("payer-again", None)?;
        let status = again.wait_exit(TRANSFER_TIMEOUT).await?;
        assert!(status.success(), "{status}");
        self.paid_once(spent).await?;
        let payer_ledger = &self.payer_ledger;
        let verify = cli(&["ledger", "verify", "--ledger", path_str(payer_ledger)]).output()?;
        assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
        assert_eq!(ledger_line(payer_ledger, "summary", "spent")?, Some(spent.to_string()));
        // The one transfer's fee is recorded (TRX, beside the BTT journal): on mainnet's
        // rules a BTT transfer with a memo burns at least 1 TRX.
        let fee_sun: u64 =
            ledger_line(payer_ledger, "summary", "settlement_fees_sun")?.unwrap_or_default().parse()?;
        assert!(fee_sun >= 1_000_000, "the settlement's fee is in the ledger: {fee_sun} sun");
        let csv = String::from_utf8(
            cli(&["ledger", "export", "--ledger", path_str(payer_ledger)]).output()?.stdout,
        )?;
        let rows: Vec<&str> = csv.lines().filter(|l| l.contains(",spend,")).collect();
        assert!(
            !rows.is_empty() && rows.iter().all(|r| r.contains(",settled,")),
            "every voucher settled: {csv}"
        );
        // The accountant's copy has that fee too: one TRX row, naming the transfer that
        // settled the vouchers (a dropped transfer never reached the chain, burnt nothing).
        let fee_rows: Vec<Vec<&str>> =
            csv.lines().filter(|l| l.contains(",settlement_fee,")).map(|l| l.split(',').collect()).collect();
        let settled_txid = rows[0].split(',').nth(6).unwrap_or_default();
        let trx = format!("{}.{:06}", fee_sun / 1_000_000, fee_sun % 1_000_000);
        let trx = trx.trim_end_matches('0').trim_end_matches('.');
        assert!(
            matches!(fee_rows.as_slice(), [row]
                if matches!(row.as_slice(), [_, "", _, "settlement_fee", "", "confirmed", txid, amount_trx]
                    if *txid == settled_txid && *amount_trx == trx)),
            "one fee row of {trx} TRX for {settled_txid}: {csv}"
        );
        let seeder = &self.seeder;
        // A bound on a hang: a transfer paying vouchers still on the wire waits 30 s for
        // them, plus the seeder's round; 40 s was once too short on a loaded machine.
        // Every voucher reached the seeder, the last ones too: the connection outlives the
        // engines' (the gateway's linger), so the seeder credits exactly what was paid.
        let seen = bidswarm_tests::wait_until(
            "the seeder to see the settlement",
            Duration::from_secs(90),
            Duration::from_millis(250),
            async || value(seeder, "earned_settled").filter(|e| *e == spent.to_string()),
        )
        .await;
        assert!(
            seen.is_ok(),
            "seeder earned_settled {:?} of earned {:?}, paid {spent}",
            value(seeder, "earned_settled"),
            value(seeder, "earned")
        );
        self.seeder.terminate(Duration::from_secs(10)).await?;
        self.devnet_proc.terminate(Duration::from_secs(10)).await?;
        Ok(())
    }
}

/// A node that lies, within the transfer's lifetime: first its receipt says the payer's
/// transfer failed (it went through), then, in the next session, its head block is an hour
/// ahead and the receipt hidden, as if the transfer had expired unseen. Either lie alone,
/// believed, gets the debt signed again and the seeder paid twice; the payer waits for the
/// expiry by its own clock too, and an honest node then shows the one transfer.
#[tokio::test(flavor = "multi_thread")]
async fn a_node_that_lies_a_settlement_failed_or_expired_gets_it_paid_once() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let setup = Setup::start(dir.path()).await?;
    setup.hostility.fake_failure.store(true, Ordering::SeqCst);
    let mut payer = setup.download("payer", None)?;
    let status = payer.wait_exit(TRANSFER_TIMEOUT).await?;
    assert!(status.success(), "{status}");
    let spent: u128 = value(&payer, "spent").and_then(|s| s.parse().ok()).unwrap_or(0);
    assert!(spent > 0, "the payer paid for what it downloaded: {:?}", payer.stdout());
    assert!(value(&payer, "settled").is_none(), "a transfer the node says failed is not settled");
    setup.paid_once(spent).await?;

    setup.hostility.fake_failure.store(false, Ordering::SeqCst);
    setup.hostility.future_head.store(true, Ordering::SeqCst);
    let mut second = setup.download("payer-lied-to", None)?;
    let status = second.wait_exit(TRANSFER_TIMEOUT).await?;
    assert!(status.success(), "{status}");
    setup.paid_once(spent).await?;
    setup.settles_honestly(spent).await
}

async fn hostile_settlement(drop_broadcasts: bool) -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let setup = Setup::start(dir.path()).await?;
    let (devnet, hostility) = (&setup.devnet, &setup.hostility);
    hostility.drop_broadcasts.store(drop_broadcasts, Ordering::SeqCst);
    hostility.on.store(true, Ordering::SeqCst);
    let mut payer = setup.download("payer", Some("5"))?;
    let status = payer.wait_exit(TRANSFER_TIMEOUT).await?;
    assert!(status.success(), "the download finishes although its settlement is not seen: {status}");
    let spent: u128 = value(&payer, "spent").and_then(|s| s.parse().ok()).unwrap_or(0);
    assert!(spent > 0, "the payer paid for what it downloaded: {:?}", payer.stdout());
    assert!(hostility.broadcasts.load(Ordering::SeqCst) >= 2, "the settlement was sent again");
    assert!(hostility.receipts.load(Ordering::SeqCst) >= 3, "receipts were hidden, dropped and failed");
    assert!(value(&payer, "settled").is_none(), "no settlement was seen confirmed through this node");

    if drop_broadcasts {
        // Nothing reached the chain. Wait until the transfer is past its expiration and
        // the margin by the chain's clock: signed more than 30 s before the payer exited,
        // valid for 5 s, so 40 s after the exit is enough.
        assert_eq!(devnet.btt_balance(&setup.seeder_address).await?, 0, "a dropped broadcast pays nothing");
        let exited_ms = devnet.now_block().await?.timestamp_ms;
        bidswarm_tests::wait_until(
            "the chain's clock past the expiry",
            Duration::from_secs(90),
            Duration::from_millis(500),
            async || devnet.now_block().await.ok().filter(|b| b.timestamp_ms > exited_ms + 40_000),
        )
        .await?;
    } else {
        // The first broadcast went through: the seeder is paid once, nothing signed twice.
        bidswarm_tests::wait_until(
            "the first transfer in a block",
            Duration::from_secs(20),
            Duration::from_millis(250),
            async || devnet.btt_balance(&setup.seeder_address).await.ok().filter(|b| *b > 0),
        )
        .await?;
        setup.paid_once(spent).await?;
    }
    setup.settles_honestly(spent).await
}
