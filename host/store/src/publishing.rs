//! Publish bookkeeping: one `publish_attempts` row is written (with a lease) before every call
//! to X for one thread position, and the `posts` row (unique per draft and position) with the
//! attempt's success in one transaction after it. What lies between the two (a crash, a
//! timeout) is an attempt left `in_progress` or `unconfirmed`, which the publisher reconciles
//! against the account's timeline before it posts that position again.

use crate::{Store, StoreError, new_id, now_ms, on_pool};
use serde::Serialize;

/// A call to X for one position, as recorded.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct PublishAttempt {
    #[allow(missing_docs)]
    pub id: String,
    #[allow(missing_docs)]
    pub draft_id: String,
    /// Thread position.
    pub position: i64,
    /// 1 for the first try of this position, then 2, ...
    pub try_number: i64,
    /// `draft/position/try`: two publishers cannot both start the same try.
    pub idempotency_key: String,
    /// `in_progress`, `unconfirmed`, `succeeded` or `failed`.
    pub status: String,
    #[allow(missing_docs)]
    pub dry_run: bool,
    #[allow(missing_docs)]
    pub lease_owner: Option<String>,
    #[allow(missing_docs)]
    pub lease_expires_at: Option<i64>,
    #[allow(missing_docs)]
    pub started_at: i64,
    #[allow(missing_docs)]
    pub finished_at: Option<i64>,
    #[allow(missing_docs)]
    pub error: Option<String>,
    /// The post's id on X, once known.
    pub x_post_id: Option<String>,
    /// The exact request body sent (or that would have been sent, in dry-run).
    pub request: Option<String>,
}

/// A published tweet (or, in dry-run, one that would have been).
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct PostRecord {
    #[allow(missing_docs)]
    pub id: String,
    #[allow(missing_docs)]
    pub draft_id: String,
    #[allow(missing_docs)]
    pub position: i64,
    /// X's id; `None` in dry-run.
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

/// An attempt to start.
#[derive(Debug, Clone)]
pub struct NewAttempt<'a> {
    #[allow(missing_docs)]
    pub draft_id: &'a str,
    #[allow(missing_docs)]
    pub position: i64,
    #[allow(missing_docs)]
    pub try_number: i64,
    /// The publisher (host + process) making the call.
    pub owner: &'a str,
    /// How long the owner may take before another publisher treats the call as unconfirmed.
    pub lease_ms: i64,
    #[allow(missing_docs)]
    pub dry_run: bool,
    /// The exact request body.
    pub request: &'a str,
}

/// A successful call to record.
#[derive(Debug, Clone)]
pub struct PostedTweet<'a> {
    /// The attempt that made it.
    pub attempt_id: &'a str,
    #[allow(missing_docs)]
    pub owner: &'a str,
    #[allow(missing_docs)]
    pub draft_id: &'a str,
    #[allow(missing_docs)]
    pub position: i64,
    #[allow(missing_docs)]
    pub x_post_id: Option<&'a str>,
    #[allow(missing_docs)]
    pub text: &'a str,
    #[allow(missing_docs)]
    pub payload: &'a str,
    #[allow(missing_docs)]
    pub dry_run: bool,
}

macro_rules! attempt_columns {
    () => {
        "id, draft_id, position, try_number, idempotency_key, status, dry_run, lease_owner, \
         lease_expires_at, started_at, finished_at, error, x_post_id, request"
    };
}

impl Store {
    /// The posts of draft `id`, by position.
    pub async fn posts(&self, draft_id: &str) -> Result<Vec<PostRecord>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, PostRecord>(
                "SELECT id, draft_id, position, x_post_id, text, payload, dry_run, posted_at \
                 FROM posts WHERE draft_id = $1 ORDER BY position",
            )
            .bind(draft_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Every attempt for draft `id`, in order.
    pub async fn publish_attempts(
        &self,
        draft_id: &str,
    ) -> Result<Vec<PublishAttempt>, StoreError> {
        let sql = concat!(
            "SELECT ",
            attempt_columns!(),
            " FROM publish_attempts WHERE draft_id = $1 ORDER BY position, try_number"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, PublishAttempt>(sql).bind(draft_id).fetch_all(pool).await?
        }))
    }

    /// The latest attempt for one position.
    pub async fn latest_attempt(
        &self,
        draft_id: &str,
        position: i64,
    ) -> Result<Option<PublishAttempt>, StoreError> {
        let sql = concat!(
            "SELECT ",
            attempt_columns!(),
            " FROM publish_attempts WHERE draft_id = $1 AND position = $2 \
              ORDER BY try_number DESC LIMIT 1"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, PublishAttempt>(sql)
                .bind(draft_id)
                .bind(position)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Writes an `in_progress` attempt before the call. Fails with [`StoreError::Conflict`]
    /// when another publisher already started this try.
    pub async fn start_attempt(&self, a: &NewAttempt<'_>) -> Result<PublishAttempt, StoreError> {
        let now = now_ms();
        let key = format!("{}/{}/{}", a.draft_id, a.position, a.try_number);
        let sql = concat!(
            "INSERT INTO publish_attempts (id, draft_id, position, try_number, idempotency_key, \
             status, dry_run, lease_owner, lease_expires_at, started_at, request) \
             VALUES ($1, $2, $3, $4, $5, 'in_progress', $6, $7, $8, $9, $10) RETURNING ",
            attempt_columns!()
        );
        let result = on_pool!(self, pool => {
            sqlx::query_as::<_, PublishAttempt>(sql)
                .bind(new_id())
                .bind(a.draft_id)
                .bind(a.position)
                .bind(a.try_number)
                .bind(&key)
                .bind(a.dry_run)
                .bind(a.owner)
                .bind(now.saturating_add(a.lease_ms))
                .bind(now)
                .bind(a.request)
                .fetch_one(pool)
                .await
        });
        result.map_err(|e| {
            let e = StoreError::from(e);
            if e.is_unique_violation() {
                StoreError::Conflict {
                    kind: "publish attempt",
                    id: key,
                }
            } else {
                e
            }
        })
    }

    /// Takes over an attempt whose outcome is unknown (`unconfirmed`, or `in_progress` with an
    /// expired lease) so that exactly one publisher reconciles it. Returns whether it did.
    pub async fn take_over_attempt(
        &self,
        id: &str,
        owner: &str,
        lease_ms: i64,
    ) -> Result<bool, StoreError> {
        let now = now_ms();
        Ok(on_pool!(self, pool => {
            sqlx::query(
                "UPDATE publish_attempts SET status = 'unconfirmed', lease_owner = $1, \
                 lease_expires_at = $2 WHERE id = $3 AND ((status = 'in_progress' AND \
                 lease_expires_at <= $4) OR (status = 'unconfirmed' AND (lease_owner = $1 OR \
                 lease_expires_at <= $4)))",
            )
            .bind(owner)
            .bind(now.saturating_add(lease_ms))
            .bind(id)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        }) == 1)
    }

    /// Extends the lease of an attempt `owner` holds (while waiting on X).
    pub async fn renew_attempt(
        &self,
        id: &str,
        owner: &str,
        lease_ms: i64,
    ) -> Result<(), StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE publish_attempts SET lease_expires_at = $1 \
                 WHERE id = $2 AND lease_owner = $3 AND status IN ('in_progress', 'unconfirmed')",
            )
            .bind(now_ms().saturating_add(lease_ms))
            .bind(id)
            .bind(owner)
            .execute(pool)
            .await?
            .rows_affected()
        });
        still_held(n, id)
    }

    /// Ends an attempt `owner` holds as `unconfirmed` (the call may or may not have reached X)
    /// or `failed` (X certainly did not post it).
    pub async fn end_attempt(
        &self,
        id: &str,
        owner: &str,
        status: AttemptEnd,
        error: &str,
    ) -> Result<(), StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE publish_attempts SET status = $1, error = $2, finished_at = $3 \
                 WHERE id = $4 AND lease_owner = $5 AND status IN ('in_progress', 'unconfirmed')",
            )
            .bind(status.as_str())
            .bind(error)
            .bind(now_ms())
            .bind(id)
            .bind(owner)
            .execute(pool)
            .await?
            .rows_affected()
        });
        still_held(n, id)
    }

    /// Records a posted tweet and its attempt's success, atomically and only if `owner` still
    /// holds the attempt. The `posts` row is unique per draft and position: a second record of
    /// the same position fails with [`StoreError::Conflict`] and writes nothing.
    pub async fn record_post(&self, p: &PostedTweet<'_>) -> Result<PostRecord, StoreError> {
        let now = now_ms();
        let conflict = || StoreError::Conflict {
            kind: "post",
            id: format!("{}/{}", p.draft_id, p.position),
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "UPDATE publish_attempts SET status = 'succeeded', x_post_id = $1, finished_at = $2 \
                 WHERE id = $3 AND lease_owner = $4 AND status IN ('in_progress', 'unconfirmed')",
            )
            .bind(p.x_post_id)
            .bind(now)
            .bind(p.attempt_id)
            .bind(p.owner)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Err(conflict());
            }
            let inserted = sqlx::query_as::<_, PostRecord>(
                "INSERT INTO posts (id, draft_id, position, x_post_id, text, payload, dry_run, \
                 posted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (draft_id, position) \
                 DO NOTHING RETURNING id, draft_id, position, x_post_id, text, payload, dry_run, posted_at",
            )
            .bind(new_id())
            .bind(p.draft_id)
            .bind(p.position)
            .bind(p.x_post_id)
            .bind(p.text)
            .bind(p.payload)
            .bind(p.dry_run)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(post) = inserted else {
                return Err(conflict());
            };
            tx.commit().await?;
            Ok(post)
        })
    }

    /// Real (not dry-run) posts made since `since_ms`: the daily budget's count.
    pub async fn posts_since(&self, since_ms: i64) -> Result<i64, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM posts WHERE posted_at >= $1 AND dry_run = FALSE",
            )
            .bind(since_ms)
            .fetch_one(pool)
            .await?
        }))
    }
}

/// How an attempt ended without a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptEnd {
    /// The call may have reached X; reconcile before posting this position again.
    Unconfirmed,
    /// X certainly did not post it (refused before acting, or reconciled as not posted).
    Failed,
}

impl AttemptEnd {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AttemptEnd::Unconfirmed => "unconfirmed",
            AttemptEnd::Failed => "failed",
        }
    }
}

/// An update fenced on the lease owner touched the attempt (`rows == 1`), or another publisher
/// has taken it over (or it has ended): [`StoreError::Conflict`].
pub(crate) fn still_held(rows: u64, id: &str) -> Result<(), StoreError> {
    if rows == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict {
            kind: "publish attempt",
            id: id.to_owned(),
        })
    }
}
