import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TorrentFile } from '../bindings';
import { buildFileTree, checkState, toggleNode, visibleNodes, type CheckState } from '../lib/fileTree';
import { formatBytes, formatPercent } from '../lib/format';

interface Props {
  files: readonly TorrentFile[];
  selected: ReadonlySet<number>;
  onChange: (selected: Set<number>) => void;
  /** Show each file's verified progress (the Files tab), not only its size. */
  showProgress?: boolean;
  disabled?: boolean;
  /** Something to show at the end of each file's row (the Files tab's priority menu). */
  fileExtra?: (file: TorrentFile) => ReactNode;
}

/** A folder tree of a torrent's files with tri-state checkboxes. */
export function FileTree({ files, selected, onChange, showProgress = false, disabled = false, fileExtra }: Props) {
  const { t, i18n } = useTranslation();
  const root = useMemo(() => buildFileTree(files), [files]);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const nodes = visibleNodes(root, collapsed);
  const toggleFolder = (path: string) => {
    const next = new Set(collapsed);
    if (next.has(path)) next.delete(path);
    else next.add(path);
    setCollapsed(next);
  };
  return (
    <div className="file-tree" role="group" aria-label={t('files.label')}>
      {nodes.map(({ node, depth }) => {
        const state = checkState(node, selected);
        const progress = node.file ? node.file.progress_bytes : 0;
        return (
          <div className="file-row" key={node.path} style={{ paddingLeft: 6 + depth * 18 }}>
            {node.file ? (
              <span className="twisty" aria-hidden="true" />
            ) : (
              <button
                type="button"
                className="twisty"
                aria-expanded={!collapsed.has(node.path)}
                aria-label={t(collapsed.has(node.path) ? 'files.expand' : 'files.collapse', { name: node.name })}
                onClick={() => toggleFolder(node.path)}
              >
                {collapsed.has(node.path) ? '▸' : '▾'}
              </button>
            )}
            <label className="file-label">
              <TriStateBox state={state} disabled={disabled} onChange={() => onChange(toggleNode(node, selected))} />
              <span className={node.file ? 'file-name' : 'folder-name'}>{node.name}</span>
            </label>
            {showProgress && node.file ? (
              <span className="file-progress">{formatPercent(node.file.length > 0 ? progress / node.file.length : 1, i18n.language)}</span>
            ) : null}
            <span className="file-size">{formatBytes(node.length, i18n.language)}</span>
            {fileExtra ? <span className="file-extra">{node.file ? fileExtra(node.file) : null}</span> : null}
          </div>
        );
      })}
    </div>
  );
}

function TriStateBox({ state, onChange, disabled }: { state: CheckState; onChange: () => void; disabled: boolean }) {
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = state === 'mixed';
  }, [state]);
  return <input ref={ref} type="checkbox" checked={state === 'checked'} disabled={disabled} onChange={onChange} aria-checked={state === 'mixed' ? 'mixed' : state === 'checked'} />;
}
