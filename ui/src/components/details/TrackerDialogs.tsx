import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Request } from '../../bindings';
import type { BulkTarget } from '../../lib/bulk';
import { MAX_TRACKER_URL_CHARS, MAX_TRACKERS, readTrackerList, readTrackerUrl, type TrackerListError, type TrackerUrlProblem } from '../../lib/trackers';
import { useAction } from '../../state/action';
import { FormDialog } from '../FormDialog';

/** What the Trackers tab's dialogs and its Remove button send; each is answered with the torrent's trackers. */
export type TrackerChange = Extract<Request, { type: 'add_trackers' | 'edit_tracker' | 'remove_trackers' }>;

interface DialogProps {
  torrent: BulkTarget;
  /** Sends the change; the dialog stays open with the core's reason when it is refused. */
  onChange: (change: TrackerChange) => Promise<void>;
  onClose: () => void;
}

function problemText(t: TFunction, problem: TrackerUrlProblem, url: string): string {
  return t(`trackers.problem.${problem}`, { url, max: MAX_TRACKER_URL_CHARS });
}

function listErrorText(t: TFunction, error: TrackerListError): string {
  switch (error.kind) {
    case 'none':
      return t('trackers.problem.empty');
    case 'line':
      return t('trackers.onLine', { line: error.line, problem: problemText(t, error.problem, error.url) });
    case 'tooMany':
      return t('trackers.tooMany', { max: MAX_TRACKERS, total: error.total });
  }
}

/**
 * Adds trackers to a torrent (`add_trackers`), one URL per line. A line the core would
 * refuse is named before anything is sent; a refusal all the same stays in the dialog.
 */
export function AddTrackersDialog({ torrent, existing, onChange, onClose }: DialogProps & { existing: readonly string[] }) {
  const { t } = useTranslation();
  const { busy, error, setError, run } = useAction();
  const [text, setText] = useState('');

  const apply = () => {
    const read = readTrackerList(text, existing);
    if (!read.ok) return setError(listErrorText(t, read.error));
    void run(async () => {
      await onChange({ type: 'add_trackers', id: torrent.id, urls: read.urls });
      onClose();
    });
  };

  return (
    <FormDialog
      title={t('trackers.addTitle')}
      description={t('bulkDialog.forOne', { name: torrent.name })}
      applyLabel={t('trackers.addApply')}
      busy={busy}
      error={error}
      onApply={apply}
      onClose={onClose}
    >
      <label className="field">
        <span>{t('trackers.urls')}</span>
        <textarea className="mono" rows={6} value={text} placeholder={t('trackers.example')} onChange={(e) => setText(e.target.value)} spellCheck={false} autoFocus />
      </label>
      <p className="hint">{t('trackers.addHint')}</p>
    </FormDialog>
  );
}

/** Puts another URL in a tracker's place (`edit_tracker`); unchanged, it only closes. */
export function EditTrackerDialog({ torrent, url, onChange, onClose }: DialogProps & { url: string }) {
  const { t } = useTranslation();
  const { busy, error, setError, run } = useAction();
  const [text, setText] = useState(url);

  const apply = () => {
    const read = readTrackerUrl(text);
    if (!read.ok) return setError(problemText(t, read.problem, read.url));
    if (read.url === url) return onClose();
    void run(async () => {
      await onChange({ type: 'edit_tracker', id: torrent.id, url, new_url: read.url });
      onClose();
    });
  };

  return (
    <FormDialog
      title={t('trackers.editTitle')}
      description={t('bulkDialog.forOne', { name: torrent.name })}
      applyLabel={t('common.save')}
      busy={busy}
      error={error}
      onApply={apply}
      onClose={onClose}
    >
      <label className="field">
        <span>{t('trackers.url')}</span>
        <input type="text" className="mono" value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} autoFocus />
      </label>
    </FormDialog>
  );
}
