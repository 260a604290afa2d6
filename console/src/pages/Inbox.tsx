import { Link, useSearchParams } from "react-router";
import { ErrorBanner } from "../components/ErrorBanner";
import { StatusBadge, VerdictBadge, statusLabel } from "../components/StatusBadge";
import { dateTime, relative } from "../format";
import { useDraftEvents } from "../live";
import { useResource } from "../resource";
import { DRAFT_STATUSES } from "../types";
import type { DraftPage } from "../types";

const PAGE = 50;

/** Drafts, newest first, filtered by status, refreshed live when any draft changes. */
export function Inbox() {
  const [params, setParams] = useSearchParams();
  const status = params.get("status") ?? "";
  const offset = Number(params.get("offset") ?? 0) || 0;
  const q = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  if (status) q.set("status", status);
  // The browser revalidates with the page's ETag: an unchanged list costs a 304.
  const { data: page, error, reload } = useResource<DraftPage>(`/api/drafts?${q}`);
  const live = useDraftEvents(() => void reload());

  const counts = page?.counts ?? {};
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const filterTo = (s: string) => {
    const next = new URLSearchParams();
    if (s) next.set("status", s);
    setParams(next);
  };

  return (
    <section className="page" aria-labelledby="inbox-title">
      <div className="page-head">
        <h1 id="inbox-title">Drafts</h1>
        <span className={`live ${live ? "on" : "off"}`} role="status">
          {live ? "Live" : "Reconnecting…"}
        </span>
      </div>
      <div className="filters" role="group" aria-label="Filter by status">
        <button type="button" aria-pressed={status === ""} onClick={() => filterTo("")}>
          All <span className="count">{total}</span>
        </button>
        {DRAFT_STATUSES.map((s) => (
          <button
            type="button"
            key={s}
            aria-pressed={status === s}
            onClick={() => filterTo(s)}
            data-testid={`filter-${s}`}
          >
            {statusLabel(s)} <span className="count">{counts[s] ?? 0}</span>
          </button>
        ))}
      </div>
      <ErrorBanner error={error} />
      {page && page.drafts.length === 0 && (
        <p className="empty">{status ? `No drafts are ${statusLabel(status).toLowerCase()}.` : "No drafts yet."}</p>
      )}
      <ul className="draft-list">
        {page?.drafts.map((d) => (
          <li key={d.id} className="card draft-row" data-draft-id={d.id}>
            <div className="row-head">
              <StatusBadge status={d.status} />
              <VerdictBadge verdict={d.verdict} />
              <span className="muted">
                {d.format === "thread" ? `Thread of ${d.tweets.length}` : "Single post"}
              </span>
              <span className="muted" title={dateTime(d.created_at)}>
                {relative(d.created_at)}
              </span>
            </div>
            <Link to={`/drafts/${d.id}`} className="draft-link">
              {d.tweets[0]?.text ?? "(no text)"}
            </Link>
            {d.last_error && <p className="error-text">{d.last_error}</p>}
          </li>
        ))}
      </ul>
      <nav className="pager" aria-label="Pages">
        <button
          type="button"
          disabled={offset === 0}
          onClick={() => setParams(withOffset(params, Math.max(0, offset - PAGE)))}
        >
          Newer
        </button>
        <button
          type="button"
          disabled={!page || page.drafts.length < PAGE}
          onClick={() => setParams(withOffset(params, offset + PAGE))}
        >
          Older
        </button>
      </nav>
    </section>
  );
}

function withOffset(params: URLSearchParams, offset: number): URLSearchParams {
  const next = new URLSearchParams(params);
  if (offset) next.set("offset", String(offset));
  else next.delete("offset");
  return next;
}
