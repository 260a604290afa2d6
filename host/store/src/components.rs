//! Components: every version and digest the host ever loaded.

use crate::{Store, StoreError, now_ms, on_pool};
use serde::Serialize;

/// One loaded component version.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ComponentVersion {
    #[allow(missing_docs)]
    pub name: String,
    /// sha256 of the `.wasm`.
    pub digest: String,
    #[allow(missing_docs)]
    pub version: String,
    /// The WIT world it implements.
    pub world: String,
    #[allow(missing_docs)]
    pub first_loaded_at: i64,
    #[allow(missing_docs)]
    pub last_loaded_at: i64,
}

impl Store {
    /// Records that `name` at `digest` was loaded now.
    pub async fn record_component(
        &self,
        name: &str,
        version: &str,
        digest: &str,
        world: &str,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO components (name, digest, version, world, first_loaded_at, \
                 last_loaded_at) VALUES ($1, $2, $3, $4, $5, $5) \
                 ON CONFLICT (name, digest) DO UPDATE SET last_loaded_at = excluded.last_loaded_at",
            )
            .bind(name)
            .bind(digest)
            .bind(version)
            .bind(world)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Every component version ever loaded, by name then first load.
    pub async fn components(&self) -> Result<Vec<ComponentVersion>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, ComponentVersion>(
                "SELECT name, digest, version, world, first_loaded_at, last_loaded_at \
                 FROM components ORDER BY name, first_loaded_at",
            )
            .fetch_all(pool)
            .await?
        }))
    }
}
