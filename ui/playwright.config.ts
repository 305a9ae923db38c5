import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests: Debian's Chromium (never a downloaded browser) against a real
 * `bidswarm-cli serve` that each test starts on 127.0.0.1 (tests/fixtures.ts).
 */
export default defineConfig({
  testDir: './tests',
  // Each test starts its own engine; one at a time suits a 2-core machine.
  workers: 1,
  fullyParallel: false,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  retries: 0,
  reporter: [['list']],
  outputDir: '../target/ui-test-results',
  use: {
    viewport: { width: 1280, height: 800 },
    actionTimeout: 15_000,
    navigationTimeout: 20_000,
    // Playwright gives every launch a fresh, empty profile directory.
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    headless: true,
    trace: 'off',
    screenshot: 'only-on-failure',
  },
});
