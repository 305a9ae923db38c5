//! The wallet through the headless server's API, as the UI drives it: create, lock and
//! unlock, a wrong password that changes nothing, a burst of wrong ones slowed down,
//! import, balances and sends on a real `bidswarm-cli devnet`, the offline state,
//! auto-lock, and a scan of everything the server said for the recovery phrase and the key.

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
    sync::Mutex,
    time::{Duration, Instant},
};

use anyhow::{bail, Context};
use bidswarm_api::{
    ApiError, ApiErrorKind, Request, Response, SecretStoreKind, SendQuote, Settings, TransferDirection,
    TronNetwork, WalletAsset, WalletBalances, WalletState, WalletStatus, WalletTransfer,
};
use bidswarm_tests::{cli, free_port, path_str, test_dir, wait_until, Proc};
use bidswarm_tron::{Client, Network};
use bidswarm_wallet::Mnemonic;

const MNEMONIC: &str =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
const MNEMONIC_ADDRESS: &str = "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH";
/// The other vector key (go-btfs-common): the recipient.
const OTHER_KEY: &str = "9ab06d4ddc783eaedadb2b1967bf664f8c859f6635c416c67941d3766fdee6b2";
const OTHER_ADDRESS: &str = "TEmH6bFE8FahLDTJwZqfAVuB7CaxjvPmZV";
const BTT: u128 = 1_000_000_000_000_000_000;
const START: Duration = Duration::from_secs(30);
const PASSWORD: &str = "correct horse 42";
/// Mainnet's fees for the sends below, which the devnet charges. The first BTT send fits
/// the free 600 bytes of bandwidth and goes to an address holding no BTT: 29,650 energy at
/// 100 sun. The TRX send goes to an address that only received BTT, which has no account
/// yet: 0.1 TRX instead of bandwidth, and 1 TRX to create it.
const TRX_FEE_SUN: u64 = 100_000 + 1_000_000;
const BTT_FEE_SUN: u64 = 29_650 * 100;

/// A `bidswarm-cli serve` with its own environment, whose every response body is kept
/// for the secrets scan.
struct Wallet {
    proc: Proc,
    url: String,
    token: String,
    log_dir: PathBuf,
    http: reqwest::Client,
    /// (request type, response body) of every call.
    bodies: Mutex<Vec<(String, String)>>,
}

impl Wallet {
    async fn start(name: &str, dir: &Path, env: &[(&str, &str)]) -> anyhow::Result<Self> {
        let data = dir.join(format!("{name}-data"));
        // The ledger opens before anything else makes the state folder (a fresh data
        // folder otherwise fails to start while the ledger wiring lands).
        std::fs::create_dir_all(data.join("state"))?;
        let mut command = cli(&[
            "--data-dir",
            path_str(&data),
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--peer-listen",
            "127.0.0.1:0",
            "--no-dht",
        ]);
        for (key, value) in env {
            command.env(key, value);
        }
        let mut proc = Proc::spawn(name, command, dir)?;
        let url = proc.wait_for_value("url", START).await?;
        let token_file = proc.wait_for_value("token_file", START).await?;
        let token = std::fs::read_to_string(token_file)?.trim().to_owned();
        Ok(Self {
            proc,
            url,
            token,
            log_dir: dir.to_owned(),
            http: reqwest::Client::new(),
            bodies: Mutex::new(Vec::new()),
        })
    }

    fn keystore(&self) -> PathBuf {
        self.log_dir.join(format!("{}-data/config/wallet.keystore", self.proc.name))
    }

    async fn rpc(&self, request: &Request) -> anyhow::Result<Result<Response, ApiError>> {
        let (ok, body) = bidswarm_tests::post_rpc(&self.http, &self.url, &self.token, request).await?;
        let kind = serde_json::to_value(request)?["type"].as_str().unwrap_or_default().to_owned();
        self.bodies.lock().expect("bodies lock").push((kind, body.clone()));
        Ok(if ok { Ok(serde_json::from_str(&body)?) } else { Err(serde_json::from_str(&body)?) })
    }

    async fn call(&self, request: &Request) -> anyhow::Result<Response> {
        self.rpc(request).await?.map_err(|e| anyhow::anyhow!("{request:?} failed: {e:?}"))
    }

    async fn fail(&self, request: &Request) -> anyhow::Result<ApiError> {
        match self.rpc(request).await? {
            Ok(r) => bail!("{request:?} should have failed, answered {r:?}"),
            Err(e) => Ok(e),
        }
    }

    async fn status(&self) -> anyhow::Result<WalletStatus> {
        match self.call(&Request::WalletStatus).await? {
            Response::WalletStatus { status } => Ok(status),
            other => bail!("unexpected {other:?}"),
        }
    }

    async fn balances(&self) -> anyhow::Result<WalletBalances> {
        match self.call(&Request::WalletBalances).await? {
            Response::WalletBalances { balances } => Ok(balances),
            other => bail!("unexpected {other:?}"),
        }
    }

    async fn quote(
        &self,
        to: &str,
        asset: WalletAsset,
        amount: u128,
    ) -> anyhow::Result<Result<SendQuote, ApiError>> {
        let request = Request::QuoteSend { to: to.into(), asset, amount: bidswarm_api::BaseUnits(amount) };
        Ok(match self.rpc(&request).await? {
            Ok(Response::SendQuote { quote }) => Ok(quote),
            Ok(other) => bail!("unexpected {other:?}"),
            Err(e) => Err(e),
        })
    }

    async fn send(&self, quote: &SendQuote) -> anyhow::Result<String> {
        match self.call(&Request::Send { quote_id: quote.quote_id.clone() }).await? {
            Response::Sent { txid } => Ok(txid),
            other => bail!("unexpected {other:?}"),
        }
    }

    async fn history(&self) -> anyhow::Result<(Vec<WalletTransfer>, bool)> {
        match self.call(&Request::WalletHistory).await? {
            Response::WalletHistory { transfers, online } => Ok((transfers, online)),
            other => bail!("unexpected {other:?}"),
        }
    }

    async fn reveal(&self, password: &str) -> anyhow::Result<Result<String, ApiError>> {
        Ok(match self.rpc(&Request::RevealMnemonic { password: password.into() }).await? {
            Ok(Response::Mnemonic { words }) => Ok(words.expose().to_owned()),
            Ok(other) => bail!("unexpected {other:?}"),
            Err(e) => Err(e),
        })
    }

    async fn set_network(&self, network: TronNetwork) -> anyhow::Result<Result<Settings, ApiError>> {
        let Response::Settings { mut settings, .. } = self.call(&Request::GetSettings).await? else {
            bail!("get_settings answered something else")
        };
        settings.network = network;
        Ok(match self.rpc(&Request::UpdateSettings { settings: settings.into() }).await? {
            Ok(Response::Settings { settings, .. }) => Ok(settings),
            Ok(other) => bail!("unexpected {other:?}"),
            Err(e) => Err(e),
        })
    }

    async fn import_mnemonic(&self, mnemonic: &str) -> anyhow::Result<Result<WalletStatus, ApiError>> {
        let request = Request::ImportWallet {
            mnemonic: Some(mnemonic.into()),
            private_key: None,
            passphrase: None,
            password: PASSWORD.into(),
            store: SecretStoreKind::File,
        };
        Ok(match self.rpc(&request).await? {
            Ok(Response::WalletStatus { status }) => Ok(status),
            Ok(other) => bail!("unexpected {other:?}"),
            Err(e) => Err(e),
        })
    }

    /// Everything the server wrote to stdout and stderr.
    fn logs(&self) -> String {
        let stderr = std::fs::read_to_string(self.log_dir.join(format!("{}.stderr", self.proc.name)))
            .unwrap_or_default();
        format!("{}\n{stderr}", self.proc.stdout().join("\n"))
    }
}

fn create(words: u8) -> Request {
    Request::CreateWallet { words, password: PASSWORD.into(), passphrase: None, store: SecretStoreKind::File }
}

async fn start_devnet(dir: &Path) -> anyhow::Result<(Proc, String, Client)> {
    let mut proc =
        Proc::spawn("devnet", cli(&["devnet", "--listen", "127.0.0.1:0", "--block-ms", "100"]), dir)?;
    let url = proc.wait_for_value("url", START).await?;
    let client = Client::new(Network::Local(url.parse()?))?;
    Ok((proc, url, client))
}

#[tokio::test(flavor = "multi_thread")]
async fn wallet_create_lock_unlock_and_a_wrong_password_changes_nothing() -> anyhow::Result<()> {
    let dir = test_dir();
    let server = Wallet::start("serve", dir.path(), &[]).await?;
    assert_eq!(server.status().await?.state, WalletState::None);
    let err = server.fail(&Request::UnlockWallet { password: PASSWORD.into() }).await?;
    assert_eq!(err.kind, ApiErrorKind::NoWallet);
    assert_eq!(server.fail(&create(13)).await?.kind, ApiErrorKind::BadRequest);

    let Response::WalletStatus { status } = server.call(&create(12)).await? else {
        bail!("create answers the status")
    };
    assert_eq!(status.state, WalletState::Unlocked, "a new wallet starts unlocked");
    let address = status.address.clone().context("an address")?;
    assert!(address.starts_with('T') && status.address_hex.as_deref().is_some_and(|h| h.starts_with("41")));
    assert!(status.store.as_deref().is_some_and(|s| s.contains("wallet.keystore")), "{status:?}");
    assert_eq!(status.auto_lock_secs, 15 * 60);
    let sealed = std::fs::read(server.keystore())?;

    let err = server.reveal("not the password").await?.expect_err("a wrong password reveals nothing");
    assert_eq!(err.kind, ApiErrorKind::WrongPassword);
    assert_eq!(err.message, "that password does not unlock this wallet; nothing was changed");
    let err = server
        .fail(&Request::ChangeWalletPassword { old: "not the password".into(), new: "new one".into() })
        .await?;
    assert_eq!(err.kind, ApiErrorKind::WrongPassword);
    assert_eq!(std::fs::read(server.keystore())?, sealed, "the keystore file is unchanged");

    let words = server.reveal(PASSWORD).await?.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    assert_eq!(words.split(' ').count(), 12);
    let derived = Mnemonic::parse(&words)?.derive("", 0)?.address().to_base58();
    assert_eq!(derived, address, "the phrase is the wallet's");

    let Response::WalletStatus { status } = server.call(&Request::LockWallet).await? else { bail!("status") };
    assert_eq!(status.state, WalletState::Locked);
    assert_eq!(server.status().await?.state, WalletState::Locked);
    assert_eq!(
        server.status().await?.address.as_deref(),
        Some(address.as_str()),
        "a locked wallet shows its address"
    );
    let err = server.fail(&Request::UnlockWallet { password: "wrong".into() }).await?;
    assert_eq!(err.kind, ApiErrorKind::WrongPassword);
    assert_eq!(server.status().await?.state, WalletState::Locked);
    server.call(&Request::UnlockWallet { password: PASSWORD.into() }).await?;
    assert_eq!(server.status().await?.state, WalletState::Unlocked);

    let err = server.fail(&create(24)).await?;
    assert_eq!(err.kind, ApiErrorKind::BadRequest, "one wallet: {err:?}");
    assert_eq!(std::fs::read(server.keystore())?, sealed, "a second create overwrites nothing");

    server.call(&Request::ChangeWalletPassword { old: PASSWORD.into(), new: "new one".into() }).await?;
    assert_ne!(std::fs::read(server.keystore())?, sealed, "resealed under the new password");
    assert_eq!(server.reveal(PASSWORD).await?.map_err(|e| e.kind), Err(ApiErrorKind::WrongPassword));
    assert_eq!(server.reveal("new one").await?.ok(), Some(words.clone()));

    // The wallet outlives the process, locked.
    let Wallet { mut proc, .. } = server;
    assert!(proc.terminate(START).await?.success());
    let server = Wallet::start("serve", dir.path(), &[]).await?;
    let status = server.status().await?;
    assert_eq!((status.state, status.address.as_deref()), (WalletState::Locked, Some(address.as_str())));
    server.call(&Request::UnlockWallet { password: "new one".into() }).await?;
    Ok(())
}

/// The guesser with the API token: a burst of wrong unlocks is checked one at a time and
/// ends in `too_many_attempts` (three free, then a wait of 1 s, 2 s, …). Each wait ends (a
/// wrong password is checked again after it) and makes the next one twice as long; in a
/// 16 s wait the right password is refused too, unchecked. The waits are polled with
/// deadlines, never slept; the one assertion inside a wait has 16 s of margin, so a busy
/// machine cannot fail it. Unlocking after the wait is the unit tests' part.
#[tokio::test(flavor = "multi_thread")]
async fn a_burst_of_wrong_passwords_is_slowed_and_the_right_one_waits_too() -> anyhow::Result<()> {
    let dir = test_dir();
    let server = Wallet::start("serve", dir.path(), &[]).await?;
    server.call(&create(12)).await?;
    server.call(&Request::LockWallet).await?;
    let wrong = Request::UnlockWallet { password: "wrong".into() };
    let right = Request::UnlockWallet { password: PASSWORD.into() };

    let burst = futures::future::join_all((0..6).map(|_| server.fail(&wrong))).await;
    let kinds = burst.into_iter().map(|e| e.map(|e| e.kind)).collect::<anyhow::Result<Vec<_>>>()?;
    let count = |kind| kinds.iter().filter(|k| **k == kind).count();
    assert_eq!(
        (count(ApiErrorKind::WrongPassword), count(ApiErrorKind::TooManyAttempts)),
        (4, 2),
        "checked in turn, the rest refused: {kinds:?}"
    );

    // Each wait (1, 2, 4 and 8 s) ends: a wrong password is checked again, and doubles it.
    for wait in [1, 2, 4, 8] {
        wait_until(&format!("the {wait} s wait to pass"), START, Duration::from_millis(100), async || {
            server.rpc(&wrong).await.ok()?.err().filter(|e| e.kind == ApiErrorKind::WrongPassword)
        })
        .await?;
    }
    let err = server.fail(&right).await?;
    assert_eq!(err.kind, ApiErrorKind::TooManyAttempts, "{err:?}");
    assert!(err.message.starts_with("8 wrong passwords in a row; wait "), "{}", err.message);
    assert_eq!(server.status().await?.state, WalletState::Locked, "the right password was not checked");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn wallet_import_balances_send_and_history_on_the_devnet() -> anyhow::Result<()> {
    let dir = test_dir();
    let (_devnet, devnet_url, chain) = start_devnet(dir.path()).await?;
    let server = Wallet::start("serve", dir.path(), &[]).await?;
    server
        .set_network(TronNetwork::Local { url: devnet_url })
        .await?
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;

    // A bad phrase is refused by position, never by echoing a word.
    let err = server.import_mnemonic(&MNEMONIC.replace("about", "abandon")).await?.expect_err("bad checksum");
    assert_eq!(err.kind, ApiErrorKind::BadRequest);
    assert!(err.message.contains("checksum") && !err.message.contains("abandon"), "{}", err.message);
    let typo = MNEMONIC.replacen("abandon abandon abandon", "abandon abandon abandom", 1);
    let err = server.import_mnemonic(&typo).await?.expect_err("unknown word");
    assert_eq!(err.kind, ApiErrorKind::BadRequest);
    assert!(err.message.contains("word 3") && !err.message.contains("abandom"), "{}", err.message);
    assert_eq!(server.status().await?.state, WalletState::None, "nothing was stored");

    let status = server.import_mnemonic(MNEMONIC).await?.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    assert_eq!(status.address.as_deref(), Some(MNEMONIC_ADDRESS), "the BIP-44 vector's address");
    assert_eq!(status.network, "local");

    let me = MNEMONIC_ADDRESS.parse()?;
    chain.faucet(&me, 10_000_000, 100 * BTT).await?;
    let balances = server.balances().await?;
    assert!(balances.online, "{balances:?}");
    assert_eq!(balances.trx_sun.as_deref(), Some("10000000"));
    assert_eq!(balances.btt_onchain, Some((100 * BTT).to_string()));
    assert_eq!(balances.spendable, (100 * BTT).to_string(), "the ledger starts from the chain");
    assert_eq!((balances.committed.as_str(), balances.earned_pending.as_str()), ("0", "0"));

    // BTT: the quote follows the node's fee rules; sending changes balances by exactly the
    // amount and the fee quoted.
    let quote = server
        .quote(OTHER_ADDRESS, WalletAsset::Btt, 30 * BTT)
        .await?
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    assert_eq!(quote.fee_estimate_sun, BTT_FEE_SUN.to_string());
    assert!(!quote.fee_exact && quote.expires_in_secs == 60, "a quote is an estimate: {quote:?}");
    assert_eq!((quote.total_btt.as_str(), quote.total_trx_sun.as_str()), ("30000000000000000000", "2965000"));
    let txid = server.send(&quote).await?;
    assert_eq!(txid.len(), 64, "{txid}");
    let other = OTHER_ADDRESS.parse()?;
    assert_eq!(chain.btt_balance(&me).await?, 70 * BTT);
    assert_eq!(chain.btt_balance(&other).await?, 30 * BTT);
    assert_eq!(chain.trx_balance_sun(&me).await?, 10_000_000 - BTT_FEE_SUN);
    let err = server.fail(&Request::Send { quote_id: quote.quote_id.clone() }).await?;
    assert_eq!(err.kind, ApiErrorKind::BadRequest, "a quote is sent once");

    // TRX.
    let quote = server
        .quote(OTHER_ADDRESS, WalletAsset::Trx, 1_000_000)
        .await?
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    assert_eq!(quote.total_trx_sun, (1_000_000 + TRX_FEE_SUN).to_string());
    let trx_txid = server.send(&quote).await?;
    assert_eq!(chain.trx_balance_sun(&me).await?, 10_000_000 - BTT_FEE_SUN - 1_000_000 - TRX_FEE_SUN);
    assert_eq!(chain.trx_balance_sun(&other).await?, 1_000_000);

    let balances = server.balances().await?;
    assert_eq!(balances.btt_onchain, Some((70 * BTT).to_string()));
    assert_eq!(balances.trx_sun, Some((10_000_000 - BTT_FEE_SUN - 1_000_000 - TRX_FEE_SUN).to_string()));
    assert_eq!(balances.spendable, (70 * BTT).to_string());

    let transfers = wait_until("both sends in the history", START, Duration::from_millis(200), async || {
        let (transfers, online) = server.history().await.ok()?;
        (online && [&txid, &trx_txid].iter().all(|id| transfers.iter().any(|t| &&t.txid == id)))
            .then_some(transfers)
    })
    .await?;
    let btt = transfers.iter().find(|t| t.txid == txid).context("the BTT send")?;
    assert_eq!(
        (btt.asset, btt.direction, btt.amount.as_str()),
        (WalletAsset::Btt, TransferDirection::Out, "30000000000000000000")
    );
    assert_eq!(btt.counterparty.as_deref(), Some(OTHER_ADDRESS));
    assert!(btt.on_chain && btt.in_ledger, "the chain's and the ledger's entries are one: {btt:?}");
    let trx = transfers.iter().find(|t| t.txid == trx_txid).context("the TRX send")?;
    assert_eq!(
        (trx.asset, trx.direction, trx.amount.as_str()),
        (WalletAsset::Trx, TransferDirection::Out, "1000000")
    );
    assert_eq!(transfers.iter().filter(|t| t.txid == txid).count(), 1, "merged, not listed twice");

    // Each send's fee, as the chain charged it, reaches the wallet history, the Money
    // trail and the CSV (read by the settlement round, every 10 s).
    let charged = async |id: &str| -> anyhow::Result<u64> {
        Ok(chain.transaction_info(id).await?.context("the send in a block")?.fee_sun)
    };
    let (btt_fee, trx_fee) = (charged(&txid).await?, charged(&trx_txid).await?);
    assert_eq!((btt_fee, trx_fee), (BTT_FEE_SUN, TRX_FEE_SUN), "the devnet charged what the quotes said");
    let fees = wait_until("both sends' fees in the history", START, Duration::from_millis(500), async || {
        let (transfers, _) = server.history().await.ok()?;
        let fee = |id: &str| {
            transfers.iter().find(|t| t.txid == id && t.direction == TransferDirection::Fee).cloned()
        };
        Some((fee(&txid)?, fee(&trx_txid)?))
    })
    .await?;
    for (fee, sun) in [(&fees.0, btt_fee), (&fees.1, trx_fee)] {
        assert_eq!((fee.asset, fee.amount.clone()), (WalletAsset::Trx, sun.to_string()), "{fee:?}");
        assert!(fee.in_ledger && fee.counterparty.is_none(), "burnt, not paid to anyone: {fee:?}");
    }
    let Response::LedgerSummary { summary, .. } = server.call(&Request::LedgerSummary).await? else {
        bail!("not a ledger summary")
    };
    assert_eq!(summary.send_fees_sun, (btt_fee + trx_fee).to_string(), "{summary:?}");
    assert_eq!(summary.settlement_fees_sun, "0", "no settlement was paid: {summary:?}");
    let Response::LedgerCsv { csv } = server.call(&Request::ExportLedger { from: None, to: None }).await?
    else {
        bail!("not a CSV")
    };
    for (id, trx) in [(&txid, "2.965"), (&trx_txid, "1.1")] {
        let row = format!("{OTHER_ADDRESS},send_fee,,confirmed,{id},{trx}");
        assert_eq!(csv.lines().filter(|l| l.ends_with(&row)).count(), 1, "{row} in\n{csv}");
    }

    // What cannot be sent.
    let err = server.quote(OTHER_ADDRESS, WalletAsset::Btt, 71 * BTT).await?.expect_err("more BTT than held");
    assert_eq!(err.kind, ApiErrorKind::InsufficientFunds, "{err:?}");
    let err = server.quote(OTHER_ADDRESS, WalletAsset::Trx, 5_800_000).await?.expect_err("TRX plus fee");
    assert_eq!(err.kind, ApiErrorKind::InsufficientFunds, "{err:?}");
    let mut bad = OTHER_ADDRESS.to_owned();
    bad.replace_range(5..6, "z");
    let err = server.quote(&bad, WalletAsset::Btt, BTT).await?.expect_err("a changed character");
    assert_eq!(err.kind, ApiErrorKind::InvalidAddress, "{err:?}");
    let err = server.quote(MNEMONIC_ADDRESS, WalletAsset::Btt, BTT).await?.expect_err("to myself");
    assert_eq!(err.kind, ApiErrorKind::BadRequest);
    let err = server.quote(OTHER_ADDRESS, WalletAsset::Btt, 0).await?.expect_err("nothing");
    assert_eq!(err.kind, ApiErrorKind::BadRequest);

    // A locked wallet quotes but does not send; the quote waits for the unlock.
    let quote =
        server.quote(OTHER_ADDRESS, WalletAsset::Btt, BTT).await?.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    server.call(&Request::LockWallet).await?;
    let err = server.fail(&Request::Send { quote_id: quote.quote_id.clone() }).await?;
    assert_eq!(err.kind, ApiErrorKind::WalletLocked);
    assert_eq!(chain.btt_balance(&me).await?, 70 * BTT, "nothing was sent");
    server.call(&Request::UnlockWallet { password: PASSWORD.into() }).await?;
    server.send(&quote).await?;
    assert_eq!(chain.btt_balance(&other).await?, 31 * BTT);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_node_is_offline_and_the_rest_still_answers() -> anyhow::Result<()> {
    let dir = test_dir();
    let server = Wallet::start("serve", dir.path(), &[]).await?;
    let err =
        server.set_network(TronNetwork::Local { url: "not a url".into() }).await?.expect_err("a bad URL");
    assert_eq!(err.kind, ApiErrorKind::BadRequest);
    assert_eq!(server.status().await?.network, "mainnet", "a refused setting changes nothing");

    let closed = format!("http://127.0.0.1:{}", free_port());
    server.set_network(TronNetwork::Local { url: closed }).await?.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let request = Request::ImportWallet {
        mnemonic: None,
        private_key: Some(OTHER_KEY.into()),
        passphrase: None,
        password: PASSWORD.into(),
        store: SecretStoreKind::File,
    };
    let Response::WalletStatus { status } = server.call(&request).await? else {
        bail!("import answers the status")
    };
    assert_eq!(status.address.as_deref(), Some(OTHER_ADDRESS));
    let err = server.reveal(PASSWORD).await?.expect_err("a key has no phrase");
    assert_eq!(err.kind, ApiErrorKind::BadRequest);

    let started = Instant::now();
    let balances = server.balances().await?;
    assert!(started.elapsed() < Duration::from_secs(3), "offline is said quickly: {:?}", started.elapsed());
    assert!(!balances.online && balances.trx_sun.is_none() && balances.btt_onchain.is_none(), "{balances:?}");
    assert!(
        balances.offline_reason.as_deref().is_some_and(|r| r.contains("cannot be reached")),
        "{balances:?}"
    );
    assert_eq!(balances.spendable, "0", "the ledger's figures are still there");

    let started = Instant::now();
    assert_eq!(server.call(&Request::ListTorrents).await?, Response::Torrents { torrents: vec![] });
    assert!(started.elapsed() < Duration::from_secs(2));
    let err = server.quote(MNEMONIC_ADDRESS, WalletAsset::Trx, 1).await?.expect_err("no node, no quote");
    assert_eq!(err.kind, ApiErrorKind::Offline, "{err:?}");
    let (transfers, online) = server.history().await?;
    assert!(!online && transfers.is_empty());
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_wallet_locks_itself() -> anyhow::Result<()> {
    let dir = test_dir();
    let server = Wallet::start("serve", dir.path(), &[("BIDSWARM_WALLET_AUTO_LOCK_SECS", "2")]).await?;
    server.call(&create(12)).await?;
    let status = server.status().await?;
    assert_eq!((status.state, status.auto_lock_secs), (WalletState::Unlocked, 2));
    let locked_after = Instant::now();
    wait_until("the auto-lock", Duration::from_secs(20), Duration::from_millis(200), async || {
        server.status().await.ok().filter(|s| s.state == WalletState::Locked)
    })
    .await?;
    assert!(locked_after.elapsed() >= Duration::from_secs(2), "not before the idle time");
    // The idle lock does not stop money the user agreed to: bid for speed still signs,
    // until the user locks the wallet too.
    assert!(server.status().await?.speed_signing, "bid for speed keeps its key through the idle lock");
    server.call(&Request::LockWallet).await?;
    assert!(!server.status().await?.speed_signing, "the user's lock after the idle lock stops it");
    server.call(&Request::UnlockWallet { password: PASSWORD.into() }).await?;
    let status = server.status().await?;
    assert_eq!((status.state, status.speed_signing), (WalletState::Unlocked, true));
    // The user's own lock stops it.
    server.call(&Request::LockWallet).await?;
    let status = server.status().await?;
    assert_eq!((status.state, status.speed_signing), (WalletState::Locked, false));
    Ok(())
}

/// Lowercase words of the Rust sources: what our own log lines and messages can say.
fn source_vocabulary() -> anyhow::Result<HashSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut words = HashSet::new();
    let mut dirs = vec![root.join("crates"), root.join("tests")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path)?.to_lowercase();
                words.extend(text.split(|c: char| !c.is_ascii_lowercase()).map(str::to_owned));
            }
        }
    }
    Ok(words)
}

/// Whether `word` stands alone in `text` (no letter on either side).
fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphabetic()) && !after.is_some_and(|c| c.is_ascii_alphabetic())
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn secrets_never_leave_except_through_reveal_mnemonic() -> anyhow::Result<()> {
    let dir = test_dir();
    let (_devnet, devnet_url, chain) = start_devnet(dir.path()).await?;
    // Our crates log everything they have; dependencies only warnings, since their
    // words are not ours to account for.
    let log = "warn,bidswarm_core=trace,bidswarm_cli=trace,bidswarm_wallet=trace,bidswarm_tron=trace,\
               bidswarm_ledger=trace,bidswarm_speed=trace,bidswarm_gateway=debug,bidswarm_swarm=debug";
    let server = Wallet::start("serve", dir.path(), &[("RUST_LOG", log)]).await?;
    server
        .set_network(TronNetwork::Local { url: devnet_url })
        .await?
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;

    let Response::WalletStatus { status } = server.call(&create(12)).await? else { bail!("status") };
    let address = status.address.context("an address")?;
    let words = server.reveal(PASSWORD).await?.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let revealed = server.bodies.lock().expect("bodies lock").len() - 1;
    let key = Mnemonic::parse(&words)?.derive("", 0)?;
    let key_hex = hex::encode(&key.to_bytes()[..]);
    assert_eq!(key.address().to_base58(), address);

    assert_eq!(server.reveal("wrong").await?.map_err(|e| e.kind), Err(ApiErrorKind::WrongPassword));
    server.call(&Request::LockWallet).await?;
    server.fail(&Request::UnlockWallet { password: "wrong".into() }).await?;
    server.call(&Request::UnlockWallet { password: PASSWORD.into() }).await?;
    chain.faucet(&key.address(), 10_000_000, 10 * BTT).await?;
    server.balances().await?;
    let quote =
        server.quote(OTHER_ADDRESS, WalletAsset::Btt, BTT).await?.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let txid = server.send(&quote).await?;
    wait_until("the send in the history", START, Duration::from_millis(200), async || {
        server.history().await.ok().filter(|(t, _)| t.iter().any(|t| t.txid == txid))
    })
    .await?;
    server.fail(&Request::ChangeWalletPassword { old: "wrong".into(), new: "x".into() }).await?;
    server.call(&Request::ChangeWalletPassword { old: PASSWORD.into(), new: "another".into() }).await?;
    server.call(&Request::GetSettings).await?;
    server.call(&Request::LockWallet).await?;
    server.fail(&Request::Send { quote_id: "0".repeat(32) }).await?;

    let vocabulary = source_vocabulary()?;
    // Rare: five letters or more (hex and base58 rarely spell them), and never used by
    // our own sources, so if one shows up it came from the phrase.
    let rare: Vec<&str> = words.split(' ').filter(|w| w.len() >= 5 && !vocabulary.contains(*w)).collect();
    assert!(!rare.is_empty(), "a 12-word phrase with no rare word is too unlikely: {}", words.len());

    let logs = server.logs();
    assert!(
        logs.contains("wallet unlocked") && logs.contains("transfer sent"),
        "the logs were captured:\n{logs}"
    );
    let bodies = server.bodies.lock().expect("bodies lock").clone();
    let mut scanned = vec![("server logs".to_owned(), logs)];
    scanned.extend(
        bodies
            .into_iter()
            .enumerate()
            .filter(|(i, _)| *i != revealed)
            .map(|(i, (kind, body))| (format!("response {i} ({kind})"), body)),
    );
    assert!(scanned.len() > 15, "the flow made its calls: {}", scanned.len());
    for (what, text) in &scanned {
        let lower = text.to_lowercase();
        assert!(!lower.contains(&words), "{what} holds the recovery phrase");
        assert!(!lower.contains(&key_hex), "{what} holds the private key");
        assert!(!text.contains(PASSWORD), "{what} holds the password");
        for word in &rare {
            assert!(
                !has_word(&lower, word),
                "{what} holds a word of the recovery phrase (#{})",
                words.split(' ').position(|w| w == *word).unwrap_or(0) + 1
            );
        }
    }
    // The scan can see what it looks for: the reveal's own body has all of it.
    let (_, reveal_body) = &server.bodies.lock().expect("bodies lock")[revealed];
    assert!(reveal_body.contains(&words) && rare.iter().all(|w| has_word(reveal_body, w)));
    Ok(())
}
