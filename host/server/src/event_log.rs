//! The event log's writer: everything notable this host does becomes an event in the database,
//! in order, without making the code that reports it wait for the write.
//!
//! [`EventLog::emit`] is synchronous and never blocks (a pipeline progress callback can call
//! it); one task appends the events in the order they were emitted and publishes the newest id,
//! which wakes this host's live streams at once. Streams on other hosts find the events within a
//! second (they also poll), so the database stays the one source of truth.

use dailyx_pipeline::{Progress, ProgressSink};
use dailyx_store::{NewEvent, Store};
use std::sync::Arc;
use tokio::sync::{mpsc, watch};

/// One event before it is written.
struct Pending {
    kind: String,
    subject: String,
    payload: serde_json::Value,
}

/// A handle to this host's event writer (cheap to clone).
#[derive(Clone)]
pub struct EventLog {
    tx: mpsc::UnboundedSender<Pending>,
    newest: watch::Receiver<i64>,
}

impl EventLog {
    /// Starts the writer for `store`, naming this host `node`.
    pub fn start(store: Store, node: String) -> EventLog {
        let (tx, mut rx) = mpsc::unbounded_channel::<Pending>();
        let (newest_tx, newest) = watch::channel(0);
        tokio::spawn(async move {
            while let Some(e) = rx.recv().await {
                let event = NewEvent {
                    kind: &e.kind,
                    subject: &e.subject,
                    node: &node,
                    payload: e.payload,
                };
                match store.append_event(&event).await {
                    Ok(id) => {
                        newest_tx.send_replace(id);
                    }
                    Err(err) => {
                        tracing::error!(kind = %e.kind, error = %err, "cannot append to the event log")
                    }
                }
            }
        });
        EventLog { tx, newest }
    }

    /// Records an event (written in the background, in order). `payload` must hold no secret.
    pub fn emit(&self, kind: &str, subject: &str, payload: serde_json::Value) {
        let _ = self.tx.send(Pending {
            kind: kind.to_owned(),
            subject: subject.to_owned(),
            payload,
        });
    }

    /// Follows the newest id this host wrote (live streams wait on it).
    pub fn newest(&self) -> watch::Receiver<i64> {
        self.newest.clone()
    }

    /// A progress sink that turns a pipeline's progress into events.
    pub fn progress_sink(&self) -> Arc<dyn ProgressSink> {
        Arc::new(ProgressEvents(self.clone()))
    }
}

/// Pipeline progress as events: `run.claimed`, `step.started`, `step.retrying`,
/// `step.finished`, `step.failed`, `capability.denied`, about the run.
struct ProgressEvents(EventLog);

impl ProgressSink for ProgressEvents {
    fn report(&self, event: &Progress) {
        let (kind, run_id) = match event {
            Progress::Claimed { run_id, .. } => ("run.claimed", run_id),
            Progress::StepStarted { run_id, .. } => ("step.started", run_id),
            Progress::StepRetrying { run_id, .. } => ("step.retrying", run_id),
            Progress::StepFinished { run_id, .. } => ("step.finished", run_id),
            Progress::StepFailed { run_id, .. } => ("step.failed", run_id),
            Progress::CapabilityDenied { run_id, .. } => ("capability.denied", run_id),
        };
        let payload = serde_json::to_value(event).unwrap_or_default();
        self.0.emit(kind, run_id, payload);
    }
}
