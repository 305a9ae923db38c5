/**
 * A torrent's trackers against a real engine: added, edited and removed in the details
 * panel's Trackers tab (a URL the core would refuse explained in the dialog and never
 * sent), reannounced from the torrent menu, shown in the Tracker column, and counted and
 * filtered in the sidebar's Trackers section, which combines with the other filters.
 * Nothing listens on the tracker ports used, so no status is asserted beyond its being
 * one of the four, translated.
 */
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { addFromData, expect, inGermanInBothThemes, openApp, requestsSent, row, test, THEME_SURFACES, type Server } from './fixtures';

const FIRST = 'http://127.0.0.1:9/announce';
const EDITED = 'http://127.0.0.1:19/announce';

/** The torrent's tracker URLs, as the core has them. */
async function trackersOf(server: Server, id: string): Promise<string[]> {
  const reply = await server.rpc({ type: 'list_trackers', id });
  if (reply.type !== 'trackers') throw new Error(`list_trackers answered ${reply.type}`);
  return reply.trackers.map((x) => x.url);
}

/** The sidebar's Trackers section; `:all`, `:none` and `:error` are All, Trackerless and Error. */
function trackerSection(page: Page, title = 'Trackers') {
  const nav = page.getByRole('navigation', { name: title, exact: true });
  return (entry: string) => nav.locator(`[data-tracker="${entry}"]`);
}

const countOf = (entry: Locator) => entry.locator('.filter-count');

test('Trackers tab: add, a bad URL explained, edit, reannounce from the menu, the sidebar filter by host, remove', async ({ page, server, makeTorrent }) => {
  const made = makeTorrent('tr.bin', { 'tr.bin': 40_000 });
  const other = makeTorrent('plain.bin', { 'plain.bin': 40_000 });
  await addFromData(server, [made, other]);
  await openApp(page, server);
  await expect(row(page, 'tr.bin')).toBeVisible();
  await expect(row(page, 'plain.bin')).toBeVisible();
  const sent = requestsSent(page, ['add_trackers', 'edit_tracker', 'remove_trackers', 'reannounce']);
  const id = made.infoHash;
  const entry = trackerSection(page);

  // Made without trackers: both are Trackerless.
  await expect(countOf(entry(':all'))).toHaveText('2');
  await expect(countOf(entry(':none'))).toHaveText('2');
  await expect(countOf(entry(':error'))).toHaveText('0');

  await row(page, 'tr.bin').dblclick();
  const details = page.getByRole('region', { name: 'Details of tr.bin' });
  await details.getByRole('tab', { name: 'Trackers' }).click();
  await expect(details.getByText('This torrent has no trackers.')).toBeVisible();
  await expect(details.getByRole('button', { name: 'Edit…' })).toBeDisabled();
  await expect(details.getByRole('button', { name: 'Remove', exact: true })).toBeDisabled();

  // A line the core would refuse is named, and nothing is sent.
  await details.getByRole('button', { name: 'Add trackers…' }).click();
  const add = page.getByRole('dialog', { name: 'Add trackers' });
  const urls = add.getByRole('textbox', { name: 'Tracker URLs, one per line' });
  await expect(urls).toBeFocused();
  await urls.fill(`${FIRST}\nftp://x/announce`);
  await add.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(add.getByRole('alert')).toHaveText('Line 2: “ftp://x/announce” is not a tracker: a tracker\'s URL starts with http://, https:// or udp://.');
  await expect(add).toBeVisible();
  expect(sent).toEqual([]);

  // Blank lines are skipped.
  await urls.fill(`\n${FIRST}\n\n`);
  await add.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(add).toBeHidden();
  const trackerRow = (url: string) => details.getByRole('row').filter({ has: page.getByRole('cell', { name: url, exact: true }) });
  await expect(trackerRow(FIRST)).toBeVisible();
  await expect(trackerRow(FIRST).getByRole('cell').nth(3)).toHaveText(/^(Not contacted yet|Updating…|Working|Not working)$/);
  expect(sent).toEqual([{ type: 'add_trackers', id, urls: [FIRST] }]);
  expect(await trackersOf(server, id)).toEqual([FIRST]);

  // The sidebar counts its host, and the Tracker column names it.
  await expect(countOf(entry('127.0.0.1'))).toHaveText('1');
  await expect(countOf(entry(':none'))).toHaveText('1');
  await page.getByRole('button', { name: 'Columns' }).click();
  await page.getByRole('menuitemcheckbox', { name: 'Tracker', exact: true }).click();
  await page.keyboard.press('Escape');
  await expect(row(page, 'tr.bin').locator('.col-tracker')).toHaveText('127.0.0.1');
  await expect(row(page, 'plain.bin').locator('.col-tracker')).toHaveText('');

  // Edit… the ticked one: the dialog starts from its URL.
  await details.getByRole('checkbox', { name: `Select ${FIRST}` }).check();
  await details.getByRole('button', { name: 'Edit…' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit tracker' });
  const url = edit.getByRole('textbox', { name: 'URL' });
  await expect(url).toHaveValue(FIRST);
  await url.fill(EDITED);
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit).toBeHidden();
  await expect(trackerRow(EDITED)).toBeVisible();
  await expect(trackerRow(FIRST)).toHaveCount(0);
  expect(sent.at(-1)).toEqual({ type: 'edit_tracker', id, url: FIRST, new_url: EDITED });
  expect(await trackersOf(server, id)).toEqual([EDITED]);

  // Reannounce from the torrent menu: one request, and no error.
  await row(page, 'tr.bin').click({ button: 'right' });
  await page.getByRole('menu', { name: 'tr.bin' }).getByRole('menuitem', { name: 'Reannounce' }).click();
  await expect(page.getByRole('menu')).toHaveCount(0);
  await expect(page.getByRole('status').filter({ hasText: 'Announcing tr.bin to its trackers again' })).toBeVisible();
  expect(sent.at(-1)).toEqual({ type: 'reannounce', ids: [id] });
  await expect(page.getByRole('alert')).toHaveCount(0);

  // The host's entry shows only its torrent, and combines with the state filter.
  await expect(countOf(entry('127.0.0.1'))).toHaveText('1');
  await entry('127.0.0.1').click();
  await expect(entry('127.0.0.1')).toHaveAttribute('aria-checked', 'true');
  await expect(row(page, 'tr.bin')).toBeVisible();
  await expect(row(page, 'plain.bin')).toHaveCount(0);
  await page.getByRole('navigation', { name: 'Filter by state' }).locator('[data-filter=paused]').click();
  await expect(row(page, 'tr.bin')).toHaveCount(0);
  await page.getByRole('navigation', { name: 'Filter by state' }).locator('[data-filter=all]').click();
  await expect(row(page, 'tr.bin')).toBeVisible();

  // Removed: the tab is empty, the host's entry goes (the filter falls back to All), and
  // the torrent is Trackerless again.
  await details.getByRole('checkbox', { name: `Select ${EDITED}` }).check();
  await details.getByRole('button', { name: 'Remove', exact: true }).click();
  await expect(details.getByText('This torrent has no trackers.')).toBeVisible();
  await expect(details.getByRole('table')).toHaveCount(0);
  expect(sent.at(-1)).toEqual({ type: 'remove_trackers', id, urls: [EDITED] });
  expect(await trackersOf(server, id)).toEqual([]);
  await expect(entry('127.0.0.1')).toHaveCount(0);
  await expect(entry(':all')).toHaveAttribute('aria-checked', 'true');
  await expect(row(page, 'plain.bin')).toBeVisible();
  await expect(countOf(entry(':none'))).toHaveText('2');
  await entry(':none').click();
  await expect(row(page, 'tr.bin')).toBeVisible();
  await expect(row(page, 'tr.bin').locator('.col-tracker')).toHaveText('');
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test('Trackers in German, in the light and the dark theme', async ({ page, server, makeTorrent }) => {
  await addFromData(server, [makeTorrent('ohne.bin', { 'ohne.bin': 20_000 })]);
  await openApp(page, server);
  const surfaces = await inGermanInBothThemes(page, async (theme, out) => {
    await expect(countOf(trackerSection(page, 'Tracker')(':none'))).toHaveText('1');
    await row(page, 'ohne.bin').dblclick();
    const details = page.getByRole('region', { name: 'Details zu ohne.bin' });
    await details.getByRole('tab', { name: 'Tracker', exact: true }).click();
    await expect(details.getByText('Dieser Torrent hat keine Tracker.')).toBeVisible();
    await details.getByRole('button', { name: 'Tracker hinzufügen…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Tracker hinzufügen' });
    await expect(dialog.getByText('Für „ohne.bin“')).toBeVisible();
    await dialog.getByRole('textbox', { name: 'Tracker-URLs, eine pro Zeile' }).fill('udp://tracker.example/announce');
    await dialog.getByRole('button', { name: 'Hinzufügen', exact: true }).click();
    await expect(dialog.getByRole('alert')).toHaveText(
      'Zeile 1: „udp://tracker.example/announce“ nennt keinen Port, den ein UDP-Tracker braucht, etwa udp://tracker.example:6969/announce.',
    );
    const surface = await dialog.evaluate((el) => getComputedStyle(el).backgroundColor);
    await page.screenshot({ path: join(out, `trackers-${theme}.png`) });
    await dialog.getByRole('button', { name: 'Abbrechen' }).click();
    await expect(dialog).toBeHidden();
    return surface;
  });
  // Each theme paints the dialog with its own surface.
  expect(surfaces).toEqual(THEME_SURFACES);
});
