//! X provider: posts with the X API v2 (`POST /2/tweets`, replies chain a thread) and lists the
//! account's recent posts for reconciliation (`GET /2/users/me`, `GET /2/users/{id}/tweets`).
//! The host signs every request (OAuth 1.0a or an OAuth 2.0 user token); this component never
//! sees a credential.

#[cfg(target_arch = "wasm32")]
mod component;

use serde::Deserialize;
use serde_json::json;

/// The API origin, `https://api.x.com` unless config `api_base` says otherwise.
pub const DEFAULT_API: &str = "https://api.x.com";

/// The body of `POST /2/tweets`.
pub fn create_body(text: &str, reply_to: Option<&str>) -> serde_json::Value {
    match reply_to {
        Some(id) => json!({ "text": text, "reply": { "in_reply_to_tweet_id": id } }),
        None => json!({ "text": text }),
    }
}

/// `{"data": {"id": ...}}`.
#[derive(Deserialize)]
pub struct Created {
    #[allow(missing_docs)]
    pub data: CreatedData,
}

#[derive(Deserialize)]
#[allow(missing_docs)]
pub struct CreatedData {
    pub id: String,
}

/// `GET /2/users/{id}/tweets` with `tweet.fields=referenced_tweets`.
#[derive(Deserialize)]
pub struct Timeline {
    #[serde(default)]
    #[allow(missing_docs)]
    pub data: Vec<TimelinePost>,
}

#[derive(Deserialize)]
#[allow(missing_docs)]
pub struct TimelinePost {
    pub id: String,
    pub text: String,
    #[serde(default)]
    pub referenced_tweets: Vec<Reference>,
    #[serde(default)]
    pub public_metrics: Option<PublicMetrics>,
}

/// `public_metrics` of a post.
#[derive(Deserialize, Default)]
#[allow(missing_docs)]
pub struct PublicMetrics {
    #[serde(default)]
    pub impression_count: u64,
    #[serde(default)]
    pub like_count: u64,
    #[serde(default)]
    pub retweet_count: u64,
    #[serde(default)]
    pub reply_count: u64,
    #[serde(default)]
    pub quote_count: u64,
    #[serde(default)]
    pub bookmark_count: u64,
}

#[derive(Deserialize)]
#[allow(missing_docs)]
pub struct Reference {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

impl TimelinePost {
    /// The post it replies to.
    pub fn replied_to(&self) -> Option<String> {
        self.referenced_tweets
            .iter()
            .find(|r| r.kind == "replied_to")
            .map(|r| r.id.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_name_the_previous_post() {
        assert_eq!(create_body("a", None), json!({"text": "a"}));
        assert_eq!(
            create_body("b", Some("1")),
            json!({"text": "b", "reply": {"in_reply_to_tweet_id": "1"}})
        );
    }
}
