//! What the API returns, with OpenAPI schemas.

use dailyx_store::{AuditEntry, Draft, PostRecord, Run, StepLog};
use serde::Serialize;
use utoipa::ToSchema;

/// A tweet of a draft.
#[derive(Debug, Serialize, ToSchema)]
pub struct TweetView {
    #[allow(missing_docs)]
    pub position: i64,
    #[allow(missing_docs)]
    pub text: String,
    /// Ids of the materials behind it.
    pub material_ids: Vec<String>,
    /// X's weighted length.
    pub weighted_length: i64,
}

/// A draft.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftView {
    #[allow(missing_docs)]
    pub id: String,
    #[allow(missing_docs)]
    pub run_id: String,
    /// `pending`, `needs_human_attention`, `publishing`, `posted`, `dry_run_posted`, `error`,
    /// `skipped` or `expired`.
    pub status: String,
    /// `single` or `thread`.
    pub format: String,
    /// sha256 of the tweets; send it back when approving.
    pub content_hash: String,
    /// `pass`, `warn` or `fail`.
    pub verdict: String,
    #[schema(value_type = Object)]
    pub policy_report: serde_json::Value,
    #[schema(value_type = Option<Object>)]
    pub critique: Option<serde_json::Value>,
    #[allow(missing_docs)]
    pub model_used: String,
    #[allow(missing_docs)]
    pub approved_by: Option<String>,
    #[allow(missing_docs)]
    pub approved_at: Option<i64>,
    /// Send it back when editing.
    pub version: i64,
    #[allow(missing_docs)]
    pub created_at: i64,
    #[allow(missing_docs)]
    pub updated_at: i64,
    /// When the review window closes (Unix ms).
    pub expires_at: Option<i64>,
    #[allow(missing_docs)]
    pub last_error: Option<String>,
    #[allow(missing_docs)]
    pub tweets: Vec<TweetView>,
}

impl From<Draft> for DraftView {
    fn from(d: Draft) -> DraftView {
        DraftView {
            id: d.id,
            run_id: d.run_id,
            status: d.status,
            format: d.format,
            content_hash: d.content_hash,
            verdict: d.verdict,
            policy_report: d.policy_report.0,
            critique: d.critique.map(|c| c.0),
            model_used: d.model_used,
            approved_by: d.approved_by,
            approved_at: d.approved_at,
            version: d.version,
            created_at: d.created_at,
            updated_at: d.updated_at,
            expires_at: d.expires_at,
            last_error: d.last_error,
            tweets: d
                .tweets
                .into_iter()
                .map(|t| TweetView {
                    position: t.position,
                    text: t.text,
                    material_ids: t.material_ids.0,
                    weighted_length: t.weighted_length,
                })
                .collect(),
        }
    }
}

/// A tweet as published (or as it would have been, in dry-run).
#[derive(Debug, Serialize, ToSchema)]
pub struct PostView {
    #[allow(missing_docs)]
    pub position: i64,
    /// X's id; none in dry-run.
    pub x_post_id: Option<String>,
    #[allow(missing_docs)]
    pub text: String,
    /// The exact request body.
    pub payload: String,
    #[allow(missing_docs)]
    pub dry_run: bool,
    #[allow(missing_docs)]
    pub posted_at: i64,
}

impl From<PostRecord> for PostView {
    fn from(p: PostRecord) -> PostView {
        PostView {
            position: p.position,
            x_post_id: p.x_post_id,
            text: p.text,
            payload: p.payload,
            dry_run: p.dry_run,
            posted_at: p.posted_at,
        }
    }
}

/// A step of a run (the agent timeline).
#[derive(Debug, Serialize, ToSchema)]
pub struct StepView {
    #[allow(missing_docs)]
    pub step: i64,
    #[allow(missing_docs)]
    pub stage: String,
    /// `succeeded` or `failed`.
    pub status: String,
    #[allow(missing_docs)]
    pub component_name: String,
    #[allow(missing_docs)]
    pub component_version: Option<String>,
    #[allow(missing_docs)]
    pub component_digest: Option<String>,
    #[allow(missing_docs)]
    pub summary: String,
    #[allow(missing_docs)]
    pub warnings: Vec<String>,
    #[allow(missing_docs)]
    pub error: Option<String>,
    #[allow(missing_docs)]
    pub model_used: Option<String>,
    #[allow(missing_docs)]
    pub prompt_tokens: i64,
    #[allow(missing_docs)]
    pub completion_tokens: i64,
    #[allow(missing_docs)]
    pub attempts: i64,
    #[allow(missing_docs)]
    pub duration_us: i64,
}

impl From<StepLog> for StepView {
    fn from(s: StepLog) -> StepView {
        StepView {
            step: s.step,
            stage: s.stage,
            status: s.status,
            component_name: s.component_name,
            component_version: s.component_version,
            component_digest: s.component_digest,
            summary: s.summary,
            warnings: s.warnings.0,
            error: s.error,
            model_used: s.model_used,
            prompt_tokens: s.prompt_tokens,
            completion_tokens: s.completion_tokens,
            attempts: s.attempts,
            duration_us: s.duration_us,
        }
    }
}

/// A run.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunView {
    #[allow(missing_docs)]
    pub id: String,
    /// `cli`, `api`, `schedule` or `regenerate`.
    pub trigger: String,
    /// `queued`, `running`, `succeeded` or `failed`.
    pub status: String,
    #[allow(missing_docs)]
    pub run_date: String,
    #[allow(missing_docs)]
    pub next_step: i64,
    #[allow(missing_docs)]
    pub claims: i64,
    #[allow(missing_docs)]
    pub created_at: i64,
    #[allow(missing_docs)]
    pub started_at: Option<i64>,
    #[allow(missing_docs)]
    pub finished_at: Option<i64>,
    #[allow(missing_docs)]
    pub duration_ms: Option<i64>,
    #[allow(missing_docs)]
    pub last_error: Option<String>,
    #[allow(missing_docs)]
    pub draft_id: Option<String>,
    #[allow(missing_docs)]
    pub scheduled_slot: Option<String>,
}

impl From<Run> for RunView {
    fn from(r: Run) -> RunView {
        RunView {
            id: r.id,
            trigger: r.trigger,
            status: r.status,
            run_date: r.run_date,
            next_step: r.next_step,
            claims: r.claims,
            created_at: r.created_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
            duration_ms: r.duration_ms,
            last_error: r.last_error,
            draft_id: r.draft_id,
            scheduled_slot: r.scheduled_slot,
        }
    }
}

/// An audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    #[allow(missing_docs)]
    pub id: i64,
    #[allow(missing_docs)]
    pub at: i64,
    #[allow(missing_docs)]
    pub user_id: Option<String>,
    #[allow(missing_docs)]
    pub username: Option<String>,
    #[allow(missing_docs)]
    pub action: String,
    #[allow(missing_docs)]
    pub draft_id: Option<String>,
    #[allow(missing_docs)]
    pub before_hash: Option<String>,
    #[allow(missing_docs)]
    pub after_hash: Option<String>,
    #[allow(missing_docs)]
    pub ip: Option<String>,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

impl From<AuditEntry> for AuditView {
    fn from(a: AuditEntry) -> AuditView {
        AuditView {
            id: a.id,
            at: a.at,
            user_id: a.user_id,
            username: a.username,
            action: a.action,
            draft_id: a.draft_id,
            before_hash: a.before_hash,
            after_hash: a.after_hash,
            ip: a.ip,
            detail: a.detail.0,
        }
    }
}
