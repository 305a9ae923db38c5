/**
 * The harness of the UI tests: temporary folders, a real `bidswarm-cli serve` (and
 * `seed`) on 127.0.0.1, direct API calls for setup, and a page that fails the test on
 * any console error. Every wait has a deadline.
 */
import { test as base, expect, type Page } from '@playwright/test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Request, Response } from '../src/bindings';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..');
export const cli = process.env.BIDSWARM_CLI ?? join(repoRoot, 'target', 'debug', 'bidswarm-cli');
const uiDist = join(repoRoot, 'ui', 'dist');

/** Starts a process and resolves once a stdout line matches, or rejects at the deadline. */
export function startAndWaitFor(args: string[], pattern: RegExp, deadlineMs: number, log: string[]) {
  const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: 'warn' } });
  return new Promise<{ child: ChildProcess; match: RegExpMatchArray }>((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${args[0]} did not start within ${deadlineMs} ms:\n${log.join('')}`));
    }, deadlineMs);
    child.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      log.push(d.toString());
      const match = out.match(pattern);
      if (match) {
        clearTimeout(timer);
        ok({ child, match });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${args[0]} exited with ${code}:\n${log.join('')}`));
    });
  });
}

/** SIGTERM, then SIGKILL after 8 s; resolves once the process has exited. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
  await exited;
  clearTimeout(timer);
}

export interface Server {
  url: string;
  token: string;
  /** The login link the server prints. */
  loginUrl: string;
  dataDir: string;
  rpc(request: Request): Promise<Response>;
  /** Stops the engine and starts it again on the same data; the start-up time in ms. */
  restart(): Promise<number>;
}

export interface MadeTorrent {
  torrentPath: string;
  /** The folder that holds the data (pass it as the save folder to seed from it). */
  dataDir: string;
  name: string;
  magnet: string;
  infoHash: string;
}

async function launchServer(dataDir: string): Promise<{ child: ChildProcess; server: Omit<Server, 'restart'> }> {
  const log: string[] = [];
  const { child, match } = await startAndWaitFor(
    // The test's folder holds its torrents and data: requests may name paths in it.
    ['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--peer-listen', '127.0.0.1:0', '--no-dht', '--ui-dir', uiDist, '--allow-path', dirname(dataDir)],
    /url: (http:\/\/127\.0\.0\.1:\d+)\n[\s\S]*?token_file: (.+)\n/,
    60_000,
    log,
  );
  const url = match[1]!;
  const token = readFileSync(match[2]!.trim(), 'utf8').trim();
  return {
    child,
    server: {
      url,
      token,
      loginUrl: `${url}/#token=${token}`,
      dataDir,
      async rpc(request) {
        const reply = await fetch(`${url}/api/rpc`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(request),
          signal: AbortSignal.timeout(30_000),
        });
        const body = (await reply.json()) as Response;
        if (!reply.ok) throw new Error(`${request.type}: ${JSON.stringify(body)}`);
        return body;
      },
    },
  };
}

interface Fixtures {
  tmp: string;
  server: Server;
  makeTorrent: (name: string, files: Record<string, number>) => MadeTorrent;
  seed: (made: MadeTorrent) => Promise<string>;
  /** Console errors are allowed in this test (e.g. a 401 the test provokes on purpose). */
  allowConsoleErrors: boolean;
  page: Page;
}

export const test = base.extend<Fixtures>({
  allowConsoleErrors: [false, { option: true }],

  tmp: async ({}, use) => {
    const dir = mkdtempSync(join(tmpdir(), 'bidswarm-ui-'));
    await use(dir);
    if (!process.env.BIDSWARM_KEEP_TEST_DIRS) rmSync(dir, { recursive: true, force: true });
  },

  server: async ({ tmp }, use) => {
    const dataDir = join(tmp, 'engine');
    let running = await launchServer(dataDir);
    const server: Server = {
      ...running.server,
      async restart() {
        await stop(running.child);
        const started = Date.now();
        running = await launchServer(dataDir);
        Object.assign(server, running.server, { restart: server.restart });
        return Date.now() - started;
      },
    };
    await use(server);
    await stop(running.child);
  },

  makeTorrent: async ({ tmp }, use) => {
    await use((name, files) => {
      const dataDir = join(tmp, 'data', name);
      const entries = Object.entries(files);
      const single = entries.length === 1 && entries[0]![0] === name;
      for (const [path, size] of entries) {
        const full = single ? join(dataDir, path) : join(dataDir, name, path);
        mkdirSync(dirname(full), { recursive: true });
        // Different bytes per file, so pieces differ.
        const bytes = Buffer.alloc(size);
        for (let i = 0; i < size; i += 1) bytes[i] = (i * 31 + path.length * 7) & 0xff;
        writeFileSync(full, bytes);
      }
      const torrentPath = join(tmp, `${name}.torrent`);
      const target = single ? join(dataDir, name) : join(dataDir, name);
      const made = spawnSync(cli, ['create-torrent', target, '-o', torrentPath, '--data-dir', join(tmp, 'creator')], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      if (made.status !== 0) throw new Error(`create-torrent failed: ${made.stderr}`);
      const magnet = made.stdout.match(/magnet:\?\S+/)?.[0];
      const infoHash = magnet?.match(/btih:([0-9a-f]{40})/i)?.[1]?.toLowerCase();
      if (!magnet || !infoHash) throw new Error(`create-torrent printed no magnet: ${made.stdout}`);
      return { torrentPath, dataDir, name, magnet, infoHash };
    });
  },

  seed: async ({ tmp }, use) => {
    const children: ChildProcess[] = [];
    await use(async (made) => {
      const log: string[] = [];
      const { child, match } = await startAndWaitFor(
        ['seed', made.torrentPath, '--data', made.dataDir, '--listen', '127.0.0.1:0', '--no-dht', '--data-dir', join(tmp, `seeder-${children.length}`)],
        /listening: (127\.0\.0\.1:\d+)/,
        60_000,
        log,
      );
      children.push(child);
      return match[1]!;
    });
    for (const child of children) await stop(child);
  },

  // Depends on the server so it checks the console before the server goes away.
  page: async ({ page, allowConsoleErrors, server }, use) => {
    void server;
    const errors: string[] = [];
    page.on('console', (m) => {
      // Chromium logs every 4xx answer; an `ApiError` the UI shows is not a console error.
      if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await use(page);
    if (!allowConsoleErrors) expect(errors, 'console errors').toEqual([]);
  },
});

export { expect };

/** Opens the UI logged in, and waits until the torrent list has loaded. */
export async function openApp(page: Page, server: Server): Promise<void> {
  await page.goto(server.loginUrl);
  await expect(page.getByTestId('connection-state')).toHaveText(/Connected|Verbunden/);
}

/** Adds torrents saved where their data already is, so each seeds (or stays paused) once checked. */
export async function addFromData(server: Server, made: MadeTorrent[], paused = false): Promise<void> {
  for (const m of made) {
    await server.rpc({
      type: 'add_torrent',
      source: { kind: 'torrent_base64', value: readFileSync(m.torrentPath).toString('base64') },
      options: { paused, files: null, output_folder: m.dataDir, peers: [], limits: { download_bytes_per_sec: null, upload_bytes_per_sec: null }, tags: [] },
    });
  }
}

/** The table row of a torrent, by name. */
export function row(page: Page, name: string) {
  return page.getByRole('row').filter({ has: page.getByRole('gridcell', { name, exact: true }) });
}

/** Reloads the page in `theme` and `language` (as the settings would leave them). */
export async function showIn(page: Page, theme: 'light' | 'dark', language: 'en' | 'de'): Promise<void> {
  await page.evaluate(
    ([t, l]) => {
      localStorage.setItem('bidswarm.theme', JSON.stringify(t));
      localStorage.setItem('bidswarm.language', JSON.stringify(l));
    },
    [theme, language] as const,
  );
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
}

/** The requests of these types the page sends from now on, in order, as it sends them. */
export function requestsSent(page: Page, types: readonly Request['type'][]): Request[] {
  const sent: Request[] = [];
  page.on('request', (r) => {
    if (!r.url().endsWith('/api/rpc')) return;
    const body = JSON.parse(r.postData() ?? '{}') as Request;
    if (types.includes(body.type)) sent.push(body);
  });
  return sent;
}

/** The surface dialogs and menus are painted with (`--surface`): the light theme's, then the dark one's. */
export const THEME_SURFACES = ['rgb(255, 255, 255)', 'rgb(27, 31, 38)'];

/**
 * Shows the page in German in the light, then the dark theme, and runs `look` in each;
 * its screenshots go to `out`. Resolves what `look` gave in each theme, in that order.
 */
export async function inGermanInBothThemes<T>(page: Page, look: (theme: 'light' | 'dark', out: string) => Promise<T>): Promise<T[]> {
  const out = join(repoRoot, 'target', 'ui-screenshots');
  mkdirSync(out, { recursive: true });
  const results: T[] = [];
  for (const theme of ['light', 'dark'] as const) {
    await showIn(page, theme, 'de');
    results.push(await look(theme, out));
  }
  return results;
}
