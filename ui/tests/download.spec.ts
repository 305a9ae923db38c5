import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, openApp, row, test } from './fixtures';

test('add a magnet, choose files, watch it complete, pause, resume, remove with data', async ({ page, server, makeTorrent, seed, tmp }) => {
  const made = makeTorrent('show', { 'e01.mkv': 600_000, 'e02.mkv': 400_000, 'extras/notes.txt': 5_000 });
  const seeder = await seed(made);
  const target = join(tmp, 'downloads');
  await openApp(page, server);

  // A magnet naming the local seed (BEP 9 x.pe), typed into the add dialog.
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Add torrent' });
  await dialog.getByLabel('Magnet link or URL of a .torrent file').fill(`${made.magnet}&x.pe=${seeder}`);
  await dialog.getByRole('button', { name: 'Fetch' }).click();
  await expect(dialog.getByText('e02.mkv')).toBeVisible({ timeout: 60_000 });
  await expect(dialog.getByTestId('selected-total')).toHaveText('3 files, 981 KiB of 981 KiB');

  // Leave out e02 and the extras folder.
  await dialog.getByRole('checkbox', { name: 'e02.mkv' }).uncheck();
  await dialog.getByRole('checkbox', { name: 'extras' }).uncheck();
  await expect(dialog.getByTestId('selected-total')).toHaveText('1 file, 586 KiB of 981 KiB');
  await dialog.getByLabel('Save to').fill(target);
  await dialog.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(dialog).toBeHidden();

  const r = row(page, 'show');
  await expect(r.getByRole('gridcell').nth(3)).toHaveText('Seeding', { timeout: 60_000 });
  await expect(r.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
  await page.getByRole('button', { name: /Completed/ }).click();
  await expect(r).toBeVisible();
  await page.getByRole('button', { name: /All/ }).click();
  expect(existsSync(join(target, 'show', 'e01.mkv'))).toBe(true);

  // The details show the file selection and the peer.
  await r.dblclick();
  const details = page.getByRole('region', { name: 'Details of show' });
  await details.getByRole('tab', { name: 'Files' }).click();
  await expect(details.getByRole('checkbox', { name: 'e01.mkv' })).toBeChecked();
  await expect(details.getByRole('checkbox', { name: 'e02.mkv' })).not.toBeChecked();
  await details.getByRole('tab', { name: 'Pieces' }).click();
  await expect(details.getByRole('img', { name: /Piece map/ })).toBeVisible();
  await details.getByRole('tab', { name: 'Speed' }).click();
  await expect(details.locator('.uplot')).toBeVisible();

  await r.click();
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(r.getByRole('gridcell').nth(3)).toHaveText('Paused');
  await page.getByRole('button', { name: 'Resume', exact: true }).click();
  await expect(r.getByRole('gridcell').nth(3)).toHaveText('Seeding', { timeout: 30_000 });

  await page.getByRole('button', { name: 'Remove', exact: true }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Remove torrent?' });
  await confirm.getByRole('checkbox', { name: 'Also delete the downloaded data' }).check();
  await expect(confirm.getByText('This cannot be undone.')).toBeVisible();
  await confirm.getByRole('button', { name: 'Remove' }).click();
  await expect(r).toHaveCount(0);
  await expect.poll(() => existsSync(join(target, 'show', 'e01.mkv')), { timeout: 15_000 }).toBe(false);
});
