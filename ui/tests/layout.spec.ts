import { readFileSync } from 'node:fs';
import { expect, openApp, row, test } from './fixtures';

test('works at 1024×640: nothing overflows the toolbar or the window', async ({ page, server, makeTorrent }) => {
  await page.setViewportSize({ width: 1024, height: 640 });
  const made = makeTorrent('a-rather-long-torrent-name-that-must-be-cut-off-with-an-ellipsis.bin', { 'a-rather-long-torrent-name-that-must-be-cut-off-with-an-ellipsis.bin': 20_000 });
  await server.rpc({
    type: 'add_torrent',
    source: { kind: 'torrent_base64', value: readFileSync(made.torrentPath).toString('base64') },
    options: { paused: false, files: null, output_folder: made.dataDir, peers: [], limits: { download_bytes_per_sec: null, upload_bytes_per_sec: null }, tags: [] },
  });
  await openApp(page, server);
  await expect(row(page, made.name)).toBeVisible();
  const measure = () => page.evaluate(() => ({
    page: document.documentElement.scrollWidth - window.innerWidth,
    toolbar: (() => {
      const bar = document.querySelector('.toolbar');
      return bar ? bar.scrollWidth - bar.clientWidth : -1;
    })(),
  }));
  expect(await measure()).toEqual({ page: 0, toolbar: 0 });
  // German labels are longer.
  await page.evaluate(() => localStorage.setItem('bidswarm.language', JSON.stringify('de')));
  await page.reload();
  await expect(page.getByRole('button', { name: 'Einstellungen' })).toBeInViewport();
  expect(await measure()).toEqual({ page: 0, toolbar: 0 });
  await page.evaluate(() => localStorage.setItem('bidswarm.language', JSON.stringify('en')));
  await page.reload();
  await expect(page.getByRole('button', { name: 'Settings' })).toBeInViewport();
  await expect(page.getByTestId('connection-state')).toBeInViewport();
  await row(page, made.name).click();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('tab', { name: 'Speed' })).toBeInViewport();
});
