//! The `config` capability: non-secret per-component settings.
//!
//! Values come from the manifest entry's `[component.config]` defaults,
//! overridden by the operator's `[plugins.<name>.config]`. A component reads
//! only keys its grant lists; an unlisted key is a denial (so a typo in a
//! grant shows up as a recorded denial, not as a silently missing value).

use crate::events::EventRecorder;
use dailyx_world::config::{self as wit, ConfigError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The `[component.grants.config]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigGrant {
    /// Keys the component may read.
    pub keys: Vec<String>,
}

/// Upgrade review of the `config` grant: a new key widens it.
pub(crate) fn review(
    old: Option<&ConfigGrant>,
    new: Option<&ConfigGrant>,
    out: &mut Vec<crate::review::Change>,
) {
    let nothing = ConfigGrant { keys: Vec::new() };
    crate::review::grant(old, new, nothing, out, |old, new, out| {
        crate::review::items("grants.config.keys", &old.keys, &new.keys, out);
    });
}

/// Per-call state of the `config` capability.
pub struct ConfigState {
    grant: Option<Arc<ConfigGrant>>,
    values: Arc<BTreeMap<String, String>>,
    events: EventRecorder,
}

impl ConfigState {
    /// State for one call: `values` are the merged defaults and overrides.
    pub fn new(
        grant: Option<Arc<ConfigGrant>>,
        values: Arc<BTreeMap<String, String>>,
        events: EventRecorder,
    ) -> Self {
        ConfigState {
            grant,
            values,
            events,
        }
    }
}

impl wit::Host for ConfigState {
    async fn get(&mut self, key: String) -> Result<Option<String>, ConfigError> {
        let granted = self.grant.as_ref().is_some_and(|g| g.keys.contains(&key));
        if !granted {
            // The key is the guest's and may be megabytes: the reason (which the guest gets
            // back too) names it cut.
            let reason = format!(
                "key `{}` is not granted to component `{}` (add it to grants.config.keys)",
                crate::events::cut(&key),
                self.events.component().name
            );
            self.events.denied("config", key, reason.clone());
            return Err(ConfigError::Denied(reason));
        }
        // Reads of granted keys are routine; they are not recorded as events.
        Ok(self.values.get(&key).cloned())
    }
}
