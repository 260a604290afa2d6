//! Mastodon provider: uploads media (`POST /api/v2/media`), posts statuses
//! (`POST /api/v1/statuses`, replies chain a thread, the host's idempotency key goes in
//! `Idempotency-Key` so Mastodon itself refuses a second copy) and lists the account's statuses
//! for reconciliation. The instance is config `instance`; the host attaches the access token.

#[cfg(target_arch = "wasm32")]
mod component;

use serde::Deserialize;
use serde_json::json;

/// The body of `POST /api/v1/statuses`.
pub fn status_body(
    text: &str,
    reply_to: Option<&str>,
    media_ids: &[String],
    visibility: &str,
) -> serde_json::Value {
    let mut body = json!({ "status": text, "visibility": visibility });
    if let Some(id) = reply_to {
        body["in_reply_to_id"] = json!(id);
    }
    if !media_ids.is_empty() {
        body["media_ids"] = json!(media_ids);
    }
    body
}

/// A status as Mastodon returns it.
#[derive(Deserialize)]
#[allow(missing_docs)]
pub struct Status {
    pub id: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub in_reply_to_id: Option<String>,
    #[serde(default)]
    pub favourites_count: u64,
    #[serde(default)]
    pub reblogs_count: u64,
    #[serde(default)]
    pub replies_count: u64,
}

/// `{"id": ...}` (accounts and media attachments).
#[derive(Deserialize)]
#[allow(missing_docs)]
pub struct WithId {
    pub id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_body_carries_reply_and_media() {
        let b = status_body("hi", Some("9"), &["m1".into()], "public");
        assert_eq!(
            b,
            json!({"status": "hi", "visibility": "public", "in_reply_to_id": "9", "media_ids": ["m1"]})
        );
        assert_eq!(
            status_body("hi", None, &[], "unlisted"),
            json!({"status": "hi", "visibility": "unlisted"})
        );
    }
}
