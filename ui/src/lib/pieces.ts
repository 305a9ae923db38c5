/**
 * What the Pieces tab draws: one cell per piece from the core's bitfield when it sends
 * one, or else an estimate from each file's verified bytes.
 */
import type { TorrentFile } from '../bindings';

/** Cell fill, 0 (missing) … 1 (have). Exact cells are 0 or 1. */
export interface PieceCells {
  exact: boolean;
  cells: Float32Array;
}

export function cellsFromBitfield(base64: string, pieceCount: number): PieceCells {
  const binary = atob(base64);
  const cells = new Float32Array(pieceCount);
  for (let i = 0; i < pieceCount; i += 1) {
    const byte = binary.charCodeAt(i >> 3);
    cells[i] = (byte >> (7 - (i & 7))) & 1;
  }
  return { exact: true, cells };
}

/**
 * Spreads the torrent's bytes over `count` cells in file order; a cell is filled by the
 * share of its file that is verified. Files not selected count as empty.
 */
export function cellsFromFiles(files: readonly TorrentFile[], count: number): PieceCells {
  const cells = new Float32Array(count);
  const sorted = [...files].sort((a, b) => a.index - b.index);
  const total = sorted.reduce((s, f) => s + f.length, 0);
  if (total === 0) return { exact: false, cells };
  let offset = 0;
  let fileIndex = 0;
  for (let c = 0; c < count; c += 1) {
    const at = ((c + 0.5) / count) * total;
    while (fileIndex < sorted.length - 1 && offset + (sorted[fileIndex]?.length ?? 0) <= at) {
      offset += sorted[fileIndex]?.length ?? 0;
      fileIndex += 1;
    }
    const file = sorted[fileIndex];
    if (!file || file.length === 0) continue;
    const doneFraction = file.progress_bytes / file.length;
    // Fill the front of the file first: which pieces are verified is unknown, only how many.
    cells[c] = (at - offset) / file.length < doneFraction ? 1 : 0;
  }
  return { exact: false, cells };
}
