import { useCallback, useMemo, useState } from 'react';
import { ALL_LABELS, categoryNames, filterInForce, isLabelFilter, type LabelFilters } from '../lib/labels';
import { useLabels } from './app';
import { loadPref, savePref } from './prefs';

/**
 * The sidebar's category and tag filters, kept in this browser like the state filter.
 * What they let through is the filters in force: one naming a label that is gone shows
 * everything (`filterInForce`).
 */
export function useLabelFilters(): [LabelFilters, (next: LabelFilters) => void] {
  const labels = useLabels();
  const [chosen, setChosen] = useState<LabelFilters>(() => ({
    category: loadPref('categoryFilter', ALL_LABELS, isLabelFilter),
    tag: loadPref('tagFilter', ALL_LABELS, isLabelFilter),
  }));
  const inForce = useMemo(
    () => ({ category: filterInForce(chosen.category, categoryNames(labels)), tag: filterInForce(chosen.tag, labels?.tags ?? null) }),
    [chosen, labels],
  );
  const choose = useCallback((next: LabelFilters) => {
    setChosen(next);
    savePref('categoryFilter', next.category);
    savePref('tagFilter', next.tag);
  }, []);
  return [inForce, choose];
}
