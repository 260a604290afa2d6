//! Action tokens: the single-use links in notifications. Only the sha256 of a token is
//! stored; the token itself exists in the notification sent to the reviewer and nowhere else.

use crate::{Store, StoreError, now_ms, on_pool, sha256_hex};
use rand::RngCore;
use serde::Serialize;
use std::time::Duration;

/// A token to mint.
#[derive(Debug, Clone)]
pub struct NewActionToken {
    /// The draft it acts on.
    pub draft_id: String,
    /// `approve`, `skip` or `edit`.
    pub action: String,
    /// The draft's content hash when the token was minted; the action is refused if the text
    /// changed since.
    pub content_hash: String,
    /// How long it stays valid.
    pub ttl: Duration,
}

/// A stored token (without the token itself).
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ActionToken {
    #[allow(missing_docs)]
    pub token_hash: String,
    #[allow(missing_docs)]
    pub draft_id: String,
    #[allow(missing_docs)]
    pub action: String,
    #[allow(missing_docs)]
    pub content_hash: String,
    #[allow(missing_docs)]
    pub created_at: i64,
    #[allow(missing_docs)]
    pub expires_at: i64,
    #[allow(missing_docs)]
    pub used_at: Option<i64>,
}

impl Store {
    /// Mints a token and returns it; only its hash is stored.
    pub async fn mint_action_token(&self, token: &NewActionToken) -> Result<String, StoreError> {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let raw = hex::encode(bytes);
        let now = now_ms();
        let ttl = token.ttl.as_millis().min(i64::MAX as u128) as i64;
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO action_tokens (token_hash, draft_id, action, content_hash, created_at, \
                 expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(sha256_hex(raw.as_bytes()))
            .bind(&token.draft_id)
            .bind(&token.action)
            .bind(&token.content_hash)
            .bind(now)
            .bind(now.saturating_add(ttl))
            .execute(pool)
            .await?;
        });
        Ok(raw)
    }

    /// Looks a token up without using it (for the confirmation page). `None` when it does not
    /// exist, was used, or expired.
    pub async fn peek_action_token(&self, raw: &str) -> Result<Option<ActionToken>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, ActionToken>(
                "SELECT token_hash, draft_id, action, content_hash, created_at, expires_at, used_at \
                 FROM action_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
            )
            .bind(sha256_hex(raw.as_bytes()))
            .bind(now_ms())
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Uses a token: marks it used and returns it, atomically, so two requests with the same
    /// token cannot both succeed. `None` when it does not exist, was used, or expired.
    pub async fn use_action_token(&self, raw: &str) -> Result<Option<ActionToken>, StoreError> {
        let now = now_ms();
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, ActionToken>(
                "UPDATE action_tokens SET used_at = $1 \
                 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 \
                 RETURNING token_hash, draft_id, action, content_hash, created_at, expires_at, used_at",
            )
            .bind(now)
            .bind(sha256_hex(raw.as_bytes()))
            .fetch_optional(pool)
            .await?
        }))
    }
}

/// The actions whose links carry a single-use token. Editing is not one of them: an edit
/// changes what gets published to any text at all, so it needs a reviewer who is logged in
/// (the edit link opens the draft in the console); approving and skipping through a link are
/// bound to the exact text the notification showed.
pub const TOKEN_ACTIONS: [&str; 2] = ["approve", "skip"];

/// The placeholder that stands for an action token in a composed notification. Tokens are
/// minted when the notification is delivered, never handed to a component or stored in clear.
pub fn token_placeholder(action: &str) -> String {
    format!("__DAILYX_TOKEN_{}__", action.to_ascii_uppercase())
}

/// The URL of an action link: `token` is the real token at delivery, or the placeholder of
/// [`token_placeholder`] when the notification is composed.
pub fn action_url(public_url: &str, token: &str, draft_id: &str) -> String {
    format!(
        "{}/actions/{token}?draft={draft_id}",
        public_url.trim_end_matches('/')
    )
}

/// The draft in the console (behind the login; carries no token).
pub fn console_url(public_url: &str, draft_id: &str) -> String {
    format!("{}/drafts/{draft_id}", public_url.trim_end_matches('/'))
}

/// Opens the draft in the console's editor (behind the login; carries no token).
pub fn console_edit_url(public_url: &str, draft_id: &str) -> String {
    format!("{}?edit=1", console_url(public_url, draft_id))
}
