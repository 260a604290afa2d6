//! The database: SQLite (the zero-set-up default) or Postgres, one repository layer for both.
//!
//! Every query is written once, with `$1`-style parameters that both backends accept, and runs
//! on whichever pool `DATABASE_URL` chose ([`on_pool!`] expands the body once per backend, so
//! the compiler checks it against both). Only where the dialects truly differ (claiming a job
//! with `FOR UPDATE SKIP LOCKED`) does a query come in two spellings.
//!
//! Times are Unix milliseconds (UTC), as in the WIT contract; JSON columns hold serde values.

mod action_tokens;
mod app_config;
mod audit;
mod auth;
mod component_history;
mod components;
mod content;
mod credentials;
mod deliveries;
mod draft_state;
mod drafts;
mod error;
mod event_log;
mod events;
mod leases;
mod materials;
mod media;
mod metrics;
mod nodes;
mod provider_posts;
mod publishing;
mod runs;
mod steps;
mod style_profiles;

pub use action_tokens::{
    ActionToken, NewActionToken, TOKEN_ACTIONS, action_url, console_edit_url, console_url,
    token_placeholder,
};
pub use app_config::ConfigEntry;
pub use audit::{AuditEntry, NewAuditEntry};
pub use auth::{Role, Session, User};
pub use component_history::{Activation, EvalRecord, NewActivation, UpgradeConfirmation};
pub use components::ComponentVersion;
pub use content::{content_hash, sha256_hex};
pub use credentials::{SettingsRevision, StoredCredential};
pub use deliveries::Delivery;
pub use draft_state::{DraftEvent, DraftStatus, IllegalTransition};
pub use drafts::{Draft, DraftSummary, DraftTweet, NewDraft};
pub use error::StoreError;
pub use event_log::{Event, NewEvent};
pub use events::NewCapabilityEvent;
pub use materials::CollectedMaterial;
pub use media::MediaAsset;
pub use metrics::{PostMetricsRow, WeeklyReportRow};
pub use nodes::Node;
pub use provider_posts::{
    NewProviderAttempt, NewProviderPost, ProviderAttempt, ProviderDelivery, ProviderPost,
};
pub use publishing::{AttemptEnd, NewAttempt, PostRecord, PostedTweet, PublishAttempt};
pub use runs::{NewRun, Run, RunStatus};
pub use steps::{StepEffects, StepLog, StepOutcome, StepRecord};
pub use style_profiles::{NewStyleProfile, StyleProfile};

/// JSON column values (re-exported so callers need no sqlx dependency).
pub use sqlx::types::Json;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// The pool of whichever backend the URL names.
#[derive(Clone, Debug)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the concrete pool. The body is compiled once per backend.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite($pool) => $body,
            $crate::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// A SQLite file.
    Sqlite,
    /// A Postgres server.
    Postgres,
}

/// How long SQLite waits for another writer before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) pool: Pool,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

impl Store {
    /// Opens the database `url` names: `sqlite://path` (created if missing) or
    /// `postgres://...`. Does not migrate; see [`Store::migrate`].
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let pool = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|e| StoreError::BadUrl(redact_url(url), e.to_string()))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .foreign_keys(true);
            Pool::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(8)
                    // A local file cannot go stale the way a network connection can; pinging
                    // before every acquire would double the round trips of every statement.
                    .test_before_acquire(false)
                    .connect_with(options)
                    .await
                    .map_err(|e| StoreError::Connect(redact_url(url), e.to_string()))?,
            )
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url)
                .map_err(|e| StoreError::BadUrl(redact_url(url), e.to_string()))?;
            Pool::Postgres(
                PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await
                    .map_err(|e| StoreError::Connect(redact_url(url), e.to_string()))?,
            )
        } else {
            return Err(StoreError::BadUrl(
                redact_url(url),
                "expected sqlite://<path> or postgres://...".into(),
            ));
        };
        Ok(Store { pool })
    }

    /// Opens and migrates in one step: what every command that uses the database does.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Applies every migration not yet applied; returns how many were applied now.
    pub async fn migrate(&self) -> Result<usize, StoreError> {
        let before = self.applied_migrations().await.unwrap_or(0);
        on_pool!(self, pool => match self.backend() {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(pool).await,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(pool).await,
        })?;
        let after = self.applied_migrations().await?;
        Ok(after.saturating_sub(before))
    }

    async fn applied_migrations(&self) -> Result<usize, StoreError> {
        let n: i64 = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
                .fetch_one(pool)
                .await?
        });
        Ok(n as usize)
    }

    /// The backend this store talks to.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Closes every connection (waits for those in use).
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }

    /// Connections in the pool, and how many of them are idle (for the DB gauges).
    pub fn pool_stats(&self) -> (u32, usize) {
        match &self.pool {
            Pool::Sqlite(p) => (p.size(), p.num_idle()),
            Pool::Postgres(p) => (p.size(), p.num_idle()),
        }
    }

    /// Checks the database answers (for health checks).
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, pool => { sqlx::query("SELECT 1").execute(pool).await?; });
        Ok(())
    }
}

/// The URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("****"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Now, in Unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A fresh id: a UUIDv7, so ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

impl Store {
    /// Runs one administrative statement that cannot take parameters (`CREATE DATABASE ...`).
    /// For operators' tooling and tests; the statement must not contain untrusted input.
    pub async fn execute_admin(&self, statement: &str) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_owned())).execute(pool).await?;
        });
        Ok(())
    }
}

impl Store {
    /// Rows of two text columns from a fixed query (catalogue inspection in tests and tools).
    pub async fn query_pairs(
        &self,
        sql: &'static str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, (String, String)>(sql).fetch_all(pool).await?
        }))
    }
}
