import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { TorrentInfo } from '../bindings';
import { countByCategory, countByTag, type LabelFilters } from '../lib/labels';
import { FILTERS, type StateFilter } from '../lib/torrents';
import { ALL_TRACKERS, sameTrackerFilter, type TrackerCounts, type TrackerFilter } from '../lib/trackers';
import { useLabels } from '../state/app';
import { FilterSection, type FilterEntry } from './FilterSection';
import { LabelSection } from './labels/LabelSection';

interface Props {
  filter: StateFilter;
  counts: Record<StateFilter, number>;
  onFilter: (f: StateFilter) => void;
  /** Every torrent, for the categories' and tags' counts. */
  torrents: readonly TorrentInfo[];
  labelFilters: LabelFilters;
  onLabelFilters: (f: LabelFilters) => void;
  trackerCounts: TrackerCounts;
  trackerFilter: TrackerFilter;
  onTrackerFilter: (f: TrackerFilter) => void;
}

/** The state filters, then the categories, the tags and the trackers; the four combine. */
export function Sidebar({ filter, counts, onFilter, torrents, labelFilters, onLabelFilters, trackerCounts, trackerFilter, onTrackerFilter }: Props) {
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
      <TrackerSection counts={trackerCounts} filter={trackerFilter} onFilter={onTrackerFilter} />
    </div>
  );
}

interface TrackerEntry extends FilterEntry {
  filter: TrackerFilter;
}

/**
 * The sidebar's Trackers, as qBittorrent's: All, Trackerless, Error (every tracker of the
 * torrent failed) and each host a torrent has a tracker on, with how many torrents each
 * shows; one is chosen at a time, alongside the other filters.
 */
function TrackerSection({ counts, filter, onFilter }: { counts: TrackerCounts; filter: TrackerFilter; onFilter: (f: TrackerFilter) => void }) {
  const { t } = useTranslation();
  const entryOf = (entryFilter: TrackerFilter, text: string, count: number): TrackerEntry => ({
    key: entryFilter.kind === 'host' ? `host:${entryFilter.host}` : entryFilter.kind,
    data: entryFilter.kind === 'host' ? entryFilter.host : `:${entryFilter.kind}`,
    text,
    count,
    active: sameTrackerFilter(entryFilter, filter),
    filter: entryFilter,
  });
  const entries: TrackerEntry[] = [
    entryOf(ALL_TRACKERS, t('trackerFilter.all'), counts.all),
    entryOf({ kind: 'none' }, t('trackerFilter.none'), counts.none),
    entryOf({ kind: 'error' }, t('trackerFilter.error'), counts.error),
    ...counts.hosts.map(([host, count]) => entryOf({ kind: 'host', host }, host, count)),
  ];
  return <FilterSection section="tracker" title={t('trackerFilter.title')} entries={entries} onChoose={(entry) => onFilter(entry.filter)} />;
}
