//! What the publisher needs of X, as a trait: create a post, and list the account's recent
//! posts for reconciliation. The host publishes through the `x` provider component
//! ([`XApi`] implemented over the runtime, in `dailyx-dispatch`), so X goes the same path as
//! every other network; [`XClient`] implements it too, for embedders and tests that call X
//! directly.

use crate::x_api::{CallError, CreatePost, TimelinePost, XClient};
use std::future::Future;
use std::pin::Pin;
use tokio::sync::OnceCell;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Which post of which draft a call is for (a component needs it for its idempotency key).
#[derive(Debug, Clone)]
pub struct PostContext {
    #[allow(missing_docs)]
    pub draft_id: String,
    /// Position in the thread, from 0.
    pub position: u32,
    /// Posts in the thread.
    pub total: u32,
}

/// X as the publisher calls it.
pub trait XApi: Send + Sync {
    /// Creates a post; returns its id.
    fn create_post<'a>(
        &'a self,
        body: &'a CreatePost,
        context: &'a PostContext,
    ) -> BoxFuture<'a, Result<String, CallError>>;

    /// The account's posts since `since_ms` (Unix ms), newest first.
    fn recent_posts(&self, since_ms: i64) -> BoxFuture<'_, Result<Vec<TimelinePost>, CallError>>;

    /// Whether X's credentials are there now (real publishing is possible).
    fn configured(&self) -> bool {
        true
    }
}

/// [`XClient`] with the account's user id looked up once.
pub struct DirectX {
    client: std::sync::Arc<XClient>,
    user_id: OnceCell<String>,
}

impl DirectX {
    #[allow(missing_docs)]
    pub fn new(client: std::sync::Arc<XClient>) -> DirectX {
        DirectX {
            client,
            user_id: OnceCell::new(),
        }
    }
}

impl XApi for DirectX {
    fn create_post<'a>(
        &'a self,
        body: &'a CreatePost,
        _context: &'a PostContext,
    ) -> BoxFuture<'a, Result<String, CallError>> {
        Box::pin(self.client.create_post(body))
    }

    fn recent_posts(&self, since_ms: i64) -> BoxFuture<'_, Result<Vec<TimelinePost>, CallError>> {
        Box::pin(async move {
            let user_id = self.user_id.get_or_try_init(|| self.client.me()).await?;
            self.client.recent_posts(user_id, since_ms).await
        })
    }
}
