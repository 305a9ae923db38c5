import { describe, expect, it } from 'vitest';
import de from '../i18n/de.json';
import en from '../i18n/en.json';
import {
  ANNOUNCED_KINDS,
  BULK_KINDS,
  bulkOutcome,
  bulkTarget,
  bulkToast,
  failureList,
  limitField,
  ONE_REQUEST_KINDS,
  oneRequestToast,
  readLimitField,
  sharedValue,
  withBulkLimits,
  type BulkTarget,
} from './bulk';

const targets: BulkTarget[] = [
  { id: 'a', name: 'one.bin' },
  { id: 'b', name: 'two.bin' },
  { id: 'c', name: 'three.bin' },
];
const ok = (value: unknown = null): PromiseSettledResult<unknown> => ({ status: 'fulfilled', value });
const failed = (message: string): PromiseSettledResult<unknown> => ({ status: 'rejected', reason: { kind: 'unknown_torrent', message } });

describe('bulk outcome and toast', () => {
  it('all went well: no toast where the table shows it, "applied to" where it does not', () => {
    const outcome = bulkOutcome(targets, [ok(), ok(), ok()]);
    expect(outcome).toEqual({ done: 3, total: 3, failures: [] });
    expect(bulkToast('pause', targets, outcome)).toBeNull();
    expect(bulkToast('remove', targets, outcome)).toBeNull();
    expect(bulkToast('limits', targets, outcome)).toEqual({ kind: 'info', key: 'bulk.limits.ok', values: { count: 3, name: 'one.bin', done: 3, total: 3 } });
  });

  it('a partial failure is an error naming how many went through and which failed, why', () => {
    const outcome = bulkOutcome(targets, [ok(), failed('no such torrent'), ok()]);
    expect(outcome).toEqual({ done: 2, total: 3, failures: [{ name: 'two.bin', message: 'no such torrent' }] });
    expect(bulkToast('pause', targets, outcome)).toEqual({
      kind: 'error',
      key: 'bulk.pause.partial',
      values: { count: 3, name: 'one.bin', done: 2, total: 3 },
      failures: { text: 'two.bin: no such torrent', more: 0 },
    });
  });

  it('all failing is still reported as 0 of n', () => {
    const toast = bulkToast('resume', targets, bulkOutcome(targets, [failed('x'), failed('y'), failed('z')]));
    expect(toast).toMatchObject({ kind: 'error', key: 'bulk.resume.partial', values: { done: 0, total: 3 } });
    expect(toast?.failures?.text).toBe('one.bin: x; two.bin: y; three.bin: z');
  });

  it('one torrent that failed: its own message, not "0 of 1"', () => {
    const one = targets.slice(0, 1);
    expect(bulkToast('seeding', one, bulkOutcome(one, [failed('refused')]))).toEqual({
      kind: 'error',
      key: 'bulk.seeding.failed',
      values: { count: 1, name: 'one.bin', done: 0, total: 1, message: 'refused' },
    });
  });

  it('a reason without a message (a thrown string) is still shown', () => {
    expect(bulkOutcome(targets.slice(0, 1), [{ status: 'rejected', reason: 'boom' }]).failures).toEqual([{ name: 'one.bin', message: 'boom' }]);
  });

  it('names at most three failures and counts the rest', () => {
    const many = Array.from({ length: 5 }, (_, i) => ({ name: `t${i}`, message: 'e' }));
    expect(failureList(many)).toEqual({ text: 't0: e; t1: e; t2: e', more: 2 });
  });

  it('a torrent gone from the list is named by its id', () => {
    expect(bulkTarget('ab12', undefined)).toEqual({ id: 'ab12', name: 'ab12' });
    expect(bulkTarget('ab12', { id: 'ab12', name: null })).toEqual({ id: 'ab12', name: 'ab12' });
    expect(bulkTarget('ab12', { id: 'ab12', name: 'x' })).toEqual({ id: 'ab12', name: 'x' });
  });

  it('every kind has its toasts in both languages', () => {
    type Tree = Record<string, Record<string, Record<string, string>>>;
    for (const tree of [en, de] as unknown as Tree[]) {
      for (const kind of BULK_KINDS) {
        const keys = tree.bulk![kind]!;
        if (ONE_REQUEST_KINDS.has(kind)) {
          // One error for them all: said of one torrent or of several, never "2 of 3".
          expect(typeof keys.failed_one === 'string' && typeof keys.failed_other === 'string', kind).toBe(true);
        } else {
          expect(typeof keys.partial, kind).toBe('string');
          expect(typeof keys.failed, kind).toBe('string');
        }
        if (ANNOUNCED_KINDS.has(kind)) expect(typeof keys.ok_one === 'string' && typeof keys.ok_other === 'string', kind).toBe(true);
      }
    }
  });
});

describe('one request for several torrents', () => {
  it('went through: silent where the table shows it, announced for a bandwidth priority or sequential order', () => {
    expect(oneRequestToast('queue', targets, ok())).toBeNull();
    expect(oneRequestToast('forceStart', targets, ok())).toBeNull();
    expect(oneRequestToast('priority', targets.slice(0, 2), ok())).toEqual({
      kind: 'info',
      key: 'bulk.priority.ok',
      values: { count: 2, name: 'one.bin', done: 2, total: 2 },
    });
    // No column shows it: only the toast says it took.
    expect(oneRequestToast('sequential', targets, ok())).toMatchObject({ kind: 'info', key: 'bulk.sequential.ok', values: { count: 3 } });
  });

  it('refused: one error with the core\'s reason, counting every torrent it named, none done', () => {
    expect(oneRequestToast('queue', targets, failed('no torrent 3f…'))).toEqual({
      kind: 'error',
      key: 'bulk.queue.failed',
      values: { count: 3, name: 'one.bin', done: 0, total: 3, message: 'no torrent 3f…' },
    });
    expect(oneRequestToast('forceStart', targets.slice(1, 2), failed('refused'))).toMatchObject({ kind: 'error', values: { count: 1, name: 'two.bin', message: 'refused' } });
  });
});

describe('values shared by several torrents', () => {
  it('one value when all agree, mixed when not, none for no torrents', () => {
    const same = (a: number | null, b: number | null) => a === b;
    expect(sharedValue([5, 5], same)).toEqual({ value: 5 });
    expect(sharedValue([null, null], same)).toEqual({ value: null });
    expect(sharedValue([5, null], same)).toBe('mixed');
    expect(sharedValue([], same)).toBe('none');
  });

  it('a limit field starts from the shared limit in KiB/s, or keeps each torrent its own when they differ', () => {
    expect(limitField([102_400, 102_400])).toEqual({ text: '100', keep: false });
    expect(limitField([null, null])).toEqual({ text: '', keep: false });
    expect(limitField([102_400, null])).toEqual({ text: '', keep: true });
  });

  it('a kept field keeps each torrent its own; a typed one applies to all; empty is unlimited', () => {
    const current = { download_bytes_per_sec: 1024, upload_bytes_per_sec: 2048 };
    const down = readLimitField({ text: '', keep: true });
    const up = readLimitField({ text: '50', keep: false });
    expect(down).toBe('keep');
    expect(up).toBe(51_200);
    if (down === 'invalid' || up === 'invalid') throw new Error('unreachable');
    expect(withBulkLimits(current, down, up)).toEqual({ download_bytes_per_sec: 1024, upload_bytes_per_sec: 51_200 });
    expect(withBulkLimits(current, null, 'keep')).toEqual({ download_bytes_per_sec: null, upload_bytes_per_sec: 2048 });
    expect(readLimitField({ text: 'fast', keep: false })).toBe('invalid');
  });
});
