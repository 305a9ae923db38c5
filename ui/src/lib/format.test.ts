import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatEta, formatPercent, formatRate, formatRateLimit, formatRatio, parseKibPerSec, safeLocale } from './format';

describe('formatBytes', () => {
  it('uses binary units with three significant digits', () => {
    expect(formatBytes(0, 'en')).toBe('0 B');
    expect(formatBytes(512, 'en')).toBe('512 B');
    expect(formatBytes(1536, 'en')).toBe('1.50 KiB');
    expect(formatBytes(12.34 * 1024 * 1024, 'en')).toBe('12.3 MiB');
    expect(formatBytes(123 * 1024 ** 3, 'en')).toBe('123 GiB');
  });
  it('rounds up into the next unit instead of showing 1024', () => {
    expect(formatBytes(1024 * 1024 - 1, 'en')).toBe('1.00 MiB');
  });
  it('writes German decimals with a comma', () => {
    expect(formatBytes(1536, 'de')).toBe('1,50 KiB');
    expect(formatBytes(12.34 * 1024 * 1024, 'de')).toBe('12,3 MiB');
  });
  it('shows a dash for nonsense', () => {
    expect(formatBytes(-1, 'en')).toBe('—');
    expect(formatBytes(Number.NaN, 'en')).toBe('—');
  });
});

describe('formatRate', () => {
  it('is empty for an idle torrent unless asked', () => {
    expect(formatRate(0, 'en')).toBe('');
    expect(formatRate(0, 'en', true)).toBe('0 B/s');
  });
  it('formats in both locales', () => {
    expect(formatRate(2.5 * 1024 * 1024, 'en')).toBe('2.50 MiB/s');
    expect(formatRate(2.5 * 1024 * 1024, 'de')).toBe('2,50 MiB/s');
  });
});

describe('formatEta', () => {
  it('shows the two largest units', () => {
    expect(formatEta(45, 'en')).toBe('45s');
    expect(formatEta(200, 'en')).toBe('3m 20s');
    expect(formatEta(2 * 3600 + 5 * 60 + 9, 'en')).toBe('2h 5m');
    expect(formatEta(3 * 86400 + 4 * 3600, 'en')).toBe('3d 4h');
    expect(formatEta(3600, 'en')).toBe('1h');
  });
  it('uses German unit names', () => {
    expect(formatEta(200, 'de')).toBe('3 Min 20 s');
    expect(formatEta(3 * 86400 + 4 * 3600, 'de-DE')).toBe('3 T 4 Std');
  });
  it('is infinite when unknown or absurd', () => {
    expect(formatEta(null, 'en')).toBe('∞');
    expect(formatEta(undefined, 'de')).toBe('∞');
    expect(formatEta(200 * 86400, 'en')).toBe('∞');
  });
});

describe('formatDuration', () => {
  it('writes a time spent as an ETA is written, with no upper bound', () => {
    expect(formatDuration(0, 'en')).toBe('0s');
    expect(formatDuration(90 * 60, 'en')).toBe('1h 30m');
    expect(formatDuration(200 * 86400 + 3 * 3600, 'en')).toBe('200d 3h');
    expect(formatDuration(90 * 60, 'de')).toBe('1 Std 30 Min');
  });
});

describe('formatRateLimit', () => {
  it('shows no limit as infinity', () => {
    expect(formatRateLimit(null, 'en')).toBe('∞');
    expect(formatRateLimit(51_200, 'en')).toBe('50.0 KiB/s');
    expect(formatRateLimit(51_200, 'de')).toBe('50,0 KiB/s');
  });
});

describe('formatRatio and formatPercent', () => {
  it('formats ratios with two decimals, or a dash', () => {
    expect(formatRatio(1.234, 'en')).toBe('1.23');
    expect(formatRatio(1.234, 'de')).toBe('1,23');
    expect(formatRatio(null, 'en')).toBe('—');
  });
  it('never shows 100 % for an unfinished torrent', () => {
    expect(formatPercent(0.9999, 'en')).toBe('99.9%');
    expect(formatPercent(1, 'en')).toBe('100%');
    expect(formatPercent(0, 'en')).toBe('0%');
    expect(formatPercent(0.425, 'de')).toBe('42,5\u00a0%');
  });
});

describe('parseKibPerSec', () => {
  it('turns KiB/s text into bytes per second, empty or zero into unlimited', () => {
    expect(parseKibPerSec('')).toBeNull();
    expect(parseKibPerSec('0')).toBeNull();
    expect(parseKibPerSec('100')).toBe(102400);
    expect(parseKibPerSec('1,5')).toBe(1536);
  });
  it('refuses what is not a rate', () => {
    expect(parseKibPerSec('fast')).toBe('invalid');
    expect(parseKibPerSec('-3')).toBe('invalid');
    expect(parseKibPerSec('99999999999')).toBe('invalid');
  });
});

describe('safeLocale', () => {
  it('keeps real locales and turns the C locale some systems report into English', () => {
    expect(safeLocale('de')).toBe('de');
    expect(safeLocale('en-US')).toBe('en-US');
    expect(safeLocale('C')).toBe('en');
    expect(safeLocale('C.UTF-8')).toBe('en');
    expect(safeLocale(undefined)).toBe('en');
    // Formatting with such a locale no longer throws.
    expect(formatPercent(0.5, 'C.UTF-8')).toBe('50.0%');
  });
});
