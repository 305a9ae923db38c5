import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SpeedSettings } from '../bindings';
import de from '../i18n/de.json';
import en from '../i18n/en.json';
import { readSpeedDraft, speedDraft, worstCase, worstCaseText } from './speedDraft';

const BTT = 10n ** 18n;
const MIB = 1 << 20;

/** The core's defaults (`SpeedSettings::default`), with spending on and a budget. */
const saved: SpeedSettings = {
  spending_enabled: true,
  strategy: 'auto',
  fixed_price_per_gib: BTT.toString(),
  max_price_per_gib: (10n * BTT).toString(),
  budget_per_torrent: (50n * BTT).toString(),
  spending_cap: (500n * BTT).toString(),
  earning_enabled: true,
  ask_per_gib: BTT.toString(),
  credit_window_bytes: 4 * MIB,
  exposure_cap: (100n * BTT).toString(),
  total_exposure_cap: (500n * BTT).toString(),
  settlement_overdue_secs: 86400,
  settlement_threshold: (50n * BTT).toString(),
};

const i18n = i18next.createInstance();
beforeAll(async () => {
  await i18n.init({ resources: { en: { translation: en }, de: { translation: de } }, lng: 'en', interpolation: { escapeValue: false } });
});

/** The sentence the Bid for speed page shows under the earning settings, from the form as typed. */
function earningSentence(edit: Partial<ReturnType<typeof speedDraft>>, locale: 'en' | 'de'): string | null {
  const read = readSpeedDraft({ ...speedDraft(saved, locale), ...edit }, saved, locale);
  const values = worstCaseText(read.values, locale);
  return values ? i18n.getFixedT(locale)('speedSettings.earningCase', values) : null;
}

describe('the worst case a seller is told', () => {
  it('states the defaults in BTT and MiB, never in base units, in both languages', () => {
    expect(earningSentence({}, 'en')).toBe(
      'A buyer who never pays can cost you at most 100 BTT of unpaid promises plus 4.00 MiB of upload per paid slot; all buyers together at most 500 BTT.',
    );
    expect(earningSentence({}, 'de')).toBe(
      'Ein Käufer, der nie zahlt, kann Sie höchstens 100 BTT an unbezahlten Zusagen kosten, plus 4,00 MiB Upload pro bezahltem Platz; alle Käufer zusammen höchstens 500 BTT.',
    );
  });

  it('follows the values as they are typed, read in the language of the page', () => {
    expect(earningSentence({ exposureCap: '2,5', totalExposureCap: '1.500', creditWindowMib: '0,5' }, 'de')).toBe(
      'Ein Käufer, der nie zahlt, kann Sie höchstens 2,5 BTT an unbezahlten Zusagen kosten, plus 512 KiB Upload pro bezahltem Platz; alle Käufer zusammen höchstens 1.500 BTT.',
    );
    expect(earningSentence({ exposureCap: '2.5', totalExposureCap: '1,500', creditWindowMib: '16' }, 'en')).toBe(
      'A buyer who never pays can cost you at most 2.5 BTT of unpaid promises plus 16.0 MiB of upload per paid slot; all buyers together at most 1,500 BTT.',
    );
  });

  it('one buyer never costs more than the total cap, however high its own cap is', () => {
    expect(worstCase({ exposure_cap: (900n * BTT).toString(), total_exposure_cap: (300n * BTT).toString(), credit_window_bytes: MIB })).toEqual({
      perBuyer: 300n * BTT,
      windowBytes: MIB,
      allBuyers: 300n * BTT,
    });
    expect(earningSentence({ exposureCap: '900', totalExposureCap: '300' }, 'en')).toContain('at most 300 BTT of unpaid promises');
  });

  it('is not stated while a field it depends on cannot be read', () => {
    expect(earningSentence({ totalExposureCap: '1,5' }, 'en')).toBeNull();
    expect(earningSentence({ creditWindowMib: '0' }, 'en')).toBeNull();
  });
});

describe('the Bid for speed form', () => {
  it('reads back exactly what it was given', () => {
    for (const locale of ['en', 'de']) {
      expect(readSpeedDraft(speedDraft(saved, locale), saved, locale)).toMatchObject({ speed: saved, problems: {} });
    }
  });

  it('needs a spending cap above zero while spending is on, and sends it in base units', () => {
    const draft = speedDraft(saved, 'en');
    expect(readSpeedDraft({ ...draft, spendingCap: '' }, saved, 'en')).toMatchObject({ speed: null, problems: { spendingCap: 'required' } });
    expect(readSpeedDraft({ ...draft, spendingCap: '0' }, saved, 'en')).toMatchObject({ speed: null, problems: { spendingCap: 'required' } });
    expect(readSpeedDraft({ ...draft, spendingCap: '1,5' }, saved, 'en')).toMatchObject({ speed: null, problems: { spendingCap: 'separator' } });
    expect(readSpeedDraft({ ...draft, spendingCap: '1,500' }, saved, 'en').speed?.spending_cap).toBe((1500n * BTT).toString());
    expect(readSpeedDraft({ ...speedDraft(saved, 'de'), spendingCap: '1.500' }, saved, 'de').speed?.spending_cap).toBe((1500n * BTT).toString());
    // Off, an empty cap is no cap to check.
    expect(readSpeedDraft({ ...draft, spending: false, spendingCap: '' }, saved, 'en').speed).toMatchObject({ spending_enabled: false, spending_cap: '0' });
  });

  it('shows the settlement deadline in hours and sends seconds', () => {
    expect(speedDraft(saved, 'en').overdueHours).toBe('24');
    expect(speedDraft({ ...saved, settlement_overdue_secs: 5400 }, 'de').overdueHours).toBe('1,5');
    const read = (text: string, locale: string) => readSpeedDraft({ ...speedDraft(saved, locale), overdueHours: text }, saved, locale);
    expect(read('1.5', 'en').speed?.settlement_overdue_secs).toBe(5400);
    expect(read('1,5', 'de').speed?.settlement_overdue_secs).toBe(5400);
    expect(read('0,01', 'de').speed?.settlement_overdue_secs).toBe(36);
    expect(read('0', 'en').problems).toEqual({ overdueHours: 'range' });
    expect(read('', 'en').problems).toEqual({ overdueHours: 'range' });
    expect(read('1,5', 'en').problems).toEqual({ overdueHours: 'separator' });
  });

  it('keeps a deadline or window the form can only show rounded, unless the user edits it', () => {
    const odd = { ...saved, settlement_overdue_secs: 100, credit_window_bytes: 1_000_000 };
    const draft = speedDraft(odd, 'en');
    expect(draft).toMatchObject({ overdueHours: '0.03', creditWindowMib: '0.95' });
    expect(readSpeedDraft({ ...draft, ask: '2' }, odd, 'en').speed).toMatchObject({ settlement_overdue_secs: 100, credit_window_bytes: 1_000_000, ask_per_gib: (2n * BTT).toString() });
    expect(readSpeedDraft({ ...draft, overdueHours: '1' }, odd, 'en').speed?.settlement_overdue_secs).toBe(3600);
  });

  it('reads the credit window in MiB as the language writes it', () => {
    const read = (text: string, locale: string) => readSpeedDraft({ ...speedDraft(saved, locale), creditWindowMib: text }, saved, locale);
    expect(read('0,5', 'de').speed?.credit_window_bytes).toBe(MIB / 2);
    expect(read('1.024', 'de').speed?.credit_window_bytes).toBe(1024 * MIB);
    expect(read('1,024', 'en').speed?.credit_window_bytes).toBe(1024 * MIB);
    expect(read('1.025', 'de').problems).toEqual({ creditWindowMib: 'range' });
    expect(read('0', 'en').problems).toEqual({ creditWindowMib: 'range' });
  });
});
