//! No Debug, Display or error string shows a mnemonic word, a passphrase, a password or
//! key bytes.

#![allow(clippy::unwrap_used)] // a test: a failure here should panic

use std::sync::Arc;
use std::time::{Duration, Instant};

use bidswarm_wallet::{
    FileStore, KdfParams, LockedWallet, Mnemonic, PrivateKey, Wallet, WalletSecret, WordCount,
};
use zeroize::Zeroizing;

/// Fails if `text` contains any of the secret's tell-tales.
fn assert_clean(text: &str, words: &[String], key_hex: &str, password: &str) {
    let lower = text.to_lowercase();
    for w in words {
        // Words are matched whole: "act" is inside "contract".
        let hit = lower.split(|c: char| !c.is_ascii_alphabetic()).any(|token| token == w);
        assert!(!hit, "a mnemonic word leaked into: {text}");
    }
    assert!(!lower.contains(key_hex), "key hex leaked into: {text}");
    assert!(!text.contains(password), "password leaked into: {text}");
}

#[test]
fn nothing_printable_carries_secrets() {
    let mnemonic = Mnemonic::generate(WordCount::TwentyFour).unwrap();
    let words: Vec<String> = mnemonic.phrase().split(' ').map(str::to_owned).collect();
    let passphrase = "tangerine-sunrise-passphrase";
    let password = "hunter2-very-secret";
    let key = mnemonic.derive(passphrase, 0).unwrap();
    let key_hex = hex::encode(&key.to_bytes()[..]);

    let mut printed = vec![format!("{mnemonic:?}"), format!("{key:?}"), format!("{key:#?}")];
    let secret = WalletSecret::Mnemonic {
        mnemonic: Mnemonic::parse(&mnemonic.phrase()).unwrap(),
        passphrase: Zeroizing::new(passphrase.into()),
        index: 0,
    };
    printed.push(format!("{secret:?}"));
    printed.push(format!(
        "{:?}",
        WalletSecret::PrivateKey(PrivateKey::from_bytes(&key.to_bytes()[..]).unwrap())
    ));

    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(FileStore::new(dir.path().join("w.bsw")));
    let params = KdfParams::new(8, 1, 1).unwrap();
    let mut locked = LockedWallet::create(store.clone(), &secret, password, params).unwrap();
    printed.push(format!("{locked:?}"));
    let unlocked = locked.unlock(password, Instant::now(), Duration::from_secs(60)).unwrap();
    printed.push(format!("{unlocked:?}"));
    printed.push(format!("{:?}", unlocked.signer()));
    printed.push(format!("{:?}", Wallet::Unlocked(unlocked)));

    // Every error a user can cause with these secrets nearby.
    let mut errors = vec![
        locked.unlock("hunter3", Instant::now(), Duration::from_secs(60)).unwrap_err(),
        locked.reveal_mnemonic("nope").unwrap_err(),
        locked.change_password("nope", password, params).unwrap_err(),
        LockedWallet::create(store.clone(), &secret, password, params).unwrap_err(),
        Mnemonic::parse(&format!("{} zzzz", mnemonic.phrase().as_str())).unwrap_err(),
        Mnemonic::parse(&mnemonic.phrase().replace(&words[3], "notaword")).unwrap_err(),
        PrivateKey::from_hex(&key_hex[..62]).unwrap_err(),
        PrivateKey::from_hex(&format!("{}zz", &key_hex[..62])).unwrap_err(),
    ];
    // Swapped words usually break the checksum (1 in 256 they do not).
    let mut swapped = words.clone();
    swapped.swap(0, 1);
    errors.extend(Mnemonic::parse(&swapped.join(" ")).err());
    // A tampered file.
    let mut bytes = std::fs::read(store.path()).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(store.path(), &bytes).unwrap();
    errors.push(
        LockedWallet::open(store.clone())
            .unwrap()
            .unlock(password, Instant::now(), Duration::from_secs(60))
            .unwrap_err(),
    );
    for e in &errors {
        printed.push(e.to_string());
        printed.push(format!("{e:?}"));
    }

    for text in &printed {
        assert_clean(text, &words, &key_hex, password);
        assert!(!text.contains(passphrase), "passphrase leaked into: {text}");
    }
    // The address is what Debug does show.
    assert!(printed[1].contains(&key.address().to_base58()));
    // Revealing is the one way out, and it needs the password.
    std::fs::write(store.path(), {
        bytes[last] ^= 1;
        &bytes
    })
    .unwrap();
    let reopened = LockedWallet::open(store).unwrap();
    assert_eq!(reopened.reveal_mnemonic(password).unwrap().as_str(), mnemonic.phrase().as_str());
}
