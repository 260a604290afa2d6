//! Component history: every version ever activated (who, when, how), with its bytes kept by
//! digest so that a rollback restores exactly what ran before.

use crate::{Store, StoreError, now_ms, on_pool};
use serde::Serialize;

/// A version being activated, as the runtime saw it.
#[derive(Debug, Clone)]
pub struct NewActivation<'a> {
    #[allow(missing_docs)]
    pub name: &'a str,
    #[allow(missing_docs)]
    pub version: &'a str,
    /// `sha256:<hex>` of `bytes`.
    pub digest: &'a str,
    #[allow(missing_docs)]
    pub world: &'a str,
    /// The manifest entry as signed (canonical JSON).
    pub signed_form: &'a str,
    /// The `.sig` JSON, if it was signed.
    pub signature: Option<&'a str>,
    /// The component file.
    pub bytes: &'a [u8],
    /// `activate` or `rollback`.
    pub action: &'a str,
    /// Who: a user name, or `system (...)`.
    pub actor: &'a str,
}

/// One row of a component's history.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Activation {
    #[allow(missing_docs)]
    pub id: i64,
    #[allow(missing_docs)]
    pub name: String,
    #[allow(missing_docs)]
    pub version: String,
    #[allow(missing_docs)]
    pub digest: String,
    #[allow(missing_docs)]
    pub world: String,
    /// The manifest entry as signed.
    pub signed_form: String,
    /// The `.sig` JSON, if it was signed.
    pub signature: Option<String>,
    #[allow(missing_docs)]
    pub action: String,
    #[allow(missing_docs)]
    pub actor: String,
    /// Milliseconds since the epoch.
    pub at: i64,
}

const COLUMNS: &str = "id, name, version, digest, world, signed_form, signature, action, actor, at";

impl Store {
    /// Records an activation and keeps the bytes under their digest (once per digest).
    pub async fn record_activation(&self, a: &NewActivation<'_>) -> Result<i64, StoreError> {
        let now = now_ms();
        let id: i64 = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO component_blobs (digest, bytes, stored_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (digest) DO NOTHING",
            )
            .bind(a.digest)
            .bind(a.bytes)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let id = sqlx::query_scalar(
                "INSERT INTO component_activations (name, version, digest, world, signed_form, \
                 signature, action, actor, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 RETURNING id",
            )
            .bind(a.name)
            .bind(a.version)
            .bind(a.digest)
            .bind(a.world)
            .bind(a.signed_form)
            .bind(a.signature)
            .bind(a.action)
            .bind(a.actor)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// A component's activations, newest first.
    pub async fn component_history(&self, name: &str) -> Result<Vec<Activation>, StoreError> {
        let sql =
            format!("SELECT {COLUMNS} FROM component_activations WHERE name = $1 ORDER BY id DESC");
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, Activation>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(name)
                .fetch_all(pool)
                .await?
        }))
    }

    /// A component's newest activation (what the history says serves).
    pub async fn newest_activation(&self, name: &str) -> Result<Option<Activation>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM component_activations WHERE name = $1 ORDER BY id DESC LIMIT 1"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, Activation>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(name)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// The bytes stored under `digest`.
    pub async fn component_blob(&self, digest: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("SELECT bytes FROM component_blobs WHERE digest = $1")
                .bind(digest)
                .fetch_optional(pool)
                .await?
        }))
    }
}
