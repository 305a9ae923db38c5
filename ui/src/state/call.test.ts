import { describe, expect, it } from 'vitest';
import type { ApiError, Request, Response } from '../bindings';
import { callOver } from './call';

// A core that answers whatever it is told to: the faults here (a core from another API
// version, a transport that throws) cannot be caused with the real server.
const answering = (response: Response) => callOver(async () => response);
const failing = (thrown: unknown) =>
  callOver(async () => {
    throw thrown;
  });

const noBids: Response = { type: 'bids', bids: [] };

describe('call', () => {
  it('resolves the answer when its type is the one the request is answered with', async () => {
    const answer = await answering(noBids)({ type: 'list_bids' });
    expect(answer.bids).toEqual([]);
  });

  it('rejects an answer of another type as internal, naming the request and the answer', async () => {
    const sent: Request = { type: 'list_bids' };
    const error = (await answering({ type: 'torrents', torrents: [] })(sent).catch((e: unknown) => e)) as ApiError;
    expect(error.kind).toBe('internal');
    expect(error.message).toContain('list_bids');
    expect(error.message).toContain('torrents');
  });

  it('rejects `ok` for a request that expects a torrent, though `ok` answers others', async () => {
    await expect(answering({ type: 'ok' })({ type: 'pause', id: 'a'.repeat(40) })).rejects.toMatchObject({ kind: 'internal' });
    await expect(answering({ type: 'ok' })({ type: 'pause_all' })).resolves.toEqual({ type: 'ok' });
  });

  it("passes the core's ApiError through unchanged", async () => {
    const locked: ApiError = { kind: 'wallet_locked', message: 'unlock the wallet first' };
    await expect(failing(locked)({ type: 'wallet_balances' })).rejects.toEqual(locked);
  });

  it('turns anything else a transport throws into an internal ApiError', async () => {
    await expect(failing(new TypeError('Failed to fetch'))({ type: 'session_stats' })).rejects.toEqual({ kind: 'internal', message: 'Failed to fetch' });
  });
});
