/**
 * The menu's category and tag changes: one request naming every torrent, through
 * `useOneRequest` (one toast, the list read back after), as the queue's moves go.
 */
import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import type { BulkTarget } from '../../lib/bulk';
import { useApp } from '../../state/app';
import { useOneRequest } from '../../state/bulk';

/** Puts the torrents in `category` (none for `null`); with `moveData`, their data goes to its folder. Resolves whether the core accepted it. */
export function useSetCategory() {
  const { call } = useApp();
  const oneRequest = useOneRequest();
  const { t } = useTranslation();
  return useCallback(
    (targets: readonly BulkTarget[], category: string | null, moveData: boolean) =>
      oneRequest('category', targets, (ids) => call({ type: 'set_torrent_category', ids, category, move_data: moveData }), {
        category: category ?? t('labels.noCategory'),
      }),
    [call, oneRequest, t],
  );
}

/** Gives the torrents `tags` (creating those that do not exist), or takes them off. */
export function useChangeTorrentTags() {
  const { call } = useApp();
  const oneRequest = useOneRequest();
  return useCallback(
    (targets: readonly BulkTarget[], change: 'add' | 'remove', tags: string[]) =>
      oneRequest(change === 'add' ? 'tagAdd' : 'tagRemove', targets, (ids) => call({ type: change === 'add' ? 'add_torrent_tags' : 'remove_torrent_tags', ids, tags }), {
        tags: tags.join(', '),
      }),
    [call, oneRequest],
  );
}
