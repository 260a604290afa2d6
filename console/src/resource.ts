// Loads one API resource for a page: the data, the error to show, and a reload.
import { useCallback, useEffect, useState } from "react";
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
  const reload = useCallback(async () => {
    try {
      setData(await api.get<T>(path));
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [path]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, error, reload, set: setData, setError };
}
