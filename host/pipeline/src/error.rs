//! Why the pipeline could not do its work.

use dailyx_store::StoreError;

/// A pipeline error. A step's own failure is not one of these: it fails the run and is
/// recorded in the run's `last_error` (see [`crate::RunOutcome`]).
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Another worker took the run (this worker's lease expired); this worker stopped.
    #[error("run `{0}` was taken over by another worker; this worker stopped working on it")]
    LeaseLost(String),
    /// The run is finished, or another worker holds a live lease on it.
    #[error("run `{0}` cannot be claimed: it is finished or another worker is running it")]
    NotClaimable(String),
    /// A recorded output cannot be read back (the log was written by an incompatible version).
    #[error("run `{run_id}`: the recorded output of step {step} cannot be read: {detail}")]
    BadRecord {
        /// The run.
        run_id: String,
        /// The step.
        step: String,
        /// What is wrong.
        detail: String,
    },
}

impl PipelineError {
    pub(crate) fn from_store(e: StoreError) -> PipelineError {
        match e {
            StoreError::LeaseLost { run_id } => PipelineError::LeaseLost(run_id),
            other => PipelineError::Store(other),
        }
    }
}

/// Why a policy re-check could not give a verdict.
#[derive(Debug, thiserror::Error)]
pub enum RecheckError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The pipeline failed (reading the rules).
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// The policy component is missing or failed.
    #[error("policy re-check failed: {0}")]
    Policy(String),
}
