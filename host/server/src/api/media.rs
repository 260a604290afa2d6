//! `/api/drafts/{id}/media`: a draft's quote card (and speech and video, when enabled) — listed,
//! or made now by an admin (they are also made on a draft's first delivery to a provider).

use crate::auth::{Admin, Reviewer};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::ToSchema;

/// One media file of a draft.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediaView {
    /// `image`, `audio` or `video`.
    pub kind: String,
    #[allow(missing_docs)]
    pub mime: String,
    /// Where it is served (no session needed).
    pub url: String,
    #[allow(missing_docs)]
    pub sha256: String,
    #[allow(missing_docs)]
    pub bytes: i64,
    /// Length of audio and video.
    pub duration_ms: Option<i64>,
}

fn views(state: &AppState, assets: Vec<dailyx_store::MediaAsset>) -> Vec<MediaView> {
    let Some(media) = state.media.as_ref() else {
        return Vec::new();
    };
    assets
        .into_iter()
        .map(|a| MediaView {
            url: media.url(&a),
            kind: a.kind,
            mime: a.mime,
            sha256: a.sha256,
            bytes: a.bytes,
            duration_ms: a.duration_ms,
        })
        .collect()
}

/// `GET /api/drafts/{id}/media`.
#[utoipa::path(get, path = "/api/drafts/{id}/media", tag = "drafts",
    params(("id" = String, Path, description = "Draft id")),
    responses((status = 200, body = Vec<MediaView>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    _auth: Reviewer,
    Path(id): Path<String>,
) -> Result<Json<Vec<MediaView>>, ApiError> {
    state.store.draft(&id).await?;
    let assets = state.store.media_assets(&id).await?;
    Ok(Json(views(&state, assets)))
}

/// `POST /api/drafts/{id}/media`: makes the draft's media now (when missing).
#[utoipa::path(post, path = "/api/drafts/{id}/media", tag = "drafts",
    params(("id" = String, Path, description = "Draft id")),
    responses((status = 200, body = Vec<MediaView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn make(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
) -> Result<Json<Vec<MediaView>>, ApiError> {
    let draft = state.store.draft(&id).await?;
    let Some(media) = state.media.as_ref() else {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "media_disabled",
            "media are off on this host ([media] enabled = false)",
        ));
    };
    let assets = media.ensure(&draft).await.map_err(|e| match e {
        crate::media::MediaFailure::Store(e) => e.into(),
        // What is wrong with the text (a character no font covers) or the tools: said as is.
        other => ApiError::invalid(other.to_string()),
    })?;
    Ok(Json(views(&state, assets)))
}
