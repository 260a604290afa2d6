//! Keeps a run's lease alive while a worker works on it.

use dailyx_store::{Store, StoreError};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::task::JoinHandle;

/// Renews the lease every third of its length until dropped. If the lease is lost (another
/// worker took the run), [`Heartbeat::lost`] turns true and the orchestrator stops.
pub(crate) struct Heartbeat {
    task: JoinHandle<()>,
    lost: Arc<AtomicBool>,
}

impl Heartbeat {
    pub(crate) fn start(store: Store, run_id: String, owner: String, lease: Duration) -> Self {
        let lost = Arc::new(AtomicBool::new(false));
        let flag = lost.clone();
        let task = tokio::spawn(async move {
            let mut every = tokio::time::interval(lease / 3);
            every.tick().await; // the first tick is immediate; the claim just set the lease
            loop {
                every.tick().await;
                match store.renew_lease(&run_id, &owner, lease).await {
                    Ok(()) => {}
                    Err(StoreError::LeaseLost { .. }) => {
                        tracing::warn!(run_id, "lease lost; stopping work on this run");
                        flag.store(true, Ordering::SeqCst);
                        return;
                    }
                    // A blip: the next tick tries again well before the lease runs out.
                    Err(e) => tracing::warn!(run_id, error = %e, "cannot renew lease"),
                }
            }
        });
        Heartbeat { task, lost }
    }

    pub(crate) fn lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.task.abort();
    }
}
