import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PayeeDue } from '../bindings';
import de from '../i18n/de.json';
import en from '../i18n/en.json';
import { settlementCost, settlementCostText, totalFee, type CostInputs } from './settlementCost';

const BTT = 10n ** 18n;
/** The defaults: 300,000 BTT a TRX, 20× the fee, 10,000 BTT/GiB. */
const defaults = { bttPerTrx: (300_000n * BTT).toString(), multiple: 20, pricePerGib: (10_000n * BTT).toString() };
/** About what a BTT transfer with a memo to a holder burns on mainnet. */
const FEE_SUN = '2810000';

const i18n = i18next.createInstance();
beforeAll(async () => {
  await i18n.init({ resources: { en: { translation: en }, de: { translation: de } }, lng: 'en', interpolation: { escapeValue: false } });
});

/** The line the Bid for speed page shows. */
function line(inputs: CostInputs, locale: 'en' | 'de'): string {
  const t = i18n.getFixedT(locale);
  return settlementCostText(inputs, locale)
    .map((s) => t(`speedSettings.${s.key}`, s.values))
    .join(' ');
}

describe('what a settlement costs against what it pays', () => {
  it('weighs the fee at the rate, times the multiple, in GiB at the price', () => {
    expect(settlementCost({ feeSun: FEE_SUN, ...defaults })).toEqual({
      feeSun: 2_810_000n,
      // 2.81 TRX × 300,000 BTT
      feeBtt: 843_000n * BTT,
      thresholdBtt: 16_860_000n * BTT,
      // 16,860,000 BTT / 10,000 BTT per GiB = 1,686 GiB
      gibHundredths: 168_600n,
    });
  });

  it('rounds the fee in BTT up to a base unit, as the core does, and the GiB up to a hundredth', () => {
    // 1 sun at 1 base unit per TRX is a millionth of a base unit: rounded up to 1.
    expect(settlementCost({ feeSun: '1', bttPerTrx: '1', multiple: 3, pricePerGib: '2' })).toEqual({ feeSun: 1n, feeBtt: 1n, thresholdBtt: 3n, gibHundredths: 150n });
    // 3 base units at 7 a GiB: 0.428… GiB, rounded up to 0.43.
    expect(settlementCost({ feeSun: '1000000', bttPerTrx: '3', multiple: 1, pricePerGib: '7' })?.gibHundredths).toBe(43n);
    // Exact values are not rounded.
    expect(settlementCost({ feeSun: '1000000', bttPerTrx: '7', multiple: 1, pricePerGib: '7' })?.gibHundredths).toBe(100n);
  });

  it('keeps precision a float would lose', () => {
    const huge = settlementCost({ feeSun: '18446744073709551615', bttPerTrx: (10n ** 30n).toString(), multiple: 4294967295, pricePerGib: '1' });
    const fee = (18446744073709551615n * 10n ** 30n + 999_999n) / 1_000_000n;
    expect(huge?.feeBtt).toBe(fee);
    expect(huge?.thresholdBtt).toBe(fee * 4294967295n);
  });

  it('says nothing of GiB at a price of zero: nothing is owed, so nothing reaches the threshold', () => {
    expect(settlementCost({ feeSun: FEE_SUN, ...defaults, pricePerGib: '0' })).toMatchObject({ thresholdBtt: 16_860_000n * BTT, gibHundredths: null });
    expect(line({ feeSun: FEE_SUN, ...defaults, pricePerGib: '0' }, 'en')).toBe(
      'A settlement costs about 2.81 TRX now (about 843,000 BTT at your rate). Bidswarm pays a seller once it owes 20× that, about 16,860,000 BTT.',
    );
  });

  it('with a multiple of zero, pays every round and says each payment burns the fee', () => {
    expect(settlementCost({ feeSun: FEE_SUN, ...defaults, multiple: 0 })).toMatchObject({ thresholdBtt: 0n, gibHundredths: null });
    expect(line({ feeSun: FEE_SUN, ...defaults, multiple: 0 }, 'en')).toBe(
      'A settlement costs about 2.81 TRX now (about 843,000 BTT at your rate). Bidswarm pays what it owes a seller at every round, and each payment burns this fee however little it pays.',
    );
  });

  it('says the fee is unknown while the quote has none', () => {
    expect(settlementCost({ feeSun: null, ...defaults })).toBeNull();
    expect(settlementCost({ feeSun: undefined, ...defaults })).toBeNull();
    expect(line({ feeSun: null, ...defaults }, 'en')).toBe('What a settlement costs is unknown until the wallet is unlocked and the TRON node answers.');
    expect(line({ feeSun: null, ...defaults }, 'de')).toBe('Was eine Abrechnung kostet, ist unbekannt, bis die Wallet entsperrt ist und der TRON-Knoten antwortet.');
  });

  it('states the defaults in both languages', () => {
    expect(line({ feeSun: FEE_SUN, ...defaults }, 'en')).toBe(
      'A settlement costs about 2.81 TRX now (about 843,000 BTT at your rate). Bidswarm pays a seller once it owes 20× that, about 16,860,000 BTT: 1,686 GiB at your price of 10,000 BTT/GiB.',
    );
    expect(line({ feeSun: FEE_SUN, ...defaults }, 'de')).toBe(
      'Eine Abrechnung kostet derzeit etwa 2,81 TRX (etwa 843.000 BTT zu Ihrem Kurs). Bidswarm bezahlt einen Seeder, sobald es ihm das 20-Fache davon schuldet, etwa 16.860.000 BTT: 1.686 GiB zu Ihrem Preis von 10.000 BTT/GiB.',
    );
  });

  it('says only what it can while a field of the form does not parse', () => {
    // No rate: the fee in TRX alone.
    expect(line({ feeSun: FEE_SUN, ...defaults, bttPerTrx: undefined }, 'en')).toBe('A settlement costs about 2.81 TRX now.');
    // No multiple: the fee, no rule.
    expect(line({ feeSun: FEE_SUN, ...defaults, multiple: undefined }, 'en')).toBe('A settlement costs about 2.81 TRX now (about 843,000 BTT at your rate).');
    // No price: the rule without GiB.
    expect(line({ feeSun: FEE_SUN, ...defaults, pricePerGib: undefined }, 'en')).toContain('about 16,860,000 BTT.');
  });

  it('shows small sums with decimals, cut and never as zero', () => {
    // 0.27 TRX at 0.5 BTT a TRX: 0.135 BTT; 3× = 0.405 BTT; at 0.1 BTT/GiB, 4.05 GiB.
    const small = { feeSun: '270000', bttPerTrx: (BTT / 2n).toString(), multiple: 3, pricePerGib: (BTT / 10n).toString() };
    expect(line(small, 'en')).toBe(
      'A settlement costs about 0.27 TRX now (about 0.135 BTT at your rate). Bidswarm pays a seller once it owes 3× that, about 0.405 BTT: 4.05 GiB at your price of 0.1 BTT/GiB.',
    );
  });
});

describe('the fees "settle now" burns', () => {
  const payee = (fee: string | null, inFlight = false): PayeeDue => ({
    payee: 'T',
    owed: '1',
    fee_sun: fee,
    fee_btt: fee === null ? null : (BigInt(fee) * 300_000n * BTT / 1_000_000n).toString(),
    in_flight: inFlight,
    worth_it: false,
  });

  it('adds the fees of payees that get a new payment, not those in flight', () => {
    expect(totalFee([payee('1000000'), payee('2000000'), payee('5000000', true)])).toEqual({ sun: 3_000_000n, btt: 900_000n * BTT, exact: true });
  });

  it('is a lower bound when the node could not price a payee', () => {
    expect(totalFee([payee('1000000'), payee(null)])).toEqual({ sun: 1_000_000n, btt: 300_000n * BTT, exact: false });
    expect(totalFee([])).toEqual({ sun: 0n, btt: 0n, exact: true });
  });
});
