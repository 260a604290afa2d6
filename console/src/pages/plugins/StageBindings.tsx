// Which component serves each pipeline stage. Several writers (or critics, ...) can be
// installed side by side; an admin switches the one a stage uses, and back, with one change
// that is audited and applies to the next step that runs, on every host. Reviewers see it.
import { useEffect, useState } from "react";
import { api } from "../../api";
import { ErrorBanner } from "../../components/ErrorBanner";
import { TableWrap } from "../../components/TableWrap";
import { useResource } from "../../resource";
import type { StageBinding, StageBindings as Bindings } from "../../types";

const SOURCE: Record<StageBinding["source"], string> = {
  console: "set in the console",
  file: "set in the config file",
  default: "default",
};

export function StageBindings(props: {
  admin: boolean;
  /** Changes when the loaded components change: the candidates are fetched again. */
  loaded: string;
}) {
  const { data, error, set, setError, reload } = useResource<Bindings>("/api/config/stages");
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const { loaded } = props;
  useEffect(() => {
    if (loaded) void reload();
  }, [loaded, reload]);

  async function bind(stage: string, component: string) {
    setBusy(stage);
    setError(null);
    setNotice(null);
    try {
      set(await api.put<Bindings>("/api/config/stages", { bindings: { [stage]: component } }));
      setNotice(`The ${stage} stage is now served by ${component}, from the next run on.`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  }

  return (
    <section className="card stage-bindings" aria-labelledby="stages-title">
      <h2 id="stages-title">Stage bindings</h2>
      <p className="muted small-text">
        The component each pipeline stage calls. A stage can be switched to any loaded component of its world.
      </p>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <TableWrap label="Stage bindings table">
        <table>
          <thead>
            <tr>
              <th scope="col">Stage</th>
              <th scope="col">Served by</th>
              <th scope="col">Set</th>
            </tr>
          </thead>
          <tbody>
            {data?.stages.map((s) => (
              <tr key={s.stage} data-stage={s.stage} className={s.loaded ? "" : "failed"}>
                <td>{s.stage}</td>
                <td>
                  {props.admin && switchable(s) ? (
                    <BindingChoice binding={s} busy={busy === s.stage} onBind={(c) => void bind(s.stage, c)} />
                  ) : (
                    <span data-testid={`serving-${s.stage}`}>{s.component}</span>
                  )}
                  {!s.loaded && <span className="error-text"> not loaded: runs fail at this stage</span>}
                </td>
                <td className="muted">{SOURCE[s.source]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </section>
  );
}

/** Whether there is another component to switch the stage to. */
function switchable(s: StageBinding): boolean {
  return s.candidates.some((c) => c !== s.component);
}

/** A stage's candidates and a button that switches to the one chosen. */
function BindingChoice(props: { binding: StageBinding; busy: boolean; onBind(component: string): void }) {
  const { binding } = props;
  const [choice, setChoice] = useState(binding.component);
  // What the server says serves wins over an unsaved choice once it changes.
  useEffect(() => setChoice(binding.component), [binding.component]);
  const id = `stage-${binding.stage}`;
  const options = binding.loaded ? binding.candidates : [binding.component, ...binding.candidates];
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        props.onBind(choice);
      }}
    >
      <label className="sr-only" htmlFor={id}>
        Component for the {binding.stage} stage
      </label>
      <select id={id} value={choice} disabled={props.busy} onChange={(e) => setChoice(e.target.value)}>
        {options.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>{" "}
      <button type="submit" disabled={props.busy || choice === binding.component}>
        {props.busy ? "Switching…" : "Switch"}
        <span className="sr-only"> the {binding.stage} stage</span>
      </button>
    </form>
  );
}
