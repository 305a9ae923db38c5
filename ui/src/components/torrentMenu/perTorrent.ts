/**
 * Menu actions that send one request per torrent and need nothing more from the user:
 * Pause and Resume. The toolbar's buttons and Space use the same, so every way of pausing
 * reports a partial failure alike. (The queue's actions name every torrent in one
 * request instead: `useOneRequest` in `state/bulk`.)
 */
import { useCallback } from 'react';
import type { TorrentId, TorrentInfo } from '../../bindings';
import type { BulkKind, BulkTarget } from '../../lib/bulk';
import { useApp } from '../../state/app';
import { useBulk } from '../../state/bulk';
import type { Call } from '../../state/call';

export type PerTorrentAction = 'pause' | 'resume';

/** Each one's request, and the toasts (`bulk.<kind>`) that report it. */
export const PER_TORRENT: Record<PerTorrentAction, { kind: BulkKind; send: (call: Call, id: TorrentId) => Promise<TorrentInfo> }> = {
  pause: { kind: 'pause', send: async (call, id) => (await call({ type: 'pause', id })).torrent },
  resume: { kind: 'resume', send: async (call, id) => (await call({ type: 'resume', id })).torrent },
};

/** Runs `action` on `targets` and puts each torrent as the core answered into the store. */
export function useRunPerTorrent() {
  const { call, store } = useApp();
  const bulk = useBulk();
  return useCallback(
    (action: PerTorrentAction, targets: readonly BulkTarget[]) => {
      const spec = PER_TORRENT[action];
      return bulk(spec.kind, targets, (id) => spec.send(call, id), (_, torrent) => store.upsert(torrent));
    },
    [call, store, bulk],
  );
}
