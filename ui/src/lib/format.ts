/**
 * Formatting of sizes, rates, durations and ratios for people. Pure functions of the
 * value and the locale, so both languages are unit-tested without a browser.
 */

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

const numberFormats = new Map<string, Intl.NumberFormat>();

/**
 * A locale Intl accepts: some systems report `C` or `C.UTF-8`, which Intl rejects with a
 * RangeError that would blank the whole UI. Those fall back to English.
 */
export function safeLocale(locale: string | undefined): string {
  try {
    return Intl.getCanonicalLocales(locale ?? 'en')[0] ?? 'en';
  } catch {
    return 'en';
  }
}

function numberFormat(locale: string, fractionDigits: number): Intl.NumberFormat {
  const key = `${locale}/${fractionDigits}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(safeLocale(locale), {
      minimumFractionDigits: fractionDigits,
      maximumFractionDigits: fractionDigits,
    });
    numberFormats.set(key, format);
  }
  return format;
}

/** Binary units, three significant digits: `0 B`, `512 B`, `1.5 KiB`, `12.3 MiB`, `123 GiB`. */
export function formatBytes(bytes: number, locale: string): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  let unit = 0;
  let value = bytes;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  // Round first, so 1023.96 KiB becomes "1.0 MiB" rather than "1,024 KiB".
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  if (unit < BYTE_UNITS.length - 1 && Number(value.toFixed(digits)) >= 1024) {
    value /= 1024;
    unit += 1;
  }
  const shown = unit === 0 ? 0 : value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${numberFormat(locale, shown).format(value)} ${BYTE_UNITS[unit]}`;
}

/** A transfer rate: `1.50 MiB/s`; zero is an empty string, so idle rows stay quiet. */
export function formatRate(bytesPerSec: number, locale: string, showZero = false): string {
  if (bytesPerSec <= 0 && !showZero) return '';
  return `${formatBytes(Math.max(0, bytesPerSec), locale)}/s`;
}

const DURATION_UNITS: Record<'en' | 'de', { d: string; h: string; m: string; s: string; sep: string }> = {
  en: { d: 'd', h: 'h', m: 'm', s: 's', sep: '' },
  de: { d: 'T', h: 'Std', m: 'Min', s: 's', sep: ' ' },
};

function unitsFor(locale: string) {
  return locale.toLowerCase().startsWith('de') ? DURATION_UNITS.de : DURATION_UNITS.en;
}

/**
 * A remaining time, the two largest units: `45s`, `3m 20s`, `2h 5m`, `3d 4h`. `null`
 * (unknown) is `∞`; beyond 100 days it is `∞` too, since such an estimate means nothing.
 */
export function formatEta(seconds: number | null | undefined, locale: string): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '∞';
  if (Math.round(seconds) >= 100 * 86400) return '∞';
  return formatDuration(seconds, locale);
}

/** A time spent, the two largest units as `formatEta` writes them, however long: `0s`, `400d 3h`. */
export function formatDuration(seconds: number, locale: string): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const u = unitsFor(locale);
  const s = Math.round(seconds);
  const part = (n: number, unit: string) => `${n}${u.sep}${unit}`;
  const days = Math.floor(s / 86400);
  const hours = Math.floor((s % 86400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const secs = s % 60;
  if (days > 0) return hours > 0 ? `${part(days, u.d)} ${part(hours, u.h)}` : part(days, u.d);
  if (hours > 0) return minutes > 0 ? `${part(hours, u.h)} ${part(minutes, u.m)}` : part(hours, u.h);
  if (minutes > 0) return secs > 0 ? `${part(minutes, u.m)} ${part(secs, u.s)}` : part(minutes, u.m);
  return part(secs, u.s);
}

/** A share ratio with two decimals; no ratio (nothing downloaded yet) is `—`. */
export function formatRatio(ratio: number | null, locale: string): string {
  if (ratio === null || !Number.isFinite(ratio)) return '—';
  return numberFormat(locale, 2).format(ratio);
}

/** A progress fraction as a percentage with one decimal: `42.5 %` / `42,5 %`. */
export function formatPercent(fraction: number, locale: string): string {
  const clamped = Math.min(1, Math.max(0, fraction));
  // Never show 100 % for something not finished.
  const value = clamped < 1 ? Math.min(99.9, Math.floor(clamped * 1000) / 10) : 100;
  return new Intl.NumberFormat(safeLocale(locale), {
    style: 'percent',
    minimumFractionDigits: value === 100 || value === 0 ? 0 : 1,
    maximumFractionDigits: 1,
  }).format(value / 100);
}

/** A date and time (Unix seconds) in the user's locale; absent is `—`. */
export function formatDateTime(unixSeconds: number | null | undefined, locale: string): string {
  if (unixSeconds === null || unixSeconds === undefined) return '—';
  return new Intl.DateTimeFormat(safeLocale(locale), { dateStyle: 'short', timeStyle: 'short' }).format(
    new Date(unixSeconds * 1000),
  );
}

/** Parses a limit typed in KiB/s; empty or 0 means unlimited (`null`). */
export function parseKibPerSec(text: string): number | null | 'invalid' {
  const trimmed = text.trim().replace(',', '.');
  if (trimmed === '') return null;
  const value = Number(trimmed);
  if (!Number.isFinite(value) || value < 0) return 'invalid';
  if (value === 0) return null;
  const bytes = Math.round(value * 1024);
  return bytes > 0xffffffff ? 'invalid' : bytes;
}

/** A speed limit: `∞` when there is none. */
export function formatRateLimit(bytesPerSec: number | null, locale: string): string {
  return bytesPerSec === null ? '∞' : formatRate(bytesPerSec, locale, true);
}

export function kibPerSecText(bytesPerSec: number | null): string {
  return bytesPerSec === null ? '' : String(Math.round(bytesPerSec / 1024));
}
