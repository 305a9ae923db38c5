/**
 * One screenshot per view at 1280×800, light and dark, into target/ui-screenshots/.
 * The two in docs/screenshots/ are copies of the torrents view.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, openApp, repoRoot, row, test } from './fixtures';

const out = join(repoRoot, 'target', 'ui-screenshots');

test('screenshots of every view, light and dark', async ({ page, server, makeTorrent }) => {
  mkdirSync(out, { recursive: true });
  const sets: [string, Record<string, number>, boolean][] = [
    ['debian-12.5.0-amd64-netinst.iso', { 'debian-12.5.0-amd64-netinst.iso': 300_000 }, false],
    ['Big Buck Bunny (1080p)', { 'bbb_1080p.mp4': 200_000, 'poster.jpg': 20_000, 'subs/en.srt': 3_000 }, false],
    ['ubuntu-24.04-desktop-amd64.iso', { 'ubuntu-24.04-desktop-amd64.iso': 250_000 }, true],
    ['Sintel.2010.4k', { 'sintel-4k.mkv': 150_000, 'sintel.srt': 2_000 }, false],
  ];
  for (const [name, files, paused] of sets) {
    const made = makeTorrent(name, files);
    await server.rpc({
      type: 'add_torrent',
      source: { kind: 'torrent_base64', value: readFileSync(made.torrentPath).toString('base64') },
      options: { paused, files: null, output_folder: made.dataDir, peers: [], limits: { download_bytes_per_sec: null, upload_bytes_per_sec: null }, tags: [] },
    });
  }
  // One that has nowhere to come from, so it stays downloading at 0 %.
  const missing = makeTorrent('archlinux-2024.05.01-x86_64.iso', { 'archlinux-2024.05.01-x86_64.iso': 100_000 });
  await server.rpc({
    type: 'add_torrent',
    source: { kind: 'torrent_base64', value: readFileSync(missing.torrentPath).toString('base64') },
    options: { paused: false, files: null, output_folder: join(missing.dataDir, 'elsewhere'), peers: [], limits: { download_bytes_per_sec: null, upload_bytes_per_sec: null }, tags: [] },
  });

  await openApp(page, server);
  await expect(row(page, 'Big Buck Bunny (1080p)').getByRole('gridcell').nth(3)).toHaveText('Seeding', { timeout: 30_000 });

  for (const theme of ['light', 'dark'] as const) {
    await page.evaluate((t) => {
      localStorage.setItem('bidswarm.theme', JSON.stringify(t));
    }, theme);
    await page.reload();
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    await expect(row(page, 'Sintel.2010.4k')).toBeVisible();
    await row(page, 'Big Buck Bunny (1080p)').click();
    await page.screenshot({ path: join(out, `torrents-${theme}.png`) });

    await page.keyboard.press('Enter');
    const details = page.getByRole('region', { name: /Details of/ });
    await expect(details).toBeVisible();
    await page.screenshot({ path: join(out, `details-general-${theme}.png`) });
    await details.getByRole('tab', { name: 'Files' }).click();
    await page.screenshot({ path: join(out, `details-files-${theme}.png`) });
    await details.getByRole('tab', { name: 'Pieces' }).click();
    await page.screenshot({ path: join(out, `details-pieces-${theme}.png`) });
    await details.getByRole('tab', { name: 'Speed' }).click();
    await expect(details.locator('.uplot')).toBeVisible();
    await page.screenshot({ path: join(out, `details-speed-${theme}.png`) });
    await details.getByRole('button', { name: 'Close details' }).click();

    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const add = page.getByRole('dialog', { name: 'Add torrent' });
    await add.getByTestId('add-file-input').setInputFiles(join(missing.torrentPath, '..', 'Big Buck Bunny (1080p).torrent'));
    await expect(add.getByTestId('selected-total')).toBeVisible();
    await page.screenshot({ path: join(out, `add-${theme}.png`) });
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    await expect(settings.getByLabel('Download folder')).toBeVisible();
    await page.screenshot({ path: join(out, `settings-${theme}.png`) });
    await settings.getByRole('tab', { name: 'Connection' }).click();
    await page.screenshot({ path: join(out, `settings-connection-${theme}.png`) });
    await settings.getByRole('tab', { name: 'Queue' }).click();
    await page.screenshot({ path: join(out, `settings-queue-${theme}.png`) });
    await page.keyboard.press('Escape');
  }
});
