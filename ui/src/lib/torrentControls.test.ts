import { describe, expect, it } from 'vitest';
import type { TorrentFile } from '../bindings';
import { isBandwidthPriority, isFilePriority, limitsFromText, sameLimits, withPriority } from './torrentControls';

const file = (index: number, included = true): TorrentFile => ({
  index,
  path: `f${index}`,
  length: 10,
  included,
  progress_bytes: 0,
  priority: included ? 'normal' : 'skip',
});

describe('file priority', () => {
  it('skip deselects a file and any other priority selects it', () => {
    const files = [file(0), file(1), file(2, false)];
    const next = withPriority(files, [0], 'skip')!;
    expect(next.map((f) => [f.priority, f.included])).toEqual([
      ['skip', false],
      ['normal', true],
      ['skip', false],
    ]);
    const back = withPriority(next, [2], 'high')!;
    expect(back[2]).toMatchObject({ priority: 'high', included: true });
    expect(files[0]!.included).toBe(true);
  });

  it('refuses to skip the last selected file, as the core does', () => {
    expect(withPriority([file(0), file(1, false)], [0], 'skip')).toBeNull();
  });

  it('knows the four priorities and nothing else', () => {
    expect(['skip', 'low', 'normal', 'high'].every(isFilePriority)).toBe(true);
    expect(isFilePriority('urgent')).toBe(false);
  });

  it('knows the three bandwidth priorities, and skip is not one', () => {
    expect(['low', 'normal', 'high'].every(isBandwidthPriority)).toBe(true);
    expect(isBandwidthPriority('skip')).toBe(false);
  });
});

describe('per-torrent limits', () => {
  it('reads KiB/s, empty or 0 as unlimited, and rejects garbage', () => {
    expect(limitsFromText('100', '')).toEqual({ download_bytes_per_sec: 102400, upload_bytes_per_sec: null });
    expect(limitsFromText('0', '1,5')).toEqual({ download_bytes_per_sec: null, upload_bytes_per_sec: 1536 });
    expect(limitsFromText('fast', '1')).toBe('invalid');
    expect(limitsFromText('1', '-2')).toBe('invalid');
  });

  it('compares limits with unset and null alike', () => {
    expect(sameLimits({ download_bytes_per_sec: null, upload_bytes_per_sec: 5 }, { download_bytes_per_sec: null, upload_bytes_per_sec: 5 })).toBe(true);
    expect(sameLimits({ download_bytes_per_sec: 1, upload_bytes_per_sec: null }, { download_bytes_per_sec: null, upload_bytes_per_sec: null })).toBe(false);
  });
});
