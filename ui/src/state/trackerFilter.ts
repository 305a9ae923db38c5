import { useCallback, useMemo, useState } from 'react';
import { ALL_TRACKERS, isTrackerFilter, trackerFilterInForce, type TrackerCounts, type TrackerFilter } from '../lib/trackers';
import { loadPref, savePref } from './prefs';

/**
 * The sidebar's tracker filter, kept in this browser like the category and tag filters.
 * What it lets through is the filter in force: one naming a host no torrent has any more
 * shows everything (`trackerFilterInForce`). `counts` is `null` until the list is known.
 */
export function useTrackerFilter(counts: TrackerCounts | null): [TrackerFilter, (next: TrackerFilter) => void] {
  const [chosen, setChosen] = useState<TrackerFilter>(() => loadPref('trackerFilter', ALL_TRACKERS, isTrackerFilter));
  const inForce = useMemo(() => trackerFilterInForce(chosen, counts), [chosen, counts]);
  const choose = useCallback((next: TrackerFilter) => {
    setChosen(next);
    savePref('trackerFilter', next);
  }, []);
  return [inForce, choose];
}
