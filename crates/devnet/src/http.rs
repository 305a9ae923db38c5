//! The devnet's HTTP endpoints, in the shapes java-tron and TronGrid use. Like java-tron,
//! a request it cannot read answers HTTP 200 with `{"Error": "..."}`.

use std::{collections::HashMap, sync::Arc, time::Duration};

use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use bidswarm_primitives::Clock;
use bidswarm_wallet::{
    keccak256,
    tx::{SignedTransaction, TransactionJson},
    Address,
};
use serde_json::{json, Value};

use crate::{
    chain::{recovered, Chain, Reject},
    MAINNET_FEES, TRC20_ENERGY_TO_HOLDER, TRC20_ENERGY_TO_NEW_HOLDER,
};
use bidswarm_tron::devnet_btt_contract;

const BALANCE_OF: [u8; 4] = [0x70, 0xa0, 0x82, 0x31];
const DECIMALS: [u8; 4] = [0x31, 0x3c, 0xe5, 0x67];
const TRANSFER: [u8; 4] = bidswarm_wallet::tx::TRC20_TRANSFER_SELECTOR;
/// Mainnet's network-wide bandwidth and energy (`getTotalNetLimit`, `getTotalEnergyLimit`).
const TOTAL_NET_LIMIT: u64 = 43_200_000_000;
const TOTAL_ENERGY_LIMIT: u64 = 180_000_000_000;

#[derive(Debug)]
struct Node {
    chain: Arc<Chain>,
    block_interval: Duration,
    clock: Clock,
}

type Shared = State<Arc<Node>>;

pub(super) fn router(chain: Arc<Chain>, block_interval: Duration, clock: Clock) -> Router {
    Router::new()
        .route("/wallet/getnowblock", get(now_block).post(now_block))
        .route("/wallet/getaccount", post(get_account))
        .route("/wallet/triggerconstantcontract", post(trigger_constant))
        .route("/wallet/broadcasttransaction", post(broadcast))
        .route("/wallet/broadcasthex", post(broadcast_hex))
        .route("/wallet/gettransactioninfobyid", post(transaction_info))
        .route("/wallet/gettransactionbyid", post(transaction_by_id))
        .route("/wallet/getchainparameters", get(chain_parameters).post(chain_parameters))
        .route("/wallet/getaccountresource", post(account_resource))
        .route("/wallet/getblockbynum", post(block_by_num))
        .route("/wallet/getblock", post(get_block))
        .route("/wallet/estimateenergy", post(estimate_energy))
        .route("/v1/accounts/{address}/transactions", get(history_all))
        .route("/v1/accounts/{address}/transactions/trc20", get(history_trc20))
        .route("/devnet/faucet", post(faucet))
        .route("/devnet/info", get(info))
        .with_state(Arc::new(Node { chain, block_interval, clock }))
}

/// A failure of the devnet itself (its database), not of the request.
struct Internal(crate::Error);

impl From<crate::Error> for Internal {
    fn from(e: crate::Error) -> Self {
        Self(e)
    }
}

impl IntoResponse for Internal {
    fn into_response(self) -> Response {
        tracing::error!("devnet request failed: {}", self.0);
        (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({ "Error": format!("devnet: {}", self.0) })))
            .into_response()
    }
}

type Answer = Result<Json<Value>, Internal>;

fn error(message: impl Into<String>) -> Answer {
    Ok(Json(json!({ "Error": message.into() })))
}

fn body_json(body: &Bytes) -> Result<Value, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| format!("the request body is not JSON: {e}"))
}

/// Base58 (`T…`) or hex (`41…`), whichever the caller used.
fn parse_address(v: &Value) -> Result<Address, String> {
    let s = v.as_str().ok_or("address is missing")?;
    let parsed = if s.starts_with('T') { Address::from_base58(s) } else { Address::from_hex(s) };
    parsed.map_err(|e| e.to_string())
}

/// The body's JSON and the address under `"address"`, as the account endpoints read them.
fn body_and_address(body: &Bytes) -> Result<(Value, Address), String> {
    let body = body_json(body)?;
    let address = parse_address(&body["address"])?;
    Ok((body, address))
}

async fn now_block(State(node): Shared) -> Answer {
    match node.chain.head().await? {
        Some(block) => Ok(Json(block.to_json())),
        None => error("no block yet"),
    }
}

async fn get_account(State(node): Shared, body: Bytes) -> Answer {
    let (body, address) = match body_and_address(&body) {
        Ok(b) => b,
        Err(e) => return error(e),
    };
    // An address that only received BTT has no account on mainnet either.
    let Some(account) = node.chain.account(&address).await?.filter(|a| a.activated) else {
        return Ok(Json(json!({})));
    };
    let shown = if body["visible"].as_bool() == Some(true) { address.to_base58() } else { address.to_hex() };
    let mut out = json!({ "address": shown, "create_time": account.created_ms });
    // Like the node (proto3 JSON), a zero balance is left out.
    if account.trx_sun > 0 {
        out["balance"] = account.trx_sun.into();
    }
    Ok(Json(out))
}

fn contract_error(code: &str, message: &str) -> Answer {
    Ok(Json(json!({ "result": { "code": code, "message": hex::encode(message) } })))
}

/// A constant call's outcome: the returned word and the energy it used, or the node's
/// error code and message.
type CallOutcome = Result<(String, u64), (&'static str, String)>;

/// Runs a call to the devnet BTT without changing anything, as
/// `triggerconstantcontract` and `estimateenergy` do. `transfer` reports the energy the
/// real transfer would use (less to a holder than to a new holder).
async fn call_btt(node: &Node, body: &Value) -> Result<CallOutcome, Internal> {
    let contract = match parse_address(&body["contract_address"]) {
        Ok(a) => a,
        Err(e) => return Ok(Err(("OTHER_ERROR", format!("contract_address: {e}")))),
    };
    if contract != devnet_btt_contract() {
        return Ok(Err(("CONTRACT_VALIDATE_ERROR", "No contract or not a smart contract".into())));
    }
    // Either `function_selector` + `parameter`, or the whole call in `data`.
    let data = match body["function_selector"].as_str() {
        Some(selector) => {
            let mut data = keccak256(selector.replace(' ', "").as_bytes())[..4].to_vec();
            match hex::decode(body["parameter"].as_str().unwrap_or("")) {
                Ok(p) => data.extend(p),
                Err(_) => return Ok(Err(("OTHER_ERROR", "parameter is not hex".into()))),
            }
            data
        }
        None => match hex::decode(body["data"].as_str().unwrap_or("")) {
            Ok(d) => d,
            Err(_) => return Ok(Err(("OTHER_ERROR", "data is not hex".into()))),
        },
    };
    let revert = || Ok(Err(("CONTRACT_EXE_ERROR", "REVERT opcode executed".to_owned())));
    let balance_of = |evm: &[u8]| {
        let evm: [u8; 20] = evm.try_into().expect("callers pass 20 bytes");
        Address::from_evm_bytes(evm)
    };
    Ok(Ok(match data.get(..4) {
        Some(s) if s == BALANCE_OF && data.len() == 36 => {
            let who = balance_of(&data[16..36]);
            let balance = node.chain.account(&who).await?.map_or(0, |a| a.btt);
            (format!("{balance:064x}"), 0)
        }
        Some(s) if s == DECIMALS => (format!("{:064x}", 18), 0),
        Some(s) if s == TRANSFER && data.len() == 68 => {
            let Some((to, amount)) = bidswarm_wallet::tx::decode_trc20_transfer(&data) else {
                return revert();
            };
            let owner = match parse_address(&body["owner_address"]) {
                Ok(a) => a,
                Err(e) => return Ok(Err(("OTHER_ERROR", format!("owner_address: {e}")))),
            };
            let owner_btt = node.chain.account(&owner).await?.map_or(0, |a| a.btt);
            if owner_btt < amount {
                return revert();
            }
            let holds = if to == owner {
                owner_btt > 0
            } else {
                node.chain.account(&to).await?.is_some_and(|a| a.btt > 0)
            };
            (format!("{:064x}", 1), if holds { TRC20_ENERGY_TO_HOLDER } else { TRC20_ENERGY_TO_NEW_HOLDER })
        }
        _ => return revert(),
    }))
}

async fn trigger_constant(State(node): Shared, body: Bytes) -> Answer {
    let body = match body_json(&body) {
        Ok(b) => b,
        Err(e) => return error(e),
    };
    match call_btt(&node, &body).await? {
        Ok((word, energy)) => Ok(Json(json!({
            "result": { "result": true },
            "energy_used": energy,
            "constant_result": [word],
        }))),
        Err((code, message)) => contract_error(code, &message),
    }
}

/// `/wallet/estimateenergy`: `{"result": {"result": true}, "energy_required": n}`.
async fn estimate_energy(State(node): Shared, body: Bytes) -> Answer {
    let body = match body_json(&body) {
        Ok(b) => b,
        Err(e) => return error(e),
    };
    match call_btt(&node, &body).await? {
        Ok((_, energy)) => Ok(Json(json!({ "result": { "result": true }, "energy_required": energy }))),
        Err((code, message)) => contract_error(code, &message),
    }
}

/// `/wallet/getchainparameters`: `{"chainParameter": [{"key", "value"}]}`, the fee
/// parameters the devnet charges by and a few fixed ones, under java-tron's names.
async fn chain_parameters() -> Answer {
    let f = MAINNET_FEES;
    let params: Vec<Value> = [
        ("getMaintenanceTimeInterval", 21_600_000),
        ("getCreateAccountFee", f.create_account_fee_sun),
        ("getTransactionFee", f.transaction_fee_sun_per_byte),
        ("getCreateNewAccountFeeInSystemContract", f.create_new_account_fee_sun),
        ("getCreateNewAccountBandwidthRate", 1),
        ("getEnergyFee", f.energy_fee_sun),
        ("getTotalEnergyLimit", TOTAL_ENERGY_LIMIT),
        ("getAllowMultiSign", 1),
        ("getMultiSignFee", 1_000_000),
        ("getMemoFee", f.memo_fee_sun),
        ("getFreeNetLimit", f.free_net_limit),
        ("getTotalNetLimit", TOTAL_NET_LIMIT),
    ]
    .into_iter()
    .map(|(key, value)| json!({ "key": key, "value": value }))
    .collect();
    Ok(Json(json!({ "chainParameter": params })))
}

/// `/wallet/getaccountresource`: free bandwidth used (recovered to now) and its limit,
/// and the network totals. No staking, so no `NetLimit`/`EnergyLimit`; zeros are left
/// out as java-tron leaves them out. `{}` for an address with no account.
async fn account_resource(State(node): Shared, body: Bytes) -> Answer {
    let (_, address) = match body_and_address(&body) {
        Ok(b) => b,
        Err(e) => return error(e),
    };
    let Some(account) = node.chain.account(&address).await?.filter(|a| a.activated) else {
        return Ok(Json(json!({})));
    };
    let mut out = json!({
        "freeNetLimit": MAINNET_FEES.free_net_limit,
        "TotalNetLimit": TOTAL_NET_LIMIT,
        "TotalEnergyLimit": TOTAL_ENERGY_LIMIT,
    });
    let used = recovered(account.free_net_used, account.free_net_at_ms, node.clock.unix_ms());
    if used > 0 {
        out["freeNetUsed"] = used.into();
    }
    Ok(Json(out))
}

/// `/wallet/gettransactionbyid`: `{}` until the transaction is in a block.
async fn transaction_by_id(State(node): Shared, body: Bytes) -> Answer {
    let body = match body_json(&body) {
        Ok(b) => b,
        Err(e) => return error(e),
    };
    match body["value"].as_str() {
        Some(txid) => Ok(Json(node.chain.transaction_by_id(txid).await?)),
        None => error("value (the txID) is missing"),
    }
}

/// `/wallet/getblockbynum {"num": n}`: the block with its transactions.
async fn block_by_num(State(node): Shared, body: Bytes) -> Answer {
    let body = match body_json(&body) {
        Ok(b) => b,
        Err(e) => return error(e),
    };
    match body["num"].as_u64() {
        Some(n) => Ok(Json(node.chain.block(n, true).await?)),
        None => error("num is missing"),
    }
}

/// `/wallet/getblock {"id_or_num": "n" | "<block id>", "detail": bool}`; without
/// `id_or_num`, the head block.
async fn get_block(State(node): Shared, body: Bytes) -> Answer {
    let body = match body_json(&body) {
        Ok(b) => b,
        Err(e) => return error(e),
    };
    let detail = body["detail"].as_bool().unwrap_or(false);
    let number = match body["id_or_num"].as_str() {
        None => node.chain.head().await?.map(|b| b.number),
        Some(s) if s.len() == 64 => node.chain.block_number_of(s).await?,
        Some(s) => match s.parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => return error("id_or_num is neither a block number nor a block id"),
        },
    };
    match number {
        Some(n) => Ok(Json(node.chain.block(n, detail).await?)),
        None => Ok(Json(json!({}))),
    }
}

fn broadcast_answer(txid: &str, outcome: Result<String, Reject>) -> Answer {
    Ok(Json(match outcome {
        Ok(txid) => json!({ "result": true, "txid": txid }),
        Err(r) => json!({ "result": false, "code": r.code, "txid": txid, "message": hex::encode(r.message) }),
    }))
}

async fn broadcast(State(node): Shared, body: Bytes) -> Answer {
    let tx: TransactionJson = match serde_json::from_slice(&body) {
        Ok(t) => t,
        Err(e) => return error(format!("not a transaction in the node's JSON form: {e}")),
    };
    let outcome = node.chain.broadcast(&tx, node.clock.unix_ms()).await?;
    broadcast_answer(&tx.tx_id, outcome)
}

async fn broadcast_hex(State(node): Shared, body: Bytes) -> Answer {
    let body = match body_json(&body) {
        Ok(b) => b,
        Err(e) => return error(e),
    };
    let tx = hex::decode(body["transaction"].as_str().unwrap_or(""))
        .map_err(|_| "transaction is not hex".to_owned())
        .and_then(|bytes| SignedTransaction::from_bytes(&bytes).map_err(|e| e.to_string()))
        .and_then(|signed| signed.to_json().map_err(|e| e.to_string()));
    match tx {
        Ok(tx) => {
            let outcome = node.chain.broadcast(&tx, node.clock.unix_ms()).await?;
            broadcast_answer(&tx.tx_id, outcome)
        }
        Err(e) => error(e),
    }
}

async fn transaction_info(State(node): Shared, body: Bytes) -> Answer {
    let body = match body_json(&body) {
        Ok(b) => b,
        Err(e) => return error(e),
    };
    match body["value"].as_str() {
        Some(txid) => Ok(Json(node.chain.transaction_info(txid).await?)),
        None => error("value (the txID) is missing"),
    }
}

async fn history(node: &Node, address: &str, query: &HashMap<String, String>, trc20: bool) -> Answer {
    let address = match parse_address(&Value::from(address)) {
        Ok(a) => a,
        Err(e) => return Ok(Json(json!({ "success": false, "error": e }))),
    };
    if trc20 {
        let asked = query.get("contract_address").map(|c| parse_address(&Value::from(c.as_str())));
        if asked.is_some_and(|c| c != Ok(devnet_btt_contract())) {
            return Ok(Json(
                json!({ "data": [], "success": true, "meta": { "at": node.clock.unix_ms(), "page_size": 0 } }),
            ));
        }
    }
    let limit = query.get("limit").and_then(|l| l.parse().ok()).unwrap_or(20u32).clamp(1, 200);
    let data = node.chain.history(&address, trc20, limit).await?;
    Ok(Json(
        json!({ "meta": { "at": node.clock.unix_ms(), "page_size": data.len() }, "success": true, "data": data }),
    ))
}

async fn history_all(
    State(node): Shared,
    Path(address): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Answer {
    history(&node, &address, &q, false).await
}

async fn history_trc20(
    State(node): Shared,
    Path(address): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Answer {
    history(&node, &address, &q, true).await
}

async fn faucet(State(node): Shared, body: Bytes) -> Answer {
    let (body, address) = match body_and_address(&body) {
        Ok(b) => b,
        Err(e) => return error(e),
    };
    let trx_sun = match &body["trx_sun"] {
        Value::Null => Some(0),
        v => v.as_u64(),
    };
    // BTT goes as a decimal string: 18 decimals overflow JSON numbers in most parsers.
    let btt = match &body["btt"] {
        Value::Null => Some(0),
        Value::String(s) => s.parse::<u128>().ok(),
        v => v.as_u64().map(u128::from),
    };
    let (Some(trx_sun), Some(btt)) = (trx_sun, btt) else {
        return error("trx_sun must be a whole number of sun, btt a whole number of base units");
    };
    match node.chain.faucet(&address, trx_sun, btt, node.clock.unix_ms()).await? {
        Ok(a) => Ok(Json(
            json!({ "address": address.to_base58(), "trx_sun": a.trx_sun, "btt": a.btt.to_string() }),
        )),
        Err(e) => error(e),
    }
}

async fn info(State(node): Shared) -> Answer {
    let head = node.chain.head().await?.map_or(0, |b| b.number);
    let contract = devnet_btt_contract();
    Ok(Json(json!({
        "btt_contract": contract.to_base58(),
        "btt_contract_hex": contract.to_hex(),
        "block_ms": u64::try_from(node.block_interval.as_millis()).unwrap_or(u64::MAX),
        "head_block": head,
        // For people reading it; clients take fees from the node's own endpoints.
        "energy_fee_sun": MAINNET_FEES.energy_fee_sun,
        "free_net_limit": MAINNET_FEES.free_net_limit,
    })))
}
