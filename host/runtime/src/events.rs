//! Capability events: every grant used and every denial, per call.
//!
//! Each capability records into the call's [`EventRecorder`]; the call's
//! [`crate::CallRecord`] carries the events out (the pipeline persists them
//! as `capability_events`), and each is also a tracing event, so a denial is
//! visible in the logs even when nobody stores the record.

use serde::Serialize;
use std::sync::Arc;

mod limits;
pub use limits::{
    CUT_MARKER, MAX_DENIALS_LOGGED, MAX_EVENT_BYTES_PER_CALL, MAX_EVENTS_PER_CALL, MAX_FIELD_BYTES,
    SUMMARY_TARGET, cut,
};

/// Identity of a loaded component: what every record names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComponentId {
    /// Manifest name.
    pub name: String,
    /// Manifest version.
    pub version: String,
    /// `sha256:<hex>` of the `.wasm` file.
    pub digest: String,
}

impl ComponentId {
    /// The first 12 hex digits of the digest, for log lines.
    pub fn short_digest(&self) -> &str {
        let hex = self.digest.strip_prefix("sha256:").unwrap_or(&self.digest);
        &hex[..hex.len().min(12)]
    }
}

impl std::fmt::Display for ComponentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}@{} ({})",
            self.name,
            self.version,
            self.short_digest()
        )
    }
}

/// Whether a capability call was allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The grant allowed it (it may still have failed upstream).
    Allowed,
    /// The grant, a limit or a safety rule refused it.
    Denied,
    /// The operator has not set the service up (e.g. no LLM endpoint): nothing was refused,
    /// there is nothing to call. Expected on a default install, so not a denial.
    Unavailable,
}

/// One capability call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CapabilityEvent {
    /// The component that made the call.
    pub component: String,
    /// Its digest.
    pub digest: String,
    /// `http`, `llm`, `repo`, `config`, `wasi`.
    pub capability: &'static str,
    /// What was asked for: `GET https://host/path`, a repository, a key.
    pub target: String,
    /// Allowed or denied.
    pub outcome: Outcome,
    /// Why it was denied, or what happened (`200, 512 bytes`).
    pub detail: String,
}

/// Collects the events of one call. Cheap to clone; one per call.
#[derive(Clone)]
pub struct EventRecorder {
    component: Arc<ComponentId>,
    events: Arc<parking_lot::Mutex<limits::CallEvents>>,
}

impl EventRecorder {
    /// A recorder for one call of `component`.
    pub fn new(component: Arc<ComponentId>) -> Self {
        EventRecorder {
            component,
            events: Arc::default(),
        }
    }

    /// The component the events are about.
    pub fn component(&self) -> &ComponentId {
        &self.component
    }

    /// Records a call the grant allowed.
    pub fn allowed(
        &self,
        capability: &'static str,
        target: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.record(capability, target.into(), Outcome::Allowed, detail.into());
    }

    /// Records a denial.
    pub fn denied(
        &self,
        capability: &'static str,
        target: impl Into<String>,
        reason: impl Into<String>,
    ) {
        self.record(capability, target.into(), Outcome::Denied, reason.into());
    }

    /// Records a call the operator has not set the service up for (e.g. no LLM endpoint):
    /// expected, so an `unavailable` event logged at debug, not a denial.
    pub fn unavailable(
        &self,
        capability: &'static str,
        target: impl Into<String>,
        reason: impl Into<String>,
    ) {
        self.record(
            capability,
            target.into(),
            Outcome::Unavailable,
            reason.into(),
        );
    }

    fn record(
        &self,
        capability: &'static str,
        target: String,
        outcome: Outcome,
        detail: String,
    ) -> Option<usize> {
        let c = &self.component;
        // Capped before anything else sees them: the guest chose their size.
        let (target, detail) = (limits::capped(target), limits::capped(detail));
        let mut events = self.events.lock();
        if events.log_one(outcome, target.len() + detail.len()) {
            match outcome {
                Outcome::Allowed => tracing::debug!(
                    component = %c.name, digest = c.short_digest(), capability, target, detail,
                    "capability used"
                ),
                Outcome::Denied => tracing::warn!(
                    component = %c.name, digest = c.short_digest(), capability, target, reason = detail,
                    "capability denied"
                ),
                Outcome::Unavailable => tracing::debug!(
                    component = %c.name, digest = c.short_digest(), capability, target, reason = detail,
                    "capability unavailable"
                ),
            }
        }
        events.push(CapabilityEvent {
            component: c.name.clone(),
            digest: c.digest.clone(),
            capability,
            target,
            outcome,
            detail,
        })
    }

    /// Records, before it happens, a request that is about to leave the host: if the call is
    /// cut off (wall clock, crash) before [`Self::finish`], the record still says it may have
    /// gone out. Returns where to put the outcome (`None` when the call's event cap was reached).
    pub fn sending(&self, capability: &'static str, target: impl Into<String>) -> Option<usize> {
        self.record(
            capability,
            target.into(),
            Outcome::Allowed,
            "sending; no answer yet".into(),
        )
    }

    /// Puts the outcome of a request recorded by [`Self::sending`] in place of "no answer yet".
    pub fn finish(&self, at: Option<usize>, detail: impl Into<String>) {
        if let Some(i) = at {
            self.events.lock().set_detail(i, detail.into());
        }
    }

    /// Takes the recorded events at the end of the call, closed by a summary of any the
    /// call's caps left out (see [`limits`]).
    pub fn take(&self) -> Vec<CapabilityEvent> {
        self.events.lock().finish(&self.component)
    }
}
