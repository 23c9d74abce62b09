import { useCallback, useEffect, useRef, useState } from 'react';

export interface Async<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads on mount and whenever `deps` change; `reload` loads again (after an action). `arrived` gives the
 * data when it is already here (a call the page started before React loaded): the first render shows it.
 */
export function useAsync<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
  arrived?: () => T | undefined,
): Async<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>(() => {
    const data = arrived?.();
    return { data, error: undefined, loading: data === undefined };
  });
  const [generation, setGeneration] = useState(0);
  const loaded = useRef(state.data !== undefined);
  useEffect(() => {
    if (loaded.current) {
      loaded.current = false;
      return;
    }
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => current && setState({ data, error: undefined, loading: false }),
      (error: unknown) => current && setState({ data: undefined, error, loading: false }),
    );
    return () => {
      current = false;
    };
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, reload };
}
