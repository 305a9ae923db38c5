import * as Dialog from '@radix-ui/react-dialog';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { FormError } from './FormError';

export interface FormDialogProps {
  title: string;
  /** A line under the title: what it acts on. */
  description?: string;
  applyLabel: string;
  busy: boolean;
  error: string | null;
  onApply: () => void;
  onClose: () => void;
  /** Beside `dialog`: its width. */
  className?: string;
  children: ReactNode;
}

/**
 * The frame of a small dialog with a form: the title, the fields, an error to fix, Cancel
 * and Apply (Enter applies too). The menu's dialogs (`BulkDialog`) and the sidebar's
 * category and tag dialogs share it.
 */
export function FormDialog({ title, description, applyLabel, busy, error, onApply, onClose, className = 'bulk-dialog', children }: FormDialogProps) {
  const { t } = useTranslation();
  return (
    <Dialog.Root open onOpenChange={(open) => !open && onClose()}>
      <Dialog.Portal>
        <Dialog.Overlay className="dialog-overlay" />
        <Dialog.Content className={`dialog ${className}`} {...(description === undefined ? { 'aria-describedby': undefined } : {})}>
          <Dialog.Title className="dialog-title">{title}</Dialog.Title>
          {description === undefined ? null : <Dialog.Description className="dialog-text muted">{description}</Dialog.Description>}
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
