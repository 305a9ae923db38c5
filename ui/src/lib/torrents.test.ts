import { describe, expect, it } from 'vitest';
import type { TorrentInfo, TorrentState } from '../bindings';
import { torrentInfo } from '../test/torrentInfo';
import type { LabelFilters } from './labels';
import { countByFilter, filterTorrents, isStateFilter, looksLikeMagnet, matchesSearch, rangeSelection, readTorrentName, remainingBytes, shareRatio, toggleAction, type StateFilter } from './torrents';

function torrent(id: string, state: TorrentState, progress = 0, total = 100, name: string | null = id): TorrentInfo {
  return torrentInfo({
    id,
    name,
    state,
    progress_bytes: progress,
    total_bytes: total,
    fetched_bytes: progress,
    all_time_downloaded_bytes: progress,
  });
}

const list = [
  torrent('a1', 'downloading', 10, 100, 'Debian netinst'),
  torrent('b2', 'resolving', 0, 0, null),
  torrent('c3', 'seeding', 100, 100, 'Ubuntu ISO'),
  torrent('d4', 'paused', 100, 100, 'Arch'),
  torrent('e5', 'paused', 5, 100, 'Fedora'),
  torrent('f6', 'error', 0, 100, 'Broken'),
  torrent('g7', 'queued', 0, 100, 'Waiting'),
  torrent('h8', 'moving', 100, 100, 'Relocating'),
];

describe('state filters', () => {
  it('counts each torrent in every filter it belongs to', () => {
    expect(countByFilter(list)).toEqual({ all: 8, downloading: 2, seeding: 1, queued: 1, paused: 2, completed: 3, moving: 1, error: 1 });
  });
  it('keeps a torrent waiting in the queue apart from paused and downloading ones', () => {
    expect(filterTorrents(list, 'queued', '').map((t) => t.id)).toEqual(['g7']);
    expect(filterTorrents(list, 'paused', '').map((t) => t.id)).not.toContain('g7');
    expect(filterTorrents(list, 'downloading', '').map((t) => t.id)).not.toContain('g7');
  });
  it('knows a saved filter, and nothing else', () => {
    expect(isStateFilter('queued')).toBe(true);
    expect(isStateFilter('stalled')).toBe(false);
    expect(isStateFilter(null)).toBe(false);
  });
  it('treats fetching metadata as downloading, and completion apart from state', () => {
    expect(filterTorrents(list, 'downloading', '').map((t) => t.id)).toEqual(['a1', 'b2']);
    expect(filterTorrents(list, 'completed', '').map((t) => t.id)).toEqual(['c3', 'd4', 'h8']);
  });
  it('shows a torrent whose data is moving under Moving only: neither downloading nor seeding meanwhile', () => {
    expect(filterTorrents(list, 'moving', '').map((t) => t.id)).toEqual(['h8']);
    for (const f of ['downloading', 'seeding', 'queued', 'paused', 'error'] as const) expect(filterTorrents(list, f, '').map((t) => t.id), f).not.toContain('h8');
    expect(isStateFilter('moving')).toBe(true);
  });
  it('combines the state filter, the category and tag filters and the search', () => {
    const labelled = [
      { ...torrent('l1', 'seeding', 100, 100, 'Debian'), category: 'Linux', tags: ['iso'] },
      { ...torrent('l2', 'paused', 100, 100, 'Ubuntu'), category: 'Linux', tags: ['iso', 'lts'] },
      { ...torrent('l3', 'seeding', 100, 100, 'Film'), category: null, tags: [] },
    ];
    const ids = (state: StateFilter, query: string, labels: LabelFilters) => filterTorrents(labelled, state, query, labels).map((t) => t.id);
    expect(ids('all', '', { category: { kind: 'named', name: 'Linux' }, tag: { kind: 'all' } })).toEqual(['l1', 'l2']);
    expect(ids('seeding', '', { category: { kind: 'named', name: 'Linux' }, tag: { kind: 'all' } })).toEqual(['l1']);
    expect(ids('all', '', { category: { kind: 'all' }, tag: { kind: 'named', name: 'lts' } })).toEqual(['l2']);
    expect(ids('all', '', { category: { kind: 'none' }, tag: { kind: 'none' } })).toEqual(['l3']);
    expect(ids('all', 'ubu', { category: { kind: 'named', name: 'Linux' }, tag: { kind: 'named', name: 'iso' } })).toEqual(['l2']);
    // Without label filters, as before.
    expect(filterTorrents(labelled, 'all', '').length).toBe(3);
  });
});

describe('search', () => {
  it('needs every word, in name or info hash, case-insensitive', () => {
    expect(matchesSearch(list[0]!, 'debian NET')).toBe(true);
    expect(matchesSearch(list[0]!, 'debian ubuntu')).toBe(false);
    expect(matchesSearch(list[1]!, 'b2')).toBe(true);
    expect(filterTorrents(list, 'paused', 'fed').map((t) => t.id)).toEqual(['e5']);
  });
});

describe('selection helpers', () => {
  it('space pauses when anything runs, else resumes', () => {
    expect(toggleAction(['paused', 'downloading'])).toBe('pause');
    expect(toggleAction(['paused', 'error'])).toBe('resume');
    // Waiting in the queue is not paused: Space pauses it.
    expect(toggleAction(['queued'])).toBe('pause');
    expect(toggleAction(['paused', 'queued'])).toBe('pause');
    expect(toggleAction([])).toBeNull();
  });
  it('shift-selects a range in view order, either direction', () => {
    const ids = ['a', 'b', 'c', 'd'];
    expect(rangeSelection(ids, 'b', 'd')).toEqual(['b', 'c', 'd']);
    expect(rangeSelection(ids, 'c', 'a')).toEqual(['a', 'b', 'c']);
    expect(rangeSelection(ids, 'x', 'a')).toEqual(['a']);
  });
});

describe('share ratio', () => {
  it('uses what we hold when nothing was downloaded (a seeder from local data)', () => {
    expect(shareRatio({ ...torrent('s', 'seeding', 100, 100), fetched_bytes: 0, uploaded_bytes: 250 })).toBe(2.5);
    expect(shareRatio(torrent('n', 'resolving', 0, 0))).toBeNull();
    expect(shareRatio({ ...torrent('r', 'seeding'), ratio: 0.7 })).toBe(0.7);
  });
});

describe('remaining bytes', () => {
  it('is what is left of the selected files, and never negative', () => {
    expect(remainingBytes(torrent('d', 'downloading', 30, 100))).toBe(70);
    expect(remainingBytes(torrent('s', 'seeding', 100, 100))).toBe(0);
    expect(remainingBytes(torrent('x', 'seeding', 120, 100))).toBe(0);
  });
});

describe('a name typed for a torrent', () => {
  const problem = (text: string) => {
    const read = readTorrentName(text);
    return read.ok ? null : read.problem;
  };

  it('refuses what crates/api refuses, before it is sent', () => {
    expect(problem('x'.repeat(256))).toBe('tooLong');
    // Characters, not UTF-16 units.
    expect(problem('😀'.repeat(255))).toBeNull();
    expect(problem('é'.repeat(255))).toBeNull();
    for (const bad of ['new\nline', 'tab\there', 'nul\u0000', 'a\u0085b']) expect(problem(bad), JSON.stringify(bad)).toBe('control');
    // Bidi overrides and isolates, zero-width characters, the byte-order mark: one name could pass for another.
    for (const c of ['\u200B', '\u200D', '\u200F', '\u202A', '\u202E', '\u2060', '\u2064', '\u2066', '\u2069', '\uFEFF', '\u2028', '\u2029', '\u061C', '\u00AD', '\u180E'])
      expect(problem(`adm${c}nimda`), c.codePointAt(0)!.toString(16)).toBe('invisible');
    // Unlike a category or tag it names nothing on disk.
    for (const good of ['Debian 12/amd64, netinst', '日本語', 'a\u00A0b', 'x']) expect(problem(good), good).toBeNull();
  });

  it('a space at either end is shown to be fixed, not trimmed unseen', () => {
    for (const bad of [' Debian', 'Debian ', '   ', '\u00A0Debian', 'Debian\u3000', '\tDebian']) expect(problem(bad), JSON.stringify(bad)).toBe('space');
    // The core's order: a byte-order mark is not a space to Rust's `trim`, so it is the invisible character.
    expect(problem('\uFEFFDebian')).toBe('invisible');
    expect(readTorrentName('Debian 12')).toEqual({ ok: true, name: 'Debian 12' });
  });

  it('an empty field gives the torrent its own name back', () => {
    expect(readTorrentName('')).toEqual({ ok: true, name: null });
  });
});

describe('paste detection', () => {
  it('recognises magnet links, even invalid ones, and nothing else', () => {
    expect(looksLikeMagnet('  magnet:?xt=urn:btih:zzz')).toBe(true);
    expect(looksLikeMagnet('hello magnet:?')).toBe(false);
  });
});
