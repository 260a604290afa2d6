//! Operator configuration of the runtime, kept apart from the components'
//! grants (as Spin keeps runtime config apart from app config): where the
//! plugins are, the LLM endpoint and its key, credentials for outbound
//! origins, the repositories components may read, per-plugin settings.
//!
//! The CLI builds this from the config file and `DAILYX_*` variables.

use crate::capability::clock::{Clock, SystemClock};
use crate::capability::llm::LlmEndpoint;
use crate::capability::repo::Repositories;
use crate::compile_cache::CacheKey;
use crate::engine::EngineOptions;
use crate::secret::{CredentialSource, StaticCredentials};
use crate::trust::TrustPolicy;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Everything the runtime needs from the operator.
#[derive(Clone)]
pub struct RuntimeConfig {
    /// The plugins directory (manifest + `.wasm` files).
    pub plugins_dir: PathBuf,
    /// Where compiled components are cached; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
    /// The key the cache's entries are authenticated with. By default a random one held in
    /// memory (entries serve this process only); the CLI keeps one in the data directory.
    pub cache_key: CacheKey,
    /// The LLM endpoint; `None`: components get `not-configured`.
    pub llm: Option<LlmEndpoint>,
    /// Credentials attached to outbound requests by origin.
    pub credentials: Arc<dyn CredentialSource>,
    /// Repositories by name.
    pub repositories: Repositories,
    /// Per-plugin config values overriding the manifest's defaults.
    pub plugin_config: BTreeMap<String, BTreeMap<String, String>>,
    /// Engine sizing.
    pub engine: EngineOptions,
    /// The clock given to components.
    pub clock: Arc<dyn Clock>,
    /// Which signatures are accepted (by default: none, so nothing loads until keys are
    /// trusted or unsigned components are allowed for development).
    pub trust: TrustPolicy,
    /// Where every newly activated version is reported (the host records its history).
    pub activations: Option<tokio::sync::mpsc::UnboundedSender<crate::ActivatedVersion>>,
    /// Where every eval gate report is sent (the host keeps them).
    pub eval_reports: Option<tokio::sync::mpsc::UnboundedSender<crate::eval::EvalReport>>,
    /// Hold new versions that widen their grants or limits until confirmed (default on).
    pub review_upgrades: bool,
    /// The version of each component the host last recorded as active: what a new version is
    /// reviewed against right after start, and what serves while a widened one waits.
    pub baselines: BTreeMap<String, crate::install::VersionSnapshot>,
    /// Upgrades an administrator has confirmed.
    pub confirmed: std::collections::BTreeSet<crate::review::Confirmation>,
}

impl RuntimeConfig {
    /// A configuration with defaults for everything but the plugins directory.
    pub fn new(plugins_dir: impl Into<PathBuf>) -> Self {
        RuntimeConfig {
            plugins_dir: plugins_dir.into(),
            cache_dir: None,
            cache_key: CacheKey::random(),
            llm: None,
            credentials: Arc::new(StaticCredentials::default()),
            repositories: Repositories::default(),
            plugin_config: BTreeMap::new(),
            engine: EngineOptions::default(),
            clock: Arc::new(SystemClock::default()),
            trust: TrustPolicy::default(),
            activations: None,
            eval_reports: None,
            review_upgrades: true,
            baselines: BTreeMap::new(),
            confirmed: Default::default(),
        }
    }
}
