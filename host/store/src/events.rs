//! Capability events: every grant a component used and every denial, as the runtime saw them.

use crate::{Store, StoreError, on_pool};
use serde::Serialize;

/// One event to record (written with its step; see [`Store::complete_step`]).
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct NewCapabilityEvent {
    /// The component's name.
    pub component_name: String,
    /// The component's sha256.
    pub component_digest: String,
    /// `http`, `llm`, `repo`, `config`, ...
    pub capability: String,
    /// What it was used on (a URL, a repository, a config key).
    pub target: String,
    /// `allowed`, `denied`, `failed`, ...
    pub outcome: String,
    /// Details (status code, reason for a denial).
    pub detail: String,
    /// When (Unix ms).
    pub at: i64,
}

impl Store {
    /// The events of run `run_id`, in order.
    pub async fn capability_events(
        &self,
        run_id: &str,
    ) -> Result<Vec<NewCapabilityEvent>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, NewCapabilityEvent>(
                "SELECT component_name, component_digest, capability, target, outcome, detail, at \
                 FROM capability_events WHERE run_id = $1 ORDER BY id",
            )
            .bind(run_id)
            .fetch_all(pool)
            .await?
        }))
    }
}
