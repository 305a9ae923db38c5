import { describe, expect, it } from 'vitest';
import { chartValue, formatBtt, formatTrx, formatUnits, MAX_UNITS, optionalUnitsToInput, parseUnits, readAmount, relocaleAmount, sumUnits, unitsToInput } from './amount';
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
  const BTT = 10n ** 18n;
  const btt = (text: string, locale: string) => parseUnits(text, 18, locale);
  const units = (n: bigint) => ({ ok: true, units: n.toString() });

  it('reads English as English writes it: "," groups thousands, "." marks decimals', () => {
    expect(btt('1,500', 'en')).toEqual(units(1500n * BTT));
    expect(btt('1.5', 'en')).toEqual(units((3n * BTT) / 2n));
    expect(btt('1,500.25', 'en')).toEqual(units(150025n * 10n ** 16n));
    expect(btt('12,345,678', 'en')).toEqual(units(12345678n * BTT));
    expect(btt('1.500', 'en')).toEqual(units((3n * BTT) / 2n));
    expect(btt('.5', 'en')).toEqual(units(BTT / 2n));
    expect(btt(' 7 ', 'en')).toEqual(units(7n * BTT));
  });

  it('reads German as German writes it: "." groups thousands, "," marks decimals', () => {
    expect(btt('1.500', 'de')).toEqual(units(1500n * BTT));
    expect(btt('1,5', 'de')).toEqual(units((3n * BTT) / 2n));
    expect(btt('1.500,25', 'de')).toEqual(units(150025n * 10n ** 16n));
    expect(btt('12.345.678', 'de')).toEqual(units(12345678n * BTT));
    expect(btt('1,500', 'de')).toEqual(units((3n * BTT) / 2n));
    expect(btt('1 000,25', 'de')).toEqual(units(100025n * 10n ** 16n));
    expect(btt(',5', 'de')).toEqual(units(BTT / 2n));
  });

  it('the same text is a thousand times apart in the two languages, never guessed', () => {
    const en = btt('1,500', 'en');
    const de = btt('1,500', 'de');
    expect(en.ok && de.ok && BigInt(en.units) / BigInt(de.units)).toBe(1000n);
    expect(btt('1.500', 'de')).toEqual(btt('1,500', 'en'));
    expect(btt('1,5', 'de')).toEqual(btt('1.5', 'en'));
  });

  it('refuses a separator that is not where the language puts one, rather than guess', () => {
    // "1,5" in English and "1.5" in German cannot be groups of three: a guess could be off by 1000.
    expect(btt('1,5', 'en')).toEqual({ ok: false, error: 'separator' });
    expect(btt('1,50', 'en')).toEqual({ ok: false, error: 'separator' });
    expect(btt('1.5', 'de')).toEqual({ ok: false, error: 'separator' });
    expect(btt('1.50', 'de')).toEqual({ ok: false, error: 'separator' });
    // The other language's full form.
    expect(btt('1.000,25', 'en')).toEqual({ ok: false, error: 'separator' });
    expect(btt('1,000.25', 'de')).toEqual({ ok: false, error: 'separator' });
    // Two decimal marks, groups in the fraction, groups of the wrong size.
    expect(btt('1.2.3', 'en')).toEqual({ ok: false, error: 'separator' });
    expect(btt('1,2,3', 'de')).toEqual({ ok: false, error: 'separator' });
    expect(btt('1,2,3', 'en')).toEqual({ ok: false, error: 'separator' });
    expect(btt('1.000,5', 'en')).toEqual({ ok: false, error: 'separator' });
    expect(btt('1500,000.5', 'en')).toEqual({ ok: false, error: 'separator' });
    expect(btt('1,5000', 'en')).toEqual({ ok: false, error: 'separator' });
    expect(btt(',500', 'en')).toEqual({ ok: false, error: 'separator' });
    expect(btt('1 5', 'en')).toEqual({ ok: false, error: 'separator' });
  });

  it('refuses a first group of zero, which is a decimal mark written the other way, not a thousand', () => {
    // Regression: "0,500" read as 500 in English and "0.500" as 500 in German.
    expect(btt('0,500', 'en')).toEqual({ ok: false, error: 'separator' });
    expect(btt('0,500,000', 'en')).toEqual({ ok: false, error: 'separator' });
    expect(btt('01,500', 'en')).toEqual({ ok: false, error: 'separator' });
    expect(btt('0.500', 'de')).toEqual({ ok: false, error: 'separator' });
    expect(btt('0 500', 'de')).toEqual({ ok: false, error: 'separator' });
    expect(btt('00.500,5', 'de')).toEqual({ ok: false, error: 'separator' });
    // Without a group separator a leading zero is only a zero.
    expect(btt('0.500', 'en')).toEqual(units(BTT / 2n));
    expect(btt('0,500', 'de')).toEqual(units(BTT / 2n));
    expect(btt('0500', 'en')).toEqual(units(500n * BTT));
  });

  it('refuses more than the core can hold (2^128 - 1 base units)', () => {
    expect(parseUnits(MAX_UNITS.toString(), 0, 'en')).toEqual({ ok: true, units: MAX_UNITS.toString() });
    expect(parseUnits((MAX_UNITS + 1n).toString(), 0, 'en')).toEqual({ ok: false, error: 'too_large' });
    const maxBtt = formatUnits(MAX_UNITS, 18, 'de');
    expect(maxBtt).toBe('340.282.366.920.938.463.463,374607431768211455');
    expect(btt(maxBtt, 'de')).toEqual(units(MAX_UNITS));
    expect(btt('340.282.366.920.938.463.463,374607431768211456', 'de')).toEqual({ ok: false, error: 'too_large' });
    expect(btt('1' + '0'.repeat(40), 'en')).toEqual({ ok: false, error: 'too_large' });
  });

  it('refuses what is not an amount, and more precision than the asset has', () => {
    expect(btt('', 'en')).toEqual({ ok: false, error: 'empty' });
    expect(btt('   ', 'de')).toEqual({ ok: false, error: 'empty' });
    expect(btt('abc', 'en')).toEqual({ ok: false, error: 'invalid' });
    expect(btt('-1', 'en')).toEqual({ ok: false, error: 'invalid' });
    expect(btt('1e3', 'de')).toEqual({ ok: false, error: 'invalid' });
    expect(btt('.', 'en')).toEqual({ ok: false, error: 'invalid' });
    expect(parseUnits('0.0000001', 6, 'en')).toEqual({ ok: false, error: 'too_precise' });
    expect(parseUnits('0,0000001', 6, 'de')).toEqual({ ok: false, error: 'too_precise' });
    expect(parseUnits('1.000000', 6, 'en')).toEqual({ ok: true, units: '1000000' });
  });

  it('a locale Intl rejects reads as English', () => {
    expect(btt('1,500.5', 'C.UTF-8')).toEqual(units(15005n * 10n ** 17n));
  });

  it('round-trips through the edit text in both languages', () => {
    for (const locale of ['en', 'de']) {
      for (const u of ['0', '1', '1500000000000000000', '1500000000000000000000', '123456789012345678901234567890']) {
        const text = unitsToInput(u, 18, locale);
        expect(parseUnits(text, 18, locale), `${locale} ${text}`).toEqual({ ok: true, units: u });
      }
    }
    expect(unitsToInput('1500000000000000000', 18, 'de')).toBe('1,5');
    expect(unitsToInput('1500000000000000000000', 18, 'de')).toBe('1500');
    expect(unitsToInput('1500000000000000000', 18, 'en')).toBe('1.5');
  });

  it('shows zero as an empty field where empty means none', () => {
    expect(optionalUnitsToInput('0', 18, 'de')).toBe('');
    expect(optionalUnitsToInput('1500000000000000000', 18, 'de')).toBe('1,5');
  });

  it('sums exactly and gives charts a scaled number', () => {
    expect(sumUnits(['9007199254740993', '1', null])).toBe('9007199254740994');
    expect(chartValue('1500000000000000000')).toBe(1.5);
  });
});

describe('readAmount', () => {
  it('reads empty and zero by what the field needs', () => {
    expect(readAmount('', 18, 'en', 'optional')).toEqual({ ok: true, units: '0' });
    expect(readAmount('', 18, 'en', 'present')).toEqual({ ok: false, problem: 'empty' });
    expect(readAmount('', 18, 'en', 'positive')).toEqual({ ok: false, problem: 'required' });
    expect(readAmount('0', 18, 'en', 'present')).toEqual({ ok: true, units: '0' });
    expect(readAmount('0', 18, 'en', 'positive')).toEqual({ ok: false, problem: 'required' });
    expect(readAmount('0,0', 18, 'de', 'positive')).toEqual({ ok: false, problem: 'required' });
    expect(readAmount('1,5', 6, 'de', 'positive')).toEqual({ ok: true, units: '1500000' });
  });

  it('passes every other problem through, whatever the field needs', () => {
    for (const need of ['present', 'positive', 'optional'] as const) {
      expect(readAmount('1,5', 18, 'en', need)).toEqual({ ok: false, problem: 'separator' });
      expect(readAmount('abc', 18, 'en', need)).toEqual({ ok: false, problem: 'invalid' });
      expect(readAmount('0.001', 2, 'en', need)).toEqual({ ok: false, problem: 'too_precise' });
    }
  });
});

describe('relocaleAmount', () => {
  it('moves a field to the new language by reading it with the old one\'s rules', () => {
    // Regression: "0.125" typed in English was read with German rules as 125 after a switch.
    expect(relocaleAmount('0.125', 18, 'en', 'de')).toBe('0,125');
    expect(parseUnits(relocaleAmount('0.125', 18, 'en', 'de'), 18, 'de')).toEqual(parseUnits('0.125', 18, 'en'));
    expect(relocaleAmount('1,500.25', 18, 'en', 'de')).toBe('1500,25');
    expect(relocaleAmount('1.500', 18, 'de', 'en')).toBe('1500');
    expect(relocaleAmount('0,5', 2, 'de', 'en')).toBe('0.5');
  });

  it('leaves text the old language cannot read as typed, and text between alike languages untouched', () => {
    expect(relocaleAmount('', 18, 'en', 'de')).toBe('');
    expect(relocaleAmount('abc', 18, 'en', 'de')).toBe('abc');
    expect(relocaleAmount('1.2.3', 18, 'en', 'de')).toBe('1.2.3');
    expect(relocaleAmount('0.125', 2, 'en', 'de')).toBe('0.125');
    expect(relocaleAmount('1,500.50', 18, 'en', 'en-GB')).toBe('1,500.50');
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
