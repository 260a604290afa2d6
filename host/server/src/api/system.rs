//! `/api/health`, `/api/metrics`, `/api/audit`.

use crate::api::views::AuditView;
use crate::auth::Admin;
use crate::error::{ApiError, ApiQuery, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use dailyx_store::now_ms;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Health of this node.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `degraded`.
    pub status: String,
    /// This process.
    pub node_id: String,
    #[allow(missing_docs)]
    pub version: String,
    /// `sqlite` or `postgres`.
    pub database: String,
    /// Whether the database answered.
    pub database_ok: bool,
    /// Components loaded / with problems.
    pub components_loaded: usize,
    #[allow(missing_docs)]
    pub components_failed: usize,
    /// Milliseconds since each background loop last completed a pass (`null`: not running).
    pub worker_idle_ms: Option<i64>,
    #[allow(missing_docs)]
    pub publisher_idle_ms: Option<i64>,
    #[allow(missing_docs)]
    pub scheduler_idle_ms: Option<i64>,
    /// Whether publishing is in dry-run mode.
    pub dry_run: bool,
}

/// Whether this node works: the database answers and none of its background loops (worker,
/// publisher, scheduler) is stuck. Also served at `/healthz`.
#[utoipa::path(get, path = "/api/health", tag = "system",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn health(State(state): State<AppState>) -> Response {
    let database_ok = state.store.ping().await.is_ok();
    let registry = state.runtime.registry();
    let now = now_ms();
    let [worker_idle_ms, publisher_idle_ms, scheduler_idle_ms] = state.heartbeats.idle_ms(now);
    // A loop that has not completed a pass for this long is stuck (a pass includes a whole
    // run, so the bound is generous).
    let stuck_after = (state
        .settings
        .tick
        .max(state.settings.worker_poll)
        .as_millis() as i64)
        * 4
        + 10 * 60_000;
    let stuck = [worker_idle_ms, publisher_idle_ms, scheduler_idle_ms]
        .iter()
        .flatten()
        .any(|&ms| ms > stuck_after);
    let ok = database_ok && !stuck;
    let body = Health {
        status: if ok { "ok" } else { "degraded" }.into(),
        node_id: state.node_id.clone(),
        version: env!("CARGO_PKG_VERSION").into(),
        database: format!("{:?}", state.store.backend()).to_lowercase(),
        database_ok,
        components_loaded: registry.components.len(),
        components_failed: registry.problems.len(),
        worker_idle_ms,
        publisher_idle_ms,
        scheduler_idle_ms,
        dry_run: state.publisher.dry_run(),
    };
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(get, path = "/api/metrics", tag = "system",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    crate::telemetry::record_db_gauges(&state.store);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// Paging for `GET /api/audit`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only entries about this draft.
    pub draft_id: Option<String>,
    /// Page size (1–500, default 100).
    pub limit: Option<i64>,
    #[allow(missing_docs)]
    pub offset: Option<i64>,
}

/// A page of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    #[allow(missing_docs)]
    pub entries: Vec<AuditView>,
}

/// The audit log, newest first (admins only).
#[utoipa::path(get, path = "/api/audit", tag = "system", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn audit_log(
    State(state): State<AppState>,
    _auth: Admin,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let limit = q.limit.unwrap_or(100);
    let offset = q.offset.unwrap_or(0);
    if !(1..=500).contains(&limit) || offset < 0 {
        return Err(ApiError::invalid(
            "limit must be 1–500 and offset not negative",
        ));
    }
    let entries = state
        .store
        .audit_entries(q.draft_id.as_deref(), limit, offset)
        .await?;
    Ok(Json(AuditPage {
        entries: entries.into_iter().map(AuditView::from).collect(),
    }))
}

/// One provider's circuit breaker, as this node sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CircuitView {
    /// The provider (`x`).
    pub provider: String,
    /// `closed`, `open` or `half-open`.
    pub state: String,
    /// Consecutive failed calls.
    pub failures: u32,
    /// Failures that open it.
    pub failure_threshold: u32,
    /// While open: milliseconds until one probe is let through.
    pub retry_in_ms: Option<u64>,
}

/// Each publishing provider's circuit on this node: calls stop after repeated failures and
/// resume through one probe after the cool-down.
#[utoipa::path(get, path = "/api/circuit-states", tag = "system",
    responses((status = 200, body = Vec<CircuitView>), (status = 401, body = ErrorBody)))]
pub async fn circuit_states(
    State(state): State<AppState>,
    _auth: crate::auth::Reviewer,
) -> Json<Vec<CircuitView>> {
    // X's circuit (the publisher's), then the other providers' (the dispatcher's).
    Json(
        state
            .publisher
            .circuits()
            .into_iter()
            .chain(state.dispatcher.circuits())
            .map(|c| CircuitView {
                provider: c.provider,
                state: c.state.as_str().into(),
                failures: c.failures,
                failure_threshold: c.failure_threshold,
                retry_in_ms: c.retry_in_ms,
            })
            .collect(),
    )
}
