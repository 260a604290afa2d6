//! Publishing an approved draft to every enabled provider component, exactly once per
//! provider and position.
//!
//! Each (draft, provider) is a *delivery*. For each unposted position, in order:
//! 1. An attempt whose outcome is unknown (`unconfirmed`, or `in_progress` with an expired
//!    lease: its owner died mid-call) is taken over and reconciled with the provider's `recent`
//!    posts. Found: recorded. Not found: the attempt failed; try again. A provider that cannot
//!    list posts (a webhook) never gets here after an answered failure (a 5xx: sent again at
//!    once with the same idempotency key, which its receivers honour). It gets here when a
//!    request got no answer (timed out, the call stopped, the owner died): the receiver may
//!    still be acting on it, so the delivery ends `unconfirmed`, and only an operator who
//!    checked the receiver sends it again ([`Dispatcher::resend`]).
//! 2. The circuit of the provider must let the call through and the post must fit the
//!    provider's rolling 24-hour budget; otherwise the delivery *waits* (nothing is sent, no
//!    try is spent) and the sweep picks it up when the circuit half-opens or the budget frees.
//! 3. An `in_progress` attempt with a lease is written, then the component's `publish` runs.
//!    Success: the post and the attempt's success in one transaction. "Maybe posted"
//!    (timeout, 5xx): `unconfirmed`, reconciled before any retry. "Certainly not": retried with
//!    exponential backoff and jitter. Rate limited: wait for the reset, or wait in the sweep.
//!    Unauthorized or rejected: the delivery fails for good (an operator fixes and resumes).
//!
//! Simulation (`simulate` per provider, `SIMULATE_<PROVIDER>=1`, or the host's dry-run) runs
//! the same bookkeeping and records exactly what would be sent, and calls nothing.

use crate::catalog::{self, ProviderKind, ThreadStyle};
use crate::credentials::ProviderCredentials;
use dailyx_publish::circuit::{
    BreakerSettings, CircuitBreaker, CircuitSnapshot, CircuitState, Clock, Permit, SystemClock,
};
use dailyx_runtime::types::{MediaAttachment, OutboundPost, ProviderError, RemotePost};
use dailyx_runtime::{Runtime, StageInput, StageOutput};
use dailyx_store::{
    AttemptEnd, Draft, NewProviderAttempt, NewProviderPost, ProviderAttempt, ProviderPost, Store,
    StoreError, content_hash, now_ms,
};
use parking_lot::RwLock;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// One enabled provider.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ProviderConfig {
    /// The network (a name in [`catalog::PROVIDERS`]).
    pub name: String,
    /// The component that publishes for it (its name by default).
    pub component: String,
    /// Record what would be sent; send nothing.
    pub simulate: bool,
    /// Real posts allowed per rolling 24 hours (`None`: no budget).
    pub budget_per_24h: Option<u32>,
}

/// How deliveries behave.
#[derive(Debug, Clone)]
pub struct DispatchSettings {
    /// Calls per position before the delivery fails.
    pub max_tries: u32,
    /// First backoff between tries (exponential, with jitter).
    pub retry_delay: Duration,
    /// Longest backoff between tries.
    pub max_retry_delay: Duration,
    /// How long one call may take before another publisher treats it as unconfirmed.
    pub lease: Duration,
    /// Longest rate-limit wait done in place; a longer one waits in the sweep.
    pub max_rate_limit_wait: Duration,
    /// Per-provider circuit thresholds.
    pub breaker: BreakerSettings,
}

impl Default for DispatchSettings {
    fn default() -> Self {
        DispatchSettings {
            max_tries: 4,
            retry_delay: Duration::from_secs(1),
            max_retry_delay: Duration::from_secs(60),
            lease: Duration::from_secs(60),
            max_rate_limit_wait: Duration::from_secs(60),
            breaker: BreakerSettings::default(),
        }
    }
}

/// Something a delivery did, for the event log.
#[derive(Debug, Clone, Serialize)]
pub struct DispatchEvent {
    /// `provider.posted`, `provider.simulated`, `provider.retrying`, `provider.waiting`,
    /// `provider.delivered`, `provider.unconfirmed`, `provider.failed`.
    pub kind: &'static str,
    #[allow(missing_docs)]
    pub draft_id: String,
    #[allow(missing_docs)]
    pub provider: String,
    /// The position, for per-post events.
    pub position: Option<i64>,
    /// What happened (never a credential: components never hold one).
    pub detail: serde_json::Value,
}

/// Where a delivery ended this time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "status")]
pub enum DeliveryOutcome {
    /// Every position is posted.
    Delivered,
    /// Every position is recorded as it would have been sent.
    Simulated,
    /// Nothing more can go now (open circuit, budget, long rate limit); tried again later.
    Waiting {
        /// Why.
        reason: String,
        /// When, Unix ms.
        next_try_at: i64,
    },
    /// Failed for good; an operator must act.
    Failed {
        /// Why.
        error: String,
    },
    /// A call was cut off after it was sent and the provider cannot say whether it posted: it
    /// may have. An operator checks the receiver, then resends or leaves it.
    Unconfirmed {
        /// What is not known.
        detail: String,
    },
    /// Another publisher is delivering it now.
    Busy,
}

/// Why a delivery could not even be attempted.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The provider is not enabled on this host.
    #[error("provider `{0}` is not enabled")]
    NotEnabled(String),
}

/// Gives the media to attach to a draft's posts (the quote card, ...).
pub trait MediaSource: Send + Sync {
    /// Media for `draft` on `provider` (empty when there are none).
    fn media_for<'a>(
        &'a self,
        draft: &'a Draft,
        provider: &'a ProviderKind,
    ) -> dailyx_runtime::secret::BoxFuture<'a, Result<Vec<MediaAttachment>, String>>;
}

type EventSink = Arc<dyn Fn(DispatchEvent) + Send + Sync>;
type DryRun = Arc<dyn Fn() -> bool + Send + Sync>;
type TransitionSink = Arc<dyn Fn(&dailyx_publish::circuit::Transition) + Send + Sync>;

/// Publishes drafts through provider components.
pub struct Dispatcher {
    store: Store,
    runtime: Arc<Runtime>,
    credentials: Arc<ProviderCredentials>,
    settings: DispatchSettings,
    providers: RwLock<Vec<ProviderConfig>>,
    breakers: RwLock<HashMap<String, Arc<CircuitBreaker>>>,
    clock: Arc<dyn Clock>,
    owner: String,
    dry_run: DryRun,
    media: Option<Arc<dyn MediaSource>>,
    on_event: EventSink,
    on_transition: Option<TransitionSink>,
}

/// What one position's publish came to.
enum Step {
    Posted(ProviderPost),
    Wait(String, i64),
    Fail(String),
    Unconfirmed(String),
    Busy,
}

impl Dispatcher {
    /// A dispatcher identified as `owner` in attempt leases.
    pub fn new(
        store: Store,
        runtime: Arc<Runtime>,
        credentials: Arc<ProviderCredentials>,
        settings: DispatchSettings,
        owner: impl Into<String>,
    ) -> Dispatcher {
        Dispatcher {
            store,
            runtime,
            credentials,
            settings,
            providers: RwLock::new(Vec::new()),
            breakers: RwLock::new(HashMap::new()),
            clock: Arc::new(SystemClock),
            owner: owner.into(),
            dry_run: Arc::new(|| true),
            media: None,
            on_event: Arc::new(|_| {}),
            on_transition: None,
        }
    }

    /// Uses `clock` for the breakers (tests control time).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Dispatcher {
        self.clock = clock;
        self
    }

    /// Asks `dry_run` whether the host is in dry-run (then every provider is simulated).
    pub fn with_dry_run(
        mut self,
        dry_run: impl Fn() -> bool + Send + Sync + 'static,
    ) -> Dispatcher {
        self.dry_run = Arc::new(dry_run);
        self
    }

    /// Attaches media from `media`.
    pub fn with_media(mut self, media: Arc<dyn MediaSource>) -> Dispatcher {
        self.media = Some(media);
        self
    }

    /// Reports what deliveries do.
    pub fn on_event(mut self, f: impl Fn(DispatchEvent) + Send + Sync + 'static) -> Dispatcher {
        self.on_event = Arc::new(f);
        self
    }

    /// Reports circuit state changes.
    pub fn on_transition(
        mut self,
        f: impl Fn(&dailyx_publish::circuit::Transition) + Send + Sync + 'static,
    ) -> Dispatcher {
        self.on_transition = Some(Arc::new(f));
        self
    }

    /// Sets the enabled providers (from the runtime config; applied to deliveries not yet
    /// finished). Each component gets its provider's credential from now on.
    pub fn set_providers(&self, providers: Vec<ProviderConfig>) {
        for p in &providers {
            self.credentials.bind(&p.component, &p.name);
        }
        *self.providers.write() = providers;
    }

    /// The enabled providers.
    pub fn providers(&self) -> Vec<ProviderConfig> {
        self.providers.read().clone()
    }

    /// Every provider breaker's state (enabled providers; a breaker is made on first use).
    pub fn circuits(&self) -> Vec<CircuitSnapshot> {
        let names: Vec<String> = self
            .providers
            .read()
            .iter()
            .map(|p| p.name.clone())
            .collect();
        names.iter().map(|n| self.breaker(n).snapshot()).collect()
    }

    fn breaker(&self, provider: &str) -> Arc<CircuitBreaker> {
        if let Some(b) = self.breakers.read().get(provider) {
            return b.clone();
        }
        let mut breakers = self.breakers.write();
        breakers
            .entry(provider.to_owned())
            .or_insert_with(|| {
                let mut b =
                    CircuitBreaker::new(provider, self.settings.breaker, self.clock.clone());
                if let Some(f) = self.on_transition.clone() {
                    b = b.on_transition(move |t| f(t));
                }
                Arc::new(b)
            })
            .clone()
    }

    fn emit(
        &self,
        kind: &'static str,
        draft_id: &str,
        provider: &str,
        position: Option<i64>,
        detail: serde_json::Value,
    ) {
        (self.on_event)(DispatchEvent {
            kind,
            draft_id: draft_id.to_owned(),
            provider: provider.to_owned(),
            position,
            detail,
        });
    }

    /// Whether `provider` is simulated now: its own flag, `SIMULATE_<PROVIDER>`, or dry-run.
    pub fn simulated(&self, provider: &ProviderConfig) -> bool {
        provider.simulate || simulate_env(&provider.name) || (self.dry_run)()
    }

    /// Queues `draft_id` for every enabled provider (after the draft was published on X, or
    /// approved when X is not the primary network). Idempotent.
    pub async fn queue(&self, draft_id: &str) -> Result<(), DispatchError> {
        let existing = self.store.provider_deliveries(draft_id).await?;
        for p in self.providers() {
            if existing.iter().any(|d| d.provider == p.name) {
                continue;
            }
            self.store
                .set_provider_delivery(draft_id, &p.name, "pending", None, None)
                .await?;
        }
        Ok(())
    }

    /// Runs every due delivery (pending, or waiting whose time has come); returns how many ran.
    pub async fn sweep(&self) -> Result<usize, DispatchError> {
        let due = self.store.due_provider_deliveries(now_ms(), 50).await?;
        let mut ran = 0;
        for d in due {
            if !self.providers.read().iter().any(|p| p.name == d.provider) {
                continue; // disabled since it was queued: it stays pending until enabled again
            }
            self.deliver(&d.draft_id, &d.provider).await?;
            ran += 1;
        }
        Ok(ran)
    }

    /// Delivers `draft_id` to `provider` now, continuing at its first unposted position.
    pub async fn deliver(
        &self,
        draft_id: &str,
        provider: &str,
    ) -> Result<DeliveryOutcome, DispatchError> {
        use tracing::Instrument;
        let span = tracing::info_span!("deliver", draft_id = %draft_id, provider = %provider);
        let outcome = self
            .deliver_in_span(draft_id, provider)
            .instrument(span)
            .await?;
        let (status, detail, next) = match &outcome {
            DeliveryOutcome::Delivered => ("delivered", None, None),
            DeliveryOutcome::Simulated => ("simulated", None, None),
            DeliveryOutcome::Waiting {
                reason,
                next_try_at,
            } => ("waiting", Some(reason.as_str()), Some(*next_try_at)),
            DeliveryOutcome::Failed { error } => ("failed", Some(error.as_str()), None),
            DeliveryOutcome::Unconfirmed { detail } => ("unconfirmed", Some(detail.as_str()), None),
            DeliveryOutcome::Busy => return Ok(outcome),
        };
        self.store
            .set_provider_delivery(draft_id, provider, status, detail, next)
            .await?;
        let kind = match &outcome {
            DeliveryOutcome::Delivered => "provider.delivered",
            DeliveryOutcome::Simulated => "provider.simulated",
            DeliveryOutcome::Waiting { .. } => "provider.waiting",
            DeliveryOutcome::Unconfirmed { .. } => "provider.unconfirmed",
            _ => "provider.failed",
        };
        metrics::counter!("provider_deliveries_total", "provider" => provider.to_owned(), "outcome" => status)
            .increment(1);
        self.emit(
            kind,
            draft_id,
            provider,
            None,
            serde_json::json!({ "detail": detail, "next_try_at": next }),
        );
        Ok(outcome)
    }

    async fn deliver_in_span(
        &self,
        draft_id: &str,
        provider: &str,
    ) -> Result<DeliveryOutcome, DispatchError> {
        let config = self
            .providers()
            .into_iter()
            .find(|p| p.name == provider)
            .ok_or_else(|| DispatchError::NotEnabled(provider.to_owned()))?;
        let Some(kind) = catalog::provider(&config.name) else {
            return Ok(DeliveryOutcome::Failed {
                error: format!("`{}` is not a provider this host knows", config.name),
            });
        };
        let draft = self.store.draft(draft_id).await?;
        // The approval covers one exact text: anything else is not published.
        let hash = content_hash(&draft.texts());
        if draft.approved_hash.as_deref() != Some(hash.as_str()) || hash != draft.content_hash {
            return Ok(DeliveryOutcome::Failed {
                error: "the text changed after approval; it must be approved again".into(),
            });
        }
        let mut posts = self.store.provider_posts(draft_id, provider).await?;
        // A delivery keeps the mode it started in: never half real, half simulated.
        let simulated = posts
            .first()
            .map_or_else(|| self.simulated(&config), |p| p.simulated);
        if !simulated && !self.credentials.is_complete(kind) {
            return Ok(DeliveryOutcome::Failed {
                error: format!(
                    "no {} credentials are set; set them on the Credentials page, then resume",
                    kind.display
                ),
            });
        }
        let units = units(&draft, kind.thread);
        let media = match (&self.media, units.is_empty()) {
            (Some(source), false) => match source.media_for(&draft, kind).await {
                Ok(m) => m,
                Err(e) => {
                    tracing::warn!(error = %e, "media could not be prepared; posting without");
                    Vec::new()
                }
            },
            _ => Vec::new(),
        };
        if kind.needs_image
            && !media.iter().any(|m| m.kind == "image" && m.url.is_some())
            && !simulated
        {
            return Ok(DeliveryOutcome::Failed {
                error: format!(
                    "{} needs the quote card at a public URL: set server.public_url and enable media",
                    kind.display
                ),
            });
        }
        // A thread that does not fit in what is left of the budget is not started.
        if posts.is_empty()
            && let Some(wait) = self
                .over_budget(&config, units.len() as i64, simulated)
                .await?
        {
            return Ok(wait);
        }
        let total = units.len() as u32;
        for (position, text) in units.iter().enumerate() {
            let position = position as i64;
            if let Some(done) = posts.iter().find(|p| p.position == position) {
                if done.text != *text {
                    return Ok(DeliveryOutcome::Failed {
                        error: format!("position {position} was posted with a different text"),
                    });
                }
                continue;
            }
            let reply_to = match position {
                0 => None,
                _ => match posts.iter().find(|p| p.position + 1 == position) {
                    Some(prev) => prev.remote_id.clone(),
                    None => {
                        return Ok(DeliveryOutcome::Failed {
                            error: format!("position {position} has no posted predecessor"),
                        });
                    }
                },
            };
            let post = OutboundPost {
                draft_id: draft_id.to_owned(),
                position: position as u32,
                total,
                text: text.clone(),
                reply_to,
                media: if position == 0 {
                    media.clone()
                } else {
                    Vec::new()
                },
                idempotency_key: format!("dailyx-{draft_id}-{provider}-{position}"),
            };
            match self
                .publish_position(&config, kind, &post, simulated)
                .await?
            {
                Step::Posted(p) => posts.push(p),
                Step::Wait(reason, at) => {
                    return Ok(DeliveryOutcome::Waiting {
                        reason,
                        next_try_at: at,
                    });
                }
                Step::Fail(error) => return Ok(DeliveryOutcome::Failed { error }),
                Step::Unconfirmed(detail) => return Ok(DeliveryOutcome::Unconfirmed { detail }),
                Step::Busy => return Ok(DeliveryOutcome::Busy),
            }
        }
        Ok(if simulated {
            DeliveryOutcome::Simulated
        } else {
            DeliveryOutcome::Delivered
        })
    }

    /// An operator who checked the receiver of an `unconfirmed` delivery sends it again: the
    /// attempt whose outcome is unknown ends as failed by `by`'s decision, so the next delivery
    /// sends that position again (with the same idempotency key). `false`: no position of the
    /// delivery is unconfirmed (or another publisher holds it).
    pub async fn resend(
        &self,
        draft_id: &str,
        provider: &str,
        by: &str,
    ) -> Result<bool, DispatchError> {
        let posts = self.store.provider_posts(draft_id, provider).await?;
        let mut position = 0;
        while posts.iter().any(|p| p.position == position) {
            position += 1;
        }
        let Some(a) = self
            .store
            .latest_provider_attempt(draft_id, provider, position)
            .await?
            .filter(|a| a.status == "unconfirmed")
        else {
            return Ok(false);
        };
        if !self
            .store
            .take_over_provider_attempt(&a.id, &self.owner, self.lease_ms())
            .await?
        {
            return Ok(false);
        }
        let why = format!("outcome unknown; {by} checked the receiver and chose to send again");
        self.end(&a, AttemptEnd::Failed, &why).await?;
        tracing::info!(
            draft_id,
            provider,
            position,
            by,
            "unconfirmed post sent again by an operator"
        );
        Ok(true)
    }

    /// `Some(Waiting)` when `needed` real posts do not fit the provider's 24-hour budget.
    async fn over_budget(
        &self,
        config: &ProviderConfig,
        needed: i64,
        simulated: bool,
    ) -> Result<Option<DeliveryOutcome>, DispatchError> {
        let Some(budget) = config.budget_per_24h.filter(|_| !simulated) else {
            return Ok(None);
        };
        let day = 24 * 3600 * 1000;
        let used = self
            .store
            .provider_posts_since(&config.name, now_ms() - day)
            .await?;
        let left = (i64::from(budget) - used).max(0);
        if needed <= left {
            return Ok(None);
        }
        Ok(Some(DeliveryOutcome::Waiting {
            reason: format!(
                "the {} budget is {budget} posts per 24 hours and {left} are left, {needed} needed",
                config.name
            ),
            // Re-checked hourly: posts age out of the rolling window one by one.
            next_try_at: now_ms() + 3600 * 1000,
        }))
    }

    /// Posts one position exactly once.
    async fn publish_position(
        &self,
        config: &ProviderConfig,
        kind: &ProviderKind,
        post: &OutboundPost,
        simulated: bool,
    ) -> Result<Step, DispatchError> {
        let provider = config.name.as_str();
        let position = i64::from(post.position);
        let breaker = self.breaker(provider);
        let mut backoff = backoff(&self.settings);
        let mut last_error = String::new();
        loop {
            // An open circuit sends nothing and spends no try.
            if !simulated && let Err(refused) = breaker.try_acquire() {
                let at = now_ms() + refused.retry_in.as_millis().max(1000) as i64;
                return Ok(Step::Wait(format!("the {provider} circuit is open"), at));
            }
            let permit = if simulated {
                Permit::none()
            } else {
                Permit::of(&breaker)
            };
            let latest = self
                .store
                .latest_provider_attempt(&post.draft_id, provider, position)
                .await?;
            let try_number = match &latest {
                None => 1,
                Some(a) if a.status == "failed" => a.try_number + 1,
                Some(a) if a.status == "succeeded" => {
                    return Ok(Step::Fail(format!(
                        "position {position} is recorded as posted on {provider} but its post row is missing"
                    )));
                }
                Some(a) => {
                    if !self
                        .store
                        .take_over_provider_attempt(&a.id, &self.owner, self.lease_ms())
                        .await?
                    {
                        return Ok(Step::Busy);
                    }
                    match self.reconcile(config, a, post).await {
                        Reconciled::Found(remote) => {
                            tracing::info!(position, remote_id = %remote.remote_id, "reconciled: the earlier call had posted it");
                            return self
                                .record(a, Some(&remote.remote_id), None, &post.text)
                                .await;
                        }
                        Reconciled::NotFound(why) => {
                            self.end(a, AttemptEnd::Failed, &why).await?;
                            a.try_number + 1
                        }
                        Reconciled::Unknown(why) => {
                            // Cannot tell whether it was posted: wait rather than post twice.
                            let at = now_ms() + self.settings.max_retry_delay.as_millis() as i64;
                            return Ok(Step::Wait(format!("cannot reconcile yet: {why}"), at));
                        }
                        Reconciled::Unlistable(why) => {
                            // Cut off, or its owner died mid-call: it may be posted, nobody here
                            // can tell, so it stays unconfirmed and the operator decides.
                            let error = a.error.clone().unwrap_or_default();
                            self.end(a, AttemptEnd::Unconfirmed, &error).await?;
                            return Ok(Step::Unconfirmed(format!(
                                "position {position} may have reached {provider}: a request got \
                                 no answer and {provider} cannot list its posts ({why}); check \
                                 the receiver, then send again or leave it"
                            )));
                        }
                    }
                }
            };
            if try_number > i64::from(self.settings.max_tries) {
                return Ok(Step::Fail(format!(
                    "position {position} failed after {} tries: {last_error}",
                    self.settings.max_tries
                )));
            }
            let request = request_json(post);
            let attempt = match self
                .store
                .start_provider_attempt(&NewProviderAttempt {
                    draft_id: &post.draft_id,
                    provider,
                    position,
                    try_number,
                    owner: &self.owner,
                    lease_ms: self.lease_ms(),
                    simulated,
                    request: &request,
                })
                .await
            {
                Ok(a) => a,
                Err(StoreError::Conflict { .. }) => return Ok(Step::Busy),
                Err(e) => return Err(e.into()),
            };
            if simulated {
                drop(permit);
                let step = self.record(&attempt, None, None, &post.text).await?;
                // The request itself is in the post row; the event says what it held.
                self.emit(
                    "provider.simulated",
                    &post.draft_id,
                    provider,
                    Some(position),
                    serde_json::json!({ "chars": post.text.chars().count(), "media": post.media.len() }),
                );
                return Ok(step);
            }
            let (mut answer, cut_off) = self.call_publish(&config.component, post).await;
            // The network refused the host's credential (a session could not be opened): an
            // operator must fix it; it says nothing about the network's health.
            if let Err(ProviderError::NotSent(_)) = &answer
                && let Some(refusal) = self.credentials.take_refusal(provider)
            {
                answer = Err(ProviderError::Unauthorized(refusal));
            }
            match &answer {
                Err(ProviderError::NotSent(_) | ProviderError::Unknown(_)) => permit.failure(),
                _ => permit.success(),
            }
            match answer {
                Ok(receipt) => {
                    let step = self
                        .record(
                            &attempt,
                            Some(&receipt.remote_id),
                            receipt.url.as_deref(),
                            &post.text,
                        )
                        .await?;
                    self.emit("provider.posted", &post.draft_id, provider, Some(position), serde_json::json!({ "remote_id": receipt.remote_id, "url": receipt.url, "try": try_number }));
                    return Ok(step);
                }
                Err(ProviderError::Duplicate(m)) => {
                    // Our own earlier call may have posted it; never retry a duplicate.
                    if let Reconciled::Found(remote) = self.reconcile(config, &attempt, post).await
                    {
                        return self
                            .record(&attempt, Some(&remote.remote_id), None, &post.text)
                            .await;
                    }
                    self.end(&attempt, AttemptEnd::Failed, &format!("duplicate: {m}"))
                        .await?;
                    return Ok(Step::Fail(format!(
                        "{provider} refused position {position} as a duplicate: {m}"
                    )));
                }
                Err(ProviderError::RateLimited(reset)) => {
                    self.end(&attempt, AttemptEnd::Failed, "rate limited")
                        .await?;
                    let now = now_ms();
                    let reset_ms = reset.map_or(now + 60_000, |s| s.saturating_mul(1000) + 1000);
                    let wait = Duration::from_millis(u64::try_from(reset_ms - now).unwrap_or(0));
                    if wait > self.settings.max_rate_limit_wait {
                        return Ok(Step::Wait(
                            format!("{provider} rate limit reached"),
                            reset_ms,
                        ));
                    }
                    tracing::warn!(
                        position,
                        wait_ms = wait.as_millis() as u64,
                        "rate limited; waiting for the reset"
                    );
                    tokio::time::sleep(wait).await;
                    last_error = "rate limited".into();
                    continue;
                }
                Err(e @ ProviderError::Unknown(_)) => {
                    if cut_off || kind.lists_posts {
                        // Reconciled before any retry; or, if it cannot be, left to an operator:
                        // a receiver that never answered may still be acting on the request.
                        self.end(&attempt, AttemptEnd::Unconfirmed, &e.to_string())
                            .await?;
                    } else {
                        // It answered (a 5xx) and cannot be asked: the same idempotency key,
                        // which its receivers honour, makes sending again safe.
                        let why = format!(
                            "{e}; it answered, so it is sent again with the same idempotency key"
                        );
                        self.end(&attempt, AttemptEnd::Failed, &why).await?;
                    }
                    last_error = e.to_string();
                }
                Err(e @ ProviderError::NotSent(_)) => {
                    self.end(&attempt, AttemptEnd::Failed, &e.to_string())
                        .await?;
                    last_error = e.to_string();
                }
                Err(e @ (ProviderError::Unauthorized(_) | ProviderError::Rejected(_))) => {
                    self.end(&attempt, AttemptEnd::Failed, &e.to_string())
                        .await?;
                    return Ok(Step::Fail(format!("{provider}: {e}")));
                }
            }
            // The failure that opened the circuit ends the tries for now.
            let circuit = breaker.snapshot();
            if circuit.state == CircuitState::Open {
                let at = now_ms() + circuit.retry_in_ms.unwrap_or(1000).max(1000) as i64;
                return Ok(Step::Wait(format!("the {provider} circuit is open"), at));
            }
            let delay = backoff.next().unwrap_or(self.settings.max_retry_delay);
            tracing::warn!(position, error = %last_error, delay_ms = delay.as_millis() as u64, "publish call failed; retrying");
            self.emit("provider.retrying", &post.draft_id, provider, Some(position), serde_json::json!({ "error": last_error, "try": try_number, "delay_ms": delay.as_millis() as u64 }));
            tokio::time::sleep(delay).await;
        }
    }

    /// Runs the component's `publish`; also says whether a request of it went unanswered.
    async fn call_publish(
        &self,
        component: &str,
        post: &OutboundPost,
    ) -> (
        Result<dailyx_runtime::types::ProviderReceipt, ProviderError>,
        bool,
    ) {
        let input = StageInput::Publish { post: post.clone() };
        let call = call_provider(&self.runtime, component, input).await;
        let answer = match call.output {
            Ok(StageOutput::Published(answer)) => answer,
            Ok(other) => Err(ProviderError::NotSent(format!(
                "component `{component}` answered {} instead of a receipt",
                output_name(&other)
            ))),
            Err(e) => Err(e),
        };
        (answer, call.cut_off)
    }

    /// Looks for the post `attempt` tried to make among the provider's recent posts.
    async fn reconcile(
        &self,
        config: &ProviderConfig,
        attempt: &ProviderAttempt,
        post: &OutboundPost,
    ) -> Reconciled {
        if attempt.simulated {
            return Reconciled::NotFound("simulated".into());
        }
        let since = attempt.started_at - 60_000;
        let record = self
            .runtime
            .call(&config.component, StageInput::Recent { since_ms: since })
            .await;
        match record.result {
            Ok(StageOutput::RecentPosts(Ok(recent))) => {
                match find_post(&recent, &post.text, post.reply_to.as_deref()) {
                    Some(found) => Reconciled::Found(found.clone()),
                    None => Reconciled::NotFound("reconciled: not among the recent posts".into()),
                }
            }
            // The provider cannot list posts (a webhook): nothing here can tell.
            Ok(StageOutput::RecentPosts(Err(ProviderError::Rejected(m)))) => {
                Reconciled::Unlistable(m)
            }
            Ok(StageOutput::RecentPosts(Err(e))) => Reconciled::Unknown(e.to_string()),
            Ok(other) => Reconciled::Unknown(format!("answered {}", output_name(&other))),
            Err(e) => Reconciled::Unknown(e.to_string()),
        }
    }

    async fn record(
        &self,
        attempt: &ProviderAttempt,
        remote_id: Option<&str>,
        url: Option<&str>,
        text: &str,
    ) -> Result<Step, DispatchError> {
        match self
            .store
            .record_provider_post(&NewProviderPost {
                attempt,
                owner: &self.owner,
                remote_id,
                url,
                text,
            })
            .await
        {
            Ok(p) => Ok(Step::Posted(p)),
            Err(StoreError::Conflict { .. }) => Ok(Step::Busy),
            Err(e) => Err(e.into()),
        }
    }

    async fn end(
        &self,
        a: &ProviderAttempt,
        end: AttemptEnd,
        error: &str,
    ) -> Result<(), DispatchError> {
        match self
            .store
            .end_provider_attempt(&a.id, &self.owner, end, error)
            .await
        {
            Ok(()) | Err(StoreError::Conflict { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    fn lease_ms(&self) -> i64 {
        self.settings.lease.as_millis().min(i64::MAX as u128) as i64
    }
}

enum Reconciled {
    Found(RemotePost),
    NotFound(String),
    /// Asking failed this time (ask again later).
    Unknown(String),
    /// The provider can never be asked.
    Unlistable(String),
}

/// A provider component's answer, and what the host saw of its requests.
pub(crate) struct ProviderCall {
    /// The component's output, or its host-side failure sorted as a provider error.
    pub output: Result<StageOutput, ProviderError>,
    /// A request got no complete answer (timed out, or the call stopped mid-request): the
    /// network may have acted on it, whatever the component says.
    pub cut_off: bool,
}

/// Calls a provider component. A host-side failure (trap, limit, not loaded) after the
/// component made an allowed request may have posted: it is `unknown`; before any, `not-sent`.
pub(crate) async fn call_provider(
    runtime: &Runtime,
    component: &str,
    input: StageInput,
) -> ProviderCall {
    let record = runtime.call(component, input).await;
    let output = record.result.map_err(|e| {
        // Counted before each request left, so a call stopped mid-request counts it too.
        if record.requests_sent > 0 {
            ProviderError::Unknown(format!("component `{component}` failed after sending: {e}"))
        } else {
            ProviderError::NotSent(format!("component `{component}`: {e}"))
        }
    });
    ProviderCall {
        output,
        cut_off: record.requests_unanswered > 0,
    }
}

/// The texts a draft becomes on a network: one per tweet, or the whole thread as one post.
pub fn units(draft: &Draft, style: ThreadStyle) -> Vec<String> {
    match style {
        ThreadStyle::Replies => draft.tweets.iter().map(|t| t.text.clone()).collect(),
        ThreadStyle::Single if draft.tweets.is_empty() => Vec::new(),
        ThreadStyle::Single => vec![draft.texts().join("\n\n")],
    }
}

/// The backoff between tries: exponential from `retry_delay`, capped, with jitter.
fn backoff(settings: &DispatchSettings) -> impl Iterator<Item = Duration> {
    use backon::BackoffBuilder;
    backon::ExponentialBuilder::default()
        .with_min_delay(settings.retry_delay)
        .with_max_delay(settings.max_retry_delay)
        .with_jitter()
        .without_max_times()
        .build()
}

/// What is recorded of a post: everything but the media bytes (their digests instead).
fn request_json(post: &OutboundPost) -> String {
    let media: Vec<serde_json::Value> = post
        .media
        .iter()
        .map(|m| {
            serde_json::json!({
                "kind": m.kind, "mime": m.mime, "url": m.url, "alt": m.alt,
                "bytes": m.data.len(), "sha256": dailyx_store::sha256_hex(&m.data),
            })
        })
        .collect();
    serde_json::json!({
        "text": post.text,
        "position": post.position,
        "total": post.total,
        "reply_to": post.reply_to,
        "idempotency_key": post.idempotency_key,
        "media": media,
    })
    .to_string()
}

fn output_name(output: &StageOutput) -> &'static str {
    match output {
        StageOutput::Published(_) => "a receipt",
        StageOutput::RecentPosts(_) => "a post list",
        _ => "another world's output",
    }
}

/// `SIMULATE_<PROVIDER>` is set to something other than `0`/`false`/empty.
fn simulate_env(provider: &str) -> bool {
    let name = format!(
        "SIMULATE_{}",
        provider.to_ascii_uppercase().replace('-', "_")
    );
    std::env::var(name).is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false" | "no"))
}

/// The post among `recent` that is `text` replying to `reply_to` (links and spacing compared
/// loosely: networks rewrite links).
pub fn find_post<'a>(
    recent: &'a [RemotePost],
    text: &str,
    reply_to: Option<&str>,
) -> Option<&'a RemotePost> {
    let want = loose(text);
    recent
        .iter()
        .find(|p| loose(&p.text) == want && p.reply_to.as_deref() == reply_to)
}

fn loose(text: &str) -> String {
    text.split_whitespace()
        .filter(|w| !(w.starts_with("http://") || w.starts_with("https://")))
        .collect::<Vec<_>>()
        .join(" ")
}
