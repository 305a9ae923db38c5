/**
 * Rename… from the torrent menu against a real engine: the table shows the new name at
 * once and after a reload while the files keep theirs; a name the core would refuse is
 * explained in the dialog and never sent; an empty field gives the torrent its own name
 * back; a refusal from the core stays in the dialog.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { addFromData, expect, openApp, repoRoot, row, showIn, test, type Server } from './fixtures';

/** Every torrent's name as the core lists it, sorted. */
async function namesOf(server: Server): Promise<string[]> {
  const reply = await server.rpc({ type: 'list_torrents' });
  if (reply.type !== 'torrents') throw new Error(`list_torrents answered ${reply.type}`);
  return reply.torrents.map((t) => t.name ?? t.id).sort();
}

/** The `rename_torrent` requests the page sends, in order. */
function renameRequests(page: Page): { id: string; name: string | null }[] {
  const sent: { id: string; name: string | null }[] = [];
  page.on('request', (r) => {
    if (!r.url().endsWith('/api/rpc')) return;
    const body = JSON.parse(r.postData() ?? '{}') as { type?: string; id: string; name: string | null };
    if (body.type === 'rename_torrent') sent.push({ id: body.id, name: body.name });
  });
  return sent;
}

test('Rename… shows a torrent under a new name, after a reload too; a bad name is explained and not sent; empty gives its own name back', async ({ page, server, makeTorrent }) => {
  const made = makeTorrent('orig.bin', { 'orig.bin': 40_000 });
  const other = makeTorrent('other.bin', { 'other.bin': 40_000 });
  await addFromData(server, [made, other]);
  await openApp(page, server);
  await expect(row(page, 'orig.bin')).toBeVisible();
  await expect(row(page, 'other.bin')).toBeVisible();
  const sent = renameRequests(page);
  const dialog = page.getByRole('dialog', { name: 'Rename torrent' });
  const field = dialog.getByRole('textbox', { name: 'Name' });
  const apply = dialog.getByRole('button', { name: 'Rename', exact: true });
  const openOn = async (name: string) => {
    await row(page, name).click();
    await row(page, name).click({ button: 'right' });
    await page.getByRole('menu', { name }).getByRole('menuitem', { name: 'Rename…' }).click();
    await expect(dialog).toBeVisible();
  };

  // One name for one torrent: disabled for two.
  await row(page, 'orig.bin').click();
  await row(page, 'other.bin').click({ modifiers: ['ControlOrMeta'] });
  await row(page, 'other.bin').click({ button: 'right' });
  await expect(page.getByRole('menu', { name: '2 torrents' }).getByRole('menuitem', { name: 'Rename…' })).toBeDisabled();
  await page.keyboard.press('Escape');

  // The name is there, selected: typing replaces it.
  await openOn('orig.bin');
  await expect(field).toHaveValue('orig.bin');
  await expect(field).toBeFocused();
  await page.keyboard.type('Debian netinst');
  await expect(field).toHaveValue('Debian netinst');
  await apply.click();
  await expect(dialog).toBeHidden();
  await expect(row(page, 'Debian netinst')).toBeVisible();
  await expect(row(page, 'orig.bin')).toHaveCount(0);
  expect(sent).toEqual([{ id: made.infoHash, name: 'Debian netinst' }]);
  expect(await namesOf(server)).toEqual(['Debian netinst', 'other.bin']);
  // Only the name shown: the data keeps its own.
  expect(existsSync(join(made.dataDir, 'orig.bin'))).toBe(true);

  // The core keeps it: a reload shows it, in the table and the details.
  await page.reload();
  await expect(row(page, 'Debian netinst')).toBeVisible();
  await row(page, 'Debian netinst').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Open details' }).click();
  await expect(page.getByRole('region', { name: 'Details of Debian netinst' })).toBeVisible();

  // A space at either end is not trimmed unseen: the dialog says so and sends nothing.
  await openOn('Debian netinst');
  await expect(field).toHaveValue('Debian netinst');
  await field.fill(' Debian netinst');
  await apply.click();
  await expect(dialog.getByRole('alert')).toHaveText('The name starts or ends with a space.');
  await expect(dialog).toBeVisible();
  // The table behind the open dialog is hidden from the accessibility tree.
  await expect(page.getByRole('gridcell', { name: 'Debian netinst', exact: true, includeHidden: true })).toBeVisible();

  // Empty: the torrent's own name again (Enter applies too).
  await expect(dialog.getByText("Leave it empty to show the torrent's own name again.", { exact: false })).toBeVisible();
  await field.fill('');
  await field.press('Enter');
  await expect(dialog).toBeHidden();
  await expect(row(page, 'orig.bin')).toBeVisible();
  await expect(row(page, 'Debian netinst')).toHaveCount(0);
  expect(await namesOf(server)).toEqual(['orig.bin', 'other.bin']);
  // The refused name was never sent.
  expect(sent).toEqual([
    { id: made.infoHash, name: 'Debian netinst' },
    { id: made.infoHash, name: null },
  ]);

  // The core refuses (the torrent was removed meanwhile): its answer shows in the dialog, which stays open.
  await openOn('other.bin');
  await server.rpc({ type: 'remove', id: other.infoHash, delete_data: false });
  await field.fill('Still here');
  await apply.click();
  await expect(dialog.getByRole('alert')).not.toBeEmpty();
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  expect(await namesOf(server)).toEqual(['orig.bin']);
});

test('Rename… in German, in the light and the dark theme', async ({ page, server, makeTorrent }) => {
  await addFromData(server, [makeTorrent('hell.bin', { 'hell.bin': 20_000 })]);
  await openApp(page, server);
  const out = join(repoRoot, 'target', 'ui-screenshots');
  mkdirSync(out, { recursive: true });
  const surfaces: string[] = [];
  for (const theme of ['light', 'dark'] as const) {
    await showIn(page, theme, 'de');
    await row(page, 'hell.bin').click({ button: 'right' });
    await page.getByRole('menu', { name: 'hell.bin' }).getByRole('menuitem', { name: 'Umbenennen…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Torrent umbenennen' });
    await expect(dialog.getByText('Für „hell.bin“')).toBeVisible();
    await expect(dialog.getByText('Leer lassen, um wieder den eigenen Namen des Torrents anzuzeigen.', { exact: false })).toBeVisible();
    await dialog.getByRole('textbox', { name: 'Name' }).fill('hell.bin ');
    await dialog.getByRole('button', { name: 'Umbenennen', exact: true }).click();
    await expect(dialog.getByRole('alert')).toHaveText('Der Name beginnt oder endet mit einem Leerzeichen.');
    surfaces.push(await dialog.evaluate((el) => getComputedStyle(el).backgroundColor));
    await page.screenshot({ path: join(out, `rename-${theme}.png`) });
    await dialog.getByRole('button', { name: 'Abbrechen' }).click();
    await expect(dialog).toBeHidden();
  }
  // Each theme paints the dialog with its own surface.
  expect(surfaces).toEqual(['rgb(255, 255, 255)', 'rgb(27, 31, 38)']);
  expect(await namesOf(server)).toEqual(['hell.bin']);
});
