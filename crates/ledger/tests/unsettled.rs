//! What is still owed after a restart, both ways: channels whose vouchers are not settled
//! on chain, read back from a reopened ledger file.

mod common;

use bidswarm_ledger::{Direction, NewSettlement, Unsettled};
use common::*;

const TXID: &str = "6666666666666666666666666666666666666666666666666666666666666666";

#[tokio::test]
async fn unsettled_lists_what_is_owed_either_way_and_survives_a_reopen() -> anyhow::Result<()> {
    let k = keys();
    let dir = tempfile::tempdir()?;
    let me = k.me.address();
    let ledger = open(&dir).await;
    ledger.add_account(me, "main", T0).await?;
    ledger.observe_onchain_balance(me, btt("100"), T0).await?;
    let vouchers = async |nonce: u64, amounts: &[&str]| -> anyhow::Result<bidswarm_wallet::ChannelId> {
        let spend = channel(me, k.seeder.address(), nonce, btt("50"));
        ledger.open_channel(&spend, T0 + 10).await?;
        for (seq, c) in amounts.iter().enumerate() {
            ledger.record_voucher_sent(&sign(&k.me, spend.id, seq as u64 + 1, btt(c)), T0 + 20).await?;
        }
        Ok(spend.id)
    };
    let settle = async |channel, upto: &str, confirm: bool| -> anyhow::Result<()> {
        let id = ledger
            .settlement_pending(&NewSettlement { channels: vec![(channel, btt(upto))], txid: None }, T0 + 30)
            .await?;
        if confirm {
            ledger.settlement_confirmed(id, TXID, T0 + 40).await?;
        } else {
            ledger.settlement_failed(id, T0 + 40).await?;
        }
        Ok(())
    };
    let paid = vouchers(1, &["1", "10"]).await?;
    settle(paid, "10", true).await?;
    let owed = vouchers(2, &["1.5", "4"]).await?;
    let part = vouchers(3, &["5", "8"]).await?;
    settle(part, "5", true).await?;
    let failed = vouchers(4, &["6"]).await?;
    settle(failed, "6", false).await?;
    // Promised to us: an earn channel is never in the list.
    let earn = channel(k.leecher.address(), me, 5, btt("50"));
    ledger.open_channel(&earn, T0 + 10).await?;
    ledger.record_voucher_received(&sign(&k.leecher, earn.id, 1, btt("3")), T0 + 20).await?;
    ledger.close().await;

    let ledger = open(&dir).await;
    let mut list = ledger.unsettled(Direction::Spend).await?;
    list.sort_by_key(|u| u.promised);
    let entry = |channel, promised: &str, unsettled: &str| Unsettled {
        channel,
        payer: me,
        payee: k.seeder.address(),
        info_hash: INFO_HASH,
        promised: btt(promised),
        unsettled: btt(unsettled),
    };
    assert_eq!(
        list,
        vec![entry(owed, "4", "4"), entry(failed, "6", "6"), entry(part, "8", "3")],
        "the settled channel and the earn channel are not owed; a failed settlement is owed again"
    );
    let owed_to_us = ledger.unsettled(Direction::Earn).await?;
    let expected = Unsettled {
        channel: earn.id,
        payer: k.leecher.address(),
        payee: me,
        info_hash: INFO_HASH,
        promised: btt("3"),
        unsettled: btt("3"),
    };
    assert_eq!(owed_to_us, vec![expected], "the earn channel, and only it, is owed to us");
    // Promised in all, settled or not, per channel and per direction.
    let spend: Vec<_> = ledger.promised(Direction::Spend).await?.into_iter().collect();
    let mut want = vec![(paid, btt("10")), (owed, btt("4")), (part, btt("8")), (failed, btt("6"))];
    want.sort();
    assert_eq!(spend, want, "every spend channel at its highest voucher");
    let earned: Vec<_> = ledger.promised(Direction::Earn).await?.into_iter().collect();
    assert_eq!(earned, vec![(earn.id, btt("3"))]);
    assert!(ledger.verify().await?.problems.is_empty());
    Ok(())
}
