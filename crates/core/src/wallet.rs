//! The wallet service: the user's TRON wallet as the core holds it, behind the wallet
//! requests of the API.
//!
//! ## States
//!
//! ```text
//! Unknown --first wallet request: look in the file, then the OS keyring--> Missing | Locked
//! Missing --create / import--> Unlocked
//! Locked  --unlock(password)--> Unlocked
//! Unlocked --lock, or idle for the auto-lock time (timer)--> Locked
//! ```
//!
//! The sealed secret lives in `<config>/wallet.keystore` or in the OS keyring
//! (`bidswarm-wallet`'s keystore); Argon2id and BIP-39 run on `spawn_blocking`. While
//! unlocked, the key is held in a [`SessionKey`] for wallet actions, and bid-for-speed
//! gets its own [`SessionKey`] as its signer (`SpeedService::set_identity`).
//!
//! **Locking and bid for speed** (docs/PROTOCOL.md §6): the idle timer locks the wallet
//! (sending, revealing and changing need the password again) but leaves bid for speed its
//! key, so money the user agreed to keeps moving: vouchers within the budgets and the
//! spending cap, and settlements of what they promised, which is all the speed layer signs.
//! `WalletStatus::speed_signing` says so. Locking by the user revokes both keys in place,
//! so a copy of the identity that the speed layer still holds stops signing at once.
//!
//! "Idle" means no wallet action by the user (unlock, quote, send, reveal, change
//! password); reading the status, balances or history does not keep a wallet unlocked,
//! since a UI polls those.
//!
//! ## The node
//!
//! The TRON client is built from `settings.network` and rebuilt when it changes. Node
//! calls run with the client's own timeouts and no lock held, so a slow or unreachable
//! node never holds up other requests; unreachable is reported as `online: false` (or
//! `Offline` for a send), never as a hang. On-chain balances are cached for a few seconds.
//!
//! ## Secrets
//!
//! No password, word or key byte is logged or put in an error; errors about a recovery
//! phrase name the word's position. The recovery phrase leaves only through
//! [`WalletService::reveal_mnemonic`], behind the password.
//!
//! ## Password guessing
//!
//! Every request that checks the password (unlock, change password, reveal) waits for its
//! turn at the [`PasswordGate`]: one Argon2id run at a time, and after three wrong
//! passwords in a row a wait of 1 s, doubling to at most 60 s, during which every
//! password request is refused unchecked (`TooManyAttempts`). The count is in memory.
//!
//! Lock order: the password gate's turn (async, held through one check's key derivation)
//! before `ops` (async, held across key derivation only) before `slot`; `slot`, `node`,
//! `quotes` and `cache` are std mutexes held for a few statements and never across an
//! `.await`.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    str::FromStr,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex, MutexGuard, RwLock, Weak,
    },
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use bidswarm_api::{
    ApiError, ApiErrorKind, Response, Secret, SecretStoreKind, SendQuote, TransferDirection, TronNetwork,
    WalletAsset, WalletBalances, WalletState, WalletStatus, WalletTransfer,
};
use bidswarm_ledger::Ledger;
use bidswarm_tron::{Asset, Client, Network};
use bidswarm_wallet::{
    keystore::preferred_store,
    tx::{trc20_transfer, trx_transfer, TxHeader},
    Address, FileStore, KdfParams, LockedWallet, Mnemonic, PrivateKey, SecretStore, Signature, Signer,
    WalletSecret, WordCount,
};
use tracing::{debug, info, warn};
use zeroize::Zeroizing;

use crate::{
    api_error,
    speed::{SpeedIdentity, SpeedService},
};

/// How long an unlocked wallet may sit unused before it locks itself.
const AUTO_LOCK_AFTER: Duration = Duration::from_secs(15 * 60);
/// Overrides [`AUTO_LOCK_AFTER`] in seconds (tests shorten it).
pub(crate) const AUTO_LOCK_ENV: &str = "BIDSWARM_WALLET_AUTO_LOCK_SECS";
/// How many sends whose fee is not known yet one settlement round looks at.
const SENDS_FOLLOWED_PER_ROUND: u32 = 8;

/// A quote must be confirmed within this; fees and balances move.
const QUOTE_VALID_FOR: Duration = Duration::from_secs(60);
/// How long on-chain balances are reused before the node is asked again.
const BALANCES_FRESH_FOR: Duration = Duration::from_secs(5);
/// A signed transfer's expiration, after its creation.
const TX_VALID_FOR_MS: i64 = 60_000;
/// How long the first look for a wallet in the OS keyring may take (a D-Bus activation
/// that never answers must not hold up the wallet for good).
const KEYRING_LOOKUP_TIMEOUT: Duration = Duration::from_secs(10);
/// Wrong passwords in a row that cost nothing but their own key derivation: a typo, caps
/// lock, the other keyboard layout.
const FREE_WRONG_PASSWORDS: u32 = 3;
/// The wait after the first wrong password beyond the free ones; each further one doubles it.
const FIRST_PASSWORD_DELAY: Duration = Duration::from_secs(1);
/// The longest wait, so that someone else's guesses never shut the owner out for longer.
const MAX_PASSWORD_DELAY: Duration = Duration::from_secs(60);
/// Password checks that may wait behind the running one; more are refused at once.
const MAX_QUEUED_PASSWORD_CHECKS: usize = 8;
const KEYSTORE_FILE: &str = "wallet.keystore";
const KEYRING_SERVICE: &str = "bidswarm";
const HISTORY_LIMIT: u32 = 50;

type ApiResult<T> = Result<T, ApiError>;

/// The unlocked key, shared with the speed layer as its signer. [`SessionKey::revoke`]
/// drops the key (it zeroizes); from then on every signature request fails.
struct SessionKey {
    key: RwLock<Option<PrivateKey>>,
    address: Address,
}

impl SessionKey {
    fn new(key: PrivateKey) -> Arc<Self> {
        Arc::new(Self { address: key.address(), key: RwLock::new(Some(key)) })
    }

    fn revoke(&self) {
        *self.key.write().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// A second holder of the same key, revoked on its own (bid for speed's).
    fn duplicate(&self) -> Option<Arc<Self>> {
        let key = self.key.read().unwrap_or_else(|p| p.into_inner()).clone()?;
        Some(Self::new(key))
    }
}

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionKey").field("address", &self.address).finish_non_exhaustive()
    }
}

impl Signer for SessionKey {
    fn sign_prehash(&self, prehash: &[u8; 32]) -> bidswarm_wallet::Result<Signature> {
        match self.key.read().unwrap_or_else(|p| p.into_inner()).as_ref() {
            Some(key) => key.sign_prehash(prehash),
            None => Err(bidswarm_wallet::Error::Keyring("the wallet is locked; unlock it to sign".into())),
        }
    }

    fn address(&self) -> bidswarm_wallet::Result<Address> {
        Ok(self.address)
    }
}

/// Slows down password guessing. The attacker: an API caller holding the token (a
/// script, a page that got the token) guessing the wallet password. Unchecked, each guess
/// costs us a 64 MiB Argon2id run and a core, and any number can run at once.
///
/// - **One at a time.** A check waits for its turn (tokio's mutex is fair: in the order
///   the requests came) and holds it until its key derivation ends. At most
///   [`MAX_QUEUED_PASSWORD_CHECKS`] wait; one more is refused at once.
/// - **A growing wait.** The first [`FREE_WRONG_PASSWORDS`] wrong passwords in a row cost
///   nothing more; the next one starts a wait of 1 s, and each further one doubles it, up
///   to 60 s (1, 2, 4, 8, 16, 32, 60, 60 … s). So a guesser gets 10 tries in the first
///   minute or so and then one a minute, about 1,440 a day, each an Argon2id run; the owner
///   who mistyped is never held up, and the cap means a guesser can keep the owner out for
///   a minute at most, never for good (a permanent lock would hand anyone with the token a
///   way to lock the owner out). Phones and password managers lock out in the same way.
/// - **Refused, not queued, during the wait.** A password request during the wait, right
///   or wrong, is answered at once with `TooManyAttempts` saying how many seconds are
///   left, without running Argon2id; checks already waiting for their turn are refused
///   when it comes. Refusals do not count as wrong passwords, and do not lengthen the
///   wait. A right password resets the count.
/// - **In memory, per wallet.** A restart forgets the count. The API caller cannot restart
///   Bidswarm; whoever can (the desktop user, a shell on the machine) can also copy the
///   sealed wallet and guess offline, where no count applies, so keeping the count on disk
///   would stop no one and only let a guesser keep the owner out across restarts.
struct PasswordGate {
    /// Held through one check's key derivation (moved into the blocking task, so a
    /// dropped request does not free it while its Argon2id run goes on).
    turn: Arc<tokio::sync::Mutex<()>>,
    /// Checks waiting for `turn`.
    queued: AtomicUsize,
    wrong: Mutex<WrongPasswords>,
}

#[derive(Debug, Default)]
struct WrongPasswords {
    /// Wrong passwords since the last right one.
    in_a_row: u32,
    /// Until then every check is refused unchecked.
    refuse_until: Option<tokio::time::Instant>,
}

/// The wait after `in_a_row` wrong passwords: none for the free ones, then
/// [`FIRST_PASSWORD_DELAY`] doubling up to [`MAX_PASSWORD_DELAY`].
fn password_delay(in_a_row: u32) -> Option<Duration> {
    let beyond_free = in_a_row.checked_sub(FREE_WRONG_PASSWORDS + 1)?;
    Some(FIRST_PASSWORD_DELAY.saturating_mul(1 << beyond_free.min(16)).min(MAX_PASSWORD_DELAY))
}

/// One check's turn at the [`PasswordGate`].
struct PasswordTurn {
    _turn: tokio::sync::OwnedMutexGuard<()>,
    gate: Arc<PasswordGate>,
}

/// Takes a check out of [`PasswordGate::queued`] when it gets its turn or its request is
/// dropped.
struct Queued<'a>(&'a AtomicUsize);

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn too_many_attempts(message: String) -> ApiError {
    api_error(
        ApiErrorKind::TooManyAttempts,
        format!("{message}; this try was not checked and nothing was changed"),
    )
}

impl PasswordGate {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            turn: Arc::new(tokio::sync::Mutex::new(())),
            queued: AtomicUsize::new(0),
            wrong: Mutex::new(WrongPasswords::default()),
        })
    }

    /// Waits for a check's turn. Refused at once during a wait, or when too many checks
    /// are waiting already; refused when the turn comes if a wait began meanwhile.
    async fn turn(self: &Arc<Self>) -> ApiResult<PasswordTurn> {
        self.refuse_while_waiting()?;
        let ahead = self.queued.fetch_add(1, Ordering::SeqCst);
        let queued = Queued(&self.queued);
        if ahead >= MAX_QUEUED_PASSWORD_CHECKS {
            return Err(too_many_attempts(format!(
                "{MAX_QUEUED_PASSWORD_CHECKS} password checks are already waiting for this wallet; \
                 try again in a few seconds"
            )));
        }
        let turn = self.turn.clone().lock_owned().await;
        drop(queued);
        self.refuse_while_waiting()?;
        Ok(PasswordTurn { _turn: turn, gate: self.clone() })
    }

    fn refuse_while_waiting(&self) -> ApiResult<()> {
        let wrong = lock(&self.wrong);
        let left =
            wrong.refuse_until.map(|until| until.saturating_duration_since(tokio::time::Instant::now()));
        match left {
            Some(left) if !left.is_zero() => Err(too_many_attempts(format!(
                "{} wrong passwords in a row; wait {} s before the next try",
                wrong.in_a_row,
                left.as_millis().div_ceil(1000)
            ))),
            _ => Ok(()),
        }
    }

    /// Counts a check's verdict: a right password resets the count, a wrong one may
    /// start a wait. Anything else (a disk error while resealing) is no verdict.
    fn count<T>(&self, result: &bidswarm_wallet::Result<T>) {
        let mut wrong = lock(&self.wrong);
        match result {
            Ok(_) => *wrong = WrongPasswords::default(),
            Err(bidswarm_wallet::Error::WrongPassword) => {
                wrong.in_a_row = wrong.in_a_row.saturating_add(1);
                let delay = password_delay(wrong.in_a_row);
                wrong.refuse_until = delay.map(|d| tokio::time::Instant::now() + d);
                if let Some(delay) = delay {
                    warn!(
                        in_a_row = wrong.in_a_row,
                        wait_secs = delay.as_secs(),
                        "wrong wallet password; password checks are refused for a while"
                    );
                }
            }
            Err(_) => {}
        }
    }
}

impl PasswordTurn {
    /// Runs `check`, the key derivation that checks the password, on `spawn_blocking`
    /// and counts its verdict. The turn ends, and the verdict is counted, when the
    /// derivation does, also if the request was dropped meanwhile: so no guess goes
    /// uncounted and no second Argon2id run starts beside it.
    async fn derive<T: Send + 'static>(
        self,
        check: impl FnOnce() -> bidswarm_wallet::Result<T> + Send + 'static,
    ) -> ApiResult<T> {
        tokio::task::spawn_blocking(move || {
            let result = check();
            self.gate.count(&result);
            result
        })
        .await
        .map_err(join_error)?
        .map_err(wallet_error)
    }
}

enum Slot {
    /// Not looked for yet.
    Unknown,
    Missing,
    Locked(LockedWallet),
    Unlocked {
        locked: LockedWallet,
        key: Arc<SessionKey>,
        last_used: Instant,
    },
}

impl Slot {
    fn locked(&self) -> Option<&LockedWallet> {
        match self {
            Slot::Locked(locked) | Slot::Unlocked { locked, .. } => Some(locked),
            Slot::Unknown | Slot::Missing => None,
        }
    }
}

/// A priced transfer waiting for `send`.
#[derive(Debug, Clone)]
struct Quote {
    from: Address,
    to: Address,
    asset: WalletAsset,
    amount: u128,
    fee_limit_sun: u64,
    network: Network,
    made: Instant,
}

/// What the node said about an address, a moment ago.
#[derive(Debug, Clone)]
struct OnChain {
    at: Instant,
    address: Address,
    network: Network,
    trx_sun: Result<u64, String>,
    btt: Option<u128>,
}

pub(crate) struct WalletService {
    inner: Arc<Inner>,
    timer: tokio::task::JoinHandle<()>,
}

struct Inner {
    /// `None` when the session keeps no files: then there is no wallet either.
    keystore_file: Option<PathBuf>,
    /// The keyring entry's user: one per config folder, so profiles do not share a wallet.
    keyring_user: String,
    speed: Arc<SpeedService>,
    ledger: Option<Arc<Ledger>>,
    auto_lock_after: Duration,
    kdf: KdfParams,
    /// Serializes what changes the sealed wallet (create, import, unlock, password).
    ops: tokio::sync::Mutex<()>,
    /// Every password check goes through it (unlock, change password, reveal).
    passwords: Arc<PasswordGate>,
    slot: Mutex<Slot>,
    /// Bid for speed's key: kept through the idle lock, revoked by the user's lock.
    speed_key: Mutex<Option<Arc<SessionKey>>>,
    store_note: Mutex<Option<String>>,
    network_setting: Mutex<TronNetwork>,
    node: Mutex<Client>,
    quotes: Mutex<HashMap<String, Quote>>,
    cache: Mutex<Option<OnChain>>,
    /// The last BTT balance given to the ledger, so it is told only of changes.
    observed_btt: Mutex<Option<(Address, u128)>>,
}

impl std::fmt::Debug for WalletService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WalletService")
            .field("keystore_file", &self.inner.keystore_file)
            .finish_non_exhaustive()
    }
}

impl Drop for WalletService {
    fn drop(&mut self) {
        self.timer.abort();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The TRON client for a network setting. A URL that is not one is refused here, before
/// the setting is saved.
pub(crate) fn node_for(setting: &TronNetwork) -> ApiResult<Client> {
    let url = |url: &str| {
        url.parse().map_err(|e| {
            api_error(ApiErrorKind::BadRequest, format!("the TRON node URL {url:?} is not a URL: {e}"))
        })
    };
    let (network, api_key) = match setting {
        TronNetwork::Mainnet => (Network::Mainnet, None),
        TronNetwork::Nile => (Network::Nile, None),
        TronNetwork::Shasta => (Network::Shasta, None),
        TronNetwork::Custom { url: u, api_key } => (Network::Custom(url(u)?), api_key.clone()),
        TronNetwork::Local { url: u } => (Network::Local(url(u)?), None),
    };
    let client = Client::new(network)
        .map_err(|e| api_error(ApiErrorKind::BadRequest, format!("cannot use that TRON node: {e}")))?;
    Ok(match api_key {
        Some(key) => client.with_api_key(key),
        None => client,
    })
}

/// The network as bt_speed names it in its handshake (docs/PROTOCOL.md §4). A custom
/// node is a mainnet node; a devnet is named by its port, so two devnets on one machine
/// are told apart. The CLI and the wallet service must agree, or they never bid to each
/// other.
pub fn speed_network_name(network: &Network) -> String {
    match network {
        Network::Mainnet | Network::Custom(_) => "mainnet".into(),
        Network::Local(url) => format!("devnet:{}", url.port_or_known_default().unwrap_or(0)),
        other => other.name().into(),
    }
}

fn now_unix_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

fn now_unix_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

fn wallet_error(e: bidswarm_wallet::Error) -> ApiError {
    use bidswarm_wallet::Error as E;
    match e {
        E::WrongPassword => api_error(
            ApiErrorKind::WrongPassword,
            "that password does not unlock this wallet; nothing was changed",
        ),
        E::NoWallet => no_wallet(),
        E::Address(e) => api_error(ApiErrorKind::InvalidAddress, format!("not a TRON address: {e}")),
        e @ (E::MnemonicWordCount(_)
        | E::MnemonicUnknownWord(_)
        | E::MnemonicChecksum
        | E::MnemonicInvalid
        | E::InvalidPrivateKey
        | E::NoMnemonic
        | E::WalletExists
        | E::AmountTooLarge(_)) => api_error(ApiErrorKind::BadRequest, e.to_string()),
        e @ E::Io { .. } => api_error(ApiErrorKind::Io, error_chain(&e)),
        e => api_error(ApiErrorKind::Internal, format!("wallet: {e}")),
    }
}

/// `e` and its sources, for errors whose cause is the useful part (an I/O error).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn no_wallet() -> ApiError {
    api_error(ApiErrorKind::NoWallet, "there is no wallet yet; create one or import a recovery phrase or key")
}

fn locked_error(what: &str) -> ApiError {
    api_error(
        ApiErrorKind::WalletLocked,
        format!("the wallet is locked; unlock it with its password to {what}"),
    )
}

fn node_error(e: bidswarm_tron::Error, nothing_sent: bool) -> ApiError {
    let suffix = if nothing_sent { "; nothing was sent" } else { "" };
    if e.is_offline() {
        return api_error(ApiErrorKind::Offline, format!("{e}{suffix}"));
    }
    let kind = if e.is_shortfall() { ApiErrorKind::InsufficientFunds } else { ApiErrorKind::NodeRejected };
    match e {
        bidswarm_tron::Error::Rejected { code, message } => {
            api_error(kind, format!("the node refused the transfer ({code}): {message}{suffix}"))
        }
        e => api_error(ApiErrorKind::Unreachable, format!("{e}{suffix}")),
    }
}

fn join_error(e: tokio::task::JoinError) -> ApiError {
    api_error(ApiErrorKind::Internal, format!("the wallet's key derivation did not finish: {e}"))
}

fn parse_amount(text: &str, asset: WalletAsset) -> ApiResult<u128> {
    let unit = match asset {
        WalletAsset::Trx => "sun (10^-6 TRX)",
        WalletAsset::Btt => "BTT base units (10^-18 BTT)",
    };
    let amount = text.parse::<u128>().ok().filter(|a| *a > 0).ok_or_else(|| {
        api_error(
            ApiErrorKind::BadRequest,
            format!("the amount must be a whole number of {unit} above zero, not {text:?}"),
        )
    })?;
    if amount > i64::MAX as u128 && asset == WalletAsset::Trx {
        return Err(api_error(
            ApiErrorKind::BadRequest,
            "that amount is larger than any TRX transfer can be",
        ));
    }
    Ok(amount)
}

impl WalletService {
    /// The service for the wallet in `config_dir` (none: no wallet can be kept), on the
    /// network of `network`. Spawns the auto-lock timer; nothing is read yet.
    pub(crate) fn new(
        config_dir: Option<&Path>,
        network: &TronNetwork,
        speed: Arc<SpeedService>,
        ledger: Option<Arc<Ledger>>,
    ) -> Self {
        Self::with_kdf(config_dir, network, speed, ledger, KdfParams::default())
    }

    /// [`Self::new`], sealing new wallets with `kdf` (tests use cheap parameters).
    fn with_kdf(
        config_dir: Option<&Path>,
        network: &TronNetwork,
        speed: Arc<SpeedService>,
        ledger: Option<Arc<Ledger>>,
        kdf: KdfParams,
    ) -> Self {
        let auto_lock_after = std::env::var(AUTO_LOCK_ENV)
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .filter(|s| *s > 0)
            .map(Duration::from_secs)
            .unwrap_or(AUTO_LOCK_AFTER);
        let node = node_for(network).unwrap_or_else(|e| {
            // Settings are checked when saved; a hand-edited file must not keep Bidswarm
            // from starting.
            warn!("wallet network setting ignored, using mainnet: {}", e.message);
            Client::new(Network::Mainnet)
                .unwrap_or_else(|_| unreachable!("the mainnet preset is a valid URL"))
        });
        let inner = Arc::new(Inner {
            keystore_file: config_dir.map(|d| d.join(KEYSTORE_FILE)),
            keyring_user: format!(
                "wallet:{}",
                config_dir.map(|d| d.display().to_string()).unwrap_or_default()
            ),
            speed,
            ledger,
            auto_lock_after,
            kdf,
            ops: tokio::sync::Mutex::new(()),
            passwords: PasswordGate::new(),
            slot: Mutex::new(Slot::Unknown),
            speed_key: Mutex::new(None),
            store_note: Mutex::new(None),
            network_setting: Mutex::new(network.clone()),
            node: Mutex::new(node),
            quotes: Mutex::new(HashMap::new()),
            cache: Mutex::new(None),
            observed_btt: Mutex::new(None),
        });
        let timer = spawn_auto_lock(Arc::downgrade(&inner), auto_lock_after);
        Self { inner, timer }
    }

    /// The node of the current network setting, for settlement and balance checks.
    pub(crate) fn node(&self) -> Client {
        lock(&self.inner.node).clone()
    }

    /// Checks a network setting before it is saved: the node it names, when it differs
    /// from the current one. A URL that is not one is refused.
    pub(crate) fn check_network(&self, setting: &TronNetwork) -> ApiResult<Option<(TronNetwork, Client)>> {
        if *lock(&self.inner.network_setting) == *setting {
            return Ok(None);
        }
        Ok(Some((setting.clone(), node_for(setting)?)))
    }

    /// Switches to the node of a saved network setting (from [`Self::check_network`]):
    /// quotes and cached balances of the old network are dropped, and an unlocked
    /// wallet's identity moves to the new one.
    pub(crate) fn set_network(&self, change: Option<(TronNetwork, Client)>) {
        let Some((setting, client)) = change else { return };
        let inner = &self.inner;
        info!(network = %client.network(), "wallet network changed");
        *lock(&inner.network_setting) = setting;
        *lock(&inner.node) = client;
        lock(&inner.quotes).clear();
        *lock(&inner.cache) = None;
        inner.publish_identity();
    }

    pub(crate) async fn status(&self) -> ApiResult<Response> {
        self.inner.load().await?;
        Ok(Response::WalletStatus { status: self.inner.status() })
    }

    pub(crate) async fn create(
        &self,
        words: u8,
        password: Secret,
        passphrase: Option<Secret>,
        store: SecretStoreKind,
    ) -> ApiResult<Response> {
        let words = match words {
            12 => WordCount::Twelve,
            24 => WordCount::TwentyFour,
            n => {
                return Err(api_error(
                    ApiErrorKind::BadRequest,
                    format!("a new wallet has 12 or 24 words, not {n}"),
                ))
            }
        };
        let passphrase = Zeroizing::new(passphrase.map(|p| p.expose().to_owned()).unwrap_or_default());
        self.inner
            .add(password, store, move || {
                Ok(WalletSecret::Mnemonic { mnemonic: Mnemonic::generate(words)?, passphrase, index: 0 })
            })
            .await
    }

    pub(crate) async fn import(
        &self,
        mnemonic: Option<Secret>,
        private_key: Option<Secret>,
        passphrase: Option<Secret>,
        password: Secret,
        store: SecretStoreKind,
    ) -> ApiResult<Response> {
        let bad = |m: &str| Err(api_error(ApiErrorKind::BadRequest, m));
        match (mnemonic, private_key) {
            (Some(mnemonic), None) => {
                let passphrase =
                    Zeroizing::new(passphrase.map(|p| p.expose().to_owned()).unwrap_or_default());
                self.inner
                    .add(password, store, move || {
                        let mnemonic = Mnemonic::parse(mnemonic.expose())?;
                        Ok(WalletSecret::Mnemonic { mnemonic, passphrase, index: 0 })
                    })
                    .await
            }
            (None, Some(key)) => {
                if passphrase.is_some_and(|p| !p.expose().is_empty()) {
                    return bad(
                        "a passphrase goes with a recovery phrase, not with a private key; leave it empty",
                    );
                }
                self.inner
                    .add(password, store, move || {
                        Ok(WalletSecret::PrivateKey(PrivateKey::from_hex(key.expose())?))
                    })
                    .await
            }
            (Some(_), Some(_)) => bad("import either a recovery phrase or a private key, not both"),
            (None, None) => {
                bad("import needs a recovery phrase (12 or 24 words) or a private key (64 hex digits)")
            }
        }
    }

    pub(crate) async fn unlock(&self, password: Secret) -> ApiResult<Response> {
        let inner = &self.inner;
        inner.load().await?;
        let turn = inner.passwords.turn().await?;
        let _op = inner.ops.lock().await;
        let locked = lock(&inner.slot).locked().cloned().ok_or_else(no_wallet)?;
        let auto_lock_after = inner.auto_lock_after;
        let (key, locked) = turn
            .derive(move || {
                locked
                    .unlock(password.expose(), Instant::now(), auto_lock_after)
                    .map(|u| (SessionKey::new(u.signer().clone()), u.lock()))
            })
            .await?;
        info!(address = %key.address, "wallet unlocked");
        inner.set_unlocked(locked, key);
        Ok(Response::WalletStatus { status: inner.status() })
    }

    pub(crate) async fn lock_wallet(&self) -> ApiResult<Response> {
        let inner = &self.inner;
        inner.load().await?;
        if matches!(*lock(&inner.slot), Slot::Missing) {
            return Err(no_wallet());
        }
        inner.lock_now("locked by the user", false);
        Ok(Response::WalletStatus { status: inner.status() })
    }

    pub(crate) async fn change_password(&self, old: Secret, new: Secret) -> ApiResult<Response> {
        if new.expose().is_empty() {
            return Err(api_error(ApiErrorKind::BadRequest, "the new password is empty; choose one"));
        }
        let inner = &self.inner;
        inner.load().await?;
        let turn = inner.passwords.turn().await?;
        let _op = inner.ops.lock().await;
        let mut locked = lock(&inner.slot).locked().cloned().ok_or_else(no_wallet)?;
        let kdf = inner.kdf;
        let locked = turn
            .derive(move || locked.change_password(old.expose(), new.expose(), kdf).map(|()| locked))
            .await?;
        match &mut *lock(&inner.slot) {
            Slot::Locked(l) => *l = locked,
            Slot::Unlocked { locked: l, last_used, .. } => {
                *l = locked;
                *last_used = Instant::now();
            }
            Slot::Unknown | Slot::Missing => {}
        }
        info!("wallet password changed");
        Ok(Response::WalletStatus { status: inner.status() })
    }

    /// The recovery phrase, checked against `password`.
    ///
    /// # Security
    /// The answer is the whole wallet; it goes to the UI that asked and nowhere else.
    pub(crate) async fn reveal_mnemonic(&self, password: Secret) -> ApiResult<Response> {
        let inner = &self.inner;
        inner.load().await?;
        let turn = inner.passwords.turn().await?;
        let locked = lock(&inner.slot).locked().cloned().ok_or_else(no_wallet)?;
        let phrase = turn.derive(move || locked.reveal_mnemonic(password.expose())).await?;
        inner.touch();
        Ok(Response::Mnemonic { words: Secret::new(phrase.as_str()) })
    }

    pub(crate) async fn balances(&self) -> ApiResult<Response> {
        let inner = &self.inner;
        inner.load().await?;
        let address = inner.address().ok_or_else(no_wallet)?;
        let onchain = inner.onchain(address, false).await;
        if let Some(btt) = onchain.btt {
            inner.observe_btt(address, btt).await;
        }
        let summary = match &inner.ledger {
            Some(ledger) => ledger.summary().await.map_err(|e| {
                api_error(ApiErrorKind::Internal, format!("cannot read the ledger's balances: {e}"))
            })?,
            None => Default::default(),
        };
        let units = |a: bidswarm_ledger::Amount| a.base_units().to_string();
        Ok(Response::WalletBalances {
            balances: WalletBalances {
                address: address.to_base58(),
                network: onchain.network.name().into(),
                online: onchain.trx_sun.is_ok(),
                offline_reason: onchain.trx_sun.as_ref().err().cloned(),
                trx_sun: onchain.trx_sun.as_ref().ok().map(u64::to_string),
                btt_onchain: onchain.btt.map(|b| b.to_string()),
                spendable: units(summary.spendable),
                committed: units(summary.committed),
                earned_pending: units(summary.earned_pending),
                earned_settled: units(summary.earned_settled),
            },
        })
    }

    pub(crate) async fn quote(&self, to: String, asset: WalletAsset, amount: String) -> ApiResult<Response> {
        let inner = &self.inner;
        inner.load().await?;
        let from = inner.address().ok_or_else(no_wallet)?;
        // The input is not echoed: a pasted key in the wrong field must not come back.
        let to = Address::from_str(to.trim()).map_err(|e| {
            api_error(ApiErrorKind::InvalidAddress, format!("the recipient is not a TRON address: {e}"))
        })?;
        if to == from {
            return Err(api_error(
                ApiErrorKind::BadRequest,
                "that is this wallet's own address; send to another one",
            ));
        }
        let amount = parse_amount(&amount, asset)?;
        let client = inner.client();
        if asset == WalletAsset::Btt && client.btt_contract().is_none() {
            return Err(api_error(
                ApiErrorKind::BadRequest,
                format!(
                    "the {} network has no BTT; choose mainnet or the local test network",
                    client.network().name()
                ),
            ));
        }
        let onchain = inner.onchain(from, true).await;
        let trx = match &onchain.trx_sun {
            Ok(trx) => u128::from(*trx),
            Err(reason) => {
                return Err(api_error(
                    ApiErrorKind::Offline,
                    format!("{reason}; sending needs the network, nothing was sent"),
                ))
            }
        };
        // Before the fee: the node cannot run a transfer of BTT the wallet does not have,
        // so its energy could not be estimated.
        if asset == WalletAsset::Btt {
            let btt = onchain.btt.ok_or_else(|| {
                api_error(
                    ApiErrorKind::Offline,
                    "the node did not tell the BTT balance; try again in a moment",
                )
            })?;
            if btt < amount {
                return Err(api_error(
                    ApiErrorKind::InsufficientFunds,
                    format!("the wallet holds {btt} BTT base units, fewer than the {amount} to send; nothing was sent"),
                ));
            }
        }
        // From the node's own fee parameters, our free and staked bandwidth and energy,
        // whether the recipient exists (TRX) or holds BTT (the energy the call uses now):
        // mainnet's rules on every network (bidswarm_tron::fee).
        let fee_quote = match asset {
            WalletAsset::Trx => {
                let amount_sun = u64::try_from(amount)
                    .map_err(|_| wallet_error(bidswarm_wallet::Error::AmountTooLarge(amount)))?;
                client.quote_trx_transfer(&from, &to, amount_sun, None).await
            }
            WalletAsset::Btt => {
                let token = client
                    .btt_contract()
                    .ok_or_else(|| api_error(ApiErrorKind::BadRequest, "this network has no BTT"))?;
                client.quote_trc20_transfer(&token, &from, &to, amount, None).await
            }
        }
        .map_err(|e| node_error(e, true))?;
        let fee_estimate_sun = fee_quote.total_sun();
        let fee_limit_sun = match asset {
            WalletAsset::Trx => 0,
            WalletAsset::Btt => fee_quote.fee_limit_sun(),
        };
        // The node can charge differently than quoted (free bandwidth used meanwhile, a
        // recipient that emptied its balance), so no quote is exact.
        let fee_exact = false;
        let fee = u128::from(fee_estimate_sun);
        let (total_trx, total_btt) = match asset {
            WalletAsset::Trx => (amount + fee, 0),
            WalletAsset::Btt => (fee, amount),
        };
        if trx < total_trx {
            let what = match asset {
                WalletAsset::Trx => format!("the amount plus the fee of about {fee_estimate_sun} sun"),
                WalletAsset::Btt => format!("{fee_estimate_sun} sun of TRX for the network fee"),
            };
            return Err(api_error(
                ApiErrorKind::InsufficientFunds,
                format!("the wallet holds {trx} sun of TRX, and this transfer needs {total_trx} sun ({what}); nothing was sent"),
            ));
        }
        let quote_id = hex::encode(rand::random::<[u8; 16]>());
        let network = client.network().clone();
        let quote = SendQuote {
            quote_id: quote_id.clone(),
            network: network.name().into(),
            from: from.to_base58(),
            to: to.to_base58(),
            asset,
            amount: amount.to_string(),
            fee_estimate_sun: fee_estimate_sun.to_string(),
            fee_limit_sun: fee_limit_sun.to_string(),
            fee_exact,
            total_trx_sun: total_trx.to_string(),
            total_btt: total_btt.to_string(),
            expires_in_secs: QUOTE_VALID_FOR.as_secs(),
        };
        let mut quotes = lock(&inner.quotes);
        quotes.retain(|_, q| q.made.elapsed() < QUOTE_VALID_FOR);
        quotes.insert(
            quote_id,
            Quote { from, to, asset, amount, fee_limit_sun, network, made: Instant::now() },
        );
        drop(quotes);
        inner.touch();
        Ok(Response::SendQuote { quote })
    }

    pub(crate) async fn send(&self, quote_id: String) -> ApiResult<Response> {
        let inner = &self.inner;
        inner.load().await?;
        let quote = lock(&inner.quotes).remove(&quote_id).ok_or_else(|| {
            api_error(
                ApiErrorKind::BadRequest,
                "there is no such quote (it was used already, or never made); ask for a new one",
            )
        })?;
        if quote.made.elapsed() >= QUOTE_VALID_FOR {
            return Err(api_error(
                ApiErrorKind::BadRequest,
                "the quote expired (a quote holds for 60 seconds, as fees and balances change); ask for a new one",
            ));
        }
        let key = match &*lock(&inner.slot) {
            Slot::Unlocked { key, .. } if key.address == quote.from => Some(key.clone()),
            Slot::Unlocked { .. } => {
                return Err(api_error(
                    ApiErrorKind::BadRequest,
                    "the quote was made for another wallet; ask for a new one",
                ))
            }
            _ => None,
        };
        let Some(key) = key else {
            // Kept, so the user can unlock and confirm the same quote.
            lock(&inner.quotes).insert(quote_id, quote);
            return Err(locked_error("send (the quote is kept until it expires)"));
        };
        let client = inner.client();
        if *client.network() != quote.network {
            return Err(api_error(
                ApiErrorKind::BadRequest,
                "the network changed since the quote; ask for a new one",
            ));
        }
        let block = client.now_block().await.map_err(|e| node_error(e, true))?;
        let header = TxHeader::new(block.ref_block, now_unix_ms(), TX_VALID_FOR_MS);
        let unsigned = match quote.asset {
            WalletAsset::Trx => {
                let amount = u64::try_from(quote.amount)
                    .map_err(|_| wallet_error(bidswarm_wallet::Error::AmountTooLarge(quote.amount)))?;
                trx_transfer(&header, &quote.from, &quote.to, amount)
            }
            WalletAsset::Btt => {
                let token = client
                    .btt_contract()
                    .ok_or_else(|| api_error(ApiErrorKind::BadRequest, "this network has no BTT"))?;
                trc20_transfer(&header, &quote.from, &token, &quote.to, quote.amount, quote.fee_limit_sun)
            }
        }
        .map_err(wallet_error)?;
        let signed = unsigned.sign(key.as_ref()).map_err(|_| locked_error("send"))?;
        // The txid is the hash of what we signed, whatever the node answers. Noted before
        // the broadcast, so its fee is followed even when the answer is lost.
        let txid = signed.txid_hex();
        inner.record_send(&txid, &quote, header.expiration_ms).await;
        let answered = client.broadcast(&signed).await.map_err(|e| node_error(e, true))?;
        if answered != txid {
            warn!(%txid, %answered, "the node named the transfer by another txid; ours is its hash");
        }
        info!(%txid, asset = ?quote.asset, to = %quote.to, amount = %quote.amount, "transfer sent");
        *lock(&inner.cache) = None;
        inner.touch();
        if quote.asset == WalletAsset::Btt {
            inner.record_withdrawal(&txid, &quote).await;
        }
        Ok(Response::Sent { txid })
    }

    /// Reads the fee of up to [`SENDS_FOLLOWED_PER_ROUND`] sends not followed to their end,
    /// the least often asked about first: the node's `fee` once the transfer is in a block,
    /// 0 once it expired in none (by `settle::expired`'s rule). Needs no key; restarts pick
    /// up where they stopped.
    pub(crate) async fn follow_send_fees(&self) {
        let Some(ledger) = &self.inner.ledger else { return };
        // The wallet's own node, and only the sends made on its chain: a send on another
        // is not in this one's blocks, and must not be taken for expired.
        let node = self.inner.client();
        let network = speed_network_name(node.network());
        let sends = match ledger.sends_without_fee(&network, SENDS_FOLLOWED_PER_ROUND).await {
            Ok(sends) => sends,
            Err(e) => {
                warn!("cannot read the sends whose fee is not known: {e}");
                return;
            }
        };
        for send in sends {
            let fee = match send_fee(&node, &send).await {
                Ok(Some(fee)) => fee,
                Ok(None) => {
                    if let Err(e) = ledger.send_checked(&send.txid).await {
                        warn!(txid = %send.txid, "the ledger did not note a send's check: {e}");
                    }
                    continue;
                }
                Err(e) => {
                    debug!(txid = %send.txid, "cannot read a send's fee yet: {e}");
                    return;
                }
            };
            info!(txid = %send.txid, fee_sun = fee, "a send's fee is known");
            if let Err(e) = ledger.send_fee(&send.txid, fee).await {
                warn!(txid = %send.txid, "the ledger did not take a send's fee: {e}");
            }
        }
    }

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
    /// Looks for the wallet once: the file first (an existing file always wins), then the
    /// OS keyring.
    async fn load(&self) -> ApiResult<()> {
        if !matches!(*lock(&self.slot), Slot::Unknown) {
            return Ok(());
        }
        let _op = self.ops.lock().await;
        if !matches!(*lock(&self.slot), Slot::Unknown) {
            return Ok(());
        }
        let Some(file) = self.keystore_file.clone() else {
            *lock(&self.slot) = Slot::Missing;
            return Ok(());
        };
        let user = self.keyring_user.clone();
        let found = tokio::time::timeout(
            KEYRING_LOOKUP_TIMEOUT,
            tokio::task::spawn_blocking(move || find_wallet(&file, &user)),
        )
        .await;
        let found = match found {
            Ok(joined) => joined.map_err(join_error)?,
            Err(_) => {
                warn!("the OS keyring did not answer within {KEYRING_LOOKUP_TIMEOUT:?}; looking in the wallet file only");
                Ok(None)
            }
        };
        *lock(&self.slot) = match found {
            Ok(Some(wallet)) => {
                info!(address = %wallet.address(), store = %wallet.store().describe(), "wallet found, locked");
                Slot::Locked(wallet)
            }
            Ok(None) => Slot::Missing,
            // A damaged wallet file is not "no wallet": refuse to go on, so nothing
            // overwrites it, and say so.
            Err(e) => return Err(wallet_error(e)),
        };
        Ok(())
    }

    /// Creates or imports: seals the secret into the chosen store and unlocks it.
    async fn add(
        &self,
        password: Secret,
        store: SecretStoreKind,
        secret: impl FnOnce() -> bidswarm_wallet::Result<WalletSecret> + Send + 'static,
    ) -> ApiResult<Response> {
        if password.expose().is_empty() {
            return Err(api_error(
                ApiErrorKind::BadRequest,
                "choose a password: the wallet is sealed under it",
            ));
        }
        self.load().await?;
        let _op = self.ops.lock().await;
        let Some(file) = self.keystore_file.clone() else {
            return Err(api_error(
                ApiErrorKind::BadRequest,
                "this session keeps no files (no config folder), so it cannot keep a wallet",
            ));
        };
        if let Some(existing) = lock(&self.slot).locked() {
            return Err(api_error(
                ApiErrorKind::BadRequest,
                format!(
                    "there is already a wallet ({}); Bidswarm keeps one wallet, so nothing was changed",
                    existing.address()
                ),
            ));
        }
        let user = self.keyring_user.clone();
        let kdf = self.kdf;
        let (locked, key, note) = tokio::task::spawn_blocking(move || {
            let secret = secret()?;
            let key = secret.private_key()?;
            let (store, note): (Arc<dyn SecretStore>, Option<String>) = match store {
                SecretStoreKind::Keyring => preferred_store(&file, KEYRING_SERVICE, &user),
                SecretStoreKind::File => (Arc::new(FileStore::new(&file)), None),
            };
            let locked = LockedWallet::create(store, &secret, password.expose(), kdf)?;
            Ok((locked, SessionKey::new(key), note))
        })
        .await
        .map_err(join_error)?
        .map_err(wallet_error)?;
        if let Some(note) = &note {
            info!("wallet kept in a file, not the OS keyring: {note}");
        }
        info!(address = %locked.address(), store = %locked.store().describe(), "wallet added");
        *lock(&self.store_note) = note;
        self.set_unlocked(locked, key);
        Ok(Response::WalletStatus { status: self.status() })
    }

    fn status(&self) -> WalletStatus {
        let slot = lock(&self.slot);
        let (state, locks_in) = match &*slot {
            Slot::Unknown | Slot::Missing => (WalletState::None, None),
            Slot::Locked(_) => (WalletState::Locked, None),
            Slot::Unlocked { last_used, .. } => (
                WalletState::Unlocked,
                Some(self.auto_lock_after.saturating_sub(last_used.elapsed()).as_secs()),
            ),
        };
        let locked = slot.locked();
        WalletStatus {
            state,
            address: locked.map(|l| l.address().to_base58()),
            address_hex: locked.map(|l| l.address().to_hex()),
            store: locked.map(|l| l.store().describe()),
            store_note: lock(&self.store_note).clone(),
            network: lock(&self.node).network().name().into(),
            auto_lock_secs: self.auto_lock_after.as_secs(),
            locks_in_secs: locks_in,
            speed_signing: lock(&self.speed_key).is_some() && self.speed.identity().is_some(),
        }
    }

    fn address(&self) -> Option<Address> {
        lock(&self.slot).locked().map(LockedWallet::address)
    }

    fn client(&self) -> Client {
        lock(&self.node).clone()
    }

    /// Records a user action: the idle countdown starts again.
    fn touch(&self) {
        if let Slot::Unlocked { last_used, .. } = &mut *lock(&self.slot) {
            *last_used = Instant::now();
        }
    }

    fn set_unlocked(&self, locked: LockedWallet, key: Arc<SessionKey>) {
        let mut slot = lock(&self.slot);
        if let Slot::Unlocked { key: old, .. } = &*slot {
            old.revoke();
        }
        let speed_key = key.duplicate();
        *slot = Slot::Unlocked { locked, key, last_used: Instant::now() };
        drop(slot);
        if let Some(old) = std::mem::replace(&mut *lock(&self.speed_key), speed_key) {
            old.revoke();
        }
        self.publish_identity();
    }

    /// Locks the wallet. `keep_speed`: bid for speed keeps its key (the idle timer);
    /// otherwise it is revoked too (the user locked).
    fn lock_now(&self, why: &str, keep_speed: bool) {
        let mut slot = lock(&self.slot);
        if let Slot::Unlocked { locked, key, .. } = &*slot {
            key.revoke();
            info!(address = %locked.address(), keeps_bid_for_speed = keep_speed, "wallet locked: {why}");
            *slot = Slot::Locked(locked.clone());
        }
        drop(slot);
        // Also after the idle lock: the user's lock stops bid for speed signing.
        if !keep_speed {
            if let Some(speed_key) = lock(&self.speed_key).take() {
                speed_key.revoke();
            }
            self.speed.set_identity(None);
        }
    }

    fn lock_if_idle(&self) {
        let idle = matches!(&*lock(&self.slot), Slot::Unlocked { last_used, .. } if last_used.elapsed() >= self.auto_lock_after);
        if idle {
            self.lock_now(&format!("idle for {} s", self.auto_lock_after.as_secs()), true);
        }
    }

    /// Gives bid-for-speed its key, for the current network. A network without BTT
    /// (Nile, Shasta) has nothing to pay with, so speed gets no identity there.
    fn publish_identity(&self) {
        let Some(key) = lock(&self.speed_key).clone() else { return };
        let client = self.client();
        let identity = client.btt_contract().map(|token| SpeedIdentity {
            address: key.address,
            signer: key,
            network: speed_network_name(client.network()),
            token,
        });
        if identity.is_none() {
            info!(network = %client.network(), "no BTT on this network: bid-for-speed cannot pay or be paid");
        }
        self.speed.set_identity(identity);
    }

    /// On-chain balances, from the cache when fresh (unless `fresh`). Never fails: an
    /// unreachable node is in `trx_sun`'s error.
    async fn onchain(&self, address: Address, fresh: bool) -> OnChain {
        let client = self.client();
        if !fresh {
            if let Some(hit) = lock(&self.cache).as_ref().filter(|c| {
                c.address == address && c.network == *client.network() && c.at.elapsed() < BALANCES_FRESH_FOR
            }) {
                return hit.clone();
            }
        }
        let (trx, btt) = tokio::join!(client.trx_balance_sun(&address), async {
            if client.btt_contract().is_some() {
                client.btt_balance(&address).await.map(Some)
            } else {
                Ok(None)
            }
        });
        let trx_sun = trx.map_err(|e| e.to_string());
        let btt = match btt {
            Ok(b) => b,
            Err(e) => {
                if trx_sun.is_ok() {
                    warn!("BTT balance unknown: {e}");
                }
                None
            }
        };
        if let Err(reason) = &trx_sun {
            info!("wallet offline: {reason}");
        }
        let onchain =
            OnChain { at: Instant::now(), address, network: client.network().clone(), trx_sun, btt };
        *lock(&self.cache) = Some(onchain.clone());
        onchain
    }

    /// Tells the ledger what the chain holds, when it changed, so its spendable figure
    /// starts from the chain.
    async fn observe_btt(&self, address: Address, btt: u128) {
        let Some(ledger) = &self.ledger else { return };
        if *lock(&self.observed_btt) == Some((address, btt)) {
            return;
        }
        let at = now_unix_secs();
        let result = async {
            ledger.add_account(address, "wallet", at).await?;
            ledger.observe_onchain_balance(address, bidswarm_ledger::Amount::from_base_units(btt), at).await
        }
        .await;
        match result {
            Ok(()) => *lock(&self.observed_btt) = Some((address, btt)),
            Err(e) => warn!("the ledger did not take the on-chain BTT balance: {e}"),
        }
    }

    /// Notes a send as signed, so [`WalletService::follow_send_fees`] reads its fee.
    async fn record_send(&self, txid: &str, quote: &Quote, expiration_ms: i64) {
        let Some(ledger) = &self.ledger else { return };
        let at = now_unix_secs();
        let send = bidswarm_ledger::Send {
            txid: txid.to_owned(),
            account: quote.from,
            to: quote.to,
            asset: match quote.asset {
                WalletAsset::Trx => bidswarm_ledger::SendAsset::Trx,
                WalletAsset::Btt => bidswarm_ledger::SendAsset::Btt,
            },
            network: speed_network_name(&quote.network),
            expiration_ms,
            at,
        };
        let result = async {
            ledger.add_account(quote.from, "wallet", at).await?;
            ledger.send_signed(&send).await
        }
        .await;
        if let Err(e) = result {
            warn!(%txid, "the ledger did not note the send, so its fee will not be shown: {e}");
        }
    }

    async fn record_withdrawal(&self, txid: &str, quote: &Quote) {
        let Some(ledger) = &self.ledger else { return };
        let at = now_unix_secs();
        let wtx = bidswarm_ledger::WalletTx {
            txid: txid.to_owned(),
            account: quote.from,
            kind: bidswarm_ledger::WalletTxKind::Withdrawal,
            counterparty: Some(quote.to),
            amount: bidswarm_ledger::Amount::from_base_units(quote.amount),
            at,
        };
        let result = async {
            ledger.add_account(quote.from, "wallet", at).await?;
            ledger.record_wallet_tx(&wtx).await.map(|_| ())
        }
        .await;
        if let Err(e) = result {
            warn!(%txid, "the ledger did not record the transfer: {e}");
        }
    }

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

/// What the chain burnt for `send`: its receipt's `fee` once it is in a block, 0 once it
/// expired in none, `None` while it may still land.
async fn send_fee(node: &Client, send: &bidswarm_ledger::Send) -> anyhow::Result<Option<u64>> {
    if let Some(info) = node.transaction_info(&send.txid).await? {
        return Ok(Some(info.fee_sun));
    }
    if !crate::settle::expired(node, send.expiration_ms).await? {
        return Ok(None);
    }
    // Looked for once more after the head time, as a settlement is: a block with it may
    // have come between.
    Ok(Some(node.transaction_info(&send.txid).await?.map_or(0, |i| i.fee_sun)))
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

/// The wallet in the file, else in the OS keyring, else none.
fn find_wallet(file: &Path, keyring_user: &str) -> bidswarm_wallet::Result<Option<LockedWallet>> {
    if file.exists() {
        return LockedWallet::open(Arc::new(FileStore::new(file))).map(Some);
    }
    #[cfg(target_os = "linux")]
    {
        if let Ok(keyring) = bidswarm_wallet::KeyringStore::secret_service(KEYRING_SERVICE, keyring_user) {
            match LockedWallet::open(Arc::new(keyring)) {
                Ok(wallet) => return Ok(Some(wallet)),
                Err(bidswarm_wallet::Error::NoWallet) => {}
                Err(e) => warn!("no wallet read from the OS keyring: {e}"),
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = keyring_user;
    Ok(None)
}

/// Locks an idle wallet: checks a few times per auto-lock period, at most every 15 s.
fn spawn_auto_lock(inner: Weak<Inner>, auto_lock_after: Duration) -> tokio::task::JoinHandle<()> {
    let every = (auto_lock_after / 4).clamp(Duration::from_millis(250), Duration::from_secs(15));
    bidswarm_swarm::spawn(tracing::info_span!("wallet"), "wallet auto-lock", async move {
        let mut ticker = tokio::time::interval(every);
        loop {
            ticker.tick().await;
            let Some(inner) = inner.upgrade() else { break };
            inner.lock_if_idle();
        }
        Ok::<(), std::convert::Infallible>(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_revoked_session_key_signs_nothing() {
        let key = SessionKey::new(PrivateKey::from_bytes(&[7u8; 32]).unwrap());
        let digest = [1u8; 32];
        assert_eq!(key.sign_prehash(&digest).unwrap().recover(&digest).unwrap(), key.address);
        key.revoke();
        let err = key.sign_prehash(&digest).unwrap_err();
        assert!(err.to_string().contains("locked"), "{err}");
        assert!(!format!("{key:?}").contains("07070707"));
    }

    #[tokio::test]
    async fn unlocking_hands_speed_the_key_and_locking_takes_it_back() {
        let dir = tempfile::tempdir().unwrap();
        let terms = crate::speed::terms_from_settings(&Default::default()).unwrap();
        let (events, _) = tokio::sync::broadcast::channel(8);
        let (ledger_ops, _ops) = tokio::sync::mpsc::unbounded_channel();
        let speed = SpeedService::new(terms, events, ledger_ops, Default::default());
        let local = TronNetwork::Local { url: "http://127.0.0.1:9".into() };
        let wallet = WalletService::new(Some(dir.path()), &local, speed.clone(), None);
        assert!(speed.identity().is_none());

        wallet.create(12, "pw".into(), None, SecretStoreKind::File).await.unwrap();
        let identity = speed.identity().expect("an unlocked wallet is speed's identity");
        assert_eq!(identity.network, "devnet:9");
        assert_eq!(identity.token, bidswarm_tron::devnet_btt_contract());
        assert_eq!(Some(identity.address.to_base58()), wallet.inner.status().address);
        let digest = [9u8; 32];
        assert_eq!(
            identity.signer.sign_prehash(&digest).unwrap().recover(&digest).unwrap(),
            identity.address
        );

        wallet.lock_wallet().await.unwrap();
        assert!(speed.identity().is_none());
        assert!(identity.signer.sign_prehash(&digest).is_err(), "a copy held across the lock signs nothing");

        wallet.unlock("pw".into()).await.unwrap();
        assert_eq!(speed.identity().map(|i| i.address), Some(identity.address));
        // Nile has no BTT: nothing to pay with, so no identity.
        wallet.set_network(wallet.check_network(&TronNetwork::Nile).unwrap());
        assert!(speed.identity().is_none());
        assert!(wallet.check_network(&TronNetwork::Nile).unwrap().is_none(), "unchanged is no change");
    }

    const PASSWORD: &str = "correct horse 42";

    /// A wallet service sealing with cheap Argon2id, holding a locked wallet under
    /// [`PASSWORD`].
    async fn locked_wallet(dir: &Path) -> Arc<WalletService> {
        let terms = crate::speed::terms_from_settings(&Default::default()).unwrap();
        let (events, _) = tokio::sync::broadcast::channel(8);
        let (ledger_ops, _ops) = tokio::sync::mpsc::unbounded_channel();
        let speed = SpeedService::new(terms, events, ledger_ops, Default::default());
        let local = TronNetwork::Local { url: "http://127.0.0.1:9".into() };
        let cheap = KdfParams::new(8, 1, 1).unwrap();
        let wallet = WalletService::with_kdf(Some(dir), &local, speed, None, cheap);
        wallet.create(12, PASSWORD.into(), None, SecretStoreKind::File).await.unwrap();
        wallet.lock_wallet().await.unwrap();
        Arc::new(wallet)
    }

    fn kind(result: ApiResult<Response>) -> Option<ApiErrorKind> {
        result.err().map(|e| e.kind)
    }

    #[test]
    fn password_waits_grow_from_a_second_to_a_minute() {
        let waits: Vec<_> = (1..=11).map(|n| password_delay(n).map(|d| d.as_secs())).collect();
        let expected =
            [None, None, None, Some(1), Some(2), Some(4), Some(8), Some(16), Some(32), Some(60), Some(60)];
        assert_eq!(waits, expected);
        assert_eq!(password_delay(u32::MAX), Some(MAX_PASSWORD_DELAY));
    }

    /// The guesser with the API token: after the free wrong passwords even the right one
    /// is refused (so it was never checked) until the wait is over, by every request that
    /// takes a password. A right password starts the count again.
    #[tokio::test(start_paused = true)]
    async fn after_the_free_wrong_passwords_even_the_right_one_waits() {
        use tokio::time::advance;
        use ApiErrorKind::{TooManyAttempts, WrongPassword};
        let dir = tempfile::tempdir().unwrap();
        let wallet = locked_wallet(dir.path()).await;
        for _ in 0..4 {
            assert_eq!(kind(wallet.unlock("wrong".into()).await), Some(WrongPassword));
        }
        let err = wallet.unlock(PASSWORD.into()).await.unwrap_err();
        assert_eq!(err.kind, TooManyAttempts);
        assert_eq!(
            err.message,
            "4 wrong passwords in a row; wait 1 s before the next try; \
             this try was not checked and nothing was changed"
        );
        assert_eq!(wallet.inner.status().state, WalletState::Locked);
        assert_eq!(kind(wallet.reveal_mnemonic(PASSWORD.into()).await), Some(TooManyAttempts));
        let change = wallet.change_password(PASSWORD.into(), "new".into()).await;
        assert_eq!(kind(change), Some(TooManyAttempts));
        advance(Duration::from_millis(999)).await;
        assert_eq!(kind(wallet.unlock(PASSWORD.into()).await), Some(TooManyAttempts));
        advance(Duration::from_millis(1)).await;
        wallet.unlock(PASSWORD.into()).await.unwrap();
        assert_eq!(wallet.inner.status().state, WalletState::Unlocked);

        // Counted afresh: three free again, then 1 s, then 2 s.
        for _ in 0..4 {
            assert_eq!(kind(wallet.reveal_mnemonic("wrong".into()).await), Some(WrongPassword));
        }
        assert_eq!(kind(wallet.reveal_mnemonic(PASSWORD.into()).await), Some(TooManyAttempts));
        advance(Duration::from_secs(1)).await;
        assert_eq!(kind(wallet.reveal_mnemonic("wrong".into()).await), Some(WrongPassword));
        let err = wallet.reveal_mnemonic(PASSWORD.into()).await.unwrap_err();
        assert!(err.message.starts_with("5 wrong passwords in a row; wait 2 s"), "{}", err.message);
        advance(Duration::from_millis(1999)).await;
        assert_eq!(kind(wallet.reveal_mnemonic(PASSWORD.into()).await), Some(TooManyAttempts));
        advance(Duration::from_millis(1)).await;
        assert!(matches!(wallet.reveal_mnemonic(PASSWORD.into()).await, Ok(Response::Mnemonic { .. })));
    }

    /// A burst of wrong passwords at once, through all three requests: checked one at a
    /// time in the order they came (run side by side, all seven would be checked), and
    /// those still waiting when the wait begins are refused unchecked.
    #[tokio::test(start_paused = true)]
    async fn wrong_passwords_sent_at_once_are_checked_in_turn() {
        use ApiErrorKind::{TooManyAttempts, WrongPassword};
        let dir = tempfile::tempdir().unwrap();
        let wallet = locked_wallet(dir.path()).await;
        let tries: Vec<_> = (0..7)
            .map(|i| {
                let wallet = wallet.clone();
                tokio::spawn(async move {
                    match i % 3 {
                        0 => wallet.unlock("wrong".into()).await,
                        1 => wallet.reveal_mnemonic("wrong".into()).await,
                        _ => wallet.change_password("wrong".into(), "new".into()).await,
                    }
                })
            })
            .collect();
        let mut kinds = Vec::new();
        for try_ in tries {
            kinds.push(kind(try_.await.unwrap()));
        }
        let expected = [
            WrongPassword,
            WrongPassword,
            WrongPassword,
            WrongPassword,
            TooManyAttempts,
            TooManyAttempts,
            TooManyAttempts,
        ];
        assert_eq!(kinds, expected.map(Some));
    }

    /// Checks beyond the queue's bound are refused at once, the right password too, so a
    /// flood of requests holds no more than that many passwords in memory.
    #[tokio::test(start_paused = true)]
    async fn no_more_password_checks_wait_than_the_queue_holds() {
        let dir = tempfile::tempdir().unwrap();
        let wallet = locked_wallet(dir.path()).await;
        // A check in progress holds the turn while the flood arrives (taken here, so how
        // fast the first check runs cannot change what queues).
        let gate = wallet.inner.passwords.clone();
        let running = gate.turn.clone().lock_owned().await;
        let tries: Vec<_> = (0..MAX_QUEUED_PASSWORD_CHECKS + 3)
            .map(|_| {
                let wallet = wallet.clone();
                tokio::spawn(async move { wallet.reveal_mnemonic(PASSWORD.into()).await })
            })
            .collect();
        for _ in 0..100 {
            if gate.queued.load(Ordering::SeqCst) == MAX_QUEUED_PASSWORD_CHECKS
                && tries.iter().filter(|t| t.is_finished()).count() == 3
            {
                break;
            }
            tokio::task::yield_now().await;
        }
        drop(running);
        let mut results = Vec::new();
        for try_ in tries {
            results.push(try_.await.unwrap());
        }
        let (checked, refused): (Vec<_>, Vec<_>) = results.iter().partition(|r| r.is_ok());
        assert_eq!(checked.len(), MAX_QUEUED_PASSWORD_CHECKS, "the queue's worth is checked");
        assert!(checked.iter().all(|r| matches!(r, Ok(Response::Mnemonic { .. }))));
        assert_eq!(refused.len(), 3, "the rest is refused at once");
        for r in refused {
            let err = r.as_ref().unwrap_err();
            assert_eq!(err.kind, ApiErrorKind::TooManyAttempts);
            assert!(err.message.contains("already waiting"), "{}", err.message);
        }
    }

    #[test]
    fn speed_names_the_devnet_as_its_protocol_says() {
        let local = node_for(&TronNetwork::Local { url: "http://127.0.0.1:9".into() }).unwrap();
        assert_eq!(speed_network_name(local.network()), "devnet:9");
        assert_eq!(speed_network_name(&Network::Mainnet), "mainnet");
        assert_eq!(speed_network_name(&Network::Nile), "nile");
        let bad = node_for(&TronNetwork::Local { url: "not a url".into() }).unwrap_err();
        assert_eq!(bad.kind, ApiErrorKind::BadRequest);
    }
}
