/**
 * Sending BTT or TRX in two deliberate steps: the form is checked here (a TRON address,
 * an amount the asset can hold), the core prices it (`quote_send`: fee estimate, totals),
 * and only the confirmation signs and broadcasts it (`send`).
 */
import * as Dialog from '@radix-ui/react-dialog';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, SendQuote, WalletAsset } from '../bindings';
import { AmountInput, Field, useAmountError } from '../components/speed/fields';
import { decimalsOf, formatBtt, formatTrx, readAmount } from '../lib/amount';
import { tronAddressProblem } from '../lib/tronAddress';
import { useApp } from '../state/app';
import { FormError } from '../components/FormError';

export function SendForm({ locked, onSent }: { locked: boolean; onSent: () => void }) {
  const { t, i18n } = useTranslation();
  const { call, notify } = useApp();
  const amountError = useAmountError();
  const [asset, setAsset] = useState<WalletAsset>('btt');
  const [to, setTo] = useState('');
  const [amount, setAmount] = useState('');
  const [toError, setToError] = useState<string | null>(null);
  const [amountMessage, setAmountMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [quote, setQuote] = useState<SendQuote | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const problem = tronAddressProblem(to);
    setToError(problem ? t(`send.address.${problem}`) : null);
    // Empty says "enter an amount"; zero has its own message, so this reads it as `present`.
    const decimals = decimalsOf(asset);
    const checked = readAmount(amount, decimals, i18n.language, 'present');
    const zero = checked.ok && checked.units === '0';
    setAmountMessage(!checked.ok ? amountError(checked.problem, decimals) : zero ? t('send.amountZero') : null);
    if (problem || !checked.ok || zero) return;
    setBusy(true);
    try {
      const r = await call({ type: 'quote_send', to: to.trim(), asset, amount: checked.units });
      setQuote(r.quote);
    } catch (err) {
      setError((err as ApiError).message);
    } finally {
      setBusy(false);
    }
  }

  async function confirm() {
    if (!quote) return;
    setBusy(true);
    try {
      const r = await call({ type: 'send', quote_id: quote.quote_id });
      notify('info', t('send.sent', { txid: r.txid }));
      setQuote(null);
      setAmount('');
      onSent();
    } catch (err) {
      setQuote(null);
      setError((err as ApiError).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card send-card" aria-labelledby="send-title">
      <h2 id="send-title">{t('send.title')}</h2>
      {locked ? <p className="hint">{t('send.lockedHint')}</p> : null}
      <form className="send-form" onSubmit={(e) => void submit(e)} noValidate>
        <Field label={t('send.to')} error={toError}>
          <input type="text" value={to} onChange={(e) => setTo(e.target.value)} spellCheck={false} autoComplete="off" aria-invalid={toError ? true : undefined} />
        </Field>
        <div className="field-pair send-pair">
          <Field label={t('send.amount')} error={amountMessage}>
            <AmountInput value={amount} onChange={setAmount} unit={asset === 'btt' ? t('units.btt') : t('units.trx')} invalid={amountMessage !== null} />
          </Field>
          <Field label={t('send.asset')}>
            <select value={asset} onChange={(e) => setAsset(e.target.value === 'trx' ? 'trx' : 'btt')}>
              <option value="btt">{t('send.btt')}</option>
              <option value="trx">{t('send.trx')}</option>
            </select>
          </Field>
        </div>
        <FormError message={error} />
        <div className="dialog-actions">
          <span className="spacer" />
          <button type="submit" className="btn primary" disabled={busy || locked}>
            {t('send.review')}
          </button>
        </div>
      </form>
      <ConfirmSend quote={quote} busy={busy} locale={i18n.language} onCancel={() => setQuote(null)} onConfirm={() => void confirm()} />
    </section>
  );
}

function ConfirmSend({ quote, busy, locale, onCancel, onConfirm }: { quote: SendQuote | null; busy: boolean; locale: string; onCancel: () => void; onConfirm: () => void }) {
  const { t } = useTranslation();
  const [left, setLeft] = useState(0);
  useEffect(() => {
    if (!quote) return;
    const until = Date.now() + quote.expires_in_secs * 1000;
    const tick = () => setLeft(Math.max(0, Math.round((until - Date.now()) / 1000)));
    tick();
    const timer = window.setInterval(tick, 1000);
    return () => window.clearInterval(timer);
  }, [quote]);
  const amount = quote ? (quote.asset === 'btt' ? formatBtt(quote.amount, locale, 18) : formatTrx(quote.amount, locale)) : '';
  return (
    <Dialog.Root open={quote !== null} onOpenChange={(o) => !o && onCancel()}>
      <Dialog.Portal>
        <Dialog.Overlay className="dialog-overlay" />
        <Dialog.Content className="dialog" aria-describedby={undefined}>
          <Dialog.Title className="dialog-title">{t('send.confirmTitle')}</Dialog.Title>
          {quote ? (
            <dl className="facts" data-testid="send-quote">
              <dt>{t('send.to')}</dt>
              <dd className="mono selectable">{quote.to}</dd>
              <dt>{t('send.amount')}</dt>
              <dd>{amount}</dd>
              <dt>{t(quote.fee_exact ? 'send.fee' : 'send.feeEstimate')}</dt>
              <dd title={t('send.feeHint')}>{formatTrx(quote.fee_estimate_sun, locale)}</dd>
              {quote.fee_limit_sun !== '0' ? (
                <>
                  <dt>{t('send.feeLimit')}</dt>
                  <dd>{formatTrx(quote.fee_limit_sun, locale)}</dd>
                </>
              ) : null}
              <dt>{t('send.totalTrx')}</dt>
              <dd>{formatTrx(quote.total_trx_sun, locale)}</dd>
              {quote.total_btt !== '0' ? (
                <>
                  <dt>{t('send.totalBtt')}</dt>
                  <dd>{formatBtt(quote.total_btt, locale, 18)}</dd>
                </>
              ) : null}
              <dt>{t('wallet.network')}</dt>
              <dd>{t(`network.${quote.network}`, { defaultValue: quote.network })}</dd>
            </dl>
          ) : null}
          <p className="hint">{left > 0 ? t('send.expiresIn', { seconds: left }) : t('send.expired')}</p>
          <div className="dialog-actions">
            <span className="spacer" />
            <button type="button" className="btn" onClick={onCancel}>
              {t('common.cancel')}
            </button>
            <button type="button" className="btn primary" onClick={onConfirm} disabled={busy || left === 0}>
              {t('send.confirm')}
            </button>
          </div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
