//! The eval gate: a stage's golden set, run against a new version in the sandbox before it
//! is activated.
//!
//! A golden set is `<plugins>/golden/<world>.json`: cases, each with the stage's input, the LLM
//! answers to replay (so the gate is offline and deterministic, and tests the component's own
//! handling of what a model says), and checks. A new version of a component whose world has a
//! golden set activates only if every case passes; otherwise the version serving keeps serving.
//! Either way the report is returned to the host, which keeps it.

use crate::call::{StageInput, StageOutput};
use crate::events::ComponentId;
use crate::registry::{LoadedComponent, Registry};
use crate::runtime::Runtime;
use crate::world::Stage;
use dailyx_world::types::{Material, PolicyRules, Tweet, Verdict};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The folder of golden sets inside the plugins directory.
pub const GOLDEN_DIR: &str = "golden";

/// X's limit, used when neither the case nor its input names one.
const DEFAULT_MAX_WEIGHTED_LENGTH: u32 = 280;

/// Where the golden set of `stage` lives.
pub fn golden_path(plugins_dir: &Path, stage: Stage) -> PathBuf {
    plugins_dir
        .join(GOLDEN_DIR)
        .join(format!("{}.json", stage.world()))
}

/// A stage's golden set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoldenSet {
    /// The cases; all must pass.
    pub cases: Vec<GoldenCase>,
}

/// One input and what its output must satisfy.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoldenCase {
    /// A name for the report.
    pub name: String,
    /// The stage's input (the JSON of `dailyx agent call`).
    pub input: StageInput,
    /// The LLM's answers, replayed in order; none: the component sees no LLM configured.
    #[serde(default)]
    pub llm_replies: Vec<String>,
    /// What the output must satisfy.
    #[serde(default)]
    pub checks: Checks,
}

/// Checks on a case's output. Every check applies to the tweets of a Writer's draft and of a
/// Critic's revision.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Checks {
    /// The call must succeed (default true).
    pub succeeds: bool,
    /// Largest weighted length of a tweet; default: the input plan's or rules' limit, else 280.
    pub max_weighted_length: Option<u32>,
    /// Most tweets; default: the input plan's `max_tweets`.
    pub max_tweets: Option<u32>,
    /// Every tweet names at least one material, and only materials of the input (default true).
    pub claims_backed: bool,
    /// Run the policy component over the tweets; its verdict must be `pass`.
    pub policy_pass: bool,
    /// The policy component to run (default `policy`).
    pub policy_component: Option<String>,
    /// The rules given to it (default: none blocked, the length limit above).
    pub policy_rules: Option<PolicyRules>,
    /// Finding codes a Critic must report.
    pub expect_findings: Vec<String>,
}

impl Default for Checks {
    fn default() -> Self {
        Checks {
            succeeds: true,
            max_weighted_length: None,
            max_tweets: None,
            claims_backed: true,
            policy_pass: false,
            policy_component: None,
            policy_rules: None,
            expect_findings: Vec::new(),
        }
    }
}

/// Why a golden set could not be used (the candidate is then refused: an unusable gate is
/// not a passed one).
#[derive(Debug, thiserror::Error)]
pub enum GoldenSetError {
    /// The file exists but cannot be read.
    #[error("cannot read golden set {path}: {source}")]
    Read {
        #[allow(missing_docs)]
        path: PathBuf,
        #[allow(missing_docs)]
        source: std::io::Error,
    },
    /// It is not a valid golden set.
    #[error("golden set {path} is not valid: {message}")]
    Parse {
        #[allow(missing_docs)]
        path: PathBuf,
        #[allow(missing_docs)]
        message: String,
    },
    /// A case's input is for another stage.
    #[error("golden set {path}: case `{case}` has input for `{input}`, not `{world}`")]
    WrongStage {
        #[allow(missing_docs)]
        path: PathBuf,
        #[allow(missing_docs)]
        case: String,
        #[allow(missing_docs)]
        input: &'static str,
        #[allow(missing_docs)]
        world: &'static str,
    },
}

/// Reads the golden set of `stage`; `Ok(None)` when it has none.
pub fn load_golden_set(
    plugins_dir: &Path,
    stage: Stage,
) -> Result<Option<(GoldenSet, String)>, GoldenSetError> {
    let path = golden_path(plugins_dir, stage);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(GoldenSetError::Read { path, source }),
    };
    let set: GoldenSet = serde_json::from_slice(&bytes).map_err(|e| GoldenSetError::Parse {
        path: path.clone(),
        message: e.to_string(),
    })?;
    if set.cases.is_empty() {
        return Err(GoldenSetError::Parse {
            path,
            message: "it has no cases".into(),
        });
    }
    for case in &set.cases {
        if case.input.stage() != stage {
            return Err(GoldenSetError::WrongStage {
                path,
                case: case.name.clone(),
                input: case.input.stage().export(),
                world: stage.world(),
            });
        }
    }
    Ok(Some((set, dailyx_signing::sha256_digest(&bytes))))
}

/// What the gate found for one version.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EvalReport {
    /// The version evaluated.
    pub component: String,
    /// Its version.
    pub version: String,
    /// Its digest.
    pub digest: String,
    /// Its world.
    pub world: String,
    /// Digest of the golden set file used.
    pub golden_set: String,
    /// Whether every case passed.
    pub passed: bool,
    /// Per case.
    pub cases: Vec<CaseReport>,
    /// When it ran (Unix ms).
    pub at_ms: u64,
}

/// One case's result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CaseReport {
    /// The case's name.
    pub name: String,
    /// Whether every check passed.
    pub passed: bool,
    /// The checks that failed, in plain words.
    pub failures: Vec<String>,
    /// The tweets produced (a Writer's draft, a Critic's revision), for the reviewer.
    pub tweets: Vec<String>,
    /// How long the call took, ms.
    pub duration_ms: u64,
}

impl EvalReport {
    /// One line naming the failed cases and their first failures.
    pub fn summary(&self) -> String {
        let failed: Vec<String> = self
            .cases
            .iter()
            .filter(|c| !c.passed)
            .map(|c| format!("{}: {}", c.name, c.failures.join("; ")))
            .collect();
        if failed.is_empty() {
            format!("passed all {} golden cases", self.cases.len())
        } else {
            format!(
                "failed {} of {} golden cases ({})",
                failed.len(),
                self.cases.len(),
                failed.join(" | ")
            )
        }
    }
}

/// Runs every case of `set` against `candidate`; `policies` provides the policy component.
pub(crate) async fn evaluate(
    runtime: &Runtime,
    candidate: &Arc<LoadedComponent>,
    policies: &Registry,
    set: &GoldenSet,
    golden_digest: &str,
) -> EvalReport {
    let mut cases = Vec::with_capacity(set.cases.len());
    for case in &set.cases {
        cases.push(run_case(runtime, candidate, policies, case).await);
    }
    let id: &ComponentId = &candidate.id;
    EvalReport {
        component: id.name.clone(),
        version: id.version.clone(),
        digest: id.digest.clone(),
        world: candidate.entry.stage.world().to_owned(),
        golden_set: golden_digest.to_owned(),
        passed: cases.iter().all(|c| c.passed),
        cases,
        at_ms: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64),
    }
}

async fn run_case(
    runtime: &Runtime,
    candidate: &Arc<LoadedComponent>,
    policies: &Registry,
    case: &GoldenCase,
) -> CaseReport {
    let started = Instant::now();
    let record = runtime
        .call_scripted(candidate, case.input.clone(), case.llm_replies.clone())
        .await;
    let duration = started.elapsed();
    let checks = &case.checks;
    let mut failures = Vec::new();
    let (tweets, findings) = match &record.result {
        Ok(StageOutput::Draft(d)) => (d.tweets.clone(), Vec::new()),
        Ok(StageOutput::Critique(c)) => (
            c.revision.clone().unwrap_or_default(),
            c.findings.iter().map(|f| f.code.clone()).collect(),
        ),
        Ok(_) => (Vec::new(), Vec::new()),
        Err(e) => {
            if checks.succeeds {
                failures.push(format!("the call failed: {e}"));
            }
            (Vec::new(), Vec::new())
        }
    };
    let limits = InputLimits::of(&case.input);
    let max_len = checks
        .max_weighted_length
        .or(limits.max_weighted_length)
        .unwrap_or(DEFAULT_MAX_WEIGHTED_LENGTH);
    for t in &tweets {
        let len = dailyx_xtext::weighted_length(&t.text);
        if len > max_len {
            failures.push(format!(
                "tweet {} is {len} weighted characters, over the limit of {max_len}",
                t.position + 1
            ));
        }
    }
    if let Some(max) = checks.max_tweets.or(limits.max_tweets)
        && tweets.len() as u32 > max
    {
        failures.push(format!("{} tweets, more than {max}", tweets.len()));
    }
    if checks.claims_backed {
        failures.extend(unbacked(&tweets, limits.materials));
    }
    for code in &checks.expect_findings {
        if !findings.contains(code) {
            failures.push(format!("no `{code}` finding was reported"));
        }
    }
    if checks.policy_pass
        && !tweets.is_empty()
        && let Some(f) = policy_failure(runtime, policies, case, &tweets, max_len).await
    {
        failures.push(f);
    }
    CaseReport {
        name: case.name.clone(),
        passed: failures.is_empty(),
        failures,
        tweets: tweets.into_iter().map(|t| t.text).collect(),
        duration_ms: duration.as_millis() as u64,
    }
}

/// Tweets that name no material, or a material the input does not have.
fn unbacked(tweets: &[Tweet], materials: &[Material]) -> Vec<String> {
    let mut out = Vec::new();
    for t in tweets {
        if t.material_ids.is_empty() {
            out.push(format!(
                "tweet {} names no material behind it",
                t.position + 1
            ));
        }
        for id in &t.material_ids {
            if !materials.iter().any(|m| &m.id == id) {
                out.push(format!(
                    "tweet {} names material `{id}`, which is not among the inputs",
                    t.position + 1
                ));
            }
        }
    }
    out
}

/// Runs the policy component over `tweets`; `Some(why)` unless its verdict is `pass`.
async fn policy_failure(
    runtime: &Runtime,
    policies: &Registry,
    case: &GoldenCase,
    tweets: &[Tweet],
    max_len: u32,
) -> Option<String> {
    let name = case.checks.policy_component.as_deref().unwrap_or("policy");
    let Some(policy) = policies.components.get(name) else {
        return Some(format!("the policy component `{name}` is not loaded"));
    };
    let ctx = match &case.input {
        StageInput::Write { ctx, .. } | StageInput::Critique { ctx, .. } => ctx.clone(),
        _ => return Some("policy checks apply to writer and critic cases".into()),
    };
    let rules = case.checks.policy_rules.clone().unwrap_or(PolicyRules {
        blocked_terms: Vec::new(),
        recent_posts: Vec::new(),
        max_weighted_length: max_len,
    });
    let draft = dailyx_world::types::Draft {
        tweets: tweets.to_vec(),
        model_used: "eval".into(),
        usage: dailyx_world::types::TokenUsage {
            prompt: 0,
            completion: 0,
        },
        notes: Vec::new(),
    };
    let record = runtime
        .call_scripted(policy, StageInput::Check { ctx, draft, rules }, Vec::new())
        .await;
    match record.result {
        Ok(StageOutput::PolicyReport(r)) if matches!(r.verdict, Verdict::Pass) => None,
        Ok(StageOutput::PolicyReport(r)) => Some(format!(
            "policy verdict is {:?}: {}",
            r.verdict,
            r.findings
                .iter()
                .map(|f| format!("{} ({})", f.code, f.message))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Ok(_) => Some(format!("`{name}` is not a policy component")),
        Err(e) => Some(format!("the policy check failed: {e}")),
    }
}

/// The limits and materials a case's input carries.
struct InputLimits<'a> {
    max_weighted_length: Option<u32>,
    max_tweets: Option<u32>,
    materials: &'a [Material],
}

impl InputLimits<'_> {
    fn of(input: &StageInput) -> InputLimits<'_> {
        match input {
            StageInput::Write {
                plan, materials, ..
            } => InputLimits {
                max_weighted_length: Some(plan.max_weighted_length),
                max_tweets: Some(plan.max_tweets),
                materials,
            },
            StageInput::Critique { materials, .. } => InputLimits {
                max_weighted_length: None,
                max_tweets: None,
                materials,
            },
            _ => InputLimits {
                max_weighted_length: None,
                max_tweets: None,
                materials: &[],
            },
        }
    }
}

/// How long a whole gate may take before the candidate is refused (a case hanging on the
/// candidate's wall-clock limit is already bounded; this bounds a large golden set).
pub(crate) const GATE_TIMEOUT: Duration = Duration::from_secs(120);
