import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { TorrentId } from '../../bindings';
import { formatBtt } from '../../lib/amount';
import { useApp } from '../../state/app';
import { BIDS_FIRST_MS, BIDS_MS } from '../../state/queries';
import { bidStore, useBid } from './bidStore';

/** The bid column: the price we bid now, else the torrent's own bid, else nothing. */
export function BidCell({ id }: { id: TorrentId }) {
  const { t, i18n } = useTranslation();
  const bid = useBid(id);
  if (!bid) return null;
  if (bid.current) {
    return <span className="bid-live" title={t('bid.liveHint')}>{t('bid.perGib', { amount: formatBtt(bid.current, i18n.language, 4) })}</span>;
  }
  if (bid.exhausted) return <span className="muted" title={t('bid.exhaustedHint')}>{t('bid.exhausted')}</span>;
  if (bid.own && !bid.own.spending) return <span className="muted" title={t('bid.offHint')}>{t('bid.off')}</span>;
  if (bid.own) {
    const amount = formatBtt(bid.own.price, i18n.language, 4);
    return <span className="muted" title={t('bid.ownHint')}>{bid.own.fixed ? t('bid.perGib', { amount }) : t('bid.upTo', { amount })}</span>;
  }
  return null;
}

/**
 * Keeps the bid column current: speed events at once, and every 10 s the whole column from
 * one `list_bids` (events say nothing about a bid set or cleared from another UI).
 */
export function useBidFeed(enabled: boolean) {
  const { call, transport } = useApp();
  useEffect(() => transport.subscribe((e) => bidStore.apply(e)), [transport]);
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    const load = () =>
      call({ type: 'list_bids' })
        .then((r) => {
          if (live) bidStore.replaceAll(r.bids);
        })
        // The core out of reach: the column keeps what it showed until the next round.
        .catch(() => {});
    const first = window.setTimeout(load, BIDS_FIRST_MS);
    const timer = window.setInterval(load, BIDS_MS);
    return () => {
      live = false;
      window.clearTimeout(first);
      window.clearInterval(timer);
    };
  }, [call, enabled]);
}
