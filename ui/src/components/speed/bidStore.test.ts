import { describe, expect, it } from 'vitest';
import type { BidSummary, Event } from '../../bindings';
import { BidStore } from './bidStore';
import { pricePaidRange } from './pricePaid';

const BTT = 10n ** 18n;
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const speed = (event: Extract<Event, { type: 'speed' }>['event']): Event => ({ type: 'speed', event });

describe('a seller price we refused', () => {
  it('is kept for its torrent only, the latest one, and tells that torrent\'s listeners', () => {
    const store = new BidStore();
    let told = 0;
    store.subscribe(A, () => (told += 1));
    store.apply(speed({ what: 'price_refused', id: A, peer: '10.0.0.1:6881', price: (2n * BTT).toString(), bid: BTT.toString() }));
    expect(store.refusal(A)).toEqual({ peer: '10.0.0.1:6881', price: (2n * BTT).toString(), bid: BTT.toString() });
    expect(store.refusal(B)).toBeUndefined();
    expect(told).toBe(1);
    // The same refusal again changes nothing; a new one replaces it.
    store.apply(speed({ what: 'price_refused', id: A, peer: '10.0.0.1:6881', price: (2n * BTT).toString(), bid: BTT.toString() }));
    expect(told).toBe(1);
    store.apply(speed({ what: 'price_refused', id: A, peer: '10.0.0.2:6881', price: (3n * BTT).toString(), bid: BTT.toString() }));
    expect(store.refusal(A)?.peer).toBe('10.0.0.2:6881');
    expect(told).toBe(2);
  });

  it('goes once a seller gives us a paid slot, and only for that torrent', () => {
    const store = new BidStore();
    let told = 0;
    store.subscribe(A, () => (told += 1));
    const refuse = (id: string) => store.apply(speed({ what: 'price_refused', id, peer: '10.0.0.1:6881', price: (2n * BTT).toString(), bid: BTT.toString() }));
    refuse(A);
    refuse(B);
    // A price without a slot (another seller's ask we did not take) leaves it shown.
    store.apply(speed({ what: 'price', id: A, peer: '10.0.0.2:6881', price: (3n * BTT).toString(), slot: false }));
    expect(store.refusal(A)).toBeDefined();
    store.apply(speed({ what: 'price', id: A, peer: '10.0.0.2:6881', price: BTT.toString(), slot: true }));
    expect(store.refusal(A)).toBeUndefined();
    expect(store.refusal(B)).toBeDefined();
    expect(told).toBe(2);
  });

  it('goes once our bid reaches the refused price, not before', () => {
    const store = new BidStore();
    store.apply(speed({ what: 'price_refused', id: A, peer: '10.0.0.1:6881', price: (2n * BTT).toString(), bid: BTT.toString() }));
    store.apply(speed({ what: 'bid', id: A, peer: '10.0.0.1:6881', price: (2n * BTT - 1n).toString() }));
    expect(store.refusal(A)?.price).toBe((2n * BTT).toString());
    store.apply(speed({ what: 'bid', id: A, peer: '10.0.0.1:6881', price: (2n * BTT).toString() }));
    expect(store.refusal(A)).toBeUndefined();
    // A later bid above a newer refusal clears that one too.
    store.apply(speed({ what: 'price_refused', id: A, peer: '10.0.0.3:6881', price: (4n * BTT).toString(), bid: (2n * BTT).toString() }));
    store.apply(speed({ what: 'bid', id: A, peer: '10.0.0.1:6881', price: (5n * BTT).toString() }));
    expect(store.refusal(A)).toBeUndefined();
  });

  it('does not change the bid the table shows', () => {
    const store = new BidStore();
    store.apply(speed({ what: 'bid', id: A, peer: '10.0.0.1:6881', price: BTT.toString() }));
    store.apply(speed({ what: 'price_refused', id: A, peer: '10.0.0.1:6881', price: (2n * BTT).toString(), bid: BTT.toString() }));
    expect(store.get(A)?.current).toBe(BTT.toString());
  });
});

describe('the bid column from list_bids', () => {
  const own = (price: bigint): BidSummary['bid'] => ({ spending: true, strategy: 'auto', price_per_gib: price.toString(), budget: (10n * BTT).toString() });
  const summary = (id: string, fields: Partial<BidSummary>): BidSummary => ({ id, bid: null, current_bid: null, budget_exhausted: false, ...fields });

  it('shows what each torrent listed has, and tells only the rows that changed', () => {
    const store = new BidStore();
    const told = { a: 0, b: 0 };
    store.subscribe(A, () => (told.a += 1));
    store.subscribe(B, () => (told.b += 1));
    store.replaceAll([summary(A, { bid: own(2n * BTT), current_bid: BTT.toString() }), summary(B, { budget_exhausted: true })]);
    expect(store.get(A)).toEqual({ current: BTT.toString(), own: { spending: true, price: (2n * BTT).toString(), fixed: false }, exhausted: false });
    expect(store.get(B)).toEqual({ current: null, own: null, exhausted: true });
    expect(told).toEqual({ a: 1, b: 1 });

    // The same answer again: nothing re-renders. A's live bid moves: only A is told.
    store.replaceAll([summary(A, { bid: own(2n * BTT), current_bid: BTT.toString() }), summary(B, { budget_exhausted: true })]);
    expect(told).toEqual({ a: 1, b: 1 });
    store.replaceAll([summary(A, { bid: own(2n * BTT), current_bid: (3n * BTT / 2n).toString() }), summary(B, { budget_exhausted: true })]);
    expect(store.get(A)?.current).toBe((3n * BTT / 2n).toString());
    expect(told).toEqual({ a: 2, b: 1 });
  });

  it('clears a torrent the answer leaves out, as when its bid was cleared from another UI', () => {
    const store = new BidStore();
    let told = 0;
    store.subscribe(A, () => (told += 1));
    store.replaceAll([summary(A, { bid: own(BTT) }), summary(B, { bid: own(BTT) })]);
    store.replaceAll([summary(B, { bid: own(BTT) })]);
    expect(store.get(A)).toBeUndefined();
    expect(store.get(B)?.own?.price).toBe(BTT.toString());
    expect(told).toBe(2);
    // Gone already: a second answer without it tells no one.
    store.replaceAll([]);
    expect(told).toBe(2);
    expect(store.get(B)).toBeUndefined();
  });

  it('clears a live bid an event showed once the core no longer lists the torrent', () => {
    const store = new BidStore();
    store.apply(speed({ what: 'bid', id: A, peer: '10.0.0.1:6881', price: BTT.toString() }));
    expect(store.get(A)?.current).toBe(BTT.toString());
    store.replaceAll([]);
    expect(store.get(A)).toBeUndefined();
  });

  it('keeps a refused price, which the answer does not carry', () => {
    const store = new BidStore();
    store.apply(speed({ what: 'price_refused', id: A, peer: '10.0.0.1:6881', price: (2n * BTT).toString(), bid: BTT.toString() }));
    store.replaceAll([]);
    expect(store.refusal(A)?.price).toBe((2n * BTT).toString());
  });
});

describe('the price we pay', () => {
  it('is the one price, the range over several seeders, or nothing without a paid slot', () => {
    expect(pricePaidRange([])).toBeNull();
    expect(pricePaidRange([{ price_per_gib: BTT.toString() }])).toEqual({ low: BTT, high: BTT });
    expect(pricePaidRange([{ price_per_gib: BTT.toString() }, { price_per_gib: (BTT / 2n).toString() }, { price_per_gib: (3n * BTT).toString() }])).toEqual({ low: BTT / 2n, high: 3n * BTT });
  });
});
