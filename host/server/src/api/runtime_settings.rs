//! `/api/config/runtime`: the persona, the dry-run switch, the LLM endpoint and model, and the
//! LLM key (write-only: only whether it is set and its last four characters come back). Admins
//! only; every change is validated, audited (never with the key) and applied at once.

use crate::api::plugins::personas;
use crate::audit::audit;
use crate::auth::Admin;
use crate::error::{ApiError, ApiJson, ErrorBody};
use crate::live_settings::{self, DRY_RUN_KEY, LLM_API_KEY, LLM_KEY, LlmChoice, PERSONA_KEY};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dailyx_common::Secret;
use dailyx_common::vault::last_four;
use dailyx_store::NewAuditEntry;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The LLM as configured now.
#[derive(Debug, Serialize, ToSchema)]
pub struct LlmView {
    /// Whether components can use an LLM at all.
    pub configured: bool,
    #[allow(missing_docs)]
    pub base_url: Option<String>,
    #[allow(missing_docs)]
    pub model: Option<String>,
    /// Whether a key was set in the console (a key from the environment is not shown).
    pub api_key_set: bool,
    /// Its last four characters (empty for short keys).
    pub api_key_last4: Option<String>,
    /// The origin it was set for: it is sent only there, so after the base URL moves to
    /// another origin it must be set again.
    pub api_key_bound_to: Option<Vec<String>>,
}

/// The runtime settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuntimeSettings {
    /// The persona component runs write as.
    pub persona: String,
    /// The persona components loaded.
    pub personas: Vec<String>,
    /// Whether approved drafts are only recorded, not posted.
    pub dry_run: bool,
    /// Whether X credentials are configured (dry-run can be turned off).
    pub can_publish: bool,
    #[allow(missing_docs)]
    pub llm: LlmView,
}

/// `PUT /api/config/runtime`: each field present is changed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuntimeSettingsUpdate {
    /// A loaded persona component.
    pub persona: Option<String>,
    #[allow(missing_docs)]
    pub dry_run: Option<bool>,
    /// Endpoint and model.
    #[schema(value_type = Option<Object>)]
    pub llm: Option<LlmChoice>,
    /// A new key; an empty string removes the one set in the console.
    #[schema(value_type = Option<String>)]
    pub llm_api_key: Option<Secret>,
}

async fn view(state: &AppState) -> Result<RuntimeSettings, ApiError> {
    let endpoint_llm = state.runtime.llm().endpoint();
    let stored_key = state.store.credential(LLM_API_KEY).await?;
    Ok(RuntimeSettings {
        persona: state.pipeline.live().persona(),
        personas: personas(state),
        dry_run: state.publisher.dry_run(),
        can_publish: state.publisher.can_publish(),
        llm: LlmView {
            configured: endpoint_llm.is_some(),
            base_url: endpoint_llm.as_ref().map(|e| e.base_url.clone()),
            model: endpoint_llm.as_ref().map(|e| e.model.clone()),
            api_key_set: stored_key.is_some(),
            api_key_bound_to: stored_key.as_ref().map(|k| k.destinations()),
            api_key_last4: stored_key.map(|k| k.last4),
        },
    })
}

/// The runtime settings (admins only).
#[utoipa::path(get, path = "/api/config/runtime", tag = "config",
    responses((status = 200, body = RuntimeSettings), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    _auth: Admin,
) -> Result<Json<RuntimeSettings>, ApiError> {
    Ok(Json(view(&state).await?))
}

fn validate(state: &AppState, body: &RuntimeSettingsUpdate) -> Result<(), ApiError> {
    if let Some(p) = &body.persona
        && !personas(state).contains(p)
    {
        return Err(ApiError::invalid(format!(
            "`{p}` is not a loaded persona component"
        )));
    }
    if body.dry_run == Some(false) && !state.publisher.can_publish() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "no_x_credentials",
            "dry-run cannot be turned off: no X credentials are configured on this host",
        ));
    }
    if let Some(llm) = &body.llm {
        let url = url::Url::parse(&llm.base_url)
            .map_err(|_| ApiError::invalid("the LLM base URL is not a URL"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(ApiError::invalid(
                "the LLM base URL must be http(s)://host/...",
            ));
        }
        let model = llm.model.trim();
        if model.is_empty() || model.len() > 200 || model.chars().any(char::is_whitespace) {
            return Err(ApiError::invalid(
                "the model is a name of 1–200 characters without spaces",
            ));
        }
    }
    if let Some(key) = &body.llm_api_key {
        let k = key.expose();
        if k.len() > 1000 || k.chars().any(|c| c.is_control() || c == ' ') {
            // Says what is wrong without echoing the value.
            return Err(ApiError::invalid(
                "the key must be at most 1000 characters, without spaces or control characters",
            ));
        }
    }
    Ok(())
}

/// Changes the fields present, then applies them to this host at once (others follow
/// within a tick).
#[utoipa::path(put, path = "/api/config/runtime", tag = "config", request_body = RuntimeSettingsUpdate,
    responses((status = 200, body = RuntimeSettings), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    Admin(user): Admin,
    ApiJson(body): ApiJson<RuntimeSettingsUpdate>,
) -> Result<Json<RuntimeSettings>, ApiError> {
    validate(&state, &body)?;
    // Where a new key is tied to, found before anything is written: the base URL this change
    // sets, else the one in use.
    let key_bound_to = match &body.llm_api_key {
        Some(key) if !key.expose().is_empty() => {
            let base = body.llm.as_ref().map(|l| l.base_url.trim());
            crate::api::credentials::destinations_to_tie(&state, LLM_API_KEY, base).await?
        }
        _ => None,
    };
    let mut changed = serde_json::Map::new();
    if let Some(p) = &body.persona {
        state
            .store
            .set_config_value(PERSONA_KEY, &serde_json::json!(p), Some(&user.id))
            .await?;
        changed.insert("persona".into(), serde_json::json!(p));
    }
    if let Some(on) = body.dry_run {
        state
            .store
            .set_config_value(DRY_RUN_KEY, &serde_json::json!(on), Some(&user.id))
            .await?;
        changed.insert("dry_run".into(), serde_json::json!(on));
    }
    if let Some(llm) = &body.llm {
        let llm = LlmChoice {
            base_url: llm.base_url.trim().to_owned(),
            model: llm.model.trim().to_owned(),
        };
        let value = serde_json::to_value(&llm).map_err(|_| ApiError::internal())?;
        state
            .store
            .set_config_value(LLM_KEY, &value, Some(&user.id))
            .await?;
        changed.insert("llm".into(), value);
    }
    if let Some(key) = &body.llm_api_key {
        if key.expose().is_empty() {
            state.store.delete_credential(LLM_API_KEY).await?;
            changed.insert("llm_api_key".into(), serde_json::json!("removed"));
        } else {
            let sealed = state.vault.seal(LLM_API_KEY, key);
            state
                .store
                .set_credential(
                    LLM_API_KEY,
                    &sealed,
                    &last_four(key.expose()),
                    key_bound_to.as_deref(),
                    Some(&user.id),
                )
                .await?;
            // The audit says that it changed, never what it is.
            changed.insert("llm_api_key".into(), serde_json::json!("set"));
        }
    }
    if changed.is_empty() {
        return Err(ApiError::invalid("nothing to change"));
    }
    live_settings::apply(&state).await?;
    audit(
        &state,
        NewAuditEntry {
            user_id: Some(user.id.clone()),
            action: "config.runtime".into(),
            ip: Some(user.ip.to_string()),
            detail: serde_json::Value::Object(changed),
            ..Default::default()
        },
    )
    .await;
    tracing::info!(user_id = %user.id, "runtime settings changed");
    Ok(Json(view(&state).await?))
}
