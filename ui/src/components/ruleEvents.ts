/**
 * What the core does on its own, told to the user: the schedule switching the
 * alternative speed limits (the status bar follows), a torrent stopped at a seeding
 * limit, a file in the watched folder that could not be added, and a move of a torrent's
 * data that failed in the background (the torrent is back where it was). A torrent the
 * watched folder did add needs no toast: it appears in the list.
 */
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { bulkTarget } from '../lib/bulk';
import { reachedNotice } from '../lib/seedingLimits';
import { watchedFailedNotice } from '../lib/watchedFolder';
import { useApp } from '../state/app';

export function useRuleEvents() {
  const { t } = useTranslation();
  const { transport, call, settings, store, notify } = useApp();
  useEffect(
    () =>
      transport.subscribe((e) => {
        if (e.type === 'alt_limits_scheduled') {
          notify('info', t(e.enabled ? 'status.scheduledOn' : 'status.scheduledOff'));
          void settings.load(call);
        } else if (e.type === 'seeding_limit_reached') {
          const notice = reachedNotice(e);
          notify('info', t(`seeding.${notice.key}`, { name: notice.name, limit: t(`seeding.${notice.limitKey}`) }));
        } else if (e.type === 'watched_file_failed') {
          notify('error', t('watched.failed', watchedFailedNotice(e)));
        } else if (e.type === 'move_failed') {
          notify('error', t('location.failed', { name: bulkTarget(e.id, store.get(e.id)).name, message: e.error.message }));
        }
      }),
    [transport, call, settings, store, notify, t],
  );
}
