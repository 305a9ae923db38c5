import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import de from '../i18n/de.json';
import en from '../i18n/en.json';
import { amountErrorText } from '../components/speed/fields';
import { BTT, MIB, speedSettings } from '../test/speedSettings';
import { draftDecimals, MAX_WINDOW_MIB, readSpeedDraft, relocaleSpeedDraft, speedDraft, worstCase, worstCaseText } from './speedDraft';

/** Spending and earning on, with a budget per torrent. */
const saved = speedSettings({ spending_enabled: true, budget_per_torrent: (50n * BTT).toString(), earning_enabled: true });

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
      'A buyer who never pays can cost you at most 20,000,000 BTT of unpaid promises plus 4.00 MiB of upload per paid slot; all buyers together at most 100,000,000 BTT plus one credit window of upload per paid slot.',
    );
    expect(earningSentence({}, 'de')).toBe(
      'Ein Käufer, der nie zahlt, kann Sie höchstens 20.000.000 BTT an unbezahlten Zusagen kosten, plus 4,00 MiB Upload pro bezahltem Platz; alle Käufer zusammen höchstens 100.000.000 BTT, plus ein Kreditfenster Upload pro bezahltem Platz.',
    );
  });

  it('follows the values as they are typed, read in the language of the page', () => {
    expect(earningSentence({ exposureCap: '2,5', totalExposureCap: '1.500', creditWindowMib: '0,5' }, 'de')).toBe(
      'Ein Käufer, der nie zahlt, kann Sie höchstens 2,5 BTT an unbezahlten Zusagen kosten, plus 512 KiB Upload pro bezahltem Platz; alle Käufer zusammen höchstens 1.500 BTT, plus ein Kreditfenster Upload pro bezahltem Platz.',
    );
    expect(earningSentence({ exposureCap: '2.5', totalExposureCap: '1,500', creditWindowMib: '16' }, 'en')).toBe(
      'A buyer who never pays can cost you at most 2.5 BTT of unpaid promises plus 16.0 MiB of upload per paid slot; all buyers together at most 1,500 BTT plus one credit window of upload per paid slot.',
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
      const r = readSpeedDraft(speedDraft(saved, locale), saved, locale);
      expect(r.speed).toEqual(saved);
      expect(r.problems).toEqual({});
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

  it('shows the settlement rule as typed and sends the multiple and the rate in base units', () => {
    expect(speedDraft(saved, 'en')).toMatchObject({ settleMultiple: '20', bttPerTrx: '300000' });
    const read = (edit: Partial<ReturnType<typeof speedDraft>>, locale: string) => readSpeedDraft({ ...speedDraft(saved, locale), ...edit }, saved, locale);
    expect(read({ bttPerTrx: '300,000' }, 'en').speed?.btt_per_trx).toBe((300_000n * BTT).toString());
    expect(read({ bttPerTrx: '300.000' }, 'de').speed?.btt_per_trx).toBe((300_000n * BTT).toString());
    expect(read({ bttPerTrx: '0,25' }, 'de').speed?.btt_per_trx).toBe((BTT / 4n).toString());
    expect(read({ settleMultiple: '1.000' }, 'de').speed?.settle_fee_multiple).toBe(1000);
    expect(read({ settleMultiple: '0' }, 'en').speed?.settle_fee_multiple).toBe(0);
  });

  it('refuses a multiple that is not a whole number of 0 or more, and a typo as the typo', () => {
    const problems = (text: string, locale: string) => readSpeedDraft({ ...speedDraft(saved, locale), settleMultiple: text }, saved, locale).problems;
    expect(problems('2.5', 'en')).toEqual({ settleMultiple: 'range' });
    expect(problems('', 'en')).toEqual({ settleMultiple: 'range' });
    expect(problems('-1', 'en')).toEqual({ settleMultiple: 'invalid' });
    expect(problems('1,5', 'en')).toEqual({ settleMultiple: 'separator' });
    expect(problems('4294967296', 'en')).toEqual({ settleMultiple: 'range' });
    expect(readSpeedDraft({ ...speedDraft(saved, 'en'), settleMultiple: '4294967295' }, saved, 'en').speed?.settle_fee_multiple).toBe(4294967295);
  });

  it('needs a rate above zero while the multiple is above zero, as the core does', () => {
    const read = (edit: Partial<ReturnType<typeof speedDraft>>) => readSpeedDraft({ ...speedDraft(saved, 'en'), ...edit }, saved, 'en');
    expect(read({ bttPerTrx: '0' })).toMatchObject({ speed: null, problems: { bttPerTrx: 'required' } });
    expect(read({ bttPerTrx: '' })).toMatchObject({ speed: null, problems: { bttPerTrx: 'required' } });
    expect(read({ bttPerTrx: '1,5' }).problems).toEqual({ bttPerTrx: 'separator' });
    // At 0× the fee is not weighed: a rate of zero is allowed, an empty field is not.
    expect(read({ settleMultiple: '0', bttPerTrx: '0' }).speed).toMatchObject({ settle_fee_multiple: 0, btt_per_trx: '0' });
    expect(read({ settleMultiple: '0', bttPerTrx: '' }).problems).toEqual({ bttPerTrx: 'empty' });
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
    expect(read(String(MAX_WINDOW_MIB), 'en').speed?.credit_window_bytes).toBe(MAX_WINDOW_MIB * MIB);
  });

  it('names a typo in the window or the deadline as the typo, not as out of range', () => {
    const read = (edit: Partial<ReturnType<typeof speedDraft>>, locale: string) => readSpeedDraft({ ...speedDraft(saved, locale), ...edit }, saved, locale).problems;
    expect(read({ creditWindowMib: '0.125' }, 'en')).toEqual({ creditWindowMib: 'too_precise' });
    expect(read({ overdueHours: '1,005' }, 'de')).toEqual({ overdueHours: 'too_precise' });
    expect(read({ creditWindowMib: 'abc' }, 'en')).toEqual({ creditWindowMib: 'invalid' });
    expect(read({ overdueHours: '1e3' }, 'en')).toEqual({ overdueHours: 'invalid' });
    expect(read({ creditWindowMib: '0,5' }, 'en')).toEqual({ creditWindowMib: 'separator' });
    expect(read({ overdueHours: '1' + '0'.repeat(40) }, 'en')).toEqual({ overdueHours: 'too_large' });
    // Empty is no size and no deadline: the range message says what to enter.
    expect(read({ creditWindowMib: '' }, 'en')).toEqual({ creditWindowMib: 'range' });
  });

  it('refuses a zero window or deadline while earning, as the core does, edited or not', () => {
    const zero = { ...saved, credit_window_bytes: 0, settlement_overdue_secs: 0 };
    // Saved that way elsewhere (the CLI) and left untouched: still refused while earning.
    expect(readSpeedDraft(speedDraft(zero, 'en'), zero, 'en')).toMatchObject({ speed: null, problems: { creditWindowMib: 'range', overdueHours: 'range' } });
    expect(readSpeedDraft({ ...speedDraft(saved, 'de'), creditWindowMib: '0', overdueHours: '0,00' }, saved, 'de').problems).toEqual({ creditWindowMib: 'range', overdueHours: 'range' });
    // Earning off, neither is used: zero is allowed, typed or saved.
    const off = { ...zero, earning_enabled: false };
    const untouched = readSpeedDraft(speedDraft(off, 'en'), off, 'en');
    expect(untouched.problems).toEqual({});
    expect(untouched.speed).toMatchObject({ earning_enabled: false, credit_window_bytes: 0, settlement_overdue_secs: 0 });
    const typed = readSpeedDraft({ ...speedDraft(saved, 'en'), earning: false, creditWindowMib: '0', overdueHours: '0' }, saved, 'en');
    expect(typed.problems).toEqual({});
    expect(typed.speed).toMatchObject({ earning_enabled: false, credit_window_bytes: 0, settlement_overdue_secs: 0 });
  });
});

describe('a language switch in the middle of an edit', () => {
  it('keeps what each field says: read in the old language, written in the new one', () => {
    // Regression: "0.125" typed in English was read with German rules as 125 BTT.
    const typed = { ...speedDraft(saved, 'en'), exposureCap: '0.125', spendingCap: '1,500', overdueHours: '1.5', creditWindowMib: '0.5' };
    const german = relocaleSpeedDraft(typed, 'en', 'de');
    expect(german).toMatchObject({ exposureCap: '0,125', spendingCap: '1500', overdueHours: '1,5', creditWindowMib: '0,5' });
    const before = readSpeedDraft(typed, saved, 'en');
    const after = readSpeedDraft(german, saved, 'de');
    expect(after.problems).toEqual({});
    expect(after.speed).toEqual(before.speed);
    expect(after.speed?.exposure_cap).toBe((BTT / 8n).toString());
    // The rate and the multiple too: "300,000" in English is "300000" in German, not 300.
    const rate = relocaleSpeedDraft({ ...speedDraft(saved, 'en'), bttPerTrx: '300,000.5', settleMultiple: '1,000' }, 'en', 'de');
    expect(rate).toMatchObject({ bttPerTrx: '300000,5', settleMultiple: '1000' });
    expect(readSpeedDraft(rate, saved, 'de').speed).toMatchObject({ btt_per_trx: (300_000n * BTT + BTT / 2n).toString(), settle_fee_multiple: 1000 });
    // And back.
    expect(readSpeedDraft(relocaleSpeedDraft(german, 'de', 'en'), saved, 'en').speed).toEqual(before.speed);
  });

  it('leaves a field the old language cannot read as typed, and fields never edited as the new language shows them', () => {
    const typed = { ...speedDraft(saved, 'en'), ask: '1,5', bttPerTrx: '' };
    const german = relocaleSpeedDraft(typed, 'en', 'de');
    expect(german).toMatchObject({ ask: '1,5', bttPerTrx: '' });
    expect(relocaleSpeedDraft(speedDraft(saved, 'en'), 'en', 'de')).toEqual(speedDraft(saved, 'de'));
    // A window the form shows rounded stays untouched across the switch, so its exact value is kept.
    const odd = { ...saved, credit_window_bytes: 1_000_000 };
    expect(readSpeedDraft(relocaleSpeedDraft(speedDraft(odd, 'en'), 'en', 'de'), odd, 'de').speed?.credit_window_bytes).toBe(1_000_000);
  });
});

describe('the messages under the window and the deadline', () => {
  it('name the field\'s own limits, not a currency\'s', () => {
    const en_ = i18n.getFixedT('en');
    const de_ = i18n.getFixedT('de');
    expect(amountErrorText(en_, 'too_precise', draftDecimals('creditWindowMib'), 'en')).toBe('Too precise: at most 2 decimal places.');
    expect(amountErrorText(de_, 'too_precise', draftDecimals('overdueHours'), 'de')).toBe('Zu genau: höchstens 2 Nachkommastellen.');
    expect(amountErrorText(en_, 'too_precise', draftDecimals('ask'), 'en')).toBe('Too precise: at most 18 decimal places.');
    expect(en_('speedSettings.windowInvalid', { max: MAX_WINDOW_MIB })).toBe('Enter a size between 0 and 1024 MiB.');
  });

  it('quote the example of how the language writes numbers', () => {
    expect(amountErrorText(i18n.getFixedT('de'), 'separator', 18, 'de')).toBe('Zahlen wie „1.500,25“ schreiben: „,“ trennt die Nachkommastellen, „.“ nur Dreiergruppen von Ziffern.');
    expect(amountErrorText(i18n.getFixedT('en'), 'separator', 18, 'en')).toBe('Write numbers as 1,500.25: “.” marks the decimals, “,” only separates groups of three digits.');
    expect(amountErrorText(i18n.getFixedT('en'), 'too_large', 18, 'en')).toBe('This number is too large.');
  });
});
