import { useState } from "react";
import { api } from "../api";
import { useResource } from "../resource";
import { ErrorBanner } from "../components/ErrorBanner";
import { bytes, dateTime, shortDigest } from "../format";
import type { Plugin, PluginsPage as Page } from "../types";

/** The loaded components with their grants and limits; admins can reload them. */
export function PluginsPage({ admin }: { admin: boolean }) {
  const { data: page, error, set: setPage, setError } = useResource<Page>("/api/plugins");
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
      <div className="plugin-grid">
        {page?.plugins.map((p) => <PluginCard key={p.name} p={p} />)}
      </div>
    </section>
  );
}

function PluginCard({ p }: { p: Plugin }) {
  const g = p.grants;
  return (
    <article className={`card plugin plugin-${p.status}`} aria-labelledby={`plugin-${p.name}`}>
      <h2 id={`plugin-${p.name}`}>
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
        {p.imports_wasi && <div><dt>WASI</dt><dd>imports WASI (sandboxed: no files, network or env)</dd></div>}
      </dl>
    </article>
  );
}
