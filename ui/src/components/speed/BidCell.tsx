import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { TorrentId } from '../../bindings';
import { formatBtt } from '../../lib/amount';
import { useApp } from '../../state/app';
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

/** At most this many torrents are asked about per round: the bid column is a glance, not an audit. */
const POLL_LIMIT = 40;

/**
 * Keeps the bid column current: speed events at once, and every 10 s the first rows of
 * the list (events say nothing about a bid set from another UI).
 */
export function useBidFeed(ids: readonly TorrentId[], enabled: boolean) {
  const { rpc, transport } = useApp();
  useEffect(() => transport.subscribe((e) => bidStore.apply(e)), [transport]);
  const latest = useRef(ids);
  latest.current = ids;
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    const load = () => {
      for (const id of latest.current.slice(0, POLL_LIMIT)) {
        rpc({ type: 'get_torrent_speed', id })
          .then((r) => {
            if (live && r.type === 'torrent_speed') bidStore.fromStatus(id, r.speed);
          })
          // A torrent removed meanwhile: nothing to show.
          .catch(() => {});
      }
    };
    const first = window.setTimeout(load, 500);
    const timer = window.setInterval(load, 10000);
    return () => {
      live = false;
      window.clearTimeout(first);
      window.clearInterval(timer);
    };
  }, [rpc, enabled]);
}
