import { useState } from "react";
import type { FormEvent } from "react";
import { Link } from "react-router";
import { ErrorBanner } from "../components/ErrorBanner";
import { TableWrap } from "../components/TableWrap";
import { dateTime } from "../format";
import { useResource } from "../resource";
import type { AuditEntry } from "../types";

const PAGE = 100;

/** The audit log, newest first, optionally for one draft. */
export function AuditPage() {
  const [offset, setOffset] = useState(0);
  const [draftId, setDraftId] = useState("");
  const [filter, setFilter] = useState("");
  const q = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  if (filter) q.set("draft_id", filter);
  const { data, error } = useResource<{ entries: AuditEntry[] }>(`/api/audit?${q}`);
  const entries = data?.entries ?? null;

  function applyFilter(e: FormEvent) {
    e.preventDefault();
    setOffset(0);
    setFilter(draftId.trim());
  }

  return (
    <section className="page" aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <form className="inline-form" onSubmit={applyFilter}>
        <label htmlFor="audit-draft">Draft id</label>
        <input id="audit-draft" value={draftId} onChange={(e) => setDraftId(e.target.value)} />
        <button type="submit">Filter</button>
      </form>
      <ErrorBanner error={error} />
      <TableWrap label="Audit log table">
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Draft</th>
              <th scope="col">From</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {entries?.map((a) => (
              <tr key={a.id}>
                <td>{dateTime(a.at)}</td>
                <td>{a.username ?? (a.user_id ? a.user_id : "system")}</td>
                <td>
                  <code>{a.action}</code>
                </td>
                <td>{a.draft_id ? <Link to={`/drafts/${a.draft_id}`}>{a.draft_id.slice(0, 8)}</Link> : "—"}</td>
                <td>{a.ip ?? "—"}</td>
                <td className="break">
                  <code>{JSON.stringify(a.detail)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      {entries && entries.length === 0 && <p className="empty">No entries.</p>}
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
          Newer
        </button>
        <button type="button" disabled={!entries || entries.length < PAGE} onClick={() => setOffset(offset + PAGE)}>
          Older
        </button>
      </nav>
    </section>
  );
}
