/**
 * The queue and the watched folder against a real `serve`: their settings (checked,
 * saved, refused by the core's path policy), a torrent waiting its turn shown as Queued
 * in the table, the sidebar and its details, its bandwidth priority, and `.torrent`
 * files dropped into the watched folder, good and broken.
 */
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Settings, TorrentInfo } from '../src/bindings';
import { expect, openApp, row, test, type MadeTorrent, type Server } from './fixtures';

async function settingsOf(server: Server): Promise<Settings> {
  const r = await server.rpc({ type: 'get_settings' });
  if (r.type !== 'settings') throw new Error(`get_settings answered ${r.type}`);
  return r.settings;
}

async function torrentsOf(server: Server): Promise<TorrentInfo[]> {
  const r = await server.rpc({ type: 'list_torrents' });
  if (r.type !== 'torrents') throw new Error(`list_torrents answered ${r.type}`);
  return r.torrents;
}

async function torrentOf(server: Server, id: string): Promise<TorrentInfo> {
  const r = await server.rpc({ type: 'get_torrent', id });
  if (r.type !== 'torrent') throw new Error(`get_torrent answered ${r.type}`);
  return r.torrent;
}

/** Adds a torrent whose data is nowhere: with no peers it wants to download for ever. */
async function addUnseeded(server: Server, made: MadeTorrent, tmp: string): Promise<void> {
  await server.rpc({
    type: 'add_torrent',
    source: { kind: 'path', value: made.torrentPath },
    options: { paused: false, files: null, output_folder: join(tmp, 'downloads'), peers: [], limits: { download_bytes_per_sec: null, upload_bytes_per_sec: null }, tags: [] },
  });
}

test('the queue and the watched folder are checked, saved and still there after a reload; a folder outside the allowed ones is refused', async ({ page, server, tmp }) => {
  const before = await settingsOf(server);
  await openApp(page, server);
  await page.getByRole('button', { name: 'Settings' }).click();
  let dialog = page.getByRole('dialog', { name: 'Settings' });
  await dialog.getByRole('tab', { name: 'Queue' }).click();
  const enabled = dialog.getByRole('checkbox', { name: 'Limit how many torrents run at once' });
  const maxDownloads = dialog.getByRole('textbox', { name: 'Maximum active downloads' });
  await expect(enabled).not.toBeChecked();
  // Greyed out while the queue is off, showing the core's defaults.
  await expect(maxDownloads).toBeDisabled();
  await expect(maxDownloads).toHaveValue('3');
  await enabled.check();
  await expect(maxDownloads).toBeEnabled();

  const save = dialog.getByRole('button', { name: 'Save', exact: true });
  for (const bad of ['-1', 'abc', '1.5']) {
    await maxDownloads.fill(bad);
    await save.click();
    await expect(dialog.getByRole('alert')).toHaveText('Maximum active downloads must be a whole number, 0 or more, or empty for no limit.');
  }
  await maxDownloads.fill('1');
  const slowUp = dialog.getByRole('textbox', { name: 'Upload rate threshold (KiB/s)' });
  await slowUp.fill('-1');
  await save.click();
  await expect(dialog.getByRole('alert')).toHaveText('Upload rate threshold (KiB/s) must be a number, 0 or more.');
  // Nothing of the form was saved.
  expect((await settingsOf(server)).queue).toEqual(before.queue);

  await slowUp.fill('4');
  await dialog.getByRole('textbox', { name: 'Maximum active uploads' }).fill('');
  await dialog.getByRole('textbox', { name: 'Torrent inactivity timer (seconds)' }).fill('120');
  await dialog.getByRole('tab', { name: 'Downloads' }).click();
  const watch = join(tmp, 'watch');
  await dialog.getByRole('textbox', { name: 'Watched folder' }).fill(watch);
  await save.click();
  await expect(page.getByText('Settings saved.')).toBeVisible();

  const saved = await settingsOf(server);
  expect(saved.queue).toEqual({ ...before.queue, enabled: true, max_active_downloads: 1, max_active_uploads: null, slow_upload_bytes_per_sec: 4 * 1024, slow_after_secs: 120 });
  expect(saved.watched_folder).toBe(watch);
  // The core makes the folder, ready for files.
  expect(existsSync(watch)).toBe(true);

  await page.reload();
  await page.getByRole('button', { name: 'Settings' }).click();
  dialog = page.getByRole('dialog', { name: 'Settings' });
  await expect(dialog.getByRole('textbox', { name: 'Watched folder' })).toHaveValue(watch);
  await dialog.getByRole('tab', { name: 'Queue' }).click();
  await expect(dialog.getByRole('checkbox', { name: 'Limit how many torrents run at once' })).toBeChecked();
  await expect(dialog.getByRole('textbox', { name: 'Maximum active downloads' })).toHaveValue('1');
  await expect(dialog.getByRole('textbox', { name: 'Maximum active uploads' })).toHaveValue('');
  await expect(dialog.getByRole('textbox', { name: 'Maximum active torrents' })).toHaveValue('5');
  await expect(dialog.getByRole('checkbox', { name: 'Do not count slow torrents' })).toBeChecked();
  await expect(dialog.getByRole('textbox', { name: 'Download rate threshold (KiB/s)' })).toHaveValue('2');
  await expect(dialog.getByRole('textbox', { name: 'Upload rate threshold (KiB/s)' })).toHaveValue('4');
  await expect(dialog.getByRole('textbox', { name: 'Torrent inactivity timer (seconds)' })).toHaveValue('120');

  // The core's path policy: a folder outside the allowed ones is refused, with its reason.
  await dialog.getByRole('tab', { name: 'Downloads' }).click();
  await dialog.getByRole('textbox', { name: 'Watched folder' }).fill('/var/tmp/x');
  await dialog.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(dialog.getByRole('alert')).toContainText('The watched folder "/var/tmp/x" is outside the folders Bidswarm may use');
  expect((await settingsOf(server)).watched_folder).toBe(watch);

  // Emptied, it watches nothing.
  await dialog.getByRole('textbox', { name: 'Watched folder' }).fill('  ');
  await dialog.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText('Settings saved.')).toBeVisible();
  expect((await settingsOf(server)).watched_folder).toBeNull();
});

test('with one download at a time the second torrent is Queued in the table, the sidebar and its details, and can be paused', async ({ page, server, makeTorrent, tmp }) => {
  const before = await settingsOf(server);
  // Slow torrents count: neither torrent has a peer, and both would soon be "slow".
  await server.rpc({ type: 'update_settings', settings: { ...before, queue: { ...before.queue, enabled: true, max_active_downloads: 1, ignore_slow: false } } });
  const first = makeTorrent('first.bin', { 'first.bin': 100_000 });
  const second = makeTorrent('second.bin', { 'second.bin': 100_000 });
  await addUnseeded(server, first, tmp);
  await addUnseeded(server, second, tmp);

  // The first in the queue runs; the second waits for its place.
  await expect
    .poll(async () => Object.fromEntries((await torrentsOf(server)).map((t) => [t.name, [t.state, t.queue_position]])), { timeout: 30_000 })
    .toEqual({ 'first.bin': ['downloading', 1], 'second.bin': ['queued', 2] });

  await openApp(page, server);
  await expect(row(page, 'second.bin').getByRole('gridcell', { name: 'Queued', exact: true })).toBeVisible();
  await expect(row(page, 'first.bin').getByRole('gridcell', { name: 'Downloading', exact: true })).toBeVisible();
  const filters = page.getByRole('navigation', { name: 'Filter by state' });
  const queuedFilter = filters.locator('[data-filter=queued]');
  await expect(queuedFilter.locator('.filter-name')).toHaveText('Queued');
  await expect(queuedFilter.locator('.filter-count')).toHaveText('1');
  // Waiting is neither a download nor a pause.
  await expect(filters.locator('[data-filter=downloading] .filter-count')).toHaveText('1');
  await expect(filters.locator('[data-filter=paused] .filter-count')).toHaveText('0');
  await queuedFilter.click();
  await expect(row(page, 'second.bin')).toBeVisible();
  await expect(row(page, 'first.bin')).toHaveCount(0);

  // Its details: its place, not forced, and its bandwidth priority set from here.
  await row(page, 'second.bin').dblclick();
  const details = page.getByRole('region', { name: 'Details of second.bin' });
  const value = (term: string) => details.locator('.general-row').filter({ has: page.getByRole('term').filter({ hasText: new RegExp(`^${term}$`) }) }).getByRole('definition');
  await expect(value('State')).toHaveText('Queued');
  await expect(value('Queue position')).toHaveText('#2');
  await expect(value('Force start')).toHaveText('No');
  const priority = details.getByRole('combobox', { name: 'Bandwidth priority' });
  await expect(priority).toHaveValue('normal');
  await priority.selectOption({ label: 'High' });
  await expect(page.getByText('Bandwidth priority of second.bin: High')).toBeVisible();
  expect((await torrentOf(server, second.infoHash)).bandwidth_priority).toBe('high');
  await expect(priority).toHaveValue('high');
  // The other torrent kept its own.
  expect((await torrentOf(server, first.infoHash)).bandwidth_priority).toBe('normal');

  // Space pauses a queued torrent: the user's pause takes it out of the queue.
  await row(page, 'second.bin').click();
  await page.keyboard.press('Space');
  await expect.poll(async () => (await torrentOf(server, second.infoHash)).state).toBe('paused');
  await expect(queuedFilter.locator('.filter-count')).toHaveText('0');
  await expect(filters.locator('[data-filter=paused] .filter-count')).toHaveText('1');
  expect((await torrentOf(server, first.infoHash)).state).toBe('downloading');
});

test('a broken .torrent dropped into the watched folder is told in a toast, and a good one is added', async ({ page, server, makeTorrent, tmp }) => {
  const watch = join(tmp, 'watch');
  const before = await settingsOf(server);
  await server.rpc({ type: 'update_settings', settings: { ...before, watched_folder: watch } });
  await openApp(page, server);

  writeFileSync(join(watch, 'broken.torrent'), 'this is not bencode at all');
  // The core looks every 3 s and waits 2 s for a file to settle.
  const toast = page.getByRole('alert').filter({ hasText: /^Could not add broken\.torrent: \S/ });
  await expect(toast).toBeVisible({ timeout: 20_000 });
  expect(existsSync(join(watch, 'failed', 'broken.torrent'))).toBe(true);
  expect(await torrentsOf(server)).toEqual([]);

  const made = makeTorrent('dropped.bin', { 'dropped.bin': 50_000 });
  copyFileSync(made.torrentPath, join(watch, 'dropped.torrent'));
  await expect(row(page, 'dropped.bin')).toBeVisible({ timeout: 20_000 });
  expect((await torrentsOf(server)).map((t) => t.id)).toEqual([made.infoHash]);
  await expect.poll(() => existsSync(join(watch, 'added', 'dropped.torrent'))).toBe(true);
  expect(existsSync(join(watch, 'dropped.torrent'))).toBe(false);
});
