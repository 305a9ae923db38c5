/**
 * Download in sequential order from the torrent menu against a real engine: one request
 * for the whole selection, the core keeps the flag (after a reload too), the item is
 * ticked, half-ticked or not as the selection is, Details → General shows it, and a
 * refusal changes none of the torrents and says why.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { addFromData, expect, openApp, repoRoot, row, showIn, test, type Server } from './fixtures';

/** Each torrent's sequential flag by name, as the core has it. */
async function sequentialOf(server: Server): Promise<Record<string, boolean>> {
  const reply = await server.rpc({ type: 'list_torrents' });
  if (reply.type !== 'torrents') throw new Error(`list_torrents answered ${reply.type}`);
  return Object.fromEntries(reply.torrents.map((t) => [t.name ?? t.id, t.sequential]));
}

/** The `set_sequential` requests the page sends, their ids sorted. */
function sequentialRequests(page: Page): { ids: string[]; enabled: boolean }[] {
  const sent: { ids: string[]; enabled: boolean }[] = [];
  page.on('request', (r) => {
    if (!r.url().endsWith('/api/rpc')) return;
    const body = JSON.parse(r.postData() ?? '{}') as { type?: string; ids: string[]; enabled: boolean };
    if (body.type === 'set_sequential') sent.push({ ids: [...body.ids].sort(), enabled: body.enabled });
  });
  return sent;
}

/** Selects `names` (the first by a click, the rest by Ctrl+click) and opens the menu on the first. */
async function openOn(page: Page, names: string[]) {
  await row(page, names[0]!).click();
  for (const name of names.slice(1)) await row(page, name).click({ modifiers: ['ControlOrMeta'] });
  await row(page, names[0]!).click({ button: 'right' });
}

/** A row's value in Details → General, by its term. */
function generalValue(page: Page, details: Locator, term: string) {
  return details.locator('.general-row').filter({ has: page.getByRole('term').filter({ hasText: new RegExp(`^${term}$`) }) }).getByRole('definition');
}

test('Download in sequential order: one request for the selection, ticked after a reload, off again; Details shows it; a refusal changes none', async ({ page, server, makeTorrent }) => {
  const made = ['s1.bin', 's2.bin', 's3.bin'].map((name) => makeTorrent(name, { [name]: 40_000 }));
  await addFromData(server, made);
  await openApp(page, server);
  for (const m of made) await expect(row(page, m.name)).toBeVisible();
  const byName = Object.fromEntries(made.map((m) => [m.name, m.infoHash]));
  const idsOf = (...names: string[]) => names.map((n) => byName[n]!).sort();
  const sent = sequentialRequests(page);
  const item = (count: number) => page.getByRole('menuitemcheckbox', { name: `Download in sequential order (${count} torrents)` });

  // Details of s1 stay open while the selection changes.
  const details = page.getByRole('region', { name: 'Details of s1.bin' });
  const shown = generalValue(page, details, 'Sequential download');
  await row(page, 's1.bin').dblclick();
  await expect(shown).toHaveText('No');

  // Off for both: choosing it turns both on, in one request.
  await openOn(page, ['s1.bin', 's2.bin']);
  await expect(item(2)).toHaveAttribute('aria-checked', 'false');
  await item(2).click();
  await expect(page.getByRole('menu')).toHaveCount(0);
  // No column shows it, so a toast says it took.
  await expect(page.getByRole('status').filter({ hasText: 'Sequential download of 2 torrents: Yes' })).toBeVisible();
  await expect.poll(() => sequentialOf(server)).toEqual({ 's1.bin': true, 's2.bin': true, 's3.bin': false });
  expect(sent).toEqual([{ ids: idsOf('s1.bin', 's2.bin'), enabled: true }]);
  await expect(shown).toHaveText('Yes');

  // The core keeps it: after a reload the details say so and the item is ticked.
  await page.reload();
  await row(page, 's1.bin').dblclick();
  await expect(shown).toHaveText('Yes');
  await openOn(page, ['s2.bin', 's1.bin']);
  await expect(item(2)).toHaveAttribute('aria-checked', 'true');
  await page.keyboard.press('Escape');
  await expect(page.getByRole('menu')).toHaveCount(0);

  // Some sequential: half ticked, and choosing it makes them all sequential.
  await openOn(page, ['s2.bin', 's3.bin']);
  await expect(item(2)).toHaveAttribute('aria-checked', 'mixed');
  await item(2).click();
  await expect.poll(() => sequentialOf(server)).toEqual({ 's1.bin': true, 's2.bin': true, 's3.bin': true });
  expect(sent.at(-1)).toEqual({ ids: idsOf('s2.bin', 's3.bin'), enabled: true });

  // All sequential: choosing it turns them off.
  await openOn(page, ['s1.bin', 's2.bin']);
  await expect(item(2)).toHaveAttribute('aria-checked', 'true');
  await item(2).click();
  await expect(page.getByRole('status').filter({ hasText: 'Sequential download of 2 torrents: No' })).toBeVisible();
  await expect.poll(() => sequentialOf(server)).toEqual({ 's1.bin': false, 's2.bin': false, 's3.bin': true });
  expect(sent.at(-1)).toEqual({ ids: idsOf('s1.bin', 's2.bin'), enabled: false });
  await expect(shown).toHaveText('No');

  // A torrent removed elsewhere as the request goes out: the core refuses it for all, the
  // toast says why, and the other keeps its flag. Removed as it is sent, so the page
  // cannot have heard of the removal first.
  await openOn(page, ['s1.bin', 's3.bin']);
  await expect(item(2)).toHaveAttribute('aria-checked', 'mixed');
  await page.route('**/api/rpc', async (route) => {
    const body = route.request().postDataJSON() as { type?: string };
    if (body.type === 'set_sequential') await server.rpc({ type: 'remove', id: byName['s3.bin']!, delete_data: false });
    await route.continue();
  });
  await item(2).click();
  await expect(page.getByRole('alert').filter({ hasText: /^Could not change sequential download of 2 torrents: .+/ })).toBeVisible();
  await page.unroute('**/api/rpc');
  await expect(row(page, 's3.bin')).toHaveCount(0);
  expect(await sequentialOf(server)).toEqual({ 's1.bin': false, 's2.bin': false });
  await expect(shown).toHaveText('No');
});

test('Download in sequential order in German, in the light and the dark theme', async ({ page, server, makeTorrent }) => {
  await addFromData(server, [makeTorrent('hell.bin', { 'hell.bin': 20_000 }), makeTorrent('dunkel.bin', { 'dunkel.bin': 20_000 })]);
  await openApp(page, server);
  const out = join(repoRoot, 'target', 'ui-screenshots');
  mkdirSync(out, { recursive: true });
  const surfaces: string[] = [];
  for (const [theme, after] of [['light', 'Ja'], ['dark', 'Nein']] as const) {
    await showIn(page, theme, 'de');
    await openOn(page, ['hell.bin', 'dunkel.bin']);
    const menu = page.getByRole('menu', { name: '2 Torrents' });
    const item = menu.getByRole('menuitemcheckbox', { name: 'In sequentieller Reihenfolge herunterladen (2 Torrents)' });
    await expect(item).toHaveAttribute('aria-checked', after === 'Ja' ? 'false' : 'true');
    surfaces.push(await menu.evaluate((el) => getComputedStyle(el).backgroundColor));
    await page.screenshot({ path: join(out, `sequential-${theme}.png`) });
    await item.click();
    await expect(page.getByRole('status').filter({ hasText: `Sequentielles Herunterladen von 2 Torrents: ${after}` })).toBeVisible();
    await row(page, 'hell.bin').dblclick();
    const details = page.getByRole('region', { name: 'Details zu hell.bin' });
    await expect(generalValue(page, details, 'Sequentielles Herunterladen')).toHaveText(after);
  }
  // Each theme paints the menu with its own surface.
  expect(surfaces).toEqual(['rgb(255, 255, 255)', 'rgb(27, 31, 38)']);
  expect(await sequentialOf(server)).toEqual({ 'hell.bin': false, 'dunkel.bin': false });
});

test('First and last pieces first: its own flag, for the selection, shown in Details', async ({ page, server, makeTorrent }) => {
  const made = ['f1.bin', 'f2.bin'].map((name) => makeTorrent(name, { [name]: 30_000 }));
  await addFromData(server, made);
  await openApp(page, server);
  for (const m of made) await expect(row(page, m.name)).toBeVisible();
  const flags = async () => {
    const reply = await server.rpc({ type: 'list_torrents' });
    if (reply.type !== 'torrents') throw new Error(`list_torrents answered ${reply.type}`);
    return Object.fromEntries(reply.torrents.map((t) => [t.name ?? t.id, [t.sequential, t.first_last_pieces_first]]));
  };
  const item = page.getByRole('menuitemcheckbox', { name: 'First and last pieces first (2 torrents)' });
  await openOn(page, ['f1.bin', 'f2.bin']);
  await expect(item).toHaveAttribute('aria-checked', 'false');
  await item.click();
  await expect(page.getByRole('status').filter({ hasText: 'First and last pieces first for 2 torrents: Yes' })).toBeVisible();
  // Sequential is a flag of its own and stays off.
  await expect.poll(flags).toEqual({ 'f1.bin': [false, true], 'f2.bin': [false, true] });
  await row(page, 'f1.bin').dblclick();
  const details = page.getByRole('region', { name: 'Details of f1.bin' });
  await expect(generalValue(page, details, 'First and last pieces first')).toHaveText('Yes');
  await expect(generalValue(page, details, 'Sequential download')).toHaveText('No');
  await openOn(page, ['f1.bin', 'f2.bin']);
  await expect(item).toHaveAttribute('aria-checked', 'true');
  await item.click();
  await expect.poll(flags).toEqual({ 'f1.bin': [false, false], 'f2.bin': [false, false] });
});
