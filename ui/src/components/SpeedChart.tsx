import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatRate, safeLocale } from '../lib/format';
import { HISTORY_SECONDS } from '../lib/speedHistory';
import { useApp } from '../state/app';

/** ↓/↑ of one torrent (or the session, without an id) over the last ten minutes. */
export function SpeedChart({ torrentId }: { torrentId?: string }) {
  const { t, i18n } = useTranslation();
  const { store } = useApp();
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const locale = safeLocale(i18n.language);
    const timeFormat = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    const styles = getComputedStyle(el);
    const color = (name: string, fallback: string) => styles.getPropertyValue(name).trim() || fallback;
    const axis = { stroke: color('--text-muted', '#666'), grid: { stroke: color('--border', '#ddd'), width: 1 }, ticks: { show: false } };
    const history = () => (torrentId ? store.histories.get(torrentId) : store.session);
    const series = (): uPlot.AlignedData => history()?.series(Date.now() / 1000) ?? [[], [], []];
    const plot = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height: Math.max(120, el.clientHeight - 8),
        legend: { show: true },
        // Times in the user's language (uPlot's own templates are English).
        fmtDate: () => (date: Date) => timeFormat.format(date),
        cursor: { drag: { x: false, y: false } },
        scales: {
          // Always the last ten minutes, however few samples there are yet.
          x: { time: true, range: () => [Date.now() / 1000 - HISTORY_SECONDS, Date.now() / 1000] },
          y: { range: (_u, _min, max) => [0, Math.max(1024, max * 1.1)] } },
        axes: [
          { ...axis },
          { ...axis, size: 80, values: (_u, ticks) => ticks.map((v) => formatRate(v, locale, true)) },
        ],
        series: [
          {},
          { label: t('speed.down'), stroke: color('--down', '#2f7de1'), fill: color('--down-fill', 'rgba(47,125,225,0.12)'), width: 1.5, value: (_u, v) => (v === null ? '—' : formatRate(v, locale, true)) },
          { label: t('speed.up'), stroke: color('--up', '#2aa15a'), width: 1.5, value: (_u, v) => (v === null ? '—' : formatRate(v, locale, true)) },
        ],
      },
      series(),
      el,
    );
    const timer = window.setInterval(() => plot.setData(series()), 1000);
    const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height: Math.max(120, el.clientHeight - 40) }));
    observer.observe(el);
    return () => {
      window.clearInterval(timer);
      observer.disconnect();
      plot.destroy();
    };
  }, [store, torrentId, t, i18n.language]);

  return <div className="speed-chart" ref={box} role="img" aria-label={t('speed.label')} />;
}
