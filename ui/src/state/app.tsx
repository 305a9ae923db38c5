/**
 * What every component may reach: the core (through `call`), the transport's events and
 * connection state, the torrent store, the settings and the labels as last known, and
 * the toasts.
 * Created once in `App`.
 */
import { createContext, useCallback, useContext, useMemo, useState, useSyncExternalStore, type ReactNode } from 'react';
import type { ApiError, Labels, Settings } from '../bindings';
import type { ConnectionState, Transport } from '../transport';
import { callOver, type Call } from './call';
import { LabelsMirror } from './labels';
import { SettingsMirror } from './settings';
import { TorrentStore } from './store';

export interface Toast {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

interface AppContextValue {
  transport: Transport;
  store: TorrentStore;
  settings: SettingsMirror;
  labels: LabelsMirror;
  /** Sends a request and resolves its typed answer; rejects with an `ApiError`. */
  call: Call;
  toasts: Toast[];
  notify: (kind: Toast['kind'], text: string) => void;
  dismiss: (id: number) => void;
}

const AppContext = createContext<AppContextValue | null>(null);

let nextToastId = 1;

export function AppProvider({ transport, store, children }: { transport: Transport; store: TorrentStore; children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const [settings] = useState(() => new SettingsMirror());
  const [labels] = useState(() => new LabelsMirror());
  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);
  const notify = useCallback(
    (kind: Toast['kind'], text: string) => {
      const id = nextToastId++;
      setToasts((all) => [...all.slice(-4), { id, kind, text }]);
      window.setTimeout(() => dismiss(id), kind === 'error' ? 10000 : 4000);
    },
    [dismiss],
  );
  const call = useMemo(() => callOver((request, signal) => transport.rpc(request, signal)), [transport]);
  const value = useMemo(
    () => ({ transport, store, settings, labels, call, toasts, notify, dismiss }),
    [transport, store, settings, labels, call, toasts, notify, dismiss],
  );
  return <AppContext.Provider value={value}>{children}</AppContext.Provider>;
}

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside AppProvider');
  return value;
}

export function useTorrents() {
  const { store } = useApp();
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}

/** The core's settings as last read or saved; `null` until the first answer. */
export function useSettings(): Settings | null {
  const { settings } = useApp();
  return useSyncExternalStore(settings.subscribe, settings.get);
}

/** The categories and tags as last known; `null` until the first answer. */
export function useLabels(): Labels | null {
  const { labels } = useApp();
  return useSyncExternalStore(labels.subscribe, labels.get);
}

export function useConnectionState(): ConnectionState {
  const { transport } = useApp();
  return useSyncExternalStore(
    useCallback((cb: () => void) => transport.onConnectionChange(cb), [transport]),
    () => transport.connectionState(),
  );
}

export type { ApiError };
