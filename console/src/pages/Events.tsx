import { useSearchParams } from "react-router";
import { ErrorBanner } from "../components/ErrorBanner";
import { TableWrap } from "../components/TableWrap";
import type { StreamState } from "../live";
import { EVENT_KINDS, EVENT_LABELS } from "../types";
import type { EventKind } from "../types";
import { EventRow } from "./events/EventRow";
import { useEventFeed } from "./events/useEventFeed";

const STREAM_LABEL: Record<StreamState, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
};

/** The event log, newest first: what the runs, reviews, components and nodes did, live. */
export function EventsPage() {
  const [params, setParams] = useSearchParams();
  const kind = params.get("kind") ?? "";
  const feed = useEventFeed(kind);
  const events = feed.events;
  // A kind from the address that the list does not know still shows as chosen.
  const kinds: readonly string[] = kind && !EVENT_KINDS.some((k) => k === kind) ? [...EVENT_KINDS, kind] : EVENT_KINDS;

  return (
    <section className="page" aria-labelledby="events-title">
      <div className="page-head">
        <h1 id="events-title">Events</h1>
        <span className={`live ${feed.stream === "live" ? "on" : "off"}`} role="status">
          {STREAM_LABEL[feed.stream]}
        </span>
      </div>
      <div className="inline-form">
        <label htmlFor="event-kind">Kind</label>
        <select
          id="event-kind"
          className="auto-width"
          value={kind}
          onChange={(e) => setParams(e.target.value ? { kind: e.target.value } : {})}
        >
          <option value="">All kinds</option>
          {kinds.map((k) => (
            <option key={k} value={k}>
              {k in EVENT_LABELS ? `${k} — ${EVENT_LABELS[k as EventKind]}` : k}
            </option>
          ))}
        </select>
      </div>
      <ErrorBanner error={feed.error} />
      {feed.error != null && events === null && (
        <button type="button" onClick={feed.retry}>
          Try again
        </button>
      )}
      {events === null && feed.error == null && <p className="muted">Loading…</p>}
      {events?.length === 0 && <p className="empty">{kind ? `No ${kind} events yet.` : "No events yet."}</p>}
      {events && events.length > 0 && (
        <TableWrap label="Events table">
          <table className="events-table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Kind</th>
                <th scope="col">About</th>
                <th scope="col">Node</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <EventRow key={e.id} e={e} />
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {events && events.length > 0 && (
        <div className="pager">
          {feed.hasOlder ? (
            <button type="button" disabled={feed.loadingOlder} onClick={feed.loadOlder}>
              {feed.loadingOlder ? "Loading…" : "Load older"}
            </button>
          ) : (
            <p className="muted">No older events.</p>
          )}
        </div>
      )}
    </section>
  );
}
