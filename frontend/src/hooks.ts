import { useCallback, useEffect, useRef, useState } from "preact/hooks";

import { api, type Options } from "./api";
import { type LiveEvent, onLive } from "./live";

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => Promise<void>;
  setData: (data: T) => void;
}

/** GET `path` (null: nothing yet), again whenever `path` or `query` change, and on `reload()`. */
export function useApi<T = any>(path: string | null, options: Options = {}): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(path !== null);
  const key = path === null ? null : path + JSON.stringify(options.query ?? {});
  const latest = useRef(0);

  const load = useCallback(async () => {
    if (path === null) return;
    const mine = ++latest.current;
    setLoading(true);
    try {
      const body = await api<T>(path, options);
      if (mine === latest.current) {
        setData(body);
        setError(null);
      }
    } catch (caught) {
      if (mine === latest.current) setError(caught);
    } finally {
      if (mine === latest.current) setLoading(false);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  useEffect(() => {
    void load();
  }, [load]);

  return { data, error, loading, reload: load, setData };
}

/** Run `listener` on live events whose type starts with one of `prefixes` while mounted. */
export function useLive(prefixes: string[], listener: (event: LiveEvent) => void): void {
  const saved = useRef(listener);
  saved.current = listener;
  const key = prefixes.join(",");
  useEffect(() => onLive(prefixes, (event) => saved.current(event)), [key]);
}

/** A value that follows `value` after it stopped changing for `ms` (search boxes). */
export function useDebounced<T>(value: T, ms = 250): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** Page title: "Inbox · Frontdesk". */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Frontdesk` : "Frontdesk";
  }, [title]);
}
