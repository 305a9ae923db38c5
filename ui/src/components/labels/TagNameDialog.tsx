import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { readLabelName, readTagList } from '../../lib/labels';
import { useAction } from '../../state/action';
import { useChangeLabels } from '../../state/labelSync';
import { FormDialog } from '../FormDialog';
import { problemText } from './labelText';

type Props =
  /** New tags, several at once with commas between them (`create_tags`). */
  | { rename?: undefined; onClose: () => void; onRenamed?: undefined }
  /** A tag's new name (`rename_tag`); its torrents keep it under the new name. */
  | { rename: string; onClose: () => void; onRenamed?: (from: string, to: string) => void };

export function TagNameDialog({ rename, onClose, onRenamed }: Props) {
  const { t } = useTranslation();
  const change = useChangeLabels();
  const { busy, error, setError, run } = useAction();
  const [text, setText] = useState(rename ?? '');

  const apply = () => {
    if (rename === undefined) {
      const read = readTagList(text);
      if (!read.ok) return setError(problemText(t, read));
      if (read.tags.length === 0) return setError(t('labels.problem.empty'));
      void run(async () => {
        await change({ type: 'create_tags', names: read.tags });
        onClose();
      });
      return;
    }
    const read = readLabelName(text);
    if (!read.ok) return setError(problemText(t, read));
    void run(async () => {
      await change({ type: 'rename_tag', from: rename, to: read.name });
      onRenamed?.(rename, read.name);
      onClose();
    });
  };

  return (
    <FormDialog
      title={t(rename === undefined ? 'labels.newTagTitle' : 'labels.renameTagTitle')}
      applyLabel={t(rename === undefined ? 'labels.create' : 'common.save')}
      busy={busy}
      error={error}
      onApply={apply}
      onClose={onClose}
    >
      <label className="field">
        <span>{t(rename === undefined ? 'labels.tags' : 'labels.tagName')}</span>
        <input type="text" value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} autoFocus />
      </label>
      {rename === undefined ? <p className="hint">{t('labels.newTagsHint')}</p> : null}
    </FormDialog>
  );
}
