//! Instagram provider (Instagram Graph API, professional accounts): an image post made of the
//! generated quote card, captioned with the text. Instagram takes no text-only posts and no
//! threads, and fetches the image itself, so the host must serve its media at a public URL
//! (`server.public_url`). Two calls: create a media container (`POST /{ig-user-id}/media` with
//! `image_url` and `caption`), then publish it (`POST /{ig-user-id}/media_publish`).
//! Config: `ig_user_id`, `graph_base`, `api_version`; the host attaches the access token.

#[cfg(target_arch = "wasm32")]
mod component;

use serde::Deserialize;

/// The default Graph API origin.
pub const DEFAULT_GRAPH: &str = "https://graph.facebook.com";
/// The default Graph API version.
pub const DEFAULT_VERSION: &str = "v21.0";

/// `{"id": ...}`.
#[derive(Deserialize)]
#[allow(missing_docs)]
pub struct WithId {
    pub id: String,
}

/// `GET /{ig-user-id}/media?fields=id,caption,permalink`.
#[derive(Deserialize)]
#[allow(missing_docs)]
pub struct MediaList {
    #[serde(default)]
    pub data: Vec<Media>,
}

#[derive(Deserialize)]
#[allow(missing_docs)]
pub struct Media {
    pub id: String,
    #[serde(default)]
    pub caption: String,
    #[serde(default)]
    pub like_count: u64,
    #[serde(default)]
    pub comments_count: u64,
}

/// Instagram captions are at most 2,200 characters.
pub const MAX_CAPTION: usize = 2200;
