//! Metrics of published posts (`post_metrics`: snapshots, the newest per post is current) and
//! the weekly reports built from them (`weekly_reports`).

use crate::{PostRecord, ProviderPost, Store, StoreError, new_id, now_ms, on_pool};
use serde::Serialize;

/// One snapshot of a post's metrics.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
#[allow(missing_docs)]
pub struct PostMetricsRow {
    pub provider: String,
    pub remote_id: String,
    pub draft_id: String,
    pub position: i64,
    pub impressions: i64,
    pub likes: i64,
    pub reposts: i64,
    pub replies: i64,
    pub quotes: i64,
    pub bookmarks: i64,
    pub collected_at: i64,
}

/// A stored weekly report.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[allow(missing_docs)]
pub struct WeeklyReportRow {
    /// Monday of the week (UTC), `YYYY-MM-DD`.
    pub week_start: String,
    /// The report as JSON text.
    pub report: String,
    pub created_at: i64,
    pub created_by: Option<String>,
}

impl Store {
    /// Really published X posts (not dry-run) since `since_ms`, oldest first.
    pub async fn published_x_posts(
        &self,
        since_ms: i64,
        until_ms: i64,
    ) -> Result<Vec<PostRecord>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, PostRecord>(
                "SELECT id, draft_id, position, x_post_id, text, payload, dry_run, posted_at \
                 FROM posts WHERE dry_run = FALSE AND x_post_id IS NOT NULL AND posted_at >= $1 \
                 AND posted_at < $2 ORDER BY posted_at, position",
            )
            .bind(since_ms)
            .bind(until_ms)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Really published provider posts (not simulated) in `[since_ms, until_ms)`.
    pub async fn published_provider_posts(
        &self,
        since_ms: i64,
        until_ms: i64,
    ) -> Result<Vec<ProviderPost>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, ProviderPost>(
                "SELECT id, draft_id, provider, position, remote_id, url, text, request, simulated, \
                 posted_at FROM provider_posts WHERE simulated = FALSE AND posted_at >= $1 \
                 AND posted_at < $2 ORDER BY posted_at, provider, position",
            )
            .bind(since_ms)
            .bind(until_ms)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Records snapshots (one transaction).
    pub async fn record_post_metrics(&self, rows: &[PostMetricsRow]) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for r in rows {
                sqlx::query(
                    "INSERT INTO post_metrics (id, provider, remote_id, draft_id, position, \
                     impressions, likes, reposts, replies, quotes, bookmarks, collected_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(new_id())
                .bind(&r.provider)
                .bind(&r.remote_id)
                .bind(&r.draft_id)
                .bind(r.position)
                .bind(r.impressions)
                .bind(r.likes)
                .bind(r.reposts)
                .bind(r.replies)
                .bind(r.quotes)
                .bind(r.bookmarks)
                .bind(r.collected_at)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The newest snapshot of every post with metrics collected since `since_ms`.
    pub async fn latest_post_metrics(
        &self,
        since_ms: i64,
    ) -> Result<Vec<PostMetricsRow>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, PostMetricsRow>(
                "SELECT m.provider, m.remote_id, m.draft_id, m.position, m.impressions, m.likes, \
                 m.reposts, m.replies, m.quotes, m.bookmarks, m.collected_at FROM post_metrics m \
                 JOIN (SELECT provider, remote_id, MAX(collected_at) AS c FROM post_metrics \
                 WHERE collected_at >= $1 GROUP BY provider, remote_id) l \
                 ON m.provider = l.provider AND m.remote_id = l.remote_id AND m.collected_at = l.c \
                 ORDER BY m.collected_at DESC",
            )
            .bind(since_ms)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Stores (or replaces) the report of the week starting `week_start`.
    pub async fn save_weekly_report(
        &self,
        week_start: &str,
        report: &str,
        by: Option<&str>,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO weekly_reports (id, week_start, report, created_at, created_by) \
                 VALUES ($5, $1, $2, $3, $4) ON CONFLICT (week_start) DO UPDATE SET \
                 report = excluded.report, created_at = excluded.created_at, \
                 created_by = excluded.created_by",
            )
            .bind(week_start)
            .bind(report)
            .bind(now_ms())
            .bind(by)
            .bind(new_id())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The newest `limit` weekly reports, newest week first.
    pub async fn weekly_reports(&self, limit: i64) -> Result<Vec<WeeklyReportRow>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, WeeklyReportRow>(
                "SELECT week_start, report, created_at, created_by FROM weekly_reports \
                 ORDER BY week_start DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Whether the week starting `week_start` has a report.
    pub async fn has_weekly_report(&self, week_start: &str) -> Result<bool, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM weekly_reports WHERE week_start = $1")
                .bind(week_start)
                .fetch_one(pool)
                .await?
        }) > 0)
    }
}
