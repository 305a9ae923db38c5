import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from '../../state/app';
import type { SpeedSettings } from '../../bindings';
import { bidFrom, draftFrom, relocaleBidDraft, type BidResult } from './bidDraft';
import { BidEditor } from './BidEditor';
import { useDraftInLocale } from './fields';

/** The Add dialog's bid and budget for the new torrent: no bid (the defaults), a bid, or a field to fix first. */
export function AddBid({ onChange }: { onChange: (v: BidResult) => void }) {
  const { call } = useApp();
  const { i18n } = useTranslation();
  const locale = i18n.language;
  const [speed, setSpeed] = useState<SpeedSettings | null>(null);
  const [draft, updateDraft] = useDraftInLocale((l) => draftFrom(null, null, l), relocaleBidDraft);
  const [touched, setTouched] = useState(false);
  useEffect(() => {
    call({ type: 'get_settings' })
      .then((r) => {
        setSpeed(r.settings.speed);
        // The editor shows only once the settings are here, so nothing typed is overwritten.
        updateDraft((_, writtenIn) => draftFrom(null, r.settings.speed, writtenIn));
      })
      .catch(() => {});
  }, [call, updateDraft]);
  const result = bidFrom(draft, locale);
  useEffect(() => onChange(result), [JSON.stringify(result)]); // eslint-disable-line react-hooks/exhaustive-deps
  if (!speed) return null;
  return (
    <BidEditor
      draft={draft}
      onChange={(d) => {
        setTouched(true);
        updateDraft(() => d);
      }}
      spendingEnabled={speed.spending_enabled}
      error={touched && !result.ok ? result : null}
    />
  );
}
