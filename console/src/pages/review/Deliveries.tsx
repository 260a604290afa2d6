// A draft's deliveries to the provider components (after X): where each stands, what was
// posted (or recorded, simulated) there, and a retry for admins when one failed or waits.
// Follows the provider.* events about this draft.
import { useEffect, useRef, useState } from "react";
import { ApiError, api } from "../../api";
import { ErrorBanner } from "../../components/ErrorBanner";
import { DeliveryBadge, deliveryLabel } from "../../components/ProviderBadges";
import { dateTime, relative } from "../../format";
import { useLiveEvents } from "../../live";
import { useResource } from "../../resource";
import { PROVIDER_EVENT_KINDS } from "../../types";
import type { ConfigView, DeliveriesView, ProviderDelivery, ProviderPost } from "../../types";

const RETRYABLE = new Set(["failed", "waiting", "unconfirmed"]);

export function Deliveries({ draftId, draftStatus, admin }: { draftId: string; draftStatus: string; admin: boolean }) {
  const path = `/api/drafts/${encodeURIComponent(draftId)}/deliveries`;
  const { data, error, reload, set } = useResource<DeliveriesView>(path);
  const [names, setNames] = useState<Record<string, string>>({});
  const [retrying, setRetrying] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const display = (name: string) => names[name] ?? name;

  useEffect(() => {
    api
      .get<ConfigView>("/api/config")
      .then((c) => setNames(Object.fromEntries(c.providers.map((p) => [p.name, p.display]))))
      .catch(() => {
        // The providers' own names are shown instead.
      });
  }, []);

  // A burst of events (each post of a thread) asks once.
  const timer = useRef<number | undefined>(undefined);
  const soon = () => {
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => void reload(), 150);
  };
  useEffect(() => () => window.clearTimeout(timer.current), []);
  useLiveEvents(
    PROVIDER_EVENT_KINDS,
    (e) => {
      if (e.subject === draftId) soon();
    },
    soon,
  );
  // Deliveries are queued when the draft is published on X (no provider event says so).
  const lastStatus = useRef(draftStatus);
  useEffect(() => {
    if (lastStatus.current === draftStatus) return;
    lastStatus.current = draftStatus;
    soon();
  });

  async function retry(provider: string) {
    setRetrying(provider);
    setActionError(null);
    setNotice(null);
    try {
      set(await api.post<DeliveriesView>(`${path}/${encodeURIComponent(provider)}/retry`));
      setNotice(`${display(provider)}: trying again now.`);
    } catch (e) {
      setActionError(e);
      if (e instanceof ApiError && e.status === 409) void reload();
    } finally {
      setRetrying(null);
    }
  }

  const deliveries = data?.deliveries ?? [];
  const posts = data?.posts ?? [];
  // Providers with posts but no delivery row (none expected) still show their posts.
  const providers = [...deliveries.map((d) => d.provider)];
  for (const p of posts) if (!providers.includes(p.provider)) providers.push(p.provider);
  const counts = new Map<string, number>();
  for (const d of deliveries) counts.set(d.status, (counts.get(d.status) ?? 0) + 1);
  const summary =
    deliveries.length === 0
      ? ""
      : `${deliveries.length} provider${deliveries.length === 1 ? "" : "s"}: ${[...counts]
          .map(([s, n]) => `${n} ${deliveryLabel(s).toLowerCase()}`)
          .join(", ")}.`;

  return (
    <section className="card" aria-labelledby="deliveries-title" data-testid="deliveries">
      <h2 id="deliveries-title">Deliveries</h2>
      <p className="muted small-text">
        After X, each provider enabled when the draft was published gets it once.
      </p>
      {/* Announced when a delivery's state changes. */}
      <p className="delivery-summary" role="status">
        {summary}
      </p>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <ErrorBanner error={error} />
      <ErrorBanner error={actionError} onDismiss={() => setActionError(null)} />
      {!data && !error && <p className="muted">Loading…</p>}
      {data && providers.length === 0 && <p className="empty">No deliveries to other providers.</p>}
      {providers.length > 0 && (
        <ul className="deliveries">
          {providers.map((name) => (
            <DeliveryItem
              key={name}
              name={name}
              display={display(name)}
              delivery={deliveries.find((d) => d.provider === name) ?? null}
              posts={posts.filter((p) => p.provider === name).sort((a, b) => a.position - b.position)}
              admin={admin}
              busy={retrying === name}
              onRetry={() => void retry(name)}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function DeliveryItem(props: {
  name: string;
  display: string;
  delivery: ProviderDelivery | null;
  posts: ProviderPost[];
  admin: boolean;
  busy: boolean;
  onRetry(): void;
}) {
  const { name, display, delivery: d, posts } = props;
  const titleId = `delivery-${name}`;
  return (
    <li className={`delivery delivery-item-${d?.status ?? "none"}`} data-provider={name} data-status={d?.status ?? ""}>
      <div className="delivery-head">
        <h3 id={titleId}>{display}</h3>
        {d && <DeliveryBadge status={d.status} />}
        {props.admin && d && RETRYABLE.has(d.status) && (
          <button type="button" className="small" disabled={props.busy} onClick={props.onRetry}>
            {props.busy ? "Retrying…" : d.status === "unconfirmed" ? "Not there: send again" : "Retry"}
            <span className="sr-only"> the delivery to {display}</span>
          </button>
        )}
      </div>
      {d?.detail && (
        <p className={`break ${d.status === "failed" || d.status === "unconfirmed" ? "error-text" : "muted"}`}>{d.detail}</p>
      )}
      {d && (
        <p className="muted small-text">
          {d.next_try_at && d.status !== "failed" && (
            <>
              Next try <span title={dateTime(d.next_try_at)}>{relative(d.next_try_at)}</span> ·{" "}
            </>
          )}
          Updated {dateTime(d.updated_at)}
        </p>
      )}
      {posts.length > 0 && (
        <ol className="provider-posts" aria-labelledby={titleId}>
          {posts.map((p) => (
            <PostItem key={p.id} p={p} display={display} />
          ))}
        </ol>
      )}
    </li>
  );
}

function PostItem({ p, display }: { p: ProviderPost; display: string }) {
  return (
    <li className="provider-post" data-position={p.position} data-simulated={String(p.simulated)}>
      <div className="provider-post-head">
        <span className="muted">Post {p.position + 1}</span>
        {p.simulated && <span className="kind">simulated</span>}
        {p.url ? (
          <a href={p.url} target="_blank" rel="noreferrer noopener" className="break">
            {p.remote_id ?? "View the post"}
            <span className="sr-only"> on {display} (opens a new tab)</span>
          </a>
        ) : p.remote_id ? (
          <code className="break">{p.remote_id}</code>
        ) : null}
        <time className="muted small-text" dateTime={new Date(p.posted_at).toISOString()}>
          {dateTime(p.posted_at)}
        </time>
      </div>
      <p className="provider-post-text">{p.text}</p>
      <details>
        <summary>
          {p.simulated ? "What would have been sent" : "What was sent"}
          <span className="sr-only"> (post {p.position + 1} on {display})</span>
        </summary>
        <pre>{pretty(p.request)}</pre>
      </details>
    </li>
  );
}

function pretty(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}
