/**
 * Harness for the wallet and bid-for-speed specs: a local TRON devnet (`bidswarm-cli
 * devnet`) with its faucet, and a second `bidswarm-cli serve` that sells upload speed
 * (the seeder, with its own UI). Everything listens on 127.0.0.1; every wait has a
 * deadline. No key material is printed: the seeder's key goes straight to its API.
 */
import { type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Request, Response, Settings } from '../src/bindings';
import { expect, repoRoot, startAndWaitFor, stop, test as base, type MadeTorrent } from './fixtures';

const ui = join(repoRoot, 'ui', 'dist');

/** `startAndWaitFor` with a log of its own. */
function start(args: string[], pattern: RegExp, deadlineMs: number) {
  return startAndWaitFor(args, pattern, deadlineMs, []);
}

export interface Devnet {
  url: string;
  /** Credits an address from the devnet's faucet (TRX in sun, BTT in base units). */
  faucet(address: string, trxSun: number, btt: string): Promise<void>;
}

export interface Seller {
  url: string;
  loginUrl: string;
  /** host:port where it accepts peers. */
  peerListen: string;
  address: string;
  rpc(request: Request): Promise<Response>;
  /** Seeds a made torrent from its data; returns a magnet that names this seller as a peer. */
  seed(made: MadeTorrent): Promise<string>;
}

export const BTT = 10n ** 18n;

async function rpcAt(url: string, token: string, request: Request): Promise<Response> {
  const reply = await fetch(`${url}/api/rpc`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(request),
    signal: AbortSignal.timeout(60_000),
  });
  const body = (await reply.json()) as Response;
  // The request type only: a request may carry a password or key.
  if (!reply.ok) throw new Error(`${request.type}: ${JSON.stringify(body)}`);
  return body;
}

export async function settingsOf(rpc: (r: Request) => Promise<Response>): Promise<Settings> {
  const r = await rpc({ type: 'get_settings' });
  if (r.type !== 'settings') throw new Error(`get_settings answered ${r.type}`);
  return r.settings;
}

export const test = base.extend<{ devnet: Devnet; seller: (opts: { askBtt: string; uploadBytesPerSec: number | null }) => Promise<Seller> }>({
  devnet: async ({ tmp }, use) => {
    const { child, match } = await start(['devnet', '--listen', '127.0.0.1:0', '--block-ms', '100', '--db', join(tmp, 'chain.sqlite')], /url: (http:\/\/127\.0\.0\.1:\d+)\n/, 30_000);
    const url = match[1]!;
    await use({
      url,
      async faucet(address, trxSun, btt) {
        const reply = await fetch(`${url}/devnet/faucet`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ address, trx_sun: trxSun, btt }),
          signal: AbortSignal.timeout(20_000),
        });
        expect(reply.ok, `faucet answered ${reply.status}`).toBe(true);
      },
    });
    await stop(child);
  },

  seller: async ({ tmp, devnet }, use) => {
    const children: ChildProcess[] = [];
    await use(async ({ askBtt, uploadBytesPerSec }) => {
      const dataDir = join(tmp, `seller-${children.length}`);
      const { child, match } = await start(
        ['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--peer-listen', '127.0.0.1:0', '--no-dht', '--ui-dir', ui, '--allow-path', tmp],
        /url: (http:\/\/127\.0\.0\.1:\d+)\n[\s\S]*?token_file: (.+)\n[\s\S]*?peer_listen: (\S+)\n/,
        60_000,
      );
      children.push(child);
      const url = match[1]!;
      const token = readFileSync(match[2]!.trim(), 'utf8').trim();
      const rpc = (r: Request) => rpcAt(url, token, r);
      const settings = await settingsOf(rpc);
      await rpc({
        type: 'update_settings',
        settings: {
          ...settings,
          network: { kind: 'local', url: devnet.url },
          limits: { ...settings.limits, upload_bytes_per_sec: uploadBytesPerSec },
          speed: { ...settings.speed, earning_enabled: true, ask_per_gib: askBtt },
        },
      });
      const imported = await rpc({ type: 'import_wallet', mnemonic: null, private_key: randomBytes(32).toString('hex'), passphrase: null, password: 'seller-password', store: 'file' });
      if (imported.type !== 'wallet_status' || !imported.status.address) throw new Error('the seller has no wallet');
      const address = imported.status.address;
      return {
        url,
        loginUrl: `${url}/#token=${token}`,
        peerListen: match[3]!,
        address,
        rpc,
        async seed(made) {
          await rpc({
            type: 'add_torrent',
            source: { kind: 'torrent_base64', value: readFileSync(made.torrentPath).toString('base64') },
            options: { paused: false, files: null, output_folder: made.dataDir, peers: [], limits: { download_bytes_per_sec: null, upload_bytes_per_sec: null }, tags: [] },
          });
          await expect
            .poll(async () => {
              const r = await rpc({ type: 'get_torrent', id: made.infoHash });
              return r.type === 'torrent' ? r.torrent.state : null;
            }, { timeout: 30_000 })
            .toBe('seeding');
          return `${made.magnet}&x.pe=${match[3]!}`;
        },
      };
    });
    for (const child of children) await stop(child);
  },
});

export { expect };
