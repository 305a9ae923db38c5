/**
 * The queue's settings as the settings dialog edits them: each number a text, read into
 * the API's `QueueSettings` or the first field that does not parse. No React, no I/O.
 */
import type { QueueSettings } from '../bindings';

/** Counts, rates and seconds travel as a `u32`. */
const MAX_U32 = 0xffff_ffff;

export interface QueueDraft {
  enabled: boolean;
  /** Empty: no limit. */
  maxDownloads: string;
  maxUploads: string;
  maxTorrents: string;
  ignoreSlow: boolean;
  /** In KiB/s, as typed in the dialog's language. */
  slowDown: string;
  slowUp: string;
  slowAfterSecs: string;
}

export type QueueField = 'maxDownloads' | 'maxUploads' | 'maxTorrents' | 'slowDown' | 'slowUp' | 'slowAfterSecs';

const decimalMark = (locale: string) => (locale.toLowerCase().startsWith('de') ? ',' : '.');

/**
 * Bytes per second as KiB/s with up to three decimals: 1.024 bytes a step, so reading
 * the text back gives the same bytes and a form saved untouched changes nothing.
 */
export function kibText(bytesPerSec: number, locale: string): string {
  const kib = Math.round((bytesPerSec / 1024) * 1000) / 1000;
  return String(kib).replace('.', decimalMark(locale));
}

export function queueDraft(queue: QueueSettings, locale: string): QueueDraft {
  const max = (n: number | null) => (n === null ? '' : String(n));
  return {
    enabled: queue.enabled,
    maxDownloads: max(queue.max_active_downloads),
    maxUploads: max(queue.max_active_uploads),
    maxTorrents: max(queue.max_active_torrents),
    ignoreSlow: queue.ignore_slow,
    slowDown: kibText(queue.slow_download_bytes_per_sec, locale),
    slowUp: kibText(queue.slow_upload_bytes_per_sec, locale),
    slowAfterSecs: String(queue.slow_after_secs),
  };
}

/** How many may run at once: a whole number, 0 or more; empty for no limit (`null`). */
export function parseMaxActive(text: string): number | null | 'invalid' {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  return parseWhole(trimmed);
}

/** A slow torrent's threshold typed in KiB/s (either decimal mark), as bytes per second. */
export function parseSlowRate(text: string): number | 'invalid' {
  const trimmed = text.trim();
  if (!/^\d+(?:[.,]\d+)?$/.test(trimmed)) return 'invalid';
  const bytes = Math.round(Number(trimmed.replace(',', '.')) * 1024);
  return bytes <= MAX_U32 ? bytes : 'invalid';
}

/** A whole number of seconds. */
export function parseSeconds(text: string): number | 'invalid' {
  return parseWhole(text.trim());
}

function parseWhole(text: string): number | 'invalid' {
  if (!/^\d+$/.test(text)) return 'invalid';
  const value = Number(text);
  return value <= MAX_U32 ? value : 'invalid';
}

/**
 * The settings the form holds, or the first field in use that does not parse. Fields
 * greyed out (the queue off, or slow torrents counted) are not checked: they keep what
 * they hold when it reads, else what `saved` had, as the schedule's times do.
 */
export function readQueueDraft(draft: QueueDraft, saved: QueueSettings): { queue: QueueSettings } | { invalid: QueueField } {
  const maxes: [QueueField, string, number | null][] = [
    ['maxDownloads', draft.maxDownloads, saved.max_active_downloads],
    ['maxUploads', draft.maxUploads, saved.max_active_uploads],
    ['maxTorrents', draft.maxTorrents, saved.max_active_torrents],
  ];
  const slow: [QueueField, number | 'invalid', number][] = [
    ['slowDown', parseSlowRate(draft.slowDown), saved.slow_download_bytes_per_sec],
    ['slowUp', parseSlowRate(draft.slowUp), saved.slow_upload_bytes_per_sec],
    ['slowAfterSecs', parseSeconds(draft.slowAfterSecs), saved.slow_after_secs],
  ];
  const readMaxes: (number | null)[] = [];
  for (const [field, text, before] of maxes) {
    const value = parseMaxActive(text);
    if (value === 'invalid' && draft.enabled) return { invalid: field };
    readMaxes.push(value === 'invalid' ? before : value);
  }
  const readSlow: number[] = [];
  for (const [field, value, before] of slow) {
    if (value === 'invalid' && draft.enabled && draft.ignoreSlow) return { invalid: field };
    readSlow.push(value === 'invalid' ? before : value);
  }
  const [downloads, uploads, torrents] = readMaxes as [number | null, number | null, number | null];
  const [slowDown, slowUp, slowAfter] = readSlow as [number, number, number];
  return {
    queue: {
      enabled: draft.enabled,
      max_active_downloads: downloads,
      max_active_uploads: uploads,
      max_active_torrents: torrents,
      ignore_slow: draft.ignoreSlow,
      slow_download_bytes_per_sec: slowDown,
      slow_upload_bytes_per_sec: slowUp,
      slow_after_secs: slowAfter,
    },
  };
}
