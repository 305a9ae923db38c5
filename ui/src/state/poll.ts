/**
 * Asks the core for something now and then every `intervalMs`, while the component is
 * shown. Errors are kept beside the last good value, so a page can show both ("offline,
 * last known: …"). The intervals live in `queries`.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { AnswerTo, ApiError, Request } from '../bindings';
import { useApp } from './app';

export interface Polled<T> {
  value: T | null;
  /** The last request's failure, an answer of the wrong type included; cleared by the next answer. */
  error: ApiError | null;
  /** Asks again at once (after an action changed what it shows). */
  refresh: () => void;
}

export function usePoll<R extends Request, T>(request: R, select: (answer: AnswerTo<R['type']>) => T, intervalMs: number): Polled<T> {
  const { call } = useApp();
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const selectRef = useRef(select);
  selectRef.current = select;
  // The request by value, so a caller may build a new object on every render.
  const key = JSON.stringify(request);
  const generation = useRef(0);

  const load = useCallback(() => {
    const mine = ++generation.current;
    call(JSON.parse(key) as R)
      .then((answer) => {
        if (mine !== generation.current) return;
        setValue(selectRef.current(answer));
        setError(null);
      })
      .catch((e: ApiError) => {
        if (mine === generation.current) setError(e);
      });
  }, [call, key]);

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
