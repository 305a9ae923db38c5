import { useId, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Category } from '../../bindings';
import { ALL_LABELS, findCategory, unusedNames, type LabelCounts, type LabelFilter, type LabelKind, type LabelMenuAction } from '../../lib/labels';
import { useApp, useLabels, type ApiError } from '../../state/app';
import { useChangeLabels } from '../../state/labelSync';
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
  const titleId = useId();
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
  const entries: { filter: LabelFilter; text: string; count: number; name: string | null }[] = [
    { filter: ALL_LABELS, text: t('labels.all'), count: counts.all, name: null },
    { filter: NONE, text: t(kind === 'category' ? 'labels.uncategorized' : 'labels.untagged'), count: counts.none, name: null },
    ...names.map((name) => ({ filter: { kind: 'named', name } as const, text: name, count: counts.named[name] ?? 0, name })),
  ];

  return (
    <nav className="label-section" aria-labelledby={titleId} data-section={kind}>
      <div className="sidebar-head">
        <h2 className="sidebar-title" id={titleId}>
          {t(`labels.${kind}Title`)}
        </h2>
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
      </div>
      <div role="radiogroup" aria-labelledby={titleId} className="label-filters">
        {entries.map((entry) => {
          const active = entry.filter.kind === filter.kind && entry.name === chosen;
          return (
            <button
              key={entry.name === null ? entry.filter.kind : `named:${entry.name}`}
              type="button"
              role="radio"
              aria-checked={active}
              className={`filter label-filter${active ? ' active' : ''}`}
              {...{ [`data-${kind}`]: entry.name ?? `:${entry.filter.kind}` }}
              onClick={() => onFilter(entry.filter)}
              onContextMenu={(e) => onContextMenu(e, entry.name)}
              onKeyDown={(e) => onKeyDown(e, entry.name)}
            >
              <span className="filter-name" title={entry.text}>
                {entry.text}
              </span>
              <span className="filter-count">{entry.count}</span>
            </button>
          );
        })}
      </div>
      <LabelMenu kind={kind} anchor={menu} unused={unused.length} onClose={() => setMenu(null)} onAction={run} />
      {dialog && kind === 'category' ? (
        <CategoryDialog category={dialog.action === 'edit' ? dialog.category : undefined} onClose={() => setDialog(null)} onSaved={(saved, before) => before && renamed(before.name, saved.name)} />
      ) : null}
      {dialog?.action === 'create' && kind === 'tag' ? <TagNameDialog onClose={() => setDialog(null)} /> : null}
      {dialog?.action === 'edit' && kind === 'tag' ? <TagNameDialog rename={dialog.name} onClose={() => setDialog(null)} onRenamed={renamed} /> : null}
    </nav>
  );
}
