/**
 * Bid-for-speed settings. Spending is off until the user turns it on here, and then a
 * budget per torrent is required; every BTT figure is typed in BTT and saved as base
 * units. The wallet's network lives here too, since it decides where money moves.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, BidStrategy, Settings, WalletStatus } from '../bindings';
import { AmountInput, Check, checkAmount, Field, NetworkFields, networkDraft, networkFromDraft, useAmountError, type NetworkDraft } from '../components/speed/fields';
import { BTT_DECIMALS, unitsToInput } from '../lib/amount';
import { useApp } from '../state/app';
import { usePoll } from '../state/poll';
import { FormError } from '../components/FormError';

interface Draft {
  spending: boolean;
  strategy: BidStrategy;
  fixedPrice: string;
  maxPrice: string;
  budget: string;
  earning: boolean;
  ask: string;
  creditWindowMib: string;
  exposureCap: string;
  threshold: string;
  network: NetworkDraft;
}

const MIB = 1024 * 1024;

function toDraft(s: Settings): Draft {
  const sp = s.speed;
  const btt = (v: string) => unitsToInput(v, BTT_DECIMALS);
  return {
    spending: sp.spending_enabled,
    strategy: sp.strategy,
    fixedPrice: btt(sp.fixed_price_per_gib),
    maxPrice: btt(sp.max_price_per_gib),
    budget: sp.budget_per_torrent === '0' ? '' : btt(sp.budget_per_torrent),
    earning: sp.earning_enabled,
    ask: btt(sp.ask_per_gib),
    creditWindowMib: String(Math.round((sp.credit_window_bytes / MIB) * 100) / 100),
    exposureCap: btt(sp.exposure_cap),
    threshold: btt(sp.settlement_threshold),
    network: networkDraft(s.network),
  };
}

export function SpeedSettingsPage() {
  const { t } = useTranslation();
  const { rpc, notify } = useApp();
  const amountError = useAmountError();
  const [settings, setSettings] = useState<Settings | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [showErrors, setShowErrors] = useState(false);
  const wallet = usePoll<WalletStatus>({ type: 'wallet_status' }, (r) => (r.type === 'wallet_status' ? r.status : null), 5000);

  useEffect(() => {
    rpc({ type: 'get_settings' })
      .then((r) => {
        if (r.type === 'settings') {
          setSettings(r.settings);
          setDraft(toDraft(r.settings));
        }
      })
      .catch((e: ApiError) => setLoadError(e.message));
  }, [rpc]);

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

  const set = (patch: Partial<Draft>) => setDraft({ ...draft, ...patch });
  const fixedPrice = checkAmount(draft.fixedPrice, BTT_DECIMALS, true, amountError);
  const maxPrice = checkAmount(draft.maxPrice, BTT_DECIMALS, true, amountError);
  const budget = checkAmount(draft.budget, BTT_DECIMALS, draft.spending, amountError);
  const budgetError = draft.spending && (draft.budget.trim() === '' || budget.units === '0') ? t('speedSettings.budgetRequired') : budget.error;
  const ask = checkAmount(draft.ask, BTT_DECIMALS, true, amountError);
  const cap = checkAmount(draft.exposureCap, BTT_DECIMALS, true, amountError);
  const threshold = checkAmount(draft.threshold, BTT_DECIMALS, true, amountError);
  const windowMib = Number(draft.creditWindowMib.replace(',', '.'));
  const windowError = Number.isFinite(windowMib) && windowMib > 0 && windowMib <= 1024 ? null : t('speedSettings.windowInvalid');
  const network = networkFromDraft(draft.network);

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!draft || !settings) return;
    setShowErrors(true);
    setSaveError(null);
    const invalid = [fixedPrice.error, maxPrice.error, budgetError, ask.error, cap.error, threshold.error, windowError].some(Boolean) || !network;
    if (invalid || !network) {
      setSaveError(t('speedSettings.fixErrors'));
      return;
    }
    const next: Settings = {
      ...settings,
      network,
      speed: {
        spending_enabled: draft.spending,
        strategy: draft.strategy,
        fixed_price_per_gib: fixedPrice.units ?? settings.speed.fixed_price_per_gib,
        max_price_per_gib: maxPrice.units ?? settings.speed.max_price_per_gib,
        budget_per_torrent: budget.units ?? '0',
        earning_enabled: draft.earning,
        ask_per_gib: ask.units ?? settings.speed.ask_per_gib,
        credit_window_bytes: Math.round(windowMib * MIB),
        exposure_cap: cap.units ?? settings.speed.exposure_cap,
        settlement_threshold: threshold.units ?? settings.speed.settlement_threshold,
      },
    };
    setSaving(true);
    try {
      const r = await rpc({ type: 'update_settings', settings: next });
      if (r.type === 'settings') {
        setSettings(r.settings);
        setDraft(toDraft(r.settings));
        setShowErrors(false);
        notify('info', t('settings.saved'));
        wallet.refresh();
      }
    } catch (err) {
      setSaveError((err as ApiError).message);
    } finally {
      setSaving(false);
    }
  }

  const shown = (error: string | null) => (showErrors ? error : null);
  const walletState = wallet.value?.state;
  const unit = t('units.bttPerGib');
  return (
    <div className="page speed-page">
      <h1 className="page-title">{t('speedSettings.title')}</h1>
      <form className="speed-form" onSubmit={(e) => void save(e)} noValidate>
        {walletState && walletState !== 'unlocked' && (draft.spending || draft.earning) ? (
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
              <Field label={t('speedSettings.fixedPrice')} error={shown(fixedPrice.error)}>
                <AmountInput value={draft.fixedPrice} onChange={(v) => set({ fixedPrice: v })} unit={unit} />
              </Field>
            ) : (
              <Field label={t('speedSettings.maxPrice')} error={shown(maxPrice.error)}>
                <AmountInput value={draft.maxPrice} onChange={(v) => set({ maxPrice: v })} unit={unit} />
              </Field>
            )}
            <Field label={t('speedSettings.budget')} hint={t('speedSettings.budgetHint')} error={draft.spending ? shown(budgetError) : null}>
              <AmountInput value={draft.budget} onChange={(v) => set({ budget: v })} unit={t('units.btt')} testId="budget-per-torrent" />
            </Field>
          </div>
        </section>

        <section className="card" aria-labelledby="earning-title">
          <h2 id="earning-title">{t('speedSettings.earningTitle')}</h2>
          <p>{t('speedSettings.earningExplain')}</p>
          <Check label={t('speedSettings.earningOn')} checked={draft.earning} onChange={(v) => set({ earning: v })} />
          <Field label={t('speedSettings.ask')} hint={t('speedSettings.askHint')} error={shown(ask.error)}>
            <AmountInput value={draft.ask} onChange={(v) => set({ ask: v })} unit={unit} />
          </Field>
        </section>

        <details className="card advanced">
          <summary>{t('speedSettings.advanced')}</summary>
          <Field label={t('speedSettings.creditWindow')} hint={t('speedSettings.creditWindowHint')} error={shown(windowError)}>
            <AmountInput value={draft.creditWindowMib} onChange={(v) => set({ creditWindowMib: v })} unit={t('units.mib')} />
          </Field>
          <Field label={t('speedSettings.exposureCap')} hint={t('speedSettings.exposureCapHint')} error={shown(cap.error)}>
            <AmountInput value={draft.exposureCap} onChange={(v) => set({ exposureCap: v })} unit={t('units.btt')} />
          </Field>
          <Field label={t('speedSettings.threshold')} hint={t('speedSettings.thresholdHint')} error={shown(threshold.error)}>
            <AmountInput value={draft.threshold} onChange={(v) => set({ threshold: v })} unit={t('units.btt')} />
          </Field>
        </details>

        <section className="card">
          <NetworkFields draft={draft.network} onChange={(n) => set({ network: n })} />
        </section>

        <FormError message={saveError} />
        <div className="dialog-actions">
          <span className="spacer" />
          <button type="button" className="btn" onClick={() => setDraft(toDraft(settings))}>
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
