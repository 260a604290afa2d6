//! `/api/config` (everything an operator can change at run time, in one view),
//! `/api/config/providers` (which provider components publish, simulated or not, with what
//! budget), and each draft's deliveries to the providers (`/api/drafts/{id}/deliveries`, and
//! retrying a failed one).

use crate::api::settings::{ScheduleView, schedule_view};
use crate::audit::audit;
use crate::auth::{Admin, Reviewer};
use crate::error::{ApiError, ApiJson, ErrorBody};
use crate::providers::{PROVIDERS_KEY, enabled};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use dailyx_dispatch::{ProviderConfig, catalog};
use dailyx_store::{NewAuditEntry, ProviderDelivery, ProviderPost};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One provider as configured now.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderView {
    /// `x`, `mastodon`, `bluesky`, `facebook`, `instagram`, `webhook`.
    pub name: String,
    #[allow(missing_docs)]
    pub display: String,
    /// Whether drafts are published there.
    pub enabled: bool,
    /// The component that publishes for it.
    pub component: String,
    /// Whether the component is loaded.
    pub loaded: bool,
    /// Its own simulation flag.
    pub simulate: bool,
    /// Whether it is simulated now (its flag, `SIMULATE_<NAME>`, or the host's dry-run).
    pub simulated: bool,
    /// Real posts allowed per rolling 24 hours.
    pub budget_per_24h: Option<u32>,
    /// Whether its credentials are complete.
    pub credentials_complete: bool,
    /// `replies` (a thread) or `single` (one post per draft).
    pub thread: String,
}

/// Intervals of the background loops (from the config file).
#[derive(Debug, Serialize, ToSchema)]
pub struct Intervals {
    #[allow(missing_docs)]
    pub scheduler_tick_ms: u64,
    #[allow(missing_docs)]
    pub publish_poll_ms: u64,
    #[allow(missing_docs)]
    pub node_heartbeat_ms: u64,
    #[allow(missing_docs)]
    pub node_dead_after_ms: u64,
}

/// Everything an operator can change at run time.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConfigView {
    #[allow(missing_docs)]
    pub schedule: ScheduleView,
    /// The persona posts are written as.
    pub persona: String,
    /// Whether nothing is really posted anywhere.
    pub dry_run: bool,
    /// Every provider this host knows, enabled or not.
    pub providers: Vec<ProviderView>,
    /// Terms no post may contain.
    pub blocked_terms: Vec<String>,
    #[allow(missing_docs)]
    pub intervals: Intervals,
}

async fn providers_view(state: &AppState) -> Result<Vec<ProviderView>, ApiError> {
    let enabled = enabled(state).await?;
    let registry = state.runtime.registry();
    Ok(catalog::PROVIDERS
        .iter()
        .map(|kind| {
            let on = enabled.iter().find(|p| p.name == kind.name);
            let component = on.map_or_else(|| kind.name.to_owned(), |p| p.component.clone());
            ProviderView {
                name: kind.name.into(),
                display: kind.display.into(),
                enabled: on.is_some(),
                loaded: registry.components.contains_key(&component),
                simulate: on.is_some_and(|p| p.simulate),
                simulated: on.is_some_and(|p| state.dispatcher.simulated(p)),
                budget_per_24h: on.and_then(|p| p.budget_per_24h),
                credentials_complete: state.provider_credentials.is_complete(kind),
                thread: match kind.thread {
                    catalog::ThreadStyle::Replies => "replies".into(),
                    catalog::ThreadStyle::Single => "single".into(),
                },
                component,
            }
        })
        .collect())
}

/// `GET /api/config`: the schedule, persona, dry-run, providers (enabled, simulated, budget),
/// blocked terms and loop intervals.
#[utoipa::path(get, path = "/api/config", tag = "config",
    responses((status = 200, body = ConfigView), (status = 401, body = ErrorBody)))]
pub async fn get_config(
    State(state): State<AppState>,
    _auth: Reviewer,
) -> Result<Json<ConfigView>, ApiError> {
    let s = &state.settings;
    let ms = |d: std::time::Duration| d.as_millis() as u64;
    Ok(Json(ConfigView {
        schedule: schedule_view(&state).await?,
        persona: state.pipeline.live().persona(),
        dry_run: state.publisher.dry_run(),
        providers: providers_view(&state).await?,
        blocked_terms: state
            .store
            .config_value("blocked_terms")
            .await?
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default(),
        intervals: Intervals {
            scheduler_tick_ms: ms(s.tick),
            publish_poll_ms: ms(s.publish_poll),
            node_heartbeat_ms: ms(s.node_heartbeat),
            node_dead_after_ms: ms(s.node_dead_after),
        },
    }))
}

/// One provider in `PUT /api/config/providers`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderUpdate {
    /// A provider this host knows.
    pub name: String,
    /// The component that publishes for it (default: its name).
    pub component: Option<String>,
    /// Record what would be sent; send nothing.
    #[serde(default)]
    pub simulate: bool,
    /// Real posts allowed per rolling 24 hours (1..=1000; none: no budget).
    pub budget_per_24h: Option<u32>,
}

/// `PUT /api/config/providers`: the enabled providers (the list replaces the current one).
#[utoipa::path(put, path = "/api/config/providers", tag = "config", request_body = Vec<ProviderUpdate>,
    responses((status = 200, body = Vec<ProviderView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn put_providers(
    State(state): State<AppState>,
    Admin(user): Admin,
    ApiJson(body): ApiJson<Vec<ProviderUpdate>>,
) -> Result<Json<Vec<ProviderView>>, ApiError> {
    let mut list: Vec<ProviderConfig> = Vec::new();
    for p in body {
        let Some(kind) = catalog::provider(&p.name) else {
            let known: Vec<&str> = catalog::PROVIDERS.iter().map(|k| k.name).collect();
            return Err(ApiError::invalid(format!(
                "`{}` is not a provider this host knows ({})",
                p.name,
                known.join(", ")
            )));
        };
        if list.iter().any(|q| q.name == p.name) {
            return Err(ApiError::invalid(format!("`{}` is listed twice", p.name)));
        }
        if p.budget_per_24h.is_some_and(|b| b == 0 || b > 1000) {
            return Err(ApiError::invalid(format!(
                "the budget of `{}` must be 1 to 1000 posts per 24 hours",
                p.name
            )));
        }
        if kind.name == "x" {
            return Err(ApiError::invalid(
                "X is always published by the publisher (through the `x` component); it is not \
                 one of the providers drafts are also sent to",
            ));
        }
        let component = p.component.unwrap_or_else(|| kind.name.to_owned());
        match state.runtime.registry().components.get(&component) {
            Some(c) if c.entry.stage == dailyx_runtime::Stage::Provider => {}
            Some(_) => {
                return Err(ApiError::invalid(format!(
                    "component `{component}` is not a provider"
                )));
            }
            None => {
                return Err(ApiError::invalid(format!(
                    "component `{component}` is not loaded"
                )));
            }
        }
        list.push(ProviderConfig {
            name: p.name,
            component,
            simulate: p.simulate,
            budget_per_24h: p.budget_per_24h,
        });
    }
    let value = serde_json::to_value(&list).map_err(|_| ApiError::internal())?;
    state
        .store
        .set_config_value(PROVIDERS_KEY, &value, Some(&user.id))
        .await?;
    crate::live_settings::apply(&state).await?;
    audit(
        &state,
        NewAuditEntry {
            user_id: Some(user.id.clone()),
            action: "config.providers".into(),
            ip: Some(user.ip.to_string()),
            detail: value,
            ..Default::default()
        },
    )
    .await;
    Ok(Json(providers_view(&state).await?))
}

/// A draft's deliveries to the providers.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveriesView {
    /// Where each provider's delivery stands.
    #[schema(value_type = Vec<Object>)]
    pub deliveries: Vec<ProviderDelivery>,
    /// What was posted (or recorded, simulated) on each.
    #[schema(value_type = Vec<Object>)]
    pub posts: Vec<ProviderPost>,
}

/// `GET /api/drafts/{id}/deliveries`.
#[utoipa::path(get, path = "/api/drafts/{id}/deliveries", tag = "drafts",
    params(("id" = String, Path, description = "Draft id")),
    responses((status = 200, body = DeliveriesView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn deliveries(
    State(state): State<AppState>,
    _auth: Reviewer,
    Path(id): Path<String>,
) -> Result<Json<DeliveriesView>, ApiError> {
    state.store.draft(&id).await?;
    Ok(Json(DeliveriesView {
        deliveries: state.store.provider_deliveries(&id).await?,
        posts: state.store.all_provider_posts(&id).await?,
    }))
}

/// `POST /api/drafts/{id}/deliveries/{provider}/retry`: a failed or waiting delivery goes
/// again now (from its first unposted position; what was posted stays posted). An
/// `unconfirmed` one (a post that may have reached a receiver that cannot be asked) is sent
/// again: the admin asking says it did not arrive.
#[utoipa::path(post, path = "/api/drafts/{id}/deliveries/{provider}/retry", tag = "drafts",
    params(("id" = String, Path, description = "Draft id"), ("provider" = String, Path, description = "Provider")),
    responses((status = 202, body = DeliveriesView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn retry(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path((id, provider)): Path<(String, String)>,
) -> Result<(axum::http::StatusCode, Json<DeliveriesView>), ApiError> {
    let current = state.store.provider_deliveries(&id).await?;
    let Some(d) = current.iter().find(|d| d.provider == provider) else {
        return Err(ApiError::not_found(format!(
            "draft `{id}` has no delivery to `{provider}`"
        )));
    };
    let not_retryable = || {
        ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "not_retryable",
            format!("the delivery to `{provider}` is {}", d.status),
        )
    };
    match d.status.as_str() {
        "failed" | "waiting" => {}
        // The reviewer checked the receiver: what may have been posted is sent again.
        "unconfirmed" => {
            if !state
                .dispatcher
                .resend(&id, &provider, &user.username)
                .await
                .map_err(|e| match e {
                    dailyx_dispatch::DispatchError::Store(e) => ApiError::from(e),
                    other => {
                        tracing::error!(error = %other, "resend failed");
                        ApiError::internal()
                    }
                })?
            {
                return Err(not_retryable());
            }
        }
        _ => return Err(not_retryable()),
    }
    state
        .store
        .set_provider_delivery(&id, &provider, "pending", None, None)
        .await?;
    state.wake.deliveries.notify_one();
    audit(
        &state,
        NewAuditEntry {
            user_id: Some(user.id.clone()),
            action: "delivery.retry".into(),
            ip: Some(user.ip.to_string()),
            draft_id: Some(id.clone()),
            detail: serde_json::json!({ "provider": provider }),
            ..Default::default()
        },
    )
    .await;
    Ok((
        axum::http::StatusCode::ACCEPTED,
        Json(DeliveriesView {
            deliveries: state.store.provider_deliveries(&id).await?,
            posts: state.store.all_provider_posts(&id).await?,
        }),
    ))
}
