//! The background loops of `dailyx serve`: the run worker (then notification delivery), the
//! publisher, and the clock (scheduler, review-window expiry, session clean-up). Each loop
//! survives its own errors; `/api/health` reports a loop that stopped making passes.

use crate::audit::audit;
use crate::scheduler;
use crate::state::{AppState, Heartbeats};
use dailyx_pipeline::{PipelineError, RunOutcome};
use dailyx_publish::{PublishError, PublishOutcome};
use dailyx_store::{DraftStatus, NewAuditEntry};
use tokio::task::JoinHandle;

/// Starts every loop this node runs.
pub fn spawn_all(state: &AppState) -> Vec<JoinHandle<()>> {
    let mut handles = vec![
        tokio::spawn(crate::nodes::heartbeat(state.clone())),
        tokio::spawn(publisher(state.clone())),
        tokio::spawn(crate::providers::deliveries(state.clone())),
        tokio::spawn(clock(state.clone())),
        tokio::spawn(crate::api::live::watch_drafts(state.clone())),
    ];
    if !state.settings.metrics_interval.is_zero() {
        handles.push(tokio::spawn(crate::post_metrics::job(
            state.clone(),
            state.settings.metrics_interval,
        )));
    }
    if state.settings.run_worker {
        handles.push(tokio::spawn(worker(state.clone())));
    }
    handles
}

/// Executes queued runs; delivers the notification of each draft made.
async fn worker(state: AppState) {
    loop {
        Heartbeats::beat(&state.heartbeats.worker);
        match state.pipeline.work_next().await {
            Ok(Some(RunOutcome::Drafted { run_id, draft_id })) => {
                tracing::info!(%run_id, %draft_id, "run drafted a post");
                let ev = &state.events;
                ev.emit(
                    "run.drafted",
                    &run_id,
                    serde_json::json!({ "draft_id": draft_id }),
                );
                ev.emit(
                    "draft.created",
                    &draft_id,
                    serde_json::json!({ "run_id": run_id }),
                );
                let notifier = state.notifier.clone();
                tokio::spawn(async move {
                    if let Err(e) = notifier.deliver(&draft_id).await {
                        tracing::error!(%draft_id, error = %e, "cannot deliver the notification");
                    }
                });
                continue;
            }
            Ok(Some(RunOutcome::NothingNew { run_id })) => {
                tracing::info!(%run_id, "run found nothing new");
                state
                    .events
                    .emit("run.nothing-new", &run_id, serde_json::json!({}));
                continue;
            }
            Ok(Some(RunOutcome::Failed {
                run_id,
                step,
                error,
            })) => {
                tracing::warn!(%run_id, %step, %error, "run failed");
                state.events.emit(
                    "run.failed",
                    &run_id,
                    serde_json::json!({ "step": step.to_string(), "error": error }),
                );
                continue;
            }
            Ok(None) => {}
            Err(PipelineError::LeaseLost(run_id)) => {
                tracing::warn!(%run_id, "run taken over by another worker")
            }
            Err(e) => tracing::error!(error = %e, "worker error"),
        }
        tokio::select! {
            _ = state.wake.runs.notified() => {}
            _ = tokio::time::sleep(state.settings.worker_poll) => {}
        }
    }
}

/// Publishes approved drafts (and resumes those a crashed publisher left half done).
async fn publisher(state: AppState) {
    loop {
        Heartbeats::beat(&state.heartbeats.publisher);
        match state
            .store
            .drafts(Some(DraftStatus::Publishing), 50, 0)
            .await
        {
            Ok(drafts) => {
                // Oldest first: a thread approved earlier goes out earlier.
                for draft in drafts.iter().rev() {
                    match state.publisher.publish(&draft.id).await {
                        Ok(outcome) => {
                            tracing::info!(draft_id = %draft.id, ?outcome, "published");
                            // Then to every enabled provider component, each exactly once.
                            crate::providers::queue(&state, &draft.id).await;
                            state.events.emit(
                                "draft.published",
                                &draft.id,
                                match outcome {
                                    PublishOutcome::Done(status) => {
                                        serde_json::json!({ "status": status.as_str() })
                                    }
                                },
                            );
                        }
                        Err(PublishError::Busy(_)) => {
                            tracing::debug!(draft_id = %draft.id, "another publisher has it")
                        }
                        Err(PublishError::NotPublishing { .. }) => {}
                        Err(e @ PublishError::CircuitOpen { .. }) => {
                            tracing::debug!(draft_id = %draft.id, "{e}")
                        }
                        Err(e) => {
                            tracing::warn!(draft_id = %draft.id, error = %e, "not published");
                            state.events.emit(
                                "draft.publish-failed",
                                &draft.id,
                                serde_json::json!({ "error": e.to_string() }),
                            );
                        }
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot list drafts to publish"),
        }
        tokio::select! {
            _ = state.wake.publish.notified() => {}
            _ = tokio::time::sleep(state.settings.publish_poll) => {}
        }
    }
}

/// Scheduler, expiry and clean-up, every tick.
async fn clock(state: AppState) {
    let mut interval = tokio::time::interval(state.settings.tick);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        // Settings another host changed (persona, dry-run, LLM) apply here within a tick.
        if let Err(e) = crate::live_settings::sync(&state).await {
            tracing::error!(error = %e, "cannot read the runtime settings");
        }
        if state.settings.run_scheduler
            && let Err(e) = scheduler::tick(&state).await
        {
            tracing::error!(error = %e, "scheduler pass failed");
        }
        match state.store.expire_drafts().await {
            Ok(ids) => {
                for id in ids {
                    tracing::info!(draft_id = %id, "review window closed; draft expired");
                    audit(
                        &state,
                        NewAuditEntry {
                            action: "draft.expire".into(),
                            draft_id: Some(id),
                            detail: serde_json::json!({ "via": "system" }),
                            ..Default::default()
                        },
                    )
                    .await;
                }
            }
            Err(e) => tracing::error!(error = %e, "expiry pass failed"),
        }
        if let Err(e) = state.store.delete_expired_sessions().await {
            tracing::error!(error = %e, "session clean-up failed");
        }
    }
}
