/**
 * Seeding limits as the settings and the details panel edit them: each limit a checkbox
 * and a text, read into the API's `SeedingLimits` or the first field that does not
 * parse. No React, no I/O.
 */
import type { Event, SeedingAction, SeedingLimits } from '../bindings';

/** The core refuses a ratio above this (`SeedingLimits::check`). */
export const MAX_RATIO = 10_000;
/** Minutes travel as a `u32`. */
const MAX_MINUTES = 0xffff_ffff;

/** What a limit's text starts as when it is off: qBittorrent's defaults. */
const DEFAULT_RATIO = 1;
const DEFAULT_MINUTES = 1440;

export interface SeedingDraft {
  ratioOn: boolean;
  ratio: string;
  seedingOn: boolean;
  seedingMinutes: string;
  inactiveOn: boolean;
  inactiveMinutes: string;
  action: SeedingAction;
}

export type SeedingField = 'ratio' | 'seedingMinutes' | 'inactiveMinutes';

export const NO_SEEDING_LIMITS: SeedingLimits = { ratio: null, seeding_minutes: null, inactive_minutes: null, action: 'pause' };

/** A ratio as typed in `locale`: `1.5`, or `1,5` in German; no grouping. */
export function ratioText(ratio: number, locale: string): string {
  const text = String(ratio);
  return locale.toLowerCase().startsWith('de') ? text.replace('.', ',') : text;
}

/** The form for `limits`; a limit that is off keeps a default to start from when ticked. */
export function seedingDraft(limits: SeedingLimits, locale: string): SeedingDraft {
  return {
    ratioOn: limits.ratio !== null,
    ratio: ratioText(limits.ratio ?? DEFAULT_RATIO, locale),
    seedingOn: limits.seeding_minutes !== null,
    seedingMinutes: String(limits.seeding_minutes ?? DEFAULT_MINUTES),
    inactiveOn: limits.inactive_minutes !== null,
    inactiveMinutes: String(limits.inactive_minutes ?? DEFAULT_MINUTES),
    action: limits.action,
  };
}

/** A ratio from 0 to `MAX_RATIO`, with `.` or `,` as the decimal mark. */
export function parseRatio(text: string): number | 'invalid' {
  const trimmed = text.trim();
  if (!/^\d+(?:[.,]\d+)?$/.test(trimmed)) return 'invalid';
  const value = Number(trimmed.replace(',', '.'));
  return Number.isFinite(value) && value <= MAX_RATIO ? value : 'invalid';
}

/** A whole number of minutes. */
export function parseMinutes(text: string): number | 'invalid' {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return 'invalid';
  const value = Number(trimmed);
  return value <= MAX_MINUTES ? value : 'invalid';
}

/** The limits the form holds, or the first ticked field that does not parse. */
export function readSeedingDraft(draft: SeedingDraft): { limits: SeedingLimits } | { invalid: SeedingField } {
  let ratio: number | null = null;
  let seeding: number | null = null;
  let inactive: number | null = null;
  if (draft.ratioOn) {
    const r = parseRatio(draft.ratio);
    if (r === 'invalid') return { invalid: 'ratio' };
    ratio = r;
  }
  if (draft.seedingOn) {
    const m = parseMinutes(draft.seedingMinutes);
    if (m === 'invalid') return { invalid: 'seedingMinutes' };
    seeding = m;
  }
  if (draft.inactiveOn) {
    const m = parseMinutes(draft.inactiveMinutes);
    if (m === 'invalid') return { invalid: 'inactiveMinutes' };
    inactive = m;
  }
  return { limits: { ratio, seeding_minutes: seeding, inactive_minutes: inactive, action: draft.action } };
}

export function sameSeedingLimits(a: SeedingLimits | null, b: SeedingLimits | null): boolean {
  if (a === null || b === null) return a === b;
  return a.ratio === b.ratio && a.seeding_minutes === b.seeding_minutes && a.inactive_minutes === b.inactive_minutes && a.action === b.action;
}

/** One piece of a summary: an i18n key under `seeding.` and its values. */
export interface SummaryPart {
  key: 'sumRatio' | 'sumSeeding' | 'sumInactive' | 'sumNone' | 'sumThenPause' | 'sumThenRemove';
  values?: { ratio?: number; minutes?: number };
}

/** "ratio 2 · 90 min seeding · then pause", as keys; no limit set is `sumNone` alone. */
export function seedingSummary(limits: SeedingLimits): SummaryPart[] {
  const parts: SummaryPart[] = [];
  if (limits.ratio !== null) parts.push({ key: 'sumRatio', values: { ratio: limits.ratio } });
  if (limits.seeding_minutes !== null) parts.push({ key: 'sumSeeding', values: { minutes: limits.seeding_minutes } });
  if (limits.inactive_minutes !== null) parts.push({ key: 'sumInactive', values: { minutes: limits.inactive_minutes } });
  if (parts.length === 0) return [{ key: 'sumNone' }];
  parts.push({ key: limits.action === 'remove' ? 'sumThenRemove' : 'sumThenPause' });
  return parts;
}

type SeedingLimitReached = Extract<Event, { type: 'seeding_limit_reached' }>;

export interface ReachedNotice {
  /** Under `seeding.`: what happened to the torrent. */
  key: 'reachedPause' | 'reachedRemove';
  /** Under `seeding.`: which limit it reached. */
  limitKey: 'limitRatio' | 'limitSeedingTime' | 'limitInactiveTime';
  /** Its name, or its id while it has no metadata. */
  name: string;
}

/** The toast for a torrent stopped at a seeding limit, as i18n keys and the name. */
export function reachedNotice(event: SeedingLimitReached): ReachedNotice {
  const limitKey = event.limit === 'ratio' ? 'limitRatio' : event.limit === 'seeding_time' ? 'limitSeedingTime' : 'limitInactiveTime';
  return { key: event.action === 'remove' ? 'reachedRemove' : 'reachedPause', limitKey, name: event.name ?? event.id };
}
