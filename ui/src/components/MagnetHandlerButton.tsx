import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { toApiError } from '../transport';
import { useApp } from '../state/app';

/** Desktop only: "make Bidswarm the default for magnet links". Renders nothing in a browser. */
export function MagnetHandlerButton() {
  const { t } = useTranslation();
  const { transport, notify } = useApp();
  const [busy, setBusy] = useState(false);
  const register = transport.registerMagnetHandler;
  if (!register) return null;
  return (
    <div className="field">
      <button
        type="button"
        className="btn"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          register()
            .then((path) => notify('info', t('settings.magnetHandlerDone', { path })))
            .catch((e: unknown) => notify('error', toApiError(e).message))
            .finally(() => setBusy(false));
        }}
      >
        {t('settings.magnetHandler')}
      </button>
      <span className="hint">{t('settings.magnetHandlerHint')}</span>
    </div>
  );
}
