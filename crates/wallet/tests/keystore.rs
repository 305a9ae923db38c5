//! The keystore with real files (and a real keyring where the machine has one).

#![allow(clippy::unwrap_used)] // a test: a failure here should panic

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bidswarm_wallet::keystore::preferred_store;
use bidswarm_wallet::{
    Error, FileStore, KdfParams, KeyringStore, LockedWallet, Mnemonic, PrivateKey, SecretStore, Signer,
    WalletSecret,
};
use zeroize::Zeroizing;

const PHRASE: &str =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
const IDLE: Duration = Duration::from_secs(300);

fn cheap() -> KdfParams {
    KdfParams::new(8, 1, 1).unwrap()
}

fn phrase_secret() -> WalletSecret {
    WalletSecret::from_mnemonic(Mnemonic::parse(PHRASE).unwrap())
}

fn file_wallet(dir: &tempfile::TempDir) -> (Arc<FileStore>, LockedWallet) {
    let store = Arc::new(FileStore::new(dir.path().join("wallet.bsw")));
    let wallet =
        LockedWallet::create(store.clone(), &phrase_secret(), "correct horse", cheap()).expect("create");
    (store, wallet)
}

#[test]
fn create_open_unlock_sign() {
    let dir = tempfile::tempdir().unwrap();
    let (store, created) = file_wallet(&dir);
    let expected = "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH";
    assert_eq!(created.address().to_base58(), expected);

    let opened = LockedWallet::open(store).unwrap();
    assert_eq!(opened.address().to_base58(), expected);
    assert_eq!(opened.kdf_params().unwrap(), cheap());
    let unlocked = opened.unlock("correct horse", Instant::now(), IDLE).unwrap();
    let sig = unlocked.sign_message(b"hi").unwrap();
    bidswarm_wallet::verify_message(&opened.address(), b"hi", &sig).unwrap();
    assert_eq!(unlocked.reveal_mnemonic("correct horse").unwrap().as_str(), PHRASE);
    let relocked = unlocked.lock();
    assert_eq!(relocked.address().to_base58(), expected);
}

#[test]
fn wrong_password_fails_cleanly_and_leaves_the_file_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let (store, mut wallet) = file_wallet(&dir);
    let before = std::fs::read(store.path()).unwrap();

    let err = wallet.unlock("wrong horse", Instant::now(), IDLE).unwrap_err();
    assert!(matches!(err, Error::WrongPassword), "{err:?}");
    assert!(err.to_string().contains("wrong password"));
    assert!(matches!(wallet.reveal_mnemonic("wrong horse"), Err(Error::WrongPassword)));
    assert!(matches!(wallet.change_password("wrong horse", "new", cheap()), Err(Error::WrongPassword)));
    assert_eq!(std::fs::read(store.path()).unwrap(), before);
    // No temporary file is left behind either.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    // The right password still works.
    wallet.unlock("correct horse", Instant::now(), IDLE).unwrap();
}

#[test]
fn change_password_reseals_and_the_old_one_stops_working() {
    let dir = tempfile::tempdir().unwrap();
    let (store, mut wallet) = file_wallet(&dir);
    let before = std::fs::read(store.path()).unwrap();
    let stronger = KdfParams::new(64, 2, 1).unwrap();
    wallet.change_password("correct horse", "battery staple", stronger).unwrap();
    let after = std::fs::read(store.path()).unwrap();
    assert_ne!(before, after);

    let reopened = LockedWallet::open(store).unwrap();
    assert_eq!(reopened.kdf_params().unwrap(), stronger);
    assert!(matches!(reopened.unlock("correct horse", Instant::now(), IDLE), Err(Error::WrongPassword)));
    let unlocked = reopened.unlock("battery staple", Instant::now(), IDLE).unwrap();
    assert_eq!(unlocked.address(), wallet.address());
}

#[test]
fn create_refuses_to_overwrite_and_open_reports_no_wallet() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = file_wallet(&dir);
    let before = std::fs::read(store.path()).unwrap();
    let other = WalletSecret::PrivateKey(PrivateKey::from_bytes(&[9u8; 32]).unwrap());
    assert!(matches!(LockedWallet::create(store.clone(), &other, "x", cheap()), Err(Error::WalletExists)));
    assert_eq!(std::fs::read(store.path()).unwrap(), before);

    let empty = Arc::new(FileStore::new(dir.path().join("none.bsw")));
    assert!(matches!(LockedWallet::open(empty), Err(Error::NoWallet)));
}

#[test]
fn a_private_key_wallet_has_no_phrase_to_reveal() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(FileStore::new(dir.path().join("k.bsw")));
    let key = PrivateKey::from_bytes(&[9u8; 32]).unwrap();
    let address = key.address();
    let wallet = LockedWallet::create(store, &WalletSecret::PrivateKey(key), "pw", cheap()).unwrap();
    assert_eq!(wallet.address(), address);
    assert!(matches!(wallet.reveal_mnemonic("pw"), Err(Error::NoMnemonic)));
    assert_eq!(wallet.unlock("pw", Instant::now(), IDLE).unwrap().signer().address(), address);
}

#[test]
fn a_passphrase_and_index_are_sealed_with_the_phrase() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(FileStore::new(dir.path().join("p.bsw")));
    let m = Mnemonic::parse(PHRASE).unwrap();
    let expected = m.derive("extra words", 3).unwrap().address();
    let secret =
        WalletSecret::Mnemonic { mnemonic: m, passphrase: Zeroizing::new("extra words".into()), index: 3 };
    let wallet = LockedWallet::create(store.clone(), &secret, "pw", cheap()).unwrap();
    assert_eq!(wallet.address(), expected);
    let reopened = LockedWallet::open(store).unwrap();
    let unlocked = reopened.unlock("pw", Instant::now(), IDLE).unwrap();
    assert_eq!(unlocked.signer().address(), expected);
}

/// Flipping any byte of the file gives an error (never a panic, never another key).
#[test]
fn every_flipped_byte_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (store, wallet) = file_wallet(&dir);
    let good = std::fs::read(store.path()).unwrap();
    let expected = wallet.address();
    for i in 0..good.len() {
        for mask in [0x01u8, 0xff] {
            let mut bad = good.clone();
            bad[i] ^= mask;
            std::fs::write(store.path(), &bad).unwrap();
            let outcome = LockedWallet::open(store.clone())
                .and_then(|w| w.unlock("correct horse", Instant::now(), IDLE));
            match outcome {
                Err(_) => {}
                Ok(w) => {
                    panic!("byte {i} ^ {mask:#04x} still unlocked (as {}, expected {expected})", w.address())
                }
            }
        }
    }
    // Truncated and extended files too.
    for len in [0, 8, 9, 50, 83, 99, good.len() - 1] {
        std::fs::write(store.path(), &good[..len]).unwrap();
        assert!(LockedWallet::open(store.clone())
            .and_then(|w| w.unlock("correct horse", Instant::now(), IDLE))
            .is_err());
    }
    let mut longer = good.clone();
    longer.push(0);
    std::fs::write(store.path(), &longer).unwrap();
    assert!(LockedWallet::open(store.clone())
        .and_then(|w| w.unlock("correct horse", Instant::now(), IDLE))
        .is_err());
    // The untouched bytes still open to the same key.
    std::fs::write(store.path(), &good).unwrap();
    let w = LockedWallet::open(store).unwrap();
    assert_eq!(w.unlock("correct horse", Instant::now(), IDLE).unwrap().address(), expected);
}

#[test]
fn a_newer_format_asks_for_an_update() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = file_wallet(&dir);
    let mut bytes = std::fs::read(store.path()).unwrap();
    bytes[8] = 2;
    std::fs::write(store.path(), &bytes).unwrap();
    let err = LockedWallet::open(store).unwrap_err();
    assert!(matches!(err, Error::UnsupportedVersion(2)), "{err:?}");
}

/// The default parameters are the real cost: one derivation, timed only loosely.
#[test]
fn default_params_work_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(FileStore::new(dir.path().join("d.bsw")));
    let wallet = LockedWallet::create(store.clone(), &phrase_secret(), "pw", KdfParams::default()).unwrap();
    let bytes = std::fs::read(store.path()).unwrap();
    // m = 65536 KiB, t = 3, p = 1, big-endian at offsets 10, 14, 18.
    assert_eq!(&bytes[10..22], &[0, 1, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1]);
    assert_eq!(
        LockedWallet::open(store).unwrap().unlock("pw", Instant::now(), IDLE).unwrap().address(),
        wallet.address()
    );
}

/// A store that fails on demand: the faults a real keyring has (locked, gone away) cannot
/// be caused here at will.
#[derive(Debug, Default)]
struct FlakyStore {
    bytes: Mutex<Option<Vec<u8>>>,
    fail_saves: Mutex<bool>,
}

impl SecretStore for FlakyStore {
    fn load(&self) -> bidswarm_wallet::Result<Option<Vec<u8>>> {
        Ok(self.bytes.lock().unwrap().clone())
    }
    fn save(&self, sealed: &[u8]) -> bidswarm_wallet::Result<()> {
        if *self.fail_saves.lock().unwrap() {
            return Err(Error::Keyring("could not store the wallet: locked".into()));
        }
        *self.bytes.lock().unwrap() = Some(sealed.to_vec());
        Ok(())
    }
    fn delete(&self) -> bidswarm_wallet::Result<()> {
        *self.bytes.lock().unwrap() = None;
        Ok(())
    }
    fn describe(&self) -> String {
        "flaky test store".into()
    }
}

#[test]
fn a_failed_save_keeps_the_old_password() {
    let store = Arc::new(FlakyStore::default());
    let mut wallet = LockedWallet::create(store.clone(), &phrase_secret(), "old", cheap()).unwrap();
    *store.fail_saves.lock().unwrap() = true;
    assert!(matches!(wallet.change_password("old", "new", cheap()), Err(Error::Keyring(_))));
    // Neither the store nor the wallet in memory moved to the new password.
    wallet.unlock("old", Instant::now(), IDLE).unwrap();
    LockedWallet::open(store).unwrap().unlock("old", Instant::now(), IDLE).unwrap();
}

/// The keyring path through keyring-core's mock credential store.
#[test]
fn keyring_store_round_trip_with_the_mock_store() {
    let mock = keyring_core::mock::Store::new().unwrap();
    let store = Arc::new(KeyringStore::new(mock, "bidswarm-test", "wallet").unwrap());
    assert!(store.load().unwrap().is_none());
    store.probe().unwrap();
    let wallet = LockedWallet::create(store.clone(), &phrase_secret(), "pw", cheap()).unwrap();
    assert!(store.describe().starts_with("OS keyring"));
    let unlocked = LockedWallet::open(store.clone()).unwrap().unlock("pw", Instant::now(), IDLE).unwrap();
    assert_eq!(unlocked.address(), wallet.address());
    store.delete().unwrap();
    assert!(matches!(LockedWallet::open(store), Err(Error::NoWallet)));
}

/// The real OS keyring when this machine has one (Secret Service on a session bus, or
/// kernel keyutils); otherwise the test says why it skipped.
#[cfg(target_os = "linux")]
#[test]
fn real_keyring_round_trip_when_available() {
    let user = format!("test-{}", std::process::id());
    type Open = fn(&str, &str) -> bidswarm_wallet::Result<KeyringStore>;
    let candidates: [(&str, Open); 2] =
        [("Secret Service", KeyringStore::secret_service), ("keyutils", KeyringStore::keyutils)];
    let mut exercised = 0;
    for (name, open) in candidates {
        let store = match open("bidswarm-wallet-test", &user).and_then(|s| s.probe().map(|()| s)) {
            Ok(s) => Arc::new(s),
            Err(e) => {
                eprintln!("skipping the {name} keyring: {e}");
                continue;
            }
        };
        let _ = store.delete();
        let created = match LockedWallet::create(store.clone(), &phrase_secret(), "pw", cheap()) {
            Ok(w) => w,
            Err(e) => {
                eprintln!("skipping the {name} keyring: it answers but does not store: {e}");
                continue;
            }
        };
        let opened = LockedWallet::open(store.clone()).unwrap();
        assert_eq!(opened.address(), created.address());
        opened.unlock("pw", Instant::now(), IDLE).unwrap();
        assert!(matches!(opened.unlock("nope", Instant::now(), IDLE), Err(Error::WrongPassword)));
        store.delete().unwrap();
        assert!(store.load().unwrap().is_none());
        exercised += 1;
    }
    eprintln!("real keyrings exercised: {exercised}");
}

#[test]
fn preferred_store_keeps_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = file_wallet(&dir);
    let (chosen, why) = preferred_store(store.path(), "bidswarm-wallet-test", "nobody");
    assert!(chosen.describe().starts_with("file "), "{}", chosen.describe());
    assert!(why.is_some());
}
