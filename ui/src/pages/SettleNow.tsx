/**
 * "Settle now" on the money trail: pays every seller we owe at once, whatever the fee
 * rule, in two deliberate steps. The core prices each payment first (`quote_settlement`:
 * what is owed and the TRX fee, per payee), and only the confirmation signs and sends
 * (`settle_now`, which waits for each payment to be in a block, up to ~30 s each).
 */
import * as Dialog from '@radix-ui/react-dialog';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, SettlementDone, SettlementQuote } from '../bindings';
import { BTT_DECIMALS, formatBtt, formatTrx, toBigInt } from '../lib/amount';
import { about, totalFee } from '../lib/settlementCost';
import { shortAddress } from '../lib/tronAddress';
import { useApp } from '../state/app';
import { FormError } from '../components/FormError';

type Phase = 'pricing' | 'ready' | 'paying' | 'done';

export function SettleNow({ nothingOwed, onSettled }: { nothingOwed: boolean; onSettled: () => void }) {
  const { t, i18n } = useTranslation();
  const { call } = useApp();
  const locale = i18n.language;
  const [open, setOpen] = useState(false);
  const [phase, setPhase] = useState<Phase>('pricing');
  const [quote, setQuote] = useState<SettlementQuote | null>(null);
  const [done, setDone] = useState<SettlementDone[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  // A quote that answers after the dialog was closed (or opened again) is dropped.
  const generation = useRef(0);

  const start = () => {
    const mine = ++generation.current;
    setOpen(true);
    setPhase('pricing');
    setQuote(null);
    setDone(null);
    setError(null);
    call({ type: 'quote_settlement' })
      .then((r) => {
        if (mine === generation.current) setQuote(r.quote);
      })
      .catch((e: ApiError) => {
        if (mine === generation.current) setError(e.message);
      })
      .finally(() => {
        if (mine === generation.current) setPhase('ready');
      });
  };

  const close = () => {
    // Paying goes on in the core either way; the dialog stays to show how it ended.
    if (phase === 'paying') return;
    generation.current += 1;
    setOpen(false);
  };

  const confirm = async () => {
    const mine = generation.current;
    setPhase('paying');
    setError(null);
    try {
      const r = await call({ type: 'settle_now' });
      if (mine === generation.current) setDone(r.settlements);
    } catch (e) {
      if (mine === generation.current) setError((e as ApiError).message);
    } finally {
      if (mine === generation.current) setPhase('done');
      onSettled();
    }
  };

  const payable = quote?.payees.some((p) => !p.in_flight) ?? false;
  const fees = quote ? totalFee(quote.payees) : null;
  const feeText = (sun: bigint | string | null, btt: bigint | string | null) => {
    const feeSun = typeof sun === 'string' ? toBigInt(sun) : sun;
    if (feeSun === null) return t('money.feeUnknown');
    const inBtt = typeof btt === 'string' ? toBigInt(btt) : btt;
    const trx = formatTrx(feeSun, locale);
    return inBtt === null ? trx : t('money.feeInBtt', { trx, btt: `${about(inBtt, BTT_DECIMALS, locale)} BTT` });
  };
  const stillOwed = quote && done ? quote.payees.filter((p) => !done.some((d) => d.payee === p.payee)) : [];

  return (
    <>
      <div className="settle-row">
        <button type="button" className="btn" onClick={start} disabled={nothingOwed} data-testid="settle-now">
          {t('money.settleNow')}
        </button>
        {nothingOwed ? <span className="hint">{t('money.nothingOwed')}</span> : null}
      </div>
      <Dialog.Root open={open} onOpenChange={(o) => !o && close()}>
        <Dialog.Portal>
          <Dialog.Overlay className="dialog-overlay" />
          <Dialog.Content className="dialog settle-dialog" aria-describedby={undefined}>
            <Dialog.Title className="dialog-title">{t('money.settleTitle')}</Dialog.Title>
            <p className="hint">{t('money.settleExplain')}</p>
            {phase === 'pricing' ? <p className="empty-note">{t('money.settlePricing')}</p> : null}
            {quote && quote.payees.length === 0 ? <p className="empty-note">{t('money.settleNobody')}</p> : null}
            {quote && quote.payees.length > 0 && fees ? (
              <table className="peers-table" data-testid="settle-quote">
                <thead>
                  <tr>
                    <th scope="col">{t('money.payee')}</th>
                    <th scope="col" className="num">{t('money.owed')}</th>
                    <th scope="col" className="num">{t('money.fee')}</th>
                  </tr>
                </thead>
                <tbody>
                  {quote.payees.map((p) => (
                    <tr key={p.payee}>
                      <td className="mono" title={p.payee}>
                        {shortAddress(p.payee)}
                      </td>
                      <td className="num">{formatBtt(p.owed, locale)}</td>
                      <td className="num">{p.in_flight ? t('money.inFlight') : feeText(p.fee_sun, p.fee_btt)}</td>
                    </tr>
                  ))}
                </tbody>
                <tfoot>
                  <tr>
                    <th scope="row" colSpan={2}>
                      {t('money.totalFee')}
                    </th>
                    <td className="num" data-testid="settle-total-fee">
                      {fees.exact ? feeText(fees.sun, fees.btt) : t('money.totalFeeAtLeast', { fee: feeText(fees.sun, fees.btt) })}
                    </td>
                  </tr>
                </tfoot>
              </table>
            ) : null}
            {phase === 'paying' ? (
              <p className="hint" role="status">
                {t('money.settling')}
              </p>
            ) : null}
            {phase === 'done' ? (
              <div data-testid="settle-result">
                {done ? <p role="status">{t('money.settled', { count: done.length })}</p> : null}
                {done && stillOwed.length > 0 ? <p>{t('money.stillOwed', { payees: stillOwed.map((p) => shortAddress(p.payee)).join(', ') })}</p> : null}
                <FormError message={error} />
              </div>
            ) : (
              <FormError message={error} />
            )}
            <div className="dialog-actions">
              <span className="spacer" />
              <button type="button" className="btn" onClick={close} disabled={phase === 'paying'}>
                {phase === 'done' ? t('common.close') : t('common.cancel')}
              </button>
              {phase !== 'done' ? (
                <button type="button" className="btn primary" onClick={() => void confirm()} disabled={phase !== 'ready' || !payable} data-testid="settle-confirm">
                  {t('money.settleConfirm')}
                </button>
              ) : null}
            </div>
          </Dialog.Content>
        </Dialog.Portal>
      </Dialog.Root>
    </>
  );
}
