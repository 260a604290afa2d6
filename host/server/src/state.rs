//! What every handler and background job shares.

use dailyx_notify::Notifier;
use dailyx_pipeline::Pipeline;
use dailyx_publish::Publisher;
use dailyx_runtime::Runtime;
use dailyx_store::Store;
use metrics_exporter_prometheus::PrometheusHandle;
use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

/// Server settings (from the `[server]` config section).
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// The URL people reach the server at (links in notifications, cookie security).
    pub public_url: String,
    /// Mark cookies `Secure` (on when `public_url` is https).
    pub secure_cookies: bool,
    /// Whether and from which proxies `X-Forwarded-For` gives the client address.
    pub proxies: crate::forwarded::ProxyTrust,
    /// How long a connection may take to send a request's head (also the idle time allowed
    /// before the next request on a kept-alive connection): slowloris clients are cut off.
    pub header_read_timeout: Duration,
    /// How long a login lasts.
    pub session_ttl: Duration,
    /// Failed logins in a row before the account is locked.
    pub max_failed_logins: i64,
    /// How long the lock lasts.
    pub lockout: Duration,
    /// Login attempts per minute from one address.
    pub login_attempts_per_minute: u32,
    /// How often idle workers look for queued runs.
    pub worker_poll: Duration,
    /// How often the publisher looks for drafts to publish (approvals wake it at once).
    pub publish_poll: Duration,
    /// How often the scheduler and the expiry job run.
    pub tick: Duration,
    /// Whether this process executes runs (a web-only node can leave it to others).
    pub run_worker: bool,
    /// Whether this process may hold the scheduler lease.
    pub run_scheduler: bool,
    /// How long a scheduler slot may be late and still run (after downtime).
    pub schedule_catch_up: Duration,
    /// How often this node records that it is alive.
    pub node_heartbeat: Duration,
    /// How long a node may stay silent before it is reported dead.
    pub node_dead_after: Duration,
    /// How often the published posts' metrics are collected (zero: never).
    pub metrics_interval: Duration,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            public_url: "http://127.0.0.1:8080".into(),
            secure_cookies: false,
            proxies: Default::default(),
            header_read_timeout: Duration::from_secs(20),
            session_ttl: Duration::from_secs(12 * 3600),
            max_failed_logins: 5,
            lockout: Duration::from_secs(15 * 60),
            login_attempts_per_minute: 20,
            worker_poll: Duration::from_secs(5),
            publish_poll: Duration::from_secs(5),
            tick: Duration::from_secs(15),
            run_worker: true,
            run_scheduler: true,
            schedule_catch_up: Duration::from_secs(6 * 3600),
            node_heartbeat: Duration::from_secs(10),
            node_dead_after: Duration::from_secs(60),
            metrics_interval: Duration::from_secs(6 * 3600),
        }
    }
}

/// Wakes background jobs early.
#[derive(Default)]
pub struct Wakers {
    /// A run was queued.
    pub runs: Notify,
    /// A draft was approved or resumed.
    pub publish: Notify,
    /// A draft was queued for the provider components, or a delivery was retried.
    pub deliveries: Notify,
}

/// When each background loop last finished a pass (Unix ms), for `/api/health`.
#[derive(Default)]
pub struct Heartbeats {
    #[allow(missing_docs)]
    pub worker: AtomicI64,
    #[allow(missing_docs)]
    pub publisher: AtomicI64,
    #[allow(missing_docs)]
    pub scheduler: AtomicI64,
}

impl Heartbeats {
    /// Records a pass of `which` now.
    pub fn beat(which: &AtomicI64) {
        which.store(dailyx_store::now_ms(), Ordering::Relaxed);
    }

    /// Milliseconds since the worker's, publisher's and scheduler's last pass (`None`: that
    /// loop has not made one, or does not run here).
    pub fn idle_ms(&self, now: i64) -> [Option<i64>; 3] {
        let idle = |beat: &AtomicI64| {
            let at = beat.load(Ordering::Relaxed);
            (at > 0).then(|| now - at)
        };
        [
            idle(&self.worker),
            idle(&self.publisher),
            idle(&self.scheduler),
        ]
    }
}

/// The shared state.
pub struct Inner {
    #[allow(missing_docs)]
    pub store: Store,
    #[allow(missing_docs)]
    pub runtime: Arc<Runtime>,
    #[allow(missing_docs)]
    pub pipeline: Arc<Pipeline>,
    #[allow(missing_docs)]
    pub publisher: Arc<Publisher>,
    #[allow(missing_docs)]
    pub notifier: Arc<Notifier>,
    #[allow(missing_docs)]
    pub settings: ServerSettings,
    /// Renders `/api/metrics`.
    pub metrics: PrometheusHandle,
    /// Per-address login rate limit.
    pub login_limiter: crate::auth::throttle::LoginLimiter,
    #[allow(missing_docs)]
    pub wake: Wakers,
    #[allow(missing_docs)]
    pub heartbeats: Heartbeats,
    /// This process, in leases and logs.
    pub node_id: String,
    /// Whether this host held the scheduler lease at its last pass (to log the changes).
    pub holds_scheduler_lease: std::sync::atomic::AtomicBool,
    /// Serialised pages of `GET /api/drafts` at the current revision.
    pub draft_pages: crate::api::page_cache::PageCache,
    /// Seals the credentials set at run time.
    pub vault: Arc<dailyx_common::Vault>,
    /// The LLM endpoint of the config file (the console's choices override it).
    pub llm_from_file: Option<dailyx_runtime::capability::llm::LlmEndpoint>,
    /// This host's event writer (the event log).
    pub events: crate::event_log::EventLog,
    /// Publishes to the provider components (Mastodon, Bluesky, ...).
    pub dispatcher: Arc<dailyx_dispatch::Dispatcher>,
    /// The provider credentials, applied to the running components.
    pub provider_credentials: Arc<dailyx_dispatch::ProviderCredentials>,
    /// The enabled providers of the config file (the console's choice overrides them).
    pub providers_from_file: Vec<dailyx_dispatch::ProviderConfig>,
    /// Makes the drafts' media (`None`: media are off).
    pub media: Option<Arc<crate::media::DraftMedia>>,
    /// The settings revision last applied (see `live_settings::sync`).
    pub settings_revision: std::sync::Mutex<dailyx_store::SettingsRevision>,
    /// The drafts' latest revision and counts, for the live streams.
    pub drafts_changed: tokio::sync::watch::Sender<crate::api::live::DraftsChanged>,
    /// Set when the server begins to shut down: endless responses (event streams) end, so a
    /// graceful shutdown does not wait for open consoles.
    pub shutting_down: tokio::sync::watch::Sender<bool>,
}

/// The shared state, cheap to clone.
#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
