//! Bid for speed against counterparts that lie (docs/PROTOCOL.md "What each side can
//! lose"): scripted sellers and buyers that speak bt_speed to real Bidswarm processes on
//! 127.0.0.1, with the devnet as the chain. Each test states the worst case its rule
//! allows and checks the real process stays within it.

use std::{path::Path, time::Duration};

use bidswarm_peerwire::{BlockRef, Message};
use bidswarm_speed::{
    message::{ErrorCode, Hello, PriceOffer, SpeedError, SpeedMessage},
    Amount,
};
use bidswarm_tests::{files_equal, path_str, start_seeder};
use bidswarm_wallet::PrivateKey;
use bytes::Bytes;
use tokio::net::TcpListener;

use crate::{
    speed::{
        bidding_leecher_args,
        cheater::{Cheater, Seller},
        devnet_seller_hello, leecher, market, value, wallet, Market, BTT,
    },
    TRANSFER_TIMEOUT,
};

const GIB: u128 = 1 << 30;

/// What the scripted seller saw.
#[derive(Debug, Default)]
struct Seen {
    served: u64,
    errors: Vec<ErrorCode>,
    /// The highest voucher the buyer signed to us.
    max_cumulative: u128,
    /// Bytes served while the buyer held the paid slot at the fair price.
    served_on_slot: u64,
}

/// Bytes of new pieces the scripted seller serves after naming its fair price, and after
/// each voucher, before it waits for the next voucher: a credit window of its own, so the
/// test paces the transfer by payment, not by the clock.
const SELLER_WINDOW: u64 = 1 << 20;

/// A seller that names its own price: it answers the first bid with `greedy` per GiB (far
/// above any bid), and only after the buyer refuses that, with `fair` (`greedy == fair`:
/// a fair seller from the start). It serves the real data only at the fair price: a
/// window of new pieces, and another after each voucher; a piece once started is always
/// finished, so the buyer can verify and pay for it. A buyer that withdraws its bid is
/// served freely. With `nag`, it answers every voucher with "your settlement is overdue"
/// (error 13), asking to be paid on chain at once.
#[allow(clippy::too_many_arguments)]
async fn greedy_seller(
    listener: TcpListener,
    info_hash: [u8; 20],
    data: std::path::PathBuf,
    piece_len: u64,
    hello: Hello,
    greedy: Amount,
    fair: Amount,
    nag: bool,
) -> anyhow::Result<Seen> {
    let file = std::fs::read(&data)?;
    let pieces = (file.len() as u64).div_ceil(piece_len) as usize;
    let mut seller = Seller::accept(listener, info_hash, pieces, *b"-XX0001-greedy000000").await?;
    let (mut seen, mut fair_slot, mut free) = (Seen::default(), false, false);
    let (mut allowance, mut started, mut held) = (0u64, std::collections::HashSet::new(), Vec::new());
    while let Some(message) = seller.next().await? {
        let (mut reply, mut name_price) = (Vec::new(), None);
        match message {
            Message::Extended { id: 0, .. } => {
                reply.push(seller.speed_message(SpeedMessage::Hello(hello.clone())))
            }
            Message::Extended { id: 7, payload } => match SpeedMessage::decode(&payload)? {
                SpeedMessage::Bid(b) if b.price.is_zero() => free = true,
                SpeedMessage::Bid(_) if !fair_slot => name_price = Some(greedy),
                SpeedMessage::Error(e) => {
                    seen.errors.push(e.code);
                    if e.code == ErrorCode::PriceAboveBid && !fair_slot {
                        name_price = Some(fair);
                    }
                }
                SpeedMessage::Voucher(v) => {
                    seen.max_cumulative = seen.max_cumulative.max(v.voucher.cumulative);
                    allowance = SELLER_WINDOW;
                    if nag {
                        let overdue =
                            SpeedError { code: ErrorCode::SettlementOverdue, message: "pay now".into() };
                        reply.push(seller.speed_message(SpeedMessage::Error(overdue)));
                    }
                }
                _ => {}
            },
            Message::Request(r) => held.push(r),
            _ => {}
        }
        if let Some(price) = name_price {
            fair_slot = price == fair;
            if fair_slot {
                allowance = SELLER_WINDOW;
            }
            let offer = PriceOffer { price, slot: true, credit_window: 64 << 20 };
            reply.push(seller.speed_message(SpeedMessage::Price(offer)));
        }
        // Serve what the rules above allow now; the rest waits for a voucher.
        let mut waiting = Vec::new();
        for BlockRef { index, begin, length } in held.drain(..) {
            let may = free || started.contains(&index) || (fair_slot && allowance > 0);
            if !may {
                waiting.push(BlockRef { index, begin, length });
                continue;
            }
            if started.insert(index) {
                allowance = allowance.saturating_sub(piece_len);
            }
            let start = index as usize * piece_len as usize + begin as usize;
            let end = (start + length as usize).min(file.len());
            anyhow::ensure!(start < end && length <= 16384, "a request outside the file");
            seen.served += (end - start) as u64;
            if fair_slot {
                seen.served_on_slot += (end - start) as u64;
            }
            reply.push(Message::Piece { index, begin, block: Bytes::copy_from_slice(&file[start..end]) });
        }
        held = waiting;
        if !seller.send(&reply).await {
            break;
        }
    }
    Ok(seen)
}

/// The first attack: a seller answers a 10 BTT/GiB bid with 2^100 per GiB. The
/// buyer refuses that price (error 10), holds no paid slot at it, and pays nothing at it;
/// once the seller names a price within the bid, the buyer pays that price for the
/// verified bytes delivered on the slot, and every voucher the seller got is in the
/// buyer's ledger first.
#[tokio::test(flavor = "multi_thread")]
async fn a_seller_naming_a_price_above_the_bid_is_refused_and_paid_at_most_the_bid() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    const PIECE: u64 = 65536;
    let Market { mut devnet_proc, devnet, url, data, torrent, magnet, .. } =
        market(dir.path(), "greedy", 8, 101, &["--piece-length", "65536"]).await?;
    let (buyer_key, _) = wallet(dir.path(), "buyer", 0xa1, &devnet, Some(1000 * BTT)).await?;
    let info_hash: [u8; 20] =
        hex::decode(&magnet["magnet:?xt=urn:btih:".len()..][..40])?.try_into().unwrap_or([0; 20]);
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let seller_addr = listener.local_addr()?.to_string();
    let hello = devnet_seller_hello(&url, 0xa2)?;
    let (greedy, fair) = (Amount(1 << 100), Amount::from_btt(3));
    let seller =
        tokio::spawn(greedy_seller(listener, info_hash, data.clone(), PIECE, hello, greedy, fair, false));

    let out = dir.path().join("buyer");
    let ledger = dir.path().join("buyer-ledger.sqlite");
    let mut args = bidding_leecher_args(&buyer_key, &url, "10", "100");
    args.extend(["--ledger", path_str(&ledger)]);
    let mut buyer = leecher("buyer", path_str(&torrent), &out, &seller_addr, &args, dir.path())?;
    let status = buyer.wait_exit(TRANSFER_TIMEOUT).await?;
    anyhow::ensure!(status.success(), "the buyer failed:\n{}", buyer.stderr_tail());
    assert!(files_equal(&data, &out.join("greedy.bin"))?, "the download is intact");
    let seen = tokio::time::timeout(Duration::from_secs(30), seller).await???;
    eprintln!("{seen:?}");

    assert!(
        seen.errors.contains(&ErrorCode::PriceAboveBid),
        "the buyer refused the price: {:?}",
        seen.errors
    );
    // Worst case for the buyer: the fair price for what was served on the slot, never the
    // greedy price, never above the bid for all that was served.
    let bound = fair.0 * u128::from(seen.served_on_slot) / GIB;
    assert!(
        seen.max_cumulative <= bound,
        "paid {} for {} bytes on the slot (bound {bound})",
        seen.max_cumulative,
        seen.served_on_slot
    );
    assert!(seen.max_cumulative <= 10 * BTT * u128::from(seen.served) / GIB, "never above the bid");
    assert!(seen.max_cumulative > 0, "the fair price was paid, so the test can tell paying from not");
    // The buyer may have signed a last voucher that had not gone out when it exited.
    let spent: u128 = value(&buyer, "spent").unwrap_or_default().parse()?;
    assert!(
        spent >= seen.max_cumulative && spent <= bound,
        "the buyer promised {spent} in all (bound {bound})"
    );
    // Recorded before sent: the buyer's ledger holds every voucher the seller saw.
    let book = bidswarm_ledger::Ledger::open(&ledger).await?;
    assert!(book.summary().await?.spent.base_units() >= seen.max_cumulative);
    assert!(book.verify().await?.problems.is_empty());
    devnet_proc.terminate(Duration::from_secs(10)).await?;
    Ok(())
}

/// A market of 8 pieces of 64 KiB, a buyer's key file funded with `held` BTT, and a
/// scripted seller naming 64 BTT/GiB from the start (nagging for payment when `nag`).
struct FairSeller {
    market: Market,
    buyer_key: String,
    seller_addr: String,
    seller_address: bidswarm_wallet::Address,
    seller: tokio::task::JoinHandle<anyhow::Result<Seen>>,
}

async fn fair_seller(
    dir: &Path,
    name: &str,
    seed: u8,
    (buyer_seed, seller_seed): (u8, u8),
    held: u128,
    nag: bool,
) -> anyhow::Result<FairSeller> {
    let market = market(dir, name, 8, u64::from(seed), &["--piece-length", "65536"]).await?;
    let (buyer_key, _) = wallet(dir, "buyer", buyer_seed, &market.devnet, Some(held)).await?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let seller_addr = listener.local_addr()?.to_string();
    let hello = devnet_seller_hello(&market.url, seller_seed)?;
    let seller_address = hello.address;
    let price = Amount::from_btt(64);
    let info_hash = info_hash_of(&market.magnet);
    let seller = tokio::spawn(greedy_seller(
        listener,
        info_hash,
        market.data.clone(),
        65536,
        hello,
        price,
        price,
        nag,
    ));
    Ok(FairSeller { market, buyer_key, seller_addr, seller_address, seller })
}

/// A wallet that holds less than the budget, and a seller that serves on credit without
/// checking the buyer's balance (not Bidswarm's rule, but a seller may do so): the buyer's
/// budget would buy the whole file, its wallet holds 0.3 BTT of the 0.5 BTT the file costs.
/// It promises exactly what the wallet holds, stops bidding, finishes for free, and settles
/// that much on chain.
#[tokio::test(flavor = "multi_thread")]
async fn vouchers_never_promise_more_than_the_wallet_holds_to_a_seller_that_does_not_check(
) -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let held = 3 * BTT / 10;
    let FairSeller { market, buyer_key, seller_addr, seller_address, seller } =
        fair_seller(dir.path(), "thin", 141, (0xa3, 0xa4), held, false).await?;
    let Market { mut devnet_proc, devnet, url, data, torrent, .. } = market;
    let out = dir.path().join("buyer");
    let args = ["--wallet-file", &buyer_key, "--network", &url, "--bid", "64", "--budget", "1000"];
    let mut buyer = leecher("buyer", path_str(&torrent), &out, &seller_addr, &args, dir.path())?;
    let status = buyer.wait_exit(TRANSFER_TIMEOUT).await?;
    anyhow::ensure!(status.success(), "the buyer failed:\n{}", buyer.stderr_tail());
    assert!(files_equal(&data, &out.join("thin.bin"))?, "the download is intact");
    let seen = tokio::time::timeout(Duration::from_secs(30), seller).await???;
    let held_text = held.to_string();
    assert_eq!(value(&buyer, "spent").as_deref(), Some(held_text.as_str()), "exactly what the wallet held");
    assert_eq!(value(&buyer, "budget_exhausted").as_deref(), Some("true"), "bidding stopped");
    assert_eq!(seen.max_cumulative, held, "the seller got vouchers for all of it and no more");
    assert_eq!(devnet.btt_balance(&seller_address).await?, held, "and was paid all of it");
    devnet_proc.terminate(Duration::from_secs(10)).await?;
    Ok(())
}

/// A seller that answers every voucher with "your settlement is overdue" (error 13) would
/// make the buyer burn a TRX fee each settlement round for a few blocks' worth. The buyer
/// honours one payee's ask once a day: over a download paced to last several rounds it
/// settles once when asked and once more as it quits, and both together pay exactly what
/// it promised.
#[tokio::test(flavor = "multi_thread")]
async fn a_seller_asking_to_be_paid_at_every_voucher_gets_one_settlement_a_day() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let FairSeller { market, buyer_key, seller_addr, seller_address, seller } =
        fair_seller(dir.path(), "nag", 171, (0xb1, 0xb2), 1000 * BTT, true).await?;
    let Market { mut devnet_proc, devnet, url, data, torrent, .. } = market;
    let out = dir.path().join("buyer");
    // 8 MiB at 256 KiB/s: some 30 s, three settlement rounds and more.
    let mut args = bidding_leecher_args(&buyer_key, &url, "64", "100");
    args.extend(["--download-limit", "256K"]);
    let mut buyer = leecher("buyer", path_str(&torrent), &out, &seller_addr, &args, dir.path())?;
    let status = buyer.wait_exit(TRANSFER_TIMEOUT).await?;
    anyhow::ensure!(status.success(), "the buyer failed:\n{}", buyer.stderr_tail());
    assert!(files_equal(&data, &out.join("nag.bin"))?, "the download is intact");
    let seen = tokio::time::timeout(Duration::from_secs(30), seller).await???;
    let asked = seen.max_cumulative;
    assert!(asked > 0, "the buyer paid vouchers, and so was asked to settle after each");
    let transfers = devnet.trc20_history(&seller_address, 50).await?;
    assert!(
        (1..=2).contains(&transfers.len()),
        "one settlement when first asked and one on quitting, not one a round: {transfers:?}"
    );
    let spent: u128 = value(&buyer, "spent").unwrap_or_default().parse()?;
    assert_eq!(devnet.btt_balance(&seller_address).await?, spent, "all it promised, paid");
    devnet_proc.terminate(Duration::from_secs(10)).await?;
    Ok(())
}

/// Connects as a payer, bids, and reports whether the seller granted a paid slot within
/// `wait`, with the errors it sent.
async fn try_for_slot(
    addr: &str,
    info_hash: [u8; 20],
    key: &PrivateKey,
    nonce: u64,
    then_promise: Option<Amount>,
    wait: Duration,
) -> anyhow::Result<(bool, Vec<ErrorCode>)> {
    let mut peer = Cheater::connect(addr, info_hash).await?;
    let hello = peer.hello().await?;
    let channel = peer.bid_with_nonce(key, &hello, Amount::from_btt(5), nonce).await?;
    let (slot, mut errors) = slot_answer(&mut peer, wait).await?;
    if let (true, Some(amount)) = (slot, then_promise) {
        peer.voucher(key, channel, 1, amount).await?;
        // Read what the seller says to it, so the voucher is taken before we leave.
        while let Some(m) = peer.next(Duration::from_millis(700)).await? {
            if let Some(SpeedMessage::Error(e)) = Cheater::speed(&m) {
                errors.push(e.code);
            }
        }
    }
    Ok((slot, errors))
}

/// Reads what the seller says after a bid until it grants the paid slot, or says why it
/// does not, or `wait` passes: whether the slot came, and the errors it sent.
async fn slot_answer(peer: &mut Cheater, wait: Duration) -> anyhow::Result<(bool, Vec<ErrorCode>)> {
    let mut errors = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    while tokio::time::Instant::now() < deadline {
        let Some(m) = peer.next(Duration::from_millis(500)).await? else { continue };
        match Cheater::speed(&m) {
            Some(SpeedMessage::Price(p)) if p.slot => return Ok((true, errors)),
            Some(SpeedMessage::Error(e)) => {
                errors.push(e.code);
                if matches!(
                    e.code,
                    ErrorCode::NoCredit | ErrorCode::ExposureCap | ErrorCode::SettlementOverdue
                ) {
                    break;
                }
            }
            _ => {}
        }
    }
    Ok((false, errors))
}

/// How long a bidder waits for the seller's answer. The seller answers within a round of
/// reading the bidder's balance; the deadline only bounds a hang.
const ANSWER_WITHIN: Duration = Duration::from_secs(30);

/// A seller for the buyer-side attacks, with small caps: 2 BTT per payer, 5 BTT in all.
async fn capped_seller(dir: &Path, m: &Market, seed: u8) -> anyhow::Result<(bidswarm_tests::Proc, String)> {
    capped_seller_with(dir, m, seed, &[]).await
}

async fn capped_seller_with(
    dir: &Path,
    m: &Market,
    seed: u8,
    extra: &[&str],
) -> anyhow::Result<(bidswarm_tests::Proc, String)> {
    let (seeder_key, _) = wallet(dir, "seeder", seed, &m.devnet, None).await?;
    let ledger = dir.join("seller-ledger.sqlite");
    let mut args = vec![
        "--earn",
        "--ask",
        "1",
        "--exposure-cap",
        "2",
        "--total-exposure-cap",
        "5",
        "--wallet-file",
        &seeder_key,
        "--network",
        &m.url,
        "--ledger",
        path_str(&ledger),
    ];
    args.extend_from_slice(extra);
    start_seeder("seeder", &m.torrent, &m.seed_dir, &args, dir).await
}

fn info_hash_of(magnet: &str) -> [u8; 20] {
    hex::decode(&magnet["magnet:?xt=urn:btih:".len()..][..40])
        .ok()
        .and_then(|b| b.try_into().ok())
        .unwrap_or([0; 20])
}

/// A buyer with no BTT is never served on credit: no paid slot, and told why (error 11),
/// while a funded buyer on the same seller gets one (so the test can tell).
#[tokio::test(flavor = "multi_thread")]
async fn a_buyer_with_no_funds_gets_no_paid_slot() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let m = market(dir.path(), "nofunds", 1, 111, &[]).await?;
    let (_seller, addr) = capped_seller(dir.path(), &m, 0xb1).await?;
    let info_hash = info_hash_of(&m.magnet);
    let broke = PrivateKey::from_bytes(&[0xb2; 32])?;
    let (slot, errors) = try_for_slot(&addr, info_hash, &broke, 1, None, ANSWER_WITHIN).await?;
    assert!(!slot, "no paid slot without funds");
    assert!(errors.contains(&ErrorCode::NoCredit), "told why: {errors:?}");
    let funded = PrivateKey::from_bytes(&[0xb3; 32])?;
    m.devnet.faucet(&funded.address(), 1_000_000_000, 10 * BTT).await?;
    let (slot, _) = try_for_slot(&addr, info_hash, &funded, 1, None, ANSWER_WITHIN).await?;
    assert!(slot, "a funded buyer gets the slot");
    let Market { mut devnet_proc, .. } = m;
    devnet_proc.terminate(Duration::from_secs(10)).await?;
    Ok(())
}

/// A buyer that reconnects 20 times, and 20 buyers with fresh keys, each promising 1 BTT
/// it never settles: the seller's unsettled exposure stays within its caps (2 BTT per
/// payer, 5 BTT in all), because what is owed is counted per payer across connections and
/// for all payers together. Reconnecting resets nothing; new keys do not multiply the cap.
#[tokio::test(flavor = "multi_thread")]
async fn reconnects_and_fresh_keys_stay_within_the_sellers_caps() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let m = market(dir.path(), "caps", 1, 121, &[]).await?;
    let (_seller, addr) = capped_seller(dir.path(), &m, 0xc1).await?;
    let info_hash = info_hash_of(&m.magnet);
    let wait = ANSWER_WITHIN;

    let one = PrivateKey::from_bytes(&[0xc2; 32])?;
    m.devnet.faucet(&one.address(), 1_000_000_000, 100 * BTT).await?;
    let mut slots = 0;
    for nonce in 1..=20 {
        let (slot, _) = try_for_slot(&addr, info_hash, &one, nonce, Some(Amount::from_btt(1)), wait).await?;
        slots += usize::from(slot);
    }
    // 1 BTT promised per slot; the next slot would need 2 BTT owed + a window ≤ 2 BTT.
    assert!((1..=2).contains(&slots), "one payer got {slots} slots across 20 connections");

    let mut fresh = 0;
    for i in 0..20u8 {
        let key = PrivateKey::from_bytes(&[0xd0 + i; 32])?;
        m.devnet.faucet(&key.address(), 1_000_000_000, 100 * BTT).await?;
        let (slot, _) = try_for_slot(&addr, info_hash, &key, 1, Some(Amount::from_btt(1)), wait).await?;
        fresh += usize::from(slot);
    }
    // The first payer already owes up to 2 of the 5 in all.
    assert!(fresh <= 5 - slots, "fresh keys got {fresh} slots beside {slots}: the total cap did not hold");
    assert!(fresh >= 1, "fresh keys get slots while the total cap has room");
    let Market { mut devnet_proc, .. } = m;
    devnet_proc.terminate(Duration::from_secs(10)).await?;
    Ok(())
}

/// A buyer that floods vouchers: a thousand one-base-unit steps and a burst far above the
/// rate. The seller refuses them unread (error 12), so its ledger grows by at most a few
/// vouchers, not a thousand.
#[tokio::test(flavor = "multi_thread")]
async fn a_voucher_flood_grows_the_sellers_ledger_by_a_bounded_amount() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let m = market(dir.path(), "flood", 1, 131, &[]).await?;
    let (mut seller, addr) = capped_seller(dir.path(), &m, 0xe1).await?;
    let info_hash = info_hash_of(&m.magnet);
    let key = PrivateKey::from_bytes(&[0xe2; 32])?;
    m.devnet.faucet(&key.address(), 1_000_000_000, 100 * BTT).await?;

    let mut peer = Cheater::connect(&addr, info_hash).await?;
    let hello = peer.hello().await?;
    let channel = peer.bid_with_nonce(&key, &hello, Amount::from_btt(5), 1).await?;
    // The slot comes once the seller read our balance, so our first voucher is backed.
    let (slot, errors) = slot_answer(&mut peer, ANSWER_WITHIN).await?;
    anyhow::ensure!(slot, "no paid slot for a funded buyer: {errors:?}");
    const FLOOD: u64 = 1000;
    for seq in 1..=FLOOD {
        // One base unit more each time: far below one block's worth.
        peer.voucher(&key, channel, seq, Amount(BTT / 1000 + u128::from(seq))).await?;
    }
    // Every refusal is read (until ten quiet seconds; the seller answers each at once).
    let mut refused = 0u64;
    while refused < FLOOD - 1 {
        let Some(msg) = peer.next(Duration::from_secs(10)).await? else { break };
        if matches!(Cheater::speed(&msg), Some(SpeedMessage::Error(e)) if e.code == ErrorCode::VoucherFlood) {
            refused += 1;
        }
    }
    drop(peer);
    assert!(refused >= FLOOD - 10, "the flood was refused ({refused} of {FLOOD})");
    // The closed connection hands its last voucher to the ledger writer; wait until it is in.
    let ledger = dir.path().join("seller-ledger.sqlite");
    let recorded = async || {
        let book = bidswarm_ledger::Ledger::open(&ledger).await.ok()?;
        let vouchers: u64 = book.breakdown().await.ok()?.per_peer.values().map(|e| e.vouchers).sum();
        book.close().await;
        (vouchers > 0).then_some(vouchers)
    };
    bidswarm_tests::wait_until(
        "the accepted voucher in the ledger",
        ANSWER_WITHIN,
        Duration::from_millis(200),
        recorded,
    )
    .await?;
    seller.terminate(Duration::from_secs(20)).await?;
    let book = bidswarm_ledger::Ledger::open(&ledger).await?;
    let vouchers: u64 = book.breakdown().await?.per_peer.values().map(|e| e.vouchers).sum();
    assert!((1..=10).contains(&vouchers), "the seller's ledger holds {vouchers} vouchers");
    assert!(book.verify().await?.problems.is_empty());
    let Market { mut devnet_proc, .. } = m;
    devnet_proc.terminate(Duration::from_secs(10)).await?;
    Ok(())
}

/// A restart never gives a torrent its budget again: a bidder spends its whole 0.5 BTT
/// budget on a download, then downloads the same torrent again into a new folder with the
/// same ledger. The second run promises nothing more, says its budget is used up, and
/// still finishes for free; the ledger holds the first run's spending once.
#[tokio::test(flavor = "multi_thread")]
async fn a_restart_never_refreshes_a_spent_budget() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let m = market(dir.path(), "again", 16, 151, &[]).await?;
    let (seeder_key, _) = wallet(dir.path(), "seeder", 0xf1, &m.devnet, None).await?;
    let (buyer_key, _) = wallet(dir.path(), "buyer", 0xf2, &m.devnet, Some(1000 * BTT)).await?;
    let (_seeder, addr) = start_seeder(
        "seeder",
        &m.torrent,
        &m.seed_dir,
        &["--upload-limit", "4M", "--earn", "--ask", "64", "--wallet-file", &seeder_key, "--network", &m.url],
        dir.path(),
    )
    .await?;
    let ledger = dir.path().join("buyer-ledger.sqlite");
    let args = [
        "--wallet-file",
        &buyer_key,
        "--network",
        &m.url,
        "--bid",
        "64",
        "--budget",
        "0.5",
        "--ledger",
        path_str(&ledger),
    ];
    let mut spent = Vec::new();
    for run in ["first", "second"] {
        let out = dir.path().join(run);
        let mut buyer = leecher(run, &m.magnet, &out, &addr, &args, dir.path())?;
        let status = buyer.wait_exit(TRANSFER_TIMEOUT).await?;
        anyhow::ensure!(status.success(), "the {run} run failed:\n{}", buyer.stderr_tail());
        assert!(files_equal(&m.data, &out.join("again.bin"))?, "the {run} download is intact");
        assert_eq!(value(&buyer, "budget_exhausted").as_deref(), Some("true"), "{run} run");
        spent.push(value(&buyer, "spent").unwrap_or_default());
    }
    let half = (BTT / 2).to_string();
    assert_eq!(spent, [half.clone(), half], "the second run counts the first run's spending, and adds none");
    let book = bidswarm_ledger::Ledger::open(&ledger).await?;
    assert_eq!(book.summary().await?.spent.base_units(), BTT / 2, "spent once in all");
    let Market { mut devnet_proc, .. } = m;
    devnet_proc.terminate(Duration::from_secs(10)).await?;
    Ok(())
}

/// A buyer that owes the seller longer than its settlement deadline (here 3 s) gets no
/// paid slot until it pays, and is told so (error 13), whatever connection it comes on.
#[tokio::test(flavor = "multi_thread")]
async fn a_buyer_whose_settlement_is_overdue_gets_no_paid_slot() -> anyhow::Result<()> {
    let dir = bidswarm_tests::test_dir();
    let m = market(dir.path(), "overdue", 1, 161, &[]).await?;
    let (_seller, addr) = capped_seller_with(dir.path(), &m, 0x71, &["--settlement-overdue", "3"]).await?;
    let info_hash = info_hash_of(&m.magnet);
    let key = PrivateKey::from_bytes(&[0x72; 32])?;
    m.devnet.faucet(&key.address(), 1_000_000_000, 100 * BTT).await?;
    let wait = ANSWER_WITHIN;
    let (slot, _) = try_for_slot(&addr, info_hash, &key, 1, Some(Amount(BTT / 10)), wait).await?;
    assert!(slot, "a funded buyer that owes nothing gets the slot");
    tokio::time::sleep(Duration::from_secs(4)).await;
    let (slot, errors) = try_for_slot(&addr, info_hash, &key, 2, None, wait).await?;
    assert!(!slot, "no slot while the debt is overdue");
    assert!(errors.contains(&ErrorCode::SettlementOverdue), "told why: {errors:?}");
    let Market { mut devnet_proc, .. } = m;
    devnet_proc.terminate(Duration::from_secs(10)).await?;
    Ok(())
}
