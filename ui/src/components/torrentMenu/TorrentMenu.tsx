/**
 * The torrent table's context menu: opened by a right-click on a row, by Shift+F10 or
 * the Menu key in the table, and by the toolbar's "⋯" button; it acts on the whole
 * selection. Radix's dropdown menu gives it the menu semantics (roles, arrow keys,
 * typeahead, Enter, Esc, a click outside) and keeps it inside the window, flipping at
 * the right and bottom edges; it hangs from a zero-size trigger placed where it opened.
 * Which items show is `lib/torrentMenu`'s; how each one runs is `RUN` below.
 */
import * as DropdownMenu from '@radix-ui/react-dropdown-menu';
import { useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BandwidthPriority, Category, QueueMove, TorrentId, TorrentInfo } from '../../bindings';
import { bulkTarget, type BulkTarget } from '../../lib/bulk';
import { findCategory, tagToggleAfter } from '../../lib/labels';
import { displayName } from '../../lib/torrents';
import {
  clipboardText,
  forceStartAfter,
  PRIORITY_ACTIONS,
  QUEUE_MOVES,
  sequentialAfter,
  firstLastAfter,
  torrentMenu,
  type CopyKind,
  type MenuAction,
  type MenuItem,
  type MenuSubmenu,
} from '../../lib/torrentMenu';
import { useApp, useLabels, useSettings } from '../../state/app';
import { useOneRequest } from '../../state/bulk';
import { CategoryDialog } from '../labels/CategoryDialog';
import { AddTagsDialog } from './AddTagsDialog';
import { BidDialog } from './BidDialog';
import { CategoryMoveDialog } from './CategoryMoveDialog';
import { copyToClipboard } from './clipboard';
import { useChangeTorrentTags, useSetCategory } from './labelRequests';
import { useRunPerTorrent } from './perTorrent';
import { RecheckDialog } from './RecheckDialog';
import { RenameDialog } from './RenameDialog';
import { SeedingLimitsDialog } from './SeedingLimitsDialog';
import { SetLocationDialog } from './SetLocationDialog';
import { SpeedLimitsDialog } from './SpeedLimitsDialog';

export interface MenuAnchor {
  /** Viewport coordinates of the menu's top-left corner, before it flips to fit. */
  x: number;
  y: number;
  /** What gets the focus back when the menu closes by Esc or an item: the table, or the toolbar's button. */
  returnFocus: HTMLElement | null;
}

interface Props {
  anchor: MenuAnchor | null;
  /** The selected torrents' ids, in the table's order. */
  selection: readonly TorrentId[];
  onClose: () => void;
  onOpenDetails: (id: TorrentId) => void;
  onRemove: (ids: TorrentId[], deleteData: boolean) => void;
}

type DialogKind = 'speedLimits' | 'seedingLimits' | 'bid' | 'rename' | 'setLocation' | 'recheck' | 'categoryNew' | 'tagsAdd';

/** The open dialog: one of `DialogKind`, or the question whether data follows a category to its folder. */
type OpenDialog = { kind: DialogKind; targets: BulkTarget[] } | { kind: 'categoryMove'; targets: BulkTarget[]; category: Category };

/**
 * How an action runs, given the torrents it acts on. `afterClose` waits until the menu
 * has closed and the focus is back, so a dialog it opens returns the focus there too.
 */
interface Run {
  afterClose?: boolean;
  run: (targets: TorrentInfo[], item: MenuItem) => void;
}

const DANGER: ReadonlySet<MenuAction> = new Set<MenuAction>(['remove', 'removeWithData']);

export function TorrentMenu({ anchor, selection, onClose, onOpenDetails, onRemove }: Props) {
  const { t } = useTranslation();
  const { call, store, notify } = useApp();
  const spendingEnabled = useSettings()?.speed.spending_enabled ?? false;
  const runPerTorrent = useRunPerTorrent();
  const oneRequest = useOneRequest();
  const labels = useLabels();
  const setCategory = useSetCategory();
  const changeTags = useChangeTorrentTags();
  const [dialog, setDialog] = useState<OpenDialog | null>(null);
  const labelId = useId();
  const returnFocus = useRef<HTMLElement | null>(null);
  const interactedOutside = useRef(false);
  const pending = useRef<(() => void) | null>(null);

  const torrents = selection.map((id) => store.get(id)).filter((x): x is TorrentInfo => x !== undefined);
  const entries = torrentMenu({ selection: torrents, spendingEnabled, labels });
  const open = anchor !== null && entries.length > 0;
  // A menu closed by opening another (a right-click on another row) hands the focus over to
  // the new one, not back to the table.
  const openNow = useRef(open);
  useLayoutEffect(() => {
    openNow.current = open;
  }, [open]);

  useEffect(() => {
    if (anchor) {
      returnFocus.current = anchor.returnFocus;
      interactedOutside.current = false;
    }
  }, [anchor]);
  // Everything selected went away (removed elsewhere): nothing left to act on.
  useEffect(() => {
    if (anchor && entries.length === 0) onClose();
  }, [anchor, entries.length, onClose]);

  const targetsOf = (list: TorrentInfo[]) => list.map((x) => bulkTarget(x.id, x));
  const copy = async (kind: CopyKind, list: TorrentInfo[]) => {
    const text = clipboardText(kind, list);
    const lines = text.split('\n').length;
    if (await copyToClipboard(text)) notify('info', t('menu.copied', { count: lines }));
    else notify('error', t('menu.copyFailed'));
  };
  const openDialog = (kind: DialogKind) => ({ afterClose: true, run: (list: TorrentInfo[]) => setDialog({ kind, targets: targetsOf(list) }) });
  // One request for the whole selection, so the moved keep their order among themselves.
  const moveInQueue = (to: QueueMove): Run => ({ run: (list) => void oneRequest('queue', targetsOf(list), (ids) => call({ type: 'move_in_queue', ids, to })) });
  const setPriority = (priority: BandwidthPriority): Run => ({
    run: (list) =>
      void oneRequest('priority', targetsOf(list), (ids) => call({ type: 'set_bandwidth_priority', ids, priority }), { priority: t(`queue.priorities.${priority}`) }),
  });

  // A category with a folder asks whether the data goes there too; one without is set at once.
  const chooseCategory = (targets: BulkTarget[], category: Category) => {
    if (category.save_path === null) void setCategory(targets, category.name, false);
    else setDialog({ kind: 'categoryMove', targets, category });
  };
  const categorySet: Run = {
    afterClose: true,
    run: (list, item) => {
      const category = findCategory(labels, item.name ?? null);
      if (category) chooseCategory(targetsOf(list), category);
    },
  };
  const tagToggle: Run = {
    run: (list, item) => item.name !== undefined && void changeTags(targetsOf(list), tagToggleAfter(list, item.name), [item.name]),
  };

  // Every action, so a new one does not compile until it says how it runs.
  const RUN: Record<MenuAction, Run> = {
    details: { afterClose: true, run: (list) => list[0] && onOpenDetails(list[0].id) },
    pause: { run: (list) => void runPerTorrent('pause', targetsOf(list)) },
    resume: { run: (list) => void runPerTorrent('resume', targetsOf(list)) },
    forceStart: { run: (list) => void oneRequest('forceStart', targetsOf(list), (ids) => call({ type: 'set_force_start', ids, enabled: forceStartAfter(list) })) },
    queueTop: moveInQueue(QUEUE_MOVES.queueTop),
    queueUp: moveInQueue(QUEUE_MOVES.queueUp),
    queueDown: moveInQueue(QUEUE_MOVES.queueDown),
    queueBottom: moveInQueue(QUEUE_MOVES.queueBottom),
    rename: openDialog('rename'),
    setLocation: openDialog('setLocation'),
    // It asks first: the torrents stop until their data has been read again.
    recheck: openDialog('recheck'),
    reannounce: { run: (list) => void oneRequest('reannounce', targetsOf(list), (ids) => call({ type: 'reannounce', ids })) },
    categoryNone: { run: (list) => void setCategory(targetsOf(list), null, false) },
    categorySet,
    categoryNew: openDialog('categoryNew'),
    tagToggle,
    tagsAdd: openDialog('tagsAdd'),
    speedLimits: openDialog('speedLimits'),
    seedingLimits: openDialog('seedingLimits'),
    bid: openDialog('bid'),
    priorityLow: setPriority(PRIORITY_ACTIONS.priorityLow),
    priorityNormal: setPriority(PRIORITY_ACTIONS.priorityNormal),
    priorityHigh: setPriority(PRIORITY_ACTIONS.priorityHigh),
    sequential: {
      run: (list) => {
        const enabled = sequentialAfter(list);
        void oneRequest('sequential', targetsOf(list), (ids) => call({ type: 'set_sequential', ids, enabled }), { sequential: t(enabled ? 'common.yes' : 'common.no') });
      },
    },
    firstLast: {
      run: (list) => {
        const enabled = firstLastAfter(list);
        void oneRequest('firstLast', targetsOf(list), (ids) => call({ type: 'set_first_last_pieces_first', ids, enabled }), { firstLast: t(enabled ? 'common.yes' : 'common.no') });
      },
    },
    // Copied at once, while the click or key still counts as the user's gesture.
    copyName: { run: (list) => void copy('name', list) },
    copyHash: { run: (list) => void copy('hash', list) },
    copyMagnet: { run: (list) => void copy('magnet', list) },
    remove: { afterClose: true, run: (list) => onRemove(list.map((x) => x.id), false) },
    removeWithData: { afterClose: true, run: (list) => onRemove(list.map((x) => x.id), true) },
  };

  const choose = (item: MenuItem) => {
    const list = item.targets.map((id) => store.get(id)).filter((x): x is TorrentInfo => x !== undefined);
    if (list.length === 0) return;
    const spec = RUN[item.action];
    if (spec.afterClose) pending.current = () => spec.run(list, item);
    else spec.run(list, item);
  };

  const first = torrents[0];
  const header = torrents.length === 1 && first ? displayName(first) : t('menu.count', { count: torrents.length });

  return (
    <>
      <DropdownMenu.Root open={open} onOpenChange={(o) => !o && onClose()} modal={false}>
        <DropdownMenu.Trigger asChild>
          <span className="menu-anchor" style={{ left: anchor?.x ?? 0, top: anchor?.y ?? 0 }} />
        </DropdownMenu.Trigger>
        <DropdownMenu.Portal>
          <DropdownMenu.Content
            className="menu torrent-menu"
            side="bottom"
            align="start"
            // Off the pointer: a right button released over an item would choose it.
            sideOffset={4}
            collisionPadding={6}
            aria-labelledby={labelId}
            data-testid="torrent-menu"
            onInteractOutside={() => {
              interactedOutside.current = true;
            }}
            onCloseAutoFocus={(e) => {
              e.preventDefault();
              // A click elsewhere keeps the focus where it went; Esc and the items give it back.
              if (!interactedOutside.current && !openNow.current) returnFocus.current?.focus({ preventScroll: true });
              const run = pending.current;
              pending.current = null;
              run?.();
            }}
          >
            <DropdownMenu.Label id={labelId} className="menu-label" title={header}>
              {header}
            </DropdownMenu.Label>
            {entries.map((entry, i) =>
              entry.kind === 'separator' ? (
                <DropdownMenu.Separator key={`sep-${i}`} className="menu-separator" />
              ) : entry.kind === 'submenu' ? (
                <Submenu key={entry.id} submenu={entry} counted={torrents.length > 1} onChoose={choose} />
              ) : (
                <MenuRow key={itemKey(entry)} item={entry} counted={torrents.length > 1 && entry.enabled} onSelect={() => choose(entry)} />
              ),
            )}
          </DropdownMenu.Content>
        </DropdownMenu.Portal>
      </DropdownMenu.Root>
      {dialog?.kind === 'speedLimits' ? <SpeedLimitsDialog targets={dialog.targets} onClose={() => setDialog(null)} /> : null}
      {dialog?.kind === 'seedingLimits' ? <SeedingLimitsDialog targets={dialog.targets} onClose={() => setDialog(null)} /> : null}
      {dialog?.kind === 'bid' ? <BidDialog targets={dialog.targets} onClose={() => setDialog(null)} /> : null}
      {dialog?.kind === 'rename' && dialog.targets[0] ? <RenameDialog target={dialog.targets[0]} onClose={() => setDialog(null)} /> : null}
      {dialog?.kind === 'setLocation' ? <SetLocationDialog targets={dialog.targets} onClose={() => setDialog(null)} /> : null}
      {dialog?.kind === 'recheck' ? <RecheckDialog targets={dialog.targets} onClose={() => setDialog(null)} /> : null}
      {dialog?.kind === 'tagsAdd' ? <AddTagsDialog targets={dialog.targets} onClose={() => setDialog(null)} /> : null}
      {dialog?.kind === 'categoryMove' ? <CategoryMoveDialog targets={dialog.targets} category={dialog.category} onClose={() => setDialog(null)} /> : null}
      {dialog?.kind === 'categoryNew' ? (
        <CategoryDialog
          onClose={() => setDialog((d) => (d?.kind === 'categoryNew' ? null : d))}
          // The new category is for these torrents, as in qBittorrent.
          onSaved={(category) => chooseCategory(dialog.targets, category)}
        />
      ) : null}
    </>
  );
}

/** What tells one item from its neighbours: its action, and the category or tag it names. */
function itemKey(item: MenuItem): string {
  return item.name === undefined ? item.action : `${item.action}:${item.name}`;
}

/**
 * A submenu; radio items in it share one value, and none is ticked while the torrents
 * differ. Items with a tick come first, and a line parts them from the rest (New…, Add…).
 */
function Submenu({ submenu, counted, onChoose }: { submenu: MenuSubmenu; counted: boolean; onChoose: (item: MenuItem) => void }) {
  const { t } = useTranslation();
  const row = (item: MenuItem) => <MenuRow key={itemKey(item)} item={item} counted={counted && item.enabled} onSelect={() => onChoose(item)} />;
  const checked = submenu.items.filter((x) => x.check !== undefined);
  const plain = submenu.items.filter((x) => x.check === undefined);
  const radio = checked.some((x) => x.check?.role === 'radio');
  const ticked = checked.find((x) => x.check?.role === 'radio' && x.check.checked);
  return (
    <DropdownMenu.Sub>
      <DropdownMenu.SubTrigger className="menu-item menu-sub-trigger">
        <span className="menu-text">{t(`menu.${submenu.id}`)}</span>
      </DropdownMenu.SubTrigger>
      <DropdownMenu.Portal>
        <DropdownMenu.SubContent className="menu torrent-menu" sideOffset={2} alignOffset={-5} collisionPadding={6}>
          {radio ? <DropdownMenu.RadioGroup value={ticked ? itemKey(ticked) : ''}>{checked.map(row)}</DropdownMenu.RadioGroup> : checked.map(row)}
          {checked.length > 0 && plain.length > 0 ? <DropdownMenu.Separator className="menu-separator" /> : null}
          {plain.map(row)}
        </DropdownMenu.SubContent>
      </DropdownMenu.Portal>
    </DropdownMenu.Sub>
  );
}

/**
 * An item, a checkbox or a radio item; with several torrents selected it says how many
 * it acts on (Pause may act on some).
 */
function MenuRow({ item, counted, onSelect }: { item: MenuItem; counted: boolean; onSelect: () => void }) {
  const { t } = useTranslation();
  const count = item.targets.length;
  const label = item.name ?? t(`menu.${item.action}`, { count });
  const props = {
    className: `menu-item${DANGER.has(item.action) ? ' danger' : ''}`,
    disabled: !item.enabled,
    onSelect,
    textValue: label,
    'aria-label': counted ? t('menu.withCount', { label, count }) : undefined,
  };
  const check = item.check;
  const body = (
    <>
      {check ? (
        <span className="menu-check" aria-hidden="true">
          {check.checked === true ? (check.role === 'radio' ? '●' : '✓') : check.checked === 'mixed' ? '–' : ''}
        </span>
      ) : null}
      <span className="menu-text">{label}</span>
      {counted ? (
        <span className="menu-count" aria-hidden="true">
          {count}
        </span>
      ) : null}
    </>
  );
  if (check?.role === 'checkbox') {
    return (
      <DropdownMenu.CheckboxItem {...props} checked={check.checked === 'mixed' ? 'indeterminate' : check.checked}>
        {body}
      </DropdownMenu.CheckboxItem>
    );
  }
  if (check?.role === 'radio') {
    return (
      <DropdownMenu.RadioItem {...props} value={itemKey(item)}>
        {body}
      </DropdownMenu.RadioItem>
    );
  }
  return <DropdownMenu.Item {...props}>{body}</DropdownMenu.Item>;
}
