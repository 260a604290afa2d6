// Loads one API resource for a page: the data, the error to show, and a reload. Answers to an
// older path (the filter changed while a request was out) are dropped, so a slow answer never
// shows under a newer choice.
import { useCallback, useEffect, useRef, useState } from "react";
import { api } from "./api";

export interface Resource<T> {
  data: T | null;
  error: unknown;
  reload(): Promise<void>;
  /** Replaces the data (with what a mutation returned). */
  set(data: T): void;
  setError(e: unknown): void;
}

export function useResource<T>(path: string): Resource<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const latest = useRef(0);
  const reload = useCallback(async () => {
    const mine = ++latest.current;
    try {
      const value = await api.get<T>(path);
      if (mine === latest.current) {
        setData(value);
        setError(null);
      }
    } catch (e) {
      if (mine === latest.current) setError(e);
    }
  }, [path]);
  useEffect(() => {
    void reload();
  }, [reload]);
  // What a mutation answered is newer than any answer still on its way.
  const set = useCallback((value: T) => {
    latest.current++;
    setData(value);
  }, []);
  return { data, error, reload, set, setError };
}
