/**
 * The rules a user sets once: the alternative speed limits (the status bar's turtle and
 * their schedule) and the seeding limits (global in the settings, a torrent's own in its
 * details), against a real `serve`.
 */
import { readFileSync } from 'node:fs';
import type { Request, ScheduleDays, SessionStats, Settings, TorrentInfo } from '../src/bindings';
import { expect, openApp, row, test, type Server } from './fixtures';

async function settingsOf(server: Server): Promise<Settings> {
  const r = await server.rpc({ type: 'get_settings' });
  if (r.type !== 'settings') throw new Error(`get_settings answered ${r.type}`);
  return r.settings;
}

async function statsOf(server: Server): Promise<SessionStats> {
  const r = await server.rpc({ type: 'session_stats' });
  if (r.type !== 'session_stats') throw new Error(`session_stats answered ${r.type}`);
  return r.stats;
}

async function torrentOf(server: Server, id: string): Promise<TorrentInfo> {
  const r = await server.rpc({ type: 'get_torrent', id });
  if (r.type !== 'torrent') throw new Error(`get_torrent answered ${r.type}`);
  return r.torrent;
}

const KIB = 1024;

test('the turtle switches the alternative speed limits, and the status bar shows the limits in force', async ({ page, server }) => {
  const before = await settingsOf(server);
  await server.rpc({
    type: 'update_settings',
    settings: {
      ...before,
      limits: { download_bytes_per_sec: null, upload_bytes_per_sec: 200 * KIB },
      alt_limits: { download_bytes_per_sec: 100 * KIB, upload_bytes_per_sec: 50 * KIB },
    },
  });
  await openApp(page, server);
  const bar = page.getByRole('contentinfo', { name: 'Status' });
  const turtle = bar.getByRole('button', { name: 'Alternative speed limits' });
  const inForce = bar.getByTestId('limits-in-force');
  await expect(turtle).toHaveAttribute('aria-pressed', 'false');
  await expect(inForce).toHaveText('Limits: ↓ ∞ ↑ 200 KiB/s');

  await turtle.click();
  await expect(turtle).toHaveAttribute('aria-pressed', 'true');
  await expect(inForce).toHaveText('Limits: ↓ 100 KiB/s ↑ 50.0 KiB/s');
  expect((await settingsOf(server)).alt_limits_enabled).toBe(true);
  // The gateway's upload cap is the alternative one now.
  expect((await statsOf(server)).upload_cap_bytes_per_sec).toBe(50 * KIB);

  // Saved, so a reload (or another window) shows it on.
  await page.reload();
  await expect(turtle).toHaveAttribute('aria-pressed', 'true');

  await turtle.click();
  await expect(turtle).toHaveAttribute('aria-pressed', 'false');
  await expect(inForce).toHaveText('Limits: ↓ ∞ ↑ 200 KiB/s');
  expect((await settingsOf(server)).alt_limits_enabled).toBe(false);
  expect((await statsOf(server)).upload_cap_bytes_per_sec).toBe(200 * KIB);

  // A page that read the settings before the turtle was switched must not switch it
  // back when it saves its own fields.
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: 'Bid for speed' }).click();
  const save = page.getByRole('button', { name: 'Save', exact: true });
  await expect(save).toBeVisible();
  await turtle.click();
  await expect(turtle).toHaveAttribute('aria-pressed', 'true');
  await save.click();
  await expect(page.getByText('Settings saved.')).toBeVisible();
  expect((await settingsOf(server)).alt_limits_enabled).toBe(true);
  await expect(turtle).toHaveAttribute('aria-pressed', 'true');
});

/** A day that is neither today nor yesterday here, so a window on it is not open now. */
function dayNotNearToday(): ScheduleDays {
  const days: ScheduleDays[] = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
  return days[(new Date().getDay() + 3) % 7]!;
}

test('the schedule and the global seeding limits are checked, saved and still there after a reload', async ({ page, server }) => {
  await openApp(page, server);
  await page.getByRole('button', { name: 'Settings' }).click();
  let dialog = page.getByRole('dialog', { name: 'Settings' });
  await dialog.getByRole('tab', { name: 'Speed' }).click();
  const scheduled = dialog.getByRole('checkbox', { name: 'Schedule the alternative limits' });
  await expect(scheduled).not.toBeChecked();
  await expect(dialog.getByLabel('From', { exact: true })).toBeDisabled();
  await scheduled.check();
  await dialog.getByLabel('From', { exact: true }).fill('22:15');
  await dialog.getByLabel('To', { exact: true }).fill('06:45');
  const day = dayNotNearToday();
  await dialog.getByLabel('Days').selectOption(day);

  await dialog.getByRole('tab', { name: 'Seeding' }).click();
  const ratioOn = dialog.getByRole('checkbox', { name: 'When ratio reaches' });
  const ratio = dialog.getByRole('textbox', { name: 'Ratio limit' });
  await expect(ratio).toBeDisabled();
  await ratioOn.check();
  const save = dialog.getByRole('button', { name: 'Save', exact: true });
  for (const bad of ['-1', 'abc', '10001']) {
    await ratio.fill(bad);
    await save.click();
    await expect(dialog.getByRole('alert')).toHaveText('A ratio limit must be a number from 0 to 10000, such as 1.5.');
  }
  // Nothing of the form was saved.
  let saved = await settingsOf(server);
  expect(saved.seeding_limits.ratio).toBeNull();
  expect(saved.alt_schedule.enabled).toBe(false);

  await ratio.fill('1.5');
  await dialog.getByRole('checkbox', { name: 'When inactive seeding time reaches' }).check();
  const inactive = dialog.getByRole('textbox', { name: 'Inactive seeding time limit (minutes)', exact: true });
  await inactive.fill('2.5');
  await save.click();
  await expect(dialog.getByRole('alert')).toHaveText('A seeding time limit must be a whole number of minutes.');
  await inactive.fill('30');
  await dialog.getByLabel('Then').selectOption({ label: 'Remove the torrent (its files stay)' });
  await save.click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText('Settings saved.')).toBeVisible();

  saved = await settingsOf(server);
  expect(saved.alt_schedule).toEqual({ enabled: true, from_minute: 22 * 60 + 15, to_minute: 6 * 60 + 45, days: day });
  expect(saved.seeding_limits).toEqual({ ratio: 1.5, seeding_minutes: null, inactive_minutes: 30, action: 'remove' });
  // A window on another day is not open now: the schedule left the limits off.
  expect(saved.alt_limits_enabled).toBe(false);

  await page.reload();
  await page.getByRole('button', { name: 'Settings' }).click();
  dialog = page.getByRole('dialog', { name: 'Settings' });
  await dialog.getByRole('tab', { name: 'Speed' }).click();
  await expect(dialog.getByRole('checkbox', { name: 'Schedule the alternative limits' })).toBeChecked();
  await expect(dialog.getByLabel('From', { exact: true })).toHaveValue('22:15');
  await expect(dialog.getByLabel('To', { exact: true })).toHaveValue('06:45');
  await expect(dialog.getByLabel('Days')).toHaveValue(day);
  await dialog.getByRole('tab', { name: 'Seeding' }).click();
  await expect(dialog.getByRole('checkbox', { name: 'When ratio reaches' })).toBeChecked();
  await expect(dialog.getByRole('textbox', { name: 'Ratio limit' })).toHaveValue('1.5');
  await expect(dialog.getByRole('checkbox', { name: 'When seeding time reaches' })).not.toBeChecked();
  await expect(dialog.getByRole('textbox', { name: 'Inactive seeding time limit (minutes)', exact: true })).toHaveValue('30');
  await expect(dialog.getByLabel('Then')).toHaveValue('remove');

  // An end time cleared: refused here, nothing saved.
  await dialog.getByRole('tab', { name: 'Speed' }).click();
  await dialog.getByLabel('To', { exact: true }).fill('');
  await dialog.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(dialog.getByRole('alert')).toHaveText('The schedule needs a start and an end time, from 00:00 to 23:59.');
  expect((await settingsOf(server)).alt_schedule.to_minute).toBe(6 * 60 + 45);

  // The same time for both is the whole day, every day: the schedule switches the
  // limits on at once, and the status bar follows its event.
  await dialog.getByLabel('To', { exact: true }).fill('22:15');
  await dialog.getByLabel('Days').selectOption({ label: 'Every day' });
  await dialog.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText('The schedule switched the alternative speed limits on.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Alternative speed limits' })).toHaveAttribute('aria-pressed', 'true');
  expect((await settingsOf(server)).alt_limits_enabled).toBe(true);
});

test("a torrent's own seeding limits are set and cleared from its details, and reaching one pauses it", async ({ page, server, makeTorrent }) => {
  const made = makeTorrent('shared.bin', { 'shared.bin': 100_000 });
  const add: Request = {
    type: 'add_torrent',
    source: { kind: 'torrent_base64', value: readFileSync(made.torrentPath).toString('base64') },
    options: { paused: false, files: null, output_folder: made.dataDir, peers: [], limits: { download_bytes_per_sec: null, upload_bytes_per_sec: null }, tags: [] },
  };
  await server.rpc(add);
  await openApp(page, server);
  const r = row(page, made.name);
  // Seeded from the data already there.
  await expect(r.getByRole('gridcell').nth(3)).toHaveText('Seeding', { timeout: 30_000 });
  await r.dblclick();
  const details = page.getByRole('region', { name: `Details of ${made.name}` });
  await expect(details.getByText('global: none', { exact: true })).toBeVisible();
  await expect(details.getByRole('term').filter({ hasText: /^Seeding time$/ })).toBeVisible();

  const form = details.getByRole('form', { name: 'Seeding limits for this torrent' });
  const useGlobal = form.getByRole('radio', { name: 'Use the global seeding limits' });
  const useOwn = form.getByRole('radio', { name: 'Use its own seeding limits' });
  const apply = form.getByRole('button', { name: 'Apply seeding limits' });
  await expect(useGlobal).toBeChecked();
  await expect(form.getByRole('checkbox', { name: 'When ratio reaches' })).toBeDisabled();
  await expect(apply).toBeDisabled();

  await useOwn.check();
  await form.getByRole('checkbox', { name: 'When ratio reaches' }).check();
  const ratio = form.getByRole('textbox', { name: 'Ratio limit' });
  await ratio.fill('abc');
  await apply.click();
  await expect(form.getByRole('alert')).toHaveText('A ratio limit must be a number from 0 to 10000, such as 1.5.');
  expect((await torrentOf(server, made.infoHash)).seeding_limits).toBeNull();

  await ratio.fill('2');
  await apply.click();
  await expect(page.getByText(`Seeding limits applied to ${made.name}`)).toBeVisible();
  expect((await torrentOf(server, made.infoHash)).seeding_limits).toEqual({ ratio: 2, seeding_minutes: null, inactive_minutes: null, action: 'pause' });
  await expect(details.getByText('own: ratio 2, then pause', { exact: true })).toBeVisible();
  await expect(apply).toBeDisabled();

  await useGlobal.check();
  await apply.click();
  await expect.poll(async () => (await torrentOf(server, made.infoHash)).seeding_limits).toBeNull();
  await expect(details.getByText('global: none', { exact: true })).toBeVisible();

  // Ratio 0: nothing more to give, so the core pauses it within a second and says why.
  await useOwn.check();
  await form.getByRole('checkbox', { name: 'When ratio reaches' }).check();
  await ratio.fill('0');
  await apply.click();
  await expect(page.getByText(`Paused ${made.name}: ratio limit reached`)).toBeVisible({ timeout: 10_000 });
  await expect(r.getByRole('gridcell').nth(3)).toHaveText('Paused');
  expect((await torrentOf(server, made.infoHash)).state).toBe('paused');
});
