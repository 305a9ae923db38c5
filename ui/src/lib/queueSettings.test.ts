import { describe, expect, it } from 'vitest';
import { QUEUE_DEFAULTS } from '../test/queueSettings';
import { kibText, parseMaxActive, parseSeconds, parseSlowRate, queueDraft, readQueueDraft, type QueueDraft } from './queueSettings';

const DEFAULTS = QUEUE_DEFAULTS;

const draft = (patch: Partial<QueueDraft>): QueueDraft => ({ ...queueDraft(DEFAULTS, 'en'), enabled: true, ...patch });

describe('parseMaxActive', () => {
  it('reads a whole count, 0 included, and empty as no limit', () => {
    expect(parseMaxActive(' 1 ')).toBe(1);
    expect(parseMaxActive('0')).toBe(0);
    expect(parseMaxActive('')).toBeNull();
    expect(parseMaxActive('   ')).toBeNull();
    expect(parseMaxActive('4294967295')).toBe(4_294_967_295);
  });
  it('refuses signs, fractions, words and what a u32 cannot hold', () => {
    for (const text of ['-1', 'abc', '1.5', '1e3', '+2', '4294967296']) expect(parseMaxActive(text), text).toBe('invalid');
  });
});

describe('slow thresholds', () => {
  it('reads KiB/s with either decimal mark into bytes per second', () => {
    expect(parseSlowRate('2')).toBe(2048);
    expect(parseSlowRate('1,5')).toBe(1536);
    expect(parseSlowRate('0')).toBe(0);
    for (const text of ['', '-1', 'abc', '1.', '4194304']) expect(parseSlowRate(text), text).toBe('invalid');
    expect(parseSeconds('60')).toBe(60);
    for (const text of ['', '-5', '1.5', 'soon']) expect(parseSeconds(text), text).toBe('invalid');
  });
  it('shows a rate that reads back as the same bytes, in the language of the form', () => {
    expect(kibText(2048, 'en')).toBe('2');
    expect(kibText(1536, 'de')).toBe('1,5');
    for (const bytes of [1, 1500, 1023, 2049, 0xffff_ffff]) expect(parseSlowRate(kibText(bytes, 'de')), String(bytes)).toBe(bytes);
  });
});

describe('readQueueDraft', () => {
  it('gives back the settings it was made from, untouched', () => {
    expect(readQueueDraft(queueDraft(DEFAULTS, 'de'), DEFAULTS)).toEqual({ queue: DEFAULTS });
    const odd = { ...DEFAULTS, enabled: true, max_active_downloads: null, slow_upload_bytes_per_sec: 1500 };
    expect(readQueueDraft(queueDraft(odd, 'en'), DEFAULTS)).toEqual({ queue: odd });
  });

  it('reads what was typed, empty as no limit', () => {
    const read = readQueueDraft(draft({ maxDownloads: '1', maxUploads: '', maxTorrents: '0', ignoreSlow: false }), DEFAULTS);
    expect(read).toEqual({
      queue: { ...DEFAULTS, enabled: true, max_active_downloads: 1, max_active_uploads: null, max_active_torrents: 0, ignore_slow: false },
    });
  });

  it('names the first field in use that does not read', () => {
    expect(readQueueDraft(draft({ maxDownloads: '-1' }), DEFAULTS)).toEqual({ invalid: 'maxDownloads' });
    expect(readQueueDraft(draft({ maxTorrents: 'abc', slowUp: 'x' }), DEFAULTS)).toEqual({ invalid: 'maxTorrents' });
    expect(readQueueDraft(draft({ slowUp: 'fast' }), DEFAULTS)).toEqual({ invalid: 'slowUp' });
    expect(readQueueDraft(draft({ slowAfterSecs: '1.5' }), DEFAULTS)).toEqual({ invalid: 'slowAfterSecs' });
  });

  it('does not check greyed-out fields, which keep what was saved', () => {
    const off = readQueueDraft(draft({ enabled: false, maxDownloads: 'abc', maxUploads: '7', slowDown: '-1' }), DEFAULTS);
    expect(off).toEqual({ queue: { ...DEFAULTS, max_active_uploads: 7 } });
    const counted = readQueueDraft(draft({ ignoreSlow: false, slowAfterSecs: 'never', slowUp: '4' }), DEFAULTS);
    expect(counted).toEqual({ queue: { ...DEFAULTS, enabled: true, ignore_slow: false, slow_upload_bytes_per_sec: 4096 } });
  });
});
