//! Facebook Page provider: the first position is a Page post (`POST /{page-id}/feed`, or
//! `POST /{page-id}/photos` with the quote card when the host serves it at a public URL); later
//! positions of a thread are comments on the previous one (`POST /{id}/comments`). Lists the
//! Page's feed, with its comments, for reconciliation. Config: `page_id`, `graph_base` (default
//! `https://graph.facebook.com`), `api_version` (default `v21.0`); the host attaches the Page
//! access token.

#[cfg(target_arch = "wasm32")]
mod component;

use serde::Deserialize;

/// The default Graph API origin.
pub const DEFAULT_GRAPH: &str = "https://graph.facebook.com";
/// The default Graph API version.
pub const DEFAULT_VERSION: &str = "v21.0";

/// What the Graph API answers on create: `id`, and `post_id` for photos.
#[derive(Deserialize)]
#[allow(missing_docs)]
pub struct Created {
    pub id: String,
    #[serde(default)]
    pub post_id: Option<String>,
}

impl Created {
    /// The id of the post (a photo's post, not the photo).
    pub fn post_id(self) -> String {
        self.post_id.unwrap_or(self.id)
    }
}

/// `GET /{page-id}/feed`.
#[derive(Deserialize)]
#[allow(missing_docs)]
pub struct Feed {
    #[serde(default)]
    pub data: Vec<FeedPost>,
}

#[derive(Deserialize)]
#[allow(missing_docs)]
pub struct FeedPost {
    pub id: String,
    #[serde(default)]
    pub message: String,
    /// With `comments.filter(stream){id,message,parent{id}}`: every comment, replies too.
    #[serde(default)]
    pub comments: Option<Comments>,
}

#[derive(Deserialize)]
#[allow(missing_docs)]
pub struct Comments {
    #[serde(default)]
    pub data: Vec<Comment>,
}

#[derive(Deserialize)]
#[allow(missing_docs)]
pub struct Comment {
    pub id: String,
    #[serde(default)]
    pub message: String,
    /// The comment it replies to; none for a comment on the post itself.
    #[serde(default)]
    pub parent: Option<Parent>,
}

#[derive(Deserialize)]
#[allow(missing_docs)]
pub struct Parent {
    pub id: String,
}

/// The fields `recent` asks the feed for: posts and their comments (a thread's later
/// positions), so every position can be reconciled, not only the first.
pub const FEED_FIELDS: &str =
    "id,message,comments.filter(stream).limit(100){id,message,parent{id}}";

/// One post or comment as `recent` reports it.
#[derive(Debug, PartialEq)]
pub struct Listed {
    /// The post or comment id.
    pub id: String,
    /// Its text.
    pub text: String,
    /// What it answers: a comment's parent comment, or the post; none for a post.
    pub reply_to: Option<String>,
}

impl Feed {
    /// Every post and comment, each with what it replies to (`publish` puts position n+1 as
    /// a comment on position n's id, so that is the id a comment names).
    pub fn listed(self) -> Vec<Listed> {
        let mut out = Vec::new();
        for post in self.data {
            let comments = post.comments.map(|c| c.data).unwrap_or_default();
            for c in comments {
                out.push(Listed {
                    reply_to: Some(c.parent.map_or_else(|| post.id.clone(), |p| p.id)),
                    id: c.id,
                    text: c.message,
                });
            }
            out.push(Listed {
                id: post.id,
                text: post.message,
                reply_to: None,
            });
        }
        out
    }
}

/// The web link of a Page post id (`pageid_postid`).
pub fn web_url(id: &str) -> String {
    format!("https://www.facebook.com/{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_replies_are_listed_with_what_they_answer() {
        let feed: Feed = serde_json::from_str(
            r#"{"data":[{"id":"p_1","message":"first","comments":{"data":[
                {"id":"c_2","message":"second"},
                {"id":"c_3","message":"third","parent":{"id":"c_2"}}]}},
              {"id":"p_9","message":"no comments"}]}"#,
        )
        .unwrap();
        let listed = feed.listed();
        let got: Vec<(&str, Option<&str>)> = listed
            .iter()
            .map(|l| (l.id.as_str(), l.reply_to.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("c_2", Some("p_1")),
                ("c_3", Some("c_2")),
                ("p_1", None),
                ("p_9", None)
            ]
        );
        assert_eq!(listed[1].text, "third");
    }
}
