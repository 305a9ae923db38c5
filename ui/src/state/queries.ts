/**
 * What the UI asks the core for again and again, and how often, in one place. Events keep
 * the torrent list and the bid column current between rounds; what no event reports is
 * asked for only while it is on screen.
 */
import type { AnswerTo, PeerInfo, TorrentId, TrackerInfo, WalletBalances, WalletStatus } from '../bindings';
import { usePoll, type Polled } from './poll';

/** The status bar's rates, as often as the rates change. */
export const SESSION_STATS_MS = 1000;
/** The torrent list: a safety net for changes no event reports (a torrent paused by another UI, say). */
export const TORRENT_LIST_MS = 10_000;
/** The bid column: soon after the list shows, then slowly; `speed` events carry a bid as it moves, not one set from another UI. */
export const BIDS_FIRST_MS = 500;
export const BIDS_MS = 10_000;
/** The open details panel's peers, trackers, piece map and Speed tab. */
export const PEERS_MS = 2000;
export const TRACKERS_MS = 2000;
export const PIECES_MS = 2000;
export const TORRENT_SPEED_MS = 2000;
/** The wallet page shows whether the wallet is locked and when it locks itself. */
export const WALLET_STATUS_MS = 3000;
/** The Speed page asks only to warn that spending needs an unlocked wallet. */
export const SPEED_PAGE_WALLET_STATUS_MS = 5000;
export const WALLET_BALANCES_MS = 5000;
export const WALLET_HISTORY_MS = 15_000;
export const LEDGER_SUMMARY_MS = 5000;

export function useWalletStatus(intervalMs = WALLET_STATUS_MS): Polled<WalletStatus> {
  return usePoll({ type: 'wallet_status' }, (a) => a.status, intervalMs);
}

export function useWalletBalances(): Polled<WalletBalances> {
  return usePoll({ type: 'wallet_balances' }, (a) => a.balances, WALLET_BALANCES_MS);
}

export function useWalletHistory(): Polled<AnswerTo<'wallet_history'>> {
  return usePoll({ type: 'wallet_history' }, (a) => a, WALLET_HISTORY_MS);
}

export function useLedgerSummary(): Polled<AnswerTo<'ledger_summary'>> {
  return usePoll({ type: 'ledger_summary' }, (a) => a, LEDGER_SUMMARY_MS);
}

export function usePeers(id: TorrentId): Polled<PeerInfo[]> {
  return usePoll({ type: 'list_peers', id }, (a) => a.peers, PEERS_MS);
}

export function useTrackers(id: TorrentId): Polled<TrackerInfo[]> {
  return usePoll({ type: 'list_trackers', id }, (a) => a.trackers, TRACKERS_MS);
}
