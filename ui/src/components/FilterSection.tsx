import { useId, type KeyboardEvent, type MouseEvent, type ReactNode } from 'react';

/** One entry of a sidebar section: what it is called, how many torrents it shows, whether it is chosen. */
export interface FilterEntry {
  key: string;
  /** Its `data-<section>` attribute: the name, or `:all`, `:none`… for the fixed entries. */
  data: string;
  text: string;
  count: number;
  active: boolean;
}

interface Props<E extends FilterEntry> {
  /** `data-section`, and the name of each entry's data attribute. */
  section: string;
  title: string;
  /** Beside the title: the section's menu button. */
  actions?: ReactNode;
  entries: readonly E[];
  onChoose: (entry: E) => void;
  onContextMenu?: (e: MouseEvent<HTMLElement>, entry: E) => void;
  onKeyDown?: (e: KeyboardEvent<HTMLElement>, entry: E) => void;
  /** Its menus and dialogs. */
  children?: ReactNode;
}

/**
 * A sidebar section of entries one of which is chosen at a time, alongside the other
 * sections: the categories, the tags, the trackers. A radio group, each entry with how
 * many torrents it shows.
 */
export function FilterSection<E extends FilterEntry>({ section, title, actions, entries, onChoose, onContextMenu, onKeyDown, children }: Props<E>) {
  const titleId = useId();
  return (
    <nav className="label-section" aria-labelledby={titleId} data-section={section}>
      <div className="sidebar-head">
        <h2 className="sidebar-title" id={titleId}>
          {title}
        </h2>
        {actions}
      </div>
      <div role="radiogroup" aria-labelledby={titleId} className="label-filters">
        {entries.map((entry) => (
          <button
            key={entry.key}
            type="button"
            role="radio"
            aria-checked={entry.active}
            className={`filter label-filter${entry.active ? ' active' : ''}`}
            {...{ [`data-${section}`]: entry.data }}
            onClick={() => onChoose(entry)}
            onContextMenu={onContextMenu && ((e) => onContextMenu(e, entry))}
            onKeyDown={onKeyDown && ((e) => onKeyDown(e, entry))}
          >
            <span className="filter-name" title={entry.text}>
              {entry.text}
            </span>
            <span className="filter-count">{entry.count}</span>
          </button>
        ))}
      </div>
      {children}
    </nav>
  );
}
