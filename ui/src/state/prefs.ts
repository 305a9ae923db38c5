/**
 * Preferences that belong to this browser, not to the core: language, theme, the
 * columns (which show, their order and widths), sorting. Kept in localStorage; a bad or
 * missing value falls back to the default.
 */

export type ThemePref = 'system' | 'light' | 'dark';
export type LanguagePref = 'en' | 'de';

const PREFIX = 'bidswarm.';

export function loadPref<T>(key: string, fallback: T, valid: (v: unknown) => v is T): T {
  return readPref(key, fallback, (value) => (valid(value) ? value : fallback));
}

/** A preference `read` makes sense of: one stored in an older shape, say, or partly bad. */
export function readPref<T>(key: string, fallback: T, read: (v: unknown) => T): T {
  try {
    const raw = localStorage.getItem(PREFIX + key);
    return raw === null ? fallback : read(JSON.parse(raw));
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
