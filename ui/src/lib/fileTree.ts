/**
 * Builds a folder tree from a torrent's `/`-separated file paths, for the add dialog and
 * the Files tab, and computes what a folder's checkbox shows.
 */
import type { TorrentFile } from '../bindings';

export interface FileNode {
  name: string;
  /** Full path inside the torrent; unique. */
  path: string;
  /** Set for files, absent for folders. */
  file?: TorrentFile;
  children: FileNode[];
  /** Total bytes below this node. */
  length: number;
  /** Every file index below this node. */
  indices: number[];
}

export function buildFileTree(files: readonly TorrentFile[]): FileNode {
  const root: FileNode = { name: '', path: '', children: [], length: 0, indices: [] };
  for (const file of files) {
    const parts = file.path.split('/').filter(Boolean);
    let node = root;
    node.length += file.length;
    node.indices.push(file.index);
    parts.forEach((part, i) => {
      const path = parts.slice(0, i + 1).join('/');
      const isLeaf = i === parts.length - 1;
      let child = node.children.find((c) => c.name === part && !c.file === !isLeaf);
      if (!child) {
        child = { name: part, path, children: [], length: 0, indices: [] };
        if (isLeaf) child.file = file;
        node.children.push(child);
      }
      child.length += file.length;
      child.indices.push(file.index);
      node = child;
    });
  }
  sortTree(root);
  return root;
}

function sortTree(node: FileNode): void {
  // Folders first, then by name, as file managers do.
  node.children.sort((a, b) => {
    if (!a.file !== !b.file) return a.file ? 1 : -1;
    return a.name.localeCompare(b.name);
  });
  node.children.forEach(sortTree);
}

export type CheckState = 'checked' | 'unchecked' | 'mixed';

export function checkState(node: FileNode, selected: ReadonlySet<number>): CheckState {
  let inside = 0;
  for (const i of node.indices) if (selected.has(i)) inside += 1;
  if (inside === 0) return 'unchecked';
  return inside === node.indices.length ? 'checked' : 'mixed';
}

/** Clicking a node's box: a fully checked node clears, anything else checks everything below. */
export function toggleNode(node: FileNode, selected: ReadonlySet<number>): Set<number> {
  const next = new Set(selected);
  const on = checkState(node, selected) !== 'checked';
  for (const i of node.indices) {
    if (on) next.add(i);
    else next.delete(i);
  }
  return next;
}

export function selectedBytes(files: readonly TorrentFile[], selected: ReadonlySet<number>): number {
  return files.reduce((sum, f) => (selected.has(f.index) ? sum + f.length : sum), 0);
}

/** Depth-first list of the nodes to draw, skipping children of collapsed folders. */
export function visibleNodes(root: FileNode, collapsed: ReadonlySet<string>): { node: FileNode; depth: number }[] {
  const out: { node: FileNode; depth: number }[] = [];
  const walk = (node: FileNode, depth: number) => {
    for (const child of node.children) {
      out.push({ node: child, depth });
      if (!child.file && !collapsed.has(child.path)) walk(child, depth + 1);
    }
  };
  walk(root, 0);
  return out;
}
