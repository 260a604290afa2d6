// New component versions that ask for more than the version serving: held until an admin
// confirms them (the old version keeps serving meanwhile). Reviewers see them too.
import { useState } from "react";
import { ApiError, api } from "../../api";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ErrorBanner } from "../../components/ErrorBanner";
import { dateTime, shortDigest } from "../../format";
import type { GrantChange, PendingUpgrade, PluginsPage } from "../../types";

export function PendingUpgrades(props: {
  pending: PendingUpgrade[];
  admin: boolean;
  /** The page the confirmation answered with. */
  onPage(page: PluginsPage): void;
  /** Fetches the page again (after a confirmation that did not go through). */
  onRefetch(): void;
}) {
  const [target, setTarget] = useState<PendingUpgrade | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);

  async function confirm(p: PendingUpgrade) {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const page = await api.post<PluginsPage>(`/api/plugins/${encodeURIComponent(p.name)}/confirm`, {
        digest: p.to_digest,
      });
      props.onPage(page);
      setNotice(`${p.name} ${p.to_version} confirmed and activated.`);
    } catch (e) {
      setError(e);
      // 404: nothing of that digest waits any more; 409: confirmed, but another gate (the
      // eval gate) refused it. Either way the page is out of date.
      if (e instanceof ApiError && (e.status === 404 || e.status === 409)) props.onRefetch();
    } finally {
      setBusy(false);
      setTarget(null);
    }
  }

  const widened = target?.changes.filter((c) => c.direction === "widened") ?? [];
  const narrowed = (target?.changes.length ?? 0) - widened.length;
  return (
    <>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {props.pending.length > 0 && (
        <section className="pending-upgrades" aria-labelledby="pending-title">
          <h2 id="pending-title">
            Waiting for confirmation <span className="count-pill">{props.pending.length}</span>
          </h2>
          {props.pending.map((p) => (
            <article
              key={`${p.name}-${p.to_digest}`}
              className="card pending-upgrade"
              aria-labelledby={`pending-${p.name}`}
              data-component={p.name}
            >
              <h3 id={`pending-${p.name}`}>
                {p.name} {p.from_version} → {p.to_version}
              </h3>
              <p className="muted small-text">
                Version {p.to_version} (<code title={p.to_digest}>{shortDigest(p.to_digest)}</code>) asks for more
                than {p.from_version} (<code title={p.from_digest}>{shortDigest(p.from_digest)}</code>), which keeps
                serving until an admin confirms. Waiting since {dateTime(p.since)}.
              </p>
              <ChangeList changes={p.changes} />
              {props.admin ? (
                <button
                  type="button"
                  className="primary"
                  disabled={busy}
                  onClick={() => {
                    setError(null);
                    setNotice(null);
                    setTarget(p);
                  }}
                >
                  Confirm upgrade<span className="sr-only"> of {p.name}</span>
                </button>
              ) : (
                <p className="muted small-text">Only an admin can confirm it.</p>
              )}
            </article>
          ))}
        </section>
      )}
      <ConfirmDialog
        open={target !== null}
        title={target ? `Confirm ${target.name} ${target.to_version}?` : "Confirm upgrade?"}
        confirmLabel="Confirm and activate"
        busy={busy}
        onConfirm={() => target && void confirm(target)}
        onCancel={() => setTarget(null)}
      >
        {target && (
          <>
            <p>
              {target.name} {target.to_version} (<code>{shortDigest(target.to_digest)}</code>) will replace{" "}
              {target.from_version} and will be allowed:
            </p>
            <ChangeList changes={widened} />
            {narrowed > 0 && (
              <p className="muted small-text">
                It also gives up {narrowed} {narrowed === 1 ? "grant or limit" : "grants or limits"}.
              </p>
            )}
            <p className="small-text">
              If its world has a golden set, the eval gate still runs: if it refuses the new version,{" "}
              {target.from_version} keeps serving.
            </p>
          </>
        )}
      </ConfirmDialog>
    </>
  );
}

/** The changes as a diff: `+` widened (a warning), `−` narrowed; old → new. */
export function ChangeList({ changes }: { changes: GrantChange[] }) {
  if (changes.length === 0) return <p className="muted">No grant or limit changes.</p>;
  const show = (v: string | null) => v ?? "(none)";
  return (
    <ul className="changes">
      {changes.map((c, i) => (
        <li key={i} className={`change change-${c.direction}`} data-direction={c.direction}>
          <span className="change-sign" aria-hidden="true">
            {c.direction === "widened" ? "+" : "−"}
          </span>
          <span className="sr-only">{c.direction === "widened" ? "Widened: " : "Narrowed: "}</span>
          <span className="change-body">
            <code className="change-what">{c.what}</code>{" "}
            <span className="change-values">
              {show(c.old)} <span aria-hidden="true">→</span>
              <span className="sr-only">to</span> {show(c.new)}
            </span>
          </span>
        </li>
      ))}
    </ul>
  );
}
