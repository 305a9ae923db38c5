import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TorrentInfo, TrackerInfo } from '../../bindings';
import { bulkTarget } from '../../lib/bulk';
import { formatDateTime } from '../../lib/format';
import { useAction } from '../../state/action';
import { useApp } from '../../state/app';
import { useOneRequest } from '../../state/bulk';
import { useTrackers } from '../../state/queries';
import { FormError } from '../FormError';
import { AddTrackersDialog, EditTrackerDialog, type TrackerChange } from './TrackerDialogs';

type OpenDialog = { kind: 'add' } | { kind: 'edit'; url: string };

/**
 * The Trackers tab: the torrent's trackers and how each one's last announce went, asked
 * for again while the tab shows. Trackers are added, edited and removed here, and
 * Reannounce announces to them all now. Give it `key={torrent.id}`: the ticked trackers
 * belong to one torrent.
 */
export function TrackersTab({ torrent }: { torrent: TorrentInfo }) {
  const { t } = useTranslation();
  const { call, store } = useApp();
  const trackers = useTrackers(torrent.id);
  const oneRequest = useOneRequest();
  const { busy, error, run } = useAction();
  const [ticked, setTicked] = useState<ReadonlySet<string>>(new Set());
  const [dialog, setDialog] = useState<OpenDialog | null>(null);
  const list = trackers.value ?? [];
  // Only those still listed: one removed meanwhile (in another UI) is acted on no more.
  const chosen = list.filter((x) => ticked.has(x.url)).map((x) => x.url);
  const target = bulkTarget(torrent.id, torrent);

  // Then the list as the core now has it, and the torrent, whose trackers the sidebar
  // and the Tracker column show (a paused torrent sends no progress to bring them).
  const change = async (request: TrackerChange) => {
    await call(request);
    trackers.refresh();
    try {
      store.upsert((await call({ type: 'get_torrent', id: torrent.id })).torrent);
    } catch {
      // The next list read brings it.
    }
  };
  const remove = () =>
    run(async () => {
      await change({ type: 'remove_trackers', id: torrent.id, urls: chosen });
      setTicked(new Set());
    });
  const reannounce = async () => {
    await oneRequest('reannounce', [target], (ids) => call({ type: 'reannounce', ids }));
    trackers.refresh();
  };
  const first = chosen[0];

  return (
    <>
      <div className="tracker-actions">
        <button type="button" className="btn" onClick={() => setDialog({ kind: 'add' })}>
          {t('trackers.add')}
        </button>
        <button type="button" className="btn" disabled={chosen.length !== 1} onClick={() => first !== undefined && setDialog({ kind: 'edit', url: first })}>
          {t('trackers.edit')}
        </button>
        <button type="button" className="btn" disabled={busy || chosen.length === 0} onClick={() => void remove()}>
          {t('trackers.remove')}
        </button>
        <button type="button" className="btn" title={t('trackers.reannounceHint')} onClick={() => void reannounce()}>
          {t('trackers.reannounce')}
        </button>
      </div>
      <FormError message={error} />
      {trackers.error ? (
        <FormError message={trackers.error.message} />
      ) : trackers.value === null ? (
        <p className="empty-note">{t('common.loading')}</p>
      ) : list.length === 0 ? (
        <p className="empty-note">{t('trackers.none')}</p>
      ) : (
        <TrackersTable trackers={list} ticked={ticked} onTick={setTicked} onEdit={(url) => setDialog({ kind: 'edit', url })} />
      )}
      {dialog?.kind === 'add' ? (
        <AddTrackersDialog torrent={target} existing={list.map((x) => x.url)} onChange={change} onClose={() => setDialog(null)} />
      ) : null}
      {dialog?.kind === 'edit' ? <EditTrackerDialog torrent={target} url={dialog.url} onChange={change} onClose={() => setDialog(null)} /> : null}
    </>
  );
}

interface TableProps {
  trackers: TrackerInfo[];
  ticked: ReadonlySet<string>;
  onTick: (next: ReadonlySet<string>) => void;
  /** A row double-clicked. */
  onEdit: (url: string) => void;
}

function TrackersTable({ trackers, ticked, onTick, onEdit }: TableProps) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const all = trackers.every((x) => ticked.has(x.url));
  const tick = (url: string, on: boolean) => {
    const next = new Set(ticked);
    if (on) next.add(url);
    else next.delete(url);
    onTick(next);
  };
  const count = (n: number | null) => (n === null ? '—' : n.toLocaleString(locale));
  return (
    <table className="peers-table trackers-table">
      <thead>
        <tr>
          <th scope="col">
            <input type="checkbox" checked={all} aria-label={t('trackers.selectAll')} onChange={(e) => onTick(new Set(e.target.checked ? trackers.map((x) => x.url) : []))} />
          </th>
          <th scope="col">{t('trackers.url')}</th>
          <th scope="col" className="num">{t('trackers.tier')}</th>
          <th scope="col">{t('trackers.status')}</th>
          <th scope="col" className="num">{t('trackers.peers')}</th>
          <th scope="col" className="num">{t('trackers.seeds')}</th>
          <th scope="col" className="num">{t('trackers.leechers')}</th>
          <th scope="col">{t('trackers.lastAnnounce')}</th>
          <th scope="col">{t('trackers.nextAnnounce')}</th>
          <th scope="col">{t('trackers.message')}</th>
        </tr>
      </thead>
      <tbody>
        {trackers.map((x) => (
          <tr key={x.url} className={ticked.has(x.url) ? 'selected' : undefined} onDoubleClick={() => onEdit(x.url)}>
            <td>
              <input type="checkbox" checked={ticked.has(x.url)} aria-label={t('trackers.select', { url: x.url })} onChange={(e) => tick(x.url, e.target.checked)} />
            </td>
            <td className="mono selectable">{x.url}</td>
            <td className="num">{x.tier}</td>
            <td className={`tracker-${x.status}`}>{t(`trackers.statuses.${x.status}`)}</td>
            <td className="num">{x.peers.toLocaleString(locale)}</td>
            <td className="num">{count(x.seeds)}</td>
            <td className="num">{count(x.leechers)}</td>
            <td>{formatDateTime(x.last_announce, locale)}</td>
            <td>{formatDateTime(x.next_announce, locale)}</td>
            <td>{x.message ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
