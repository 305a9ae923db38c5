import { describe, expect, it } from 'vitest';
import {
  clampColumnWidth,
  COLUMN_IDS,
  columnMoveTarget,
  columnOrder,
  DEFAULT_COLUMN_PREFS,
  gridTemplate,
  MAX_COLUMN_WIDTH,
  MIN_COLUMN_WIDTH,
  moveColumn,
  readColumnPrefs,
  shownColumns,
  storedColumnPrefs,
  withColumnChoice,
  withColumnWidth,
  type ColumnId,
} from './columns';

describe('column visibility', () => {
  it('# shows while the queue is on and hides while it is off; priority, category, tags and added hide at first', () => {
    expect(shownColumns({}, true)).toMatchObject({ queue: true, priority: false, category: false, tags: false, added: false });
    expect(shownColumns({}, false)).toMatchObject({ queue: false, priority: false, category: false, tags: false, added: false });
    // Columns with no default are not named: they show.
    expect(shownColumns({}, false).size).toBeUndefined();
  });

  it('the columns that would make the table scroll at 1024 px hide at first', () => {
    expect(shownColumns({}, false)).toMatchObject({ completed: false, downloaded: false, uploaded: false, remaining: false, savePath: false });
    expect(shownColumns({}, true)).toMatchObject({ seeds: false, leechers: false, tracker: false });
  });

  it('the swarm columns come after Peers and the tracker last, also for columns stored before they existed', () => {
    const stored = COLUMN_IDS.filter((id) => !['seeds', 'leechers', 'tracker'].includes(id));
    const read = columnOrder(stored);
    expect(read.slice(read.indexOf('peers'), read.indexOf('peers') + 3)).toEqual(['peers', 'seeds', 'leechers']);
    expect(read.at(-1)).toBe('tracker');
  });

  it("the user's choice wins over a default, either way", () => {
    expect(shownColumns({ queue: true, priority: true }, false)).toMatchObject({ queue: true, priority: true });
    expect(shownColumns({ queue: false }, true)).toMatchObject({ queue: false });
  });

  it('a change in the menu keeps only that column as a choice, so # still follows the queue', () => {
    const chosen = {};
    const shown = shownColumns(chosen, false);
    const next = withColumnChoice(chosen, shown, { ...shown, priority: true });
    expect(next).toEqual({ priority: true });
    expect(shownColumns(next, true)).toMatchObject({ queue: true, priority: true });
    // Hiding a column shown by default is a choice too, and showing it again as well.
    const hidden = withColumnChoice(next, shownColumns(next, true), { ...shownColumns(next, true), queue: false });
    expect(hidden).toEqual({ priority: true, queue: false });
    expect(shownColumns(hidden, true).queue).toBe(false);
  });
});

describe('column order', () => {
  const order: ColumnId[] = ['name', 'size', 'progress', 'state', 'down'];

  it('a column dropped on one to its right lands after it; on one to its left, before it', () => {
    expect(moveColumn(order, 'size', 'state')).toEqual(['name', 'progress', 'state', 'size', 'down']);
    expect(moveColumn(order, 'down', 'size')).toEqual(['name', 'down', 'size', 'progress', 'state']);
    expect(moveColumn(order, 'name', 'down')).toEqual(['size', 'progress', 'state', 'down', 'name']);
  });

  it('dropped on itself or on a column not in the order, nothing moves', () => {
    expect(moveColumn(order, 'size', 'size')).toEqual(order);
    expect(moveColumn(order, 'size', 'bid')).toEqual(order);
  });

  it('Move left and right pass over hidden columns, and stop at either end', () => {
    const shown = { progress: false, down: false };
    expect(columnMoveTarget(order, 'size', 1, shown)).toBe('state');
    expect(moveColumn(order, 'size', columnMoveTarget(order, 'size', 1, shown)!)).toEqual(['name', 'progress', 'state', 'size', 'down']);
    expect(columnMoveTarget(order, 'state', -1, shown)).toBe('size');
    expect(moveColumn(order, 'state', 'size')).toEqual(['name', 'state', 'size', 'progress', 'down']);
    expect(columnMoveTarget(order, 'name', -1, shown)).toBeNull();
    // The last shown column has nothing to its right but a hidden one.
    expect(columnMoveTarget(order, 'state', 1, shown)).toBeNull();
    // A hidden column moves among the shown ones too, so it shows where it was put.
    expect(columnMoveTarget(order, 'progress', -1, shown)).toBe('size');
  });

  it('a stored order keeps its own order, drops unknown and repeated ids, and gains columns added since', () => {
    expect(columnOrder([])).toEqual([...COLUMN_IDS]);
    const older = ['size', 'name', 'nope', 'size', 7, ...COLUMN_IDS.filter((id) => !['size', 'name', 'completed', 'savePath'].includes(id))];
    const read = columnOrder(older);
    expect(read.slice(0, 2)).toEqual(['size', 'name']);
    expect([...read].sort()).toEqual([...COLUMN_IDS].sort());
    // Each new one after the column that comes before it by default.
    expect(read.indexOf('completed')).toBe(read.indexOf('added') + 1);
    expect(read.indexOf('savePath')).toBe(read.indexOf('remaining') + 1);
    // Those that come after Bid by default follow it wherever it went.
    const few = columnOrder(['bid', 'queue']);
    expect(few.slice(0, 3)).toEqual(['bid', 'added', 'completed']);
    expect(few.slice(few.indexOf('queue'), few.indexOf('queue') + 3)).toEqual(['queue', 'name', 'size']);
  });
});

describe('column widths', () => {
  it('are whole pixels between the least one can grab and the most any screen needs', () => {
    expect(clampColumnWidth(3)).toBe(MIN_COLUMN_WIDTH);
    expect(clampColumnWidth(123.6)).toBe(124);
    expect(clampColumnWidth(1e9)).toBe(MAX_COLUMN_WIDTH);
  });

  it('a dragged width replaces the default in the template; a double-click gives the default back', () => {
    const widths = withColumnWidth({}, 'size', 150.2);
    expect(widths).toEqual({ size: 150 });
    expect(gridTemplate(['name', 'size', 'state'], widths)).toBe('minmax(220px, 1fr) 150px 130px');
    // Name too can be given a width, and is then as fixed as the others.
    expect(gridTemplate(['name', 'size'], withColumnWidth(widths, 'name', 300))).toBe('300px 150px');
    expect(withColumnWidth(widths, 'size', null)).toEqual({});
    expect(gridTemplate(['name', 'size', 'state'], withColumnWidth(widths, 'size', null))).toBe('minmax(220px, 1fr) 84px 130px');
  });
});

describe('stored column preferences', () => {
  it('read back as they were written', () => {
    const prefs = { visibility: { priority: true, queue: false }, order: moveColumn(COLUMN_IDS, 'size', 'state'), widths: { name: 300, size: 120 } };
    expect(readColumnPrefs(JSON.parse(JSON.stringify(storedColumnPrefs(prefs))))).toEqual(prefs);
  });

  it('the first version, visibility alone, keeps its choices with the default order and widths', () => {
    expect(readColumnPrefs({ priority: true, queue: false })).toEqual({ ...DEFAULT_COLUMN_PREFS, visibility: { priority: true, queue: false } });
    expect(readColumnPrefs({})).toEqual(DEFAULT_COLUMN_PREFS);
  });

  it('nothing usable gives the defaults', () => {
    for (const bad of [null, 'columns', 42, [], [true]]) expect(readColumnPrefs(bad), JSON.stringify(bad)).toEqual(DEFAULT_COLUMN_PREFS);
  });

  it('a bad part falls back alone; unknown columns and bad values are dropped, widths clamped', () => {
    const read = readColumnPrefs({
      version: 2,
      visibility: { priority: 'yes', tags: true, mystery: true },
      order: 'name,size',
      widths: { size: 5, name: 'wide', bid: Number.MAX_VALUE, ghost: 100 },
    });
    expect(read).toEqual({ visibility: { tags: true }, order: [...COLUMN_IDS], widths: { size: MIN_COLUMN_WIDTH, bid: MAX_COLUMN_WIDTH } });
  });
});
