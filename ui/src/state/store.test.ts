import { describe, expect, it } from 'vitest';
import type { TorrentInfo } from '../bindings';
import { TorrentStore } from './store';

const info = (state: TorrentInfo['state']): TorrentInfo => ({
  id: 'aa',
  name: 'a',
  magnet: 'magnet:?xt=urn:btih:aa',
  state,
  output_folder: '/d',
  progress_bytes: 10,
  total_bytes: 10,
  checked_bytes: 0,
  fetched_bytes: 10,
  uploaded_bytes: 0,
  download_bytes_per_sec: 0,
  upload_bytes_per_sec: 0,
  eta_secs: null,
  peers: 0,
  reached: { incoming: 0, outgoing: 0, utp: 0, encrypted: 0, refused_plaintext: 0, missed_haves: 0 },
  error: null,
  limits: { download_bytes_per_sec: null, upload_bytes_per_sec: null },
  files: [],
  piece_length: null,
  pieces: null,
  added_at: 1_700_000_000,
  all_time_uploaded_bytes: 0,
  all_time_downloaded_bytes: 10,
  ratio: 0,
  created_by: null,
  comment: null,
  creation_date: null,
  seeding_limits: null,
  seeding_secs: 0,
  inactive_secs: 0,
  queue_position: 1,
  force_start: false,
  bandwidth_priority: 'normal',
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
