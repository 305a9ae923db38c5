/**
 * First run of the wallet: create (show the words, then ask for three of them back) or
 * import (a recovery phrase or a private key); where the sealed secret lives; which
 * network. The words are held in this component's state only, and dropped when it ends.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, SecretStoreKind, Settings } from '../bindings';
import { Field, NetworkFields, networkDraft, networkFromDraft, type NetworkDraft } from '../components/speed/fields';
import { useApp } from '../state/app';
import { FormError } from '../components/FormError';

type Mode = 'create' | 'import';
type ImportKind = 'mnemonic' | 'private_key';

type Step = { kind: 'form' } | { kind: 'words'; words: string[] } | { kind: 'confirm'; words: string[]; picks: number[] };

const MIN_PASSWORD = 8;

/** Three distinct word positions, in order, for the backup check. */
export function pickPositions(count: number, random: () => number = Math.random): number[] {
  const picks = new Set<number>();
  while (picks.size < Math.min(3, count)) picks.add(Math.floor(random() * count));
  return [...picks].sort((a, b) => a - b);
}

export function Onboarding({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const { call, notify, settings: mirror } = useApp();
  const [step, setStep] = useState<Step>({ kind: 'form' });
  const [mode, setMode] = useState<Mode>('create');
  const [importKind, setImportKind] = useState<ImportKind>('mnemonic');
  const [secret, setSecret] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [words, setWords] = useState<12 | 24>(12);
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [store, setStore] = useState<SecretStoreKind>('keyring');
  const [settings, setSettings] = useState<Settings | null>(null);
  const [network, setNetwork] = useState<NetworkDraft>({ kind: 'mainnet', url: '', apiKey: '' });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [answers, setAnswers] = useState<string[]>([]);

  useEffect(() => {
    call({ type: 'get_settings' })
      .then((r) => {
        setSettings(r.settings);
        setNetwork(networkDraft(r.settings.network));
      })
      .catch((e: ApiError) => setError(e.message));
  }, [call]);

  const passwordError = password.length > 0 && password.length < MIN_PASSWORD ? t('onboard.passwordShort', { min: MIN_PASSWORD }) : null;
  const repeatError = repeat.length > 0 && repeat !== password ? t('onboard.passwordMismatch') : null;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (password.length < MIN_PASSWORD || repeat !== password) {
      setError(passwordError ?? repeatError ?? t('onboard.passwordShort', { min: MIN_PASSWORD }));
      return;
    }
    if (mode === 'import' && secret.trim() === '') {
      setError(t(importKind === 'mnemonic' ? 'onboard.phraseRequired' : 'onboard.keyRequired'));
      return;
    }
    const chosen = networkFromDraft(network);
    if (!chosen || !settings) {
      setError(t('network.urlRequired'));
      return;
    }
    setBusy(true);
    try {
      if (JSON.stringify(chosen) !== JSON.stringify(settings.network)) {
        const r = await call({ type: 'update_settings', settings: mirror.withLive({ ...settings, network: chosen }) });
        mirror.set(r.settings);
        setSettings(r.settings);
      }
      const extra = passphrase ? passphrase : null;
      if (mode === 'create') {
        await call({ type: 'create_wallet', words, password, passphrase: extra, store });
        const r = await call({ type: 'reveal_mnemonic', password });
        setStep({ kind: 'words', words: r.words.split(' ') });
      } else {
        await call({
          type: 'import_wallet',
          mnemonic: importKind === 'mnemonic' ? secret.trim().toLowerCase().split(/\s+/).join(' ') : null,
          private_key: importKind === 'private_key' ? secret.trim().replace(/^0x/, '') : null,
          passphrase: importKind === 'mnemonic' ? extra : null,
          password,
          store,
        });
        setSecret('');
        notify('info', t('onboard.imported'));
        onDone();
      }
    } catch (err) {
      setError((err as ApiError).message);
    } finally {
      setBusy(false);
      setPassword('');
      setRepeat('');
    }
  }

  if (step.kind === 'words') {
    return (
      <section className="card onboarding" aria-labelledby="backup-title">
        <h2 id="backup-title">{t('onboard.backupTitle')}</h2>
        <p>{t('onboard.backupText')}</p>
        <ol className="mnemonic" data-testid="mnemonic">
          {step.words.map((w, i) => (
            <li key={i}>
              <span className="mnemonic-word">{w}</span>
            </li>
          ))}
        </ol>
        <p className="warning">{t('onboard.backupWarning')}</p>
        <div className="dialog-actions">
          <span className="spacer" />
          <button
            type="button"
            className="btn primary"
            onClick={() => {
              const picks = pickPositions(step.words.length);
              setAnswers(picks.map(() => ''));
              setStep({ kind: 'confirm', words: step.words, picks });
            }}
          >
            {t('onboard.wroteThemDown')}
          </button>
        </div>
      </section>
    );
  }

  if (step.kind === 'confirm') {
    const right = step.picks.every((p, i) => (answers[i] ?? '').trim().toLowerCase() === step.words[p]);
    return (
      <form
        className="card onboarding"
        aria-labelledby="confirm-title"
        onSubmit={(e) => {
          e.preventDefault();
          if (!right) {
            setError(t('onboard.confirmWrong'));
            return;
          }
          setError(null);
          setStep({ kind: 'form' });
          notify('info', t('onboard.created'));
          onDone();
        }}
      >
        <h2 id="confirm-title">{t('onboard.confirmTitle')}</h2>
        <p>{t('onboard.confirmText')}</p>
        {step.picks.map((p, i) => (
          <Field key={p} label={t('onboard.wordNumber', { number: p + 1 })}>
            <input
              type="text"
              value={answers[i] ?? ''}
              onChange={(e) => setAnswers((a) => a.map((x, j) => (j === i ? e.target.value : x)))}
              autoComplete="off"
              spellCheck={false}
              autoCapitalize="none"
            />
          </Field>
        ))}
        <FormError message={error} />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={() => setStep({ kind: 'words', words: step.words })}>
            {t('onboard.showAgain')}
          </button>
          <span className="spacer" />
          <button type="submit" className="btn primary">
            {t('onboard.confirm')}
          </button>
        </div>
      </form>
    );
  }

  return (
    <form className="card onboarding" aria-labelledby="onboard-title" onSubmit={(e) => void submit(e)}>
      <h2 id="onboard-title">{t('onboard.title')}</h2>
      <p>{t('onboard.intro')}</p>
      <div className="segmented" role="radiogroup" aria-label={t('onboard.modeLabel')}>
        {(['create', 'import'] as const).map((m) => (
          <label key={m} className={`segment${mode === m ? ' active' : ''}`}>
            <input type="radio" name="mode" value={m} checked={mode === m} onChange={() => setMode(m)} />
            {t(`onboard.${m}`)}
          </label>
        ))}
      </div>

      {mode === 'create' ? (
        <Field label={t('onboard.wordCount')}>
          <select value={words} onChange={(e) => setWords(Number(e.target.value) === 24 ? 24 : 12)}>
            <option value={12}>{t('onboard.words', { count: 12 })}</option>
            <option value={24}>{t('onboard.words', { count: 24 })}</option>
          </select>
        </Field>
      ) : (
        <>
          <div className="radio-row" role="radiogroup" aria-label={t('onboard.importKind')}>
            {(['mnemonic', 'private_key'] as const).map((k) => (
              <label key={k} className="check">
                <input type="radio" name="import-kind" checked={importKind === k} onChange={() => setImportKind(k)} />
                {t(`onboard.${k}`)}
              </label>
            ))}
          </div>
          <Field label={t(importKind === 'mnemonic' ? 'onboard.phraseLabel' : 'onboard.keyLabel')} hint={t(importKind === 'mnemonic' ? 'onboard.phraseHint' : 'onboard.keyHint')}>
            <textarea className="secret-input" value={secret} onChange={(e) => setSecret(e.target.value)} rows={3} autoComplete="off" spellCheck={false} autoCapitalize="none" />
          </Field>
        </>
      )}
      {mode === 'create' || importKind === 'mnemonic' ? (
        <details className="advanced">
          <summary>{t('onboard.passphraseTitle')}</summary>
          <Field label={t('onboard.passphrase')} hint={t('onboard.passphraseHint')}>
            <input type="password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} autoComplete="off" />
          </Field>
        </details>
      ) : null}

      <div className="field-pair">
        <Field label={t('onboard.password')} error={passwordError}>
          <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" />
        </Field>
        <Field label={t('onboard.repeat')} error={repeatError}>
          <input type="password" value={repeat} onChange={(e) => setRepeat(e.target.value)} autoComplete="new-password" />
        </Field>
      </div>
      <p className="hint">{t('onboard.passwordHint')}</p>

      <fieldset className="subsection">
        <legend>{t('onboard.storeTitle')}</legend>
        {(['keyring', 'file'] as const).map((s) => (
          <label key={s} className="choice">
            <input type="radio" name="store" value={s} checked={store === s} onChange={() => setStore(s)} />
            <span>
              <strong>{t(`onboard.store_${s}`)}</strong>
              <small className="hint">{t(`onboard.store_${s}Hint`)}</small>
            </span>
          </label>
        ))}
      </fieldset>

      <NetworkFields draft={network} onChange={setNetwork} />

      <FormError message={error} />
      <div className="dialog-actions">
        <span className="spacer" />
        <button type="submit" className="btn primary" disabled={busy || !settings}>
          {busy ? t('onboard.working') : t(mode === 'create' ? 'onboard.createButton' : 'onboard.importButton')}
        </button>
      </div>
    </form>
  );
}
