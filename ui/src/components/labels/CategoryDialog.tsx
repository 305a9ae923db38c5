import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Category } from '../../bindings';
import { findCategory, readLabelName } from '../../lib/labels';
import { useAction } from '../../state/action';
import { useLabels } from '../../state/app';
import { useChangeLabels } from '../../state/labelSync';
import { FolderField } from '../FolderField';
import { FormDialog } from '../FormDialog';
import { problemText } from './labelText';

interface Props {
  /** The category to edit; none to create one. */
  category?: Category;
  onClose: () => void;
  /** Once saved: the category as the core keeps it (its folder resolved). */
  onSaved?: (saved: Category, before: Category | undefined) => void;
}

/**
 * A category's name and the folder its torrents are saved in (`set_category`, and
 * `rename_category` when an existing one gets a new name). Changing the folder moves no
 * data: Set location (or choosing the category again) does.
 */
export function CategoryDialog({ category, onClose, onSaved }: Props) {
  const { t } = useTranslation();
  const labels = useLabels();
  const change = useChangeLabels();
  const { busy, error, setError, run } = useAction();
  const [name, setName] = useState(category?.name ?? '');
  const [folder, setFolder] = useState(category?.save_path ?? '');

  const apply = () => {
    const read = readLabelName(name);
    if (!read.ok) {
      setError(problemText(t, read));
      return;
    }
    // `set_category` on an existing name changes its folder: creating must not do that unasked.
    if (read.name !== category?.name && findCategory(labels, read.name)) {
      setError(t('labels.categoryExists', { name: read.name }));
      return;
    }
    const savePath = folder.trim() === '' ? null : folder.trim();
    void run(async () => {
      let after = labels;
      if (category && category.name !== read.name) after = await change({ type: 'rename_category', from: category.name, to: read.name });
      if (!category || savePath !== category.save_path) after = await change({ type: 'set_category', name: read.name, save_path: savePath });
      onSaved?.(findCategory(after, read.name) ?? { name: read.name, save_path: savePath }, category);
      onClose();
    });
  };

  return (
    <FormDialog
      title={t(category ? 'labels.editCategoryTitle' : 'labels.newCategoryTitle')}
      applyLabel={t(category ? 'common.save' : 'labels.create')}
      busy={busy}
      error={error}
      onApply={apply}
      onClose={onClose}
    >
      <label className="field">
        <span>{t('labels.categoryName')}</span>
        <input type="text" value={name} onChange={(e) => setName(e.target.value)} spellCheck={false} autoFocus />
      </label>
      <FolderField label={t('labels.categoryFolder')} value={folder} onChange={setFolder} />
      <p className="hint">{t('labels.categoryFolderHint')}</p>
    </FormDialog>
  );
}
