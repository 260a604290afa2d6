import { useEffect, useState } from "react";
import { ErrorBanner } from "../components/ErrorBanner";
import { TableWrap } from "../components/TableWrap";
import { ago, dateTime, duration } from "../format";
import { useLiveEvents } from "../live";
import { useResource } from "../resource";
import { NODE_LIVENESS_EVENT_KINDS } from "../types";
import type { EventView, NodeView } from "../types";

const REFRESH_MS = 5000;

/** What a liveness event says, in words. */
function livenessNews(e: EventView, nodes: NodeView[] | null): string {
  const known = nodes?.find((n) => n.id === e.subject);
  const hostname = typeof e.payload?.hostname === "string" ? e.payload.hostname : known?.hostname;
  const who = `Node ${e.subject}${hostname ? ` (${hostname})` : ""}`;
  const when = new Date(e.at).toLocaleTimeString();
  if (e.kind === "node.dead") {
    const lastSeen = typeof e.payload?.last_seen === "number" ? `; last seen ${dateTime(e.payload.last_seen)}` : "";
    return `${who} stopped heartbeating: it is dead${lastSeen} (${when}).`;
  }
  return `${who} is heartbeating again: it is alive (${when}).`;
}

/** Every host process that ran against this database, alive or dead, refreshed every 5 s and at
 * once when a node is found dead or comes back (announced). */
export function NodesPage() {
  const { data: nodes, error, reload } = useResource<NodeView[]>("/api/nodes");
  useEffect(() => {
    const t = window.setInterval(() => void reload(), REFRESH_MS);
    return () => window.clearInterval(t);
  }, [reload]);
  const [news, setNews] = useState("");
  useLiveEvents(
    NODE_LIVENESS_EVENT_KINDS,
    (e) => {
      setNews(livenessNews(e, nodes));
      void reload();
    },
    // Connected (again): what changed meanwhile is in a fresh answer.
    () => void reload(),
  );

  const dead = nodes?.filter((n) => n.state === "dead").length ?? 0;
  return (
    <section className="page" aria-labelledby="nodes-title">
      <div className="page-head">
        <h1 id="nodes-title">Nodes</h1>
        {nodes && (
          <span className="muted">
            {nodes.length - dead} alive{dead > 0 && `, ${dead} dead`} · refreshed every {REFRESH_MS / 1000} s
          </span>
        )}
      </div>
      <p className="node-news" role="status" aria-live="polite" data-testid="node-announcement">
        {news}
      </p>
      <ErrorBanner error={error} />
      {!nodes && !error && <p className="muted">Loading…</p>}
      {nodes?.length === 0 && <p className="empty">No node has registered yet.</p>}
      {nodes && nodes.length > 0 && (
        <TableWrap label="Nodes table">
          <table className="nodes-table">
            <thead>
              <tr>
                <th scope="col">Node</th>
                <th scope="col">Host</th>
                <th scope="col">Version</th>
                <th scope="col">Roles</th>
                <th scope="col">State</th>
                <th scope="col">Last seen</th>
                <th scope="col">Started</th>
                <th scope="col">Loops idle</th>
                <th scope="col">Components</th>
              </tr>
            </thead>
            <tbody>
              {nodes.map((n) => (
                <NodeRow key={n.id} n={n} />
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}

function NodeRow({ n }: { n: NodeView }) {
  return (
    <tr className={n.state === "dead" ? "dead" : ""} data-node-id={n.id} data-state={n.state}>
      <td className="break">
        <code>{n.id}</code>
        {n.this_node && (
          <>
            {" "}
            <span className="this-node">This node</span>
          </>
        )}
      </td>
      <td className="break">{n.hostname}</td>
      <td>{n.version}</td>
      <td>{n.roles.join(", ") || "—"}</td>
      <td>
        <NodeState n={n} />
      </td>
      <td>
        <time dateTime={new Date(n.last_seen).toISOString()} title={dateTime(n.last_seen)}>
          {ago(n.silent_ms)}
        </time>
      </td>
      <td>{dateTime(n.started_at)}</td>
      <td>
        <LoopsIdle n={n} />
      </td>
      <td>{n.status?.components_loaded ?? "—"}</td>
    </tr>
  );
}

/** Alive or dead in words and a symbol as well as a colour. */
function NodeState({ n }: { n: NodeView }) {
  const alive = n.state === "alive";
  return (
    <span className={`node-state node-${alive ? "alive" : "dead"}`}>
      <span aria-hidden="true">{alive ? "●" : "!"}</span> {alive ? "Alive" : "Dead"}
    </span>
  );
}

const LOOPS = [
  ["worker", "worker_idle_ms"],
  ["publisher", "publisher_idle_ms"],
  ["scheduler", "scheduler_idle_ms"],
] as const;

/** How long each loop had been idle at the last heartbeat ("—": it does not run there). */
function LoopsIdle({ n }: { n: NodeView }) {
  return (
    <dl className="loops">
      {LOOPS.map(([name, key]) => (
        <div key={name}>
          <dt>{name}</dt>
          <dd>{duration(n.status?.[key] ?? null)}</dd>
        </div>
      ))}
    </dl>
  );
}
