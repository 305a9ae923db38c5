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

fn tokens(text: &str) -> std::collections::HashSet<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn nothing_printable_carries_secrets() {
    // Some BIP-39 words are also ordinary words in our own messages ("word", "list",
    // "index", "valid"...). A phrase using one would look like a leak, so the words our
    // messages use for another phrase are left out of the draw (bounded).
    let reference = Mnemonic::generate(WordCount::TwentyFour).unwrap();
    let reference_words = tokens(&reference.phrase());
    let vocabulary: std::collections::HashSet<String> = printed_for(&reference)
        .iter()
        .flat_map(|t| tokens(t))
        .filter(|t| !reference_words.contains(t))
        .collect();
    let mnemonic = (0..1000)
        .map(|_| Mnemonic::generate(WordCount::TwentyFour).unwrap())
        .find(|m| !m.phrase().split(' ').any(|w| vocabulary.contains(w)))
        .expect("a phrase without our messages' words within 1000 draws");
    let printed = printed_for(&mnemonic);
    let words: Vec<String> = mnemonic.phrase().split(' ').map(str::to_owned).collect();
    let key = mnemonic.derive(PASSPHRASE, 0).unwrap();
    let key_hex = hex::encode(&key.to_bytes()[..]);
    for text in &printed {
        assert_clean(text, &words, &key_hex, PASSWORD);
        assert!(!text.contains(PASSPHRASE), "passphrase leaked into: {text}");
    }
    // The address is what Debug does show.
    assert!(printed[1].contains(&key.address().to_base58()));
}

const PASSPHRASE: &str = "tangerine-sunrise-passphrase";
const PASSWORD: &str = "hunter2-very-secret";

/// Everything printable around a wallet made from `mnemonic`: Debug of every key type and
/// wallet state, and every error a user can cause with these secrets nearby.
fn printed_for(mnemonic: &Mnemonic) -> Vec<String> {
    let words: Vec<String> = mnemonic.phrase().split(' ').map(str::to_owned).collect();
    let passphrase = PASSPHRASE;
    let password = PASSWORD;
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

    // Revealing is the one way out, and it needs the password.
    std::fs::write(store.path(), {
        bytes[last] ^= 1;
        &bytes
    })
    .unwrap();
    let reopened = LockedWallet::open(store).unwrap();
    assert_eq!(reopened.reveal_mnemonic(password).unwrap().as_str(), mnemonic.phrase().as_str());
    printed
}
