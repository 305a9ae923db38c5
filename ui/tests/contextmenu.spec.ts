/**
 * The torrent table's context menu against a real engine: it opens on the selection by
 * right-click, keyboard and the toolbar; its bulk actions change every selected torrent
 * (checked through the API and on disk); a force recheck reads the data again; copies
 * reach the clipboard; and a torrent that fails is named in the toast.
 */
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import type { RateLimits, TorrentInfo } from '../src/bindings';
import { addFromData, expect, openApp, repoRoot, row, test, type MadeTorrent, type Server, showIn } from './fixtures';

const NO_LIMITS: RateLimits = { download_bytes_per_sec: null, upload_bytes_per_sec: null };

async function listed(server: Server): Promise<TorrentInfo[]> {
  const reply = await server.rpc({ type: 'list_torrents' });
  if (reply.type !== 'torrents') throw new Error(`list_torrents answered ${reply.type}`);
  return reply.torrents;
}

/** Each torrent's state by name, as the core has it. */
async function statesOf(server: Server): Promise<Record<string, string>> {
  return Object.fromEntries((await listed(server)).map((t) => [t.name ?? t.id, t.state]));
}

async function limitsOf(server: Server, id: string): Promise<RateLimits> {
  const reply = await server.rpc({ type: 'get_torrent', id });
  if (reply.type !== 'torrent') throw new Error(`get_torrent answered ${reply.type}`);
  return reply.torrent.limits;
}

function stateCell(page: Page, name: string) {
  return row(page, name).locator('.col-state');
}

/** Makes single-file torrents `names` with their data, adds them and waits until each shows `state`. */
async function setUp(page: Page, server: Server, makeTorrent: (name: string, files: Record<string, number>) => MadeTorrent, names: string[], paused = false) {
  const made = names.map((name) => makeTorrent(name, { [name]: 40_000 }));
  await addFromData(server, made, paused);
  await openApp(page, server);
  for (const name of names) await expect(stateCell(page, name)).toHaveText(paused ? 'Paused' : 'Seeding', { timeout: 30_000 });
  return made;
}

const menuItems = (page: Page) => page.getByRole('menu').getByRole('menuitem');

test('right-click selects the row and opens the menu; Pause and Resume act on every selected torrent', async ({ page, server, makeTorrent }) => {
  await setUp(page, server, makeTorrent, ['one.bin', 'two.bin', 'three.bin']);
  const grid = page.getByRole('grid', { name: 'Torrents' });

  // A row outside the selection becomes the selection, as in a file manager.
  await row(page, 'two.bin').click({ button: 'right' });
  const menu = page.getByRole('menu', { name: 'two.bin' });
  await expect(menu).toBeVisible();
  await expect(grid.locator('[role=row][aria-selected=true]')).toHaveCount(1);
  await expect(row(page, 'two.bin')).toHaveAttribute('aria-selected', 'true');
  // Spending is off by default: no Bid… item. Force start and sequential order are
  // checkboxes, the rest plain items or submenus.
  await expect(menuItems(page)).toHaveText([
    'Open details',
    'Pause',
    'Queue',
    'Rename…',
    'Set location…',
    'Force recheck…',
    'Reannounce',
    'Category',
    'Tags',
    'Speed limits…',
    'Seeding limits…',
    'Bandwidth priority',
    'Copy name',
    'Copy info hash',
    'Copy magnet link',
    'Remove…',
    'Remove with data…',
  ]);
  await expect(menu.getByRole('menuitemcheckbox')).toHaveText(['Force start', 'Download in sequential order', 'First and last pieces first']);
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();

  // A right-click inside a selection of two keeps it, and the menu says how many.
  await row(page, 'one.bin').click();
  await row(page, 'three.bin').click({ modifiers: ['ControlOrMeta'] });
  await row(page, 'three.bin').click({ button: 'right' });
  const many = page.getByRole('menu', { name: '2 torrents' });
  await expect(many).toBeVisible();
  await expect(grid.locator('[role=row][aria-selected=true]')).toHaveCount(2);
  await expect(many.getByRole('menuitem', { name: 'Open details' })).toBeDisabled();
  await many.getByRole('menuitem', { name: 'Pause (2 torrents)' }).click();
  await expect(many).toBeHidden();
  await expect.poll(() => statesOf(server)).toEqual({ 'one.bin': 'paused', 'two.bin': 'seeding', 'three.bin': 'paused' });
  await expect(stateCell(page, 'one.bin')).toHaveText('Paused');
  await expect(stateCell(page, 'three.bin')).toHaveText('Paused');

  // Select all: Resume applies to the two paused ones, Pause to the one seeding.
  await page.keyboard.press('ControlOrMeta+a');
  await row(page, 'one.bin').click({ button: 'right' });
  const all = page.getByRole('menu', { name: '3 torrents' });
  await expect(all.getByRole('menuitem', { name: 'Pause (1 torrent)' })).toBeVisible();
  await all.getByRole('menuitem', { name: 'Resume (2 torrents)' }).click();
  await expect.poll(() => statesOf(server)).toEqual({ 'one.bin': 'seeding', 'two.bin': 'seeding', 'three.bin': 'seeding' });
  await expect(stateCell(page, 'three.bin')).toHaveText('Seeding');
  // Nothing failed, so no toast speaks of a failure.
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test('keyboard: Shift+F10 opens on the selection, arrows move, Enter acts, Esc gives the table its focus back', async ({ page, server, makeTorrent }) => {
  await setUp(page, server, makeTorrent, ['a.bin', 'b.bin'], true);
  const grid = page.getByRole('grid', { name: 'Torrents' });
  await row(page, 'a.bin').click();
  await expect(grid).toBeFocused();

  await page.keyboard.press('Shift+F10');
  const menu = page.getByRole('menu', { name: 'a.bin' });
  await expect(menu).toBeVisible();
  // Opened from the keyboard, the first item has the focus.
  await expect(menu.getByRole('menuitem', { name: 'Open details' })).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(menu.getByRole('menuitem', { name: 'Resume' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(menu).toBeHidden();
  await expect(grid).toBeFocused();
  await expect.poll(async () => (await statesOf(server))['a.bin']).not.toBe('paused');
  expect((await statesOf(server))['b.bin']).toBe('paused');

  // The Menu key too; the menu opens under the row, and Esc closes it without clearing the selection.
  await page.keyboard.press('ContextMenu');
  await expect(menu).toBeVisible();
  const rowBox = (await row(page, 'a.bin').boundingBox())!;
  const menuBox = (await menu.boundingBox())!;
  expect(menuBox.y).toBeGreaterThanOrEqual(rowBox.y + rowBox.height - 1);
  await page.keyboard.press('End');
  await expect(menu.getByRole('menuitem', { name: 'Remove with data…' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();
  await expect(grid).toBeFocused();
  await expect(row(page, 'a.bin')).toHaveAttribute('aria-selected', 'true');

  // Enter on "Open details" opens the panel.
  await page.keyboard.press('Shift+F10');
  await expect(menu.getByRole('menuitem', { name: 'Open details' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('region', { name: 'Details of a.bin' })).toBeVisible();

  // The toolbar's button opens the same menu; Esc gives the focus back to the button.
  const more = page.getByRole('button', { name: 'More actions' });
  await more.click();
  await expect(menu).toBeVisible();
  await expect(more).toHaveAttribute('aria-expanded', 'true');
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();
  await expect(more).toBeFocused();

  // A right-click on another row while it is open opens that row's menu, which keeps the
  // focus (the old one's closing does not hand it back to the table).
  await row(page, 'b.bin').click({ button: 'right' });
  await expect(page.getByRole('menu', { name: 'b.bin' })).toBeVisible();
  await row(page, 'a.bin').click({ button: 'right', position: { x: 20, y: 10 } });
  const again = page.getByRole('menu', { name: 'a.bin' });
  await expect(again).toBeVisible();
  await page.keyboard.press('ArrowDown');
  await expect(again.getByRole('menuitem', { name: 'Open details' })).toBeFocused();
  // A click outside closes it.
  await page.getByRole('searchbox', { name: 'Search torrents' }).click();
  await expect(page.getByRole('menu')).toHaveCount(0);
});

test('the menu stays inside the window, flipping at the right and bottom edges', async ({ page, server, makeTorrent }) => {
  // Enough rows that the last one sits near the bottom of a 1024×640 window.
  const names = Array.from({ length: 15 }, (_, i) => `edge${String(i).padStart(2, '0')}.bin`);
  await addFromData(server, names.map((name) => makeTorrent(name, { [name]: 2_000 })), true);
  await page.setViewportSize({ width: 1024, height: 640 });
  await openApp(page, server);
  // In name order, so the first and last rows are known.
  await page.getByRole('columnheader', { name: 'Name' }).getByRole('button').click();
  await expect(page.locator('.grid-body .col-name').first()).toHaveText('edge00.bin');
  const open = async (name: string, x: number) => {
    const box = (await row(page, name).boundingBox())!;
    const y = box.y + box.height / 2;
    await page.mouse.click(x, y, { button: 'right' });
    const menu = page.getByRole('menu', { name });
    await expect(menu).toBeVisible();
    const m = (await menu.boundingBox())!;
    // Inside the window, whole.
    expect(m.x).toBeGreaterThanOrEqual(0);
    expect(m.y).toBeGreaterThanOrEqual(0);
    expect(m.x + m.width).toBeLessThanOrEqual(1024);
    expect(m.y + m.height).toBeLessThanOrEqual(640);
    return { menu, m, x, y };
  };

  // Top left: it opens right of and below the pointer.
  let at = await open('edge00.bin', 300);
  expect(at.m.x).toBeGreaterThanOrEqual(at.x - 1);
  expect(at.m.y).toBeGreaterThan(at.y);
  await page.keyboard.press('Escape');
  await expect(at.menu).toBeHidden();

  // Bottom right: it goes left of and above the pointer rather than off the window.
  const last = names.at(-1)!;
  await expect(row(page, last)).toBeInViewport();
  at = await open(last, 1024 - 6);
  expect(at.m.x + at.m.width).toBeLessThanOrEqual(at.x + 1);
  expect(at.m.y + at.m.height).toBeLessThan(at.y);
  await page.keyboard.press('Escape');
  await expect(at.menu).toBeHidden();
});

test('Copy info hash, name and magnet link put the selection on the clipboard, one per line', async ({ page, context, server, makeTorrent }) => {
  const made = await setUp(page, server, makeTorrent, ['beta.bin', 'alpha.bin']);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const clipboard = () => page.evaluate(() => navigator.clipboard.readText());
  const byName = Object.fromEntries(made.map((m) => [m.name, m]));
  // In the table's order: sorted by name.
  await page.getByRole('columnheader', { name: 'Name' }).getByRole('button').click();
  await expect(page.locator('.grid-body .col-name').first()).toHaveText('alpha.bin');

  await page.evaluate(() => navigator.clipboard.writeText('before'));
  await page.keyboard.press('ControlOrMeta+a');
  await row(page, 'beta.bin').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Copy info hashes (2 torrents)' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Copied 2 lines' })).toBeVisible();
  expect(await clipboard()).toBe(`${byName['alpha.bin']!.infoHash}\n${byName['beta.bin']!.infoHash}`);

  await row(page, 'alpha.bin').click();
  await row(page, 'alpha.bin').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Copy name' }).click();
  await expect.poll(clipboard).toBe('alpha.bin');
  await expect(page.getByRole('status').filter({ has: page.getByText('Copied', { exact: true }) })).toBeVisible();

  await row(page, 'alpha.bin').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Copy magnet link' }).click();
  await expect.poll(clipboard).toMatch(new RegExp(`^magnet:\\?xt=urn:btih:${byName['alpha.bin']!.infoHash}`, 'i'));
  const torrent = (await listed(server)).find((t) => t.name === 'alpha.bin')!;
  expect(await clipboard()).toBe(torrent.magnet);
});

test('Remove with data… asks first, then removes the selected torrents and deletes their files', async ({ page, server, makeTorrent }) => {
  const made = await setUp(page, server, makeTorrent, ['keep.bin', 'gone1.bin', 'gone2.bin']);
  const fileOf = (m: MadeTorrent) => join(m.dataDir, m.name);
  for (const m of made) expect(existsSync(fileOf(m))).toBe(true);

  // Plain Remove… asks with the box unticked.
  await row(page, 'keep.bin').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Remove…' }).click();
  const one = page.getByRole('alertdialog', { name: 'Remove torrent?' });
  await expect(one.getByRole('checkbox', { name: 'Also delete the downloaded data' })).not.toBeChecked();
  await one.getByRole('button', { name: 'Cancel' }).click();
  await expect(one).toBeHidden();

  await row(page, 'gone1.bin').click();
  await row(page, 'gone2.bin').click({ modifiers: ['ControlOrMeta'] });
  await row(page, 'gone2.bin').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Remove with data… (2 torrents)' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Remove 2 torrents?' });
  await expect(confirm.getByRole('checkbox', { name: 'Also delete the downloaded data' })).toBeChecked();
  await expect(confirm.getByText('The files are deleted from disk.')).toBeVisible();
  // Cancelling removes nothing.
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(confirm).toBeHidden();
  expect((await listed(server)).length).toBe(3);
  for (const m of made) expect(existsSync(fileOf(m))).toBe(true);

  await row(page, 'gone2.bin').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Remove with data… (2 torrents)' }).click();
  await confirm.getByRole('button', { name: 'Remove' }).click();
  await expect(row(page, 'gone1.bin')).toHaveCount(0);
  await expect(row(page, 'gone2.bin')).toHaveCount(0);
  await expect(row(page, 'keep.bin')).toBeVisible();
  expect((await listed(server)).map((t) => t.name)).toEqual(['keep.bin']);
  await expect.poll(() => made.map((m) => existsSync(fileOf(m)))).toEqual([true, false, false]);
});

test('Speed limits… sets every selected torrent; differing limits are kept; a failure is named', async ({ page, server, makeTorrent }) => {
  const made = await setUp(page, server, makeTorrent, ['one.bin', 'two.bin', 'three.bin']);
  const [one, two, three] = made as [MadeTorrent, MadeTorrent, MadeTorrent];

  await row(page, 'one.bin').click();
  await row(page, 'two.bin').click({ modifiers: ['ControlOrMeta'] });
  await row(page, 'two.bin').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Speed limits… (2 torrents)' }).click();
  let dialog = page.getByRole('dialog', { name: 'Speed limits' });
  await expect(dialog.getByText('For 2 torrents')).toBeVisible();
  await dialog.getByLabel('Download limit (KiB/s)').fill('100');
  await dialog.getByLabel('Upload limit (KiB/s)').fill('50');
  await dialog.getByRole('button', { name: 'Apply limits' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText('Limits applied to 2 torrents')).toBeVisible();
  expect(await limitsOf(server, one.infoHash)).toEqual({ download_bytes_per_sec: 102_400, upload_bytes_per_sec: 51_200 });
  expect(await limitsOf(server, two.infoHash)).toEqual({ download_bytes_per_sec: 102_400, upload_bytes_per_sec: 51_200 });
  expect(await limitsOf(server, three.infoHash)).toEqual(NO_LIMITS);

  // one.bin and three.bin differ: a field left alone keeps each its own.
  await row(page, 'one.bin').click();
  await row(page, 'three.bin').click({ modifiers: ['ControlOrMeta'] });
  await row(page, 'three.bin').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Speed limits… (2 torrents)' }).click();
  dialog = page.getByRole('dialog', { name: 'Speed limits' });
  await expect(dialog.getByLabel('Download limit (KiB/s)')).toHaveValue('');
  await expect(dialog.getByLabel('Download limit (KiB/s)')).toHaveAttribute('placeholder', 'Different: each keeps its own');
  await dialog.getByLabel('Upload limit (KiB/s)').fill('20');
  await dialog.getByRole('button', { name: 'Apply limits' }).click();
  await expect(dialog).toBeHidden();
  expect(await limitsOf(server, one.infoHash)).toEqual({ download_bytes_per_sec: 102_400, upload_bytes_per_sec: 20_480 });
  expect(await limitsOf(server, three.infoHash)).toEqual({ download_bytes_per_sec: null, upload_bytes_per_sec: 20_480 });

  // A torrent removed elsewhere while the dialog is open: the other is set, the toast names the one that failed.
  await row(page, 'two.bin').click();
  await row(page, 'three.bin').click({ modifiers: ['ControlOrMeta'] });
  await row(page, 'three.bin').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Speed limits… (2 torrents)' }).click();
  dialog = page.getByRole('dialog', { name: 'Speed limits' });
  await expect(dialog).toBeVisible();
  await server.rpc({ type: 'remove', id: three.infoHash, delete_data: false });
  await expect(row(page, 'three.bin')).toHaveCount(0);
  await dialog.getByLabel('Download limit (KiB/s)').fill('10');
  await dialog.getByLabel('Upload limit (KiB/s)').fill('10');
  await dialog.getByRole('button', { name: 'Apply limits' }).click();
  await expect(page.getByRole('alert').filter({ hasText: /^Limits applied to 1 of 2: three\.bin: .+/ })).toBeVisible();
  expect(await limitsOf(server, two.infoHash)).toEqual({ download_bytes_per_sec: 10_240, upload_bytes_per_sec: 10_240 });
  // It stays open to try again.
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
});

test('Seeding limits… and Bid… (only while spending is on) apply to every selected torrent', async ({ page, server, makeTorrent }) => {
  const made = await setUp(page, server, makeTorrent, ['s1.bin', 's2.bin']);
  await page.keyboard.press('ControlOrMeta+a');
  await row(page, 's1.bin').click({ button: 'right' });
  await expect(page.getByRole('menuitem', { name: /^Bid for speed/ })).toHaveCount(0);
  await page.getByRole('menuitem', { name: 'Seeding limits… (2 torrents)' }).click();
  const seeding = page.getByRole('dialog', { name: 'Seeding limits' });
  await seeding.getByRole('radio', { name: 'Use its own seeding limits' }).check();
  await seeding.getByRole('checkbox', { name: 'When ratio reaches' }).check();
  await seeding.getByRole('textbox', { name: 'Ratio limit' }).fill('2.5');
  await seeding.getByRole('button', { name: 'Apply seeding limits' }).click();
  await expect(seeding).toBeHidden();
  await expect(page.getByText('Seeding limits applied to 2 torrents')).toBeVisible();
  for (const t of await listed(server)) expect(t.seeding_limits, t.name ?? t.id).toEqual({ ratio: 2.5, seeding_minutes: null, inactive_minutes: null, action: 'pause' });

  // Spending on (as the Bid for speed page saves it): the menu offers a bid.
  const settings = await server.rpc({ type: 'get_settings' });
  if (settings.type !== 'settings') throw new Error(settings.type);
  await server.rpc({ type: 'update_settings', settings: { ...settings.settings, speed: { ...settings.settings.speed, spending_enabled: true, budget_per_torrent: (10n ** 19n).toString() } } });
  await page.reload();
  await expect(row(page, 's1.bin')).toBeVisible();
  await page.keyboard.press('ControlOrMeta+a');
  await row(page, 's2.bin').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Bid for speed… (2 torrents)' }).click();
  const bid = page.getByRole('dialog', { name: 'Bid for speed' });
  await bid.getByTestId('bid-mode').selectOption('off');
  await bid.getByRole('button', { name: 'Apply bid' }).click();
  await expect(bid).toBeHidden();
  await expect(page.getByText('Bid saved for 2 torrents')).toBeVisible();
  for (const m of made) {
    const speed = await server.rpc({ type: 'get_torrent_speed', id: m.infoHash });
    expect(speed.type === 'torrent_speed' && speed.speed.bid?.spending, m.name).toBe(false);
  }
});

test('the menu in German and in the dark theme', async ({ page, server, makeTorrent }) => {
  await setUp(page, server, makeTorrent, ['dunkel.bin', 'hell.bin']);
  const out = join(repoRoot, 'target', 'ui-screenshots');
  mkdirSync(out, { recursive: true });
  const surfaces: string[] = [];
  for (const theme of ['light', 'dark'] as const) {
    await showIn(page, theme, 'de');
    await expect(row(page, 'hell.bin')).toBeVisible();
    await page.keyboard.press('ControlOrMeta+a');
    await row(page, 'hell.bin').click({ button: 'right' });
    const menu = page.getByRole('menu', { name: '2 Torrents' });
    await expect(menu.getByRole('menuitem', { name: 'Pausieren (2 Torrents)' })).toBeVisible();
    await expect(menu.getByRole('menuitem', { name: 'Mit Daten entfernen… (2 Torrents)' })).toBeVisible();
    surfaces.push(await menu.evaluate((el) => getComputedStyle(el).backgroundColor));
    await page.screenshot({ path: join(out, `contextmenu-${theme}.png`) });
    await page.keyboard.press('Escape');
  }
  // Each theme paints the menu with its own surface.
  expect(surfaces).toEqual(['rgb(255, 255, 255)', 'rgb(27, 31, 38)']);
});

/** Each torrent's place in the queue, by name, as the core has it. */
async function positionsOf(server: Server): Promise<Record<string, number>> {
  return Object.fromEntries((await listed(server)).map((t) => [t.name ?? t.id, t.queue_position]));
}

/** The names of the table's rows, top to bottom. */
const rowNames = (page: Page) => page.locator('.grid-body .col-name');

/**
 * The `move_in_queue`, `set_force_start` and `set_bandwidth_priority` requests the page
 * sends, their ids sorted (the core keeps the queue's order whatever order they come in).
 */
function queueRequests(page: Page): { type: string; ids: string[]; [k: string]: unknown }[] {
  const sent: { type: string; ids: string[] }[] = [];
  page.on('request', (r) => {
    if (!r.url().endsWith('/api/rpc')) return;
    const body = JSON.parse(r.postData() ?? '{}') as { type: string; ids: string[] };
    if (['move_in_queue', 'set_force_start', 'set_bandwidth_priority'].includes(body.type)) sent.push({ ...body, ids: [...body.ids].sort() });
  });
  return sent;
}

/** The info hashes of `names`, sorted as `queueRequests` records them. */
const idsOf = (byName: Record<string, string>, ...names: string[]) => names.map((n) => byName[n]!).sort();

test('Queue: Move to top and Move to bottom send the selection in one request; the # column shows the new order', async ({ page, server, makeTorrent }) => {
  // The queue on, with no maximum (so nothing waits): # shows without asking for it.
  const settings = await server.rpc({ type: 'get_settings' });
  if (settings.type !== 'settings') throw new Error(settings.type);
  await server.rpc({
    type: 'update_settings',
    settings: { ...settings.settings, queue: { ...settings.settings.queue, enabled: true, max_active_downloads: null, max_active_uploads: null, max_active_torrents: null } },
  });
  const made = await setUp(page, server, makeTorrent, ['q1.bin', 'q2.bin', 'q3.bin']);
  const byName = Object.fromEntries(made.map((m) => [m.name, m.infoHash]));
  expect(await positionsOf(server)).toEqual({ 'q1.bin': 1, 'q2.bin': 2, 'q3.bin': 3 });
  const sent = queueRequests(page);
  const position = (name: string) => row(page, name).locator('.col-queue');
  const header = page.getByRole('columnheader', { name: '#' });
  await expect(header).toBeVisible();
  // Sorting by # shows the queue in its order, first at the top.
  await header.getByRole('button').click();
  await expect(header).toHaveAttribute('aria-sort', 'ascending');
  await expect(rowNames(page)).toHaveText(['q1.bin', 'q2.bin', 'q3.bin']);

  // The third to the top.
  await row(page, 'q3.bin').click({ button: 'right' });
  await page.getByRole('menu', { name: 'q3.bin' }).getByRole('menuitem', { name: 'Queue' }).click();
  await page.getByRole('menu', { name: 'Queue' }).getByRole('menuitem', { name: 'Move to top' }).click();
  await expect(page.getByRole('menu')).toHaveCount(0);
  await expect.poll(() => positionsOf(server)).toEqual({ 'q3.bin': 1, 'q1.bin': 2, 'q2.bin': 3 });
  await expect(position('q3.bin')).toHaveText('1');
  await expect(position('q2.bin')).toHaveText('3');
  await expect(rowNames(page)).toHaveText(['q3.bin', 'q1.bin', 'q2.bin']);
  expect(sent).toEqual([{ type: 'move_in_queue', ids: idsOf(byName, 'q3.bin'), to: 'top' }]);

  // Two to the bottom, from the keyboard: one request naming both, and they keep their
  // order among themselves (q3 before q1).
  await row(page, 'q3.bin').click();
  await row(page, 'q1.bin').click({ modifiers: ['ControlOrMeta'] });
  await page.keyboard.press('Shift+F10');
  const menu = page.getByRole('menu', { name: '2 torrents' });
  // Open details is disabled for two, so Pause has the focus; then Force start, then the Queue submenu.
  // (Radix moves the focus after a timeout: each key waits for the one before.)
  await expect(menu.getByRole('menuitem', { name: 'Pause (2 torrents)' })).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(menu.getByRole('menuitemcheckbox', { name: 'Force start (2 torrents)' })).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(menu.getByRole('menuitem', { name: 'Queue' })).toBeFocused();
  await page.keyboard.press('ArrowRight');
  const queue = page.getByRole('menu', { name: 'Queue' });
  await expect(queue.getByRole('menuitem', { name: 'Move to top (2 torrents)' })).toBeFocused();
  await page.keyboard.press('End');
  await expect(queue.getByRole('menuitem', { name: 'Move to bottom (2 torrents)' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('menu')).toHaveCount(0);
  await expect.poll(() => positionsOf(server)).toEqual({ 'q2.bin': 1, 'q3.bin': 2, 'q1.bin': 3 });
  await expect(rowNames(page)).toHaveText(['q2.bin', 'q3.bin', 'q1.bin']);
  await expect(position('q1.bin')).toHaveText('3');
  expect(sent.slice(1)).toEqual([{ type: 'move_in_queue', ids: idsOf(byName, 'q3.bin', 'q1.bin'), to: 'bottom' }]);

  // A torrent removed elsewhere while the menu is open: the core refuses the move for all,
  // the toast says why, and the order stays. Removed as the move is sent, so the page
  // cannot have heard of the removal first (the event comes within a second).
  await row(page, 'q2.bin').click({ modifiers: ['ControlOrMeta'] });
  await row(page, 'q2.bin').click({ button: 'right' });
  await expect(page.getByRole('menu', { name: '3 torrents' })).toBeVisible();
  await page.route('**/api/rpc', async (route) => {
    const body = route.request().postDataJSON() as { type?: string };
    if (body.type === 'move_in_queue') await server.rpc({ type: 'remove', id: byName['q1.bin']!, delete_data: false });
    await route.continue();
  });
  await page.getByRole('menuitem', { name: 'Queue' }).click();
  await page.getByRole('menuitem', { name: /^Move down/ }).click();
  await expect(page.getByRole('alert').filter({ hasText: /^Could not move 3 torrents in the queue: .+/ })).toBeVisible();
  await page.unroute('**/api/rpc');
  await expect(row(page, 'q1.bin')).toHaveCount(0);
  await expect.poll(() => positionsOf(server)).toEqual({ 'q2.bin': 1, 'q3.bin': 2 });
  await expect(rowNames(page)).toHaveText(['q2.bin', 'q3.bin']);
});

test('Force start: ticked when all the selection is forced, half for some; the core forces each; [F] in the state', async ({ page, server, makeTorrent }) => {
  const made = await setUp(page, server, makeTorrent, ['f1.bin', 'f2.bin', 'f3.bin']);
  const byName = Object.fromEntries(made.map((m) => [m.name, m.infoHash]));
  const forcedOf = async () => Object.fromEntries((await listed(server)).map((t) => [t.name ?? t.id, t.force_start]));
  const sent = queueRequests(page);
  const forceStart = (count: number) => page.getByRole('menuitemcheckbox', { name: `Force start (${count} torrents)` });
  const openOn = async (names: string[]) => {
    await row(page, names[0]!).click();
    for (const name of names.slice(1)) await row(page, name).click({ modifiers: ['ControlOrMeta'] });
    await row(page, names[0]!).click({ button: 'right' });
  };

  await openOn(['f1.bin', 'f2.bin']);
  await expect(forceStart(2)).toHaveAttribute('aria-checked', 'false');
  await forceStart(2).click();
  await expect(page.getByRole('menu')).toHaveCount(0);
  await expect.poll(forcedOf).toEqual({ 'f1.bin': true, 'f2.bin': true, 'f3.bin': false });
  expect(sent).toEqual([{ type: 'set_force_start', ids: idsOf(byName, 'f1.bin', 'f2.bin'), enabled: true }]);
  await expect(stateCell(page, 'f1.bin')).toHaveText('[F] Seeding');
  await expect(stateCell(page, 'f2.bin')).toHaveText('[F] Seeding');
  await expect(stateCell(page, 'f3.bin')).toHaveText('Seeding');
  // Nothing to announce: the table shows it.
  await expect(page.getByRole('status')).toHaveCount(0);

  // Next time it shows ticked.
  await row(page, 'f2.bin').click({ button: 'right' });
  await expect(forceStart(2)).toHaveAttribute('aria-checked', 'true');
  await page.keyboard.press('Escape');

  // Some forced: half ticked, and choosing it forces them all.
  await openOn(['f2.bin', 'f3.bin']);
  await expect(forceStart(2)).toHaveAttribute('aria-checked', 'mixed');
  await forceStart(2).click();
  await expect.poll(forcedOf).toEqual({ 'f1.bin': true, 'f2.bin': true, 'f3.bin': true });
  await expect(stateCell(page, 'f3.bin')).toHaveText('[F] Seeding');

  // All forced: choosing it takes them back under the queue.
  await openOn(['f1.bin', 'f2.bin']);
  await expect(forceStart(2)).toHaveAttribute('aria-checked', 'true');
  await forceStart(2).click();
  await expect.poll(forcedOf).toEqual({ 'f1.bin': false, 'f2.bin': false, 'f3.bin': true });
  await expect(stateCell(page, 'f1.bin')).toHaveText('Seeding');
  expect(sent.at(-1)).toEqual({ type: 'set_force_start', ids: idsOf(byName, 'f1.bin', 'f2.bin'), enabled: false });
});

test('Bandwidth priority: High on two sets both in one request; the Priority column and the submenu show it', async ({ page, server, makeTorrent }) => {
  const made = await setUp(page, server, makeTorrent, ['p1.bin', 'p2.bin', 'p3.bin']);
  const byName = Object.fromEntries(made.map((m) => [m.name, m.infoHash]));
  const prioritiesOf = async () => Object.fromEntries((await listed(server)).map((t) => [t.name ?? t.id, t.bandwidth_priority]));
  const sent = queueRequests(page);
  const priority = (name: string) => row(page, name).locator('.col-priority');

  // Hidden at first, like #, while the queue is off; the columns menu shows it.
  await expect(page.getByRole('columnheader', { name: 'Priority' })).toHaveCount(0);
  await expect(page.getByRole('columnheader', { name: '#' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Columns' }).click();
  await page.getByRole('menuitemcheckbox', { name: 'Priority' }).click();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('columnheader', { name: 'Priority' })).toBeVisible();
  await expect(priority('p1.bin')).toHaveText('Normal');

  await row(page, 'p1.bin').click();
  await row(page, 'p2.bin').click({ modifiers: ['ControlOrMeta'] });
  await row(page, 'p2.bin').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Bandwidth priority' }).click();
  const submenu = page.getByRole('menu', { name: 'Bandwidth priority' });
  await expect(submenu.getByRole('menuitemradio', { name: 'Normal (2 torrents)' })).toHaveAttribute('aria-checked', 'true');
  await submenu.getByRole('menuitemradio', { name: 'High (2 torrents)' }).click();
  await expect(page.getByRole('menu')).toHaveCount(0);
  await expect(page.getByRole('status').filter({ hasText: 'Bandwidth priority of 2 torrents: High' })).toBeVisible();
  await expect.poll(prioritiesOf).toEqual({ 'p1.bin': 'high', 'p2.bin': 'high', 'p3.bin': 'normal' });
  expect(sent).toEqual([{ type: 'set_bandwidth_priority', ids: idsOf(byName, 'p1.bin', 'p2.bin'), priority: 'high' }]);
  await expect(priority('p1.bin')).toHaveText('High');
  await expect(priority('p2.bin')).toHaveText('High');
  await expect(priority('p3.bin')).toHaveText('Normal');

  // The submenu ticks the value they share, and none when they differ.
  await row(page, 'p1.bin').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Bandwidth priority' }).click();
  await expect(submenu.getByRole('menuitemradio', { name: 'High (2 torrents)' })).toHaveAttribute('aria-checked', 'true');
  // Esc in the submenu closes the whole menu.
  await page.keyboard.press('Escape');
  await expect(page.getByRole('menu')).toHaveCount(0);
  await page.keyboard.press('ControlOrMeta+a');
  await row(page, 'p3.bin').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Bandwidth priority' }).click();
  await expect(submenu.getByRole('menuitemradio')).toHaveCount(3);
  for (const radio of await submenu.getByRole('menuitemradio').all()) await expect(radio).toHaveAttribute('aria-checked', 'false');

  // Shown after a reload too: the choice of column is kept.
  await page.keyboard.press('Escape');
  await page.reload();
  await expect(priority('p2.bin')).toHaveText('High');
});

test('Force recheck… asks first, then checks the selection in one request: both seed again, and damaged data is found', async ({ page, server, makeTorrent }) => {
  const made = await setUp(page, server, makeTorrent, ['rc1.bin', 'rc2.bin', 'rc3.bin']);
  const byName = Object.fromEntries(made.map((m) => [m.name, m.infoHash]));
  const sent: { type: string; ids: string[] }[] = [];
  page.on('request', (r) => {
    if (!r.url().endsWith('/api/rpc')) return;
    const body = JSON.parse(r.postData() ?? '{}') as { type: string; ids: string[] };
    if (body.type === 'recheck') sent.push({ ...body, ids: [...body.ids].sort() });
  });
  const openOnTwo = async () => {
    await row(page, 'rc1.bin').click();
    await row(page, 'rc2.bin').click({ modifiers: ['ControlOrMeta'] });
    await row(page, 'rc2.bin').click({ button: 'right' });
    await page.getByRole('menu', { name: '2 torrents' }).getByRole('menuitem', { name: 'Force recheck… (2 torrents)' }).click();
  };
  const dialog = page.getByRole('dialog', { name: 'Force recheck' });
  /** Confirms, and waits for the core's answer: it comes once every torrent named is back in the engine, checking. */
  const confirm = async () => {
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/rpc') && (r.request().postData() ?? '').includes('"recheck"'));
    await dialog.getByRole('button', { name: 'Recheck' }).click();
    await expect(dialog).toBeHidden();
    expect(await (await answered).json()).toEqual({ type: 'ok' });
  };

  // Cancel checks nothing.
  await openOnTwo();
  await expect(dialog.getByText('For 2 torrents')).toBeVisible();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  expect(sent).toEqual([]);

  await openOnTwo();
  await confirm();
  expect(sent).toEqual([{ type: 'recheck', ids: idsOf(byName, 'rc1.bin', 'rc2.bin') }]);
  // Small torrents are checked at once: the end of it, not Checking, is what can be waited for.
  await expect.poll(() => statesOf(server), { timeout: 30_000 }).toEqual({ 'rc1.bin': 'seeding', 'rc2.bin': 'seeding', 'rc3.bin': 'seeding' });
  await expect(stateCell(page, 'rc1.bin')).toHaveText('Seeding');
  await expect(stateCell(page, 'rc2.bin')).toHaveText('Seeding');
  await expect(page.getByRole('alert')).toHaveCount(0);

  // The check reads the data: a damaged first piece is no longer counted as had.
  const file = join(made[1]!.dataDir, 'rc2.bin');
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(64, 0xee), 0, 64, 0);
  closeSync(fd);
  await row(page, 'rc2.bin').click();
  await row(page, 'rc2.bin').click({ button: 'right' });
  await page.getByRole('menu', { name: 'rc2.bin' }).getByRole('menuitem', { name: 'Force recheck…' }).click();
  await expect(dialog.getByText('For “rc2.bin”')).toBeVisible();
  await confirm();
  await expect
    .poll(async () => {
      const t = (await listed(server)).find((x) => x.name === 'rc2.bin')!;
      return t.state !== 'checking' && t.progress_bytes < t.total_bytes;
    }, { timeout: 30_000 })
    .toBe(true);
  await expect(row(page, 'rc2.bin').getByRole('progressbar')).not.toHaveAttribute('aria-valuenow', '100');
  expect(sent.at(-1)).toEqual({ type: 'recheck', ids: [byName['rc2.bin']!] });
  // The others were not touched.
  expect((await statesOf(server))['rc3.bin']).toBe('seeding');
});
