/** Form pieces the wallet and speed pages share: labelled fields, BTT amounts, the network. */
import { useId, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TronNetwork } from '../../bindings';
import { formatUnits, numberMarks, parseUnits, type ParseError } from '../../lib/amount';

export function Field({ label, hint, error, children }: { label: string; hint?: string; error?: string | null; children: ReactNode }) {
  return (
    <label className="field">
      <span>{label}</span>
      {children}
      {hint ? <small className="hint">{hint}</small> : null}
      {error ? (
        <small className="field-error" role="alert">
          {error}
        </small>
      ) : null}
    </label>
  );
}

export function Check({ label, checked, onChange, disabled }: { label: string; checked: boolean; onChange: (v: boolean) => void; disabled?: boolean }) {
  return (
    <label className="check">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} disabled={disabled} />
      {label}
    </label>
  );
}

/**
 * The message for an amount that does not parse, naming the marks of the UI's language
 * (a `separator` error says which one is the decimal mark there).
 */
export function useAmountError() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  return (error: ParseError) => {
    const { decimal, group } = numberMarks(locale);
    return t(`amount.${error}`, { decimal, group, example: formatUnits('150025', 2, locale) });
  };
}

/**
 * Checks an amount field, read as `locale` writes numbers: base units, or the message to
 * show under it.
 */
export function checkAmount(
  text: string,
  decimals: number,
  required: boolean,
  locale: string,
  message: (e: ParseError) => string,
): { units: string | null; error: string | null } {
  const parsed = parseUnits(text, decimals, locale);
  if (parsed.ok) return { units: parsed.units, error: null };
  if (parsed.error === 'empty' && !required) return { units: null, error: null };
  return { units: null, error: message(parsed.error) };
}

/** A text field for an amount with its unit after it (`BTT`, `BTT/GiB`). */
export function AmountInput({ value, onChange, unit, invalid, testId }: { value: string; onChange: (v: string) => void; unit: string; invalid?: boolean; testId?: string }) {
  return (
    <span className="amount-input">
      <input type="text" inputMode="decimal" value={value} onChange={(e) => onChange(e.target.value)} aria-invalid={invalid || undefined} spellCheck={false} data-testid={testId} />
      <span className="amount-unit">{unit}</span>
    </span>
  );
}

export type NetworkKind = TronNetwork['kind'];
export const NETWORK_KINDS: NetworkKind[] = ['mainnet', 'nile', 'shasta', 'custom', 'local'];

export interface NetworkDraft {
  kind: NetworkKind;
  url: string;
  apiKey: string;
}

export function networkDraft(n: TronNetwork): NetworkDraft {
  return {
    kind: n.kind,
    url: n.kind === 'custom' || n.kind === 'local' ? n.url : '',
    apiKey: n.kind === 'custom' ? (n.api_key ?? '') : '',
  };
}

/** The network to save, or `null` when a URL it needs is missing. */
export function networkFromDraft(d: NetworkDraft): TronNetwork | null {
  const url = d.url.trim();
  if (d.kind === 'custom') return url ? { kind: 'custom', url, api_key: d.apiKey.trim() || null } : null;
  if (d.kind === 'local') return url ? { kind: 'local', url } : null;
  return { kind: d.kind };
}

export function NetworkFields({ draft, onChange }: { draft: NetworkDraft; onChange: (d: NetworkDraft) => void }) {
  const { t } = useTranslation();
  const hintId = useId();
  return (
    <fieldset className="subsection">
      <legend>{t('network.title')}</legend>
      <Field label={t('network.label')}>
        <select value={draft.kind} onChange={(e) => onChange({ ...draft, kind: e.target.value as NetworkKind })} aria-describedby={hintId}>
          {NETWORK_KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`network.${k}`)}
            </option>
          ))}
        </select>
      </Field>
      <p className="hint" id={hintId}>
        {t(`network.${draft.kind}Hint`)}
      </p>
      {draft.kind === 'custom' || draft.kind === 'local' ? (
        <Field label={t('network.url')} error={draft.url.trim() === '' ? t('network.urlRequired') : null}>
          <input type="url" value={draft.url} onChange={(e) => onChange({ ...draft, url: e.target.value })} placeholder={draft.kind === 'local' ? 'http://127.0.0.1:9090' : 'https://'} spellCheck={false} />
        </Field>
      ) : null}
      {draft.kind === 'custom' ? (
        <Field label={t('network.apiKey')} hint={t('network.apiKeyHint')}>
          <input type="text" value={draft.apiKey} onChange={(e) => onChange({ ...draft, apiKey: e.target.value })} spellCheck={false} autoComplete="off" />
        </Field>
      ) : null}
    </fieldset>
  );
}
