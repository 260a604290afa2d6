//! The component: one POST per post through the host's `http` capability.

use dailyx_sdk::provider::{Call, required_config};

dailyx_sdk::generate!("provider", "../../../wit/0.2");
use exports::dailyx::agent::provider_api::*;

struct Component;

impl Guest for Component {
    fn publish(post: OutboundPost) -> Result<ProviderReceipt, ProviderError> {
        dailyx_sdk::init();
        let url = required_config("url")?;
        let media = post
            .media
            .iter()
            .map(|m| serde_json::json!({ "kind": m.kind, "mime": m.mime, "url": m.url, "alt": m.alt }))
            .collect();
        let body = crate::body(
            &post.draft_id,
            post.position,
            post.total,
            &post.text,
            post.reply_to.as_deref(),
            media,
            &post.idempotency_key,
        );
        let response = Call::post_json(&url, &body)
            .header("idempotency-key", &post.idempotency_key)
            .send()?;
        let answer: crate::Answer = serde_json::from_slice(&response.body).unwrap_or_default();
        Ok(ProviderReceipt {
            remote_id: answer.id.unwrap_or(post.idempotency_key),
            url: answer.url,
        })
    }

    fn recent(_since_ms: i64) -> Result<Vec<RemotePost>, ProviderError> {
        // A webhook cannot be asked what it received; the idempotency key makes a retry safe.
        Err(ProviderError::Rejected(
            "a webhook cannot list what it received".into(),
        ))
    }
}

export!(Component);
