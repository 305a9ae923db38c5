import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { kibPerSecText } from '../../lib/format';
import { limitsFromText, sameLimits } from '../../lib/torrentControls';
import { displayName } from '../../lib/torrents';
import { useAction } from '../../state/action';
import { useApp } from '../../state/app';
import type { TorrentInfo } from '../../bindings';

/** This torrent's own download and upload caps (`set_torrent_limits`), in KiB/s. */
export function TorrentLimitsEditor({ torrent }: { torrent: TorrentInfo }) {
  const { t } = useTranslation();
  const { call, store, notify } = useApp();
  const current = torrent.limits;
  const [down, setDown] = useState(kibPerSecText(current.download_bytes_per_sec));
  const [up, setUp] = useState(kibPerSecText(current.upload_bytes_per_sec));
  const { busy, error, setError, run } = useAction();
  // Another torrent selected, or the limits changed elsewhere: show what is in force.
  useEffect(() => {
    setDown(kibPerSecText(current.download_bytes_per_sec));
    setUp(kibPerSecText(current.upload_bytes_per_sec));
    setError(null);
  }, [torrent.id, current.download_bytes_per_sec, current.upload_bytes_per_sec, setError]);

  const parsed = limitsFromText(down, up);
  const unchanged = parsed !== 'invalid' && sameLimits(parsed, current);
  const apply = async () => {
    if (parsed === 'invalid') {
      setError(t('settings.invalidLimit'));
      return;
    }
    await run(async () => {
      const r = await call({ type: 'set_torrent_limits', id: torrent.id, limits: parsed });
      store.upsert(r.torrent);
      notify('info', t('limits.applied', { name: displayName(torrent) }));
    });
  };

  return (
    <form
      className="limits-editor"
      aria-label={t('limits.title')}
      onSubmit={(e) => {
        e.preventDefault();
        void apply();
      }}
    >
      <h3 className="limits-title">{t('limits.title')}</h3>
      <div className="limits-fields">
        <label className="field">
          <span>{t('settings.downLimit')}</span>
          <input type="text" inputMode="decimal" value={down} placeholder={t('settings.unlimited')} onChange={(e) => setDown(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('settings.upLimit')}</span>
          <input type="text" inputMode="decimal" value={up} placeholder={t('settings.unlimited')} onChange={(e) => setUp(e.target.value)} />
        </label>
        <button type="submit" className="btn" disabled={busy || unchanged}>
          {t('limits.apply')}
        </button>
      </div>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : (
        <p className="hint">{t('limits.hint')}</p>
      )}
    </form>
  );
}
