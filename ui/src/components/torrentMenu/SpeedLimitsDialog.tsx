import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RateLimits } from '../../bindings';
import { limitField, readLimitField, withBulkLimits, type BulkTarget, type LimitField } from '../../lib/bulk';
import { useApp } from '../../state/app';
import { useBulk } from '../../state/bulk';
import { BulkDialog } from './BulkDialog';

const NO_LIMITS: RateLimits = { download_bytes_per_sec: null, upload_bytes_per_sec: null };

/**
 * The torrents' own download and upload caps (`set_torrent_limits`, one request each), in
 * KiB/s as the details panel's editor takes them. A field whose torrents differ starts
 * empty and, left alone, keeps each one's own value.
 */
export function SpeedLimitsDialog({ targets, onClose }: { targets: readonly BulkTarget[]; onClose: () => void }) {
  const { t } = useTranslation();
  const { call, store } = useApp();
  const bulk = useBulk();
  const [down, setDown] = useState(() => limitField(targets.map((x) => (store.get(x.id)?.limits ?? NO_LIMITS).download_bytes_per_sec)));
  const [up, setUp] = useState(() => limitField(targets.map((x) => (store.get(x.id)?.limits ?? NO_LIMITS).upload_bytes_per_sec)));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const apply = async () => {
    const d = readLimitField(down);
    const u = readLimitField(up);
    if (d === 'invalid' || u === 'invalid') {
      setError(t('settings.invalidLimit'));
      return;
    }
    setError(null);
    setBusy(true);
    const outcome = await bulk(
      'limits',
      targets,
      async (id) => (await call({ type: 'set_torrent_limits', id, limits: withBulkLimits(store.get(id)?.limits ?? NO_LIMITS, d, u) })).torrent,
      (_, torrent) => store.upsert(torrent),
    );
    setBusy(false);
    // After a failure the dialog stays, so Apply can be tried again; the toast says which failed.
    if (outcome.failures.length === 0) onClose();
  };

  return (
    <BulkDialog title={t('bulkDialog.limitsTitle')} targets={targets} applyLabel={t('limits.apply')} busy={busy} error={error} onApply={() => void apply()} onClose={onClose}>
      <div className="field-pair">
        <LimitInput label={t('settings.downLimit')} field={down} onChange={setDown} />
        <LimitInput label={t('settings.upLimit')} field={up} onChange={setUp} />
      </div>
      <p className="hint">{t('limits.hint')}</p>
    </BulkDialog>
  );
}

function LimitInput({ label, field, onChange }: { label: string; field: LimitField; onChange: (f: LimitField) => void }) {
  const { t } = useTranslation();
  return (
    <label className="field">
      <span>{label}</span>
      <input
        type="text"
        inputMode="decimal"
        value={field.text}
        placeholder={field.keep ? t('bulkDialog.keepEach') : t('settings.unlimited')}
        onChange={(e) => onChange({ text: e.target.value, keep: false })}
      />
    </label>
  );
}
