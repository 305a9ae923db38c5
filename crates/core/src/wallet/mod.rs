//! The wallet service: the user's TRON wallet as the core holds it, behind the wallet
//! requests of the API.
//!
//! Here: the lock states, the node, and balances. Beside it: [`session`] (the unlocked
//! key), [`password`] (the gate every password check goes through), [`send`] (quote,
//! confirmed send, following its fee) and [`history`] (the node's transfers merged with
//! the ledger's records).
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

mod history;
mod password;
mod send;
mod session;

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, MutexGuard, Weak},
    time::{Duration, Instant},
};

use bidswarm_api::{
    ApiError, ApiErrorKind, Response, Secret, SecretStoreKind, TronNetwork, WalletBalances, WalletState,
    WalletStatus,
};
use bidswarm_ledger::Ledger;
use bidswarm_tron::{Client, Network};
use bidswarm_wallet::{
    keystore::preferred_store, Address, FileStore, KdfParams, LockedWallet, Mnemonic, PrivateKey,
    SecretStore, WalletSecret, WordCount,
};
use tracing::{info, warn};
use zeroize::Zeroizing;

use self::{password::PasswordGate, send::Quote, session::SessionKey};
use crate::{
    error::{api_error, join_error, no_wallet, wallet_error},
    speed::{SpeedIdentity, SpeedService},
};

/// How long an unlocked wallet may sit unused before it locks itself.
const AUTO_LOCK_AFTER: Duration = Duration::from_secs(15 * 60);
/// Overrides [`AUTO_LOCK_AFTER`] in seconds (tests shorten it).
pub(crate) const AUTO_LOCK_ENV: &str = "BIDSWARM_WALLET_AUTO_LOCK_SECS";
/// How long on-chain balances are reused before the node is asked again.
const BALANCES_FRESH_FOR: Duration = Duration::from_secs(5);
/// How long the first look for a wallet in the OS keyring may take (a D-Bus activation
/// that never answers must not hold up the wallet for good).
const KEYRING_LOOKUP_TIMEOUT: Duration = Duration::from_secs(10);
const KEYSTORE_FILE: &str = "wallet.keystore";
const KEYRING_SERVICE: &str = "bidswarm";

type ApiResult<T> = Result<T, ApiError>;

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
        let at = bidswarm_primitives::unix_secs();
        let result = async {
            ledger.add_account(address, "wallet", at).await?;
            ledger.observe_onchain_balance(address, bidswarm_ledger::Amount(btt), at).await
        }
        .await;
        match result {
            Ok(()) => *lock(&self.observed_btt) = Some((address, btt)),
            Err(e) => warn!("the ledger did not take the on-chain BTT balance: {e}"),
        }
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
pub(super) mod tests {
    use super::*;

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

    pub(super) const PASSWORD: &str = "correct horse 42";

    /// A wallet service sealing with cheap Argon2id, holding a locked wallet under
    /// [`PASSWORD`].
    pub(super) async fn locked_wallet(dir: &Path) -> Arc<WalletService> {
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

    pub(super) fn kind(result: ApiResult<Response>) -> Option<ApiErrorKind> {
        result.err().map(|e| e.kind)
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
