// Every version of a component ever activated, newest first; admins roll back to one.
import { useEffect, useRef, useState } from "react";
import { ApiError, api } from "../../api";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ErrorBanner } from "../../components/ErrorBanner";
import { TableWrap } from "../../components/TableWrap";
import { useResource } from "../../resource";
import { dateTime, shortDigest } from "../../format";
import type { ComponentVersion, HistoryPage } from "../../types";

/** Whether `to` names `v` as the server reads it: its version, or its digest (a prefix of at
 * least 8 hex digits, `sha256:` optional). */
function names(v: ComponentVersion, to: string): boolean {
  const want = to.replace(/^sha256:/, "").toLowerCase();
  return v.version === to || (want.length >= 8 && v.digest.replace(/^sha256:/, "").startsWith(want));
}

const same = (a: ComponentVersion, b: ComponentVersion) =>
  a.digest === b.digest && JSON.stringify(a.entry) === JSON.stringify(b.entry);

/** What to send as `to` so the server restores exactly `row`: the server takes the newest
 * version matching, so the digest when that finds this row (or an identical one), else the
 * version (a new entry signed over the same bytes shares the digest); null if neither does. */
export function rollbackTo(versions: ComponentVersion[], row: ComponentVersion): string | null {
  for (const to of [row.digest, row.version]) {
    const found = versions.find((v) => names(v, to));
    if (found && same(found, row)) return to;
  }
  return null;
}

export function PluginHistory(props: {
  name: string;
  admin: boolean;
  /** Changes when the version serving changes, so the table follows. */
  serving: string;
  /** Called after a rollback (the plugins page changed too). */
  onChanged(): void;
}) {
  const base = `/api/plugins/${encodeURIComponent(props.name)}`;
  const { data, error, reload, set } = useResource<HistoryPage>(`${base}/history`);
  const [target, setTarget] = useState<{ row: ComponentVersion; to: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);

  // The serving version changed (a confirmation, a reload, a rollback): fetch again.
  const seen = useRef(props.serving);
  useEffect(() => {
    if (seen.current === props.serving) return;
    seen.current = props.serving;
    void reload();
  }, [props.serving, reload]);

  async function rollback(to: string) {
    setBusy(true);
    setActionError(null);
    try {
      set(await api.post<HistoryPage>(`${base}/rollback`, { to }));
    } catch (e) {
      setActionError(e);
      if (e instanceof ApiError && (e.status === 404 || e.status === 409)) void reload();
    } finally {
      setBusy(false);
      setTarget(null);
      props.onChanged();
    }
  }

  const versions = data?.versions ?? [];
  const active = versions.find((v) => v.active) ?? null;
  return (
    <div className="plugin-panel">
      <ErrorBanner error={error} />
      <ErrorBanner error={actionError} onDismiss={() => setActionError(null)} />
      {!data && !error && <p className="muted">Loading…</p>}
      {data && versions.length === 0 && <p className="empty">No recorded versions.</p>}
      {versions.length > 0 && (
        <TableWrap label={`${props.name} history table`}>
          <table className="history-table">
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Digest</th>
                <th scope="col">Action</th>
                <th scope="col">By</th>
                <th scope="col">When</th>
                <th scope="col">Signed</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {versions.map((v) => {
                const to = rollbackTo(versions, v);
                const asServing = active !== null && !v.active && same(v, active);
                return (
                  <tr key={v.id} className={v.active ? "serving" : ""} data-version={v.version}>
                    <td>{v.version}</td>
                    <td>
                      <code title={v.digest}>{shortDigest(v.digest)}</code>
                    </td>
                    <td>{v.action}</td>
                    <td className="break">{v.actor}</td>
                    <td>{dateTime(v.at)}</td>
                    <td>{v.signed ? "yes" : <span className="warn-text">no</span>}</td>
                    <td>
                      {v.active ? (
                        <span className="load load-loaded">Serving</span>
                      ) : asServing ? (
                        <span className="muted">same as serving</span>
                      ) : props.admin && to ? (
                        <button type="button" className="small" disabled={busy} onClick={() => setTarget({ row: v, to })}>
                          Roll back to this version
                          <span className="sr-only">
                            {" "}
                            ({v.version}, {shortDigest(v.digest)})
                          </span>
                        </button>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableWrap>
      )}
      <ConfirmDialog
        open={target !== null}
        title={target ? `Roll ${props.name} back to ${target.row.version}?` : "Roll back?"}
        confirmLabel="Roll back"
        danger
        busy={busy}
        onConfirm={() => target && void rollback(target.to)}
        onCancel={() => setTarget(null)}
      >
        {target && (
          <>
            <p>
              {props.name} {target.row.version} (<code>{shortDigest(target.row.digest)}</code>, activated{" "}
              {dateTime(target.row.at)} by {target.row.actor}) will replace{" "}
              {active ? `${active.version} (${shortDigest(active.digest)})` : "what serves now"}.
            </p>
            <p className="small-text">
              Its exact bytes, signature and manifest entry (grants and limits) are restored, and the reload checks it
              like any new version. The rollback is audited.
            </p>
          </>
        )}
      </ConfirmDialog>
    </div>
  );
}
