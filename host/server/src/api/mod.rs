//! The routes, their middleware, and the OpenAPI document generated from the handlers'
//! annotations.

pub mod credentials;
pub mod drafts;
pub mod events;
pub mod live;
pub mod media;
pub mod page_cache;
pub mod plugins;
pub mod providers;
pub mod reports;
pub mod runs;
pub mod runtime_settings;
pub mod settings;
pub mod stages;
pub mod system;
pub mod views;

use crate::auth::routes as auth;
use crate::error::ApiError;
use crate::state::AppState;
use crate::telemetry::{self, REQUEST_ID};
use crate::{actions, console};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(title = "Daily X Agent API", description = "Review, approve and publish daily X posts drafted from developer material. Mutating routes need the session cookie and the X-CSRF-Token header."),
    paths(
        auth::csrf, auth::login, auth::logout, auth::me, auth::change_password,
        drafts::list, drafts::get, drafts::check, drafts::edit, drafts::approve, drafts::skip, drafts::regenerate, drafts::resume,
        live::drafts_events,
        events::stream, events::recent, events::feed, events::latest,
        plugins::list, plugins::reload, plugins::history, plugins::rollback,
        plugins::confirm, plugins::evals,
        runtime_settings::get, runtime_settings::put, stages::get, stages::put,
        credentials::list, credentials::put, credentials::delete,
        providers::get_config, providers::put_providers, providers::deliveries, providers::retry,
        reports::posts, reports::collect, reports::weekly, reports::build,
        media::list, media::make,
        runs::list, runs::get, runs::trigger,
        settings::get_schedule, settings::put_schedule, settings::preview_schedule, settings::get_blocked_terms, settings::put_blocked_terms,
        settings::get_channels, settings::put_channels, settings::reload_schedule, settings::post_now,
        system::health, system::metrics, system::audit_log, crate::nodes::list, system::circuit_states,
    ),
    tags(
        (name = "auth", description = "Sessions and CSRF tokens"),
        (name = "drafts", description = "Review and act on drafts"),
        (name = "runs", description = "Pipeline runs"),
        (name = "config", description = "Runtime settings"),
        (name = "plugins", description = "The loaded components"),
        (name = "events", description = "The event log, live over SSE and paged"),
        (name = "system", description = "Health, metrics, audit"),
        (name = "metrics", description = "Published posts' metrics and weekly reports"),
    )
)]
pub struct ApiDoc;

async fn openapi() -> impl IntoResponse {
    axum::Json(ApiDoc::openapi())
}

async fn api_not_found() -> ApiError {
    ApiError::not_found("no such API route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method",
    )
}

/// Whether the request's `If-None-Match` names `etag` (or `*`): the client's copy is current.
pub(crate) fn etag_matches(headers: &axum::http::HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        })
}

/// Largest request body (a thread of 25 long tweets fits many times over).
const BODY_LIMIT: usize = 256 * 1024;

/// Every route with its middleware.
pub fn router(state: AppState) -> Router {
    let proxies = std::sync::Arc::new(state.settings.proxies.clone());
    let api = Router::new()
        .route("/api/auth/csrf", get(auth::csrf))
        .route("/api/auth/login", post(auth::login))
        .route("/api/auth/logout", post(auth::logout))
        .route("/api/auth/me", get(auth::me))
        .route("/api/auth/password", post(auth::change_password))
        .route("/api/drafts", get(drafts::list))
        .route("/api/drafts/events", get(live::drafts_events))
        .route("/api/drafts/{id}", get(drafts::get))
        .route("/api/drafts/{id}/check", post(drafts::check))
        .route("/api/drafts/{id}/edit", post(drafts::edit))
        .route("/api/drafts/{id}/approve", post(drafts::approve))
        .route("/api/drafts/{id}/skip", post(drafts::skip))
        .route("/api/drafts/{id}/regenerate", post(drafts::regenerate))
        .route("/api/drafts/{id}/resume", post(drafts::resume))
        .route("/api/drafts/{id}/deliveries", get(providers::deliveries))
        .route("/api/drafts/{id}/media", get(media::list).post(media::make))
        .route(
            "/api/drafts/{id}/deliveries/{provider}/retry",
            post(providers::retry),
        )
        .route("/api/config", get(providers::get_config))
        .route("/api/metrics/posts", get(reports::posts))
        .route("/api/metrics/collect", post(reports::collect))
        .route(
            "/api/reports/weekly",
            get(reports::weekly).post(reports::build),
        )
        .route(
            "/api/config/providers",
            axum::routing::put(providers::put_providers),
        )
        .route("/api/credentials", get(credentials::list))
        .route(
            "/api/credentials/{name}",
            axum::routing::put(credentials::put).delete(credentials::delete),
        )
        .route("/api/runs", get(runs::list).post(runs::trigger))
        .route("/api/runs/{id}", get(runs::get))
        .route(
            "/api/config/schedule",
            get(settings::get_schedule).put(settings::put_schedule),
        )
        .route(
            "/api/config/schedule/preview",
            post(settings::preview_schedule),
        )
        .route(
            "/api/config/blocked-terms",
            get(settings::get_blocked_terms).put(settings::put_blocked_terms),
        )
        .route(
            "/api/config/notifications",
            get(settings::get_channels).put(settings::put_channels),
        )
        .route(
            "/api/config/runtime",
            get(runtime_settings::get).put(runtime_settings::put),
        )
        .route("/api/config/stages", get(stages::get).put(stages::put))
        .route("/api/plugins", get(plugins::list))
        .route("/api/plugins/reload", post(plugins::reload))
        .route("/api/plugins/{name}/history", get(plugins::history))
        .route("/api/plugins/{name}/rollback", post(plugins::rollback))
        .route("/api/plugins/{name}/confirm", post(plugins::confirm))
        .route("/api/plugins/{name}/evals", get(plugins::evals))
        .route("/api/recent", get(events::recent))
        .route("/api/feed", get(events::feed))
        .route("/api/latest", get(events::latest))
        .route("/api/reload-schedule", post(settings::reload_schedule))
        .route("/api/post-now", post(settings::post_now))
        .route("/api/nodes", get(crate::nodes::list))
        .route("/api/circuit-states", get(system::circuit_states))
        .route("/api/health", get(system::health))
        .route("/api/metrics", get(system::metrics))
        .route("/api/audit", get(system::audit_log))
        .route("/api/openapi.json", get(openapi))
        .route("/api/{*rest}", axum::routing::any(api_not_found));
    Router::new()
        .merge(api)
        .route("/events", get(events::stream))
        // Seed 002's health path, for load balancers: the same check as /api/health.
        .route("/healthz", get(system::health))
        .route("/media/{file}", get(crate::media::serve_file))
        .route("/actions/{token}", get(actions::confirm).post(actions::act))
        // Everything else is the console (its files, or index.html for its own routes).
        .fallback(get(console::serve))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(telemetry::track))
        .layer(axum::middleware::from_fn(move |req, next| {
            telemetry::client_address(proxies.clone(), req, next)
        }))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &axum::extract::Request| telemetry::request_span(req))
                .on_request(())
                .on_failure(()),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::COOKIE,
            header::AUTHORIZATION,
            HeaderName::from_static("x-csrf-token"),
        ]))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        // Gzip for clients that ask (not for the event stream: the default predicate skips it).
        .layer(CompressionLayer::new())
        .with_state(state)
}
