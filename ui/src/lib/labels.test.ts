import { describe, expect, it } from 'vitest';
import type { Category, TorrentInfo } from '../bindings';
import de from '../i18n/de.json';
import en from '../i18n/en.json';
import { torrentInfo } from '../test/torrentInfo';
import {
  ALL_LABELS,
  categoryRequests,
  countByCategory,
  countByTag,
  filterInForce,
  folderForCategory,
  isLabelFilter,
  labelMenu,
  labelProblem,
  matchesLabels,
  readLabelName,
  readTagList,
  tagCheck,
  tagToggleAfter,
  toggleTagInText,
  unusedNames,
  type LabelMenuAction,
} from './labels';

const labelled = (id: string, category: string | null, tags: string[] = []): TorrentInfo => torrentInfo({ id, category, tags });

const list = [
  labelled('a', 'Linux', ['iso', 'lts']),
  labelled('b', 'Linux', ['iso']),
  labelled('c', 'Films'),
  labelled('d', null, ['constructor']),
  labelled('e', null),
];

describe('sidebar counts', () => {
  it('counts every torrent under All, those with none apart, and each category', () => {
    expect(countByCategory(list, ['Books', 'Films', 'Linux'])).toEqual({ all: 5, none: 2, named: { Books: 0, Films: 1, Linux: 2 } });
  });

  it('counts a torrent under each of its tags, and the untagged apart', () => {
    // A tag that shares its name with an object's property is counted as any other.
    expect(countByTag(list, ['constructor', 'iso', 'lts', 'old'])).toEqual({ all: 5, none: 2, named: { constructor: 1, iso: 2, lts: 1, old: 0 } });
  });

  it('a label the list does not know yet is counted under All only', () => {
    expect(countByCategory([labelled('x', 'Brand new')], [])).toEqual({ all: 1, none: 0, named: {} });
    expect(countByTag([labelled('x', null, ['toString'])], ['iso'])).toEqual({ all: 1, none: 0, named: { iso: 0 } });
  });

  it('the unused are the names no torrent has', () => {
    expect(unusedNames(['Books', 'Films', 'Linux'], countByCategory(list, ['Books', 'Films', 'Linux']))).toEqual(['Books']);
  });
});

describe('sidebar filters', () => {
  const ids = (category: Parameters<typeof matchesLabels>[1]['category'], tag: Parameters<typeof matchesLabels>[1]['tag']) =>
    list.filter((t) => matchesLabels(t, { category, tag })).map((t) => t.id);

  it('All, none, or one category; All, untagged, or one tag; both at once', () => {
    expect(ids(ALL_LABELS, ALL_LABELS)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(ids({ kind: 'named', name: 'Linux' }, ALL_LABELS)).toEqual(['a', 'b']);
    expect(ids({ kind: 'none' }, ALL_LABELS)).toEqual(['d', 'e']);
    expect(ids(ALL_LABELS, { kind: 'named', name: 'lts' })).toEqual(['a']);
    expect(ids(ALL_LABELS, { kind: 'none' })).toEqual(['c', 'e']);
    expect(ids({ kind: 'named', name: 'Linux' }, { kind: 'named', name: 'iso' })).toEqual(['a', 'b']);
    expect(ids({ kind: 'none' }, { kind: 'none' })).toEqual(['e']);
  });

  it('a filter naming a label that is gone shows everything; while the names are unknown it stands', () => {
    const linux = { kind: 'named', name: 'Linux' } as const;
    expect(filterInForce(linux, ['Films', 'Linux'])).toBe(linux);
    expect(filterInForce(linux, ['Films'])).toEqual(ALL_LABELS);
    expect(filterInForce(linux, null)).toBe(linux);
    expect(filterInForce({ kind: 'none' }, [])).toEqual({ kind: 'none' });
  });

  it('knows a saved filter, and nothing else', () => {
    expect(isLabelFilter({ kind: 'named', name: 'x' })).toBe(true);
    expect(isLabelFilter({ kind: 'none' })).toBe(true);
    expect(isLabelFilter({ kind: 'named' })).toBe(false);
    expect(isLabelFilter('all')).toBe(false);
    expect(isLabelFilter(null)).toBe(false);
  });
});

describe('names the core takes', () => {
  it('refuses what crates/api refuses: empty, over 64 characters, control characters, a comma, / or \\', () => {
    expect(labelProblem('')).toBe('empty');
    expect(labelProblem('x'.repeat(65))).toBe('tooLong');
    // Characters, not UTF-16 units.
    expect(labelProblem('日'.repeat(64))).toBeNull();
    expect(labelProblem('😀'.repeat(64))).toBeNull();
    expect(labelProblem('tab\there')).toBe('control');
    expect(labelProblem('a\u0085b')).toBe('control');
    for (const bad of ['a,b', 'a/b', '..\\x']) expect(labelProblem(bad), bad).toBe('separator');
    for (const good of ['Linux ISOs', '4K', 'série', '日本語']) expect(labelProblem(good), good).toBeNull();
  });

  it('a typed name loses the spaces at either end', () => {
    expect(readLabelName('  Linux ISOs ')).toEqual({ ok: true, name: 'Linux ISOs' });
    expect(readLabelName('   ')).toEqual({ ok: false, name: '', problem: 'empty' });
  });

  it('a tag list: commas between, blanks dropped, each once in the order typed', () => {
    expect(readTagList(' iso, lts ,,iso, new ')).toEqual({ ok: true, tags: ['iso', 'lts', 'new'] });
    expect(readTagList('  ')).toEqual({ ok: true, tags: [] });
    expect(readTagList('iso, a/b')).toEqual({ ok: false, name: 'a/b', problem: 'separator' });
  });

  it('an existing tag clicked is put in the list, or taken out', () => {
    expect(toggleTagInText('', 'iso')).toBe('iso');
    expect(toggleTagInText('lts,  ', 'iso')).toBe('lts, iso');
    expect(toggleTagInText('lts, iso, new', 'iso')).toBe('lts, new');
  });
});

describe('the Tags submenu', () => {
  const sel = [labelled('a', null, ['iso', 'lts']), labelled('b', null, ['iso'])];
  it('ticks a tag all have, half-ticks one some have', () => {
    expect(tagCheck(sel, 'iso')).toBe(true);
    expect(tagCheck(sel, 'lts')).toBe('mixed');
    expect(tagCheck(sel, 'new')).toBe(false);
  });
  it('choosing it takes it off when all have it, else gives it to all', () => {
    expect(tagToggleAfter(sel, 'iso')).toBe('remove');
    expect(tagToggleAfter(sel, 'lts')).toBe('add');
    expect(tagToggleAfter(sel, 'new')).toBe('add');
  });
});

describe('folders', () => {
  it('a category fills in its folder, or the download folder when it has none', () => {
    expect(folderForCategory({ name: 'Linux', save_path: '/srv/linux', bandwidth_priority: 'normal' }, '/dl')).toBe('/srv/linux');
    expect(folderForCategory({ name: 'Films', save_path: null, bandwidth_priority: 'normal' }, '/dl')).toBe('/dl');
    expect(folderForCategory(undefined, '/dl')).toBe('/dl');
  });
});

describe('saving a category', () => {
  const films: Category = { name: 'Films', save_path: '/srv/films', bandwidth_priority: 'high' };

  it('a new one is made with its folder and priority', () => {
    expect(categoryRequests(undefined, { name: 'Films', save_path: null, bandwidth_priority: 'normal' })).toEqual([
      { type: 'set_category', name: 'Films', save_path: null, bandwidth_priority: 'normal' },
    ]);
  });

  it('a new folder keeps the priority it had, which the core would otherwise reset to Normal', () => {
    expect(categoryRequests(films, { ...films, save_path: '/srv/movies' })).toEqual([
      { type: 'set_category', name: 'Films', save_path: '/srv/movies', bandwidth_priority: 'high' },
    ]);
  });

  it('a new priority keeps the folder', () => {
    expect(categoryRequests(films, { ...films, bandwidth_priority: 'low' })).toEqual([
      { type: 'set_category', name: 'Films', save_path: '/srv/films', bandwidth_priority: 'low' },
    ]);
  });

  it('a new name alone is only a rename; with a new priority, that is set under the new name', () => {
    expect(categoryRequests(films, { ...films, name: 'Movies' })).toEqual([{ type: 'rename_category', from: 'Films', to: 'Movies' }]);
    expect(categoryRequests(films, { ...films, name: 'Movies', bandwidth_priority: 'normal' })).toEqual([
      { type: 'rename_category', from: 'Films', to: 'Movies' },
      { type: 'set_category', name: 'Movies', save_path: '/srv/films', bandwidth_priority: 'normal' },
    ]);
  });

  it('nothing changed sends nothing', () => {
    expect(categoryRequests(films, { ...films })).toEqual([]);
  });
});

describe('the sidebar menu', () => {
  it('New for a section; New, Edit (Rename), Remove for one; Remove unused only when some are', () => {
    const shape = (name: string | null, unused: number) => labelMenu(name, unused).map((g) => g.map((i) => `${i.action}${i.enabled ? '' : '!'}`));
    expect(shape(null, 0)).toEqual([['create'], ['removeUnused!']]);
    expect(shape('Linux', 2)).toEqual([['create', 'edit', 'remove'], ['removeUnused']]);
  });

  it('every item has its label in both languages, for categories and tags', () => {
    const actions: LabelMenuAction[] = ['create', 'edit', 'remove', 'removeUnused'];
    for (const tree of [en, de]) {
      const menu = (tree.labels.menu as Record<string, Record<string, string>>);
      for (const kind of ['category', 'tag']) for (const a of actions) expect(typeof menu[kind]?.[a], `${kind}.${a}`).toBe('string');
      for (const p of ['empty', 'tooLong', 'control', 'separator']) expect(typeof (tree.labels.problem as Record<string, string>)[p], p).toBe('string');
    }
  });
});
