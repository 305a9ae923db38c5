//! The wallet history: the node's transfers merged with the ledger's own records.

use bidswarm_api::{Response, TransferDirection, WalletAsset, WalletTransfer};
use bidswarm_tron::Asset;
use bidswarm_wallet::Address;
use tracing::{info, warn};

use super::{ApiResult, Inner, WalletService};
use crate::error::no_wallet;

const HISTORY_LIMIT: u32 = 50;

impl WalletService {
    pub(crate) async fn history(&self) -> ApiResult<Response> {
        let inner = &self.inner;
        inner.load().await?;
        let address = inner.address().ok_or_else(no_wallet)?;
        let client = inner.client();
        let (trx, btt) = tokio::join!(client.trx_history(&address, HISTORY_LIMIT), async {
            if client.btt_contract().is_some() {
                client.trc20_history(&address, HISTORY_LIMIT).await
            } else {
                Ok(Vec::new())
            }
        });
        let online = trx.is_ok() && btt.is_ok();
        if let Err(e) = trx.as_ref().and(btt.as_ref()) {
            info!("wallet history without the node: {e}");
        }
        let mut transfers: Vec<WalletTransfer> = Vec::new();
        for t in trx.unwrap_or_default().into_iter().chain(btt.unwrap_or_default()) {
            let asset = match t.asset {
                Asset::Trx => WalletAsset::Trx,
                Asset::Trc20(_) => WalletAsset::Btt,
            };
            let incoming = t.to == address;
            transfers.push(WalletTransfer {
                txid: t.txid,
                at_ms: t.block_timestamp_ms,
                asset,
                direction: if incoming { TransferDirection::In } else { TransferDirection::Out },
                counterparty: Some(if incoming { t.from } else { t.to }.to_base58()),
                amount: t.amount.to_string(),
                memo_hex: t.memo.map(hex::encode),
                on_chain: true,
                in_ledger: false,
            });
        }
        let (recorded, settlements) = inner.ledger_transfers().await;
        for t in transfers.iter_mut().filter(|t| t.asset == WalletAsset::Btt) {
            // A bt_speed settlement is in the ledger as a settlement, not a wallet transfer.
            t.in_ledger |= settlements.contains(&t.txid);
        }
        for entry in recorded {
            match transfers.iter_mut().find(|t| t.txid == entry.txid && t.asset == entry.asset) {
                Some(seen) => seen.in_ledger = true,
                None => transfers.push(entry),
            }
        }
        // The node lists a settlement or a send as its transfer only (TRX history holds
        // TRX transfers, never a fee), so the TRX it burnt comes from the ledger, once per
        // transaction, at the block's time when the node shows it.
        for fee in inner.fees_burnt(&address).await {
            let txid = fee.txid;
            let block_ms = transfers.iter().find(|t| t.on_chain && t.txid == txid).map(|t| t.at_ms);
            let listed = |t: &WalletTransfer| {
                t.txid == txid && t.asset == WalletAsset::Trx && t.direction == TransferDirection::Fee
            };
            if transfers.iter().any(listed) {
                continue;
            }
            transfers.push(WalletTransfer {
                at_ms: block_ms.unwrap_or(fee.at.saturating_mul(1000)),
                asset: WalletAsset::Trx,
                direction: TransferDirection::Fee,
                // Burnt, not paid to anyone: the payee got the BTT transfer beside it.
                counterparty: None,
                amount: fee.fee_sun.to_string(),
                memo_hex: None,
                on_chain: block_ms.is_some(),
                in_ledger: true,
                txid,
            });
        }
        transfers.sort_by(|a, b| b.at_ms.cmp(&a.at_ms).then_with(|| a.txid.cmp(&b.txid)));
        Ok(Response::WalletHistory { transfers, online })
    }
}

impl Inner {
    /// The ledger's wallet transfers (deposits, withdrawals, fees) as the history shows
    /// them, and the txids of its bt_speed settlements.
    async fn ledger_transfers(&self) -> (Vec<WalletTransfer>, std::collections::HashSet<String>) {
        let Some(ledger) = &self.ledger else { return Default::default() };
        let (txs, settlements) = match tokio::try_join!(ledger.wallet_txs(), ledger.settlement_txids()) {
            Ok(both) => both,
            Err(e) => {
                warn!("cannot read the ledger's wallet transactions: {e}");
                return Default::default();
            }
        };
        (txs.into_iter().map(ledger_transfer).collect(), settlements)
    }

    /// The TRX fees `account`'s settlement transactions and sends burnt, as the ledger
    /// noted them.
    async fn fees_burnt(&self, account: &Address) -> Vec<Burnt> {
        let Some(ledger) = &self.ledger else { return Vec::new() };
        let mut burnt = Vec::new();
        match ledger.settlement_fees().await {
            Ok(fees) => burnt.extend(fees.into_iter().filter(|f| f.payer == *account).map(|f| Burnt {
                txid: f.txid,
                at: f.at,
                fee_sun: f.fee_sun,
            })),
            Err(e) => warn!("cannot read the settlements' fees from the ledger: {e}"),
        }
        match ledger.send_fees().await {
            Ok(fees) => {
                burnt.extend(fees.into_iter().filter(|f| f.send.account == *account).map(|f| Burnt {
                    txid: f.send.txid,
                    at: f.send.at,
                    fee_sun: f.fee_sun,
                }))
            }
            Err(e) => warn!("cannot read the sends' fees from the ledger: {e}"),
        }
        burnt
    }
}

/// TRX one of our transactions burnt, as the ledger noted it.
struct Burnt {
    txid: String,
    /// Unix seconds: when it was settled, failed or signed.
    at: i64,
    fee_sun: u64,
}

/// A BTT transfer the ledger recorded, as the history shows it (TRX fees come from
/// `fees_burnt`).
fn ledger_transfer(tx: bidswarm_ledger::WalletTx) -> WalletTransfer {
    WalletTransfer {
        txid: tx.txid,
        at_ms: tx.at.saturating_mul(1000),
        asset: WalletAsset::Btt,
        direction: match tx.kind {
            bidswarm_ledger::WalletTxKind::Deposit => TransferDirection::In,
            bidswarm_ledger::WalletTxKind::Withdrawal => TransferDirection::Out,
            bidswarm_ledger::WalletTxKind::Fee => TransferDirection::Fee,
        },
        counterparty: tx.counterparty.map(|a| a.to_base58()),
        amount: tx.amount.base_units().to_string(),
        memo_hex: None,
        on_chain: false,
        in_ledger: true,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use bidswarm_api::{SecretStoreKind, TronNetwork};
    use bidswarm_ledger::Ledger;
    use bidswarm_wallet::{PrivateKey, Signer};

    use super::*;
    use crate::speed::SpeedService;

    /// The TRX our settlements burnt are in the wallet history, from the ledger (the node
    /// lists no fees): one TRX fee per transaction whose fee is known, for this wallet's
    /// settlements only; beside them the ledger's own record of a send.
    #[tokio::test]
    async fn the_wallet_history_shows_what_each_settlement_burnt_in_trx() {
        use bidswarm_ledger::{Amount, NewChannel, NewSettlement, SettlementTx, SignedVoucher};
        use bidswarm_wallet::{ChannelId, Voucher};
        const T0: i64 = 1_714_521_600;
        const PAID: &str = "1111111111111111111111111111111111111111111111111111111111111111";
        const FEE_UNKNOWN: &str = "2222222222222222222222222222222222222222222222222222222222222222";
        const OTHER_ACCOUNT: &str = "3333333333333333333333333333333333333333333333333333333333333333";
        let dir = tempfile::tempdir().unwrap();
        let ledger = Arc::new(Ledger::open(dir.path().join("ledger.db")).await.unwrap());
        let ours = PrivateKey::from_bytes(&[1u8; 32]).unwrap();
        let other = PrivateKey::from_bytes(&[4u8; 32]).unwrap();
        let payee = PrivateKey::from_bytes(&[2u8; 32]).unwrap().address();
        let one_btt = Amount::from_base_units(10u128.pow(18));
        // `payer` settles 1 BTT to the payee by `txid`, which burnt `fee_sun` (if known).
        let settle = async |payer: &PrivateKey, nonce: u64, txid: &str, fee_sun: Option<u64>| {
            let info_hash = [0xAA; 20];
            let channel = NewChannel {
                id: ChannelId::derive(&payer.address(), &payee, &info_hash, nonce),
                payer: payer.address(),
                payee,
                info_hash,
                price_per_gib: one_btt,
                budget: one_btt,
            };
            ledger.add_account(payer.address(), "wallet", T0).await.unwrap();
            ledger.open_channel(&channel, T0).await.unwrap();
            let voucher = Voucher {
                channel: channel.id,
                seq: 1,
                cumulative: one_btt.base_units(),
                expiry: 1_900_000_000,
            };
            let signed = SignedVoucher { voucher, signature: payer.sign_voucher(&voucher).unwrap() };
            ledger.record_voucher_sent(&signed, T0).await.unwrap();
            let tx = SettlementTx { txid: txid.into(), signed_hex: "0a02beef".into(), expiration_ms: 1_000 };
            let settlement = NewSettlement { channels: vec![(channel.id, one_btt)], txid: Some(txid.into()) };
            let id = ledger.settlement_signed(&settlement, &tx, T0).await.unwrap();
            if let Some(fee) = fee_sun {
                ledger.settlement_fee(id, fee).await.unwrap();
            }
            ledger.settlement_confirmed(id, txid, T0 + 5).await.unwrap();
        };
        settle(&ours, 1, PAID, Some(1_810_000)).await;
        settle(&ours, 2, FEE_UNKNOWN, None).await;
        settle(&other, 3, OTHER_ACCOUNT, Some(999_000)).await;
        // A send of ours the ledger recorded: listed as the ledger has it, in base units.
        const SENT: &str = "4444444444444444444444444444444444444444444444444444444444444444";
        let withdrawal = bidswarm_ledger::WalletTx {
            txid: SENT.into(),
            account: ours.address(),
            kind: bidswarm_ledger::WalletTxKind::Withdrawal,
            counterparty: Some(payee),
            amount: Amount::from_base_units(1_500_000_000_000_000_000),
            at: T0 + 9,
        };
        ledger.record_wallet_tx(&withdrawal).await.unwrap();

        let terms = crate::speed::terms_from_settings(&Default::default()).unwrap();
        let (events, _) = tokio::sync::broadcast::channel(8);
        let (ledger_ops, _ops) = tokio::sync::mpsc::unbounded_channel();
        let speed = SpeedService::new(terms, events, ledger_ops, Default::default());
        // Nothing listens on port 9: the history is the ledger's alone.
        let local = TronNetwork::Local { url: "http://127.0.0.1:9".into() };
        let wallet = WalletService::new(Some(dir.path()), &local, speed, Some(ledger));
        let key = hex::encode([1u8; 32]);
        wallet.import(None, Some(key.into()), None, "pw".into(), SecretStoreKind::File).await.unwrap();
        let Response::WalletHistory { transfers, online } = wallet.history().await.unwrap() else {
            panic!("wallet_history answers the history")
        };
        assert!(!online);
        let fee = WalletTransfer {
            txid: PAID.into(),
            at_ms: (T0 + 5) * 1000,
            asset: WalletAsset::Trx,
            direction: TransferDirection::Fee,
            counterparty: None,
            amount: "1810000".into(),
            memo_hex: None,
            on_chain: false,
            in_ledger: true,
        };
        let sent = WalletTransfer {
            txid: SENT.into(),
            at_ms: (T0 + 9) * 1000,
            asset: WalletAsset::Btt,
            direction: TransferDirection::Out,
            counterparty: Some(payee.to_base58()),
            amount: "1500000000000000000".into(),
            memo_hex: None,
            on_chain: false,
            in_ledger: true,
        };
        // Newest first; the settlements themselves are BTT transfers on chain, not here.
        assert_eq!(transfers, [sent, fee]);
    }
}
