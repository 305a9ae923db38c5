/** A torrent's own bid as the Add dialog and the Speed tab edit it. */
import type { BidStrategy, SpeedSettings, TorrentBid } from '../../bindings';
import { BTT_DECIMALS, parseUnits, unitsToInput } from '../../lib/amount';

/** `default`: the settings decide; `own`: this torrent's price and budget; `off`: never pay for it. */
export type BidMode = 'default' | 'own' | 'off';

export interface BidDraft {
  mode: BidMode;
  strategy: BidStrategy;
  price: string;
  budget: string;
}

export function draftFrom(bid: TorrentBid | null, speed: SpeedSettings | null): BidDraft {
  if (bid) {
    return {
      mode: bid.spending ? 'own' : 'off',
      strategy: bid.strategy,
      price: unitsToInput(bid.price_per_gib, BTT_DECIMALS),
      budget: unitsToInput(bid.budget, BTT_DECIMALS),
    };
  }
  const strategy = speed?.strategy ?? 'auto';
  const price = speed ? (strategy === 'fixed' ? speed.fixed_price_per_gib : speed.max_price_per_gib) : '0';
  return {
    mode: 'default',
    strategy,
    price: unitsToInput(price, BTT_DECIMALS),
    budget: speed && speed.budget_per_torrent !== '0' ? unitsToInput(speed.budget_per_torrent, BTT_DECIMALS) : '',
  };
}

export type BidResult = { ok: true; bid: TorrentBid | null } | { ok: false; field: 'price' | 'budget' };

/** The bid to send: `null` for the defaults, or which field is wrong. */
export function bidFrom(d: BidDraft): BidResult {
  if (d.mode === 'default') return { ok: true, bid: null };
  if (d.mode === 'off') return { ok: true, bid: { spending: false, strategy: d.strategy, price_per_gib: '0', budget: '0' } };
  const price = parseUnits(d.price, BTT_DECIMALS);
  if (!price.ok || price.units === '0') return { ok: false, field: 'price' };
  const budget = parseUnits(d.budget, BTT_DECIMALS);
  if (!budget.ok || budget.units === '0') return { ok: false, field: 'budget' };
  return { ok: true, bid: { spending: true, strategy: d.strategy, price_per_gib: price.units, budget: budget.units } };
}
