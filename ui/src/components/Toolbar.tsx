import * as DropdownMenu from '@radix-ui/react-dropdown-menu';
import type { VisibilityState } from '@tanstack/react-table';
import { Fragment, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { columnMoveTarget, moveColumn, type ColumnId } from '../lib/columns';

interface Props {
  selectedCount: number;
  onAdd: () => void;
  onPause: () => void;
  onResume: () => void;
  onRemove: () => void;
  /** Opens the context menu for the selection under this button. */
  onMore: (button: HTMLElement) => void;
  moreOpen: boolean;
  search: string;
  onSearch: (q: string) => void;
  columnVisibility: VisibilityState;
  onColumnVisibility: (v: VisibilityState) => void;
  /** Every column, left to right. */
  columnOrder: ColumnId[];
  onColumnOrder: (order: ColumnId[]) => void;
  onSettings: () => void;
}

const MOVES = [
  { side: 'left', step: -1, mark: '←' },
  { side: 'right', step: 1, mark: '→' },
] as const;

export function Toolbar(p: Props) {
  const { t } = useTranslation();
  const none = p.selectedCount === 0;
  const columnsMenu = useRef<HTMLDivElement>(null);
  // "#" says little in a list of names.
  const columnLabel = (c: ColumnId) => (c === 'queue' ? t('columns.queueTitle') : t(`columns.${c}`));
  /**
   * Moves a column from the keyboard and keeps the focus on the button pressed, so the next
   * press moves it on; at the end of the row, on the other one. (Its line moves in the
   * menu, and a focused element moved in the document loses the focus.)
   */
  const moveFromMenu = (c: ColumnId, onto: ColumnId, side: 'left' | 'right') => {
    p.onColumnOrder(moveColumn(p.columnOrder, c, onto));
    requestAnimationFrame(() => {
      const button = (s: string) => columnsMenu.current?.querySelector<HTMLElement>(`[data-move="${c}:${s}"]:not([data-disabled])`);
      (button(side) ?? button(side === 'left' ? 'right' : 'left'))?.focus();
    });
  };
  return (
    <header className="toolbar" role="toolbar" aria-label={t('toolbar.label')}>
      <span className="brand" aria-hidden="true">
        <span className="brand-mark" />
        {t('app.name')}
      </span>
      <button type="button" className="btn primary" onClick={p.onAdd} title={t('toolbar.addHint')}>
        <span aria-hidden="true" className="plus">+</span> {t('toolbar.add')}
      </button>
      <span className="toolbar-sep" />
      <button type="button" className="btn" onClick={p.onResume} disabled={none} title={t('toolbar.resumeHint')}>
        <span aria-hidden="true">▶</span> {t('toolbar.resume')}
      </button>
      <button type="button" className="btn" onClick={p.onPause} disabled={none} title={t('toolbar.pauseHint')}>
        <span aria-hidden="true">❚❚</span> {t('toolbar.pause')}
      </button>
      <button type="button" className="btn" onClick={p.onRemove} disabled={none} title={t('toolbar.removeHint')}>
        <span aria-hidden="true">✕</span> {t('toolbar.remove')}
      </button>
      <button
        type="button"
        className="btn icon-only"
        onClick={(e) => p.onMore(e.currentTarget)}
        disabled={none}
        aria-label={t('menu.more')}
        title={t('menu.moreHint')}
        aria-haspopup="menu"
        aria-expanded={p.moreOpen}
      >
        <span aria-hidden="true">⋯</span>
      </button>
      {p.selectedCount > 1 ? <span className="muted selection-count">{t('toolbar.selected', { count: p.selectedCount })}</span> : null}
      <span className="spacer" />
      <input
        type="search"
        className="search"
        placeholder={t('toolbar.search')}
        aria-label={t('toolbar.search')}
        value={p.search}
        onChange={(e) => p.onSearch(e.target.value)}
      />
      <DropdownMenu.Root>
        <DropdownMenu.Trigger asChild>
          <button type="button" className="btn">
            {t('toolbar.columns')} <span aria-hidden="true">▾</span>
          </button>
        </DropdownMenu.Trigger>
        <DropdownMenu.Portal>
          {/* In the table's order, each column with its Move left and Move right. */}
          <DropdownMenu.Content ref={columnsMenu} className="menu columns-menu" align="end" sideOffset={4} collisionPadding={6}>
            {p.columnOrder.map((c) => (
              <Fragment key={c}>
                <DropdownMenu.CheckboxItem
                  className="menu-item"
                  checked={p.columnVisibility[c] !== false}
                  // The table always shows Name.
                  disabled={c === 'name'}
                  onCheckedChange={(checked) => p.onColumnVisibility({ ...p.columnVisibility, [c]: checked })}
                  onSelect={(e) => e.preventDefault()}
                >
                  <span className="menu-check" aria-hidden="true">
                    {p.columnVisibility[c] !== false ? '✓' : ''}
                  </span>
                  {columnLabel(c)}
                </DropdownMenu.CheckboxItem>
                {MOVES.map(({ side, step, mark }) => {
                  const onto = columnMoveTarget(p.columnOrder, c, step, p.columnVisibility);
                  const label = t(side === 'left' ? 'columns.moveLeft' : 'columns.moveRight', { column: columnLabel(c) });
                  return (
                    <DropdownMenu.Item
                      key={side}
                      className="menu-item column-move"
                      disabled={onto === null}
                      aria-label={label}
                      title={label}
                      textValue={label}
                      data-move={`${c}:${side}`}
                      onSelect={(e) => {
                        // The menu stays open for the next move.
                        e.preventDefault();
                        if (onto !== null) moveFromMenu(c, onto, side);
                      }}
                    >
                      <span aria-hidden="true">{mark}</span>
                    </DropdownMenu.Item>
                  );
                })}
              </Fragment>
            ))}
          </DropdownMenu.Content>
        </DropdownMenu.Portal>
      </DropdownMenu.Root>
      <button type="button" className="btn" onClick={p.onSettings}>
        <span aria-hidden="true">⚙</span> {t('toolbar.settings')}
      </button>
    </header>
  );
}
