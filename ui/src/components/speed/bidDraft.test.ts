import { describe, expect, it } from 'vitest';
import type { SpeedSettings } from '../../bindings';
import { pickPositions } from '../../pages/Onboarding';
import { bidFrom, draftFrom } from './bidDraft';

const BTT = 10n ** 18n;
const speed: SpeedSettings = {
  spending_enabled: true,
  strategy: 'auto',
  fixed_price_per_gib: BTT.toString(),
  max_price_per_gib: (10n * BTT).toString(),
  budget_per_torrent: (5n * BTT).toString(),
  earning_enabled: false,
  ask_per_gib: BTT.toString(),
  credit_window_bytes: 4 << 20,
  exposure_cap: (100n * BTT).toString(),
  settlement_threshold: (50n * BTT).toString(),
};

describe('a torrent bid from the form', () => {
  it('sends no bid for the defaults, and a zero bid for "never pay"', () => {
    expect(bidFrom(draftFrom(null, speed))).toEqual({ ok: true, bid: null });
    expect(bidFrom({ ...draftFrom(null, speed), mode: 'off' })).toEqual({ ok: true, bid: { spending: false, strategy: 'auto', price_per_gib: '0', budget: '0' } });
  });

  it('starts its own bid from the settings and sends exact base units', () => {
    const draft = { ...draftFrom(null, speed), mode: 'own' as const };
    expect(draft).toMatchObject({ price: '10', budget: '5' });
    expect(bidFrom({ ...draft, price: '0,25', budget: '1.000000000000000001' })).toEqual({
      ok: true,
      bid: { spending: true, strategy: 'auto', price_per_gib: (BTT / 4n).toString(), budget: (BTT + 1n).toString() },
    });
  });

  it('refuses its own bid without a price or a budget', () => {
    const draft = { ...draftFrom(null, speed), mode: 'own' as const };
    expect(bidFrom({ ...draft, price: '0' })).toEqual({ ok: false, field: 'price' });
    expect(bidFrom({ ...draft, budget: '' })).toEqual({ ok: false, field: 'budget' });
  });

  it('reads a saved bid back into the form', () => {
    expect(draftFrom({ spending: true, strategy: 'fixed', price_per_gib: (3n * BTT).toString(), budget: (7n * BTT).toString() }, speed)).toEqual({ mode: 'own', strategy: 'fixed', price: '3', budget: '7' });
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
