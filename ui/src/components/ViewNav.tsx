import { useTranslation } from 'react-i18next';
import '../pages/pages.css';

export const VIEWS = ['torrents', 'wallet', 'money', 'speed'] as const;
export type View = (typeof VIEWS)[number];

export const isView = (v: unknown): v is View => typeof v === 'string' && (VIEWS as readonly string[]).includes(v);

/** The app's pages. Plain buttons in a nav landmark: Tab reaches them, Enter/Space opens one. */
export function ViewNav({ view, onView }: { view: View; onView: (v: View) => void }) {
  const { t } = useTranslation();
  return (
    <nav className="view-nav" aria-label={t('nav.label')}>
      <ul>
        {VIEWS.map((v) => (
          <li key={v}>
            <button type="button" className={`view-link${view === v ? ' active' : ''}`} aria-current={view === v ? 'page' : undefined} onClick={() => onView(v)} data-view={v}>
              <span className={`view-icon view-icon-${v}`} aria-hidden="true" />
              {t(`nav.${v}`)}
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
