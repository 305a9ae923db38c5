import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Category } from '../../bindings';
import type { BulkTarget } from '../../lib/bulk';
import { BulkDialog } from './BulkDialog';
import { useSetCategory } from './labelRequests';

/**
 * Choosing a category that has a folder: whether the torrents' data moves there too
 * (off at first, as a category's folder is where new torrents go, not a promise about
 * the old ones).
 */
export function CategoryMoveDialog({ targets, category, onClose }: { targets: readonly BulkTarget[]; category: Category; onClose: () => void }) {
  const { t } = useTranslation();
  const setCategory = useSetCategory();
  const [moveData, setMoveData] = useState(false);
  const [busy, setBusy] = useState(false);

  const apply = async () => {
    setBusy(true);
    const accepted = await setCategory(targets, category.name, moveData);
    setBusy(false);
    if (accepted) onClose();
  };

  return (
    <BulkDialog
      title={t('categoryDialog.title', { name: category.name })}
      targets={targets}
      applyLabel={t('categoryDialog.apply')}
      busy={busy}
      error={null}
      onApply={() => void apply()}
      onClose={onClose}
    >
      <label className="check">
        <input type="checkbox" checked={moveData} onChange={(e) => setMoveData(e.target.checked)} />
        {t('categoryDialog.moveData')}
      </label>
      <p className="hint">{t('categoryDialog.moveHint', { folder: category.save_path ?? '' })}</p>
    </BulkDialog>
  );
}
