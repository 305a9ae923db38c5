/**
 * The categories and tags as this UI last knew them, for the sidebar, the menu, the add
 * dialog and the settings. Loaded at start and on every reconnect, replaced by each
 * `labels_changed` event (another UI changed them) and by the answer to this UI's own
 * label requests (`state/labelSync`). Created once in `AppProvider`.
 */
import type { Labels } from '../bindings';
import { sameLabels } from '../lib/labels';
import type { Call } from './call';

type Listener = () => void;

export class LabelsMirror {
  private labels: Labels | null = null;
  /** Bumped by every `set` and `load`, so an older answer never replaces a newer one. */
  private generation = 0;
  private readonly listeners = new Set<Listener>();

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** `null` until the first answer. */
  get = (): Labels | null => this.labels;

  /**
   * Whether anything changed: the event and the answer to one change carry the same
   * labels, and only the first of them is news.
   */
  set(labels: Labels): boolean {
    this.generation += 1;
    if (this.labels && sameLabels(this.labels, labels)) return false;
    this.labels = labels;
    for (const listener of this.listeners) listener();
    return true;
  }

  /** Asks the core; a failure keeps what is known (the next reconnect asks again). */
  async load(call: Call): Promise<void> {
    const mine = ++this.generation;
    try {
      const r = await call({ type: 'list_labels' });
      if (mine === this.generation) this.set(r.labels);
    } catch {
      // The transport reports the lost connection.
    }
  }
}
