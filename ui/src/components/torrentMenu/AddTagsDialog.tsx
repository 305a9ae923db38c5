import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BulkTarget } from '../../lib/bulk';
import { readTagList } from '../../lib/labels';
import { problemText } from '../labels/labelText';
import { TagsField } from '../labels/TagsField';
import { BulkDialog } from './BulkDialog';
import { useChangeTorrentTags } from './labelRequests';

/** The Tags submenu's Add…: tags for the torrents, new ones created (`add_torrent_tags`). */
export function AddTagsDialog({ targets, onClose }: { targets: readonly BulkTarget[]; onClose: () => void }) {
  const { t } = useTranslation();
  const changeTags = useChangeTorrentTags();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const apply = async () => {
    const read = readTagList(text);
    if (!read.ok) return setError(problemText(t, read));
    if (read.tags.length === 0) return setError(t('labels.problem.empty'));
    setError(null);
    setBusy(true);
    const accepted = await changeTags(targets, 'add', read.tags);
    setBusy(false);
    if (accepted) onClose();
  };

  return (
    <BulkDialog title={t('tagsDialog.title')} targets={targets} applyLabel={t('tagsDialog.apply')} busy={busy} error={error} onApply={() => void apply()} onClose={onClose}>
      <TagsField label={t('labels.tags')} value={text} onChange={setText} autoFocus />
    </BulkDialog>
  );
}
