//! The keystore: the wallet secret sealed under the user's password, kept in the OS
//! keyring or in a file.
//!
//! ## The sealed form (format version 1)
//!
//! ```text
//! offset size
//!  0      8   magic "BSWALLET"
//!  8      1   format version = 1
//!  9      1   KDF = 1 (Argon2id, version 0x13)
//! 10      4   Argon2 m_cost, KiB (u32 BE)
//! 14      4   Argon2 t_cost (u32 BE)
//! 18      4   Argon2 p_cost (u32 BE)
//! 22     16   salt (random)
//! 38     24   nonce (random)
//! 62     21   address (public; lets a locked wallet show it)
//! 83    ...   XChaCha20-Poly1305 ciphertext ‖ tag, with bytes 0..83 as associated data
//! ```
//!
//! The header is authenticated, so changing any byte of it (the address, the parameters)
//! fails decryption just like a wrong password does. Parameters are bounded before any
//! work, so a tampered header cannot make us allocate gigabytes or loop for hours.
//!
//! ## Where it is kept
//!
//! The same sealed bytes go either into the OS keyring ([`KeyringStore`]) or into a file
//! ([`FileStore`]); both sit behind [`SecretStore`]. In the keyring the password still
//! gates the secret: the keyring keeps it off the disk, the password keeps it from other
//! programs of the same user. A file is written atomically (temporary file, fsync,
//! rename, fsync of the directory), so a crash mid-save leaves the old wallet or the new
//! one, never neither.
//!
//! On Linux the keyring is the Secret Service (gnome-keyring, KWallet) through
//! keyring-core's zbus store (zbus does its D-Bus I/O on its own executor; nothing else
//! here leaves the caller's thread). Kernel keyutils is offered too ([`KeyringStore::keyutils`])
//! but never chosen by [`preferred_store`]: it forgets everything at reboot, which for a
//! wallet's only copy would be loss. Other platforms use the file until their stores are
//! wired in.
//!
//! ## States
//!
//! [`LockedWallet`] knows its address and its sealed bytes. [`LockedWallet::unlock`]
//! (password) gives an [`UnlockedWallet`], which holds the signing key;
//! [`UnlockedWallet::lock`] drops the key (it zeroizes) and gives the locked one back.
//! [`Wallet`] is the enum the app holds; [`Wallet::lock_if_idle`] locks after the idle
//! time, with `now` passed in.
//!
//! Argon2id runs in `create`, `unlock`, `change_password` and `reveal_mnemonic`, on the
//! calling thread (p = 1 lane, no threads spawned); async callers use `spawn_blocking`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::keys::{PrivateKey, WalletSecret};
use crate::signer::{Signature, Signer};
use crate::{Address, Error, Result};

const MAGIC: &[u8; 8] = b"BSWALLET";
const VERSION: u8 = 1;
const KDF_ARGON2ID: u8 = 1;
const HEADER_LEN: usize = 83;
const TAG_LEN: usize = 16;
/// Far above any secret we seal (a mnemonic with a 65535-byte passphrase is the limit).
const MAX_SEALED_LEN: usize = HEADER_LEN + 70_000;

/// Argon2id cost parameters, stored in each sealed header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    m_cost_kib: u32,
    t_cost: u32,
    p_cost: u32,
}

impl KdfParams {
    /// The most memory a header may ask for: 4 GiB.
    pub const MAX_M_COST_KIB: u32 = 4 * 1024 * 1024;
    /// The most passes a header may ask for.
    pub const MAX_T_COST: u32 = 64;
    /// The most lanes a header may ask for.
    pub const MAX_P_COST: u32 = 16;

    /// Any parameters Argon2 accepts within the bounds above. Cheap ones (`new(8, 1, 1)`)
    /// are for tests; real wallets use [`KdfParams::default`].
    pub fn new(m_cost_kib: u32, t_cost: u32, p_cost: u32) -> Result<Self> {
        if !(1..=Self::MAX_P_COST).contains(&p_cost) {
            return Err(Error::KdfParams("p_cost must be 1 to 16"));
        }
        if !(1..=Self::MAX_T_COST).contains(&t_cost) {
            return Err(Error::KdfParams("t_cost must be 1 to 64"));
        }
        if m_cost_kib < 8 * p_cost || m_cost_kib > Self::MAX_M_COST_KIB {
            return Err(Error::KdfParams("m_cost must be 8·p_cost KiB to 4 GiB"));
        }
        Ok(Self { m_cost_kib, t_cost, p_cost })
    }

    pub fn m_cost_kib(&self) -> u32 {
        self.m_cost_kib
    }

    pub fn t_cost(&self) -> u32 {
        self.t_cost
    }

    pub fn p_cost(&self) -> u32 {
        self.p_cost
    }

    fn derive_key(&self, password: &str, salt: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
        let params = argon2::Params::new(self.m_cost_kib, self.t_cost, self.p_cost, Some(32))
            .map_err(|_| Error::KdfParams("rejected by Argon2"))?;
        let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut key = Zeroizing::new([0u8; 32]);
        argon
            .hash_password_into(password.as_bytes(), salt, &mut key[..])
            .map_err(|_| Error::KdfParams("rejected by Argon2"))?;
        Ok(key)
    }
}

/// 64 MiB, 3 passes, 1 lane: about a second on a laptop, and far past what a GPU farm
/// guesses cheaply (OWASP's Argon2id guidance lists 46 MiB/t=1 as a floor).
impl Default for KdfParams {
    fn default() -> Self {
        Self { m_cost_kib: 64 * 1024, t_cost: 3, p_cost: 1 }
    }
}

/// The parsed, not yet decrypted, sealed form.
struct Sealed<'a> {
    header: &'a [u8],
    params: KdfParams,
    salt: &'a [u8],
    nonce: &'a [u8],
    address: Address,
    ciphertext: &'a [u8],
}

impl<'a> Sealed<'a> {
    fn parse(bytes: &'a [u8]) -> Result<Self> {
        if bytes.len() < 9 || &bytes[..8] != MAGIC {
            return Err(Error::Corrupt("not a Bidswarm wallet"));
        }
        if bytes[8] != VERSION {
            return Err(if bytes[8] > VERSION {
                Error::UnsupportedVersion(bytes[8])
            } else {
                Error::Corrupt("unknown format version")
            });
        }
        if bytes.len() < HEADER_LEN + TAG_LEN + 1 || bytes.len() > MAX_SEALED_LEN {
            return Err(Error::Corrupt("wrong length"));
        }
        if bytes[9] != KDF_ARGON2ID {
            return Err(Error::Corrupt("unknown key derivation"));
        }
        let u32_at = |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
        let params = KdfParams::new(u32_at(10), u32_at(14), u32_at(18))
            .map_err(|_| Error::Corrupt("Argon2 parameters out of range"))?;
        let address = Address::from_slice(&bytes[62..83]).map_err(|_| Error::Corrupt("bad address"))?;
        Ok(Self {
            header: &bytes[..HEADER_LEN],
            params,
            salt: &bytes[22..38],
            nonce: &bytes[38..62],
            address,
            ciphertext: &bytes[HEADER_LEN..],
        })
    }

    fn open(&self, password: &str) -> Result<WalletSecret> {
        let key = self.params.derive_key(password, self.salt)?;
        let cipher = XChaCha20Poly1305::new((&*key).into());
        let nonce = XNonce::try_from(self.nonce).map_err(|_| Error::Corrupt("bad nonce"))?;
        let plaintext = Zeroizing::new(
            cipher
                .decrypt(&nonce, Payload { msg: self.ciphertext, aad: self.header })
                .map_err(|_| Error::WrongPassword)?,
        );
        let secret = WalletSecret::from_plaintext(&plaintext)?;
        // Authenticated, so this only fails if we sealed a wrong address ourselves.
        if secret.private_key()?.address() != self.address {
            return Err(Error::Corrupt("secret does not match its address"));
        }
        Ok(secret)
    }
}

/// Seals `secret` under `password`: fresh salt and nonce every time.
fn seal(secret: &WalletSecret, password: &str, params: KdfParams) -> Result<Vec<u8>> {
    let address = secret.private_key()?.address();
    let mut salt = [0u8; 16];
    let mut nonce = [0u8; 24];
    getrandom::fill(&mut salt).map_err(|_| Error::Derivation)?;
    getrandom::fill(&mut nonce).map_err(|_| Error::Derivation)?;
    let mut out = Vec::with_capacity(HEADER_LEN + 128);
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.push(KDF_ARGON2ID);
    out.extend_from_slice(&params.m_cost_kib.to_be_bytes());
    out.extend_from_slice(&params.t_cost.to_be_bytes());
    out.extend_from_slice(&params.p_cost.to_be_bytes());
    out.extend_from_slice(&salt);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(address.as_bytes());
    debug_assert_eq!(out.len(), HEADER_LEN);

    let key = params.derive_key(password, &salt)?;
    let cipher = XChaCha20Poly1305::new((&*key).into());
    let plaintext = secret.to_plaintext()?;
    let ciphertext = cipher
        .encrypt(&XNonce::from(nonce), Payload { msg: &plaintext, aad: &out })
        .map_err(|_| Error::Corrupt("encryption failed"))?;
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

/// Where sealed wallet bytes are kept. Implementations hold only sealed bytes, so they
/// never see a secret; a test double can fail on demand.
pub trait SecretStore: fmt::Debug + Send + Sync {
    /// The sealed bytes, or `None` when nothing is stored.
    fn load(&self) -> Result<Option<Vec<u8>>>;
    /// Replaces what is stored, all or nothing.
    fn save(&self, sealed: &[u8]) -> Result<()>;
    /// Removes what is stored; nothing stored is not an error.
    fn delete(&self) -> Result<()>;
    /// For the UI: "OS keyring (Secret Service)" or the file's path.
    fn describe(&self) -> String;
}

/// A sealed wallet in a file.
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
}

impl FileStore {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, action: &'static str) -> impl FnOnce(std::io::Error) -> Error + '_ {
        move |source| Error::Io { action, path: self.path.clone(), source }
    }
}

impl SecretStore for FileStore {
    fn load(&self) -> Result<Option<Vec<u8>>> {
        match std::fs::read(&self.path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.io("read")(e)),
        }
    }

    fn save(&self, sealed: &[u8]) -> Result<()> {
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(self.io("create the folder of"))?;
        bidswarm_primitives::write_atomically_blocking(
            &self.path,
            sealed,
            bidswarm_primitives::Access::OwnerOnly,
        )
        .map_err(self.io("write"))
    }

    fn delete(&self) -> Result<()> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.io("delete")(e)),
        }
    }

    fn describe(&self) -> String {
        format!("file {}", self.path.display())
    }
}

/// A sealed wallet in the OS keyring, through any keyring-core credential store.
pub struct KeyringStore {
    entry: keyring_core::Entry,
    vendor: String,
}

impl fmt::Debug for KeyringStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyringStore").field("vendor", &self.vendor).finish_non_exhaustive()
    }
}

impl KeyringStore {
    /// The entry `service`/`user` in `store`. Tests pass keyring-core's mock store.
    pub fn new(store: Arc<keyring_core::CredentialStore>, service: &str, user: &str) -> Result<Self> {
        let entry = store.build(service, user, None).map_err(|e| keyring_error("open an entry", e))?;
        Ok(Self { entry, vendor: store.vendor() })
    }

    /// The desktop's Secret Service (Linux), which keeps entries until they are deleted.
    /// Fails when there is no session bus or no Secret Service on it.
    #[cfg(target_os = "linux")]
    pub fn secret_service(service: &str, user: &str) -> Result<Self> {
        let store = zbus_secret_service_keyring_store::Store::new()
            .map_err(|e| keyring_error("reach the Secret Service", e))?;
        Self::new(store, service, user)
    }

    /// The kernel's keyutils (Linux). Entries vanish at reboot, so this is for tests and
    /// for callers that also keep a file; [`preferred_store`] never picks it.
    #[cfg(target_os = "linux")]
    pub fn keyutils(service: &str, user: &str) -> Result<Self> {
        let store =
            linux_keyutils_keyring_store::Store::new().map_err(|e| keyring_error("reach keyutils", e))?;
        Self::new(store, service, user)
    }

    /// Checks that the keyring answers: a read of our entry that finds it or finds
    /// nothing. A locked or absent keyring fails here, before anything is stored.
    pub fn probe(&self) -> Result<()> {
        self.load().map(|_| ())
    }
}

/// keyring-core errors can carry the bytes that failed to decode; only the kind is kept.
fn keyring_error(action: &str, e: keyring_core::Error) -> Error {
    use keyring_core::Error as K;
    let why = match &e {
        K::PlatformFailure(inner) => format!("platform failure: {inner}"),
        K::NoStorageAccess(inner) => format!("no access (is it locked?): {inner}"),
        K::NoEntry => "no such entry".to_owned(),
        K::BadEncoding(_) | K::BadDataFormat(..) => "stored data has an unexpected format".to_owned(),
        K::BadStoreFormat(s) => format!("store has an unexpected format: {s}"),
        K::TooLong(what, max) => format!("{what} is longer than {max}"),
        K::Invalid(what, reason) => format!("invalid {what}: {reason}"),
        K::Ambiguous(_) => "more than one matching entry".to_owned(),
        K::NoDefaultStore => "no credential store".to_owned(),
        K::NotSupportedByStore(s) => format!("not supported: {s}"),
        _ => "unknown error".to_owned(),
    };
    Error::Keyring(format!("could not {action}: {why}"))
}

impl SecretStore for KeyringStore {
    fn load(&self) -> Result<Option<Vec<u8>>> {
        match self.entry.get_secret() {
            Ok(bytes) => Ok(Some(bytes)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error("read the wallet", e)),
        }
    }

    fn save(&self, sealed: &[u8]) -> Result<()> {
        // One credential is replaced in one call: the store is all or nothing.
        self.entry.set_secret(sealed).map_err(|e| keyring_error("store the wallet", e))
    }

    fn delete(&self) -> Result<()> {
        match self.entry.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_error("delete the wallet", e)),
        }
    }

    fn describe(&self) -> String {
        format!("OS keyring ({})", self.vendor)
    }
}

/// Where a new wallet should go: the OS keyring when one answers and keeps entries until
/// deleted, else `file`. An existing file wins, so a wallet is never looked for in the
/// wrong place. Returns the store and, when the keyring was passed over, why.
pub fn preferred_store(file: &Path, service: &str, user: &str) -> (Arc<dyn SecretStore>, Option<String>) {
    let file_store = Arc::new(FileStore::new(file));
    if file.exists() {
        return (file_store, Some("a wallet file already exists".to_owned()));
    }
    #[cfg(target_os = "linux")]
    {
        match KeyringStore::secret_service(service, user).and_then(|k| k.probe().map(|()| k)) {
            Ok(keyring) => (Arc::new(keyring), None),
            Err(e) => (file_store, Some(e.to_string())),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (service, user);
        (file_store, Some("no OS keyring support on this platform yet".to_owned()))
    }
}

/// A wallet whose key is sealed: it knows its address and can be unlocked.
#[derive(Clone)]
pub struct LockedWallet {
    store: Arc<dyn SecretStore>,
    sealed: Vec<u8>,
    address: Address,
}

impl fmt::Debug for LockedWallet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockedWallet")
            .field("address", &self.address)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl LockedWallet {
    /// Seals `secret` under `password` into an empty `store`. Refuses to overwrite.
    pub fn create(
        store: Arc<dyn SecretStore>,
        secret: &WalletSecret,
        password: &str,
        params: KdfParams,
    ) -> Result<Self> {
        if store.load()?.is_some() {
            return Err(Error::WalletExists);
        }
        let sealed = seal(secret, password, params)?;
        let address = Sealed::parse(&sealed)?.address;
        store.save(&sealed)?;
        Ok(Self { store, sealed, address })
    }

    /// The wallet in `store`, still locked. Reads and checks the header only.
    pub fn open(store: Arc<dyn SecretStore>) -> Result<Self> {
        let sealed = store.load()?.ok_or(Error::NoWallet)?;
        let address = Sealed::parse(&sealed)?.address;
        Ok(Self { store, sealed, address })
    }

    pub fn address(&self) -> Address {
        self.address
    }

    pub fn store(&self) -> &Arc<dyn SecretStore> {
        &self.store
    }

    /// The Argon2 parameters the wallet is sealed with.
    pub fn kdf_params(&self) -> Result<KdfParams> {
        Ok(Sealed::parse(&self.sealed)?.params)
    }

    /// Unlocks with `password`; the wallet locks itself once idle for `auto_lock_after`
    /// (counted from `now`, see [`Wallet::lock_if_idle`]).
    pub fn unlock(&self, password: &str, now: Instant, auto_lock_after: Duration) -> Result<UnlockedWallet> {
        let secret = Sealed::parse(&self.sealed)?.open(password)?;
        Ok(UnlockedWallet {
            key: secret.private_key()?,
            locked: self.clone(),
            last_used: now,
            auto_lock_after,
        })
    }

    /// The recovery phrase, checked against `password`.
    ///
    /// # Security
    /// The returned phrase is the whole wallet: show it to the user and drop it.
    pub fn reveal_mnemonic(&self, password: &str) -> Result<Zeroizing<String>> {
        match Sealed::parse(&self.sealed)?.open(password)? {
            WalletSecret::Mnemonic { mnemonic, .. } => Ok(mnemonic.phrase()),
            WalletSecret::PrivateKey(_) => Err(Error::NoMnemonic),
        }
    }

    /// Reseals under `new_password` (fresh salt and nonce, `params`) after checking
    /// `old_password`. With a wrong old password nothing is written.
    pub fn change_password(
        &mut self,
        old_password: &str,
        new_password: &str,
        params: KdfParams,
    ) -> Result<()> {
        let secret = Sealed::parse(&self.sealed)?.open(old_password)?;
        let sealed = seal(&secret, new_password, params)?;
        self.store.save(&sealed)?;
        self.sealed = sealed;
        Ok(())
    }
}

/// A wallet holding its signing key. Dropping it (or [`UnlockedWallet::lock`]) zeroizes
/// the key.
pub struct UnlockedWallet {
    key: PrivateKey,
    locked: LockedWallet,
    last_used: Instant,
    auto_lock_after: Duration,
}

impl fmt::Debug for UnlockedWallet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnlockedWallet")
            .field("address", &self.locked.address)
            .field("auto_lock_after", &self.auto_lock_after)
            .finish_non_exhaustive()
    }
}

impl UnlockedWallet {
    pub fn address(&self) -> Address {
        self.locked.address
    }

    /// The key, for signing. Call [`UnlockedWallet::touch`] when the user acts, so an
    /// active wallet does not lock under them.
    pub fn signer(&self) -> &PrivateKey {
        &self.key
    }

    /// Records activity at `now`, restarting the idle countdown.
    pub fn touch(&mut self, now: Instant) {
        self.last_used = self.last_used.max(now);
    }

    /// True once `now` is at least the idle time past the last activity.
    pub fn is_expired(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.last_used) >= self.auto_lock_after
    }

    pub fn set_auto_lock_after(&mut self, idle: Duration) {
        self.auto_lock_after = idle;
    }

    /// Drops the key and gives back the locked wallet.
    pub fn lock(self) -> LockedWallet {
        self.locked
    }

    /// See [`LockedWallet::reveal_mnemonic`]; the password is asked again even though the
    /// wallet is unlocked.
    ///
    /// # Security
    /// The returned phrase is the whole wallet: show it to the user and drop it.
    pub fn reveal_mnemonic(&self, password: &str) -> Result<Zeroizing<String>> {
        self.locked.reveal_mnemonic(password)
    }

    pub fn change_password(
        &mut self,
        old_password: &str,
        new_password: &str,
        params: KdfParams,
    ) -> Result<()> {
        self.locked.change_password(old_password, new_password, params)
    }
}

impl Signer for UnlockedWallet {
    fn sign_prehash(&self, prehash: &[u8; 32]) -> Result<Signature> {
        self.key.sign_prehash(prehash)
    }

    fn address(&self) -> Result<Address> {
        Ok(self.locked.address)
    }
}

/// The wallet as the app holds it. Transitions: `Locked --unlock(password)--> Unlocked`,
/// `Unlocked --lock() or idle timeout--> Locked`.
#[derive(Debug)]
pub enum Wallet {
    Locked(LockedWallet),
    Unlocked(UnlockedWallet),
}

impl Wallet {
    pub fn address(&self) -> Address {
        match self {
            Wallet::Locked(w) => w.address(),
            Wallet::Unlocked(w) => w.address(),
        }
    }

    pub fn is_locked(&self) -> bool {
        matches!(self, Wallet::Locked(_))
    }

    /// Unlocks in place. A wrong password leaves it locked.
    pub fn unlock(&mut self, password: &str, now: Instant, auto_lock_after: Duration) -> Result<()> {
        if let Wallet::Locked(locked) = self {
            *self = Wallet::Unlocked(locked.unlock(password, now, auto_lock_after)?);
        }
        Ok(())
    }

    /// Locks in place (a no-op when locked).
    pub fn lock(&mut self) {
        if let Wallet::Unlocked(unlocked) = self {
            let locked = unlocked.locked.clone();
            // Replacing drops the unlocked wallet, and its key zeroizes.
            *self = Wallet::Locked(locked);
        }
    }

    /// Locks when idle too long; returns whether it did.
    pub fn lock_if_idle(&mut self, now: Instant) -> bool {
        match self {
            Wallet::Unlocked(w) if w.is_expired(now) => {
                self.lock();
                true
            }
            _ => false,
        }
    }

    /// The unlocked wallet, if it is unlocked and not past its idle time.
    pub fn unlocked(&mut self, now: Instant) -> Option<&mut UnlockedWallet> {
        self.lock_if_idle(now);
        match self {
            Wallet::Unlocked(w) => Some(w),
            Wallet::Locked(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Mnemonic;

    fn cheap() -> KdfParams {
        KdfParams::new(8, 1, 1).unwrap()
    }

    #[test]
    fn default_params_are_64_mib_3_passes_1_lane() {
        let p = KdfParams::default();
        assert_eq!((p.m_cost_kib(), p.t_cost(), p.p_cost()), (65536, 3, 1));
        assert!(KdfParams::new(65536, 3, 1).is_ok());
        assert!(KdfParams::new(4, 1, 1).is_err());
        assert!(KdfParams::new(8, 0, 1).is_err());
        assert!(KdfParams::new(8, 1, 17).is_err());
    }

    #[test]
    fn sealed_header_records_params_and_address() {
        let secret = WalletSecret::PrivateKey(PrivateKey::from_bytes(&[5u8; 32]).unwrap());
        let params = KdfParams::new(16, 2, 1).unwrap();
        let sealed = seal(&secret, "pw", params).unwrap();
        let parsed = Sealed::parse(&sealed).unwrap();
        assert_eq!(parsed.params, params);
        assert_eq!(parsed.address, secret.private_key().unwrap().address());
        // Two seals of one secret share nothing random.
        let again = seal(&secret, "pw", params).unwrap();
        assert_ne!(sealed[22..62], again[22..62]);
    }

    #[test]
    fn idle_wallet_locks_itself() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn SecretStore> = Arc::new(FileStore::new(dir.path().join("w")));
        let secret = WalletSecret::from_mnemonic(Mnemonic::generate(crate::WordCount::Twelve).unwrap());
        let locked = LockedWallet::create(store, &secret, "pw", cheap()).unwrap();
        let t0 = Instant::now();
        let mut wallet = Wallet::Locked(locked);
        wallet.unlock("pw", t0, Duration::from_secs(300)).unwrap();
        assert!(!wallet.lock_if_idle(t0 + Duration::from_secs(200)));
        wallet.unlocked(t0 + Duration::from_secs(200)).unwrap().touch(t0 + Duration::from_secs(200));
        assert!(!wallet.lock_if_idle(t0 + Duration::from_secs(450)));
        assert!(wallet.lock_if_idle(t0 + Duration::from_secs(500)));
        assert!(wallet.is_locked());
        assert!(wallet.unlocked(t0 + Duration::from_secs(501)).is_none());
    }
}
