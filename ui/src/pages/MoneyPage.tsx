/**
 * The money trail: where BTT went and came from, by day, per torrent and per peer, with
 * the ledger's own check as a health badge and the CSV export, and "settle now" to pay
 * every seller at once. Every figure is the ledger's (derived from its journal); nothing
 * here computes a balance of its own. When this session found the ledger file damaged and
 * started a fresh one, a banner says where the old file went (the health check reports it).
 */
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ApiError, DayEconomics, LedgerHealth, LedgerRecovery, LedgerSummary, PeerEconomics, TorrentEconomics } from '../bindings';
import { chartValue, formatBtt, formatTrx } from '../lib/amount';
import { safeLocale } from '../lib/format';
import { displayName } from '../lib/torrents';
import { useApp } from '../state/app';
import { useLedgerSummary } from '../state/queries';
import { FormError } from '../components/FormError';
import { SettleNow } from './SettleNow';

export function MoneyPage() {
  const { t, i18n } = useTranslation();
  const { call, notify } = useApp();
  const locale = i18n.language;
  const health = useLedgerHealth();
  const summary = useLedgerSummary();

  const exportCsv = async () => {
    try {
      const r = await call({ type: 'export_ledger', from: null, to: null });
      const url = URL.createObjectURL(new Blob([r.csv], { type: 'text/csv' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `bidswarm-ledger-${new Date().toISOString().slice(0, 10)}.csv`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (e) {
      notify('error', (e as ApiError).message);
    }
  };

  const s = summary.value?.summary;
  const cards: { key: Exclude<keyof LedgerSummary, 'settlement_fees_sun' | 'send_fees_sun'>; label: string }[] = [
    { key: 'spent', label: 'money.spent' },
    { key: 'earned_pending', label: 'money.earnedPending' },
    { key: 'earned_settled', label: 'money.earnedSettled' },
    { key: 'committed', label: 'money.committed' },
    { key: 'onchain', label: 'money.onchain' },
    { key: 'fees', label: 'money.fees' },
  ];
  return (
    <div className="page money-page">
      <div className="page-head">
        <h1 className="page-title">{t('money.title')}</h1>
        <HealthBadge {...health} />
        <span className="spacer" />
        <button type="button" className="btn" onClick={() => void exportCsv()}>
          {t('money.export')}
        </button>
      </div>
      {health.health?.recovered ? <RecoveredBanner recovery={health.health.recovered} /> : null}
      <FormError message={summary.error?.message} />
      <section className="card" aria-labelledby="money-totals">
        <h2 id="money-totals">{t('money.totals')}</h2>
        <dl className="balances">
          {cards.map((c) => (
            <div className="balance" key={c.key} title={t(`money.how.${c.key}`)} data-testid={`money-${c.key}`}>
              <dt>{t(c.label)}</dt>
              <dd className="amount">{s ? formatBtt(s[c.key], locale) : '—'}</dd>
            </div>
          ))}
          <div className="balance" title={t('money.how.settlement_fees_sun')} data-testid="money-settlement-fees">
            <dt>{t('money.settlementFees')}</dt>
            <dd className="amount">{s ? formatTrx(s.settlement_fees_sun, locale) : '—'}</dd>
          </div>
          <div className="balance" title={t('money.how.send_fees_sun')} data-testid="money-send-fees">
            <dt>{t('money.sendFees')}</dt>
            <dd className="amount">{s ? formatTrx(s.send_fees_sun, locale) : '—'}</dd>
          </div>
        </dl>
        <SettleNow nothingOwed={s?.committed === '0'} onSettled={summary.refresh} />
      </section>
      <section className="card" aria-labelledby="money-days">
        <h2 id="money-days">{t('money.byDay')}</h2>
        {summary.value && summary.value.by_day.length > 0 ? <DayChart days={summary.value.by_day} /> : <p className="empty-note">{t('money.nothingYet')}</p>}
      </section>
      <div className="money-tables">
        <section className="card" aria-labelledby="money-torrents">
          <h2 id="money-torrents">{t('money.perTorrent')}</h2>
          <TorrentTable rows={summary.value?.per_torrent ?? []} locale={locale} />
        </section>
        <section className="card" aria-labelledby="money-peers">
          <h2 id="money-peers">{t('money.perPeer')}</h2>
          <PeerTable rows={summary.value?.per_peer ?? []} locale={locale} />
        </section>
      </div>
    </div>
  );
}

interface HealthCheck {
  health: LedgerHealth | null;
  error: ApiError | null;
  check: () => void;
}

/** The ledger's own check, asked once when the page opens and again on request. */
function useLedgerHealth(): HealthCheck {
  const { call } = useApp();
  const [health, setHealth] = useState<LedgerHealth | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const check = () => {
    call({ type: 'verify_ledger' })
      .then((r) => {
        setHealth(r.health);
        setError(null);
      })
      .catch((e: ApiError) => setError(e));
  };
  useEffect(check, [call]);
  return { health, error, check };
}

function HealthBadge({ health, error, check }: HealthCheck) {
  const { t } = useTranslation();
  const label = error ? t('money.healthUnknown') : !health ? t('money.checking') : health.ok ? t('money.healthy') : t('money.problems', { count: health.problems.length });
  const title = health
    ? [t('money.healthDetail', { entries: health.entries_checked, vouchers: health.vouchers_checked }), ...health.problems].join('\n')
    : (error?.message ?? '');
  return (
    <button type="button" className={`badge health ${health?.ok ? 'badge-ok' : health ? 'badge-bad' : 'badge-muted'}`} title={title} onClick={check} data-testid="ledger-health" aria-label={`${label}. ${t('money.checkAgain')}`}>
      {label}
    </button>
  );
}

/** The ledger file was damaged at start: where it went, unchanged, and what that means. */
function RecoveredBanner({ recovery }: { recovery: LedgerRecovery }) {
  const { t } = useTranslation();
  return (
    <div className="offline-banner" role="status" data-testid="ledger-recovered">
      <strong>{t('money.recoveredTitle')}</strong> {t('money.recoveredText')}
      <div>
        {t('money.recoveredMovedTo')} <span className="mono selectable">{recovery.moved_to}</span>
      </div>
      <div className="muted">{t('money.recoveredReason', { reason: recovery.reason })}</div>
    </div>
  );
}

function DayChart({ days }: { days: DayEconomics[] }) {
  const { t, i18n } = useTranslation();
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const locale = safeLocale(i18n.language);
    const styles = getComputedStyle(el);
    const color = (name: string, fallback: string) => styles.getPropertyValue(name).trim() || fallback;
    const axis = { stroke: color('--text-muted', '#666'), grid: { stroke: color('--border', '#ddd'), width: 1 }, ticks: { show: false } };
    const xs = days.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000);
    const spent = days.map((d) => chartValue(d.economics.spent));
    const earned = days.map((d) => chartValue(d.economics.earned));
    const dayFormat = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', timeZone: 'UTC' });
    const number = new Intl.NumberFormat(locale, { maximumFractionDigits: 6 });
    const bars = uPlot.paths.bars?.({ size: [0.35, 40], gap: 2 });
    // One tick per day with data, and a day of room either side.
    const lo = Math.min(...xs) - 86400;
    const hi = Math.max(...xs) + 86400;
    const byDay = new Map(days.map((d) => [Date.parse(`${d.day}T00:00:00Z`) / 1000, d]));
    const exact = (key: 'spent' | 'earned') => (_u: uPlot, _v: number | null, _s: number, idx: number | null) => {
      const d = idx === null ? undefined : byDay.get(xs[idx] ?? -1);
      return d ? formatBtt(d.economics[key], locale) : '—';
    };
    const plot = new uPlot(
      {
        width: Math.max(300, el.clientWidth),
        height: 220,
        legend: { show: true },
        fmtDate: () => (date: Date) => dayFormat.format(date),
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true, range: () => [lo, hi] }, y: { range: (_u, _min, max) => [0, Math.max(1e-6, max * 1.15)] } },
        axes: [{ ...axis, splits: () => xs, values: (_u, ticks) => ticks.map((v) => dayFormat.format(new Date(v * 1000))) }, { ...axis, size: 70, values: (_u, ticks) => ticks.map((v) => number.format(v)) }],
        series: [
          { label: t('money.day'), value: (_u, v) => (v === null ? '—' : dayFormat.format(new Date(v * 1000))) },
          { label: t('money.spent'), stroke: color('--warning', '#b54708'), fill: color('--warning', '#b54708'), paths: bars, points: { show: false }, value: exact('spent') },
          { label: t('money.earned'), stroke: color('--ok', '#16a34a'), fill: color('--ok', '#16a34a'), paths: bars, points: { show: false }, value: exact('earned') },
        ],
      },
      [xs, spent, earned],
      el,
    );
    const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(300, el.clientWidth), height: 220 }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [days, t, i18n.language]);
  return <div className="day-chart" ref={box} role="img" aria-label={t('money.chartLabel')} />;
}

function TorrentTable({ rows, locale }: { rows: TorrentEconomics[]; locale: string }) {
  const { t } = useTranslation();
  const { store } = useApp();
  if (rows.length === 0) return <p className="empty-note">{t('money.nothingYet')}</p>;
  return (
    <table className="peers-table" data-testid="money-per-torrent">
      <thead>
        <tr>
          <th scope="col">{t('money.torrent')}</th>
          <th scope="col" className="num">{t('money.spent')}</th>
          <th scope="col" className="num">{t('money.earned')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => {
          const torrent = store.get(r.id);
          return (
            <tr key={r.id}>
              <td className="ellipsis" title={r.id}>
                {torrent ? displayName(torrent) : <span className="mono">{r.id}</span>}
              </td>
              <td className="num">{formatBtt(r.economics.spent, locale)}</td>
              <td className="num">{formatBtt(r.economics.earned, locale)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function PeerTable({ rows, locale }: { rows: PeerEconomics[]; locale: string }) {
  const { t } = useTranslation();
  if (rows.length === 0) return <p className="empty-note">{t('money.nothingYet')}</p>;
  return (
    <table className="peers-table" data-testid="money-per-peer">
      <thead>
        <tr>
          <th scope="col">{t('money.peer')}</th>
          <th scope="col" className="num">{t('money.spent')}</th>
          <th scope="col" className="num">{t('money.earned')}</th>
          <th scope="col" className="num">{t('money.vouchers')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.peer}>
            <td className="mono">{r.peer}</td>
            <td className="num">{formatBtt(r.economics.spent, locale)}</td>
            <td className="num">{formatBtt(r.economics.earned, locale)}</td>
            <td className="num">{r.economics.vouchers}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
