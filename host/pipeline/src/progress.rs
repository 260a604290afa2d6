//! What the orchestrator reports while it works (the CLI prints it; the API will stream it).

use crate::steps::Step;
use serde::Serialize;
use std::time::Duration;

/// One progress event.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Progress {
    /// A worker took the run; it starts at `next_step`.
    Claimed {
        /// The run.
        run_id: String,
        /// The first unfinished step.
        next_step: i64,
        /// Times the run was claimed (more than 1 means it is being resumed).
        claims: i64,
    },
    /// A step starts.
    StepStarted {
        /// The run.
        run_id: String,
        /// The step.
        step: Step,
        /// The component that runs it.
        component: String,
    },
    /// A step failed transiently and will be tried again.
    StepRetrying {
        /// The run.
        run_id: String,
        /// The step.
        step: Step,
        /// The error.
        error: String,
        /// Wait before the next attempt.
        #[serde(with = "millis")]
        after: Duration,
    },
    /// A step was recorded.
    StepFinished {
        /// The run.
        run_id: String,
        /// The step.
        step: Step,
        /// One line for people.
        summary: String,
        /// How long it took.
        #[serde(with = "millis")]
        took: Duration,
    },
    /// A component asked for something its grants do not allow (the call went on without it).
    CapabilityDenied {
        /// The run.
        run_id: String,
        /// The step.
        step: Step,
        /// The component.
        component: String,
        /// `http`, `llm`, `repo`, `config`, ...
        capability: String,
        /// What it asked for (a URL, a model, a repository, a key).
        target: String,
        /// Why it was refused.
        detail: String,
    },
    /// A step failed permanently; the run failed.
    StepFailed {
        /// The run.
        run_id: String,
        /// The step.
        step: Step,
        /// The error.
        error: String,
    },
}

/// Receives progress events.
pub trait ProgressSink: Send + Sync {
    /// Called for every event, in order.
    fn report(&self, event: &Progress);
}

/// Discards events.
pub(crate) struct Silent;

impl ProgressSink for Silent {
    fn report(&self, _event: &Progress) {}
}

mod millis {
    use serde::Serializer;
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }
}
