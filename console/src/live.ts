// Live draft changes over Server-Sent Events (`/api/drafts/events`). EventSource retries a
// dropped connection by itself, but gives up for good on an HTTP error (the session expired,
// a proxy's 502 while the host restarts): then this hook asks the API once (so an expired
// session shows the login page) and opens a new stream after a growing pause.
import { useEffect, useRef, useState } from "react";
import { api } from "./api";

export interface DraftsChanged {
  revision: string;
  counts: Record<string, number>;
}

/** Calls `onChange` on every change; returns whether the stream is connected. */
export function useDraftEvents(onChange: (c: DraftsChanged) => void): boolean {
  const [connected, setConnected] = useState(false);
  const callback = useRef(onChange);
  callback.current = onChange;
  useEffect(() => {
    let source: EventSource | null = null;
    let retry: number | undefined;
    let delay = 1000;
    let stopped = false;
    const open = () => {
      source = new EventSource("/api/drafts/events", { withCredentials: true });
      source.onopen = () => {
        delay = 1000;
        setConnected(true);
      };
      source.onerror = () => {
        setConnected(false);
        if (source?.readyState !== EventSource.CLOSED || stopped) return;
        // A 401 here reaches the app's unauthenticated handler; other errors just wait.
        api.get("/api/drafts?limit=1").catch(() => {});
        retry = window.setTimeout(open, delay);
        delay = Math.min(delay * 2, 30_000);
      };
      source.addEventListener("drafts", (e) => {
        try {
          callback.current(JSON.parse((e as MessageEvent).data) as DraftsChanged);
        } catch {
          // A malformed event is ignored; the next one carries the whole state again.
        }
      });
    };
    open();
    return () => {
      stopped = true;
      window.clearTimeout(retry);
      source?.close();
    };
  }, []);
  return connected;
}
