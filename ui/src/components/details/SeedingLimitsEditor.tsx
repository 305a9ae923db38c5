import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SeedingLimits, TorrentInfo } from '../../bindings';
import { NO_SEEDING_LIMITS, readSeedingDraft, sameSeedingLimits, seedingDraft, type SeedingDraft } from '../../lib/seedingLimits';
import { displayName } from '../../lib/torrents';
import { useAction } from '../../state/action';
import { useApp, useSettings } from '../../state/app';
import { FormError } from '../FormError';
import { SeedingLimitsFields } from '../SeedingLimitsFields';

interface Draft {
  /** Its own limits rather than the settings'. */
  own: boolean;
  fields: SeedingDraft;
}

/** This torrent's own seeding limits (`set_seeding_limits`), or the settings' for it. */
export function SeedingLimitsEditor({ torrent }: { torrent: TorrentInfo }) {
  const { t, i18n } = useTranslation();
  const { call, store, notify } = useApp();
  const global = useSettings()?.seeding_limits ?? null;
  const current = torrent.seeding_limits;
  const locale = i18n.language;
  const startFrom = (own: SeedingLimits | null): Draft => ({ own: own !== null, fields: seedingDraft(own ?? NO_SEEDING_LIMITS, locale) });
  const [draft, setDraft] = useState<Draft>(() => startFrom(current));
  // While it follows the settings the fields show theirs, greyed out, as a start for its own.
  const globalFields = seedingDraft(global ?? NO_SEEDING_LIMITS, locale);
  const fields = draft.own ? draft.fields : globalFields;
  const chooseOwn = () => setDraft((d) => (d.own ? d : { own: true, fields: current ? d.fields : globalFields }));
  const { busy, error, setError, run } = useAction();
  // Another torrent selected, or its limits changed elsewhere: show what is in force.
  // Progress events bring a new `torrent` every second; only a change of limits counts.
  const currentKey = JSON.stringify(current);
  useEffect(() => {
    setDraft(startFrom(current));
    setError(null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [torrent.id, currentKey, setError]);

  const read = draft.own ? readSeedingDraft(draft.fields) : { limits: null };
  const unchanged = !('invalid' in read) && sameSeedingLimits(read.limits, current);
  const apply = async () => {
    if ('invalid' in read) {
      setError(t(read.invalid === 'ratio' ? 'seeding.invalidRatio' : 'seeding.invalidMinutes'));
      return;
    }
    await run(async () => {
      const r = await call({ type: 'set_seeding_limits', id: torrent.id, limits: read.limits });
      store.upsert(r.torrent);
      notify('info', t('seeding.applied', { name: displayName(torrent) }));
    });
  };

  return (
    <form
      className="limits-editor seeding-editor"
      aria-label={t('seeding.title')}
      onSubmit={(e) => {
        e.preventDefault();
        void apply();
      }}
    >
      <h3 className="limits-title">{t('seeding.title')}</h3>
      <div className="seeding-choice">
        <label className="check">
          <input type="radio" name={`seeding-${torrent.id}`} checked={!draft.own} onChange={() => setDraft((d) => ({ ...d, own: false }))} />
          {t('seeding.useGlobal')}
        </label>
        <label className="check">
          <input type="radio" name={`seeding-${torrent.id}`} checked={draft.own} onChange={chooseOwn} />
          {t('seeding.useOwn')}
        </label>
      </div>
      <div className="limits-fields">
        <SeedingLimitsFields draft={fields} disabled={!draft.own} onChange={(patch) => setDraft((d) => ({ ...d, fields: { ...d.fields, ...patch } }))} />
        <button type="submit" className="btn" disabled={busy || unchanged}>
          {t('seeding.apply')}
        </button>
      </div>
      <FormError message={error} />
    </form>
  );
}
