import { describe, expect, it } from 'vitest';
import { shownColumns, withColumnChoice } from './columns';

describe('column visibility', () => {
  it('# shows while the queue is on and hides while it is off; priority, category, tags and added hide at first', () => {
    expect(shownColumns({}, true)).toMatchObject({ queue: true, priority: false, category: false, tags: false, added: false });
    expect(shownColumns({}, false)).toMatchObject({ queue: false, priority: false, category: false, tags: false, added: false });
    // Columns with no default are not named: they show.
    expect(shownColumns({}, false).size).toBeUndefined();
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
