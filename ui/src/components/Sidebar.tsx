import { useTranslation } from 'react-i18next';
import { FILTERS, type StateFilter } from '../lib/torrents';

interface Props {
  filter: StateFilter;
  counts: Record<StateFilter, number>;
  onFilter: (f: StateFilter) => void;
}

export function Sidebar({ filter, counts, onFilter }: Props) {
  const { t } = useTranslation();
  return (
    <nav className="sidebar" aria-label={t('filters.label')}>
      <h2 className="sidebar-title">{t('filters.title')}</h2>
      <ul>
        {FILTERS.map((f) => (
          <li key={f}>
            <button type="button" className={`filter filter-${f}${filter === f ? ' active' : ''}`} aria-pressed={filter === f} onClick={() => onFilter(f)} data-filter={f}>
              <span className="filter-dot" aria-hidden="true" />
              <span className="filter-name">{t(`filters.${f}`)}</span>
              <span className="filter-count">{counts[f]}</span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
