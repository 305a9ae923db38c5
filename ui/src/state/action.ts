import { useCallback, useState } from 'react';
import type { ApiError } from '../bindings';

/**
 * A form's submit: `run(fn)` marks the form busy and clears the last error while `fn`
 * runs, and keeps the API's message when it throws.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError((e as ApiError).message);
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}
