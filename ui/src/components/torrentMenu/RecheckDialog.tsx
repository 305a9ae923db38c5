import { useTranslation } from 'react-i18next';
import type { BulkTarget } from '../../lib/bulk';
import { useApp } from '../../state/app';
import { useOneRequest } from '../../state/bulk';
import { BulkDialog } from './BulkDialog';

/**
 * Asks before a force recheck, as qBittorrent does: until every piece has been read again
 * the torrents neither download nor upload. Then one `recheck` request names them all; the
 * dialog closes at once, the table shows them Checking, and a failure is the toast's.
 */
export function RecheckDialog({ targets, onClose }: { targets: readonly BulkTarget[]; onClose: () => void }) {
  const { t } = useTranslation();
  const { call } = useApp();
  const oneRequest = useOneRequest();

  const apply = () => {
    onClose();
    void oneRequest('recheck', targets, (ids) => call({ type: 'recheck', ids }));
  };

  return (
    <BulkDialog title={t('recheck.title')} targets={targets} applyLabel={t('recheck.apply')} busy={false} error={null} onApply={apply} onClose={onClose}>
      <p className="hint">{t('recheck.text')}</p>
    </BulkDialog>
  );
}
