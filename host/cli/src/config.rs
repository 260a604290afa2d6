//! Configuration: one TOML file plus `DAILYX_*` environment overrides.
//!
//! Precedence: built-in defaults < config file < environment. Every key is
//! documented in the README ("Configuration"); unknown keys are errors.

use anyhow::{Context, Result, bail};
use dailyx_pipeline::{PipelineSettings, RetryPolicy};
use dailyx_runtime::capability::llm::LlmEndpoint;
use dailyx_runtime::capability::repo::Repositories;
use dailyx_runtime::compile_cache::CacheKey;
use dailyx_runtime::engine::EngineOptions;
use dailyx_runtime::secret::{CredentialConfig, Secret, StaticCredentials};
use dailyx_runtime::{RuntimeConfig, TrustPolicy, TrustedKey};
use dailyx_signing::{PublicKey, public_key_path};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Data directory (database, compile cache).
    pub data_dir: PathBuf,
    /// Plugins directory (manifest + components).
    pub plugins_dir: PathBuf,
    /// Address the server listens on.
    pub bind: String,
    /// Database URL; default `sqlite://<data_dir>/dailyx.db`.
    pub database_url: Option<String>,
    /// LLM endpoint; absent = no LLM.
    pub llm: Option<LlmConfig>,
    /// Repositories components may read, name → path.
    pub repositories: BTreeMap<String, PathBuf>,
    /// Outbound HTTP settings.
    pub http: HttpConfig,
    /// Per-plugin settings: `[plugins.<name>.config]`.
    pub plugins: BTreeMap<String, PluginConfig>,
    /// Engine settings.
    pub runtime: RuntimeSection,
    /// Logging.
    pub log: LogConfig,
    /// The pipeline.
    pub pipeline: PipelineSection,
    /// The server (`dailyx serve`).
    pub server: ServerSection,
    /// Publishing to X.
    pub publish: PublishSection,
    /// Notification delivery.
    pub notify: NotifySection,
    /// Which component signatures are trusted.
    pub signing: SigningSection,
    /// Media for posts: quote cards, speech, card videos.
    pub media: MediaSection,
    /// Provider components drafts are published to besides X (`[[providers]]`); the console's
    /// choice (`/api/config/providers`) overrides this list.
    pub providers: Vec<ProviderEntry>,
}

/// `[media]`: what is made for each published draft.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MediaSection {
    /// Make quote cards (and attach them to provider posts).
    pub enabled: bool,
    /// Also make the card's speech (espeak-ng) and a card video (ffmpeg).
    pub video: bool,
    /// Font directories for the cards; default: the Debian packages' (fonts-noto-core,
    /// fonts-thai-tlwg).
    pub font_dirs: Vec<PathBuf>,
    /// Longest a speech or a video may take to make, seconds.
    pub timeout_secs: u64,
}

impl Default for MediaSection {
    fn default() -> Self {
        MediaSection {
            enabled: true,
            video: false,
            font_dirs: Vec::new(),
            timeout_secs: 120,
        }
    }
}

/// `[[providers]]`: one enabled provider component.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderEntry {
    /// `x`, `mastodon`, `bluesky`, `facebook`, `instagram` or `webhook`.
    pub name: String,
    /// The component that publishes for it; default: its name.
    pub component: Option<String>,
    /// Record what would be sent, send nothing (also `SIMULATE_<NAME>=1`).
    #[serde(default)]
    pub simulate: bool,
    /// Real posts allowed per rolling 24 hours.
    pub budget_per_24h: Option<u32>,
}

/// `[signing]`: the keys whose component signatures this host accepts.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SigningSection {
    /// Public keys, `ed25519:<base64>` (what `dailyx plugins keygen` prints).
    pub trusted_keys: Vec<String>,
    /// `.pub` files holding trusted keys. Default: `keys/local-build.pub`, the key the build
    /// signs first-party components with (skipped with a warning when it does not exist).
    pub trusted_key_files: Option<Vec<PathBuf>>,
    /// Development only: load components that carry no signature (warned on every load).
    pub dev_allow_unsigned: bool,
}

/// Where the build keeps the key it signs first-party components with.
pub const LOCAL_BUILD_KEY: &str = "keys/local-build.key";

impl SigningSection {
    /// The trust policy: every configured key, read and checked now (a bad key is an error).
    pub fn trust_policy(&self) -> Result<TrustPolicy> {
        let mut keys = Vec::new();
        for (i, text) in self.trusted_keys.iter().enumerate() {
            let what = format!("signing.trusted_keys[{i}]");
            let key = PublicKey::parse(text, &what)?;
            keys.push(TrustedKey { name: what, key });
        }
        let (files, defaulted) = match &self.trusted_key_files {
            Some(files) => (files.clone(), false),
            None => (vec![public_key_path(Path::new(LOCAL_BUILD_KEY))], true),
        };
        for file in files {
            if defaulted && !file.exists() {
                tracing::warn!(
                    "no {} yet (the build creates it when it signs the components); only signing.trusted_keys are trusted",
                    file.display()
                );
                continue;
            }
            let key = PublicKey::read(&file)?;
            keys.push(TrustedKey {
                name: file.display().to_string(),
                key,
            });
        }
        Ok(TrustPolicy {
            keys,
            allow_unsigned: self.dev_allow_unsigned,
        })
    }
}

/// Addresses (`10.1.2.3`, a single host) or CIDR ranges (`10.1.0.0/16`).
fn networks<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<ipnet::IpNet>, D::Error> {
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    serde::de::Error::custom(format!(
                        "`{s}` is not an address or a CIDR range (like 10.1.0.0/16)"
                    ))
                })
        })
        .collect()
}

/// `[server]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSection {
    /// Mark cookies Secure; default: when `pipeline.public_url` is https.
    pub secure_cookies: Option<bool>,
    /// Trust X-Forwarded-For (only behind a reverse proxy you run).
    pub trust_proxy: bool,
    /// Our proxies (addresses or CIDR ranges): X-Forwarded-For is read only from them, and
    /// their hops in it are skipped. Empty: the peer is the proxy.
    #[serde(deserialize_with = "networks")]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Seconds a connection may take to send a request's head (or stay idle between requests).
    pub header_read_timeout_secs: u64,
    /// Hours a login lasts.
    pub session_ttl_hours: u64,
    /// Failed logins in a row before an account is locked.
    pub max_failed_logins: i64,
    /// Minutes an account stays locked.
    pub lockout_minutes: u64,
    /// Login attempts per minute from one address.
    pub login_attempts_per_minute: u32,
    /// Seconds between an idle worker's looks for queued runs.
    pub worker_poll_secs: u64,
    /// Seconds between the publisher's looks for approved drafts.
    pub publish_poll_secs: u64,
    /// Seconds between scheduler / expiry passes.
    pub tick_secs: u64,
    /// Execute runs in this process.
    pub run_worker: bool,
    /// Let this process schedule runs (one host holds the scheduler lease at a time).
    pub run_scheduler: bool,
    /// Hours a missed scheduler slot is still run after downtime.
    pub schedule_catch_up_hours: u64,
    /// Seconds between this node's heartbeats in the node registry.
    pub node_heartbeat_secs: u64,
    /// Seconds of silence after which a node is reported dead.
    pub node_dead_after_secs: u64,
    /// Seconds between collections of the published posts' metrics (0: never).
    pub metrics_interval_secs: u64,
}

impl Default for ServerSection {
    fn default() -> Self {
        let d = dailyx_server::ServerSettings::default();
        ServerSection {
            secure_cookies: None,
            trust_proxy: d.proxies.enabled,
            trusted_proxies: d.proxies.trusted,
            header_read_timeout_secs: d.header_read_timeout.as_secs(),
            session_ttl_hours: d.session_ttl.as_secs() / 3600,
            max_failed_logins: d.max_failed_logins,
            lockout_minutes: d.lockout.as_secs() / 60,
            login_attempts_per_minute: d.login_attempts_per_minute,
            worker_poll_secs: d.worker_poll.as_secs(),
            publish_poll_secs: d.publish_poll.as_secs(),
            tick_secs: d.tick.as_secs(),
            run_worker: d.run_worker,
            run_scheduler: d.run_scheduler,
            schedule_catch_up_hours: d.schedule_catch_up.as_secs() / 3600,
            node_heartbeat_secs: d.node_heartbeat.as_secs(),
            metrics_interval_secs: d.metrics_interval.as_secs(),
            node_dead_after_secs: d.node_dead_after.as_secs(),
        }
    }
}

/// `[publish]`. Whether anything is sent is `pipeline.dry_run`; credentials come from the
/// environment (`DAILYX_X_*`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PublishSection {
    /// The X API.
    pub x_api_base: String,
    /// The OAuth 2.0 token endpoint.
    pub x_token_url: String,
    /// Seconds one call to X may take before it counts as unconfirmed.
    pub lease_secs: u64,
    /// Calls per thread position before the draft goes to `error`.
    pub max_tries: u32,
    /// First retry delay, ms.
    pub retry_delay_ms: u64,
    /// Longest wait for X's rate-limit reset, seconds.
    pub max_rate_limit_wait_secs: u64,
    /// Real posts allowed per rolling 24 hours (X plan limit); 0 = no limit.
    pub daily_post_budget: u32,
    /// Seconds per request.
    pub timeout_secs: u64,
    /// Consecutive failed calls (unreachable, no answer, 5xx) that open a provider's circuit.
    pub circuit_failure_threshold: u32,
    /// Seconds an open circuit waits before letting one probe through.
    pub circuit_cool_down_secs: u64,
}

impl Default for PublishSection {
    fn default() -> Self {
        let d = dailyx_publish::PublishSettings::default();
        PublishSection {
            x_api_base: "https://api.x.com".into(),
            x_token_url: "https://api.x.com/2/oauth2/token".into(),
            lease_secs: d.lease.as_secs(),
            max_tries: d.max_tries,
            retry_delay_ms: d.retry_delay.as_millis() as u64,
            max_rate_limit_wait_secs: d.max_rate_limit_wait.as_secs(),
            daily_post_budget: d.daily_post_budget.unwrap_or(0),
            timeout_secs: 30,
            circuit_failure_threshold: 5,
            circuit_cool_down_secs: 60,
        }
    }
}

/// `[notify]`. Channels are runtime config (`/api/config/notifications`); credentials come
/// from the environment (or the console), and the environment's go only to the destinations
/// named here.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotifySection {
    /// Tries per channel.
    pub max_tries: u32,
    /// First retry delay, ms.
    pub retry_delay_ms: u64,
    /// Seconds per request.
    pub timeout_secs: u64,
    /// `host:port` of the SMTP server `DAILYX_SMTP_PASSWORD` is for.
    pub smtp_server: Option<String>,
    /// The SendGrid API base `DAILYX_SENDGRID_API_KEY` is for.
    pub sendgrid_api_base: String,
    /// The Twilio API base `DAILYX_TWILIO_AUTH_TOKEN` is for.
    pub twilio_api_base: String,
}

impl Default for NotifySection {
    fn default() -> Self {
        let d = dailyx_notify::NotifySettings::default();
        let to = dailyx_notify::OperatorDestinations::default();
        NotifySection {
            max_tries: d.max_tries,
            retry_delay_ms: d.retry_delay.as_millis() as u64,
            timeout_secs: d.timeout.as_secs(),
            smtp_server: to.smtp_server,
            sendgrid_api_base: to.sendgrid_api_base,
            twilio_api_base: to.twilio_api_base,
        }
    }
}

/// `[pipeline]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PipelineSection {
    /// The persona component the posts are written as.
    pub persona: String,
    /// Which component serves a stage (`writer = "py-writer"`); by default the component named
    /// after the stage. The console's choice wins.
    pub stages: std::collections::BTreeMap<String, String>,
    /// Seconds a worker's claim on a run lasts without renewal.
    pub lease_secs: u64,
    /// Retries of a transiently failing step.
    pub retries: usize,
    /// First retry delay, ms (doubles per retry, with jitter).
    pub retry_delay_ms: u64,
    /// Hours a draft waits for review before it expires.
    pub review_window_hours: u64,
    /// The console's public URL (links in notifications).
    pub public_url: String,
    /// Record what would be published instead of publishing.
    pub dry_run: bool,
    /// IANA timezone for the run's date; default the system's.
    pub timezone: Option<String>,
    /// Approved posts the Style stage learns from.
    pub style_examples: i64,
    /// Recent posts Policy compares against (near-duplicates).
    pub recent_posts: i64,
    /// Domains posts may link to without a warning from Policy (the project's site, its
    /// docs). GitHub and the feeds' hosts are added when the collector reads them; with none at
    /// all, links are not checked against a list.
    pub allowed_link_domains: Vec<String>,
}

impl Default for PipelineSection {
    fn default() -> Self {
        let d = PipelineSettings::default();
        PipelineSection {
            persona: d.persona,
            stages: d.stages,
            lease_secs: d.lease.as_secs(),
            retries: d.retry.max_retries,
            retry_delay_ms: d.retry.min_delay.as_millis() as u64,
            review_window_hours: d.review_window.as_secs() / 3600,
            public_url: d.public_url,
            dry_run: d.dry_run,
            timezone: None,
            style_examples: d.style_examples,
            recent_posts: d.recent_posts,
            allowed_link_domains: Vec::new(),
        }
    }
}

/// `[llm]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmConfig {
    /// OpenAI-compatible base URL.
    #[serde(default = "default_llm_base_url")]
    pub base_url: String,
    /// Default model.
    pub model: String,
    /// Environment variable holding the key.
    #[serde(default = "default_llm_key_env")]
    pub api_key_env: String,
    /// Timeout of one completion, ms.
    #[serde(default = "default_llm_timeout")]
    pub timeout_ms: u64,
}

fn default_llm_base_url() -> String {
    "https://openrouter.ai/api/v1".into()
}
fn default_llm_key_env() -> String {
    "DAILYX_LLM_API_KEY".into()
}
fn default_llm_timeout() -> u64 {
    60_000
}

/// `[http]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// Credentials attached by origin: `[[http.credentials]]`.
    #[serde(default)]
    pub credentials: Vec<CredentialConfig>,
}

/// The Policy component, whose link allow-list the host fills in.
const POLICY: &str = "policy";
/// Its config key for the domains posts may link to.
const LINK_DOMAINS_KEY: &str = "allowed_link_domains";

/// `[plugins.<name>]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginConfig {
    /// Config values the component may read (if granted).
    #[serde(default)]
    pub config: BTreeMap<String, toml::Value>,
}

/// `[runtime]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RuntimeSection {
    /// Most component instances alive at once.
    pub max_instances: u32,
    /// Cache compiled components in `<data_dir>/cache`.
    pub compile_cache: bool,
    /// Where the compile cache lives instead (shared by several data directories).
    pub cache_dir: Option<PathBuf>,
    /// The key file authenticating the cache's entries (default `<data_dir>/cache.key`,
    /// created 0600). Hosts sharing a `cache_dir` share this file too.
    pub cache_key_file: Option<PathBuf>,
}

impl Default for RuntimeSection {
    fn default() -> Self {
        RuntimeSection {
            max_instances: EngineOptions::default().max_instances,
            compile_cache: true,
            cache_dir: None,
            cache_key_file: None,
        }
    }
}

/// `[log]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// tracing filter, e.g. `info,dailyx_runtime=debug`.
    pub filter: String,
    /// JSON lines instead of human-readable output.
    pub json: bool,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            filter: "warn".into(),
            json: false,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("data"),
            plugins_dir: PathBuf::from("plugins-registry"),
            bind: "127.0.0.1:8080".into(),
            database_url: None,
            llm: None,
            repositories: BTreeMap::new(),
            http: HttpConfig::default(),
            plugins: BTreeMap::new(),
            runtime: RuntimeSection::default(),
            log: LogConfig::default(),
            pipeline: PipelineSection::default(),
            server: ServerSection::default(),
            publish: PublishSection::default(),
            notify: NotifySection::default(),
            signing: SigningSection::default(),
            providers: Vec::new(),
            media: MediaSection::default(),
        }
    }
}

impl Config {
    /// Loads the file (if any) and applies the environment.
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let env_path = std::env::var_os("DAILYX_CONFIG").map(PathBuf::from);
        let path = path.map(Path::to_path_buf).or(env_path).or_else(|| {
            let local = PathBuf::from("dailyx.toml");
            local.exists().then_some(local)
        });
        let mut config = match &path {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read config file {}", p.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("config file {} is not valid", p.display()))?
            }
            None => Config::default(),
        };
        config.apply_env(|k| std::env::var(k).ok())?;
        for stage in config.pipeline.stages.keys() {
            let known = dailyx_pipeline::Step::ALL
                .iter()
                .any(|s| *s != dailyx_pipeline::Step::Persona && s.stage() == stage);
            if !known {
                bail!(
                    "[pipeline.stages] `{stage}` is not a pipeline stage (collector, curator, style, \
                     thread-planner, writer, critic, policy, notifier; the persona is [pipeline] persona)"
                );
            }
        }
        if config.repositories.is_empty() {
            // By default, the repository dailyx is started in, named after its directory (the
            // name appears in posts and in material ids).
            let name = std::env::current_dir()
                .ok()
                .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "self".into());
            config.repositories.insert(name, PathBuf::from("."));
        }
        Ok(config)
    }

    /// Applies `DAILYX_*` (and `DATABASE_URL`) overrides from `get`.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<()> {
        if let Some(v) = get("DAILYX_DATA_DIR") {
            self.data_dir = v.into();
        }
        if let Some(v) = get("DAILYX_PLUGINS_DIR") {
            self.plugins_dir = v.into();
        }
        if let Some(v) = get("DAILYX_BIND") {
            self.bind = v;
        }
        if let Some(v) = get("DATABASE_URL") {
            self.database_url = Some(v);
        }
        if let Some(v) = get("DAILYX_LOG") {
            self.log.filter = v;
        }
        if let Some(v) = get("DAILYX_LOG_FORMAT") {
            self.log.json = match v.as_str() {
                "json" => true,
                "text" | "pretty" => false,
                other => bail!("DAILYX_LOG_FORMAT must be `json` or `text`, not `{other}`"),
            };
        }
        if let Some(v) = get("DAILYX_PERSONA") {
            self.pipeline.persona = v;
        }
        if let Some(v) = get("DAILYX_PUBLIC_URL") {
            self.pipeline.public_url = v;
        }
        if let Some(v) = get("DAILYX_DRY_RUN") {
            self.pipeline.dry_run = match v.as_str() {
                "1" | "true" => true,
                "0" | "false" => false,
                other => bail!("DAILYX_DRY_RUN must be `true` or `false`, not `{other}`"),
            };
        }
        if let Some(v) = get("DAILYX_SMTP_SERVER") {
            self.notify.smtp_server = Some(v);
        }
        if let Some(v) = get("DAILYX_SENDGRID_API_BASE") {
            self.notify.sendgrid_api_base = v;
        }
        if let Some(v) = get("DAILYX_TWILIO_API_BASE") {
            self.notify.twilio_api_base = v;
        }
        if let Some(v) = get("DAILYX_X_API_BASE") {
            self.publish.x_api_base = v;
        }
        if let Some(v) = get("DAILYX_TRUSTED_KEYS") {
            // Comma-separated `ed25519:<base64>` keys, added to the file's.
            self.signing.trusted_keys.extend(
                v.split(',')
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .map(str::to_owned),
            );
        }
        if let Some(v) = get("DAILYX_DEV_ALLOW_UNSIGNED") {
            self.signing.dev_allow_unsigned = match v.as_str() {
                "1" | "true" => true,
                "0" | "false" => false,
                other => {
                    bail!("DAILYX_DEV_ALLOW_UNSIGNED must be `true` or `false`, not `{other}`")
                }
            };
        }
        if let Some(v) = get("DAILYX_MAX_INSTANCES") {
            self.runtime.max_instances =
                v.parse().context("DAILYX_MAX_INSTANCES must be a number")?;
        }
        let base = get("DAILYX_LLM_BASE_URL");
        let model = get("DAILYX_LLM_MODEL");
        if base.is_some() || model.is_some() {
            let llm = self.llm.get_or_insert_with(|| LlmConfig {
                base_url: default_llm_base_url(),
                model: String::new(),
                api_key_env: default_llm_key_env(),
                timeout_ms: default_llm_timeout(),
            });
            if let Some(b) = base {
                llm.base_url = b;
            }
            if let Some(m) = model {
                llm.model = m;
            }
            if llm.model.is_empty() {
                bail!(
                    "DAILYX_LLM_BASE_URL is set but no model: set DAILYX_LLM_MODEL or [llm] model"
                );
            }
        }
        Ok(())
    }

    /// The database URL: `database_url`, else a SQLite file in the data directory (created,
    /// with the directory, on first use).
    pub fn database_url(&self) -> Result<String> {
        if let Some(url) = &self.database_url {
            return Ok(url.clone());
        }
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("cannot create data directory {}", self.data_dir.display()))?;
        Ok(format!(
            "sqlite://{}",
            self.data_dir.join("dailyx.db").display()
        ))
    }

    /// The pipeline's settings.
    pub fn pipeline_settings(&self) -> PipelineSettings {
        let p = &self.pipeline;
        let defaults = PipelineSettings::default();
        PipelineSettings {
            worker_id: defaults.worker_id,
            persona: p.persona.clone(),
            stages: p.stages.clone(),
            lease: Duration::from_secs(p.lease_secs.max(1)),
            retry: RetryPolicy {
                max_retries: p.retries,
                min_delay: Duration::from_millis(p.retry_delay_ms),
                max_delay: RetryPolicy::default().max_delay,
            },
            style_examples: p.style_examples,
            recent_posts: p.recent_posts,
            max_weighted_length: defaults.max_weighted_length,
            review_window: Duration::from_secs(p.review_window_hours * 3600),
            public_url: p.public_url.clone(),
            dry_run: p.dry_run,
            timezone: p.timezone.clone().unwrap_or(defaults.timezone),
        }
    }

    /// The server's settings.
    pub fn server_settings(&self) -> dailyx_server::ServerSettings {
        let s = &self.server;
        let secs = |n: u64| Duration::from_secs(n.max(1));
        dailyx_server::ServerSettings {
            public_url: self.pipeline.public_url.clone(),
            secure_cookies: s
                .secure_cookies
                .unwrap_or_else(|| self.pipeline.public_url.starts_with("https://")),
            proxies: dailyx_server::forwarded::ProxyTrust {
                enabled: s.trust_proxy,
                trusted: s.trusted_proxies.clone(),
            },
            header_read_timeout: secs(s.header_read_timeout_secs),
            session_ttl: secs(s.session_ttl_hours * 3600),
            max_failed_logins: s.max_failed_logins.max(1),
            lockout: secs(s.lockout_minutes * 60),
            login_attempts_per_minute: s.login_attempts_per_minute,
            worker_poll: secs(s.worker_poll_secs),
            publish_poll: secs(s.publish_poll_secs),
            tick: secs(s.tick_secs),
            run_worker: s.run_worker,
            run_scheduler: s.run_scheduler,
            schedule_catch_up: Duration::from_secs(s.schedule_catch_up_hours * 3600),
            node_heartbeat: secs(s.node_heartbeat_secs),
            // Dead only after several missed heartbeats, whatever the setting says.
            node_dead_after: secs(s.node_dead_after_secs).max(secs(s.node_heartbeat_secs) * 3),
            // 0 turns the job off (secs() would make it 1 s).
            metrics_interval: Duration::from_secs(s.metrics_interval_secs),
        }
    }

    /// The publisher's settings.
    pub fn publish_settings(&self) -> dailyx_publish::PublishSettings {
        let p = &self.publish;
        dailyx_publish::PublishSettings {
            dry_run: self.pipeline.dry_run,
            lease: Duration::from_secs(p.lease_secs.max(1)),
            max_tries: p.max_tries.max(1),
            retry_delay: Duration::from_millis(p.retry_delay_ms),
            max_rate_limit_wait: Duration::from_secs(p.max_rate_limit_wait_secs),
            daily_post_budget: (p.daily_post_budget > 0).then_some(p.daily_post_budget),
        }
    }

    /// The circuit breaker's thresholds for each publishing provider.
    pub fn breaker_settings(&self) -> dailyx_publish::circuit::BreakerSettings {
        dailyx_publish::circuit::BreakerSettings {
            failure_threshold: self.publish.circuit_failure_threshold.max(1),
            cool_down: Duration::from_secs(self.publish.circuit_cool_down_secs.max(1)),
        }
    }

    /// The enabled provider components of the file, checked against the catalog.
    pub fn providers(&self) -> Result<Vec<dailyx_dispatch::ProviderConfig>> {
        let mut out: Vec<dailyx_dispatch::ProviderConfig> = Vec::new();
        for p in &self.providers {
            if dailyx_dispatch::catalog::provider(&p.name).is_none() {
                let known: Vec<&str> = dailyx_dispatch::PROVIDERS.iter().map(|k| k.name).collect();
                anyhow::bail!(
                    "[[providers]] `{}` is not a provider this host knows ({})",
                    p.name,
                    known.join(", ")
                );
            }
            if out.iter().any(|q| q.name == p.name) {
                anyhow::bail!("[[providers]] `{}` is listed twice", p.name);
            }
            if p.name == "x" {
                anyhow::bail!(
                    "[[providers]] `x`: X is always published by the publisher (through the `x` \
                     component, with the approval and exactly-once rules); it is not listed here"
                );
            }
            out.push(dailyx_dispatch::ProviderConfig {
                name: p.name.clone(),
                component: p.component.clone().unwrap_or_else(|| p.name.clone()),
                simulate: p.simulate,
                budget_per_24h: p.budget_per_24h,
            });
        }
        Ok(out)
    }

    /// How media are made (`None`: off). They are served under the public URL.
    pub fn media_settings(&self) -> Option<dailyx_server::media::MediaSettings> {
        let m = &self.media;
        m.enabled.then(|| dailyx_server::media::MediaSettings {
            dir: self.data_dir.join("media"),
            font_dirs: if m.font_dirs.is_empty() {
                dailyx_media::default_font_dirs()
            } else {
                m.font_dirs.clone()
            },
            video: m.video,
            public_url: self.pipeline.public_url.clone(),
            timeout: Duration::from_secs(m.timeout_secs.max(1)),
        })
    }

    /// How provider deliveries retry and when their circuits open (the `[publish]` values).
    pub fn dispatch_settings(&self) -> dailyx_dispatch::DispatchSettings {
        let p = &self.publish;
        dailyx_dispatch::DispatchSettings {
            max_tries: p.max_tries.max(1),
            retry_delay: Duration::from_millis(p.retry_delay_ms.max(1)),
            max_retry_delay: Duration::from_secs(60),
            lease: Duration::from_secs(p.lease_secs.max(1)),
            max_rate_limit_wait: Duration::from_secs(p.max_rate_limit_wait_secs.min(300)),
            breaker: self.breaker_settings(),
        }
    }

    /// The notifier's settings.
    pub fn notify_settings(&self) -> dailyx_notify::NotifySettings {
        let n = &self.notify;
        dailyx_notify::NotifySettings {
            max_tries: n.max_tries.max(1),
            retry_delay: Duration::from_millis(n.retry_delay_ms),
            timeout: Duration::from_secs(n.timeout_secs.max(1)),
            default_token_ttl: Duration::from_secs(self.pipeline.review_window_hours.max(1) * 3600),
            public_url: self.pipeline.public_url.clone(),
        }
    }

    /// The notification channels' secrets from the environment, each tied to the destination
    /// this file (or the environment) names for it.
    pub fn channel_secrets(&self) -> Result<dailyx_notify::ChannelSecrets> {
        let n = &self.notify;
        dailyx_notify::ChannelSecrets::from_env(&dailyx_notify::OperatorDestinations {
            smtp_server: n.smtp_server.clone(),
            sendgrid_api_base: n.sendgrid_api_base.clone(),
            twilio_api_base: n.twilio_api_base.clone(),
        })
        .map_err(|e| anyhow::anyhow!("[notify]: {e}"))
    }

    /// The runtime's configuration. Secrets are read from the environment here.
    pub fn runtime_config(&self) -> Result<RuntimeConfig> {
        let mut rc = RuntimeConfig::new(&self.plugins_dir);
        rc.cache_dir = self.runtime.compile_cache.then(|| {
            self.runtime
                .cache_dir
                .clone()
                .unwrap_or_else(|| self.data_dir.join("cache").join("components"))
        });
        if self.runtime.compile_cache {
            let key_file = self
                .runtime
                .cache_key_file
                .clone()
                .unwrap_or_else(|| self.data_dir.join("cache.key"));
            rc.cache_key = CacheKey::load_or_create(&key_file)?;
        }
        rc.engine = EngineOptions {
            max_instances: self.runtime.max_instances,
        };
        rc.llm = self.llm.as_ref().map(|l| LlmEndpoint {
            base_url: l.base_url.clone(),
            api_key: std::env::var(&l.api_key_env)
                .ok()
                .filter(|k| !k.is_empty())
                .map(Secret::new),
            model: l.model.clone(),
            timeout: Duration::from_millis(l.timeout_ms),
        });
        rc.credentials = Arc::new(
            StaticCredentials::from_config(&self.http.credentials).map_err(anyhow::Error::msg)?,
        );
        rc.repositories = Repositories(self.repositories.clone());
        rc.trust = self.signing.trust_policy()?;
        rc.plugin_config = self
            .plugins
            .iter()
            .map(|(name, p)| {
                let values = p
                    .config
                    .iter()
                    .map(|(k, v)| {
                        let s = match v {
                            toml::Value::String(s) => s.clone(),
                            other => serde_json::to_string(other).unwrap_or_default(),
                        };
                        (k.clone(), s)
                    })
                    .collect();
                (name.clone(), values)
            })
            .collect();
        let policy = rc.plugin_config.entry(POLICY.to_owned()).or_default();
        if !policy.contains_key(LINK_DOMAINS_KEY) {
            let domains = self.allowed_link_domains();
            if !domains.is_empty() {
                policy.insert(
                    LINK_DOMAINS_KEY.to_owned(),
                    serde_json::to_string(&domains)?,
                );
            }
        }
        Ok(rc)
    }

    /// The domains Policy lets posts link to: the operator's `[pipeline] allowed_link_domains`,
    /// github.com when the collector reads GitHub repositories, and the hosts of its feeds (a
    /// post links to the material it is about). `[plugins.policy.config]
    /// allowed_link_domains` replaces the whole list.
    pub fn allowed_link_domains(&self) -> Vec<String> {
        let mut domains: Vec<String> = self.pipeline.allowed_link_domains.clone();
        let collector = self.plugins.get("collector").map(|p| &p.config);
        let list = |key: &str| -> Vec<String> {
            match collector.and_then(|c| c.get(key)) {
                Some(toml::Value::Array(items)) => items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
                _ => Vec::new(),
            }
        };
        if !list("github_repositories").is_empty() {
            domains.push("github.com".to_owned());
        }
        domains.extend(
            list("feeds")
                .iter()
                .filter_map(|feed| url::Url::parse(feed).ok()?.host_str().map(str::to_owned)),
        );
        domains.sort();
        domains.dedup();
        domains
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_the_file() {
        let mut c: Config = toml::from_str("data_dir = \"/d\"\nbind = \"0.0.0.0:1\"").unwrap();
        let env = BTreeMap::from([
            ("DAILYX_BIND", "127.0.0.1:9"),
            ("DAILYX_LLM_BASE_URL", "http://127.0.0.1:1/v1"),
            ("DAILYX_LLM_MODEL", "m"),
            ("DAILYX_LOG_FORMAT", "json"),
        ]);
        c.apply_env(|k| env.get(k).map(|v| v.to_string())).unwrap();
        assert_eq!(c.data_dir, PathBuf::from("/d"));
        assert_eq!(c.bind, "127.0.0.1:9");
        assert_eq!(c.llm.as_ref().unwrap().model, "m");
        assert!(c.log.json);
    }

    #[test]
    fn policy_links_default_to_the_material_hosts_unless_the_operator_says() {
        let mut c: Config = toml::from_str(
            "[pipeline]\nallowed_link_domains = [\"example.org\"]\n\
             [plugins.collector.config]\ngithub_repositories = [\"o/r\"]\n\
             feeds = [\"https://blog.example.com/atom.xml\", \"not a url\"]\n",
        )
        .unwrap();
        // Without the compile cache: its key file would be created in the working directory.
        let runtime_config = |c: &Config| {
            let mut c = c.clone();
            c.runtime.compile_cache = false;
            c.runtime_config().unwrap()
        };
        let domains =
            |c: &Config| runtime_config(c).plugin_config[POLICY][LINK_DOMAINS_KEY].clone();
        assert_eq!(
            domains(&c),
            r#"["blog.example.com","example.org","github.com"]"#
        );
        // The operator's own list for the component wins as it stands.
        let own: Config =
            toml::from_str("[plugins.policy.config]\nallowed_link_domains = [\"only.example\"]\n")
                .unwrap();
        assert_eq!(domains(&own), r#"["only.example"]"#);
        // Nothing to derive: no list, no check.
        c = Config::default();
        assert!(
            !runtime_config(&c)
                .plugin_config
                .get(POLICY)
                .is_some_and(|p| p.contains_key(LINK_DOMAINS_KEY))
        );
    }

    #[test]
    fn bad_values_are_clear_errors() {
        let mut c = Config::default();
        let err = c
            .apply_env(|k| (k == "DAILYX_LOG_FORMAT").then(|| "xml".into()))
            .unwrap_err();
        assert!(err.to_string().contains("DAILYX_LOG_FORMAT"));
        let err = c
            .apply_env(|k| (k == "DAILYX_LLM_BASE_URL").then(|| "http://x".into()))
            .unwrap_err();
        assert!(err.to_string().contains("DAILYX_LLM_MODEL"));
        assert!(
            toml::from_str::<Config>("dta_dir = \"x\"").is_err(),
            "unknown keys are refused"
        );
        let err =
            toml::from_str::<Config>("[server]\ntrusted_proxies = [\"10.1.0.0/33\"]").unwrap_err();
        assert!(
            err.to_string().contains("not an address or a CIDR range"),
            "{err}"
        );
        let c: Config =
            toml::from_str("[server]\ntrusted_proxies = [\"10.1.0.0/16\", \"::1\"]").unwrap();
        assert_eq!(c.server.trusted_proxies.len(), 2);
    }
}
