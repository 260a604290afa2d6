//! Named leases: a row that one process holds until it expires. The scheduler runs only in the
//! process holding the `scheduler` lease, so several hosts on one Postgres schedule each slot
//! once.

use crate::{Store, StoreError, now_ms, on_pool};

impl Store {
    /// Takes lease `name` for `owner` (or renews it when `owner` already holds it) if it is
    /// free or expired. Returns whether `owner` holds it now.
    pub async fn acquire_lease(
        &self,
        name: &str,
        owner: &str,
        lease_ms: i64,
    ) -> Result<bool, StoreError> {
        let now = now_ms();
        let n = on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO leases (name, owner, expires_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, \
                 expires_at = excluded.expires_at \
                 WHERE leases.owner = excluded.owner OR leases.expires_at <= $4",
            )
            .bind(name)
            .bind(owner)
            .bind(now.saturating_add(lease_ms))
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Gives lease `name` up if `owner` holds it.
    pub async fn release_lease(&self, name: &str, owner: &str) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM leases WHERE name = $1 AND owner = $2")
                .bind(name)
                .bind(owner)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Who holds lease `name`, if anyone does now.
    pub async fn lease_holder(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar::<_, String>(
                "SELECT owner FROM leases WHERE name = $1 AND expires_at > $2",
            )
            .bind(name)
            .bind(now_ms())
            .fetch_optional(pool)
            .await?
        }))
    }
}
