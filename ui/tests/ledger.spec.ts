/**
 * The money trail when the ledger file was damaged: the engine set it aside and started a
 * fresh one, and the page says where the old file went and that nothing was deleted.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, repoRoot, startAndWaitFor, stop, test } from './fixtures';

test('a damaged ledger shows a banner naming where the old file went', async ({ page, tmp }) => {
  const dataDir = join(tmp, 'damaged');
  mkdirSync(join(dataDir, 'state'), { recursive: true });
  writeFileSync(join(dataDir, 'state', 'ledger.sqlite'), Buffer.from('SQLite format 3\0 and then nonsense, not a database'));
  const log: string[] = [];
  const { child, match } = await startAndWaitFor(
    ['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--peer-listen', '127.0.0.1:0', '--no-dht', '--ui-dir', join(repoRoot, 'ui', 'dist')],
    /Bidswarm is running at (\S+)\n/,
    60_000,
    log,
  );
  try {
    const moved = readdirSync(join(dataDir, 'state')).filter((n) => n.startsWith('ledger.sqlite.damaged-'));
    expect(moved).toHaveLength(1);
    await page.goto(match[1]!);
    await expect(page.getByTestId('connection-state')).toHaveText(/Connected|Verbunden/);
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: 'Money trail' }).click();
    const banner = page.getByTestId('ledger-recovered');
    await expect(banner).toContainText('The ledger was damaged');
    await expect(banner).toContainText('nothing was deleted');
    await expect(banner).toContainText(join(dataDir, 'state', moved[0]!));
    // The fresh ledger is the one the badge checks, and it is sound.
    await expect(page.getByTestId('ledger-health')).toHaveText('Ledger verified');
  } finally {
    // Leave the page first: a page still connected would log the stopped server.
    await page.goto('about:blank');
    await stop(child);
  }
});

test('a healthy ledger shows no such banner', async ({ page, server }) => {
  await page.goto(server.loginUrl);
  await expect(page.getByTestId('connection-state')).toHaveText(/Connected|Verbunden/);
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: 'Money trail' }).click();
  await expect(page.getByTestId('ledger-health')).toHaveText('Ledger verified');
  await expect(page.getByTestId('ledger-recovered')).toHaveCount(0);
});
