import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BulkTarget } from '../../lib/bulk';
import { MAX_TORRENT_NAME_CHARS, readTorrentName } from '../../lib/torrents';
import { useAction } from '../../state/action';
import { useApp } from '../../state/app';
import { FormDialog } from '../FormDialog';

/**
 * The name a torrent is shown under (`rename_torrent`): in the list, the details and the
 * toasts, not on disk. An empty field gives it its own name back. A name the core would
 * refuse is explained before anything is sent; a refusal all the same stays in the dialog.
 */
export function RenameDialog({ target, onClose }: { target: BulkTarget; onClose: () => void }) {
  const { t } = useTranslation();
  const { call, store } = useApp();
  const { busy, error, setError, run } = useAction();
  // The name, not `target.name`: a torrent still resolving is named by its id there.
  const [text, setText] = useState(() => store.get(target.id)?.name ?? '');

  const apply = () => {
    const read = readTorrentName(text);
    if (!read.ok) return setError(t(`rename.problem.${read.problem}`, { max: MAX_TORRENT_NAME_CHARS }));
    void run(async () => {
      const { torrent } = await call({ type: 'rename_torrent', id: target.id, name: read.name });
      // The table shows it at once, without waiting for the core's progress event.
      store.upsert(torrent);
      onClose();
    });
  };

  return (
    <FormDialog
      title={t('rename.title')}
      description={t('bulkDialog.forOne', { name: target.name })}
      applyLabel={t('rename.apply')}
      busy={busy}
      error={error}
      onApply={apply}
      onClose={onClose}
    >
      <label className="field">
        <span>{t('rename.name')}</span>
        <input
          type="text"
          value={text}
          onChange={(e) => setText(e.target.value)}
          // Selected, so typing replaces the whole name.
          onFocus={(e) => e.currentTarget.select()}
          spellCheck={false}
          autoFocus
        />
      </label>
      <p className="hint">{t('rename.hint')}</p>
    </FormDialog>
  );
}
