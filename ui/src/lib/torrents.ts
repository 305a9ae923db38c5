/**
 * State logic of the torrents view: which filter a torrent belongs to (its category and
 * tags: `labels`; its trackers: `trackers`), search, the derived numbers (progress, ratio), the names a user may
 * give a torrent, and selection helpers. No React, no I/O.
 */
import type { TorrentInfo, TorrentState } from '../bindings';
import { matchesLabels, NO_LABEL_FILTERS, type LabelFilters } from './labels';
import { ALL_TRACKERS, matchesTracker, type TrackerFilter } from './trackers';

export const FILTERS = ['all', 'downloading', 'seeding', 'queued', 'paused', 'completed', 'moving', 'error'] as const;
export type StateFilter = (typeof FILTERS)[number];

export function isStateFilter(value: unknown): value is StateFilter {
  return (FILTERS as readonly unknown[]).includes(value);
}

export function isComplete(t: Pick<TorrentInfo, 'progress_bytes' | 'total_bytes'>): boolean {
  return t.total_bytes > 0 && t.progress_bytes >= t.total_bytes;
}

export function matchesFilter(t: TorrentInfo, filter: StateFilter): boolean {
  switch (filter) {
    case 'all':
      return true;
    // Resolving and checking are steps on the way to downloading.
    case 'downloading':
      return t.state === 'downloading' || t.state === 'resolving' || t.state === 'checking';
    case 'seeding':
      return t.state === 'seeding';
    // Waiting for a place in the queue: not the user's pause, so not under Paused.
    case 'queued':
      return t.state === 'queued';
    case 'paused':
      return t.state === 'paused';
    case 'completed':
      return isComplete(t);
    // Its data on its way to another folder: neither downloading nor seeding meanwhile.
    case 'moving':
      return t.state === 'moving';
    case 'error':
      return t.state === 'error';
  }
}

/** Every word of the query must appear in the name or the info hash (case-insensitive). */
export function matchesSearch(t: TorrentInfo, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = `${t.name ?? ''} ${t.id}`.toLowerCase();
  return words.every((w) => haystack.includes(w));
}

/** The torrents the state filter, the category, tag and tracker filters and the search all let through. */
export function filterTorrents(
  torrents: readonly TorrentInfo[],
  filter: StateFilter,
  query: string,
  labels: LabelFilters = NO_LABEL_FILTERS,
  tracker: TrackerFilter = ALL_TRACKERS,
): TorrentInfo[] {
  return torrents.filter((t) => matchesFilter(t, filter) && matchesLabels(t, labels) && matchesTracker(t, tracker) && matchesSearch(t, query));
}

export function countByFilter(torrents: readonly TorrentInfo[]): Record<StateFilter, number> {
  const counts = Object.fromEntries(FILTERS.map((f) => [f, 0])) as Record<StateFilter, number>;
  for (const t of torrents) {
    for (const f of FILTERS) if (matchesFilter(t, f)) counts[f] += 1;
  }
  return counts;
}

/** Bytes of the selected files still to fetch; never below zero (verified bytes may run ahead of a total that is being changed). */
export function remainingBytes(t: Pick<TorrentInfo, 'progress_bytes' | 'total_bytes'>): number {
  return Math.max(0, t.total_bytes - t.progress_bytes);
}

export function progressFraction(t: TorrentInfo): number {
  if (t.state === 'checking' && t.total_bytes > 0) return Math.min(1, t.checked_bytes / t.total_bytes);
  return t.total_bytes > 0 ? Math.min(1, t.progress_bytes / t.total_bytes) : 0;
}

/**
 * The share ratio: the core's own when it sends one; otherwise uploaded over what we
 * hold (a seeder that never downloaded still has a meaningful ratio). `null` when there
 * is nothing to divide by.
 */
export function shareRatio(t: TorrentInfo): number | null {
  if (typeof t.ratio === 'number') return t.ratio;
  const base = Math.max(t.fetched_bytes, t.progress_bytes);
  return base > 0 ? t.uploaded_bytes / base : null;
}

export function displayName(t: Pick<TorrentInfo, 'name' | 'id'>): string {
  return t.name ?? t.id;
}

/** Longest name a torrent can be given, in characters (crates/api `MAX_TORRENT_NAME_CHARS`). */
export const MAX_TORRENT_NAME_CHARS = 255;

/** Why the core would refuse a name for a torrent (crates/api `TorrentName`, `bad_request`). */
export const TORRENT_NAME_PROBLEMS = ['tooLong', 'space', 'control', 'invisible'] as const;
export type TorrentNameProblem = (typeof TORRENT_NAME_PROBLEMS)[number];

/**
 * The core's checks, in its order: the length, Rust's `trim` (the Unicode White_Space
 * property), `char::is_control` (the category Cc), and the invisible formatting
 * characters with which one name could pass for another in the list: bidirectional
 * overrides and isolates, zero-width characters, the byte-order mark, the Arabic letter
 * mark, the soft hyphen, the Mongolian vowel separator, and line and paragraph
 * separators (they break a line).
 */
function torrentNameProblem(name: string): TorrentNameProblem | null {
  if ([...name].length > MAX_TORRENT_NAME_CHARS) return 'tooLong';
  if (/^\p{White_Space}|\p{White_Space}$/u.test(name)) return 'space';
  if (/\p{Cc}/u.test(name)) return 'control';
  if (/[\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF\u2028\u2029\u061C\u00AD\u180E]/u.test(name)) return 'invisible';
  return null;
}

export type TorrentNameResult = { ok: true; name: string | null } | { ok: false; problem: TorrentNameProblem };

/**
 * The Rename dialog's field: the name to send, or `null` for an empty field, which gives
 * the torrent its own name back (`rename_torrent`). Not trimmed: a space at either end is
 * shown as a problem to fix rather than dropped unseen.
 */
export function readTorrentName(text: string): TorrentNameResult {
  if (text === '') return { ok: true, name: null };
  const problem = torrentNameProblem(text);
  return problem ? { ok: false, problem } : { ok: true, name: text };
}

/**
 * Whether the selection is better served by Pause (something runs or waits in the queue)
 * or Resume. A queued torrent is already waiting to run, so it is paused, not resumed.
 */
export function toggleAction(states: readonly TorrentState[]): 'pause' | 'resume' | null {
  if (states.length === 0) return null;
  return states.some((s) => s !== 'paused' && s !== 'error') ? 'pause' : 'resume';
}

/** Extends a selection Shift-click style: everything between anchor and target, in view order. */
export function rangeSelection(orderedIds: readonly string[], anchor: string, target: string): string[] {
  const a = orderedIds.indexOf(anchor);
  const b = orderedIds.indexOf(target);
  if (a < 0 || b < 0) return [target];
  const [lo, hi] = a < b ? [a, b] : [b, a];
  return orderedIds.slice(lo, hi + 1);
}

/** A pasted or dropped text that looks like a magnet link (it may still be invalid). */
export function looksLikeMagnet(text: string): boolean {
  return /^\s*magnet:\?/i.test(text);
}

export function looksLikeTorrentUrl(text: string): boolean {
  return /^\s*https?:\/\/\S+$/i.test(text);
}
