import { describe, expect, it } from 'vitest';
import type { BandwidthPriority, Labels, TorrentState } from '../bindings';
import de from '../i18n/de.json';
import en from '../i18n/en.json';
import {
  clipboardText,
  forceStartAfter,
  inViewOrder,
  MENU_ACTIONS,
  NAMED_ACTIONS,
  sequentialAfter,
  firstLastAfter,
  SUBMENUS,
  torrentMenu,
  type MenuEntry,
  type MenuItem,
  type MenuTorrent,
} from './torrentMenu';

const torrent = (id: string, state: TorrentState, name: string | null = `${id}.bin`, force_start = false, bandwidth_priority: BandwidthPriority = 'normal'): MenuTorrent => ({
  id,
  state,
  name,
  force_start,
  bandwidth_priority,
  sequential: false,
  first_last_pieces_first: false,
  category: null,
  tags: [],
});
const labelled = (id: string, category: string | null, tags: string[] = []): MenuTorrent => ({ ...torrent(id, 'seeding'), category, tags });
const forced = (id: string, on: boolean) => torrent(id, 'seeding', `${id}.bin`, on);
const withPriority = (id: string, p: BandwidthPriority) => torrent(id, 'seeding', `${id}.bin`, false, p);
const sequential = (id: string, on: boolean, state: TorrentState = 'downloading'): MenuTorrent => ({ ...torrent(id, state), sequential: on });

/** An item as text: `action[targets]` with a `!` when disabled, and `:name` for a category or tag. */
const itemShape = (e: MenuItem) => `${e.action}${e.name === undefined ? '' : `:${e.name}`}${e.enabled ? '' : '!'}[${e.targets.join(',')}]`;

/** The entries as text: items as `itemShape`, `|` for a separator, `name>` for a submenu. */
function shape(entries: MenuEntry[]): string[] {
  return entries.map((e) => (e.kind === 'separator' ? '|' : e.kind === 'submenu' ? `${e.id}>` : itemShape(e)));
}

/** Every item, those in submenus included. */
const itemsOf = (entries: MenuEntry[]): MenuItem[] => entries.flatMap((e) => (e.kind === 'item' ? [e] : e.kind === 'submenu' ? e.items : []));
const itemOf = (entries: MenuEntry[], action: MenuItem['action']) => itemsOf(entries).find((e) => e.action === action);
const submenuOf = (entries: MenuEntry[], id: string) => entries.find((e) => e.kind === 'submenu' && e.id === id);

describe('torrentMenu', () => {
  it('one seeding torrent: details, Pause only, the queue, the limits, copies and removals; no bid while spending is off', () => {
    expect(shape(torrentMenu({ selection: [torrent('a', 'seeding')], spendingEnabled: false }))).toEqual([
      'details[a]',
      '|',
      'pause[a]',
      '|',
      'forceStart[a]',
      'queue>',
      '|',
      'rename[a]',
      'setLocation[a]',
      'recheck[a]',
      'reannounce[a]',
      'category>',
      'tags>',
      '|',
      'speedLimits[a]',
      'seedingLimits[a]',
      'bandwidthPriority>',
      'sequential[a]',
      'firstLast[a]',
      '|',
      'copyName[a]',
      'copyHash[a]',
      'copyMagnet[a]',
      '|',
      'remove[a]',
      'removeWithData[a]',
    ]);
  });

  it('one paused torrent offers Resume, not Pause; an errored one too', () => {
    for (const state of ['paused', 'error'] as const) {
      const entries = torrentMenu({ selection: [torrent('a', state)], spendingEnabled: false });
      expect(itemOf(entries, 'resume')?.targets).toEqual(['a']);
      expect(itemOf(entries, 'pause')).toBeUndefined();
    }
  });

  it('a mix of paused and running shows both, each acting only on the torrents it applies to', () => {
    const selection = [torrent('a', 'paused'), torrent('b', 'seeding'), torrent('c', 'downloading'), torrent('d', 'checking')];
    const entries = torrentMenu({ selection, spendingEnabled: false });
    expect(itemOf(entries, 'resume')?.targets).toEqual(['a']);
    expect(itemOf(entries, 'pause')?.targets).toEqual(['b', 'c', 'd']);
    // The rest act on the whole selection, in its order.
    for (const action of ['forceStart', 'queueTop', 'queueBottom', 'setLocation', 'categoryNone', 'categoryNew', 'tagsAdd', 'priorityHigh', 'sequential', 'firstLast', 'speedLimits', 'seedingLimits', 'copyHash', 'copyMagnet', 'remove', 'removeWithData'] as const) {
      expect(itemOf(entries, action)?.targets, action).toEqual(['a', 'b', 'c', 'd']);
      expect(itemOf(entries, action)?.enabled, action).toBe(true);
    }
  });

  it('several torrents: details (the panel shows one) and Rename (one name) are disabled, and nothing else is', () => {
    const entries = torrentMenu({ selection: [torrent('a', 'seeding'), torrent('b', 'seeding')], spendingEnabled: true });
    expect(itemsOf(entries).filter((e) => !e.enabled).map((e) => e.action)).toEqual(['details', 'rename']);
  });

  it('Rename… is enabled for one torrent, whatever its state, and sits beside Set location', () => {
    for (const state of ['seeding', 'paused', 'moving', 'error'] as const) {
      expect(itemOf(torrentMenu({ selection: [torrent('a', state)], spendingEnabled: false }), 'rename'), state).toMatchObject({ enabled: true, targets: ['a'] });
    }
    // One still resolving has no name of its own yet, but can be given one.
    expect(itemOf(torrentMenu({ selection: [torrent('m', 'resolving', null)], spendingEnabled: false }), 'rename')).toMatchObject({ enabled: true, targets: ['m'] });
    const s = shape(torrentMenu({ selection: [torrent('a', 'downloading')], spendingEnabled: false }));
    expect(s.slice(s.indexOf('rename[a]'), s.indexOf('rename[a]') + 2)).toEqual(['rename[a]', 'setLocation[a]']);
    const three = torrentMenu({ selection: [torrent('a', 'seeding'), torrent('b', 'paused'), torrent('c', 'seeding')], spendingEnabled: false });
    expect(itemOf(three, 'rename')?.enabled).toBe(false);
  });

  it('Bid… shows only while spending is on, beside the limits', () => {
    const off = torrentMenu({ selection: [torrent('a', 'downloading')], spendingEnabled: false });
    const on = torrentMenu({ selection: [torrent('a', 'downloading')], spendingEnabled: true });
    expect(itemOf(off, 'bid')).toBeUndefined();
    const s = shape(on);
    expect(s.slice(s.indexOf('speedLimits[a]'), s.indexOf('speedLimits[a]') + 4)).toEqual(['speedLimits[a]', 'seedingLimits[a]', 'bid[a]', 'bandwidthPriority>']);
  });

  it('a torrent still resolving has no name to copy: Copy name leaves it out, or is disabled', () => {
    const alone = torrentMenu({ selection: [torrent('m', 'resolving', null)], spendingEnabled: false });
    expect(itemOf(alone, 'copyName')).toMatchObject({ enabled: false, targets: [] });
    expect(itemOf(alone, 'copyHash')).toMatchObject({ enabled: true, targets: ['m'] });
    const mixed = torrentMenu({ selection: [torrent('m', 'resolving', null), torrent('a', 'seeding')], spendingEnabled: false });
    expect(itemOf(mixed, 'copyName')).toMatchObject({ enabled: true, targets: ['a'] });
  });

  it('no selection, no menu; no separator at either end or twice in a row', () => {
    expect(torrentMenu({ selection: [], spendingEnabled: true })).toEqual([]);
    for (const selection of [[torrent('a', 'paused')], [torrent('a', 'paused'), torrent('b', 'seeding')]]) {
      const s = shape(torrentMenu({ selection, spendingEnabled: true }));
      expect(s[0]).not.toBe('|');
      expect(s.at(-1)).not.toBe('|');
      expect(s.join(' ')).not.toContain('| |');
    }
  });

  it('every action has its label in both languages', () => {
    type Tree = Record<string, unknown>;
    for (const [lang, tree] of [['en', en], ['de', de]] as const) {
      const menu = (tree as Tree).menu as Tree;
      // A category or tag item is labelled with its name.
      for (const action of [...MENU_ACTIONS.filter((a) => !NAMED_ACTIONS.has(a)), ...SUBMENUS]) {
        expect(typeof menu[action] === 'string' || (typeof menu[`${action}_one`] === 'string' && typeof menu[`${action}_other`] === 'string'), `${lang} menu.${action}`).toBe(true);
      }
    }
  });
});

describe('the queue, bandwidth priority and sequential order items', () => {
  it('the Queue submenu moves the whole selection, in its order, to the top, up, down or to the bottom', () => {
    const entries = torrentMenu({ selection: [torrent('c', 'seeding'), torrent('a', 'paused'), torrent('m', 'resolving', null)], spendingEnabled: false });
    const queue = submenuOf(entries, 'queue');
    expect(queue?.kind === 'submenu' && queue.items.map(itemShape)).toEqual(['queueTop[c,a,m]', 'queueUp[c,a,m]', 'queueDown[c,a,m]', 'queueBottom[c,a,m]']);
    // Plain items: nothing to tick.
    expect(queue?.kind === 'submenu' && queue.items.every((x) => x.check === undefined)).toBe(true);
    // Force start sits beside it, acting on all of them.
    const s = shape(entries);
    expect(s.slice(s.indexOf('forceStart[c,a,m]'), s.indexOf('queue>') + 1)).toEqual(['forceStart[c,a,m]', 'queue>']);
  });

  it('Force start is ticked when every selected torrent is forced, half-ticked for some, not for none', () => {
    const checkOf = (selection: MenuTorrent[]) => itemOf(torrentMenu({ selection, spendingEnabled: false }), 'forceStart')?.check;
    expect(checkOf([forced('a', true), forced('b', true)])).toEqual({ role: 'checkbox', checked: true });
    expect(checkOf([forced('a', true), forced('b', false)])).toEqual({ role: 'checkbox', checked: 'mixed' });
    expect(checkOf([forced('a', false), forced('b', false)])).toEqual({ role: 'checkbox', checked: false });
    expect(checkOf([forced('a', true)])).toEqual({ role: 'checkbox', checked: true });
  });

  it('choosing Force start turns it off only when all are forced; some or none forced become all forced', () => {
    expect(forceStartAfter([forced('a', true), forced('b', true)])).toBe(false);
    expect(forceStartAfter([forced('a', true), forced('b', false)])).toBe(true);
    expect(forceStartAfter([forced('a', false), forced('b', false)])).toBe(true);
  });

  it('Bandwidth priority ticks the value the selection shares, and none when it differs', () => {
    const ticked = (selection: MenuTorrent[]) => {
      const sub = submenuOf(torrentMenu({ selection, spendingEnabled: false }), 'bandwidthPriority');
      if (sub?.kind !== 'submenu') throw new Error('no Bandwidth priority submenu');
      expect(sub.items.map((x) => x.action)).toEqual(['priorityLow', 'priorityNormal', 'priorityHigh']);
      expect(sub.items.every((x) => x.check?.role === 'radio' && x.enabled)).toBe(true);
      return sub.items.filter((x) => x.check?.checked === true).map((x) => x.action);
    };
    expect(ticked([withPriority('a', 'high'), withPriority('b', 'high')])).toEqual(['priorityHigh']);
    expect(ticked([withPriority('a', 'low')])).toEqual(['priorityLow']);
    expect(ticked([withPriority('a', 'normal'), withPriority('b', 'normal')])).toEqual(['priorityNormal']);
    expect(ticked([withPriority('a', 'high'), withPriority('b', 'low')])).toEqual([]);
    // Each acts on the whole selection.
    expect(itemOf(torrentMenu({ selection: [withPriority('a', 'high'), withPriority('b', 'low')], spendingEnabled: false }), 'priorityLow')?.targets).toEqual(['a', 'b']);
  });

  it('Download in sequential order is ticked when every selected torrent is sequential, half-ticked for some, not for none', () => {
    const checkOf = (selection: MenuTorrent[]) => itemOf(torrentMenu({ selection, spendingEnabled: false }), 'sequential')?.check;
    expect(checkOf([sequential('a', true), sequential('b', true)])).toEqual({ role: 'checkbox', checked: true });
    expect(checkOf([sequential('a', true), sequential('b', false)])).toEqual({ role: 'checkbox', checked: 'mixed' });
    expect(checkOf([sequential('a', false), sequential('b', false)])).toEqual({ role: 'checkbox', checked: false });
    expect(checkOf([sequential('a', true)])).toEqual({ role: 'checkbox', checked: true });
    // Its own flag: a forced torrent is not ticked here, nor a sequential one under Force start.
    expect(checkOf([forced('a', true)])).toEqual({ role: 'checkbox', checked: false });
    expect(itemOf(torrentMenu({ selection: [sequential('a', true)], spendingEnabled: false }), 'forceStart')?.check).toEqual({ role: 'checkbox', checked: false });
  });

  it('Download in sequential order acts on the whole selection, whatever their states, after Bandwidth priority', () => {
    const states = ['resolving', 'checking', 'downloading', 'seeding', 'paused', 'queued', 'moving', 'error'] as const;
    const selection = states.map((state, i) => sequential(`t${i}`, i % 2 === 0, state));
    expect(itemOf(torrentMenu({ selection, spendingEnabled: false }), 'sequential')).toMatchObject({ enabled: true, targets: selection.map((t) => t.id) });
    const s = shape(torrentMenu({ selection: [sequential('a', false)], spendingEnabled: true }));
    expect(s.slice(s.indexOf('bandwidthPriority>'), s.indexOf('bandwidthPriority>') + 4)).toEqual(['bandwidthPriority>', 'sequential[a]', 'firstLast[a]', '|']);
  });

  it('choosing Download in sequential order turns it off only when all are sequential; some or none become all sequential', () => {
    expect(sequentialAfter([sequential('a', true), sequential('b', true)])).toBe(false);
    expect(sequentialAfter([sequential('a', true), sequential('b', false)])).toBe(true);
    expect(sequentialAfter([sequential('a', false), sequential('b', false)])).toBe(true);
  });

  it('First and last pieces first has its own tick and turns off only when all have it', () => {
    const firstLast = (id: string, on: boolean): MenuTorrent => ({ ...torrent(id, 'downloading'), first_last_pieces_first: on });
    const checkOf = (selection: MenuTorrent[]) => itemOf(torrentMenu({ selection, spendingEnabled: false }), 'firstLast')?.check;
    expect(checkOf([firstLast('a', true), firstLast('b', true)])).toEqual({ role: 'checkbox', checked: true });
    expect(checkOf([firstLast('a', true), firstLast('b', false)])).toEqual({ role: 'checkbox', checked: 'mixed' });
    expect(checkOf([sequential('a', true)])).toEqual({ role: 'checkbox', checked: false });
    expect(firstLastAfter([firstLast('a', true), firstLast('b', true)])).toBe(false);
    expect(firstLastAfter([firstLast('a', true), firstLast('b', false)])).toBe(true);
  });
});

describe('categories, tags and set location', () => {
  const labels: Labels = { categories: [{ name: 'Linux', save_path: '/srv/linux', bandwidth_priority: 'normal' }, { name: 'Films', save_path: null, bandwidth_priority: 'normal' }], tags: ['iso', 'new'] };
  const submenuItems = (entries: MenuEntry[], id: string): MenuItem[] => {
    const sub = submenuOf(entries, id);
    if (sub?.kind !== 'submenu') throw new Error(`no ${id} submenu`);
    return sub.items;
  };
  const ticks = (items: MenuItem[]) => items.map((x) => `${itemShape(x)}${x.check ? `=${String(x.check.checked)}` : ''}`);

  it('Category: None, each category as a radio item ticked when the selection shares it, then New…', () => {
    const entries = torrentMenu({ selection: [labelled('a', 'Linux'), labelled('b', 'Linux')], spendingEnabled: false, labels });
    const items = submenuItems(entries, 'category');
    expect(ticks(items)).toEqual(['categoryNone[a,b]=false', 'categorySet:Linux[a,b]=true', 'categorySet:Films[a,b]=false', 'categoryNew[a,b]']);
    expect(items.slice(0, 3).every((x) => x.check?.role === 'radio')).toBe(true);
  });

  it('Category: None is ticked when none has one; nothing is ticked when they differ', () => {
    const none = submenuItems(torrentMenu({ selection: [labelled('a', null), labelled('b', null)], spendingEnabled: false, labels }), 'category');
    expect(none.filter((x) => x.check?.checked === true).map(itemShape)).toEqual(['categoryNone[a,b]']);
    const mixed = submenuItems(torrentMenu({ selection: [labelled('a', 'Linux'), labelled('b', null)], spendingEnabled: false, labels }), 'category');
    expect(mixed.filter((x) => x.check?.checked === true)).toEqual([]);
  });

  it('Tags: each tag ticked for all, half for some, not for none; then Add…', () => {
    const selection = [labelled('a', null, ['iso', 'new']), labelled('b', null, ['iso'])];
    const items = submenuItems(torrentMenu({ selection, spendingEnabled: false, labels }), 'tags');
    expect(ticks(items)).toEqual(['tagToggle:iso[a,b]=true', 'tagToggle:new[a,b]=mixed', 'tagsAdd[a,b]']);
    expect(items[0]?.check?.role).toBe('checkbox');
    const untagged = submenuItems(torrentMenu({ selection: [labelled('c', null)], spendingEnabled: false, labels }), 'tags');
    expect(ticks(untagged)).toEqual(['tagToggle:iso[c]=false', 'tagToggle:new[c]=false', 'tagsAdd[c]']);
  });

  it('labels not known yet: None and New…, Add… only', () => {
    const entries = torrentMenu({ selection: [labelled('a', 'Linux')], spendingEnabled: false, labels: null });
    expect(submenuItems(entries, 'category').map(itemShape)).toEqual(['categoryNone[a]', 'categoryNew[a]']);
    expect(submenuItems(entries, 'tags').map(itemShape)).toEqual(['tagsAdd[a]']);
  });

  it('Set location leaves out a torrent still resolving or already moving, and is disabled when that is all of them', () => {
    const selection = [torrent('a', 'seeding'), torrent('m', 'resolving', null), torrent('v', 'moving'), torrent('p', 'paused')];
    expect(itemOf(torrentMenu({ selection, spendingEnabled: false }), 'setLocation')).toMatchObject({ enabled: true, targets: ['a', 'p'] });
    const none = torrentMenu({ selection: [torrent('v', 'moving')], spendingEnabled: false });
    expect(itemOf(none, 'setLocation')).toMatchObject({ enabled: false, targets: [] });
  });

  it('Force recheck leaves out a torrent still resolving, moving or being checked, and is disabled when that is all of them', () => {
    const selection = [torrent('a', 'seeding'), torrent('m', 'resolving', null), torrent('v', 'moving'), torrent('c', 'checking'), torrent('p', 'paused'), torrent('e', 'error')];
    expect(itemOf(torrentMenu({ selection, spendingEnabled: false }), 'recheck')).toMatchObject({ enabled: true, targets: ['a', 'p', 'e'] });
    // It sits beside Set location: both are about the data on disk.
    const s = shape(torrentMenu({ selection: [torrent('a', 'downloading'), torrent('b', 'seeding')], spendingEnabled: false }));
    expect(s.slice(s.indexOf('setLocation[a,b]'), s.indexOf('setLocation[a,b]') + 2)).toEqual(['setLocation[a,b]', 'recheck[a,b]']);
    for (const state of ['resolving', 'moving', 'checking'] as const) {
      const none = torrentMenu({ selection: [torrent('x', state, state === 'resolving' ? null : 'x.bin')], spendingEnabled: false });
      expect(itemOf(none, 'recheck'), state).toMatchObject({ enabled: false, targets: [] });
    }
  });

  it('Reannounce names the whole selection, whatever the states, just after Force recheck', () => {
    const selection = [torrent('a', 'seeding'), torrent('p', 'paused'), torrent('m', 'resolving', null), torrent('c', 'checking')];
    const entries = torrentMenu({ selection, spendingEnabled: false });
    expect(itemOf(entries, 'reannounce')).toMatchObject({ enabled: true, targets: ['a', 'p', 'm', 'c'] });
    const s = shape(entries);
    expect(s[s.indexOf('reannounce[a,p,m,c]') - 1]).toMatch(/^recheck\[/);
  });

  it('a torrent whose data is moving offers neither Pause nor Resume: it is out of the engine until it lands', () => {
    const entries = torrentMenu({ selection: [torrent('v', 'moving')], spendingEnabled: false });
    expect(itemOf(entries, 'pause')).toBeUndefined();
    expect(itemOf(entries, 'resume')).toBeUndefined();
    // Its category and tags can still change.
    expect(itemOf(entries, 'categoryNone')).toMatchObject({ enabled: true, targets: ['v'] });
  });
});

describe('inViewOrder', () => {
  it('follows the table, then adds selected torrents the filter hides', () => {
    expect(inViewOrder(['c', 'a', 'b'], new Set(['a', 'x', 'c']))).toEqual(['c', 'a', 'x']);
    expect(inViewOrder([], new Set(['a']))).toEqual(['a']);
  });
});

describe('clipboardText', () => {
  const list = [
    { id: 'aa'.repeat(20), name: 'one.bin', magnet: 'magnet:?xt=urn:btih:' + 'aa'.repeat(20) },
    { id: 'bb'.repeat(20), name: null, magnet: 'magnet:?xt=urn:btih:' + 'bb'.repeat(20) },
    { id: 'cc'.repeat(20), name: 'three', magnet: 'magnet:?xt=urn:btih:' + 'cc'.repeat(20) + '&dn=three' },
  ];

  it('one line per torrent, in the order given, with no trailing newline', () => {
    expect(clipboardText('hash', list)).toBe(['aa'.repeat(20), 'bb'.repeat(20), 'cc'.repeat(20)].join('\n'));
    expect(clipboardText('magnet', list).split('\n')).toEqual(list.map((t) => t.magnet));
  });

  it('names skip a torrent that has none yet', () => {
    expect(clipboardText('name', list)).toBe('one.bin\nthree');
    expect(clipboardText('name', [list[0]!])).toBe('one.bin');
  });
});
