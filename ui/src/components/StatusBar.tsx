import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatBytes, formatRate } from '../lib/format';
import { useApp, useConnectionState } from '../state/app';
import { SESSION_STATS_MS } from '../state/queries';
import type { SessionStats } from '../bindings';

export function StatusBar() {
  const { t, i18n } = useTranslation();
  const { call, store } = useApp();
  const connection = useConnectionState();
  const [stats, setStats] = useState<SessionStats | null>(null);
  const locale = i18n.language;

  useEffect(() => {
    let live = true;
    const load = () =>
      call({ type: 'session_stats' })
        .then((r) => {
          if (!live) return;
          setStats(r.stats);
          store.session.push(Date.now() / 1000, r.stats.download_bytes_per_sec, r.stats.upload_bytes_per_sec);
        })
        .catch(() => {});
    void load();
    const timer = window.setInterval(load, SESSION_STATS_MS);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, [call, store]);

  return (
    <footer className="statusbar" aria-label={t('status.label')}>
      <span className={`conn conn-${connection}`} data-testid="connection-state">
        <span className="conn-dot" aria-hidden="true" />
        {t(`connection.${connection}`)}
      </span>
      {stats ? (
        <>
          <span className="stat" title={t('status.down')}>
            <span className="arrow-down" aria-hidden="true">↓</span> {formatRate(stats.download_bytes_per_sec, locale, true)}
          </span>
          <span className="stat" title={t('status.up')}>
            <span className="arrow-up" aria-hidden="true">↑</span> {formatRate(stats.upload_bytes_per_sec, locale, true)}
          </span>
          <span className="stat">{t('status.peers', { count: stats.peers })}</span>
          {typeof stats.connections === 'number' ? <span className="stat">{t('status.connections', { count: stats.connections })}</span> : null}
          {typeof stats.upload_cap_bytes_per_sec === 'number' ? (
            <span className="stat" title={t('status.capHint')}>{t('status.cap', { rate: formatRate(stats.upload_cap_bytes_per_sec, locale, true) })}</span>
          ) : null}
          {typeof stats.dht_nodes === 'number' ? <span className="stat">{t('status.dht', { count: stats.dht_nodes })}</span> : null}
          {typeof stats.free_disk_bytes === 'number' ? (
            <span className="stat">{t('status.free', { size: formatBytes(stats.free_disk_bytes, locale) })}</span>
          ) : null}
          <span className="spacer" />
          {stats.listen_addr ? <span className="stat muted">{t('status.listening', { addr: stats.listen_addr })}</span> : null}
          <span className="stat muted">{t('status.totals', { down: formatBytes(stats.fetched_bytes, locale), up: formatBytes(stats.uploaded_bytes, locale) })}</span>
        </>
      ) : null}
    </footer>
  );
}
