//! `/api/runs`: list runs, trigger one.

use crate::api::views::{RunView, StepView};
use crate::audit::audit;
use crate::auth::{Admin, Reviewer};
use crate::error::{ApiError, ApiQuery, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use dailyx_store::NewAuditEntry;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Paging for `GET /api/runs`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunQuery {
    /// Page size (1–200, default 50).
    pub limit: Option<i64>,
    /// Runs to skip.
    pub offset: Option<i64>,
}

/// A page of runs, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunPage {
    #[allow(missing_docs)]
    pub runs: Vec<RunView>,
}

/// A run with its steps.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunDetail {
    #[allow(missing_docs)]
    pub run: RunView,
    #[allow(missing_docs)]
    pub steps: Vec<StepView>,
}

/// Runs, newest first.
#[utoipa::path(get, path = "/api/runs", tag = "runs", params(RunQuery),
    responses((status = 200, body = RunPage), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    _auth: Reviewer,
    ApiQuery(q): ApiQuery<RunQuery>,
) -> Result<Json<RunPage>, ApiError> {
    let limit = q.limit.unwrap_or(50);
    let offset = q.offset.unwrap_or(0);
    if !(1..=200).contains(&limit) || offset < 0 {
        return Err(ApiError::invalid(
            "limit must be 1–200 and offset not negative",
        ));
    }
    let runs = state.store.runs(limit, offset).await?;
    Ok(Json(RunPage {
        runs: runs.into_iter().map(RunView::from).collect(),
    }))
}

/// One run with its agent timeline.
#[utoipa::path(get, path = "/api/runs/{id}", tag = "runs", params(("id" = String, Path)),
    responses((status = 200, body = RunDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    _auth: Reviewer,
    Path(id): Path<String>,
) -> Result<Json<RunDetail>, ApiError> {
    let run = state.store.run(&id).await?;
    let steps = state.store.step_logs(&id).await?;
    Ok(Json(RunDetail {
        run: run.into(),
        steps: steps.into_iter().map(StepView::from).collect(),
    }))
}

/// Queues a run now (admins only: a run spends LLM tokens).
#[utoipa::path(post, path = "/api/runs", tag = "runs",
    responses((status = 202, body = RunView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn trigger(
    State(state): State<AppState>,
    Admin(user): Admin,
) -> Result<(StatusCode, Json<RunView>), ApiError> {
    let run = state.pipeline.enqueue("api").await.map_err(|e| {
        tracing::error!(error = %e, "cannot queue a run");
        ApiError::internal()
    })?;
    audit(
        &state,
        NewAuditEntry {
            user_id: Some(user.id.clone()),
            action: "run.trigger".into(),
            ip: Some(user.ip.to_string()),
            detail: serde_json::json!({ "run_id": run.id }),
            ..Default::default()
        },
    )
    .await;
    tracing::info!(run_id = %run.id, "run queued");
    state.wake.runs.notify_one();
    Ok((StatusCode::ACCEPTED, Json(run.into())))
}
