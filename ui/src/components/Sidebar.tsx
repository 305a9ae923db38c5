import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { TorrentInfo } from '../bindings';
import { countByCategory, countByTag, type LabelFilters } from '../lib/labels';
import { FILTERS, type StateFilter } from '../lib/torrents';
import { useLabels } from '../state/app';
import { LabelSection } from './labels/LabelSection';

interface Props {
  filter: StateFilter;
  counts: Record<StateFilter, number>;
  onFilter: (f: StateFilter) => void;
  /** Every torrent, for the categories' and tags' counts. */
  torrents: readonly TorrentInfo[];
  labelFilters: LabelFilters;
  onLabelFilters: (f: LabelFilters) => void;
}

/** The state filters, then the categories and the tags; the three combine. */
export function Sidebar({ filter, counts, onFilter, torrents, labelFilters, onLabelFilters }: Props) {
  const { t } = useTranslation();
  const labels = useLabels();
  const categories = useMemo(() => labels?.categories.map((c) => c.name) ?? [], [labels]);
  const tags = useMemo(() => labels?.tags ?? [], [labels]);
  const categoryCounts = useMemo(() => countByCategory(torrents, categories), [torrents, categories]);
  const tagCounts = useMemo(() => countByTag(torrents, tags), [torrents, tags]);
  return (
    <div className="sidebar">
      <nav aria-label={t('filters.label')}>
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
      <LabelSection kind="category" names={categories} counts={categoryCounts} filter={labelFilters.category} onFilter={(category) => onLabelFilters({ ...labelFilters, category })} />
      <LabelSection kind="tag" names={tags} counts={tagCounts} filter={labelFilters.tag} onFilter={(tag) => onLabelFilters({ ...labelFilters, tag })} />
    </div>
  );
}
