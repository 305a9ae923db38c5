import { describe, expect, it } from 'vitest';
import type { SeedingLimits } from '../bindings';
import { NO_SEEDING_LIMITS, parseMinutes, parseRatio, ratioText, reachedNotice, readSeedingDraft, sameSeedingLimits, seedingDraft, seedingSummary } from './seedingLimits';

const limits = (patch: Partial<SeedingLimits>): SeedingLimits => ({ ...NO_SEEDING_LIMITS, ...patch });

describe('parseRatio', () => {
  it('reads a ratio with either decimal mark', () => {
    expect(parseRatio('2')).toBe(2);
    expect(parseRatio(' 1.5 ')).toBe(1.5);
    expect(parseRatio('1,5')).toBe(1.5);
    expect(parseRatio('0')).toBe(0);
    expect(parseRatio('10000')).toBe(10_000);
  });
  it('refuses what the core would refuse, and what is not a plain number', () => {
    for (const text of ['', '-1', 'abc', 'NaN', 'Infinity', '10000.5', '1e3', '1.000,5', '1.', '.5']) expect(parseRatio(text), text).toBe('invalid');
  });
});

describe('parseMinutes', () => {
  it('reads whole minutes up to what a u32 holds', () => {
    expect(parseMinutes('90')).toBe(90);
    expect(parseMinutes('0')).toBe(0);
    expect(parseMinutes('4294967295')).toBe(4_294_967_295);
  });
  it('refuses fractions, signs and overflow', () => {
    for (const text of ['', '1.5', '-5', 'ten', '4294967296']) expect(parseMinutes(text), text).toBe('invalid');
  });
});

describe('seedingDraft and readSeedingDraft', () => {
  it('round-trip limits, in both languages', () => {
    const own = limits({ ratio: 1.5, seeding_minutes: 90, action: 'remove' });
    expect(readSeedingDraft(seedingDraft(own, 'en'))).toEqual({ limits: own });
    const german = seedingDraft(own, 'de');
    expect(german.ratio).toBe('1,5');
    expect(readSeedingDraft(german)).toEqual({ limits: own });
  });
  it('starts a limit that is off from a default, and ignores its text while it is off', () => {
    const draft = seedingDraft(NO_SEEDING_LIMITS, 'en');
    expect(draft).toMatchObject({ ratioOn: false, ratio: '1', seedingOn: false, seedingMinutes: '1440', inactiveOn: false });
    expect(readSeedingDraft({ ...draft, ratio: 'abc' })).toEqual({ limits: NO_SEEDING_LIMITS });
  });
  it('names the first ticked field that does not parse', () => {
    const draft = seedingDraft(NO_SEEDING_LIMITS, 'en');
    expect(readSeedingDraft({ ...draft, ratioOn: true, ratio: '-1' })).toEqual({ invalid: 'ratio' });
    expect(readSeedingDraft({ ...draft, seedingOn: true, seedingMinutes: '1.5' })).toEqual({ invalid: 'seedingMinutes' });
    expect(readSeedingDraft({ ...draft, inactiveOn: true, inactiveMinutes: '' })).toEqual({ invalid: 'inactiveMinutes' });
  });
});

describe('ratioText', () => {
  it('writes the decimal mark of the language', () => {
    expect(ratioText(2.25, 'en')).toBe('2.25');
    expect(ratioText(2.25, 'de-DE')).toBe('2,25');
  });
});

describe('sameSeedingLimits', () => {
  it('tells following the settings from having own limits, even none', () => {
    expect(sameSeedingLimits(null, null)).toBe(true);
    expect(sameSeedingLimits(null, NO_SEEDING_LIMITS)).toBe(false);
    expect(sameSeedingLimits(limits({ ratio: 2 }), limits({ ratio: 2 }))).toBe(true);
    expect(sameSeedingLimits(limits({ ratio: 2 }), limits({ ratio: 2, action: 'remove' }))).toBe(false);
  });
});

describe('seedingSummary', () => {
  it('lists the limits set and the action, or none', () => {
    expect(seedingSummary(NO_SEEDING_LIMITS)).toEqual([{ key: 'sumNone' }]);
    expect(seedingSummary(limits({ ratio: 2, inactive_minutes: 30, action: 'remove' }))).toEqual([
      { key: 'sumRatio', values: { ratio: 2 } },
      { key: 'sumInactive', values: { minutes: 30 } },
      { key: 'sumThenRemove' },
    ]);
  });
});

describe('reachedNotice', () => {
  it('names the limit and the action, and the id while there is no name', () => {
    const id = 'ab'.repeat(20);
    expect(reachedNotice({ type: 'seeding_limit_reached', id, name: 'album', limit: 'ratio', action: 'pause' })).toEqual({
      key: 'reachedPause',
      limitKey: 'limitRatio',
      name: 'album',
    });
    expect(reachedNotice({ type: 'seeding_limit_reached', id, name: null, limit: 'inactive_time', action: 'remove' })).toEqual({
      key: 'reachedRemove',
      limitKey: 'limitInactiveTime',
      name: id,
    });
  });
});
