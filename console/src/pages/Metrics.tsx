import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { api } from "../api";
import { Chart } from "../components/Chart";
import type { ChartPoint } from "../components/Chart";
import { ErrorBanner } from "../components/ErrorBanner";
import { PostLink } from "../components/PostLink";
import { TableWrap } from "../components/TableWrap";
import { count, dateTime, day, percent, providerName, relative } from "../format";
import { useLiveEvents } from "../live";
import { useResource } from "../resource";
import type { CollectResult, MetricsDay, MetricsView, ReportPost } from "../types";

const RANGES = [7, 30, 90] as const;
const DEFAULT_RANGE = 30;
const METRICS_EVENTS = ["metrics.collected"] as const;

/** The published posts of the last 7, 30 or 90 days with their metrics (as each network last
 * reported them): per-day charts and a table of the posts. Admins collect now. */
export function MetricsPage({ admin }: { admin: boolean }) {
  const [params, setParams] = useSearchParams();
  const asked = Number(params.get("days"));
  const days = RANGES.some((r) => r === asked) ? asked : DEFAULT_RANGE;
  const metrics = useResource<MetricsView>(`/api/metrics/posts?days=${days}`);
  const data = metrics.data;
  // A collection (here, by another admin, or the host's own job) brings new numbers.
  useLiveEvents(METRICS_EVENTS, () => void metrics.reload());

  return (
    <section className="page" aria-labelledby="metrics-title">
      <div className="page-head">
        <h1 id="metrics-title">Metrics</h1>
      </div>
      <div className="metrics-bar">
        <div className="field">
          <label htmlFor="metrics-range">Range</label>
          <select
            id="metrics-range"
            className="auto-width"
            value={days}
            onChange={(e) => setParams(Number(e.target.value) === DEFAULT_RANGE ? {} : { days: e.target.value })}
          >
            {RANGES.map((r) => (
              <option key={r} value={r}>
                Last {r} days
              </option>
            ))}
          </select>
        </div>
        <Collect admin={admin} collectedAt={data?.collected_at ?? null} loaded={data !== null} onCollected={metrics.reload} />
      </div>
      <ErrorBanner error={metrics.error} />
      {!data && !metrics.error && <p className="muted">Loading…</p>}
      {data && (
        <>
          <Totals daily={data.daily} days={days} />
          <Daily daily={data.daily} />
          <Posts posts={data.posts} days={days} />
        </>
      )}
    </section>
  );
}

/** "Last collected …" and, for admins, "Collect now", its outcome announced. */
function Collect(props: { admin: boolean; collectedAt: number | null; loaded: boolean; onCollected(): Promise<void> }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<CollectResult | null>(null);
  const [at, setAt] = useState(0);

  async function collect() {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const r = await api.post<CollectResult>("/api/metrics/collect");
      setResult(r);
      setAt(Date.now());
      await props.onCollected();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <p className="collected" data-testid="collected-at">
        {!props.loaded ? (
          ""
        ) : props.collectedAt ? (
          <>
            Last collected{" "}
            <time dateTime={new Date(props.collectedAt).toISOString()} title={dateTime(props.collectedAt)}>
              {relative(props.collectedAt)}
            </time>
          </>
        ) : (
          <span className="muted">Metrics have not been collected yet.</span>
        )}
      </p>
      {props.admin && (
        <button type="button" className="primary" disabled={busy} onClick={() => void collect()}>
          {busy ? "Collecting…" : "Collect now"}
        </button>
      )}
      <div className="collect-news" role="status" aria-live="polite" data-testid="collect-result">
        {busy && "Reading the metrics from X…"}
        {result && !result.x_configured && (
          <p className="notice warn">
            X is not configured on this host: without X's credentials there are no metrics to read, so nothing was
            collected.{" "}
            <Link to="/credentials">Set X's credentials</Link>
          </p>
        )}
        {result?.x_configured && (
          <p className="notice">
            {result.posts === 0
              ? "Collected: no post of the last 30 days to read."
              : `Collected the metrics of ${count(result.posts)} post${result.posts === 1 ? "" : "s"}`}{" "}
            <span className="muted">({new Date(at).toLocaleTimeString()})</span>
          </p>
        )}
      </div>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
    </>
  );
}

function Totals({ daily, days }: { daily: MetricsDay[]; days: number }) {
  const posts = daily.reduce((s, d) => s + d.posts, 0);
  const impressions = daily.reduce((s, d) => s + d.impressions, 0);
  const engagements = daily.reduce((s, d) => s + d.engagements, 0);
  return (
    <dl className="facts metrics-totals" aria-label={`Totals of the last ${days} days`}>
      <div data-fact="posts">
        <dt>Posts</dt>
        <dd>{count(posts)}</dd>
      </div>
      <div data-fact="impressions">
        <dt>Impressions</dt>
        <dd>{count(impressions)}</dd>
      </div>
      <div data-fact="engagements">
        <dt>Engagements</dt>
        <dd>{count(engagements)}</dd>
      </div>
      <div data-fact="engagement-rate">
        <dt>Engagement rate</dt>
        <dd>
          {impressions > 0 ? (
            percent(engagements / impressions)
          ) : (
            <>
              <span aria-hidden="true">—</span>
              <span className="sr-only">none (no impressions)</span>
            </>
          )}
        </dd>
      </div>
    </dl>
  );
}

const points = (daily: MetricsDay[], key: "posts" | "impressions" | "engagements"): ChartPoint[] =>
  daily.map((d) => ({ key: d.date, label: day(d.date), value: d[key] }));

function Daily({ daily }: { daily: MetricsDay[] }) {
  return (
    <section className="card" aria-labelledby="daily-title">
      <h2 id="daily-title">Per day</h2>
      <p className="muted small-text">
        Days in UTC. Impressions and engagements (likes, reposts, replies, quotes and bookmarks) are as each network
        last reported them (impressions only X reports); posts count every provider.
      </p>
      <div className="chart-grid">
        <Chart title="Impressions per day" unit={["impressions", "impression"]} points={points(daily, "impressions")} />
        <Chart
          title="Engagements per day"
          unit={["engagements", "engagement"]}
          points={points(daily, "engagements")}
          variant="line"
          tone="ok"
        />
        <Chart title="Posts per day" unit={["posts", "post"]} points={points(daily, "posts")} tone="warn" />
      </div>
    </section>
  );
}

function Posts({ posts, days }: { posts: ReportPost[]; days: number }) {
  return (
    <section className="card" aria-labelledby="posts-title">
      <h2 id="posts-title">Published posts</h2>
      {posts.length === 0 ? (
        <p className="empty" data-testid="metrics-empty">
          No post was published in the last {days} days. Posts appear here once drafts are published for real: dry-run
          and simulated posts are not counted. Their metrics show after the next collection.
        </p>
      ) : (
        <TableWrap label="Published posts table">
          <table className="posts-table">
            <thead>
              <tr>
                <th scope="col">Posted</th>
                <th scope="col">Provider</th>
                <th scope="col">Post</th>
                <th scope="col" className="num">
                  Impressions
                </th>
                <th scope="col" className="num">
                  Likes
                </th>
                <th scope="col" className="num">
                  Reposts
                </th>
                <th scope="col" className="num">
                  Replies
                </th>
                <th scope="col" className="num">
                  Quotes
                </th>
                <th scope="col" className="num">
                  Bookmarks
                </th>
              </tr>
            </thead>
            <tbody>
              {posts.map((p) => (
                <PostRow key={`${p.provider}:${p.draft_id}:${p.position}:${p.remote_id ?? ""}`} p={p} />
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}

const METRICS = ["impressions", "likes", "reposts", "replies", "quotes", "bookmarks"] as const;

function PostRow({ p }: { p: ReportPost }) {
  return (
    <tr data-provider={p.provider} data-draft-id={p.draft_id}>
      <td>
        <time dateTime={new Date(p.posted_at).toISOString()}>{dateTime(p.posted_at)}</time>
      </td>
      <td className="nowrap">{providerName(p.provider)}</td>
      <td className="post-cell">
        <PostLink p={p} max={90} />
      </td>
      {p.metrics ? (
        METRICS.map((m) => (
          <td key={m} className="num">
            {count(p.metrics?.[m] ?? 0)}
          </td>
        ))
      ) : (
        <td colSpan={METRICS.length} className="muted">
          {p.provider === "x" ? "Not collected yet" : "No metrics reported"}
        </td>
      )}
    </tr>
  );
}
