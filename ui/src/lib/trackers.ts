/**
 * A torrent's trackers as the torrents view uses them: the URLs a user may type (the
 * core's own checks, so a bad one is explained before anything is sent), the host a
 * tracker runs on, and the sidebar's Trackers filter and its counts. No React, no I/O.
 */
import type { TorrentInfo, TrackerStatus } from '../bindings';

/** Longest tracker URL the core takes (crates/api `MAX_TRACKER_URL_CHARS`). */
export const MAX_TRACKER_URL_CHARS = 1024;

/** Most trackers one torrent may have (crates/api `MAX_TRACKERS`). */
export const MAX_TRACKERS = 100;

export const TRACKER_STATUSES = ['not_contacted', 'updating', 'working', 'not_working'] as const satisfies readonly TrackerStatus[];

/** Why the core would refuse a tracker URL (crates/api `TrackerUrl`, `bad_request`). */
export const TRACKER_URL_PROBLEMS = ['empty', 'tooLong', 'notPrintable', 'notUrl', 'scheme', 'noHost', 'noPort'] as const;
export type TrackerUrlProblem = (typeof TRACKER_URL_PROBLEMS)[number];

const TRACKER_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:', 'udp:']);

/**
 * The core's checks, in its order: the length; printable ASCII only (Rust's
 * `is_ascii_graphic`, so no space or control character, and a name in another script
 * comes in its punycode form); a URL at all; http, https or udp; a host; and for udp a
 * port, since UDP trackers have no default one. Both parse by the WHATWG URL standard.
 */
export function trackerUrlProblem(url: string): TrackerUrlProblem | null {
  if (url === '') return 'empty';
  if (url.length > MAX_TRACKER_URL_CHARS) return 'tooLong';
  if (!/^[\x21-\x7e]+$/.test(url)) return 'notPrintable';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'notUrl';
  }
  if (!TRACKER_PROTOCOLS.has(parsed.protocol)) return 'scheme';
  if (parsed.hostname === '') return 'noHost';
  if (parsed.protocol === 'udp:' && parsed.port === '') return 'noPort';
  return null;
}

export type TrackerUrlResult = { ok: true; url: string } | { ok: false; url: string; problem: TrackerUrlProblem };

/** One URL as typed, spaces at either end dropped (a pasted line often has one). */
export function readTrackerUrl(text: string): TrackerUrlResult {
  const url = text.trim();
  const problem = trackerUrlProblem(url);
  return problem ? { ok: false, url, problem } : { ok: true, url };
}

/** What is wrong with a list of URLs: nothing typed, a bad line (counted from 1), or more trackers than a torrent may have. */
export type TrackerListError =
  | { kind: 'none' }
  | { kind: 'line'; line: number; url: string; problem: TrackerUrlProblem }
  | { kind: 'tooMany'; total: number };

export type TrackerListResult = { ok: true; urls: string[] } | { ok: false; error: TrackerListError };

/**
 * The Add trackers dialog's text: one URL per line, blank lines skipped, each URL once
 * in the order typed. The first bad line is named by its number. A URL the torrent has
 * already (`existing`) is sent all the same (the core leaves it as it is) but not counted
 * twice against `MAX_TRACKERS`.
 */
export function readTrackerList(text: string, existing: readonly string[]): TrackerListResult {
  const urls = new Set<string>();
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const read = readTrackerUrl(line);
    if (!read.ok) return { ok: false, error: { kind: 'line', line: i + 1, url: read.url, problem: read.problem } };
    urls.add(read.url);
  }
  if (urls.size === 0) return { ok: false, error: { kind: 'none' } };
  const total = new Set([...existing, ...urls]).size;
  if (total > MAX_TRACKERS) return { ok: false, error: { kind: 'tooMany', total } };
  return { ok: true, urls: [...urls] };
}

/**
 * The host a tracker runs on, lower-cased, as the core names it in `tracker_hosts`
 * (`TrackerUrl::host`); empty for no tracker or one that does not parse.
 */
export function trackerHost(url: string | null): string {
  if (url === null) return '';
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return '';
  }
}

/** A sidebar entry: every torrent, those without trackers, those whose every tracker failed, or those with a tracker on this host. */
export type TrackerFilter = { kind: 'all' } | { kind: 'none' } | { kind: 'error' } | { kind: 'host'; host: string };

export const ALL_TRACKERS: TrackerFilter = { kind: 'all' };

/** A filter read back from this browser's storage. */
export function isTrackerFilter(value: unknown): value is TrackerFilter {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { kind?: unknown; host?: unknown };
  return v.kind === 'all' || v.kind === 'none' || v.kind === 'error' || (v.kind === 'host' && typeof v.host === 'string');
}

export function sameTrackerFilter(a: TrackerFilter, b: TrackerFilter): boolean {
  return a.kind === b.kind && (a.kind !== 'host' || (b.kind === 'host' && a.host === b.host));
}

/** What the filter needs of a torrent. */
export type TrackedTorrent = Pick<TorrentInfo, 'tracker_hosts' | 'tracker_status'>;

export function matchesTracker(t: TrackedTorrent, filter: TrackerFilter): boolean {
  switch (filter.kind) {
    case 'all':
      return true;
    // The core sends no status for a torrent without trackers.
    case 'none':
      return t.tracker_status === null;
    case 'error':
      return t.tracker_status === 'not_working';
    case 'host':
      return t.tracker_hosts.includes(filter.host);
  }
}

/** How many torrents each entry of the sidebar's Trackers section shows, over all torrents (whatever the other filters). */
export interface TrackerCounts {
  all: number;
  none: number;
  error: number;
  /** Every host some torrent has a tracker on, sorted, with how many torrents have one there. */
  hosts: [host: string, count: number][];
}

/**
 * In one pass over the torrents, each torrent's own hosts counted (a torrent lists each
 * of its hosts once), so a thousand torrents stay cheap at every update.
 */
export function countByTracker(torrents: readonly TrackedTorrent[]): TrackerCounts {
  const hosts = new Map<string, number>();
  let none = 0;
  let error = 0;
  for (const t of torrents) {
    if (t.tracker_status === null) none += 1;
    else if (t.tracker_status === 'not_working') error += 1;
    for (const host of t.tracker_hosts) if (host !== '') hosts.set(host, (hosts.get(host) ?? 0) + 1);
  }
  const sorted = [...hosts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { all: torrents.length, none, error, hosts: sorted };
}

/**
 * The filter in force: one naming a host no torrent has any more (its last tracker there
 * removed or edited) shows everything, as a category that is gone does. While the list
 * is not known yet (`null`) it stands.
 */
export function trackerFilterInForce(filter: TrackerFilter, counts: TrackerCounts | null): TrackerFilter {
  if (filter.kind !== 'host' || counts === null || counts.hosts.some(([host]) => host === filter.host)) return filter;
  return ALL_TRACKERS;
}
