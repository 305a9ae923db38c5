import * as Dialog from '@radix-ui/react-dialog';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

interface Props {
  /** Names of the torrents to remove; `null` when closed. */
  names: string[] | null;
  /** Whether "delete the data" starts ticked (the menu's Remove with data…). */
  deleteDataAtFirst?: boolean;
  onConfirm: (deleteData: boolean) => void;
  onClose: () => void;
}

export function RemoveDialog({ names, deleteDataAtFirst = false, onConfirm, onClose }: Props) {
  const { t } = useTranslation();
  const [deleteData, setDeleteData] = useState(deleteDataAtFirst);
  const open = names !== null;
  const [wasOpen, setWasOpen] = useState(open);
  // Each opening starts from what the caller asked for (adjusted while rendering, so the
  // first frame already shows it).
  if (open !== wasOpen) {
    setWasOpen(open);
    if (open) setDeleteData(deleteDataAtFirst);
  }
  const count = names?.length ?? 0;
  return (
    <Dialog.Root
      open={open}
      onOpenChange={(next) => {
        if (!next) {
          setDeleteData(false);
          onClose();
        }
      }}
    >
      <Dialog.Portal>
        <Dialog.Overlay className="dialog-overlay" />
        <Dialog.Content className="dialog confirm-dialog" role="alertdialog">
          <Dialog.Title className="dialog-title">{t('remove.title', { count })}</Dialog.Title>
          <Dialog.Description className="dialog-text">
            {count === 1 && names ? t('remove.one', { name: names[0] }) : t('remove.many', { count })}
          </Dialog.Description>
          <label className="check">
            <input type="checkbox" checked={deleteData} onChange={(e) => setDeleteData(e.target.checked)} />
            {t('remove.deleteData')}
          </label>
          {deleteData ? <p className="warning">{t('remove.deleteWarning')}</p> : null}
          <div className="dialog-actions">
            <span className="spacer" />
            <Dialog.Close asChild>
              <button type="button" className="btn" autoFocus>
                {t('common.cancel')}
              </button>
            </Dialog.Close>
            <button
              type="button"
              className="btn danger"
              onClick={() => {
                onConfirm(deleteData);
                setDeleteData(false);
              }}
            >
              {t('remove.confirm')}
            </button>
          </div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
