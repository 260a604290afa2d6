//! Drafts and their tweets (`thread_posts`). Status changes go through the state machine in
//! [`crate::draft_state`] and are written with a compare-and-set on the status read.

use crate::draft_state::{DraftEvent, DraftStatus};
use crate::{Store, StoreError, content_hash, now_ms, on_pool};
use serde::Serialize;
use sqlx::types::Json;

/// One tweet of a draft.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct DraftTweet {
    /// 0-based position in the thread.
    pub position: i64,
    /// The text.
    pub text: String,
    /// Ids of the materials behind it.
    pub material_ids: Json<Vec<String>>,
    /// X's weighted length of `text`.
    pub weighted_length: i64,
}

/// Drafts per status and the revision of the whole table (see [`Store::draft_summary`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftSummary {
    /// `(status, drafts)`, by status name.
    pub counts: Vec<(String, i64)>,
    /// Changes whenever any draft or its tweets change.
    pub revision: String,
}

/// A tweet with the draft it belongs to, for reading several drafts' tweets at once.
#[derive(sqlx::FromRow)]
struct DraftTweetRow {
    draft_id: String,
    #[sqlx(flatten)]
    tweet: DraftTweet,
}

/// A draft to create (with its run's policy step).
#[derive(Debug, Clone)]
pub struct NewDraft {
    /// Its id.
    pub id: String,
    /// `single` or `thread`.
    pub format: String,
    /// The tweets, in order.
    pub tweets: Vec<DraftTweet>,
    /// `pass`, `warn` or `fail`.
    pub verdict: String,
    /// The policy report (JSON).
    pub policy_report: serde_json::Value,
    /// The critic's critique (JSON).
    pub critique: Option<serde_json::Value>,
    /// The model that wrote it, or `none`.
    pub model_used: String,
    /// When the review window closes (Unix ms).
    pub expires_at: Option<i64>,
}

impl NewDraft {
    /// The status it starts in: `pending` on PASS, `needs_human_attention` otherwise.
    pub fn status(&self) -> DraftStatus {
        DraftStatus::initial(self.verdict == "pass")
    }
}

/// A draft as stored.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Draft {
    #[allow(missing_docs)]
    pub id: String,
    #[allow(missing_docs)]
    pub run_id: String,
    /// A [`DraftStatus`] name.
    pub status: String,
    #[allow(missing_docs)]
    pub format: String,
    /// sha256 of the tweets as they are now ([`content_hash`]).
    pub content_hash: String,
    #[allow(missing_docs)]
    pub verdict: String,
    #[allow(missing_docs)]
    pub policy_report: Json<serde_json::Value>,
    #[allow(missing_docs)]
    pub critique: Option<Json<serde_json::Value>>,
    #[allow(missing_docs)]
    pub notification: Option<Json<serde_json::Value>>,
    #[allow(missing_docs)]
    pub model_used: String,
    /// sha256 of the exact text approved.
    pub approved_hash: Option<String>,
    #[allow(missing_docs)]
    pub approved_by: Option<String>,
    #[allow(missing_docs)]
    pub approved_at: Option<i64>,
    /// Bumped on every write.
    pub version: i64,
    #[allow(missing_docs)]
    pub created_at: i64,
    #[allow(missing_docs)]
    pub updated_at: i64,
    #[allow(missing_docs)]
    pub expires_at: Option<i64>,
    #[allow(missing_docs)]
    pub last_error: Option<String>,
    /// The tweets, in order (filled in by the store).
    #[sqlx(skip)]
    pub tweets: Vec<DraftTweet>,
}

impl Draft {
    /// The status, parsed.
    pub fn status(&self) -> Result<DraftStatus, StoreError> {
        DraftStatus::parse(&self.status).ok_or_else(|| StoreError::Corrupt {
            what: "draft status",
            detail: self.status.clone(),
        })
    }

    /// The tweets' texts.
    pub fn texts(&self) -> Vec<&str> {
        self.tweets.iter().map(|t| t.text.as_str()).collect()
    }
}

/// The columns of [`Draft`], as a literal so queries stay `&'static str`.
macro_rules! draft_columns {
    () => {
        "id, run_id, status, format, content_hash, verdict, policy_report, critique, \
         notification, model_used, approved_hash, approved_by, approved_at, version, created_at, \
         updated_at, expires_at, last_error"
    };
}

impl Store {
    /// A draft with its tweets.
    pub async fn draft(&self, id: &str) -> Result<Draft, StoreError> {
        let sql = concat!("SELECT ", draft_columns!(), " FROM drafts WHERE id = $1");
        let draft = on_pool!(self, pool => {
            sqlx::query_as::<_, Draft>(sql).bind(id).fetch_optional(pool).await?
        });
        let mut draft = draft.ok_or_else(|| StoreError::NotFound {
            kind: "draft",
            id: id.to_owned(),
        })?;
        draft.tweets = self.draft_tweets(id).await?;
        Ok(draft)
    }

    /// The tweets of draft `id`, in order.
    pub async fn draft_tweets(&self, id: &str) -> Result<Vec<DraftTweet>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, DraftTweet>(
                "SELECT position, text, material_ids, weighted_length FROM thread_posts \
                 WHERE draft_id = $1 ORDER BY position",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Drafts, newest first, optionally only those in `status`, with their tweets (two
    /// statements for the whole page, however many drafts it holds).
    pub async fn drafts(
        &self,
        status: Option<DraftStatus>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Draft>, StoreError> {
        let sql = concat!(
            "SELECT ",
            draft_columns!(),
            " FROM drafts WHERE ($1 IS NULL OR status = $1) \
             ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
        );
        let mut drafts = on_pool!(self, pool => {
            sqlx::query_as::<_, Draft>(sql)
                .bind(status.map(DraftStatus::as_str))
                .bind(limit)
                .bind(offset)
                .fetch_all(pool)
                .await?
        });
        self.fill_tweets(&mut drafts).await?;
        Ok(drafts)
    }

    /// Fills in the tweets of `drafts` with one statement.
    async fn fill_tweets(&self, drafts: &mut [Draft]) -> Result<(), StoreError> {
        if drafts.is_empty() {
            return Ok(());
        }
        // `IN ($1, $2, ...)` reads the same in both dialects; pages are at most a few hundred.
        let placeholders: Vec<String> = (1..=drafts.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT draft_id, position, text, material_ids, weighted_length FROM thread_posts \
             WHERE draft_id IN ({}) ORDER BY draft_id, position",
            placeholders.join(", ")
        );
        let rows: Vec<DraftTweetRow> = on_pool!(self, pool => {
            // Only generated placeholders are spliced in; the ids are bound.
            let mut query = sqlx::query_as::<_, DraftTweetRow>(sqlx::AssertSqlSafe(sql.clone()));
            for draft in drafts.iter() {
                query = query.bind(draft.id.as_str());
            }
            query.fetch_all(pool).await?
        });
        let mut by_draft: std::collections::HashMap<String, Vec<DraftTweet>> =
            std::collections::HashMap::with_capacity(drafts.len());
        for row in rows {
            by_draft.entry(row.draft_id).or_default().push(row.tweet);
        }
        for draft in drafts.iter_mut() {
            draft.tweets = by_draft.remove(&draft.id).unwrap_or_default();
        }
        Ok(())
    }

    /// Applies `event` to draft `id` through the state machine and writes the new status if
    /// the draft is still in the status it was read in. Returns the new status.
    pub async fn transition_draft(
        &self,
        id: &str,
        event: DraftEvent,
    ) -> Result<DraftStatus, StoreError> {
        let draft = self.draft(id).await?;
        let from = draft.status()?;
        let to = from.apply(event)?;
        self.write_status(&draft, from, to, None, None).await?;
        Ok(to)
    }

    /// Approves draft `id` as `user`, if its text is still the text the reviewer saw
    /// (`seen_hash`): moves it to `publishing` and stores the hash of the exact text approved.
    pub async fn approve_draft(
        &self,
        id: &str,
        user: &str,
        seen_hash: &str,
    ) -> Result<Draft, StoreError> {
        let draft = self.draft(id).await?;
        let from = draft.status()?;
        let to = from.apply(DraftEvent::Approve)?;
        let actual = content_hash(&draft.texts());
        if actual != seen_hash || actual != draft.content_hash {
            return Err(StoreError::Conflict {
                kind: "draft",
                id: id.to_owned(),
            });
        }
        self.write_status(&draft, from, to, Some((user, &actual)), None)
            .await?;
        self.draft(id).await
    }

    /// Writes `to` over `from` if the draft is unchanged since it was read (status and
    /// version), with the approver and approved hash on approval, and `error` as the message
    /// reviewers see (cleared when publishing starts again).
    async fn write_status(
        &self,
        draft: &Draft,
        from: DraftStatus,
        to: DraftStatus,
        approval: Option<(&str, &str)>,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        let (by, hash) = approval.unzip();
        let written = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE drafts SET status = $1, version = version + 1, updated_at = $2, \
                 approved_by = COALESCE($3, approved_by), approved_hash = COALESCE($4, approved_hash), \
                 approved_at = CASE WHEN $4 IS NULL THEN approved_at ELSE $2 END, \
                 last_error = CASE WHEN $1 = 'publishing' THEN NULL ELSE COALESCE($8, last_error) END \
                 WHERE id = $5 AND status = $6 AND version = $7",
            )
            .bind(to.as_str())
            .bind(now)
            .bind(by)
            .bind(hash)
            .bind(&draft.id)
            .bind(from.as_str())
            .bind(draft.version)
            .bind(error)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if written == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict {
                kind: "draft",
                id: draft.id.clone(),
            })
        }
    }

    /// Replaces the text of draft `id` (a reviewer's edit) with `tweets` and the policy
    /// re-check's verdict and report, if the draft is still at `expected_version` and editable.
    /// A `needs_human_attention` draft whose edit passes moves to `pending`. Returns the draft.
    pub async fn edit_draft(
        &self,
        id: &str,
        expected_version: i64,
        tweets: &[DraftTweet],
        verdict: &str,
        policy_report: &serde_json::Value,
    ) -> Result<Draft, StoreError> {
        let draft = self.draft(id).await?;
        let from = draft.status()?;
        if !from.is_editable() {
            return Err(StoreError::NotEditable {
                id: id.to_owned(),
                status: from,
            });
        }
        if draft.version != expected_version {
            return Err(StoreError::Conflict {
                kind: "draft",
                id: id.to_owned(),
            });
        }
        let to = if verdict == "pass" && from == DraftStatus::NeedsHumanAttention {
            from.apply(DraftEvent::RecheckPassed)?
        } else {
            from
        };
        let texts: Vec<&str> = tweets.iter().map(|t| t.text.as_str()).collect();
        let hash = content_hash(&texts);
        let now = now_ms();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "UPDATE drafts SET status = $1, content_hash = $2, verdict = $3, \
                 policy_report = $4, version = version + 1, updated_at = $5 \
                 WHERE id = $6 AND status = $7 AND version = $8",
            )
            .bind(to.as_str())
            .bind(&hash)
            .bind(verdict)
            .bind(Json(policy_report))
            .bind(now)
            .bind(id)
            .bind(from.as_str())
            .bind(expected_version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Err(StoreError::Conflict { kind: "draft", id: id.to_owned() });
            }
            sqlx::query("DELETE FROM thread_posts WHERE draft_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            for t in tweets {
                sqlx::query(
                    "INSERT INTO thread_posts (draft_id, position, text, material_ids, \
                     weighted_length) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(t.position)
                .bind(&t.text)
                .bind(&t.material_ids)
                .bind(t.weighted_length)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        self.draft(id).await
    }

    /// Moves a `publishing` draft to `error` with `message` (shown to reviewers).
    pub async fn fail_publishing(&self, id: &str, message: &str) -> Result<(), StoreError> {
        let draft = self.draft(id).await?;
        let from = draft.status()?;
        let to = from.apply(DraftEvent::PublishFailed)?;
        self.write_status(&draft, from, to, None, Some(message))
            .await
    }

    /// Expires every `pending` or `needs_human_attention` draft whose review window closed;
    /// returns their ids.
    pub async fn expire_drafts(&self) -> Result<Vec<String>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar::<_, String>(
                "UPDATE drafts SET status = 'expired', version = version + 1, updated_at = $1 \
                 WHERE status IN ('pending', 'needs_human_attention') AND expires_at IS NOT NULL \
                 AND expires_at <= $1 RETURNING id",
            )
            .bind(now_ms())
            .fetch_all(pool)
            .await?
        }))
    }

    /// How many drafts are in each status, and a revision of all drafts: every write to a
    /// draft or its tweets bumps the draft's version (drafts are never deleted), so the sum of
    /// versions changes with every write anywhere. Readers cache pages against it.
    pub async fn draft_summary(&self) -> Result<DraftSummary, StoreError> {
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, (String, i64, i64, i64)>(
                "SELECT status, COUNT(*), CAST(SUM(version) AS BIGINT), MAX(updated_at) \
                 FROM drafts GROUP BY status ORDER BY status",
            )
            .fetch_all(pool)
            .await?
        });
        let (mut drafts, mut versions, mut latest) = (0i64, 0i64, 0i64);
        let mut counts = Vec::with_capacity(rows.len());
        for (status, count, version_sum, updated_at) in rows {
            drafts += count;
            versions = versions.saturating_add(version_sum);
            latest = latest.max(updated_at);
            counts.push((status, count));
        }
        Ok(DraftSummary {
            counts,
            revision: format!("{drafts}.{versions}.{latest}"),
        })
    }

    /// Texts of the latest `limit` published (or dry-run published) drafts, newest first, one
    /// string per draft (its tweets joined by blank lines): the Style stage's "approved posts"
    /// and the Policy stage's near-duplicate corpus.
    pub async fn recent_published_texts(&self, limit: i64) -> Result<Vec<String>, StoreError> {
        // One query for every tweet of the chosen drafts, in draft order then position.
        let rows: Vec<(String, String)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT d.id, t.text FROM drafts d JOIN thread_posts t ON t.draft_id = d.id \
                 WHERE d.id IN (SELECT id FROM drafts WHERE status IN ('posted', 'dry_run_posted') \
                     ORDER BY updated_at DESC, id DESC LIMIT $1) \
                 ORDER BY d.updated_at DESC, d.id DESC, t.position",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        let mut texts: Vec<String> = Vec::new();
        let mut current: Option<String> = None;
        for (id, text) in rows {
            match (current.as_deref() == Some(id.as_str()), texts.last_mut()) {
                (true, Some(last)) => {
                    last.push_str("\n\n");
                    last.push_str(&text);
                }
                _ => {
                    texts.push(text);
                    current = Some(id);
                }
            }
        }
        Ok(texts)
    }
}
