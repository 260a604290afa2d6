//! Runtime settings editable over the API (admins only): the schedule, blocked terms and
//! notification channels. Every change is validated and audited.

use crate::audit::audit;
use crate::auth::{Admin, Reviewer};
use crate::error::{ApiError, ApiJson, ErrorBody};
use crate::scheduler::{self, SCHEDULE_KEY, Schedule};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use dailyx_notify::{CHANNELS_KEY, ChannelConfig};
use dailyx_store::NewAuditEntry;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The schedule and its next slots.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleView {
    /// `null` when no schedule is set (runs only on demand).
    pub schedule: Option<Schedule>,
    /// The next five slots (RFC 3339, UTC).
    pub next: Vec<String>,
    /// The node holding the scheduler lease.
    pub scheduler_node: Option<String>,
}

pub(crate) async fn schedule_view(state: &AppState) -> Result<ScheduleView, ApiError> {
    let schedule = scheduler::load(state).await?.map(|(s, _)| s);
    let next = match &schedule {
        Some(s) if s.enabled => s
            .next(jiff::Timestamp::now(), 5)
            .map_err(|e| ApiError::invalid(e.to_string()))?
            .iter()
            .map(ToString::to_string)
            .collect(),
        _ => Vec::new(),
    };
    let scheduler_node = state.store.lease_holder(scheduler::SCHEDULER_LEASE).await?;
    Ok(ScheduleView {
        schedule,
        next,
        scheduler_node,
    })
}

/// The schedule.
#[utoipa::path(get, path = "/api/config/schedule", tag = "config",
    responses((status = 200, body = ScheduleView), (status = 401, body = ErrorBody)))]
pub async fn get_schedule(
    State(state): State<AppState>,
    _auth: Reviewer,
) -> Result<Json<ScheduleView>, ApiError> {
    Ok(Json(schedule_view(&state).await?))
}

/// Sets the schedule (validated: five-field cron, IANA timezone).
#[utoipa::path(put, path = "/api/config/schedule", tag = "config", request_body = Schedule,
    responses((status = 200, body = ScheduleView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_schedule(
    State(state): State<AppState>,
    Admin(user): Admin,
    ApiJson(schedule): ApiJson<Schedule>,
) -> Result<Json<ScheduleView>, ApiError> {
    schedule
        .validate()
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    let value = serde_json::to_value(&schedule).map_err(|_| ApiError::internal())?;
    set(&state, &user, SCHEDULE_KEY, value).await?;
    Ok(Json(schedule_view(&state).await?))
}

/// The next slots of a schedule.
#[derive(Debug, Serialize, ToSchema)]
pub struct SchedulePreview {
    /// The next five slots (RFC 3339, UTC).
    pub next: Vec<String>,
}

/// The next five slots of a schedule that is not saved (the console's preview while typing).
#[utoipa::path(post, path = "/api/config/schedule/preview", tag = "config", request_body = Schedule,
    responses((status = 200, body = SchedulePreview), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn preview_schedule(
    _auth: Admin,
    ApiJson(schedule): ApiJson<Schedule>,
) -> Result<Json<SchedulePreview>, ApiError> {
    schedule
        .validate()
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    let next = schedule
        .next(jiff::Timestamp::now(), 5)
        .map_err(|e| ApiError::invalid(e.to_string()))?
        .iter()
        .map(ToString::to_string)
        .collect();
    Ok(Json(SchedulePreview { next }))
}

/// Blocked terms.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockedTerms {
    /// Terms no post may contain (case-insensitive).
    pub terms: Vec<String>,
}

/// The blocked terms.
#[utoipa::path(get, path = "/api/config/blocked-terms", tag = "config",
    responses((status = 200, body = BlockedTerms), (status = 401, body = ErrorBody)))]
pub async fn get_blocked_terms(
    State(state): State<AppState>,
    _auth: Reviewer,
) -> Result<Json<BlockedTerms>, ApiError> {
    let terms = state
        .store
        .config_value("blocked_terms")
        .await?
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    Ok(Json(BlockedTerms { terms }))
}

/// Sets the blocked terms.
#[utoipa::path(put, path = "/api/config/blocked-terms", tag = "config", request_body = BlockedTerms,
    responses((status = 200, body = BlockedTerms), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_blocked_terms(
    State(state): State<AppState>,
    Admin(user): Admin,
    ApiJson(body): ApiJson<BlockedTerms>,
) -> Result<Json<BlockedTerms>, ApiError> {
    let terms: Vec<String> = body
        .terms
        .iter()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    if terms.len() > 1000 || terms.iter().any(|t| t.len() > 200) {
        return Err(ApiError::invalid(
            "at most 1000 terms of at most 200 bytes each",
        ));
    }
    set(&state, &user, "blocked_terms", serde_json::json!(terms)).await?;
    Ok(Json(BlockedTerms { terms }))
}

/// Notification channels.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Channels {
    /// Each `{ "kind": "smtp" | "sendgrid" | "twilio_whatsapp", ... }`. Credentials are not
    /// here: they come from the environment.
    #[schema(value_type = Vec<Object>)]
    pub channels: Vec<serde_json::Value>,
}

/// The notification channels.
#[utoipa::path(get, path = "/api/config/notifications", tag = "config",
    responses((status = 200, body = Channels), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn get_channels(
    State(state): State<AppState>,
    _auth: Admin,
) -> Result<Json<Channels>, ApiError> {
    let channels = state
        .store
        .config_value(CHANNELS_KEY)
        .await?
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    Ok(Json(Channels { channels }))
}

/// Sets the notification channels (each is validated).
#[utoipa::path(put, path = "/api/config/notifications", tag = "config", request_body = Channels,
    responses((status = 200, body = Channels), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_channels(
    State(state): State<AppState>,
    Admin(user): Admin,
    ApiJson(body): ApiJson<Channels>,
) -> Result<Json<Channels>, ApiError> {
    for (i, c) in body.channels.iter().enumerate() {
        serde_json::from_value::<ChannelConfig>(c.clone())
            .map_err(|e| e.to_string())
            .and_then(|c| c.check())
            .map_err(|e| ApiError::invalid(format!("channel {}: {e}", i + 1)))?;
    }
    set(
        &state,
        &user,
        CHANNELS_KEY,
        serde_json::json!(body.channels),
    )
    .await?;
    Ok(Json(body))
}

async fn set(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    key: &str,
    value: serde_json::Value,
) -> Result<(), ApiError> {
    state
        .store
        .set_config_value(key, &value, Some(&user.id))
        .await?;
    audit(
        state,
        NewAuditEntry {
            user_id: Some(user.id.clone()),
            action: "config.set".into(),
            ip: Some(user.ip.to_string()),
            detail: serde_json::json!({ "key": key, "value": value }),
            ..Default::default()
        },
    )
    .await;
    Ok(())
}

/// Applies the stored schedule now instead of at the next clock tick: reads the settings any
/// host changed and runs the scheduler pass (a due slot is queued at once). Audited.
#[utoipa::path(post, path = "/api/reload-schedule", tag = "config",
    responses((status = 200, body = ScheduleView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn reload_schedule(
    State(state): State<AppState>,
    Admin(user): Admin,
) -> Result<Json<ScheduleView>, ApiError> {
    crate::live_settings::sync(&state).await?;
    if state.settings.run_scheduler {
        crate::scheduler::tick(&state).await?;
    }
    crate::audit::audit(
        &state,
        dailyx_store::NewAuditEntry {
            user_id: Some(user.id.clone()),
            action: "schedule.reload".into(),
            ip: Some(user.ip.to_string()),
            ..Default::default()
        },
    )
    .await;
    Ok(Json(schedule_view(&state).await?))
}

/// What `post-now` started.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostNow {
    /// The approved draft being published.
    pub draft_id: String,
    /// Its status (`publishing`; it moves on as the publisher works).
    pub status: String,
}

/// Publishes the latest approved draft now (the one waiting in `publishing`, e.g. behind a
/// circuit's cool-down or the poll interval): wakes the publisher. Approval rules still apply:
/// only an approved draft is ever published, and an open circuit still sends nothing. Audited.
#[utoipa::path(post, path = "/api/post-now", tag = "drafts",
    responses((status = 202, body = PostNow), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn post_now(
    State(state): State<AppState>,
    Admin(user): Admin,
) -> Result<(axum::http::StatusCode, Json<PostNow>), ApiError> {
    let waiting = state
        .store
        .drafts(Some(dailyx_store::DraftStatus::Publishing), 1, 0)
        .await?;
    let Some(draft) = waiting.into_iter().next() else {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "nothing_to_post",
            "no approved draft is waiting to be published (approve one first)",
        ));
    };
    state.wake.publish.notify_one();
    crate::audit::audit(
        &state,
        dailyx_store::NewAuditEntry {
            user_id: Some(user.id.clone()),
            action: "draft.post_now".into(),
            draft_id: Some(draft.id.clone()),
            ip: Some(user.ip.to_string()),
            ..Default::default()
        },
    )
    .await;
    Ok((
        axum::http::StatusCode::ACCEPTED,
        Json(PostNow {
            draft_id: draft.id,
            status: "publishing".into(),
        }),
    ))
}
