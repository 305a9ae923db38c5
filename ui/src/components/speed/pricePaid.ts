/**
 * The price we pay, beside our bid. Each seeder that gives us a paid slot charges its own
 * clearing price (the highest losing bid, or its ask), which the core never lets exceed
 * our bid; with several seeders the prices can differ, so the tab shows their range.
 */
import type { PaidSlot } from '../../bindings';
import { toBigInt } from '../../lib/amount';

/** The lowest and highest price per GiB (base units) over the paid slots held; `null` for none. */
export function pricePaidRange(slots: readonly Pick<PaidSlot, 'price_per_gib'>[]): { low: bigint; high: bigint } | null {
  let range: { low: bigint; high: bigint } | null = null;
  for (const slot of slots) {
    const price = toBigInt(slot.price_per_gib);
    if (price === null) continue;
    range = range ? { low: price < range.low ? price : range.low, high: price > range.high ? price : range.high } : { low: price, high: price };
  }
  return range;
}
