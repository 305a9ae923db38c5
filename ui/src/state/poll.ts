/**
 * Asks the core for something now and then every `intervalMs`, while the component is
 * shown. Errors are kept beside the last good value, so a page can show both ("offline,
 * last known: …").
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError, Request, Response } from '../bindings';
import { useApp } from './app';

export interface Polled<T> {
  value: T | null;
  error: ApiError | null;
  /** Asks again at once (after an action changed what it shows). */
  refresh: () => void;
}

export function usePoll<T>(request: Request | null, pick: (r: Response) => T | null, intervalMs: number): Polled<T> {
  const { rpc } = useApp();
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const pickRef = useRef(pick);
  pickRef.current = pick;
  const key = request ? JSON.stringify(request) : null;
  const generation = useRef(0);

  const load = useCallback(() => {
    if (!key) return;
    const mine = ++generation.current;
    rpc(JSON.parse(key) as Request)
      .then((r) => {
        if (mine !== generation.current) return;
        const picked = pickRef.current(r);
        if (picked !== null) setValue(picked);
        setError(null);
      })
      .catch((e: ApiError) => {
        if (mine === generation.current) setError(e);
      });
  }, [rpc, key]);

  useEffect(() => {
    load();
    const timer = window.setInterval(load, intervalMs);
    return () => {
      window.clearInterval(timer);
      generation.current += 1;
    };
  }, [load, intervalMs]);

  return { value, error, refresh: load };
}
