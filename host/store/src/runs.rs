//! Runs: one per pipeline execution, and the job queue. A process claims a run by taking its
//! lease (`lease_owner`, `lease_expires_at`); it renews the lease while it works, and a run
//! whose lease expired (its process died) is claimable again and resumes at `next_step`.

use crate::{Backend, Store, StoreError, new_id, now_ms, on_pool};
use serde::Serialize;
use sqlx::types::Json;
use std::time::Duration;

/// A run's lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Waiting for a worker.
    Queued,
    /// A worker holds the lease (or held it and died; the lease then expires).
    Running,
    /// Every step finished.
    Succeeded,
    /// A step failed permanently; `last_error` says why. `dailyx runs resume` retries it.
    Failed,
}

impl RunStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Queued => "queued",
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
        }
    }
}

/// A run as stored.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Run {
    /// Its id (a UUIDv7).
    pub id: String,
    /// `cli`, `api` or `schedule`.
    pub trigger: String,
    /// `queued`, `running`, `succeeded` or `failed`.
    pub status: String,
    /// The day the post is for, `YYYY-MM-DD`.
    pub run_date: String,
    /// The run context every stage is given (JSON).
    pub context: Json<serde_json::Value>,
    /// The first unfinished step.
    pub next_step: i64,
    /// How many times a worker took the lease.
    pub claims: i64,
    /// The worker holding the lease.
    pub lease_owner: Option<String>,
    /// When the lease expires (Unix ms).
    pub lease_expires_at: Option<i64>,
    /// When it was queued.
    pub created_at: i64,
    /// When a worker first started it.
    pub started_at: Option<i64>,
    /// When it succeeded or failed.
    pub finished_at: Option<i64>,
    /// `finished_at - started_at`.
    pub duration_ms: Option<i64>,
    /// Why it failed.
    pub last_error: Option<String>,
    /// The draft it produced.
    pub draft_id: Option<String>,
    /// The scheduler's slot, for scheduled runs.
    pub scheduled_slot: Option<String>,
    /// For a regeneration: the run whose materials it writes about again.
    pub regenerates: Option<String>,
}

impl Run {
    /// The status, parsed.
    pub fn status(&self) -> RunStatus {
        match self.status.as_str() {
            "queued" => RunStatus::Queued,
            "running" => RunStatus::Running,
            "succeeded" => RunStatus::Succeeded,
            _ => RunStatus::Failed,
        }
    }
}

/// A run to queue.
#[derive(Debug, Clone)]
pub struct NewRun {
    /// `cli`, `api` or `schedule`.
    pub trigger: String,
    /// `YYYY-MM-DD`.
    pub run_date: String,
    /// The run context (JSON).
    pub context: serde_json::Value,
    /// The scheduler's slot, if any (unique: one run per slot).
    pub scheduled_slot: Option<String>,
    /// For a regeneration: the run whose materials it may use again.
    pub regenerates: Option<String>,
}

/// The columns of [`Run`], as a literal so queries stay `&'static str` (sqlx refuses dynamic SQL).
macro_rules! run_columns {
    () => {
        "id, trigger, status, run_date, context, next_step, claims, lease_owner, \
         lease_expires_at, created_at, started_at, finished_at, duration_ms, last_error, \
         draft_id, scheduled_slot, regenerates"
    };
}

fn lease_ms(lease: Duration) -> i64 {
    lease.as_millis().min(i64::MAX as u128) as i64
}

impl Store {
    /// Queues a run; `id` is generated unless given (the pipeline puts it in the context first).
    pub async fn create_run(&self, id: Option<String>, run: &NewRun) -> Result<Run, StoreError> {
        let id = id.unwrap_or_else(new_id);
        let sql = concat!(
            "INSERT INTO runs (id, trigger, status, run_date, context, created_at, scheduled_slot, \
             regenerates) VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7) RETURNING ",
            run_columns!()
        );
        let row = on_pool!(self, pool => {
            sqlx::query_as::<_, Run>(sql)
                .bind(&id)
                .bind(&run.trigger)
                .bind(&run.run_date)
                .bind(Json(&run.context))
                .bind(now_ms())
                .bind(&run.scheduled_slot)
                .bind(&run.regenerates)
                .fetch_one(pool)
                .await
        });
        row.map_err(|e| {
            let e = StoreError::from(e);
            match (&run.scheduled_slot, e.is_unique_violation()) {
                (Some(slot), true) => StoreError::Conflict {
                    kind: "scheduled slot",
                    id: slot.clone(),
                },
                _ => e,
            }
        })
    }

    /// A run by id.
    pub async fn run(&self, id: &str) -> Result<Run, StoreError> {
        let sql = concat!("SELECT ", run_columns!(), " FROM runs WHERE id = $1");
        let row = on_pool!(self, pool => {
            sqlx::query_as::<_, Run>(sql).bind(id).fetch_optional(pool).await?
        });
        row.ok_or_else(|| StoreError::NotFound {
            kind: "run",
            id: id.to_owned(),
        })
    }

    /// Runs, newest first.
    pub async fn runs(&self, limit: i64, offset: i64) -> Result<Vec<Run>, StoreError> {
        let sql = concat!(
            "SELECT ",
            run_columns!(),
            " FROM runs ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, Run>(sql).bind(limit).bind(offset).fetch_all(pool).await?
        }))
    }

    /// Claims the oldest claimable run for `owner`: a queued one, or a running one whose lease
    /// expired. On Postgres concurrent claimers skip each other's rows (`FOR UPDATE SKIP
    /// LOCKED`); on SQLite the single UPDATE statement is atomic.
    pub async fn claim_next_run(
        &self,
        owner: &str,
        lease: Duration,
    ) -> Result<Option<Run>, StoreError> {
        macro_rules! claim {
            ($lock:literal) => {
                concat!(
                    "UPDATE runs SET status = 'running', lease_owner = $1, lease_expires_at = $2, \
                     claims = claims + 1, started_at = COALESCE(started_at, $3) \
                     WHERE id = (SELECT id FROM runs WHERE status = 'queued' \
                         OR (status = 'running' AND lease_expires_at < $3) \
                         ORDER BY created_at, id LIMIT 1",
                    $lock,
                    ") RETURNING ",
                    run_columns!()
                )
            };
        }
        let sql = match self.backend() {
            Backend::Postgres => claim!(" FOR UPDATE SKIP LOCKED"),
            Backend::Sqlite => claim!(""),
        };
        let now = now_ms();
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, Run>(sql)
                .bind(owner)
                .bind(now + lease_ms(lease))
                .bind(now)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Claims run `id` for `owner` if nobody holds a live lease on it: a queued run, a running
    /// one whose lease expired, or a failed one (which is resumed at its failed step).
    /// `Ok(None)` when it is finished or another worker holds it.
    pub async fn claim_run(
        &self,
        id: &str,
        owner: &str,
        lease: Duration,
    ) -> Result<Option<Run>, StoreError> {
        let sql = concat!(
            "UPDATE runs SET status = 'running', lease_owner = $1, lease_expires_at = $2, \
             claims = claims + 1, started_at = COALESCE(started_at, $3), finished_at = NULL, \
             duration_ms = NULL \
             WHERE id = $4 AND (status IN ('queued', 'failed') \
                 OR (status = 'running' AND (lease_expires_at < $3 OR lease_owner = $1))) \
             RETURNING ",
            run_columns!()
        );
        let now = now_ms();
        let claimed = on_pool!(self, pool => {
            sqlx::query_as::<_, Run>(sql)
                .bind(owner)
                .bind(now + lease_ms(lease))
                .bind(now)
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        if claimed.is_none() {
            self.run(id).await?; // NotFound when there is no such run
        }
        Ok(claimed)
    }

    /// Extends `owner`'s lease on run `id`; [`StoreError::LeaseLost`] when it no longer holds it.
    pub async fn renew_lease(
        &self,
        id: &str,
        owner: &str,
        lease: Duration,
    ) -> Result<(), StoreError> {
        let done = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE runs SET lease_expires_at = $1 \
                 WHERE id = $2 AND lease_owner = $3 AND status = 'running'",
            )
            .bind(now_ms() + lease_ms(lease))
            .bind(id)
            .bind(owner)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if done == 1 {
            Ok(())
        } else {
            Err(StoreError::LeaseLost {
                run_id: id.to_owned(),
            })
        }
    }

    /// Marks run `id` succeeded (all steps done) and releases the lease.
    pub async fn finish_run(&self, id: &str, owner: &str) -> Result<(), StoreError> {
        self.end_run(id, owner, RunStatus::Succeeded, None).await
    }

    /// Marks run `id` failed with `error` and releases the lease.
    pub async fn fail_run(&self, id: &str, owner: &str, error: &str) -> Result<(), StoreError> {
        self.end_run(id, owner, RunStatus::Failed, Some(error))
            .await
    }

    async fn end_run(
        &self,
        id: &str,
        owner: &str,
        status: RunStatus,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        let done = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE runs SET status = $1, last_error = $2, finished_at = $3, \
                 duration_ms = $3 - COALESCE(started_at, created_at), \
                 lease_owner = NULL, lease_expires_at = NULL \
                 WHERE id = $4 AND lease_owner = $5 AND status = 'running'",
            )
            .bind(status.as_str())
            .bind(error)
            .bind(now)
            .bind(id)
            .bind(owner)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if done == 1 {
            Ok(())
        } else {
            Err(StoreError::LeaseLost {
                run_id: id.to_owned(),
            })
        }
    }

    /// When the latest succeeded run other than `except` started: the collector's "since".
    pub async fn previous_success_started_at(
        &self,
        except: &str,
    ) -> Result<Option<i64>, StoreError> {
        let at: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT MAX(started_at) FROM runs WHERE status = 'succeeded' AND id <> $1",
            )
            .bind(except)
            .fetch_one(pool)
            .await?
        });
        Ok(at)
    }
}
