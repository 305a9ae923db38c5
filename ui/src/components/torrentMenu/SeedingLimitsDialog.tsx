import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { sharedValue, type BulkTarget } from '../../lib/bulk';
import { NO_SEEDING_LIMITS, readSeedingDraft, sameSeedingLimits, seedingDraft, type SeedingDraft } from '../../lib/seedingLimits';
import { useApp, useSettings } from '../../state/app';
import { useBulk } from '../../state/bulk';
import { SeedingLimitsFields } from '../SeedingLimitsFields';
import { BulkDialog } from './BulkDialog';

interface Draft {
  /** Their own limits rather than the settings'. */
  own: boolean;
  fields: SeedingDraft;
}

/**
 * The torrents' own seeding limits, or the settings' for them (`set_seeding_limits`, one
 * request each), with the fields and choice the details panel's editor uses. Torrents
 * whose limits differ start from the settings' and are told Apply makes them alike.
 */
export function SeedingLimitsDialog({ targets, onClose }: { targets: readonly BulkTarget[]; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const { call, store } = useApp();
  const bulk = useBulk();
  const locale = i18n.language;
  const global = useSettings()?.seeding_limits ?? null;
  const globalFields = seedingDraft(global ?? NO_SEEDING_LIMITS, locale);
  const [start] = useState(() => sharedValue(targets.map((x) => store.get(x.id)?.seeding_limits ?? null), sameSeedingLimits));
  const sharedOwn = typeof start === 'object' ? start.value : null;
  const [draft, setDraft] = useState<Draft>(() => ({ own: sharedOwn !== null, fields: seedingDraft(sharedOwn ?? global ?? NO_SEEDING_LIMITS, locale) }));
  // While they follow the settings the fields show theirs, greyed out, as a start for their own.
  const fields = draft.own ? draft.fields : globalFields;
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const radio = useId();

  const apply = async () => {
    const read = draft.own ? readSeedingDraft(draft.fields) : { limits: null };
    if ('invalid' in read) {
      setError(t(read.invalid === 'ratio' ? 'seeding.invalidRatio' : 'seeding.invalidMinutes'));
      return;
    }
    setError(null);
    setBusy(true);
    const outcome = await bulk(
      'seeding',
      targets,
      async (id) => (await call({ type: 'set_seeding_limits', id, limits: read.limits })).torrent,
      (_, torrent) => store.upsert(torrent),
    );
    setBusy(false);
    if (outcome.failures.length === 0) onClose();
  };

  return (
    <BulkDialog title={t('bulkDialog.seedingTitle')} targets={targets} applyLabel={t('seeding.apply')} busy={busy} error={error} onApply={() => void apply()} onClose={onClose}>
      {start === 'mixed' ? <p className="warning">{t('bulkDialog.seedingDiffer')}</p> : null}
      <div className="seeding-choice">
        <label className="check">
          <input type="radio" name={radio} checked={!draft.own} onChange={() => setDraft((d) => ({ ...d, own: false }))} />
          {t('seeding.useGlobal')}
        </label>
        <label className="check">
          <input
            type="radio"
            name={radio}
            checked={draft.own}
            onChange={() => setDraft((d) => (d.own ? d : { own: true, fields: sharedOwn ? d.fields : globalFields }))}
          />
          {t('seeding.useOwn')}
        </label>
      </div>
      <SeedingLimitsFields draft={fields} disabled={!draft.own} onChange={(patch) => setDraft((d) => ({ ...d, fields: { ...d.fields, ...patch } }))} />
    </BulkDialog>
  );
}
