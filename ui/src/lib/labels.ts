/**
 * Categories and tags as the torrents view uses them: which torrents a sidebar entry
 * shows and how many, the names a user may type, the Tags submenu's ticks, and the
 * folders a category or Set location names, and the requests that save a category. No
 * React, no I/O.
 *
 * A torrent has at most one category and any number of tags; a category may name the
 * folder its torrents are saved in, and its bandwidth priority multiplies each of its
 * torrents' own (crates/api `labels`).
 */
import type { Category, Labels, Request, TorrentInfo } from '../bindings';

export type LabelKind = 'category' | 'tag';

/** A sidebar entry: every torrent, those with no category (or no tag), or those with this one. */
export type LabelFilter = { kind: 'all' } | { kind: 'none' } | { kind: 'named'; name: string };

export const ALL_LABELS: LabelFilter = { kind: 'all' };

export interface LabelFilters {
  category: LabelFilter;
  tag: LabelFilter;
}

export const NO_LABEL_FILTERS: LabelFilters = { category: ALL_LABELS, tag: ALL_LABELS };

/** A filter read back from this browser's storage. */
export function isLabelFilter(value: unknown): value is LabelFilter {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { kind?: unknown; name?: unknown };
  return v.kind === 'all' || v.kind === 'none' || (v.kind === 'named' && typeof v.name === 'string');
}

export function matchesCategory(t: Pick<TorrentInfo, 'category'>, filter: LabelFilter): boolean {
  if (filter.kind === 'all') return true;
  if (filter.kind === 'none') return t.category === null;
  return t.category === filter.name;
}

export function matchesTag(t: Pick<TorrentInfo, 'tags'>, filter: LabelFilter): boolean {
  if (filter.kind === 'all') return true;
  if (filter.kind === 'none') return t.tags.length === 0;
  return t.tags.includes(filter.name);
}

export function matchesLabels(t: Pick<TorrentInfo, 'category' | 'tags'>, filters: LabelFilters): boolean {
  return matchesCategory(t, filters.category) && matchesTag(t, filters.tag);
}

/**
 * The filter in force: one naming a category or tag that is gone (removed or renamed,
 * here or in another UI) shows everything, rather than an empty list nobody can explain.
 * While the names are not known yet (`null`) it stands.
 */
export function filterInForce(filter: LabelFilter, names: readonly string[] | null): LabelFilter {
  if (filter.kind !== 'named' || names === null || names.includes(filter.name)) return filter;
  return ALL_LABELS;
}

/** How many torrents each sidebar entry shows, over all torrents (whatever the state filter). */
export interface LabelCounts {
  all: number;
  none: number;
  named: Record<string, number>;
}

/**
 * Counted from each torrent's own labels, not from every name for every torrent: a
 * thousand torrents and a thousand tags stay cheap at every update.
 */
function countBy(torrents: readonly TorrentInfo[], names: readonly string[], labelsOf: (t: TorrentInfo) => readonly string[]): LabelCounts {
  const named: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  let none = 0;
  for (const t of torrents) {
    const own = labelsOf(t);
    if (own.length === 0) none += 1;
    // A label the list does not know yet (changed a moment ago) is not counted; `hasOwn`,
    // so a tag called "constructor" is not taken for the object's own.
    for (const name of own) if (Object.hasOwn(named, name)) named[name]! += 1;
  }
  return { all: torrents.length, none, named };
}

export function countByCategory(torrents: readonly TorrentInfo[], names: readonly string[]): LabelCounts {
  return countBy(torrents, names, (t) => (t.category === null ? [] : [t.category]));
}

export function countByTag(torrents: readonly TorrentInfo[], names: readonly string[]): LabelCounts {
  return countBy(torrents, names, (t) => t.tags);
}

/** The names no torrent has, in the order given (qBittorrent's "Remove unused"). */
export function unusedNames(names: readonly string[], counts: LabelCounts): string[] {
  return names.filter((n) => (counts.named[n] ?? 0) === 0);
}

/** The core sends both lists sorted, so equal labels serialise alike. */
export function sameLabels(a: Labels, b: Labels): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function categoryNames(labels: Labels | null): string[] | null {
  return labels ? labels.categories.map((c) => c.name) : null;
}

export function findCategory(labels: Labels | null, name: string | null): Category | undefined {
  return name === null ? undefined : labels?.categories.find((c) => c.name === name);
}

/** Longest name the core takes, in characters (crates/api `MAX_LABEL_CHARS`). */
export const MAX_LABEL_CHARS = 64;

/** Why the core would refuse a name (`bad_request`); a typed name is trimmed first. */
export type LabelProblem = 'empty' | 'tooLong' | 'control' | 'separator';

export function labelProblem(name: string): LabelProblem | null {
  if (name === '') return 'empty';
  if ([...name].length > MAX_LABEL_CHARS) return 'tooLong';
  // Rust's `char::is_control`: the Unicode category Cc.
  if (/\p{Cc}/u.test(name)) return 'control';
  if (/[,/\\]/.test(name)) return 'separator';
  return null;
}

export type NameResult = { ok: true; name: string } | { ok: false; name: string; problem: LabelProblem };

/** One name as typed, spaces at either end dropped. */
export function readLabelName(text: string): NameResult {
  const name = text.trim();
  const problem = labelProblem(name);
  return problem ? { ok: false, name, problem } : { ok: true, name };
}

export type TagListResult = { ok: true; tags: string[] } | { ok: false; name: string; problem: LabelProblem };

/** The names typed with commas between them, as they stand (unchecked, repeats kept). */
export function typedTags(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Tags typed with commas between them, each once in the order typed; empty for none. */
export function readTagList(text: string): TagListResult {
  const tags = [...new Set(typedTags(text))];
  for (const name of tags) {
    const problem = labelProblem(name);
    if (problem) return { ok: false, name, problem };
  }
  return { ok: true, tags };
}

/** The typed list with `tag` taken out when it is there, added at the end when not. */
export function toggleTagInText(text: string, tag: string): string {
  const parts = typedTags(text);
  return (parts.includes(tag) ? parts.filter((p) => p !== tag) : [...parts, tag]).join(', ');
}

/** Whether the selection has a tag: all of it, some (`mixed`), or none. */
export function tagCheck(selection: readonly Pick<TorrentInfo, 'tags'>[], tag: string): boolean | 'mixed' {
  const having = selection.filter((t) => t.tags.includes(tag)).length;
  return having === 0 ? false : having === selection.length ? true : 'mixed';
}

/** What choosing a tag in the menu does: takes it off when the whole selection has it, else gives it to all. */
export function tagToggleAfter(selection: readonly Pick<TorrentInfo, 'tags'>[], tag: string): 'add' | 'remove' {
  return tagCheck(selection, tag) === true ? 'remove' : 'add';
}

/** The save folder the Add dialog shows for a category: its own, or the download folder. */
export function folderForCategory(category: Category | undefined, downloadFolder: string): string {
  return category?.save_path ?? downloadFolder;
}

/** What the category dialog sends to save a category. */
export type CategoryRequest = Extract<Request, { type: 'set_category' | 'rename_category' }>;

/**
 * The requests that make `before` (none: a new category) into `wanted`, in order: a
 * rename first, so `set_category` names the category as it is by then. `set_category`
 * sets the folder and the bandwidth priority together (an omitted priority is taken as
 * Normal), so it carries both whichever of them changed.
 */
export function categoryRequests(before: Category | undefined, wanted: Category): CategoryRequest[] {
  const requests: CategoryRequest[] = [];
  if (before && before.name !== wanted.name) requests.push({ type: 'rename_category', from: before.name, to: wanted.name });
  if (!before || before.save_path !== wanted.save_path || before.bandwidth_priority !== wanted.bandwidth_priority) {
    requests.push({ type: 'set_category', name: wanted.name, save_path: wanted.save_path, bandwidth_priority: wanted.bandwidth_priority });
  }
  return requests;
}

/** What the sidebar's menu for a category or tag offers, in groups. */
export type LabelMenuAction = 'create' | 'edit' | 'remove' | 'removeUnused';

export interface LabelMenuItem {
  action: LabelMenuAction;
  enabled: boolean;
}

/**
 * The menu of a sidebar section (`name` null: opened on All, None or the section's
 * button) or of one category or tag: New, then Edit (a category's name, folder and
 * priority) or Rename (a tag) and Remove for a named one, then Remove unused.
 */
export function labelMenu(name: string | null, unused: number): LabelMenuItem[][] {
  const own: LabelMenuItem[] = name === null ? [] : [{ action: 'edit', enabled: true }, { action: 'remove', enabled: true }];
  return [[{ action: 'create', enabled: true }, ...own], [{ action: 'removeUnused', enabled: unused > 0 }]];
}
