//! Credentials set at run time (`credentials`). The store only keeps what the host hands it:
//! ciphertext (encrypted by `dailyx_common::Vault`) and the last four characters for display.
//! Plaintext never reaches this module.

use crate::{Store, StoreError, now_ms, on_pool};
use serde::Serialize;

/// One stored credential, still encrypted.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct StoredCredential {
    /// What it is for, e.g. `llm.api_key`.
    pub name: String,
    /// The vault's sealed form.
    #[serde(skip)]
    pub ciphertext: String,
    /// The last four characters of the plaintext (what the console shows).
    pub last4: String,
    #[allow(missing_docs)]
    pub updated_at: i64,
    #[allow(missing_docs)]
    pub updated_by: Option<String>,
    /// The destinations it may be sent to (a JSON array), if it is tied to any.
    pub bound_to: Option<String>,
}

impl StoredCredential {
    /// The destinations it may be sent to; empty when it is tied to none (or the column does
    /// not parse).
    pub fn destinations(&self) -> Vec<String> {
        self.bound_to
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok())
            .unwrap_or_default()
    }
}

impl Store {
    /// The credential `name`, if set.
    pub async fn credential(&self, name: &str) -> Result<Option<StoredCredential>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, StoredCredential>(
                "SELECT name, ciphertext, last4, updated_at, updated_by, bound_to FROM credentials \
                 WHERE name = $1",
            )
            .bind(name)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Every credential whose name starts with `prefix`, by name.
    pub async fn credentials_with_prefix(
        &self,
        prefix: &str,
    ) -> Result<Vec<StoredCredential>, StoreError> {
        // Escape LIKE's wildcards: the prefix is matched literally.
        let pattern = format!(
            "{}%",
            prefix
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, StoredCredential>(
                "SELECT name, ciphertext, last4, updated_at, updated_by, bound_to FROM credentials \
                 WHERE name LIKE $1 ESCAPE '\\' ORDER BY name",
            )
            .bind(&pattern)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Sets (or replaces) the credential `name`, tied to `bound_to` when it is given.
    pub async fn set_credential(
        &self,
        name: &str,
        ciphertext: &str,
        last4: &str,
        bound_to: Option<&[String]>,
        by: Option<&str>,
    ) -> Result<(), StoreError> {
        let bound_to = bound_to.map(|b| serde_json::Value::from(b.to_vec()).to_string());
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO credentials (name, ciphertext, last4, updated_at, updated_by, bound_to) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO UPDATE SET \
                 ciphertext = excluded.ciphertext, last4 = excluded.last4, \
                 updated_at = excluded.updated_at, updated_by = excluded.updated_by, \
                 bound_to = excluded.bound_to",
            )
            .bind(name)
            .bind(ciphertext)
            .bind(last4)
            .bind(now_ms())
            .bind(by)
            .bind(bound_to)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Removes the credential `name`; whether there was one.
    pub async fn delete_credential(&self, name: &str) -> Result<bool, StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query("DELETE FROM credentials WHERE name = $1")
                .bind(name)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// A value that changes whenever a runtime setting is set or removed: the newest
    /// `updated_at` and the number of rows over `app_config` and `credentials` (a removal
    /// lowers the count). Hosts poll it to apply each other's changes.
    pub async fn settings_revision(&self) -> Result<SettingsRevision, StoreError> {
        let (newest, entries): (Option<i64>, i64) = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT MAX(t), CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM \
                 (SELECT MAX(updated_at) AS t, COUNT(*) AS n FROM app_config \
                 UNION ALL SELECT MAX(updated_at) AS t, COUNT(*) AS n FROM credentials) AS changes",
            )
            .fetch_one(pool)
            .await?
        });
        Ok(SettingsRevision {
            newest: newest.unwrap_or(0),
            entries,
        })
    }
}

/// See [`Store::settings_revision`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SettingsRevision {
    /// The newest change (Unix ms; 0 without settings).
    pub newest: i64,
    /// Settings and credentials stored.
    pub entries: i64,
}
