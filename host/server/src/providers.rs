//! The provider components on a running host: which are enabled (the console's choice, else
//! the config file's), their credentials (decrypted from the vault and handed to the
//! dispatcher's credential source, never to a component), and the delivery loop that runs
//! queued and waiting deliveries.

use crate::state::AppState;
use dailyx_dispatch::ProviderConfig;
use dailyx_store::StoreError;
use std::collections::HashMap;
use std::time::Duration;

/// `app_config` key of the enabled providers (a JSON list of [`ProviderConfig`]).
pub const PROVIDERS_KEY: &str = "providers";
/// Prefix of the provider credentials in the `credentials` table.
pub const CREDENTIAL_PREFIX: &str = "provider.";
/// How often the delivery loop looks for waiting deliveries whose time has come.
const SWEEP_EVERY: Duration = Duration::from_secs(5);

/// The enabled providers now: the console's list, else the config file's.
pub async fn enabled(state: &AppState) -> Result<Vec<ProviderConfig>, StoreError> {
    Ok(state
        .store
        .config_value(PROVIDERS_KEY)
        .await?
        .and_then(|v| serde_json::from_value::<Vec<ProviderConfig>>(v).ok())
        .unwrap_or_else(|| state.providers_from_file.clone()))
}

/// Applies the stored provider list and credentials to the dispatcher (at start, and when an
/// admin changed either, here or on another host).
pub async fn apply(state: &AppState) -> Result<(), StoreError> {
    state.dispatcher.set_providers(enabled(state).await?);
    let mut values = HashMap::new();
    for stored in state
        .store
        .credentials_with_prefix(CREDENTIAL_PREFIX)
        .await?
    {
        match state.vault.unseal(&stored.name, &stored.ciphertext) {
            Ok(secret) => {
                values.insert(stored.name, secret);
            }
            // Never the value: which credential, and why it cannot be opened.
            Err(e) => {
                tracing::error!(credential = %stored.name, error = %e, "a stored provider credential is ignored")
            }
        }
    }
    state.provider_credentials.replace(values).await;
    Ok(())
}

/// Queues a published draft for every enabled provider and wakes the delivery loop.
pub async fn queue(state: &AppState, draft_id: &str) {
    if state.dispatcher.providers().is_empty() {
        return;
    }
    match state.dispatcher.queue(draft_id).await {
        Ok(()) => state.wake.deliveries.notify_one(),
        Err(e) => {
            tracing::error!(%draft_id, error = %e, "cannot queue the draft for the providers")
        }
    }
}

/// Runs due deliveries: when woken, and every few seconds for waiting ones.
pub async fn deliveries(state: AppState) {
    loop {
        match state.dispatcher.sweep().await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(deliveries = n, "delivery pass"),
            Err(e) => tracing::error!(error = %e, "delivery pass failed"),
        }
        tokio::select! {
            _ = state.wake.deliveries.notified() => {}
            _ = tokio::time::sleep(SWEEP_EVERY) => {}
        }
    }
}
