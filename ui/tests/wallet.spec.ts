/**
 * The wallet, bid for speed and the money trail against a real devnet and a real earning
 * seeder (a second `serve`, whose own UI shows what it earned). The recovery phrase is
 * read from the page to answer the backup check and is never printed.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import type { Request, Response } from '../src/bindings';
import { openApp, repoRoot } from './fixtures';
import { BTT, expect, settingsOf, test } from './tron';

const PASSWORD = 'correct horse battery';
const shots = join(repoRoot, 'target', 'ui-screenshots');

/** Onboarding through the UI: a new wallet in a password file on the local devnet, its words confirmed. */
async function createWallet(page: Page, devnetUrl: string): Promise<string> {
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: 'Wallet' }).click();
  const form = page.locator('form.onboarding');
  await expect(form.getByRole('heading', { name: 'Set up your wallet' })).toBeVisible();
  await form.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await form.getByLabel('Repeat the password').fill(PASSWORD);
  await form.getByRole('radio', { name: 'Password-protected file' }).check();
  await form.getByLabel('TRON network').selectOption('local');
  await form.getByLabel('Node URL').fill(devnetUrl);
  await form.getByRole('button', { name: 'Create wallet' }).click();

  const words = page.getByTestId('mnemonic').locator('.mnemonic-word');
  await expect(words).toHaveCount(12, { timeout: 30_000 });
  const phrase = await words.allTextContents();
  await page.getByRole('button', { name: 'I wrote them down' }).click();
  // A wrong answer is refused first.
  const inputs = page.getByLabel(/^Word #\d+$/);
  await expect(inputs).toHaveCount(3);
  for (let i = 0; i < 3; i += 1) await inputs.nth(i).fill('wrong');
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByRole('alert')).toContainText('does not match');
  for (let i = 0; i < 3; i += 1) {
    const label = await inputs.nth(i).evaluate((el) => el.closest('label')?.textContent ?? '');
    const n = Number(/#(\d+)/.exec(label)?.[1]);
    await inputs.nth(i).fill(phrase[n - 1]!);
  }
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByTestId('wallet-state')).toHaveText('Unlocked');
  await expect(page.getByTestId('wallet-network')).toHaveText('Local test network');
  const address = (await page.getByTestId('wallet-address').textContent())!.trim();
  expect(address).toMatch(/^T[1-9A-HJ-NP-Za-km-z]{33}$/);
  return address;
}

/**
 * The highest BTT per GiB in a price the BTT tab shows in English: `5 BTT/GiB`,
 * `≈0.123456 BTT/GiB` (cut, never rounded up) or a range `0.5–1.25 BTT/GiB`; `null` for
 * words (`not bidding`, `nothing (no paid slot)`).
 */
function perGibShown(text: string | null): number | null {
  const numbers = (text ?? '').replace(/,/g, '').match(/\d+(?:\.\d+)?/g);
  return numbers ? Math.max(...numbers.map(Number)) : null;
}

async function speedOf(rpc: (r: Request) => Promise<Response>, id: string) {
  const r = await rpc({ type: 'get_torrent_speed', id });
  if (r.type !== 'torrent_speed') throw new Error(r.type);
  return r.speed;
}

/** Pastes a magnet into the Add dialog and waits for its preview (metadata from the seller). */
async function openAdd(page: Page, magnet: string) {
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: 'Torrents' }).click();
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const add = page.getByRole('dialog', { name: 'Add torrent' });
  await add.getByLabel('Magnet link or URL').fill(magnet);
  await add.getByRole('button', { name: 'Fetch' }).click();
  await expect(add.getByTestId('selected-total')).toBeVisible({ timeout: 30_000 });
  return add;
}

test('refusals: a bad address, a wrong password, and no bid while spending is off', async ({ page, server, devnet, seller, makeTorrent }) => {
  test.setTimeout(150_000);
  const shop = await seller({ askBtt: BTT.toString(), uploadBytesPerSec: 1 << 20 });
  const made = makeTorrent('free-ride.bin', { 'free-ride.bin': 3 << 20 });
  const magnet = await shop.seed(made);

  await openApp(page, server);
  const address = await createWallet(page, devnet.url);
  await devnet.faucet(address, 1_000_000_000, (1000n * BTT).toString());
  await expect(page.getByTestId('balance-btt')).toContainText('1,000 BTT', { timeout: 20_000 });

  // A mistyped address is refused in the form: nothing is priced.
  await page.getByLabel('Recipient').fill(`${shop.address.slice(0, -1)}${shop.address.endsWith('a') ? 'b' : 'a'}`);
  await page.getByLabel('Amount').fill('1');
  await page.getByRole('button', { name: 'Review' }).click();
  await expect(page.locator('.send-card').getByRole('alert')).toContainText('Not a TRON address');
  await expect(page.getByRole('dialog', { name: 'Confirm the transfer' })).toHaveCount(0);

  // A valid one is priced and shown for confirmation, with the fee; cancelling sends nothing.
  await page.getByLabel('Recipient').fill(shop.address);
  await page.getByRole('button', { name: 'Review' }).click();
  const confirm = page.getByRole('dialog', { name: 'Confirm the transfer' });
  await expect(confirm.getByTestId('send-quote')).toContainText('Network fee');
  await confirm.getByRole('button', { name: 'Cancel' }).click();

  // A wrong unlock password shows an error and leaves the wallet locked.
  await page.getByRole('button', { name: 'Lock' }).click();
  await expect(page.getByTestId('wallet-state')).toHaveText('Locked');
  await page.locator('.unlock-form').getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.locator('.unlock-form').getByRole('alert')).toHaveText('Wrong password: the wallet stays locked.');
  await expect(page.getByTestId('wallet-state')).toHaveText('Locked');
  await page.locator('.unlock-form').getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByTestId('wallet-state')).toHaveText('Unlocked');

  // Changing the password needs the current one.
  await page.getByRole('button', { name: 'Change password' }).click();
  const change = page.getByRole('dialog', { name: 'Change password' });
  await change.getByLabel('Current password').fill('not the password');
  await change.getByLabel('New password').fill('another long password');
  await change.getByLabel('Repeat the password').fill('another long password');
  await change.getByRole('button', { name: 'Change', exact: true }).click();
  await expect(change.getByRole('alert')).toHaveText('The current password is wrong; nothing was changed.');
  await change.getByRole('button', { name: 'Cancel' }).click();

  // Spending is off by default: the Add dialog offers no bid of its own, and the
  // download from an earning seeder finishes without a bid or a voucher.
  expect((await settingsOf(server.rpc)).speed.spending_enabled).toBe(false);
  const add = await openAdd(page, magnet);
  await expect(add.getByText('Spending is off')).toBeVisible();
  await expect(add.getByTestId('bid-mode').locator('option')).toHaveText(['Use the default bid', 'Never pay']);
  await add.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(add).toHaveCount(0);
  await expect
    .poll(async () => {
      const r = await server.rpc({ type: 'get_torrent', id: made.infoHash }).catch(() => null);
      return r?.type === 'torrent' ? r.torrent.state : null;
    }, { timeout: 60_000 })
    .toBe('seeding');
  const mine = await speedOf(server.rpc, made.infoHash);
  expect(mine.current_bid).toBeNull();
  expect(mine.spent).toBe('0');
  expect(mine.channels).toEqual([]);
  expect((await speedOf(shop.rpc, made.infoHash)).earned).toBe('0');
});

test('happy path: fund, bid, spend exactly what the seller earned, export CSV; screenshots', async ({ page, context, server, devnet, seller, makeTorrent }) => {
  test.setTimeout(240_000);
  // 12 MiB at 1 MiB/s: long enough for the auction to grant a paid slot.
  const shop = await seller({ askBtt: BTT.toString(), uploadBytesPerSec: 1 << 20 });
  const made = makeTorrent('paid-for.bin', { 'paid-for.bin': 12 << 20 });
  const magnet = await shop.seed(made);

  await openApp(page, server);
  const address = await createWallet(page, devnet.url);
  await devnet.faucet(address, 1_000_000_000, (1000n * BTT).toString());
  await expect(page.getByTestId('balance-btt')).toContainText('1,000 BTT', { timeout: 20_000 });

  // Turn spending on: a budget is required first.
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: 'Bid for speed' }).click();
  await page.getByLabel('Pay for faster downloads').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Spending needs a budget per torrent above zero.')).toBeVisible();
  await page.getByTestId('budget-per-torrent').fill('50');
  // And a spending cap over all torrents: required above zero, typed as English writes
  // numbers ("1,000" is a thousand, "1,5" is no English number), and stated in a sentence.
  await expect(page.getByTestId('spending-worst-case')).toHaveText('All torrents together spend at most 20,000,000 BTT, counted across restarts.');
  await page.getByTestId('spending-cap').fill('');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Spending needs a spending cap above zero.')).toBeVisible();
  await page.getByTestId('spending-cap').fill('1,5');
  await expect(page.getByText('Write numbers as 1,500.25: “.” marks the decimals, “,” only separates groups of three digits.')).toBeVisible();
  await page.getByTestId('spending-cap').fill('1,000');
  await expect(page.getByTestId('spending-worst-case')).toHaveText('All torrents together spend at most 1,000 BTT, counted across restarts.');
  // The seller's worst case follows the values as typed (earning stays off for this test).
  await expect(page.getByTestId('earning-worst-case')).toHaveText('Earning is off: no buyer gets a paid slot, so none can owe you anything.');
  await page.getByLabel('Sell upload speed').check();
  await expect(page.getByTestId('earning-worst-case')).toHaveText(
    'A buyer who never pays can cost you at most 20,000,000 BTT of unpaid promises plus 4.00 MiB of upload per paid slot; all buyers together at most 100,000,000 BTT plus one credit window of upload per paid slot.',
  );
  await page.getByText('Advanced').click();
  await page.getByLabel('Total exposure cap').fill('60');
  await page.getByLabel('Settlement deadline').fill('1.5');
  await expect(page.getByTestId('earning-worst-case')).toHaveText(
    'A buyer who never pays can cost you at most 60 BTT of unpaid promises plus 4.00 MiB of upload per paid slot; all buyers together at most 60 BTT plus one credit window of upload per paid slot.',
  );
  await page.getByLabel('Sell upload speed').uncheck();
  // What a settlement costs, priced by the devnet for our unlocked wallet, against the
  // rule as typed: the fee, in BTT at the rate, times the multiple, in GiB at the max price.
  const cost = page.getByTestId('settlement-cost');
  await expect(cost).toHaveText(
    /^A settlement costs about [\d,.]+ TRX now \(about [\d,.]+ BTT at your rate\)\. Bidswarm pays a seller once it owes 20× that, about [\d,.]+ BTT: [\d,.]+ GiB at your price of 50,000 BTT\/GiB\.$/,
    { timeout: 20_000 },
  );
  const quoted = await server.rpc({ type: 'quote_settlement' });
  if (quoted.type !== 'settlement_quote' || quoted.quote.typical_fee_sun === null) throw new Error('the devnet priced no settlement');
  const feeSun = BigInt(quoted.quote.typical_fee_sun);
  // At 300,000 BTT a TRX a sun is 0.3 BTT, so 20 fees are 6 BTT a sun; 40 fees at half
  // the rate are the same sum.
  const thresholdBtt = feeSun * 6n;
  await expect(cost).toContainText(`about ${thresholdBtt.toLocaleString('en')} BTT:`);
  await page.getByTestId('settle-multiple').fill('40');
  await page.getByTestId('btt-per-trx').fill('150,000');
  await expect(cost).toContainText(`owes 40× that, about ${thresholdBtt.toLocaleString('en')} BTT:`);
  // A multiple of 0 pays at every round; a rate of 0 weighs nothing and is refused.
  await page.getByTestId('settle-multiple').fill('0');
  await expect(cost).toContainText('Bidswarm pays what it owes a seller at every round');
  await page.getByTestId('settle-multiple').fill('40');
  await page.getByTestId('btt-per-trx').fill('0');
  await expect(page.getByText('Enter what one TRX is worth in BTT, above zero (or settle at 0× the fee).')).toBeVisible();
  await page.getByTestId('btt-per-trx').fill('150,000');
  // At 40× the fee nothing this test buys is worth a settlement on its own: "settle now" pays it.
  await page.getByRole('button', { name: 'Save' }).click();
  await expect
    .poll(async () => (await settingsOf(server.rpc)).speed)
    .toMatchObject({
      spending_enabled: true,
      earning_enabled: false,
      budget_per_torrent: (50n * BTT).toString(),
      spending_cap: (1000n * BTT).toString(),
      total_exposure_cap: (60n * BTT).toString(),
      settlement_overdue_secs: 5400,
      settle_fee_multiple: 40,
      btt_per_trx: (150_000n * BTT).toString(),
    });

  // Add with this torrent's own bid and budget.
  const add = await openAdd(page, magnet);
  await add.getByTestId('bid-mode').selectOption('own');
  await add.getByLabel('Strategy').selectOption('fixed');
  await add.getByTestId('bid-price').fill('5');
  await add.getByTestId('bid-budget').fill('20');
  await add.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(add).toHaveCount(0);
  const own = await speedOf(server.rpc, made.infoHash);
  expect(own.bid).toEqual({ spending: true, strategy: 'fixed', price_per_gib: (5n * BTT).toString(), budget: (20n * BTT).toString() });

  // The BTT tab: "spent" rises while it downloads.
  const row = page.getByRole('row').filter({ has: page.getByRole('gridcell', { name: made.name, exact: true }) });
  await row.click();
  await page.keyboard.press('Enter');
  const details = page.getByRole('region', { name: /Details of/ });
  await details.getByRole('tab', { name: 'BTT' }).click();
  const spent = details.getByTestId('speed-spent');
  await expect(spent).not.toHaveText('0 BTT', { timeout: 60_000 });
  // Our bid beside the price we pay, and why they may differ.
  await expect(details.getByText("You pay each seeder's clearing price (the highest losing bid, or its ask), never more than your bid.")).toBeVisible();
  // And what is shown keeps that promise: the price paid (one price, or the highest of a
  // range) is never above the bid. Both are read in the same poll, so they belong together.
  const shown: { bid: number | null; paid: number | null } = { bid: null, paid: null };
  await expect
    .poll(async () => {
      shown.bid = perGibShown(await details.getByTestId('speed-current').textContent());
      shown.paid = perGibShown(await details.getByTestId('speed-paid').textContent());
      return shown.bid !== null && shown.paid !== null;
    }, { timeout: 30_000 })
    .toBe(true);
  expect(shown.paid!, `price paid shown (BTT/GiB) against the bid shown, ${shown.bid}`).toBeLessThanOrEqual(shown.bid!);
  await expect
    .poll(async () => {
      const r = await server.rpc({ type: 'get_torrent', id: made.infoHash });
      return r.type === 'torrent' ? r.torrent.state : null;
    }, { timeout: 90_000 })
    .toBe('seeding');
  // Settled down: the last voucher is in.
  let last = '';
  await expect
    .poll(async () => {
      const now = (await speedOf(server.rpc, made.infoHash)).spent;
      const same = now === last;
      last = now;
      return same;
    }, { timeout: 20_000, intervals: [2000] })
    .toBe(true);
  const spentUnits = BigInt(last);
  expect(spentUnits).toBeGreaterThan(0n);
  expect(spentUnits).toBeLessThanOrEqual(20n * BTT);
  await expect(spent).toHaveText(`${formatAll(spentUnits)} BTT`);

  // Owed, and not worth the fee by the rule: nothing moves until we settle now, from the
  // money trail, after seeing what it pays and burns.
  const nav = page.getByRole('navigation', { name: 'Pages' });
  await nav.getByRole('button', { name: 'Money trail' }).click();
  await expect(page.getByTestId('money-committed').locator('dd')).not.toHaveText('0 BTT');
  await page.getByTestId('settle-now').click();
  const settle = page.getByRole('dialog', { name: 'Settle now' });
  const quote = settle.getByTestId('settle-quote');
  const payeeRow = quote.getByRole('row').filter({ has: page.getByTitle(shop.address) });
  await expect(payeeRow.getByRole('cell').nth(0)).toHaveText(`${shop.address.slice(0, 6)}…${shop.address.slice(-4)}`, { timeout: 30_000 });
  await expect(payeeRow.getByRole('cell').nth(2)).toHaveText(/^[\d,.]+ TRX \(about [\d,.]+ BTT\)$/);
  await expect(quote.getByTestId('settle-total-fee')).toHaveText(/^[\d,.]+ TRX \(about [\d,.]+ BTT\)$/);
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, 'settle-now.png') });
  await settle.getByTestId('settle-confirm').click();
  await expect(settle.getByTestId('settle-result')).toHaveText('1 settlement confirmed.', { timeout: 60_000 });
  await settle.getByRole('button', { name: 'Close' }).click();
  await expect(page.getByTestId('money-committed').locator('dd')).toHaveText('0 BTT', { timeout: 15_000 });
  await expect(page.getByTestId('settle-now')).toBeDisabled();
  await expect(page.getByText('Nothing is owed to any seller.')).toBeVisible();
  await nav.getByRole('button', { name: 'Torrents' }).click();

  // The seller's own UI shows the same amount earned.
  const sellerPage = await context.newPage();
  await sellerPage.goto(shop.loginUrl);
  await expect(sellerPage.getByTestId('connection-state')).toHaveText(/Connected/);
  const sellerRow = sellerPage.getByRole('row').filter({ has: sellerPage.getByRole('gridcell', { name: made.name, exact: true }) });
  await sellerRow.click();
  await sellerPage.keyboard.press('Enter');
  const sellerDetails = sellerPage.getByRole('region', { name: /Details of/ });
  await sellerDetails.getByRole('tab', { name: 'BTT' }).click();
  await expect(sellerDetails.getByTestId('speed-earned')).toHaveText(`${formatAll(spentUnits)} BTT`, { timeout: 20_000 });
  // Settled on the devnet: the seller's money trail sees all of it arrive.
  await sellerPage.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: 'Money trail' }).click();
  await expect(sellerPage.getByTestId('money-earned_pending').locator('dd')).toHaveText('0 BTT', { timeout: 60_000 });
  const sellerSettled = sellerPage.getByTestId('money-earned_settled').locator('dd');
  await expect(sellerSettled).not.toHaveText('0 BTT');
  const settledText = (await sellerSettled.textContent())!;
  // And the torrent's own BTT tab on the seller says all of what it earned is settled.
  await sellerPage.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: 'Torrents' }).click();
  await sellerRow.click();
  await sellerPage.keyboard.press('Enter');
  await sellerDetails.getByRole('tab', { name: 'BTT' }).click();
  await expect(sellerDetails.getByTestId('speed-earnedSettled')).toHaveText(`${formatAll(spentUnits)} BTT`, { timeout: 30_000 });
  await sellerPage.close();

  // Our side: nothing committed any more, and the payment is in the wallet's history.
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: 'Wallet' }).click();
  await expect(page.getByTestId('balance-committed')).toHaveText(/0 BTT$/, { timeout: 30_000 });
  await expect(page.getByTestId('wallet-history')).toContainText('Sent', { timeout: 30_000 });

  // A send of our own: priced, confirmed, broadcast, and in the history.
  await page.getByLabel('Recipient').fill(shop.address);
  // "1,5" is not how English writes one and a half: refused, never read as 15 or 1.5.
  await page.getByLabel('Amount').fill('1,5');
  await page.getByRole('button', { name: 'Review' }).click();
  await expect(page.getByText('Write numbers as 1,500.25: “.” marks the decimals, “,” only separates groups of three digits.')).toBeVisible();
  await expect(page.getByRole('dialog', { name: 'Confirm the transfer' })).toHaveCount(0);
  await page.getByLabel('Amount').fill('1.5');
  await page.getByRole('button', { name: 'Review' }).click();
  const confirm = page.getByRole('dialog', { name: 'Confirm the transfer' });
  await expect(confirm.getByTestId('send-quote')).toContainText('1.5 BTT');
  await confirm.getByRole('button', { name: 'Send now' }).click();
  await expect(page.getByText(/^Sent\. Transaction [0-9a-f]{64}$/)).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('wallet-history')).toContainText('1.5 BTT', { timeout: 30_000 });

  // The money trail, and its CSV export.
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: 'Money trail' }).click();
  await expect(page.getByTestId('money-spent').locator('dd')).toHaveText(settledText);
  await expect(page.getByTestId('money-committed').locator('dd')).toHaveText('0 BTT');
  // The TRX our own send burnt, once the node shows it in a block.
  await expect(page.getByTestId('money-send-fees').locator('dd')).toHaveText(/^[1-9][0-9.]* TRX$/, { timeout: 30_000 });
  await expect(page.getByTestId('ledger-health')).toHaveText('Ledger verified', { timeout: 20_000 });
  await expect(page.getByTestId('money-per-torrent')).toContainText(made.name);
  // Per peer: the seller, with all we spent paid to it, in at least one voucher.
  const sellerLine = page.getByTestId('money-per-peer').getByRole('row').filter({ hasText: shop.address });
  await expect(sellerLine.getByRole('cell').nth(1)).toHaveText(settledText);
  await expect(sellerLine.getByRole('cell').nth(2)).toHaveText('0 BTT');
  await expect(sellerLine.getByRole('cell').nth(3)).toHaveText(/^[1-9][0-9]*$/);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
  const csv = readFileSync((await download.path())!, 'utf8');
  expect(csv.split('\n')[0]).toBe('date,torrent,peer,direction,amount_btt,state,txid,amount_trx');
  expect(csv).toContain(`${made.infoHash},${shop.address},spend,`);
  expect(csv).toMatch(new RegExp(`${made.infoHash},${shop.address},spend,[0-9.]+,settled,[0-9a-f]{64},(?:\n|$)`));
  // And the TRX that settling now burnt, in its own column.
  expect(csv).toMatch(new RegExp(`,${shop.address},settlement_fee,,confirmed,[0-9a-f]{64},[0-9.]+(?:\n|$)`));
  expect(csv).toMatch(new RegExp(`,${shop.address},send_fee,,confirmed,[0-9a-f]{64},[0-9.]+(?:\n|$)`));

  // Screenshots of every new page, light and dark (none shows the recovery phrase).
  mkdirSync(shots, { recursive: true });
  for (const theme of ['light', 'dark'] as const) {
    await page.evaluate((t) => localStorage.setItem('bidswarm.theme', JSON.stringify(t)), theme);
    await page.reload();
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    const nav = page.getByRole('navigation', { name: 'Pages' });
    await nav.getByRole('button', { name: 'Money trail' }).click();
    await expect(page.getByTestId('ledger-health')).toHaveText('Ledger verified');
    await expect(page.locator('.day-chart .uplot')).toBeVisible();
    await page.screenshot({ path: join(shots, `money-${theme}.png`) });
    await nav.getByRole('button', { name: 'Wallet' }).click();
    await expect(page.getByTestId('balance-spendable')).toBeVisible();
    await expect(page.getByRole('heading', { name: 'History' })).toBeVisible();
    await page.screenshot({ path: join(shots, `wallet-${theme}.png`) });
    await nav.getByRole('button', { name: 'Bid for speed' }).click();
    await expect(page.getByTestId('budget-per-torrent')).toBeVisible();
    await page.screenshot({ path: join(shots, `speed-settings-${theme}.png`) });
    await page.getByTestId('settlement-cost').scrollIntoViewIfNeeded();
    await expect(page.getByTestId('settlement-cost')).toContainText('A settlement costs about');
    await page.screenshot({ path: join(shots, `speed-settlements-${theme}.png`) });
    await nav.getByRole('button', { name: 'Torrents' }).click();
    await row.click();
    await page.keyboard.press('Enter');
    await details.getByRole('tab', { name: 'BTT' }).click();
    await expect(details.getByTestId('speed-spent')).toBeVisible();
    await page.screenshot({ path: join(shots, `details-btt-${theme}.png`) });
    await details.getByRole('button', { name: 'Close details' }).click();
  }
});

test('a node that does not answer shows the wallet offline, with the ledger figures still there', async ({ page, server }) => {
  await openApp(page, server);
  // Port 9 (discard) on loopback: nothing listens there.
  await createWallet(page, 'http://127.0.0.1:9');
  await expect(page.getByTestId('wallet-offline')).toContainText('Offline: Local test network cannot be reached.', { timeout: 30_000 });
  await expect(page.getByTestId('balance-btt')).toContainText('unknown (offline)');
  await expect(page.getByTestId('balance-spendable')).toContainText('0 BTT');
  // Nothing can price a settlement: the Bid for speed page says so rather than guess.
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: 'Bid for speed' }).click();
  await expect(page.getByTestId('settlement-cost')).toHaveText('What a settlement costs is unknown until the wallet is unlocked and the TRON node answers.', { timeout: 30_000 });
});

test('onboarding screenshots, light and dark', async ({ page, server }) => {
  mkdirSync(shots, { recursive: true });
  await openApp(page, server);
  for (const theme of ['light', 'dark'] as const) {
    await page.evaluate((t) => localStorage.setItem('bidswarm.theme', JSON.stringify(t)), theme);
    await page.reload();
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: 'Wallet' }).click();
    await expect(page.getByRole('heading', { name: 'Set up your wallet' })).toBeVisible();
    await page.screenshot({ path: join(shots, `wallet-onboarding-${theme}.png`) });
  }
});

/** Every digit of an amount, as the BTT tab shows spent and earned (en). */
function formatAll(units: bigint): string {
  const whole = (units / BTT).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = (units % BTT).toString().padStart(18, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole;
}

test('the new pages fit at 1024×640 in German, and the page links work from the keyboard', async ({ page, server }) => {
  await page.setViewportSize({ width: 1024, height: 640 });
  await openApp(page, server);
  await page.evaluate(() => localStorage.setItem('bidswarm.language', JSON.stringify('de')));
  await page.reload();
  const nav = page.getByRole('navigation', { name: 'Seiten' });
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  for (const [link, heading] of [
    ['Wallet', 'Wallet einrichten'],
    ['Geldfluss', 'Geldfluss'],
    ['Bieten für Tempo', 'Bieten für Tempo'],
  ] as const) {
    await nav.getByRole('button', { name: link }).focus();
    await page.keyboard.press('Enter');
    await expect(nav.getByRole('button', { name: link })).toHaveAttribute('aria-current', 'page');
    await expect(page.getByRole('heading', { name: heading, exact: true })).toBeVisible();
    expect(await overflow(), `${link} overflows`).toBe(0);
  }
  await nav.getByRole('button', { name: 'Torrents' }).press('Enter');
  await expect(page.getByTestId('torrent-table')).toBeVisible();
});
