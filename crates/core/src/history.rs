//! `LedgerHistory`: the ledger's history a page at a time, in the API's shape. The
//! cursor is the ledger's [`HistoryCursor`] in its text form; the UI only hands it back.

use bidswarm_api::{
    ApiError, ApiErrorKind, ChannelDirection, LedgerEntry, LedgerEntryKind, Response, TorrentId,
};
use bidswarm_ledger::{DateRange, Direction, HistoryCursor, HistoryEntry, Ledger};

use crate::{api_error, ledger_error};

/// Answers `LedgerHistory`. A cursor that is not one, or a limit of 0, is a `bad_request`
/// that says what to send instead; a limit over the ledger's page size gets a full page.
pub(crate) async fn ledger_history(
    ledger: &Ledger,
    cursor: Option<String>,
    limit: u32,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<Response, ApiError> {
    let bad_request = |e: bidswarm_ledger::Error| api_error(ApiErrorKind::BadRequest, e.to_string());
    let cursor = cursor.as_deref().map(str::parse::<HistoryCursor>).transpose().map_err(bad_request)?;
    if limit == 0 {
        return Err(bad_request(bidswarm_ledger::Error::InvalidPageSize));
    }
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let page = ledger.history(DateRange { from, to }, cursor, limit).await.map_err(ledger_error)?;
    let entries = page.entries.into_iter().map(entry).collect::<Result<_, _>>()?;
    Ok(Response::LedgerHistory { entries, next_cursor: page.next_cursor.map(|c| c.to_string()) })
}

fn entry(e: HistoryEntry) -> Result<LedgerEntry, ApiError> {
    let kind = match e.kind.as_str() {
        "voucher_sent" => LedgerEntryKind::VoucherSent,
        "voucher_received" => LedgerEntryKind::VoucherReceived,
        "settlement_pending" => LedgerEntryKind::SettlementPending,
        "settlement_confirmed" => LedgerEntryKind::SettlementConfirmed,
        "settlement_failed" => LedgerEntryKind::SettlementFailed,
        "settlement_retried" => LedgerEntryKind::SettlementRetried,
        "deposit" => LedgerEntryKind::Deposit,
        "withdrawal" => LedgerEntryKind::Withdrawal,
        "fee" => LedgerEntryKind::Fee,
        "balance_observed" => LedgerEntryKind::BalanceObserved,
        other => {
            return Err(api_error(
                ApiErrorKind::Internal,
                format!("ledger event {} is of a kind this version does not know: {other:?}", e.id),
            ))
        }
    };
    Ok(LedgerEntry {
        id: e.id,
        at: e.at,
        kind,
        direction: e.direction.map(|d| match d {
            Direction::Spend => ChannelDirection::Spend,
            Direction::Earn => ChannelDirection::Earn,
        }),
        torrent: e.info_hash.map(TorrentId::from),
        peer: e.peer.map(|p| p.to_string()),
        amount: e.amount.base_units().to_string(),
        txid: e.txid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bidswarm_ledger::{Amount, NewChannel, SignedVoucher};
    use bidswarm_wallet::{ChannelId, PrivateKey, Signer, Voucher};

    const T0: i64 = 1_714_521_600;

    /// A ledger in `dir` where we paid a seeder `n` vouchers of 1 base unit, one a second.
    async fn ledger_with_vouchers(dir: &tempfile::TempDir, n: u64) -> (Ledger, PrivateKey, ChannelId) {
        let ledger = Ledger::open(dir.path().join("ledger.sqlite")).await.unwrap();
        let me = PrivateKey::from_bytes(&[1; 32]).unwrap();
        let seeder = PrivateKey::from_bytes(&[2; 32]).unwrap();
        ledger.add_account(me.address(), "main", T0).await.unwrap();
        let channel = NewChannel {
            id: ChannelId::derive(&me.address(), &seeder.address(), &[0xAA; 20], 1),
            payer: me.address(),
            payee: seeder.address(),
            info_hash: [0xAA; 20],
            price_per_gib: Amount::from_base_units(1),
            budget: Amount::from_base_units(1_000_000),
        };
        ledger.open_channel(&channel, T0).await.unwrap();
        for seq in 1..=n {
            add_voucher(&ledger, &me, channel.id, seq, T0 + seq as i64).await;
        }
        (ledger, me, channel.id)
    }

    async fn add_voucher(ledger: &Ledger, key: &PrivateKey, channel: ChannelId, seq: u64, at: i64) {
        let voucher = Voucher { channel, seq, cumulative: u128::from(seq), expiry: 1_900_000_000 };
        let signed = SignedVoucher { voucher, signature: key.sign_voucher(&voucher).unwrap() };
        ledger.record_voucher_sent(&signed, at).await.unwrap();
    }

    async fn page(
        ledger: &Ledger,
        cursor: Option<String>,
        limit: u32,
    ) -> Result<(Vec<LedgerEntry>, Option<String>), ApiError> {
        match ledger_history(ledger, cursor, limit, None, None).await? {
            Response::LedgerHistory { entries, next_cursor } => Ok((entries, next_cursor)),
            other => panic!("not a history page: {other:?}"),
        }
    }

    #[tokio::test]
    async fn paging_returns_every_entry_once_newest_first_even_as_entries_arrive() {
        let dir = tempfile::tempdir().unwrap();
        let (ledger, me, channel) = ledger_with_vouchers(&dir, 23).await;
        let mut seen = Vec::new();
        let mut cursor = None;
        let mut pages = 0;
        loop {
            let (entries, next) = page(&ledger, cursor, 5).await.unwrap();
            assert!(entries.len() <= 5);
            pages += 1;
            seen.extend(entries.into_iter().map(|e| (e.at, e.amount, e.kind, e.direction, e.torrent)));
            if pages == 2 {
                // Written between pages: newer than everything listed, so not in this walk.
                add_voucher(&ledger, &me, channel, 24, T0 + 24).await;
            }
            match next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(pages, 5, "23 entries in pages of 5, with no empty page at the end");
        let ats: Vec<i64> = seen.iter().map(|s| s.0).collect();
        assert_eq!(ats, (1..=23).rev().map(|s| T0 + s).collect::<Vec<_>>());
        for (_, amount, kind, direction, torrent) in &seen {
            // Each voucher adds 1 base unit over the one before.
            assert_eq!(amount, "1");
            assert_eq!(*kind, LedgerEntryKind::VoucherSent);
            assert_eq!(*direction, Some(ChannelDirection::Spend));
            assert_eq!(torrent.as_ref().map(TorrentId::info_hash), Some([0xaa; 20]));
        }
        // A fresh walk starts with the voucher written in between.
        let (first, _) = page(&ledger, None, 1).await.unwrap();
        assert_eq!(first[0].at, T0 + 24);
    }

    #[tokio::test]
    async fn a_date_range_narrows_the_pages() {
        let dir = tempfile::tempdir().unwrap();
        let (ledger, _, _) = ledger_with_vouchers(&dir, 10).await;
        let Response::LedgerHistory { entries, next_cursor } =
            ledger_history(&ledger, None, 100, Some(T0 + 3), Some(T0 + 7)).await.unwrap()
        else {
            panic!("not a history page")
        };
        let ats: Vec<i64> = entries.iter().map(|e| e.at).collect();
        assert_eq!(ats, [T0 + 6, T0 + 5, T0 + 4, T0 + 3]);
        assert_eq!(next_cursor, None);
    }

    #[tokio::test]
    async fn bad_cursors_and_a_zero_limit_are_bad_requests_and_huge_limits_are_capped() {
        let dir = tempfile::tempdir().unwrap();
        let (ledger, _, _) = ledger_with_vouchers(&dir, 3).await;
        for cursor in ["", "not a cursor", "00", &"ff".repeat(17)] {
            let err = page(&ledger, Some(cursor.to_owned()), 10).await.unwrap_err();
            assert_eq!(err.kind, ApiErrorKind::BadRequest, "{cursor:?}");
            assert!(err.message.contains("next_cursor"), "{}", err.message);
        }
        let err = page(&ledger, None, 0).await.unwrap_err();
        assert_eq!(err.kind, ApiErrorKind::BadRequest);
        assert!(err.message.contains("at least 1"), "{}", err.message);
        let (entries, next) = page(&ledger, None, u32::MAX).await.unwrap();
        assert_eq!((entries.len(), next), (3, None));
    }
}
