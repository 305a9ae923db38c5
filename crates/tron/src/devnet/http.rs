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
use bidswarm_wallet::{
    keccak256,
    tx::{SignedTransaction, TransactionJson},
    Address,
};
use serde_json::{json, Value};

use super::{
    chain::{Chain, Reject},
    now_ms, BANDWIDTH_FEE_SUN, ENERGY_PRICE_SUN, TRC20_ENERGY_FEE_SUN, TRC20_TRANSFER_ENERGY,
};
use crate::devnet_btt_contract;

const BALANCE_OF: [u8; 4] = [0x70, 0xa0, 0x82, 0x31];
const DECIMALS: [u8; 4] = [0x31, 0x3c, 0xe5, 0x67];

#[derive(Debug)]
struct Node {
    chain: Arc<Chain>,
    block_interval: Duration,
}

type Shared = State<Arc<Node>>;

pub(super) fn router(chain: Arc<Chain>, block_interval: Duration) -> Router {
    Router::new()
        .route("/wallet/getnowblock", get(now_block).post(now_block))
        .route("/wallet/getaccount", post(get_account))
        .route("/wallet/triggerconstantcontract", post(trigger_constant))
        .route("/wallet/broadcasttransaction", post(broadcast))
        .route("/wallet/broadcasthex", post(broadcast_hex))
        .route("/wallet/gettransactioninfobyid", post(transaction_info))
        .route("/v1/accounts/{address}/transactions", get(history_all))
        .route("/v1/accounts/{address}/transactions/trc20", get(history_trc20))
        .route("/devnet/faucet", post(faucet))
        .route("/devnet/info", get(info))
        .with_state(Arc::new(Node { chain, block_interval }))
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

async fn now_block(State(node): Shared) -> Answer {
    match node.chain.head().await? {
        Some(block) => Ok(Json(block.to_json())),
        None => error("no block yet"),
    }
}

async fn get_account(State(node): Shared, body: Bytes) -> Answer {
    let body = match body_json(&body) {
        Ok(b) => b,
        Err(e) => return error(e),
    };
    let address = match parse_address(&body["address"]) {
        Ok(a) => a,
        Err(e) => return error(e),
    };
    let Some(account) = node.chain.account(&address).await? else {
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

async fn trigger_constant(State(node): Shared, body: Bytes) -> Answer {
    let body = match body_json(&body) {
        Ok(b) => b,
        Err(e) => return error(e),
    };
    let contract = match parse_address(&body["contract_address"]) {
        Ok(a) => a,
        Err(e) => return error(format!("contract_address: {e}")),
    };
    if contract != devnet_btt_contract() {
        return contract_error("CONTRACT_VALIDATE_ERROR", "No contract or not a smart contract");
    }
    // Either `function_selector` + `parameter`, or the whole call in `data`.
    let data = match body["function_selector"].as_str() {
        Some(selector) => {
            let mut data = keccak256(selector.replace(' ', "").as_bytes())[..4].to_vec();
            match hex::decode(body["parameter"].as_str().unwrap_or("")) {
                Ok(p) => data.extend(p),
                Err(_) => return error("parameter is not hex"),
            }
            data
        }
        None => match hex::decode(body["data"].as_str().unwrap_or("")) {
            Ok(d) => d,
            Err(_) => return error("data is not hex"),
        },
    };
    let word = match data.get(..4) {
        Some(s) if s == BALANCE_OF && data.len() == 36 => {
            let evm: [u8; 20] = data[16..36].try_into().expect("36-byte call, 20-byte slice");
            let balance = node.chain.account(&Address::from_evm_bytes(evm)).await?.map_or(0, |a| a.btt);
            format!("{balance:064x}")
        }
        Some(s) if s == DECIMALS => format!("{:064x}", 18),
        _ => return contract_error("CONTRACT_EXE_ERROR", "REVERT opcode executed"),
    };
    Ok(Json(json!({ "result": { "result": true }, "energy_used": 0, "constant_result": [word] })))
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
    let outcome = node.chain.broadcast(&tx, now_ms()).await?;
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
            let outcome = node.chain.broadcast(&tx, now_ms()).await?;
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
                json!({ "data": [], "success": true, "meta": { "at": now_ms(), "page_size": 0 } }),
            ));
        }
    }
    let limit = query.get("limit").and_then(|l| l.parse().ok()).unwrap_or(20u32).clamp(1, 200);
    let data = node.chain.history(&address, trc20, limit).await?;
    Ok(Json(json!({ "meta": { "at": now_ms(), "page_size": data.len() }, "success": true, "data": data })))
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
    let body = match body_json(&body) {
        Ok(b) => b,
        Err(e) => return error(e),
    };
    let address = match parse_address(&body["address"]) {
        Ok(a) => a,
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
    match node.chain.faucet(&address, trx_sun, btt, now_ms()).await? {
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
        "bandwidth_fee_sun": BANDWIDTH_FEE_SUN,
        "trc20_energy_fee_sun": TRC20_ENERGY_FEE_SUN,
        "trc20_transfer_energy": TRC20_TRANSFER_ENERGY,
        "energy_price_sun": ENERGY_PRICE_SUN,
    })))
}
