import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, TorrentBid } from '../../bindings';
import { sharedValue, type BulkTarget } from '../../lib/bulk';
import { useApp, useSettings } from '../../state/app';
import { useBulk } from '../../state/bulk';
import { bidFrom, draftFrom, relocaleBidDraft, type BidDraft, type BidFieldError } from '../speed/bidDraft';
import { BidEditor } from '../speed/BidEditor';
import { bidStore } from '../speed/bidStore';
import { useDraftInLocale } from '../speed/fields';
import { BulkDialog } from './BulkDialog';

function sameBid(a: TorrentBid | null, b: TorrentBid | null): boolean {
  if (a === null || b === null) return a === b;
  return a.spending === b.spending && a.strategy === b.strategy && a.price_per_gib === b.price_per_gib && a.budget === b.budget;
}

/**
 * The torrents' own bid (`set_torrent_bid`, one request each) in the BTT tab's editor.
 * Their bids come from one `list_bids` (a torrent it leaves out has none of its own);
 * torrents whose bids differ start from the defaults and are told Apply makes them alike.
 * The menu offers it only while spending is on.
 */
export function BidDialog({ targets, onClose }: { targets: readonly BulkTarget[]; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const { call } = useApp();
  const bulk = useBulk();
  const speed = useSettings()?.speed ?? null;
  const [differ, setDiffer] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [draft, updateDraft] = useDraftInLocale<BidDraft | null>(
    () => null,
    (d, from, to) => d && relocaleBidDraft(d, from, to),
  );
  const [fieldError, setFieldError] = useState<BidFieldError | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!speed) return;
    let live = true;
    call({ type: 'list_bids' })
      .then((r) => {
        if (!live) return;
        const own = new Map(r.bids.map((b) => [b.id, b.bid]));
        const shared = sharedValue(targets.map((x) => own.get(x.id) ?? null), sameBid);
        setDiffer(shared === 'mixed');
        // Filled once: a later settings change must not overwrite what the user typed.
        updateDraft((d, writtenIn) => d ?? draftFrom(typeof shared === 'object' ? shared.value : null, speed, writtenIn));
      })
      .catch((e: ApiError) => live && setLoadError(e.message));
    return () => {
      live = false;
    };
  }, [call, targets, speed, updateDraft]);

  const apply = async () => {
    if (!draft) return;
    const result = bidFrom(draft, locale);
    if (!result.ok) {
      setFieldError(result);
      return;
    }
    setFieldError(null);
    setBusy(true);
    const outcome = await bulk(
      'bid',
      targets,
      async (id) => (await call({ type: 'set_torrent_bid', id, bid: result.bid })).speed,
      (id, status) => bidStore.fromStatus(id, status),
    );
    setBusy(false);
    if (outcome.failures.length === 0) onClose();
  };

  return (
    <BulkDialog title={t('bid.title')} targets={targets} applyLabel={t('bid.apply')} busy={busy || !draft} error={loadError} onApply={() => void apply()} onClose={onClose}>
      {differ ? <p className="warning">{t('bulkDialog.bidsDiffer')}</p> : null}
      {draft && speed ? (
        <BidEditor draft={draft} onChange={(d) => updateDraft(() => d)} spendingEnabled={speed.spending_enabled} error={fieldError} />
      ) : loadError ? null : (
        <p className="empty-note">{t('common.loading')}</p>
      )}
    </BulkDialog>
  );
}
