/**
 * Keeps the labels mirror (`state/labels`) current, and changes the labels. A change
 * renames or removes a category or tag on torrents too, and the core reports no event
 * for a paused torrent, so whenever the labels change the list is read again.
 */
import { useCallback, useEffect } from 'react';
import type { Labels, Request } from '../bindings';
import { useApp, useConnectionState } from './app';
import { useReadList } from './bulk';

/** The requests that change the labels; each is answered with all of them. */
export type LabelRequest = Extract<Request, { type: 'set_category' | 'rename_category' | 'remove_categories' | 'create_tags' | 'rename_tag' | 'remove_tags' }>;

/** Loads the labels at start and on every reconnect; takes them from other UIs' changes. Used once, in `Shell`. */
export function useLabelsSync() {
  const { transport, call, labels } = useApp();
  const connection = useConnectionState();
  const readList = useReadList();
  useEffect(() => {
    if (connection === 'connected' || connection === 'connecting') void labels.load(call);
  }, [call, labels, connection]);
  useEffect(
    () =>
      transport.subscribe((e) => {
        if (e.type === 'labels_changed' && labels.set(e.labels)) void readList();
      }),
    [transport, labels, readList],
  );
}

/** Sends a label request; resolves the labels after it, rejects with the core's `ApiError`. */
export function useChangeLabels() {
  const { call, labels } = useApp();
  const readList = useReadList();
  return useCallback(
    async (request: LabelRequest): Promise<Labels> => {
      const answer = (await call(request)).labels;
      if (labels.set(answer)) await readList();
      return answer;
    },
    [call, labels, readList],
  );
}
