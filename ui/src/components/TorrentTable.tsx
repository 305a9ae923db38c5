import {
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type SortingState,
  type VisibilityState,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, type KeyboardEvent, type MouseEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { formatBytes, formatDateTime, formatEta, formatPercent, formatRate, formatRatio } from '../lib/format';
import { displayName, isComplete, progressFraction, rangeSelection, shareRatio } from '../lib/torrents';
import { BidCell } from './speed/BidCell';
import type { BandwidthPriority, TorrentInfo } from '../bindings';

export const COLUMN_IDS = ['queue', 'name', 'size', 'progress', 'state', 'down', 'up', 'eta', 'ratio', 'peers', 'category', 'tags', 'priority', 'bid', 'added'] as const;
export type ColumnId = (typeof COLUMN_IDS)[number];

/** Low to high, so a descending sort (a number column's first) puts High on top. */
const PRIORITY_RANK: Record<BandwidthPriority, number> = { low: 0, normal: 1, high: 2 };

/** What the core gives a torrent it has no queue record for (`u32::MAX`): no place to show. */
const NO_QUEUE_POSITION = 0xffff_ffff;

const ROW_HEIGHT = 28;

const WIDTHS: Record<ColumnId, string> = {
  queue: '44px',
  name: 'minmax(220px, 1fr)',
  size: '84px',
  progress: '120px',
  state: '130px',
  down: '92px',
  up: '92px',
  eta: '76px',
  ratio: '60px',
  peers: '56px',
  category: '110px',
  tags: '140px',
  priority: '76px',
  bid: '120px',
  added: '128px',
};

interface Props {
  torrents: TorrentInfo[];
  selected: ReadonlySet<string>;
  anchor: string | null;
  onSelect: (ids: Set<string>, anchor: string | null) => void;
  onOpen: (id: string) => void;
  /**
   * Opens the context menu for the selection at viewport point `x`, `y`: a right-click on
   * a row (which selects it first unless it is selected), Shift+F10 or the Menu key.
   */
  onMenu: (x: number, y: number, table: HTMLElement) => void;
  /** The rows' ids as shown (sorted and filtered), whenever that changes. */
  onViewOrder?: (ids: string[]) => void;
  sorting: SortingState;
  onSortingChange: (s: SortingState) => void;
  columnVisibility: VisibilityState;
  emptyText: string;
}

export function TorrentTable(props: Props) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const columns = useMemo<ColumnDef<TorrentInfo>[]>(
    () => [
      {
        id: 'queue',
        accessorFn: (r) => r.queue_position,
        // Ascending first: a click shows the queue in its order.
        sortDescFirst: false,
        header: () => <span title={t('columns.queueTitle')}>{t('columns.queue')}</span>,
        cell: ({ row }) => (row.original.queue_position >= NO_QUEUE_POSITION ? '—' : row.original.queue_position.toLocaleString(locale)),
      },
      {
        id: 'name',
        accessorFn: (r) => displayName(r).toLowerCase(),
        header: () => t('columns.name'),
        cell: ({ row }) => (
          <span className="cell-name" title={displayName(row.original)}>
            {displayName(row.original)}
          </span>
        ),
      },
      {
        id: 'size',
        accessorFn: (r) => r.total_bytes,
        header: () => t('columns.size'),
        cell: ({ row }) => (row.original.total_bytes > 0 ? formatBytes(row.original.total_bytes, locale) : '—'),
      },
      {
        id: 'progress',
        accessorFn: (r) => progressFraction(r),
        header: () => t('columns.progress'),
        cell: ({ row }) => <ProgressBar torrent={row.original} locale={locale} />,
      },
      {
        id: 'state',
        accessorFn: (r) => r.state,
        header: () => t('columns.state'),
        cell: ({ row }) => (
          <span className={`state state-${row.original.state}`} title={row.original.error ?? undefined}>
            {row.original.force_start ? (
              <>
                <span className="forced-mark" title={t('columns.forcedTitle')}>
                  [F]
                </span>{' '}
              </>
            ) : null}
            {t(`state.${row.original.state}`)}
          </span>
        ),
      },
      {
        id: 'down',
        accessorFn: (r) => r.download_bytes_per_sec,
        header: () => t('columns.down'),
        cell: ({ row }) => formatRate(row.original.download_bytes_per_sec, locale),
      },
      {
        id: 'up',
        accessorFn: (r) => r.upload_bytes_per_sec,
        header: () => t('columns.up'),
        cell: ({ row }) => formatRate(row.original.upload_bytes_per_sec, locale),
      },
      {
        id: 'eta',
        accessorFn: (r) => (isComplete(r) ? -1 : (r.eta_secs ?? Number.MAX_SAFE_INTEGER)),
        header: () => t('columns.eta'),
        cell: ({ row }) =>
          isComplete(row.original) || ['paused', 'queued', 'moving', 'error'].includes(row.original.state)
            ? ''
            : formatEta(row.original.eta_secs, locale),
      },
      {
        id: 'ratio',
        accessorFn: (r) => shareRatio(r) ?? -1,
        header: () => t('columns.ratio'),
        cell: ({ row }) => formatRatio(shareRatio(row.original), locale),
      },
      {
        id: 'peers',
        accessorFn: (r) => r.peers,
        header: () => t('columns.peers'),
        cell: ({ row }) => row.original.peers,
      },
      {
        id: 'category',
        // Those with none sort together, after the named ones.
        accessorFn: (r) => (r.category === null ? '\uffff' : r.category.toLowerCase()),
        sortDescFirst: false,
        header: () => t('columns.category'),
        cell: ({ row }) => <span title={row.original.category ?? undefined}>{row.original.category ?? ''}</span>,
      },
      {
        id: 'tags',
        accessorFn: (r) => (r.tags.length === 0 ? '\uffff' : r.tags.join(', ').toLowerCase()),
        sortDescFirst: false,
        header: () => t('columns.tags'),
        cell: ({ row }) => <span title={row.original.tags.join(', ') || undefined}>{row.original.tags.join(', ')}</span>,
      },
      {
        id: 'priority',
        accessorFn: (r) => PRIORITY_RANK[r.bandwidth_priority],
        header: () => t('columns.priority'),
        cell: ({ row }) => (
          <span className={`priority priority-${row.original.bandwidth_priority}`}>{t(`queue.priorities.${row.original.bandwidth_priority}`)}</span>
        ),
      },
      {
        id: 'bid',
        accessorFn: (r) => r.id,
        enableSorting: false,
        header: () => t('columns.bid'),
        cell: ({ row }) => <BidCell id={row.original.id} />,
      },
      {
        id: 'added',
        accessorFn: (r) => r.added_at ?? 0,
        header: () => t('columns.added'),
        cell: ({ row }) => formatDateTime(row.original.added_at, locale),
      },
    ],
    [t, locale],
  );

  const table = useReactTable({
    data: props.torrents,
    columns,
    state: { sorting: props.sorting, columnVisibility: props.columnVisibility },
    onSortingChange: (updater) =>
      props.onSortingChange(typeof updater === 'function' ? updater(props.sorting) : updater),
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getRowId: (r) => r.id,
    enableSortingRemoval: true,
  });

  const rows = table.getRowModel().rows;
  const orderedIds = useMemo(() => rows.map((r) => r.id), [rows]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });

  const visibleColumns = table.getVisibleLeafColumns();
  const gridTemplate = visibleColumns.map((c) => WIDTHS[c.id as ColumnId]).join(' ');

  const clickRow = (e: MouseEvent, id: string) => {
    if (e.shiftKey && props.anchor) {
      props.onSelect(new Set(rangeSelection(orderedIds, props.anchor, id)), props.anchor);
    } else if (e.ctrlKey || e.metaKey) {
      const next = new Set(props.selected);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      props.onSelect(next, id);
    } else {
      props.onSelect(new Set([id]), id);
    }
  };

  useEffect(() => props.onViewOrder?.(orderedIds), [orderedIds, props.onViewOrder]);

  const rightClickRow = (e: MouseEvent, id: string) => {
    e.preventDefault();
    // As file managers do: a row outside the selection becomes the selection.
    if (!props.selected.has(id)) props.onSelect(new Set([id]), id);
    if (scrollRef.current) props.onMenu(e.clientX, e.clientY, scrollRef.current);
  };

  /** Shift+F10 or the Menu key: the menu opens under the cursor row, selecting it if nothing is. */
  const menuFromKeyboard = () => {
    const grid = scrollRef.current;
    if (!grid) return;
    let id = props.anchor && props.selected.has(props.anchor) ? props.anchor : orderedIds.find((x) => props.selected.has(x));
    if (id === undefined && props.selected.size === 0 && props.anchor && orderedIds.includes(props.anchor)) {
      id = props.anchor;
      props.onSelect(new Set([id]), id);
    }
    if (id === undefined) return;
    const rowId = id;
    const rowBox = () => {
      const el = Array.from(grid.querySelectorAll<HTMLElement>('.grid-body [data-id]')).find((x) => x.dataset.id === rowId);
      const box = el?.getBoundingClientRect();
      const view = grid.getBoundingClientRect();
      return box && box.top >= view.top && box.bottom <= view.bottom ? box : null;
    };
    const openAt = (box: DOMRect | null) => {
      const view = grid.getBoundingClientRect();
      props.onMenu((box ?? view).left + 24, box ? box.bottom : view.top + 2 * ROW_HEIGHT, grid);
    };
    // At once when the row is on screen, so keys typed next reach the menu; otherwise
    // once the scroll has drawn it.
    const shown = rowBox();
    if (shown) {
      openAt(shown);
      return;
    }
    const index = orderedIds.indexOf(id);
    if (index >= 0) virtualizer.scrollToIndex(index);
    requestAnimationFrame(() => openAt(rowBox()));
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey)) {
      e.preventDefault();
      menuFromKeyboard();
      return;
    }
    moveCursor(e);
  };

  const moveCursor = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp' && e.key !== 'Home' && e.key !== 'End') return;
    e.preventDefault();
    if (orderedIds.length === 0) return;
    const current = props.anchor ? orderedIds.indexOf(props.anchor) : -1;
    let index =
      e.key === 'Home' ? 0 : e.key === 'End' ? orderedIds.length - 1 : current + (e.key === 'ArrowDown' ? 1 : -1);
    index = Math.max(0, Math.min(orderedIds.length - 1, index));
    const id = orderedIds[index];
    if (id === undefined) return;
    if (e.shiftKey && props.anchor) {
      const next = new Set(props.selected);
      next.add(id);
      props.onSelect(next, id);
    } else {
      props.onSelect(new Set([id]), id);
    }
    virtualizer.scrollToIndex(index);
  };

  return (
    <div
      className="torrent-grid"
      role="grid"
      aria-label={t('torrents.label')}
      aria-multiselectable="true"
      aria-rowcount={rows.length + 1}
      tabIndex={0}
      onKeyDown={onKeyDown}
      ref={scrollRef}
      data-testid="torrent-table"
    >
      <div className="grid-header" role="rowgroup">
        {table.getHeaderGroups().map((group) => (
          <div key={group.id} role="row" className="grid-row grid-head-row" style={{ gridTemplateColumns: gridTemplate }} aria-rowindex={1}>
            {group.headers.map((header) => {
              const sorted = header.column.getIsSorted();
              return (
                <div
                  key={header.id}
                  role="columnheader"
                  aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none'}
                  className={`grid-cell col-${header.column.id}`}
                >
                  <button type="button" className="sort-button" onClick={header.column.getToggleSortingHandler()}>
                    {flexRender(header.column.columnDef.header, header.getContext())}
                    <span className="sort-mark" aria-hidden="true">
                      {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : ''}
                    </span>
                  </button>
                </div>
              );
            })}
          </div>
        ))}
      </div>
      {rows.length === 0 ? (
        <div className="grid-empty" role="row">
          <div role="gridcell">{props.emptyText}</div>
        </div>
      ) : (
        <div role="rowgroup" className="grid-body" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = rows[item.index];
            if (!row) return null;
            const selected = props.selected.has(row.id);
            return (
              <div
                key={row.id}
                role="row"
                aria-rowindex={item.index + 2}
                aria-selected={selected}
                data-id={row.id}
                className={`grid-row${selected ? ' selected' : ''}${props.anchor === row.id ? ' cursor' : ''}`}
                style={{ gridTemplateColumns: gridTemplate, transform: `translateY(${item.start}px)` }}
                onClick={(e) => clickRow(e, row.id)}
                onDoubleClick={() => props.onOpen(row.id)}
                onContextMenu={(e) => rightClickRow(e, row.id)}
              >
                {row.getVisibleCells().map((cell) => (
                  <div key={cell.id} role="gridcell" className={`grid-cell col-${cell.column.id}`}>
                    {flexRender(cell.column.columnDef.cell, cell.getContext())}
                  </div>
                ))}
              </div>
            );
          })}
        </div>
      )}
    </div>
  );
}

function ProgressBar({ torrent, locale }: { torrent: TorrentInfo; locale: string }) {
  const fraction = progressFraction(torrent);
  return (
    <div className={`progress progress-${torrent.state}`} role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(fraction * 100)}>
      <div className="progress-fill" style={{ width: `${fraction * 100}%` }} />
      <span className="progress-text">{formatPercent(fraction, locale)}</span>
    </div>
  );
}
