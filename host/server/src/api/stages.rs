//! `/api/config/stages`: which component serves each pipeline stage. Several writers (or
//! critics, ...) can be installed side by side; an admin switches the one a stage uses, and back,
//! with one change, audited and applied to the next step that runs, on every host, without a
//! restart. A binding to a component that is not loaded, or is of another world, is refused.

use crate::audit::audit;
use crate::auth::{Admin, Reviewer};
use crate::error::{ApiError, ApiJson, ErrorBody};
use crate::live_settings::{self, STAGES_KEY};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dailyx_pipeline::{BindingSource, Step};
use dailyx_runtime::Stage;
use dailyx_store::NewAuditEntry;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// One stage and the component serving it.
#[derive(Debug, Serialize, ToSchema)]
pub struct StageBinding {
    /// The stage (its world's name: `writer`, `critic`, ...).
    pub stage: String,
    /// The component that serves it now.
    pub component: String,
    /// `console`, `file` (`[pipeline.stages]`) or `default` (the component named after it).
    #[schema(value_type = String)]
    pub source: BindingSource,
    /// Whether that component is loaded (a run fails at this stage while it is not).
    pub loaded: bool,
    /// The loaded components of this stage's world, any of which it can be switched to.
    pub candidates: Vec<String>,
}

/// Every pipeline stage's binding.
#[derive(Debug, Serialize, ToSchema)]
pub struct StageBindings {
    #[allow(missing_docs)]
    pub stages: Vec<StageBinding>,
}

/// `PUT /api/config/stages`: `{"bindings": {"writer": "py-writer"}}`; stages not named keep
/// their binding. Binding a stage to the component named after it returns it to the default.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageBindingsUpdate {
    /// Stage → component.
    pub bindings: BTreeMap<String, String>,
}

/// The pipeline steps a binding can name (the persona is chosen in the runtime settings).
fn bindable() -> impl Iterator<Item = Step> {
    Step::ALL.into_iter().filter(|s| *s != Step::Persona)
}

fn view(state: &AppState) -> StageBindings {
    let registry = state.runtime.registry();
    let live = state.pipeline.live();
    let stages = bindable()
        .map(|step| {
            let (component, source) = live.binding(step);
            let mut candidates: Vec<String> = registry
                .components
                .values()
                .filter(|c| c.entry.stage.world() == step.stage())
                .map(|c| c.id.name.clone())
                .collect();
            candidates.sort();
            StageBinding {
                stage: step.stage().to_owned(),
                loaded: candidates.contains(&component),
                component,
                source,
                candidates,
            }
        })
        .collect();
    StageBindings { stages }
}

/// Which component serves each stage.
#[utoipa::path(get, path = "/api/config/stages", tag = "config",
    responses((status = 200, body = StageBindings), (status = 401, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, _auth: Reviewer) -> Json<StageBindings> {
    Json(view(&state))
}

/// Why a binding is refused, if it is.
fn check(state: &AppState, stage: &str, component: &str) -> Result<(), ApiError> {
    if !bindable().any(|s| s.stage() == stage) {
        return Err(ApiError::invalid(format!(
            "`{stage}` is not a pipeline stage (collector, curator, style, thread-planner, writer, critic, policy, notifier)"
        )));
    }
    let registry = state.runtime.registry();
    let Some(loaded) = registry.components.get(component) else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_loaded",
            format!("component `{component}` is not loaded"),
        ));
    };
    if loaded.entry.stage != Stage::from_world(stage).unwrap_or(loaded.entry.stage) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "wrong_world",
            format!(
                "component `{component}` implements world `{}`, not `{stage}`",
                loaded.entry.stage
            ),
        ));
    }
    Ok(())
}

/// Binds stages to components, then applies the bindings at once (other hosts within a tick).
#[utoipa::path(put, path = "/api/config/stages", tag = "config", request_body = StageBindingsUpdate,
    responses((status = 200, body = StageBindings), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    Admin(user): Admin,
    ApiJson(body): ApiJson<StageBindingsUpdate>,
) -> Result<Json<StageBindings>, ApiError> {
    if body.bindings.is_empty() {
        return Err(ApiError::invalid("nothing to change"));
    }
    for (stage, component) in &body.bindings {
        check(&state, stage, component)?;
    }
    let mut chosen = live_settings::chosen_stages(&state).await?;
    let mut changed = serde_json::Map::new();
    for (stage, component) in &body.bindings {
        let before = state
            .pipeline
            .live()
            .binding(
                bindable()
                    .find(|s| s.stage() == stage)
                    .unwrap_or(Step::Write),
            )
            .0;
        if component == stage {
            chosen.remove(stage);
        } else {
            chosen.insert(stage.clone(), component.clone());
        }
        changed.insert(
            stage.clone(),
            serde_json::json!({ "from": before, "to": component }),
        );
    }
    let value = serde_json::to_value(&chosen).map_err(|_| ApiError::internal())?;
    state
        .store
        .set_config_value(STAGES_KEY, &value, Some(&user.id))
        .await?;
    live_settings::apply(&state).await?;
    audit(
        &state,
        NewAuditEntry {
            user_id: Some(user.id.clone()),
            action: "config.stages".into(),
            ip: Some(user.ip.to_string()),
            detail: serde_json::Value::Object(changed),
            ..Default::default()
        },
    )
    .await;
    tracing::info!(user_id = %user.id, "stage bindings changed");
    Ok(Json(view(&state)))
}
