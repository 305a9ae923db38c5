import { useTranslation } from 'react-i18next';
import { BTT_DECIMALS } from '../../lib/amount';
import { AmountInput, Field, useAmountError } from './fields';
import type { BidDraft, BidFieldError, BidMode } from './bidDraft';

/**
 * This torrent's bid: the settings' defaults, its own price and budget, or never pay.
 * Its own bid is offered only while spending is on in the settings, so nothing is paid
 * for a torrent the user has not chosen to pay for.
 */
export function BidEditor({ draft, onChange, spendingEnabled, error }: { draft: BidDraft; onChange: (d: BidDraft) => void; spendingEnabled: boolean; error: BidFieldError | null }) {
  const { t } = useTranslation();
  const amountError = useAmountError();
  // Zero or empty says what the field needs; a typo says what is wrong with it.
  const message = (field: BidFieldError['field']) =>
    error?.field !== field ? null : error.problem === 'required' ? t(field === 'price' ? 'bid.priceInvalid' : 'bid.budgetInvalid') : amountError(error.problem, BTT_DECIMALS);
  const modes: BidMode[] = spendingEnabled || draft.mode === 'own' ? ['default', 'own', 'off'] : ['default', 'off'];
  const unit = t('units.bttPerGib');
  return (
    <fieldset className="subsection bid-editor">
      <legend>{t('bid.title')}</legend>
      <Field label={t('bid.mode')}>
        <select value={draft.mode} onChange={(e) => onChange({ ...draft, mode: e.target.value as BidMode })} data-testid="bid-mode">
          {modes.map((m) => (
            <option key={m} value={m}>
              {t(`bid.mode_${m}`)}
            </option>
          ))}
        </select>
      </Field>
      <p className="hint">{spendingEnabled ? t(`bid.mode_${draft.mode}Hint`) : t('bid.spendingOffHint')}</p>
      {draft.mode === 'own' ? (
        <div className="field-pair">
          <Field label={t('bid.strategy')}>
            <select value={draft.strategy} onChange={(e) => onChange({ ...draft, strategy: e.target.value === 'fixed' ? 'fixed' : 'auto' })}>
              <option value="auto">{t('speedSettings.strategy_auto')}</option>
              <option value="fixed">{t('speedSettings.strategy_fixed')}</option>
            </select>
          </Field>
          <Field label={t(draft.strategy === 'fixed' ? 'bid.price' : 'bid.maxPrice')} error={message('price')}>
            <AmountInput value={draft.price} onChange={(v) => onChange({ ...draft, price: v })} unit={unit} testId="bid-price" />
          </Field>
          <Field label={t('bid.budget')} error={message('budget')}>
            <AmountInput value={draft.budget} onChange={(v) => onChange({ ...draft, budget: v })} unit={t('units.btt')} testId="bid-budget" />
          </Field>
        </div>
      ) : null}
    </fieldset>
  );
}
