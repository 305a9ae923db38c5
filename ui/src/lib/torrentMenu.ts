/**
 * The torrent table's context menu as data: which actions it offers for a selection,
 * which torrents each one acts on, which are disabled and which are ticked. No React, no
 * I/O; the menu component (`components/torrentMenu/TorrentMenu.tsx`) draws these entries
 * and runs them.
 *
 * Adding an action is three steps, and the compiler points at the last two:
 * 1. its id in `MENU_ACTIONS` and its group (or submenu) in `torrentMenu` below;
 * 2. how it runs, in the menu component's `RUN` table. An action that sends one request
 *    per torrent gets a line in `PER_TORRENT` (`components/torrentMenu/perTorrent.ts`);
 *    one that names all the torrents in one request (the queue's) goes through
 *    `useOneRequest` (`state/bulk.ts`). Either way it has a kind in `BULK_KINDS`
 *    (`lib/bulk.ts`) and so reports a failure as Pause does;
 * 3. its label `menu.<id>` and its toasts `bulk.<kind>.*` in both languages (the unit
 *    tests check they exist).
 */
import type { BandwidthPriority, QueueMove, TorrentId, TorrentInfo, TorrentState } from '../bindings';
import { sharedValue } from './bulk';

export const MENU_ACTIONS = [
  'details',
  'pause',
  'resume',
  'forceStart',
  'queueTop',
  'queueUp',
  'queueDown',
  'queueBottom',
  'speedLimits',
  'seedingLimits',
  'bid',
  'priorityLow',
  'priorityNormal',
  'priorityHigh',
  'copyName',
  'copyHash',
  'copyMagnet',
  'remove',
  'removeWithData',
] as const;
export type MenuAction = (typeof MENU_ACTIONS)[number];

/** Where each of the Queue submenu's items moves the selection (`move_in_queue`). */
export const QUEUE_MOVES = { queueTop: 'top', queueUp: 'up', queueDown: 'down', queueBottom: 'bottom' } as const satisfies Partial<Record<MenuAction, QueueMove>>;

/** The Bandwidth priority submenu's items, low to high (`set_bandwidth_priority`). */
export const PRIORITY_ACTIONS = { priorityLow: 'low', priorityNormal: 'normal', priorityHigh: 'high' } as const satisfies Partial<Record<MenuAction, BandwidthPriority>>;

export const SUBMENUS = ['queue', 'bandwidthPriority'] as const;
export type SubmenuId = (typeof SUBMENUS)[number];

/** What the menu needs of a selected torrent. */
export type MenuTorrent = Pick<TorrentInfo, 'id' | 'name' | 'state' | 'force_start' | 'bandwidth_priority'>;

/**
 * A tick beside an item: a checkbox says whether it holds for all the selection, none
 * or some (`mixed`); radio items share one value, and none is ticked when they differ.
 */
export type MenuCheck = { role: 'checkbox'; checked: boolean | 'mixed' } | { role: 'radio'; checked: boolean };

export interface MenuItem {
  kind: 'item';
  action: MenuAction;
  /** The torrents it acts on, in the selection's order: all of them, or those it applies to. */
  targets: TorrentId[];
  enabled: boolean;
  check?: MenuCheck;
}

export interface MenuSubmenu {
  kind: 'submenu';
  id: SubmenuId;
  items: MenuItem[];
}

export type MenuEntry = MenuItem | MenuSubmenu | { kind: 'separator' };

export interface MenuInput {
  /** The selected torrents, in the table's order. */
  selection: readonly MenuTorrent[];
  /** Bid for speed may spend (the settings' `speed.spending_enabled`); `false` while unknown. */
  spendingEnabled: boolean;
}

/** Running states Pause applies to; an errored torrent is resumed, as Space does (`toggleAction`). */
export function canPause(state: TorrentState): boolean {
  return state !== 'paused' && state !== 'error';
}

export function canResume(state: TorrentState): boolean {
  return state === 'paused' || state === 'error';
}

/**
 * What Force start sets for the selection: off when every torrent is forced, otherwise on
 * (a mixed selection becomes all forced, as a tri-state checkbox does).
 */
export function forceStartAfter(selection: readonly Pick<TorrentInfo, 'force_start'>[]): boolean {
  return !selection.every((t) => t.force_start);
}

/**
 * The menu for a selection, top to bottom, with a separator between groups. Pause and
 * Resume show only when they apply to some of the selection, and act on just those;
 * the rest act on the whole selection. The queue's moves show whether or not the queue
 * is on: the order is kept either way and decides who runs once it is. Empty for an
 * empty selection.
 */
export function torrentMenu({ selection, spendingEnabled }: MenuInput): MenuEntry[] {
  if (selection.length === 0) return [];
  const all = selection.map((t) => t.id);
  const item = (action: MenuAction, targets: TorrentId[] = all, enabled = targets.length > 0): MenuItem => ({ kind: 'item', action, targets, enabled });
  const pausable = selection.filter((t) => canPause(t.state)).map((t) => t.id);
  const resumable = selection.filter((t) => canResume(t.state)).map((t) => t.id);
  // A torrent still resolving its magnet has no name yet: there is nothing to copy for it.
  const named = selection.filter((t) => t.name !== null).map((t) => t.id);

  const forced = selection.filter((t) => t.force_start).length;
  const shared = sharedValue(selection.map((t) => t.bandwidth_priority), (a, b) => a === b);
  const priority = typeof shared === 'object' ? shared.value : null;

  const groups: (MenuItem | MenuSubmenu)[][] = [
    // The details panel shows one torrent.
    [item('details', all, all.length === 1)],
    [...(resumable.length > 0 ? [item('resume', resumable)] : []), ...(pausable.length > 0 ? [item('pause', pausable)] : [])],
    [
      { ...item('forceStart'), check: { role: 'checkbox', checked: forced === 0 ? false : forced === selection.length ? true : 'mixed' } },
      // A submenu, as qBittorrent's: four moves flat would make the menu too tall to open
      // below a row in a small window.
      { kind: 'submenu', id: 'queue', items: (Object.keys(QUEUE_MOVES) as (keyof typeof QUEUE_MOVES)[]).map((a) => item(a)) },
    ],
    [
      item('speedLimits'),
      item('seedingLimits'),
      // The core honours a torrent's own bid whatever the global switch says, so a bid is
      // offered only while spending is on (as the BTT tab's editor does).
      ...(spendingEnabled ? [item('bid')] : []),
      {
        kind: 'submenu',
        id: 'bandwidthPriority',
        items: (Object.entries(PRIORITY_ACTIONS) as [keyof typeof PRIORITY_ACTIONS, BandwidthPriority][]).map(([a, p]) => ({ ...item(a), check: { role: 'radio', checked: p === priority } })),
      },
    ],
    [item('copyName', named), item('copyHash'), item('copyMagnet')],
    [item('remove'), item('removeWithData')],
  ];
  const entries: MenuEntry[] = [];
  for (const group of groups) {
    if (group.length === 0) continue;
    if (entries.length > 0) entries.push({ kind: 'separator' });
    entries.push(...group);
  }
  return entries;
}

/**
 * The selected ids in the table's order (sorted and filtered as shown); selected torrents
 * the filter hides now follow, in the order given.
 */
export function inViewOrder(viewOrder: readonly TorrentId[], selected: ReadonlySet<TorrentId>): TorrentId[] {
  const shown = viewOrder.filter((id) => selected.has(id));
  const seen = new Set(shown);
  return [...shown, ...[...selected].filter((id) => !seen.has(id))];
}

export type CopyKind = 'name' | 'hash' | 'magnet';

/** What the Copy items put on the clipboard: one line per torrent; unnamed torrents give no name line. */
export function clipboardText(kind: CopyKind, torrents: readonly Pick<TorrentInfo, 'id' | 'name' | 'magnet'>[]): string {
  const lines = torrents.flatMap((t) => {
    if (kind === 'name') return t.name === null ? [] : [t.name];
    return [kind === 'hash' ? t.id : t.magnet];
  });
  return lines.join('\n');
}
