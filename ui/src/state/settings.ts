/**
 * The core's settings as this UI last read or saved them, for what shows them outside a
 * settings form: the status bar's limits and toggle, the details panel's global seeding
 * limits. Whatever saves settings passes the core's answer to `set`. Created once in
 * `AppProvider`; loaded at start, on a reconnect and when the schedule switches the
 * alternative limits (`App`).
 */
import type { Settings } from '../bindings';
import type { Call } from './call';

type Listener = () => void;

export class SettingsMirror {
  private settings: Settings | null = null;
  /** Bumped by every `set` and `load`, so an older answer never replaces a newer one. */
  private generation = 0;
  private readonly listeners = new Set<Listener>();

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** `null` until the first answer. */
  get = (): Settings | null => this.settings;

  set(settings: Settings): void {
    this.generation += 1;
    this.settings = settings;
    for (const listener of this.listeners) listener();
  }

  /** Asks the core; a failure keeps what is known (the next reconnect asks again). */
  async load(call: Call): Promise<void> {
    const mine = ++this.generation;
    try {
      const r = await call({ type: 'get_settings' });
      if (mine === this.generation) this.set(r.settings);
    } catch {
      // Nothing to show but what is known; the transport reports the lost connection.
    }
  }

  /**
   * `next` with what changes without a save in a form, whether the alternative limits
   * are on (the status bar's toggle, the schedule), as last known: a form opened before
   * the switch must not switch them back when it saves its own fields.
   */
  withLive(next: Settings): Settings {
    return this.settings ? { ...next, alt_limits_enabled: this.settings.alt_limits_enabled } : next;
  }
}
