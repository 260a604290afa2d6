//! Notification deliveries: one row per draft and channel, with the outcome after retries.

use crate::{Store, StoreError, new_id, now_ms, on_pool};
use serde::Serialize;

/// A delivery as stored.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Delivery {
    #[allow(missing_docs)]
    pub id: String,
    #[allow(missing_docs)]
    pub draft_id: String,
    /// `smtp`, `sendgrid` or `twilio_whatsapp`.
    pub channel: String,
    /// `sent` or `failed`.
    pub status: String,
    #[allow(missing_docs)]
    pub attempts: i64,
    /// The last error (never a credential).
    pub error: Option<String>,
    #[allow(missing_docs)]
    pub created_at: i64,
    #[allow(missing_docs)]
    pub finished_at: i64,
}

impl Store {
    /// Records how delivering draft `draft_id`'s notification over `channel` ended.
    pub async fn record_delivery(
        &self,
        draft_id: &str,
        channel: &str,
        sent: bool,
        attempts: i64,
        error: Option<&str>,
        started_at: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO notification_deliveries (id, draft_id, channel, status, attempts, \
                 error, created_at, finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(new_id())
            .bind(draft_id)
            .bind(channel)
            .bind(if sent { "sent" } else { "failed" })
            .bind(attempts)
            .bind(error)
            .bind(started_at)
            .bind(now_ms())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Deliveries of draft `draft_id`, oldest first.
    pub async fn deliveries(&self, draft_id: &str) -> Result<Vec<Delivery>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, Delivery>(
                "SELECT id, draft_id, channel, status, attempts, error, created_at, finished_at \
                 FROM notification_deliveries WHERE draft_id = $1 ORDER BY created_at, id",
            )
            .bind(draft_id)
            .fetch_all(pool)
            .await?
        }))
    }
}
