//! Delivering a draft's review notification. The Notifier component composed it with
//! placeholders where the action links' tokens go; here the tokens are minted (stored hashed,
//! bound to the draft and its content hash, single use, valid until the review window closes),
//! put into the message, and the message is sent over every configured channel with retries.
//! Each channel's outcome is recorded and counted in `notify_total`.

mod channels;
pub mod render;

pub use channels::{
    ChannelConfig, ChannelSecrets, OperatorDestinations, Secret, SendError, SmtpTls,
};

use backon::{ExponentialBuilder, Retryable};
use dailyx_store::{
    NewActionToken, Store, StoreError, TOKEN_ACTIONS, action_url, console_url, now_ms,
    token_placeholder,
};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The `app_config` key holding the channels (a JSON array of [`ChannelConfig`]).
pub const CHANNELS_KEY: &str = "notify.channels";

/// A composed notification (the Notifier component's output).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    #[allow(missing_docs)]
    pub subject: String,
    #[allow(missing_docs)]
    pub text: String,
    #[allow(missing_docs)]
    pub html: String,
}

/// What went wrong before any channel was tried.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The configured channels do not parse.
    #[error("app_config {CHANNELS_KEY} is invalid: {0}")]
    BadChannels(String),
    /// The draft has no composed notification.
    #[error("draft `{0}` has no notification to deliver")]
    NoNotification(String),
}

/// One channel's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelOutcome {
    /// `smtp`, `sendgrid` or `twilio_whatsapp`.
    pub channel: &'static str,
    /// Whether it was sent.
    pub sent: bool,
    /// Tries made.
    pub attempts: u32,
    /// The last error, if it was not sent.
    pub error: Option<String>,
}

/// The product's name in the host's own messages.
const PRODUCT: &str = "Daily X Agent";

/// Delivery settings.
#[derive(Debug, Clone)]
pub struct NotifySettings {
    /// Tries per channel.
    pub max_tries: u32,
    /// First backoff (doubles, with jitter).
    pub retry_delay: Duration,
    /// Per request.
    pub timeout: Duration,
    /// Token lifetime when the draft has no review deadline.
    pub default_token_ttl: Duration,
    /// The console's public URL: the action links are `<public_url>/actions/<token>`.
    pub public_url: String,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            max_tries: 4,
            retry_delay: Duration::from_millis(500),
            timeout: Duration::from_secs(20),
            default_token_ttl: Duration::from_secs(24 * 3600),
            public_url: "http://127.0.0.1:8080".into(),
        }
    }
}

/// Delivers notifications.
pub struct Notifier {
    store: Store,
    http: reqwest::Client,
    /// The environment's secrets, and what the console set (which wins), swapped at once.
    from_env: ChannelSecrets,
    secrets: std::sync::RwLock<ChannelSecrets>,
    settings: NotifySettings,
}

impl Notifier {
    /// A notifier using `secrets` for the channels' credentials.
    pub fn new(store: Store, secrets: ChannelSecrets, settings: NotifySettings) -> Notifier {
        dailyx_common::install_crypto_provider();
        Notifier {
            store,
            http: reqwest::Client::new(),
            from_env: secrets.clone(),
            secrets: std::sync::RwLock::new(secrets),
            settings,
        }
    }

    /// Applies credentials set in the console: each one given replaces the environment's.
    pub fn set_stored_secrets(&self, stored: ChannelSecrets) {
        let merged = ChannelSecrets {
            smtp_password: stored
                .smtp_password
                .or_else(|| self.from_env.smtp_password.clone()),
            sendgrid_api_key: stored
                .sendgrid_api_key
                .or_else(|| self.from_env.sendgrid_api_key.clone()),
            twilio_auth_token: stored
                .twilio_auth_token
                .or_else(|| self.from_env.twilio_auth_token.clone()),
        };
        *self.secrets.write().unwrap_or_else(|p| p.into_inner()) = merged;
    }

    /// The configured channels.
    pub async fn channels(&self) -> Result<Vec<ChannelConfig>, NotifyError> {
        match self.store.config_value(CHANNELS_KEY).await? {
            None => Ok(Vec::new()),
            Some(v) => {
                serde_json::from_value(v).map_err(|e| NotifyError::BadChannels(e.to_string()))
            }
        }
    }

    /// Delivers draft `draft_id`'s notification over every configured channel. Tokens are
    /// minted only when there is a channel to send them over.
    pub async fn deliver(&self, draft_id: &str) -> Result<Vec<ChannelOutcome>, NotifyError> {
        let channels = self.channels().await?;
        if channels.is_empty() {
            tracing::info!(draft_id, "no notification channels configured");
            return Ok(Vec::new());
        }
        let draft = self.store.draft(draft_id).await?;
        let stored = draft
            .notification
            .as_ref()
            .ok_or_else(|| NotifyError::NoNotification(draft_id.to_owned()))?;
        let composed: Message = serde_json::from_value(stored.0.clone())
            .map_err(|_| NotifyError::NoNotification(draft_id.to_owned()))?;
        let ttl = match draft.expires_at {
            Some(at) => Duration::from_millis(u64::try_from(at - now_ms()).unwrap_or(0)),
            None => self.settings.default_token_ttl,
        };
        let message = self.tokened_message(&draft, &composed, ttl).await?;
        let mut outcomes = Vec::new();
        for channel in &channels {
            outcomes.push(self.send_with_retries(draft_id, channel, &message).await?);
        }
        Ok(outcomes)
    }

    /// The message with the action tokens in the host's links, or, when the composed message
    /// has a placeholder anywhere else, the host's own message without any token
    /// ([`render`]). Tokens are minted only for a message that will carry them.
    async fn tokened_message(
        &self,
        draft: &dailyx_store::Draft,
        composed: &Message,
        ttl: Duration,
    ) -> Result<Message, NotifyError> {
        let base = &self.settings.public_url;
        let composed_links: Vec<(&str, String)> = TOKEN_ACTIONS
            .iter()
            .map(|&a| (a, action_url(base, &token_placeholder(a), &draft.id)))
            .collect();
        // Checked with the placeholders first, so a refused message mints nothing.
        let check: Vec<render::Link> = composed_links
            .iter()
            .map(|(_, url)| render::Link {
                composed: url.clone(),
                delivered: url.clone(),
            })
            .collect();
        if let Err(why) = render::render(composed, &check) {
            tracing::warn!(draft_id = %draft.id, reason = %why, "composed notification refused; sending the host's own message without action links");
            metrics::counter!("notification_refused_total").increment(1);
            return Ok(render::fallback(
                PRODUCT,
                &console_url(base, &draft.id),
                &why,
            ));
        }
        let mut links = Vec::with_capacity(composed_links.len());
        for (action, composed_url) in composed_links {
            let token = self
                .store
                .mint_action_token(&NewActionToken {
                    draft_id: draft.id.clone(),
                    action: action.to_owned(),
                    content_hash: draft.content_hash.clone(),
                    ttl,
                })
                .await?;
            links.push(render::Link {
                composed: composed_url,
                delivered: action_url(base, &token, &draft.id),
            });
        }
        // The same check as above, so it cannot fail here; if it did, no token is sent.
        render::render(composed, &links).or_else(|why| {
            Ok(render::fallback(
                PRODUCT,
                &console_url(base, &draft.id),
                &why,
            ))
        })
    }

    async fn send_with_retries(
        &self,
        draft_id: &str,
        channel: &ChannelConfig,
        message: &Message,
    ) -> Result<ChannelOutcome, NotifyError> {
        let started = now_ms();
        let attempts = std::sync::atomic::AtomicU32::new(0);
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.settings.retry_delay)
            .with_max_times(self.settings.max_tries.saturating_sub(1) as usize)
            .with_jitter();
        // The credentials as they are when this delivery starts.
        let secrets = self
            .secrets
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let result = (|| async {
            attempts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            channel.send(&self.http, &secrets, message, self.settings.timeout).await
        })
        .retry(backoff)
        .when(|e| matches!(e, SendError::Transient(_)))
        .notify(|e, wait| {
            tracing::warn!(draft_id, channel = channel.name(), error = %e, wait_ms = wait.as_millis() as u64, "notification failed; retrying");
        })
        .await;
        let attempts = attempts.into_inner();
        let error = result.err().map(|e| e.to_string());
        let sent = error.is_none();
        metrics::counter!("notify_total", "channel" => channel.name(), "outcome" => if sent { "sent" } else { "failed" })
            .increment(1);
        match &error {
            None => tracing::info!(
                draft_id,
                channel = channel.name(),
                attempts,
                "notification sent"
            ),
            Some(e) => {
                tracing::error!(draft_id, channel = channel.name(), attempts, error = %e, "notification not sent")
            }
        }
        self.store
            .record_delivery(
                draft_id,
                channel.name(),
                sent,
                i64::from(attempts),
                error.as_deref(),
                started,
            )
            .await?;
        Ok(ChannelOutcome {
            channel: channel.name(),
            sent,
            attempts,
            error,
        })
    }
}
