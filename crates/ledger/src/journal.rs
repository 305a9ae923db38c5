//! The double-entry journal: its accounts, its entries and their hash chain.
//!
//! # Accounts
//!
//! Every economic event becomes entries whose debits equal their credits. The accounts are
//! named by text in the `journal.account` column:
//!
//! | account              | kind      | holds                                                        |
//! |----------------------|-----------|--------------------------------------------------------------|
//! | `wallet:<address>`   | asset     | BTT on chain in one of our addresses, as far as we know      |
//! | `external`           | equity    | the world outside our books: deposits, withdrawals, reconciliation |
//! | `spent:<channel>`    | expense   | what we promised a payee on a spend channel                  |
//! | `committed:<channel>`| liability | vouchers we signed and have not yet started to settle        |
//! | `outgoing:<sid>`     | liability | a settlement we sent that is not yet confirmed               |
//! | `earned:<channel>`   | income    | what a payer promised us on an earn channel                  |
//! | `receivable:<channel>`| asset    | vouchers we hold and have not yet started to settle          |
//! | `incoming:<sid>`     | asset     | a settlement paying us that is not yet confirmed             |
//! | `fees`               | expense   | network fees                                                 |
//! | `memo`               | none      | one zero entry for events that move no money (see below)     |
//!
//! # Events and their entries (D = debit, C = credit)
//!
//! - voucher sent, delta d over the channel's previous cumulative: D `spent:<ch>` d,
//!   C `committed:<ch>` d.
//! - voucher received, delta d: D `receivable:<ch>` d, C `earned:<ch>` d.
//! - settlement pending (we pay): D `committed:<ch>` per channel, C `outgoing:<sid>` total;
//!   confirmed: D `outgoing:<sid>`, C `wallet:<payer>`; failed: the pending entries reversed.
//!   A retry posts the pending entries again.
//! - settlement pending (we are paid): D `incoming:<sid>` total, C `receivable:<ch>` per
//!   channel; confirmed: D `wallet:<payee>`, C `incoming:<sid>`; failed: reversed.
//! - deposit: D `wallet`, C `external`; withdrawal: D `external`, C `wallet`; fee: D `fees`,
//!   C `wallet`.
//! - on-chain balance observed: the difference to the book's `wallet:<address>` moves
//!   between it and `external`, so the book agrees with the chain from then on.
//! - account added, channel opened or closed, or an observation that matches the book:
//!   one zero entry to `memo`. It moves nothing, but it puts the event's record into the
//!   hash chain.
//!
//! So the derived balances are: on chain = Σ `wallet:*`; committed = Σ `committed:*` +
//! Σ `outgoing:*`; spendable = on chain − committed; spent = Σ `spent:*`; earned =
//! Σ `earned:*`, of which pending = Σ `receivable:*` + Σ `incoming:*` and settled = the
//! rest.
//!
//! # The chain
//!
//! Each event row carries `record_digest`, sha256 of the canonical bytes of the record it
//! is about (a voucher, a channel's terms, a settlement and its channel ranges…). Each
//! journal row's `hash` is sha256(`prev_hash` ‖ canonical bytes of the entry), and the
//! entry's canonical bytes include its row id, its event's kind, time, txid and record
//! digest. The first row's `prev_hash` is 32 zero bytes. So editing an amount, deleting a
//! row or swapping rows breaks the chain, and editing a record breaks its digest.

use std::fmt;

use bidswarm_wallet::{Address, ChannelId, Signature, Voucher};
use sha2::{Digest, Sha256};

use crate::{Amount, Direction, Error, Result};

/// The `prev_hash` of the first journal row.
pub(crate) const GENESIS: [u8; 32] = [0; 32];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    Debit,
    Credit,
}

impl Side {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Side::Debit => "debit",
            Side::Credit => "credit",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self> {
        match s {
            "debit" => Ok(Side::Debit),
            "credit" => Ok(Side::Credit),
            other => Err(Error::Corrupt { what: "journal side", detail: format!("{other:?}") }),
        }
    }
}

/// A journal account (see the module docs for what each holds).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Account {
    Wallet(Address),
    External,
    Spent(ChannelId),
    Committed(ChannelId),
    Outgoing(i64),
    Earned(ChannelId),
    Receivable(ChannelId),
    Incoming(i64),
    Fees,
    Memo,
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Account::Wallet(a) => write!(f, "wallet:{a}"),
            Account::External => f.write_str("external"),
            Account::Spent(c) => write!(f, "spent:{c}"),
            Account::Committed(c) => write!(f, "committed:{c}"),
            Account::Outgoing(s) => write!(f, "outgoing:{s}"),
            Account::Earned(c) => write!(f, "earned:{c}"),
            Account::Receivable(c) => write!(f, "receivable:{c}"),
            Account::Incoming(s) => write!(f, "incoming:{s}"),
            Account::Fees => f.write_str("fees"),
            Account::Memo => f.write_str("memo"),
        }
    }
}

impl Account {
    pub(crate) fn parse(s: &str) -> Result<Self> {
        let bad = || Error::Corrupt { what: "journal account", detail: format!("{s:?} is not an account") };
        let channel = |hex: &str| hex.parse::<ChannelId>().map_err(|_| bad());
        let sid = |n: &str| n.parse::<i64>().map_err(|_| bad());
        Ok(match s.split_once(':') {
            None => match s {
                "external" => Account::External,
                "fees" => Account::Fees,
                "memo" => Account::Memo,
                _ => return Err(bad()),
            },
            Some(("wallet", a)) => Account::Wallet(a.parse().map_err(|_| bad())?),
            Some(("spent", c)) => Account::Spent(channel(c)?),
            Some(("committed", c)) => Account::Committed(channel(c)?),
            Some(("outgoing", n)) => Account::Outgoing(sid(n)?),
            Some(("earned", c)) => Account::Earned(channel(c)?),
            Some(("receivable", c)) => Account::Receivable(channel(c)?),
            Some(("incoming", n)) => Account::Incoming(sid(n)?),
            Some(_) => return Err(bad()),
        })
    }
}

/// One line of an event: `amount` on one side of one account.
#[derive(Clone, Debug)]
pub(crate) struct Posting {
    pub account: Account,
    pub side: Side,
    pub amount: Amount,
}

pub(crate) fn debit(account: Account, amount: Amount) -> Posting {
    Posting { account, side: Side::Debit, amount }
}

pub(crate) fn credit(account: Account, amount: Amount) -> Posting {
    Posting { account, side: Side::Credit, amount }
}

/// Debits and credits of a set of entries, each summed exactly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Totals {
    pub debits: Amount,
    pub credits: Amount,
}

impl Totals {
    pub(crate) fn add(&mut self, side: Side, amount: Amount) -> Result<()> {
        match side {
            Side::Debit => self.debits = self.debits.checked_add(amount)?,
            Side::Credit => self.credits = self.credits.checked_add(amount)?,
        }
        Ok(())
    }

    pub(crate) fn merge(&mut self, other: Totals) -> Result<()> {
        self.debits = self.debits.checked_add(other.debits)?;
        self.credits = self.credits.checked_add(other.credits)?;
        Ok(())
    }

    /// Debits minus credits, for asset and expense accounts; zero when credits exceed.
    pub(crate) fn debit_balance(self) -> Amount {
        self.debits.checked_sub(self.credits).unwrap_or(Amount::ZERO)
    }

    /// Credits minus debits, for liability and income accounts; zero when debits exceed.
    pub(crate) fn credit_balance(self) -> Amount {
        self.credits.checked_sub(self.debits).unwrap_or(Amount::ZERO)
    }
}

/// Sums postings by side; an event is recorded only when the two are equal.
pub(crate) fn totals(postings: &[Posting]) -> Result<Totals> {
    let mut t = Totals::default();
    for p in postings {
        t.add(p.side, p.amount)?;
    }
    Ok(t)
}

/// The fields of an event that go into every one of its entries' hashes.
#[derive(Clone, Debug)]
pub(crate) struct EventHeader<'a> {
    pub id: i64,
    pub kind: &'a str,
    pub at: i64,
    pub txid: Option<&'a str>,
    pub record_digest: &'a [u8],
}

/// sha256(prev ‖ canonical bytes of the entry).
pub(crate) fn entry_hash(
    prev: &[u8],
    entry_id: i64,
    event: &EventHeader<'_>,
    account: &str,
    side: Side,
    amount: Amount,
) -> [u8; 32] {
    let mut c = Canonical::new(b"BIDSWARM-JOURNAL-v1");
    c.i64(entry_id);
    c.i64(event.id);
    c.str(event.kind);
    c.i64(event.at);
    c.opt_str(event.txid);
    c.bytes(event.record_digest);
    c.str(account);
    c.str(side.as_str());
    c.u128(amount.base_units());
    let mut h = Sha256::new();
    h.update(prev);
    h.update(&c.0);
    h.finalize().into()
}

/// Canonical bytes: a domain tag, then every field at fixed width or length-prefixed, so
/// no two different records share an encoding.
pub(crate) struct Canonical(Vec<u8>);

impl Canonical {
    pub(crate) fn new(tag: &[u8]) -> Self {
        let mut c = Canonical(Vec::with_capacity(256));
        c.bytes(tag);
        c
    }
    pub(crate) fn bytes(&mut self, b: &[u8]) {
        // Lengths here are far below 2^32 (ids, addresses, labels).
        self.0.extend_from_slice(&(b.len() as u32).to_be_bytes());
        self.0.extend_from_slice(b);
    }
    pub(crate) fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    pub(crate) fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.0.push(0),
            Some(s) => {
                self.0.push(1);
                self.str(s);
            }
        }
    }
    pub(crate) fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    pub(crate) fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    pub(crate) fn u128(&mut self, v: u128) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    pub(crate) fn digest(&self) -> Vec<u8> {
        Sha256::digest(&self.0).to_vec()
    }
}

pub(crate) fn account_digest(address: &Address, label: &str) -> Vec<u8> {
    let mut c = Canonical::new(b"account");
    c.bytes(address.as_bytes());
    c.str(label);
    c.digest()
}

#[derive(Clone, Debug)]
pub(crate) struct ChannelTerms {
    pub id: ChannelId,
    pub payer: Address,
    pub payee: Address,
    pub info_hash: [u8; 20],
    pub price_per_gib: Amount,
    pub budget: Amount,
    pub direction: Direction,
}

pub(crate) fn channel_digest(t: &ChannelTerms) -> Vec<u8> {
    let mut c = Canonical::new(b"channel");
    c.bytes(&t.id.0);
    c.bytes(t.payer.as_bytes());
    c.bytes(t.payee.as_bytes());
    c.bytes(&t.info_hash);
    c.u128(t.price_per_gib.base_units());
    c.u128(t.budget.base_units());
    c.str(t.direction.as_str());
    c.digest()
}

pub(crate) fn voucher_digest(v: &Voucher, signature: &Signature) -> Vec<u8> {
    let mut c = Canonical::new(b"voucher");
    c.bytes(&v.channel.0);
    c.u64(v.seq);
    c.u128(v.cumulative);
    c.u64(v.expiry);
    c.bytes(signature.as_bytes());
    c.digest()
}

/// One channel's part of a settlement: the cumulative range (from, upto].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SettledRange {
    pub channel: ChannelId,
    pub from: Amount,
    pub upto: Amount,
}

pub(crate) fn settlement_digest(
    id: i64,
    direction: Direction,
    counterparty: &Address,
    amount: Amount,
    ranges: &[SettledRange],
) -> Vec<u8> {
    let mut c = Canonical::new(b"settlement");
    c.i64(id);
    c.str(direction.as_str());
    c.bytes(counterparty.as_bytes());
    c.u128(amount.base_units());
    c.u64(ranges.len() as u64);
    for r in ranges {
        c.bytes(&r.channel.0);
        c.u128(r.from.base_units());
        c.u128(r.upto.base_units());
    }
    c.digest()
}

pub(crate) fn wallet_tx_digest(
    txid: &str,
    account: &Address,
    kind: &str,
    counterparty: Option<&Address>,
    amount: Amount,
) -> Vec<u8> {
    let mut c = Canonical::new(b"wallet_tx");
    c.str(txid);
    c.bytes(account.as_bytes());
    c.str(kind);
    c.opt_str(counterparty.map(|a| a.to_hex()).as_deref());
    c.u128(amount.base_units());
    c.digest()
}

pub(crate) fn observation_digest(id: i64, account: &Address, amount: Amount, at: i64) -> Vec<u8> {
    let mut c = Canonical::new(b"observation");
    c.i64(id);
    c.bytes(account.as_bytes());
    c.u128(amount.base_units());
    c.i64(at);
    c.digest()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_names_round_trip() {
        let ch = ChannelId([7; 16]);
        let addr = Address::from_evm_bytes([3; 20]);
        for a in [
            Account::Wallet(addr),
            Account::External,
            Account::Spent(ch),
            Account::Committed(ch),
            Account::Outgoing(12),
            Account::Earned(ch),
            Account::Receivable(ch),
            Account::Incoming(3),
            Account::Fees,
            Account::Memo,
        ] {
            assert_eq!(Account::parse(&a.to_string()).unwrap(), a);
        }
        assert!(Account::parse("wallet:nope").is_err());
        assert!(Account::parse("spent").is_err());
    }

    #[test]
    fn every_field_of_an_entry_changes_its_hash() {
        let digest = [1u8; 32];
        let ev = EventHeader { id: 1, kind: "voucher_sent", at: 5, txid: None, record_digest: &digest };
        let base = entry_hash(&GENESIS, 1, &ev, "memo", Side::Debit, Amount::from_base_units(9));
        let variants = [
            entry_hash(&[1; 32], 1, &ev, "memo", Side::Debit, Amount::from_base_units(9)),
            entry_hash(&GENESIS, 2, &ev, "memo", Side::Debit, Amount::from_base_units(9)),
            entry_hash(&GENESIS, 1, &EventHeader { at: 6, ..ev.clone() }, "memo", Side::Debit, Amount::ZERO),
            entry_hash(
                &GENESIS,
                1,
                &EventHeader { txid: Some(""), ..ev.clone() },
                "memo",
                Side::Debit,
                Amount::from_base_units(9),
            ),
            entry_hash(&GENESIS, 1, &ev, "fees", Side::Debit, Amount::from_base_units(9)),
            entry_hash(&GENESIS, 1, &ev, "memo", Side::Credit, Amount::from_base_units(9)),
            entry_hash(&GENESIS, 1, &ev, "memo", Side::Debit, Amount::from_base_units(10)),
        ];
        for (i, v) in variants.iter().enumerate() {
            assert_ne!(*v, base, "variant {i}");
        }
    }
}
