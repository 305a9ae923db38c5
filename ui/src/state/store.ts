/**
 * The UI's copy of the core's torrents, kept current by events and an occasional full
 * list. Listeners are told at most once per frame, so a burst of progress events (one
 * per torrent per second) costs one render.
 */
import type { Event, TorrentId, TorrentInfo } from '../bindings';
import { RateHistory } from '../lib/speedHistory';

type Listener = () => void;

/** How often progress alone re-renders: the core samples once a second. */
const PROGRESS_INTERVAL_MS = 1000;

export class TorrentStore {
  private torrents = new Map<TorrentId, TorrentInfo>();
  private snapshot: TorrentInfo[] = [];
  private dirty = false;
  private frameScheduled = false;
  private timerScheduled = false;
  private lastFlush = 0;
  private loaded = false;
  private readonly listeners = new Set<Listener>();
  readonly histories = new Map<TorrentId, RateHistory>();
  readonly session = new RateHistory();

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The torrents in insertion order; the same array until something changes. */
  getSnapshot = (): TorrentInfo[] => {
    if (this.dirty) {
      this.snapshot = Array.from(this.torrents.values());
      this.dirty = false;
    }
    return this.snapshot;
  };

  isLoaded = (): boolean => this.loaded;

  get(id: TorrentId): TorrentInfo | undefined {
    return this.torrents.get(id);
  }

  /** Replaces everything with a full list from the core. */
  replaceAll(list: readonly TorrentInfo[]): void {
    const next = new Map<TorrentId, TorrentInfo>();
    for (const t of list) next.set(t.id, t);
    this.torrents = next;
    for (const id of this.histories.keys()) if (!next.has(id)) this.histories.delete(id);
    this.loaded = true;
    this.changed();
  }

  upsert(torrent: TorrentInfo): void {
    this.torrents.set(torrent.id, torrent);
    this.changed();
  }

  remove(id: TorrentId): void {
    if (this.torrents.delete(id)) {
      this.histories.delete(id);
      this.changed();
    }
  }

  apply(event: Event, nowUnixSeconds = Date.now() / 1000): void {
    switch (event.type) {
      case 'added':
      case 'metadata_resolved':
      case 'completed':
      // Paused torrents send no progress: this is how a pause made elsewhere shows.
      case 'state_changed':
        this.upsert(event.torrent);
        break;
      case 'progress': {
        const t = event.torrent;
        let history = this.histories.get(t.id);
        if (!history) {
          history = new RateHistory();
          this.histories.set(t.id, history);
        }
        history.push(nowUnixSeconds, t.download_bytes_per_sec, t.upload_bytes_per_sec);
        // A progress event that changes the state (paused elsewhere, checking done) is news.
        const before = this.torrents.get(t.id);
        this.torrents.set(t.id, t);
        this.changed(before === undefined || before.state !== t.state);
        break;
      }
      case 'removed':
        this.remove(event.id);
        break;
      case 'error': {
        const t = this.torrents.get(event.id);
        if (t) this.upsert({ ...t, state: 'error', error: event.error.message });
        break;
      }
    }
  }

  /**
   * Something changed. Urgent changes (an add, a removal, an answer to the user) render
   * on the next frame; progress renders at most once per `PROGRESS_INTERVAL_MS`, the rate
   * the core sends it at, however the events for many torrents spread over the second.
   */
  private changed(urgent = true): void {
    this.dirty = true;
    if (urgent) {
      if (this.frameScheduled) return;
      this.frameScheduled = true;
      if (typeof requestAnimationFrame === 'function' && typeof document !== 'undefined' && !document.hidden) {
        requestAnimationFrame(this.flush);
      } else {
        setTimeout(this.flush, 16);
      }
      return;
    }
    if (this.timerScheduled) return;
    this.timerScheduled = true;
    const wait = Math.max(0, this.lastFlush + PROGRESS_INTERVAL_MS - Date.now());
    setTimeout(this.flush, wait);
  }

  private flush = (): void => {
    this.frameScheduled = false;
    this.timerScheduled = false;
    this.lastFlush = Date.now();
    // Marks for the performance check: from telling React to the end of the render and
    // commit it triggers (React renders store updates before the next task).
    performance.mark('bidswarm:update:start');
    for (const listener of this.listeners) listener();
    setTimeout(() => performance.measure('bidswarm:update', 'bidswarm:update:start'), 0);
  };
}
