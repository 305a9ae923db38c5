import { useTranslation } from 'react-i18next';
import { useApp } from '../state/app';

interface Props {
  label: string;
  value: string;
  onChange: (folder: string) => void;
}

/**
 * A folder path: typed, and in the desktop app also chosen with the system's picker.
 * A browser cannot tell a page a folder's path, so there it stays a text field.
 */
export function FolderField({ label, value, onChange }: Props) {
  const { t } = useTranslation();
  const { transport, notify } = useApp();
  const pick = transport.pickFolder;
  return (
    <div className="folder-field">
      <label className="field grow">
        <span>{label}</span>
        <input type="text" value={value} onChange={(e) => onChange(e.target.value)} spellCheck={false} />
      </label>
      {pick ? (
        <button
          type="button"
          className="btn"
          onClick={() => {
            pick(t('common.chooseFolderTitle'), value)
              .then((folder) => folder && onChange(folder))
              .catch((e: unknown) => notify('error', e instanceof Error ? e.message : String(e)));
          }}
        >
          {t('common.chooseFolder')}
        </button>
      ) : null}
    </div>
  );
}
