//! `bidswarm-cli devnet` and `bidswarm-cli wallet` as a user runs them: the devnet process
//! serves the unchanged client, keeps its chain across a restart, and the wallet commands
//! print addresses and check signatures without ever printing a key.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use bidswarm_tests::{cli, path_str, test_dir, Proc};
use bidswarm_tron::{devnet_btt_contract, Client, Network};
use bidswarm_wallet::{
    tx::{trc20_transfer, TxHeader},
    PrivateKey, Signer,
};

const MNEMONIC: &str =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
const MNEMONIC_KEY: &str = "b5a4cea271ff424d7c31dc12a3e43e401df7a40d7412a15750f3f0b6b5449a28";
const MNEMONIC_ADDRESS: &str = "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH";
const BTT: u128 = 1_000_000_000_000_000_000;
const START: Duration = Duration::from_secs(30);

pub(crate) async fn start_devnet(
    name: &str,
    db: &std::path::Path,
    log_dir: &std::path::Path,
) -> anyhow::Result<(Proc, Client)> {
    let mut proc = Proc::spawn(
        name,
        cli(&["devnet", "--listen", "127.0.0.1:0", "--block-ms", "100", "--db", path_str(db)]),
        log_dir,
    )?;
    let url = proc.wait_for_value("url", START).await?;
    assert!(url.starts_with("http://127.0.0.1:"), "the devnet listens on loopback: {url}");
    assert_eq!(proc.wait_for_value("btt_contract", START).await?, devnet_btt_contract().to_base58());
    Ok((proc, Client::new(Network::Local(url.parse()?))?))
}

#[tokio::test]
async fn the_cli_devnet_serves_the_client_and_keeps_balances_across_a_restart() -> anyhow::Result<()> {
    let dir = test_dir();
    let db = dir.path().join("devnet.sqlite");
    let payer = PrivateKey::from_hex(MNEMONIC_KEY)?;
    let payee = PrivateKey::from_hex("9ab06d4ddc783eaedadb2b1967bf664f8c859f6635c416c67941d3766fdee6b2")?;

    let (mut devnet, client) = start_devnet("devnet", &db, dir.path()).await?;
    client.faucet(&payer.address(), 10_000_000, 100 * BTT).await?;
    let block = client.now_block().await?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as i64;
    let header = TxHeader::new(block.ref_block, now, 60_000).with_memo(*b"e2e");
    let tx = trc20_transfer(
        &header,
        &payer.address(),
        &devnet_btt_contract(),
        &payee.address(),
        30 * BTT,
        5_000_000,
    )?
    .sign(&payer)?;
    let txid = client.broadcast(&tx).await?;
    assert_eq!(client.btt_balance(&payee.address()).await?, 30 * BTT);
    let receipt = async || client.transaction_info(&txid).await.ok().flatten();
    let info =
        bidswarm_tests::wait_until("the transfer in a block", START, Duration::from_millis(100), receipt)
            .await?;
    // Free bandwidth pays the bytes; 1 TRX for the memo; 29,650 energy at 100 sun to a
    // payee holding no BTT yet.
    assert_eq!(info.fee_sun, 1_000_000 + 2_965_000, "{info:?}");
    let status = devnet.terminate(START).await?;
    assert!(status.success(), "SIGTERM stops the devnet cleanly: {status}");

    let (_devnet, client) = start_devnet("devnet-again", &db, dir.path()).await?;
    assert_eq!(client.btt_balance(&payer.address()).await?, 70 * BTT);
    assert_eq!(client.btt_balance(&payee.address()).await?, 30 * BTT);
    assert_eq!(
        client.trx_balance_sun(&payer.address()).await?,
        10_000_000 - 3_965_000,
        "the fee stays burnt"
    );
    let err = client.broadcast(&tx).await.expect_err("a replay after the restart");
    assert!(err.to_string().contains("DUP_TRANSACTION_ERROR"), "{err}");
    Ok(())
}

fn run(args: &[&str]) -> anyhow::Result<(i32, String, String)> {
    let out = cli(args).output().context("run bidswarm-cli")?;
    let code = out.status.code().context("bidswarm-cli was killed")?;
    Ok((code, String::from_utf8(out.stdout)?, String::from_utf8(out.stderr)?))
}

#[tokio::test]
async fn wallet_address_prints_the_vector_address_and_no_key() -> anyhow::Result<()> {
    let dir = test_dir();
    let words = dir.path().join("words.txt");
    std::fs::write(&words, format!("{MNEMONIC}\n"))?;
    let (code, stdout, stderr) = run(&["wallet", "address", "--mnemonic-file", path_str(&words)])?;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.lines().any(|l| l == format!("address: {MNEMONIC_ADDRESS}")), "{stdout}");

    let key = dir.path().join("key.txt");
    std::fs::write(&key, MNEMONIC_KEY)?;
    let (code, stdout, _) = run(&["wallet", "address", "--private-key-file", path_str(&key)])?;
    assert_eq!(code, 0);
    assert!(stdout.lines().any(|l| l == format!("address: {MNEMONIC_ADDRESS}")), "{stdout}");

    let (code, other, _) = run(&["wallet", "address", "--mnemonic-file", path_str(&words), "--index", "1"])?;
    assert_eq!(code, 0);
    assert!(!other.contains(MNEMONIC_ADDRESS), "index 1 is another account");

    // A phrase with a wrong word fails without echoing any word.
    std::fs::write(&words, MNEMONIC.replace("about", "abound"))?;
    let (code, stdout, stderr) = run(&["wallet", "address", "--mnemonic-file", path_str(&words)])?;
    assert_eq!(code, 1);
    for text in [&stdout, &stderr] {
        assert!(!text.contains("abandon") && !text.contains("abound"), "a word leaked: {text}");
        assert!(!text.contains(MNEMONIC_KEY), "the key leaked: {text}");
    }
    Ok(())
}

#[tokio::test]
async fn verify_message_exits_0_for_the_signer_and_1_otherwise() -> anyhow::Result<()> {
    let key = PrivateKey::from_hex(MNEMONIC_KEY)?;
    let signature = key.sign_message(b"bidswarm e2e")?.to_hex();
    let verify = |address: &str, message: &str, signature: &str| {
        run(&[
            "wallet",
            "verify-message",
            "--address",
            address,
            "--message",
            message,
            "--signature",
            signature,
        ])
    };

    let (code, stdout, stderr) = verify(MNEMONIC_ADDRESS, "bidswarm e2e", &signature)?;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("valid: true"), "{stdout}");

    let (code, stdout, stderr) = verify(MNEMONIC_ADDRESS, "bidswarm e2f", &signature)?;
    assert_eq!(code, 1);
    assert!(stdout.contains("valid: false") && stderr.contains("does not verify"), "{stdout}{stderr}");

    let other = PrivateKey::from_hex("9ab06d4ddc783eaedadb2b1967bf664f8c859f6635c416c67941d3766fdee6b2")?;
    let (code, _, _) = verify(&other.address().to_base58(), "bidswarm e2e", &signature)?;
    assert_eq!(code, 1, "someone else's address");

    let (code, _, stderr) = verify(MNEMONIC_ADDRESS, "bidswarm e2e", "abcd")?;
    assert_eq!(code, 1);
    assert!(stderr.contains("--signature"), "says which argument is wrong: {stderr}");
    Ok(())
}
