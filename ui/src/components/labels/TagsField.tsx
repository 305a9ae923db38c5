import { useTranslation } from 'react-i18next';
import { toggleTagInText, typedTags } from '../../lib/labels';
import { useLabels } from '../../state/app';

interface Props {
  label: string;
  /** The tags as typed, with commas between them. */
  value: string;
  onChange: (text: string) => void;
  autoFocus?: boolean;
}

/**
 * Tags typed with commas between them (new ones are created), and the existing tags as
 * buttons that put a tag in the list or take it out.
 */
export function TagsField({ label, value, onChange, autoFocus }: Props) {
  const { t } = useTranslation();
  const tags = useLabels()?.tags ?? [];
  const typed = new Set(typedTags(value));
  return (
    <div className="tags-field">
      <label className="field">
        <span>{label}</span>
        <input type="text" value={value} onChange={(e) => onChange(e.target.value)} placeholder={t('labels.tagsPlaceholder')} spellCheck={false} autoFocus={autoFocus} />
      </label>
      {tags.length > 0 ? (
        <div className="tag-chips" role="group" aria-label={t('labels.existingTags')}>
          {tags.map((tag) => (
            <button key={tag} type="button" className="tag-chip" aria-pressed={typed.has(tag)} onClick={() => onChange(toggleTagInText(value, tag))}>
              {tag}
            </button>
          ))}
        </div>
      ) : null}
      <p className="hint">{t('labels.tagsHint')}</p>
    </div>
  );
}
