import { expect, openApp, test } from './fixtures';

test('switching to German changes the visible strings, and it is remembered', async ({ page, server }) => {
  await openApp(page, server);
  await page.getByRole('button', { name: 'Settings' }).click();
  const dialog = page.getByRole('dialog', { name: 'Settings' });
  await dialog.getByRole('tab', { name: 'Interface' }).click();
  await dialog.getByLabel('Language').selectOption('de');
  await expect(page.getByRole('dialog', { name: 'Einstellungen' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('button', { name: 'Hinzufügen' })).toBeVisible();
  await expect(page.getByRole('columnheader', { name: 'Größe' })).toBeVisible();
  await expect(page.getByText(/Noch keine Torrents/)).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  await page.reload();
  await expect(page.getByTestId('connection-state')).toHaveText('Verbunden');
  await expect(page.getByRole('button', { name: 'Einstellungen' })).toBeVisible();
});

test('switching to dark changes the colours, and it is remembered', async ({ page, server }) => {
  await openApp(page, server);
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.getByRole('button', { name: 'Settings' }).click();
  const dialog = page.getByRole('dialog', { name: 'Settings' });
  await dialog.getByRole('tab', { name: 'Interface' }).click();
  await dialog.getByLabel('Theme').selectOption('light');
  const light = await background();
  await dialog.getByLabel('Theme').selectOption('dark');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  const dark = await background();
  expect(dark).not.toBe(light);
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
});

test('core settings are saved and still there after a reload', async ({ page, server, tmp }) => {
  await openApp(page, server);
  await page.getByRole('button', { name: 'Settings' }).click();
  let dialog = page.getByRole('dialog', { name: 'Settings' });
  const folder = `${tmp}/elsewhere`;
  await dialog.getByLabel('Download folder').fill(folder);
  await dialog.getByRole('tab', { name: 'Speed' }).click();
  await dialog.getByLabel('Upload limit (KiB/s)', { exact: true }).fill('fast');
  await dialog.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(dialog.getByRole('alert')).toHaveText(/A limit must be a number/);
  await dialog.getByLabel('Upload limit (KiB/s)', { exact: true }).fill('250');
  await dialog.getByRole('tab', { name: 'Connection' }).click();
  await expect(dialog.getByLabel('Encryption')).toHaveValue('prefer');
  await dialog.getByLabel('Encryption').selectOption('require');
  await dialog.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText('Settings saved.')).toBeVisible();

  const saved = await server.rpc({ type: 'get_settings' });
  expect(saved.type === 'settings' && saved.settings.limits.upload_bytes_per_sec).toBe(250 * 1024);
  expect(saved.type === 'settings' && saved.settings.encryption).toBe('require');

  await page.reload();
  await page.getByRole('button', { name: 'Settings' }).click();
  dialog = page.getByRole('dialog', { name: 'Settings' });
  await expect(dialog.getByLabel('Download folder')).toHaveValue(folder);
  await dialog.getByRole('tab', { name: 'Speed' }).click();
  await expect(dialog.getByLabel('Upload limit (KiB/s)', { exact: true })).toHaveValue('250');
  await expect(dialog.getByLabel('Download limit (KiB/s)', { exact: true })).toHaveValue('');
  await dialog.getByRole('tab', { name: 'Connection' }).click();
  await expect(dialog.getByLabel('Encryption')).toHaveValue('require');
});

test('a blocklist file is saved and reloaded, and the settings say what it held', async ({ page, server, tmp }) => {
  const { writeFileSync } = await import('node:fs');
  const path = `${tmp}/blocklist.txt`;
  writeFileSync(path, '# test list\n10.0.0.0/8\n192.168.1.7\nnot an address\n');
  await openApp(page, server);
  await page.getByRole('button', { name: 'Settings' }).click();
  const dialog = page.getByRole('dialog', { name: 'Settings' });
  await dialog.getByRole('tab', { name: 'Connection' }).click();
  await dialog.getByLabel('Blocklist file').fill(path);
  await dialog.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText(/Settings saved/)).toBeVisible();
  // Saving a restart-only change keeps the dialog open; reopen it either way.
  if (!(await dialog.isVisible())) await page.getByRole('button', { name: 'Settings' }).click();
  await dialog.getByRole('tab', { name: 'Connection' }).click();
  await dialog.getByRole('button', { name: 'Reload the saved blocklist' }).click();
  await expect(dialog.getByRole('status').filter({ hasText: 'blocked' })).toHaveText(/2 address ranges blocked\. Unreadable lines: 4\./);
});
