import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PieceMap, TorrentInfo } from '../bindings';
import { cellsFromBitfield, cellsFromFiles } from '../lib/pieces';
import { useApp } from '../state/app';
import { PIECES_MS } from '../state/queries';

const CELL = 8;
const GAP = 1;
const ESTIMATE_CELLS = 1024;

/** A canvas map of the torrent's pieces. */
export function PiecesMap({ torrent }: { torrent: TorrentInfo }) {
  const { t } = useTranslation();
  const canvas = useRef<HTMLCanvasElement>(null);
  const wrap = useRef<HTMLDivElement>(null);
  const { call } = useApp();
  // `undefined` while unknown, `null` when the core could not answer (then we estimate
  // from the files).
  const [map, setMap] = useState<PieceMap | null | undefined>(undefined);
  useEffect(() => {
    let live = true;
    let timer = 0;
    const load = () =>
      call({ type: 'get_pieces', id: torrent.id })
        .then((reply) => {
          if (!live) return;
          setMap(reply.pieces);
          timer = window.setTimeout(load, PIECES_MS);
        })
        .catch(() => live && setMap(null));
    void load();
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [call, torrent.id]);
  const data = useMemo(
    () => (map && map.count > 0 ? cellsFromBitfield(map.bitfield_base64, map.count) : cellsFromFiles(torrent.files, ESTIMATE_CELLS)),
    [map, torrent.files],
  );

  useEffect(() => {
    const el = canvas.current;
    const box = wrap.current;
    if (!el || !box) return;
    const draw = () => {
      const styles = getComputedStyle(el);
      const have = styles.getPropertyValue('--piece-have').trim() || '#2f7de1';
      const missing = styles.getPropertyValue('--piece-missing').trim() || '#ddd';
      const width = Math.max(CELL, box.clientWidth);
      const perRow = Math.max(1, Math.floor(width / (CELL + GAP)));
      const rows = Math.ceil(data.cells.length / perRow);
      const ratio = window.devicePixelRatio || 1;
      el.width = width * ratio;
      el.height = rows * (CELL + GAP) * ratio;
      el.style.width = `${width}px`;
      el.style.height = `${rows * (CELL + GAP)}px`;
      const ctx = el.getContext('2d');
      if (!ctx) return;
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, width, rows * (CELL + GAP));
      data.cells.forEach((value, i) => {
        ctx.fillStyle = value >= 1 ? have : missing;
        ctx.fillRect((i % perRow) * (CELL + GAP), Math.floor(i / perRow) * (CELL + GAP), CELL, CELL);
      });
    };
    draw();
    const observer = new ResizeObserver(draw);
    observer.observe(box);
    return () => observer.disconnect();
  }, [data]);

  if (torrent.files.length === 0 && !map) {
    return <p className="empty-note">{t('files.resolving')}</p>;
  }
  const have = data.cells.reduce((s, v) => s + (v >= 1 ? 1 : 0), 0);
  return (
    <div className="pieces" ref={wrap}>
      <p className="hint">
        {data.exact
          ? t('pieces.exact', { have, count: data.cells.length })
          : t('pieces.estimate')}
      </p>
      <canvas ref={canvas} role="img" aria-label={t('pieces.label', { have, count: data.cells.length })} />
    </div>
  );
}
