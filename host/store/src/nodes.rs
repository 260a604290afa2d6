//! The node registry: every host process registers and heartbeats; the others read liveness.

use crate::{Store, StoreError, now_ms, on_pool};
use serde::Serialize;

/// A node as registered.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct Node {
    /// The node id (host name + process id by default).
    pub id: String,
    #[allow(missing_docs)]
    pub hostname: String,
    /// The binary's version.
    pub version: String,
    /// JSON list of roles.
    pub roles: String,
    /// Unix ms.
    pub started_at: i64,
    /// Unix ms of the last heartbeat.
    pub last_seen: i64,
    /// JSON: the node's own view at its last heartbeat.
    pub status: String,
}

impl Store {
    /// Registers (or re-registers, after a restart under the same id) a node as alive now.
    pub async fn register_node(
        &self,
        id: &str,
        hostname: &str,
        version: &str,
        roles: &str,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO nodes (id, hostname, version, roles, started_at, last_seen, status) \
                 VALUES ($1, $2, $3, $4, $5, $5, '{}') \
                 ON CONFLICT (id) DO UPDATE SET hostname = $2, version = $3, roles = $4, \
                 started_at = $5, last_seen = $5",
            )
            .bind(id)
            .bind(hostname)
            .bind(version)
            .bind(roles)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Records a heartbeat of node `id` with its current `status` (JSON).
    pub async fn node_heartbeat(&self, id: &str, status: &str) -> Result<bool, StoreError> {
        let now = now_ms();
        let updated = on_pool!(self, pool => {
            sqlx::query("UPDATE nodes SET last_seen = $1, status = $2 WHERE id = $3")
                .bind(now)
                .bind(status)
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(updated == 1)
    }

    /// Every registered node, most recently seen first.
    pub async fn nodes(&self) -> Result<Vec<Node>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, Node>(
                "SELECT id, hostname, version, roles, started_at, last_seen, status FROM nodes \
                 ORDER BY last_seen DESC, id",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    /// Marks as reported every node silent since before `silent_since` that was not reported
    /// yet, and returns them (id, hostname, last seen): each death is announced by one host.
    pub async fn claim_dead_nodes(
        &self,
        silent_since: i64,
    ) -> Result<Vec<(String, String, i64)>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, (String, String, i64)>(
                "UPDATE nodes SET dead_reported_at = $1 WHERE last_seen < $2 \
                 AND dead_reported_at IS NULL RETURNING id, hostname, last_seen",
            )
            .bind(now_ms())
            .bind(silent_since)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Clears this node's death report; true when it had been reported dead (it is back).
    pub async fn node_recovered(&self, id: &str) -> Result<bool, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query(
                "UPDATE nodes SET dead_reported_at = NULL WHERE id = $1 AND dead_reported_at IS NOT NULL",
            )
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
        }) == 1)
    }
}
