// Following Server-Sent Events streams: the draft changes (`/api/drafts/events`) for the inbox,
// and the event log (`/events`) for the events page. EventSource retries a dropped connection
// by itself (sending `Last-Event-ID`), but gives up for good on an HTTP error (the session
// expired, a proxy's 502 while the host restarts): then `followStream` asks the API once (so
// an expired session shows the login page) and opens a new stream after a growing pause.
import { useEffect, useRef, useState } from "react";
import { api } from "./api";
import type { EventView } from "./types";

/** `connecting` until the first open; `reconnecting` after a drop, until open again. */
export type StreamState = "connecting" | "live" | "reconnecting";

export interface StreamOptions {
  /** The stream's URL, asked at every new EventSource (so a caller can resume where it was). */
  url(): string;
  /** The named events (`event:` field) to follow: EventSource has no catch-all listener. */
  events: readonly string[];
  onEvent(e: MessageEvent<string>): void;
  /** A cheap API path asked after a hard failure: a 401 there shows the login page. */
  probe: string;
  onState(state: StreamState): void;
}

/** Follows a stream until the returned function is called. */
export function followStream(opts: StreamOptions): () => void {
  let source: EventSource | null = null;
  let retry: number | undefined;
  let delay = 1000;
  let stopped = false;
  const handler = (e: Event) => {
    if (!stopped) opts.onEvent(e as MessageEvent<string>);
  };
  const open = () => {
    source = new EventSource(opts.url(), { withCredentials: true });
    source.onopen = () => {
      delay = 1000;
      opts.onState("live");
    };
    source.onerror = () => {
      if (stopped) return;
      opts.onState("reconnecting");
      if (source?.readyState !== EventSource.CLOSED) return;
      // A 401 here reaches the app's unauthenticated handler; other errors just wait.
      api.get(opts.probe).catch(() => {});
      retry = window.setTimeout(open, delay);
      delay = Math.min(delay * 2, 30_000);
    };
    for (const name of opts.events) source.addEventListener(name, handler);
  };
  opts.onState("connecting");
  open();
  return () => {
    stopped = true;
    window.clearTimeout(retry);
    source?.close();
  };
}

export interface DraftsChanged {
  revision: string;
  counts: Record<string, number>;
}

/** Calls `onChange` on every draft change; returns whether the stream is connected. */
export function useDraftEvents(onChange: (c: DraftsChanged) => void): boolean {
  const [state, setState] = useState<StreamState>("connecting");
  const callback = useRef(onChange);
  callback.current = onChange;
  useEffect(
    () =>
      followStream({
        url: () => "/api/drafts/events",
        events: ["drafts"],
        probe: "/api/drafts?limit=1",
        onState: setState,
        onEvent: (e) => {
          try {
            callback.current(JSON.parse(e.data) as DraftsChanged);
          } catch {
            // A malformed event is ignored; the next one carries the whole state again.
          }
        },
      }),
    [],
  );
  return state === "live";
}

/**
 * Follows the event log (`/events`) for the given kinds: `onEvent` for each new one, and
 * `onOpen` each time the stream (re)connects, so the caller can fetch what it shows again
 * (whatever happened while it was not connected is then in the answer). Returns the stream's
 * state.
 */
export function useLiveEvents(
  kinds: readonly string[],
  onEvent: (e: EventView) => void,
  onOpen?: () => void,
): StreamState {
  const [state, setState] = useState<StreamState>("connecting");
  const callbacks = useRef({ onEvent, onOpen });
  callbacks.current = { onEvent, onOpen };
  const key = kinds.join(" ");
  useEffect(() => {
    // Without `after` the stream starts at the newest event; a dropped connection resumes
    // where it was (EventSource sends Last-Event-ID).
    return followStream({
      url: () => "/events",
      events: key.split(" ").filter(Boolean),
      probe: "/api/feed?limit=1",
      onState: (s) => {
        setState(s);
        if (s === "live") callbacks.current.onOpen?.();
      },
      onEvent: (msg) => {
        try {
          const e = JSON.parse(msg.data) as EventView;
          if (typeof e?.kind === "string") callbacks.current.onEvent(e);
        } catch {
          // A malformed event is ignored; the next (re)connection fetches everything again.
        }
      },
    });
  }, [key]);
  return state;
}
