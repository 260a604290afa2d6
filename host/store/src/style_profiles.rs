//! Style profiles, one row per derivation, newest last.

use crate::{Store, StoreError, on_pool};
use serde::Serialize;
use sqlx::types::Json;

/// A profile to store (with the Style step).
#[derive(Debug, Clone)]
pub struct NewStyleProfile {
    /// The persona it refines.
    pub persona_id: String,
    /// The style guide (JSON).
    pub profile: serde_json::Value,
    /// How many approved posts it was derived from.
    pub source_posts: i64,
}

/// A stored profile.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct StyleProfile {
    #[allow(missing_docs)]
    pub id: String,
    #[allow(missing_docs)]
    pub persona_id: String,
    #[allow(missing_docs)]
    pub run_id: Option<String>,
    #[allow(missing_docs)]
    pub profile: Json<serde_json::Value>,
    #[allow(missing_docs)]
    pub source_posts: i64,
    #[allow(missing_docs)]
    pub created_at: i64,
}

impl Store {
    /// The newest profile of `persona_id`.
    pub async fn latest_style_profile(
        &self,
        persona_id: &str,
    ) -> Result<Option<StyleProfile>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, StyleProfile>(
                "SELECT id, persona_id, run_id, profile, source_posts, created_at \
                 FROM style_profiles WHERE persona_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
            )
            .bind(persona_id)
            .fetch_optional(pool)
            .await?
        }))
    }
}
