//! `/api/plugins`: the loaded components (version, world, digest, grants, limits, load status,
//! last reload), each component's history, and for admins reload and rollback.

use crate::audit::audit;
use crate::auth::{Admin, Reviewer};
use crate::error::{ApiError, ErrorBody};
use crate::plugin_history::{ConfirmFailure, HistoryError, Requester, RollbackFailure, roll_back};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use dailyx_runtime::{ConfirmError, ReloadReport, Stage, manifest};
use dailyx_store::NewAuditEntry;
use serde::{Deserialize, Serialize};
use std::time::{SystemTime, UNIX_EPOCH};
use utoipa::ToSchema;

/// One component.
#[derive(Debug, Serialize, ToSchema)]
pub struct PluginView {
    #[allow(missing_docs)]
    pub name: String,
    /// The version serving now.
    pub version: String,
    /// The WIT world it implements (`collector`, `writer`, `persona`, ...).
    pub world: String,
    /// `sha256:<hex>` of the serving `.wasm`.
    pub digest: String,
    /// What it may use (absent: not granted).
    #[schema(value_type = Object)]
    pub grants: manifest::Grants,
    /// Limits of one call (absent for a component that never loaded).
    #[schema(value_type = Option<Object>)]
    pub limits: Option<manifest::Limits>,
    /// Whether it imports WASI (a third-party build).
    pub imports_wasi: bool,
    /// When this version was activated (Unix ms).
    pub loaded_at: i64,
    /// `cache` or `compiled`.
    pub compile_source: String,
    /// `loaded`, `loaded_old_version` (a newer version was refused) or `failed`.
    pub status: String,
    /// Why the last load of this component failed, if it did.
    pub problem: Option<String>,
    /// The contract version it was built against (`0.1`, `0.2`; absent if it never loaded).
    pub contract: Option<String>,
    /// The language it says it was written in (`Rust`, `Python 3.14`, `JavaScript`), from its
    /// producers section: informational, the component chose these bytes.
    pub language: Option<String>,
    /// The tools it says processed it (`wit-component 0.245.1`, ...).
    pub toolchain: Vec<String>,
}

/// The last (re)load.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReloadView {
    /// When it finished (Unix ms).
    pub at: Option<i64>,
    /// `name@version` activated.
    pub activated: Vec<String>,
    /// Components removed from the manifest.
    pub removed: Vec<String>,
    /// `component: message`.
    pub problems: Vec<String>,
    /// Set when the manifest could not be used (nothing changed).
    pub manifest_error: Option<String>,
}

/// A new version that asks for more than the one serving, waiting for an admin's confirmation.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingView {
    #[allow(missing_docs)]
    pub name: String,
    /// The version serving meanwhile.
    pub from_version: String,
    #[allow(missing_docs)]
    pub from_digest: String,
    /// The version waiting.
    pub to_version: String,
    /// What to confirm (`POST /api/plugins/{name}/confirm`).
    pub to_digest: String,
    /// Every grant and limit that differs: `{what, old, new, direction: widened|narrowed}`.
    #[schema(value_type = Vec<Object>)]
    pub changes: Vec<dailyx_runtime::Change>,
    /// Waiting since (Unix ms).
    pub since: i64,
}

/// Every component, with the last reload.
#[derive(Debug, Serialize, ToSchema)]
pub struct PluginsPage {
    #[allow(missing_docs)]
    pub plugins: Vec<PluginView>,
    /// New versions waiting for confirmation.
    pub pending: Vec<PendingView>,
    #[allow(missing_docs)]
    pub last_reload: ReloadView,
}

fn unix_ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn reload_view(at: Option<SystemTime>, report: &ReloadReport) -> ReloadView {
    ReloadView {
        at: at.map(unix_ms),
        activated: report
            .activated
            .iter()
            .map(|c| format!("{}@{}", c.name, c.version))
            .collect(),
        removed: report.removed.clone(),
        problems: report
            .problems
            .iter()
            .map(|p| format!("{}: {}", p.component, p.message))
            .collect(),
        manifest_error: report.manifest_error.clone(),
    }
}

fn page(state: &AppState) -> PluginsPage {
    let registry = state.runtime.registry();
    let mut plugins: Vec<PluginView> = registry
        .components
        .values()
        .map(|c| {
            let problem = registry.problems.get(&c.id.name);
            PluginView {
                name: c.id.name.clone(),
                version: c.id.version.clone(),
                world: c.entry.stage.to_string(),
                digest: c.id.digest.clone(),
                grants: c.entry.grants.clone(),
                limits: Some(c.entry.limits),
                imports_wasi: c.imports_wasi,
                loaded_at: unix_ms(c.loaded_at),
                compile_source: format!("{:?}", c.compile_source).to_lowercase(),
                status: if problem.is_some() {
                    "loaded_old_version"
                } else {
                    "loaded"
                }
                .into(),
                problem: problem.map(|p| p.message.clone()),
                contract: Some(c.contract().to_string()),
                language: c.producers.language.clone(),
                toolchain: c.producers.processed_by.clone(),
            }
        })
        .collect();
    // Entries that never loaded have no serving version: listed from the problems.
    for (name, p) in &registry.problems {
        if registry.components.contains_key(name) {
            continue;
        }
        plugins.push(PluginView {
            name: name.clone(),
            version: String::new(),
            world: String::new(),
            digest: String::new(),
            grants: Default::default(),
            limits: None,
            imports_wasi: false,
            loaded_at: 0,
            compile_source: String::new(),
            status: "failed".into(),
            problem: Some(p.message.clone()),
            contract: None,
            language: None,
            toolchain: Vec::new(),
        });
    }
    plugins.sort_by(|a, b| a.name.cmp(&b.name));
    let last = state.runtime.last_reload();
    let last_reload = match last {
        Some(l) => reload_view(Some(l.at), &l.report),
        None => reload_view(None, &ReloadReport::default()),
    };
    let pending = state
        .runtime
        .pending_upgrades()
        .values()
        .map(|p| PendingView {
            name: p.to.name.clone(),
            from_version: p.from.version.clone(),
            from_digest: p.from.digest.clone(),
            to_version: p.to.version.clone(),
            to_digest: p.to.digest.clone(),
            changes: p.changes.clone(),
            since: unix_ms(p.since),
        })
        .collect();
    PluginsPage {
        plugins,
        pending,
        last_reload,
    }
}

/// The loaded components and the last reload.
#[utoipa::path(get, path = "/api/plugins", tag = "plugins",
    responses((status = 200, body = PluginsPage), (status = 401, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, _auth: Reviewer) -> Json<PluginsPage> {
    Json(page(&state))
}

/// Reloads the manifest and components now (what the file watcher does on a change). A new
/// version that fails its checks is refused and the old one keeps serving.
#[utoipa::path(post, path = "/api/plugins/reload", tag = "plugins",
    responses((status = 200, body = PluginsPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn reload(
    State(state): State<AppState>,
    Admin(user): Admin,
) -> Result<Json<PluginsPage>, ApiError> {
    let report = state.runtime.reload().await;
    if let Err(e) = state.pipeline.record_loaded_components().await {
        tracing::warn!(error = %e, "cannot record the loaded component versions");
    }
    let view = reload_view(None, &report);
    audit(
        &state,
        NewAuditEntry {
            user_id: Some(user.id.clone()),
            action: "plugins.reload".into(),
            ip: Some(user.ip.to_string()),
            detail: serde_json::json!({
                "activated": view.activated,
                "removed": view.removed,
                "problems": view.problems,
                "manifest_error": view.manifest_error,
            }),
            ..Default::default()
        },
    )
    .await;
    Ok(Json(page(&state)))
}

/// The names of loaded persona components.
pub fn personas(state: &AppState) -> Vec<String> {
    state
        .runtime
        .registry()
        .components
        .values()
        .filter(|c| c.entry.stage == Stage::Persona)
        .map(|c| c.id.name.clone())
        .collect()
}

/// One recorded version of a component.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionView {
    #[allow(missing_docs)]
    pub id: i64,
    #[allow(missing_docs)]
    pub version: String,
    /// `sha256:<hex>` of the component file (kept, so it can be restored exactly).
    pub digest: String,
    /// `activate` or `rollback`.
    pub action: String,
    /// Who: a user name, or `system (start)`, `system (file watcher)`, ...
    pub actor: String,
    /// When (Unix ms).
    pub at: i64,
    /// Whether it had a signature (it loaded unsigned only with the development switch).
    pub signed: bool,
    /// Whether this is the version serving now.
    pub active: bool,
    /// Its manifest entry as signed: grants, limits, config defaults.
    #[schema(value_type = Object)]
    pub entry: serde_json::Value,
}

/// A component's history, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryPage {
    #[allow(missing_docs)]
    pub name: String,
    /// The digest serving now (absent when nothing is loaded under the name).
    pub active_digest: Option<String>,
    #[allow(missing_docs)]
    pub versions: Vec<VersionView>,
}

async fn history_page(state: &AppState, name: &str) -> Result<HistoryPage, ApiError> {
    let rows = state.store.component_history(name).await?;
    let active = state.runtime.registry().components.get(name).cloned();
    if rows.is_empty() && active.is_none() {
        return Err(ApiError::not_found(format!("no component named `{name}`")));
    }
    let active_key = active
        .as_ref()
        .map(|c| (c.id.digest.clone(), c.entry.signed_form.clone()));
    // Only the newest row with the serving digest and entry is the active one.
    let mut seen_active = false;
    let versions = rows
        .into_iter()
        .map(|a| {
            let is_active = !seen_active
                && active_key
                    .as_ref()
                    .is_some_and(|(d, f)| *d == a.digest && *f == a.signed_form);
            seen_active |= is_active;
            VersionView {
                id: a.id,
                version: a.version,
                digest: a.digest,
                action: a.action,
                actor: a.actor,
                at: a.at,
                signed: a.signature.is_some(),
                active: is_active,
                entry: serde_json::from_str(&a.signed_form).unwrap_or_default(),
            }
        })
        .collect();
    Ok(HistoryPage {
        name: name.to_owned(),
        active_digest: active.map(|c| c.id.digest.clone()),
        versions,
    })
}

/// Every version of a component ever activated: who, when, how, newest first.
#[utoipa::path(get, path = "/api/plugins/{name}/history", tag = "plugins",
    params(("name" = String, Path, description = "The component")),
    responses((status = 200, body = HistoryPage), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    _auth: Reviewer,
    Path(name): Path<String>,
) -> Result<Json<HistoryPage>, ApiError> {
    Ok(Json(history_page(&state, &name).await?))
}

/// Which version to restore.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RollbackRequest {
    /// A recorded version or digest (`sha256:` optional, at least 8 hex digits); default: the
    /// newest recorded version other than the one serving.
    pub to: Option<String>,
}

/// Restores a recorded version exactly (its bytes, signature and manifest entry) and activates
/// it; the reload checks it like any new version. Audited.
#[utoipa::path(post, path = "/api/plugins/{name}/rollback", tag = "plugins",
    params(("name" = String, Path, description = "The component")),
    request_body = RollbackRequest,
    responses((status = 200, body = HistoryPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn rollback(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(name): Path<String>,
    body: Option<Json<RollbackRequest>>,
) -> Result<Json<HistoryPage>, ApiError> {
    let to = body.and_then(|Json(b)| b.to);
    let by = Requester::from(&user);
    roll_back(&state.store, &state.runtime, &name, to.as_deref(), &by)
        .await
        .map_err(|e| match e {
            RollbackFailure::Target(HistoryError::Store(e)) => ApiError::from(e),
            RollbackFailure::Target(
                e @ (HistoryError::NoHistory(_) | HistoryError::NoSuchVersion { .. }),
            ) => ApiError::not_found(e.to_string()),
            RollbackFailure::Target(e) => {
                ApiError::new(StatusCode::CONFLICT, "cannot_roll_back", e.to_string())
            }
            RollbackFailure::Refused(e) => {
                ApiError::new(StatusCode::CONFLICT, "rollback_refused", e.to_string())
            }
        })?;
    if let Err(e) = state.pipeline.record_loaded_components().await {
        tracing::warn!(error = %e, "cannot record the loaded component versions");
    }
    Ok(Json(history_page(&state, &name).await?))
}

/// Which waiting version to confirm.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmRequest {
    /// The digest of the waiting version (from `pending`): a confirmation covers exactly the
    /// version the admin saw, not one that landed since.
    pub digest: String,
}

/// Confirms a new version that widens its grants or limits, and activates it (if the eval
/// gate, when its world has one, passes too). Audited with the changes confirmed.
#[utoipa::path(post, path = "/api/plugins/{name}/confirm", tag = "plugins",
    params(("name" = String, Path, description = "The component")),
    request_body = ConfirmRequest,
    responses((status = 200, body = PluginsPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn confirm(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(name): Path<String>,
    Json(body): Json<ConfirmRequest>,
) -> Result<Json<PluginsPage>, ApiError> {
    let by = Requester::from(&user);
    crate::plugin_history::confirm(&state.store, &state.runtime, &name, &body.digest, &by)
        .await
        .map_err(|e| match e {
            ConfirmFailure::Store(e) => ApiError::from(e),
            ConfirmFailure::Runtime(e @ ConfirmError::NotPending { .. }) => {
                ApiError::not_found(e.to_string())
            }
            ConfirmFailure::Runtime(e @ ConfirmError::Refused { .. }) => {
                ApiError::new(StatusCode::CONFLICT, "confirmed_but_refused", e.to_string())
            }
        })?;
    if let Err(e) = state.pipeline.record_loaded_components().await {
        tracing::warn!(error = %e, "cannot record the loaded component versions");
    }
    Ok(Json(page(&state)))
}

/// One run of the eval gate.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvalView {
    #[allow(missing_docs)]
    pub id: i64,
    #[allow(missing_docs)]
    pub version: String,
    #[allow(missing_docs)]
    pub digest: String,
    /// Whether every golden case passed (if not, the version was refused).
    pub passed: bool,
    /// When (Unix ms).
    pub at: i64,
    /// The report: `{cases: [{name, passed, failures, tweets, duration_ms}], golden_set, ...}`.
    #[schema(value_type = Object)]
    pub report: serde_json::Value,
}

/// The eval gate's reports for a component, newest first (at most 20).
#[utoipa::path(get, path = "/api/plugins/{name}/evals", tag = "plugins",
    params(("name" = String, Path, description = "The component")),
    responses((status = 200, body = Vec<EvalView>), (status = 401, body = ErrorBody)))]
pub async fn evals(
    State(state): State<AppState>,
    _auth: Reviewer,
    Path(name): Path<String>,
) -> Result<Json<Vec<EvalView>>, ApiError> {
    let rows = state.store.component_evals(&name, 20).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| EvalView {
                id: r.id,
                version: r.version,
                digest: r.digest,
                passed: r.passed,
                at: r.at,
                report: serde_json::from_str(&r.report).unwrap_or_default(),
            })
            .collect(),
    ))
}
