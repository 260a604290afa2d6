import { useEffect, useState } from "react";
import type { FormEvent, ReactNode } from "react";
import { api, errorMessage } from "../api";
import { ErrorBanner } from "../components/ErrorBanner";
import type { RuntimeSettings, ScheduleView } from "../types";

/** Admin settings; each section saves on its own and shows the server's verdict. */
export function SettingsPage() {
  return (
    <section className="page" aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <ScheduleSection />
      <RuntimeSection />
      <BlockedTermsSection />
      <ChannelsSection />
    </section>
  );
}

/** A form section with its own status line. */
function Section(props: {
  title: string;
  id: string;
  onSubmit(): Promise<void>;
  children: ReactNode;
  error: unknown;
  setError(e: unknown): void;
}) {
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setSaved(false);
    props.setError(null);
    try {
      await props.onSubmit();
      setSaved(true);
    } catch (err) {
      props.setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="card settings" onSubmit={submit} aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      <ErrorBanner error={props.error} />
      {props.children}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Saving…" : "Save"}
        </button>
        {saved && (
          <span className="saved" role="status">
            Saved
          </span>
        )}
      </div>
    </form>
  );
}

function ScheduleSection() {
  const [view, setView] = useState<ScheduleView | null>(null);
  const [cron, setCron] = useState("0 9 * * *");
  const [timezone, setTimezone] = useState(Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC");
  const [enabled, setEnabled] = useState(true);
  const [error, setError] = useState<unknown>(null);
  // The next five times of what is typed, before it is saved (debounced; stale answers dropped).
  const [preview, setPreview] = useState<{ next: string[] } | { error: string } | null>(null);
  useEffect(() => {
    // Not before the saved schedule is in the fields (no preview of the placeholder values).
    if (!view) return;
    let current = true;
    const t = window.setTimeout(() => {
      api
        .post<{ next: string[] }>("/api/config/schedule/preview", { cron, timezone, enabled: true })
        .then(
          (p) => current && setPreview(p),
          (e) => current && setPreview({ error: errorMessage(e) }),
        );
    }, 300);
    return () => {
      current = false;
      window.clearTimeout(t);
    };
  }, [cron, timezone, view]);
  const show = (v: ScheduleView) => {
    setView(v);
    if (v.schedule) {
      setCron(v.schedule.cron);
      setTimezone(v.schedule.timezone);
      setEnabled(v.schedule.enabled);
    }
  };
  useEffect(() => {
    api.get<ScheduleView>("/api/config/schedule").then(show, setError);
  }, []);
  return (
    <Section
      title="Schedule"
      id="schedule-title"
      error={error}
      setError={setError}
      onSubmit={async () => show(await api.put<ScheduleView>("/api/config/schedule", { cron, timezone, enabled }))}
    >
      <label htmlFor="cron">Cron (minute hour day month weekday)</label>
      <input id="cron" value={cron} onChange={(e) => setCron(e.target.value)} required />
      <label htmlFor="timezone">Timezone (IANA name)</label>
      <input id="timezone" value={timezone} onChange={(e) => setTimezone(e.target.value)} required />
      <label className="check">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Run on this
        schedule
      </label>
      <h3>Next runs</h3>
      {!view?.schedule && <p className="muted">No schedule saved: runs only when started.</p>}
      {view?.schedule && !view.schedule.enabled && <p className="muted">The saved schedule is off.</p>}
      {preview && "error" in preview && (
        <p className="error-text" role="status">
          {preview.error}
        </p>
      )}
      {preview && "next" in preview && (
        <>
          {!enabled && <p className="muted">When turned on, this schedule would run:</p>}
          <ol className="next-runs" data-testid="next-runs" aria-live="polite">
            {preview.next.map((t) => (
              <li key={t}>
                <time dateTime={t}>{formatIn(t, timezone)}</time>
              </li>
            ))}
          </ol>
        </>
      )}
      {view?.scheduler_node && <p className="muted">Scheduler: {view.scheduler_node}</p>}
    </Section>
  );
}

function formatIn(iso: string, timeZone?: string): string {
  try {
    return new Date(iso).toLocaleString(undefined, {
      timeZone,
      weekday: "short",
      year: "numeric",
      month: "short",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      timeZoneName: "short",
    });
  } catch {
    return iso;
  }
}

function RuntimeSection() {
  const [settings, setSettings] = useState<RuntimeSettings | null>(null);
  const [persona, setPersona] = useState("");
  const [dryRun, setDryRun] = useState(true);
  const [baseUrl, setBaseUrl] = useState("");
  const [model, setModel] = useState("");
  const [key, setKey] = useState("");
  const [removeKey, setRemoveKey] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const show = (s: RuntimeSettings) => {
    setSettings(s);
    setPersona(s.persona);
    setDryRun(s.dry_run);
    setBaseUrl(s.llm.base_url ?? "");
    setModel(s.llm.model ?? "");
    setKey("");
    setRemoveKey(false);
  };
  useEffect(() => {
    api.get<RuntimeSettings>("/api/config/runtime").then(show, setError);
  }, []);
  async function save() {
    if (!settings) return;
    const body: Record<string, unknown> = {};
    if (persona !== settings.persona) body.persona = persona;
    if (dryRun !== settings.dry_run) body.dry_run = dryRun;
    if (baseUrl || model) {
      if (baseUrl !== (settings.llm.base_url ?? "") || model !== (settings.llm.model ?? "")) {
        body.llm = { base_url: baseUrl, model };
      }
    }
    if (removeKey) body.llm_api_key = "";
    else if (key) body.llm_api_key = key;
    if (Object.keys(body).length === 0) return;
    show(await api.put<RuntimeSettings>("/api/config/runtime", body));
  }
  return (
    <Section title="Persona, publishing and LLM" id="runtime-title" error={error} setError={setError} onSubmit={save}>
      <label htmlFor="persona">Persona</label>
      <select id="persona" value={persona} onChange={(e) => setPersona(e.target.value)}>
        {settings?.personas.map((p) => (
          <option key={p} value={p}>
            {p}
          </option>
        ))}
      </select>
      <label className="check">
        <input
          type="checkbox"
          checked={dryRun}
          disabled={!settings?.can_publish && dryRun}
          onChange={(e) => setDryRun(e.target.checked)}
        />{" "}
        Dry-run: record what would be posted, send nothing to X
      </label>
      {settings && !settings.can_publish && (
        <p className="muted">Dry-run stays on: no X credentials are configured on this host.</p>
      )}
      <label htmlFor="llm-base">LLM endpoint (OpenAI-compatible base URL)</label>
      <input
        id="llm-base"
        type="url"
        placeholder="https://openrouter.ai/api/v1"
        value={baseUrl}
        onChange={(e) => setBaseUrl(e.target.value)}
      />
      <label htmlFor="llm-model">Model</label>
      <input id="llm-model" value={model} onChange={(e) => setModel(e.target.value)} />
      <label htmlFor="llm-key">API key (write-only)</label>
      <input
        id="llm-key"
        type="password"
        autoComplete="off"
        placeholder={settings?.llm.api_key_set ? `set, ends in …${settings.llm.api_key_last4 || "****"}` : "not set"}
        value={key}
        onChange={(e) => setKey(e.target.value)}
      />
      {settings?.llm.api_key_set && (
        <label className="check">
          <input type="checkbox" checked={removeKey} onChange={(e) => setRemoveKey(e.target.checked)} /> Remove the
          key set here
        </label>
      )}
      <p className="muted">
        {settings?.llm.configured
          ? "The LLM is configured."
          : "No LLM is configured: the Writer's deterministic composer writes the text."}{" "}
        The key is encrypted at rest and never shown again.
        {settings?.llm.api_key_bound_to && (
          <>
            {" "}
            It is sent only to {settings.llm.api_key_bound_to.join(", ") || "no address"}: after moving the base URL
            to another host, set it again.
          </>
        )}
      </p>
    </Section>
  );
}

function BlockedTermsSection() {
  const [text, setText] = useState("");
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api.get<{ terms: string[] }>("/api/config/blocked-terms").then((r) => setText(r.terms.join("\n")), setError);
  }, []);
  return (
    <Section
      title="Blocked terms"
      id="terms-title"
      error={error}
      setError={setError}
      onSubmit={async () => {
        const r = await api.put<{ terms: string[] }>("/api/config/blocked-terms", {
          terms: text.split("\n").map((t) => t.trim()).filter(Boolean),
        });
        setText(r.terms.join("\n"));
      }}
    >
      <label htmlFor="terms">One term per line; no post may contain any of them (any case).</label>
      <textarea id="terms" rows={5} value={text} onChange={(e) => setText(e.target.value)} />
    </Section>
  );
}

const CHANNEL_HELP = `[
  { "kind": "smtp", "host": "smtp.example.com", "port": 587, "from": "bot@example.com", "to": ["team@example.com"] },
  { "kind": "sendgrid", "from": "bot@example.com", "to": ["team@example.com"] },
  { "kind": "twilio_whatsapp", "account_sid": "AC…", "from": "+15551234567", "to": ["+15557654321"] }
]`;

function ChannelsSection() {
  const [text, setText] = useState("[]");
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api
      .get<{ channels: unknown[] }>("/api/config/notifications")
      .then((r) => setText(JSON.stringify(r.channels, null, 2)), setError);
  }, []);
  return (
    <Section
      title="Notification channels"
      id="channels-title"
      error={error}
      setError={setError}
      onSubmit={async () => {
        let channels: unknown;
        try {
          channels = JSON.parse(text);
        } catch (e) {
          throw new Error(`The channels are not valid JSON: ${(e as Error).message}`);
        }
        if (!Array.isArray(channels)) throw new Error("The channels must be a JSON array.");
        const r = await api.put<{ channels: unknown[] }>("/api/config/notifications", { channels });
        setText(JSON.stringify(r.channels, null, 2));
      }}
    >
      <label htmlFor="channels">
        Channels as JSON. Passwords and API keys are not set here: they come from the host's environment.
      </label>
      <textarea id="channels" rows={8} className="mono" value={text} onChange={(e) => setText(e.target.value)} />
      <details>
        <summary>Examples</summary>
        <pre>{CHANNEL_HELP}</pre>
      </details>
    </Section>
  );
}
