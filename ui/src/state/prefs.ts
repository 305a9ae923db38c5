/**
 * Preferences that belong to this browser, not to the core: language, theme, which
 * columns show, sorting. Kept in localStorage; a bad or missing value falls back to
 * the default.
 */

export type ThemePref = 'system' | 'light' | 'dark';
export type LanguagePref = 'en' | 'de';

const PREFIX = 'bidswarm.';

export function loadPref<T>(key: string, fallback: T, valid: (v: unknown) => v is T): T {
  try {
    const raw = localStorage.getItem(PREFIX + key);
    if (raw === null) return fallback;
    const value: unknown = JSON.parse(raw);
    return valid(value) ? value : fallback;
  } catch {
    return fallback;
  }
}

export function savePref(key: string, value: unknown): void {
  try {
    localStorage.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // Storage full or denied: the preference lasts for this visit only.
  }
}

export const isTheme = (v: unknown): v is ThemePref => v === 'system' || v === 'light' || v === 'dark';
export const isLanguage = (v: unknown): v is LanguagePref => v === 'en' || v === 'de';
export const isBoolRecord = (v: unknown): v is Record<string, boolean> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'boolean');

export function defaultLanguage(): LanguagePref {
  const nav = typeof navigator !== 'undefined' ? navigator.language : 'en';
  return nav.toLowerCase().startsWith('de') ? 'de' : 'en';
}

/** Applies a theme to the document: `system` follows the OS through a media query in CSS. */
export function applyTheme(theme: ThemePref): void {
  const root = document.documentElement;
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
}
