import { useEffect, useState } from "react";
import type { FormEvent } from "react";
import { api } from "../api";
import { ErrorBanner } from "../components/ErrorBanner";
import { PostLink } from "../components/PostLink";
import { count, dateTime, day, dayBefore, percent, providerName } from "../format";
import { useLiveEvents } from "../live";
import { useResource } from "../resource";
import type { ReportPost, WeeklyReport } from "../types";

/** As many weeks as the API gives (a year). */
const REPORTS_PATH = "/api/reports/weekly?limit=52";
const REPORT_EVENTS = ["report.weekly"] as const;

const weekName = (r: WeeklyReport) => `${day(r.week_start, true)} to ${day(dayBefore(r.week_end), true)}`;

/** The weekly reports, newest week first: what was published where, the totals of X's
 * metrics, the engagement rate and the top post. Admins build a week's report now. */
export function ReportsPage({ admin }: { admin: boolean }) {
  const reports = useResource<WeeklyReport[]>(REPORTS_PATH);
  const [announcement, setAnnouncement] = useState("");
  const [fresh, setFresh] = useState<string | null>(null);
  // A report built elsewhere (another admin, the host's weekly job) shows without a reload.
  useLiveEvents(REPORT_EVENTS, () => void reports.reload());

  const built = (r: WeeklyReport) => {
    const others = (reports.data ?? []).filter((o) => o.week_start !== r.week_start);
    reports.set([...others, r].sort((a, b) => b.week_start.localeCompare(a.week_start)));
    setFresh(r.week_start);
    setAnnouncement(
      `Built the report of the week of ${weekName(r)}: ${count(r.drafts)} draft${r.drafts === 1 ? "" : "s"}, ${count(r.totals.impressions)} impression${r.totals.impressions === 1 ? "" : "s"}.`,
    );
  };

  // The report just built is brought into view (it may sit below older weeks' cards).
  useEffect(() => {
    if (fresh) document.querySelector(`[data-week="${CSS.escape(fresh)}"]`)?.scrollIntoView({ block: "nearest" });
  }, [fresh]);

  const list = reports.data;
  return (
    <section className="page" aria-labelledby="reports-title">
      <div className="page-head">
        <h1 id="reports-title">Weekly reports</h1>
      </div>
      <p className="muted small-text">
        A week runs from Monday to Sunday (UTC). Only posts really published count (not dry-run or simulated ones);
        impressions and engagements are X's, as last collected. The host builds the last complete week's report by
        itself.
      </p>
      {admin && <BuildForm onBuilt={built} />}
      <p className="report-news" role="status" aria-live="polite" data-testid="report-announcement">
        {announcement}
      </p>
      <ErrorBanner error={reports.error} />
      {!list && !reports.error && <p className="muted">Loading…</p>}
      {list?.length === 0 && (
        <p className="empty" data-testid="reports-empty">
          No weekly report yet. The host builds one each week for the week before
          {admin ? "; build one now above." : "."}
        </p>
      )}
      {list && list.length > 0 && (
        <ol className="report-list" aria-label="Weekly reports, newest first">
          {list.map((r) => (
            <li key={r.week_start}>
              <ReportCard r={r} fresh={fresh === r.week_start} />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function BuildForm({ onBuilt }: { onBuilt(r: WeeklyReport): void }) {
  const [week, setWeek] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function build(ev: FormEvent) {
    ev.preventDefault();
    setBusy(true);
    setError(null);
    try {
      // Whether it is a Monday is the server's to check, and say.
      onBuilt(await api.post<WeeklyReport>("/api/reports/weekly", week ? { week_start: week } : {}));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card build-report" onSubmit={build} aria-labelledby="build-title">
      <h2 id="build-title">Build a report</h2>
      <div className="inline-form">
        <div>
          <label htmlFor="report-week">Week starting (a Monday)</label>
          <input
            id="report-week"
            type="date"
            value={week}
            aria-describedby="report-week-hint"
            onChange={(e) => setWeek(e.target.value)}
          />
        </div>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Building…" : "Build report"}
        </button>
      </div>
      <p id="report-week-hint" className="muted small-text">
        Leave it empty for the last complete week. Building a week again replaces its report.
      </p>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
    </form>
  );
}

function ReportCard({ r, fresh }: { r: WeeklyReport; fresh: boolean }) {
  const id = `report-${r.week_start}`;
  const t = r.totals;
  const engagements = t.likes + t.reposts + t.replies + t.quotes + t.bookmarks;
  const providers = Object.entries(r.posts_by_provider).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const posts = providers.reduce((s, [, n]) => s + n, 0);
  return (
    <article className={`card report${fresh ? " fresh" : ""}`} data-week={r.week_start} aria-labelledby={id}>
      <div className="report-head">
        <h2 id={id}>Week of {weekName(r)}</h2>
        <span className="muted small-text">
          Built <time dateTime={new Date(r.built_at).toISOString()}>{dateTime(r.built_at)}</time>
        </span>
      </div>
      <dl className="facts report-facts">
        <div data-fact="drafts">
          <dt>Drafts published</dt>
          <dd>{count(r.drafts)}</dd>
        </div>
        <div data-fact="posts">
          <dt>Posts</dt>
          <dd>{count(posts)}</dd>
        </div>
        <div data-fact="impressions">
          <dt>Impressions</dt>
          <dd>{count(t.impressions)}</dd>
        </div>
        <div data-fact="engagements">
          <dt>Engagements</dt>
          <dd>{count(engagements)}</dd>
        </div>
        <div data-fact="engagement-rate">
          <dt>Engagement rate</dt>
          <dd>
            {t.impressions > 0 ? (
              percent(r.engagement_rate)
            ) : (
              <>
                <span aria-hidden="true">—</span>
                <span className="sr-only">none (no impressions)</span>
              </>
            )}
          </dd>
        </div>
      </dl>
      <p className="small-text engagement-split" data-testid="engagement-split">
        {count(t.likes)} likes · {count(t.reposts)} reposts · {count(t.replies)} replies · {count(t.quotes)} quotes ·{" "}
        {count(t.bookmarks)} bookmarks
      </p>
      <div className="report-parts">
        <section aria-labelledby={`${id}-providers`}>
          <h3 id={`${id}-providers`}>Posts per provider</h3>
          {providers.length === 0 ? (
            <p className="muted">None published for real.</p>
          ) : (
            <ul className="provider-counts">
              {providers.map(([name, n]) => (
                <li key={name} data-provider={name}>
                  {providerName(name)} <strong>{count(n)}</strong>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section aria-labelledby={`${id}-top`} data-testid="top-post">
          <h3 id={`${id}-top`}>Top post</h3>
          {r.top_post ? (
            <p className="top-post">
              <PostLink p={r.top_post} max={160} />{" "}
              <span className="top-impressions">
                — {count(r.top_post.metrics?.impressions ?? 0)} impressions on {providerName(r.top_post.provider)}
              </span>
            </p>
          ) : (
            <p className="muted">No post with metrics this week.</p>
          )}
        </section>
      </div>
      {r.posts.length > 0 && (
        <details className="report-posts">
          <summary>
            All {r.posts.length} post{r.posts.length === 1 ? "" : "s"}
            <span className="sr-only"> of the week of {weekName(r)}</span>
          </summary>
          <ul>
            {[...r.posts]
              .sort((a, b) => b.posted_at - a.posted_at)
              .map((p) => (
                <ReportPostItem key={`${p.provider}:${p.draft_id}:${p.position}:${p.remote_id ?? ""}`} p={p} />
              ))}
          </ul>
        </details>
      )}
    </article>
  );
}

function ReportPostItem({ p }: { p: ReportPost }) {
  return (
    <li className="report-post" data-provider={p.provider}>
      <div className="report-post-head">
        <strong>{providerName(p.provider)}</strong>
        <time className="muted small-text" dateTime={new Date(p.posted_at).toISOString()}>
          {dateTime(p.posted_at)}
        </time>
        {p.metrics && (
          <span className="small-text">
            {count(p.metrics.impressions)} impressions ·{" "}
            {count(p.metrics.likes + p.metrics.reposts + p.metrics.replies + p.metrics.quotes + p.metrics.bookmarks)}{" "}
            engagements
          </span>
        )}
      </div>
      <PostLink p={p} max={200} />
    </li>
  );
}
