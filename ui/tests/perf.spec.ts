/**
 * 1,000 real small torrents in the engine, seeded from local data, so every one of them
 * sends a progress event each second. They are spread over 10 categories and 20 tags (two
 * tags each), as issue 18's benchmark asks, so the sidebar's counts are part of each update. With them loaded the table stays live (updates keep
 * coming) and all of them come back after an engine restart. What one update costs (a
 * second's worth of events, applied and rendered, from the store's performance marks) and
 * how long the restore takes go to target/ui-perf.json.
 *
 * The 16 ms goal is checked only under `make bench` (BIDSWARM_UI_PERF_BUDGET=1): a timing
 * on a shared 2-core machine is a benchmark, and must not fail `make test` on a busy day.
 * BIDSWARM_UI_PERF_TORRENTS changes the count (0 skips the test).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, expect, repoRoot, test } from './fixtures';

const COUNT = Number(process.env.BIDSWARM_UI_PERF_TORRENTS ?? 1000);
const BUDGET_MS = 16;
const BUDGET_ENFORCED = process.env.BIDSWARM_UI_PERF_BUDGET === '1';
// One add at a time: concurrent adds of different torrents made the core answer
// `already_exists` for one of them (reported to the core's owner).
const ADD_CONCURRENCY = 1;

test('with 1,000 torrents the table stays live and all come back after a restart', async ({ page, server, tmp }) => {
  test.skip(COUNT === 0, 'BIDSWARM_UI_PERF_TORRENTS=0');
  test.setTimeout(600_000);
  const dataDir = join(tmp, 'many');
  const torrentDir = join(tmp, 'many-torrents');
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(torrentDir, { recursive: true });

  const createStarted = Date.now();
  for (let i = 0; i < COUNT; i += 1) {
    const name = `tiny-${String(i).padStart(4, '0')}.bin`;
    writeFileSync(join(dataDir, name), Buffer.from(`${name} `.repeat(200 + (i % 50))));
    const made = spawnSync(cli, ['create-torrent', join(dataDir, name), '-o', join(torrentDir, `${name}.torrent`), '--data-dir', join(tmp, 'creator')], {
      timeout: 30_000,
    });
    if (made.status !== 0) throw new Error(`create-torrent ${name}: ${made.stderr}`);
  }
  const createMs = Date.now() - createStarted;

  const CATEGORIES = 10;
  const TAGS = 20;
  for (let c = 0; c < CATEGORIES; c += 1) {
    const made = await server.rpc({ type: 'set_category', name: `category-${c}`, save_path: null, bandwidth_priority: 'normal' });
    if (made.type !== 'labels') throw new Error(`set_category: ${JSON.stringify(made)}`);
  }
  const categoryOf = (i: number) => `category-${i % CATEGORIES}`;
  const tagsOf = (i: number) => [`tag-${String(i % TAGS).padStart(2, '0')}`, `tag-${String((i + 7) % TAGS).padStart(2, '0')}`].sort();

  const addStarted = Date.now();
  const names = Array.from({ length: COUNT }, (_, i) => `tiny-${String(i).padStart(4, '0')}.bin`);
  for (let i = 0; i < names.length; i += ADD_CONCURRENCY) {
    await Promise.all(
      names.slice(i, i + ADD_CONCURRENCY).map((name, k) =>
        server.rpc({
          type: 'add_torrent',
          source: { kind: 'torrent_base64', value: readFileSync(join(torrentDir, `${name}.torrent`)).toString('base64') },
          options: {
            paused: false,
            files: null,
            output_folder: dataDir,
            peers: [],
            limits: { download_bytes_per_sec: null, upload_bytes_per_sec: null },
            category: categoryOf(i + k),
            tags: tagsOf(i + k),
          },
        }),
      ),
    );
  }
  const addMs = Date.now() - addStarted;

  // All of them seeding (their data checked) before measuring.
  await expect
    .poll(
      async () => {
        const r = await server.rpc({ type: 'list_torrents' });
        return r.type === 'torrents' ? r.torrents.filter((t) => t.state === 'seeding').length : -1;
      },
      { timeout: 300_000, intervals: [2000] },
    )
    .toBe(COUNT);

  await page.goto(server.loginUrl);
  await expect(page.getByRole('button', { name: /^All/ })).toContainText(String(COUNT), { timeout: 60_000 });
  // Let the first full render and list settle, then measure ten seconds of live updates.
  await page.waitForTimeout(3000);
  await page.evaluate(() => performance.clearMeasures('bidswarm:update'));
  const measuredFrom = Date.now();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const scriptSeconds = async () =>
    ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ScriptDuration')?.value ?? 0);
  const updateDurations = () => page.evaluate(() => performance.getEntriesByName('bidswarm:update').map((e) => e.duration));
  const scriptBefore = await scriptSeconds();
  await page.waitForTimeout(10_000);
  const scriptAfter = await scriptSeconds();
  const inWindow = await updateDurations();
  // Live: updates keep coming. A busy 2-core machine may render fewer than five in the
  // window, so this waits for five (up to a minute in all) instead of failing on a count
  // that measures the machine, not the table.
  await expect
    .poll(async () => (await updateDurations()).length, { message: 'updates measured', timeout: Math.max(1000, 60_000 - (Date.now() - measuredFrom)) })
    .toBeGreaterThanOrEqual(5);
  // The figures are the ten seconds' window; only when it saw too few does the wait fill in.
  const updates = inWindow.length >= 5 ? inWindow : await updateDurations();
  const sorted = [...updates].sort((a, b) => a - b);
  const mean = updates.reduce((a, b) => a + b, 0) / updates.length;
  const p95 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]!;

  // The page would lose its server; leave it first.
  await page.goto('about:blank');
  const restoreMs = await server.restart();
  const listedStarted = Date.now();
  await expect
    .poll(async () => {
      const r = await server.rpc({ type: 'list_torrents' });
      return r.type === 'torrents' ? r.torrents.length : -1;
    }, { timeout: 120_000 })
    .toBe(COUNT);
  const restoredMs = restoreMs + (Date.now() - listedStarted);
  // Every torrent kept its category and tags across the restart.
  const restored = await server.rpc({ type: 'list_torrents' });
  if (restored.type !== 'torrents') throw new Error('list_torrents');
  const wrong = restored.torrents.filter((t) => {
    const i = Number(/tiny-(\d+)/.exec(t.name ?? '')?.[1] ?? -1);
    return t.category !== categoryOf(i) || t.tags.join(',') !== tagsOf(i).join(',');
  });
  expect(wrong.map((t) => t.name), 'torrents whose labels did not survive the restart').toEqual([]);

  const figures = {
    torrents: COUNT,
    categories: CATEGORIES,
    tags: TAGS,
    create_torrents_ms: createMs,
    add_via_api_ms: addMs,
    updates_measured: updates.length,
    update_ms_mean: Number(mean.toFixed(2)),
    update_ms_p95: Number(p95.toFixed(2)),
    update_ms_max: Number(sorted[sorted.length - 1]!.toFixed(2)),
    page_scripting_ms_per_second: Number((((scriptAfter - scriptBefore) * 1000) / 10).toFixed(2)),
    engine_restart_until_listed_ms: restoredMs,
  };
  console.log(`ui perf: ${JSON.stringify(figures)}`);
  mkdirSync(join(repoRoot, 'target'), { recursive: true });
  writeFileSync(join(repoRoot, 'target', 'ui-perf.json'), `${JSON.stringify(figures, null, 2)}\n`);
  if (BUDGET_ENFORCED) expect(mean, 'mean scripting per update (ms)').toBeLessThan(BUDGET_MS);
});
