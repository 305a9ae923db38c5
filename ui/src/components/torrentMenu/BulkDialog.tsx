import * as Dialog from '@radix-ui/react-dialog';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { BulkTarget } from '../../lib/bulk';
import { FormError } from '../FormError';

interface Props {
  title: string;
  /** The torrents it changes, as they were when the menu opened. */
  targets: readonly BulkTarget[];
  applyLabel: string;
  busy: boolean;
  error: string | null;
  onApply: () => void;
  onClose: () => void;
  children: ReactNode;
}

/**
 * The frame of a menu dialog that changes one or several torrents at once: what it is
 * for, the fields, an error to fix before anything is sent, Cancel and Apply. Whatever
 * fails on the core's side is the bulk toast's to report.
 */
export function BulkDialog({ title, targets, applyLabel, busy, error, onApply, onClose, children }: Props) {
  const { t } = useTranslation();
  const first = targets[0];
  return (
    <Dialog.Root open onOpenChange={(open) => !open && onClose()}>
      <Dialog.Portal>
        <Dialog.Overlay className="dialog-overlay" />
        <Dialog.Content className="dialog bulk-dialog">
          <Dialog.Title className="dialog-title">{title}</Dialog.Title>
          <Dialog.Description className="dialog-text muted">
            {targets.length === 1 && first ? t('bulkDialog.forOne', { name: first.name }) : t('bulkDialog.forMany', { count: targets.length })}
          </Dialog.Description>
          <form
            className="bulk-form"
            onSubmit={(e) => {
              e.preventDefault();
              onApply();
            }}
          >
            {children}
            <FormError message={error} />
            <div className="dialog-actions">
              <span className="spacer" />
              <Dialog.Close asChild>
                <button type="button" className="btn">
                  {t('common.cancel')}
                </button>
              </Dialog.Close>
              <button type="submit" className="btn primary" disabled={busy}>
                {applyLabel}
              </button>
            </div>
          </form>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
