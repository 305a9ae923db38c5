/**
 * The Bid for speed form as text, and back: every amount is typed in BTT (the credit
 * window in MiB, the settlement deadline in hours) as the UI's language writes numbers,
 * and saved as the API's base units, bytes and seconds. Pure, so both languages are
 * unit-tested without a browser.
 */
import type { BidStrategy, SpeedSettings } from '../bindings';
import { BTT_DECIMALS, formatBtt, optionalUnitsToInput, parseUnits, readAmount, relocaleAmount, toBigInt, unitsToInput, type AmountProblem } from '../lib/amount';
import { formatBytes } from '../lib/format';

export interface SpeedDraft {
  spending: boolean;
  strategy: BidStrategy;
  fixedPrice: string;
  maxPrice: string;
  budget: string;
  spendingCap: string;
  earning: boolean;
  ask: string;
  creditWindowMib: string;
  exposureCap: string;
  totalExposureCap: string;
  overdueHours: string;
  /** A whole number: how many times the fee one seller is owed before it is paid. */
  settleMultiple: string;
  /** BTT one TRX is worth. */
  bttPerTrx: string;
}

export type DraftField = 'fixedPrice' | 'maxPrice' | 'budget' | 'spendingCap' | 'ask' | 'creditWindowMib' | 'exposureCap' | 'totalExposureCap' | 'overdueHours' | 'settleMultiple' | 'bttPerTrx';

/**
 * Why a field cannot be saved: the amount does not parse, it is required above zero
 * (`required`), or it is outside what the form or the core accepts (`range`).
 */
export type FieldProblem = AmountProblem | 'range';

const MIB = 1024 * 1024;
/** The largest credit window the form accepts, in MiB. */
export const MAX_WINDOW_MIB = 1024;
/** The window is typed with up to 2 decimals of MiB, the deadline with up to 2 of an hour (36 s). */
export const WINDOW_DECIMALS = 2;
export const HOURS_DECIMALS = 2;
const SECS_PER_HUNDREDTH_HOUR = 36;
/** The largest fee multiple the core holds (`u32`). */
export const MAX_SETTLE_MULTIPLE = 2 ** 32 - 1;

/** How many decimals each field's text has, for reading it and for naming the limit in a message. */
export function draftDecimals(field: DraftField): number {
  return field === 'creditWindowMib' ? WINDOW_DECIMALS : field === 'overdueHours' ? HOURS_DECIMALS : field === 'settleMultiple' ? 0 : BTT_DECIMALS;
}

const DRAFT_FIELDS: DraftField[] = ['fixedPrice', 'maxPrice', 'budget', 'spendingCap', 'ask', 'creditWindowMib', 'exposureCap', 'totalExposureCap', 'overdueHours', 'settleMultiple', 'bttPerTrx'];

export function speedDraft(sp: SpeedSettings, locale: string): SpeedDraft {
  const btt = (v: string) => unitsToInput(v, BTT_DECIMALS, locale);
  return {
    spending: sp.spending_enabled,
    strategy: sp.strategy,
    fixedPrice: btt(sp.fixed_price_per_gib),
    maxPrice: btt(sp.max_price_per_gib),
    budget: optionalUnitsToInput(sp.budget_per_torrent, BTT_DECIMALS, locale),
    spendingCap: optionalUnitsToInput(sp.spending_cap, BTT_DECIMALS, locale),
    earning: sp.earning_enabled,
    ask: btt(sp.ask_per_gib),
    creditWindowMib: unitsToInput(String(Math.round((sp.credit_window_bytes / MIB) * 10 ** WINDOW_DECIMALS)), WINDOW_DECIMALS, locale),
    exposureCap: btt(sp.exposure_cap),
    totalExposureCap: btt(sp.total_exposure_cap),
    overdueHours: unitsToInput(String(Math.round(sp.settlement_overdue_secs / SECS_PER_HUNDREDTH_HOUR)), HOURS_DECIMALS, locale),
    settleMultiple: String(sp.settle_fee_multiple),
    bttPerTrx: btt(sp.btt_per_trx),
  };
}

/**
 * The draft after the UI's language changed from `from` to `to`: each amount field read
 * with `from`'s rules and written with `to`'s, one by one, so an edited field keeps its
 * value; a field `from` cannot read is left as typed.
 */
export function relocaleSpeedDraft<D extends SpeedDraft>(d: D, from: string, to: string): D {
  const next = { ...d };
  for (const field of DRAFT_FIELDS) next[field] = relocaleAmount(d[field], draftDecimals(field), from, to);
  return next;
}

export interface ReadDraft {
  /** The settings to save, when every field is valid. */
  speed: SpeedSettings | null;
  /** What is wrong, per field. */
  problems: Partial<Record<DraftField, FieldProblem>>;
  /** Each field that is valid, in the API's units, so the page can describe them while others are wrong. */
  values: Partial<SpeedSettings>;
}

/**
 * The draft read back against the settings it started from. A window or deadline whose
 * text the user did not touch keeps its exact saved value, so a figure set elsewhere (the
 * CLI) that the form can only show rounded is not changed by saving something else.
 */
export function readSpeedDraft(d: SpeedDraft, saved: SpeedSettings, locale: string): ReadDraft {
  const problems: ReadDraft['problems'] = {};
  const values: Partial<SpeedSettings> = {};
  const untouched = speedDraft(saved, locale);

  const amount = (field: DraftField, text: string, need: 'present' | 'positive' | 'optional'): string | null => {
    const read = readAmount(text, BTT_DECIMALS, locale, need);
    if (read.ok) return read.units;
    problems[field] = read.problem;
    return null;
  };
  const put = <K extends keyof SpeedSettings>(key: K, value: SpeedSettings[K] | null) => {
    if (value !== null) values[key] = value;
  };
  /**
   * The window or the deadline, in hundredths of its unit: a typo is named as such (a
   * misplaced separator is not "out of range"); empty, or beyond what the form takes, is
   * `range`.
   */
  const hundredths = (field: 'creditWindowMib' | 'overdueHours', max: number): number | null => {
    const parsed = parseUnits(d[field], draftDecimals(field), locale);
    if (!parsed.ok) {
      problems[field] = parsed.error === 'empty' ? 'range' : parsed.error;
      return null;
    }
    const value = Number(parsed.units);
    if (value > max) {
      problems[field] = 'range';
      return null;
    }
    return value;
  };

  put('fixed_price_per_gib', amount('fixedPrice', d.fixedPrice, 'present'));
  put('max_price_per_gib', amount('maxPrice', d.maxPrice, 'present'));
  // The core refuses spending without a budget per torrent and a cap over all of them.
  put('budget_per_torrent', amount('budget', d.budget, d.spending ? 'positive' : 'optional'));
  put('spending_cap', amount('spendingCap', d.spendingCap, d.spending ? 'positive' : 'optional'));
  put('ask_per_gib', amount('ask', d.ask, 'present'));
  put('exposure_cap', amount('exposureCap', d.exposureCap, 'present'));
  put('total_exposure_cap', amount('totalExposureCap', d.totalExposureCap, 'present'));
  // A whole number, as the language writes it ("1,000" in English); a fraction or an
  // empty field is out of range rather than a typo of an amount.
  const multiple = parseUnits(d.settleMultiple, 0, locale);
  if (!multiple.ok) {
    problems.settleMultiple = multiple.error === 'invalid' || multiple.error === 'separator' ? multiple.error : 'range';
  } else if (Number(multiple.units) > MAX_SETTLE_MULTIPLE) {
    problems.settleMultiple = 'range';
  } else {
    values.settle_fee_multiple = Number(multiple.units);
  }
  // As the core rules: the fee is weighed in BTT only while the multiple is above zero,
  // and a rate of zero would make every fee worth nothing.
  put('btt_per_trx', amount('bttPerTrx', d.bttPerTrx, values.settle_fee_multiple === 0 ? 'present' : 'positive'));

  if (d.creditWindowMib === untouched.creditWindowMib) {
    values.credit_window_bytes = saved.credit_window_bytes;
  } else {
    const window = hundredths('creditWindowMib', MAX_WINDOW_MIB * 10 ** WINDOW_DECIMALS);
    if (window !== null) values.credit_window_bytes = Math.round((window * MIB) / 10 ** WINDOW_DECIMALS);
  }
  if (d.overdueHours === untouched.overdueHours) {
    values.settlement_overdue_secs = saved.settlement_overdue_secs;
  } else {
    const hours = hundredths('overdueHours', Math.floor(Number.MAX_SAFE_INTEGER / SECS_PER_HUNDREDTH_HOUR));
    if (hours !== null) values.settlement_overdue_secs = hours * SECS_PER_HUNDREDTH_HOUR;
  }
  // As the core rules (and whether or not the field was edited): while earning, a zero
  // window would serve no paid slot and a zero deadline would make every payer overdue.
  // Off, neither is used, so zero is allowed.
  if (d.earning && values.credit_window_bytes === 0) {
    problems.creditWindowMib = 'range';
    delete values.credit_window_bytes;
  }
  if (d.earning && values.settlement_overdue_secs === 0) {
    problems.overdueHours = 'range';
    delete values.settlement_overdue_secs;
  }

  const valid = Object.keys(problems).length === 0;
  const speed: SpeedSettings | null = valid
    ? {
        ...saved,
        ...values,
        spending_enabled: d.spending,
        strategy: d.strategy,
        earning_enabled: d.earning,
      }
    : null;
  return { speed, problems, values };
}

/**
 * What a buyer that never pays can cost a seller with these settings: its unsettled
 * vouchers up to the exposure cap (never more than the cap over all payers), plus one
 * credit window of upload per paid slot it holds, which no voucher covers yet. All payers
 * together owe at most the total cap. Amounts in base units and bytes.
 */
export function worstCase(sp: Pick<SpeedSettings, 'exposure_cap' | 'total_exposure_cap' | 'credit_window_bytes'>): {
  perBuyer: bigint;
  windowBytes: number;
  allBuyers: bigint;
} | null {
  const cap = toBigInt(sp.exposure_cap);
  const total = toBigInt(sp.total_exposure_cap);
  if (cap === null || total === null) return null;
  return { perBuyer: cap < total ? cap : total, windowBytes: sp.credit_window_bytes, allBuyers: total };
}

/** The worst case as the sentence's placeholders: BTT and bytes, never base units. */
export function worstCaseText(
  sp: Partial<Pick<SpeedSettings, 'exposure_cap' | 'total_exposure_cap' | 'credit_window_bytes'>>,
  locale: string,
): { exposureCap: string; window: string; totalExposureCap: string } | null {
  if (sp.exposure_cap === undefined || sp.total_exposure_cap === undefined || sp.credit_window_bytes === undefined) return null;
  const w = worstCase({ exposure_cap: sp.exposure_cap, total_exposure_cap: sp.total_exposure_cap, credit_window_bytes: sp.credit_window_bytes });
  if (!w) return null;
  return { exposureCap: formatBtt(w.perBuyer, locale), window: formatBytes(w.windowBytes, locale), totalExposureCap: formatBtt(w.allBuyers, locale) };
}
