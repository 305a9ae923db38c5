//! Property tests: forged, wrong-payer, replayed, decreasing, cross-channel and over-budget
//! vouchers are refused and write nothing (10,000 cases on one real database file), and
//! random sequences of events keep every invariant.

mod common;

use std::cell::RefCell;

use bidswarm_ledger::{
    Amount, Error, Ledger, NewSettlement, SettlementId, VoucherReceipt, WalletTx, WalletTxKind,
};
use bidswarm_wallet::{Signer, Voucher};
use common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

#[derive(Clone, Debug)]
enum Attack {
    /// A field changed after signing.
    Forged { field: u8 },
    /// Signed by someone other than the payer.
    WrongPayer,
    /// A seq already recorded, with a different amount.
    Replayed { pick: usize, extra: u64 },
    /// A higher seq whose cumulative does not increase.
    Decreasing { less: u128 },
    /// A lower seq that was never recorded, with a higher cumulative.
    OlderSeq,
    /// A valid voucher of another channel, relabelled as this channel's.
    CrossChannel,
    /// A cumulative beyond the budget.
    OverBudget { beyond: u128 },
    /// Not an attack: the next valid voucher, so the channel moves on between attacks.
    Valid { seq_step: u64, amount: u64 },
}

fn attack() -> impl Strategy<Value = Attack> {
    prop_oneof![
        (0u8..3).prop_map(|field| Attack::Forged { field }),
        Just(Attack::WrongPayer),
        (any::<usize>(), 1u64..1_000_000).prop_map(|(pick, extra)| Attack::Replayed { pick, extra }),
        (0u128..1_000_000).prop_map(|less| Attack::Decreasing { less }),
        Just(Attack::OlderSeq),
        Just(Attack::CrossChannel),
        (1u128..u128::MAX / 2).prop_map(|beyond| Attack::OverBudget { beyond }),
        (1u64..4, 1u64..u64::MAX).prop_map(|(seq_step, amount)| Attack::Valid { seq_step, amount }),
    ]
}

struct World {
    rt: tokio::runtime::Runtime,
    ledger: Ledger,
    db: sqlx::SqlitePool,
    keys: Keys,
    channel: bidswarm_wallet::ChannelId,
    other: bidswarm_wallet::ChannelId,
    budget: Amount,
    /// Every (seq, cumulative) recorded on `channel`, in order.
    recorded: Vec<(u64, Amount)>,
    attacks: u64,
}

/// (journal rows, last hash): unchanged by a refused voucher.
async fn fingerprint(db: &sqlx::SqlitePool) -> (i64, Option<Vec<u8>>) {
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM journal").fetch_one(db).await.expect("count");
    let h: Option<Vec<u8>> = sqlx::query_scalar("SELECT hash FROM journal ORDER BY id DESC LIMIT 1")
        .fetch_optional(db)
        .await
        .expect("hash");
    (n, h)
}

impl World {
    fn new(dir: &tempfile::TempDir) -> World {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let keys = keys();
        let budget = Amount::from_base_units(1u128 << 100);
        let (ledger, db, channel, other) = rt.block_on(async {
            let ledger = open(dir).await;
            let me = keys.me.address();
            ledger.add_account(me, "main", T0).await.expect("account");
            let ch = channel(keys.leecher.address(), me, 1, budget);
            let other = channel(keys.mallory.address(), me, 2, budget);
            ledger.open_channel(&ch, T0).await.expect("channel");
            ledger.open_channel(&other, T0).await.expect("other channel");
            let db = sqlx::SqlitePool::connect(&format!("sqlite:{}", dir.path().join("ledger.db").display()))
                .await
                .expect("raw connection");
            (ledger, db, ch.id, other.id)
        });
        World { rt, ledger, db, keys, channel, other, budget, recorded: Vec::new(), attacks: 0 }
    }

    fn last(&self) -> (u64, Amount) {
        self.recorded.last().copied().unwrap_or((0, Amount::ZERO))
    }

    fn case(&mut self, attack: Attack) -> Result<(), TestCaseError> {
        let (last_seq, last_cum) = self.last();
        let next = |seq: u64, cum: Amount| sign(&self.keys.leecher, self.channel, seq, cum);
        let step = Amount::from_base_units(1_000);
        let (voucher, expect): (_, fn(&Error) -> bool) = match attack {
            Attack::Valid { seq_step, amount } => {
                let cum = last_cum
                    .checked_add(Amount::from_base_units(u128::from(amount)))
                    .expect("far below 2^100");
                let v = next(last_seq + seq_step, cum);
                let receipt = self.rt.block_on(self.ledger.record_voucher_received(&v, T0));
                prop_assert_eq!(
                    receipt.map_err(|e| TestCaseError::fail(e.to_string()))?,
                    VoucherReceipt::Recorded { delta: cum.checked_sub(last_cum).expect("increases") }
                );
                self.recorded.push((last_seq + seq_step, cum));
                return Ok(());
            }
            Attack::Forged { field } => {
                let mut v = next(last_seq + 1, last_cum.checked_add(step).expect("small"));
                match field {
                    0 => v.voucher.seq += 1,
                    1 => v.voucher.cumulative += 1,
                    _ => v.voucher.expiry += 1,
                }
                (v, |e| matches!(e, Error::WrongPayer { .. } | Error::ForgedVoucher { .. }))
            }
            Attack::WrongPayer => (
                sign(
                    &self.keys.mallory,
                    self.channel,
                    last_seq + 1,
                    last_cum.checked_add(step).expect("small"),
                ),
                |e| matches!(e, Error::WrongPayer { .. }),
            ),
            Attack::Replayed { pick, extra } => {
                if self.recorded.is_empty() {
                    return Ok(());
                }
                let (seq, cum) = self.recorded[pick % self.recorded.len()];
                let cum = cum.checked_add(Amount::from_base_units(u128::from(extra))).expect("small");
                (next(seq, cum), |e| matches!(e, Error::ReplayedSeq { .. }))
            }
            Attack::Decreasing { less } => {
                let cum = last_cum.checked_sub(Amount::from_base_units(less)).unwrap_or(Amount::ZERO);
                if self.recorded.is_empty() {
                    return Ok(());
                }
                (next(last_seq + 1, cum), |e| matches!(e, Error::NonMonotonic { .. }))
            }
            Attack::OlderSeq => {
                // A seq below the last that was skipped over, if any.
                let recorded: std::collections::HashSet<u64> = self.recorded.iter().map(|r| r.0).collect();
                let Some(seq) = (1..last_seq).rev().find(|s| !recorded.contains(s)) else { return Ok(()) };
                (next(seq, last_cum.checked_add(step).expect("small")), |e| {
                    matches!(e, Error::NonMonotonic { .. })
                })
            }
            Attack::CrossChannel => {
                let voucher = Voucher {
                    channel: self.other,
                    seq: last_seq + 1,
                    cumulative: last_cum.base_units() + 1000,
                    expiry: EXPIRY,
                };
                let signature = self.keys.mallory.sign_voucher(&voucher).expect("sign");
                let mut v = bidswarm_ledger::SignedVoucher { voucher, signature };
                v.voucher.channel = self.channel;
                (v, |e| matches!(e, Error::WrongPayer { .. } | Error::ForgedVoucher { .. }))
            }
            Attack::OverBudget { beyond } => {
                let cum = self.budget.checked_add(Amount::from_base_units(beyond)).expect("below 2^128");
                (next(last_seq + 1, cum), |e| matches!(e, Error::OverBudget { .. }))
            }
        };
        self.attacks += 1;
        let before = self.rt.block_on(fingerprint(&self.db));
        // Half alone, half at the end of a batch behind a valid voucher of another
        // channel: either way nothing may be written.
        let result = if self.attacks % 2 == 0 {
            self.rt.block_on(self.ledger.record_voucher_received(&voucher, T0)).map(|_| ())
        } else {
            // The other channel never moves (every batch is refused), so this stays valid.
            let valid = sign(&self.keys.mallory, self.other, 1, step);
            let batch = [valid, voucher];
            match self.rt.block_on(self.ledger.record_vouchers(&batch, T0)) {
                Err(Error::Batch { index: 1, source }) => Err(*source),
                Err(other) => Err(other),
                Ok(_) => Ok(()),
            }
        };
        match result {
            Err(e) => prop_assert!(expect(&e), "refused for the wrong reason: {e}"),
            Ok(()) => return Err(TestCaseError::fail(format!("accepted {voucher:?}"))),
        }
        prop_assert_eq!(self.rt.block_on(fingerprint(&self.db)), before, "a refused voucher wrote something");
        Ok(())
    }
}

#[test]
fn bad_vouchers_are_refused_and_write_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let world = RefCell::new(World::new(&dir));
    let mut runner =
        TestRunner::new(Config { cases: 12_000, failure_persistence: None, ..Config::default() });
    runner.run(&attack(), |a| world.borrow_mut().case(a)).expect("every bad voucher is refused");
    let world = world.into_inner();
    assert!(world.attacks >= 10_000, "only {} attacks ran", world.attacks);
    world.rt.block_on(async {
        let summary = world.ledger.summary().await.expect("summary");
        assert_eq!(summary.earned_pending, world.last().1);
        let report = world.ledger.verify().await.expect("verify");
        assert!(report.is_ok(), "{report}");
    });
}

#[derive(Clone, Debug)]
enum Op {
    Send(u32),
    Receive(u32),
    Settle { spend: bool, fraction: u8 },
    Confirm(usize),
    Fail(usize),
    Retry(usize),
    Deposit(u32),
    Observe(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1u32..1_000_000).prop_map(Op::Send),
        4 => (1u32..1_000_000).prop_map(Op::Receive),
        2 => (any::<bool>(), 1u8..=100).prop_map(|(spend, fraction)| Op::Settle { spend, fraction }),
        2 => any::<usize>().prop_map(Op::Confirm),
        1 => any::<usize>().prop_map(Op::Fail),
        1 => any::<usize>().prop_map(Op::Retry),
        1 => (1u32..1_000_000).prop_map(Op::Deposit),
        1 => (0u32..1_000_000).prop_map(Op::Observe),
    ]
}

proptest! {
    #![proptest_config(Config { cases: 48, failure_persistence: None, ..Config::default() })]

    /// Whatever happens, verify() passes and the derived balances equal a simple model.
    #[test]
    fn random_sequences_of_events_keep_every_invariant(ops in proptest::collection::vec(op(), 1..40)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let dir = tempfile::tempdir().expect("temp dir");
        rt.block_on(async {
            let k = keys();
            let ledger = open(&dir).await;
            let me = k.me.address();
            ledger.add_account(me, "main", T0).await.expect("account");
            let unit = Amount::from_base_units(10u128.pow(12));
            let budget = Amount::from_btt(1_000_000);
            let spend = channel(me, k.seeder.address(), 1, budget);
            let earn = channel(k.leecher.address(), me, 2, budget);
            ledger.open_channel(&spend, T0).await.expect("spend");
            ledger.open_channel(&earn, T0).await.expect("earn");
            // The model: cumulative per channel, and each settlement's (spend?, amount, state).
            let (mut sent, mut received, mut seq) = (Amount::ZERO, Amount::ZERO, 0u64);
            let mut onchain: i128 = 0;
            // (id, spend?, amount, state, from, upto)
            let mut settlements: Vec<(SettlementId, bool, Amount, &str, Amount, Amount)> = Vec::new();
            let mut settled_upto = [Amount::ZERO, Amount::ZERO];
            let times = |n: u32| Amount::from_base_units(u128::from(n) * unit.base_units());
            for (i, op) in ops.into_iter().enumerate() {
                let at = T0 + i as i64 * 3600;
                seq += 1;
                match op {
                    Op::Send(n) => {
                        sent = sent.checked_add(times(n)).expect("small");
                        ledger.record_voucher_sent(&sign(&k.me, spend.id, seq, sent), at).await.expect("send");
                    }
                    Op::Receive(n) => {
                        received = received.checked_add(times(n)).expect("small");
                        ledger.record_voucher_received(&sign(&k.leecher, earn.id, seq, received), at).await.expect("receive");
                    }
                    Op::Settle { spend: s, fraction } => {
                        let (id, total, slot) = if s { (spend.id, sent, 0) } else { (earn.id, received, 1) };
                        let from = settled_upto[slot];
                        let open = total.base_units() - from.base_units();
                        let upto = Amount::from_base_units(from.base_units() + open * u128::from(fraction) / 100);
                        let r = ledger.settlement_pending(&NewSettlement { channels: vec![(id, upto)], txid: None }, at).await;
                        if upto > from {
                            let sid = r.expect("a settlement within range");
                            settlements.push((sid, s, upto.checked_sub(from).expect("above"), "pending", from, upto));
                        } else {
                            assert!(r.is_err());
                        }
                    }
                    Op::Confirm(pick) | Op::Fail(pick) | Op::Retry(pick) if settlements.is_empty() => { let _ = pick; }
                    Op::Confirm(pick) => {
                        let n = settlements.len();
                        let (sid, s, amount, state, _, _) = &mut settlements[pick % n];
                        let r = ledger.settlement_confirmed(*sid, "ab", at).await;
                        if *state == "pending" {
                            r.expect("confirm");
                            *state = "confirmed";
                            let a = amount.base_units() as i128;
                            onchain += if *s { -a } else { a };
                        } else {
                            assert!(r.is_err());
                        }
                    }
                    Op::Fail(pick) => {
                        let n = settlements.len();
                        let (sid, _, _, state, _, _) = &mut settlements[pick % n];
                        let r = ledger.settlement_failed(*sid, at).await;
                        if *state == "pending" { r.expect("fail"); *state = "failed"; } else { assert!(r.is_err()); }
                    }
                    Op::Retry(pick) => {
                        let n = settlements.len();
                        let (sid, s, _, state, from, upto) = settlements[pick % n];
                        // Refused when a settlement pending or confirmed now overlaps it.
                        let overlaps = settlements.iter().any(|o| {
                            o.0 != sid && o.1 == s && o.3 != "failed" && o.4 < upto && from < o.5
                        });
                        let r = ledger.settlement_retry(sid, None, at).await;
                        if state == "failed" && !overlaps {
                            r.expect("retry");
                            settlements[pick % n].3 = "pending";
                        } else {
                            assert!(r.is_err());
                        }
                    }
                    Op::Deposit(n) => {
                        ledger.record_wallet_tx(&WalletTx {
                            txid: format!("dep{i}"),
                            account: me,
                            kind: WalletTxKind::Deposit,
                            counterparty: None,
                            amount: times(n),
                            at,
                        }).await.expect("deposit");
                        onchain += times(n).base_units() as i128;
                    }
                    Op::Observe(n) => {
                        ledger.observe_onchain_balance(me, times(n), at).await.expect("observe");
                        onchain = times(n).base_units() as i128;
                    }
                }
                // A new settlement starts where the furthest one not failed ends.
                for (slot, upto) in settled_upto.iter_mut().enumerate() {
                    *upto = settlements
                        .iter()
                        .filter(|s| s.1 == (slot == 0) && s.3 != "failed")
                        .map(|s| s.5)
                        .max()
                        .unwrap_or(Amount::ZERO);
                }
            }
            let report = ledger.verify().await.expect("verify");
            assert!(report.is_ok(), "{report}");
            let summary = ledger.summary().await.expect("summary");
            assert_eq!(summary.spent, sent);
            let confirmed_in: u128 = settlements.iter().filter(|s| !s.1 && s.3 == "confirmed").map(|s| s.2.base_units()).sum();
            let confirmed_out: u128 = settlements.iter().filter(|s| s.1 && s.3 == "confirmed").map(|s| s.2.base_units()).sum();
            assert_eq!(summary.earned_settled.base_units(), confirmed_in);
            assert_eq!(summary.earned_pending.base_units(), received.base_units() - confirmed_in);
            assert_eq!(summary.committed.base_units(), sent.base_units() - confirmed_out);
            assert_eq!(summary.onchain.base_units() as i128, onchain.max(0));
        });
    }
}
