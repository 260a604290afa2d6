//! Runtime configuration (`app_config`): schedule, blocked terms, feature flags. Values are JSON.

use crate::{Store, StoreError, now_ms, on_pool};
use serde::Serialize;
use sqlx::types::Json;

/// One configuration entry.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ConfigEntry {
    #[allow(missing_docs)]
    pub key: String,
    #[allow(missing_docs)]
    pub value: Json<serde_json::Value>,
    #[allow(missing_docs)]
    pub updated_at: i64,
    #[allow(missing_docs)]
    pub updated_by: Option<String>,
}

impl Store {
    /// The value of `key`, if set.
    pub async fn config_value(&self, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
        let v: Option<Json<serde_json::Value>> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT value FROM app_config WHERE key = $1")
                .bind(key)
                .fetch_optional(pool)
                .await?
        });
        Ok(v.map(|j| j.0))
    }

    /// Sets `key` to `value` (as `by`, for the record).
    pub async fn set_config_value(
        &self,
        key: &str,
        value: &serde_json::Value,
        by: Option<&str>,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO app_config (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, \
                 updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            )
            .bind(key)
            .bind(Json(value))
            .bind(now_ms())
            .bind(by)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The entry `key` with when and by whom it was set, if set.
    pub async fn config_entry(&self, key: &str) -> Result<Option<ConfigEntry>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, ConfigEntry>(
                "SELECT key, value, updated_at, updated_by FROM app_config WHERE key = $1",
            )
            .bind(key)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Every entry, by key.
    pub async fn config_entries(&self) -> Result<Vec<ConfigEntry>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, ConfigEntry>(
                "SELECT key, value, updated_at, updated_by FROM app_config ORDER BY key",
            )
            .fetch_all(pool)
            .await?
        }))
    }
}
