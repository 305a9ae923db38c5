/**
 * The torrent table's columns: which show, in what order and how wide. The user's
 * choices, kept in this browser (`state/prefs`), go over defaults. The queue position (#)
 * shows by default while the queue is on, where it says who runs next, and hides while it
 * is off; the swarm's seeds and leechers, the bandwidth priority, the category, the tags,
 * the dates, the all-time transfers, what remains, the save path and the tracker hide until
 * asked for: any of them would make the table scroll sideways at 1024 px (the sidebar shows
 * categories, tags and trackers). No React.
 */

export const COLUMN_IDS = [
  'queue',
  'name',
  'size',
  'progress',
  'state',
  'down',
  'up',
  'eta',
  'ratio',
  'peers',
  'seeds',
  'leechers',
  'category',
  'tags',
  'priority',
  'bid',
  'added',
  'completed',
  'downloaded',
  'uploaded',
  'remaining',
  'savePath',
  'tracker',
] as const;
export type ColumnId = (typeof COLUMN_IDS)[number];

export function isColumnId(v: unknown): v is ColumnId {
  return (COLUMN_IDS as readonly unknown[]).includes(v);
}

/** Column id to shown; a column left out shows. */
export type ColumnVisibility = Record<string, boolean>;

const HIDDEN_AT_FIRST: ColumnVisibility = Object.fromEntries(
  (['seeds', 'leechers', 'priority', 'category', 'tags', 'added', 'completed', 'downloaded', 'uploaded', 'remaining', 'savePath', 'tracker'] satisfies ColumnId[]).map((id) => [id, false]),
);

export function shownColumns(chosen: ColumnVisibility, queueEnabled: boolean): ColumnVisibility {
  return { queue: queueEnabled, ...HIDDEN_AT_FIRST, ...chosen };
}

/**
 * The choices once the columns menu turned `shown` into `next`: only a column it changed
 * becomes a choice, so one the user never touched keeps following its default.
 */
export function withColumnChoice(chosen: ColumnVisibility, shown: ColumnVisibility, next: ColumnVisibility): ColumnVisibility {
  const out = { ...chosen };
  for (const [id, on] of Object.entries(next)) if ((shown[id] !== false) !== on) out[id] = on;
  return out;
}

/** Each column's CSS grid track until the user drags it: fixed, but Name takes the room left. */
export const DEFAULT_WIDTHS: Record<ColumnId, string> = {
  queue: '44px',
  name: 'minmax(220px, 1fr)',
  size: '84px',
  progress: '120px',
  state: '130px',
  down: '92px',
  up: '92px',
  eta: '76px',
  ratio: '60px',
  peers: '56px',
  seeds: '60px',
  leechers: '72px',
  category: '110px',
  tags: '140px',
  priority: '76px',
  bid: '120px',
  added: '128px',
  completed: '128px',
  downloaded: '92px',
  uploaded: '92px',
  remaining: '92px',
  savePath: '220px',
  tracker: '150px',
};

/** Narrow enough for a number, wide enough to grab again. */
export const MIN_COLUMN_WIDTH = 40;
/** Wider than any screen needs: a stored width beyond it is bad data, not a choice. */
export const MAX_COLUMN_WIDTH = 2000;

/** Widths the user dragged columns to, in CSS pixels; the others keep their default. */
export type ColumnWidths = Partial<Record<ColumnId, number>>;

export function clampColumnWidth(px: number): number {
  return Math.round(Math.min(MAX_COLUMN_WIDTH, Math.max(MIN_COLUMN_WIDTH, px)));
}

/** The widths with `id` dragged to `px`, or back to its default for `null` (a double-click on its edge). */
export function withColumnWidth(widths: ColumnWidths, id: ColumnId, px: number | null): ColumnWidths {
  const out = { ...widths };
  if (px === null) delete out[id];
  else out[id] = clampColumnWidth(px);
  return out;
}

/** The `grid-template-columns` of the header and every row, for the columns shown, in order. */
export function gridTemplate(shown: readonly ColumnId[], widths: ColumnWidths): string {
  return shown.map((id) => (widths[id] === undefined ? DEFAULT_WIDTHS[id] : `${widths[id]}px`)).join(' ');
}

/**
 * Every column once, left to right: those of `stored` in its order (unknown and repeated
 * ids dropped), and any it lacks (a column added since it was stored) after the column
 * that comes before it by default.
 */
export function columnOrder(stored: readonly unknown[]): ColumnId[] {
  const out = [...new Set(stored.filter(isColumnId))];
  COLUMN_IDS.forEach((id, i) => {
    if (out.includes(id)) return;
    const before = i === 0 ? -1 : out.indexOf(COLUMN_IDS[i - 1]!);
    out.splice(before + 1, 0, id);
  });
  return out;
}

/**
 * `id` dropped onto `onto`: it takes that column's place, so it lands just past it in the
 * direction it moved (after it when moved right, before it when moved left).
 */
export function moveColumn(order: readonly ColumnId[], id: ColumnId, onto: ColumnId): ColumnId[] {
  const from = order.indexOf(id);
  const to = order.indexOf(onto);
  if (from < 0 || to < 0 || from === to) return [...order];
  const out = order.filter((x) => x !== id);
  out.splice(to, 0, id);
  return out;
}

/**
 * Where Move left (`-1`) or Move right (`1`) in the columns menu drops `id`: onto the
 * next column shown that way, so each press visibly moves it in the table, hidden columns
 * passed over. `null` at either end.
 */
export function columnMoveTarget(order: readonly ColumnId[], id: ColumnId, step: -1 | 1, shown: ColumnVisibility): ColumnId | null {
  for (let i = order.indexOf(id) + step; i >= 0 && i < order.length; i += step) {
    const other = order[i]!;
    if (shown[other] !== false) return other;
  }
  return null;
}

/** What this browser remembers of the columns. */
export interface ColumnPrefs {
  /** The user's choices of which show; `shownColumns` fills in the defaults. */
  visibility: ColumnVisibility;
  /** Every column, left to right (`columnOrder`). */
  order: ColumnId[];
  widths: ColumnWidths;
}

export const DEFAULT_COLUMN_PREFS: ColumnPrefs = { visibility: {}, order: [...COLUMN_IDS], widths: {} };

/**
 * `ColumnPrefs` as stored under `bidswarm.columns`. Version 1, before columns could move
 * or be resized, stored the visibility choices alone (`{"priority": true}`).
 */
export interface StoredColumnPrefs extends ColumnPrefs {
  version: 2;
}

export function storedColumnPrefs(prefs: ColumnPrefs): StoredColumnPrefs {
  return { version: 2, ...prefs };
}

/**
 * The preferences in what was stored, whichever version: a part that is bad (edited by
 * hand, or written by a newer Bidswarm) falls back to its default and the rest is kept.
 * Only known columns are kept, and widths are clamped, so nothing stored can break the
 * table's layout.
 */
export function readColumnPrefs(stored: unknown): ColumnPrefs {
  if (!isObject(stored)) return DEFAULT_COLUMN_PREFS;
  if (!('version' in stored)) return { ...DEFAULT_COLUMN_PREFS, visibility: knownColumns(stored, isBoolean) };
  const widths = knownColumns(isObject(stored.widths) ? stored.widths : {}, isFiniteNumber);
  return {
    visibility: knownColumns(isObject(stored.visibility) ? stored.visibility : {}, isBoolean),
    order: columnOrder(Array.isArray(stored.order) ? stored.order : []),
    widths: Object.fromEntries(Object.entries(widths).map(([id, px]) => [id, clampColumnWidth(px)])),
  };
}

const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function knownColumns<T>(record: Record<string, unknown>, valid: (v: unknown) => v is T): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter((e): e is [ColumnId, T] => isColumnId(e[0]) && valid(e[1])));
}
