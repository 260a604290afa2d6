//! Telemetry: the Prometheus recorder, per-request metrics and spans (request id, route, user
//! id), the client address, and database gauges. Spans name the matched route, never the raw
//! path: action links carry their token in the path.

use crate::auth::ClientIp;
use axum::extract::{ConnectInfo, MatchedPath, Request};
use axum::http::HeaderName;
use axum::middleware::Next;
use axum::response::Response;
use dailyx_store::Store;
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};
use std::net::SocketAddr;
use std::time::Instant;

/// The request id header (set when the client did not send one, echoed on the response).
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Installs the process-wide Prometheus recorder and returns the handle `/api/metrics`
/// renders.
pub fn install_recorder() -> Result<PrometheusHandle, BuildError> {
    const LATENCY: &[f64] = &[
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
        120.0, 300.0,
    ];
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY)?
        .install_recorder()?;
    describe();
    Ok(handle)
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "http_requests_total",
        "HTTP requests by method, route and status"
    );
    describe_histogram!(
        "http_request_duration_seconds",
        "HTTP request latency by method and route"
    );
    describe_counter!("runs_total", "Pipeline runs finished, by outcome");
    describe_counter!("runs_failed_total", "Pipeline runs failed, by stage");
    describe_histogram!("job_latency_seconds", "From queueing a run to its end");
    describe_histogram!(
        "agent_latency_seconds",
        "One agent call, by agent and component version"
    );
    describe_counter!(
        "policy_fail_total",
        "Policy verdicts of FAIL, in the pipeline and on re-check"
    );
    describe_counter!("publish_total", "Drafts published, by outcome");
    describe_counter!(
        "notify_total",
        "Notification deliveries, by channel and outcome"
    );
    describe_gauge!("db_pool_connections", "Open database connections");
    describe_gauge!("db_pool_idle_connections", "Idle database connections");
}

/// Sets the database gauges (called when metrics are scraped).
pub fn record_db_gauges(store: &Store) {
    let (size, idle) = store.pool_stats();
    metrics::gauge!("db_pool_connections").set(f64::from(size));
    metrics::gauge!("db_pool_idle_connections").set(idle as f64);
}

/// Middleware: counts and times every request by its route template.
pub async fn track(request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Middleware factory: records the client address (the socket's, or behind our proxies the
/// right-most `X-Forwarded-For` entry that is not one of them; see `crate::forwarded`) for
/// auth, audit and throttling.
pub async fn client_address(
    proxies: std::sync::Arc<crate::forwarded::ProxyTrust>,
    mut request: Request,
    next: Next,
) -> Response {
    let socket = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if let Some(peer) = socket {
        let ip = proxies.client(peer, request.headers());
        request.extensions_mut().insert(ClientIp(ip));
    }
    next.run(request).await
}

/// The span of one request: request id, method, route; `user_id` filled in by auth.
pub fn request_span(request: &Request) -> tracing::Span {
    let request_id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str());
    tracing::info_span!(
        "request",
        request_id,
        method = %request.method(),
        route,
        user_id = tracing::field::Empty,
        draft_id = tracing::field::Empty,
    )
}
