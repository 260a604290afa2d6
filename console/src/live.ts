// Live draft changes over Server-Sent Events (`/api/drafts/events`). EventSource reconnects by
// itself; callers get each `drafts` event's counts and revision.
import { useEffect, useRef, useState } from "react";

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
    const source = new EventSource("/api/drafts/events", { withCredentials: true });
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(false);
    source.addEventListener("drafts", (e) => {
      try {
        callback.current(JSON.parse((e as MessageEvent).data) as DraftsChanged);
      } catch {
        // A malformed event is ignored; the next one carries the whole state again.
      }
    });
    return () => source.close();
  }, []);
  return connected;
}
