import * as Dialog from '@radix-ui/react-dialog';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, TorrentPreview, TorrentSource } from '../bindings';
import { bytesToBase64 } from '../lib/base64';
import { selectedBytes } from '../lib/fileTree';
import { formatBytes } from '../lib/format';
import { findCategory, folderForCategory, readTagList } from '../lib/labels';
import { looksLikeMagnet, looksLikeTorrentUrl } from '../lib/torrents';
import { useApp, useLabels } from '../state/app';
import { FileTree } from './FileTree';
import { FolderField } from './FolderField';
import { FormError } from './FormError';
import { CategorySelect } from './labels/CategorySelect';
import { problemText } from './labels/labelText';
import { TagsField } from './labels/TagsField';
import { AddBid } from './speed/AddBid';
import type { BidResult } from './speed/bidDraft';

/** What the dialog was opened with: nothing, a pasted text, a dropped file, or a source from the desktop. */
export type AddInput = { kind: 'empty' } | { kind: 'text'; text: string } | { kind: 'file'; file: File } | { kind: 'source'; source: TorrentSource };

type Phase =
  | { step: 'input' }
  | { step: 'resolving'; source: TorrentSource }
  | { step: 'preview'; source: TorrentSource; preview: TorrentPreview }
  | { step: 'failed'; source: TorrentSource | null; error: ApiError };

interface Props {
  input: AddInput | null;
  onClose: () => void;
}

export function AddDialog({ input, onClose }: Props) {
  const { t } = useTranslation();
  return (
    <Dialog.Root open={input !== null} onOpenChange={(open) => !open && onClose()}>
      <Dialog.Portal>
        <Dialog.Overlay className="dialog-overlay" />
        <Dialog.Content className="dialog add-dialog" aria-describedby={undefined}>
          <Dialog.Title className="dialog-title">{t('add.title')}</Dialog.Title>
          {input ? <AddForm input={input} onClose={onClose} /> : null}
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

function sourceFromText(text: string): TorrentSource | null {
  const trimmed = text.trim();
  if (looksLikeMagnet(trimmed)) return { kind: 'magnet', value: trimmed };
  if (looksLikeTorrentUrl(trimmed)) return { kind: 'url', value: trimmed };
  return null;
}

async function sourceFromFile(file: File): Promise<TorrentSource> {
  return { kind: 'torrent_base64', value: bytesToBase64(new Uint8Array(await file.arrayBuffer())) };
}

function AddForm({ input, onClose }: { input: AddInput; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const { call, store, notify } = useApp();
  const [text, setText] = useState(input.kind === 'text' ? input.text : '');
  const [phase, setPhase] = useState<Phase>({ step: 'input' });
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [folder, setFolder] = useState('');
  // Until the user types a folder, the category's (or the download folder) fills it.
  const [folderTyped, setFolderTyped] = useState(false);
  const [downloadFolder, setDownloadFolder] = useState('');
  const labels = useLabels();
  const [category, setCategory] = useState<string | null>(null);
  const [tagsText, setTagsText] = useState('');
  const tags = readTagList(tagsText);
  const [paused, setPaused] = useState(false);
  const [adding, setAdding] = useState(false);
  const [bid, setBid] = useState<BidResult>({ ok: true, bid: null });
  const abort = useRef<AbortController | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    call({ type: 'get_settings' })
      .then((r) => {
        setDownloadFolder(r.settings.download_folder);
        setFolder((f) => f || r.settings.download_folder);
      })
      .catch(() => {});
    if (input.kind === 'text') startText(input.text);
    else if (input.kind === 'file') void startFile(input.file);
    else if (input.kind === 'source') start(input.source);
    return () => abort.current?.abort();
    // Runs once per opening: `input` is fixed for the dialog's life.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  function start(source: TorrentSource) {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setPhase({ step: 'resolving', source });
    call({ type: 'preview_torrent', source }, controller.signal)
      .then((r) => {
        if (controller.signal.aborted) return;
        setSelected(new Set(r.preview.files.map((f) => f.index)));
        setPhase({ step: 'preview', source, preview: r.preview });
      })
      .catch((e: ApiError) => {
        if (controller.signal.aborted) return;
        setPhase({ step: 'failed', source, error: e });
      });
  }

  /**
   * Drops a preview that is still resolving. The browser aborts its request; the core
   * cannot be told to stop a preview, so a magnet's lookup there ends by itself (it gives
   * up after 60 s without metadata) and its answer is ignored.
   */
  function stopResolving() {
    abort.current?.abort();
    abort.current = null;
    setPhase({ step: 'input' });
  }

  function startText(value: string) {
    const source = sourceFromText(value);
    if (source) start(source);
    else setPhase({ step: 'failed', source: null, error: { kind: 'bad_request', message: t('add.notALink') } });
  }

  async function startFile(file: File) {
    setText('');
    if (file.size > 32 * 1024 * 1024) {
      setPhase({ step: 'failed', source: null, error: { kind: 'invalid_torrent', message: t('add.fileTooBig') } });
      return;
    }
    start(await sourceFromFile(file));
  }

  async function add(source: TorrentSource, preview: TorrentPreview | null) {
    setAdding(true);
    const all = preview === null || selected.size === preview.files.length;
    try {
      const r = await call({
        type: 'add_torrent',
        source,
        options: {
          paused,
          files: all ? null : Array.from(selected).sort((a, b) => a - b),
          output_folder: folder.trim() || null,
          peers: [],
          limits: { download_bytes_per_sec: null, upload_bytes_per_sec: null },
          ...(bid.ok && bid.bid ? { bid: bid.bid } : {}),
          ...(category === null ? {} : { category }),
          tags: tags.ok ? tags.tags : [],
        },
      });
      store.upsert(r.torrent);
      notify('info', t('add.added', { name: r.torrent.name ?? r.torrent.id }));
      onClose();
    } catch (e) {
      const error = e as ApiError;
      setPhase({ step: 'failed', source, error });
    } finally {
      setAdding(false);
    }
  }

  const preview = phase.step === 'preview' ? phase.preview : null;
  const source = phase.step === 'input' ? null : phase.source;
  const canAddUnresolved = source?.kind === 'magnet' && (phase.step === 'resolving' || phase.step === 'failed');

  return (
    <form
      className="add-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (preview && source) void add(source, preview);
        else startText(text);
      }}
    >
      <div className="add-source">
        <label className="field grow">
          <span>{t('add.linkLabel')}</span>
          <input
            type="text"
            value={text}
            placeholder={t('add.linkPlaceholder')}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              // The Add button is disabled until a preview exists, so Enter would do nothing.
              if (e.key === 'Enter' && !preview) {
                e.preventDefault();
                startText(text);
              }
            }}
            autoFocus={input.kind === 'empty'}
            spellCheck={false}
          />
        </label>
        <button type="button" className="btn" onClick={() => startText(text)} disabled={text.trim() === ''}>
          {t('add.fetch')}
        </button>
        <button type="button" className="btn" onClick={() => fileInput.current?.click()}>
          {t('add.chooseFile')}
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".torrent,application/x-bittorrent"
          className="visually-hidden"
          data-testid="add-file-input"
          aria-label={t('add.chooseFile')}
          tabIndex={-1}
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void startFile(file);
            e.target.value = '';
          }}
        />
      </div>

      {phase.step === 'resolving' ? (
        <div className="resolving" role="status" aria-live="polite">
          <span className="spinner" aria-hidden="true" />
          <span className="grow">{t(source?.kind === 'magnet' ? 'add.resolvingMagnet' : 'add.reading')}</span>
          <button type="button" className="btn" onClick={stopResolving}>
            {t('add.stopResolving')}
          </button>
        </div>
      ) : null}

      {phase.step === 'failed' ? (
        <div className="form-error" role="alert">
          <strong>{t(`errors.${phase.error.kind}`, { defaultValue: t('errors.internal') })}</strong> {phase.error.message}
        </div>
      ) : null}

      {preview ? (
        <div className="preview">
          <div className="preview-head">
            <span className="preview-name">{preview.name ?? preview.id}</span>
            <span className="muted" data-testid="selected-total">
              {t('add.selectedTotal', {
                selected: formatBytes(selectedBytes(preview.files, selected), i18n.language),
                total: formatBytes(preview.total_bytes, i18n.language),
                count: selected.size,
              })}
            </span>
          </div>
          <FileTree files={preview.files} selected={selected} onChange={setSelected} />
        </div>
      ) : null}

      <div className="add-options">
        <FolderField
          label={t('add.saveTo')}
          value={folder}
          onChange={(f) => {
            setFolder(f);
            setFolderTyped(true);
          }}
        />
        <label className="check">
          <input type="checkbox" checked={paused} onChange={(e) => setPaused(e.target.checked)} />
          {t('add.startPaused')}
        </label>
      </div>
      <div className="field-pair add-labels">
        <CategorySelect
          label={t('labels.category')}
          value={category}
          onChange={(name) => {
            setCategory(name);
            if (!folderTyped) setFolder(folderForCategory(findCategory(labels, name), downloadFolder));
          }}
        />
        <TagsField label={t('labels.tags')} value={tagsText} onChange={setTagsText} />
      </div>
      <FormError message={tags.ok ? null : problemText(t, tags)} />
      <AddBid onChange={setBid} />

      <div className="dialog-actions">
        {canAddUnresolved && source ? (
          <button type="button" className="btn" onClick={() => void add(source, null)} disabled={adding || !tags.ok}>
            {t('add.addWithoutPreview')}
          </button>
        ) : null}
        <span className="spacer" />
        <Dialog.Close asChild>
          <button type="button" className="btn">
            {t('common.cancel')}
          </button>
        </Dialog.Close>
        <button type="submit" className="btn primary" disabled={!preview || selected.size === 0 || adding || !bid.ok || !tags.ok}>
          {t('add.add')}
        </button>
      </div>
    </form>
  );
}
