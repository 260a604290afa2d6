//! `/api/plugins`: the loaded components (version, world, digest, grants, limits, load status,
//! last reload) and a reload button for admins.

use crate::audit::audit;
use crate::auth::{Admin, Reviewer};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use dailyx_runtime::{ReloadReport, Stage, manifest};
use dailyx_store::NewAuditEntry;
use serde::Serialize;
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

/// Every component, with the last reload.
#[derive(Debug, Serialize, ToSchema)]
pub struct PluginsPage {
    #[allow(missing_docs)]
    pub plugins: Vec<PluginView>,
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
        });
    }
    plugins.sort_by(|a, b| a.name.cmp(&b.name));
    let last = state.runtime.last_reload();
    let last_reload = match last {
        Some(l) => reload_view(Some(l.at), &l.report),
        None => reload_view(None, &ReloadReport::default()),
    };
    PluginsPage {
        plugins,
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
