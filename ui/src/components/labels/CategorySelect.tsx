import { useTranslation } from 'react-i18next';
import { useLabels } from '../../state/app';

interface Props {
  label: string;
  /** The category's name; `null` for none. */
  value: string | null;
  onChange: (name: string | null) => void;
}

/** A choice of category, None first. One removed meanwhile stays listed while chosen, so saving does not drop it unasked. */
export function CategorySelect({ label, value, onChange }: Props) {
  const { t } = useTranslation();
  const names = useLabels()?.categories.map((c) => c.name) ?? [];
  const shown = value !== null && !names.includes(value) ? [...names, value] : names;
  return (
    <label className="field">
      <span>{label}</span>
      {/* No name is empty (crates/api `Label`), so "" can stand for none. */}
      <select value={value ?? ''} onChange={(e) => onChange(e.target.value === '' ? null : e.target.value)}>
        <option value="">{t('labels.noCategory')}</option>
        {shown.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}
