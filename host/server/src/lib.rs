//! `dailyx serve`: the review API (seed 000's v3 routes), authentication, the action-link
//! pages, and the background jobs (run worker, publisher, scheduler, expiry), with telemetry.
//!
//! Layout: `api/` routes and views, `auth/` passwords, sessions, CSRF and the role extractors,
//! `review` the actions on drafts (shared by the API and the action pages), `actions` the
//! no-JavaScript pages, `jobs` and `scheduler` the background work, `telemetry` metrics and
//! spans.

pub mod actions;
pub mod api;
mod audit;
pub mod auth;
pub mod console;
pub mod error;
pub mod event_log;
pub mod forwarded;
pub mod jobs;
pub mod listen;
pub mod live_settings;
pub mod media;
pub mod nodes;
pub mod plugin_history;
pub mod post_metrics;
pub mod providers;
pub mod review;
pub mod scheduler;
pub mod state;
pub mod telemetry;

pub use auth::password;
pub use error::ApiError;
pub use state::{AppState, Inner, ServerSettings};

use std::net::SocketAddr;
use std::sync::Arc;

/// Everything `serve` needs besides the settings.
pub struct Parts {
    #[allow(missing_docs)]
    pub store: dailyx_store::Store,
    #[allow(missing_docs)]
    pub runtime: Arc<dailyx_runtime::Runtime>,
    #[allow(missing_docs)]
    pub pipeline: Arc<dailyx_pipeline::Pipeline>,
    #[allow(missing_docs)]
    pub publisher: Arc<dailyx_publish::Publisher>,
    #[allow(missing_docs)]
    pub notifier: Arc<dailyx_notify::Notifier>,
    /// This process, in leases and logs.
    pub node_id: String,
    /// Seals the credentials set at run time (the LLM key).
    pub vault: Arc<dailyx_common::Vault>,
    /// The LLM endpoint of the config file (the console's choices override it).
    pub llm_from_file: Option<dailyx_runtime::capability::llm::LlmEndpoint>,
    /// This host's event writer.
    pub events: event_log::EventLog,
    /// Publishes to the provider components.
    pub dispatcher: Arc<dailyx_dispatch::Dispatcher>,
    /// The provider credentials the runtime attaches (also in the runtime's credential chain).
    pub provider_credentials: Arc<dailyx_dispatch::ProviderCredentials>,
    /// The enabled providers of the config file.
    pub providers_from_file: Vec<dailyx_dispatch::ProviderConfig>,
    /// Makes the drafts' media (`None`: media are off).
    pub media: Option<Arc<media::DraftMedia>>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address cannot be bound.
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    /// The metrics recorder cannot be installed.
    #[error("cannot install the metrics recorder: {0}")]
    Metrics(String),
}

/// The shared state for `parts` and `settings` (installs the metrics recorder).
pub fn state(parts: Parts, settings: ServerSettings) -> Result<AppState, ServeError> {
    let metrics = telemetry::install_recorder().map_err(|e| ServeError::Metrics(e.to_string()))?;
    let login_limiter = auth::throttle::LoginLimiter::new(settings.login_attempts_per_minute);
    Ok(AppState(Arc::new(Inner {
        store: parts.store,
        runtime: parts.runtime,
        pipeline: parts.pipeline,
        publisher: parts.publisher,
        notifier: parts.notifier,
        settings,
        metrics,
        login_limiter,
        wake: Default::default(),
        heartbeats: Default::default(),
        node_id: parts.node_id,
        draft_pages: Default::default(),
        holds_scheduler_lease: Default::default(),
        vault: parts.vault,
        llm_from_file: parts.llm_from_file,
        events: parts.events,
        dispatcher: parts.dispatcher,
        provider_credentials: parts.provider_credentials,
        providers_from_file: parts.providers_from_file,
        media: parts.media,
        settings_revision: Default::default(),
        drafts_changed: tokio::sync::watch::Sender::new(Default::default()),
        shutting_down: tokio::sync::watch::Sender::new(false),
    })))
}

/// Binds `addr`; returns the listener and the address bound (port 0 picks a free one).
pub async fn bind(addr: SocketAddr) -> Result<(tokio::net::TcpListener, SocketAddr), ServeError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| ServeError::Bind(addr, e))?;
    let local = listener
        .local_addr()
        .map_err(|e| ServeError::Bind(addr, e))?;
    Ok((listener, local))
}

/// Serves until `shutdown` resolves, with the background jobs running.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    // Settings changed in the console on an earlier run (or on another host) apply before the
    // first request.
    if let Err(e) = live_settings::sync(&state).await {
        tracing::error!(error = %e, "cannot read the runtime settings; the file's values apply");
    }
    let jobs = jobs::spawn_all(&state);
    let signal = state.clone();
    let shutdown = async move {
        shutdown.await;
        signal.shutting_down.send_replace(true);
    };
    let header_read_timeout = state.settings.header_read_timeout;
    let app = api::router(state);
    listen::serve(listener, app, header_read_timeout, shutdown).await;
    // Runs and publishes in flight resume elsewhere (or on restart) when their leases expire.
    for job in jobs {
        job.abort();
    }
    Ok(())
}
