//! Signed webhook provider: POSTs each post as JSON to the operator's endpoint (config `url`).
//! The host signs the exact body (HMAC-SHA256 with the webhook's secret, in
//! `x-dailyx-signature: t=<unix>,v1=<hex>`); the component never sees the secret. The body
//! carries the idempotency key (also as `Idempotency-Key`), so a receiver can drop a repeat.

#[cfg(target_arch = "wasm32")]
mod component;

use serde::Deserialize;
use serde_json::{Value, json};

/// The JSON body of one delivery.
pub fn body(
    draft_id: &str,
    position: u32,
    total: u32,
    text: &str,
    reply_to: Option<&str>,
    media: Vec<Value>,
    idempotency_key: &str,
) -> Value {
    json!({
        "type": "post",
        "draft_id": draft_id,
        "position": position,
        "total": total,
        "text": text,
        "reply_to": reply_to,
        "media": media,
        "idempotency_key": idempotency_key,
    })
}

/// What a receiver may answer: an id for the post on its side.
#[derive(Deserialize, Default)]
#[allow(missing_docs)]
pub struct Answer {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}
