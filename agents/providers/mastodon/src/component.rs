//! The component: Mastodon's REST API through the host's `http` capability.

use dailyx_sdk::http::Method;
use dailyx_sdk::provider::{Call, config_or, multipart, required_config, strip_html};

dailyx_sdk::generate!("provider", "../../../wit/0.2");
use exports::dailyx::agent::provider_api::*;

struct Component;

fn instance() -> Result<String, ProviderError> {
    Ok(required_config("instance")?
        .trim_end_matches('/')
        .to_owned())
}

impl Guest for Component {
    fn publish(post: OutboundPost) -> Result<ProviderReceipt, ProviderError> {
        dailyx_sdk::init();
        let base = instance()?;
        let mut media_ids = Vec::new();
        for m in post.media.iter().filter(|m| !m.data.is_empty()) {
            let ext = m.mime.rsplit('/').next().unwrap_or("bin");
            let filename = format!("{}.{ext}", m.kind);
            let (boundary, body) = multipart(&[
                ("file", Some((&filename, &m.mime)), &m.data),
                ("description", None, m.alt.as_bytes()),
            ]);
            let url = format!("{base}/api/v2/media");
            let uploaded: crate::WithId = Call {
                method: Method::Post,
                url: &url,
                headers: vec![(
                    "content-type".into(),
                    format!("multipart/form-data; boundary={boundary}"),
                )],
                body: Some(body),
                timeout_ms: None,
            }
            .send_json()?;
            media_ids.push(uploaded.id);
        }
        let visibility = config_or("visibility", "public");
        let body = crate::status_body(
            &post.text,
            post.reply_to.as_deref(),
            &media_ids,
            &visibility,
        );
        let url = format!("{base}/api/v1/statuses");
        let status: crate::Status = Call::post_json(&url, &body)
            .header("idempotency-key", &post.idempotency_key)
            .send_json()?;
        Ok(ProviderReceipt {
            remote_id: status.id,
            url: status.url,
        })
    }

    fn recent(_since_ms: i64) -> Result<Vec<RemotePost>, ProviderError> {
        dailyx_sdk::init();
        let base = instance()?;
        let me: crate::WithId =
            Call::get(&format!("{base}/api/v1/accounts/verify_credentials")).send_json()?;
        let url = format!("{base}/api/v1/accounts/{}/statuses?limit=40", me.id);
        let statuses: Vec<crate::Status> = Call::get(&url).send_json()?;
        Ok(statuses
            .into_iter()
            .map(|s| RemotePost {
                metrics: Some(PostMetrics {
                    impressions: 0,
                    likes: s.favourites_count,
                    reposts: s.reblogs_count,
                    replies: s.replies_count,
                    quotes: 0,
                    bookmarks: 0,
                }),
                text: strip_html(&s.content),
                reply_to: s.in_reply_to_id,
                remote_id: s.id,
            })
            .collect())
    }
}

export!(Component);
