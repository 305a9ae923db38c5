import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { Event, Request, Response, TorrentSource } from '../bindings';
import { toApiError, type ConnectionState, type Transport } from './types';

/** The desktop transport: one `rpc` command and the `core-event` event of the Tauri bridge. */
export class TauriTransport implements Transport {
  readonly kind = 'tauri' as const;

  connectionState(): ConnectionState {
    // The core lives in the same process; there is no link to lose.
    return 'connected';
  }

  onConnectionChange(): () => void {
    return () => {};
  }

  async rpc(request: Request): Promise<Response> {
    try {
      return await invoke<Response>('rpc', { request });
    } catch (e) {
      throw toApiError(e);
    }
  }

  /** The native dialog, opened by the desktop side: a folder picked there becomes one requests may name. */
  async pickFolder(title: string, start?: string): Promise<string | null> {
    try {
      return await invoke<string | null>('pick_folder', { title, start: start || null });
    } catch (e) {
      throw toApiError(e);
    }
  }

  async registerMagnetHandler(): Promise<string> {
    try {
      return await invoke<string>('register_magnet_handler');
    } catch (e) {
      throw toApiError(e);
    }
  }

  subscribe(onEvent: (event: Event) => void): () => void {
    return this.listenFor<Event>('core-event', onEvent);
  }

  onExternalAdd(listener: (source: TorrentSource) => void): () => void {
    return this.listenFor<TorrentSource>('open-torrent', listener);
  }

  private listenFor<T>(name: string, handler: (payload: T) => void): () => void {
    let stop: (() => void) | null = null;
    let stopped = false;
    void listen<T>(name, (e) => handler(e.payload)).then((unlisten) => {
      if (stopped) unlisten();
      else stop = unlisten;
    });
    return () => {
      stopped = true;
      stop?.();
    };
  }
}
