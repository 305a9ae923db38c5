/**
 * State logic of the details panel's controls: file priorities, per-torrent limits and
 * bandwidth priority. No React, no I/O.
 */
import type { BandwidthPriority, FilePriority, RateLimits, TorrentFile } from '../bindings';
import { parseKibPerSec } from './format';

/** In the order the menu lists them. */
export const FILE_PRIORITIES: readonly FilePriority[] = ['skip', 'low', 'normal', 'high'];

export function isFilePriority(value: string): value is FilePriority {
  return (FILE_PRIORITIES as readonly string[]).includes(value);
}

/** In the order the select lists them. */
export const BANDWIDTH_PRIORITIES: readonly BandwidthPriority[] = ['low', 'normal', 'high'];

export function isBandwidthPriority(value: string): value is BandwidthPriority {
  return (BANDWIDTH_PRIORITIES as readonly string[]).includes(value);
}

/**
 * The files as they will be once the core applies `priority` to `indices`, for an
 * immediate answer on screen; the core's reply replaces it. `null` when the change would
 * leave nothing selected, which the core refuses.
 */
export function withPriority(files: readonly TorrentFile[], indices: readonly number[], priority: FilePriority): TorrentFile[] | null {
  const chosen = new Set(indices);
  const next = files.map((f) => (chosen.has(f.index) ? { ...f, priority, included: priority !== 'skip' } : f));
  return next.some((f) => f.included) ? next : null;
}

/** The limits typed into the editor, in KiB/s; `'invalid'` when either is not a number. */
export function limitsFromText(down: string, up: string): RateLimits | 'invalid' {
  const d = parseKibPerSec(down);
  const u = parseKibPerSec(up);
  if (d === 'invalid' || u === 'invalid') return 'invalid';
  return { download_bytes_per_sec: d, upload_bytes_per_sec: u };
}

export function sameLimits(a: RateLimits, b: RateLimits): boolean {
  return (a.download_bytes_per_sec ?? null) === (b.download_bytes_per_sec ?? null) && (a.upload_bytes_per_sec ?? null) === (b.upload_bytes_per_sec ?? null);
}
