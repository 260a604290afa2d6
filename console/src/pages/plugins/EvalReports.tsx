// The eval gate's reports for a component (its world's golden set replayed against each new
// version), newest first; the newest is open.
import { useEffect, useRef } from "react";
import { ErrorBanner } from "../../components/ErrorBanner";
import { TweetText } from "../../components/TweetText";
import { useResource } from "../../resource";
import { dateTime, duration, shortDigest } from "../../format";
import type { EvalCase, EvalRun } from "../../types";

export function EvalReports(props: { name: string; serving: string }) {
  const { data, error, reload } = useResource<EvalRun[]>(`/api/plugins/${encodeURIComponent(props.name)}/evals`);

  // A new version serving may come with a new report.
  const seen = useRef(props.serving);
  useEffect(() => {
    if (seen.current === props.serving) return;
    seen.current = props.serving;
    void reload();
  }, [props.serving, reload]);

  return (
    <div className="plugin-panel">
      <ErrorBanner error={error} />
      {!data && !error && <p className="muted">Loading…</p>}
      {data && data.length === 0 && (
        <p className="empty">
          No eval reports (this component's world has no golden set, or no new version has been evaluated yet).
        </p>
      )}
      {data && data.length > 0 && (
        <ol className="eval-list">
          {data.map((r, i) => (
            <li key={r.id} className="eval-report" data-passed={r.passed}>
              <details open={i === 0}>
                <summary>
                  <span className={`verdict verdict-${r.passed ? "pass" : "fail"}`}>
                    <span aria-hidden="true">{r.passed ? "✓" : "✕"}</span> {r.passed ? "Passed" : "Refused"}
                  </span>{" "}
                  {r.version} <code title={r.digest}>{shortDigest(r.digest)}</code>{" "}
                  <span className="muted">
                    {dateTime(r.at)} · {cases(r).length} {cases(r).length === 1 ? "case" : "cases"}
                  </span>
                </summary>
                <ul className="eval-cases">
                  {cases(r).map((c, j) => (
                    <EvalCaseItem key={j} c={c} />
                  ))}
                </ul>
              </details>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

const cases = (r: EvalRun): EvalCase[] => r.report?.cases ?? [];

function EvalCaseItem({ c }: { c: EvalCase }) {
  return (
    <li className={`eval-case ${c.passed ? "" : "eval-case-failed"}`} data-passed={c.passed}>
      <div className="eval-case-head">
        <span className={`verdict verdict-${c.passed ? "pass" : "fail"}`}>{c.passed ? "pass" : "fail"}</span>{" "}
        <strong className="break">{c.name}</strong> <span className="muted">{duration(c.duration_ms)}</span>
      </div>
      {c.failures.length > 0 && (
        <ul className="eval-failures">
          {c.failures.map((f, k) => (
            <li key={k} className="error-text">
              {f}
            </li>
          ))}
        </ul>
      )}
      {c.tweets.length > 0 && (
        <details className="eval-tweets">
          <summary>
            {c.tweets.length === 1 ? "The tweet" : `The ${c.tweets.length} tweets`} it wrote
            <span className="sr-only"> for {c.name}</span>
          </summary>
          <ol>
            {c.tweets.map((t, k) => (
              <li key={k}>
                <TweetText text={t} />
              </li>
            ))}
          </ol>
        </details>
      )}
    </li>
  );
}
