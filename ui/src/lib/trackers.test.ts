import { describe, expect, it } from 'vitest';
import type { TrackerStatus } from '../bindings';
import { torrentInfo } from '../test/torrentInfo';
import {
  ALL_TRACKERS,
  countByTracker,
  isTrackerFilter,
  matchesTracker,
  MAX_TRACKER_URL_CHARS,
  MAX_TRACKERS,
  readTrackerList,
  readTrackerUrl,
  sameTrackerFilter,
  trackerFilterInForce,
  trackerHost,
  trackerUrlProblem,
  type TrackerFilter,
} from './trackers';
import { filterTorrents } from './torrents';

describe('tracker URLs', () => {
  it('takes http, https and udp URLs with a host, as the core does', () => {
    for (const good of [
      'http://tracker.example/announce',
      'https://t.example:8443/a/passkey123/announce?x=1',
      'udp://tracker.example:6969/announce',
      'udp://[::1]:6969',
      'http://127.0.0.1:6969/announce',
    ]) {
      expect(trackerUrlProblem(good), good).toBeNull();
    }
  });

  it('refuses what the core refuses, saying why', () => {
    for (const [bad, problem] of [
      ['', 'empty'],
      ['file:///etc/passwd', 'scheme'],
      ['javascript:alert(1)', 'scheme'],
      ['ws://t.example/announce', 'scheme'],
      ['ftp://x/announce', 'scheme'],
      // Taken for a URL with the scheme "tracker.example".
      ['tracker.example:6969', 'scheme'],
      ['udp://tracker.example/announce', 'noPort'],
      ['udp://tracker.example:/announce', 'noPort'],
      ['udp:///announce', 'noHost'],
      ['http://t.example/ann ounce', 'notPrintable'],
      ['http://t.example/\nannounce', 'notPrintable'],
      ['http://t.example/\tannounce', 'notPrintable'],
      ['http://t.example/annonce\u202E', 'notPrintable'],
      ['http://bücher.example/announce', 'notPrintable'],
      ['udp://:6969/announce', 'notUrl'],
      ['/announce', 'notUrl'],
    ] as const) {
      expect(trackerUrlProblem(bad), bad).toBe(problem);
    }
  });

  it('takes a URL of the longest length and not one character more', () => {
    const base = 'http://t.example/';
    const longest = base + 'a'.repeat(MAX_TRACKER_URL_CHARS - base.length);
    expect(trackerUrlProblem(longest)).toBeNull();
    expect(trackerUrlProblem(`${longest}a`)).toBe('tooLong');
  });

  it('drops spaces at either end of what was typed', () => {
    expect(readTrackerUrl('  udp://t.example:6969/announce \t')).toEqual({ ok: true, url: 'udp://t.example:6969/announce' });
    expect(readTrackerUrl('   ')).toEqual({ ok: false, url: '', problem: 'empty' });
  });

  it('names the host lower-cased, as the sidebar groups by it', () => {
    expect(trackerHost('udp://Tracker.Example:6969/announce')).toBe('tracker.example');
    expect(trackerHost('http://[::1]:80/a')).toBe('[::1]');
    expect(trackerHost('http://127.0.0.1:9/announce')).toBe('127.0.0.1');
    expect(trackerHost(null)).toBe('');
    expect(trackerHost('not a url')).toBe('');
  });
});

describe('the Add trackers list', () => {
  it('one URL per line, blank lines skipped, each once in the order typed', () => {
    const text = 'udp://b.example:6969/announce\r\n\n  http://a.example/announce  \n\nudp://b.example:6969/announce\n';
    expect(readTrackerList(text, [])).toEqual({ ok: true, urls: ['udp://b.example:6969/announce', 'http://a.example/announce'] });
  });

  it('names the first bad line by its number, blank lines counted', () => {
    expect(readTrackerList('http://a.example/announce\n\nftp://x/announce\nbad too', [])).toEqual({
      ok: false,
      error: { kind: 'line', line: 3, url: 'ftp://x/announce', problem: 'scheme' },
    });
  });

  it('nothing but blank lines is nothing to add', () => {
    expect(readTrackerList(' \n\n', [])).toEqual({ ok: false, error: { kind: 'none' } });
  });

  it('refuses more trackers than a torrent may have; those it has already count once', () => {
    const existing = Array.from({ length: MAX_TRACKERS - 1 }, (_, i) => `http://t${i}.example/announce`);
    const one = 'http://new.example/announce';
    expect(readTrackerList(`${one}\n${existing[0]}`, existing)).toEqual({ ok: true, urls: [one, existing[0]] });
    expect(readTrackerList(`${one}\nhttp://other.example/announce`, existing)).toEqual({ ok: false, error: { kind: 'tooMany', total: MAX_TRACKERS + 1 } });
  });
});

const tracked = (id: string, tracker_status: TrackerStatus | null, tracker_hosts: string[] = []) => torrentInfo({ id, tracker_status, tracker_hosts });

const list = [
  tracked('a', 'working', ['127.0.0.1', 'tracker.example']),
  tracked('b', 'not_working', ['tracker.example']),
  tracked('c', 'updating', ['a.example']),
  tracked('d', null),
  tracked('e', null),
  // A host the core could not name is under All only.
  tracked('f', 'not_contacted', ['']),
];

describe('the sidebar Trackers section', () => {
  it('counts All, Trackerless, Error and each host, the hosts sorted', () => {
    expect(countByTracker(list)).toEqual({
      all: 6,
      none: 2,
      error: 1,
      hosts: [
        ['127.0.0.1', 1],
        ['a.example', 1],
        ['tracker.example', 2],
      ],
    });
    expect(countByTracker([])).toEqual({ all: 0, none: 0, error: 0, hosts: [] });
  });

  it('a host that shares its name with an object property is counted as any other', () => {
    expect(countByTracker([tracked('x', 'working', ['constructor'])]).hosts).toEqual([['constructor', 1]]);
  });

  it('each entry lets through what it counts', () => {
    const ids = (filter: TrackerFilter) => list.filter((t) => matchesTracker(t, filter)).map((t) => t.id);
    expect(ids(ALL_TRACKERS)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(ids({ kind: 'none' })).toEqual(['d', 'e']);
    expect(ids({ kind: 'error' })).toEqual(['b']);
    expect(ids({ kind: 'host', host: 'tracker.example' })).toEqual(['a', 'b']);
    expect(ids({ kind: 'host', host: 'gone.example' })).toEqual([]);
  });

  it('combines with the state filter, the search and the labels', () => {
    const mixed = [
      torrentInfo({ id: 'p', name: 'alpha', state: 'paused', tracker_status: 'working', tracker_hosts: ['t.example'], category: 'Linux' }),
      torrentInfo({ id: 'q', name: 'alpha two', state: 'seeding', tracker_status: 'working', tracker_hosts: ['t.example'], category: 'Linux' }),
      torrentInfo({ id: 'r', name: 'alpha three', state: 'seeding', tracker_status: null, category: 'Linux' }),
    ];
    const host: TrackerFilter = { kind: 'host', host: 't.example' };
    const labels = { category: { kind: 'named', name: 'Linux' }, tag: { kind: 'all' } } as const;
    expect(filterTorrents(mixed, 'all', 'alpha', labels, host).map((t) => t.id)).toEqual(['p', 'q']);
    expect(filterTorrents(mixed, 'seeding', 'alpha', labels, host).map((t) => t.id)).toEqual(['q']);
    expect(filterTorrents(mixed, 'seeding', '', labels, { kind: 'none' }).map((t) => t.id)).toEqual(['r']);
    // Left out, the tracker filter lets everything through.
    expect(filterTorrents(mixed, 'seeding', '').map((t) => t.id)).toEqual(['q', 'r']);
  });

  it('a host no torrent has any more shows everything; the others stand, and all stand before the list is known', () => {
    const counts = countByTracker(list);
    expect(trackerFilterInForce({ kind: 'host', host: 'gone.example' }, counts)).toEqual(ALL_TRACKERS);
    expect(trackerFilterInForce({ kind: 'host', host: 'a.example' }, counts)).toEqual({ kind: 'host', host: 'a.example' });
    expect(trackerFilterInForce({ kind: 'error' }, countByTracker([]))).toEqual({ kind: 'error' });
    expect(trackerFilterInForce({ kind: 'host', host: 'gone.example' }, null)).toEqual({ kind: 'host', host: 'gone.example' });
  });

  it('a filter read back from storage is checked', () => {
    expect(isTrackerFilter({ kind: 'host', host: 'a.example' })).toBe(true);
    expect(isTrackerFilter({ kind: 'error' })).toBe(true);
    expect(isTrackerFilter({ kind: 'host' })).toBe(false);
    expect(isTrackerFilter({ kind: 'named', name: 'x' })).toBe(false);
    expect(isTrackerFilter(null)).toBe(false);
  });

  it('two filters are the same only for the same entry', () => {
    expect(sameTrackerFilter({ kind: 'host', host: 'a' }, { kind: 'host', host: 'a' })).toBe(true);
    expect(sameTrackerFilter({ kind: 'host', host: 'a' }, { kind: 'host', host: 'b' })).toBe(false);
    expect(sameTrackerFilter({ kind: 'none' }, { kind: 'error' })).toBe(false);
    expect(sameTrackerFilter(ALL_TRACKERS, { kind: 'all' })).toBe(true);
  });
});
