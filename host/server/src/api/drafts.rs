//! `/api/drafts` and the actions on one draft.

use crate::api::page_cache::PageKey;
use crate::api::views::{DraftView, PostView, RunView, StepView};
use crate::auth::Reviewer;
use crate::error::{ApiError, ApiJson, ApiQuery, ErrorBody};
use crate::review::{self, Actor};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dailyx_store::DraftStatus;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// Filters and paging for `GET /api/drafts`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DraftQuery {
    /// Only drafts in this status.
    pub status: Option<String>,
    /// Page size (1–200, default 50).
    pub limit: Option<i64>,
    /// Drafts to skip.
    pub offset: Option<i64>,
}

/// A page of drafts, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftPage {
    #[allow(missing_docs)]
    pub drafts: Vec<DraftView>,
    /// Drafts per status, over all drafts.
    pub counts: BTreeMap<String, i64>,
    #[allow(missing_docs)]
    pub limit: i64,
    #[allow(missing_docs)]
    pub offset: i64,
}

/// A draft with what produced it and what became of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftDetail {
    #[allow(missing_docs)]
    pub draft: DraftView,
    /// Published tweets (or dry-run records), by position.
    pub posts: Vec<PostView>,
    /// The run's agent timeline.
    pub steps: Vec<StepView>,
    /// The run's capability events (grants used, denials).
    #[schema(value_type = Vec<Object>)]
    pub capability_events: Vec<serde_json::Value>,
    /// Notification deliveries.
    #[schema(value_type = Vec<Object>)]
    pub deliveries: Vec<serde_json::Value>,
    /// Provenance: the materials the run collected that the tweets cite (ids in each tweet's
    /// `material_ids`), with their links.
    #[schema(value_type = Vec<Object>)]
    pub materials: Vec<dailyx_runtime::types::Material>,
    /// The tweets as the pipeline generated them (before any human edit).
    pub generated: Option<Vec<String>>,
    /// X's limit per tweet (weighted length).
    pub max_weighted_length: u32,
}

/// `POST /api/drafts/{id}/check`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// The proposed tweets, in order.
    pub tweets: Vec<String>,
}

/// A finding of the policy.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingView {
    #[allow(missing_docs)]
    pub code: String,
    /// `info`, `warn` or `fail`.
    pub severity: String,
    #[allow(missing_docs)]
    pub message: String,
    /// The tweet it is pinned to (0-based), if any.
    pub tweet_position: Option<u32>,
}

/// The policy's verdict on proposed text.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckResult {
    /// `pass`, `warn` or `fail`.
    pub verdict: String,
    #[allow(missing_docs)]
    pub findings: Vec<FindingView>,
    /// X's weighted length of each tweet.
    pub weighted_lengths: Vec<u32>,
    /// The limit per tweet.
    pub max_weighted_length: u32,
}

/// `POST /api/drafts/{id}/edit`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditRequest {
    /// The draft's `version` as loaded (an edit of a changed draft is refused).
    pub version: i64,
    /// The new tweets, in order.
    pub tweets: Vec<String>,
}

/// `POST /api/drafts/{id}/approve`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveRequest {
    /// The `content_hash` of the text the reviewer approves (without `tweets`).
    pub content_hash: Option<String>,
    /// Approve with these edits (needs `version`).
    pub tweets: Option<Vec<String>>,
    /// The draft's `version`, with `tweets`.
    pub version: Option<i64>,
}

fn page(limit: Option<i64>, offset: Option<i64>) -> Result<(i64, i64), ApiError> {
    let limit = limit.unwrap_or(50);
    let offset = offset.unwrap_or(0);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid("limit must be between 1 and 200"));
    }
    if offset < 0 {
        return Err(ApiError::invalid("offset must not be negative"));
    }
    Ok((limit, offset))
}

fn actor(user: &crate::auth::CurrentUser) -> Actor {
    Actor {
        user_id: Some(user.id.clone()),
        ip: user.ip.to_string(),
        via: "api",
    }
}

/// Drafts, newest first, optionally by status, with counts per status. The page carries a
/// weak `ETag`; send it back in `If-None-Match` to get `304 Not Modified` while no draft changed.
#[utoipa::path(get, path = "/api/drafts", tag = "drafts", params(DraftQuery),
    responses((status = 200, body = DraftPage), (status = 304, description = "No draft changed since the ETag sent"),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    _auth: Reviewer,
    ApiQuery(q): ApiQuery<DraftQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let status = match q.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(
            DraftStatus::parse(s)
                .ok_or_else(|| ApiError::invalid(format!("unknown status `{s}`")))?,
        ),
    };
    let (limit, offset) = page(q.limit, q.offset)?;
    let key = PageKey {
        status: status.map(DraftStatus::as_str),
        limit,
        offset,
    };
    // The revision first, then the page: the page is never older than the revision it is
    // cached under (see `PageCache::put`).
    let summary = state.store.draft_summary().await?;
    let etag = page_etag(&summary.revision, &key);
    let body = if crate::api::etag_matches(&headers, &etag) {
        None
    } else if let Some(body) = state.draft_pages.get(&summary.revision, &key) {
        Some(body)
    } else {
        let drafts = state.store.drafts(status, limit, offset).await?;
        let page = DraftPage {
            drafts: drafts.into_iter().map(DraftView::from).collect(),
            counts: summary.counts.into_iter().collect(),
            limit,
            offset,
        };
        let body = Bytes::from(serde_json::to_vec(&page).map_err(|e| {
            tracing::error!(error = %e, "cannot serialise a page of drafts");
            ApiError::internal()
        })?);
        state.draft_pages.put(&summary.revision, key, body.clone());
        Some(body)
    };
    let cache_headers = [
        (header::ETAG, etag),
        // Always revalidate: the list changes with every review action.
        (header::CACHE_CONTROL, "private, no-cache".to_owned()),
    ];
    Ok(match body {
        None => (StatusCode::NOT_MODIFIED, cache_headers).into_response(),
        Some(body) => (
            cache_headers,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response(),
    })
}

fn severity_name(s: dailyx_runtime::types::Severity) -> &'static str {
    use dailyx_runtime::types::Severity;
    match s {
        Severity::Info => "info",
        Severity::Warn => "warn",
        Severity::Fail => "fail",
    }
}

/// A weak validator for the page `key` at `revision`.
fn page_etag(revision: &str, key: &PageKey) -> String {
    let tag = dailyx_store::sha256_hex(
        format!(
            "{revision}|{}|{}|{}",
            key.status.unwrap_or(""),
            key.limit,
            key.offset
        )
        .as_bytes(),
    );
    format!("W/\"{}\"", &tag[..24])
}

/// One draft with its posts, agent timeline, capability events and deliveries.
#[utoipa::path(get, path = "/api/drafts/{id}", tag = "drafts", params(("id" = String, Path)),
    responses((status = 200, body = DraftDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    _auth: Reviewer,
    Path(id): Path<String>,
) -> Result<Json<DraftDetail>, ApiError> {
    let draft = state.store.draft(&id).await?;
    let (posts, steps, events, deliveries) = tokio::try_join!(
        state.store.posts(&id),
        state.store.step_logs(&draft.run_id),
        state.store.capability_events(&draft.run_id),
        state.store.deliveries(&id),
    )?;
    let cited: std::collections::HashSet<&str> = draft
        .tweets
        .iter()
        .flat_map(|t| t.material_ids.0.iter().map(String::as_str))
        .collect();
    let materials = dailyx_pipeline::collected_materials(&steps)
        .into_iter()
        .filter(|m| cited.contains(m.id.as_str()))
        .collect();
    let generated = dailyx_pipeline::generated_texts(&steps);
    Ok(Json(DraftDetail {
        draft: draft.into(),
        posts: posts.into_iter().map(PostView::from).collect(),
        steps: steps.into_iter().map(StepView::from).collect(),
        capability_events: events
            .into_iter()
            .filter_map(|e| serde_json::to_value(e).ok())
            .collect(),
        deliveries: deliveries
            .into_iter()
            .filter_map(|d| serde_json::to_value(d).ok())
            .collect(),
        materials,
        generated,
        max_weighted_length: state.pipeline.settings().max_weighted_length,
    }))
}

/// Runs the policy on proposed text without saving it (the live re-check while editing).
#[utoipa::path(post, path = "/api/drafts/{id}/check", tag = "drafts", params(("id" = String, Path)), request_body = CheckRequest,
    responses((status = 200, body = CheckResult), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn check(
    State(state): State<AppState>,
    _auth: Reviewer,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CheckRequest>,
) -> Result<Json<CheckResult>, ApiError> {
    let report = review::check(&state, &id, &body.tweets).await?;
    Ok(Json(CheckResult {
        verdict: dailyx_pipeline::verdict_name(report.verdict).to_owned(),
        findings: report
            .findings
            .into_iter()
            .map(|f| FindingView {
                code: f.code,
                severity: severity_name(f.severity).to_owned(),
                message: f.message,
                tweet_position: f.tweet_position,
            })
            .collect(),
        weighted_lengths: report.weighted_lengths,
        max_weighted_length: state.pipeline.settings().max_weighted_length,
    }))
}

/// Replaces the text (policy re-checked; a draft needing attention whose edit passes becomes
/// pending).
#[utoipa::path(post, path = "/api/drafts/{id}/edit", tag = "drafts", params(("id" = String, Path)), request_body = EditRequest,
    responses((status = 200, body = DraftView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn edit(
    State(state): State<AppState>,
    Reviewer(user): Reviewer,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EditRequest>,
) -> Result<Json<DraftView>, ApiError> {
    Ok(Json(
        review::edit(&state, &actor(&user), &id, body.version, body.tweets)
            .await?
            .into(),
    ))
}

/// Approves (optionally with edits): the policy runs again on the final text and only a
/// PASS moves the draft to publishing.
#[utoipa::path(post, path = "/api/drafts/{id}/approve", tag = "drafts", params(("id" = String, Path)), request_body = ApproveRequest,
    responses((status = 200, body = DraftView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, description = "the policy refused the final text", body = ErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    Reviewer(user): Reviewer,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ApproveRequest>,
) -> Result<Json<DraftView>, ApiError> {
    let edit_first = match (body.tweets, body.version) {
        (Some(tweets), Some(version)) => Some((version, tweets)),
        (Some(_), None) => {
            return Err(ApiError::invalid(
                "approving with edits needs the draft's version",
            ));
        }
        (None, _) => None,
    };
    let seen = match (&body.content_hash, &edit_first) {
        (Some(h), _) => h.clone(),
        (None, Some(_)) => String::new(),
        (None, None) => {
            return Err(ApiError::invalid(
                "content_hash (of the text you approve) is required",
            ));
        }
    };
    Ok(Json(
        review::approve(&state, &actor(&user), &id, &seen, edit_first)
            .await?
            .into(),
    ))
}

/// Skips the draft.
#[utoipa::path(post, path = "/api/drafts/{id}/skip", tag = "drafts", params(("id" = String, Path)),
    responses((status = 200, body = DraftView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn skip(
    State(state): State<AppState>,
    Reviewer(user): Reviewer,
    Path(id): Path<String>,
) -> Result<Json<DraftView>, ApiError> {
    Ok(Json(review::skip(&state, &actor(&user), &id).await?.into()))
}

/// Skips the draft and queues a run writing about the same materials again.
#[utoipa::path(post, path = "/api/drafts/{id}/regenerate", tag = "drafts", params(("id" = String, Path)),
    responses((status = 202, body = RunView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn regenerate(
    State(state): State<AppState>,
    Reviewer(user): Reviewer,
    Path(id): Path<String>,
) -> Result<(axum::http::StatusCode, Json<RunView>), ApiError> {
    let run = review::regenerate(&state, &actor(&user), &id).await?;
    Ok((axum::http::StatusCode::ACCEPTED, Json(run.into())))
}

/// Resumes publishing after a failure, at the first unposted position.
#[utoipa::path(post, path = "/api/drafts/{id}/resume", tag = "drafts", params(("id" = String, Path)),
    responses((status = 200, body = DraftView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn resume(
    State(state): State<AppState>,
    Reviewer(user): Reviewer,
    Path(id): Path<String>,
) -> Result<Json<DraftView>, ApiError> {
    Ok(Json(
        review::resume(&state, &actor(&user), &id).await?.into(),
    ))
}
