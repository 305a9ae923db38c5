import { join } from 'node:path';
import type { TorrentInfo } from '../src/bindings';
import { expect, openApp, row, test } from './fixtures';

async function torrentOf(server: { rpc: (r: never) => Promise<unknown> }, id: string): Promise<TorrentInfo> {
  const reply = (await server.rpc({ type: 'get_torrent', id } as never)) as { type: string; torrent: TorrentInfo };
  return reply.torrent;
}

test('file priority and a per-torrent limit change live from the details panel', async ({ page, server, makeTorrent, seed, tmp }) => {
  const made = makeTorrent('album', { 'a.bin': 300_000, 'b.bin': 200_000 });
  const seeder = await seed(made);
  await server.rpc({
    type: 'add_torrent',
    source: { kind: 'path', value: made.torrentPath },
    options: {
      paused: true,
      files: null,
      output_folder: join(tmp, 'downloads'),
      peers: [seeder],
      limits: { download_bytes_per_sec: null, upload_bytes_per_sec: null },
      tags: [],
    },
  });
  await openApp(page, server);
  const r = row(page, 'album');
  // The engine checks for existing data first; priorities change once it is paused.
  await expect(r.getByRole('gridcell').nth(3)).toHaveText('Paused', { timeout: 30_000 });

  await r.dblclick();
  const details = page.getByRole('region', { name: 'Details of album' });
  await expect(details.getByText(/^Bidswarm /)).toBeVisible();

  await details.getByRole('tab', { name: 'Files' }).click();
  await details.getByRole('combobox', { name: 'Priority of b.bin' }).selectOption({ label: 'Skip' });
  await expect(details.getByRole('checkbox', { name: 'b.bin' })).not.toBeChecked();
  await details.getByRole('combobox', { name: 'Priority of a.bin' }).selectOption({ label: 'High' });
  await expect.poll(async () => (await torrentOf(server, made.infoHash)).files.map((f) => f.priority)).toEqual(['high', 'skip']);
  // Ticking the file back in downloads it at normal priority.
  await details.getByRole('checkbox', { name: 'b.bin' }).click();
  await expect(details.getByRole('checkbox', { name: 'b.bin' })).toBeChecked();
  await expect(details.getByRole('combobox', { name: 'Priority of b.bin' })).toHaveValue('normal');
  await details.getByRole('combobox', { name: 'Priority of b.bin' }).selectOption({ label: 'Skip' });
  await expect(details.getByRole('combobox', { name: 'Priority of b.bin' })).toHaveValue('skip');

  await r.click();
  await page.getByRole('button', { name: 'Resume', exact: true }).click();
  await expect(r.getByRole('gridcell').nth(3)).toHaveText('Seeding', { timeout: 60_000 });
  const done = await torrentOf(server, made.infoHash);
  expect(done.files[0]!.progress_bytes).toBe(300_000);
  // Counted in whole pieces: the piece a.bin shares with b.bin, but not the rest of b.bin.
  expect(done.total_bytes).toBeLessThan(500_000);
  expect(done.files.map((f) => f.priority)).toEqual(['high', 'skip']);

  // A per-torrent limit, typed in KiB/s and applied while it seeds.
  await details.getByRole('tab', { name: 'General' }).click();
  // The piece count and size, as qBittorrent's General tab shows them.
  expect(done.pieces! * done.piece_length!).toBeGreaterThanOrEqual(500_000);
  expect((done.pieces! - 1) * done.piece_length!).toBeLessThan(500_000);
  await expect(details.getByText(new RegExp(`^${done.pieces} × \\d+(\\.\\d+)? KiB$`))).toBeVisible();
  const limits = details.getByRole('form', { name: 'Limits for this torrent' });
  await limits.getByLabel('Download limit (KiB/s)').fill('100');
  await limits.getByLabel('Upload limit (KiB/s)').fill('50');
  await limits.getByRole('button', { name: 'Apply limits' }).click();
  await expect(page.getByText('Limits applied to album')).toBeVisible();
  const limited = await torrentOf(server, made.infoHash);
  expect(limited.limits).toEqual({ download_bytes_per_sec: 102_400, upload_bytes_per_sec: 51_200 });
  await expect(details.getByText(/^↓ 100 KiB\/s\s+↑ 50(\.0)? KiB\/s$/)).toBeVisible();
  await expect(limits.getByRole('button', { name: 'Apply limits' })).toBeDisabled();
});

test('a magnet preview that finds no peer can be stopped', async ({ page, server }) => {
  await openApp(page, server);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Add torrent' });
  // A tracker that never answers: the lookup waits for peers that never come.
  await dialog
    .getByLabel('Magnet link or URL of a .torrent file')
    .fill('magnet:?xt=urn:btih:00112233445566778899aabbccddeeff00112233&tr=http%3A%2F%2F127.0.0.1%3A9%2Fannounce');
  await dialog.getByRole('button', { name: 'Fetch' }).click();
  const spinner = dialog.getByRole('status');
  await expect(spinner).toContainText('Fetching the file list');
  await dialog.getByRole('button', { name: 'Stop fetching' }).click();
  await expect(spinner).toHaveCount(0);
  // Back to the start: the link can be edited and fetched again, nothing was added.
  await expect(dialog.getByLabel('Magnet link or URL of a .torrent file')).toBeEditable();
  await expect(dialog.getByRole('alert')).toHaveCount(0);
  const listed = (await server.rpc({ type: 'list_torrents' })) as { type: string; torrents: unknown[] };
  expect(listed.torrents).toEqual([]);
});

test('a peer added from the Peers tab is dialled and delivers the torrent', async ({ page, server, makeTorrent, seed, tmp }) => {
  const made = makeTorrent('found', { 'f.bin': 400_000 });
  const seeder = await seed(made);
  await server.rpc({
    type: 'add_torrent',
    source: { kind: 'path', value: made.torrentPath },
    options: {
      paused: false,
      files: null,
      output_folder: join(tmp, 'downloads'),
      peers: [],
      limits: { download_bytes_per_sec: null, upload_bytes_per_sec: null },
      tags: [],
    },
  });
  await openApp(page, server);
  const r = row(page, 'found');
  await r.dblclick();
  const details = page.getByRole('region', { name: 'Details of found' });
  await details.getByRole('tab', { name: 'Peers' }).click();
  await expect(details.getByText('No peers connected.')).toBeVisible();
  const form = details.getByRole('form', { name: 'Add peers' });
  // Not an address: the core says why, and nothing is dialled.
  await form.getByLabel('Add peers (IP:port)').fill('seeder.example');
  await form.getByRole('button', { name: 'Add' }).click();
  await expect(form.getByRole('alert')).toContainText('is not a peer address');
  await form.getByLabel('Add peers (IP:port)').fill(seeder);
  await form.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByText('Dialling 1 peer.')).toBeVisible();
  await expect(form.getByLabel('Add peers (IP:port)')).toHaveValue('');
  await expect(r.getByRole('gridcell').nth(3)).toHaveText('Seeding', { timeout: 60_000 });
  // The General tab counts how the peer was reached: we dialled it, and both sides
  // prefer encryption.
  const reached = (await torrentOf(server, made.infoHash)).reached;
  expect(reached.outgoing).toBeGreaterThanOrEqual(1);
  expect(reached.encrypted).toBeGreaterThanOrEqual(1);
  await details.getByRole('tab', { name: 'General' }).click();
  await expect(details.getByText(/^\d+ in, [1-9]\d* out · \d+ over uTP · [1-9]\d* encrypted · \d+ would refuse plaintext$/)).toBeVisible();
});
