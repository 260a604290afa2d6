//! How the pipeline runs: which components, leases, retries, review window.

use crate::steps::Step;
use std::collections::BTreeMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Pipeline settings (from the `[pipeline]` section of dailyx.toml).
#[derive(Debug, Clone)]
pub struct PipelineSettings {
    /// This worker's id, stored as the lease owner (host name + process id by default).
    pub worker_id: String,
    /// The persona component to write as.
    pub persona: String,
    /// Which component serves a stage, by stage (`writer = "py-writer"`); a stage not named is
    /// served by the component of its own name (`writer`).
    pub stages: BTreeMap<String, String>,
    /// How long a claim lasts without renewal; a dead worker's run is resumed after this.
    pub lease: Duration,
    /// Retries of transient failures.
    pub retry: RetryPolicy,
    /// Approved posts the Style stage learns from.
    pub style_examples: i64,
    /// Recent posts the Policy stage compares against for near-duplicates.
    pub recent_posts: i64,
    /// Maximum weighted length of one tweet.
    pub max_weighted_length: u32,
    /// How long a draft waits for review before it expires.
    pub review_window: Duration,
    /// The console's public URL, for the links in notifications.
    pub public_url: String,
    /// Whether publishing is in dry-run mode.
    pub dry_run: bool,
    /// The operator's timezone (IANA name), for the run's date.
    pub timezone: String,
}

impl Default for PipelineSettings {
    fn default() -> Self {
        PipelineSettings {
            worker_id: default_worker_id(),
            persona: "dev-advocate".into(),
            stages: BTreeMap::new(),
            lease: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            style_examples: 10,
            recent_posts: 30,
            max_weighted_length: 280,
            review_window: Duration::from_secs(24 * 3600),
            public_url: "http://127.0.0.1:8080".into(),
            dry_run: true,
            timezone: jiff::tz::TimeZone::system()
                .iana_name()
                .unwrap_or("UTC")
                .to_owned(),
        }
    }
}

/// Exponential backoff for transient failures (an upstream error, a timeout, a busy database).
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: usize,
    /// First delay.
    pub min_delay: Duration,
    /// Cap on one delay.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
        }
    }
}

/// `<host>-<pid>`: unique per process on one machine and readable in `runs list`.
pub fn default_worker_id() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into());
    format!("{host}-{}", std::process::id())
}

/// The pipeline settings an operator may change from the console while the host runs. They
/// start as the file's values; a run reads them when it is queued (dry-run, recorded in its
/// context) and when each step runs (which component serves it).
#[derive(Debug)]
pub struct LiveSettings {
    persona: RwLock<String>,
    /// The config file's stage bindings.
    file_stages: BTreeMap<String, String>,
    /// The console's, which win over the file's.
    chosen_stages: RwLock<BTreeMap<String, String>>,
    dry_run: AtomicBool,
}

/// Where a stage's binding comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BindingSource {
    /// Chosen in the console (or `PUT /api/config/stages`).
    Console,
    /// `[pipeline.stages]` in the config file.
    File,
    /// Neither: the component named after the stage.
    Default,
}

impl LiveSettings {
    pub(crate) fn new(settings: &PipelineSettings) -> Self {
        LiveSettings {
            persona: RwLock::new(settings.persona.clone()),
            file_stages: settings.stages.clone(),
            chosen_stages: RwLock::new(BTreeMap::new()),
            dry_run: AtomicBool::new(settings.dry_run),
        }
    }

    /// The component that serves `step` now, and where that choice comes from.
    pub fn binding(&self, step: Step) -> (String, BindingSource) {
        if step == Step::Persona {
            return (self.persona(), BindingSource::Console);
        }
        let stage = step.stage();
        let chosen = self
            .chosen_stages
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(stage)
            .cloned();
        match (chosen, self.file_stages.get(stage)) {
            (Some(name), _) => (name, BindingSource::Console),
            (None, Some(name)) => (name.clone(), BindingSource::File),
            (None, None) => (stage.to_owned(), BindingSource::Default),
        }
    }

    /// The component that serves `step` now.
    pub fn component_for(&self, step: Step) -> String {
        self.binding(step).0
    }

    /// Replaces the console's stage bindings (stage → component; the file's apply to the rest).
    pub fn set_chosen_stages(&self, chosen: BTreeMap<String, String>) {
        *self
            .chosen_stages
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = chosen;
    }

    /// The persona component runs write as.
    pub fn persona(&self) -> String {
        self.persona
            .read()
            .map(|p| p.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Sets the persona component.
    pub fn set_persona(&self, name: &str) {
        let mut p = self
            .persona
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *p = name.to_owned();
    }

    /// Whether new runs are dry-run.
    pub fn dry_run(&self) -> bool {
        self.dry_run.load(Ordering::Relaxed)
    }

    /// Sets dry-run for new runs.
    pub fn set_dry_run(&self, on: bool) {
        self.dry_run.store(on, Ordering::Relaxed);
    }
}
