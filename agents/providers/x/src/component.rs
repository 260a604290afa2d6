//! The component: X API v2 calls through the host's `http` capability.

use dailyx_sdk::provider::{Call, config_or, format_iso_utc};

/// The host's per-call timeout for X (`[publish] timeout_secs`), capped by the grant.
fn timeout_ms() -> Option<u32> {
    config_or("timeout_ms", "").parse().ok()
}

dailyx_sdk::generate!("provider", "../../../wit/0.2");
use exports::dailyx::agent::provider_api::*;

struct Component;

impl Guest for Component {
    fn publish(post: OutboundPost) -> Result<ProviderReceipt, ProviderError> {
        dailyx_sdk::init();
        if !post.media.is_empty() {
            dailyx_sdk::info("media are not uploaded to X by this provider; posting the text");
        }
        let api = config_or("api_base", crate::DEFAULT_API);
        let url = format!("{api}/2/tweets");
        let body = crate::create_body(&post.text, post.reply_to.as_deref());
        let mut call = Call::post_json(&url, &body);
        call.timeout_ms = timeout_ms();
        let created: crate::Created = call.send_json()?;
        let id = created.data.id;
        Ok(ProviderReceipt {
            url: Some(format!("https://x.com/i/web/status/{id}")),
            remote_id: id,
        })
    }

    fn recent(since_ms: i64) -> Result<Vec<RemotePost>, ProviderError> {
        dailyx_sdk::init();
        let api = config_or("api_base", crate::DEFAULT_API);
        let me: crate::Created = Call::get(&format!("{api}/2/users/me")).send_json()?;
        // X wants whole seconds in start_time.
        let start = format_iso_utc(since_ms.div_euclid(1000) * 1000);
        let start = format!("{}Z", &start[..19]);
        let url = format!(
            "{api}/2/users/{}/tweets?max_results=100&tweet.fields=referenced_tweets,public_metrics&start_time={start}",
            me.data.id
        );
        let timeline: crate::Timeline = Call::get(&url).send_json()?;
        Ok(timeline
            .data
            .into_iter()
            .map(|p| RemotePost {
                reply_to: p.replied_to(),
                metrics: p.public_metrics.as_ref().map(|m| PostMetrics {
                    impressions: m.impression_count,
                    likes: m.like_count,
                    reposts: m.retweet_count,
                    replies: m.reply_count,
                    quotes: m.quote_count,
                    bookmarks: m.bookmark_count,
                }),
                remote_id: p.id,
                text: p.text,
            })
            .collect())
    }
}

export!(Component);
