/**
 * One change sent to several torrents: what came of it (so a toast can say which ones
 * failed and why), and the starting values of a dialog that edits several torrents at
 * once. No React, no I/O.
 */
import type { RateLimits, TorrentInfo } from '../bindings';
import { kibPerSecText, parseKibPerSec } from './format';
import { displayName } from './torrents';

export interface BulkTarget {
  id: string;
  /** What the toast calls it: its name, or its id while it has none. */
  name: string;
}

/** The target for a torrent as last known; one gone from the list meanwhile is named by its id. */
export function bulkTarget(id: string, known: Pick<TorrentInfo, 'id' | 'name'> | undefined): BulkTarget {
  return { id, name: known ? displayName(known) : id };
}

export interface BulkFailure {
  name: string;
  message: string;
}

export interface BulkOutcome {
  done: number;
  total: number;
  /** In the order the torrents were given. */
  failures: BulkFailure[];
}

/** Each target's result, paired by position; a rejection's reason is an `ApiError` or anything with a message. */
export function bulkOutcome(targets: readonly BulkTarget[], results: readonly PromiseSettledResult<unknown>[]): BulkOutcome {
  const failures: BulkFailure[] = [];
  results.forEach((r, i) => {
    if (r.status === 'rejected') failures.push({ name: targets[i]?.name ?? '?', message: reasonText(r.reason) });
  });
  return { done: results.length - failures.length, total: results.length, failures };
}

function reasonText(reason: unknown): string {
  if (typeof reason === 'object' && reason !== null && typeof (reason as { message?: unknown }).message === 'string') {
    return (reason as { message: string }).message;
  }
  return String(reason);
}

/**
 * The failures a toast names, "name: message; name: message", at most `max` of them
 * (a toast is no place for a hundred), and how many more there were.
 */
export function failureList(failures: readonly BulkFailure[], max = 3): { text: string; more: number } {
  const shown = failures.slice(0, max).map((f) => `${f.name}: ${f.message}`);
  return { text: shown.join('; '), more: Math.max(0, failures.length - max) };
}

/** The value every item has, or `mixed` when they differ; `none` for no items. */
export function sharedValue<T>(values: readonly T[], same: (a: T, b: T) => boolean): { value: T } | 'mixed' | 'none' {
  const first = values[0];
  if (values.length === 0 || first === undefined) return 'none';
  return values.every((v) => same(first, v)) ? { value: first } : 'mixed';
}

/**
 * One field of the speed limits dialog for several torrents. While `keep` (their limits
 * differ and the field was not touched) each torrent keeps its own; otherwise the text,
 * in KiB/s, empty for unlimited, applies to all.
 */
export interface LimitField {
  text: string;
  keep: boolean;
}

/** A limit to set: bytes per second, `null` for none, or `keep` each torrent's own. */
export type BulkLimit = number | null | 'keep';

/** The field for these torrents' limits in one direction: the one they share, or `keep` when they differ. */
export function limitField(bytesPerSec: readonly (number | null)[]): LimitField {
  const shared = sharedValue(bytesPerSec, (a, b) => a === b);
  return typeof shared === 'object' ? { text: kibPerSecText(shared.value), keep: false } : { text: '', keep: shared === 'mixed' };
}

export function readLimitField(field: LimitField): BulkLimit | 'invalid' {
  return field.keep ? 'keep' : parseKibPerSec(field.text);
}

/** A torrent's limits once the dialog applies `down` and `up` to it. */
export function withBulkLimits(current: RateLimits, down: Exclude<BulkLimit, 'invalid'>, up: Exclude<BulkLimit, 'invalid'>): RateLimits {
  return {
    download_bytes_per_sec: down === 'keep' ? current.download_bytes_per_sec : down,
    upload_bytes_per_sec: up === 'keep' ? current.upload_bytes_per_sec : up,
  };
}

/** The changes sent to several torrents at once; each has its toasts under `bulk.<kind>`. */
export const BULK_KINDS = ['pause', 'resume', 'remove', 'limits', 'seeding', 'bid', 'queue', 'forceStart', 'priority', 'sequential', 'firstLast', 'recheck', 'reannounce', 'location', 'category', 'tagAdd', 'tagRemove'] as const;
export type BulkKind = (typeof BULK_KINDS)[number];

/**
 * Those that say so when all went well: the table shows a pause, a removal, a queue move
 * (the # column), a forced start (`[F]`), a recheck (Checking) or a move (Moving) at
 * once, not a new limit or bid, nor a bandwidth priority, a category or tags (their
 * columns are hidden at first), nor the piece order (it has no column), nor a reannounce
 * (only the Trackers tab shows it).
 */
export const ANNOUNCED_KINDS: ReadonlySet<BulkKind> = new Set<BulkKind>(['limits', 'seeding', 'bid', 'priority', 'sequential', 'firstLast', 'reannounce', 'category', 'tagAdd', 'tagRemove']);

/**
 * Those sent as one request naming every torrent (`move_in_queue`, `set_force_start`,
 * `set_bandwidth_priority`, `set_sequential`, `set_first_last_pieces_first`, `recheck`, `reannounce`,
 * `set_torrent_category`, `add_torrent_tags`, `remove_torrent_tags`), which the core answers once: "ok", or one
 * error. A failure has no "2 of 3" to report, so their `failed` toast has a form for one
 * torrent and one for several (`failed_one`, `failed_other`) instead of a `partial` one.
 * (Set location sends one request per torrent, so something in the way stops only that
 * one's move.)
 */
export const ONE_REQUEST_KINDS: ReadonlySet<BulkKind> = new Set<BulkKind>(['queue', 'forceStart', 'priority', 'sequential', 'firstLast', 'recheck', 'reannounce', 'category', 'tagAdd', 'tagRemove']);

/** A toast as an i18n key under `bulk.<kind>.` and its values; `failures` still to be joined with "and N more". */
export interface BulkToast {
  kind: 'info' | 'error';
  key: string;
  values: { count: number; name: string; done: number; total: number; message?: string };
  failures?: { text: string; more: number };
}

/**
 * What one toast says of a change sent to `targets`: nothing when all went well and the
 * table shows it; "Applied to x" when it does not; for one torrent that failed, why; and
 * for several with a failure, how many went through and which failed ("Paused 2 of 3:
 * x: why").
 */
export function bulkToast(kind: BulkKind, targets: readonly BulkTarget[], outcome: BulkOutcome): BulkToast | null {
  const values = { count: outcome.total, name: targets[0]?.name ?? '', done: outcome.done, total: outcome.total };
  if (outcome.failures.length === 0) return ANNOUNCED_KINDS.has(kind) && outcome.total > 0 ? { kind: 'info', key: `bulk.${kind}.ok`, values } : null;
  const first = outcome.failures[0]!;
  if (outcome.total === 1) return { kind: 'error', key: `bulk.${kind}.failed`, values: { ...values, name: first.name, message: first.message } };
  return { kind: 'error', key: `bulk.${kind}.partial`, values, failures: failureList(outcome.failures) };
}

/**
 * What one toast says of one request that named all of `targets`: nothing, or "Applied
 * to x", when it went through; otherwise the core's reason, once ("Could not move 3
 * torrents in the queue: why").
 */
export function oneRequestToast(kind: BulkKind, targets: readonly BulkTarget[], result: PromiseSettledResult<unknown>): BulkToast | null {
  const total = targets.length;
  const values = { count: total, name: targets[0]?.name ?? '', done: result.status === 'fulfilled' ? total : 0, total };
  if (result.status === 'fulfilled') return ANNOUNCED_KINDS.has(kind) && total > 0 ? { kind: 'info', key: `bulk.${kind}.ok`, values } : null;
  return { kind: 'error', key: `bulk.${kind}.failed`, values: { ...values, message: reasonText(result.reason) } };
}
