//! What a transfer will burn, worked out from the node's own numbers the way java-tron
//! charges it. No I/O here: [`crate::Client::quote_trx_transfer`] and
//! [`crate::Client::quote_trc20_transfer`] read the inputs from the node and call
//! [`quote`].
//!
//! The rules (<https://developers.tron.network/docs/resource-model>, "Bandwidth" and
//! "Energy"; <https://developers.tron.network/docs/paying-for-resources>, "TRX burn
//! rates"):
//!
//! - **Bandwidth** is the signed transaction's size in bytes plus 64 for its result. It is
//!   paid from staked bandwidth, else from the account's free daily bandwidth, each only
//!   when it covers the whole transaction; else `getTransactionFee` sun a byte is burnt.
//! - **Creating an account** (a TRX transfer to an address with no account) pays
//!   `getCreateAccountFee` instead of bandwidth (unless staked bandwidth covers it), and
//!   `getCreateNewAccountFeeInSystemContract` on top. A TRC-20 transfer creates no account.
//! - **Memo**: `getMemoFee` when `raw_data.data` is not empty.
//! - **Energy** (a contract call): staked energy first, the rest at `getEnergyFee` sun a
//!   unit, up to the transaction's `fee_limit`.

use serde_json::Value;

use crate::{Error, Result};

/// Bytes java-tron adds to a transaction's size for its result
/// (`Constant.MAX_RESULT_SIZE_IN_TX`).
pub const RESULT_BYTES: u64 = 64;
/// Bytes of one signature field in a `Transaction`: tag, length, 65 bytes r‖s‖v.
const SIGNATURE_FIELD_BYTES: u64 = 1 + 1 + 65;

/// Mainnet's fee parameters at the time of writing, as its `/wallet/getchainparameters`
/// reports them; the devnet charges by these
/// (<https://developers.tron.network/docs/resource-model>, "Bandwidth" and "Energy";
/// <https://developers.tron.network/docs/paying-for-resources>, "TRX burn rates").
pub const MAINNET_FEES: ChainParameters = ChainParameters {
    transaction_fee_sun_per_byte: 1_000,
    energy_fee_sun: 100,
    memo_fee_sun: 1_000_000,
    create_account_fee_sun: 100_000,
    create_new_account_fee_sun: 1_000_000,
    free_net_limit: 600,
};

/// The fee parameters of `/wallet/getchainparameters`, in sun: what a node reports, and
/// what the devnet charges by ([`MAINNET_FEES`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainParameters {
    /// `getTransactionFee`: per byte of bandwidth not covered otherwise.
    pub transaction_fee_sun_per_byte: u64,
    /// `getEnergyFee`: per unit of energy burnt (100 on mainnet since proposal 87, 2024).
    pub energy_fee_sun: u64,
    /// `getMemoFee`: for a transaction whose `raw_data.data` is not empty (0 on a chain
    /// without the rule).
    pub memo_fee_sun: u64,
    /// `getCreateAccountFee`: burnt instead of bandwidth by a transaction that creates an
    /// account (0.1 TRX on mainnet).
    pub create_account_fee_sun: u64,
    /// `getCreateNewAccountFeeInSystemContract`: what a TRX transfer to a new address pays
    /// to create it (1 TRX on mainnet).
    pub create_new_account_fee_sun: u64,
    /// `getFreeNetLimit`: free bandwidth bytes per account per day (600 on mainnet since
    /// 2024; 0 when not reported, so a quote never counts on bandwidth it may not have).
    pub free_net_limit: u64,
}

/// A `fee_limit` for a contract call using `energy` at `energy_price_sun`: twice its
/// energy at that price (staked energy counts against the limit too), so a recipient's
/// balance emptied since the quote (a transfer to a new holder costs about twice the
/// energy) still goes through. Only what is used is burnt.
pub fn fee_limit_sun(energy: u64, energy_price_sun: u64) -> u64 {
    energy.saturating_mul(energy_price_sun).saturating_mul(2)
}

impl ChainParameters {
    /// From `{"chainParameter": [{"key", "value"}]}`. A key without a value is 0 (proto3
    /// leaves zeros out); the fees every quote needs must be there.
    pub(crate) fn from_json(v: &Value) -> Result<Self> {
        let list = v["chainParameter"]
            .as_array()
            .ok_or_else(|| Error::Decode("getchainparameters without chainParameter".into()))?;
        let find = |key: &str| {
            list.iter().find(|p| p["key"].as_str() == Some(key)).map(|p| p["value"].as_i64().unwrap_or(0))
        };
        let required = |key: &str| {
            find(key)
                .and_then(|n| u64::try_from(n).ok())
                .ok_or_else(|| Error::Decode(format!("getchainparameters has no {key}")))
        };
        let optional = |key: &str| find(key).and_then(|n| u64::try_from(n).ok()).unwrap_or(0);
        Ok(Self {
            transaction_fee_sun_per_byte: required("getTransactionFee")?,
            energy_fee_sun: required("getEnergyFee")?,
            create_account_fee_sun: required("getCreateAccountFee")?,
            create_new_account_fee_sun: required("getCreateNewAccountFeeInSystemContract")?,
            memo_fee_sun: optional("getMemoFee"),
            free_net_limit: optional("getFreeNetLimit"),
        })
    }
}

/// An account's bandwidth and energy, from `/wallet/getaccountresource`. Free bandwidth
/// used is as the node reports it (recovered to now).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountResource {
    pub free_net_used: u64,
    /// `None` when the node did not say (an address with no account).
    pub free_net_limit: Option<u64>,
    /// Staked bandwidth.
    pub net_used: u64,
    pub net_limit: u64,
    /// Staked energy.
    pub energy_used: u64,
    pub energy_limit: u64,
}

impl AccountResource {
    pub(crate) fn from_json(v: &Value) -> Self {
        let n = |key: &str| v[key].as_u64().unwrap_or(0);
        Self {
            free_net_used: n("freeNetUsed"),
            free_net_limit: v["freeNetLimit"].as_u64(),
            net_used: n("NetUsed"),
            net_limit: n("NetLimit"),
            energy_used: n("EnergyUsed"),
            energy_limit: n("EnergyLimit"),
        }
    }
}

/// What is being sent, as far as its fee goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferShape {
    /// [`bandwidth_bytes`] of the signed transaction.
    pub bytes: u64,
    /// `raw_data.data` is not empty.
    pub memo: bool,
    pub kind: TransferKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferKind {
    /// A TRX transfer; `creates_account` when the recipient has no account yet.
    Trx { creates_account: bool },
    /// A contract call using `energy` (from `triggerconstantcontract`).
    Contract { energy: u64 },
}

/// A fee, part by part, in sun.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeeQuote {
    pub bandwidth_bytes: u64,
    /// The bandwidth comes from staked or free bandwidth: nothing burnt for it.
    pub bandwidth_covered: bool,
    /// Burnt for bandwidth, or the account-creation fee that replaces it.
    pub bandwidth_fee_sun: u64,
    pub energy: u64,
    /// `getEnergyFee` when quoted.
    pub energy_price_sun: u64,
    pub energy_fee_sun: u64,
    pub memo_fee_sun: u64,
    /// `getCreateNewAccountFeeInSystemContract`, when the transfer creates an account.
    pub account_fee_sun: u64,
}

impl FeeQuote {
    /// All TRX the transaction burns: what `gettransactioninfobyid` reports as `fee`.
    pub fn total_sun(&self) -> u64 {
        self.bandwidth_fee_sun
            .saturating_add(self.energy_fee_sun)
            .saturating_add(self.memo_fee_sun)
            .saturating_add(self.account_fee_sun)
    }

    /// The `fee_limit` to send it with ([`fee_limit_sun`]).
    pub fn fee_limit_sun(&self) -> u64 {
        fee_limit_sun(self.energy, self.energy_price_sun)
    }
}

/// The bandwidth a signed transaction uses: its protobuf `Transaction` size (raw data and
/// signatures, without `ret`) plus [`RESULT_BYTES`], as java-tron's `BandwidthProcessor`
/// counts it.
pub fn bandwidth_bytes(raw_data_len: usize, signatures: usize) -> u64 {
    let raw = u64::try_from(raw_data_len).unwrap_or(u64::MAX);
    1 + varint_len(raw) + raw + SIGNATURE_FIELD_BYTES * u64::try_from(signatures).unwrap_or(1) + RESULT_BYTES
}

fn varint_len(mut n: u64) -> u64 {
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}

/// The fee of `shape` for an account with `resource`, on a chain with `params`.
pub fn quote(params: &ChainParameters, resource: &AccountResource, shape: &TransferShape) -> FeeQuote {
    let mut q = FeeQuote { bandwidth_bytes: shape.bytes, ..FeeQuote::default() };
    let staked_net = resource.net_limit.saturating_sub(resource.net_used);
    let free_net =
        resource.free_net_limit.unwrap_or(params.free_net_limit).saturating_sub(resource.free_net_used);
    match shape.kind {
        TransferKind::Trx { creates_account: true } => {
            // Free bandwidth never pays for creating an account.
            q.bandwidth_covered = staked_net >= shape.bytes;
            if !q.bandwidth_covered {
                q.bandwidth_fee_sun = params.create_account_fee_sun;
            }
            q.account_fee_sun = params.create_new_account_fee_sun;
        }
        TransferKind::Trx { creates_account: false } | TransferKind::Contract { .. } => {
            q.bandwidth_covered = staked_net >= shape.bytes || free_net >= shape.bytes;
            if !q.bandwidth_covered {
                q.bandwidth_fee_sun = shape.bytes.saturating_mul(params.transaction_fee_sun_per_byte);
            }
        }
    }
    if let TransferKind::Contract { energy } = shape.kind {
        q.energy = energy;
        q.energy_price_sun = params.energy_fee_sun;
        let staked_energy = resource.energy_limit.saturating_sub(resource.energy_used);
        q.energy_fee_sun = energy.saturating_sub(staked_energy).saturating_mul(params.energy_fee_sun);
    }
    if shape.memo {
        q.memo_fee_sun = params.memo_fee_sun;
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fresh() -> AccountResource {
        AccountResource { free_net_limit: Some(600), ..AccountResource::default() }
    }

    #[test]
    fn chain_parameters_parse_the_nodes_list_and_need_the_fees() {
        let v = json!({"chainParameter": [
            {"key": "getCreateAccountFee", "value": 100000},
            {"key": "getTransactionFee", "value": 1000},
            {"key": "getCreateNewAccountFeeInSystemContract", "value": 1000000},
            {"key": "getEnergyFee", "value": 100},
            {"key": "getMemoFee", "value": 1000000},
            {"key": "getFreeNetLimit", "value": 600},
            {"key": "getAllowTvmFreeze"},
        ]});
        assert_eq!(ChainParameters::from_json(&v).unwrap(), MAINNET_FEES);
        let missing = json!({"chainParameter": [{"key": "getTransactionFee", "value": 1000}]});
        assert!(ChainParameters::from_json(&missing).is_err(), "a quote without the energy fee is refused");
    }

    #[test]
    fn table_of_fees_on_mainnet_rules() {
        // (what, resource, shape, expected total sun)
        let used = AccountResource { free_net_used: 400, ..fresh() };
        let staked = AccountResource { net_limit: 5_000, energy_limit: 20_000, ..used };
        let trx = |creates_account| TransferKind::Trx { creates_account };
        let call = |energy| TransferKind::Contract { energy };
        let cases = [
            ("TRX, free bandwidth covers it", fresh(), 270, false, trx(false), 0),
            ("TRX, free bandwidth short: all bytes burnt", used, 270, false, trx(false), 270_000),
            ("TRX with a memo", fresh(), 290, true, trx(false), 1_000_000),
            ("TRX creating an account", fresh(), 270, false, trx(true), 1_100_000),
            ("TRX creating an account, staked bandwidth", staked, 270, false, trx(true), 1_000_000),
            ("BTT to a holder", used, 345, false, call(14_650), 345_000 + 1_465_000),
            ("BTT to a new holder", used, 345, false, call(29_650), 345_000 + 2_965_000),
            ("BTT with a memo, free bandwidth", fresh(), 400, true, call(14_650), 1_000_000 + 1_465_000),
            ("BTT, staked energy covers part", staked, 345, false, call(29_650), 965_000),
        ];
        for (what, resource, bytes, memo, kind, total) in cases {
            let q = quote(&MAINNET_FEES, &resource, &TransferShape { bytes, memo, kind });
            assert_eq!(q.total_sun(), total, "{what}: {q:?}");
        }
    }

    #[test]
    fn bandwidth_counts_the_framing_the_signature_and_the_result() {
        // 1 tag + 1 length byte + 100 raw + 67 for one signature + 64 for the result.
        assert_eq!(bandwidth_bytes(100, 1), 233);
        // A raw part of 200 bytes needs a two-byte length.
        assert_eq!(bandwidth_bytes(200, 1), 334);
    }

    #[test]
    fn the_fee_limit_covers_twice_the_energy() {
        let q = quote(
            &MAINNET_FEES,
            &fresh(),
            &TransferShape { bytes: 345, memo: false, kind: TransferKind::Contract { energy: 14_650 } },
        );
        assert_eq!(q.fee_limit_sun(), 2_930_000);
    }
}
