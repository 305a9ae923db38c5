import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, FilePriority, TorrentFile, TorrentInfo } from '../../bindings';
import { FILE_PRIORITIES, isFilePriority, withPriority } from '../../lib/torrentControls';
import { useApp } from '../../state/app';
import { FileTree } from '../FileTree';

/**
 * The Files tab: tick files in or out, or give each a priority; both apply at once.
 * A folder's checkbox sets all its files (selection), a file's menu its priority.
 */
export function FilesTab({ torrent }: { torrent: TorrentInfo }) {
  const { t } = useTranslation();
  const { call, store, notify } = useApp();
  const [pending, setPending] = useState(false);
  if (torrent.files.length === 0) {
    return <p className="empty-note">{t(torrent.state === 'resolving' ? 'files.resolving' : 'files.none')}</p>;
  }
  const selected = new Set(torrent.files.filter((f) => f.included).map((f) => f.index));

  const send = async (files: number[], priority: FilePriority) => {
    const optimistic = withPriority(torrent.files, files, priority);
    if (!optimistic) {
      notify('error', t('files.needOne'));
      return;
    }
    setPending(true);
    store.upsert({ ...torrent, files: optimistic });
    try {
      const r = await call({ type: 'set_file_priority', id: torrent.id, files, priority });
      store.upsert(r.torrent);
    } catch (e) {
      store.upsert(torrent);
      notify('error', (e as ApiError).message);
    } finally {
      setPending(false);
    }
  };

  // Ticking a folder changes many files: those that go out are skipped, those that come
  // in are downloaded at normal priority.
  const changeSelection = (next: Set<number>) => {
    const added = torrent.files.filter((f) => !f.included && next.has(f.index)).map((f) => f.index);
    const removed = torrent.files.filter((f) => f.included && !next.has(f.index)).map((f) => f.index);
    if (next.size === 0) {
      notify('error', t('files.needOne'));
      return;
    }
    void (async () => {
      if (added.length > 0) await send(added, 'normal');
      if (removed.length > 0) await send(removed, 'skip');
    })();
  };

  const menu = (file: TorrentFile) => (
    <select
      className="priority-select"
      value={file.priority}
      disabled={pending}
      aria-label={t('files.priorityOf', { name: file.path })}
      data-testid={`priority-${file.index}`}
      onChange={(e) => {
        const value = e.target.value;
        if (isFilePriority(value)) void send([file.index], value);
      }}
    >
      {FILE_PRIORITIES.map((p) => (
        <option key={p} value={p}>
          {t(`files.priorities.${p}`)}
        </option>
      ))}
    </select>
  );

  return (
    <>
      <FileTree files={torrent.files} selected={selected} onChange={changeSelection} showProgress disabled={pending} fileExtra={menu} />
      <p className="hint">{t('files.priorityNote')}</p>
    </>
  );
}
