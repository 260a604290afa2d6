//! Facebook Page provider: the first position is a Page post (`POST /{page-id}/feed`, or
//! `POST /{page-id}/photos` with the quote card when the host serves it at a public URL); later
//! positions of a thread are comments on the previous one (`POST /{id}/comments`). Lists the
//! Page's feed for reconciliation. Config: `page_id`, `graph_base` (default
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
}

/// The web link of a Page post id (`pageid_postid`).
pub fn web_url(id: &str) -> String {
    format!("https://www.facebook.com/{id}")
}
