import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { sharedValue, type BulkTarget } from '../../lib/bulk';
import { useApp } from '../../state/app';
import { useBulk, useReadList } from '../../state/bulk';
import { FolderField } from '../FolderField';
import { BulkDialog } from './BulkDialog';

/**
 * Moves the torrents' data into another folder (`set_location`), one request each, so
 * something in the way stops only that torrent's move and the toast names it ("Moved 2
 * of 3: …"). The move goes on in the background, the torrent showing Moving; one that
 * fails later is a `move_failed` toast (`ruleEvents`). Starts from the folder they share.
 */
export function SetLocationDialog({ targets, onClose }: { targets: readonly BulkTarget[]; onClose: () => void }) {
  const { t } = useTranslation();
  const { call, store } = useApp();
  const bulk = useBulk();
  const readList = useReadList();
  const [folder, setFolder] = useState(() => {
    const shared = sharedValue(
      targets.map((x) => {
        const known = store.get(x.id);
        return known ? known.save_path : '';
      }),
      (a, b) => a === b,
    );
    return typeof shared === 'object' ? shared.value : '';
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const apply = async () => {
    const to = folder.trim();
    if (to === '') {
      setError(t('location.empty'));
      return;
    }
    setError(null);
    setBusy(true);
    const outcome = await bulk('location', targets, (id) => call({ type: 'set_location', ids: [id], folder: to }));
    // The answer is a bare "ok": the list shows them Moving.
    await readList();
    setBusy(false);
    if (outcome.failures.length === 0) onClose();
  };

  return (
    <BulkDialog title={t('location.title')} targets={targets} applyLabel={t('location.apply')} busy={busy} error={error} onApply={() => void apply()} onClose={onClose}>
      <FolderField label={t('location.folder')} value={folder} onChange={setFolder} />
      <p className="hint">{t('location.hint')}</p>
    </BulkDialog>
  );
}
