import { describe, expect, it } from 'vitest';
import type { TorrentInfo } from '../bindings';
import { torrentInfo } from '../test/torrentInfo';
import { TorrentStore } from './store';

const info = (state: TorrentInfo['state']): TorrentInfo =>
  torrentInfo({
    name: 'a',
    state,
    output_folder: '/d',
    progress_bytes: 10,
    total_bytes: 10,
    fetched_bytes: 10,
    added_at: 1_700_000_000,
    all_time_downloaded_bytes: 10,
    ratio: 0,
  });

describe('torrent store', () => {
  it('shows a pause made elsewhere from the state_changed event alone', () => {
    const store = new TorrentStore();
    store.replaceAll([info('seeding')]);
    store.apply({ type: 'state_changed', torrent: info('paused'), previous: 'seeding' });
    expect(store.get('aa')?.state).toBe('paused');
    expect(store.getSnapshot().map((t) => t.state)).toEqual(['paused']);
  });
});
