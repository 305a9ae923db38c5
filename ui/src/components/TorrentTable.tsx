import {
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type Header,
  type SortingState,
  type VisibilityState,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState, type CSSProperties, type KeyboardEvent, type MouseEvent, type PointerEvent as ReactPointerEvent, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { clampColumnWidth, gridTemplate, moveColumn, type ColumnId, type ColumnWidths } from '../lib/columns';
import { formatBytes, formatDateTime, formatEta, formatPercent, formatRate, formatRatio } from '../lib/format';
import { displayName, isComplete, progressFraction, rangeSelection, remainingBytes, shareRatio } from '../lib/torrents';
import { trackerHost } from '../lib/trackers';
import { BidCell } from './speed/BidCell';
import type { BandwidthPriority, TorrentInfo } from '../bindings';

/** Low to high, so a descending sort (a number column's first) puts High on top. */
const PRIORITY_RANK: Record<BandwidthPriority, number> = { low: 0, normal: 1, high: 2 };

/** What the core gives a torrent it has no queue record for (`u32::MAX`): no place to show. */
const NO_QUEUE_POSITION = 0xffff_ffff;

const ROW_HEIGHT = 28;

/** How far a header must be dragged before it moves rather than sorts. */
const MOVE_THRESHOLD_PX = 5;

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
  /** Every column, left to right. */
  columnOrder: ColumnId[];
  columnWidths: ColumnWidths;
  onColumnOrder: (order: ColumnId[]) => void;
  /** A column's edge was dragged to `width` CSS pixels, or double-clicked (`null`: its default width). */
  onColumnWidth: (id: ColumnId, width: number | null) => void;
  emptyText: string;
}

export function TorrentTable(props: Props) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const columns = useMemo<ColumnDef<TorrentInfo>[]>(() => {
    /** A number as `show` writes it; `null` (not known yet) is `—`, and sorts below every number. */
    const known = (id: ColumnId, of: (r: TorrentInfo) => number | null, show: (value: number) => string): ColumnDef<TorrentInfo> => ({
      id,
      accessorFn: (r) => of(r) ?? -1,
      header: () => t(`columns.${id}`),
      cell: ({ row }) => {
        const value = of(row.original);
        return value === null ? '—' : show(value);
      },
    });
    const bytes = (id: ColumnId, of: (r: TorrentInfo) => number | null) => known(id, of, (value) => formatBytes(value, locale));
    /** How many peers the trackers count in the whole swarm; `—` until one has answered. */
    const swarm = (id: ColumnId, of: (r: TorrentInfo) => number | null) => known(id, of, (value) => value.toLocaleString(locale));
    /** A date and time in the user's locale; newest first at the first click, `none` without one. */
    const date = (id: ColumnId, of: (r: TorrentInfo) => number | null, none: string): ColumnDef<TorrentInfo> => ({
      id,
      accessorFn: (r) => of(r) ?? 0,
      header: () => t(`columns.${id}`),
      cell: ({ row }) => {
        const value = of(row.original);
        return value === null ? none : formatDateTime(value, locale);
      },
    });
    return [
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
      // Unknown until the metadata is: a magnet still resolving.
      bytes('size', (r) => (r.total_bytes > 0 ? r.total_bytes : null)),
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
      swarm('seeds', (r) => r.swarm_seeds),
      swarm('leechers', (r) => r.swarm_leechers),
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
      // Before Bidswarm recorded it the date is unknown (`—`); not complete yet is no date.
      date('added', (r) => r.added_at, '—'),
      date('completed', (r) => r.completed_at, ''),
      bytes('downloaded', (r) => r.all_time_downloaded_bytes),
      bytes('uploaded', (r) => r.all_time_uploaded_bytes),
      bytes('remaining', (r) => (r.total_bytes > 0 ? remainingBytes(r) : null)),
      {
        id: 'savePath',
        accessorFn: (r) => r.save_path,
        sortDescFirst: false,
        header: () => t('columns.savePath'),
        cell: ({ row }) => <span title={row.original.save_path}>{row.original.save_path}</span>,
      },
      {
        id: 'tracker',
        // The host it announces to now; those without a tracker sort together, after the others.
        accessorFn: (r) => trackerHost(r.tracker) || '\uffff',
        sortDescFirst: false,
        header: () => t('columns.tracker'),
        cell: ({ row }) => <span title={row.original.tracker ?? undefined}>{trackerHost(row.original.tracker)}</span>,
      },
    ];
  }, [t, locale]);

  const table = useReactTable({
    data: props.torrents,
    columns,
    state: { sorting: props.sorting, columnVisibility: props.columnVisibility, columnOrder: props.columnOrder },
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

  const shownIds = table.getVisibleLeafColumns().map((c) => c.id as ColumnId);
  // The header and every row take their tracks from this one property, so a width being
  // dragged reaches the rows without rendering them (`HeaderRow`).
  const gridStyle = { '--grid-columns': gridTemplate(shownIds, props.columnWidths) } as CSSProperties;

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
      style={gridStyle}
      data-testid="torrent-table"
    >
      <div className="grid-header" role="rowgroup">
        {table.getHeaderGroups().map((group) => (
          <HeaderRow
            key={group.id}
            headers={group.headers}
            order={props.columnOrder}
            widths={props.columnWidths}
            grid={scrollRef}
            onOrder={props.onColumnOrder}
            onWidth={props.onColumnWidth}
          />
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
                style={{ transform: `translateY(${item.start}px)` }}
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

interface HeaderRowProps {
  headers: Header<TorrentInfo, unknown>[];
  order: ColumnId[];
  widths: ColumnWidths;
  /** The table, whose `--grid-columns` follows a column's edge while it is dragged. */
  grid: RefObject<HTMLDivElement | null>;
  onOrder: (order: ColumnId[]) => void;
  onWidth: (id: ColumnId, width: number | null) => void;
}

/**
 * The header row. A click on a header sorts; a header dragged onto another moves its
 * column there; a header's right edge dragged resizes its column, and double-clicked gives
 * it its default width back. A drag renders this row only: while an edge moves, the new
 * width goes straight into the table's `--grid-columns`, and is kept on release. (The
 * columns menu moves columns from the keyboard.)
 */
function HeaderRow({ headers, order, widths, grid, onOrder, onWidth }: HeaderRowProps) {
  const { t } = useTranslation();
  const rowRef = useRef<HTMLDivElement>(null);
  const [moving, setMoving] = useState<{ id: ColumnId; onto: ColumnId } | null>(null);
  const shownIds = headers.map((h) => h.column.id as ColumnId);

  /** The header under `x`, or the one at either end past it. */
  const columnAt = (x: number): ColumnId | undefined => {
    const cells = Array.from(rowRef.current?.querySelectorAll<HTMLElement>('[data-column]') ?? []);
    const cell = cells.find((c) => x < c.getBoundingClientRect().right) ?? cells.at(-1);
    return cell?.dataset.column as ColumnId | undefined;
  };

  const startMove = (e: ReactPointerEvent, id: ColumnId) => {
    if (e.button !== 0) return;
    const x0 = e.clientX;
    let dragged = false;
    followPointer(
      e.nativeEvent,
      (m) => {
        if (!dragged && Math.abs(m.clientX - x0) < MOVE_THRESHOLD_PX) return;
        dragged = true;
        const onto = columnAt(m.clientX) ?? id;
        setMoving((was) => (was?.onto === onto ? was : { id, onto }));
      },
      (up) => {
        setMoving(null);
        if (!dragged) return;
        swallowNextClick();
        const onto = up ? columnAt(up.clientX) : undefined;
        if (onto && onto !== id) onOrder(moveColumn(order, id, onto));
      },
    );
  };

  const startResize = (e: ReactPointerEvent<HTMLElement>, id: ColumnId) => {
    if (e.button !== 0) return;
    // Neither a move of the header nor a text selection.
    e.stopPropagation();
    e.preventDefault();
    const from = e.currentTarget.parentElement?.getBoundingClientRect().width ?? 0;
    const x0 = e.clientX;
    const preview = (w: ColumnWidths) => grid.current?.style.setProperty('--grid-columns', gridTemplate(shownIds, w));
    let width: number | null = null;
    document.body.classList.add('column-resizing');
    followPointer(
      e.nativeEvent,
      (m) => {
        width = clampColumnWidth(from + m.clientX - x0);
        preview({ ...widths, [id]: width });
      },
      (up) => {
        document.body.classList.remove('column-resizing');
        if (width === null) return;
        if (up) onWidth(id, width);
        else preview(widths);
      },
    );
  };

  return (
    <div ref={rowRef} role="row" className="grid-row grid-head-row" aria-rowindex={1}>
      {headers.map((header) => {
        const id = header.column.id as ColumnId;
        const sorted = header.column.getIsSorted();
        const dropSide = moving && moving.onto === id && moving.id !== id ? (order.indexOf(id) > order.indexOf(moving.id) ? ' drop-after' : ' drop-before') : '';
        return (
          <div
            key={header.id}
            role="columnheader"
            aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none'}
            className={`grid-cell col-${id}${moving?.id === id ? ' moving' : ''}${dropSide}`}
            data-column={id}
            onPointerDown={(e) => startMove(e, id)}
          >
            <button type="button" className="sort-button" onClick={header.column.getToggleSortingHandler()}>
              {flexRender(header.column.columnDef.header, header.getContext())}
              <span className="sort-mark" aria-hidden="true">
                {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : ''}
              </span>
            </button>
            <div
              className="column-resizer"
              aria-hidden="true"
              title={t('columns.resizeHint')}
              onPointerDown={(e) => startResize(e, id)}
              onDoubleClick={() => onWidth(id, null)}
            />
          </div>
        );
      })}
    </div>
  );
}

/**
 * Follows the pointer pressed in `down` until it is released (`up` gets that event) or
 * the browser takes it over, for a scroll say (`up` gets `null`).
 */
function followPointer(down: PointerEvent, move: (e: PointerEvent) => void, up: (e: PointerEvent | null) => void): void {
  const mine = (e: PointerEvent) => e.pointerId === down.pointerId;
  const onMove = (e: PointerEvent) => {
    if (mine(e)) move(e);
  };
  const onEnd = (e: PointerEvent) => {
    if (!mine(e)) return;
    window.removeEventListener('pointermove', onMove);
    window.removeEventListener('pointerup', onEnd);
    window.removeEventListener('pointercancel', onEnd);
    up(e.type === 'pointerup' ? e : null);
  };
  window.addEventListener('pointermove', onMove);
  window.addEventListener('pointerup', onEnd);
  window.addEventListener('pointercancel', onEnd);
}

/** The click a header drag ends in is no click: it would sort by the column under the pointer. */
function swallowNextClick(): void {
  const stop = (e: globalThis.MouseEvent) => {
    e.stopPropagation();
    e.preventDefault();
  };
  window.addEventListener('click', stop, { capture: true, once: true });
  // A release away from where it was pressed makes no click at all.
  window.setTimeout(() => window.removeEventListener('click', stop, { capture: true }), 0);
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
