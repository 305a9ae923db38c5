/**
 * Fields the UI can show but the API does not carry yet. Each is optional and
 * feature-detected: when the core starts sending it, the UI shows it with no change
 * elsewhere. This is the UI's wish list for `crates/api` (ARCHITECTURE.md, "Web UI").
 */
import type { ApiError, PeerInfo, PieceMap, Request, Response, SessionStats, Settings, TorrentInfo } from '../bindings';

export type { PieceMap };

export interface TorrentInfoExtras {
  /** BitTorrent v2 info hash (hex), for hybrid torrents. */
  info_hash_v2?: string | null;
}

export type TorrentView = TorrentInfo & TorrentInfoExtras;

/*
 * Settings, session stats and peers carry their newer fields in the generated types now;
 * a core older than them omits them, so the UI still checks with `has` before showing one.
 */
export type SessionStatsView = SessionStats;
export type SettingsView = Settings;
export type PeerView = PeerInfo;

/**
 * Asks for a torrent's piece map. `null` when this core has no such request (it answers
 * `bad_request` to an unknown variant), so the caller can fall back to an estimate.
 */
export async function getPieces(
  rpc: (request: Request) => Promise<Response>,
  id: string,
): Promise<PieceMap | null> {
  try {
    const reply = await rpc({ type: 'get_pieces', id });
    return reply.type === 'pieces' ? reply.pieces : null;
  } catch (e) {
    if ((e as ApiError).kind === 'bad_request') return null;
    throw e;
  }
}

/** Whether the core sent this optional field (absent and `undefined` mean "not supported"). */
export function has<T extends object>(value: T, key: keyof T): boolean {
  return key in value && value[key] !== undefined;
}
