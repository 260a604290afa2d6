//! The event log: every notable thing that happened (runs, steps, drafts, publishing, component
//! reloads, capability denials, ...), in order, with an id that a live client resumes from.

use crate::{Store, StoreError, now_ms, on_pool};
use serde::Serialize;
use sqlx::types::Json;

/// An event to append.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    /// `run.started`, `step.finished`, `draft.created`, `component.activated`, ...
    pub kind: &'a str,
    /// What it is about: a run id, a draft id, a component name.
    pub subject: &'a str,
    /// The host process writing it.
    pub node: &'a str,
    /// Details. Never a secret.
    pub payload: serde_json::Value,
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct Event {
    /// Increasing; what `Last-Event-ID` names.
    pub id: i64,
    #[allow(missing_docs)]
    pub kind: String,
    #[allow(missing_docs)]
    pub subject: String,
    #[allow(missing_docs)]
    pub node: String,
    #[allow(missing_docs)]
    pub payload: Json<serde_json::Value>,
    /// Unix ms.
    pub at: i64,
}

const COLUMNS: &str = "id, kind, subject, node, payload, at";

impl Store {
    /// Appends an event; returns its id.
    pub async fn append_event(&self, e: &NewEvent<'_>) -> Result<i64, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO events (kind, subject, node, payload, at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(e.kind)
            .bind(e.subject)
            .bind(e.node)
            .bind(Json(&e.payload))
            .bind(now_ms())
            .fetch_one(pool)
            .await?
        }))
    }

    /// Events after `id`, oldest first, at most `limit` (what a resuming client missed).
    pub async fn events_after(&self, id: i64, limit: i64) -> Result<Vec<Event>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM events WHERE id > $1 ORDER BY id LIMIT $2");
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, Event>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(id)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }))
    }

    /// A page of events before `id` (default: the newest), newest first; `kind` filters.
    pub async fn events_page(
        &self,
        before: Option<i64>,
        kind: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Event>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM events WHERE id < $1 AND ($2 IS NULL OR kind = $2) \
             ORDER BY id DESC LIMIT $3"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, Event>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(before.unwrap_or(i64::MAX))
                .bind(kind)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }))
    }

    /// The newest event's id (0 when there is none).
    pub async fn newest_event_id(&self) -> Result<i64, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM events")
                .fetch_one(pool)
                .await?
                .unwrap_or(0)
        }))
    }
}

impl Store {
    /// The newest event of `kind`, if any.
    pub async fn latest_event_of_kind(&self, kind: &str) -> Result<Option<Event>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM events WHERE kind = $1 ORDER BY id DESC LIMIT 1");
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, Event>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(kind)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// The newest event of every kind.
    pub async fn latest_event_per_kind(&self) -> Result<Vec<Event>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM events WHERE id IN (SELECT MAX(id) FROM events GROUP BY kind) \
             ORDER BY kind"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, Event>(sqlx::AssertSqlSafe(sql.clone()))
                .fetch_all(pool)
                .await?
        }))
    }
}
