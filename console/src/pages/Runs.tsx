import { useEffect, useState } from "react";
import { Link } from "react-router";
import { api } from "../api";
import { useResource } from "../resource";
import { ErrorBanner } from "../components/ErrorBanner";
import { TableWrap } from "../components/TableWrap";
import { dateTime, duration } from "../format";
import type { Run } from "../types";

/** Recent runs; admins can queue one. Refreshes every few seconds while a run is active. */
export function RunsPage({ admin }: { admin: boolean }) {
  const { data, error, reload: load, setError } = useResource<{ runs: Run[] }>("/api/runs?limit=50");
  const runs = data?.runs ?? null;
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const active = runs?.some((r) => r.status === "queued" || r.status === "running") ?? false;
  useEffect(() => {
    if (!active) return;
    const t = window.setInterval(() => void load(), 2000);
    return () => window.clearInterval(t);
  }, [active, load]);

  async function trigger() {
    setBusy(true);
    setError(null);
    try {
      const run = await api.post<Run>("/api/runs");
      setNotice(`Run ${run.id} queued.`);
      await load();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="page" aria-labelledby="runs-title">
      <div className="page-head">
        <h1 id="runs-title">Runs</h1>
        {admin && (
          <button type="button" className="primary" disabled={busy} onClick={() => void trigger()}>
            Run now
          </button>
        )}
      </div>
      {notice && <p className="notice" role="status">{notice}</p>}
      <ErrorBanner error={error} />
      <TableWrap label="Runs table">
        <table>
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">Trigger</th>
              <th scope="col">Status</th>
              <th scope="col">Duration</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {runs?.map((r) => (
              <tr key={r.id} className={r.status === "failed" ? "failed" : ""} data-run-id={r.id}>
                <td title={r.id}>{dateTime(r.started_at ?? r.created_at)}</td>
                <td>{r.trigger}</td>
                <td>
                  <span className={`run-status run-${r.status}`}>{r.status}</span>
                </td>
                <td>{duration(r.duration_ms)}</td>
                <td className="break">
                  {r.draft_id ? <Link to={`/drafts/${r.draft_id}`}>Draft</Link> : null}
                  {r.last_error && <span className="error-text">{r.last_error}</span>}
                  {!r.draft_id && !r.last_error && r.status === "succeeded" && (
                    <span className="muted">Nothing new to write about</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      {runs && runs.length === 0 && <p className="empty">No runs yet.</p>}
    </section>
  );
}
