//! The voucher rules, with no I/O: what a voucher must be to be recorded, and what it
//! posts. Shared by the one-at-a-time path (`ledger.rs`) and the batch path (`batch.rs`),
//! which must refuse the same vouchers with the same errors in the same order: channel,
//! direction, signature, seq already recorded, open, monotonic, budget.

use bidswarm_wallet::{Address, Voucher};

use crate::journal::{credit, debit, Account, Posting};
use crate::rows::{to_i64, ChannelRow, RecordedVoucher};
use crate::{Amount, ChannelState, Direction, Error, Result, SignedVoucher, VoucherReceipt};

/// The checks that need only the voucher's channel and its recovered signer. Returns seq
/// and expiry as stored.
pub(crate) fn check_signed(
    channel: &ChannelRow,
    signed: &SignedVoucher,
    signer: Option<Address>,
    expected: Option<Direction>,
) -> Result<(i64, i64)> {
    let v = &signed.voucher;
    if let Some(expected) = expected {
        if channel.terms.direction != expected {
            return Err(Error::WrongDirection {
                channel: v.channel,
                expected: expected.as_str(),
                actual: channel.terms.direction.as_str(),
            });
        }
    }
    let signer = signer.ok_or(Error::ForgedVoucher { channel: v.channel, seq: v.seq })?;
    if signer != channel.terms.payer {
        return Err(Error::WrongPayer { channel: v.channel, seq: v.seq, payer: channel.terms.payer, signer });
    }
    Ok((to_i64("voucher seq", v.seq)?, to_i64("voucher expiry", v.expiry)?))
}

/// The identical voucher again is counted once; a different one at a recorded seq is a
/// replay.
pub(crate) fn same_seq_receipt(signed: &SignedVoucher, recorded: &RecordedVoucher) -> Result<VoucherReceipt> {
    let v = &signed.voucher;
    let same = recorded.cumulative == v.cumulative
        && i64::try_from(v.expiry).is_ok_and(|e| e == recorded.expiry)
        && recorded.signature.as_slice() == signed.signature.as_bytes().as_slice();
    if same {
        Ok(VoucherReceipt::AlreadyRecorded)
    } else {
        Err(Error::ReplayedSeq { channel: v.channel, seq: v.seq })
    }
}

/// The checks against the channel's state and its last voucher (highest seq). Returns
/// what the voucher adds over the last cumulative.
pub(crate) fn check_next(
    channel: &ChannelRow,
    previous: Option<(u64, Amount)>,
    v: &Voucher,
) -> Result<Amount> {
    if channel.state != ChannelState::Open {
        return Err(Error::ChannelNotOpen { channel: v.channel, state: channel.state.as_str() });
    }
    let cumulative = Amount::from_base_units(v.cumulative);
    let delta = match previous {
        Some((last_seq, last_cumulative)) => {
            if v.seq <= last_seq || cumulative <= last_cumulative {
                return Err(Error::NonMonotonic {
                    channel: v.channel,
                    seq: v.seq,
                    cumulative,
                    last_seq,
                    last_cumulative,
                });
            }
            cumulative.checked_sub(last_cumulative)?
        }
        None => cumulative,
    };
    if cumulative > channel.terms.budget {
        return Err(Error::OverBudget {
            channel: v.channel,
            seq: v.seq,
            cumulative,
            budget: channel.terms.budget,
        });
    }
    Ok(delta)
}

/// A voucher's event kind and entries (see the journal docs).
pub(crate) fn voucher_postings(channel: &ChannelRow, delta: Amount) -> (&'static str, Vec<Posting>) {
    let id = channel.terms.id;
    match channel.terms.direction {
        Direction::Spend => {
            ("voucher_sent", vec![debit(Account::Spent(id), delta), credit(Account::Committed(id), delta)])
        }
        Direction::Earn => (
            "voucher_received",
            vec![debit(Account::Receivable(id), delta), credit(Account::Earned(id), delta)],
        ),
    }
}
