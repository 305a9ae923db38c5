/**
 * What the core's rules do on their own, told to the user: the schedule switching the
 * alternative speed limits (the status bar follows), a torrent stopped at a seeding
 * limit, and a file in the watched folder that could not be added. A torrent the
 * watched folder did add needs no toast: it appears in the list.
 */
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { reachedNotice } from '../lib/seedingLimits';
import { watchedFailedNotice } from '../lib/watchedFolder';
import { useApp } from '../state/app';

export function useRuleEvents() {
  const { t } = useTranslation();
  const { transport, call, settings, notify } = useApp();
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
        }
      }),
    [transport, call, settings, notify, t],
  );
}
