//! Publishing approved drafts to X, exactly once: the X API v2 client (OAuth 1.0a or 2.0), and
//! the publisher that records an attempt with a lease before every call and reconciles any call
//! whose outcome it does not know before trying again. Dry-run (the default) records the exact
//! payloads and sends nothing.

mod auth;
pub mod circuit;
mod publisher;
mod x_api;
mod x_path;

pub use auth::{AuthError, OAuth1Credentials, OAuth2Credentials, OAuth2Tokens, Secret, XAuth};
pub use publisher::{PublishError, PublishOutcome, PublishSettings, Publisher, find_post};
pub use x_api::{CallError, CreatePost, Reference, Reply, TimelinePost, XClient};
pub use x_path::{BoxFuture, DirectX, PostContext, XApi};
