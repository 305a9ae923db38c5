import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatBytes, formatRate, formatRateLimit } from '../lib/format';
import { useApp, useConnectionState, useSettings } from '../state/app';
import { SESSION_STATS_MS } from '../state/queries';
import type { ApiError, SessionStats } from '../bindings';

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
        </>
      ) : null}
      <LimitsInForce />
      {stats ? (
        <>
          <span className="stat">{t('status.peers', { count: stats.peers })}</span>
          {typeof stats.connections === 'number' ? <span className="stat">{t('status.connections', { count: stats.connections })}</span> : null}
          {typeof stats.dht_nodes === 'number' ? <span className="stat">{t('status.dht', { count: stats.dht_nodes })}</span> : null}
          {typeof stats.free_disk_bytes === 'number' ? (
            <span className="stat">{t('status.free', { size: formatBytes(stats.free_disk_bytes, locale) })}</span>
          ) : null}
          <span className="spacer" />
          {stats.listen_addr ? <span className="stat muted stat-shrink">{t('status.listening', { addr: stats.listen_addr })}</span> : null}
          <span className="stat muted stat-shrink">{t('status.totals', { down: formatBytes(stats.fetched_bytes, locale), up: formatBytes(stats.uploaded_bytes, locale) })}</span>
        </>
      ) : null}
    </footer>
  );
}

/**
 * The turtle: switches the alternative speed limits on and off, beside the limits in
 * force now (the alternative ones while it is on).
 */
function LimitsInForce() {
  const { t, i18n } = useTranslation();
  const { call, settings: mirror, notify } = useApp();
  const settings = useSettings();
  const [busy, setBusy] = useState(false);
  if (!settings) return null;
  const locale = i18n.language;
  const on = settings.alt_limits_enabled;
  const limits = on ? settings.alt_limits : settings.limits;

  const toggle = async () => {
    setBusy(true);
    try {
      const r = await call({ type: 'set_alt_limits_enabled', enabled: !on });
      mirror.set(r.settings);
    } catch (e) {
      notify('error', (e as ApiError).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <span className="stat limits-in-force">
      <button
        type="button"
        className="turtle"
        aria-pressed={on}
        aria-label={t('status.altToggle')}
        title={t(on ? 'status.altToggleOn' : 'status.altToggleOff')}
        aria-busy={busy}
        // Not disabled while it asks: a disabled button would drop the keyboard focus.
        onClick={() => !busy && void toggle()}
      >
        <TurtleIcon />
      </button>
      <span title={t('status.limitsHint')} data-testid="limits-in-force">
        {t('status.limits', { down: formatRateLimit(limits.download_bytes_per_sec, locale), up: formatRateLimit(limits.upload_bytes_per_sec, locale) })}
      </span>
    </span>
  );
}

function TurtleIcon() {
  return (
    <svg width="20" height="13" viewBox="0 0 24 16" aria-hidden="true" focusable="false">
      <path d="M3 11.5C3 6 7 2 12 2s9 4 9 9.5z" fill="currentColor" />
      <circle cx="21.5" cy="9.5" r="2.2" fill="currentColor" />
      <rect x="5" y="11" width="3.5" height="3.5" rx="1" fill="currentColor" />
      <rect x="15" y="11" width="3.5" height="3.5" rx="1" fill="currentColor" />
      <path d="M3.2 10.5 0.5 12.5 3.6 12z" fill="currentColor" />
    </svg>
  );
}
