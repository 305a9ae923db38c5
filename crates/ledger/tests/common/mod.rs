//! Shared fixtures: fixed keys (derived once), a ledger in a temp dir, signed vouchers.
#![allow(dead_code)]

use bidswarm_ledger::{Amount, Ledger, NewChannel, SignedVoucher, Summary};
use bidswarm_wallet::{Address, ChannelId, PrivateKey, Signer, Voucher};

/// 2024-05-01T00:00:00Z.
pub const T0: i64 = 1_714_521_600;
pub const EXPIRY: u64 = 1_900_000_000;
pub const INFO_HASH: [u8; 20] = [0xAA; 20];

pub struct Keys {
    pub me: PrivateKey,
    pub seeder: PrivateKey,
    pub leecher: PrivateKey,
    pub mallory: PrivateKey,
}

pub fn keys() -> Keys {
    let key = |b: u8| PrivateKey::from_bytes(&[b; 32]).expect("a valid fixed key");
    Keys { me: key(1), seeder: key(2), leecher: key(3), mallory: key(4) }
}

pub fn btt(s: &str) -> Amount {
    Amount::parse_btt(s).expect("a valid amount")
}

pub async fn open(dir: &tempfile::TempDir) -> Ledger {
    Ledger::open(dir.path().join("ledger.db")).await.expect("ledger opens")
}

pub fn sign(key: &PrivateKey, channel: ChannelId, seq: u64, cumulative: Amount) -> SignedVoucher {
    let voucher = Voucher { channel, seq, cumulative: cumulative.base_units(), expiry: EXPIRY };
    SignedVoucher { voucher, signature: key.sign_voucher(&voucher).expect("signing works") }
}

pub fn channel(payer: Address, payee: Address, nonce: u64, budget: Amount) -> NewChannel {
    NewChannel {
        id: ChannelId::derive(&payer, &payee, &INFO_HASH, nonce),
        payer,
        payee,
        info_hash: INFO_HASH,
        price_per_gib: btt("2"),
        budget,
    }
}

/// The balances of the `populated` ledger in tests/ledger.rs (and of its frozen copy in
/// tests/fixtures/ledger_at_0001.sql): 100 − 10 paid + 7.000000000000000001 earned + 5
/// deposit − 0.1 fee.
pub fn populated_summary() -> Summary {
    Summary {
        onchain: btt("101.900000000000000001"),
        committed: Amount::ZERO,
        spendable: btt("101.900000000000000001"),
        shortfall: Amount::ZERO,
        spent: btt("10"),
        earned_pending: Amount::ZERO,
        earned_settled: btt("7.000000000000000001"),
        fees: btt("0.1"),
    }
}
