//! Balances, always derived from the journal (never stored): see the journal docs for
//! which accounts add up to what.

use std::collections::{BTreeMap, HashMap};

use bidswarm_wallet::{Address, ChannelId};

use crate::amount::Stored as _;
use crate::journal::{Account, Side, Totals};
use crate::rows::{address, channel_id};
use crate::{Amount, Direction, Ledger, Result};

/// Where our money stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// On chain across our addresses, as the book knows it (last observation plus what
    /// moved since). Zero if the book is negative (a payment recorded before any
    /// balance); `shortfall` then carries the deficit.
    pub onchain: Amount,
    /// Vouchers we signed that are not yet settled on chain (including settlements in
    /// flight).
    pub committed: Amount,
    /// On chain minus committed, or zero when committed is more.
    pub spendable: Amount,
    /// Committed minus on chain, when that is positive: promises the wallet cannot cover.
    pub shortfall: Amount,
    /// Everything we ever promised on spend channels.
    pub spent: Amount,
    /// Earned in vouchers we hold, not yet confirmed on chain.
    pub earned_pending: Amount,
    /// Earned and confirmed on chain.
    pub earned_settled: Amount,
    /// Network fees paid.
    pub fees: Amount,
}

/// A channel with promises not yet settled on chain: on a spend channel what we still
/// owe, on an earn channel what we are still owed, after a restart as before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unsettled {
    pub channel: ChannelId,
    /// Who signs its vouchers (our account, on a spend channel: only that key can settle).
    pub payer: Address,
    pub payee: Address,
    pub info_hash: [u8; 20],
    /// The highest voucher's cumulative amount.
    pub promised: Amount,
    /// What of it is neither confirmed on chain nor in a settlement in flight.
    pub unsettled: Amount,
}

/// Spent and earned for one torrent, peer or day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Economics {
    pub spent: Amount,
    pub earned: Amount,
    /// Vouchers behind those amounts (each one booked a spend or an earning).
    pub vouchers: u64,
}

impl Economics {
    fn add(&mut self, account: &Account, side: Side, amount: Amount) -> Result<()> {
        // `spent` is only ever debited and `earned` only credited, but a reversal would
        // subtract, so both sides are honoured.
        match (account, side) {
            (Account::Spent(_), Side::Debit) => {
                self.spent = self.spent.checked_add(amount)?;
                self.vouchers += 1;
            }
            (Account::Spent(_), Side::Credit) => self.spent = self.spent.checked_sub(amount)?,
            (Account::Earned(_), Side::Credit) => {
                self.earned = self.earned.checked_add(amount)?;
                self.vouchers += 1;
            }
            (Account::Earned(_), Side::Debit) => self.earned = self.earned.checked_sub(amount)?,
            _ => {}
        }
        Ok(())
    }
}

/// Spent and earned three ways, from one pass over the journal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Breakdown {
    /// Per torrent (info hash).
    pub per_torrent: BTreeMap<[u8; 20], Economics>,
    /// Per peer: the other side of each channel.
    pub per_peer: BTreeMap<Address, Economics>,
    /// Per UTC day (`YYYY-MM-DD`), by when the voucher was recorded.
    pub by_day: BTreeMap<String, Economics>,
}

struct Line {
    account: Account,
    side: Side,
    amount: Amount,
    at: i64,
}

impl Ledger {
    async fn lines(&self) -> Result<Vec<Line>> {
        let rows = sqlx::query!(
            "SELECT j.account, j.side, j.amount, e.at FROM journal j JOIN events e ON e.id = j.event_id ORDER BY j.id"
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(Line {
                    account: Account::parse(&r.account)?,
                    side: Side::parse(&r.side)?,
                    amount: Amount::from_db(&r.amount, "journal.amount")?,
                    at: r.at,
                })
            })
            .collect()
    }

    /// Every account's debits and credits.
    async fn account_totals(&self) -> Result<BTreeMap<Account, Totals>> {
        let mut totals: BTreeMap<Account, Totals> = BTreeMap::new();
        for line in self.lines().await? {
            totals.entry(line.account).or_default().add(line.side, line.amount)?;
        }
        Ok(totals)
    }

    /// The balance of one journal account by its name (`wallet:T…`, `committed:<hex>`,
    /// …), as debits minus credits: `(amount, negative)`.
    pub async fn account_balance(&self, account: &str) -> Result<(Amount, bool)> {
        let account = Account::parse(account)?;
        let t = self.account_totals().await?.remove(&account).unwrap_or_default();
        Ok(if t.debits >= t.credits { (t.debit_balance(), false) } else { (t.credit_balance(), true) })
    }

    /// Where our money stands, summed exactly from the journal.
    pub async fn summary(&self) -> Result<Summary> {
        let mut wallet = Totals::default();
        let mut committed = Totals::default();
        let mut spent = Totals::default();
        let mut earned = Totals::default();
        let mut pending = Totals::default();
        let mut fees = Totals::default();
        for (account, t) in self.account_totals().await? {
            let bucket = match account {
                Account::Wallet(_) => &mut wallet,
                Account::Committed(_) | Account::Outgoing(_) => &mut committed,
                Account::Spent(_) => &mut spent,
                Account::Earned(_) => &mut earned,
                Account::Receivable(_) | Account::Incoming(_) => &mut pending,
                Account::Fees => &mut fees,
                Account::External | Account::Memo => continue,
            };
            bucket.merge(t)?;
        }
        let committed = committed.credit_balance();
        // net = wallet debits − wallet credits − committed, computed without signs.
        let plus = wallet.debits;
        let minus = wallet.credits.checked_add(committed)?;
        let earned_pending = pending.debit_balance();
        let earned_total = earned.credit_balance();
        Ok(Summary {
            onchain: wallet.debit_balance(),
            committed,
            spendable: plus.checked_sub(minus).unwrap_or(Amount::ZERO),
            shortfall: minus.checked_sub(plus).unwrap_or(Amount::ZERO),
            spent: spent.debit_balance(),
            earned_pending,
            earned_settled: earned_total.checked_sub(earned_pending).unwrap_or(Amount::ZERO),
            fees: fees.debit_balance(),
        })
    }

    /// What each channel of `direction` was promised in all, settled or not: its highest
    /// voucher's cumulative amount (what we signed on a spend channel, what we accepted on
    /// an earn channel). Channels with no voucher yet are not listed. Comparing a payer's
    /// book with its payee's channel by channel shows a voucher lost or counted twice.
    pub async fn promised(&self, direction: Direction) -> Result<BTreeMap<ChannelId, Amount>> {
        let mut out = BTreeMap::new();
        for (account, t) in self.account_totals().await? {
            match (direction, account) {
                (Direction::Spend, Account::Spent(c)) => out.insert(c, t.debit_balance()),
                (Direction::Earn, Account::Earned(c)) => out.insert(c, t.credit_balance()),
                _ => continue,
            };
        }
        Ok(out)
    }

    /// Channels of `direction` whose vouchers are not all settled (nor being settled):
    /// from the journal's `committed:<channel>` accounts for spend channels and its
    /// `receivable:<channel>` accounts for earn channels. A settlement in flight when the
    /// app stopped counts as settled here, so a restart never pays twice.
    pub async fn unsettled(&self, direction: Direction) -> Result<Vec<Unsettled>> {
        let index = self.channel_index().await?;
        let totals = self.account_totals().await?;
        let mut out = Vec::new();
        for (account, t) in &totals {
            let (channel, unsettled, total) = match (direction, account) {
                (Direction::Spend, Account::Committed(c)) => (*c, t.credit_balance(), Account::Spent(*c)),
                (Direction::Earn, Account::Receivable(c)) => (*c, t.debit_balance(), Account::Earned(*c)),
                _ => continue,
            };
            let Some(sides) = index.get(&channel).filter(|_| !unsettled.is_zero()) else { continue };
            let promised = totals.get(&total).map_or(unsettled, |t| match direction {
                Direction::Spend => t.debit_balance(),
                Direction::Earn => t.credit_balance(),
            });
            out.push(Unsettled {
                channel,
                payer: sides.payer,
                payee: sides.payee,
                info_hash: sides.info_hash,
                promised,
                unsettled,
            });
        }
        Ok(out)
    }

    /// Each channel's torrent, the other side (payee of a spend channel, payer of an earn
    /// channel), and its payer.
    async fn channel_index(&self) -> Result<HashMap<ChannelId, ChannelSides>> {
        let rows = sqlx::query!("SELECT id, payer, payee, info_hash, direction FROM channels")
            .fetch_all(&self.pool)
            .await?;
        let mut index = HashMap::with_capacity(rows.len());
        for r in rows {
            let info_hash: [u8; 20] =
                r.info_hash.as_slice().try_into().map_err(|_| crate::Error::Corrupt {
                    what: "channels.info_hash",
                    detail: format!("{} bytes", r.info_hash.len()),
                })?;
            let sides = ChannelSides {
                info_hash,
                payer: address(&r.payer, "channels")?,
                payee: address(&r.payee, "channels")?,
                spend: r.direction == "spend",
            };
            index.insert(channel_id(&r.id)?, sides);
        }
        Ok(index)
    }

    /// Spent and earned per torrent, per peer and per day, reading the journal once.
    pub async fn breakdown(&self) -> Result<Breakdown> {
        let index = self.channel_index().await?;
        let mut out = Breakdown::default();
        for line in self.lines().await? {
            let Some(sides) = line_channel(&line).and_then(|c| index.get(&c)) else { continue };
            let (account, side, amount) = (&line.account, line.side, line.amount);
            out.per_torrent.entry(sides.info_hash).or_default().add(account, side, amount)?;
            out.per_peer.entry(sides.other()).or_default().add(account, side, amount)?;
            let day = crate::time::day_of(line.at);
            out.by_day.entry(day).or_default().add(account, side, amount)?;
        }
        Ok(out)
    }

    /// Spent and earned per torrent (info hash).
    pub async fn per_torrent(&self) -> Result<BTreeMap<[u8; 20], Economics>> {
        Ok(self.breakdown().await?.per_torrent)
    }

    /// Spent and earned per peer (the other side of the channel).
    pub async fn per_peer(&self) -> Result<BTreeMap<Address, Economics>> {
        Ok(self.breakdown().await?.per_peer)
    }

    /// Spent and earned per UTC day (`YYYY-MM-DD`), by when the voucher was recorded.
    pub async fn by_day(&self) -> Result<BTreeMap<String, Economics>> {
        Ok(self.breakdown().await?.by_day)
    }
}

/// A channel's torrent and sides, and whether we pay on it.
struct ChannelSides {
    info_hash: [u8; 20],
    payer: Address,
    payee: Address,
    spend: bool,
}

impl ChannelSides {
    /// The peer: the payee of a spend channel, the payer of an earn channel.
    fn other(&self) -> Address {
        if self.spend {
            self.payee
        } else {
            self.payer
        }
    }
}

fn line_channel(line: &Line) -> Option<ChannelId> {
    match line.account {
        Account::Spent(c) | Account::Earned(c) => Some(c),
        _ => None,
    }
}
