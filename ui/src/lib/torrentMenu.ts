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
import type { BandwidthPriority, Labels, QueueMove, TorrentId, TorrentInfo, TorrentState } from '../bindings';
import { sharedValue } from './bulk';
import { tagCheck } from './labels';

export const MENU_ACTIONS = [
  'details',
  'pause',
  'resume',
  'forceStart',
  'queueTop',
  'queueUp',
  'queueDown',
  'queueBottom',
  'rename',
  'setLocation',
  'recheck',
  'reannounce',
  'categoryNone',
  'categorySet',
  'categoryNew',
  'tagToggle',
  'tagsAdd',
  'speedLimits',
  'seedingLimits',
  'bid',
  'priorityLow',
  'priorityNormal',
  'priorityHigh',
  'sequential',
  'firstLast',
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

/** Items named by a category or tag the user made: the name is their label, not `menu.<action>`. */
export const NAMED_ACTIONS: ReadonlySet<MenuAction> = new Set<MenuAction>(['categorySet', 'tagToggle']);

export const SUBMENUS = ['queue', 'category', 'tags', 'bandwidthPriority'] as const;
export type SubmenuId = (typeof SUBMENUS)[number];

/** What the menu needs of a selected torrent. */
export type MenuTorrent = Pick<TorrentInfo, 'id' | 'name' | 'state' | 'force_start' | 'bandwidth_priority' | 'sequential' | 'first_last_pieces_first' | 'category' | 'tags'>;

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
  /** The category or tag it names (`NAMED_ACTIONS`), as the user wrote it. */
  name?: string;
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
  /** The categories and tags to choose from; `null` while unknown (only New… and Add… show). */
  labels?: Labels | null;
}

/**
 * Running states Pause applies to; an errored torrent is resumed, as Space does
 * (`toggleAction`). A torrent whose data is moving is out of the engine until it lands.
 */
export function canPause(state: TorrentState): boolean {
  return state !== 'paused' && state !== 'error' && state !== 'moving';
}

export function canResume(state: TorrentState): boolean {
  return state === 'paused' || state === 'error';
}

/**
 * Whether its data can be moved: not while it moves already, nor before its metadata
 * says which files it has (a torrent still resolving has no name yet).
 */
export function canMove(t: Pick<TorrentInfo, 'name' | 'state'>): boolean {
  return t.name !== null && t.state !== 'moving' && t.state !== 'resolving';
}

/**
 * Whether Force recheck applies: its data can be read (it has metadata and stays where
 * it is) and is not being checked already, which a second check would only start over.
 */
export function canRecheck(t: Pick<TorrentInfo, 'name' | 'state'>): boolean {
  return canMove(t) && t.state !== 'checking';
}

/**
 * What Force start sets for the selection: off when every torrent is forced, otherwise on
 * (a mixed selection becomes all forced, as a tri-state checkbox does).
 */
export function forceStartAfter(selection: readonly Pick<TorrentInfo, 'force_start'>[]): boolean {
  return !selection.every((t) => t.force_start);
}

/** What Download in sequential order sets for the selection: off when every torrent is sequential, otherwise on, as Force start. */
export function sequentialAfter(selection: readonly Pick<TorrentInfo, 'sequential'>[]): boolean {
  return !selection.every((t) => t.sequential);
}

/** What First and last pieces first sets for the selection, as `sequentialAfter`. */
export function firstLastAfter(selection: readonly Pick<TorrentInfo, 'first_last_pieces_first'>[]): boolean {
  return !selection.every((t) => t.first_last_pieces_first);
}

/**
 * The menu for a selection, top to bottom, with a separator between groups. Pause and
 * Resume show only when they apply to some of the selection, and act on just those;
 * the rest act on the whole selection. Open details and Rename are disabled unless one
 * torrent is selected. The queue's moves show whether or not the queue is on: the order
 * is kept either way and decides who runs once it is. Set location leaves out the
 * torrents it cannot move (`canMove`), Force recheck those it cannot check
 * (`canRecheck`), and Reannounce names them all; the Category and Tags submenus list the
 * labels as last known and tick what the selection shares. Empty for an empty selection.
 */
export function torrentMenu({ selection, spendingEnabled, labels = null }: MenuInput): MenuEntry[] {
  if (selection.length === 0) return [];
  const all = selection.map((t) => t.id);
  const item = (action: MenuAction, targets: TorrentId[] = all, enabled = targets.length > 0): MenuItem => ({ kind: 'item', action, targets, enabled });
  const pausable = selection.filter((t) => canPause(t.state)).map((t) => t.id);
  const resumable = selection.filter((t) => canResume(t.state)).map((t) => t.id);
  // A torrent still resolving its magnet has no name yet: there is nothing to copy for it.
  const named = selection.filter((t) => t.name !== null).map((t) => t.id);
  const movable = selection.filter(canMove).map((t) => t.id);
  const recheckable = selection.filter(canRecheck).map((t) => t.id);

  // A checkbox for a flag of each torrent: ticked when all have it, half for some.
  const flagCheck = (has: (t: MenuTorrent) => boolean): MenuCheck => {
    const having = selection.filter(has).length;
    return { role: 'checkbox', checked: having === 0 ? false : having === selection.length ? true : 'mixed' };
  };
  const shared = sharedValue(selection.map((t) => t.bandwidth_priority), (a, b) => a === b);
  const priority = typeof shared === 'object' ? shared.value : null;
  const sharedCategory = sharedValue(selection.map((t) => t.category), (a, b) => a === b);
  const category = typeof sharedCategory === 'object' ? sharedCategory.value : undefined;

  const groups: (MenuItem | MenuSubmenu)[][] = [
    // The details panel shows one torrent.
    [item('details', all, all.length === 1)],
    [...(resumable.length > 0 ? [item('resume', resumable)] : []), ...(pausable.length > 0 ? [item('pause', pausable)] : [])],
    [
      { ...item('forceStart'), check: flagCheck((t) => t.force_start) },
      // A submenu, as qBittorrent's: four moves flat would make the menu too tall to open
      // below a row in a small window.
      { kind: 'submenu', id: 'queue', items: (Object.keys(QUEUE_MOVES) as (keyof typeof QUEUE_MOVES)[]).map((a) => item(a)) },
    ],
    [
      // A name is typed for one torrent at a time.
      item('rename', all, all.length === 1),
      item('setLocation', movable),
      item('recheck', recheckable),
      // The whole selection: the core skips the paused ones itself.
      item('reannounce'),
      {
        kind: 'submenu',
        id: 'category',
        // Radio items: the category the selection shares is ticked, none while they differ.
        items: [
          { ...item('categoryNone'), check: { role: 'radio', checked: category === null } },
          ...(labels?.categories ?? []).map((c): MenuItem => ({ ...item('categorySet'), name: c.name, check: { role: 'radio', checked: category === c.name } })),
          item('categoryNew'),
        ],
      },
      {
        kind: 'submenu',
        id: 'tags',
        items: [
          ...(labels?.tags ?? []).map((tag): MenuItem => ({ ...item('tagToggle'), name: tag, check: { role: 'checkbox', checked: tagCheck(selection, tag) } })),
          item('tagsAdd'),
        ],
      },
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
      // For every torrent, whatever its state: the core keeps the flag for when it downloads.
      { ...item('sequential'), check: flagCheck((t) => t.sequential) },
      { ...item('firstLast'), check: flagCheck((t) => t.first_last_pieces_first) },
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
