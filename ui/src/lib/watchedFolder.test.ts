import { describe, expect, it } from 'vitest';
import { fileNameOf, watchedFailedNotice, watchedFolderFrom } from './watchedFolder';

describe('watched folder', () => {
  it('is off when left empty, and keeps a path as typed without its blanks', () => {
    expect(watchedFolderFrom('')).toBeNull();
    expect(watchedFolderFrom('   ')).toBeNull();
    expect(watchedFolderFrom(' /srv/watch ')).toBe('/srv/watch');
  });

  it('names the file alone in the toast, from a POSIX or a Windows path', () => {
    expect(fileNameOf('/home/a/watch/failed/broken.torrent')).toBe('broken.torrent');
    expect(fileNameOf('C:\\Users\\a\\watch\\failed\\x.torrent')).toBe('x.torrent');
    expect(fileNameOf('plain.torrent')).toBe('plain.torrent');
    expect(
      watchedFailedNotice({ type: 'watched_file_failed', file: '/w/failed/bad.torrent', error: { kind: 'invalid_torrent', message: 'not a torrent' } }),
    ).toEqual({ file: 'bad.torrent', message: 'not a torrent' });
  });
});
