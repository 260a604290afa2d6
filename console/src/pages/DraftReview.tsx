import { useEffect, useMemo, useRef, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { ApiError, api } from "../api";
import { useAuth } from "../auth";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { Diff } from "../components/Diff";
import { ErrorBanner } from "../components/ErrorBanner";
import { TableWrap } from "../components/TableWrap";
import { StatusBadge, VerdictBadge } from "../components/StatusBadge";
import { LengthMeter, TweetText } from "../components/TweetText";
import { dateTime, micros, relative, severity, shortDigest } from "../format";
import { useDraftEvents } from "../live";
import { useResource } from "../resource";
import type { CheckResult, DraftDetail, Finding, Material, Run } from "../types";
import { Deliveries } from "./review/Deliveries";

type Action = "approve" | "skip" | "regenerate" | "resume";

const EDITABLE = new Set(["pending", "needs_human_attention"]);

/** One draft: the thread as X would show it, the policy, the critic, provenance, the agent
 * timeline and capability events; edit with a diff and live re-check; act on it. */
export function DraftReview() {
  const { id = "" } = useParams();
  // `?edit=1`: the notification's Edit link (editing needs a login, so it opens here).
  const [search, setSearch] = useSearchParams();
  const { user } = useAuth();
  const {
    data: detail,
    error: loadError,
    reload: load,
  } = useResource<DraftDetail>(`/api/drafts/${encodeURIComponent(id)}`);
  const [editing, setEditing] = useState<string[] | null>(null);
  const [check, setCheck] = useState<CheckResult | null>(null);
  const [checking, setChecking] = useState(false);
  const [checkError, setCheckError] = useState<unknown>(null);
  const [action, setAction] = useState<Action | null>(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [dryRun, setDryRun] = useState<boolean | null>(null);

  useEffect(() => {
    api
      .get<{ dry_run: boolean }>("/api/health")
      .then((h) => setDryRun(h.dry_run))
      .catch(() => setDryRun(null));
  }, []);

  // Another reviewer (or the publisher) changed a draft: reload, unless this one is being
  // edited here (the edit would be refused as stale anyway; the reviewer decides).
  const editingRef = useRef(editing);
  editingRef.current = editing;
  useDraftEvents(() => {
    if (!editingRef.current) void load();
  });

  const draft = detail?.draft;
  const limit = detail?.max_weighted_length ?? 280;
  const generated = detail?.generated ?? draft?.tweets.map((t) => t.text) ?? [];
  const texts = editing ?? draft?.tweets.map((t) => t.text) ?? [];
  const changed = !!editing && !!draft && editing.join("\u0000") !== draft.tweets.map((t) => t.text).join("\u0000");

  // Live re-check while editing: the server's policy (and X's weighted length) on the text as
  // typed, debounced; answers to older text are dropped.
  const seq = useRef(0);
  useEffect(() => {
    if (!editing) {
      // An answer still on its way is about text thrown away.
      seq.current++;
      setCheck(null);
      setCheckError(null);
      setChecking(false);
      return;
    }
    const mine = ++seq.current;
    setChecking(true);
    const t = window.setTimeout(async () => {
      try {
        const r = await api.post<CheckResult>(`/api/drafts/${encodeURIComponent(id)}/check`, {
          tweets: editing,
        });
        if (mine === seq.current) {
          setCheck(r);
          setCheckError(null);
        }
      } catch (e) {
        if (mine === seq.current) setCheckError(e);
      } finally {
        if (mine === seq.current) setChecking(false);
      }
    }, 250);
    return () => window.clearTimeout(t);
  }, [editing, id]);

  const findings: Finding[] = useMemo(() => {
    if (check) return check.findings;
    return (draft?.policy_report?.findings ?? []).map((f) => ({ ...f, severity: severity(f.severity) }));
  }, [check, draft]);
  const lengths = check?.weighted_lengths ?? draft?.tweets.map((t) => t.weighted_length) ?? [];
  const verdict = check?.verdict ?? draft?.verdict ?? "";
  const materialsById = useMemo(() => {
    const m = new Map<string, Material>();
    detail?.materials.forEach((x) => m.set(x.id, x));
    return m;
  }, [detail]);

  async function act(a: Action) {
    if (!draft) return;
    setBusy(true);
    setActionError(null);
    const path = `/api/drafts/${encodeURIComponent(draft.id)}/${a}`;
    try {
      if (a === "approve") {
        await api.post(path, changed ? { tweets: editing, version: draft.version } : { content_hash: draft.content_hash });
        setNotice(
          dryRun === true
            ? "Approved. Publishing in dry-run: nothing is sent to X."
            : dryRun === false
              ? "Approved. Publishing now."
              : "Approved.",
        );
      } else if (a === "regenerate") {
        const run = await api.post<Run>(path);
        setNotice(`Skipped; a new draft is being written (run ${run.id}).`);
      } else {
        await api.post(path);
        setNotice(a === "skip" ? "Skipped." : "Publishing resumed.");
      }
      setEditing(null);
      setAction(null);
      await load();
    } catch (e) {
      setActionError(e);
      setAction(null);
      // The draft changed elsewhere: show it as it is now (the edit stays for another try).
      if (e instanceof ApiError && e.status === 409) await load();
    } finally {
      setBusy(false);
    }
  }

  async function saveEdit() {
    if (!draft || !editing) return;
    setBusy(true);
    setActionError(null);
    try {
      await api.post(`/api/drafts/${encodeURIComponent(draft.id)}/edit`, { version: draft.version, tweets: editing });
      setEditing(null);
      setNotice("Edit saved; the policy re-checked it.");
      await load();
    } catch (e) {
      setActionError(e);
      if (e instanceof ApiError && e.status === 409) await load();
    } finally {
      setBusy(false);
    }
  }

  useEffect(() => {
    if (search.get("edit") === "1" && draft && EDITABLE.has(draft.status) && !editing) {
      setEditing(draft.tweets.map((t) => t.text));
      setSearch({}, { replace: true });
    }
  }, [search, setSearch, draft, editing]);

  if (loadError && !detail) {
    return (
      <section className="page">
        <p>
          <Link to="/drafts">← Drafts</Link>
        </p>
        <ErrorBanner error={loadError} />
      </section>
    );
  }
  if (!detail || !draft) {
    return (
      <p className="centered" role="status">
        Loading the draft…
      </p>
    );
  }

  const editable = EDITABLE.has(draft.status);
  const general = findings.filter((f) => f.tweet_position == null);
  const capAllowed = detail.capability_events.filter((e) => e.outcome === "allowed").length;
  const capDenied = detail.capability_events.filter((e) => e.outcome === "denied").length;
  const capUnavailable = detail.capability_events.filter((e) => e.outcome === "unavailable").length;

  return (
    <section className="page review" aria-labelledby="draft-title">
      <p>
        <Link to="/drafts">← Drafts</Link>
      </p>
      <div className="page-head">
        <h1 id="draft-title">{draft.format === "thread" ? `Thread of ${texts.length}` : "Single post"}</h1>
        <StatusBadge status={draft.status} />
        <VerdictBadge verdict={verdict} />
        {checking && <span className="muted" role="status">Checking…</span>}
      </div>
      <dl className="facts">
        <div><dt>Created</dt><dd>{dateTime(draft.created_at)}</dd></div>
        {draft.expires_at && EDITABLE.has(draft.status) && (
          <div><dt>Review closes</dt><dd title={dateTime(draft.expires_at)}>{relative(draft.expires_at)}</dd></div>
        )}
        <div><dt>Model</dt><dd>{draft.model_used || "—"}</dd></div>
        <div><dt>Version</dt><dd>{draft.version}</dd></div>
        {draft.approved_at && <div><dt>Approved</dt><dd>{dateTime(draft.approved_at)}</dd></div>}
        <div><dt>Run</dt><dd><code>{draft.run_id}</code></dd></div>
      </dl>
      {draft.last_error && (
        <p className="error-banner" role="alert">
          {draft.last_error}
        </p>
      )}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <ErrorBanner error={actionError} onDismiss={() => setActionError(null)} />

      <div className="actions" role="toolbar" aria-label="Draft actions">
        {editable && !editing && (
          <button type="button" onClick={() => setEditing(draft.tweets.map((t) => t.text))}>
            Edit
          </button>
        )}
        {editing && (
          <>
            <button type="button" className="primary" disabled={!changed || busy} onClick={() => void saveEdit()}>
              Save edit
            </button>
            <button type="button" onClick={() => setEditing(null)}>
              Cancel edit
            </button>
          </>
        )}
        {editable && (
          <button type="button" className="approve" onClick={() => setAction("approve")}>
            Approve{changed ? " with edits" : ""}
          </button>
        )}
        {editable && (
          <button type="button" onClick={() => setAction("skip")}>
            Skip
          </button>
        )}
        {editable && (
          <button type="button" onClick={() => setAction("regenerate")}>
            Regenerate
          </button>
        )}
        {draft.status === "error" && (
          <button type="button" className="primary" onClick={() => setAction("resume")}>
            Resume publishing
          </button>
        )}
      </div>

      {general.length > 0 && (
        <ul className="findings general" aria-label="Policy findings for the whole post">
          {general.map((f, i) => (
            <FindingItem key={i} f={f} />
          ))}
        </ul>
      )}
      <ErrorBanner error={checkError} />

      <ol className="thread" aria-label="The thread as X would show it">
        {texts.map((text, i) => {
          const tweetFindings = findings.filter((f) => f.tweet_position === i);
          const materialIds = draft.tweets[i]?.material_ids ?? [];
          return (
            <li key={i} className="card tweet" data-position={i}>
              <div className="tweet-head">
                <span className="avatar" aria-hidden="true">X</span>
                <span className="muted">
                  {i + 1} / {texts.length}
                </span>
                <LengthMeter length={lengths[i] ?? 0} limit={check?.max_weighted_length ?? limit} />
              </div>
              {editing ? (
                <>
                  <label className="sr-only" htmlFor={`tweet-${i}`}>
                    Tweet {i + 1}
                  </label>
                  <textarea
                    id={`tweet-${i}`}
                    value={text}
                    rows={Math.max(3, Math.ceil(text.length / 60))}
                    onChange={(e) => {
                      const next = [...editing];
                      next[i] = e.target.value;
                      setEditing(next);
                    }}
                  />
                  <Diff before={generated[i] ?? ""} after={text} />
                  {editing.length > 1 && (
                    <button
                      type="button"
                      className="link"
                      onClick={() => setEditing(editing.filter((_, j) => j !== i))}
                    >
                      Remove tweet {i + 1}
                    </button>
                  )}
                </>
              ) : (
                <>
                  <TweetText text={text} />
                  {generated[i] !== undefined && generated[i] !== text && (
                    <details>
                      <summary>Edited — changes against the generated text</summary>
                      <Diff before={generated[i] ?? ""} after={text} />
                    </details>
                  )}
                </>
              )}
              {tweetFindings.length > 0 && (
                <ul className="findings" aria-label={`Policy findings for tweet ${i + 1}`}>
                  {tweetFindings.map((f, j) => (
                    <FindingItem key={j} f={f} />
                  ))}
                </ul>
              )}
              {materialIds.length > 0 && (
                <details className="provenance">
                  <summary>Sources ({materialIds.length})</summary>
                  <ul>
                    {materialIds.map((mid) => {
                      const m = materialsById.get(mid);
                      return (
                        <li key={mid}>
                          {m ? (
                            <>
                              <span className="kind">{m.kind}</span>{" "}
                              {m.url ? (
                                <a href={m.url} target="_blank" rel="noreferrer noopener">
                                  {m.title}
                                </a>
                              ) : (
                                m.title
                              )}{" "}
                              <span className="muted">
                                {m.author ? `by ${m.author}, ` : ""}
                                {dateTime(m.timestamp_ms)}
                              </span>
                            </>
                          ) : (
                            <code>{mid}</code>
                          )}
                        </li>
                      );
                    })}
                  </ul>
                </details>
              )}
            </li>
          );
        })}
      </ol>
      {editing && editing.length < 25 && (
        <button type="button" onClick={() => setEditing([...editing, ""])}>
          Add a tweet
        </button>
      )}

      {draft.critique && (
        <section className="card" aria-labelledby="critic-title">
          <h2 id="critic-title">Critic's notes</h2>
          <p>
            <strong>Score {draft.critique.score}/100.</strong> {draft.critique.summary}
          </p>
          {draft.critique.findings.length > 0 && (
            <ul className="findings">
              {draft.critique.findings.map((f, i) => (
                <FindingItem key={i} f={{ ...f, severity: severity(f.severity) }} />
              ))}
            </ul>
          )}
          <p className="muted">Model: {draft.critique.model_used}</p>
        </section>
      )}

      {detail.posts.length > 0 && (
        <section className="card" aria-labelledby="posts-title">
          <h2 id="posts-title">Published</h2>
          <ol>
            {detail.posts.map((p) => (
              <li key={p.position}>
                {p.dry_run ? <span className="kind">dry-run</span> : <span className="kind">X {p.x_post_id}</span>}{" "}
                {dateTime(p.posted_at)} — <span className="muted">{p.text.slice(0, 80)}</span>
              </li>
            ))}
          </ol>
        </section>
      )}

      <Deliveries draftId={draft.id} draftStatus={draft.status} admin={user?.role === "admin"} />

      <section className="card" aria-labelledby="timeline-title">
        <h2 id="timeline-title">Agent timeline</h2>
        <TableWrap label="Agent timeline table">
          <table>
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col">Component</th>
                <th scope="col">Digest</th>
                <th scope="col">Duration</th>
                <th scope="col">Model</th>
                <th scope="col">Tokens</th>
                <th scope="col">Notes</th>
              </tr>
            </thead>
            <tbody>
              {detail.steps.map((s) => (
                <tr key={s.step} className={s.status === "failed" ? "failed" : ""}>
                  <td>{s.stage}</td>
                  <td>
                    {s.component_name}
                    {s.component_version ? `@${s.component_version}` : ""}
                  </td>
                  <td>
                    <code title={s.component_digest ?? ""}>{shortDigest(s.component_digest)}</code>
                  </td>
                  <td>{micros(s.duration_us)}</td>
                  <td>{s.model_used ?? "—"}</td>
                  <td>{s.prompt_tokens + s.completion_tokens || "—"}</td>
                  <td>
                    {s.summary}
                    {s.attempts > 1 && <span className="warn-text"> ({s.attempts} attempts)</span>}
                    {s.warnings.map((w, i) => (
                      <span key={i} className="warn-text">
                        {" "}
                        ⚠ {w}
                      </span>
                    ))}
                    {s.error && <span className="error-text"> {s.error}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      </section>

      <section className="card" aria-labelledby="cap-title">
        <h2 id="cap-title">Capability events</h2>
        <p className="muted">
          {capAllowed} grant{capAllowed === 1 ? "" : "s"} used, {capDenied} denial{capDenied === 1 ? "" : "s"}
          {capUnavailable > 0 && `, ${capUnavailable} not set up (e.g. no LLM endpoint)`}.
        </p>
        {detail.capability_events.length > 0 && (
          <TableWrap label="Capability events table">
            <table>
              <thead>
                <tr>
                  <th scope="col">Component</th>
                  <th scope="col">Capability</th>
                  <th scope="col">Target</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {detail.capability_events.map((e, i) => (
                  <tr key={i} className={e.outcome === "denied" ? "failed" : ""}>
                    <td>{e.component_name}</td>
                    <td>{e.capability}</td>
                    <td className="break">{e.target}</td>
                    <td>
                      <span className={`outcome outcome-${e.outcome}`}>{e.outcome}</span>
                    </td>
                    <td className="break">{e.detail}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>

      {detail.deliveries.length > 0 && (
        <section className="card" aria-labelledby="deliveries-title">
          <h2 id="deliveries-title">Notifications</h2>
          <ul>
            {detail.deliveries.map((d, i) => (
              <li key={i}>
                {d.channel}: {d.status} after {d.attempts} attempt{d.attempts === 1 ? "" : "s"}
                {d.error && <span className="error-text"> — {d.error}</span>}
              </li>
            ))}
          </ul>
        </section>
      )}

      <ConfirmDialog
        open={action !== null}
        title={
          action === "approve"
            ? changed
              ? "Approve with your edits?"
              : "Approve this post?"
            : action === "skip"
              ? "Skip this draft?"
              : action === "regenerate"
                ? "Skip and write a new draft?"
                : "Resume publishing?"
        }
        confirmLabel={
          action === "approve" ? "Approve" : action === "skip" ? "Skip" : action === "regenerate" ? "Regenerate" : "Resume"
        }
        danger={action === "skip"}
        busy={busy}
        onCancel={() => setAction(null)}
        onConfirm={() => action && void act(action)}
      >
        {action === "approve" && (
          <p>
            The policy checks the final text once more; only a pass publishes it.{" "}
            {dryRun === true
              ? "Dry-run is on: nothing is sent to X, the exact requests are recorded."
              : dryRun === false
                ? "Dry-run is off: this is posted to X."
                : ""}
          </p>
        )}
        {action === "skip" && <p>Nothing is posted for this draft.</p>}
        {action === "regenerate" && <p>This draft is skipped and a new run writes about the same material.</p>}
        {action === "resume" && <p>Publishing continues at the first position not yet posted.</p>}
      </ConfirmDialog>
    </section>
  );
}

function FindingItem({ f }: { f: Finding }) {
  return (
    <li className={`finding finding-${f.severity}`}>
      <span className="sev">{f.severity.toUpperCase()}</span> {f.message} <code className="muted">{f.code}</code>
    </li>
  );
}
