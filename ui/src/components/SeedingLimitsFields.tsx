import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { SeedingAction, SeedingLimits } from '../bindings';
import { formatDuration } from '../lib/format';
import { ratioText, seedingSummary, type SeedingDraft } from '../lib/seedingLimits';

/**
 * The three seeding limits, each a checkbox and a value, and what happens at the first
 * one reached: the settings' global limits and a torrent's own use the same fields.
 */
export function SeedingLimitsFields({ draft, onChange, disabled = false }: { draft: SeedingDraft; onChange: (patch: Partial<SeedingDraft>) => void; disabled?: boolean }) {
  const { t } = useTranslation();
  return (
    <div className="seeding-fields">
      <LimitRow
        label={t('seeding.ratio')}
        valueLabel={t('seeding.ratioValue')}
        on={draft.ratioOn}
        value={draft.ratio}
        inputMode="decimal"
        disabled={disabled}
        onOn={(ratioOn) => onChange({ ratioOn })}
        onValue={(ratio) => onChange({ ratio })}
      />
      <LimitRow
        label={t('seeding.seedingTime')}
        valueLabel={t('seeding.seedingTimeValue')}
        unit={t('seeding.minutes')}
        on={draft.seedingOn}
        value={draft.seedingMinutes}
        inputMode="numeric"
        disabled={disabled}
        onOn={(seedingOn) => onChange({ seedingOn })}
        onValue={(seedingMinutes) => onChange({ seedingMinutes })}
      />
      <LimitRow
        label={t('seeding.inactiveTime')}
        valueLabel={t('seeding.inactiveTimeValue')}
        unit={t('seeding.minutes')}
        on={draft.inactiveOn}
        value={draft.inactiveMinutes}
        inputMode="numeric"
        disabled={disabled}
        onOn={(inactiveOn) => onChange({ inactiveOn })}
        onValue={(inactiveMinutes) => onChange({ inactiveMinutes })}
      />
      <label className="field seeding-action">
        <span>{t('seeding.action')}</span>
        <select value={draft.action} disabled={disabled} onChange={(e) => onChange({ action: e.target.value as SeedingAction })}>
          <option value="pause">{t('seeding.pause')}</option>
          <option value="remove">{t('seeding.remove')}</option>
        </select>
      </label>
    </div>
  );
}

interface LimitRowProps {
  label: string;
  valueLabel: string;
  unit?: string;
  on: boolean;
  value: string;
  inputMode: 'decimal' | 'numeric';
  disabled: boolean;
  onOn: (on: boolean) => void;
  onValue: (value: string) => void;
}

function LimitRow({ label, valueLabel, unit, on, value, inputMode, disabled, onOn, onValue }: LimitRowProps) {
  return (
    <div className="seeding-limit">
      <label className="check">
        <input type="checkbox" checked={on} disabled={disabled} onChange={(e) => onOn(e.target.checked)} />
        {label}
      </label>
      <input type="text" inputMode={inputMode} aria-label={valueLabel} value={value} disabled={disabled || !on} onChange={(e) => onValue(e.target.value)} />
      {unit ? <span className="unit">{unit}</span> : null}
    </div>
  );
}

/** "ratio 2, 1d seeding, then pause", or "none". */
export function seedingSummaryText(t: TFunction, limits: SeedingLimits, locale: string): string {
  return seedingSummary(limits)
    .map((part) => {
      const { ratio, minutes } = part.values ?? {};
      return t(`seeding.${part.key}`, {
        ratio: ratio === undefined ? '' : ratioText(ratio, locale),
        time: minutes === undefined ? '' : formatDuration(minutes * 60, locale),
      });
    })
    .join(', ');
}
