/**
 * What the core's rules do on their own, told to the user: the schedule switching the
 * alternative speed limits (the status bar follows) and a torrent stopped at a seeding
 * limit.
 */
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { reachedNotice } from '../lib/seedingLimits';
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
        }
      }),
    [transport, call, settings, notify, t],
  );
}
