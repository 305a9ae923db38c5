import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { BulkTarget } from '../../lib/bulk';
import { FormDialog } from '../FormDialog';

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
 * for and which torrents, the fields, an error to fix before anything is sent, Cancel and
 * Apply. Whatever fails on the core's side is the bulk toast's to report.
 */
export function BulkDialog({ targets, ...rest }: Props) {
  const { t } = useTranslation();
  const first = targets[0];
  const description = targets.length === 1 && first ? t('bulkDialog.forOne', { name: first.name }) : t('bulkDialog.forMany', { count: targets.length });
  return <FormDialog {...rest} description={description} />;
}
