//! `/api/credentials`: every credential the host holds for a provider or an integration,
//! masked. Values are write-only: a response says whether one is set, its last four
//! characters (for values of 12 or more), when and by whom it was set; never the value.
//! Setting one seals it in the vault, audits the change (its name, never its value) and
//! applies it at once, here and (through the settings revision) on every other host.

use crate::audit::audit;
use crate::auth::Admin;
use crate::error::{ApiError, ApiJson, ErrorBody};
use crate::live_settings::{self, LLM_API_KEY};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use dailyx_common::Secret;
use dailyx_common::vault::last_four;
use dailyx_dispatch::catalog;
use dailyx_store::NewAuditEntry;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One credential slot.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialView {
    /// The name to `PUT` it under, e.g. `provider.mastodon.access_token`.
    pub name: String,
    /// What it is.
    pub label: String,
    /// Whether a value is set.
    pub set: bool,
    /// Its last four characters (empty for values shorter than 12).
    pub last4: Option<String>,
    /// The mask the console shows (`••••1234`, or `••••` when set without a tail).
    pub masked: Option<String>,
    #[allow(missing_docs)]
    pub updated_at: Option<i64>,
    /// The id of the user who set it.
    pub updated_by: Option<String>,
    /// Their username.
    pub updated_by_name: Option<String>,
    /// Where it may be sent (the LLM's origin, each channel's server or API): a secret never
    /// follows a changed address, it is set again for the new one.
    pub bound_to: Option<Vec<String>>,
}

/// A provider or integration and its credentials.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntegrationView {
    /// `x`, `mastodon`, ..., or `llm`.
    pub id: String,
    #[allow(missing_docs)]
    pub display: String,
    /// `provider` or `integration`.
    pub kind: String,
    /// Whether enough is set to use it.
    pub complete: bool,
    #[allow(missing_docs)]
    pub credentials: Vec<CredentialView>,
}

/// `PUT /api/credentials/{name}`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialUpdate {
    /// The secret. Never echoed, logged or audited.
    #[schema(value_type = String)]
    pub value: Secret,
}

/// Every slot the host knows: `(integration id, display, kind, name, label)`.
fn slots() -> Vec<(String, String, &'static str, String, String)> {
    let integration = |id: &str, display: &str, name: &str, label: &str| {
        (
            id.to_owned(),
            display.to_owned(),
            "integration",
            name.to_owned(),
            label.to_owned(),
        )
    };
    let mut all = vec![
        integration("llm", "LLM endpoint", LLM_API_KEY, "API key"),
        integration(
            "smtp",
            "Email (SMTP)",
            crate::live_settings::SMTP_PASSWORD,
            "Password",
        ),
        integration(
            "sendgrid",
            "SendGrid",
            crate::live_settings::SENDGRID_API_KEY,
            "API key",
        ),
        integration(
            "twilio_whatsapp",
            "Twilio WhatsApp",
            crate::live_settings::TWILIO_AUTH_TOKEN,
            "Auth token",
        ),
    ];
    for p in catalog::PROVIDERS {
        for slot in p.slots {
            all.push((
                p.name.to_owned(),
                p.display.to_owned(),
                "provider",
                catalog::credential_name(p.name, slot.key),
                slot.label.to_owned(),
            ));
        }
    }
    all
}

async fn view(state: &AppState) -> Result<Vec<IntegrationView>, ApiError> {
    let names: std::collections::HashMap<String, String> = state
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    let mut out: Vec<IntegrationView> = Vec::new();
    for (id, display, kind, name, label) in slots() {
        let stored = state.store.credential(&name).await?;
        let view = CredentialView {
            masked: stored.as_ref().map(|c| format!("••••{}", c.last4)),
            set: stored.is_some(),
            last4: stored.as_ref().map(|c| c.last4.clone()),
            updated_at: stored.as_ref().map(|c| c.updated_at),
            updated_by_name: stored
                .as_ref()
                .and_then(|c| c.updated_by.as_ref())
                .and_then(|id| names.get(id).cloned()),
            bound_to: stored
                .as_ref()
                .filter(|c| c.bound_to.is_some())
                .map(|c| c.destinations()),
            updated_by: stored.and_then(|c| c.updated_by),
            name,
            label,
        };
        match out.iter_mut().find(|i| i.id == id) {
            Some(i) => i.credentials.push(view),
            None => out.push(IntegrationView {
                id,
                display,
                kind: kind.to_owned(),
                complete: false,
                credentials: vec![view],
            }),
        }
    }
    for i in &mut out {
        i.complete = match catalog::provider(&i.id) {
            Some(p) => state.provider_credentials.is_complete(p),
            None => i.credentials.iter().all(|c| c.set),
        };
    }
    Ok(out)
}

/// `GET /api/credentials`: every provider's and integration's credentials, masked.
#[utoipa::path(get, path = "/api/credentials", tag = "config",
    responses((status = 200, body = Vec<IntegrationView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    _auth: Admin,
) -> Result<Json<Vec<IntegrationView>>, ApiError> {
    Ok(Json(view(&state).await?))
}

fn known(name: &str) -> Result<(), ApiError> {
    if slots().iter().any(|(_, _, _, n, _)| n == name) {
        Ok(())
    } else {
        Err(ApiError::not_found(format!(
            "`{name}` is not a credential this host uses"
        )))
    }
}

/// `PUT /api/credentials/{name}`: sets a credential (sealed at rest, applied at once).
#[utoipa::path(put, path = "/api/credentials/{name}", tag = "config", request_body = CredentialUpdate,
    params(("name" = String, Path, description = "e.g. provider.mastodon.access_token")),
    responses((status = 200, body = Vec<IntegrationView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<CredentialUpdate>,
) -> Result<Json<Vec<IntegrationView>>, ApiError> {
    known(&name)?;
    let value = body.value.expose().trim();
    if value.is_empty() {
        return Err(ApiError::invalid(
            "the value is empty; DELETE the credential to remove it",
        ));
    }
    if value.chars().count() > 8192 || value.chars().any(char::is_control) {
        // Never echo the value: say what is wrong with it.
        return Err(ApiError::invalid(
            "the value must be at most 8192 characters without control characters",
        ));
    }
    let bound_to = destinations_to_tie(&state, &name, None).await?;
    let secret = Secret::new(value);
    let sealed = state.vault.seal(&name, &secret);
    state
        .store
        .set_credential(
            &name,
            &sealed,
            &last_four(secret.expose()),
            bound_to.as_deref(),
            Some(&user.id),
        )
        .await?;
    live_settings::apply(&state).await?;
    record(&state, &user, "credentials.set", &name).await;
    Ok(Json(view(&state).await?))
}

/// Where a secret about to be set is tied to (see [`live_settings::destinations_for`]); a
/// conflict when there is nowhere yet, since a secret tied to nothing is never sent.
pub(crate) async fn destinations_to_tie(
    state: &AppState,
    name: &str,
    llm_base_url_now: Option<&str>,
) -> Result<Option<Vec<String>>, ApiError> {
    let Some(to) = live_settings::destinations_for(state, name, llm_base_url_now).await? else {
        return Ok(None);
    };
    if to.is_empty() {
        let first = if name == LLM_API_KEY {
            "set the LLM base URL"
        } else {
            "add the notification channel it is for"
        };
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "no_destination",
            format!(
                "`{name}` is sent only where it is set for: {first} first, then set the secret"
            ),
        ));
    }
    Ok(Some(to))
}

/// `DELETE /api/credentials/{name}`: removes a credential (applied at once).
#[utoipa::path(delete, path = "/api/credentials/{name}", tag = "config",
    params(("name" = String, Path, description = "e.g. provider.mastodon.access_token")),
    responses((status = 200, body = Vec<IntegrationView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(name): Path<String>,
) -> Result<Json<Vec<IntegrationView>>, ApiError> {
    known(&name)?;
    if !state.store.delete_credential(&name).await? {
        return Err(ApiError::not_found(format!("`{name}` is not set")));
    }
    live_settings::apply(&state).await?;
    record(&state, &user, "credentials.delete", &name).await;
    Ok(Json(view(&state).await?))
}

async fn record(state: &AppState, user: &crate::auth::CurrentUser, action: &str, name: &str) {
    audit(
        state,
        NewAuditEntry {
            user_id: Some(user.id.clone()),
            action: action.into(),
            ip: Some(user.ip.to_string()),
            // The name only: never the value, nor its tail.
            detail: serde_json::json!({ "name": name }),
            ..Default::default()
        },
    )
    .await;
    tracing::info!(user_id = %user.id, credential = %name, "{action}");
}
