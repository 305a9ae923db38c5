import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from '../../state/app';
import type { SpeedSettings } from '../../bindings';
import { bidFrom, draftFrom, type BidDraft, type BidResult } from './bidDraft';
import { BidEditor } from './BidEditor';

/** What the Add dialog sends: no bid (the defaults), a bid, or a field to fix first. */
export type AddBidValue = BidResult;

/** The Add dialog's bid and budget for the new torrent. */
export function AddBid({ onChange }: { onChange: (v: AddBidValue) => void }) {
  const { rpc } = useApp();
  const { i18n } = useTranslation();
  const locale = i18n.language;
  const [speed, setSpeed] = useState<SpeedSettings | null>(null);
  const [draft, setDraft] = useState<BidDraft>(() => draftFrom(null, null, locale));
  const [touched, setTouched] = useState(false);
  useEffect(() => {
    rpc({ type: 'get_settings' })
      .then((r) => {
        if (r.type !== 'settings') return;
        setSpeed(r.settings.speed);
        setDraft((d) => (touched ? d : draftFrom(null, r.settings.speed, locale)));
      })
      .catch(() => {});
    // Once per opening.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [rpc]);
  const result = bidFrom(draft, locale);
  useEffect(() => onChange(result), [JSON.stringify(result)]); // eslint-disable-line react-hooks/exhaustive-deps
  if (!speed) return null;
  return (
    <BidEditor
      draft={draft}
      onChange={(d) => {
        setTouched(true);
        setDraft(d);
      }}
      spendingEnabled={speed.spending_enabled}
      error={touched && !result.ok ? result : null}
    />
  );
}
