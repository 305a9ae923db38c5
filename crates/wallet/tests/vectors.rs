//! Every vector of tests/vectors.json (a copy of the project's shared TRON vectors), byte
//! for byte.

#![allow(clippy::unwrap_used)] // a test: a failure here should panic

use bidswarm_wallet::tx::{self, RefBlock, SignedTransaction, TxHeader, UnsignedTransaction};
use bidswarm_wallet::{Address, Mnemonic, PrivateKey, Signature, Signer};
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("vectors.json")).expect("vectors.json is JSON")
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("vector field {key}"))
}

#[test]
fn addresses_from_private_keys() {
    let all = vectors();
    let list = all["addresses"].as_array().unwrap();
    assert!(!list.is_empty());
    for v in list {
        let key = PrivateKey::from_hex(s(v, "private_key")).unwrap();
        assert_eq!(hex::encode(key.public_key_uncompressed()), s(v, "public_key_uncompressed"));
        assert_eq!(key.address().to_hex(), s(v, "address_hex"));
        assert_eq!(key.address().to_base58(), s(v, "address_base58"));
        assert_eq!(
            Address::from_base58(s(v, "address_base58")).unwrap(),
            Address::from_hex(s(v, "address_hex")).unwrap()
        );
    }
}

#[test]
fn bip44_derivation() {
    let all = vectors();
    for v in all["bip44"].as_array().unwrap() {
        assert_eq!(s(v, "path"), "m/44'/195'/0'/0/0");
        let m = Mnemonic::parse(s(v, "mnemonic")).unwrap();
        let key = m.derive(s(v, "passphrase"), 0).unwrap();
        assert_eq!(hex::encode(&key.to_bytes()[..]), s(v, "private_key"));
        assert_eq!(key.address().to_base58(), s(v, "address_base58"));
    }
}

#[test]
fn transaction_signature_and_signed_bytes() {
    let all = vectors();
    for v in all["transaction_signing"].as_array().unwrap() {
        let key = PrivateKey::from_hex(s(v, "signing_private_key")).unwrap();
        let raw = hex::decode(s(v, "raw_data_hex")).unwrap();
        let unsigned = UnsignedTransaction::from_raw_bytes(&raw).unwrap();
        assert_eq!(hex::encode(unsigned.txid()), s(v, "txid"));
        let signed = unsigned.sign(&key).unwrap();
        assert_eq!(signed.signatures()[0].to_hex(), s(v, "signature_rsv"));
        assert_eq!(signed.to_hex(), s(v, "signed_transaction_hex"));
        assert_eq!(signed.signers().unwrap(), vec![key.address()]);

        // And back: decoding the signed bytes keeps the id and the signature.
        let bytes = hex::decode(s(v, "signed_transaction_hex")).unwrap();
        let decoded = SignedTransaction::from_bytes(&bytes).unwrap();
        assert_eq!(decoded.txid_hex(), s(v, "txid"));
        assert_eq!(decoded.to_bytes(), bytes);
        let sig = Signature::from_hex(s(v, "signature_rsv")).unwrap();
        assert_eq!(sig.recover(&decoded.txid()).unwrap(), key.address());
    }
}

/// Our TransferContract builder, fed the vector's fields, makes the vector's raw_data.
#[test]
fn trx_transfer_builder_reproduces_the_vector() {
    let all = vectors();
    let v = &all["transaction_signing"][0];
    let b = &v["builder"];
    let low: [u8; 2] = hex::decode(s(b, "ref_block_number_low16")).unwrap().try_into().unwrap();
    let mut id = [0u8; 32];
    id[6..8].copy_from_slice(&low);
    id[8..16].copy_from_slice(&hex::decode(s(b, "ref_block_hash")).unwrap());
    let header = TxHeader {
        ref_block: RefBlock { number: u64::from(u16::from_be_bytes(low)) + (77 << 16), id },
        expiration_ms: b["expiration_ms"].as_i64().unwrap(),
        timestamp_ms: b["timestamp_ms"].as_i64().unwrap(),
        memo: None,
    };
    let owner = Address::from_hex(s(b, "owner_hex")).unwrap();
    let to = Address::from_hex(s(b, "to_hex")).unwrap();
    let unsigned = tx::trx_transfer(&header, &owner, &to, b["amount_sun"].as_u64().unwrap()).unwrap();
    assert_eq!(hex::encode(unsigned.raw_bytes()), s(v, "raw_data_hex"));
    assert_eq!(hex::encode(unsigned.txid()), s(v, "txid"));

    let key = PrivateKey::from_hex(s(v, "signing_private_key")).unwrap();
    let signed = unsigned.sign(&key).unwrap();
    assert_eq!(signed.to_hex(), s(v, "signed_transaction_hex"));

    // The node's JSON form carries the same bytes and the decoded contract.
    let json = serde_json::to_value(signed.to_json().unwrap()).unwrap();
    assert_eq!(json["txID"], s(v, "txid"));
    assert_eq!(json["raw_data_hex"], s(v, "raw_data_hex"));
    assert_eq!(json["signature"][0], s(v, "signature_rsv"));
    assert_eq!(json["raw_data"]["ref_block_bytes"], "487c");
    assert_eq!(json["raw_data"]["ref_block_hash"], "0608af18f6ec6c83");
    assert_eq!(json["raw_data"]["expiration"], b["expiration_ms"]);
    let c = &json["raw_data"]["contract"][0];
    assert_eq!(c["type"], "TransferContract");
    assert_eq!(c["parameter"]["type_url"], "type.googleapis.com/protocol.TransferContract");
    assert_eq!(c["parameter"]["value"]["owner_address"], s(b, "owner_hex"));
    assert_eq!(c["parameter"]["value"]["to_address"], s(b, "to_hex"));
    assert_eq!(c["parameter"]["value"]["amount"], 10);
    assert!(json["raw_data"].get("fee_limit").is_none());
    assert!(json["raw_data"].get("data").is_none());
}

#[test]
fn btt_constants() {
    let all = vectors();
    let btt = &all["btt"];
    assert_eq!(tx::BTT_TRC20_MAINNET.to_base58(), s(btt, "trc20_contract_base58"));
    assert_eq!(tx::BTT_TRC20_MAINNET.to_hex(), s(btt, "trc20_contract_hex"));
    assert_eq!(hex::encode(tx::TRC20_TRANSFER_SELECTOR), s(btt, "trc20_transfer_selector"));
    assert_eq!(tx::BTT_TRC10_ID, s(btt, "legacy_trc10_token_id"));
}

fn header_with_memo() -> TxHeader {
    let mut id = [0u8; 32];
    id[..8].copy_from_slice(&5_000_123u64.to_be_bytes());
    id[8..16].copy_from_slice(&[0xaa; 8]);
    TxHeader::new(RefBlock { number: 5_000_123, id }, 1_700_000_000_000, 60_000)
        .with_memo(b"bidswarm settle 00112233".to_vec())
}

#[test]
fn trc20_transfer_carries_fee_limit_call_data_and_memo() {
    let key = PrivateKey::from_bytes(&[3u8; 32]).unwrap();
    let to: Address = "TEmH6bFE8FahLDTJwZqfAVuB7CaxjvPmZV".parse().unwrap();
    let amount = 123_456_789_000_000_000_000u128;
    let signed = tx::trc20_transfer(
        &header_with_memo(),
        &key.address(),
        &tx::BTT_TRC20_MAINNET,
        &to,
        amount,
        50_000_000,
    )
    .unwrap()
    .sign(&key)
    .unwrap();
    let json = serde_json::to_value(signed.to_json().unwrap()).unwrap();
    let raw = &json["raw_data"];
    assert_eq!(raw["fee_limit"], 50_000_000);
    assert_eq!(raw["data"], hex::encode(b"bidswarm settle 00112233"));
    assert_eq!(raw["ref_block_bytes"], hex::encode(&5_000_123u64.to_be_bytes()[6..]));
    assert_eq!(raw["expiration"], 1_700_000_060_000i64);
    let c = &raw["contract"][0];
    assert_eq!(c["type"], "TriggerSmartContract");
    assert_eq!(c["parameter"]["value"]["contract_address"], tx::BTT_TRC20_MAINNET.to_hex());
    assert_eq!(c["parameter"]["value"]["data"], hex::encode(tx::trc20_transfer_data(&to, amount)));
    // The hex and the JSON describe the same transaction.
    let decoded = SignedTransaction::from_bytes(&hex::decode(signed.to_hex()).unwrap()).unwrap();
    assert_eq!(decoded.txid_hex(), json["txID"]);
    assert_eq!(decoded.signers().unwrap(), vec![key.address()]);
    assert_eq!(hex::encode(decoded.unsigned().raw_bytes()), json["raw_data_hex"]);
}

#[test]
fn trc10_transfer_names_the_token_by_id() {
    let key = PrivateKey::from_bytes(&[4u8; 32]).unwrap();
    let to: Address = "TEmH6bFE8FahLDTJwZqfAVuB7CaxjvPmZV".parse().unwrap();
    let signed = tx::trc10_transfer(&header_with_memo(), &key.address(), &to, tx::BTT_TRC10_ID, 1_000_000)
        .unwrap()
        .sign(&key)
        .unwrap();
    let json = serde_json::to_value(signed.to_json().unwrap()).unwrap();
    let c = &json["raw_data"]["contract"][0];
    assert_eq!(c["type"], "TransferAssetContract");
    assert_eq!(c["parameter"]["value"]["asset_name"], hex::encode("1002000"));
    assert_eq!(c["parameter"]["value"]["amount"], 1_000_000);
    assert_eq!(c["parameter"]["type_url"], "type.googleapis.com/protocol.TransferAssetContract");
    // JSON round trip through the typed form.
    let back: tx::TransactionJson = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(serde_json::to_value(back).unwrap(), json);
}

#[test]
fn derived_accounts_differ_by_index_and_passphrase() {
    let m = Mnemonic::parse(
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
    )
    .unwrap();
    let a0 = m.derive("", 0).unwrap().address();
    let a1 = m.derive("", 1).unwrap().address();
    let p0 = m.derive("TREZOR", 0).unwrap().address();
    assert_ne!(a0, a1);
    assert_ne!(a0, p0);
    assert_eq!(m.derive("", 1).unwrap().address(), a1);
    assert_eq!(Signer::address(&m.derive("", 1).unwrap()).unwrap(), a1);
}
