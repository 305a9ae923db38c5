import type { Event, Request, Response } from '../bindings';
import { isApiError, type ConnectionState, type Transport } from './types';

const TOKEN_KEY = 'bidswarm.token';

/**
 * Takes the token from the login link (`#token=…`) into sessionStorage and removes it
 * from the address bar, so it is not bookmarked, shared or kept in history.
 */
export function takeTokenFromLocation(location: Location, history: History, storage: Storage): string | null {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const fromHash = params.get('token');
  if (fromHash) {
    storage.setItem(TOKEN_KEY, fromHash);
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', location.pathname + location.search + (rest ? `#${rest}` : ''));
    return fromHash;
  }
  return storage.getItem(TOKEN_KEY);
}

/** The headless transport: `POST /api/rpc` and server-sent events from `/api/events`. */
export class BrowserTransport implements Transport {
  readonly kind = 'browser' as const;
  private state: ConnectionState;
  private readonly listeners = new Set<(state: ConnectionState) => void>();

  constructor(private readonly token: string | null, private readonly base = '') {
    this.state = token ? 'connecting' : 'no_token';
  }

  connectionState(): ConnectionState {
    return this.state;
  }

  onConnectionChange(listener: (state: ConnectionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onExternalAdd(): () => void {
    return () => {};
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    for (const listener of this.listeners) listener(state);
  }

  async rpc(request: Request, signal?: AbortSignal): Promise<Response> {
    if (!this.token) {
      throw { kind: 'unauthorized', message: 'no API token' };
    }
    let reply: globalThis.Response;
    try {
      reply = await fetch(`${this.base}/api/rpc`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${this.token}` },
        body: JSON.stringify(request),
        signal: signal ?? null,
      });
    } catch (e) {
      if (signal?.aborted) throw e;
      this.setState('reconnecting');
      throw { kind: 'unreachable', message: 'cannot reach the Bidswarm server; is it still running?' };
    }
    const body: unknown = await reply.json().catch(() => null);
    if (reply.status === 401) this.setState('unauthorized');
    if (!reply.ok) {
      throw isApiError(body) ? body : { kind: 'internal', message: `HTTP ${reply.status}` };
    }
    if (this.state === 'reconnecting' || this.state === 'connecting') this.setState('connected');
    return body as Response;
  }

  subscribe(onEvent: (event: Event) => void): () => void {
    if (!this.token) return () => {};
    const source = new EventSource(`${this.base}/api/events?token=${encodeURIComponent(this.token)}`);
    source.onopen = () => this.setState('connected');
    source.onmessage = (message: MessageEvent<string>) => {
      try {
        onEvent(JSON.parse(message.data) as Event);
      } catch {
        // A line that is not an event (a proxy's noise) is not worth breaking the stream for.
      }
    };
    source.onerror = () => {
      if (this.state === 'unauthorized') return;
      // EventSource retries on its own; a CLOSED source will not, which happens on 401.
      this.setState('reconnecting');
      if (source.readyState === EventSource.CLOSED) {
        this.rpc({ type: 'session_stats' }).catch(() => {});
      }
    };
    return () => source.close();
  }
}

export function createBrowserTransport(): BrowserTransport {
  return new BrowserTransport(takeTokenFromLocation(window.location, window.history, window.sessionStorage));
}
