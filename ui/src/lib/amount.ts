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

const separators = new Map<string, { group: string; decimal: string }>();

function separatorsFor(locale: string) {
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

export type ParseError = 'empty' | 'invalid' | 'too_precise';

/**
 * What a person typed (`1.5`, `1,5`, `1 000,25`) → base units as a digit string.
 * Either `.` or `,` is the decimal mark when it is the only one; with both, the last one
 * is. More fraction digits than the asset has is refused, not rounded.
 */
export function parseUnits(text: string, decimals: number): { ok: true; units: string } | { ok: false; error: ParseError } {
  let t = text.trim().replace(/[\s\u00a0\u202f']/g, '');
  if (t === '') return { ok: false, error: 'empty' };
  const lastDot = t.lastIndexOf('.');
  const lastComma = t.lastIndexOf(',');
  if (lastDot >= 0 && lastComma >= 0) {
    const mark = lastDot > lastComma ? '.' : ',';
    const other = mark === '.' ? ',' : '.';
    t = t.split(other).join('');
    if (mark === ',') t = t.replace(',', '.');
  } else if (lastComma >= 0) {
    if (t.indexOf(',') !== lastComma) return { ok: false, error: 'invalid' };
    t = t.replace(',', '.');
  }
  const match = /^(\d*)(?:\.(\d*))?$/.exec(t);
  if (!match || (match[1] === '' && (match[2] ?? '') === '')) return { ok: false, error: 'invalid' };
  const whole = match[1] || '0';
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > decimals) return { ok: false, error: 'too_precise' };
  const units = BigInt(whole) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, '0') || '0');
  return { ok: true, units: units.toString() };
}

/** Base units → the plain text an input field shows for editing (`.` as the mark, no groups). */
export function unitsToInput(units: string, decimals: number): string {
  const value = toBigInt(units);
  if (value === null) return '';
  const scale = 10n ** BigInt(decimals);
  const fraction = (value % scale).toString().padStart(decimals, '0').replace(/0+$/, '');
  return fraction ? `${value / scale}.${fraction}` : (value / scale).toString();
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
