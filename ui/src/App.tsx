import type { SortingState } from '@tanstack/react-table';
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
import { useRunPerTorrent } from './components/torrentMenu/perTorrent';
import { TorrentMenu, type MenuAnchor } from './components/torrentMenu/TorrentMenu';
import { useRuleEvents } from './components/ruleEvents';
import { useBidFeed } from './components/speed/BidCell';
import { isView, ViewNav, type View } from './components/ViewNav';
import { MoneyPage } from './pages/MoneyPage';
import { SpeedSettingsPage } from './pages/SpeedSettingsPage';
import { WalletPage } from './pages/WalletPage';
import { bulkTarget } from './lib/bulk';
import { DEFAULT_COLUMN_PREFS, readColumnPrefs, shownColumns, storedColumnPrefs, withColumnChoice, withColumnWidth, type ColumnId, type ColumnPrefs } from './lib/columns';
import { inViewOrder } from './lib/torrentMenu';
import { countByFilter, displayName, filterTorrents, isStateFilter, looksLikeMagnet, looksLikeTorrentUrl, toggleAction, type StateFilter } from './lib/torrents';
import { countByTracker } from './lib/trackers';
import { useApp, useConnectionState, useSettings, useTorrents } from './state/app';
import { useBulk } from './state/bulk';
import { useLabelFilters } from './state/labelFilters';
import { useLabelsSync } from './state/labelSync';
import { useTrackerFilter } from './state/trackerFilter';
import { TORRENT_LIST_MS } from './state/queries';
import { applyTheme, isLanguage, loadPref, readPref, savePref, type LanguagePref, type ThemePref } from './state/prefs';

const isSorting = (v: unknown): v is SortingState =>
  Array.isArray(v) && v.every((s) => typeof s === 'object' && s !== null && typeof (s as { id?: unknown }).id === 'string');

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
  const [filter, setFilter] = useState<StateFilter>(() => loadPref('filter', 'all', isStateFilter));
  const [labelFilters, setLabelFilters] = useLabelFilters();
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<Set<TorrentId>>(new Set());
  const [anchor, setAnchor] = useState<TorrentId | null>(null);
  const [detailsId, setDetailsId] = useState<TorrentId | null>(null);
  const [addInput, setAddInput] = useState<AddInput | null>(null);
  const [removing, setRemoving] = useState<{ ids: TorrentId[]; deleteData: boolean } | null>(null);
  const setRemoveIds = useCallback((ids: TorrentId[] | null, deleteData = false) => setRemoving(ids ? { ids, deleteData } : null), []);
  const removeIds = removing?.ids ?? null;
  const [menu, setMenu] = useState<MenuAnchor | null>(null);
  const closeMenu = useCallback(() => setMenu(null), []);
  // The table's order, for the menu's copies and the bulk toasts. The table reports it
  // after each render (a ref, not state: rows change every second), so it may lag one render.
  const viewOrder = useRef<TorrentId[]>([]);
  const onViewOrder = useCallback((ids: TorrentId[]) => {
    viewOrder.current = ids;
  }, []);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [sorting, setSorting] = useState<SortingState>(() => loadPref('sorting', [], isSorting));
  // The user's choices; `shownColumns` fills in the defaults. Saved in the current shape
  // from the start, so one stored by an older version is read once.
  const [columns, setColumns] = useState<ColumnPrefs>(() => readPref('columns', DEFAULT_COLUMN_PREFS, readColumnPrefs));
  useEffect(() => savePref('columns', storedColumnPrefs(columns)), [columns]);
  const queueEnabled = useSettings()?.queue.enabled ?? false;
  const shown = useMemo(() => shownColumns(columns.visibility, queueEnabled), [columns.visibility, queueEnabled]);
  const setColumnOrder = useCallback((order: ColumnId[]) => setColumns((c) => ({ ...c, order })), []);
  const setColumnWidth = useCallback((id: ColumnId, width: number | null) => setColumns((c) => ({ ...c, widths: withColumnWidth(c.widths, id, width) })), []);
  const [dragging, setDragging] = useState(false);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [view, setView] = useState<View>(() => loadPref('view', 'torrents', isView));
  // The menu belongs to the page it opened on.
  useEffect(() => setMenu(null), [view]);

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
  useLabelsSync();
  useRuleEvents();
  useEffect(() => transport.onExternalAdd((source) => setAddInput({ kind: 'source', source })), [transport]);

  const trackerCounts = useMemo(() => countByTracker(torrents), [torrents]);
  const [trackerFilter, setTrackerFilter] = useTrackerFilter(store.isLoaded() ? trackerCounts : null);
  const visible = useMemo(() => filterTorrents(torrents, filter, search, labelFilters, trackerFilter), [torrents, filter, search, labelFilters, trackerFilter]);
  useBidFeed(view === 'torrents' && shown.bid !== false);
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

  const runPerTorrent = useRunPerTorrent();
  const runOnSelection = useCallback(
    async (kind: 'pause' | 'resume') => {
      const ids = inViewOrder(viewOrder.current, selected);
      await runPerTorrent(kind, ids.map((id) => bulkTarget(id, store.get(id))));
    },
    [selected, store, runPerTorrent],
  );

  const bulk = useBulk();
  const remove = useCallback(
    async (ids: TorrentId[], deleteData: boolean) => {
      setRemoveIds(null);
      const targets = ids.map((id) => bulkTarget(id, store.get(id)));
      await bulk('remove', targets, (id) => call({ type: 'remove', id, delete_data: deleteData }), (id) => store.remove(id));
    },
    [call, store, bulk, setRemoveIds],
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
        setRemoveIds(inViewOrder(viewOrder.current, sel));
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
        onRemove={() => setRemoveIds(inViewOrder(viewOrder.current, selected))}
        onMore={(button) => {
          const box = button.getBoundingClientRect();
          setMenu({ x: box.left, y: box.bottom, returnFocus: button });
        }}
        moreOpen={menu !== null}
        search={search}
        onSearch={setSearch}
        columnVisibility={shown}
        onColumnVisibility={(v) => setColumns((c) => ({ ...c, visibility: withColumnChoice(c.visibility, shown, v) }))}
        columnOrder={columns.order}
        onColumnOrder={setColumnOrder}
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
              torrents={torrents}
              labelFilters={labelFilters}
              onLabelFilters={setLabelFilters}
              trackerCounts={trackerCounts}
              trackerFilter={trackerFilter}
              onTrackerFilter={setTrackerFilter}
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
            onMenu={(x, y, table) => setMenu({ x, y, returnFocus: table })}
            onViewOrder={onViewOrder}
            sorting={sorting}
            onSortingChange={(s) => {
              setSorting(s);
              savePref('sorting', s);
            }}
            columnVisibility={shown}
            columnOrder={columns.order}
            columnWidths={columns.widths}
            onColumnOrder={setColumnOrder}
            onColumnWidth={setColumnWidth}
            emptyText={emptyText}
          />
          {details ? <DetailsPanel torrent={details} onClose={() => setDetailsId(null)} /> : null}
        </main>
        )}
      </div>
      <StatusBar />
      <AddDialog input={addInput} onClose={() => setAddInput(null)} />
      <RemoveDialog
        names={removeNames}
        deleteDataAtFirst={removing?.deleteData ?? false}
        onClose={() => setRemoveIds(null)}
        onConfirm={(d) => removeIds && void remove(removeIds, d)}
      />
      <TorrentMenu
        anchor={menu}
        selection={inViewOrder(viewOrder.current, selected)}
        onClose={closeMenu}
        onOpenDetails={setDetailsId}
        onRemove={(ids, deleteData) => setRemoveIds(ids, deleteData)}
      />
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
