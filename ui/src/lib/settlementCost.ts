/**
 * What paying a seller on chain costs against what it pays, for the Bid for speed page:
 * the TRX fee the node quotes for one settlement, in BTT at the user's rate, times the
 * fee multiple (what one seller is owed before it is paid), and how many GiB at the
 * user's price add up to that. BigInt throughout, never a float.
 *
 * Rounding: the fee in BTT is rounded up, as the core rounds it
 * (`bidswarm_speed::policy::fee_in_btt`), so the sum shown is the one the core waits
 * for; the GiB are rounded up to a hundredth, since a seller is paid only once the sum is
 * reached.
 */
import type { PayeeDue } from '../bindings';
import { BTT_DECIMALS, formatBtt, formatUnits, toBigInt, TRX_DECIMALS } from './amount';

export const SUN_PER_TRX = 1_000_000n;

/** `a / b` rounded up; `b` above zero. */
function divCeil(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

export interface SettlementCost {
  /** TRX, in sun, one settlement burns now. */
  feeSun: bigint;
  /** The fee in BTT base units at the rate, rounded up; `null` without a rate. */
  feeBtt: bigint | null;
  /**
   * What one seller is owed before the fee rule pays it: `multiple × feeBtt`; `0n` with a
   * multiple of 0 (everything owed is paid every round); `null` without a rate or multiple.
   */
  thresholdBtt: bigint | null;
  /**
   * Hundredths of a GiB at the price that add up to the threshold, rounded up; `null`
   * without a threshold above zero or a price above zero (at no price nothing is owed).
   */
  gibHundredths: bigint | null;
}

export interface CostInputs {
  /** `SettlementQuote.typical_fee_sun`: `null` while the fee is unknown. */
  feeSun: string | null | undefined;
  /** BTT base units one TRX is worth, as the form reads it; absent while it does not parse. */
  bttPerTrx?: string | undefined;
  /** The fee multiple; absent while it does not parse. */
  multiple?: number | undefined;
  /** The price per GiB in base units (fixed, or the max for auto); absent while it does not parse. */
  pricePerGib?: string | undefined;
}

/** The arithmetic; `null` while the fee is unknown. */
export function settlementCost({ feeSun, bttPerTrx, multiple, pricePerGib }: CostInputs): SettlementCost | null {
  const fee = toBigInt(feeSun);
  if (fee === null) return null;
  const rate = toBigInt(bttPerTrx);
  const feeBtt = rate === null ? null : divCeil(fee * rate, SUN_PER_TRX);
  const thresholdBtt = feeBtt === null || multiple === undefined || !Number.isInteger(multiple) || multiple < 0 ? null : feeBtt * BigInt(multiple);
  const price = toBigInt(pricePerGib);
  const gibHundredths = thresholdBtt === null || thresholdBtt === 0n || price === null || price === 0n ? null : divCeil(thresholdBtt * 100n, price);
  return { feeSun: fee, feeBtt, thresholdBtt, gibHundredths };
}

/** The sentences of the cost line, as keys under `speedSettings.` and their placeholders. */
export type CostSentence =
  | { key: 'settleCostUnknown'; values: Record<string, never> }
  | { key: 'settleCostFee'; values: { fee: string } }
  | { key: 'settleCostFeeBtt'; values: { fee: string; feeBtt: string } }
  | { key: 'settleCostEveryRound'; values: Record<string, never> }
  | { key: 'settleCostThreshold'; values: { multiple: string; threshold: string } }
  | { key: 'settleCostThresholdGib'; values: { multiple: string; threshold: string; gib: string; price: string } };

/**
 * An estimate for a text that says "about": large sums in whole units, small ones with a
 * few decimals, cut (never rounded up) and without the `≈` the text already says.
 */
export function about(units: bigint, decimals: number, locale: string): string {
  const whole = units / 10n ** BigInt(decimals);
  const maxFraction = whole >= 100n ? 0 : whole >= 1n ? 2 : 6;
  return formatUnits(units, decimals, locale, { maxFraction }).replace(/^≈/, '');
}

/** What the page says a settlement costs, from the quote's fee and the form as typed. */
export function settlementCostText(inputs: CostInputs, locale: string): CostSentence[] {
  const cost = settlementCost(inputs);
  if (!cost) return [{ key: 'settleCostUnknown', values: {} }];
  const fee = `${about(cost.feeSun, TRX_DECIMALS, locale)} TRX`;
  if (cost.feeBtt === null) return [{ key: 'settleCostFee', values: { fee } }];
  const out: CostSentence[] = [{ key: 'settleCostFeeBtt', values: { fee, feeBtt: `${about(cost.feeBtt, BTT_DECIMALS, locale)} BTT` } }];
  if (cost.thresholdBtt === null || inputs.multiple === undefined) return out;
  if (cost.thresholdBtt === 0n) {
    out.push({ key: 'settleCostEveryRound', values: {} });
    return out;
  }
  const multiple = formatUnits(BigInt(inputs.multiple), 0, locale);
  const threshold = `${about(cost.thresholdBtt, BTT_DECIMALS, locale)} BTT`;
  if (cost.gibHundredths === null || inputs.pricePerGib === undefined) {
    out.push({ key: 'settleCostThreshold', values: { multiple, threshold } });
  } else {
    out.push({
      key: 'settleCostThresholdGib',
      values: { multiple, threshold, gib: formatUnits(cost.gibHundredths, 2, locale), price: formatBtt(inputs.pricePerGib, locale) },
    });
  }
  return out;
}

/**
 * The fees settling now burns: only payees with nothing in flight get a new payment. `exact`
 * is false when the node could not price one of them, so the sum is a lower bound.
 */
export function totalFee(payees: readonly PayeeDue[]): { sun: bigint; btt: bigint | null; exact: boolean } {
  let sun = 0n;
  let btt: bigint | null = 0n;
  let exact = true;
  for (const p of payees) {
    if (p.in_flight) continue;
    const fee = toBigInt(p.fee_sun);
    if (fee === null) {
      exact = false;
      continue;
    }
    sun += fee;
    const inBtt = toBigInt(p.fee_btt);
    btt = btt === null || inBtt === null ? null : btt + inBtt;
  }
  return { sun, btt, exact };
}
