//! Publishing an approved draft exactly once.
//!
//! For each thread position without a `posts` row, in order:
//! 1. If the latest attempt's outcome is unknown (`unconfirmed`, or `in_progress` whose owner's
//!    lease ran out: the owner died mid-call), take it over and *reconcile*: look for the text
//!    on the account's timeline since the attempt started. Found: record it. Not found: the
//!    attempt failed; try again.
//! 2. Write an `in_progress` attempt with a lease (its idempotency key `draft/position/try`
//!    makes a racing publisher's insert fail), then call X.
//! 3. Success: record the post and the attempt's success in one transaction. Timeout or 5xx:
//!    the attempt is `unconfirmed` and is reconciled before any retry. 429: wait for
//!    `x-rate-limit-reset`. Duplicate-content 403: reconcile, never retry. Other 4xx: fail.
//!
//! Replies chain on the previous position's recorded post id, so a resumed thread continues
//! where it stopped and stays one thread.

use crate::circuit::{BreakerSettings, CircuitBreaker, CircuitSnapshot, Permit, SystemClock};
use crate::x_api::{CallError, CreatePost, Reply, TimelinePost};
use crate::x_path::{PostContext, XApi};
use dailyx_store::{
    AttemptEnd, Draft, DraftEvent, DraftStatus, NewAttempt, PostRecord, PostedTweet,
    PublishAttempt, Store, StoreError, content_hash, now_ms,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How the publisher behaves.
#[derive(Debug, Clone)]
pub struct PublishSettings {
    /// Record the exact payloads, send nothing (the default).
    pub dry_run: bool,
    /// How long one call may take before another publisher treats it as unconfirmed.
    pub lease: Duration,
    /// Calls per position before the draft goes to `error`.
    pub max_tries: u32,
    /// First backoff between tries (doubles, with jitter).
    pub retry_delay: Duration,
    /// Longest wait for a rate-limit reset; beyond it the draft goes to `error`.
    pub max_rate_limit_wait: Duration,
    /// Real posts allowed per rolling 24 hours for the account (X's plan limit).
    pub daily_post_budget: Option<u32>,
}

impl Default for PublishSettings {
    fn default() -> Self {
        PublishSettings {
            dry_run: true,
            lease: Duration::from_secs(60),
            max_tries: 4,
            retry_delay: Duration::from_secs(1),
            max_rate_limit_wait: Duration::from_secs(15 * 60),
            daily_post_budget: Some(17),
        }
    }
}

/// Why a draft was not (fully) published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Another publisher is working on this draft now.
    #[error("draft `{0}` is being published by another process")]
    Busy(String),
    /// The draft is not in `publishing`.
    #[error("draft `{id}` is {status}, not publishing")]
    NotPublishing {
        #[allow(missing_docs)]
        id: String,
        #[allow(missing_docs)]
        status: DraftStatus,
    },
    /// A real publish was asked for but no X credentials are configured.
    #[error("dry-run is off but no X credentials are configured")]
    NoCredentials,
    /// Publishing failed for good; the draft is in `error` with this message.
    #[error("{0}")]
    Failed(String),
    /// The provider's circuit is open: nothing was sent; the draft stays in `publishing` and is
    /// tried again after the cool-down.
    #[error("the {provider} circuit is open; next try in {} ms", .retry_in.as_millis())]
    CircuitOpen {
        #[allow(missing_docs)]
        provider: String,
        #[allow(missing_docs)]
        retry_in: std::time::Duration,
    },
}

/// What a publish did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishOutcome {
    /// Every position is posted; the draft's new status.
    Done(DraftStatus),
}

/// Publishes approved drafts.
pub struct Publisher {
    store: Store,
    x: Option<Arc<dyn XApi>>,
    settings: PublishSettings,
    /// Dry-run for drafts not yet started (the console may switch it while the host runs).
    dry_run: AtomicBool,
    owner: String,
    breaker: Arc<CircuitBreaker>,
}

impl Publisher {
    /// A publisher identified as `owner` (host and process) in attempt leases.
    pub fn new(
        store: Store,
        x: Option<Arc<dyn XApi>>,
        settings: PublishSettings,
        owner: impl Into<String>,
    ) -> Publisher {
        Publisher {
            store,
            x,
            dry_run: AtomicBool::new(settings.dry_run),
            settings,
            owner: owner.into(),
            breaker: Arc::new(CircuitBreaker::new(
                "x",
                BreakerSettings::default(),
                Arc::new(SystemClock),
            )),
        }
    }

    /// Uses `breaker` for X (thresholds from the config, transitions reported as events).
    pub fn with_breaker(mut self, breaker: Arc<CircuitBreaker>) -> Publisher {
        self.breaker = breaker;
        self
    }

    /// The state of each provider's circuit.
    pub fn circuits(&self) -> Vec<CircuitSnapshot> {
        vec![self.breaker.snapshot()]
    }

    /// The settings.
    pub fn settings(&self) -> &PublishSettings {
        &self.settings
    }

    /// Whether drafts not yet started are published in dry-run.
    pub fn dry_run(&self) -> bool {
        self.dry_run.load(Ordering::Relaxed)
    }

    /// Whether X credentials are configured (real publishing is possible).
    pub fn can_publish(&self) -> bool {
        self.x.as_ref().is_some_and(|x| x.configured())
    }

    /// Switches dry-run for drafts not yet started. A draft keeps the mode its first position
    /// was published in, so a thread is never half real and half dry-run. Turning dry-run off
    /// without X credentials is refused.
    pub fn set_dry_run(&self, on: bool) -> Result<(), PublishError> {
        if !on && !self.can_publish() {
            return Err(PublishError::NoCredentials);
        }
        self.dry_run.store(on, Ordering::Relaxed);
        Ok(())
    }

    /// Publishes draft `id` (in `publishing`), continuing at its first unposted position.
    /// A permanent failure moves the draft to `error` (and is returned as `Failed`).
    pub async fn publish(&self, id: &str) -> Result<PublishOutcome, PublishError> {
        use tracing::Instrument;
        self.publish_in_span(id)
            .instrument(tracing::info_span!("publish", draft_id = %id))
            .await
    }

    async fn publish_in_span(&self, id: &str) -> Result<PublishOutcome, PublishError> {
        let draft = self.store.draft(id).await?;
        let status = draft.status()?;
        if status != DraftStatus::Publishing {
            return Err(PublishError::NotPublishing {
                id: id.to_owned(),
                status,
            });
        }
        match self.publish_all(&draft).await {
            Ok(outcome) => Ok(outcome),
            Err(PublishError::Failed(message)) => {
                tracing::warn!(draft_id = %id, error = %message, "publishing failed");
                metrics::counter!("publish_total", "outcome" => "error").increment(1);
                self.store.fail_publishing(id, &message).await?;
                Err(PublishError::Failed(message))
            }
            Err(e) => Err(e),
        }
    }

    async fn publish_all(&self, draft: &Draft) -> Result<PublishOutcome, PublishError> {
        // The approval covers one exact text: anything else is not published.
        let hash = content_hash(&draft.texts());
        if draft.approved_hash.as_deref() != Some(hash.as_str()) || hash != draft.content_hash {
            return Err(PublishError::Failed(
                "the text changed after approval; it must be approved again".into(),
            ));
        }
        let mut posts = self.store.posts(&draft.id).await?;
        // A draft keeps the mode it started in; a new one takes the current switch.
        let dry_run = posts.first().map_or_else(|| self.dry_run(), |p| p.dry_run);
        // A thread that does not fit in what is left of the budget is not started: half a
        // thread on the timeline is worse than a thread a day late.
        let unposted = draft.tweets.len().saturating_sub(posts.len());
        if posts.is_empty() {
            self.check_budget(unposted as i64, dry_run).await?;
        }
        for tweet in &draft.tweets {
            if let Some(done) = posts.iter().find(|p| p.position == tweet.position) {
                if done.text != tweet.text {
                    return Err(PublishError::Failed(format!(
                        "position {} was posted with a different text",
                        tweet.position
                    )));
                }
                continue;
            }
            let previous = posts
                .iter()
                .find(|p| p.position + 1 == tweet.position)
                .map(reply_target);
            if tweet.position > 0 && previous.is_none() {
                return Err(PublishError::Failed(format!(
                    "position {} has no posted predecessor",
                    tweet.position
                )));
            }
            let post = self
                .publish_position(
                    &draft.id,
                    (tweet.position, draft.tweets.len() as u32),
                    &tweet.text,
                    previous.flatten(),
                    dry_run,
                )
                .await?;
            crash_point("between", tweet.position);
            posts.push(post);
        }
        let dry_run = posts.iter().any(|p| p.dry_run);
        let event = if dry_run {
            DraftEvent::DryRunSucceeded
        } else {
            DraftEvent::PublishSucceeded
        };
        let status = self.store.transition_draft(&draft.id, event).await?;
        metrics::counter!("publish_total", "outcome" => status.as_str()).increment(1);
        tracing::info!(draft_id = %draft.id, %status, posts = posts.len(), "draft published");
        Ok(PublishOutcome::Done(status))
    }

    /// Posts one position exactly once; returns its record.
    async fn publish_position(
        &self,
        draft_id: &str,
        (position, total): (i64, u32),
        text: &str,
        reply_to: Option<String>,
        dry_run: bool,
    ) -> Result<PostRecord, PublishError> {
        let mut last_error = String::new();
        let mut delay = self.settings.retry_delay;
        loop {
            // An open circuit sends nothing (and starts no attempt, so no try is spent).
            let permit = if dry_run {
                Permit::none()
            } else {
                self.breaker
                    .try_acquire()
                    .map_err(|r| PublishError::CircuitOpen {
                        provider: self.breaker.provider().to_owned(),
                        retry_in: r.retry_in,
                    })?;
                Permit::of(&self.breaker)
            };
            let latest = self.store.latest_attempt(draft_id, position).await?;
            let try_number = match &latest {
                None => 1,
                Some(a) if a.status == "failed" => a.try_number + 1,
                Some(a) if a.status == "succeeded" => {
                    // The post row is written in the same transaction: it exists.
                    return Err(PublishError::Failed(format!(
                        "position {position} is recorded as posted but its post row is missing"
                    )));
                }
                Some(a) => {
                    if !self
                        .store
                        .take_over_attempt(&a.id, &self.owner, self.lease_ms())
                        .await?
                    {
                        return Err(PublishError::Busy(draft_id.to_owned()));
                    }
                    if let Some(found) = self.reconcile(a, text, reply_to.as_deref()).await? {
                        tracing::info!(draft_id, position, x_post_id = %found, "reconciled: the earlier call had posted it");
                        return self.record(a, Some(&found), text).await;
                    }
                    self.store
                        .end_attempt(
                            &a.id,
                            &self.owner,
                            AttemptEnd::Failed,
                            "reconciled: not on the timeline",
                        )
                        .await?;
                    a.try_number + 1
                }
            };
            if try_number > i64::from(self.settings.max_tries) {
                return Err(PublishError::Failed(format!(
                    "position {position} failed after {} tries: {last_error}",
                    self.settings.max_tries
                )));
            }
            self.check_budget(1, dry_run).await?;
            let body = CreatePost {
                text: text.to_owned(),
                reply: reply_to.clone().map(|id| Reply {
                    in_reply_to_tweet_id: id,
                }),
            };
            let request =
                serde_json::to_string(&body).map_err(|e| PublishError::Failed(e.to_string()))?;
            let attempt = match self
                .store
                .start_attempt(&NewAttempt {
                    draft_id,
                    position,
                    try_number,
                    owner: &self.owner,
                    lease_ms: self.lease_ms(),
                    dry_run,
                    request: &request,
                })
                .await
            {
                Ok(a) => a,
                Err(StoreError::Conflict { .. }) => {
                    return Err(PublishError::Busy(draft_id.to_owned()));
                }
                Err(e) => return Err(e.into()),
            };
            crash_point("before_call", position);
            if dry_run {
                return self.record(&attempt, None, text).await;
            }
            let x = self.x.as_ref().ok_or(PublishError::NoCredentials)?;
            let context = PostContext {
                draft_id: draft_id.to_owned(),
                position: u32::try_from(position).unwrap_or(u32::MAX),
                total,
            };
            let result = x.create_post(&body, &context).await;
            // Unreachable or no answer says the provider is unwell; any answer says it works.
            match &result {
                Err(CallError::NotSent(_) | CallError::Unknown(_)) => permit.failure(),
                _ => permit.success(),
            }
            match result {
                Ok(x_post_id) => {
                    crash_point("after_call", position);
                    return self.record(&attempt, Some(&x_post_id), text).await;
                }
                Err(CallError::Duplicate) => {
                    // Our own earlier call may have posted it; never retry a duplicate.
                    if let Some(found) = self.reconcile(&attempt, text, reply_to.as_deref()).await?
                    {
                        return self.record(&attempt, Some(&found), text).await;
                    }
                    self.end(&attempt, AttemptEnd::Failed, "duplicate content")
                        .await?;
                    return Err(PublishError::Failed(format!(
                        "X refused position {position} as a duplicate of an earlier post"
                    )));
                }
                Err(CallError::RateLimited { reset_at }) => {
                    self.end(&attempt, AttemptEnd::Failed, "rate limited")
                        .await?;
                    let wait = rate_limit_wait(reset_at);
                    if wait > self.settings.max_rate_limit_wait {
                        return Err(PublishError::Failed(format!(
                            "X rate limit reached; it resets in {} s, longer than the {} s this publisher waits",
                            wait.as_secs(),
                            self.settings.max_rate_limit_wait.as_secs()
                        )));
                    }
                    tracing::warn!(
                        draft_id,
                        position,
                        wait_secs = wait.as_secs(),
                        "X rate limit reached; waiting for the reset"
                    );
                    tokio::time::sleep(wait).await;
                    last_error = "rate limited".into();
                    continue;
                }
                Err(e @ CallError::Unknown(_)) => {
                    self.end(&attempt, AttemptEnd::Unconfirmed, &e.to_string())
                        .await?;
                    last_error = e.to_string();
                }
                Err(e @ CallError::NotSent(_)) => {
                    self.end(&attempt, AttemptEnd::Failed, &e.to_string())
                        .await?;
                    last_error = e.to_string();
                }
                Err(e) => {
                    self.end(&attempt, AttemptEnd::Failed, &e.to_string())
                        .await?;
                    return Err(PublishError::Failed(e.to_string()));
                }
            }
            tracing::warn!(draft_id, position, error = %last_error, "publish call failed; retrying");
            tokio::time::sleep(jitter(delay)).await;
            delay = delay.saturating_mul(2);
        }
    }

    /// Whether the account already has the post `attempt` tried to make: a post with the
    /// same text (links compared loosely: X shortens them) replying to `reply_to`, made since
    /// shortly before the attempt started.
    async fn reconcile(
        &self,
        attempt: &PublishAttempt,
        text: &str,
        reply_to: Option<&str>,
    ) -> Result<Option<String>, PublishError> {
        if attempt.dry_run {
            return Ok(None);
        }
        let x = self.x.as_ref().ok_or(PublishError::NoCredentials)?;
        let since = attempt.started_at - 60_000;
        let timeline = x
            .recent_posts(since)
            .await
            .map_err(|e| PublishError::Failed(format!("reconciling: {e}")))?;
        Ok(find_post(&timeline, text, reply_to).map(str::to_owned))
    }

    async fn record(
        &self,
        attempt: &PublishAttempt,
        x_post_id: Option<&str>,
        text: &str,
    ) -> Result<PostRecord, PublishError> {
        let post = self
            .store
            .record_post(&PostedTweet {
                attempt_id: &attempt.id,
                owner: &self.owner,
                draft_id: &attempt.draft_id,
                position: attempt.position,
                x_post_id,
                text,
                payload: attempt.request.as_deref().unwrap_or_default(),
                dry_run: attempt.dry_run,
            })
            .await;
        match post {
            Ok(p) => {
                crash_point("after_record", attempt.position);
                Ok(p)
            }
            Err(StoreError::Conflict { .. }) => Err(PublishError::Busy(attempt.draft_id.clone())),
            Err(e) => Err(e.into()),
        }
    }

    async fn end(
        &self,
        a: &PublishAttempt,
        end: AttemptEnd,
        error: &str,
    ) -> Result<(), PublishError> {
        match self.store.end_attempt(&a.id, &self.owner, end, error).await {
            Ok(()) => Ok(()),
            Err(StoreError::Conflict { .. }) => Err(PublishError::Busy(a.draft_id.clone())),
            Err(e) => Err(e.into()),
        }
    }

    /// Refuses unless `needed` more real posts fit in the rolling 24-hour budget.
    async fn check_budget(&self, needed: i64, dry_run: bool) -> Result<(), PublishError> {
        let Some(budget) = self.settings.daily_post_budget.filter(|_| !dry_run) else {
            return Ok(());
        };
        let used = self.store.posts_since(now_ms() - 24 * 3600 * 1000).await?;
        let left = (i64::from(budget) - used).max(0);
        if needed > left {
            return Err(PublishError::Failed(format!(
                "the daily post budget is {budget} posts per 24 hours and {left} are left, \
                 {needed} needed; resume later"
            )));
        }
        Ok(())
    }

    fn lease_ms(&self) -> i64 {
        self.settings.lease.as_millis().min(i64::MAX as u128) as i64
    }
}

/// The id a reply to this post must name (`None` in dry-run, where there is none).
fn reply_target(post: &PostRecord) -> Option<String> {
    post.x_post_id.clone()
}

/// The post on `timeline` that is `text` replying to `reply_to`.
pub fn find_post<'a>(
    timeline: &'a [TimelinePost],
    text: &str,
    reply_to: Option<&str>,
) -> Option<&'a str> {
    let want = loose(text);
    timeline
        .iter()
        .find(|p| loose(&p.text) == want && p.replied_to() == reply_to)
        .map(|p| p.id.as_str())
}

/// Text compared without links (X replaces them with t.co links) or surrounding spaces.
fn loose(text: &str) -> String {
    text.split_whitespace()
        .filter(|w| !(w.starts_with("http://") || w.starts_with("https://")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// How long until `reset_at` (Unix seconds), plus a second; a minute when X did not say.
fn rate_limit_wait(reset_at: Option<i64>) -> Duration {
    match reset_at {
        Some(at) => {
            let now = jiff::Timestamp::now().as_second();
            Duration::from_secs(u64::try_from(at - now).unwrap_or(0) + 1)
        }
        None => Duration::from_secs(60),
    }
}

fn jitter(d: Duration) -> Duration {
    use rand::Rng;
    let factor = rand::rng().random_range(0.5..1.5);
    d.mul_f64(factor)
}

#[cfg(feature = "crash-points")]
fn crash_point(point: &str, position: i64) {
    if let Ok(at) = std::env::var("DAILYX_CRASH_AT")
        && at == format!("{point}:{position}")
    {
        eprintln!("crash point: aborting at {point} of position {position}");
        std::process::abort();
    }
}

#[cfg(not(feature = "crash-points"))]
fn crash_point(_point: &str, _position: i64) {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::x_api::Reference;

    fn post(id: &str, text: &str, reply: Option<&str>) -> TimelinePost {
        TimelinePost {
            id: id.into(),
            text: text.into(),
            referenced_tweets: reply
                .map(|r| {
                    vec![Reference {
                        kind: "replied_to".into(),
                        id: r.into(),
                    }]
                })
                .unwrap_or_default(),
        }
    }

    #[test]
    fn reconcile_matches_text_and_reply_target() {
        let timeline = [
            post("3", "second https://t.co/abc", Some("1")),
            post("2", "second", Some("9")),
            post("1", "first", None),
        ];
        assert_eq!(find_post(&timeline, "first", None), Some("1"));
        assert_eq!(
            find_post(&timeline, "second https://example.com/x", Some("1")),
            Some("3")
        );
        assert_eq!(find_post(&timeline, "second", Some("9")), Some("2"));
        assert_eq!(find_post(&timeline, "second", None), None);
        assert_eq!(find_post(&timeline, "third", None), None);
    }

    #[test]
    fn rate_limit_wait_follows_the_reset_header() {
        let now = jiff::Timestamp::now().as_second();
        let wait = rate_limit_wait(Some(now + 5));
        assert!(wait >= Duration::from_secs(5) && wait <= Duration::from_secs(7));
        assert_eq!(rate_limit_wait(Some(now - 100)), Duration::from_secs(1));
        assert_eq!(rate_limit_wait(None), Duration::from_secs(60));
    }
}
