//! The orchestrator: Collector → Curator → (Persona) → Style → ThreadPlanner → Writer → Critic →
//! Policy → Notifier, each a component called through the runtime. Agents never call each other:
//! the orchestrator hands each output on.
//!
//! Runs are jobs in the database. A worker claims one with a lease, renews the lease while it
//! works, and records each step (input, output, timing, tokens, the component's name, version
//! and digest, its capability events, and whatever the step produced) in one transaction before
//! the next step starts. A run whose worker died is claimed again once its lease expires and
//! resumes at its first unfinished step, rebuilding what earlier steps produced from their
//! recorded outputs. Transient failures are retried with backoff; a permanent one fails the run.

mod context;
mod error;
mod heartbeat;
mod orchestrator;
mod progress;
mod provenance;
mod retry;
mod settings;
mod state;
mod steps;

pub use error::{PipelineError, RecheckError};
pub use orchestrator::{Pipeline, RunOutcome, verdict_name};
pub use progress::{Progress, ProgressSink};
pub use provenance::{collected_materials, generated_texts};
pub use settings::{BindingSource, LiveSettings, PipelineSettings, RetryPolicy};
pub use steps::Step;
