/**
 * The wallet: its address (with a QR code), balances that each say how they are
 * computed, sending with a priced confirmation, history, lock and unlock, and the
 * recovery phrase behind the password. A new user lands in onboarding first.
 */
import * as Dialog from '@radix-ui/react-dialog';
import QRCode from 'qrcode';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, WalletBalances, WalletStatus, WalletTransfer } from '../bindings';
import { Field } from '../components/speed/fields';
import { formatBtt, formatTrx } from '../lib/amount';
import { formatDateTime } from '../lib/format';
import { useApp } from '../state/app';
import { useWalletBalances, useWalletHistory, useWalletStatus } from '../state/queries';
import { Onboarding } from './Onboarding';
import { SendForm } from './SendForm';
import { FormError } from '../components/FormError';

export function WalletPage() {
  const { t } = useTranslation();
  const status = useWalletStatus();
  const [onboarding, setOnboarding] = useState(false);
  const state = status.value?.state;
  useEffect(() => {
    if (state === 'none') setOnboarding(true);
  }, [state]);

  if (!status.value) {
    return (
      <div className="page" aria-busy="true">
        {status.error ? (
          <p className="form-error" role="alert">
            {status.error.message}
          </p>
        ) : (
          <p className="empty-note">{t('common.loading')}</p>
        )}
      </div>
    );
  }
  return (
    <div className="page wallet-page">
      <h1 className="page-title">{t('wallet.title')}</h1>
      {onboarding ? (
        <Onboarding
          onDone={() => {
            setOnboarding(false);
            status.refresh();
          }}
        />
      ) : (
        <WalletView status={status.value} onChanged={status.refresh} />
      )}
    </div>
  );
}

function WalletView({ status, onChanged }: { status: WalletStatus; onChanged: () => void }) {
  const { t } = useTranslation();
  const balances = useWalletBalances();
  const history = useWalletHistory();
  const offline = balances.value && !balances.value.online;
  return (
    <div className="wallet-grid">
      {offline ? (
        <div className="offline-banner" role="status" data-testid="wallet-offline">
          <strong>{t('wallet.offlineTitle', { network: t(`network.${status.network}`, { defaultValue: status.network }) })}</strong>{' '}
          {t('wallet.offlineText')} {balances.value?.offline_reason ? <span className="muted">({balances.value.offline_reason})</span> : null}
        </div>
      ) : null}
      <AddressCard status={status} onChanged={onChanged} />
      <BalancesCard balances={balances.value} error={balances.error} />
      <SendForm
        locked={status.state !== 'unlocked'}
        onSent={() => {
          balances.refresh();
          history.refresh();
        }}
      />
      <HistoryCard transfers={history.value?.transfers ?? null} online={history.value?.online ?? true} error={history.error} />
    </div>
  );
}

function AddressCard({ status, onChanged }: { status: WalletStatus; onChanged: () => void }) {
  const { t } = useTranslation();
  const { call, notify } = useApp();
  const [qr, setQr] = useState<string | null>(null);
  const [revealOpen, setRevealOpen] = useState(false);
  const [passwordOpen, setPasswordOpen] = useState(false);
  const address = status.address ?? '';
  useEffect(() => {
    if (!address) return;
    let live = true;
    QRCode.toDataURL(address, { margin: 1, width: 168, errorCorrectionLevel: 'M' })
      .then((url) => live && setQr(url))
      .catch(() => live && setQr(null));
    return () => {
      live = false;
    };
  }, [address]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(address);
      notify('info', t('wallet.copied'));
    } catch {
      notify('error', t('wallet.copyFailed'));
    }
  };
  const lock = async () => {
    try {
      await call({ type: 'lock_wallet' });
      onChanged();
    } catch (e) {
      notify('error', (e as ApiError).message);
    }
  };
  const unlocked = status.state === 'unlocked';
  return (
    <section className="card address-card" aria-labelledby="address-title">
      <h2 id="address-title">{t('wallet.address')}</h2>
      <div className="address-row">
        {qr ? <img className="qr" src={qr} alt={t('wallet.qrAlt')} width={168} height={168} /> : <div className="qr" />}
        <div className="address-body">
          <code className="address selectable" data-testid="wallet-address">
            {address}
          </code>
          <div className="address-actions">
            <button type="button" className="btn" onClick={() => void copy()}>
              {t('wallet.copy')}
            </button>
            <button type="button" className="btn" onClick={() => setRevealOpen(true)}>
              {t('wallet.reveal')}
            </button>
            <button type="button" className="btn" onClick={() => setPasswordOpen(true)}>
              {t('wallet.changePassword')}
            </button>
          </div>
          <dl className="facts">
            <dt>{t('wallet.network')}</dt>
            <dd data-testid="wallet-network">{t(`network.${status.network}`, { defaultValue: status.network })}</dd>
            <dt>{t('wallet.store')}</dt>
            <dd>{status.store ?? '—'}</dd>
            {status.store_note ? (
              <>
                <dt>{t('wallet.storeNote')}</dt>
                <dd className="muted">{status.store_note}</dd>
              </>
            ) : null}
            <dt>{t('wallet.state')}</dt>
            <dd>
              <span className={`badge ${unlocked ? 'badge-ok' : 'badge-muted'}`} data-testid="wallet-state">
                {t(unlocked ? 'wallet.unlocked' : 'wallet.locked')}
              </span>
              {unlocked && status.locks_in_secs !== null ? <span className="muted"> {t('wallet.locksIn', { minutes: Math.ceil(status.locks_in_secs / 60) })}</span> : null}
            </dd>
          </dl>
          {!unlocked && status.speed_signing ? (
            <p className="muted" role="status" data-testid="speed-signing">
              {t('wallet.speedSigning')}
            </p>
          ) : null}
          {unlocked ? (
            <button type="button" className="btn" onClick={() => void lock()}>
              {t('wallet.lock')}
            </button>
          ) : (
            <>
              <UnlockForm onUnlocked={onChanged} />
              {status.speed_signing ? (
                <button type="button" className="btn" onClick={() => void lock()}>
                  {t('wallet.stopSpeedSigning')}
                </button>
              ) : null}
            </>
          )}
        </div>
      </div>
      <RevealDialog open={revealOpen} onClose={() => setRevealOpen(false)} />
      <PasswordDialog open={passwordOpen} onClose={() => setPasswordOpen(false)} />
    </section>
  );
}

function UnlockForm({ onUnlocked }: { onUnlocked: () => void }) {
  const { t } = useTranslation();
  const { call } = useApp();
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await call({ type: 'unlock_wallet', password });
      onUnlocked();
    } catch (err) {
      const api = err as ApiError;
      setError(api.kind === 'wrong_password' ? t('wallet.wrongPassword') : api.message);
    } finally {
      setBusy(false);
      setPassword('');
    }
  };
  return (
    <form className="unlock-form" onSubmit={(e) => void submit(e)}>
      <Field label={t('wallet.password')} error={error}>
        <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" />
      </Field>
      <button type="submit" className="btn primary" disabled={busy || password === ''}>
        {t('wallet.unlock')}
      </button>
    </form>
  );
}

function RevealDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const { call } = useApp();
  const [password, setPassword] = useState('');
  const [words, setWords] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const close = () => {
    setWords(null);
    setPassword('');
    setError(null);
    onClose();
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const r = await call({ type: 'reveal_mnemonic', password });
      setWords(r.words.split(' '));
    } catch (err) {
      const api = err as ApiError;
      setError(api.kind === 'wrong_password' ? t('wallet.wrongPassword') : api.message);
    } finally {
      setPassword('');
    }
  };
  return (
    <Dialog.Root open={open} onOpenChange={(o) => !o && close()}>
      <Dialog.Portal>
        <Dialog.Overlay className="dialog-overlay" />
        <Dialog.Content className="dialog" aria-describedby={undefined}>
          <Dialog.Title className="dialog-title">{t('wallet.revealTitle')}</Dialog.Title>
          {words ? (
            <>
              <p className="warning">{t('onboard.backupWarning')}</p>
              <ol className="mnemonic">
                {words.map((w, i) => (
                  <li key={i}>
                    <span className="mnemonic-word">{w}</span>
                  </li>
                ))}
              </ol>
            </>
          ) : (
            <form id="reveal-form" onSubmit={(e) => void submit(e)}>
              <p>{t('wallet.revealText')}</p>
              <Field label={t('wallet.password')} error={error}>
                <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" autoFocus />
              </Field>
            </form>
          )}
          <div className="dialog-actions">
            <span className="spacer" />
            <button type="button" className="btn" onClick={close}>
              {t('common.close')}
            </button>
            {words ? null : (
              <button type="submit" form="reveal-form" className="btn primary" disabled={password === ''}>
                {t('wallet.revealButton')}
              </button>
            )}
          </div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

/** A new password for the sealed wallet; the old one is checked by the core. */
function PasswordDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const { call, notify } = useApp();
  const [old, setOld] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const close = () => {
    setOld('');
    setNext('');
    setRepeat('');
    setError(null);
    onClose();
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (next.length < 8) {
      setError(t('onboard.passwordShort', { min: 8 }));
      return;
    }
    if (next !== repeat) {
      setError(t('onboard.passwordMismatch'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await call({ type: 'change_wallet_password', old, new: next });
      notify('info', t('wallet.passwordChanged'));
      close();
    } catch (err) {
      const api = err as ApiError;
      setError(api.kind === 'wrong_password' ? t('wallet.wrongOldPassword') : api.message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog.Root open={open} onOpenChange={(o) => !o && close()}>
      <Dialog.Portal>
        <Dialog.Overlay className="dialog-overlay" />
        <Dialog.Content className="dialog" aria-describedby={undefined}>
          <Dialog.Title className="dialog-title">{t('wallet.changePassword')}</Dialog.Title>
          <form id="password-form" onSubmit={(e) => void submit(e)}>
            <Field label={t('wallet.oldPassword')}>
              <input type="password" value={old} onChange={(e) => setOld(e.target.value)} autoComplete="current-password" autoFocus />
            </Field>
            <Field label={t('wallet.newPassword')}>
              <input type="password" value={next} onChange={(e) => setNext(e.target.value)} autoComplete="new-password" />
            </Field>
            <Field label={t('onboard.repeat')}>
              <input type="password" value={repeat} onChange={(e) => setRepeat(e.target.value)} autoComplete="new-password" />
            </Field>
          </form>
          <FormError message={error} />
          <div className="dialog-actions">
            <span className="spacer" />
            <button type="button" className="btn" onClick={close}>
              {t('common.cancel')}
            </button>
            <button type="submit" form="password-form" className="btn primary" disabled={busy || old === '' || next === ''}>
              {t('wallet.changePasswordButton')}
            </button>
          </div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

function BalancesCard({ balances, error }: { balances: WalletBalances | null; error: ApiError | null }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const rows: { key: string; value: string }[] = balances
    ? [
        { key: 'trx', value: balances.trx_sun === null ? t('wallet.unknownOffline') : formatTrx(balances.trx_sun, locale) },
        { key: 'btt', value: balances.btt_onchain === null ? t('wallet.unknownOffline') : formatBtt(balances.btt_onchain, locale) },
        { key: 'spendable', value: formatBtt(balances.spendable, locale) },
        { key: 'committed', value: formatBtt(balances.committed, locale) },
        { key: 'earnedPending', value: formatBtt(balances.earned_pending, locale) },
        { key: 'earnedSettled', value: formatBtt(balances.earned_settled, locale) },
      ]
    : [];
  return (
    <section className="card balances-card" aria-labelledby="balances-title">
      <h2 id="balances-title">{t('wallet.balances')}</h2>
      <FormError message={error?.message} />
      {!balances && !error ? <p className="empty-note">{t('common.loading')}</p> : null}
      <dl className="balances">
        {rows.map((r) => (
          <div className="balance" key={r.key} title={t(`wallet.how.${r.key}`)} data-testid={`balance-${r.key}`}>
            <dt>
              {t(`wallet.balance.${r.key}`)}{' '}
              <span className="info" tabIndex={0} role="img" aria-label={t(`wallet.how.${r.key}`)}>
                {'?'}
              </span>
            </dt>
            <dd className="amount">{r.value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function HistoryCard({ transfers, online, error }: { transfers: WalletTransfer[] | null; online: boolean; error: ApiError | null }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  return (
    <section className="card history-card" aria-labelledby="history-title">
      <h2 id="history-title">{t('wallet.history')}</h2>
      {!online ? <p className="hint">{t('wallet.historyOffline')}</p> : null}
      <FormError message={error?.message} />
      {transfers && transfers.length === 0 ? <p className="empty-note">{t('wallet.historyEmpty')}</p> : null}
      {transfers && transfers.length > 0 ? (
        <div className="table-scroll">
          <table className="peers-table" data-testid="wallet-history">
            <thead>
              <tr>
                <th scope="col">{t('wallet.when')}</th>
                <th scope="col">{t('wallet.direction')}</th>
                <th scope="col" className="num">{t('wallet.amount')}</th>
                <th scope="col">{t('wallet.counterparty')}</th>
                <th scope="col">{t('wallet.source')}</th>
                <th scope="col">{t('wallet.txid')}</th>
              </tr>
            </thead>
            <tbody>
              {transfers.map((x) => (
                <tr key={`${x.txid}-${x.direction}-${x.asset}`}>
                  <td>{formatDateTime(Math.floor(x.at_ms / 1000), locale)}</td>
                  <td>{t(`wallet.dir.${x.direction}`)}</td>
                  <td className="num">{x.asset === 'btt' ? formatBtt(x.amount, locale) : formatTrx(x.amount, locale)}</td>
                  <td className="mono">{x.counterparty ?? '—'}</td>
                  <td>{[x.on_chain ? t('wallet.onChain') : null, x.in_ledger ? t('wallet.inLedger') : null].filter(Boolean).join(' · ')}</td>
                  <td className="mono ellipsis" title={x.txid}>
                    {x.txid}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
