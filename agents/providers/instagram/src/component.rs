//! The component: Instagram Graph API calls through the host's `http` capability.

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
        if post.reply_to.is_some() {
            return Err(ProviderError::Rejected(
                "Instagram has no threads; the host sends one post".into(),
            ));
        }
        if post.text.chars().count() > crate::MAX_CAPTION {
            return Err(ProviderError::Rejected(format!(
                "the caption is over Instagram's {} characters",
                crate::MAX_CAPTION
            )));
        }
        let Some(image_url) = post
            .media
            .iter()
            .find(|m| m.kind == "image")
            .and_then(|m| m.url.clone())
        else {
            return Err(ProviderError::Rejected(
                "Instagram needs the quote card at a public URL: set server.public_url and enable media".into(),
            ));
        };
        let graph = graph();
        let user = required_config("ig_user_id")?;
        let body = serde_json::json!({ "image_url": image_url, "caption": post.text });
        // Creating the container posts nothing yet: a failure here is certainly not a post.
        let container: crate::WithId = Call::post_json(&format!("{graph}/{user}/media"), &body)
            .send_json()
            .map_err(|e| match e {
                ProviderError::Unknown(m) => {
                    ProviderError::NotSent(format!("creating the media container: {m}"))
                }
                other => other,
            })?;
        let body = serde_json::json!({ "creation_id": container.id });
        let published: crate::WithId =
            Call::post_json(&format!("{graph}/{user}/media_publish"), &body).send_json()?;
        Ok(ProviderReceipt {
            remote_id: published.id,
            url: None,
        })
    }

    fn recent(_since_ms: i64) -> Result<Vec<RemotePost>, ProviderError> {
        dailyx_sdk::init();
        let graph = graph();
        let user = required_config("ig_user_id")?;
        let list: crate::MediaList = Call::get(&format!(
            "{graph}/{user}/media?fields=id,caption,like_count,comments_count&limit=25"
        ))
        .send_json()?;
        Ok(list
            .data
            .into_iter()
            .map(|m| RemotePost {
                remote_id: m.id,
                text: m.caption,
                reply_to: None,
                metrics: Some(PostMetrics {
                    impressions: 0,
                    likes: m.like_count,
                    reposts: 0,
                    replies: m.comments_count,
                    quotes: 0,
                    bookmarks: 0,
                }),
            })
            .collect())
    }
}

export!(Component);
