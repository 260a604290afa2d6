// One row of the events table: when, the kind, what it is about (a link where the console has
// a page for it), the node, and a one-line summary of the payload.
import type { ReactNode } from "react";
import { Link } from "react-router";
import { dateTime, duration, shortDigest } from "../../format";
import type { EventView } from "../../types";

export function EventRow({ e }: { e: EventView }) {
  return (
    <tr data-event-id={e.id} data-kind={e.kind}>
      <td>
        <time dateTime={new Date(e.at).toISOString()} title={new Date(e.at).toLocaleString()}>
          {dateTime(e.at)}
        </time>
      </td>
      <td>
        <span className={`kind event-${tone(e.kind)}`}>{e.kind}</span>
      </td>
      <td className="break">
        <Subject e={e} />
      </td>
      <td className="break">{e.node}</td>
      <td className="break event-summary">
        <Summary e={e} />
      </td>
    </tr>
  );
}

/** Failures in red, retries in amber, drafts made and posts in green; the words say it too. */
function tone(kind: string): "fail" | "warn" | "ok" | "plain" {
  if (/fail|refused/.test(kind) || kind === "circuit.open") return "fail";
  if (
    kind === "step.retrying" ||
    kind === "capability.denied" ||
    kind === "draft.expire" ||
    kind === "provider.retrying" ||
    kind === "provider.waiting" ||
    kind === "circuit.half-open" ||
    kind === "node.dead"
  ) {
    return "warn";
  }
  if (
    kind === "run.drafted" ||
    kind === "draft.created" ||
    kind === "draft.published" ||
    kind === "provider.posted" ||
    kind === "provider.delivered" ||
    kind === "circuit.closed" ||
    kind === "node.recovered"
  ) {
    return "ok";
  }
  return "plain";
}

const short = (id: string) => (id.length > 12 ? `${id.slice(0, 8)}…` : id);

/** A link to a draft, showing the start of its id. */
function DraftLink({ id }: { id: string }) {
  return (
    <Link to={`/drafts/${encodeURIComponent(id)}`} title={id} className="nowrap">
      <span className="sr-only">Draft </span>
      {short(id)}
    </Link>
  );
}

function Subject({ e }: { e: EventView }) {
  const family = e.kind.split(".")[0];
  if (!e.subject) return <span className="muted">—</span>;
  if (family === "draft" || family === "provider") return <DraftLink id={e.subject} />;
  if (family === "circuit") return <Link to="/providers">{e.subject}</Link>;
  if (family === "component") return <Link to="/plugins">{e.subject}</Link>;
  if (family === "node") return <Link to="/nodes">{e.subject}</Link>;
  if (family === "metrics") return <Link to="/metrics">{e.subject === "x" ? "X" : e.subject}</Link>;
  if (family === "report") {
    return (
      <Link to="/reports">
        <span className="sr-only">Week of </span>
        {e.subject}
      </Link>
    );
  }
  if (family === "run" || family === "step" || family === "capability") {
    return (
      <code title={e.subject} className="nowrap">
        <span className="sr-only">Run </span>
        {short(e.subject)}
      </code>
    );
  }
  return <>{e.subject}</>;
}

/** A payload field as text ("" when absent). */
function text(p: Record<string, unknown>, key: string): string {
  const v = p[key];
  if (v == null) return "";
  return typeof v === "string" ? v : JSON.stringify(v);
}

const num = (p: Record<string, unknown>, key: string): number | null =>
  typeof p[key] === "number" ? (p[key] as number) : null;

/** A list, or a list as JSON text (how `node.started` carries its roles). */
function list(v: unknown): string[] {
  if (typeof v === "string") {
    try {
      return list(JSON.parse(v));
    } catch {
      return [v];
    }
  }
  return Array.isArray(v) ? v.map(String) : [];
}

/** The payload as short JSON, for kinds without a summary of their own. */
function json(p: unknown): string {
  const s = JSON.stringify(p) ?? "";
  if (s === "{}" || s === "null") return "";
  return s.length > 140 ? `${s.slice(0, 139)}…` : s;
}

function Summary({ e }: { e: EventView }): ReactNode {
  const p = e.payload ?? {};
  const step = text(p, "step");
  switch (e.kind) {
    case "run.claimed": {
      const claims = num(p, "claims") ?? 1;
      return `from step ${text(p, "next_step") || "0"}${claims > 1 ? ` (claim ${claims}, resumed)` : ""}`;
    }
    case "step.started":
      return `${step} by ${text(p, "component")}`;
    case "step.finished":
      return (
        <>
          <strong>{step}</strong>: {text(p, "summary")} <span className="muted">({duration(num(p, "took"))})</span>
        </>
      );
    case "step.retrying":
      return (
        <>
          <strong>{step}</strong>: {text(p, "error")} <span className="muted">(retry in {duration(num(p, "after"))})</span>
        </>
      );
    case "capability.denied":
      return (
        <>
          <strong>{text(p, "component")}</strong> ({step}) asked for {text(p, "capability")}{" "}
          <code>{text(p, "target")}</code>: {text(p, "detail")}
        </>
      );
    case "step.failed":
    case "run.failed":
      return (
        <span className="error-text">
          {step && <strong>{step}: </strong>}
          {text(p, "error")}
        </span>
      );
    case "run.drafted":
      return text(p, "draft_id") ? <DraftLink id={text(p, "draft_id")} /> : "";
    case "run.nothing-new":
      return <span className="muted">Nothing new to write about</span>;
    case "draft.created":
      return text(p, "run_id") ? `from run ${short(text(p, "run_id"))}` : "";
    case "draft.published":
      return text(p, "outcome");
    case "draft.publish-failed":
      return <span className="error-text">{text(p, "error")}</span>;
    case "provider.posted":
    case "provider.simulated":
    case "provider.retrying":
    case "provider.waiting":
    case "provider.delivered":
    case "provider.failed":
      return <ProviderSummary kind={e.kind} p={p} />;
    case "circuit.open":
    case "circuit.half-open":
    case "circuit.closed": {
      const failures = num(p, "failures");
      return (
        <>
          from {text(p, "from") || "—"}
          {failures != null && <span className="muted"> ({failures} failure{failures === 1 ? "" : "s"})</span>}
        </>
      );
    }
    case "component.activated":
    case "component.evaluated":
      return <ComponentSummary p={p} evaluated={e.kind === "component.evaluated"} />;
    case "node.started": {
      const roles = list(p.roles).join(", ");
      return `${text(p, "hostname")} ${text(p, "version")}${roles ? ` (${roles})` : ""}`;
    }
    case "node.dead": {
      const lastSeen = num(p, "last_seen");
      return (
        <span className="warn-text">
          {text(p, "hostname") && <strong>{text(p, "hostname")}</strong>} stopped heartbeating
          {lastSeen != null && <span className="muted"> (last seen {dateTime(lastSeen)})</span>}
        </span>
      );
    }
    case "node.recovered":
      return "heartbeating again";
    case "metrics.collected": {
      const posts = num(p, "posts") ?? 0;
      return `metrics of ${posts} post${posts === 1 ? "" : "s"} read`;
    }
    case "report.weekly": {
      const drafts = num(p, "drafts") ?? 0;
      const impressions = num(p, "impressions") ?? 0;
      return `week of ${e.subject}: ${drafts} draft${drafts === 1 ? "" : "s"}, ${impressions.toLocaleString()} impression${impressions === 1 ? "" : "s"}`;
    }
    default:
      return <code>{json(e.kind.startsWith("draft.") && p.detail !== undefined ? p.detail : p)}</code>;
  }
}

function ComponentSummary({ p, evaluated }: { p: Record<string, unknown>; evaluated: boolean }) {
  const digest = text(p, "digest");
  return (
    <>
      {text(p, "version")} <code title={digest}>{shortDigest(digest)}</code>
      {evaluated ? (
        <>
          {" "}
          — {p.passed ? "passed" : <span className="error-text">refused</span>}
          {text(p, "summary") && <span className="muted"> ({text(p, "summary")})</span>}
        </>
      ) : (
        <span className="muted">
          {" "}
          ({text(p, "action")}
          {text(p, "actor") && ` by ${text(p, "actor")}`})
        </span>
      )}
    </>
  );
}

/** `provider.*`: the provider, the post (position) it is about, and what happened. */
function ProviderSummary({ kind, p }: { kind: string; p: Record<string, unknown> }) {
  const position = num(p, "position");
  const detail = (p.detail ?? {}) as Record<string, unknown>;
  const d = typeof detail === "object" && detail !== null ? detail : {};
  const where = (
    <>
      <strong>{text(p, "provider")}</strong>
      {position != null && ` post ${position + 1}`}
    </>
  );
  switch (kind) {
    case "provider.posted":
      return (
        <>
          {where}: posted {text(d, "remote_id") && <code>{text(d, "remote_id")}</code>}
        </>
      );
    case "provider.simulated":
      return <>{where}: simulated (nothing sent)</>;
    case "provider.retrying":
      return (
        <>
          {where}: {text(d, "error")} <span className="muted">(retry in {duration(num(d, "delay_ms"))})</span>
        </>
      );
    case "provider.failed":
      return (
        <>
          {where}: <span className="error-text">{text(d, "detail") || "failed"}</span>
        </>
      );
    case "provider.waiting":
      return (
        <>
          {where}: waiting{text(d, "detail") && ` (${text(d, "detail")})`}
        </>
      );
    default:
      return <>{where}: delivered</>;
  }
}
