//! The audit log: one row for every action a person (or an action link) takes.

use crate::{Store, StoreError, now_ms, on_pool};
use serde::Serialize;
use sqlx::types::Json;

/// An audit entry to write.
#[derive(Debug, Clone, Default)]
pub struct NewAuditEntry {
    /// Who (user id), if a logged-in user; `None` for action links and the system.
    pub user_id: Option<String>,
    /// What: `login`, `login_failed`, `draft.approve`, `draft.edit`, `config.set`, ...
    pub action: String,
    /// The draft acted on.
    pub draft_id: Option<String>,
    /// The draft's content hash before the action.
    pub before_hash: Option<String>,
    /// ... and after it.
    pub after_hash: Option<String>,
    /// The client's address.
    pub ip: Option<String>,
    /// Anything else worth keeping (a JSON object). Never a secret.
    pub detail: serde_json::Value,
}

/// An audit entry as stored.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct AuditEntry {
    #[allow(missing_docs)]
    pub id: i64,
    #[allow(missing_docs)]
    pub at: i64,
    #[allow(missing_docs)]
    pub user_id: Option<String>,
    /// The user's name, when the user still exists.
    pub username: Option<String>,
    #[allow(missing_docs)]
    pub action: String,
    #[allow(missing_docs)]
    pub draft_id: Option<String>,
    #[allow(missing_docs)]
    pub before_hash: Option<String>,
    #[allow(missing_docs)]
    pub after_hash: Option<String>,
    #[allow(missing_docs)]
    pub ip: Option<String>,
    #[allow(missing_docs)]
    pub detail: Json<serde_json::Value>,
}

impl Store {
    /// Writes an audit entry.
    pub async fn audit(&self, entry: &NewAuditEntry) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO audit_logs (at, user_id, action, draft_id, before_hash, after_hash, \
                 ip, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(now_ms())
            .bind(&entry.user_id)
            .bind(&entry.action)
            .bind(&entry.draft_id)
            .bind(&entry.before_hash)
            .bind(&entry.after_hash)
            .bind(&entry.ip)
            .bind(Json(&entry.detail))
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Audit entries, newest first, optionally for one draft.
    pub async fn audit_entries(
        &self,
        draft_id: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, AuditEntry>(
                "SELECT a.id, a.at, a.user_id, u.username, a.action, a.draft_id, a.before_hash, \
                 a.after_hash, a.ip, a.detail FROM audit_logs a \
                 LEFT JOIN auth_users u ON u.id = a.user_id \
                 WHERE ($1 IS NULL OR a.draft_id = $1) ORDER BY a.id DESC LIMIT $2 OFFSET $3",
            )
            .bind(draft_id)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await?
        }))
    }
}
