/**
 * The torrent table's columns against a real `serve`: the columns hidden at first
 * (transfers over the torrent's life, what remains, the save path, the dates) shown from
 * the Columns menu with a seeded torrent's values; a column resized by dragging its edge
 * and moved by dragging its header or from the menu's keyboard items, each kept after a
 * reload.
 */
import { mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import type { TorrentInfo } from '../src/bindings';
import { addFromData, expect, openApp, repoRoot, row, showIn, test, type MadeTorrent, type Server } from './fixtures';

async function torrentNamed(server: Server, name: string): Promise<TorrentInfo> {
  const r = await server.rpc({ type: 'list_torrents' });
  if (r.type !== 'torrents') throw new Error(`list_torrents answered ${r.type}`);
  const found = r.torrents.find((t) => t.name === name);
  if (!found) throw new Error(`no torrent ${name}`);
  return found;
}

/** Adds `name`, seeded from its data, and opens the app once it seeds. */
async function seeding(page: Page, server: Server, makeTorrent: (name: string, files: Record<string, number>) => MadeTorrent, name: string): Promise<MadeTorrent> {
  const made = makeTorrent(name, { [name]: 40_000 });
  await addFromData(server, [made]);
  await openApp(page, server);
  await expect(row(page, name).locator('.col-state')).toHaveText('Seeding', { timeout: 30_000 });
  return made;
}

const header = (page: Page, name: string) => page.getByRole('columnheader', { name, exact: true });
// Hidden ones included: an open menu hides the rest of the page from assistive tech
// (aria-hidden), and the order is checked while the Columns menu is open.
const headers = (page: Page) => page.getByRole('columnheader', { includeHidden: true });
const columnsButton = (page: Page) => page.getByRole('button', { name: 'Columns' });

/** The headers shown at first, the queue being off. */
const AT_FIRST = ['Name', 'Size', 'Progress', 'State', 'Down', 'Up', 'ETA', 'Ratio', 'Peers', 'Bid'];

const centre = (box: { x: number; y: number; width: number; height: number } | null) => ({ x: box!.x + box!.width / 2, y: box!.y + box!.height / 2 });

/** Presses the mouse at `from`'s centre and releases it `dx` pixels to the right, or over `to`'s centre. */
async function drag(page: Page, from: Locator, to: Locator | { dx: number }): Promise<void> {
  const start = centre(await from.boundingBox());
  const end = 'dx' in to ? { x: start.x + to.dx, y: start.y } : centre(await to.boundingBox());
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move(end.x, end.y, { steps: 8 });
  await page.mouse.up();
}

const widthOf = async (l: Locator) => Math.round((await l.boundingBox())!.width);

test('Downloaded, Uploaded, Remaining, Save path, Added on and Completed on show from the Columns menu with the torrent’s values', async ({ page, server, makeTorrent }) => {
  await page.setViewportSize({ width: 1024, height: 640 });
  const made = await seeding(page, server, makeTorrent, 'cols.bin');
  const NEW = ['Downloaded', 'Uploaded', 'Remaining', 'Save path', 'Added on', 'Completed on'];
  // Hidden at first: the table already fills 1024 px.
  await expect(headers(page)).toHaveText(AT_FIRST);

  await columnsButton(page).click();
  const menu = page.getByRole('menu');
  for (const name of NEW) {
    const item = menu.getByRole('menuitemcheckbox', { name, exact: true });
    await expect(item).toHaveAttribute('aria-checked', 'false');
    await item.click();
    // The menu stays open for the next one.
    await expect(item).toHaveAttribute('aria-checked', 'true');
  }
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();
  await expect(headers(page)).toHaveText([...AT_FIRST, 'Added on', 'Completed on', 'Downloaded', 'Uploaded', 'Remaining', 'Save path']);

  // Seeded from data that was already here: nothing fetched, nothing sent, nothing left.
  const cell = (column: string) => row(page, 'cols.bin').locator(`.col-${column}`);
  await expect(cell('remaining')).toHaveText('0 B');
  await expect(cell('downloaded')).toHaveText('0 B');
  await expect(cell('uploaded')).toHaveText('0 B');
  const info = await torrentNamed(server, 'cols.bin');
  expect(realpathSync(info.output_folder)).toBe(realpathSync(made.dataDir));
  await expect(cell('savePath')).toHaveText(info.save_path);
  await expect(cell('savePath').locator('span')).toHaveAttribute('title', info.save_path);
  // Dates in the user's language: in English, month/day/year and the time.
  const date = /^\d{1,2}\/\d{1,2}\/\d{2}, \d{1,2}:\d{2}/;
  await expect(cell('added')).toHaveText(date);
  await expect.poll(async () => (await torrentNamed(server, 'cols.bin')).completed_at, { timeout: 15_000 }).not.toBeNull();
  await expect(cell('completed')).toHaveText(date);

  // Sortable like the others: a click on Remaining sorts by it.
  await header(page, 'Remaining').getByRole('button').click();
  await expect(header(page, 'Remaining')).not.toHaveAttribute('aria-sort', 'none');

  // Kept after a reload; in German, with German dates (day.month.year).
  await page.reload();
  await expect(cell('remaining')).toHaveText('0 B');
  await showIn(page, 'dark', 'de');
  for (const name of ['Heruntergeladen', 'Hochgeladen', 'Verbleibend', 'Speicherort', 'Hinzugefügt am', 'Abgeschlossen am']) await expect(header(page, name)).toBeVisible();
  await expect(cell('completed')).toHaveText(/^\d{2}\.\d{2}\.\d{2}, \d{2}:\d{2}$/);
  const out = join(repoRoot, 'target', 'ui-screenshots');
  mkdirSync(out, { recursive: true });
  await page.screenshot({ path: join(out, 'columns-dark-de.png') });
});

test('a column dragged wider by its edge keeps the width after a reload; a double-click on the edge gives the default back', async ({ page, server, makeTorrent }) => {
  await seeding(page, server, makeTorrent, 'wide.bin');
  const size = header(page, 'Size');
  const sizeCell = row(page, 'wide.bin').locator('.col-size');
  const at = await widthOf(size);
  expect(at).toBe(84);

  await drag(page, size.locator('.column-resizer'), { dx: 60 });
  await expect.poll(() => widthOf(size)).toBe(144);
  // The rows follow the header.
  expect(await widthOf(sizeCell)).toBe(144);
  // Releasing over the next header sorted nothing.
  for (const h of await headers(page).all()) await expect(h).toHaveAttribute('aria-sort', 'none');

  // Too narrow to read is as narrow as it goes.
  await drag(page, header(page, 'Peers').locator('.column-resizer'), { dx: -200 });
  await expect.poll(() => widthOf(header(page, 'Peers'))).toBe(40);

  await page.reload();
  await expect(sizeCell).toBeVisible();
  expect(await widthOf(size)).toBe(144);
  expect(await widthOf(sizeCell)).toBe(144);
  expect(await widthOf(header(page, 'Peers'))).toBe(40);

  await size.locator('.column-resizer').dblclick();
  await expect.poll(() => widthOf(size)).toBe(84);
  await page.reload();
  await expect(sizeCell).toBeVisible();
  expect(await widthOf(size)).toBe(84);
});

test('columns move by dragging a header onto another and by Move left in the Columns menu; the order is kept after a reload', async ({ page, server, makeTorrent }) => {
  await seeding(page, server, makeTorrent, 'order.bin');
  await expect(headers(page)).toHaveText(AT_FIRST);
  const cellsOf = () => row(page, 'order.bin').getByRole('gridcell');

  // Size dropped on State: it lands after it. The drag sorts nothing.
  await drag(page, header(page, 'Size'), header(page, 'State'));
  const dragged = ['Name', 'Progress', 'State', 'Size', 'Down', 'Up', 'ETA', 'Ratio', 'Peers', 'Bid'];
  await expect(headers(page)).toHaveText(dragged);
  for (const h of await headers(page).all()) await expect(h).toHaveAttribute('aria-sort', 'none');
  // The rows follow: the fourth cell is the size.
  await expect(cellsOf().nth(3)).toHaveClass(/\bcol-size\b/);

  // From the keyboard: the menu lists the columns in the table's order, each with Move
  // left and Move right; the focus stays on the one pressed, so pressing on moves on.
  await columnsButton(page).focus();
  await page.keyboard.press('Enter');
  const menu = page.getByRole('menu');
  await expect(menu).toBeVisible();
  await expect(menu.getByRole('menuitem', { name: 'Move Name left' })).toBeDisabled();
  const left = menu.getByRole('menuitem', { name: 'Move Peers left' });
  await left.focus();
  await page.keyboard.press('Enter');
  await expect(headers(page)).toHaveText(['Name', 'Progress', 'State', 'Size', 'Down', 'Up', 'ETA', 'Peers', 'Ratio', 'Bid']);
  await expect(left).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(headers(page)).toHaveText(['Name', 'Progress', 'State', 'Size', 'Down', 'Up', 'Peers', 'ETA', 'Ratio', 'Bid']);
  // The menu's own list follows the table.
  const lines = menu.getByRole('menuitemcheckbox');
  await expect(lines.nth(6)).toHaveText(/Up$/);
  await expect(lines.nth(7)).toHaveText(/Peers$/);
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();

  const moved = ['Name', 'Progress', 'State', 'Size', 'Down', 'Up', 'Peers', 'ETA', 'Ratio', 'Bid'];
  await page.reload();
  await expect(row(page, 'order.bin')).toBeVisible();
  await expect(headers(page)).toHaveText(moved);
  await expect(cellsOf().nth(6)).toHaveClass(/\bcol-peers\b/);
});

test('the columns chosen before columns could move or be resized are still the ones shown', async ({ page, server }) => {
  await openApp(page, server);
  // As the previous version stored them: which show, alone.
  await page.evaluate(() => localStorage.setItem('bidswarm.columns', JSON.stringify({ remaining: true, peers: false })));
  await page.reload();
  await expect(headers(page)).toHaveText(['Name', 'Size', 'Progress', 'State', 'Down', 'Up', 'ETA', 'Ratio', 'Bid', 'Remaining']);
  // Stored again in the current shape, the choices kept.
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('bidswarm.columns') ?? 'null') as unknown);
  expect(stored).toMatchObject({ version: 2, visibility: { remaining: true, peers: false } });
});
