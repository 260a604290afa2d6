//! Media made for drafts (`media_assets`): the rows; the bytes are files the host keeps.

use crate::{Store, StoreError, now_ms, on_pool};
use serde::Serialize;

/// One media file of a draft.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
#[allow(missing_docs)]
pub struct MediaAsset {
    pub id: String,
    pub draft_id: String,
    /// `image`, `audio` or `video`.
    pub kind: String,
    pub mime: String,
    /// `<id>.<ext>` in the media folder.
    pub file: String,
    pub sha256: String,
    pub bytes: i64,
    pub duration_ms: Option<i64>,
    pub created_at: i64,
}

impl Store {
    /// Records an asset; when the draft already has one of that kind (another host made it
    /// first), returns that one instead.
    pub async fn add_media_asset(&self, a: &MediaAsset) -> Result<MediaAsset, StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO media_assets (id, draft_id, kind, mime, file, sha256, bytes, \
                 duration_ms, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (draft_id, kind) DO NOTHING",
            )
            .bind(&a.id)
            .bind(&a.draft_id)
            .bind(&a.kind)
            .bind(&a.mime)
            .bind(&a.file)
            .bind(&a.sha256)
            .bind(a.bytes)
            .bind(a.duration_ms)
            .bind(now_ms())
            .execute(pool)
            .await?;
        });
        self.media_asset(&a.draft_id, &a.kind)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                kind: "media asset",
                id: a.id.clone(),
            })
    }

    /// The draft's asset of `kind`.
    pub async fn media_asset(
        &self,
        draft_id: &str,
        kind: &str,
    ) -> Result<Option<MediaAsset>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, MediaAsset>(
                "SELECT id, draft_id, kind, mime, file, sha256, bytes, duration_ms, created_at \
                 FROM media_assets WHERE draft_id = $1 AND kind = $2",
            )
            .bind(draft_id)
            .bind(kind)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Every asset of a draft.
    pub async fn media_assets(&self, draft_id: &str) -> Result<Vec<MediaAsset>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, MediaAsset>(
                "SELECT id, draft_id, kind, mime, file, sha256, bytes, duration_ms, created_at \
                 FROM media_assets WHERE draft_id = $1 ORDER BY kind",
            )
            .bind(draft_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The asset stored as `file`.
    pub async fn media_asset_by_file(&self, file: &str) -> Result<Option<MediaAsset>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, MediaAsset>(
                "SELECT id, draft_id, kind, mime, file, sha256, bytes, duration_ms, created_at \
                 FROM media_assets WHERE file = $1",
            )
            .bind(file)
            .fetch_optional(pool)
            .await?
        }))
    }
}
