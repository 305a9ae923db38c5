/** A torrent for unit tests: an empty 100-byte torrent, changed where a test says. */
import type { TorrentInfo } from '../bindings';

export function torrentInfo(overrides: Partial<TorrentInfo> = {}): TorrentInfo {
  const id = overrides.id ?? 'aa';
  return {
    id,
    name: id,
    magnet: `magnet:?xt=urn:btih:${id}`,
    state: 'downloading',
    output_folder: '/tmp',
    progress_bytes: 0,
    total_bytes: 100,
    checked_bytes: 0,
    fetched_bytes: 0,
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
    added_at: null,
    all_time_uploaded_bytes: 0,
    all_time_downloaded_bytes: 0,
    ratio: null,
    created_by: null,
    comment: null,
    creation_date: null,
    seeding_limits: null,
    seeding_secs: 0,
    inactive_secs: 0,
    queue_position: 1,
    force_start: false,
    bandwidth_priority: 'normal',
    category: null,
    tags: [],
    ...overrides,
  };
}
