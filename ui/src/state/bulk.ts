import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import type { TorrentId } from '../bindings';
import { oneRequestToast, bulkOutcome, bulkToast, type BulkKind, type BulkOutcome, type BulkTarget } from '../lib/bulk';
import { useApp } from './app';

/**
 * Sends one request per torrent, all at once, and reports in one toast (`bulkToast`):
 * a failure always, naming which torrents failed and why, so a bulk action never hides
 * that it only half worked. `onDone` gets each answer that came back.
 */
export function useBulk() {
  const { notify } = useApp();
  const { t } = useTranslation();
  return useCallback(
    async <A,>(kind: BulkKind, targets: readonly BulkTarget[], send: (id: TorrentId) => Promise<A>, onDone?: (id: TorrentId, answer: A) => void): Promise<BulkOutcome> => {
      const results = await Promise.allSettled(targets.map((x) => send(x.id)));
      results.forEach((r, i) => {
        const target = targets[i];
        if (r.status === 'fulfilled' && target) onDone?.(target.id, r.value);
      });
      const outcome = bulkOutcome(targets, results);
      const toast = bulkToast(kind, targets, outcome);
      if (toast) {
        const more = toast.failures && toast.failures.more > 0 ? ` ${t('bulk.more', { count: toast.failures.more })}` : '';
        notify(toast.kind, t(toast.key, { ...toast.values, failures: toast.failures ? toast.failures.text + more : '' }));
      }
      return outcome;
    },
    [notify, t],
  );
}

/**
 * Sends one request naming every target (`move_in_queue`, `set_force_start`,
 * `set_bandwidth_priority`) and reports a failure, or an announced success, in one toast
 * (`oneRequestToast`); `values` go into it beside the count and name. Then it reads the
 * list back, failure or not: the answer is only "ok", a queue move shifts other torrents'
 * places too, and a refusal may come after the core changed the torrents named before
 * the one it refused. Resolves whether the core accepted it.
 */
export function useOneRequest() {
  const { notify } = useApp();
  const readList = useReadList();
  const { t } = useTranslation();
  return useCallback(
    async (kind: BulkKind, targets: readonly BulkTarget[], send: (ids: TorrentId[]) => Promise<unknown>, values: Record<string, string> = {}): Promise<boolean> => {
      let result: PromiseSettledResult<unknown>;
      try {
        result = { status: 'fulfilled', value: await send(targets.map((x) => x.id)) };
      } catch (reason) {
        result = { status: 'rejected', reason };
      }
      await readList();
      const toast = oneRequestToast(kind, targets, result);
      if (toast) notify(toast.kind, t(toast.key, { ...toast.values, ...values }));
      return result.status === 'fulfilled';
    },
    [readList, notify, t],
  );
}

/**
 * Reads the torrent list again, for a change the core answers with a bare "ok" (or that
 * touches torrents it does not name, as renaming a category does).
 */
export function useReadList() {
  const { call, store } = useApp();
  return useCallback(async () => {
    try {
      store.replaceAll((await call({ type: 'list_torrents' })).torrents);
    } catch {
      // Offline: the list is read again on reconnect.
    }
  }, [call, store]);
}
