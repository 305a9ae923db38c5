/** A torrent's own bid as the Add dialog and the Speed tab edit it. */
import type { BidStrategy, SpeedSettings, TorrentBid } from '../../bindings';
import { BTT_DECIMALS, optionalUnitsToInput, readAmount, relocaleAmount, unitsToInput, type AmountProblem } from '../../lib/amount';

/** `default`: the settings decide; `own`: this torrent's price and budget; `off`: never pay for it. */
export type BidMode = 'default' | 'own' | 'off';

export interface BidDraft {
  mode: BidMode;
  strategy: BidStrategy;
  price: string;
  budget: string;
}

/** The form's text, written as `locale` writes numbers. */
export function draftFrom(bid: TorrentBid | null, speed: SpeedSettings | null, locale: string): BidDraft {
  if (bid) {
    return {
      mode: bid.spending ? 'own' : 'off',
      strategy: bid.strategy,
      price: unitsToInput(bid.price_per_gib, BTT_DECIMALS, locale),
      budget: unitsToInput(bid.budget, BTT_DECIMALS, locale),
    };
  }
  const strategy = speed?.strategy ?? 'auto';
  const price = speed ? (strategy === 'fixed' ? speed.fixed_price_per_gib : speed.max_price_per_gib) : '0';
  return {
    mode: 'default',
    strategy,
    price: unitsToInput(price, BTT_DECIMALS, locale),
    budget: speed ? optionalUnitsToInput(speed.budget_per_torrent, BTT_DECIMALS, locale) : '',
  };
}

/** The draft after the UI's language changed: each amount read with `from`'s rules and written with `to`'s (see `relocaleAmount`). */
export function relocaleBidDraft(d: BidDraft, from: string, to: string): BidDraft {
  return { ...d, price: relocaleAmount(d.price, BTT_DECIMALS, from, to), budget: relocaleAmount(d.budget, BTT_DECIMALS, from, to) };
}

/** A field that stops the bid: which one, and why (`required`: a price or budget must be above zero). */
export interface BidFieldError {
  field: 'price' | 'budget';
  problem: AmountProblem;
}

/** What the Add dialog and the Speed tab send: no bid (the defaults), a bid, or a field to fix first. */
export type BidResult = { ok: true; bid: TorrentBid | null } | ({ ok: false } & BidFieldError);

/** The bid to send, the form read as `locale` writes numbers: `null` for the defaults, or which field is wrong. */
export function bidFrom(d: BidDraft, locale: string): BidResult {
  if (d.mode === 'default') return { ok: true, bid: null };
  if (d.mode === 'off') return { ok: true, bid: { spending: false, strategy: d.strategy, price_per_gib: '0', budget: '0' } };
  const price = readAmount(d.price, BTT_DECIMALS, locale, 'positive');
  if (!price.ok) return { ok: false, field: 'price', problem: price.problem };
  const budget = readAmount(d.budget, BTT_DECIMALS, locale, 'positive');
  if (!budget.ok) return { ok: false, field: 'budget', problem: budget.problem };
  return { ok: true, bid: { spending: true, strategy: d.strategy, price_per_gib: price.units, budget: budget.units } };
}
