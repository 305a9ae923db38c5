import { describe, expect, it } from 'vitest';
import type { Labels, Response } from '../bindings';
import { callOver } from './call';
import { LabelsMirror } from './labels';

const labels = (tags: string[]): Labels => ({ categories: [{ name: 'Linux', save_path: '/srv/linux', bandwidth_priority: 'normal' }], tags });

/** A core that answers `list_labels` when the test says so. */
function slowCore() {
  const pending: ((r: Response) => void)[] = [];
  const call = callOver(() => new Promise<Response>((ok) => pending.push(ok)));
  const answer = (l: Labels) => pending.shift()?.({ type: 'labels', labels: l });
  return { call, answer };
}

describe('LabelsMirror', () => {
  it('the event and the answer to one change carry the same labels: only the first is news', () => {
    const mirror = new LabelsMirror();
    let told = 0;
    mirror.subscribe(() => (told += 1));
    expect(mirror.get()).toBeNull();
    expect(mirror.set(labels(['iso']))).toBe(true);
    expect(mirror.set(labels(['iso']))).toBe(false);
    expect(told).toBe(1);
    expect(mirror.set(labels(['iso', 'lts']))).toBe(true);
    expect(mirror.get()?.tags).toEqual(['iso', 'lts']);
    expect(told).toBe(2);
  });

  it('loads them, and never lets an older answer replace a change seen since', async () => {
    const mirror = new LabelsMirror();
    const { call, answer } = slowCore();
    const loading = mirror.load(call);
    mirror.set(labels(['renamed']));
    answer(labels(['old']));
    await loading;
    expect(mirror.get()?.tags).toEqual(['renamed']);

    const again = mirror.load(call);
    answer(labels(['new']));
    await again;
    expect(mirror.get()?.tags).toEqual(['new']);
  });
});
