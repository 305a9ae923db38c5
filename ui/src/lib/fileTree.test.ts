import { describe, expect, it } from 'vitest';
import type { TorrentFile } from '../bindings';
import { buildFileTree, checkState, selectedBytes, toggleNode, visibleNodes } from './fileTree';
import { cellsFromBitfield, cellsFromFiles } from './pieces';
import { RateHistory } from './speedHistory';

const f = (index: number, path: string, length: number, progress = 0): TorrentFile => ({
  index,
  path,
  length,
  included: true,
  progress_bytes: progress,
  priority: 'normal',
});

const files = [f(0, 'album/cd1/01.flac', 100), f(1, 'album/cd1/02.flac', 200), f(2, 'album/cover.jpg', 10), f(3, 'readme.txt', 1)];

describe('file tree', () => {
  it('nests folders, folders first, with sizes summed', () => {
    const root = buildFileTree(files);
    expect(root.children.map((c) => c.name)).toEqual(['album', 'readme.txt']);
    const album = root.children[0]!;
    expect(album.length).toBe(310);
    expect(album.children.map((c) => c.name)).toEqual(['cd1', 'cover.jpg']);
  });
  it('shows a folder as mixed when part of it is selected, and toggles all below it', () => {
    const root = buildFileTree(files);
    const album = root.children[0]!;
    expect(checkState(album, new Set([0]))).toBe('mixed');
    expect([...toggleNode(album, new Set([0]))].sort()).toEqual([0, 1, 2]);
    expect([...toggleNode(album, new Set([0, 1, 2, 3]))]).toEqual([3]);
    expect(selectedBytes(files, new Set([1, 3]))).toBe(201);
  });
  it('hides what is inside a collapsed folder', () => {
    const root = buildFileTree(files);
    expect(visibleNodes(root, new Set()).length).toBe(6);
    expect(visibleNodes(root, new Set(['album'])).map((n) => n.node.path)).toEqual(['album', 'readme.txt']);
  });
});

describe('pieces map', () => {
  it('reads a BEP 3 bitfield, high bit first', () => {
    // 0b10100000 0b10000000 → pieces 0, 2 and 8 of 9
    const cells = cellsFromBitfield(btoa(String.fromCharCode(0xa0, 0x80)), 9);
    expect(Array.from(cells.cells)).toEqual([1, 0, 1, 0, 0, 0, 0, 0, 1]);
    expect(cells.exact).toBe(true);
  });
  it('estimates from file progress when there is no bitfield', () => {
    const est = cellsFromFiles([f(0, 'a', 100, 100), f(1, 'b', 100, 0)], 10);
    expect(est.exact).toBe(false);
    expect(Array.from(est.cells)).toEqual([1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
  });
});

describe('rate history', () => {
  it('keeps one sample per second and forgets what is older than ten minutes', () => {
    const h = new RateHistory();
    h.push(1000, 1, 2);
    h.push(1000.5, 3, 4);
    h.push(1001, 5, 6);
    expect(h.series(1001)).toEqual([[1000, 1001], [3, 5], [4, 6]]);
    expect(h.series(1000 + 601)[0]).toEqual([1001]);
    for (let i = 0; i < 700; i += 1) h.push(2000 + i, i, 0);
    expect(h.length).toBe(600);
    expect(h.series(2699)[0][0]).toBe(2100);
  });
});
