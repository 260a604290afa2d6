import { useState } from "react";
import { api } from "../api";
import { useResource } from "../resource";
import { ErrorBanner } from "../components/ErrorBanner";
import { bytes, dateTime, shortDigest } from "../format";
import type { Plugin, PluginsPage as Page } from "../types";
import { EvalReports } from "./plugins/EvalReports";
import { PendingUpgrades } from "./plugins/PendingUpgrades";
import { PluginHistory } from "./plugins/PluginHistory";
import { StageBindings } from "./plugins/StageBindings";

/** Which component serves each stage, the loaded components with their grants and limits, upgrades waiting for confirmation,
 * each component's history and eval reports; admins reload, confirm and roll back. */
export function PluginsPage({ admin }: { admin: boolean }) {
  const { data: page, error, set: setPage, setError, reload: refetch } = useResource<Page>("/api/plugins");
  const [busy, setBusy] = useState(false);

  async function reload() {
    setBusy(true);
    setError(null);
    try {
      setPage(await api.post<Page>("/api/plugins/reload"));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const last = page?.last_reload;
  return (
    <section className="page" aria-labelledby="plugins-title">
      <div className="page-head">
        <h1 id="plugins-title">Plugins</h1>
        {admin && (
          <button type="button" className="primary" disabled={busy} onClick={() => void reload()}>
            {busy ? "Reloading…" : "Reload components"}
          </button>
        )}
      </div>
      <ErrorBanner error={error} />
      <PendingUpgrades
        pending={page?.pending ?? []}
        admin={admin}
        onPage={setPage}
        onRefetch={() => void refetch()}
      />
      {last && (
        <p className="muted" role="status">
          Last reload {dateTime(last.at)}
          {last.activated.length > 0 && ` — activated ${last.activated.join(", ")}`}
          {last.removed.length > 0 && ` — removed ${last.removed.join(", ")}`}
          {last.problems.length === 0 && !last.manifest_error && " — no problems"}
        </p>
      )}
      {last?.manifest_error && <p className="error-banner">{last.manifest_error}</p>}
      {last?.problems.map((p, i) => (
        <p key={i} className="error-banner">
          {p}
        </p>
      ))}
      <StageBindings admin={admin} loaded={page?.plugins.map((p) => `${p.name}@${p.digest}`).join(" ") ?? ""} />
      <div className="plugin-grid">
        {page?.plugins.map((p) => (
          <PluginCard key={p.name} p={p} admin={admin} onChanged={() => void refetch()} />
        ))}
      </div>
    </section>
  );
}

function PluginCard({ p, admin, onChanged }: { p: Plugin; admin: boolean; onChanged(): void }) {
  const g = p.grants;
  const [history, setHistory] = useState(false);
  const [evals, setEvals] = useState(false);
  // What identifies the version serving: the open panels fetch again when it changes.
  const serving = `${p.digest} ${p.version} ${p.loaded_at}`;
  const id = `plugin-${p.name}`;
  return (
    <article
      className={`card plugin plugin-${p.status}${history || evals ? " expanded" : ""}`}
      aria-labelledby={id}
      data-component={p.name}
    >
      <h2 id={id}>
        {p.name} <span className="muted">{p.version}</span>
      </h2>
      <p>
        <span className={`load load-${p.status}`}>
          {p.status === "loaded" ? "Loaded" : p.status === "failed" ? "Not loaded" : "Old version serving"}
        </span>{" "}
        <span className="kind">{p.world || "—"}</span>
      </p>
      {p.problem && <p className="error-text">{p.problem}</p>}
      <dl className="facts small">
        <div><dt>Digest</dt><dd><code title={p.digest}>{shortDigest(p.digest)}</code></dd></div>
        <div><dt>Loaded</dt><dd>{dateTime(p.loaded_at)}{p.compile_source ? ` (${p.compile_source})` : ""}</dd></div>
        {p.contract && (
          <div>
            <dt>Built with</dt>
            <dd title={p.toolchain.join(", ")}>
              {p.language ?? "unknown language"}, contract dailyx:agent@{p.contract}
              {p.toolchain.length > 0 ? ` (${p.toolchain.slice(0, 3).join(", ")})` : ""}
            </dd>
          </div>
        )}
        <div>
          <dt>HTTP</dt>
          <dd>
            {g.http
              ? g.http.allow.map((r) => `${r.methods.join("/")} ${r.origin}${r.path_prefixes.join(",") === "/" ? "" : r.path_prefixes.join(",")}`).join("; ") || "none"
              : "not granted"}
          </dd>
        </div>
        <div><dt>LLM</dt><dd>{g.llm ? `${g.llm.max_tokens_per_run} tokens/run` : "not granted"}</dd></div>
        <div><dt>Repositories</dt><dd>{g.repo ? g.repo.repositories.join(", ") || "none" : "not granted"}</dd></div>
        <div><dt>Config keys</dt><dd>{g.config ? g.config.keys.join(", ") || "none" : "not granted"}</dd></div>
        {p.limits && (
          <div>
            <dt>Limits</dt>
            <dd>
              {bytes(p.limits.memory_bytes)} memory, {p.limits.wall_clock_ms} ms,{" "}
              {p.limits.fuel ? `${p.limits.fuel} fuel, ` : ""}
              {bytes(p.limits.max_output_bytes)} output
            </dd>
          </div>
        )}
        {p.imports_wasi && <div><dt>WASI</dt><dd>imports WASI (sandboxed: no files or env; wasi:http only within its HTTP grant)</dd></div>}
      </dl>
      <div className="plugin-toggles">
        <button type="button" aria-expanded={history} aria-controls={history ? `${id}-history` : undefined} onClick={() => setHistory(!history)}>
          History<span className="sr-only"> of {p.name}</span>
        </button>
        <button type="button" aria-expanded={evals} aria-controls={evals ? `${id}-evals` : undefined} onClick={() => setEvals(!evals)}>
          Eval reports<span className="sr-only"> of {p.name}</span>
        </button>
      </div>
      {history && (
        <section id={`${id}-history`} aria-labelledby={`${id}-history-title`}>
          <h3 id={`${id}-history-title`}>History of {p.name}</h3>
          <PluginHistory name={p.name} admin={admin} serving={serving} onChanged={onChanged} />
        </section>
      )}
      {evals && (
        <section id={`${id}-evals`} aria-labelledby={`${id}-evals-title`}>
          <h3 id={`${id}-evals-title`}>Eval reports of {p.name}</h3>
          <EvalReports name={p.name} serving={serving} />
        </section>
      )}
    </article>
  );
}
