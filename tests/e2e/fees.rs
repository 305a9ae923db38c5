//! Fee quotes against what the node then charges: `Client::quote_trx_transfer` and
//! `quote_trc20_transfer` read the node's fee parameters, the sender's bandwidth and the
//! recipient's state from `bidswarm-cli devnet`, and each transfer's real fee is read back
//! from `gettransactioninfobyid`. The devnet charges mainnet's rules, so a quote within
//! 10% here is a quote within 10% of mainnet's rules.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bidswarm_tests::test_dir;
use bidswarm_tron::{devnet_btt_contract, Client, FeeQuote, TransactionInfo};
use bidswarm_wallet::{
    tx::{trc20_transfer, trx_transfer, TxHeader},
    Address, PrivateKey,
};

const TRX: u64 = 1_000_000;
const BTT: u128 = 1_000_000_000_000_000_000;

fn key(n: u8) -> PrivateKey {
    PrivateKey::from_bytes(&[n; 32]).expect("a small repeated byte is a valid secp256k1 key")
}

async fn in_block(client: &Client, txid: &str) -> anyhow::Result<TransactionInfo> {
    let receipt = async || client.transaction_info(txid).await.ok().flatten();
    bidswarm_tests::wait_until(
        "the transfer in a block",
        Duration::from_secs(20),
        Duration::from_millis(100),
        receipt,
    )
    .await
}

/// Sends as the quote says (its fee limit for BTT) and returns the fee the node charged.
async fn send(
    client: &Client,
    from: &PrivateKey,
    to: &Address,
    btt: bool,
    memo: Option<&[u8]>,
    quote: &FeeQuote,
) -> anyhow::Result<TransactionInfo> {
    let block = client.now_block().await?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as i64;
    let mut header = TxHeader::new(block.ref_block, now, 60_000);
    if let Some(m) = memo {
        header = header.with_memo(m.to_vec());
    }
    let unsigned = if btt {
        trc20_transfer(&header, &from.address(), &devnet_btt_contract(), to, BTT, quote.fee_limit_sun())?
    } else {
        trx_transfer(&header, &from.address(), to, TRX)?
    };
    let txid = client.broadcast(&unsigned.sign(from)?).await?;
    let info = in_block(client, &txid).await?;
    assert!(info.success, "{info:?}");
    Ok(info)
}

#[tokio::test(flavor = "multi_thread")]
async fn fee_quotes_are_within_ten_percent_of_what_the_devnet_charges() -> anyhow::Result<()> {
    let dir = test_dir();
    let (_devnet, client) =
        crate::devnet::start_devnet("devnet", &dir.path().join("devnet.sqlite"), dir.path()).await?;
    let sender = key(1);
    let holder = key(2);
    client.faucet(&sender.address(), 1_000 * TRX, 1_000 * BTT).await?;
    client.faucet(&holder.address(), TRX, BTT).await?;

    // Each case in turn from one sender, so its free bandwidth is spent along the way and
    // both sides of the rule are crossed: the first transfer fits the free 600 bytes,
    // later ones burn TRX for every byte.
    let mut fresh = 10u8;
    let mut measured = Vec::new();
    for btt in [false, true] {
        for new_recipient in [true, false] {
            for memo in [None, Some(&b"bt_speed:v2:00112233445566778899aabbccddeeff:171875000000000000"[..])]
            {
                let to = if new_recipient {
                    fresh += 1;
                    key(fresh).address()
                } else {
                    holder.address()
                };
                let quote = if btt {
                    client
                        .quote_trc20_transfer(&devnet_btt_contract(), &sender.address(), &to, BTT, memo)
                        .await?
                } else {
                    client.quote_trx_transfer(&sender.address(), &to, TRX, memo).await?
                };
                let info = send(&client, &sender, &to, btt, memo, &quote).await?;
                let (quoted, charged) = (quote.total_sun(), info.fee_sun);
                let case = format!(
                    "{} to a {} recipient, {}",
                    if btt { "BTT" } else { "TRX" },
                    if new_recipient { "new" } else { "known" },
                    if memo.is_some() { "with a memo" } else { "no memo" }
                );
                eprintln!("{case}: quoted {quoted} sun, charged {charged} sun ({quote:?})");
                let off = quoted.abs_diff(charged);
                assert!(off * 10 <= charged, "{case}: quoted {quoted} sun, the node charged {charged} sun");
                measured.push((case, quoted, charged));
            }
        }
    }
    // The rules were crossed, not dodged: some transfers burnt bandwidth, some did not;
    // creating an account and a memo each cost a TRX.
    let charged: Vec<u64> = measured.iter().map(|m| m.2).collect();
    assert!(charged.iter().any(|&c| c >= 2_000_000), "a memo plus an account creation: {measured:?}");
    assert!(charged.contains(&0), "the first transfer fits the free bandwidth: {measured:?}");
    let btt_known = &measured[6];
    assert!(
        (1_400_000..2_000_000).contains(&btt_known.2),
        "a BTT transfer to a holder costs about 1.8 TRX on mainnet's rules: {btt_known:?}"
    );
    let btt_new = &measured[4];
    assert!(
        (2_900_000..3_500_000).contains(&btt_new.2),
        "a BTT transfer to a new holder costs about 3.3 TRX: {btt_new:?}"
    );
    Ok(())
}

/// Without the node there is no quote: the fee is never guessed.
#[tokio::test]
async fn an_unreachable_node_gives_no_quote() -> anyhow::Result<()> {
    let port = bidswarm_tests::free_port();
    let client = Client::new(bidswarm_tron::Network::Local(format!("http://127.0.0.1:{port}").parse()?))?;
    let err = client
        .quote_trx_transfer(&key(1).address(), &key(2).address(), TRX, None)
        .await
        .expect_err("no node, no quote");
    assert!(err.is_offline(), "{err}");
    Ok(())
}
