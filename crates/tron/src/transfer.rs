//! The one way Bidswarm makes a transfer, for the wallet's sends and bt_speed's
//! settlements alike: built on the node's head block, signed by the caller's key, and
//! broadcast. Callers note the txid between signing and broadcasting, so a transfer whose
//! answer is lost is still followed; how long to follow it is theirs to say.

use std::time::Duration;

use bidswarm_wallet::{
    tx::{trc20_transfer, trx_transfer, SignedTransaction, TxHeader},
    Address, Signer,
};

use crate::{Client, Error, RejectCode, Result};

/// What a transfer moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payment {
    /// TRX, in sun.
    Trx { amount_sun: u64 },
    /// A TRC-20 token's base units; the call may burn up to `fee_limit_sun` for energy.
    Trc20 { token: Address, amount: u128, fee_limit_sun: u64 },
}

/// One transfer to sign.
#[derive(Debug, Clone)]
pub struct Order {
    pub from: Address,
    pub to: Address,
    pub payment: Payment,
    /// The transaction's `data` (a settlement's memo); empty for none.
    pub memo: Vec<u8>,
    /// How long after its timestamp the chain may still take it.
    pub valid_for: Duration,
}

impl Client {
    /// Builds and signs `order` on the node's head block. Nothing is sent.
    ///
    /// The reference block is the head, as TAPoS wants (java-tron's `Manager.validateTapos`
    /// checks `ref_block_bytes` and `ref_block_hash` against its recent blocks,
    /// `TAPOS_ERROR`). The timestamp is our clock, but never before the head's own time: a
    /// node whose head is ahead of our clock would otherwise see the transfer expire early
    /// (`Manager.validateCommon` refuses an expiration not after the head block's time,
    /// `TRANSACTION_EXPIRATION_ERROR`).
    pub async fn sign_transfer(
        &self,
        order: &Order,
        signer: &(dyn Signer + Sync),
    ) -> Result<SignedTransaction> {
        let block = self.now_block().await?;
        let now_ms = bidswarm_primitives::unix_ms().max(block.timestamp_ms);
        let valid_for_ms = i64::try_from(order.valid_for.as_millis()).unwrap_or(i64::MAX);
        let mut header = TxHeader::new(block.ref_block, now_ms, valid_for_ms);
        if !order.memo.is_empty() {
            header = header.with_memo(order.memo.clone());
        }
        let unsigned = match order.payment {
            Payment::Trx { amount_sun } => trx_transfer(&header, &order.from, &order.to, amount_sun),
            Payment::Trc20 { token, amount, fee_limit_sun } => {
                trc20_transfer(&header, &order.from, &token, &order.to, amount, fee_limit_sun)
            }
        }?;
        Ok(unsigned.sign(signer)?)
    }

    /// Broadcasts a signed transfer. A node that already has it (`DUP_TRANSACTION_ERROR`)
    /// has taken it: that is success too, so sending the same bytes again is always safe.
    pub async fn submit(&self, signed: &SignedTransaction) -> Result<()> {
        match self.broadcast(signed).await {
            Ok(_) | Err(Error::Rejected { code: RejectCode::DupTransactionError, .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
