/** Form pieces the wallet and speed pages share: labelled fields, BTT amounts, drafts kept in the language's number format, the network. */
import { useCallback, useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { TronNetwork } from '../../bindings';
import { formatUnits, separatorsFor, type ParseError } from '../../lib/amount';

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
 * (a `separator` error says which one is the decimal mark there) and, for too many
 * decimals, how many the field takes.
 */
export function useAmountError() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  return (error: ParseError, decimals: number) => amountErrorText(t, error, decimals, locale);
}

/** `useAmountError`'s message, for a given `t` and language. */
export function amountErrorText(t: TFunction, error: ParseError, decimals: number, locale: string): string {
  const { decimal, group } = separatorsFor(locale);
  return t(`amount.${error}`, { decimal, group, example: formatUnits('150025', 2, locale), max: decimals });
}

/**
 * A form's text together with the language whose number format it is written in. When
 * the UI's language changes, `relocale` moves the text from the old format to the new
 * one before anything reads it, so text typed under one language's rules is never read
 * under another's ("0.125" typed in English is not German 125).
 *
 * `update` gets the draft and the language it is written in, so a draft built from saved
 * values (`(_, locale) => toDraft(saved, locale)`) is written in that language even when
 * the language changed while it was loading.
 */
export function useDraftInLocale<T>(
  initial: (locale: string) => T,
  relocale: (draft: T, from: string, to: string) => T,
): [T, (next: (draft: T, writtenIn: string) => T) => void] {
  const { i18n } = useTranslation();
  const locale = i18n.language;
  const [held, setHeld] = useState(() => ({ draft: initial(locale), locale }));
  let shown = held;
  if (held.locale !== locale) {
    // Adjusted while rendering (react.dev: "adjusting some state when a prop changes"),
    // so no frame reads the old text with the new language's rules.
    shown = { draft: relocale(held.draft, held.locale, locale), locale };
    setHeld(shown);
  }
  const update = useCallback(
    (next: (draft: T, writtenIn: string) => T) =>
      setHeld((h) => {
        const draft = next(h.draft, h.locale);
        return draft === h.draft ? h : { draft, locale: h.locale };
      }),
    [],
  );
  return [shown.draft, update];
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
