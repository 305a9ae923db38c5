import * as DropdownMenu from '@radix-ui/react-dropdown-menu';
import type { VisibilityState } from '@tanstack/react-table';
import { useTranslation } from 'react-i18next';
import { COLUMN_IDS } from './TorrentTable';

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
  onSettings: () => void;
}

export function Toolbar(p: Props) {
  const { t } = useTranslation();
  const none = p.selectedCount === 0;
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
          <DropdownMenu.Content className="menu" align="end" sideOffset={4}>
            {COLUMN_IDS.filter((c) => c !== 'name').map((c) => (
              <DropdownMenu.CheckboxItem
                key={c}
                className="menu-item"
                checked={p.columnVisibility[c] !== false}
                onCheckedChange={(checked) => p.onColumnVisibility({ ...p.columnVisibility, [c]: checked })}
                onSelect={(e) => e.preventDefault()}
              >
                <span className="menu-check" aria-hidden="true">
                  {p.columnVisibility[c] !== false ? '✓' : ''}
                </span>
                {/* "#" says little in a list of names. */}
                {c === 'queue' ? t('columns.queueTitle') : t(`columns.${c}`)}
              </DropdownMenu.CheckboxItem>
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
