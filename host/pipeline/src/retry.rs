//! Which failures are worth retrying, and the backoff between attempts (the `backon` crate).

use crate::settings::RetryPolicy;
use backon::ExponentialBuilder;
use dailyx_runtime::CallError;
use dailyx_runtime::types::AgentError;

/// Whether a failed call may succeed if tried again: an upstream service failed, the call ran
/// out of time, or no instance slot was free. A bad input, a denied capability, a bug, a trap or
/// a limit will fail the same way every time.
pub(crate) fn is_transient(error: &CallError) -> bool {
    match error {
        CallError::Agent { error, .. } => matches!(error, AgentError::Upstream(_)),
        CallError::Timeout { .. } | CallError::Instantiate { .. } => true,
        CallError::NotLoaded { .. }
        | CallError::WrongStage { .. }
        | CallError::ResourceLimit { .. }
        | CallError::OutputTooLarge { .. }
        | CallError::Trap { .. } => false,
    }
}

/// The backoff for `policy`, with jitter so that several workers do not retry in step.
pub(crate) fn backoff(policy: &RetryPolicy) -> ExponentialBuilder {
    ExponentialBuilder::default()
        .with_min_delay(policy.min_delay)
        .with_max_delay(policy.max_delay)
        .with_max_times(policy.max_retries)
        .with_jitter()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(error: AgentError) -> CallError {
        CallError::Agent {
            component: "c".into(),
            error,
        }
    }

    #[test]
    fn upstream_and_timeouts_are_transient_the_rest_permanent() {
        assert!(is_transient(&agent(AgentError::Upstream("503".into()))));
        assert!(is_transient(&CallError::Timeout {
            component: "c".into(),
            limit_ms: 1
        }));
        assert!(!is_transient(&agent(AgentError::InvalidInput("x".into()))));
        assert!(!is_transient(&agent(AgentError::CapabilityDenied(
            "x".into()
        ))));
        assert!(!is_transient(&agent(AgentError::Internal("x".into()))));
        assert!(!is_transient(&CallError::Trap {
            component: "c".into(),
            message: "unreachable".into(),
            panic: None
        }));
    }
}
