//! Offline TRON transactions: TRX `TransferContract`, TRC-10 `TransferAssetContract` and
//! TRC-20 `transfer(address,uint256)` through `TriggerSmartContract`.
//!
//! A transaction is the protobuf `Transaction { raw_data, signature[] }`; its id is
//! sha256 of the `raw_data` bytes, and each signature signs that id. The few messages we
//! need from TRON's `core/Tron.proto` and `core/contract/*.proto` are declared here with
//! prost's derive macros (field numbers as in those files), so there is no protoc step.
//! The node takes the result either as hex bytes or in the JSON form of
//! `/wallet/broadcasttransaction` ([`TransactionJson`]).

use prost::Message;
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::signer::{Signature, Signer};
use crate::{Address, Error, Result};

/// The BTT TRC-20 contract on mainnet, `TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp4`.
pub const BTT_TRC20_MAINNET: Address = Address::from_known([
    0x41, 0x03, 0x20, 0x17, 0x41, 0x1f, 0x46, 0x63, 0xb3, 0x17, 0xfe, 0x77, 0xc2, 0x57, 0xd2, 0x8d, 0x5c,
    0xd1, 0xb2, 0x6e, 0x3d,
]);
/// The legacy BTT TRC-10 token id.
pub const BTT_TRC10_ID: &str = "1002000";
/// The selector of `transfer(address,uint256)`: keccak256 of the signature, first 4 bytes.
pub const TRC20_TRANSFER_SELECTOR: [u8; 4] = [0xa9, 0x05, 0x9c, 0xbb];

/// TRON's protobuf messages, only the fields we write or read.
pub mod proto {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Any {
        #[prost(string, tag = "1")]
        pub type_url: String,
        #[prost(bytes = "vec", tag = "2")]
        pub value: Vec<u8>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Contract {
        #[prost(int32, tag = "1")]
        pub r#type: i32,
        #[prost(message, optional, tag = "2")]
        pub parameter: Option<Any>,
        #[prost(int32, tag = "5")]
        pub permission_id: i32,
    }

    /// `Transaction.raw`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct TransactionRaw {
        #[prost(bytes = "vec", tag = "1")]
        pub ref_block_bytes: Vec<u8>,
        #[prost(int64, tag = "3")]
        pub ref_block_num: i64,
        #[prost(bytes = "vec", tag = "4")]
        pub ref_block_hash: Vec<u8>,
        #[prost(int64, tag = "8")]
        pub expiration: i64,
        #[prost(bytes = "vec", tag = "10")]
        pub data: Vec<u8>,
        #[prost(message, repeated, tag = "11")]
        pub contract: Vec<Contract>,
        #[prost(int64, tag = "14")]
        pub timestamp: i64,
        #[prost(int64, tag = "18")]
        pub fee_limit: i64,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Transaction {
        #[prost(message, optional, tag = "1")]
        pub raw_data: Option<TransactionRaw>,
        #[prost(bytes = "vec", repeated, tag = "2")]
        pub signature: Vec<Vec<u8>>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct TransferContract {
        #[prost(bytes = "vec", tag = "1")]
        pub owner_address: Vec<u8>,
        #[prost(bytes = "vec", tag = "2")]
        pub to_address: Vec<u8>,
        #[prost(int64, tag = "3")]
        pub amount: i64,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct TransferAssetContract {
        #[prost(bytes = "vec", tag = "1")]
        pub asset_name: Vec<u8>,
        #[prost(bytes = "vec", tag = "2")]
        pub owner_address: Vec<u8>,
        #[prost(bytes = "vec", tag = "3")]
        pub to_address: Vec<u8>,
        #[prost(int64, tag = "4")]
        pub amount: i64,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct TriggerSmartContract {
        #[prost(bytes = "vec", tag = "1")]
        pub owner_address: Vec<u8>,
        #[prost(bytes = "vec", tag = "2")]
        pub contract_address: Vec<u8>,
        #[prost(int64, tag = "3")]
        pub call_value: i64,
        #[prost(bytes = "vec", tag = "4")]
        pub data: Vec<u8>,
    }

    /// `Transaction.Contract.ContractType` values we use.
    pub const TRANSFER_CONTRACT: i32 = 1;
    pub const TRANSFER_ASSET_CONTRACT: i32 = 2;
    pub const TRIGGER_SMART_CONTRACT: i32 = 31;
}

/// The block a transaction refers to: it is valid only on a chain holding this block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefBlock {
    pub number: u64,
    /// The 32-byte block id (`blockID` in the node's JSON): 8 bytes of number, then hash.
    pub id: [u8; 32],
}

impl RefBlock {
    /// Bytes 6..8 of the block number, big-endian.
    pub fn ref_block_bytes(&self) -> [u8; 2] {
        let n = self.number.to_be_bytes();
        [n[6], n[7]]
    }

    /// Bytes 8..16 of the block id.
    pub fn ref_block_hash(&self) -> [u8; 8] {
        let mut out = [0u8; 8];
        out.copy_from_slice(&self.id[8..16]);
        out
    }
}

/// What every transaction carries besides its contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxHeader {
    pub ref_block: RefBlock,
    /// Milliseconds since the Unix epoch; nodes refuse it after this (at most 24 h ahead).
    pub expiration_ms: i64,
    /// Milliseconds since the Unix epoch, when it was made.
    pub timestamp_ms: i64,
    /// `raw_data.data`: shown by explorers as the memo. Settlements put channel ids here.
    pub memo: Option<Vec<u8>>,
}

impl TxHeader {
    /// Made at `now_ms`, expiring `valid_for_ms` later (the node's default is 60 s).
    pub fn new(ref_block: RefBlock, now_ms: i64, valid_for_ms: i64) -> Self {
        Self {
            ref_block,
            expiration_ms: now_ms.saturating_add(valid_for_ms),
            timestamp_ms: now_ms,
            memo: None,
        }
    }

    pub fn with_memo(mut self, memo: impl Into<Vec<u8>>) -> Self {
        self.memo = Some(memo.into());
        self
    }

    fn raw(&self, contract: proto::Contract, fee_limit: i64) -> proto::TransactionRaw {
        proto::TransactionRaw {
            ref_block_bytes: self.ref_block.ref_block_bytes().to_vec(),
            ref_block_num: 0,
            ref_block_hash: self.ref_block.ref_block_hash().to_vec(),
            expiration: self.expiration_ms,
            data: self.memo.clone().unwrap_or_default(),
            contract: vec![contract],
            timestamp: self.timestamp_ms,
            fee_limit,
        }
    }
}

fn int64(amount: u128) -> Result<i64> {
    i64::try_from(amount).map_err(|_| Error::AmountTooLarge(amount))
}

fn contract(kind: i32, name: &str, value: Vec<u8>) -> proto::Contract {
    proto::Contract {
        r#type: kind,
        parameter: Some(proto::Any { type_url: format!("type.googleapis.com/protocol.{name}"), value }),
        permission_id: 0,
    }
}

/// Sends `amount_sun` TRX (1 TRX = 10^6 sun) from `owner` to `to`.
pub fn trx_transfer(
    header: &TxHeader,
    owner: &Address,
    to: &Address,
    amount_sun: u64,
) -> Result<UnsignedTransaction> {
    let value = proto::TransferContract {
        owner_address: owner.as_bytes().to_vec(),
        to_address: to.as_bytes().to_vec(),
        amount: int64(amount_sun.into())?,
    };
    Ok(UnsignedTransaction::new(
        header.raw(contract(proto::TRANSFER_CONTRACT, "TransferContract", value.encode_to_vec()), 0),
    ))
}

/// Sends `amount` base units of the TRC-10 token `token_id` (e.g. [`BTT_TRC10_ID`]).
pub fn trc10_transfer(
    header: &TxHeader,
    owner: &Address,
    to: &Address,
    token_id: &str,
    amount: u64,
) -> Result<UnsignedTransaction> {
    let value = proto::TransferAssetContract {
        asset_name: token_id.as_bytes().to_vec(),
        owner_address: owner.as_bytes().to_vec(),
        to_address: to.as_bytes().to_vec(),
        amount: int64(amount.into())?,
    };
    Ok(UnsignedTransaction::new(
        header
            .raw(contract(proto::TRANSFER_ASSET_CONTRACT, "TransferAssetContract", value.encode_to_vec()), 0),
    ))
}

/// ABI call data for `transfer(address,uint256)`: selector, then both arguments
/// left-padded to 32 bytes (the address without its 0x41 prefix).
pub fn trc20_transfer_data(to: &Address, amount: u128) -> Vec<u8> {
    let mut data = Vec::with_capacity(4 + 64);
    data.extend_from_slice(&TRC20_TRANSFER_SELECTOR);
    data.extend_from_slice(&[0u8; 12]);
    data.extend_from_slice(&to.evm_bytes());
    data.extend_from_slice(&[0u8; 16]);
    data.extend_from_slice(&amount.to_be_bytes());
    data
}

/// Calls `transfer(to, amount)` on the TRC-20 `token` (e.g. [`BTT_TRC20_MAINNET`]),
/// burning at most `fee_limit_sun` for energy.
pub fn trc20_transfer(
    header: &TxHeader,
    owner: &Address,
    token: &Address,
    to: &Address,
    amount: u128,
    fee_limit_sun: u64,
) -> Result<UnsignedTransaction> {
    let value = proto::TriggerSmartContract {
        owner_address: owner.as_bytes().to_vec(),
        contract_address: token.as_bytes().to_vec(),
        call_value: 0,
        data: trc20_transfer_data(to, amount),
    };
    Ok(UnsignedTransaction::new(header.raw(
        contract(proto::TRIGGER_SMART_CONTRACT, "TriggerSmartContract", value.encode_to_vec()),
        int64(fee_limit_sun.into())?,
    )))
}

/// The one contract inside a transaction, decoded: what a node checks before it applies it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TxContract {
    /// TRX `TransferContract`.
    Transfer { owner: Address, to: Address, amount_sun: i64 },
    /// TRC-10 `TransferAssetContract`.
    TransferAsset { owner: Address, to: Address, token_id: String, amount: i64 },
    /// `TriggerSmartContract`: a call of `contract` with ABI `data`.
    TriggerSmartContract { owner: Address, contract: Address, call_value: i64, data: Vec<u8> },
}

impl TxContract {
    /// The account that must sign.
    pub fn owner(&self) -> &Address {
        match self {
            Self::Transfer { owner, .. }
            | Self::TransferAsset { owner, .. }
            | Self::TriggerSmartContract { owner, .. } => owner,
        }
    }
}

/// The recipient and amount of a TRC-20 `transfer(address,uint256)` call, or `None` when
/// `data` is not exactly such a call or the amount does not fit in a `u128`.
pub fn decode_trc20_transfer(data: &[u8]) -> Option<(Address, u128)> {
    if data.len() != 4 + 64 || data[..4] != TRC20_TRANSFER_SELECTOR {
        return None;
    }
    let (to_word, amount_word) = data[4..].split_at(32);
    // An ABI address is 20 bytes left-padded with zeros; anything else is a malformed call.
    if to_word[..12].iter().any(|&b| b != 0) || amount_word[..16].iter().any(|&b| b != 0) {
        return None;
    }
    let to = Address::from_evm_bytes(to_word[12..].try_into().ok()?);
    let amount = u128::from_be_bytes(amount_word[16..].try_into().ok()?);
    Some((to, amount))
}

/// A transaction before signing.
#[derive(Debug, Clone, PartialEq)]
pub struct UnsignedTransaction {
    raw: proto::TransactionRaw,
    raw_bytes: Vec<u8>,
}

impl UnsignedTransaction {
    pub fn new(raw: proto::TransactionRaw) -> Self {
        let raw_bytes = raw.encode_to_vec();
        Self { raw, raw_bytes }
    }

    /// From `raw_data` bytes exactly as given (their hash is the id, so they are kept).
    pub fn from_raw_bytes(bytes: &[u8]) -> Result<Self> {
        let raw =
            proto::TransactionRaw::decode(bytes).map_err(|e| Error::TransactionDecode(e.to_string()))?;
        Ok(Self { raw, raw_bytes: bytes.to_vec() })
    }

    pub fn raw(&self) -> &proto::TransactionRaw {
        &self.raw
    }

    pub fn raw_bytes(&self) -> &[u8] {
        &self.raw_bytes
    }

    /// sha256 of the `raw_data` bytes.
    pub fn txid(&self) -> [u8; 32] {
        sha2::Sha256::digest(&self.raw_bytes).into()
    }

    /// The transaction's single contract, decoded. TRON transactions carry exactly one.
    pub fn contract(&self) -> Result<TxContract> {
        let [c] = self.raw.contract.as_slice() else {
            return Err(Error::TransactionDecode(format!(
                "a transaction carries one contract, this one {}",
                self.raw.contract.len()
            )));
        };
        let any = c
            .parameter
            .as_ref()
            .ok_or_else(|| Error::TransactionDecode("contract without parameter".into()))?;
        let bad = |e: prost::DecodeError| Error::TransactionDecode(e.to_string());
        let addr = |b: &[u8]| Address::from_slice(b).map_err(Error::from);
        Ok(match c.r#type {
            proto::TRANSFER_CONTRACT => {
                let v = proto::TransferContract::decode(&any.value[..]).map_err(bad)?;
                TxContract::Transfer {
                    owner: addr(&v.owner_address)?,
                    to: addr(&v.to_address)?,
                    amount_sun: v.amount,
                }
            }
            proto::TRANSFER_ASSET_CONTRACT => {
                let v = proto::TransferAssetContract::decode(&any.value[..]).map_err(bad)?;
                TxContract::TransferAsset {
                    owner: addr(&v.owner_address)?,
                    to: addr(&v.to_address)?,
                    token_id: String::from_utf8_lossy(&v.asset_name).into_owned(),
                    amount: v.amount,
                }
            }
            proto::TRIGGER_SMART_CONTRACT => {
                let v = proto::TriggerSmartContract::decode(&any.value[..]).map_err(bad)?;
                TxContract::TriggerSmartContract {
                    owner: addr(&v.owner_address)?,
                    contract: addr(&v.contract_address)?,
                    call_value: v.call_value,
                    data: v.data,
                }
            }
            other => {
                return Err(Error::TransactionDecode(format!("contract type {other} is not one we know")))
            }
        })
    }

    pub fn sign(self, signer: &dyn Signer) -> Result<SignedTransaction> {
        let signature = signer.sign_prehash(&self.txid())?;
        Ok(SignedTransaction { unsigned: self, signatures: vec![signature] })
    }
}

/// A signed transaction, ready to broadcast.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedTransaction {
    unsigned: UnsignedTransaction,
    signatures: Vec<Signature>,
}

impl SignedTransaction {
    /// Decodes protobuf `Transaction` bytes (what `to_bytes` gives).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let tx = proto::Transaction::decode(bytes).map_err(|e| Error::TransactionDecode(e.to_string()))?;
        let raw = tx.raw_data.ok_or_else(|| Error::TransactionDecode("no raw_data".into()))?;
        // The id hashes the bytes as sent, which a re-encoding need not reproduce (field
        // order, unknown fields), so the raw_data bytes are taken from the input itself.
        let unsigned = UnsignedTransaction { raw, raw_bytes: raw_data_slice(bytes)?.to_vec() };
        let signatures = tx.signature.iter().map(|s| Signature::from_slice(s)).collect::<Result<Vec<_>>>()?;
        Ok(Self { unsigned, signatures })
    }

    /// From `raw_data` bytes as they were signed and the signatures over their hash (what
    /// a node gets as `raw_data_hex` and `signature` in the JSON form).
    pub fn from_parts(raw_bytes: &[u8], signatures: Vec<Signature>) -> Result<Self> {
        Ok(Self { unsigned: UnsignedTransaction::from_raw_bytes(raw_bytes)?, signatures })
    }

    pub fn unsigned(&self) -> &UnsignedTransaction {
        &self.unsigned
    }

    pub fn signatures(&self) -> &[Signature] {
        &self.signatures
    }

    pub fn txid(&self) -> [u8; 32] {
        self.unsigned.txid()
    }

    pub fn txid_hex(&self) -> String {
        hex::encode(self.txid())
    }

    /// The addresses that signed it, in order.
    pub fn signers(&self) -> Result<Vec<Address>> {
        let id = self.txid();
        self.signatures.iter().map(|s| s.recover(&id)).collect()
    }

    /// Protobuf `Transaction` bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        proto::Transaction {
            raw_data: Some(self.unsigned.raw.clone()),
            signature: self.signatures.iter().map(|s| s.as_bytes().to_vec()).collect(),
        }
        .encode_to_vec()
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.to_bytes())
    }

    /// The node's JSON form, as `/wallet/broadcasttransaction` takes it.
    pub fn to_json(&self) -> Result<TransactionJson> {
        let raw = &self.unsigned.raw;
        let contract = raw.contract.iter().map(contract_json).collect::<Result<Vec<_>>>()?;
        Ok(TransactionJson {
            visible: false,
            tx_id: self.txid_hex(),
            raw_data: RawDataJson {
                contract,
                ref_block_bytes: hex::encode(&raw.ref_block_bytes),
                ref_block_hash: hex::encode(&raw.ref_block_hash),
                expiration: raw.expiration,
                timestamp: raw.timestamp,
                data: (!raw.data.is_empty()).then(|| hex::encode(&raw.data)),
                fee_limit: (raw.fee_limit != 0).then_some(raw.fee_limit),
            },
            raw_data_hex: hex::encode(&self.unsigned.raw_bytes),
            signature: self.signatures.iter().map(Signature::to_hex).collect(),
        })
    }
}

/// The bytes of field 1 (`raw_data`) of a protobuf `Transaction`, as they are.
fn raw_data_slice(mut buf: &[u8]) -> Result<&[u8]> {
    let bad = || Error::TransactionDecode("malformed transaction bytes".into());
    let mut found = None;
    while !buf.is_empty() {
        let key = prost::encoding::decode_varint(&mut buf).map_err(|_| bad())?;
        let len = match key & 7 {
            0 => {
                prost::encoding::decode_varint(&mut buf).map_err(|_| bad())?;
                0
            }
            1 => 8,
            2 => usize::try_from(prost::encoding::decode_varint(&mut buf).map_err(|_| bad())?)
                .map_err(|_| bad())?,
            5 => 4,
            _ => return Err(bad()),
        };
        if len > buf.len() {
            return Err(bad());
        }
        let (field, rest) = buf.split_at(len);
        if key == (1 << 3 | 2) {
            found = Some(field);
        }
        buf = rest;
    }
    found.ok_or_else(|| Error::TransactionDecode("no raw_data".into()))
}

fn contract_json(c: &proto::Contract) -> Result<ContractJson> {
    let any =
        c.parameter.as_ref().ok_or_else(|| Error::TransactionDecode("contract without parameter".into()))?;
    let bad = |e: prost::DecodeError| Error::TransactionDecode(e.to_string());
    let (kind, value) = match c.r#type {
        proto::TRANSFER_CONTRACT => {
            let v = proto::TransferContract::decode(&any.value[..]).map_err(bad)?;
            (
                "TransferContract",
                serde_json::json!({
                    "owner_address": hex::encode(&v.owner_address),
                    "to_address": hex::encode(&v.to_address),
                    "amount": v.amount,
                }),
            )
        }
        proto::TRANSFER_ASSET_CONTRACT => {
            let v = proto::TransferAssetContract::decode(&any.value[..]).map_err(bad)?;
            (
                "TransferAssetContract",
                serde_json::json!({
                    "asset_name": hex::encode(&v.asset_name),
                    "owner_address": hex::encode(&v.owner_address),
                    "to_address": hex::encode(&v.to_address),
                    "amount": v.amount,
                }),
            )
        }
        proto::TRIGGER_SMART_CONTRACT => {
            let v = proto::TriggerSmartContract::decode(&any.value[..]).map_err(bad)?;
            let mut value = serde_json::json!({
                "owner_address": hex::encode(&v.owner_address),
                "contract_address": hex::encode(&v.contract_address),
                "data": hex::encode(&v.data),
            });
            if v.call_value != 0 {
                value["call_value"] = v.call_value.into();
            }
            ("TriggerSmartContract", value)
        }
        other => return Err(Error::TransactionDecode(format!("contract type {other} is not one we build"))),
    };
    Ok(ContractJson {
        parameter: ParameterJson { value, type_url: any.type_url.clone() },
        kind: kind.to_owned(),
    })
}

/// `/wallet/broadcasttransaction`'s body: addresses in hex (`visible: false`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransactionJson {
    #[serde(default)]
    pub visible: bool,
    #[serde(rename = "txID")]
    pub tx_id: String,
    pub raw_data: RawDataJson,
    pub raw_data_hex: String,
    #[serde(default)]
    pub signature: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawDataJson {
    pub contract: Vec<ContractJson>,
    pub ref_block_bytes: String,
    pub ref_block_hash: String,
    pub expiration: i64,
    pub timestamp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_limit: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContractJson {
    pub parameter: ParameterJson,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterJson {
    pub value: serde_json::Value,
    pub type_url: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_btt_contract_constant_is_the_published_address() {
        assert_eq!(BTT_TRC20_MAINNET.to_base58(), "TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp4");
        assert_eq!(&crate::keccak256(b"transfer(address,uint256)")[..4], &TRC20_TRANSFER_SELECTOR);
    }

    #[test]
    fn ref_block_fields_come_from_number_and_id() {
        let mut id = [0u8; 32];
        id[..8].copy_from_slice(&0x0000_0000_0123_487cu64.to_be_bytes());
        id[8..16].copy_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
        let b = RefBlock { number: 0x0123_487c, id };
        assert_eq!(b.ref_block_bytes(), [0x48, 0x7c]);
        assert_eq!(b.ref_block_hash(), [1, 2, 3, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn trc20_data_is_selector_address_amount() {
        let to: Address = "TEmH6bFE8FahLDTJwZqfAVuB7CaxjvPmZV".parse().unwrap();
        let data = trc20_transfer_data(&to, 10u128.pow(18));
        assert_eq!(data.len(), 68);
        assert_eq!(
            hex::encode(&data),
            "a9059cbb00000000000000000000000034970e58155b49379b5a1fdd9f06949ef6bbdf58\
             0000000000000000000000000000000000000000000000000de0b6b3a7640000"
        );
    }

    #[test]
    fn the_contract_decodes_back_to_what_was_built() {
        let a: Address = "TEmH6bFE8FahLDTJwZqfAVuB7CaxjvPmZV".parse().unwrap();
        let b: Address = "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH".parse().unwrap();
        let h = TxHeader::new(RefBlock { number: 7, id: [3; 32] }, 1_000, 60_000);
        let trx = trx_transfer(&h, &a, &b, 5).unwrap();
        assert_eq!(trx.contract().unwrap(), TxContract::Transfer { owner: a, to: b, amount_sun: 5 });
        let trc20 = trc20_transfer(&h, &a, &BTT_TRC20_MAINNET, &b, 10u128.pow(24), 1).unwrap();
        let TxContract::TriggerSmartContract { owner, contract, call_value, data } =
            trc20.contract().unwrap()
        else {
            panic!("a TRC-20 transfer is a TriggerSmartContract")
        };
        assert_eq!((owner, contract, call_value), (a, BTT_TRC20_MAINNET, 0));
        assert_eq!(decode_trc20_transfer(&data), Some((b, 10u128.pow(24))));
        assert_eq!(trc20.contract().unwrap().owner(), &a);
    }

    #[test]
    fn malformed_trc20_calls_do_not_decode() {
        let b: Address = "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH".parse().unwrap();
        let good = trc20_transfer_data(&b, 42);
        assert_eq!(decode_trc20_transfer(&good), Some((b, 42)));
        assert_eq!(decode_trc20_transfer(&good[..67]), None);
        let mut other_selector = good.clone();
        other_selector[0] ^= 1;
        assert_eq!(decode_trc20_transfer(&other_selector), None);
        let mut dirty_address = good.clone();
        dirty_address[4] = 1;
        assert_eq!(decode_trc20_transfer(&dirty_address), None);
        let mut huge_amount = good;
        huge_amount[36] = 1;
        assert_eq!(decode_trc20_transfer(&huge_amount), None);
    }

    #[test]
    fn from_parts_rebuilds_the_signed_transaction() {
        let k =
            crate::PrivateKey::from_hex("9ab06d4ddc783eaedadb2b1967bf664f8c859f6635c416c67941d3766fdee6b2")
                .unwrap();
        let h = TxHeader::new(RefBlock { number: 7, id: [3; 32] }, 1_000, 60_000).with_memo(*b"memo");
        let signed = trx_transfer(&h, &k.address(), &BTT_TRC20_MAINNET, 9).unwrap().sign(&k).unwrap();
        let again =
            SignedTransaction::from_parts(signed.unsigned().raw_bytes(), signed.signatures().to_vec())
                .unwrap();
        assert_eq!(again, signed);
        assert_eq!(again.signers().unwrap(), vec![k.address()]);
    }

    #[test]
    fn amounts_over_int64_are_refused() {
        let a: Address = "TEmH6bFE8FahLDTJwZqfAVuB7CaxjvPmZV".parse().unwrap();
        let h = TxHeader::new(RefBlock { number: 1, id: [0; 32] }, 0, 60_000);
        assert!(matches!(trx_transfer(&h, &a, &a, u64::MAX), Err(Error::AmountTooLarge(_))));
        assert!(trc20_transfer(&h, &a, &BTT_TRC20_MAINNET, &a, u128::MAX, 100_000_000).is_ok());
    }
}
