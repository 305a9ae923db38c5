/**
 * What the torrent table's bid column shows, per torrent: the torrent's own bid, the price
 * we bid now and whether its budget ran out. It is filled from `list_bids` every 10 s (one
 * answer for the whole column, naming only torrents with something to show), from `speed`
 * events in between, and from `get_torrent_speed` and `set_torrent_bid` answers (the
 * Speed tab). One store for the page, like `TorrentStore`. It also keeps the last seller's
 * price refused per torrent (`price_refused`), for the BTT tab.
 */
import { useCallback, useSyncExternalStore } from 'react';
import type { BidSummary, Event, TorrentId, TorrentSpeed } from '../../bindings';
import { toBigInt } from '../../lib/amount';

export interface BidView {
  /** Base units per GiB we bid now, when bidding. */
  current: string | null;
  /** The torrent's own bid: off, or its price (fixed) / max price (auto). */
  own: { spending: boolean; price: string; fixed: boolean } | null;
  exhausted: boolean;
}

/**
 * A seeder's price we refused because it was above our bid: no paid slot, nothing paid
 * at it. Only the latest per torrent is kept, so a seller repeating itself cannot grow
 * the page's memory. It is shown until it no longer says anything true: we get a paid
 * slot (a `price` event with `slot`), or our bid rises to the refused price or above.
 */
export interface PriceRefusal {
  peer: string;
  /** Base units per GiB the seller named. */
  price: string;
  /** Base units per GiB we bid. */
  bid: string;
}

type Listener = () => void;

/** What the column needs of a `get_torrent_speed` answer or a `list_bids` entry. */
function viewOf(s: Pick<BidSummary, 'bid' | 'current_bid' | 'budget_exhausted'>): BidView {
  return {
    current: s.current_bid,
    own: s.bid ? { spending: s.bid.spending, price: s.bid.price_per_gib, fixed: s.bid.strategy === 'fixed' } : null,
    exhausted: s.budget_exhausted,
  };
}

export class BidStore {
  private bids = new Map<TorrentId, BidView>();
  private refusals = new Map<TorrentId, PriceRefusal>();
  private listeners = new Map<TorrentId, Set<Listener>>();

  get(id: TorrentId): BidView | undefined {
    return this.bids.get(id);
  }

  /** The last seller's price refused for this torrent since the page opened. */
  refusal(id: TorrentId): PriceRefusal | undefined {
    return this.refusals.get(id);
  }

  subscribe(id: TorrentId, listener: Listener): () => void {
    let set = this.listeners.get(id);
    if (!set) {
      set = new Set();
      this.listeners.set(id, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  private set(id: TorrentId, next: BidView) {
    const prev = this.bids.get(id);
    if (prev && prev.current === next.current && prev.exhausted === next.exhausted && JSON.stringify(prev.own) === JSON.stringify(next.own)) return;
    this.bids.set(id, next);
    this.listeners.get(id)?.forEach((l) => l());
  }

  private clear(id: TorrentId) {
    if (this.bids.delete(id)) this.listeners.get(id)?.forEach((l) => l());
  }

  private clearRefusal(id: TorrentId) {
    if (this.refusals.delete(id)) this.listeners.get(id)?.forEach((l) => l());
  }

  /** A full answer from `get_torrent_speed` or `set_torrent_bid`. */
  fromStatus(id: TorrentId, speed: TorrentSpeed) {
    this.set(id, viewOf(speed));
  }

  /**
   * The whole column from a `list_bids` answer. A torrent it leaves out has nothing to
   * show, so its entry goes: a bid cleared from another UI disappears here too.
   */
  replaceAll(bids: readonly BidSummary[]) {
    const listed = new Set(bids.map((b) => b.id));
    for (const id of [...this.bids.keys()]) {
      if (!listed.has(id)) this.clear(id);
    }
    for (const b of bids) this.set(b.id, viewOf(b));
  }

  apply(event: Event) {
    if (event.type !== 'speed') return;
    const e = event.event;
    if (e.what === 'bid') {
      const prev = this.bids.get(e.id);
      this.set(e.id, { current: e.price === '0' ? null : e.price, own: prev?.own ?? null, exhausted: prev?.exhausted ?? false });
      const refused = toBigInt(this.refusals.get(e.id)?.price);
      const bid = toBigInt(e.price);
      if (refused !== null && bid !== null && bid >= refused) this.clearRefusal(e.id);
    } else if (e.what === 'price') {
      if (e.slot) this.clearRefusal(e.id);
    } else if (e.what === 'price_refused') {
      const prev = this.refusals.get(e.id);
      if (prev && prev.peer === e.peer && prev.price === e.price && prev.bid === e.bid) return;
      this.refusals.set(e.id, { peer: e.peer, price: e.price, bid: e.bid });
      this.listeners.get(e.id)?.forEach((l) => l());
    } else if (e.what === 'budget_exhausted') {
      const prev = this.bids.get(e.id);
      this.set(e.id, { current: null, own: prev?.own ?? null, exhausted: true });
    }
  }
}

export const bidStore = new BidStore();

export function useBid(id: TorrentId): BidView | undefined {
  // A stable subscribe, so a row re-rendered by progress does not resubscribe.
  const subscribe = useCallback((cb: () => void) => bidStore.subscribe(id, cb), [id]);
  return useSyncExternalStore(subscribe, () => bidStore.get(id));
}

/** The last price refused for this torrent, as `price_refused` events report it. */
export function useRefusal(id: TorrentId): PriceRefusal | undefined {
  const subscribe = useCallback((cb: () => void) => bidStore.subscribe(id, cb), [id]);
  return useSyncExternalStore(subscribe, () => bidStore.refusal(id));
}
