//! Hot reload: watch the plugins directory and reload when the manifest, a
//! `.wasm`, a digest or a signature file changes.
//!
//! Events are debounced (a build writes a digest then renames a component
//! into place; one reload should see both). The reload itself compiles off
//! the hot path and swaps atomically (see [`crate::Runtime::reload`]).

use crate::runtime::Runtime;
use notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, new_debouncer};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// How long the watcher waits for a burst of file events to settle.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

/// Keeps the watch alive; dropping it stops watching.
pub struct PluginWatcher {
    _debouncer: notify_debouncer_full::Debouncer<
        notify::RecommendedWatcher,
        notify_debouncer_full::RecommendedCache,
    >,
    _task: tokio::task::JoinHandle<()>,
}

fn relevant(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("wasm" | "sha256" | "sig" | "toml")
    )
}

impl Runtime {
    /// Starts watching the plugins directory. Must be called inside a tokio runtime.
    pub fn watch(self: &Arc<Self>) -> notify::Result<PluginWatcher> {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
        let mut debouncer =
            new_debouncer(
                DEBOUNCE,
                None,
                move |result: DebounceEventResult| match result {
                    Ok(events) => {
                        if events.iter().any(|e| e.paths.iter().any(|p| relevant(p))) {
                            let _ = tx.send(());
                        }
                    }
                    Err(errors) => {
                        for e in errors {
                            tracing::warn!(error = %e, "plugin directory watch error");
                        }
                    }
                },
            )?;
        debouncer.watch(self.plugins_dir(), RecursiveMode::NonRecursive)?;
        let runtime = Arc::downgrade(self);
        let task = tokio::spawn(async move {
            while rx.recv().await.is_some() {
                // Coalesce everything that queued while the last reload ran.
                while rx.try_recv().is_ok() {}
                let Some(runtime) = runtime.upgrade() else {
                    break;
                };
                let report = runtime.reload_by("system (file watcher)").await;
                tracing::debug!(
                    activated = report.activated.len(),
                    problems = report.problems.len(),
                    "plugins reloaded after a file change"
                );
            }
        });
        tracing::info!(dir = %self.plugins_dir().display(), "watching plugins for changes");
        Ok(PluginWatcher {
            _debouncer: debouncer,
            _task: task,
        })
    }
}
