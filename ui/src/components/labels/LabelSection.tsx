import { useState, type KeyboardEvent, type MouseEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Category } from '../../bindings';
import { ALL_LABELS, findCategory, unusedNames, type LabelCounts, type LabelFilter, type LabelKind, type LabelMenuAction } from '../../lib/labels';
import { useApp, useLabels, type ApiError } from '../../state/app';
import { useChangeLabels } from '../../state/labelSync';
import { FilterSection, type FilterEntry } from '../FilterSection';
import { CategoryDialog } from './CategoryDialog';
import { LabelMenu, type LabelMenuAnchor } from './LabelMenu';
import { TagNameDialog } from './TagNameDialog';

interface Props {
  kind: LabelKind;
  /** The categories' or tags' names, sorted. */
  names: readonly string[];
  counts: LabelCounts;
  filter: LabelFilter;
  onFilter: (filter: LabelFilter) => void;
}

/** The dialog open: New, or Edit (Rename) with the category as it was when it opened. */
type Dialog = { action: 'create' } | { action: 'edit'; name: string; category: Category | undefined };

const NONE: LabelFilter = { kind: 'none' };

/** An entry, with the filter it chooses and the category or tag it names (`null`: All, None). */
interface LabelEntry extends FilterEntry {
  filter: LabelFilter;
  name: string | null;
}

/**
 * The sidebar's Categories or Tags: All, Uncategorized (Untagged) and each one with how
 * many torrents it has; one is chosen at a time, alongside the state filter. A
 * right-click (Shift+F10, the Menu key) on an entry, or the "⋯" button for the chosen
 * one, opens its menu: new, edit or rename, remove, remove unused.
 */
export function LabelSection({ kind, names, counts, filter, onFilter }: Props) {
  const { t } = useTranslation();
  const { notify } = useApp();
  const labels = useLabels();
  const change = useChangeLabels();
  const [menu, setMenu] = useState<LabelMenuAnchor | null>(null);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const unused = unusedNames(names, counts);

  const openMenu = (x: number, y: number, returnFocus: HTMLElement, name: string | null) => setMenu({ x, y, returnFocus, name });
  const onContextMenu = (e: MouseEvent<HTMLElement>, name: string | null) => {
    e.preventDefault();
    openMenu(e.clientX, e.clientY, e.currentTarget, name);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLElement>, name: string | null) => {
    if (e.key !== 'ContextMenu' && !(e.key === 'F10' && e.shiftKey)) return;
    e.preventDefault();
    const box = e.currentTarget.getBoundingClientRect();
    openMenu(box.left + 16, box.bottom, e.currentTarget, name);
  };

  const remove = (removed: string[]) => {
    const request = kind === 'category' ? ({ type: 'remove_categories', names: removed } as const) : ({ type: 'remove_tags', names: removed } as const);
    change(request).catch((e: ApiError) => notify('error', t(`labels.removeFailed.${kind}`, { message: e.message })));
  };
  const run = (action: LabelMenuAction, name: string | null) => {
    if (action === 'create') setDialog({ action: 'create' });
    else if (action === 'edit' && name !== null) setDialog({ action: 'edit', name, category: findCategory(labels, name) });
    else if (action === 'remove' && name !== null) remove([name]);
    else if (action === 'removeUnused') remove(unused);
  };
  // The chosen entry follows a rename, as the torrents do. `filter` is as it was when the
  // dialog applied (the dialog is modal): by the time the answer comes, the old name is
  // gone and the filter in force has fallen back to All.
  const renamed = (from: string, to: string) => {
    if (filter.kind === 'named' && filter.name === from) onFilter({ kind: 'named', name: to });
  };

  const chosen = filter.kind === 'named' ? filter.name : null;
  const entryOf = (entryFilter: LabelFilter, text: string, count: number, name: string | null): LabelEntry => ({
    key: name === null ? entryFilter.kind : `named:${name}`,
    data: name ?? `:${entryFilter.kind}`,
    text,
    count,
    active: entryFilter.kind === filter.kind && name === chosen,
    filter: entryFilter,
    name,
  });
  const entries: LabelEntry[] = [
    entryOf(ALL_LABELS, t('labels.all'), counts.all, null),
    entryOf(NONE, t(kind === 'category' ? 'labels.uncategorized' : 'labels.untagged'), counts.none, null),
    ...names.map((name) => entryOf({ kind: 'named', name }, name, counts.named[name] ?? 0, name)),
  ];

  const actions = (
    <button
      type="button"
      className="icon-btn section-menu"
      aria-label={t(`labels.${kind}Actions`)}
      title={t(`labels.${kind}Actions`)}
      aria-haspopup="menu"
      aria-expanded={menu !== null}
      onClick={(e) => {
        const box = e.currentTarget.getBoundingClientRect();
        openMenu(box.left, box.bottom, e.currentTarget, chosen);
      }}
    >
      ⋯
    </button>
  );

  return (
    <FilterSection
      section={kind}
      title={t(`labels.${kind}Title`)}
      actions={actions}
      entries={entries}
      onChoose={(entry) => onFilter(entry.filter)}
      onContextMenu={(e, entry) => onContextMenu(e, entry.name)}
      onKeyDown={(e, entry) => onKeyDown(e, entry.name)}
    >
      <LabelMenu kind={kind} anchor={menu} unused={unused.length} onClose={() => setMenu(null)} onAction={run} />
      {dialog && kind === 'category' ? (
        <CategoryDialog category={dialog.action === 'edit' ? dialog.category : undefined} onClose={() => setDialog(null)} onSaved={(saved, before) => before && renamed(before.name, saved.name)} />
      ) : null}
      {dialog?.action === 'create' && kind === 'tag' ? <TagNameDialog onClose={() => setDialog(null)} /> : null}
      {dialog?.action === 'edit' && kind === 'tag' ? <TagNameDialog rename={dialog.name} onClose={() => setDialog(null)} onRenamed={renamed} /> : null}
    </FilterSection>
  );
}
