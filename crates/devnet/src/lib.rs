//! The local devnet: a TRON-compatible node on loopback with its state in SQLite, for
//! `bidswarm-cli devnet`, the app's "Local test network" and the tests. The product's
//! TRON client (`bidswarm-tron`) knows nothing of it beyond its address and BTT contract.
//!
//! It serves the endpoints [`bidswarm_tron::Client`] calls, in the node's shapes, so the
//! client runs against it unchanged:
//!
//! | endpoint | what |
//! |---|---|
//! | `/wallet/getnowblock`, `/wallet/getblockbynum`, `/wallet/getblock` | blocks, with their transactions |
//! | `/wallet/getaccount` | TRX balance; `{}` for an address with no account |
//! | `/wallet/getaccountresource` | free bandwidth used and its limit, network totals |
//! | `/wallet/getchainparameters` | the fee parameters it charges by ([`MAINNET_FEES`]) |
//! | `/wallet/triggerconstantcontract`, `/wallet/estimateenergy` | `balanceOf`, `decimals`, and a `transfer`'s energy, of the devnet BTT |
//! | `/wallet/broadcasttransaction`, `/wallet/broadcasthex` | verify, charge, apply |
//! | `/wallet/gettransactionbyid` | the transaction (memo in `raw_data.data`), once in a block |
//! | `/wallet/gettransactioninfobyid` | the receipt (`fee`, `receipt.net_fee`/`net_usage`/`energy_fee`/`energy_usage_total`), once in a block |
//! | `/v1/accounts/{addr}/transactions[/trc20]` | TronGrid's history, newest first; the TRC-20 one without memo, as TronGrid |
//! | `POST /devnet/faucet` | `{address, trx_sun, btt}` credits an account (BTT as a decimal string) |
//! | `GET /devnet/info` | BTT contract, block interval, head (for people; no fee path uses it) |
//!
//! **BTT.** The devnet has one TRC-20 contract, BTT at [`bidswarm_tron::devnet_btt_contract`]
//! (`41` + ASCII `bidswarm devnet  BTT`), which runs `transfer(address,uint256)` only.
//!
//! **Checks on broadcast**, in order: `raw_data_hex` decodes and `raw_data` is the same
//! transaction; `txID` = sha256(raw_data); exactly one signature, recovering the owner
//! (`SIGERROR`); not seen before (`DUP_TRANSACTION_ERROR`); `ref_block_bytes`/
//! `ref_block_hash` name one of the last [`TAPOS_WINDOW`] blocks (`TAPOS_ERROR`);
//! expiration after the devnet's clock and at most 24 h ahead
//! (`TRANSACTION_EXPIRATION_ERROR`); then the contract's rules and balances
//! (`CONTRACT_VALIDATE_ERROR`). A refusal answers `{"result": false, "code", "txid",
//! "message": hex of the text}`.
//!
//! **Fees follow mainnet's rules** (numbers from `/wallet/getchainparameters`, which the
//! devnet answers with the values below; see [`MAINNET_FEES`]), charged in java-tron's order:
//!
//! 1. Bandwidth: the signed transaction's protobuf size plus 64 bytes for its result
//!    (java-tron's `MAX_RESULT_SIZE_IN_TX`). The account's free bandwidth (600 a day,
//!    recovering linearly over 24 h) pays it when it covers the whole transaction;
//!    otherwise 1000 sun a byte is burnt. A TRX transfer to an account that does not
//!    exist yet pays no bandwidth but the account-creation fee (0.1 TRX) instead, plus
//!    1 TRX to create the account. A balance that cannot pay is `BANDWITH_ERROR`.
//! 2. Memo: 1 TRX when `raw_data.data` is not empty.
//! 3. Energy, for a BTT transfer: [`TRC20_ENERGY_TO_HOLDER`] when the recipient already
//!    holds BTT, [`TRC20_ENERGY_TO_NEW_HOLDER`] when it holds none (a storage slot goes
//!    from zero to non-zero), at 100 sun each; `fee_limit` must cover it.
//!
//! Where mainnet would put a failing call in a block and still burn its fee (a revert for
//! too little BTT, out of energy), the devnet refuses it at broadcast and burns nothing.
//! There is no staking: staked bandwidth and energy are always 0.
//!
//! **Blocks.** One every `block_interval` (default 1 s), sealing the transactions
//! accepted since the last. Balances change when a transaction is accepted; its receipt
//! and history entry appear once it is in a block.

mod chain;
mod http;

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use bidswarm_primitives::Clock;
use bidswarm_wallet::Address;
use tokio::{sync::watch, task::JoinHandle};
use tracing::Instrument;
use url::Url;

use bidswarm_tron::{devnet_btt_contract, Network};
use chain::Chain;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why the devnet could not start or serve.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("the devnet listens on loopback only, not on {0}")]
    NotLoopback(SocketAddr),
    #[error("could not listen on {addr}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("devnet database")]
    Database(#[from] sqlx::Error),
    /// What the devnet stored cannot be read back.
    #[error("devnet state: {0}")]
    State(String),
    #[error(transparent)]
    Wallet(#[from] bidswarm_wallet::Error),
}

/// The fee rules the devnet charges by, as `/wallet/getchainparameters` reports them:
/// mainnet's ([`bidswarm_tron::fee::MAINNET_FEES`]).
pub use bidswarm_tron::fee::MAINNET_FEES;

/// Energy of BTT's `transfer` to an address that already holds BTT (about what a
/// TRC-20 `transfer` costs on mainnet: one storage slot changed from non-zero).
pub const TRC20_ENERGY_TO_HOLDER: u64 = 14_650;
/// Energy of BTT's `transfer` to an address that holds none: the recipient's balance
/// slot goes from zero to non-zero, which costs 15 000 more (an `SSTORE` of a new slot).
pub const TRC20_ENERGY_TO_NEW_HOLDER: u64 = 29_650;
/// How long used free bandwidth takes to recover in full (java-tron's 24 h window).
pub const BANDWIDTH_WINDOW_MS: i64 = 24 * 60 * 60 * 1000;
/// How far ahead an expiration may be (TRON's 24 h).
pub const MAX_EXPIRATION_AHEAD_MS: i64 = 24 * 60 * 60 * 1000;
/// How many recent blocks a transaction may reference (TRON's 65 536).
pub const TAPOS_WINDOW: u64 = 65_536;
/// The default time between blocks.
pub const DEFAULT_BLOCK_INTERVAL: Duration = Duration::from_secs(1);

/// The address shown as every block's producer: `41` + ASCII `bidswarm devnet node`.
pub fn devnet_witness() -> Address {
    Address::from_evm_bytes(*b"bidswarm devnet node")
}

/// How to run a devnet.
#[derive(Debug, Clone)]
pub struct DevnetConfig {
    /// A loopback address; port 0 picks a free one.
    pub listen: SocketAddr,
    pub block_interval: Duration,
    /// The SQLite file for the state; `None` keeps it in memory, gone at shutdown.
    pub db: Option<PathBuf>,
    /// The devnet's time: block timestamps, expiration checks, bandwidth recovery. The
    /// system's by default; a test sets its own to play a node whose clock differs from
    /// ours, as a real node's does when our machine's clock is wrong.
    pub clock: Clock,
}

impl Default for DevnetConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            block_interval: DEFAULT_BLOCK_INTERVAL,
            db: None,
            clock: Clock::system(),
        }
    }
}

/// A running devnet. Dropping it stops it at once; [`Devnet::shutdown`] stops it cleanly
/// and closes the database.
#[derive(Debug)]
pub struct Devnet {
    addr: SocketAddr,
    chain: Arc<Chain>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Devnet {
    /// Opens the state, binds `config.listen` (loopback only) and starts serving and
    /// producing blocks. Returns once the socket is bound, so the URL is usable at once.
    pub async fn start(config: DevnetConfig) -> Result<Self> {
        if !config.listen.ip().is_loopback() {
            return Err(Error::NotLoopback(config.listen));
        }
        let block_interval = config.block_interval.max(Duration::from_millis(10));
        let chain =
            Arc::new(Chain::open(config.db.as_deref(), devnet_btt_contract(), config.clock.unix_ms()).await?);
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| Error::Listen { addr: config.listen, source })?;
        let addr = listener.local_addr().map_err(|source| Error::Listen { addr: config.listen, source })?;
        let (stop, stopped) = watch::channel(false);
        let span = tracing::info_span!("devnet", %addr);

        let app = http::router(chain.clone(), block_interval, config.clock.clone());
        let mut server_stop = stopped.clone();
        let server = spawn(span.clone(), "devnet http", async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = server_stop.wait_for(|s| *s).await;
                })
                .await
                .map_err(|e| format!("the HTTP server stopped: {e}"))
        });

        let (producer_chain, clock) = (chain.clone(), config.clock.clone());
        let mut producer_stop = stopped;
        let producer = spawn(span, "devnet blocks", async move {
            let mut ticks = tokio::time::interval(block_interval);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks.tick().await;
            loop {
                tokio::select! {
                    _ = ticks.tick() => {}
                    _ = producer_stop.wait_for(|s| *s) => return Ok(()),
                }
                let block = producer_chain
                    .produce_block(clock.unix_ms())
                    .await
                    .map_err(|e| format!("cannot make a block: {e}"))?;
                tracing::trace!(number = block.number, "block");
            }
        });
        tracing::info!(%addr, ?block_interval, db = ?config.db, "devnet started");
        Ok(Self { addr, chain, stop, tasks: vec![server, producer] })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> Url {
        Url::parse(&format!("http://{}", self.addr)).expect("a socket address makes a valid URL")
    }

    /// The network to give [`bidswarm_tron::Client::new`].
    pub fn network(&self) -> Network {
        Network::Local(self.url())
    }

    /// Stops serving and producing blocks, waits for both, and closes the database so
    /// everything accepted is on disk.
    pub async fn shutdown(mut self) -> Result<()> {
        let _ = self.stop.send(true);
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
        self.chain.close().await;
        Ok(())
    }
}

impl Drop for Devnet {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Spawns a long-lived task inside `span`; its error is logged once, here.
fn spawn(
    span: tracing::Span,
    name: &'static str,
    fut: impl std::future::Future<Output = Result<(), String>> + Send + 'static,
) -> JoinHandle<()> {
    tokio::spawn(
        async move {
            match fut.await {
                Ok(()) => tracing::debug!(task = name, "task finished"),
                Err(e) => tracing::error!(task = name, "task failed: {e}"),
            }
        }
        .instrument(span),
    )
}
