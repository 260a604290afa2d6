//! Settings an admin changes from the console while the host runs: the persona, the dry-run
//! switch, the LLM endpoint and model, and the LLM key (write-only, encrypted at rest by the
//! vault). They are stored in `app_config` / `credentials` and applied to the running pipeline,
//! publisher and LLM service at once; every host polls the settings revision, so a change made
//! on one host reaches the others within a tick. Unset values fall back to the config file.

use crate::state::AppState;
use dailyx_common::{BoundSecret, http_destination};
use dailyx_runtime::capability::llm::LlmEndpoint;
use dailyx_store::{SettingsRevision, StoreError};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// `app_config` key of the persona component's name.
pub const PERSONA_KEY: &str = "persona";
/// `app_config` key of the console's stage bindings (a JSON object, stage → component).
pub const STAGES_KEY: &str = "stages";
/// `app_config` key of the dry-run switch (a JSON boolean).
pub const DRY_RUN_KEY: &str = "dry_run";
/// `app_config` key of the LLM endpoint and model ([`LlmChoice`]).
pub const LLM_KEY: &str = "llm";
/// `credentials` name of the LLM key.
pub const LLM_API_KEY: &str = "llm.api_key";
/// `credentials` names of the notification channels' secrets (they win over the environment's).
pub const SMTP_PASSWORD: &str = "notify.smtp_password";
#[allow(missing_docs)]
pub const SENDGRID_API_KEY: &str = "notify.sendgrid_api_key";
#[allow(missing_docs)]
pub const TWILIO_AUTH_TOKEN: &str = "notify.twilio_auth_token";

/// The LLM endpoint and default model chosen in the console.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LlmChoice {
    /// OpenAI-compatible base URL (`/chat/completions` is appended).
    pub base_url: String,
    /// Default model.
    pub model: String,
}

/// Reads the stored settings and applies them to this host's pipeline, publisher and LLM
/// service, now (after this host changed them).
pub async fn apply(state: &AppState) -> Result<(), StoreError> {
    // The revision first: a change made while applying is seen by the next `sync`.
    let revision = state.store.settings_revision().await?;
    apply_stored(state).await?;
    set_applied(state, revision);
    Ok(())
}

/// Applies the stored settings when they changed since this host last applied them (another
/// host changed them, or this host is starting). Called by the clock loop and at start-up.
pub async fn sync(state: &AppState) -> Result<(), StoreError> {
    let revision = state.store.settings_revision().await?;
    if applied(state) != revision {
        apply_stored(state).await?;
        set_applied(state, revision);
    }
    Ok(())
}

fn applied(state: &AppState) -> SettingsRevision {
    *state
        .settings_revision
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn set_applied(state: &AppState, revision: SettingsRevision) {
    *state
        .settings_revision
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = revision;
}

async fn apply_stored(state: &AppState) -> Result<(), StoreError> {
    if let Some(persona) = state
        .store
        .config_value(PERSONA_KEY)
        .await?
        .and_then(|v| v.as_str().map(str::to_owned))
    {
        state.pipeline.live().set_persona(&persona);
    }
    state
        .pipeline
        .live()
        .set_chosen_stages(chosen_stages(state).await?);
    if let Some(on) = state
        .store
        .config_value(DRY_RUN_KEY)
        .await?
        .and_then(|v| v.as_bool())
    {
        match state.publisher.set_dry_run(on) {
            Ok(()) => state.pipeline.live().set_dry_run(on),
            Err(e) => {
                // Another host without X credentials: it keeps publishing nothing.
                tracing::warn!(error = %e, "dry-run stays on for this host");
                state.pipeline.live().set_dry_run(true);
            }
        }
    }
    state.runtime.llm().set_endpoint(llm_endpoint(state).await?);
    state
        .notifier
        .set_stored_secrets(dailyx_notify::ChannelSecrets {
            smtp_password: stored_secret(state, SMTP_PASSWORD).await?,
            sendgrid_api_key: stored_secret(state, SENDGRID_API_KEY).await?,
            twilio_auth_token: stored_secret(state, TWILIO_AUTH_TOKEN).await?,
        });
    crate::providers::apply(state).await
}

/// The stage bindings chosen in the console (stage → component); a stored value that is not
/// such a map counts as none.
pub async fn chosen_stages(
    state: &AppState,
) -> Result<std::collections::BTreeMap<String, String>, StoreError> {
    Ok(state
        .store
        .config_value(STAGES_KEY)
        .await?
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default())
}

/// The LLM base URL in use: the console's choice, else the file's.
async fn llm_base_url(state: &AppState) -> Result<Option<String>, StoreError> {
    let choice = state
        .store
        .config_value(LLM_KEY)
        .await?
        .and_then(|v| serde_json::from_value::<LlmChoice>(v).ok());
    Ok(choice
        .map(|c| c.base_url)
        .or_else(|| state.llm_from_file.as_ref().map(|f| f.base_url.clone())))
}

/// The endpoint the LLM service should use now: the console's choice (or the file's), with the
/// console's key (or the file's) if that key was given for the endpoint's origin. A key never
/// follows the base URL to another origin: the file's goes only to the file's base URL, the
/// console's only to the one it was set for.
async fn llm_endpoint(state: &AppState) -> Result<Option<LlmEndpoint>, StoreError> {
    let choice = state
        .store
        .config_value(LLM_KEY)
        .await?
        .and_then(|v| serde_json::from_value::<LlmChoice>(v).ok());
    let file = state.llm_from_file.as_ref();
    let file_key = file.and_then(|f| {
        let key = f.api_key.clone()?;
        Some(BoundSecret::new(
            key,
            http_destination(&f.base_url).into_iter().collect(),
        ))
    });
    let key = stored_secret(state, LLM_API_KEY).await?.or(file_key);
    let mut endpoint = match (choice, file) {
        (Some(c), file) => LlmEndpoint {
            base_url: c.base_url,
            model: c.model,
            api_key: None,
            timeout: file.map_or(Duration::from_secs(60), |f| f.timeout),
        },
        (None, Some(f)) => LlmEndpoint {
            api_key: None,
            ..f.clone()
        },
        (None, None) => return Ok(None),
    };
    if let Some(key) = key {
        let origin = http_destination(&endpoint.base_url).unwrap_or_default();
        match key.to(&origin) {
            Ok(secret) => endpoint.api_key = Some(secret.clone()),
            Err(e) => {
                tracing::warn!(error = %e, "the LLM key is not sent to the LLM base URL in use")
            }
        }
    }
    Ok(Some(endpoint))
}

/// Where the secret `name` would be sent now, so that it is tied there when an admin sets it:
/// the LLM base URL's origin (`llm_base_url` when the same change sets it), or each channel of
/// the secret's kind. `None` for a secret that needs no destination of its own (a provider's).
pub async fn destinations_for(
    state: &AppState,
    name: &str,
    llm_base_url_now: Option<&str>,
) -> Result<Option<Vec<String>>, StoreError> {
    let kind = match name {
        LLM_API_KEY => {
            let base = match llm_base_url_now {
                Some(b) => Some(b.to_owned()),
                None => llm_base_url(state).await?,
            };
            return Ok(Some(
                base.as_deref()
                    .and_then(http_destination)
                    .into_iter()
                    .collect(),
            ));
        }
        SMTP_PASSWORD => "smtp",
        SENDGRID_API_KEY => "sendgrid",
        TWILIO_AUTH_TOKEN => "twilio_whatsapp",
        _ => return Ok(None),
    };
    let channels = state.notifier.channels().await.unwrap_or_default();
    let mut to: Vec<String> = channels
        .iter()
        .filter(|c| c.name() == kind)
        .filter_map(|c| c.destination())
        .collect();
    to.sort();
    to.dedup();
    Ok(Some(to))
}

/// A credential set in the console, decrypted and tied to the destinations it was set for;
/// `None` when unset or when it cannot be opened with this host's master key (logged by name,
/// never the value).
async fn stored_secret(state: &AppState, name: &str) -> Result<Option<BoundSecret>, StoreError> {
    let Some(stored) = state.store.credential(name).await? else {
        return Ok(None);
    };
    match state.vault.unseal(name, &stored.ciphertext) {
        Ok(v) => Ok(Some(BoundSecret::new(v, stored.destinations()))),
        Err(e) => {
            tracing::error!(credential = name, error = %e, "a stored credential is ignored");
            Ok(None)
        }
    }
}
