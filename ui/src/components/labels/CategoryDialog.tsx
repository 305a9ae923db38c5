import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BandwidthPriority, Category } from '../../bindings';
import { categoryRequests, findCategory, readLabelName } from '../../lib/labels';
import { BandwidthPrioritySelect } from '../BandwidthPrioritySelect';
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
 * A category's name, the folder its torrents are saved in and its bandwidth priority
 * (`set_category`, and `rename_category` when an existing one gets a new name). Changing
 * the folder moves no data: Set location (or choosing the category again) does.
 */
export function CategoryDialog({ category, onClose, onSaved }: Props) {
  const { t } = useTranslation();
  const labels = useLabels();
  const change = useChangeLabels();
  const { busy, error, setError, run } = useAction();
  const [name, setName] = useState(category?.name ?? '');
  const [folder, setFolder] = useState(category?.save_path ?? '');
  const [priority, setPriority] = useState<BandwidthPriority>(category?.bandwidth_priority ?? 'normal');

  const apply = () => {
    const read = readLabelName(name);
    if (!read.ok) {
      setError(problemText(t, read));
      return;
    }
    // `set_category` on an existing name changes its folder and priority: creating must not do that unasked.
    if (read.name !== category?.name && findCategory(labels, read.name)) {
      setError(t('labels.categoryExists', { name: read.name }));
      return;
    }
    const wanted: Category = { name: read.name, save_path: folder.trim() === '' ? null : folder.trim(), bandwidth_priority: priority };
    void run(async () => {
      let after = labels;
      for (const request of categoryRequests(category, wanted)) after = await change(request);
      onSaved?.(findCategory(after, read.name) ?? wanted, category);
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
      <BandwidthPrioritySelect value={priority} onChange={setPriority} />
      <p className="hint">{t('labels.categoryPriorityHint')}</p>
    </FormDialog>
  );
}
