import { useTranslation } from 'react-i18next';
import type { BandwidthPriority } from '../bindings';
import { BANDWIDTH_PRIORITIES, isBandwidthPriority } from '../lib/torrentControls';

/** The Bandwidth priority field: low, normal or high, for a torrent or a category. */
export function BandwidthPrioritySelect({
  value,
  disabled = false,
  onChange,
}: {
  value: BandwidthPriority;
  disabled?: boolean;
  onChange: (priority: BandwidthPriority) => void;
}) {
  const { t } = useTranslation();
  return (
    <label className="field">
      <span>{t('queue.priority')}</span>
      <select value={value} disabled={disabled} onChange={(e) => isBandwidthPriority(e.target.value) && onChange(e.target.value)}>
        {BANDWIDTH_PRIORITIES.map((p) => (
          <option key={p} value={p}>
            {t(`queue.priorities.${p}`)}
          </option>
        ))}
      </select>
    </label>
  );
}
