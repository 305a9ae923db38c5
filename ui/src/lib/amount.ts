/**
 * Money as the API sends it: decimal strings of base units (BTT: 10^-18, TRX: sun,
 * 10^-6). Formatting and parsing go digit by digit through BigInt, never through a
 * float, so what the user reads is exactly what the ledger holds.
 */
import { safeLocale } from './format';

export const BTT_DECIMALS = 18;
export const TRX_DECIMALS = 6;

export type Asset = 'btt' | 'trx';

export const decimalsOf = (asset: Asset): number => (asset === 'btt' ? BTT_DECIMALS : TRX_DECIMALS);

/** The most base units an amount can hold: the core keeps amounts as `u128`. */
export const MAX_UNITS = 2n ** 128n - 1n;

const separators = new Map<string, { group: string; decimal: string }>();

/** The decimal mark and group separator `locale` writes, for parsing and for messages that name them. */
export function separatorsFor(locale: string): { group: string; decimal: string } {
  const key = safeLocale(locale);
  let found = separators.get(key);
  if (!found) {
    const parts = new Intl.NumberFormat(key).formatToParts(12345.6);
    found = {
      group: parts.find((p) => p.type === 'group')?.value ?? ',',
      decimal: parts.find((p) => p.type === 'decimal')?.value ?? '.',
    };
    separators.set(key, found);
  }
  return found;
}

/** The base units as a BigInt; `null` for anything that is not a string of digits. */
export function toBigInt(units: string | null | undefined): bigint | null {
  if (units === null || units === undefined || !/^\d+$/.test(units)) return null;
  return BigInt(units);
}

export interface FormatOptions {
  /** At most this many fraction digits (cut, not rounded, so nothing is shown that is not there). */
  maxFraction?: number;
  /** Always show at least this many fraction digits. */
  minFraction?: number;
}

/**
 * `"1500000000000000000"`, 18 → `1.5` (en) / `1,5` (de), with group separators.
 * Digits beyond `maxFraction` are cut; when that hides a non-zero rest, the text starts
 * with `≈`, so a tiny amount never reads as exactly zero.
 */
export function formatUnits(units: string | bigint | null | undefined, decimals: number, locale: string, options: FormatOptions = {}): string {
  const value = typeof units === 'bigint' ? units : toBigInt(units);
  if (value === null || value < 0n) return '—';
  const { group, decimal } = separatorsFor(locale);
  const scale = 10n ** BigInt(decimals);
  const whole = value / scale;
  let fraction = (value % scale).toString().padStart(decimals, '0');
  const max = options.maxFraction ?? decimals;
  const cut = fraction.length > max && /[1-9]/.test(fraction.slice(max));
  fraction = fraction.slice(0, max).replace(/0+$/, '');
  const min = Math.min(options.minFraction ?? 0, max);
  if (fraction.length < min) fraction = fraction.padEnd(min, '0');
  const wholeText = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, group);
  const text = fraction ? `${wholeText}${decimal}${fraction}` : wholeText;
  return cut ? `≈${text}` : text;
}

/** BTT with up to 6 fraction digits: `12.345678 BTT`. */
export function formatBtt(units: string | bigint | null | undefined, locale: string, maxFraction = 6): string {
  const text = formatUnits(units, BTT_DECIMALS, locale, { maxFraction });
  return text === '—' ? text : `${text} BTT`;
}

/** TRX with up to 6 fraction digits (all there are): `1.5 TRX`. */
export function formatTrx(sun: string | bigint | null | undefined, locale: string): string {
  const text = formatUnits(sun, TRX_DECIMALS, locale);
  return text === '—' ? text : `${text} TRX`;
}

export type ParseError = 'empty' | 'invalid' | 'too_precise' | 'separator' | 'too_large';

/** Spaces and apostrophes group digits in some locales and are a decimal mark in none. */
const ALWAYS_GROUP = [' ', '\u00a0', '\u202f', "'", '\u2019'];

/**
 * What a person typed → base units as a digit string, read as `locale` writes numbers:
 * in English `1,500` is fifteen hundred and `1.5` one and a half; in German `1.500` is
 * fifteen hundred and `1,5` one and a half.
 *
 * A group separator counts only between groups of three digits before the decimal mark.
 * Anything else (`1,5` in English, `1.5` in German, `1.000,25` in English) is refused as
 * `separator` rather than guessed: a wrong guess moves the amount by a factor of 1000.
 * A first group of `0` (`0,500` in English, `0.500` in German) is refused the same way:
 * nobody groups a zero, so it is far likelier a decimal mark written the other
 * language's way. More fraction digits than the asset has is refused, not rounded, and
 * more than `MAX_UNITS` base units is refused as `too_large`.
 */
export function parseUnits(text: string, decimals: number, locale: string): { ok: true; units: string } | { ok: false; error: ParseError } {
  const t = text.trim();
  if (t === '') return { ok: false, error: 'empty' };
  const { group, decimal } = separatorsFor(locale);
  const groups = new Set([...ALWAYS_GROUP, group].filter((c) => c !== decimal));
  const parts = t.split(decimal);
  if (parts.length > 2) return { ok: false, error: 'separator' };
  const [wholeText = '', fractionText = ''] = parts;
  const notDigit = (c: string): ParseError | null => (c >= '0' && c <= '9' ? null : groups.has(c) || c === '.' || c === ',' ? 'separator' : 'invalid');
  for (const c of wholeText) {
    const problem = notDigit(c);
    if (problem && !groups.has(c)) return { ok: false, error: problem };
  }
  for (const c of fractionText) {
    const problem = notDigit(c);
    if (problem) return { ok: false, error: problem };
  }
  // Groups of three after a first group of one to three digits: `1,500`, `12.345.678`.
  const segments = [...wholeText].map((c) => (groups.has(c) ? '\n' : c)).join('').split('\n');
  if (segments.length > 1 && !segments.every((g, i) => (i === 0 ? g.length >= 1 && g.length <= 3 && !g.startsWith('0') : g.length === 3))) {
    return { ok: false, error: 'separator' };
  }
  const whole = segments.join('');
  if (whole === '' && fractionText === '') return { ok: false, error: 'invalid' };
  const fraction = fractionText.replace(/0+$/, '');
  if (fraction.length > decimals) return { ok: false, error: 'too_precise' };
  const units = BigInt(whole || '0') * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, '0') || '0');
  if (units > MAX_UNITS) return { ok: false, error: 'too_large' };
  return { ok: true, units: units.toString() };
}

/** Why an amount field cannot be used: it does not parse, or it is empty or zero where an amount above zero is needed. */
export type AmountProblem = ParseError | 'required';

export type AmountRead<P extends AmountProblem> = { ok: true; units: string } | { ok: false; problem: P };

/**
 * An amount field read as `locale` writes numbers, by what the field needs:
 * `present`: any amount, zero included; `positive`: above zero, so empty or zero is
 * `required`; `optional`: empty reads as zero.
 */
export function readAmount(text: string, decimals: number, locale: string, need: 'present' | 'optional'): AmountRead<ParseError>;
export function readAmount(text: string, decimals: number, locale: string, need: 'present' | 'positive' | 'optional'): AmountRead<AmountProblem>;
export function readAmount(text: string, decimals: number, locale: string, need: 'present' | 'positive' | 'optional'): AmountRead<AmountProblem> {
  const parsed = parseUnits(text, decimals, locale);
  if (!parsed.ok) {
    if (parsed.error === 'empty' && need === 'optional') return { ok: true, units: '0' };
    return { ok: false, problem: parsed.error === 'empty' && need === 'positive' ? 'required' : parsed.error };
  }
  if (need === 'positive' && parsed.units === '0') return { ok: false, problem: 'required' };
  return parsed;
}

/**
 * An amount field's text moved from one language's number format to another's: read
 * with the old language's rules and written with the new one's, so `0.125` typed in
 * English becomes `0,125` in German instead of being read there as 125. Text the old
 * language cannot read is left as typed, for the new language's rules to read or refuse.
 * Between two languages that write numbers alike the text is kept exactly as typed.
 */
export function relocaleAmount(text: string, decimals: number, from: string, to: string): string {
  const [a, b] = [separatorsFor(from), separatorsFor(to)];
  if (a.decimal === b.decimal && a.group === b.group) return text;
  const parsed = parseUnits(text, decimals, from);
  return parsed.ok ? unitsToInput(parsed.units, decimals, to) : text;
}

/**
 * Base units → the text an input field shows for editing: the locale's decimal mark, no
 * group separators, so `parseUnits` in the same locale reads it back exactly.
 */
export function unitsToInput(units: string, decimals: number, locale: string): string {
  const value = toBigInt(units);
  if (value === null) return '';
  const scale = 10n ** BigInt(decimals);
  const fraction = (value % scale).toString().padStart(decimals, '0').replace(/0+$/, '');
  return fraction ? `${value / scale}${separatorsFor(locale).decimal}${fraction}` : (value / scale).toString();
}

/** `unitsToInput` for a field where empty means none (a budget, a cap): zero shows as an empty field. */
export function optionalUnitsToInput(units: string, decimals: number, locale: string): string {
  return units === '0' ? '' : unitsToInput(units, decimals, locale);
}

/** Sums decimal strings of base units exactly. */
export function sumUnits(values: readonly (string | null | undefined)[]): string {
  return values.reduce((sum, v) => sum + (toBigInt(v) ?? 0n), 0n).toString();
}

/**
 * A value for a chart's y axis only (never shown as an amount): whole BTT with 6 digits
 * of fraction, so uPlot can scale it.
 */
export function chartValue(units: string, decimals = BTT_DECIMALS): number {
  const value = toBigInt(units) ?? 0n;
  const micro = decimals > 6 ? value / 10n ** BigInt(decimals - 6) : value * 10n ** BigInt(6 - decimals);
  return Number(micro) / 1e6;
}
