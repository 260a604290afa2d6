//! The component: AT Protocol XRPC calls through the host's `http` capability.

use dailyx_sdk::http::Method;
use dailyx_sdk::provider::{Call, config_or, format_iso_utc, required_config};

use crate::{PostId, StrongRef};

dailyx_sdk::generate!("provider", "../../../wit/0.2");
use exports::dailyx::agent::provider_api::*;

struct Component;

#[derive(serde::Deserialize)]
struct Blob {
    blob: serde_json::Value,
}

#[derive(serde::Deserialize)]
struct Feed {
    #[serde(default)]
    feed: Vec<FeedItem>,
}

#[derive(serde::Deserialize)]
struct FeedItem {
    post: FeedPost,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct FeedPost {
    uri: String,
    cid: String,
    record: serde_json::Value,
    #[serde(default)]
    like_count: u64,
    #[serde(default)]
    repost_count: u64,
    #[serde(default)]
    reply_count: u64,
    #[serde(default)]
    quote_count: u64,
}

fn strong_ref(v: &serde_json::Value) -> Option<StrongRef> {
    Some(StrongRef {
        uri: v.get("uri")?.as_str()?.to_owned(),
        cid: v.get("cid")?.as_str()?.to_owned(),
    })
}

impl Guest for Component {
    fn publish(post: OutboundPost) -> Result<ProviderReceipt, ProviderError> {
        dailyx_sdk::init();
        let pds = config_or("pds", crate::DEFAULT_PDS);
        let handle = required_config("handle")?;
        let parent = match post.reply_to.as_deref() {
            Some(id) => Some(PostId::decode(id).ok_or_else(|| {
                ProviderError::Rejected(format!("`{id}` is not a Bluesky post id of this provider"))
            })?),
            None => None,
        };
        let mut images = Vec::new();
        for m in post
            .media
            .iter()
            .filter(|m| m.kind == "image" && !m.data.is_empty())
        {
            let url = format!("{pds}/xrpc/com.atproto.repo.uploadBlob");
            let uploaded: Blob = Call {
                method: Method::Post,
                url: &url,
                headers: vec![("content-type".into(), m.mime.clone())],
                body: Some(m.data.clone()),
                timeout_ms: None,
            }
            .send_json()?;
            images.push((uploaded.blob, m.alt.clone()));
        }
        let created_at = format_iso_utc(dailyx_sdk::clock::now_ms());
        let record = crate::post_record(&post.text, &created_at, parent.as_ref(), &images);
        let body = serde_json::json!({
            "repo": handle,
            "collection": "app.bsky.feed.post",
            "record": record,
        });
        let url = format!("{pds}/xrpc/com.atproto.repo.createRecord");
        let created: StrongRef = Call::post_json(&url, &body).send_json()?;
        let root = parent.map(|p| p.root).unwrap_or_else(|| created.clone());
        let id = PostId {
            this: created,
            root,
        };
        Ok(ProviderReceipt {
            url: crate::web_url(&id.this.uri),
            remote_id: id.encode(),
        })
    }

    fn recent(_since_ms: i64) -> Result<Vec<RemotePost>, ProviderError> {
        dailyx_sdk::init();
        let pds = config_or("pds", crate::DEFAULT_PDS);
        let handle = required_config("handle")?;
        let url = format!("{pds}/xrpc/app.bsky.feed.getAuthorFeed?actor={handle}&limit=50");
        let feed: Feed = Call::get(&url).send_json()?;
        Ok(feed
            .feed
            .into_iter()
            .map(|item| {
                let p = item.post;
                let metrics = Some(PostMetrics {
                    impressions: 0,
                    likes: p.like_count,
                    reposts: p.repost_count,
                    replies: p.reply_count,
                    quotes: p.quote_count,
                    bookmarks: 0,
                });
                let this = StrongRef {
                    uri: p.uri,
                    cid: p.cid,
                };
                let reply = p.record.get("reply");
                let parent = reply.and_then(|r| r.get("parent")).and_then(strong_ref);
                let root = reply.and_then(|r| r.get("root")).and_then(strong_ref);
                // A reply's `reply-to` is its parent's id, in the form `publish` hands back.
                // A post's own root is its thread's; a post that replies to nothing is its own.
                let own_root = root.clone().unwrap_or_else(|| this.clone());
                let reply_to = match (parent, root) {
                    (Some(parent), Some(root)) => Some(PostId { this: parent, root }.encode()),
                    _ => None,
                };
                RemotePost {
                    metrics,
                    text: p
                        .record
                        .get("text")
                        .and_then(|t| t.as_str())
                        .unwrap_or_default()
                        .to_owned(),
                    remote_id: PostId {
                        this,
                        root: own_root,
                    }
                    .encode(),
                    reply_to,
                }
            })
            .collect())
    }
}

export!(Component);
