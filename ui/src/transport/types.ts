import type { ApiError, Event, Request, Response, TorrentSource } from '../bindings';

/** Where the link to the core stands, as the status bar shows it. */
export type ConnectionState =
  | 'connecting'
  | 'connected'
  | 'reconnecting'
  /** The browser has no token at all: the user must open the login link. */
  | 'no_token'
  /** The server refused the token we have. */
  | 'unauthorized';

/**
 * How the UI reaches the core. Two implementations: Tauri (invoke + events) and the
 * browser (fetch + server-sent events). Nothing outside `src/transport` knows which.
 */
export interface Transport {
  readonly kind: 'tauri' | 'browser';
  /** Sends one request; rejects with an `ApiError` (never a bare string). */
  rpc(request: Request, signal?: AbortSignal): Promise<Response>;
  /** Starts delivering core events; returns the unsubscribe function. */
  subscribe(onEvent: (event: Event) => void): () => void;
  onConnectionChange(listener: (state: ConnectionState) => void): () => void;
  connectionState(): ConnectionState;
  /**
   * Torrents handed to the app from outside (a `magnet:` link or `.torrent` file opened
   * with the desktop app). The browser never has any.
   */
  onExternalAdd(listener: (source: TorrentSource) => void): () => void;
  /**
   * Desktop only: the system's folder picker, starting at `start`. Resolves the chosen
   * folder, or `null` when the user cancels. Absent in a browser, where the UI keeps a
   * text field (a web page cannot learn a folder's path).
   */
  pickFolder?: (title: string, start?: string) => Promise<string | null>;
  /**
   * Desktop only: registers Bidswarm as the handler for `magnet:` links and `.torrent`
   * files for this user; resolves the desktop entry it wrote.
   */
  registerMagnetHandler?: () => Promise<string>;
}

export function isApiError(value: unknown): value is ApiError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/** Turns whatever a transport threw into an `ApiError`, so callers handle one shape. */
export function toApiError(error: unknown): ApiError {
  if (isApiError(error)) return error;
  if (error instanceof DOMException && error.name === 'AbortError') {
    return { kind: 'internal', message: 'aborted' };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'internal', message };
}
