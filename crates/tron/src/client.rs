//! The node client: one method per endpoint, answers parsed into typed values.
//!
//! Addresses go out in base58 with `"visible": true`; answers are read in either form.
//! Node errors come in three shapes, all mapped to [`Error`]: a transport failure
//! ([`Error::Offline`]), `{"Error": "..."}` ([`Error::Node`]), and a refused broadcast
//! `{"code": "SIGERROR", "message": "<hex of the text>"}` ([`Error::Rejected`]).

use std::time::Duration;

use bidswarm_wallet::{
    tx::{self as wtx, RefBlock, SignedTransaction, TransactionJson, TxHeader, UnsignedTransaction},
    Address,
};
use serde_json::{json, Value};
use url::Url;

use crate::{
    fee::{self, AccountResource, ChainParameters, FeeQuote, TransferKind, TransferShape},
    Error, Network, RejectCode, Result,
};

pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// A TRON full-node HTTP client. Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    network: Network,
    base: Url,
    api_key: Option<String>,
    btt_contract: Option<Address>,
}

impl std::fmt::Debug for Client {
    // The API key is a credential; say only whether there is one.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("network", &self.network)
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .field("btt_contract", &self.btt_contract)
            .finish()
    }
}

/// The head block, as a reference for new transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NowBlock {
    pub ref_block: RefBlock,
    /// The block's timestamp, milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
}

/// What `gettransactioninfobyid` tells about a transaction in a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionInfo {
    pub txid: String,
    pub block_number: u64,
    pub block_timestamp_ms: i64,
    /// All TRX burnt for it (bandwidth and energy), in sun.
    pub fee_sun: u64,
    /// Of `fee_sun`: burnt for bandwidth (or to create an account) and for energy.
    pub net_fee_sun: u64,
    pub energy_fee_sun: u64,
    /// Bandwidth bytes paid from free or staked bandwidth.
    pub net_usage: u64,
    pub energy_used: u64,
    /// False when the contract failed (reverted, out of energy); the fee is still paid.
    pub success: bool,
    /// The node's reason when it failed.
    pub failure: Option<String>,
}

/// What moved in a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asset {
    /// TRX, amounts in sun.
    Trx,
    /// A TRC-20 token, amounts in its base units.
    Trc20(Address),
}

/// One transfer in an address's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub txid: String,
    pub block_timestamp_ms: i64,
    pub from: Address,
    pub to: Address,
    pub asset: Asset,
    pub amount: u128,
    /// `raw_data.data`, when the history reports it: TronGrid's TRX history does, its
    /// TRC-20 history does not ([`Client::transaction`] reads it then).
    pub memo: Option<Vec<u8>>,
}

/// A transaction as `/wallet/gettransactionbyid` reports it, checked against its id.
#[derive(Debug, Clone)]
pub struct NodeTransaction {
    pub txid: String,
    /// `raw_data`, decoded from `raw_data_hex` after checking sha256 of it is the txid,
    /// so a node cannot show other contents under a known id.
    pub raw: UnsignedTransaction,
    /// `ret[0].contractRet` (`SUCCESS`, `REVERT`, `OUT_OF_ENERGY`, …), when reported.
    pub contract_ret: Option<String>,
    /// The addresses its `signature`s recover to over the txid: a transfer counts only as
    /// its owner's when the owner is among them, so a node cannot make one up.
    pub signers: Vec<Address>,
}

impl NodeTransaction {
    /// `raw_data.data`: the memo, when there is one.
    pub fn memo(&self) -> Option<&[u8]> {
        Some(self.raw.raw().data.as_slice()).filter(|d| !d.is_empty())
    }
}

/// What `GET /devnet/info` reports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct DevnetInfo {
    pub btt_contract: String,
    pub block_ms: u64,
    pub head_block: u64,
}

impl Client {
    /// A client for `network`, with the timeouts every call has (connect 5 s, whole
    /// request 15 s).
    pub fn new(network: Network) -> Result<Self> {
        let base = network.base_url();
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(Error::Url(format!("{base} is not an http(s) URL")));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| Error::Url(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self { btt_contract: network.btt_contract(), http, network, base, api_key: None })
    }

    /// Sends `TRON-PRO-API-KEY` with every request (TronGrid's rate limits are lower
    /// without one).
    pub fn with_api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into()).filter(|k| !k.is_empty());
        self
    }

    /// Uses `contract` as BTT instead of the network's default.
    pub fn with_btt_contract(mut self, contract: Address) -> Self {
        self.btt_contract = Some(contract);
        self
    }

    pub fn network(&self) -> &Network {
        &self.network
    }

    pub fn btt_contract(&self) -> Option<Address> {
        self.btt_contract
    }

    /// The head block (`/wallet/getnowblock`).
    pub async fn now_block(&self) -> Result<NowBlock> {
        let v = self.post("wallet/getnowblock", &json!({})).await?;
        let id_hex =
            v["blockID"].as_str().ok_or_else(|| Error::Decode("getnowblock without blockID".into()))?;
        let id: [u8; 32] = hex::decode(id_hex)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| Error::Decode(format!("blockID {id_hex:?} is not 32 bytes of hex")))?;
        let raw = &v["block_header"]["raw_data"];
        // Block 0 has no number field in the node's JSON (proto3 leaves zeros out).
        let number = raw["number"].as_u64().unwrap_or(0);
        let timestamp_ms =
            raw["timestamp"].as_i64().ok_or_else(|| Error::Decode("block without timestamp".into()))?;
        Ok(NowBlock { ref_block: RefBlock { number, id }, timestamp_ms })
    }

    /// TRX balance in sun (`/wallet/getaccount`). An account that was never activated has
    /// 0, which is not an error.
    pub async fn trx_balance_sun(&self, address: &Address) -> Result<u64> {
        let v = self
            .post("wallet/getaccount", &json!({ "address": address.to_base58(), "visible": true }))
            .await?;
        match v.get("balance") {
            None => Ok(0),
            Some(b) => {
                b.as_u64().ok_or_else(|| Error::Decode(format!("balance {b} is not a whole number of sun")))
            }
        }
    }

    /// BTT balance in base units (18 decimals), from the network's BTT contract.
    pub async fn btt_balance(&self, address: &Address) -> Result<u128> {
        let contract = self.btt_contract.ok_or(Error::NoBttContract { network: self.network.name() })?;
        self.trc20_balance(&contract, address).await
    }

    /// `balanceOf(address)` of a TRC-20 token, by `/wallet/triggerconstantcontract`.
    pub async fn trc20_balance(&self, token: &Address, address: &Address) -> Result<u128> {
        let mut parameter = [0u8; 32];
        parameter[12..].copy_from_slice(&address.evm_bytes());
        let v = self
            .post(
                "wallet/triggerconstantcontract",
                &json!({
                    "owner_address": address.to_base58(),
                    "contract_address": token.to_base58(),
                    "function_selector": "balanceOf(address)",
                    "parameter": hex::encode(parameter),
                    "visible": true,
                }),
            )
            .await?;
        if v["result"]["result"].as_bool() != Some(true) {
            let code = v["result"]["code"].as_str().unwrap_or("no result");
            let message = v["result"]["message"].as_str().map(decode_message).unwrap_or_default();
            return Err(Error::Node(format!("balanceOf failed: {code} {message}").trim_end().to_owned()));
        }
        let word = v["constant_result"][0]
            .as_str()
            .ok_or_else(|| Error::Decode("balanceOf returned no constant_result".into()))?;
        let bytes = hex::decode(word).map_err(|_| Error::Decode("balanceOf result is not hex".into()))?;
        if bytes.len() != 32 {
            return Err(Error::Decode(format!("balanceOf returned {} bytes, not 32", bytes.len())));
        }
        if bytes[..16].iter().any(|&b| b != 0) {
            return Err(Error::Decode("balanceOf returned more than 2^128 base units".into()));
        }
        let mut low = [0u8; 16];
        low.copy_from_slice(&bytes[16..]);
        Ok(u128::from_be_bytes(low))
    }

    /// Broadcasts a signed transaction and returns its txID (hex). A refusal is
    /// [`Error::Rejected`] with the node's code and its message decoded to text.
    pub async fn broadcast(&self, tx: &SignedTransaction) -> Result<String> {
        self.broadcast_json(&tx.to_json()?).await
    }

    /// Broadcasts the node's JSON form as it is.
    pub async fn broadcast_json(&self, tx: &TransactionJson) -> Result<String> {
        let body = serde_json::to_value(tx).map_err(|e| Error::Decode(e.to_string()))?;
        let v = self.post("wallet/broadcasttransaction", &body).await?;
        if v["result"].as_bool() == Some(true) {
            return Ok(v["txid"].as_str().map(str::to_owned).unwrap_or_else(|| tx.tx_id.clone()));
        }
        let code = v["code"].as_str().unwrap_or("OTHER_ERROR");
        let message = v["message"].as_str().map(decode_message).unwrap_or_default();
        Err(Error::Rejected { code: RejectCode::parse(code), message })
    }

    /// The receipt of a transaction in a block, or `None` while it is unknown or still
    /// pending (`/wallet/gettransactioninfobyid` answers `{}` then).
    pub async fn transaction_info(&self, txid: &str) -> Result<Option<TransactionInfo>> {
        let v = self.post("wallet/gettransactioninfobyid", &json!({ "value": txid })).await?;
        if v.as_object().is_none_or(|o| o.is_empty()) {
            return Ok(None);
        }
        let receipt = &v["receipt"];
        let failed = v["result"].as_str() == Some("FAILED")
            || receipt["result"].as_str().is_some_and(|r| r != "SUCCESS" && r != "DEFAULT");
        Ok(Some(TransactionInfo {
            txid: v["id"].as_str().unwrap_or(txid).to_owned(),
            block_number: v["blockNumber"].as_u64().unwrap_or(0),
            block_timestamp_ms: v["blockTimeStamp"].as_i64().unwrap_or(0),
            fee_sun: v["fee"].as_u64().unwrap_or(0),
            net_fee_sun: receipt["net_fee"].as_u64().unwrap_or(0),
            energy_fee_sun: receipt["energy_fee"].as_u64().unwrap_or(0),
            net_usage: receipt["net_usage"].as_u64().unwrap_or(0),
            energy_used: receipt["energy_usage_total"].as_u64().unwrap_or(0),
            success: !failed,
            failure: failed.then(|| v["resMessage"].as_str().map(decode_message).unwrap_or_default()),
        }))
    }

    /// A transaction in a block (`/wallet/gettransactionbyid`), or `None` while it is
    /// unknown or pending. Its raw data is checked against the id.
    pub async fn transaction(&self, txid: &str) -> Result<Option<NodeTransaction>> {
        let v = self.post("wallet/gettransactionbyid", &json!({ "value": txid })).await?;
        if v.as_object().is_none_or(|o| o.is_empty()) {
            return Ok(None);
        }
        let raw_hex = v["raw_data_hex"]
            .as_str()
            .ok_or_else(|| Error::Decode("transaction without raw_data_hex".into()))?;
        let bytes = hex::decode(raw_hex).map_err(|_| Error::Decode("raw_data_hex is not hex".into()))?;
        let raw = UnsignedTransaction::from_raw_bytes(&bytes)?;
        if !hex::encode(raw.txid()).eq_ignore_ascii_case(txid) {
            return Err(Error::Decode(format!("the node answered another transaction for {txid}")));
        }
        let contract_ret = v["ret"][0]["contractRet"].as_str().map(str::to_owned);
        let signatures = v["signature"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|s| {
                s.as_str()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| Error::Decode(format!("a signature of {txid} is not 65 bytes of hex")))
            })
            .collect::<Result<Vec<_>>>()?;
        let signers = SignedTransaction::from_parts(&bytes, signatures)?.signers()?;
        Ok(Some(NodeTransaction { txid: txid.to_ascii_lowercase(), raw, contract_ret, signers }))
    }

    /// The fee parameters (`/wallet/getchainparameters`).
    pub async fn chain_parameters(&self) -> Result<ChainParameters> {
        let v = self.post("wallet/getchainparameters", &json!({})).await?;
        ChainParameters::from_json(&v)
    }

    /// `address`'s bandwidth and energy (`/wallet/getaccountresource`).
    pub async fn account_resource(&self, address: &Address) -> Result<AccountResource> {
        let v = self
            .post("wallet/getaccountresource", &json!({ "address": address.to_base58(), "visible": true }))
            .await?;
        Ok(AccountResource::from_json(&v))
    }

    /// Whether `address` has an account (`/wallet/getaccount` answers `{}` when not): a
    /// TRX transfer to one that has none pays to create it.
    pub async fn account_exists(&self, address: &Address) -> Result<bool> {
        let v = self
            .post("wallet/getaccount", &json!({ "address": address.to_base58(), "visible": true }))
            .await?;
        Ok(v.as_object().is_some_and(|o| !o.is_empty()))
    }

    /// The energy a TRC-20 `transfer(to, amount)` from `from` would use now, by running it
    /// without a transaction (`/wallet/triggerconstantcontract`). A call that would fail
    /// (too little of the token) is [`Error::Node`].
    pub async fn trc20_transfer_energy(
        &self,
        token: &Address,
        from: &Address,
        to: &Address,
        amount: u128,
    ) -> Result<u64> {
        let data = wtx::trc20_transfer_data(to, amount);
        let v = self
            .post(
                "wallet/triggerconstantcontract",
                &json!({
                    "owner_address": from.to_base58(),
                    "contract_address": token.to_base58(),
                    "function_selector": "transfer(address,uint256)",
                    "parameter": hex::encode(&data[4..]),
                    "visible": true,
                }),
            )
            .await?;
        if v["result"]["result"].as_bool() != Some(true) {
            let code = v["result"]["code"].as_str().unwrap_or("no result");
            let message = v["result"]["message"].as_str().map(decode_message).unwrap_or_default();
            return Err(Error::Node(
                format!("the transfer would fail: {code} {message}").trim_end().to_owned(),
            ));
        }
        v["energy_used"]
            .as_u64()
            .ok_or_else(|| Error::Decode("triggerconstantcontract without energy_used".into()))
    }

    /// The fee of sending `amount_sun` TRX from `from` to `to`, with `memo`, from the
    /// node's parameters and `from`'s resources now (see [`fee`]).
    pub async fn quote_trx_transfer(
        &self,
        from: &Address,
        to: &Address,
        amount_sun: u64,
        memo: Option<&[u8]>,
    ) -> Result<FeeQuote> {
        let (params, resource, exists) =
            tokio::try_join!(self.chain_parameters(), self.account_resource(from), self.account_exists(to))?;
        let unsigned = wtx::trx_transfer(&sizing_header(memo), from, to, amount_sun)?;
        let shape = TransferShape {
            bytes: fee::bandwidth_bytes(unsigned.raw_bytes().len(), 1),
            memo: memo.is_some_and(|m| !m.is_empty()),
            kind: TransferKind::Trx { creates_account: !exists },
        };
        Ok(fee::quote(&params, &resource, &shape))
    }

    /// The fee of sending `amount` of the TRC-20 `token` from `from` to `to`, with `memo`:
    /// bandwidth as for any transaction, and the energy the node says the call uses now
    /// (more when `to` holds none of the token yet). Use [`FeeQuote::fee_limit_sun`] as
    /// the transaction's `fee_limit`.
    pub async fn quote_trc20_transfer(
        &self,
        token: &Address,
        from: &Address,
        to: &Address,
        amount: u128,
        memo: Option<&[u8]>,
    ) -> Result<FeeQuote> {
        let (params, resource, energy) = tokio::try_join!(
            self.chain_parameters(),
            self.account_resource(from),
            self.trc20_transfer_energy(token, from, to, amount)
        )?;
        let fee_limit = fee::fee_limit_sun(energy, params.energy_fee_sun);
        let unsigned = wtx::trc20_transfer(&sizing_header(memo), from, token, to, amount, fee_limit)?;
        let shape = TransferShape {
            bytes: fee::bandwidth_bytes(unsigned.raw_bytes().len(), 1),
            memo: memo.is_some_and(|m| !m.is_empty()),
            kind: TransferKind::Contract { energy },
        };
        Ok(fee::quote(&params, &resource, &shape))
    }

    /// TRC-20 transfers to or from `address`, newest first (TronGrid's
    /// `/v1/accounts/{address}/transactions/trc20`), limited to the BTT contract when the
    /// network has one.
    pub async fn trc20_history(&self, address: &Address, limit: u32) -> Result<Vec<Transfer>> {
        let mut url = self.url(&format!("v1/accounts/{}/transactions/trc20", address.to_base58()))?;
        url.query_pairs_mut().append_pair("limit", &limit.clamp(1, 200).to_string());
        if let Some(c) = self.btt_contract {
            url.query_pairs_mut().append_pair("contract_address", &c.to_base58());
        }
        let v = self.get(url).await?;
        list(&v)?.iter().map(trc20_transfer).collect()
    }

    /// TRX transfers to or from `address`, newest first (TronGrid's
    /// `/v1/accounts/{address}/transactions`; other kinds of transaction are skipped).
    pub async fn trx_history(&self, address: &Address, limit: u32) -> Result<Vec<Transfer>> {
        let mut url = self.url(&format!("v1/accounts/{}/transactions", address.to_base58()))?;
        url.query_pairs_mut().append_pair("limit", &limit.clamp(1, 200).to_string());
        let v = self.get(url).await?;
        let mut out = Vec::new();
        for item in list(&v)? {
            if let Some(t) = trx_transfer(item)? {
                out.push(t);
            }
        }
        Ok(out)
    }

    /// Devnet only: credits `address` with TRX and BTT from the faucet
    /// (`POST /devnet/faucet`). Returns the new balances (sun, BTT base units).
    pub async fn faucet(&self, address: &Address, trx_sun: u64, btt: u128) -> Result<(u64, u128)> {
        let v = self
            .post(
                "devnet/faucet",
                &json!({ "address": address.to_base58(), "trx_sun": trx_sun, "btt": btt.to_string() }),
            )
            .await?;
        let trx =
            v["trx_sun"].as_u64().ok_or_else(|| Error::Decode("faucet answer without trx_sun".into()))?;
        let btt = v["btt"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| Error::Decode("faucet answer without btt".into()))?;
        Ok((trx, btt))
    }

    /// Devnet only: its BTT contract, block interval and fees (`GET /devnet/info`).
    pub async fn devnet_info(&self) -> Result<DevnetInfo> {
        let v = self.get(self.url("devnet/info")?).await?;
        serde_json::from_value(v).map_err(|e| Error::Decode(format!("devnet info: {e}")))
    }

    fn url(&self, path: &str) -> Result<Url> {
        let mut base = self.base.clone();
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        base.join(path).map_err(|e| Error::Url(format!("{path}: {e}")))
    }

    async fn post(&self, path: &str, body: &Value) -> Result<Value> {
        let url = self.url(path)?;
        let request =
            self.http.post(url.clone()).header("content-type", "application/json").body(body.to_string());
        self.send(url, request).await
    }

    async fn get(&self, url: Url) -> Result<Value> {
        let request = self.http.get(url.clone());
        self.send(url, request).await
    }

    async fn send(&self, url: Url, mut request: reqwest::RequestBuilder) -> Result<Value> {
        if let Some(key) = &self.api_key {
            request = request.header("TRON-PRO-API-KEY", key);
        }
        let shown = format!("{}{}", url.origin().ascii_serialization(), url.path());
        let offline = |e: reqwest::Error| {
            if e.is_builder() {
                // Our request could not be formed (e.g. an API key with a newline): not offline.
                return Error::Url(format!("cannot make a request to {shown}: {}", e.without_url()));
            }
            Error::Offline { url: shown.clone(), source: e.without_url() }
        };
        let response = request.send().await.map_err(offline)?;
        let status = response.status();
        let text = response.text().await.map_err(offline)?;
        if !status.is_success() {
            let body: String = text.chars().take(300).collect();
            return Err(Error::Http { url: shown, status: status.as_u16(), body });
        }
        // getaccount of an unknown account and gettransactioninfobyid of an unknown id
        // answer an empty body on some nodes, `{}` on others.
        if text.trim().is_empty() {
            return Ok(json!({}));
        }
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| Error::Decode(format!("{shown} answered something that is not JSON: {e}")))?;
        if let Some(message) = v.get("Error").and_then(Value::as_str) {
            return Err(Error::Node(message.to_owned()));
        }
        Ok(v)
    }
}

/// A header of the size a real one has (its fields are fixed-width but for the times,
/// which are now-ish), to measure a transaction before the head block is known.
fn sizing_header(memo: Option<&[u8]>) -> TxHeader {
    let now_ms = bidswarm_primitives::unix_ms();
    let header =
        TxHeader::new(RefBlock { number: u64::from(u32::MAX), id: [0xff; 32] }, now_ms, 10 * 60 * 1000);
    match memo {
        Some(m) if !m.is_empty() => header.with_memo(m.to_vec()),
        _ => header,
    }
}

/// The node hex-encodes the text of its messages; fall back to the raw string when it
/// did not.
pub(crate) fn decode_message(message: &str) -> String {
    match hex::decode(message) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => message.to_owned(),
    }
}

fn list(v: &Value) -> Result<&Vec<Value>> {
    if v["success"].as_bool() == Some(false) {
        return Err(Error::Node(v["error"].as_str().unwrap_or("history request failed").to_owned()));
    }
    v["data"].as_array().ok_or_else(|| Error::Decode("history answer without a data list".into()))
}

fn address(v: &Value, what: &str) -> Result<Address> {
    let s = v.as_str().ok_or_else(|| Error::Decode(format!("{what} is missing")))?;
    let parsed = if s.starts_with('T') { Address::from_base58(s) } else { Address::from_hex(s) };
    parsed.map_err(|e| Error::Decode(format!("{what}: {e}")))
}

fn memo(v: &Value) -> Option<Vec<u8>> {
    v.as_str().and_then(|s| hex::decode(s).ok()).filter(|m| !m.is_empty())
}

fn trc20_transfer(item: &Value) -> Result<Transfer> {
    let amount = item["value"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::Decode("transfer value is not a whole number".into()))?;
    Ok(Transfer {
        txid: item["transaction_id"].as_str().unwrap_or_default().to_owned(),
        block_timestamp_ms: item["block_timestamp"].as_i64().unwrap_or(0),
        from: address(&item["from"], "from")?,
        to: address(&item["to"], "to")?,
        asset: Asset::Trc20(address(&item["token_info"]["address"], "token address")?),
        amount,
        // TronGrid's TRC-20 history has no memo; read it with `Client::transaction`.
        memo: None,
    })
}

fn trx_transfer(item: &Value) -> Result<Option<Transfer>> {
    let contract = &item["raw_data"]["contract"][0];
    if contract["type"].as_str() != Some("TransferContract") {
        return Ok(None);
    }
    let value = &contract["parameter"]["value"];
    let amount =
        value["amount"].as_u64().ok_or_else(|| Error::Decode("TRX transfer without amount".into()))?;
    Ok(Some(Transfer {
        txid: item["txID"].as_str().unwrap_or_default().to_owned(),
        block_timestamp_ms: item["block_timestamp"].as_i64().unwrap_or(0),
        from: address(&value["owner_address"], "owner_address")?,
        to: address(&value["to_address"], "to_address")?,
        asset: Asset::Trx,
        amount: amount.into(),
        memo: memo(&item["raw_data"]["data"]),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_messages_are_hex_encoded_text() {
        assert_eq!(
            decode_message("56616c6964617465207369676e6174757265206572726f72"),
            "Validate signature error"
        );
        assert_eq!(decode_message("not hex"), "not hex");
    }

    #[test]
    fn trongrid_history_items_parse() {
        let item = json!({
            "transaction_id": "ab",
            "token_info": {"symbol": "BTT", "address": "TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp4", "decimals": 18, "name": "BitTorrent"},
            "block_timestamp": 1_700_000_000_000i64,
            "from": "TEmH6bFE8FahLDTJwZqfAVuB7CaxjvPmZV",
            "to": "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH",
            "type": "Transfer",
            "value": "1000000000000000000000000"
        });
        let t = trc20_transfer(&item).unwrap();
        assert_eq!(t.amount, 10u128.pow(24));
        assert_eq!(t.asset, Asset::Trc20(bidswarm_wallet::tx::BTT_TRC20_MAINNET));
        assert_eq!(t.memo, None);
    }

    #[tokio::test]
    async fn a_malformed_api_key_is_not_reported_as_offline() {
        let c =
            Client::new(Network::Local("http://127.0.0.1:9".parse().unwrap())).unwrap().with_api_key("a\nb");
        let err = c.now_block().await.unwrap_err();
        assert!(matches!(err, Error::Url(_)), "{err}");
        assert!(!err.to_string().contains("a\nb"), "the key stays out of the message: {err}");
    }

    #[test]
    fn the_api_key_stays_out_of_debug() {
        let c = Client::new(Network::Mainnet).unwrap().with_api_key("secret-key-123");
        assert!(!format!("{c:?}").contains("secret-key-123"));
    }
}
