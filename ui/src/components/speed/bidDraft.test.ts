import { describe, expect, it } from 'vitest';
import { pickPositions } from '../../pages/Onboarding';
import { BTT, speedSettings } from '../../test/speedSettings';
import { bidFrom, draftFrom, relocaleBidDraft } from './bidDraft';

/** Spending on, with a budget per torrent. */
const speed = speedSettings({ spending_enabled: true, budget_per_torrent: (5n * BTT).toString() });

describe('a torrent bid from the form', () => {
  it('sends no bid for the defaults, and a zero bid for "never pay"', () => {
    expect(bidFrom(draftFrom(null, speed, 'en'), 'en')).toEqual({ ok: true, bid: null });
    expect(bidFrom({ ...draftFrom(null, speed, 'en'), mode: 'off' }, 'en')).toEqual({ ok: true, bid: { spending: false, strategy: 'auto', price_per_gib: '0', budget: '0' } });
  });

  it('starts its own bid from the settings and sends exact base units', () => {
    const draft = { ...draftFrom(null, speed, 'en'), mode: 'own' as const };
    expect(draft).toMatchObject({ price: '50000', budget: '5' });
    expect(bidFrom({ ...draft, price: '0.25', budget: '1.000000000000000001' }, 'en')).toEqual({
      ok: true,
      bid: { spending: true, strategy: 'auto', price_per_gib: (BTT / 4n).toString(), budget: (BTT + 1n).toString() },
    });
  });

  it('reads amounts as the language writes them', () => {
    const own = (locale: string) => ({ ...draftFrom(null, speed, locale), mode: 'own' as const });
    expect(bidFrom({ ...own('de'), price: '0,25', budget: '1.500' }, 'de')).toEqual({
      ok: true,
      bid: { spending: true, strategy: 'auto', price_per_gib: (BTT / 4n).toString(), budget: (1500n * BTT).toString() },
    });
    expect(bidFrom({ ...own('en'), price: '0.25', budget: '1,500' }, 'en')).toMatchObject({ ok: true, bid: { budget: (1500n * BTT).toString() } });
    // "1,5" is not an English amount: refused with the reason, not read as 15 or 1.5.
    expect(bidFrom({ ...own('en'), budget: '1,5' }, 'en')).toEqual({ ok: false, field: 'budget', problem: 'separator' });
  });

  it('refuses its own bid without a price or a budget', () => {
    const draft = { ...draftFrom(null, speed, 'en'), mode: 'own' as const };
    expect(bidFrom({ ...draft, price: '0' }, 'en')).toEqual({ ok: false, field: 'price', problem: 'required' });
    expect(bidFrom({ ...draft, budget: '' }, 'en')).toEqual({ ok: false, field: 'budget', problem: 'required' });
  });

  it('reads a saved bid back into the form, in the language\'s decimal mark', () => {
    const saved = { spending: true, strategy: 'fixed' as const, price_per_gib: ((3n * BTT) / 2n).toString(), budget: (7n * BTT).toString() };
    expect(draftFrom(saved, speed, 'en')).toEqual({ mode: 'own', strategy: 'fixed', price: '1.5', budget: '7' });
    expect(draftFrom(saved, speed, 'de')).toEqual({ mode: 'own', strategy: 'fixed', price: '1,5', budget: '7' });
    expect(bidFrom(draftFrom(saved, speed, 'de'), 'de')).toEqual({ ok: true, bid: saved });
  });
});

describe('a torrent bid across a language switch', () => {
  it('keeps the amounts typed: read in the old language, written in the new one', () => {
    // Regression: "0.125" typed in English was read with German rules as 125 BTT per GiB.
    const typed = { ...draftFrom(null, speed, 'en'), mode: 'own' as const, price: '0.125', budget: '1,500' };
    const german = relocaleBidDraft(typed, 'en', 'de');
    expect(german).toEqual({ ...typed, price: '0,125', budget: '1500' });
    expect(bidFrom(german, 'de')).toEqual(bidFrom(typed, 'en'));
    expect(bidFrom(german, 'de')).toMatchObject({ ok: true, bid: { price_per_gib: (BTT / 8n).toString(), budget: (1500n * BTT).toString() } });
  });

  it('leaves an amount the old language cannot read as typed', () => {
    const typed = { ...draftFrom(null, speed, 'de'), mode: 'own' as const, price: '1,2,3', budget: '' };
    expect(relocaleBidDraft(typed, 'de', 'en')).toEqual(typed);
  });
});

describe('the backup check', () => {
  it('asks three distinct words, in order, within the phrase', () => {
    let seed = 0;
    const random = () => [0.9, 0.1, 0.1, 0.5][seed++ % 4]!;
    expect(pickPositions(12, random)).toEqual([1, 6, 10]);
    for (let i = 0; i < 50; i += 1) {
      const picks = pickPositions(24);
      expect(new Set(picks).size).toBe(3);
      expect(picks.every((p) => p >= 0 && p < 24)).toBe(true);
    }
  });
});
