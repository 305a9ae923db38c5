import { describe, expect, it } from 'vitest';
import type { Response, Settings } from '../bindings';
import { QUEUE_DEFAULTS } from '../test/queueSettings';
import { speedSettings } from '../test/speedSettings';
import { callOver } from './call';
import { SettingsMirror } from './settings';

/** `Settings::default()` in `crates/api/src/torrent.rs`, with `overrides` on top. */
function settings(overrides: Partial<Settings> = {}): Settings {
  return {
    download_folder: '',
    listen_port: 0,
    dht: true,
    local_service_discovery: true,
    upnp: false,
    limits: { download_bytes_per_sec: null, upload_bytes_per_sec: null },
    alt_limits: { download_bytes_per_sec: null, upload_bytes_per_sec: null },
    alt_limits_enabled: false,
    alt_schedule: { enabled: false, from_minute: 480, to_minute: 1200, days: 'every' },
    seeding_limits: { ratio: null, seeding_minutes: null, inactive_minutes: null, action: 'pause' },
    queue: QUEUE_DEFAULTS,
    watched_folder: null,
    watched_folder_category: null,
    max_connections: 500,
    max_connections_per_torrent: 100,
    max_connections_per_ip: 8,
    blocklist_path: null,
    notify_on_complete: true,
    start_at_login: false,
    close_to_tray: true,
    speed: speedSettings(),
    network: { kind: 'mainnet' },
    encryption: 'prefer',
    ...overrides,
  };
}

/** A core that answers `get_settings` when the test says so. */
function slowCore() {
  const pending: ((r: Response) => void)[] = [];
  const call = callOver(() => new Promise<Response>((ok) => pending.push(ok)));
  const answer = (s: Settings) => pending.shift()?.({ type: 'settings', settings: s, restart_required: false });
  return { call, answer };
}

describe('SettingsMirror', () => {
  it('tells its listeners about new settings', async () => {
    const mirror = new SettingsMirror();
    const { call, answer } = slowCore();
    let told = 0;
    mirror.subscribe(() => (told += 1));
    expect(mirror.get()).toBeNull();
    const loading = mirror.load(call);
    answer(settings({ alt_limits_enabled: true }));
    await loading;
    expect(mirror.get()?.alt_limits_enabled).toBe(true);
    expect(told).toBe(1);
  });

  it('never lets an older answer replace a newer one', async () => {
    const mirror = new SettingsMirror();
    const { call, answer } = slowCore();
    const loading = mirror.load(call);
    // The turtle's answer arrives first; the load was asked before it.
    mirror.set(settings({ alt_limits_enabled: true }));
    answer(settings({ alt_limits_enabled: false }));
    await loading;
    expect(mirror.get()?.alt_limits_enabled).toBe(true);
  });

  it('keeps the turtle as last known when a form saves settings it read earlier', () => {
    const mirror = new SettingsMirror();
    const readEarlier = settings({ alt_limits_enabled: false, listen_port: 6881 });
    expect(mirror.withLive(readEarlier)).toEqual(readEarlier);
    mirror.set(settings({ alt_limits_enabled: true }));
    expect(mirror.withLive(readEarlier)).toEqual({ ...readEarlier, alt_limits_enabled: true });
  });
});
