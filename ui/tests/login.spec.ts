import { expect, openApp, test } from './fixtures';

test('the login link signs in and takes the token out of the address bar', async ({ page, server }) => {
  await openApp(page, server);
  await expect(page.getByRole('grid', { name: 'Torrents' })).toBeVisible();
  await expect(page.getByText(/No torrents yet/)).toBeVisible();
  expect(page.url()).not.toContain('token=');
  // The token is kept for this tab: a reload stays signed in.
  await page.reload();
  await expect(page.getByTestId('connection-state')).toHaveText('Connected');
});

test('without a token the page says to open the login link', async ({ page, server }) => {
  await page.goto(server.url);
  await expect(page.getByRole('heading', { name: 'Open the login link' })).toBeVisible();
  await expect(page.getByText(/bidswarm-cli serve printed/)).toBeVisible();
  await expect(page.getByRole('grid')).toHaveCount(0);
});

test.describe('a wrong token', () => {
  // The browser logs the server's 401 as a console error; that is the point of this test.
  test.use({ allowConsoleErrors: true });
  test('is reported as rejected', async ({ page, server }) => {
    await page.goto(`${server.url}/#token=${'0'.repeat(64)}`);
    await expect(page.getByRole('heading', { name: 'The token was not accepted' })).toBeVisible();
  });
});
