import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import de from './de.json';
import en from './en.json';

export const resources = { en: { translation: en }, de: { translation: de } } as const;

export function initI18n(language: 'en' | 'de'): typeof i18n {
  void i18n.use(initReactI18next).init({
    resources,
    lng: language,
    fallbackLng: 'en',
    interpolation: { escapeValue: false },
    returnNull: false,
    // A key missing from a language is a bug; the unit test catches it, and in the
    // browser it shows up in the console.
    saveMissing: true,
    missingKeyHandler: (lngs, _ns, key) => console.warn(`missing translation: ${lngs.join(',')} ${key}`),
  });
  document.documentElement.lang = language;
  i18n.on('languageChanged', (lng) => {
    document.documentElement.lang = lng;
  });
  return i18n;
}
