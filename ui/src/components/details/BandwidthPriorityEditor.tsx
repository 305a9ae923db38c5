import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BandwidthPriority, TorrentInfo } from '../../bindings';
import { BandwidthPrioritySelect } from '../BandwidthPrioritySelect';
import { displayName } from '../../lib/torrents';
import { useAction } from '../../state/action';
import { useApp } from '../../state/app';

/**
 * This torrent's share of the upload cap (`set_bandwidth_priority`). The answer is only
 * "ok", so the torrent is read back and the toast says what the core now holds.
 */
export function BandwidthPriorityEditor({ torrent }: { torrent: TorrentInfo }) {
  const { t } = useTranslation();
  const { call, store, notify } = useApp();
  const { busy, error, setError, run } = useAction();
  // What was chosen, shown until the core's answer replaces it (or an error undoes it).
  const [pending, setPending] = useState<BandwidthPriority | null>(null);
  useEffect(() => {
    setPending(null);
    setError(null);
  }, [torrent.id, setError]);

  const choose = async (priority: BandwidthPriority) => {
    setPending(priority);
    await run(async () => {
      await call({ type: 'set_bandwidth_priority', ids: [torrent.id], priority });
      const r = await call({ type: 'get_torrent', id: torrent.id });
      store.upsert(r.torrent);
      notify('info', t('queue.prioritySet', { name: displayName(r.torrent), priority: t(`queue.priorities.${r.torrent.bandwidth_priority}`) }));
    });
    setPending(null);
  };

  return (
    <div className="priority-editor">
      <BandwidthPrioritySelect value={pending ?? torrent.bandwidth_priority} disabled={busy} onChange={(p) => void choose(p)} />
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : (
        <p className="hint">{t('queue.priorityHint')}</p>
      )}
    </div>
  );
}
