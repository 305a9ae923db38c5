/**
 * Bid-for-speed settings. Spending is off until the user turns it on here, and then a
 * budget per torrent and a spending cap over all torrents are required; every BTT figure
 * is typed in BTT as the UI's language writes numbers and saved as base units (see
 * `speedDraft`). Each side states its worst case from the values being edited, and the
 * settlement rule states what a payment on chain costs now (`quote_settlement`) against
 * what it pays. The wallet's network lives here too, since it decides where money moves.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, Settings } from '../bindings';
import { AmountInput, Check, Field, NetworkFields, networkDraft, networkFromDraft, useAmountError, useDraftInLocale, type NetworkDraft } from '../components/speed/fields';
import { formatBtt } from '../lib/amount';
import { settlementCostText } from '../lib/settlementCost';
import { useApp } from '../state/app';
import { SPEED_PAGE_WALLET_STATUS_MS, useWalletStatus } from '../state/queries';
import { FormError } from '../components/FormError';
import { draftDecimals, MAX_WINDOW_MIB, readSpeedDraft, relocaleSpeedDraft, speedDraft, worstCaseText, type DraftField, type FieldProblem, type SpeedDraft } from './speedDraft';

type Draft = SpeedDraft & { network: NetworkDraft };

function toDraft(s: Settings, locale: string): Draft {
  return { ...speedDraft(s.speed, locale), network: networkDraft(s.network) };
}

export function SpeedSettingsPage() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const { call, notify, settings: mirror } = useApp();
  const amountError = useAmountError();
  const [settings, setSettings] = useState<Settings | null>(null);
  // The fields hold text in the language's number format; a language switch rewrites
  // each one from the old format to the new, edited or not.
  const [draft, updateDraft] = useDraftInLocale<Draft | null>(
    () => null,
    (d, from, to) => d && relocaleSpeedDraft(d, from, to),
  );
  const [loadError, setLoadError] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [showErrors, setShowErrors] = useState(false);
  const wallet = useWalletStatus(SPEED_PAGE_WALLET_STATUS_MS);
  const walletState = wallet.value?.state;
  // What one settlement burns now: asked when the page opens, when the wallet is locked or
  // unlocked, and after a save (the network may have changed). `undefined` until answered;
  // `null` when unknown (no unlocked key, the node did not answer, or the request failed).
  const [feeSun, setFeeSun] = useState<string | null | undefined>(undefined);
  const [saves, setSaves] = useState(0);
  useEffect(() => {
    let current = true;
    call({ type: 'quote_settlement' })
      .then((r) => {
        if (current) setFeeSun(r.quote.typical_fee_sun);
      })
      .catch(() => {
        if (current) setFeeSun(null);
      });
    return () => {
      current = false;
    };
  }, [call, walletState, saves]);

  useEffect(() => {
    call({ type: 'get_settings' })
      .then((r) => {
        setSettings(r.settings);
        updateDraft((_, writtenIn) => toDraft(r.settings, writtenIn));
      })
      .catch((e: ApiError) => setLoadError(e.message));
  }, [call, updateDraft]);

  if (!draft || !settings) {
    return (
      <div className="page">
        <h1 className="page-title">{t('speedSettings.title')}</h1>
        {loadError ? (
          <p className="form-error" role="alert">
            {loadError}
          </p>
        ) : (
          <p className="empty-note">{t('common.loading')}</p>
        )}
      </div>
    );
  }

  const set = (patch: Partial<Draft>) => updateDraft(() => ({ ...draft, ...patch }));
  const read = readSpeedDraft(draft, settings.speed, locale);
  const network = networkFromDraft(draft.network);
  const problemText = (field: DraftField, problem: FieldProblem | undefined): string | null => {
    if (!problem) return null;
    if (problem === 'required') {
      if (field === 'bttPerTrx') return t('speedSettings.bttPerTrxRequired');
      return t(field === 'spendingCap' ? 'speedSettings.spendingCapRequired' : 'speedSettings.budgetRequired');
    }
    if (problem === 'range') {
      if (field === 'settleMultiple') return t('speedSettings.settleMultipleInvalid');
      return field === 'overdueHours' ? t('speedSettings.overdueInvalid') : t('speedSettings.windowInvalid', { max: MAX_WINDOW_MIB });
    }
    return amountError(problem, draftDecimals(field));
  };
  const errorOf = (field: DraftField) => problemText(field, read.problems[field]);
  const worst = worstCaseText(read.values, locale);
  const settleCost =
    feeSun === undefined
      ? null
      : settlementCostText(
          {
            feeSun,
            bttPerTrx: read.values.btt_per_trx,
            multiple: read.values.settle_fee_multiple,
            pricePerGib: draft.strategy === 'fixed' ? read.values.fixed_price_per_gib : read.values.max_price_per_gib,
          },
          locale,
        )
          .map((s) => t(`speedSettings.${s.key}`, s.values))
          .join(' ');

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!draft || !settings) return;
    setShowErrors(true);
    setSaveError(null);
    if (!read.speed || !network) {
      setSaveError(t('speedSettings.fixErrors'));
      return;
    }
    // Read when the page opened: the turtle may have been switched since.
    const next: Settings = mirror.withLive({ ...settings, network, speed: read.speed });
    setSaving(true);
    try {
      const r = await call({ type: 'update_settings', settings: next });
      mirror.set(r.settings);
      setSettings(r.settings);
      updateDraft((_, writtenIn) => toDraft(r.settings, writtenIn));
      setShowErrors(false);
      notify('info', t('settings.saved'));
      wallet.refresh();
      setSaves((n) => n + 1);
    } catch (err) {
      setSaveError((err as ApiError).message);
    } finally {
      setSaving(false);
    }
  }

  const shown = (field: DraftField) => (showErrors ? errorOf(field) : null);
  const unit = t('units.bttPerGib');
  return (
    <div className="page speed-page">
      <h1 className="page-title">{t('speedSettings.title')}</h1>
      <form className="speed-form" onSubmit={(e) => void save(e)} noValidate>
        {walletState && walletState !== 'unlocked' && !wallet.value?.speed_signing && (draft.spending || draft.earning) ? (
          <p className="warning" role="status">
            {t(walletState === 'none' ? 'speedSettings.needsWallet' : 'speedSettings.needsUnlock')}
          </p>
        ) : null}
        <section className="card" aria-labelledby="spending-title">
          <h2 id="spending-title">{t('speedSettings.spendingTitle')}</h2>
          <p>{t('speedSettings.spendingExplain')}</p>
          <Check label={t('speedSettings.spendingOn')} checked={draft.spending} onChange={(v) => set({ spending: v })} />
          <div className="radio-row" role="radiogroup" aria-label={t('speedSettings.strategy')}>
            {(['auto', 'fixed'] as const).map((s) => (
              <label key={s} className="check">
                <input type="radio" name="strategy" checked={draft.strategy === s} onChange={() => set({ strategy: s })} />
                {t(`speedSettings.strategy_${s}`)}
              </label>
            ))}
          </div>
          <p className="hint">{t(`speedSettings.strategy_${draft.strategy}Hint`)}</p>
          <div className="field-pair">
            {draft.strategy === 'fixed' ? (
              <Field label={t('speedSettings.fixedPrice')} error={shown('fixedPrice')}>
                <AmountInput value={draft.fixedPrice} onChange={(v) => set({ fixedPrice: v })} unit={unit} />
              </Field>
            ) : (
              <Field label={t('speedSettings.maxPrice')} error={shown('maxPrice')}>
                <AmountInput value={draft.maxPrice} onChange={(v) => set({ maxPrice: v })} unit={unit} />
              </Field>
            )}
            <Field label={t('speedSettings.budget')} hint={t('speedSettings.budgetHint')} error={shown('budget')}>
              <AmountInput value={draft.budget} onChange={(v) => set({ budget: v })} unit={t('units.btt')} testId="budget-per-torrent" />
            </Field>
            <Field label={t('speedSettings.spendingCap')} hint={t('speedSettings.spendingCapHint')} error={shown('spendingCap')}>
              <AmountInput value={draft.spendingCap} onChange={(v) => set({ spendingCap: v })} unit={t('units.btt')} testId="spending-cap" />
            </Field>
          </div>
          <p className="worst-case" data-testid="spending-worst-case">
            {!draft.spending
              ? t('speedSettings.spendingOffCase')
              : read.values.spending_cap !== undefined
                ? t('speedSettings.spendingCase', { spendingCap: formatBtt(read.values.spending_cap, locale) })
                : null}
          </p>
        </section>

        <section className="card" aria-labelledby="settle-title">
          <h2 id="settle-title">{t('speedSettings.settleTitle')}</h2>
          <p>{t('speedSettings.settleExplain')}</p>
          <div className="field-pair">
            <Field label={t('speedSettings.settleMultiple')} hint={t('speedSettings.settleMultipleHint')} error={shown('settleMultiple')}>
              <AmountInput value={draft.settleMultiple} onChange={(v) => set({ settleMultiple: v })} unit={t('speedSettings.settleMultipleUnit')} testId="settle-multiple" />
            </Field>
            <Field label={t('speedSettings.bttPerTrx')} hint={t('speedSettings.bttPerTrxHint')} error={shown('bttPerTrx')}>
              <AmountInput value={draft.bttPerTrx} onChange={(v) => set({ bttPerTrx: v })} unit={t('units.btt')} testId="btt-per-trx" />
            </Field>
          </div>
          <p className="worst-case" data-testid="settlement-cost">
            {settleCost}
          </p>
        </section>

        <section className="card" aria-labelledby="earning-title">
          <h2 id="earning-title">{t('speedSettings.earningTitle')}</h2>
          <p>{t('speedSettings.earningExplain')}</p>
          <Check label={t('speedSettings.earningOn')} checked={draft.earning} onChange={(v) => set({ earning: v })} />
          <Field label={t('speedSettings.ask')} hint={t('speedSettings.askHint')} error={shown('ask')}>
            <AmountInput value={draft.ask} onChange={(v) => set({ ask: v })} unit={unit} />
          </Field>
          <p className="worst-case" data-testid="earning-worst-case">
            {!draft.earning ? t('speedSettings.earningOffCase') : worst ? t('speedSettings.earningCase', worst) : null}
          </p>
        </section>

        <details className="card advanced">
          <summary>{t('speedSettings.advanced')}</summary>
          <Field label={t('speedSettings.creditWindow')} hint={t('speedSettings.creditWindowHint')} error={shown('creditWindowMib')}>
            <AmountInput value={draft.creditWindowMib} onChange={(v) => set({ creditWindowMib: v })} unit={t('units.mib')} />
          </Field>
          <Field label={t('speedSettings.exposureCap')} hint={t('speedSettings.exposureCapHint')} error={shown('exposureCap')}>
            <AmountInput value={draft.exposureCap} onChange={(v) => set({ exposureCap: v })} unit={t('units.btt')} />
          </Field>
          <Field label={t('speedSettings.totalExposureCap')} hint={t('speedSettings.totalExposureCapHint')} error={shown('totalExposureCap')}>
            <AmountInput value={draft.totalExposureCap} onChange={(v) => set({ totalExposureCap: v })} unit={t('units.btt')} />
          </Field>
          <Field label={t('speedSettings.overdue')} hint={t('speedSettings.overdueHint')} error={shown('overdueHours')}>
            <AmountInput value={draft.overdueHours} onChange={(v) => set({ overdueHours: v })} unit={t('units.hours')} />
          </Field>
        </details>

        <section className="card">
          <NetworkFields draft={draft.network} onChange={(n) => set({ network: n })} />
        </section>

        <FormError message={saveError} />
        <div className="dialog-actions">
          <span className="spacer" />
          <button type="button" className="btn" onClick={() => updateDraft((_, writtenIn) => toDraft(settings, writtenIn))}>
            {t('speedSettings.reset')}
          </button>
          <button type="submit" className="btn primary" disabled={saving}>
            {t('common.save')}
          </button>
        </div>
      </form>
    </div>
  );
}
