//! {{name}}: a publishing provider. POSTs each post as JSON to config `endpoint` (an origin
//! your grant allows); the host attaches your credential for that origin, never this code.
#![cfg(target_arch = "wasm32")]

use dailyx_sdk::provider::{Call, required_config};

dailyx_sdk::generate!("provider", "wit");
use exports::dailyx::agent::provider_api::*;

struct Component;

impl Guest for Component {
    fn publish(post: OutboundPost) -> Result<ProviderReceipt, ProviderError> {
        dailyx_sdk::init();
        let url = required_config("endpoint")?;
        let body = dailyx_sdk::serde_json::json!({ "text": post.text, "reply_to": post.reply_to });
        let response = Call::post_json(&url, &body)
            .header("idempotency-key", &post.idempotency_key)
            .send()?; // a non-2xx status becomes the error it means (retry, reconcile, give up)
        let id = String::from_utf8_lossy(&response.body).trim().to_owned();
        Ok(ProviderReceipt { remote_id: if id.is_empty() { post.idempotency_key } else { id }, url: None })
    }

    fn recent(_since_ms: i64) -> Result<Vec<RemotePost>, ProviderError> {
        Err(ProviderError::Rejected("this provider cannot list posts".into()))
    }
}

export!(Component);
