//! The component: Graph API calls through the host's `http` capability.

use dailyx_sdk::provider::{Call, config_or, required_config};

dailyx_sdk::generate!("provider", "../../../wit/0.2");
use exports::dailyx::agent::provider_api::*;

struct Component;

fn graph() -> String {
    let base = config_or("graph_base", crate::DEFAULT_GRAPH);
    let version = config_or("api_version", crate::DEFAULT_VERSION);
    format!("{base}/{version}")
}

impl Guest for Component {
    fn publish(post: OutboundPost) -> Result<ProviderReceipt, ProviderError> {
        dailyx_sdk::init();
        let graph = graph();
        let created: crate::Created = match post.reply_to.as_deref() {
            Some(parent) => {
                let body = serde_json::json!({ "message": post.text });
                Call::post_json(&format!("{graph}/{parent}/comments"), &body).send_json()?
            }
            None => {
                let page = required_config("page_id")?;
                let image = post
                    .media
                    .iter()
                    .find(|m| m.kind == "image")
                    .and_then(|m| m.url.clone());
                match image {
                    Some(url) => {
                        let body = serde_json::json!({ "url": url, "caption": post.text });
                        Call::post_json(&format!("{graph}/{page}/photos"), &body).send_json()?
                    }
                    None => {
                        let body = serde_json::json!({ "message": post.text });
                        Call::post_json(&format!("{graph}/{page}/feed"), &body).send_json()?
                    }
                }
            }
        };
        let id = created.post_id();
        Ok(ProviderReceipt {
            url: Some(crate::web_url(&id)),
            remote_id: id,
        })
    }

    fn recent(since_ms: i64) -> Result<Vec<RemotePost>, ProviderError> {
        dailyx_sdk::init();
        let graph = graph();
        let page = required_config("page_id")?;
        let url = format!(
            "{graph}/{page}/feed?fields={}&limit=50&since={}",
            crate::FEED_FIELDS,
            since_ms.div_euclid(1000)
        );
        let feed: crate::Feed = Call::get(&url).send_json()?;
        Ok(feed
            .listed()
            .into_iter()
            .map(|p| RemotePost {
                remote_id: p.id,
                text: p.text,
                reply_to: p.reply_to,
                metrics: None,
            })
            .collect())
    }
}

export!(Component);
