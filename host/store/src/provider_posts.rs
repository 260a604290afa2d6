//! Publishing bookkeeping for provider components (`provider_attempts`, `provider_posts`,
//! `provider_deliveries`). The same discipline as the X publisher's tables (see
//! [`crate::publishing`]), keyed by provider as well: an attempt with a lease before every call,
//! the post row (unique per draft, provider and position) with the attempt's success in one
//! transaction after it.

use crate::publishing::still_held;
use crate::{AttemptEnd, Store, StoreError, new_id, now_ms, on_pool};
use serde::Serialize;

/// One call (or simulated call) to a provider for one position.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[allow(missing_docs)]
pub struct ProviderAttempt {
    pub id: String,
    pub draft_id: String,
    pub provider: String,
    pub position: i64,
    pub try_number: i64,
    /// `in_progress`, `unconfirmed`, `succeeded` or `failed`.
    pub status: String,
    pub simulated: bool,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<i64>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub error: Option<String>,
    pub remote_id: Option<String>,
    /// The post as handed to the provider (JSON).
    pub request: String,
}

/// A post as published on a provider (or as it would have been, simulated).
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[allow(missing_docs)]
pub struct ProviderPost {
    pub id: String,
    pub draft_id: String,
    pub provider: String,
    pub position: i64,
    pub remote_id: Option<String>,
    pub url: Option<String>,
    pub text: String,
    pub request: String,
    pub simulated: bool,
    pub posted_at: i64,
}

/// Where a draft's delivery to one provider stands.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[allow(missing_docs)]
pub struct ProviderDelivery {
    pub draft_id: String,
    pub provider: String,
    /// `pending`, `delivered`, `simulated`, `waiting`, `unconfirmed` (may have been posted; an
    /// operator decides) or `failed`.
    pub status: String,
    pub detail: Option<String>,
    pub next_try_at: Option<i64>,
    pub updated_at: i64,
}

/// A new attempt.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct NewProviderAttempt<'a> {
    pub draft_id: &'a str,
    pub provider: &'a str,
    pub position: i64,
    pub try_number: i64,
    pub owner: &'a str,
    pub lease_ms: i64,
    pub simulated: bool,
    pub request: &'a str,
}

/// A post to record with its attempt's success.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct NewProviderPost<'a> {
    pub attempt: &'a ProviderAttempt,
    pub owner: &'a str,
    pub remote_id: Option<&'a str>,
    pub url: Option<&'a str>,
    pub text: &'a str,
}

macro_rules! attempt_columns {
    () => {
        "id, draft_id, provider, position, try_number, status, simulated, lease_owner, \
         lease_expires_at, started_at, finished_at, error, remote_id, request"
    };
}

macro_rules! post_columns {
    () => {
        "id, draft_id, provider, position, remote_id, url, text, request, simulated, posted_at"
    };
}

impl Store {
    /// The posts of `draft_id` on `provider`, by position.
    pub async fn provider_posts(
        &self,
        draft_id: &str,
        provider: &str,
    ) -> Result<Vec<ProviderPost>, StoreError> {
        let sql = concat!(
            "SELECT ",
            post_columns!(),
            " FROM provider_posts WHERE draft_id = $1 AND provider = $2 ORDER BY position"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, ProviderPost>(sql).bind(draft_id).bind(provider).fetch_all(pool).await?
        }))
    }

    /// Every provider post of `draft_id`.
    pub async fn all_provider_posts(
        &self,
        draft_id: &str,
    ) -> Result<Vec<ProviderPost>, StoreError> {
        let sql = concat!(
            "SELECT ",
            post_columns!(),
            " FROM provider_posts WHERE draft_id = $1 ORDER BY provider, position"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, ProviderPost>(sql).bind(draft_id).fetch_all(pool).await?
        }))
    }

    /// Every attempt of `draft_id` on `provider`.
    pub async fn provider_attempts(
        &self,
        draft_id: &str,
        provider: &str,
    ) -> Result<Vec<ProviderAttempt>, StoreError> {
        let sql = concat!(
            "SELECT ",
            attempt_columns!(),
            " FROM provider_attempts WHERE draft_id = $1 AND provider = $2 \
              ORDER BY position, try_number"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, ProviderAttempt>(sql).bind(draft_id).bind(provider).fetch_all(pool).await?
        }))
    }

    /// The newest attempt for one position on one provider.
    pub async fn latest_provider_attempt(
        &self,
        draft_id: &str,
        provider: &str,
        position: i64,
    ) -> Result<Option<ProviderAttempt>, StoreError> {
        let sql = concat!(
            "SELECT ",
            attempt_columns!(),
            " FROM provider_attempts WHERE draft_id = $1 AND provider = $2 AND position = $3 \
              ORDER BY try_number DESC LIMIT 1"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, ProviderAttempt>(sql)
                .bind(draft_id)
                .bind(provider)
                .bind(position)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Writes an `in_progress` attempt with a lease. A racing publisher's insert of the same
    /// try fails with [`StoreError::Conflict`].
    pub async fn start_provider_attempt(
        &self,
        a: &NewProviderAttempt<'_>,
    ) -> Result<ProviderAttempt, StoreError> {
        let now = now_ms();
        let key = format!(
            "{}/{}/{}/{}",
            a.draft_id, a.provider, a.position, a.try_number
        );
        let sql = concat!(
            "INSERT INTO provider_attempts (id, draft_id, provider, position, try_number, \
             attempt_key, status, simulated, lease_owner, lease_expires_at, started_at, request) \
             VALUES ($1, $2, $3, $4, $5, $6, 'in_progress', $7, $8, $9, $10, $11) RETURNING ",
            attempt_columns!()
        );
        let result = on_pool!(self, pool => {
            sqlx::query_as::<_, ProviderAttempt>(sql)
                .bind(new_id())
                .bind(a.draft_id)
                .bind(a.provider)
                .bind(a.position)
                .bind(a.try_number)
                .bind(&key)
                .bind(a.simulated)
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
                    kind: "provider attempt",
                    id: key,
                }
            } else {
                e
            }
        })
    }

    /// Takes over an attempt whose outcome is unknown: `unconfirmed`, or `in_progress` with an
    /// expired lease (its owner died mid-call). False when another publisher holds it.
    pub async fn take_over_provider_attempt(
        &self,
        id: &str,
        owner: &str,
        lease_ms: i64,
    ) -> Result<bool, StoreError> {
        let now = now_ms();
        Ok(on_pool!(self, pool => {
            sqlx::query(
                "UPDATE provider_attempts SET status = 'unconfirmed', lease_owner = $1, \
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

    /// Ends an attempt this owner holds without a post.
    pub async fn end_provider_attempt(
        &self,
        id: &str,
        owner: &str,
        status: AttemptEnd,
        error: &str,
    ) -> Result<(), StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE provider_attempts SET status = $1, error = $2, finished_at = $3 \
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

    /// Records the post and its attempt's success in one transaction.
    pub async fn record_provider_post(
        &self,
        p: &NewProviderPost<'_>,
    ) -> Result<ProviderPost, StoreError> {
        let now = now_ms();
        let a = p.attempt;
        let conflict = || StoreError::Conflict {
            kind: "provider post",
            id: format!("{}/{}/{}", a.draft_id, a.provider, a.position),
        };
        let sql = concat!(
            "INSERT INTO provider_posts (id, draft_id, provider, position, remote_id, url, text, \
             request, simulated, posted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (draft_id, provider, position) DO NOTHING RETURNING ",
            post_columns!()
        );
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "UPDATE provider_attempts SET status = 'succeeded', remote_id = $1, finished_at = $2 \
                 WHERE id = $3 AND lease_owner = $4 AND status IN ('in_progress', 'unconfirmed')",
            )
            .bind(p.remote_id)
            .bind(now)
            .bind(&a.id)
            .bind(p.owner)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Err(conflict());
            }
            let inserted = sqlx::query_as::<_, ProviderPost>(sql)
                .bind(new_id())
                .bind(&a.draft_id)
                .bind(&a.provider)
                .bind(a.position)
                .bind(p.remote_id)
                .bind(p.url)
                .bind(p.text)
                .bind(&a.request)
                .bind(a.simulated)
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

    /// Real (not simulated) posts on `provider` since `since_ms`: what its rate budget counts.
    pub async fn provider_posts_since(
        &self,
        provider: &str,
        since_ms: i64,
    ) -> Result<i64, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM provider_posts WHERE provider = $1 AND posted_at >= $2 \
                 AND simulated = FALSE",
            )
            .bind(provider)
            .bind(since_ms)
            .fetch_one(pool)
            .await?
        }))
    }

    /// Sets where `draft_id`'s delivery to `provider` stands.
    pub async fn set_provider_delivery(
        &self,
        draft_id: &str,
        provider: &str,
        status: &str,
        detail: Option<&str>,
        next_try_at: Option<i64>,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO provider_deliveries (draft_id, provider, status, detail, next_try_at, \
                 updated_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (draft_id, provider) DO \
                 UPDATE SET status = excluded.status, detail = excluded.detail, \
                 next_try_at = excluded.next_try_at, updated_at = excluded.updated_at",
            )
            .bind(draft_id)
            .bind(provider)
            .bind(status)
            .bind(detail)
            .bind(next_try_at)
            .bind(now_ms())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Every provider delivery of `draft_id`.
    pub async fn provider_deliveries(
        &self,
        draft_id: &str,
    ) -> Result<Vec<ProviderDelivery>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, ProviderDelivery>(
                "SELECT draft_id, provider, status, detail, next_try_at, updated_at \
                 FROM provider_deliveries WHERE draft_id = $1 ORDER BY provider",
            )
            .bind(draft_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Deliveries that are not finished (`pending`, or `waiting` whose time has come), oldest
    /// first: what a sweep picks up after a crash, an open circuit or a spent budget.
    pub async fn due_provider_deliveries(
        &self,
        now: i64,
        limit: i64,
    ) -> Result<Vec<ProviderDelivery>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, ProviderDelivery>(
                "SELECT draft_id, provider, status, detail, next_try_at, updated_at \
                 FROM provider_deliveries WHERE status = 'pending' OR (status = 'waiting' AND \
                 (next_try_at IS NULL OR next_try_at <= $1)) ORDER BY updated_at LIMIT $2",
            )
            .bind(now)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }
}
