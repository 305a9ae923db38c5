import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, openApp, row, test } from './fixtures';

test('add a .torrent file, pause, resume and remove it with confirmation', async ({ page, server, makeTorrent }) => {
  const made = makeTorrent('album', { 'cd1/01.flac': 300_000, 'cd1/02.flac': 200_000, 'cover.jpg': 20_000 });
  await openApp(page, server);

  await page.getByRole('button', { name: 'Add' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add torrent' });
  await dialog.getByTestId('add-file-input').setInputFiles(made.torrentPath);
  // The preview: a file tree with sizes and the total.
  await expect(dialog.getByText('01.flac')).toBeVisible();
  await expect(dialog.getByText('cover.jpg')).toBeVisible();
  await expect(dialog.getByTestId('selected-total')).toHaveText('3 files, 508 KiB of 508 KiB');
  // Saving into the folder that already holds the data makes it a seed after checking.
  await dialog.getByLabel('Save to').fill(made.dataDir);
  await dialog.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(dialog).toBeHidden();

  const r = row(page, 'album');
  await expect(r).toBeVisible();
  await expect(r.getByRole('gridcell').nth(3)).toHaveText('Seeding', { timeout: 30_000 });
  await expect(r.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');

  await r.click();
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(r.getByRole('gridcell').nth(3)).toHaveText('Paused');
  await page.getByRole('button', { name: 'Resume', exact: true }).click();
  await expect(r.getByRole('gridcell').nth(3)).not.toHaveText('Paused');

  // Removing asks first; cancelling keeps the torrent.
  await page.getByRole('button', { name: 'Remove', exact: true }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Remove torrent?' });
  await expect(confirm.getByText('“album” will be removed from the list.')).toBeVisible();
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(r).toBeVisible();

  await page.getByRole('button', { name: 'Remove', exact: true }).click();
  await confirm.getByRole('button', { name: 'Remove' }).click();
  await expect(r).toHaveCount(0);
  await expect(page.getByText(/No torrents yet/)).toBeVisible();
  // Without "delete data" the files stay.
  expect(existsSync(join(made.dataDir, 'album', 'cover.jpg'))).toBe(true);
  const left = await server.rpc({ type: 'list_torrents' });
  expect(left.type === 'torrents' && left.torrents.length).toBe(0);
});

test('an invalid magnet pasted anywhere gives a clear error and the other torrents stay', async ({ page, server, makeTorrent }) => {
  const made = makeTorrent('keeper.bin', { 'keeper.bin': 50_000 });
  await server.rpc({
    type: 'add_torrent',
    source: { kind: 'torrent_base64', value: readFileSync(made.torrentPath).toString('base64') },
    options: { paused: true, files: null, output_folder: made.dataDir, peers: [], limits: { download_bytes_per_sec: null, upload_bytes_per_sec: null }, tags: [] },
  });
  await openApp(page, server);
  await expect(row(page, 'keeper.bin')).toBeVisible();

  await page.evaluate(() => {
    const data = new DataTransfer();
    data.setData('text/plain', 'magnet:?xt=urn:btih:not-a-hash');
    document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
  });
  const dialog = page.getByRole('dialog', { name: 'Add torrent' });
  await expect(dialog.getByRole('alert')).toContainText('Not a valid magnet link.');
  await expect(dialog.getByRole('alert')).toContainText('magnet');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(row(page, 'keeper.bin')).toBeVisible();
  const list = await server.rpc({ type: 'list_torrents' });
  expect(list.type === 'torrents' && list.torrents.map((t) => t.name)).toEqual(['keeper.bin']);
});

test('a .torrent file dropped anywhere opens the add dialog with its files', async ({ page, server, makeTorrent }) => {
  const made = makeTorrent('dropped.iso', { 'dropped.iso': 64_000 });
  await openApp(page, server);
  const bytes = readFileSync(made.torrentPath).toString('base64');
  await page.evaluate((b64) => {
    const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([raw], 'dropped.torrent', { type: 'application/x-bittorrent' }));
    document.querySelector('.torrent-grid')?.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  }, bytes);
  const dialog = page.getByRole('dialog', { name: 'Add torrent' });
  await expect(dialog.getByText('dropped.iso').first()).toBeVisible();
  await expect(dialog.getByTestId('selected-total')).toHaveText('1 file, 62.5 KiB of 62.5 KiB');
});

test('keyboard: Ctrl+A selects all, Space pauses and resumes, Enter opens details, Del removes', async ({ page, server, makeTorrent }) => {
  for (const name of ['one.bin', 'two.bin', 'three.bin']) {
    const made = makeTorrent(name, { [name]: 40_000 });
    await server.rpc({
      type: 'add_torrent',
      source: { kind: 'torrent_base64', value: readFileSync(made.torrentPath).toString('base64') },
      options: { paused: false, files: null, output_folder: made.dataDir, peers: [], limits: { download_bytes_per_sec: null, upload_bytes_per_sec: null }, tags: [] },
    });
  }
  await openApp(page, server);
  const grid = page.getByRole('grid', { name: 'Torrents' });
  for (const name of ['one.bin', 'two.bin', 'three.bin']) {
    await expect(row(page, name).getByRole('gridcell').nth(3)).toHaveText('Seeding', { timeout: 30_000 });
  }

  await row(page, 'one.bin').click();
  await page.keyboard.press('ControlOrMeta+a');
  await expect(grid.locator('[role=row][aria-selected=true]')).toHaveCount(3);
  await expect(page.getByText('3 selected')).toBeVisible();

  await page.keyboard.press('Space');
  for (const name of ['one.bin', 'two.bin', 'three.bin']) await expect(row(page, name).getByRole('gridcell').nth(3)).toHaveText('Paused');
  await page.keyboard.press('Space');
  for (const name of ['one.bin', 'two.bin', 'three.bin']) await expect(row(page, name).getByRole('gridcell').nth(3)).not.toHaveText('Paused');

  await row(page, 'two.bin').click();
  await page.keyboard.press('Enter');
  const details = page.getByRole('region', { name: 'Details of two.bin' });
  await expect(details).toBeVisible();
  await expect(details.getByText('Info hash')).toBeVisible();
  await details.getByRole('tab', { name: 'Files' }).click();
  await expect(details.getByText('two.bin').first()).toBeVisible();

  // Shift-click extends the selection to a range.
  await row(page, 'one.bin').click();
  await row(page, 'three.bin').click({ modifiers: ['Shift'] });
  await expect(grid.locator('[role=row][aria-selected=true]')).not.toHaveCount(1);

  // Ctrl-click takes one out; Del asks to remove the other two.
  await page.keyboard.press('ControlOrMeta+a');
  await row(page, 'two.bin').click({ modifiers: ['ControlOrMeta'] });
  await expect(grid.locator('[role=row][aria-selected=true]')).toHaveCount(2);
  await page.keyboard.press('Delete');
  const confirm = page.getByRole('alertdialog', { name: 'Remove 2 torrents?' });
  await confirm.getByRole('button', { name: 'Remove' }).click();
  await expect(row(page, 'one.bin')).toHaveCount(0);
  await expect(row(page, 'three.bin')).toHaveCount(0);
  await expect(row(page, 'two.bin')).toBeVisible();
  const left = await server.rpc({ type: 'list_torrents' });
  expect(left.type === 'torrents' && left.torrents.map((t) => t.name)).toEqual(['two.bin']);
});

test('search and state filters narrow the list; hidden columns are remembered', async ({ page, server, makeTorrent }) => {
  for (const [name, paused] of [['alpha.bin', true], ['beta.bin', false]] as const) {
    const made = makeTorrent(name, { [name]: 30_000 });
    await server.rpc({
      type: 'add_torrent',
      source: { kind: 'torrent_base64', value: readFileSync(made.torrentPath).toString('base64') },
      options: { paused, files: null, output_folder: made.dataDir, peers: [], limits: { download_bytes_per_sec: null, upload_bytes_per_sec: null }, tags: [] },
    });
  }
  await openApp(page, server);
  await expect(row(page, 'alpha.bin')).toBeVisible();
  await expect(row(page, 'beta.bin')).toBeVisible();

  await page.getByRole('searchbox', { name: 'Search torrents' }).fill('alp');
  await expect(row(page, 'beta.bin')).toHaveCount(0);
  await expect(row(page, 'alpha.bin')).toBeVisible();
  await page.getByRole('searchbox', { name: 'Search torrents' }).fill('');

  await page.getByRole('button', { name: /Paused/ }).click();
  await expect(row(page, 'beta.bin')).toHaveCount(0);
  await expect(row(page, 'alpha.bin')).toBeVisible();
  await page.getByRole('button', { name: /All/ }).click();

  await page.getByRole('button', { name: 'Columns' }).click();
  await page.getByRole('menuitemcheckbox', { name: 'Ratio' }).click();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('columnheader', { name: 'Ratio' })).toHaveCount(0);
  await page.reload();
  await expect(row(page, 'alpha.bin')).toBeVisible();
  await expect(page.getByRole('columnheader', { name: 'Ratio' })).toHaveCount(0);
  await expect(page.getByRole('columnheader', { name: 'Size' })).toBeVisible();

  // Sorting by name, descending on the second click.
  await page.getByRole('columnheader', { name: 'Name' }).getByRole('button').click();
  await page.getByRole('columnheader', { name: 'Name' }).getByRole('button').click();
  await expect(page.getByRole('columnheader', { name: /Name/ })).toHaveAttribute('aria-sort', 'descending');
  await expect(page.locator('.grid-body .col-name').first()).toHaveText('beta.bin');
});

test('the bid column shows a bid set from another UI and drops it once cleared there', async ({ page, server, makeTorrent }) => {
  const BTT = 10n ** 18n;
  const bidding = makeTorrent('bidding.bin', { 'bidding.bin': 30_000 });
  const plain = makeTorrent('plain.bin', { 'plain.bin': 30_000 });
  for (const m of [bidding, plain]) {
    await server.rpc({
      type: 'add_torrent',
      source: { kind: 'torrent_base64', value: readFileSync(m.torrentPath).toString('base64') },
      options: { paused: true, files: null, output_folder: m.dataDir, peers: [], limits: { download_bytes_per_sec: null, upload_bytes_per_sec: null }, tags: [] },
    });
  }
  await server.rpc({
    type: 'set_torrent_bid',
    id: bidding.infoHash,
    bid: { spending: true, strategy: 'auto', price_per_gib: (2n * BTT).toString(), budget: (10n * BTT).toString() },
  });
  // What the page asks the core, to see that the column costs one request a round, not one per row.
  const asked: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/api/rpc')) asked.push((JSON.parse(r.postData() ?? '{}') as { type?: string }).type ?? '');
  });
  await openApp(page, server);

  const bidCell = (name: string) => row(page, name).getByRole('gridcell').nth(9);
  await expect(bidCell('bidding.bin')).toHaveText('≤ 2 BTT/GiB');
  await expect(bidCell('plain.bin')).toHaveText('');

  // Cleared by another UI: no event says so, the next round of the column does.
  await server.rpc({ type: 'set_torrent_bid', id: bidding.infoHash, bid: null });
  await expect(bidCell('bidding.bin')).toHaveText('');
  expect(asked).toContain('list_bids');
  expect(asked).not.toContain('get_torrent_speed');
});
