//! Bluesky provider: posts `app.bsky.feed.post` records with `com.atproto.repo.createRecord`
//! (images uploaded with `uploadBlob`), replies chain a thread, and lists the account's feed
//! for reconciliation. The PDS is config `pds` (default `https://bsky.social`), the account
//! config `handle`; the host opens the session (app password) and attaches its token.
//!
//! A reply must name both its parent and the thread's root (uri and cid each), so the id this
//! provider hands back is `uri|cid|root-uri|root-cid`: the next position finds everything it
//! needs in its `reply-to`.

#[cfg(target_arch = "wasm32")]
mod component;

use serde::Deserialize;
use serde_json::{Value, json};

/// The default PDS.
pub const DEFAULT_PDS: &str = "https://bsky.social";

/// A record reference.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[allow(missing_docs)]
pub struct StrongRef {
    pub uri: String,
    pub cid: String,
}

/// The id this provider gives a post: itself and its thread's root.
#[derive(Debug, Clone, PartialEq)]
pub struct PostId {
    #[allow(missing_docs)]
    pub this: StrongRef,
    #[allow(missing_docs)]
    pub root: StrongRef,
}

impl PostId {
    /// `uri|cid|root-uri|root-cid`.
    pub fn encode(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            self.this.uri, self.this.cid, self.root.uri, self.root.cid
        )
    }

    /// Parses [`PostId::encode`]'s form.
    pub fn decode(id: &str) -> Option<PostId> {
        let parts: Vec<&str> = id.split('|').collect();
        let [uri, cid, root_uri, root_cid] = parts.as_slice() else {
            return None;
        };
        Some(PostId {
            this: StrongRef {
                uri: (*uri).into(),
                cid: (*cid).into(),
            },
            root: StrongRef {
                uri: (*root_uri).into(),
                cid: (*root_cid).into(),
            },
        })
    }
}

/// The `app.bsky.feed.post` record.
pub fn post_record(
    text: &str,
    created_at: &str,
    reply_to: Option<&PostId>,
    images: &[(Value, String)],
) -> Value {
    let mut record = json!({
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": created_at,
    });
    if let Some(parent) = reply_to {
        record["reply"] = json!({
            "root": { "uri": parent.root.uri, "cid": parent.root.cid },
            "parent": { "uri": parent.this.uri, "cid": parent.this.cid },
        });
    }
    if !images.is_empty() {
        let images: Vec<Value> = images
            .iter()
            .map(|(blob, alt)| json!({ "image": blob, "alt": alt }))
            .collect();
        record["embed"] = json!({ "$type": "app.bsky.embed.images", "images": images });
    }
    record
}

/// The web link of a post: `at://did/app.bsky.feed.post/rkey` → `https://bsky.app/profile/did/post/rkey`.
pub fn web_url(uri: &str) -> Option<String> {
    let rest = uri.strip_prefix("at://")?;
    let mut parts = rest.split('/');
    let (did, _collection, rkey) = (parts.next()?, parts.next()?, parts.next()?);
    Some(format!("https://bsky.app/profile/{did}/post/{rkey}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_replies_name_root_and_parent() {
        let root = StrongRef {
            uri: "at://did:plc:a/app.bsky.feed.post/1".into(),
            cid: "c1".into(),
        };
        let second = PostId {
            this: StrongRef {
                uri: "at://did:plc:a/app.bsky.feed.post/2".into(),
                cid: "c2".into(),
            },
            root: root.clone(),
        };
        assert_eq!(PostId::decode(&second.encode()), Some(second.clone()));
        let r = post_record("third", "2026-11-22T00:00:00.000Z", Some(&second), &[]);
        assert_eq!(r["reply"]["root"]["cid"], "c1");
        assert_eq!(r["reply"]["parent"]["cid"], "c2");
        assert_eq!(
            web_url(&root.uri).as_deref(),
            Some("https://bsky.app/profile/did:plc:a/post/1")
        );
    }
}
