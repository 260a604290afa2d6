import { useEffect, useState } from "react";
import type { FormEvent } from "react";
import { Link } from "react-router";
import { api } from "../api";
import { ErrorBanner } from "../components/ErrorBanner";
import { CircuitBadge, circuitLabel } from "../components/ProviderBadges";
import { TableWrap } from "../components/TableWrap";
import { useLiveEvents } from "../live";
import type { StreamState } from "../live";
import { useResource } from "../resource";
import { CIRCUIT_EVENT_KINDS } from "../types";
import type { CircuitView, ConfigView, ProviderUpdate, ProviderView } from "../types";

const STREAM_LABEL: Record<StreamState, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
};

/** The providers' circuits (live) and where drafts are published after X; admins choose the
 * enabled providers, their simulation flags and budgets. */
export function ProvidersPage({ admin }: { admin: boolean }) {
  const config = useResource<ConfigView>("/api/config");
  const circuits = useResource<CircuitView[]>("/api/circuit-states");
  const displays: Record<string, string> = {};
  for (const p of config.data?.providers ?? []) displays[p.name] = p.display;
  const display = (name: string) => displays[name] ?? name;

  return (
    <section className="page" aria-labelledby="providers-title">
      <div className="page-head">
        <h1 id="providers-title">Providers</h1>
      </div>
      <Circuits circuits={circuits.data} error={circuits.error} reload={circuits.reload} display={display} />
      <ProvidersForm
        config={config.data}
        error={config.error}
        admin={admin}
        onSaved={(providers) => {
          if (config.data) config.set({ ...config.data, providers });
          // The enabled set decides which circuits there are.
          void circuits.reload();
        }}
      />
    </section>
  );
}

function Circuits(props: {
  circuits: CircuitView[] | null;
  error: unknown;
  reload(): Promise<void>;
  display(name: string): string;
}) {
  const { circuits, reload, display } = props;
  // What the last circuit event said, for screen readers and sighted people alike.
  const [announcement, setAnnouncement] = useState("");
  const stream = useLiveEvents(
    CIRCUIT_EVENT_KINDS,
    (e) => {
      const state = e.kind.slice("circuit.".length);
      const failures = typeof e.payload?.failures === "number" ? ` after ${e.payload.failures} failures` : "";
      setAnnouncement(
        `${display(e.subject)}: circuit ${circuitLabel(state).toLowerCase()}${state === "open" ? failures : ""} (${new Date(e.at).toLocaleTimeString()}).`,
      );
      void reload();
    },
    // Connected (again): what changed meanwhile is in a fresh answer.
    () => void reload(),
  );

  // "Retry in N s" counts down from when the answer came; at zero the circuit lets a try
  // through (half-open), so ask again.
  const [receivedAt, setReceivedAt] = useState(() => Date.now());
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    setReceivedAt(Date.now());
    setNow(Date.now());
  }, [circuits]);
  const anyOpen = circuits?.some((c) => c.state === "open" && c.retry_in_ms != null) ?? false;
  useEffect(() => {
    if (!anyOpen) return;
    const t = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(t);
  }, [anyOpen]);
  const left = (c: CircuitView) => (c.retry_in_ms == null ? null : Math.max(0, c.retry_in_ms - (now - receivedAt)));
  const due = circuits?.some((c) => c.state === "open" && left(c) === 0) ?? false;
  useEffect(() => {
    if (due) void reload();
  }, [due, reload]);

  return (
    <section className="card" aria-labelledby="circuits-title">
      <div className="page-head compact">
        <h2 id="circuits-title">Circuits</h2>
        <span className={`live ${stream === "live" ? "on" : "off"}`}>{STREAM_LABEL[stream]}</span>
      </div>
      <p className="muted small-text">
        A provider's circuit opens after repeated failures in a row and pauses publishing there; after a
        cool-down it lets one try through (half-open) and closes again when that succeeds.
      </p>
      <p className="circuit-news" role="status" aria-live="polite" data-testid="circuit-announcement">
        {announcement}
      </p>
      <ErrorBanner error={props.error} />
      {!circuits && !props.error && <p className="muted">Loading…</p>}
      {circuits?.length === 0 && <p className="empty">No provider publishes on this host.</p>}
      {circuits && circuits.length > 0 && (
        <ul className="circuit-list" aria-label="Circuits">
          {circuits.map((c, i) => {
            const ms = left(c);
            // With the `x` component enabled, X is listed twice: the built-in publisher's
            // circuit (always first), then the component's.
            const twice = circuits.filter((o) => o.provider === c.provider).length > 1;
            return (
              <li key={`${i}:${c.provider}`} className="circuit" data-provider={c.provider} data-state={c.state}>
                <span className="circuit-name">
                  {display(c.provider)}{" "}
                  {display(c.provider).toLowerCase() !== c.provider && <code className="muted">{c.provider}</code>}
                  {twice && <span className="muted"> ({i === 0 ? "built-in publisher" : "component"})</span>}
                </span>
                <CircuitBadge state={c.state} />
                <span className="muted">
                  {c.failures} / {c.failure_threshold} failures
                </span>
                {c.state === "open" && ms != null && <span className="warn-text">retry in {Math.ceil(ms / 1000)} s</span>}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/** One provider's row as edited. */
interface Edit {
  enabled: boolean;
  simulate: boolean;
  /** As typed; empty: no budget. */
  budget: string;
}

const editOf = (p: ProviderView): Edit => ({
  enabled: p.enabled,
  simulate: p.simulate,
  budget: p.budget_per_24h == null ? "" : String(p.budget_per_24h),
});

function ProvidersForm(props: {
  config: ConfigView | null;
  error: unknown;
  admin: boolean;
  onSaved(providers: ProviderView[]): void;
}) {
  const { config, admin } = props;
  const [edits, setEdits] = useState<Record<string, Edit>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const providers = config?.providers;
  // The form follows what the server says (at load and after a save).
  useEffect(() => {
    if (providers) setEdits(Object.fromEntries(providers.map((p) => [p.name, editOf(p)])));
  }, [providers]);

  const edit = (p: ProviderView, change: Partial<Edit>) => {
    setSaved(false);
    setEdits((all) => ({ ...all, [p.name]: { ...(all[p.name] ?? editOf(p)), ...change } }));
  };
  const changed =
    providers?.some((p) => {
      const e = edits[p.name];
      const o = editOf(p);
      return e && (e.enabled !== o.enabled || (e.enabled && (e.simulate !== o.simulate || e.budget.trim() !== o.budget)));
    }) ?? false;

  async function save(ev: FormEvent) {
    ev.preventDefault();
    if (!providers) return;
    setError(null);
    setSaved(false);
    const body: ProviderUpdate[] = [];
    try {
      for (const p of providers) {
        const e = edits[p.name] ?? editOf(p);
        if (!e.enabled) continue;
        const u: ProviderUpdate = { name: p.name, simulate: e.simulate };
        if (p.component && p.component !== p.name) u.component = p.component;
        const budget = e.budget.trim();
        if (budget) {
          // The range (1 to 1000) is the server's to check, and say.
          if (!/^\d+$/.test(budget)) {
            throw new Error(`The budget of ${p.display} must be a whole number of posts, or empty for no budget.`);
          }
          u.budget_per_24h = Number(budget);
        }
        body.push(u);
      }
    } catch (e) {
      setError(e);
      return;
    }
    setBusy(true);
    try {
      props.onSaved(await api.put<ProviderView[]>("/api/config/providers", body));
      setSaved(true);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card" onSubmit={save} noValidate aria-labelledby="publish-title">
      <h2 id="publish-title">Publishing after X</h2>
      <p className="muted small-text">
        After a draft is published on X, each enabled provider gets it once. A simulated provider records what
        it would send and sends nothing; a budget caps real posts per rolling 24 hours.
      </p>
      {config?.dry_run && (
        <p className="notice" data-testid="dry-run-note">
          Dry-run is on: every provider is simulated, whatever its own flag.
        </p>
      )}
      <ErrorBanner error={props.error} />
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {!providers && !props.error && <p className="muted">Loading…</p>}
      {providers && (
        <TableWrap label="Providers table">
          <table className="providers-table">
            <thead>
              <tr>
                <th scope="col">Provider</th>
                <th scope="col">Enabled</th>
                <th scope="col">Simulate</th>
                <th scope="col">Budget / 24 h</th>
                <th scope="col">Credentials</th>
                <th scope="col">Component</th>
                <th scope="col">Threads</th>
              </tr>
            </thead>
            <tbody>
              {providers.map((p) => (
                <ProviderRow
                  key={p.name}
                  p={p}
                  e={edits[p.name] ?? editOf(p)}
                  admin={admin}
                  onEdit={(c) => edit(p, c)}
                />
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {admin && providers && (
        <div className="form-actions">
          <button type="submit" className="primary" disabled={busy || !changed}>
            {busy ? "Saving…" : "Save providers"}
          </button>
          {changed && !busy && <span className="muted">Unsaved changes</span>}
          {saved && (
            <span className="saved" role="status">
              Saved
            </span>
          )}
        </div>
      )}
    </form>
  );
}

function ProviderRow({ p, e, admin, onEdit }: { p: ProviderView; e: Edit; admin: boolean; onEdit(c: Partial<Edit>): void }) {
  const id = `provider-${p.name}`;
  // Simulated now without its own flag: the host's dry-run (or SIMULATE_<NAME>) says so.
  const forced = p.enabled && p.simulated && !p.simulate;
  return (
    <tr data-provider={p.name} data-enabled={String(p.enabled)} className={p.enabled ? "enabled" : ""}>
      <th scope="row">
        {p.display} {p.display.toLowerCase() !== p.name && <code className="muted">{p.name}</code>}
      </th>
      <td>
        {admin ? (
          <label className="check cell">
            <input type="checkbox" checked={e.enabled} onChange={(ev) => onEdit({ enabled: ev.target.checked })} />
            <span className="sr-only">Publish to {p.display}</span>
          </label>
        ) : (
          <YesNo value={p.enabled} />
        )}
      </td>
      <td>
        {admin ? (
          <label className="check cell">
            <input
              type="checkbox"
              checked={e.simulate}
              disabled={!e.enabled}
              onChange={(ev) => onEdit({ simulate: ev.target.checked })}
            />
            <span className="sr-only">Simulate {p.display}</span>
          </label>
        ) : (
          <YesNo value={p.enabled && p.simulate} />
        )}
        {forced && <span className="muted small-text"> (simulated: dry-run)</span>}
      </td>
      <td>
        {admin ? (
          <>
            <label className="sr-only" htmlFor={`${id}-budget`}>
              {p.display}: real posts per 24 hours (empty: no budget)
            </label>
            <input
              id={`${id}-budget`}
              className="budget"
              inputMode="numeric"
              placeholder="none"
              value={e.budget}
              disabled={!e.enabled}
              onChange={(ev) => onEdit({ budget: ev.target.value })}
            />
          </>
        ) : p.budget_per_24h != null ? (
          p.budget_per_24h
        ) : (
          <span className="muted">none</span>
        )}
      </td>
      <td>
        {p.credentials_complete ? (
          <span className="ok-text">
            <span aria-hidden="true">✓</span> Complete
          </span>
        ) : (
          <span className="warn-text">
            <span aria-hidden="true">!</span> Missing
          </span>
        )}
        {admin && !p.credentials_complete && (
          <>
            {" "}
            <Link to="/credentials">
              Set<span className="sr-only"> the credentials of {p.display}</span>
            </Link>
          </>
        )}
      </td>
      <td className="break">
        <code>{p.component}</code>{" "}
        {p.loaded ? <span className="muted">loaded</span> : <span className="error-text">not loaded</span>}
      </td>
      <td>{p.thread === "replies" ? "Replies" : "One post"}</td>
    </tr>
  );
}

function YesNo({ value }: { value: boolean }) {
  return value ? (
    <span>
      <span aria-hidden="true">✓</span> Yes
    </span>
  ) : (
    <span className="muted">No</span>
  );
}
