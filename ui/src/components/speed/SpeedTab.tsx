/**
 * What bid for speed does for one torrent: the price we bid beside the price we pay (and
 * a seller's price we refused), paid slots and from whom,
 * bytes bought, spent and what is left of the budget, the vouchers of each channel, and
 * what we earned seeding it; and this torrent's own bid.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, SpeedSettings, TorrentId, TorrentSpeed } from '../../bindings';
import { BTT_DECIMALS, formatBtt, formatUnits } from '../../lib/amount';
import { formatBytes } from '../../lib/format';
import { useApp } from '../../state/app';
import { usePoll } from '../../state/poll';
import { TORRENT_SPEED_MS } from '../../state/queries';
import { bidFrom, draftFrom, relocaleBidDraft, type BidDraft, type BidFieldError } from './bidDraft';
import { BidEditor } from './BidEditor';
import { useDraftInLocale } from './fields';
import { bidStore, useRefusal } from './bidStore';
import { pricePaidRange } from './pricePaid';

export function SpeedTab({ torrentId }: { torrentId: TorrentId }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const status = usePoll(
    { type: 'get_torrent_speed', id: torrentId },
    (a) => {
      bidStore.fromStatus(torrentId, a.speed);
      return a.speed;
    },
    TORRENT_SPEED_MS,
  );
  const s = status.value;
  if (status.error && !s) {
    return (
      <p className="form-error" role="alert">
        {status.error.message}
      </p>
    );
  }
  if (!s) return <p className="empty-note">{t('common.loading')}</p>;
  const spending = s.channels.filter((c) => c.direction === 'spend');
  const rows: [string, string, string][] = [
    ['slots', t('btt.paidSlots'), s.paid_slots.length === 0 ? t('btt.noSlot') : s.paid_slots.map((p) => `${p.peer} (${t('bid.perGib', { amount: formatBtt(p.price_per_gib, locale, 6) })})`).join(', ')],
    ['bought', t('btt.bytesBought'), formatBytes(s.bytes_bought, locale)],
    ['spent', t('btt.spent'), formatBtt(s.spent, locale, 18)],
    ['budget', t('btt.budget'), s.budget === '0' ? t('btt.noBudget') : formatBtt(s.budget, locale)],
    ['remaining', t('btt.remaining'), s.budget_exhausted ? `${formatBtt(s.remaining, locale)} · ${t('bid.exhausted')}` : formatBtt(s.remaining, locale)],
    ['earned', t('btt.earned'), formatBtt(s.earned, locale, 18)],
    ['earnedSettled', t('btt.earnedSettled'), formatBtt(s.earned_settled, locale, 18)],
  ];
  return (
    <div className="btt-tab">
      <BidVsPrice torrentId={torrentId} speed={s} />
      <div className="btt-columns">
        <dl className="general-grid">
          {rows.map(([key, label, value]) => (
            <div className="general-row" key={key} title={t(`btt.how.${key}`)}>
              <dt>{label}</dt>
              <dd data-testid={`speed-${key}`}>{value}</dd>
            </div>
          ))}
        </dl>
        <BidSection torrentId={torrentId} speed={s} onSaved={status.refresh} />
      </div>
      <h3 className="sub-title">{t('btt.vouchers')}</h3>
      {s.channels.length === 0 ? (
        <p className="empty-note">{t(spending.length === 0 && s.current_bid === null ? 'btt.noChannels' : 'btt.noVouchersYet')}</p>
      ) : (
        <table className="peers-table" data-testid="speed-channels">
          <thead>
            <tr>
              <th scope="col">{t('btt.direction')}</th>
              <th scope="col">{t('btt.peer')}</th>
              <th scope="col">{t('btt.counterparty')}</th>
              <th scope="col" className="num">{t('btt.price')}</th>
              <th scope="col" className="num">{t('btt.cumulative')}</th>
              <th scope="col" className="num">{t('btt.seq')}</th>
            </tr>
          </thead>
          <tbody>
            {s.channels.map((c) => (
              <tr key={c.channel}>
                <td>{t(`btt.dir_${c.direction}`)}</td>
                <td className="mono">{c.peer}</td>
                <td className="mono ellipsis" title={c.counterparty}>
                  {c.counterparty}
                </td>
                <td className="num">{formatBtt(c.price_per_gib, locale, 6)}</td>
                <td className="num">{formatBtt(c.cumulative, locale, 18)}</td>
                <td className="num">{c.seq}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** Our bid and the price we pay, side by side, with why they differ; and a price we refused. */
function BidVsPrice({ torrentId, speed }: { torrentId: TorrentId; speed: TorrentSpeed }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const refusal = useRefusal(torrentId);
  const perGib = (units: string | bigint) => t('bid.perGib', { amount: formatBtt(units, locale, 6) });
  const range = pricePaidRange(speed.paid_slots);
  const paid = !range
    ? t('btt.payNothing')
    : range.low === range.high
      ? perGib(range.low)
      : t('btt.priceRange', { low: formatUnits(range.low, BTT_DECIMALS, locale, { maxFraction: 6 }), high: formatBtt(range.high, locale, 6) });
  return (
    <div className="bid-vs-price">
      <div className="bid-vs-price-pair">
        <div title={t('btt.how.current')}>
          <span className="bid-vs-price-label">{t('btt.currentBid')}</span>
          <strong data-testid="speed-current">{speed.current_bid ? perGib(speed.current_bid) : t('btt.notBidding')}</strong>
        </div>
        <div title={t('btt.how.paid')}>
          <span className="bid-vs-price-label">{t('btt.pricePaid')}</span>
          <strong data-testid="speed-paid">{paid}</strong>
        </div>
      </div>
      <p className="hint">{t('btt.payReason')}</p>
      {refusal ? (
        <p className="warning" role="status" data-testid="speed-refused" title={refusal.peer}>
          {t('btt.refused', { price: formatBtt(refusal.price, locale, 6), bid: formatBtt(refusal.bid, locale, 6) })}
        </p>
      ) : null}
    </div>
  );
}

function BidSection({ torrentId, speed, onSaved }: { torrentId: TorrentId; speed: TorrentSpeed; onSaved: () => void }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const { call, notify } = useApp();
  const [settings, setSettings] = useState<SpeedSettings | null>(null);
  const [draft, updateDraft] = useDraftInLocale<BidDraft | null>(
    () => null,
    (d, from, to) => d && relocaleBidDraft(d, from, to),
  );
  const [fieldError, setFieldError] = useState<BidFieldError | null>(null);
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    call({ type: 'get_settings' })
      .then((r) => setSettings(r.settings.speed))
      .catch(() => {});
  }, [call]);
  useEffect(() => {
    // The first answer fills the form; later polls must not overwrite what the user types.
    if (settings) updateDraft((d, writtenIn) => d ?? draftFrom(speed.bid, settings, writtenIn));
  }, [settings, speed.bid, updateDraft]);
  if (!draft || !settings) return null;
  const save = async () => {
    const result = bidFrom(draft, locale);
    if (!result.ok) {
      setFieldError(result);
      return;
    }
    setFieldError(null);
    setSaving(true);
    try {
      const r = await call({ type: 'set_torrent_bid', id: torrentId, bid: result.bid });
      bidStore.fromStatus(torrentId, r.speed);
      notify('info', t('bid.saved'));
      onSaved();
    } catch (e) {
      notify('error', (e as ApiError).message);
    } finally {
      setSaving(false);
    }
  };
  return (
    <div className="bid-section">
      <BidEditor draft={draft} onChange={(d) => updateDraft(() => d)} spendingEnabled={settings.spending_enabled} error={fieldError} />
      <button type="button" className="btn" onClick={() => void save()} disabled={saving}>
        {t('bid.apply')}
      </button>
    </div>
  );
}
