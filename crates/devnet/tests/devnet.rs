//! The client against a real devnet on 127.0.0.1: transfers move exact amounts and fees,
//! every refusal comes in the node's shape, state survives a restart, and an unreachable
//! node is "offline".

#![allow(clippy::unwrap_used)] // a test: a failure here should panic

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use bidswarm_devnet::{
    Devnet, DevnetConfig, MAINNET_FEES, TRC20_ENERGY_TO_HOLDER, TRC20_ENERGY_TO_NEW_HOLDER,
};
use bidswarm_tron::{devnet_btt_contract, Asset, Client, Error, Network, RejectCode, TransactionInfo};
use bidswarm_wallet::{
    tx::{trc20_transfer, trx_transfer, RefBlock, SignedTransaction, TxHeader},
    Address, PrivateKey,
};

const TRX: u64 = 1_000_000;
const BTT: u128 = 1_000_000_000_000_000_000;
/// A BTT transfer's energy fee to an address that holds no BTT yet.
const NEW_HOLDER_ENERGY_FEE: u64 = TRC20_ENERGY_TO_NEW_HOLDER * 100;
const MEMO_FEE: u64 = 1_000_000;

fn alice() -> PrivateKey {
    PrivateKey::from_hex("9ab06d4ddc783eaedadb2b1967bf664f8c859f6635c416c67941d3766fdee6b2").unwrap()
}

fn bob() -> PrivateKey {
    PrivateKey::from_hex("b5a4cea271ff424d7c31dc12a3e43e401df7a40d7412a15750f3f0b6b5449a28").unwrap()
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

async fn start(config: DevnetConfig) -> (Devnet, Client) {
    let devnet = Devnet::start(config).await.expect("start the devnet");
    let client = Client::new(devnet.network()).unwrap();
    (devnet, client)
}

fn fast() -> DevnetConfig {
    DevnetConfig { block_interval: Duration::from_millis(50), ..DevnetConfig::default() }
}

async fn header(client: &Client) -> TxHeader {
    let block = client.now_block().await.unwrap();
    TxHeader::new(block.ref_block, now_ms(), 60_000)
}

async fn send_btt(
    client: &Client,
    from: &PrivateKey,
    to: &Address,
    amount: u128,
    memo: &[u8],
) -> SignedTransaction {
    let h = header(client).await.with_memo(memo);
    trc20_transfer(&h, &from.address(), &devnet_btt_contract(), to, amount, 10 * TRX)
        .unwrap()
        .sign(from)
        .unwrap()
}

async fn wait_in_block(client: &Client, txid: &str) -> anyhow::Result<TransactionInfo> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(info) = client.transaction_info(txid).await? {
            return Ok(info);
        }
        if Instant::now() > deadline {
            bail!("{txid} was not put in a block within 10 s");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn rejected(result: Result<String, Error>) -> (RejectCode, String) {
    match result {
        Err(Error::Rejected { code, message }) => (code, message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn btt_sent_from_a_to_b_moves_exactly_and_burns_mainnets_fees() -> anyhow::Result<()> {
    let (_devnet, client) = start(fast()).await;
    let (a, b) = (alice(), bob());
    assert_eq!(client.btt_contract(), Some(devnet_btt_contract()));
    assert_eq!(client.faucet(&a.address(), 50 * TRX, 1_000 * BTT).await?, (50 * TRX, 1_000 * BTT));
    assert_eq!(client.btt_balance(&b.address()).await?, 0);
    assert_eq!(client.trx_balance_sun(&b.address()).await?, 0, "an account never credited has 0 TRX");

    let amount = 123 * BTT + 456;
    let tx = send_btt(&client, &a, &b.address(), amount, b"channel 0123456789abcdef").await;
    let txid = client.broadcast(&tx).await?;
    assert_eq!(txid, tx.txid_hex());

    assert_eq!(client.btt_balance(&a.address()).await?, 1_000 * BTT - amount);
    assert_eq!(client.btt_balance(&b.address()).await?, amount);
    // Free bandwidth covers the bytes; B holds no BTT yet; the memo costs 1 TRX: 1 TRX +
    // 29,650 energy at 100 sun = 3.965 TRX, a first BTT transfer with a memo on mainnet.
    let fee = MEMO_FEE + NEW_HOLDER_ENERGY_FEE;
    assert_eq!(client.trx_balance_sun(&a.address()).await?, 50 * TRX - fee);
    assert_eq!(client.trx_balance_sun(&b.address()).await?, 0, "the payee pays nothing");

    let info = wait_in_block(&client, &txid).await?;
    assert_eq!((info.fee_sun, info.energy_used, info.success), (fee, TRC20_ENERGY_TO_NEW_HOLDER, true));
    assert_eq!((info.net_fee_sun, info.energy_fee_sun), (0, NEW_HOLDER_ENERGY_FEE));
    assert_eq!(info.net_usage, tx.to_bytes().len() as u64 + 64, "bytes of the signed transaction plus 64");
    assert!(info.block_number > 0);
    let node_tx = client.transaction(&txid).await?.context("gettransactionbyid")?;
    assert_eq!(node_tx.memo(), Some(&b"channel 0123456789abcdef"[..]));
    assert_eq!(node_tx.contract_ret.as_deref(), Some("SUCCESS"));

    for who in [a.address(), b.address()] {
        let history = client.trc20_history(&who, 20).await?;
        assert_eq!(history.len(), 1, "one transfer in {who}'s history");
        let t = &history[0];
        assert_eq!(
            (t.from, t.to, t.amount, t.asset),
            (a.address(), b.address(), amount, Asset::Trc20(devnet_btt_contract()))
        );
        assert_eq!(t.memo, None, "TronGrid's TRC-20 history has no memo");
        assert_eq!(t.txid, txid);
    }
    assert!(client.trx_history(&a.address(), 20).await?.is_empty(), "a BTT transfer is not a TRX transfer");
    Ok(())
}

#[tokio::test]
async fn trx_sent_from_a_to_b_moves_exactly_with_the_bandwidth_fee() -> anyhow::Result<()> {
    let (_devnet, client) = start(fast()).await;
    let (a, b) = (alice(), bob());
    client.faucet(&a.address(), 10 * TRX, 0).await?;
    let h = header(&client).await.with_memo(*b"rent");
    let tx = trx_transfer(&h, &a.address(), &b.address(), 3 * TRX + 7)?.sign(&a)?;
    let txid = client.broadcast(&tx).await?;
    // B has no account: 0.1 TRX instead of bandwidth, 1 TRX to create it, 1 TRX memo.
    let fee = 100_000 + 1_000_000 + MEMO_FEE;
    assert_eq!(client.trx_balance_sun(&a.address()).await?, 10 * TRX - (3 * TRX + 7) - fee);
    assert_eq!(client.trx_balance_sun(&b.address()).await?, 3 * TRX + 7);
    let info = wait_in_block(&client, &txid).await?;
    assert_eq!((info.fee_sun, info.net_fee_sun, info.energy_used), (fee, 100_000, 0));
    let history = client.trx_history(&b.address(), 20).await?;
    assert_eq!(history.len(), 1);
    assert_eq!(
        (history[0].from, history[0].amount, history[0].asset),
        (a.address(), u128::from(3 * TRX + 7), Asset::Trx)
    );
    assert_eq!(history[0].memo.as_deref(), Some(&b"rent"[..]));
    Ok(())
}

#[tokio::test]
async fn bad_transactions_are_refused_with_the_nodes_codes_and_change_nothing() -> anyhow::Result<()> {
    let (devnet, client) = start(fast()).await;
    let (a, b) = (alice(), bob());
    client.faucet(&a.address(), 10 * TRX, 5 * BTT).await?;

    // A tampered signature: one byte of r changed.
    let tx = send_btt(&client, &a, &b.address(), BTT, b"").await;
    let mut json = tx.to_json()?;
    let mut sig = hex::decode(&json.signature[0])?;
    sig[5] ^= 0x01;
    json.signature[0] = hex::encode(sig);
    let (code, message) = rejected(client.broadcast_json(&json).await);
    assert_eq!(code, RejectCode::SigError, "{message}");

    // Signed by someone other than the owner.
    let h = header(&client).await;
    let forged =
        trc20_transfer(&h, &a.address(), &devnet_btt_contract(), &b.address(), BTT, 10 * TRX)?.sign(&b)?;
    let (code, message) = rejected(client.broadcast(&forged).await);
    assert_eq!(code, RejectCode::SigError);
    assert!(message.contains(&b.address().to_base58()), "names the wrong signer: {message}");

    // The amount changed in the JSON after signing.
    let mut json = tx.to_json()?;
    json.raw_data.contract[0].parameter.value["data"] =
        hex::encode(bidswarm_wallet::tx::trc20_transfer_data(&b.address(), 5 * BTT)).into();
    let (code, _) = rejected(client.broadcast_json(&json).await);
    assert_eq!(code, RejectCode::OtherError);

    // Expired a second ago.
    let block = client.now_block().await?;
    let expired = TxHeader {
        expiration_ms: now_ms() - 1_000,
        ..TxHeader::new(block.ref_block, now_ms() - 61_000, 60_000)
    };
    let tx_expired = trx_transfer(&expired, &a.address(), &b.address(), TRX)?.sign(&a)?;
    let (code, message) = rejected(client.broadcast(&tx_expired).await);
    assert_eq!(code, RejectCode::TransactionExpirationError, "{message}");

    // Expiring more than 24 h ahead.
    let far = TxHeader::new(block.ref_block, now_ms(), 25 * 3600 * 1000);
    let (code, _) =
        rejected(client.broadcast(&trx_transfer(&far, &a.address(), &b.address(), TRX)?.sign(&a)?).await);
    assert_eq!(code, RejectCode::TransactionExpirationError);

    // A reference block this chain never had.
    let unknown = TxHeader::new(RefBlock { number: block.ref_block.number, id: [7; 32] }, now_ms(), 60_000);
    let (code, _) =
        rejected(client.broadcast(&trx_transfer(&unknown, &a.address(), &b.address(), TRX)?.sign(&a)?).await);
    assert_eq!(code, RejectCode::TaposError);

    // More BTT than A has, and more TRX than A has.
    let too_much = send_btt(&client, &a, &b.address(), 5 * BTT + 1, b"").await;
    let (code, message) = rejected(client.broadcast(&too_much).await);
    assert_eq!(code, RejectCode::ContractValidateError);
    assert!(message.contains("BTT balance is not sufficient"), "{message}");
    let h = header(&client).await;
    let (code, _) =
        rejected(client.broadcast(&trx_transfer(&h, &a.address(), &b.address(), 10 * TRX)?.sign(&a)?).await);
    assert_eq!(code, RejectCode::ContractValidateError, "10 TRX plus the fee is more than 10 TRX");

    // A fee_limit below the energy fee.
    let h = header(&client).await;
    let stingy = trc20_transfer(
        &h,
        &a.address(),
        &devnet_btt_contract(),
        &b.address(),
        BTT,
        NEW_HOLDER_ENERGY_FEE - 1,
    )?
    .sign(&a)?;
    let (code, _) = rejected(client.broadcast(&stingy).await);
    assert_eq!(code, RejectCode::ContractValidateError);

    assert_eq!(client.btt_balance(&a.address()).await?, 5 * BTT, "no refusal moved BTT");
    assert_eq!(client.trx_balance_sun(&a.address()).await?, 10 * TRX, "no refusal burnt a fee");

    // The good one goes through once; the replay is refused.
    client.broadcast(&tx).await?;
    let (code, _) = rejected(client.broadcast(&tx).await);
    assert_eq!(code, RejectCode::DupTransactionError);
    assert_eq!(client.btt_balance(&a.address()).await?, 4 * BTT, "the replay moved nothing");

    // The wire shape itself: result false, the code, and the message hex-encoded.
    let raw: serde_json::Value = reqwest::Client::new()
        .post(devnet.url().join("wallet/broadcasttransaction")?)
        .body(serde_json::to_string(&tx.to_json()?)?)
        .send()
        .await?
        .text()
        .await
        .map(|t| serde_json::from_str(&t))??;
    assert_eq!(raw["result"], false);
    assert_eq!(raw["code"], "DUP_TRANSACTION_ERROR");
    assert_eq!(raw["txid"], tx.txid_hex());
    assert_eq!(hex::decode(raw["message"].as_str().context("message")?)?, b"Dup transaction.");
    Ok(())
}

#[tokio::test]
async fn a_node_that_does_not_answer_is_offline() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = Client::new(Network::Local(format!("http://127.0.0.1:{port}").parse().unwrap())).unwrap();
    let started = Instant::now();
    let err = client.now_block().await.unwrap_err();
    assert!(err.is_offline(), "{err}");
    assert!(err.to_string().contains("cannot be reached"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(6), "a refused connection fails fast");
    assert!(client.btt_balance(&alice().address()).await.unwrap_err().is_offline());
}

#[tokio::test]
async fn balances_blocks_and_seen_transactions_survive_a_restart() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let config = DevnetConfig { db: Some(dir.path().join("devnet.sqlite")), ..fast() };
    let (a, b) = (alice(), bob());

    let (devnet, client) = start(config.clone()).await;
    client.faucet(&a.address(), 20 * TRX, 10 * BTT).await?;
    let tx = send_btt(&client, &a, &b.address(), 4 * BTT, b"before restart").await;
    let txid = client.broadcast(&tx).await?;
    let info = wait_in_block(&client, &txid).await?;
    devnet.shutdown().await?;
    assert!(client.now_block().await.unwrap_err().is_offline(), "stopped means stopped");

    let (_devnet, client) = start(config).await;
    assert_eq!(client.btt_balance(&a.address()).await?, 6 * BTT);
    assert_eq!(client.btt_balance(&b.address()).await?, 4 * BTT);
    assert_eq!(client.trx_balance_sun(&a.address()).await?, 20 * TRX - MEMO_FEE - NEW_HOLDER_ENERGY_FEE);
    assert!(client.now_block().await?.ref_block.number >= info.block_number, "the chain goes on");
    assert_eq!(client.transaction_info(&txid).await?, Some(info));
    let (code, _) = rejected(client.broadcast(&tx).await);
    assert_eq!(code, RejectCode::DupTransactionError, "a replay after a restart is still a replay");
    let node_tx = client.transaction(&txid).await?.context("the transaction after the restart")?;
    assert_eq!(node_tx.memo(), Some(&b"before restart"[..]));
    Ok(())
}

#[tokio::test]
async fn blocks_follow_each_other_with_the_number_in_the_id() -> anyhow::Result<()> {
    let (_devnet, client) = start(fast()).await;
    let first = client.now_block().await?;
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut later = first;
    while later.ref_block.number < first.ref_block.number + 2 {
        assert!(Instant::now() < deadline, "no new blocks in 10 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
        later = client.now_block().await?;
    }
    for b in [first, later] {
        assert_eq!(b.ref_block.id[..8], b.ref_block.number.to_be_bytes());
    }
    assert!(later.timestamp_ms > first.timestamp_ms);
    let info = client.devnet_info().await?;
    assert_eq!(info.btt_contract, devnet_btt_contract().to_base58());
    assert_eq!(info.block_ms, 50);
    Ok(())
}

#[tokio::test]
async fn the_devnet_refuses_to_listen_beyond_loopback() {
    let config = DevnetConfig { listen: "0.0.0.0:0".parse().unwrap(), ..DevnetConfig::default() };
    assert!(matches!(Devnet::start(config).await, Err(bidswarm_devnet::Error::NotLoopback(_))));
}

/// Bandwidth as mainnet charges it: free while the day's 600 bytes cover the whole
/// transaction, then every byte at 1000 sun; a transfer to a holder uses less energy than
/// to a new holder; the fee parameters, resources, blocks and transactions come in
/// java-tron's shapes.
#[tokio::test]
async fn free_bandwidth_runs_out_and_then_every_byte_is_burnt() -> anyhow::Result<()> {
    let (devnet, client) = start(fast()).await;
    let (a, b) = (alice(), bob());
    client.faucet(&a.address(), 100 * TRX, 100 * BTT).await?;
    client.faucet(&b.address(), TRX, BTT).await?;

    let params = client.chain_parameters().await?;
    assert_eq!(
        (
            params.transaction_fee_sun_per_byte,
            params.energy_fee_sun,
            params.memo_fee_sun,
            params.free_net_limit
        ),
        (1_000, 100, 1_000_000, 600)
    );
    assert_eq!((params.create_account_fee_sun, params.create_new_account_fee_sun), (100_000, 1_000_000));
    assert_eq!(params, MAINNET_FEES, "the node reports the fees it charges by");
    let fresh = client.account_resource(&a.address()).await?;
    assert_eq!((fresh.free_net_used, fresh.free_net_limit), (0, Some(600)));

    // Two transfers to a holder: the first fits the free 600 bytes, the second does not
    // fit what is left and pays for all its bytes.
    let mut fees = Vec::new();
    for _ in 0..2 {
        let tx = send_btt(&client, &a, &b.address(), BTT, b"").await;
        let txid = client.broadcast(&tx).await?;
        let info = wait_in_block(&client, &txid).await?;
        let bytes = tx.to_bytes().len() as u64 + 64;
        fees.push((info.net_usage, info.net_fee_sun, info.energy_used, info.fee_sun, bytes));
    }
    let [(usage, net_fee, energy, fee, bytes), (usage2, net_fee2, energy2, fee2, bytes2)] = fees[..] else {
        unreachable!()
    };
    assert_eq!(
        (usage, net_fee, energy, fee),
        (bytes, 0, TRC20_ENERGY_TO_HOLDER, TRC20_ENERGY_TO_HOLDER * 100)
    );
    assert!(bytes + bytes2 > 600, "two BTT transfers do not fit 600 bytes: {bytes} + {bytes2}");
    assert_eq!((usage2, net_fee2, energy2), (0, bytes2 * 1_000, TRC20_ENERGY_TO_HOLDER));
    assert_eq!(fee2, bytes2 * 1_000 + TRC20_ENERGY_TO_HOLDER * 100);
    let used = client.account_resource(&a.address()).await?;
    assert!(used.free_net_used > 0 && used.free_net_used <= bytes, "{used:?}");

    // The raw shapes a java-tron node answers in.
    let http = reqwest::Client::new();
    let post = |path: &str, body: serde_json::Value| {
        let request = http.post(devnet.url().join(path).unwrap()).body(body.to_string());
        async move { anyhow::Ok(serde_json::from_str::<serde_json::Value>(&request.send().await?.text().await?)?) }
    };
    let head = client.now_block().await?.ref_block.number;
    let block = post("wallet/getblockbynum", serde_json::json!({ "num": head })).await?;
    assert_eq!(block["block_header"]["raw_data"]["number"], head);
    let unknown = post("wallet/gettransactionbyid", serde_json::json!({ "value": "00".repeat(32) })).await?;
    assert_eq!(unknown, serde_json::json!({}), "an unknown transaction is {{}}");
    let estimate = post(
        "wallet/estimateenergy",
        serde_json::json!({
            "owner_address": a.address().to_base58(),
            "contract_address": devnet_btt_contract().to_base58(),
            "function_selector": "transfer(address,uint256)",
            "parameter": hex::encode(&bidswarm_wallet::tx::trc20_transfer_data(&alice().address(), 1)[4..]),
            "visible": true,
        }),
    )
    .await?;
    assert_eq!(estimate["energy_required"], TRC20_ENERGY_TO_HOLDER, "{estimate}");
    let nobody = Address::from_evm_bytes([9; 20]);
    assert_eq!(
        client.trc20_transfer_energy(&devnet_btt_contract(), &a.address(), &nobody, BTT).await?,
        TRC20_ENERGY_TO_NEW_HOLDER
    );
    assert!(
        client
            .trc20_transfer_energy(&devnet_btt_contract(), &b.address(), &nobody, 1_000 * BTT)
            .await
            .is_err(),
        "a transfer of more than the balance would revert"
    );
    Ok(())
}

/// Bob only ever received BTT: like mainnet, he has no account, so a TRX transfer to him
/// pays to create one.
#[tokio::test]
async fn an_address_that_only_received_btt_has_no_account() -> anyhow::Result<()> {
    let (_devnet, client) = start(fast()).await;
    let (a, b) = (alice(), bob());
    client.faucet(&a.address(), 20 * TRX, 10 * BTT).await?;
    let txid = client.broadcast(&send_btt(&client, &a, &b.address(), BTT, b"").await).await?;
    wait_in_block(&client, &txid).await?;
    assert!(!client.account_exists(&b.address()).await?);
    let tx = trx_transfer(&header(&client).await, &a.address(), &b.address(), TRX)?.sign(&a)?;
    let txid = client.broadcast(&tx).await?;
    let info = wait_in_block(&client, &txid).await?;
    assert_eq!(info.fee_sun, 1_100_000, "{info:?}");
    assert!(client.account_exists(&b.address()).await?);
    Ok(())
}

/// The transfer path sends and settlements share: what it signs is what lands (payee,
/// amount, memo, txid, expiration after the node's head), and submitting the same bytes
/// again is taken as done, never as a second transfer.
#[tokio::test]
async fn a_signed_order_lands_once_however_often_it_is_submitted() -> anyhow::Result<()> {
    use bidswarm_tron::transfer::{Order, Payment};
    let (_devnet, client) = start(fast()).await;
    let (a, b) = (alice(), bob());
    client.faucet(&a.address(), 50 * TRX, 10 * BTT).await?;
    let order = Order {
        from: a.address(),
        to: b.address(),
        payment: Payment::Trc20 { token: devnet_btt_contract(), amount: 3 * BTT, fee_limit_sun: 10 * TRX },
        memo: b"settle 42".to_vec(),
        valid_for: Duration::from_secs(60),
    };
    let head = client.now_block().await?;
    let signed = client.sign_transfer(&order, &a).await?;
    let expiration = signed.unsigned().raw().expiration;
    assert!(expiration >= head.timestamp_ms + 60_000, "{expiration} is 60 s after the head or later");
    for _ in 0..3 {
        client.submit(&signed).await?;
    }
    let info = wait_in_block(&client, &signed.txid_hex()).await?;
    assert!(info.success);
    assert_eq!(client.btt_balance(&b.address()).await?, 3 * BTT, "paid once");
    assert_eq!(
        client.transaction(&signed.txid_hex()).await?.context("the transfer")?.memo(),
        Some(&b"settle 42"[..])
    );

    // Signed by someone else's key: the node refuses it, and submit says so.
    let forged = client.sign_transfer(&order, &b).await?;
    let (code, _) = rejected(client.submit(&forged).await.map(|()| String::new()));
    assert_eq!(code, RejectCode::SigError);

    let trx = Order { payment: Payment::Trx { amount_sun: 2 * TRX }, memo: Vec::new(), ..order };
    let sent = client.sign_transfer(&trx, &a).await?;
    client.submit(&sent).await?;
    assert_eq!(client.trx_balance_sun(&b.address()).await?, 2 * TRX);
    Ok(())
}

/// Our machine's clock ten minutes behind the chain's: a transfer stamped by our clock
/// alone expires, in the node's eyes, before it is sent (`TRANSACTION_EXPIRATION_ERROR`,
/// as java-tron answers). The shared transfer path stamps it from the head block too, so
/// it lands.
#[tokio::test]
async fn a_transfer_signed_with_our_clock_behind_the_chains_still_lands() -> anyhow::Result<()> {
    use bidswarm_primitives::Clock;
    use bidswarm_tron::transfer::{Order, Payment};
    let ahead = Clock::manual(now_ms() + 10 * 60 * 1000);
    let (_devnet, client) = start(DevnetConfig { clock: ahead.clone(), ..fast() }).await;
    let (a, b) = (alice(), bob());
    client.faucet(&a.address(), 50 * TRX, 0).await?;
    // Blocks are stamped by the devnet's clock.
    tokio::time::sleep(Duration::from_millis(120)).await;
    assert!(client.now_block().await?.timestamp_ms >= ahead.unix_ms() - 1_000);

    let by_our_clock =
        trx_transfer(&header(&client).await, &a.address(), &b.address(), TRX).unwrap().sign(&a).unwrap();
    let (code, message) = rejected(client.broadcast(&by_our_clock).await);
    assert_eq!(code, RejectCode::TransactionExpirationError, "{message}");

    let order = Order {
        from: a.address(),
        to: b.address(),
        payment: Payment::Trx { amount_sun: TRX },
        memo: Vec::new(),
        valid_for: Duration::from_secs(60),
    };
    let signed = client.sign_transfer(&order, &a).await?;
    client.submit(&signed).await?;
    assert!(wait_in_block(&client, &signed.txid_hex()).await?.success);
    assert_eq!(client.trx_balance_sun(&b.address()).await?, TRX);
    Ok(())
}
