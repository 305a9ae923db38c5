/**
 * Which of the torrent table's columns show: the user's choices, kept in this browser,
 * over defaults. The queue position (#) shows by default while the queue is on, where it
 * says who runs next, and hides while it is off; the bandwidth priority, the category,
 * the tags and the date added hide until asked for, to keep the table uncluttered (the
 * sidebar shows categories and tags). No React.
 */

/** Column id to shown; a column left out shows. */
export type ColumnVisibility = Record<string, boolean>;

export function shownColumns(chosen: ColumnVisibility, queueEnabled: boolean): ColumnVisibility {
  return { queue: queueEnabled, priority: false, category: false, tags: false, added: false, ...chosen };
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
