// The API's shapes (see /api/openapi.json). Only what the console reads.

export type Role = "admin" | "reviewer";

export interface User {
  id: string;
  username: string;
  role: Role;
}

export const DRAFT_STATUSES = [
  "pending",
  "needs_human_attention",
  "publishing",
  "posted",
  "dry_run_posted",
  "error",
  "skipped",
  "expired",
] as const;
export type DraftStatus = (typeof DRAFT_STATUSES)[number];

export interface Tweet {
  position: number;
  text: string;
  material_ids: string[];
  weighted_length: number;
}

/** A policy finding as stored in a report (serde's names: `Info`/`Warn`/`Fail`). */
export interface RawFinding {
  code: string;
  severity: string;
  message: string;
  tweet_position: number | null;
}

export interface PolicyReport {
  verdict: string;
  findings: RawFinding[];
  weighted_lengths: number[];
}

export interface Critique {
  score: number;
  summary: string;
  findings: RawFinding[];
  model_used: string;
}

export interface Draft {
  id: string;
  run_id: string;
  status: DraftStatus;
  format: string;
  content_hash: string;
  verdict: string;
  policy_report: PolicyReport;
  critique: Critique | null;
  model_used: string;
  approved_by: string | null;
  approved_at: number | null;
  version: number;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
  last_error: string | null;
  tweets: Tweet[];
}

export interface DraftPage {
  drafts: Draft[];
  counts: Record<string, number>;
  limit: number;
  offset: number;
}

export interface Post {
  position: number;
  x_post_id: string | null;
  text: string;
  payload: string;
  dry_run: boolean;
  posted_at: number;
}

export interface Step {
  step: number;
  stage: string;
  status: string;
  component_name: string;
  component_version: string | null;
  component_digest: string | null;
  summary: string;
  warnings: string[];
  error: string | null;
  model_used: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  attempts: number;
  duration_us: number;
}

export interface CapabilityEvent {
  component_name: string;
  component_digest: string;
  capability: string;
  target: string;
  outcome: string;
  detail: string;
  at: number;
}

export interface Material {
  id: string;
  kind: string;
  source: string;
  title: string;
  body: string;
  url: string | null;
  author: string | null;
  timestamp_ms: number;
}

export interface Delivery {
  channel: string;
  status: string;
  attempts: number;
  error: string | null;
}

export interface DraftDetail {
  draft: Draft;
  posts: Post[];
  steps: Step[];
  capability_events: CapabilityEvent[];
  deliveries: Delivery[];
  materials: Material[];
  generated: string[] | null;
  max_weighted_length: number;
}

export interface Finding {
  code: string;
  severity: "info" | "warn" | "fail";
  message: string;
  tweet_position: number | null;
}

export interface CheckResult {
  verdict: "pass" | "warn" | "fail";
  findings: Finding[];
  weighted_lengths: number[];
  max_weighted_length: number;
}

export interface Run {
  id: string;
  trigger: string;
  status: string;
  run_date: string;
  next_step: number;
  claims: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  duration_ms: number | null;
  last_error: string | null;
  draft_id: string | null;
  scheduled_slot: string | null;
}

export interface Plugin {
  name: string;
  version: string;
  world: string;
  digest: string;
  grants: {
    http?: {
      allow: { origin: string; methods: string[]; path_prefixes: string[] }[];
      max_requests_per_run: number;
    } | null;
    llm?: { max_tokens_per_run: number; models: string[] } | null;
    repo?: { repositories: string[] } | null;
    config?: { keys: string[] } | null;
  };
  limits: {
    memory_bytes: number;
    wall_clock_ms: number;
    fuel: number | null;
    max_output_bytes: number;
  } | null;
  imports_wasi: boolean;
  loaded_at: number;
  compile_source: string;
  /** Contract version it was built against ("0.1", "0.2"); null if it never loaded. */
  contract: string | null;
  /** Language its producers section names (informational: the component chose it). */
  language: string | null;
  /** Tools its producers section names. */
  toolchain: string[];
  status: "loaded" | "loaded_old_version" | "failed";
  problem: string | null;
}

/** One grant or limit that differs between the serving version and a new one. */
export interface GrantChange {
  /** E.g. `grants.http.allow https://api.example.org` or `limits.memory_bytes`. */
  what: string;
  /** `null`: it was not there. */
  old: string | null;
  /** `null`: it is gone. */
  new: string | null;
  direction: "widened" | "narrowed";
}

/** A new version that asks for more than the one serving, waiting for an admin. */
export interface PendingUpgrade {
  name: string;
  from_version: string;
  from_digest: string;
  to_version: string;
  /** What `POST /api/plugins/{name}/confirm` takes. */
  to_digest: string;
  changes: GrantChange[];
  since: number;
}

/** One pipeline stage and the component serving it (`GET /api/config/stages`). */
export interface StageBinding {
  stage: string;
  component: string;
  /** Where the binding comes from: the console, `[pipeline.stages]`, or the component named after the stage. */
  source: "console" | "file" | "default";
  /** Whether the component is loaded (a run fails at this stage while it is not). */
  loaded: boolean;
  /** The loaded components of the stage's world. */
  candidates: string[];
}

export interface StageBindings {
  stages: StageBinding[];
}

export interface PluginsPage {
  plugins: Plugin[];
  /** New versions waiting for an admin's confirmation. */
  pending: PendingUpgrade[];
  last_reload: {
    at: number | null;
    activated: string[];
    removed: string[];
    problems: string[];
    manifest_error: string | null;
  };
}

/** One recorded version of a component. */
export interface ComponentVersion {
  id: number;
  version: string;
  digest: string;
  action: "activate" | "rollback";
  /** A user name, or `system (start)`, `system (file watcher)`, ... */
  actor: string;
  at: number;
  signed: boolean;
  /** The version serving now. */
  active: boolean;
  /** Its manifest entry as signed (grants, limits, config defaults). */
  entry: Record<string, unknown>;
}

/** A component's history, newest first. */
export interface HistoryPage {
  name: string;
  active_digest: string | null;
  versions: ComponentVersion[];
}

export interface EvalCase {
  name: string;
  passed: boolean;
  failures: string[];
  tweets: string[];
  duration_ms: number;
}

/** One run of the eval gate (a golden set replayed against a version). */
export interface EvalRun {
  id: number;
  version: string;
  digest: string;
  passed: boolean;
  at: number;
  report: {
    component: string;
    version: string;
    digest: string;
    world: string;
    golden_set: string;
    passed: boolean;
    cases: EvalCase[];
    at_ms: number;
  };
}

export interface Schedule {
  cron: string;
  timezone: string;
  enabled: boolean;
}

export interface ScheduleView {
  schedule: Schedule | null;
  next: string[];
  scheduler_node: string | null;
}

export interface RuntimeSettings {
  persona: string;
  personas: string[];
  dry_run: boolean;
  can_publish: boolean;
  llm: {
    configured: boolean;
    base_url: string | null;
    model: string | null;
    api_key_set: boolean;
    api_key_last4: string | null;
    /** The origin the key was set for: it is sent nowhere else. */
    api_key_bound_to: string[] | null;
  };
}

export interface AuditEntry {
  id: number;
  at: number;
  user_id: string | null;
  username: string | null;
  action: string;
  draft_id: string | null;
  before_hash: string | null;
  after_hash: string | null;
  ip: string | null;
  detail: Record<string, unknown>;
}

/** The event kinds the host writes today (the events page follows these live; an event of a
 * kind not listed still shows, fetched from the feed when the next listed one arrives). */
export const EVENT_KINDS = [
  "run.claimed",
  "step.started",
  "step.retrying",
  "step.finished",
  "step.failed",
  "capability.denied",
  "run.drafted",
  "run.nothing-new",
  "run.failed",
  "draft.created",
  "draft.edit",
  "draft.approve",
  "draft.approve_refused",
  "draft.skip",
  "draft.regenerate",
  "draft.resume",
  "draft.expire",
  "draft.published",
  "draft.publish-failed",
  "draft.post_now",
  "circuit.open",
  "circuit.half-open",
  "circuit.closed",
  "provider.posted",
  "provider.simulated",
  "provider.retrying",
  "provider.waiting",
  "provider.delivered",
  "provider.unconfirmed",
  "provider.failed",
  "component.activated",
  "component.evaluated",
  "node.started",
  "node.dead",
  "node.recovered",
  "metrics.collected",
  "report.weekly",
] as const;

export type EventKind = (typeof EVENT_KINDS)[number];

/** What each kind means, in words (the events page's kind filter shows them). */
export const EVENT_LABELS: Record<EventKind, string> = {
  "run.claimed": "A worker took a run",
  "step.started": "A step started",
  "step.retrying": "A step is retrying",
  "step.finished": "A step finished",
  "step.failed": "A step failed",
  "capability.denied": "A component was refused a capability",
  "run.drafted": "A run made a draft",
  "run.nothing-new": "A run found nothing new",
  "run.failed": "A run failed",
  "draft.created": "A draft was created",
  "draft.edit": "A draft was edited",
  "draft.approve": "A draft was approved",
  "draft.approve_refused": "An approval was refused",
  "draft.skip": "A draft was skipped",
  "draft.regenerate": "A draft was regenerated",
  "draft.resume": "Publishing was resumed",
  "draft.expire": "A draft expired",
  "draft.published": "A draft was published on X",
  "draft.publish-failed": "Publishing on X failed",
  "draft.post_now": "A post was made now",
  "circuit.open": "A circuit opened (publishing paused)",
  "circuit.half-open": "A circuit is trying again",
  "circuit.closed": "A circuit closed (publishing resumed)",
  "provider.posted": "A post went to a provider",
  "provider.simulated": "A provider post was simulated",
  "provider.retrying": "A provider post is retrying",
  "provider.waiting": "A provider delivery is waiting",
  "provider.delivered": "A draft reached a provider",
  "provider.unconfirmed": "A provider post may have arrived; check the receiver",
  "provider.failed": "A provider delivery failed",
  "component.activated": "A component version was activated",
  "component.evaluated": "A component version was evaluated",
  "node.started": "A node started",
  "node.dead": "A node went silent (dead)",
  "node.recovered": "A node is heartbeating again",
  "metrics.collected": "Post metrics were read from X",
  "report.weekly": "A weekly report was built",
};

/** The kinds about a draft's deliveries to the providers (subject: the draft id). */
export const PROVIDER_EVENT_KINDS = EVENT_KINDS.filter((k) => k.startsWith("provider."));
/** The kinds about a circuit breaker (subject: the provider). */
export const CIRCUIT_EVENT_KINDS = EVENT_KINDS.filter((k) => k.startsWith("circuit."));
/** A node's liveness changing (subject: the node id). */
export const NODE_LIVENESS_EVENT_KINDS = ["node.dead", "node.recovered"] as const satisfies readonly EventKind[];

/** One entry of the event log (`/api/feed`, `/api/recent`, and the data of `/events`). */
export interface EventView {
  /** Increasing; the SSE id. */
  id: number;
  /** `run.claimed`, `step.finished`, ... (open-ended). */
  kind: string;
  /** What it is about: a run id (`run.*`, `step.*`, `capability.*`), a draft id (`draft.*`), a component
   * name (`component.*`), a node id (`node.*`). */
  subject: string;
  /** The node that wrote it. */
  node: string;
  /** Details, by kind. */
  payload: Record<string, unknown>;
  /** Unix ms. */
  at: number;
}

/** A page of the feed, newest first. */
export interface FeedPage {
  events: EventView[];
  /** `before` for the next (older) page; null on the last page. */
  next_before: number | null;
}

/** A loop's idle time at the node's last heartbeat; null if that loop does not run there. */
export interface NodeStatus {
  worker_idle_ms?: number | null;
  publisher_idle_ms?: number | null;
  scheduler_idle_ms?: number | null;
  components_loaded?: number;
}

/** One `dailyx serve` process that ran against this database. */
export interface NodeView {
  id: string;
  hostname: string;
  version: string;
  /** `api`, `publisher`, `worker`, `scheduler`. */
  roles: string[];
  started_at: number;
  /** Unix ms of its last heartbeat. */
  last_seen: number;
  /** Milliseconds since its last heartbeat (by the server's clock). */
  silent_ms: number;
  state: "alive" | "dead";
  /** The node that answered. */
  this_node: boolean;
  /** Empty until its first heartbeat after registering. */
  status: NodeStatus;
}

/** A credential slot: its value is write-only (never in any answer). */
export interface CredentialSlot {
  /** What to `PUT`/`DELETE` it under, e.g. `provider.mastodon.access_token`. */
  name: string;
  label: string;
  set: boolean;
  /** Its last four characters ("" for values shorter than 12). */
  last4: string | null;
  /** `••••1234`, or `••••` when set without a tail. */
  masked: string | null;
  updated_at: number | null;
  /** A user id. */
  updated_by: string | null;
  /** The username of whoever set it. */
  updated_by_name: string | null;
  /** Where it may be sent (a secret does not follow a changed address: set it again). */
  bound_to: string[] | null;
}

/** A provider or integration (the LLM endpoint) and its credentials. */
export interface Integration {
  /** `llm`, `x`, `mastodon`, `bluesky`, `facebook`, `instagram`, `webhook`. */
  id: string;
  display: string;
  kind: "integration" | "provider";
  /** Whether enough is set to use it. */
  complete: boolean;
  credentials: CredentialSlot[];
}

/** A provider as configured now (`/api/config`, `PUT /api/config/providers`). */
export interface ProviderView {
  name: string;
  display: string;
  enabled: boolean;
  component: string;
  loaded: boolean;
  /** Its own simulation flag. */
  simulate: boolean;
  /** Simulated now: its flag, `SIMULATE_<NAME>` on the host, or dry-run. */
  simulated: boolean;
  budget_per_24h: number | null;
  credentials_complete: boolean;
  thread: "replies" | "single";
}

/** One enabled provider in `PUT /api/config/providers`. */
export interface ProviderUpdate {
  name: string;
  component?: string;
  simulate: boolean;
  budget_per_24h?: number;
}

export interface ConfigView {
  schedule: ScheduleView;
  persona: string;
  dry_run: boolean;
  providers: ProviderView[];
  blocked_terms: string[];
  intervals: {
    scheduler_tick_ms: number;
    publish_poll_ms: number;
    node_heartbeat_ms: number;
    node_dead_after_ms: number;
  };
}

export type CircuitState = "closed" | "open" | "half-open";

export interface CircuitView {
  provider: string;
  state: CircuitState;
  failures: number;
  failure_threshold: number;
  /** While open: how long until it lets a probe through. */
  retry_in_ms: number | null;
}

export type ProviderDeliveryStatus = "pending" | "delivered" | "simulated" | "waiting" | "unconfirmed" | "failed";

/** Where a draft's delivery to one provider stands. */
export interface ProviderDelivery {
  draft_id: string;
  provider: string;
  status: ProviderDeliveryStatus;
  detail: string | null;
  next_try_at: number | null;
  updated_at: number;
}

/** A post on a provider (or, simulated, as it would have been). */
export interface ProviderPost {
  id: string;
  draft_id: string;
  provider: string;
  position: number;
  remote_id: string | null;
  url: string | null;
  text: string;
  /** What was handed to the provider, as JSON text. */
  request: string;
  simulated: boolean;
  posted_at: number;
}

export interface DeliveriesView {
  deliveries: ProviderDelivery[];
  posts: ProviderPost[];
}

/** A post's public metrics (X's, as last collected). */
export interface PostMetrics {
  impressions: number;
  likes: number;
  reposts: number;
  replies: number;
  quotes: number;
  bookmarks: number;
}

/** A really published post (never dry-run or simulated), in `/api/metrics/posts` and the
 * weekly reports. */
export interface ReportPost {
  draft_id: string;
  /** `x`, `mastodon`, ... */
  provider: string;
  position: number;
  remote_id: string | null;
  text: string;
  posted_at: number;
  /** X posts after a collection; null otherwise. */
  metrics: PostMetrics | null;
}

/** One day of the charts (UTC). */
export interface MetricsDay {
  /** `YYYY-MM-DD`. */
  date: string;
  posts: number;
  impressions: number;
  /** Likes, reposts, replies, quotes and bookmarks. */
  engagements: number;
}

/** `GET /api/metrics/posts?days=N`. */
export interface MetricsView {
  /** Newest first. */
  posts: ReportPost[];
  /** Every day of the range, oldest first, days without posts included. */
  daily: MetricsDay[];
  /** When metrics were last collected (Unix ms); null: never. */
  collected_at: number | null;
}

/** `POST /api/metrics/collect`. */
export interface CollectResult {
  /** Posts whose metrics were read. */
  posts: number;
  /** False when the host has no X credentials (nothing to read). */
  x_configured: boolean;
}

/** A week's report (`/api/reports/weekly`). */
export interface WeeklyReport {
  /** A Monday, `YYYY-MM-DD` (UTC). */
  week_start: string;
  /** The next Monday (exclusive). */
  week_end: string;
  posts_by_provider: Record<string, number>;
  /** Drafts published that week. */
  drafts: number;
  totals: PostMetrics;
  /** Engagements per impression (0 without impressions). */
  engagement_rate: number;
  /** The X post with the most impressions. */
  top_post: ReportPost | null;
  posts: ReportPost[];
  built_at: number;
}
