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

/// An administrator's confirmation of a widened upgrade.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct UpgradeConfirmation {
    #[allow(missing_docs)]
    pub name: String,
    /// The confirmed file's digest.
    pub digest: String,
    /// sha256 of the confirmed entry's signed form.
    pub form_digest: String,
    /// The changes shown when it was confirmed (JSON).
    pub changes: String,
    #[allow(missing_docs)]
    pub confirmed_by: String,
    /// Milliseconds since the epoch.
    pub at: i64,
}

/// One run of the eval gate.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct EvalRecord {
    #[allow(missing_docs)]
    pub id: i64,
    #[allow(missing_docs)]
    pub name: String,
    #[allow(missing_docs)]
    pub version: String,
    #[allow(missing_docs)]
    pub digest: String,
    #[allow(missing_docs)]
    pub passed: bool,
    /// The report (JSON).
    pub report: String,
    /// Milliseconds since the epoch.
    pub at: i64,
}

impl Store {
    /// Keeps a confirmation (confirming the same version and entry twice keeps the first).
    pub async fn record_confirmation(&self, c: &UpgradeConfirmation) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO component_confirmations (name, digest, form_digest, changes, \
                 confirmed_by, at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (name, digest, form_digest) DO NOTHING",
            )
            .bind(&c.name)
            .bind(&c.digest)
            .bind(&c.form_digest)
            .bind(&c.changes)
            .bind(&c.confirmed_by)
            .bind(c.at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Every confirmation kept (the runtime is given them at start).
    pub async fn confirmations(&self) -> Result<Vec<UpgradeConfirmation>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, UpgradeConfirmation>(
                "SELECT name, digest, form_digest, changes, confirmed_by, at \
                 FROM component_confirmations ORDER BY id",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    /// Keeps an eval gate report.
    pub async fn record_eval(
        &self,
        name: &str,
        version: &str,
        digest: &str,
        passed: bool,
        report: &str,
    ) -> Result<i64, StoreError> {
        let now = now_ms();
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO component_evals (name, version, digest, passed, report, at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(name)
            .bind(version)
            .bind(digest)
            .bind(passed)
            .bind(report)
            .bind(now)
            .fetch_one(pool)
            .await?
        }))
    }

    /// A component's eval reports, newest first (at most `limit`).
    pub async fn component_evals(
        &self,
        name: &str,
        limit: i64,
    ) -> Result<Vec<EvalRecord>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, EvalRecord>(
                "SELECT id, name, version, digest, passed, report, at FROM component_evals \
                 WHERE name = $1 ORDER BY id DESC LIMIT $2",
            )
            .bind(name)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }
}
