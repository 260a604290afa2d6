// The event log for the events page: the newest page of the feed (one kind, or all), older
// pages on request, and new events live from `/events`, newest first, deduplicated by id.
//
// The stream starts right after the newest event loaded first, so nothing written in between
// is missed; it stays open while the kind filter changes (live events are filtered here).
// EventSource has no catch-all listener for named events, so it follows the kinds in
// EVENT_KINDS; an event of another kind still shows: when a followed event's id skips some,
// the skipped ids are fetched from the feed.
import { useEffect, useRef, useState } from "react";
import { api } from "../../api";
import { followStream } from "../../live";
import type { StreamState } from "../../live";
import { EVENT_KINDS } from "../../types";
import type { EventView, FeedPage } from "../../types";

const PAGE = 50;
/** Events kept in memory; older ones are fetched again by "Load older". */
export const KEEP = 500;

export interface EventFeed {
  /** Newest first; null until the first page answered. */
  events: EventView[] | null;
  error: unknown;
  stream: StreamState;
  hasOlder: boolean;
  loadingOlder: boolean;
  loadOlder(): void;
  /** Asks for the newest page again (after it failed). */
  retry(): void;
}

interface List {
  events: EventView[];
  /** The feed's `next_before`: older events exist before this id. */
  nextBefore: number | null;
}

export function feedPath(q: { limit: number; kind?: string; before?: number | null }): string {
  const p = new URLSearchParams({ limit: String(q.limit) });
  if (q.kind) p.set("kind", q.kind);
  if (q.before != null) p.set("before", String(q.before));
  return `/api/feed?${p}`;
}

/** `a` and `b` in one list, newest first, each id once. */
function merge(a: EventView[], b: EventView[]): EventView[] {
  const byId = new Map<number, EventView>();
  for (const e of a) byId.set(e.id, e);
  for (const e of b) byId.set(e.id, e);
  return [...byId.values()].sort((x, y) => y.id - x.id);
}

/** Adds newer `events` to the list, keeping at most KEEP (what is dropped can be loaded again). */
function addNewer(list: List, events: EventView[]): List {
  // Older than the list's oldest: "Load older" brings those, in order.
  const fresh = list.nextBefore === null ? events : events.filter((e) => e.id > (list.nextBefore ?? 0));
  if (fresh.length === 0) return list;
  const all = merge(list.events, fresh);
  if (all.length <= KEEP) return { ...list, events: all };
  const kept = all.slice(0, KEEP);
  return { events: kept, nextBefore: kept[kept.length - 1]?.id ?? null };
}

const matches = (kind: string) => (e: EventView) => !kind || e.kind === kind;

function parse(data: string): EventView | null {
  try {
    const e = JSON.parse(data) as EventView;
    return typeof e?.id === "number" && typeof e.kind === "string" ? e : null;
  } catch {
    return null;
  }
}

export function useEventFeed(kind: string): EventFeed {
  const [list, setList] = useState<List | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [stream, setStream] = useState<StreamState>("connecting");
  const [loadingOlder, setLoadingOlder] = useState(false);
  /** Where the stream starts (the newest id when the page opened); null until known. */
  const [from, setFrom] = useState<number | null>(null);
  const [attempt, setAttempt] = useState(0);
  const kindNow = useRef(kind);
  kindNow.current = kind;
  /** The live events received, of every kind, newest first (for a page loading meanwhile). */
  const live = useRef<EventView[]>([]);
  /** Bumped when the kind changes: answers for an older choice are dropped. */
  const generation = useRef(0);
  const started = useRef(false);

  /** Takes events from the stream (or filling a gap in it). */
  const receive = (events: EventView[]) => {
    if (events.length === 0) return;
    live.current = merge(live.current, events).slice(0, KEEP);
    const mine = events.filter(matches(kindNow.current));
    if (mine.length > 0) setList((l) => (l ? addNewer(l, mine) : l));
  };
  const receiveRef = useRef(receive);
  receiveRef.current = receive;

  // The newest page, again when the kind changes (or on a retry).
  useEffect(() => {
    const mine = ++generation.current;
    setList(null);
    setError(null);
    setLoadingOlder(false);
    (async () => {
      try {
        // Before the stream opens: the newest id of any kind, so the stream misses nothing.
        const head = !started.current && kind ? await api.get<FeedPage>(feedPath({ limit: 1 })) : null;
        const page = await api.get<FeedPage>(feedPath({ limit: PAGE, kind }));
        if (mine !== generation.current) return;
        const loaded: List = { events: page.events, nextBefore: page.next_before };
        setList(addNewer(loaded, live.current.filter(matches(kind))));
        if (!started.current) {
          started.current = true;
          setFrom((head ?? page).events[0]?.id ?? 0);
        }
      } catch (e) {
        if (mine === generation.current) setError(e);
      }
    })();
  }, [kind, attempt]);

  // The live stream, once the first page is in.
  useEffect(() => {
    if (from === null) return;
    let last = from;
    let pending: EventView[] = [];
    let flush: number | undefined;
    const take = (events: EventView[]) => {
      pending.push(...events);
      // A burst (catching up after a reconnect) renders once.
      flush ??= window.setTimeout(() => {
        flush = undefined;
        const batch = pending;
        pending = [];
        receiveRef.current(batch);
      }, 50);
    };
    const fillGap = async (after: number, before: number) => {
      try {
        const page = await api.get<FeedPage>(feedPath({ before, limit: Math.min(before - after - 1, KEEP) }));
        take(page.events.filter((e) => e.id > after));
      } catch {
        // Only events of kinds not followed are lost from view; the feed still has them.
      }
    };
    const stop = followStream({
      url: () => `/events?after=${last}`,
      events: EVENT_KINDS,
      probe: feedPath({ limit: 1 }),
      onState: setStream,
      onEvent: (msg) => {
        const e = parse(msg.data);
        if (!e) return;
        if (e.id > last + 1) void fillGap(last, e.id);
        last = Math.max(last, e.id);
        take([e]);
      },
    });
    return () => {
      stop();
      window.clearTimeout(flush);
    };
  }, [from]);

  async function loadOlder() {
    const before = list?.nextBefore;
    if (before == null || loadingOlder) return;
    const mine = generation.current;
    setLoadingOlder(true);
    try {
      const page = await api.get<FeedPage>(feedPath({ limit: PAGE, kind, before }));
      if (mine !== generation.current) return;
      setList((l) => l && { events: merge(l.events, page.events), nextBefore: page.next_before });
      setError(null);
    } catch (e) {
      if (mine === generation.current) setError(e);
    } finally {
      if (mine === generation.current) setLoadingOlder(false);
    }
  }

  return {
    events: list?.events ?? null,
    error,
    stream,
    hasOlder: list?.nextBefore != null,
    loadingOlder,
    loadOlder: () => void loadOlder(),
    retry: () => setAttempt((a) => a + 1),
  };
}
