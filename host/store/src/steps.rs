//! Agent logs: one row per step of a run, written together with everything the step produced
//! (capability events, collected material ids, a style profile, the draft) in one transaction
//! that also advances the run's `next_step` — but only while the writer still holds the run's
//! lease, so a worker that lost its lease cannot record a step twice.

use crate::drafts::NewDraft;
use crate::events::NewCapabilityEvent;
use crate::materials::CollectedMaterial;
use crate::style_profiles::NewStyleProfile;
use crate::{Store, StoreError, content_hash, new_id, now_ms, on_pool};
use serde::Serialize;
use sqlx::types::Json;

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepOutcome {
    /// It produced its output.
    Succeeded,
    /// It failed permanently (the run failed with it).
    Failed,
}

impl StepOutcome {
    fn as_str(self) -> &'static str {
        match self {
            StepOutcome::Succeeded => "succeeded",
            StepOutcome::Failed => "failed",
        }
    }
}

/// One finished step, to record.
#[derive(Debug, Clone)]
pub struct StepRecord {
    /// The run.
    pub run_id: String,
    /// 0-based position in the pipeline.
    pub step: i64,
    /// The stage (`collector`, `curator`, ...).
    pub stage: String,
    /// The component that ran.
    pub component_name: String,
    /// Its version, when one was loaded.
    pub component_version: Option<String>,
    /// Its sha256, when one was loaded.
    pub component_digest: Option<String>,
    /// Succeeded or failed.
    pub outcome: StepOutcome,
    /// The stage input, as JSON.
    pub input: serde_json::Value,
    /// The stage output, as JSON, when it succeeded.
    pub output: Option<serde_json::Value>,
    /// One line for people.
    pub summary: String,
    /// Warnings (retries, dropped materials, ...).
    pub warnings: Vec<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// The model used, or `none`.
    pub model_used: Option<String>,
    /// LLM prompt tokens.
    pub prompt_tokens: i64,
    /// LLM completion tokens.
    pub completion_tokens: i64,
    /// Fuel used, when metered.
    pub fuel_used: Option<i64>,
    /// Calls made (1 + retries).
    pub attempts: i64,
    /// When the first attempt started (Unix ms).
    pub started_at: i64,
    /// Wall-clock time of the step, in microseconds.
    pub duration_us: i64,
    /// The worker that ran it.
    pub worker: String,
}

/// What a step produced besides its log.
#[derive(Debug, Clone, Default)]
pub struct StepEffects {
    /// Every capability use and denial during the step.
    pub events: Vec<NewCapabilityEvent>,
    /// Material ids collected for the first time.
    pub materials: Vec<CollectedMaterial>,
    /// A new style profile.
    pub style_profile: Option<NewStyleProfile>,
    /// The run's draft.
    pub draft: Option<NewDraft>,
    /// The notification composed for the run's draft.
    pub notification: Option<serde_json::Value>,
}

/// A step as stored.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct StepLog {
    #[allow(missing_docs)]
    pub id: String,
    #[allow(missing_docs)]
    pub run_id: String,
    #[allow(missing_docs)]
    pub step: i64,
    #[allow(missing_docs)]
    pub stage: String,
    #[allow(missing_docs)]
    pub component_name: String,
    #[allow(missing_docs)]
    pub component_version: Option<String>,
    #[allow(missing_docs)]
    pub component_digest: Option<String>,
    /// `succeeded` or `failed`.
    pub status: String,
    #[allow(missing_docs)]
    pub input: Json<serde_json::Value>,
    #[allow(missing_docs)]
    pub output: Option<Json<serde_json::Value>>,
    #[allow(missing_docs)]
    pub summary: String,
    #[allow(missing_docs)]
    pub warnings: Json<Vec<String>>,
    #[allow(missing_docs)]
    pub error: Option<String>,
    #[allow(missing_docs)]
    pub model_used: Option<String>,
    #[allow(missing_docs)]
    pub prompt_tokens: i64,
    #[allow(missing_docs)]
    pub completion_tokens: i64,
    #[allow(missing_docs)]
    pub fuel_used: Option<i64>,
    #[allow(missing_docs)]
    pub attempts: i64,
    #[allow(missing_docs)]
    pub started_at: i64,
    #[allow(missing_docs)]
    pub finished_at: i64,
    #[allow(missing_docs)]
    pub duration_us: i64,
    #[allow(missing_docs)]
    pub worker: String,
}

/// Inserts a step's capability events in the transaction `$tx` (either backend).
macro_rules! insert_capability_events {
    ($tx:ident, $record:expr, $events:expr) => {
        for e in $events {
            sqlx::query(
                "INSERT INTO capability_events (run_id, step, component_name, \
                 component_digest, capability, target, outcome, detail, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&$record.run_id)
            .bind($record.step)
            .bind(&e.component_name)
            .bind(&e.component_digest)
            .bind(&e.capability)
            .bind(&e.target)
            .bind(&e.outcome)
            .bind(&e.detail)
            .bind(e.at)
            .execute(&mut *$tx)
            .await?;
        }
    };
}

/// The columns of [`StepLog`], as a literal so queries stay `&'static str`.
macro_rules! step_columns {
    () => {
        "id, run_id, step, stage, component_name, component_version, component_digest, status, \
         input, output, summary, warnings, error, model_used, prompt_tokens, completion_tokens, \
         fuel_used, attempts, started_at, finished_at, duration_us, worker"
    };
}

/// Replaces the row of a step that failed before (a resumed failed run), keeps others unique.
const INSERT_STEP: &str = "INSERT INTO agent_logs (id, run_id, step, stage, component_name, \
     component_version, component_digest, status, input, output, summary, warnings, error, \
     model_used, prompt_tokens, completion_tokens, fuel_used, attempts, started_at, finished_at, \
     duration_us, worker) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
     $19, $20, $21, $22) \
     ON CONFLICT (run_id, step) DO UPDATE SET id = excluded.id, stage = excluded.stage, \
     component_name = excluded.component_name, component_version = excluded.component_version, \
     component_digest = excluded.component_digest, status = excluded.status, \
     input = excluded.input, output = excluded.output, summary = excluded.summary, \
     warnings = excluded.warnings, error = excluded.error, model_used = excluded.model_used, \
     prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens, \
     fuel_used = excluded.fuel_used, attempts = excluded.attempts, \
     started_at = excluded.started_at, finished_at = excluded.finished_at, \
     duration_us = excluded.duration_us, worker = excluded.worker \
     WHERE agent_logs.status = 'failed'";

/// Binds a [`StepRecord`] to [`INSERT_STEP`]; a macro because the query type differs per backend.
macro_rules! bind_step {
    ($r:expr, $now:expr) => {
        sqlx::query(INSERT_STEP)
            .bind(new_id())
            .bind(&$r.run_id)
            .bind($r.step)
            .bind(&$r.stage)
            .bind(&$r.component_name)
            .bind(&$r.component_version)
            .bind(&$r.component_digest)
            .bind($r.outcome.as_str())
            .bind(Json(&$r.input))
            .bind($r.output.as_ref().map(Json))
            .bind(&$r.summary)
            .bind(Json(&$r.warnings))
            .bind(&$r.error)
            .bind(&$r.model_used)
            .bind($r.prompt_tokens)
            .bind($r.completion_tokens)
            .bind($r.fuel_used)
            .bind($r.attempts)
            .bind($r.started_at)
            .bind($now)
            .bind($r.duration_us)
            .bind(&$r.worker)
    };
}

impl Store {
    /// Records a succeeded step and everything it produced, and advances the run to the next
    /// step, atomically. Fails with [`StoreError::LeaseLost`] (writing nothing) unless `owner`
    /// still holds the run's lease and the run is at this step.
    pub async fn complete_step(
        &self,
        owner: &str,
        record: &StepRecord,
        effects: &StepEffects,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            // The write comes first, so a SQLite transaction takes the write lock at once
            // rather than upgrading a read lock (which can fail with SQLITE_BUSY).
            let advanced = sqlx::query(
                "UPDATE runs SET next_step = $1 + 1, draft_id = COALESCE($2, draft_id) \
                 WHERE id = $3 AND lease_owner = $4 AND status = 'running' AND next_step = $1",
            )
            .bind(record.step)
            .bind(effects.draft.as_ref().map(|d| &d.id))
            .bind(&record.run_id)
            .bind(owner)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if advanced != 1 {
                return Err(StoreError::LeaseLost { run_id: record.run_id.clone() });
            }
            bind_step!(record, now).execute(&mut *tx).await?;
            insert_capability_events!(tx, record, &effects.events);
            for m in &effects.materials {
                // A material another run collected first keeps that run's id.
                sqlx::query(
                    "INSERT INTO collected_materials (material_id, run_id, kind, source, \
                     collected_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (material_id) DO NOTHING",
                )
                .bind(&m.material_id)
                .bind(&record.run_id)
                .bind(&m.kind)
                .bind(&m.source)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            if let Some(p) = &effects.style_profile {
                sqlx::query(
                    "INSERT INTO style_profiles (id, persona_id, run_id, profile, source_posts, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(new_id())
                .bind(&p.persona_id)
                .bind(&record.run_id)
                .bind(Json(&p.profile))
                .bind(p.source_posts)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            if let Some(d) = &effects.draft {
                let texts: Vec<&str> = d.tweets.iter().map(|t| t.text.as_str()).collect();
                sqlx::query(
                    "INSERT INTO drafts (id, run_id, status, format, content_hash, verdict, \
                     policy_report, critique, model_used, created_at, updated_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)",
                )
                .bind(&d.id)
                .bind(&record.run_id)
                .bind(d.status().as_str())
                .bind(&d.format)
                .bind(content_hash(&texts))
                .bind(&d.verdict)
                .bind(Json(&d.policy_report))
                .bind(d.critique.as_ref().map(Json))
                .bind(&d.model_used)
                .bind(now)
                .bind(d.expires_at)
                .execute(&mut *tx)
                .await?;
                for t in &d.tweets {
                    sqlx::query(
                        "INSERT INTO thread_posts (draft_id, position, text, material_ids, \
                         weighted_length) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&d.id)
                    .bind(t.position)
                    .bind(&t.text)
                    .bind(Json(&t.material_ids))
                    .bind(t.weighted_length)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            if let Some(n) = &effects.notification {
                // The notification is the notifier's, not part of what reviewers see: it
                // bumps neither version (that would void an edit in flight) nor updated_at.
                sqlx::query(
                    "UPDATE drafts SET notification = $1 \
                     WHERE id = (SELECT draft_id FROM runs WHERE id = $2)",
                )
                .bind(Json(n))
                .bind(&record.run_id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Records a step that failed permanently and fails the run with `error`, atomically.
    pub async fn fail_step(
        &self,
        owner: &str,
        record: &StepRecord,
        events: &[NewCapabilityEvent],
    ) -> Result<(), StoreError> {
        let now = now_ms();
        let error = record
            .error
            .clone()
            .unwrap_or_else(|| record.summary.clone());
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let failed = sqlx::query(
                "UPDATE runs SET status = 'failed', last_error = $1, finished_at = $2, \
                 duration_ms = $2 - COALESCE(started_at, created_at), lease_owner = NULL, \
                 lease_expires_at = NULL \
                 WHERE id = $3 AND lease_owner = $4 AND status = 'running' AND next_step = $5",
            )
            .bind(&error)
            .bind(now)
            .bind(&record.run_id)
            .bind(owner)
            .bind(record.step)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if failed != 1 {
                return Err(StoreError::LeaseLost { run_id: record.run_id.clone() });
            }
            bind_step!(record, now).execute(&mut *tx).await?;
            // What the component did before it failed (a denial is often why it failed).
            insert_capability_events!(tx, record, events);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Every recorded step of run `run_id`, in order.
    pub async fn step_logs(&self, run_id: &str) -> Result<Vec<StepLog>, StoreError> {
        let sql = concat!(
            "SELECT ",
            step_columns!(),
            " FROM agent_logs WHERE run_id = $1 ORDER BY step"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, StepLog>(sql).bind(run_id).fetch_all(pool).await?
        }))
    }
}
