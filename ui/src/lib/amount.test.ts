import { describe, expect, it } from 'vitest';
import { chartValue, formatBtt, formatTrx, formatUnits, parseUnits, sumUnits, unitsToInput } from './amount';
import { tronAddressProblem } from './tronAddress';

describe('formatUnits', () => {
  it('formats BTT base units exactly in English', () => {
    expect(formatUnits('1500000000000000000', 18, 'en')).toBe('1.5');
    expect(formatUnits('1234567000000000000000000', 18, 'en')).toBe('1,234,567');
    expect(formatBtt('123456789012345678901234567890', 'en', 18)).toBe('123,456,789,012.34567890123456789 BTT');
    expect(formatBtt('0', 'en')).toBe('0 BTT');
  });

  it('formats the same amounts in German', () => {
    expect(formatUnits('1500000000000000000', 18, 'de')).toBe('1,5');
    expect(formatUnits('1234567000000000000000000', 18, 'de')).toBe('1.234.567');
    expect(formatTrx('1000001', 'de')).toBe('1,000001 TRX');
    expect(formatTrx('1000001', 'en')).toBe('1.000001 TRX');
  });

  it('keeps precision a float would lose', () => {
    // 2^53 + 1 base units: a Number round trip would print ...992.
    expect(formatUnits('9007199254740993', 0, 'en')).toBe('9,007,199,254,740,993');
    expect(formatUnits('100000000000000000001', 18, 'en')).toBe('100.000000000000000001');
  });

  it('cuts to the fraction asked and marks a hidden rest', () => {
    expect(formatBtt('1000000000000000001', 'en')).toBe('≈1 BTT');
    expect(formatBtt('1234567000000000000', 'de', 2)).toBe('≈1,23 BTT');
    expect(formatUnits('1000000000000000000', 18, 'en', { minFraction: 2 })).toBe('1.00');
  });

  it('shows a dash for what is not an amount', () => {
    expect(formatBtt(null, 'en')).toBe('—');
    expect(formatUnits('1.5', 18, 'en')).toBe('—');
    expect(formatUnits('-1', 18, 'en')).toBe('—');
  });
});

describe('parseUnits', () => {
  it('reads both decimal marks', () => {
    expect(parseUnits('1.5', 18)).toEqual({ ok: true, units: '1500000000000000000' });
    expect(parseUnits('1,5', 18)).toEqual({ ok: true, units: '1500000000000000000' });
    expect(parseUnits('1.000,25', 6)).toEqual({ ok: true, units: '1000250000' });
    expect(parseUnits('1,000.25', 6)).toEqual({ ok: true, units: '1000250000' });
    expect(parseUnits('.5', 6)).toEqual({ ok: true, units: '500000' });
    expect(parseUnits(' 7 ', 0)).toEqual({ ok: true, units: '7' });
  });

  it('refuses what is not an amount, and more precision than the asset has', () => {
    expect(parseUnits('', 18)).toEqual({ ok: false, error: 'empty' });
    expect(parseUnits('abc', 18)).toEqual({ ok: false, error: 'invalid' });
    expect(parseUnits('-1', 18)).toEqual({ ok: false, error: 'invalid' });
    expect(parseUnits('1e3', 18)).toEqual({ ok: false, error: 'invalid' });
    expect(parseUnits('1,2,3', 18)).toEqual({ ok: false, error: 'invalid' });
    expect(parseUnits('0.0000001', 6)).toEqual({ ok: false, error: 'too_precise' });
  });

  it('round-trips through the edit text', () => {
    for (const units of ['0', '1', '1500000000000000000', '123456789012345678901234567890']) {
      const text = unitsToInput(units, 18);
      expect(parseUnits(text, 18)).toEqual({ ok: true, units });
    }
  });

  it('sums exactly and gives charts a scaled number', () => {
    expect(sumUnits(['9007199254740993', '1', null])).toBe('9007199254740994');
    expect(chartValue('1500000000000000000')).toBe(1.5);
  });
});

describe('tronAddressProblem', () => {
  it('accepts a valid base58 and hex address', () => {
    // The devnet's BTT contract address and a well-known mainnet address.
    expect(tronAddressProblem('TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t')).toBeNull();
    expect(tronAddressProblem('41a614f803b6fd780986a42c78ec9c7f77e6ded13c')).toBeNull();
  });

  it('names what is wrong', () => {
    expect(tronAddressProblem('')).toBe('empty');
    expect(tronAddressProblem('TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u')).toBe('checksum');
    expect(tronAddressProblem('TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj0t')).toBe('alphabet');
    expect(tronAddressProblem('TR7NHqjeKQxGTCi8q8ZY4pL8')).toBe('length');
    expect(tronAddressProblem('1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2')).toBe('prefix');
    expect(tronAddressProblem('42a614f803b6fd780986a42c78ec9c7f77e6ded13c')).toBe('prefix');
  });
});
