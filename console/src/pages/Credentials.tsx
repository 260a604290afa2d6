import { useRef, useState } from "react";
import type { FormEvent } from "react";
import { ApiError, api } from "../api";
import { useAuth } from "../auth";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { ErrorBanner } from "../components/ErrorBanner";
import { dateTime } from "../format";
import { useResource } from "../resource";
import type { CredentialSlot, Integration, User } from "../types";

/**
 * Every credential the host holds for a provider or an integration, masked. Values are
 * write-only: typed into a password field that is not bound to any state (so the value is
 * never rendered, not even as an attribute), sent once, and cleared when saved. The page only
 * ever shows what the server answers: set or not, the last four characters, when and by whom.
 */
export function CredentialsPage() {
  const { data: list, error, set } = useResource<Integration[]>("/api/credentials");
  const { user } = useAuth();
  return (
    <section className="page" aria-labelledby="credentials-title">
      <div className="page-head">
        <h1 id="credentials-title">Credentials</h1>
      </div>
      <p className="muted">
        Values are write-only: sealed at rest and never shown again, only their last four characters. A change
        applies at once, on every host.
      </p>
      <ErrorBanner error={error} />
      {!list && !error && <p className="muted">Loading…</p>}
      <div className="integration-grid">
        {list?.map((i) => (
          <IntegrationCard key={i.id} i={i} me={user} onList={set} />
        ))}
      </div>
    </section>
  );
}

function IntegrationCard({ i, me, onList }: { i: Integration; me: User | null; onList(l: Integration[]): void }) {
  const titleId = `integration-${i.id}`;
  return (
    <section className="card integration" aria-labelledby={titleId} data-integration={i.id} data-complete={String(i.complete)}>
      <div className="integration-head">
        <h2 id={titleId}>{i.display}</h2>
        <span className="kind">{i.kind === "provider" ? "provider" : "integration"}</span>
        {i.complete ? (
          <span className="badge complete-yes">
            <span aria-hidden="true">✓</span> Complete
          </span>
        ) : (
          <span className="badge complete-no">
            <span aria-hidden="true">!</span> Incomplete
          </span>
        )}
      </div>
      <ul className="slots">
        {i.credentials.map((c) => (
          <li key={c.name}>
            <SlotForm slot={c} owner={i.display} me={me} onList={onList} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function SlotForm({
  slot,
  owner,
  me,
  onList,
}: {
  slot: CredentialSlot;
  owner: string;
  me: User | null;
  onList(l: Integration[]): void;
}) {
  // Uncontrolled on purpose: the value lives only in the field, never in React's state nor in
  // a `value` attribute.
  const input = useRef<HTMLInputElement>(null);
  const [filled, setFilled] = useState(false);
  const [busy, setBusy] = useState<"save" | "remove" | null>(null);
  const [confirm, setConfirm] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const id = `cred-${slot.name.replace(/[^A-Za-z0-9_-]+/g, "-")}`;
  const path = `/api/credentials/${encodeURIComponent(slot.name)}`;
  const what = `${owner}: ${slot.label}`;

  async function save(e: FormEvent) {
    e.preventDefault();
    const field = input.current;
    if (!field || !field.value || busy) return;
    setBusy("save");
    setError(null);
    setDone(null);
    try {
      const list = await api.put<Integration[]>(path, { value: field.value });
      field.value = "";
      setFilled(false);
      onList(list);
      setDone("Saved.");
    } catch (err) {
      // The value stays in the field (only there) to be corrected.
      setError(err);
    } finally {
      setBusy(null);
    }
  }

  async function remove() {
    setBusy("remove");
    setError(null);
    setDone(null);
    try {
      onList(await api.delete<Integration[]>(path));
      setDone("Removed.");
    } catch (err) {
      setError(err);
      // Removed elsewhere meanwhile: show how it is now.
      if (err instanceof ApiError && err.status === 404) {
        api.get<Integration[]>("/api/credentials").then(onList, () => {});
      }
    } finally {
      setBusy(null);
      setConfirm(false);
    }
  }

  const who = slot.updated_by == null ? null : slot.updated_by === me?.id ? `${me.username} (you)` : (slot.updated_by_name ?? slot.updated_by);
  return (
    <form className="slot" onSubmit={save} data-credential={slot.name} data-set={String(slot.set)}>
      <label htmlFor={id}>
        <span className="sr-only">{owner}: </span>
        {slot.label}
      </label>
      <p className="slot-state" id={`${id}-state`}>
        {slot.set ? (
          <>
            <span className="masked" data-testid="masked">
              {slot.masked ?? "••••"}
            </span>{" "}
            <span className="muted">
              set {dateTime(slot.updated_at)}
              {who && (
                <>
                  {" "}
                  by <span className="break">{who}</span>
                </>
              )}
              {slot.bound_to && (
                <>
                  {" "}
                  for{" "}
                  <span className="break" data-testid="bound-to">
                    {slot.bound_to.length ? slot.bound_to.join(", ") : "no address: set it again"}
                  </span>
                </>
              )}
            </span>
          </>
        ) : (
          <span className="muted">Not set</span>
        )}
      </p>
      <div className="slot-row">
        <input
          ref={input}
          id={id}
          type="password"
          autoComplete="new-password"
          autoCapitalize="off"
          spellCheck={false}
          aria-describedby={`${id}-state`}
          placeholder={slot.set ? "Type a new value to replace it" : "Type the value"}
          onInput={(e) => {
            setFilled(e.currentTarget.value !== "");
            setDone(null);
          }}
        />
        <button type="submit" className="primary" disabled={!filled || busy !== null}>
          {busy === "save" ? "Saving…" : "Save"}
          <span className="sr-only"> {what}</span>
        </button>
        {slot.set && (
          <button type="button" disabled={busy !== null} onClick={() => setConfirm(true)}>
            Remove<span className="sr-only"> {what}</span>
          </button>
        )}
      </div>
      {done && (
        <p className="saved" role="status">
          {done}
        </p>
      )}
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      <ConfirmDialog
        open={confirm}
        title={`Remove ${what}?`}
        confirmLabel="Remove"
        danger
        busy={busy === "remove"}
        onConfirm={() => void remove()}
        onCancel={() => setConfirm(false)}
      >
        <p>
          {owner} stops working on every host until a new value is set. The value cannot be shown or restored.
        </p>
      </ConfirmDialog>
    </form>
  );
}
