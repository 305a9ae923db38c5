/**
 * Fields the UI can show but the API does not carry yet. Each is optional and
 * feature-detected: when the core starts sending it, the UI shows it with no change
 * here. The list is the UI's wish list for `crates/api` (see ARCHITECTURE.md, "Web UI").
 */
import type { ApiError, PeerInfo, RateLimits, Request, Response, SessionStats, Settings, TorrentInfo } from '../bindings';

export interface TorrentInfoExtras {
  /** When the torrent was added, Unix seconds. */
  added_at?: number;
  /** All-time uploaded ÷ downloaded, as the core counts it across restarts. */
  ratio?: number;
  /** From the metainfo: `created by`, `comment`, `creation date` (Unix seconds). */
  created_by?: string | null;
  comment?: string | null;
  creation_date?: number | null;
  /** BitTorrent v2 info hash (hex), for hybrid torrents. */
  info_hash_v2?: string | null;
}

export type TorrentView = TorrentInfo & TorrentInfoExtras;

export interface SessionStatsExtras {
  /** Nodes in the DHT routing table; `null` when DHT is off. */
  dht_nodes?: number | null;
  /** Free bytes on the disk that holds the download folder. */
  free_disk_bytes?: number | null;
  /** Peer connections through the gateway, all torrents. */
  connections?: number;
  /** The upload cap in force now, bytes per second; `null` unlimited. */
  upload_cap_bytes_per_sec?: number | null;
}

export type SessionStatsView = SessionStats & SessionStatsExtras;

export interface SettingsExtras {
  /** Alternative ("turtle") limits, used instead of `limits` while `alt_limits_enabled`. */
  alt_limits?: RateLimits;
  alt_limits_enabled?: boolean;
  max_connections?: number;
  max_connections_per_torrent?: number;
  max_connections_per_ip?: number;
  /** A blocklist file on the machine running the core; `null` for none. */
  blocklist_path?: string | null;
  notify_on_complete?: boolean;
  start_at_login?: boolean;
  close_to_tray?: boolean;
}

export type SettingsView = Settings & SettingsExtras;

export interface PeerInfoExtras {
  download_bytes_per_sec?: number;
  upload_bytes_per_sec?: number;
  am_choking?: boolean;
  am_interested?: boolean;
  peer_choking?: boolean;
  peer_interested?: boolean;
}

export type PeerView = PeerInfo & PeerInfoExtras;

/** `{"type":"get_pieces","id":…}` answered by `{"type":"pieces","pieces":{count,bitfield_base64}}`. */
export interface PieceMap {
  count: number;
  /** One bit per piece, most significant bit first (BEP 3), base64. */
  bitfield_base64: string;
}

/**
 * Asks for a torrent's piece map. `null` when this core has no such request yet (it
 * answers `bad_request` to an unknown variant), so the caller can fall back.
 */
export async function getPieces(
  rpc: (request: Request) => Promise<Response>,
  id: string,
): Promise<PieceMap | null> {
  try {
    // Not in the generated `Request` yet: the one deliberate cast for a feature probe.
    const reply = (await rpc({ type: 'get_pieces', id } as unknown as Request)) as unknown as {
      type: string;
      pieces?: PieceMap;
    };
    return reply.type === 'pieces' && reply.pieces ? reply.pieces : null;
  } catch (e) {
    if ((e as ApiError).kind === 'bad_request') return null;
    throw e;
  }
}

/** Whether the core sent this optional field (absent and `undefined` mean "not supported"). */
export function has<T extends object>(value: T, key: keyof T): boolean {
  return key in value && value[key] !== undefined;
}
