import { StrictMode, useState, useSyncExternalStore } from 'react';
import { createRoot } from 'react-dom/client';
import { LoginRequired, Shell, usePrefsApplied } from './App';
import { initI18n } from './i18n';
import { AppProvider } from './state/app';
import { applyTheme, defaultLanguage, isLanguage, isTheme, loadPref, type LanguagePref, type ThemePref } from './state/prefs';
import { TorrentStore } from './state/store';
import { connect, type Transport } from './transport';
import './styles.css';

function Root({ transport, store }: { transport: Transport; store: TorrentStore }) {
  const [language, setLanguage] = useState<LanguagePref>(() => loadPref('language', defaultLanguage(), isLanguage));
  const [theme, setTheme] = useState<ThemePref>(() => loadPref('theme', 'system', isTheme));
  usePrefsApplied(theme, language);
  const connection = useSyncExternalStore(
    (cb) => transport.onConnectionChange(cb),
    () => transport.connectionState(),
  );
  if (connection === 'no_token' || connection === 'unauthorized') return <LoginRequired reason={connection} />;
  return (
    <AppProvider transport={transport} store={store}>
      <Shell language={language} onLanguage={setLanguage} theme={theme} onTheme={setTheme} />
    </AppProvider>
  );
}

async function main() {
  const language = loadPref('language', defaultLanguage(), isLanguage);
  applyTheme(loadPref('theme', 'system', isTheme));
  initI18n(language);
  const transport = await connect();
  const root = document.getElementById('root');
  if (!root) throw new Error('index.html has no #root');
  createRoot(root).render(
    <StrictMode>
      <Root transport={transport} store={new TorrentStore()} />
    </StrictMode>,
  );
}

void main();
