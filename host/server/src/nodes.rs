//! Nodes: this host process registers in the node registry and heartbeats there; `/api/nodes`
//! reports every node's liveness (a node silent for longer than `node_dead_after` is dead).

use crate::auth::Reviewer;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use dailyx_store::now_ms;
use serde::Serialize;
use utoipa::ToSchema;

/// The roles this node plays.
fn roles(state: &AppState) -> Vec<&'static str> {
    let mut roles = vec!["api", "publisher"];
    if state.settings.run_worker {
        roles.push("worker");
    }
    if state.settings.run_scheduler {
        roles.push("scheduler");
    }
    roles
}

/// Registers this node, then heartbeats until the process ends.
pub async fn heartbeat(state: AppState) {
    let hostname = hostname();
    let roles = serde_json::to_string(&roles(&state)).unwrap_or_else(|_| "[]".into());
    let version = env!("CARGO_PKG_VERSION");
    let mut registered = false;
    let mut every = tokio::time::interval(state.settings.node_heartbeat);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if !registered {
            match state
                .store
                .register_node(&state.node_id, &hostname, version, &roles)
                .await
            {
                Ok(()) => {
                    registered = true;
                    state.events.emit(
                        "node.started",
                        &state.node_id,
                        serde_json::json!({ "hostname": hostname, "version": version, "roles": roles }),
                    );
                }
                Err(e) => tracing::warn!(error = %e, "cannot register this node; retrying"),
            }
            continue;
        }
        let [worker, publisher, scheduler] = state.heartbeats.idle_ms(now_ms());
        let status = serde_json::json!({
            "worker_idle_ms": worker,
            "publisher_idle_ms": publisher,
            "scheduler_idle_ms": scheduler,
            "components_loaded": state.runtime.registry().components.len(),
        });
        match state
            .store
            .node_heartbeat(&state.node_id, &status.to_string())
            .await
        {
            // The row is gone (the registry was cleaned): register again.
            Ok(false) => registered = false,
            Ok(true) => {}
            Err(e) => tracing::warn!(error = %e, "cannot record this node's heartbeat"),
        }
        announce_changes(&state).await;
    }
}

/// Liveness changes are events, once each: `node.dead` (by whichever host notices first that a
/// node went silent) and `node.recovered` (by the node itself when it heartbeats again).
/// Heartbeats themselves are not events: they would drown the log.
async fn announce_changes(state: &AppState) {
    match state.store.node_recovered(&state.node_id).await {
        Ok(true) => state
            .events
            .emit("node.recovered", &state.node_id, serde_json::json!({})),
        Ok(false) => {}
        Err(e) => tracing::warn!(error = %e, "cannot clear this node's death report"),
    }
    let silent_since = now_ms() - state.settings.node_dead_after.as_millis() as i64;
    match state.store.claim_dead_nodes(silent_since).await {
        Ok(dead) => {
            for (id, hostname, last_seen) in dead {
                tracing::warn!(node = %id, %hostname, last_seen, "node is dead");
                state.events.emit(
                    "node.dead",
                    &id,
                    serde_json::json!({ "hostname": hostname, "last_seen": last_seen }),
                );
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot look for dead nodes"),
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

/// One node.
#[derive(Debug, Serialize, ToSchema)]
pub struct NodeView {
    #[allow(missing_docs)]
    pub id: String,
    #[allow(missing_docs)]
    pub hostname: String,
    #[allow(missing_docs)]
    pub version: String,
    /// `api`, `publisher`, `worker`, `scheduler`.
    pub roles: Vec<String>,
    /// Unix ms.
    pub started_at: i64,
    /// Unix ms of its last heartbeat.
    pub last_seen: i64,
    /// Milliseconds since its last heartbeat.
    pub silent_ms: i64,
    /// `alive`, or `dead` once silent for longer than the configured timeout.
    pub state: String,
    /// Whether it is the node answering this request.
    pub this_node: bool,
    /// Its own view at its last heartbeat: loops' idle times, components loaded.
    #[schema(value_type = Object)]
    pub status: serde_json::Value,
}

/// Every node that ran against this database, with its liveness.
#[utoipa::path(get, path = "/api/nodes", tag = "system",
    responses((status = 200, body = Vec<NodeView>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    _auth: Reviewer,
) -> Result<Json<Vec<NodeView>>, ApiError> {
    let now = now_ms();
    let dead_after = state.settings.node_dead_after.as_millis() as i64;
    let nodes = state.store.nodes().await?;
    Ok(Json(
        nodes
            .into_iter()
            .map(|n| {
                let silent_ms = (now - n.last_seen).max(0);
                NodeView {
                    this_node: n.id == state.node_id,
                    state: if silent_ms > dead_after {
                        "dead"
                    } else {
                        "alive"
                    }
                    .into(),
                    roles: serde_json::from_str(&n.roles).unwrap_or_default(),
                    status: serde_json::from_str(&n.status).unwrap_or_default(),
                    id: n.id,
                    hostname: n.hostname,
                    version: n.version,
                    started_at: n.started_at,
                    last_seen: n.last_seen,
                    silent_ms,
                }
            })
            .collect(),
    ))
}
