//! X through its provider component: the publisher's exactly-once path ([`XApi`]) calling the
//! `x` component's `publish` and `recent`, so X is published the same way as every other
//! network (one path), with the host attaching X's credential to the component's requests.

use crate::credentials::ProviderCredentials;
use crate::dispatcher::call_provider;
use dailyx_publish::{BoxFuture, CallError, CreatePost, PostContext, TimelinePost, XApi};
use dailyx_runtime::types::{OutboundPost, ProviderError};
use dailyx_runtime::{Runtime, StageInput, StageOutput};
use std::sync::Arc;

/// The `x` component as the publisher's X.
pub struct ComponentX {
    runtime: Arc<Runtime>,
    component: String,
    credentials: Arc<ProviderCredentials>,
}

impl ComponentX {
    /// X through `component`, with the credentials `credentials` holds for `x`.
    pub fn new(
        runtime: Arc<Runtime>,
        component: impl Into<String>,
        credentials: Arc<ProviderCredentials>,
    ) -> ComponentX {
        let component = component.into();
        credentials.bind(&component, "x");
        ComponentX {
            runtime,
            component,
            credentials,
        }
    }

    /// Calls the component; a 401 means nothing was done, so with an OAuth 2.0 token the
    /// host refreshes once and calls again.
    async fn call(&self, input: StageInput) -> Result<StageOutput, CallError> {
        let mut refreshed = false;
        loop {
            // X is always reconciled through its timeline: whether a request was cut off
            // changes nothing here.
            let output = call_provider(&self.runtime, &self.component, input.clone())
                .await
                .output
                .map_err(|e| self.sort(e))?;
            let unauthorized = matches!(
                &output,
                StageOutput::Published(Err(ProviderError::Unauthorized(_)))
                    | StageOutput::RecentPosts(Err(ProviderError::Unauthorized(_)))
            );
            if unauthorized && !refreshed && self.credentials.refresh_x().await {
                refreshed = true;
                continue;
            }
            return Ok(output);
        }
    }

    /// What a provider error says, as the publisher sorts X's failures. A request the host
    /// could not attach X's credential to counts as unauthorized.
    fn sort(&self, e: ProviderError) -> CallError {
        match e {
            ProviderError::NotSent(m) => match self.credentials.take_refusal("x") {
                Some(refusal) => CallError::Unauthorized {
                    status: 401,
                    message: refusal,
                },
                None => CallError::NotSent(m),
            },
            ProviderError::Unknown(m) => CallError::Unknown(m),
            ProviderError::RateLimited(reset_at) => CallError::RateLimited { reset_at },
            ProviderError::Duplicate(_) => CallError::Duplicate,
            ProviderError::Unauthorized(m) => CallError::Unauthorized {
                status: 401,
                message: m,
            },
            ProviderError::Rejected(m) => CallError::Rejected {
                status: 400,
                message: m,
            },
        }
    }
}

impl XApi for ComponentX {
    fn create_post<'a>(
        &'a self,
        body: &'a CreatePost,
        context: &'a PostContext,
    ) -> BoxFuture<'a, Result<String, CallError>> {
        Box::pin(async move {
            let post = OutboundPost {
                draft_id: context.draft_id.clone(),
                position: context.position,
                total: context.total,
                text: body.text.clone(),
                reply_to: body.reply.as_ref().map(|r| r.in_reply_to_tweet_id.clone()),
                media: Vec::new(),
                idempotency_key: format!("dailyx-{}-x-{}", context.draft_id, context.position),
            };
            match self.call(StageInput::Publish { post }).await? {
                StageOutput::Published(Ok(receipt)) => Ok(receipt.remote_id),
                StageOutput::Published(Err(e)) => Err(self.sort(e)),
                _ => Err(CallError::NotSent(format!(
                    "component `{}` is not a provider",
                    self.component
                ))),
            }
        })
    }

    fn recent_posts(&self, since_ms: i64) -> BoxFuture<'_, Result<Vec<TimelinePost>, CallError>> {
        Box::pin(async move {
            match self.call(StageInput::Recent { since_ms }).await? {
                StageOutput::RecentPosts(Ok(posts)) => Ok(posts
                    .into_iter()
                    .map(|p| TimelinePost {
                        id: p.remote_id,
                        text: p.text,
                        referenced_tweets: p
                            .reply_to
                            .map(|id| {
                                vec![dailyx_publish::Reference {
                                    kind: "replied_to".into(),
                                    id,
                                }]
                            })
                            .unwrap_or_default(),
                    })
                    .collect()),
                StageOutput::RecentPosts(Err(e)) => Err(self.sort(e)),
                _ => Err(CallError::NotSent(format!(
                    "component `{}` is not a provider",
                    self.component
                ))),
            }
        })
    }

    fn configured(&self) -> bool {
        self.credentials.has_x()
    }
}
