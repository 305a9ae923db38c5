/**
 * The only module that knows how requests travel. Inside the desktop app (Tauri) they
 * go through the `rpc` command; in a browser through `POST /api/rpc` with the token.
 */
import { createBrowserTransport } from './browser';
import type { Transport } from './types';

export type { ConnectionState, Transport } from './types';
export { isApiError, toApiError } from './types';

function insideTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

/** Picks the transport for where the UI runs. Tauri's API is loaded only inside Tauri. */
export async function connect(): Promise<Transport> {
  if (insideTauri()) {
    const { TauriTransport } = await import('./tauri');
    return new TauriTransport();
  }
  return createBrowserTransport();
}
