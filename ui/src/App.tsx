import type { SortingState, VisibilityState } from '@tanstack/react-table';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, TorrentId } from './bindings';
import { AddDialog, type AddInput } from './components/AddDialog';
import { DetailsPanel } from './components/DetailsPanel';
import { RemoveDialog } from './components/RemoveDialog';
import { SettingsDialog } from './components/SettingsDialog';
import { Sidebar } from './components/Sidebar';
import { StatusBar } from './components/StatusBar';
import { Toasts } from './components/Toasts';
import { Toolbar } from './components/Toolbar';
import { TorrentTable } from './components/TorrentTable';
import { useRuleEvents } from './components/ruleEvents';
import { useBidFeed } from './components/speed/BidCell';
import { isView, ViewNav, type View } from './components/ViewNav';
import { MoneyPage } from './pages/MoneyPage';
import { SpeedSettingsPage } from './pages/SpeedSettingsPage';
import { WalletPage } from './pages/WalletPage';
import { countByFilter, displayName, filterTorrents, looksLikeMagnet, looksLikeTorrentUrl, toggleAction, type StateFilter } from './lib/torrents';
import { useApp, useConnectionState, useTorrents } from './state/app';
import { TORRENT_LIST_MS } from './state/queries';
import { applyTheme, isBoolRecord, isLanguage, loadPref, savePref, type LanguagePref, type ThemePref } from './state/prefs';

const isSorting = (v: unknown): v is SortingState =>
  Array.isArray(v) && v.every((s) => typeof s === 'object' && s !== null && typeof (s as { id?: unknown }).id === 'string');
const isFilter = (v: unknown): v is StateFilter =>
  v === 'all' || v === 'downloading' || v === 'seeding' || v === 'paused' || v === 'completed' || v === 'error';

/** Keys typed into a field or a dialog belong to it, not to the torrent list. */
function keyBelongsToControl(e: KeyboardEvent): boolean {
  const target = e.target as HTMLElement | null;
  if (!target) return false;
  if (target.closest('[role="dialog"], [role="alertdialog"], [role="menu"]')) return true;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable || (tag === 'BUTTON' && (e.key === ' ' || e.key === 'Enter'));
}

function dialogOpen(): boolean {
  return document.querySelector('[role="dialog"], [role="alertdialog"]') !== null;
}

interface ShellProps {
  language: LanguagePref;
  onLanguage: (l: LanguagePref) => void;
  theme: ThemePref;
  onTheme: (t: ThemePref) => void;
}

export function Shell({ language, onLanguage, theme, onTheme }: ShellProps) {
  const { t } = useTranslation();
  const { call, store, settings, transport, notify } = useApp();
  const torrents = useTorrents();
  const connection = useConnectionState();
  const [filter, setFilter] = useState<StateFilter>(() => loadPref('filter', 'all', isFilter));
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<Set<TorrentId>>(new Set());
  const [anchor, setAnchor] = useState<TorrentId | null>(null);
  const [detailsId, setDetailsId] = useState<TorrentId | null>(null);
  const [addInput, setAddInput] = useState<AddInput | null>(null);
  const [removeIds, setRemoveIds] = useState<TorrentId[] | null>(null);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [sorting, setSorting] = useState<SortingState>(() => loadPref('sorting', [], isSorting));
  const [columns, setColumns] = useState<VisibilityState>(() => loadPref('columns', { added: false }, isBoolRecord));
  const [dragging, setDragging] = useState(false);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [view, setView] = useState<View>(() => loadPref('view', 'torrents', isView));

  // The list: once at start, on every reconnect, and every 10 s as a safety net for
  // changes no event reports (a torrent paused by another UI, say).
  useEffect(() => {
    let live = true;
    const load = () =>
      call({ type: 'list_torrents' })
        .then((r) => {
          if (live) {
            store.replaceAll(r.torrents);
            setLoadError(null);
          }
        })
        .catch((e: ApiError) => live && setLoadError(e));
    if (connection === 'connected' || connection === 'connecting') void load();
    const timer = window.setInterval(load, TORRENT_LIST_MS);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, [call, store, connection]);

  // The settings the status bar and the details panel show: like the list, at start and
  // on every reconnect; saves and the schedule's event keep them current in between.
  useEffect(() => {
    if (connection === 'connected' || connection === 'connecting') void settings.load(call);
  }, [call, settings, connection]);

  useEffect(() => transport.subscribe((e) => store.apply(e)), [transport, store]);
  useRuleEvents();
  useEffect(() => transport.onExternalAdd((source) => setAddInput({ kind: 'source', source })), [transport]);

  const visible = useMemo(() => filterTorrents(torrents, filter, search), [torrents, filter, search]);
  useBidFeed(view === 'torrents' && columns.bid !== false);
  const counts = useMemo(() => countByFilter(torrents), [torrents]);

  // Forget selected torrents that are gone.
  useEffect(() => {
    const known = new Set(torrents.map((x) => x.id));
    setSelected((s) => {
      const kept = new Set([...s].filter((id) => known.has(id)));
      return kept.size === s.size ? s : kept;
    });
    if (detailsId && !known.has(detailsId) && store.isLoaded()) setDetailsId(null);
  }, [torrents, detailsId, store]);

  const select = useCallback((ids: Set<TorrentId>, a: TorrentId | null) => {
    setSelected(ids);
    setAnchor(a);
  }, []);

  const runOnSelection = useCallback(
    async (kind: 'pause' | 'resume') => {
      const ids = [...selected];
      const results = await Promise.allSettled(ids.map((id) => call({ type: kind, id })));
      results.forEach((r) => {
        if (r.status === 'fulfilled') store.upsert(r.value.torrent);
        if (r.status === 'rejected') notify('error', (r.reason as ApiError).message);
      });
    },
    [selected, call, store, notify],
  );

  const remove = useCallback(
    async (ids: TorrentId[], deleteData: boolean) => {
      setRemoveIds(null);
      const results = await Promise.allSettled(ids.map((id) => call({ type: 'remove', id, delete_data: deleteData })));
      results.forEach((r, i) => {
        const id = ids[i];
        if (r.status === 'fulfilled' && id) store.remove(id);
        if (r.status === 'rejected') notify('error', (r.reason as ApiError).message);
      });
    },
    [call, store, notify],
  );

  // Keyboard shortcuts for the list; fields and dialogs keep their own keys.
  const latest = useRef({ selected, anchor, visible, runOnSelection, view });
  latest.current = { selected, anchor, visible, runOnSelection, view };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (keyBelongsToControl(e) || dialogOpen() || latest.current.view !== 'torrents') return;
      const { selected: sel, anchor: a, visible: vis } = latest.current;
      if ((e.key === 'a' || e.key === 'A') && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        setSelected(new Set(vis.map((x) => x.id)));
        return;
      }
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === 'Delete' && sel.size > 0) {
        e.preventDefault();
        setRemoveIds([...sel]);
      } else if (e.key === ' ' && sel.size > 0) {
        e.preventDefault();
        const action = toggleAction(vis.filter((x) => sel.has(x.id)).map((x) => x.state));
        if (action) void latest.current.runOnSelection(action);
      } else if (e.key === 'Enter' && sel.size > 0) {
        e.preventDefault();
        setDetailsId(a && sel.has(a) ? a : ([...sel][0] ?? null));
      } else if (e.key === 'Escape') {
        setSelected(new Set());
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // A magnet link or torrent URL pasted anywhere outside a field opens the add dialog.
  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.isContentEditable)) return;
      if (dialogOpen()) return;
      const file = Array.from(e.clipboardData?.files ?? []).find((f) => f.name.toLowerCase().endsWith('.torrent'));
      if (file) {
        e.preventDefault();
        setAddInput({ kind: 'file', file });
        return;
      }
      const text = e.clipboardData?.getData('text/plain') ?? '';
      if (looksLikeMagnet(text) || looksLikeTorrentUrl(text)) {
        e.preventDefault();
        setAddInput({ kind: 'text', text });
      }
    };
    document.addEventListener('paste', onPaste);
    return () => document.removeEventListener('paste', onPaste);
  }, []);

  // A .torrent file dropped anywhere opens the add dialog.
  useEffect(() => {
    let depth = 0;
    const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
    const onEnter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth += 1;
      setDragging(true);
    };
    const onLeave = () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const onOver = (e: DragEvent) => {
      if (hasFiles(e)) e.preventDefault();
    };
    const onDrop = (e: DragEvent) => {
      depth = 0;
      setDragging(false);
      const files = Array.from(e.dataTransfer?.files ?? []);
      if (files.length === 0) return;
      e.preventDefault();
      const file = files.find((f) => f.name.toLowerCase().endsWith('.torrent'));
      if (file) setAddInput({ kind: 'file', file });
      else notify('error', t('add.dropNotTorrent'));
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('dragover', onOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('drop', onDrop);
    };
  }, [notify, t]);

  const details = detailsId ? torrents.find((x) => x.id === detailsId) : undefined;
  const emptyText = !store.isLoaded()
    ? loadError
      ? t('torrents.loadFailed', { message: loadError.message })
      : t('common.loading')
    : torrents.length === 0
      ? t('torrents.empty')
      : t('torrents.noMatch');

  const removeNames = removeIds?.map((id) => {
    const x = store.get(id);
    return x ? displayName(x) : id;
  }) ?? null;

  return (
    <div className="app">
      <Toolbar
        selectedCount={selected.size}
        onAdd={() => setAddInput({ kind: 'empty' })}
        onPause={() => void runOnSelection('pause')}
        onResume={() => void runOnSelection('resume')}
        onRemove={() => setRemoveIds([...selected])}
        search={search}
        onSearch={setSearch}
        columnVisibility={columns}
        onColumnVisibility={(v) => {
          setColumns(v);
          savePref('columns', v);
        }}
        onSettings={() => setSettingsOpen(true)}
      />
      <div className="main">
        <div className="side-column">
          <ViewNav
            view={view}
            onView={(v) => {
              setView(v);
              savePref('view', v);
            }}
          />
          {view === 'torrents' ? (
            <Sidebar
              filter={filter}
              counts={counts}
              onFilter={(f) => {
                setFilter(f);
                savePref('filter', f);
              }}
            />
          ) : null}
        </div>
        {view === 'wallet' ? (
          <main className="content page-scroll">
            <WalletPage />
          </main>
        ) : view === 'money' ? (
          <main className="content page-scroll">
            <MoneyPage />
          </main>
        ) : view === 'speed' ? (
          <main className="content page-scroll">
            <SpeedSettingsPage />
          </main>
        ) : (
        <main className="content">
          <TorrentTable
            torrents={visible}
            selected={selected}
            anchor={anchor}
            onSelect={select}
            onOpen={setDetailsId}
            sorting={sorting}
            onSortingChange={(s) => {
              setSorting(s);
              savePref('sorting', s);
            }}
            columnVisibility={columns}
            emptyText={emptyText}
          />
          {details ? <DetailsPanel torrent={details} onClose={() => setDetailsId(null)} /> : null}
        </main>
        )}
      </div>
      <StatusBar />
      <AddDialog input={addInput} onClose={() => setAddInput(null)} />
      <RemoveDialog names={removeNames} onClose={() => setRemoveIds(null)} onConfirm={(d) => removeIds && void remove(removeIds, d)} />
      <SettingsDialog open={settingsOpen} onClose={() => setSettingsOpen(false)} language={language} onLanguage={onLanguage} theme={theme} onTheme={onTheme} />
      {dragging ? (
        <div className="drop-overlay" aria-hidden="true">
          <div className="drop-card">{t('add.dropHere')}</div>
        </div>
      ) : null}
      <Toasts />
    </div>
  );
}

export function LoginRequired({ reason }: { reason: 'no_token' | 'unauthorized' }) {
  const { t } = useTranslation();
  return (
    <div className="login-required" role="alert">
      <div className="login-card">
        <h1>{t(reason === 'no_token' ? 'login.title' : 'login.rejectedTitle')}</h1>
        <p>{t(reason === 'no_token' ? 'login.text' : 'login.rejectedText')}</p>
        <pre className="mono">{t('login.command')}</pre>
      </div>
    </div>
  );
}

export function usePrefsApplied(theme: ThemePref, language: LanguagePref) {
  const { i18n } = useTranslation();
  useEffect(() => {
    applyTheme(theme);
    savePref('theme', theme);
  }, [theme]);
  useEffect(() => {
    if (isLanguage(language) && i18n.language !== language) void i18n.changeLanguage(language);
    savePref('language', language);
  }, [language, i18n]);
}
