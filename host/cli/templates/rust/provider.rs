//! {{name}}: a publishing provider. POSTs each post as JSON to config `endpoint` (an origin
//! your grant allows); the host attaches your credential for that origin, never this code.

use dailyx::agent::config;
use dailyx::agent::http::{self, HttpError, Method, Request};

wit_bindgen::generate!({ path: "wit", world: "provider", generate_all });
use exports::dailyx::agent::provider_api::*;

struct Component;

impl Guest for Component {
    fn publish(post: OutboundPost) -> Result<ProviderReceipt, ProviderError> {
        let endpoint = config::get("endpoint").ok().flatten()
            .ok_or_else(|| ProviderError::NotSent("config `endpoint` is not set".into()))?;
        let body = serde_json::json!({ "text": post.text, "reply_to": post.reply_to }).to_string();
        let headers = vec![("content-type".into(), "application/json".into()),
                           ("idempotency-key".into(), post.idempotency_key.clone())];
        let request = Request { method: Method::Post, url: endpoint, headers, body: Some(body.into_bytes()), timeout_ms: None };
        let response = match http::fetch(&request) {
            Ok(r) => r,
            // Refused before sending: certainly not posted. Timeouts and broken connections: maybe.
            Err(HttpError::Denied(m) | HttpError::InvalidRequest(m) | HttpError::TooLarge(m)) => return Err(ProviderError::NotSent(m)),
            Err(e) => return Err(ProviderError::Unknown(format!("{e:?}"))),
        };
        match response.status {
            200..=299 => {
                let id = String::from_utf8_lossy(&response.body).trim().to_owned();
                Ok(ProviderReceipt { remote_id: if id.is_empty() { post.idempotency_key } else { id }, url: None })
            }
            401 | 403 => Err(ProviderError::Unauthorized(format!("status {}", response.status))),
            429 => Err(ProviderError::RateLimited(None)),
            s if s >= 500 => Err(ProviderError::Unknown(format!("status {s}"))),
            s => Err(ProviderError::Rejected(format!("status {s}"))),
        }
    }

    fn recent(_since_ms: i64) -> Result<Vec<RemotePost>, ProviderError> {
        Err(ProviderError::Rejected("this provider cannot list posts".into()))
    }
}

export!(Component);
