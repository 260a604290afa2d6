//! Runs the steps of one run, durably. See the crate docs for the model.

use crate::context::new_context;
use crate::error::{PipelineError, RecheckError};
use crate::heartbeat::Heartbeat;
use crate::progress::{Progress, ProgressSink, Silent};
use crate::retry::{backoff, is_transient};
use crate::settings::{LiveSettings, PipelineSettings};
use crate::state::RunState;
use crate::steps::Step;
use backon::Retryable;
use dailyx_runtime::registry::LoadedComponent;
use dailyx_runtime::types::{ActionLink, PolicyRules, PostFormat, RunContext, Severity, Verdict};
use dailyx_runtime::{CallError, CallRecord, Runtime, StageInput, StageOutput};
use dailyx_store::{
    CollectedMaterial, DraftTweet, NewCapabilityEvent, NewDraft, NewRun, NewStyleProfile, Run,
    StepEffects, StepOutcome, StepRecord, Store, TOKEN_ACTIONS, action_url, console_edit_url,
    console_url, new_id, now_ms, token_placeholder,
};
use serde::Serialize;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum RunOutcome {
    /// Every step finished; the draft waits for review.
    Drafted {
        /// The run.
        run_id: String,
        /// Its draft.
        draft_id: String,
    },
    /// There was nothing new to write about; the run succeeded without a draft.
    NothingNew {
        /// The run.
        run_id: String,
    },
    /// A step failed permanently; the run failed with `error` (also its `last_error`).
    Failed {
        /// The run.
        run_id: String,
        /// The failed step.
        step: Step,
        /// Why.
        error: String,
    },
}

/// The orchestrator.
pub struct Pipeline {
    runtime: Arc<Runtime>,
    store: Store,
    settings: PipelineSettings,
    progress: Arc<dyn ProgressSink>,
    /// Component digests this process already recorded in `components` (one write each, not
    /// one per step).
    recorded: Mutex<HashSet<String>>,
    live: LiveSettings,
}

impl Pipeline {
    /// A pipeline calling components through `runtime` and recording in `store`.
    pub fn new(runtime: Arc<Runtime>, store: Store, settings: PipelineSettings) -> Self {
        Pipeline {
            runtime,
            store,
            live: LiveSettings::new(&settings),
            settings,
            progress: Arc::new(Silent),
            recorded: Mutex::new(HashSet::new()),
        }
    }

    /// The settings an operator may change while the host runs (persona, dry-run).
    pub fn live(&self) -> &LiveSettings {
        &self.live
    }

    /// Reports progress to `sink`.
    pub fn with_progress(mut self, sink: Arc<dyn ProgressSink>) -> Self {
        self.progress = sink;
        self
    }

    /// The settings.
    pub fn settings(&self) -> &PipelineSettings {
        &self.settings
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Records every component the runtime has loaded in the `components` table.
    pub async fn record_loaded_components(&self) -> Result<(), PipelineError> {
        for c in self.runtime.registry().summaries() {
            self.store
                .record_component(
                    &c.id.name,
                    &c.id.version,
                    &c.id.digest,
                    &c.world.to_string(),
                )
                .await?;
        }
        Ok(())
    }

    /// Queues a run (`trigger`: `cli`, `api`, `schedule`); a worker picks it up.
    pub async fn enqueue(&self, trigger: &str) -> Result<Run, PipelineError> {
        self.enqueue_slot(trigger, None).await
    }

    /// Queues a run for scheduler slot `slot` (at most one run per slot: a second one fails
    /// with a store `Conflict`).
    pub async fn enqueue_slot(
        &self,
        trigger: &str,
        slot: Option<String>,
    ) -> Result<Run, PipelineError> {
        let id = new_id();
        let previous = self.store.previous_success_started_at(&id).await?;
        let ctx = new_context(&id, &self.settings.timezone, previous, self.live.dry_run());
        let run = NewRun {
            trigger: trigger.to_owned(),
            run_date: ctx.date.clone(),
            context: to_json(&ctx),
            scheduled_slot: slot,
            regenerates: None,
        };
        Ok(self.store.create_run(Some(id), &run).await?)
    }

    /// Queues a run that writes about the same materials as run `source` again (a reviewer
    /// asked for another draft): it collects over the same period and may reuse what
    /// `source` (or the run `source` itself regenerated) collected.
    pub async fn regenerate(&self, source: &str) -> Result<Run, PipelineError> {
        let source = self.store.run(source).await?;
        let previous: RunContext =
            serde_json::from_value(source.context.0.clone()).map_err(|e| {
                PipelineError::BadRecord {
                    run_id: source.id.clone(),
                    step: "context".into(),
                    detail: e.to_string(),
                }
            })?;
        let id = new_id();
        let ctx = new_context(
            &id,
            &self.settings.timezone,
            previous.previous_run_at_ms,
            self.live.dry_run(),
        );
        let run = NewRun {
            trigger: "regenerate".to_owned(),
            run_date: ctx.date.clone(),
            context: to_json(&ctx),
            scheduled_slot: None,
            regenerates: Some(source.regenerates.clone().unwrap_or(source.id.clone())),
        };
        Ok(self.store.create_run(Some(id), &run).await?)
    }

    /// Runs the Policy component on `texts` (a reviewer's final text for a draft of run
    /// `run_id`), with the same rules as the pipeline's policy step.
    pub async fn recheck(
        &self,
        run_id: &str,
        tweets: Vec<dailyx_runtime::types::Tweet>,
    ) -> Result<dailyx_runtime::types::PolicyReport, RecheckError> {
        let run = self.store.run(run_id).await?;
        let ctx: RunContext = serde_json::from_value(run.context.0.clone())
            .map_err(|e| RecheckError::Policy(format!("run context unreadable: {e}")))?;
        let input = StageInput::Check {
            ctx,
            draft: dailyx_runtime::types::Draft {
                tweets,
                model_used: "human".into(),
                usage: dailyx_runtime::types::TokenUsage {
                    prompt: 0,
                    completion: 0,
                },
                notes: Vec::new(),
            },
            rules: self.policy_rules().await?,
        };
        let registry = self.runtime.registry();
        let name = Step::Check.stage();
        let component = registry
            .components
            .get(name)
            .cloned()
            .ok_or_else(|| RecheckError::Policy(format!("component `{name}` is not loaded")))?;
        let call = self
            .call_with_retries(run_id, Step::Check, &component, &input)
            .await;
        match call.result {
            Ok(StageOutput::PolicyReport(report)) => {
                if matches!(report.verdict, Verdict::Fail) {
                    metrics::counter!("policy_fail_total", "stage" => "recheck").increment(1);
                }
                Ok(report)
            }
            Ok(_) => Err(RecheckError::Policy(
                "the policy component answered with something else".into(),
            )),
            Err(e) => Err(RecheckError::Policy(e.to_string())),
        }
    }

    /// Queues a run and runs it in this process now.
    pub async fn run_now(&self, trigger: &str) -> Result<RunOutcome, PipelineError> {
        let run = self.enqueue(trigger).await?;
        self.resume(&run.id).await
    }

    /// Runs (or resumes) run `run_id` in this process, if nobody else holds it.
    pub async fn resume(&self, run_id: &str) -> Result<RunOutcome, PipelineError> {
        let owner = &self.settings.worker_id;
        let run = self
            .store
            .claim_run(run_id, owner, self.settings.lease)
            .await?
            .ok_or_else(|| PipelineError::NotClaimable(run_id.to_owned()))?;
        self.execute(run).await
    }

    /// Claims the oldest claimable run (queued, or abandoned by a dead worker) and runs it.
    /// `Ok(None)` when there is none.
    pub async fn work_next(&self) -> Result<Option<RunOutcome>, PipelineError> {
        let owner = &self.settings.worker_id;
        match self
            .store
            .claim_next_run(owner, self.settings.lease)
            .await?
        {
            Some(run) => self.execute(run).await.map(Some),
            None => Ok(None),
        }
    }

    /// Executes `run` inside a span carrying its id, so every log line of the run has it.
    async fn execute(&self, run: Run) -> Result<RunOutcome, PipelineError> {
        use tracing::Instrument;
        let span = tracing::info_span!("run", run_id = %run.id, trigger = %run.trigger);
        self.execute_in_span(run).instrument(span).await
    }

    async fn execute_in_span(&self, run: Run) -> Result<RunOutcome, PipelineError> {
        let owner = self.settings.worker_id.clone();
        let ctx: RunContext = serde_json::from_value(run.context.0.clone()).map_err(|e| {
            PipelineError::BadRecord {
                run_id: run.id.clone(),
                step: "context".into(),
                detail: e.to_string(),
            }
        })?;
        self.progress.report(&Progress::Claimed {
            run_id: run.id.clone(),
            next_step: run.next_step,
            claims: run.claims,
        });
        let heartbeat = Heartbeat::start(
            self.store.clone(),
            run.id.clone(),
            owner.clone(),
            self.settings.lease,
        );
        // One registry snapshot for the whole execution: a reload mid-run does not change
        // which component versions this run uses.
        let registry = self.runtime.registry();
        let mut state = self.rebuild(&run, ctx).await?;
        let mut draft_id = run.draft_id.clone();

        for step in Step::ALL.into_iter().skip(run.next_step.max(0) as usize) {
            if heartbeat.lost() {
                return Err(PipelineError::LeaseLost(run.id.clone()));
            }
            if state.nothing_to_write(step) {
                self.store
                    .finish_run(&run.id, &owner)
                    .await
                    .map_err(PipelineError::from_store)?;
                return Ok(RunOutcome::NothingNew { run_id: run.id });
            }
            let name = self.component_name(step);
            self.progress.report(&Progress::StepStarted {
                run_id: run.id.clone(),
                step,
                component: name.clone(),
            });
            let input = self.input_for(step, &state, draft_id.as_deref()).await?;
            let component = registry.components.get(&name).cloned();
            let started_at = now_ms();
            let clock = Instant::now();
            let call = match &component {
                Some(c) => self.call_with_retries(&run.id, step, c, &input).await,
                None => Attempted::not_loaded(&name),
            };
            let took = clock.elapsed();
            metrics::histogram!(
                "agent_latency_seconds",
                "agent" => step.stage(),
                "version" => component.as_ref().map_or_else(|| "none".to_owned(), |c| c.id.version.clone()),
            )
            .record(took.as_secs_f64());
            let mut record = StepRecord {
                run_id: run.id.clone(),
                step: step.index() as i64,
                stage: step.stage().to_owned(),
                component_name: name.clone(),
                component_version: component.as_ref().map(|c| c.id.version.clone()),
                component_digest: component.as_ref().map(|c| c.id.digest.clone()),
                outcome: StepOutcome::Succeeded,
                input: to_json(&input),
                output: None,
                summary: String::new(),
                warnings: call.warnings.clone(),
                error: None,
                model_used: None,
                prompt_tokens: i64::from(call.prompt_tokens),
                completion_tokens: i64::from(call.completion_tokens),
                fuel_used: call.fuel_used.map(|f| f.min(i64::MAX as u64) as i64),
                attempts: call.attempts as i64,
                started_at,
                duration_us: took.as_micros().min(i64::MAX as u128) as i64,
                worker: owner.clone(),
            };
            let mut effects = StepEffects {
                events: call.events,
                ..Default::default()
            };
            for denied in effects.events.iter().filter(|e| e.outcome == "denied") {
                self.progress.report(&Progress::CapabilityDenied {
                    run_id: run.id.clone(),
                    step,
                    component: denied.component_name.clone(),
                    capability: denied.capability.clone(),
                    target: denied.target.clone(),
                    detail: denied.detail.clone(),
                });
            }
            if let Some(c) = &component {
                self.record_component(c, step).await?;
            }
            let output = match call.result {
                Ok(output) => output,
                Err(error) => {
                    let message = error.to_string();
                    record.outcome = StepOutcome::Failed;
                    record.summary = format!("failed after {} attempt(s)", record.attempts);
                    record.error = Some(message.clone());
                    self.store
                        .fail_step(&owner, &record, &effects.events)
                        .await
                        .map_err(PipelineError::from_store)?;
                    self.progress.report(&Progress::StepFailed {
                        run_id: run.id.clone(),
                        step,
                        error: message.clone(),
                    });
                    metrics::counter!("runs_total", "outcome" => "failed").increment(1);
                    metrics::counter!("runs_failed_total", "stage" => step.stage()).increment(1);
                    return Ok(RunOutcome::Failed {
                        run_id: run.id,
                        step,
                        error: message,
                    });
                }
            };
            record.output = Some(to_json(&output));
            let seen = self.seen_before(&run.id, step, &output).await?;
            // The collector's output is taken in again once its materials are recorded: a run
            // collecting at the same moment may have claimed some of them first.
            let recollect = (step == Step::Collect).then(|| output.clone());
            if state.absorb(step, output, &seen).is_err() {
                return Err(PipelineError::BadRecord {
                    run_id: run.id.clone(),
                    step: step.to_string(),
                    detail: "the component's output does not fit its step".into(),
                });
            }
            record.summary = summarise(step, &state, &seen);
            record.model_used = model_used(step, &state);
            self.effects_of(step, &state, &mut effects, &mut draft_id, &mut record);
            self.store
                .complete_step(&owner, &record, &effects)
                .await
                .map_err(PipelineError::from_store)?;
            if let Some(output) = recollect {
                let seen = self.seen_before(&run.id, step, &output).await?;
                let _ = state.absorb(step, output, &seen);
            }
            crash_point(step);
            self.progress.report(&Progress::StepFinished {
                run_id: run.id.clone(),
                step,
                summary: record.summary.clone(),
                took,
            });
        }
        self.store
            .finish_run(&run.id, &owner)
            .await
            .map_err(PipelineError::from_store)?;
        metrics::counter!("runs_total", "outcome" => if draft_id.is_some() { "drafted" } else { "nothing_new" }).increment(1);
        metrics::histogram!("job_latency_seconds")
            .record((now_ms() - run.created_at).max(0) as f64 / 1000.0);
        Ok(match draft_id {
            Some(draft_id) => RunOutcome::Drafted {
                run_id: run.id,
                draft_id,
            },
            None => RunOutcome::NothingNew { run_id: run.id },
        })
    }

    /// Records `component` in `components` unless this process already did.
    async fn record_component(
        &self,
        component: &LoadedComponent,
        step: Step,
    ) -> Result<(), PipelineError> {
        let key = format!("{}@{}", component.id.name, component.id.digest);
        let known = self
            .recorded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&key);
        if !known {
            let id = &component.id;
            self.store
                .record_component(&id.name, &id.version, &id.digest, step.stage())
                .await?;
            self.recorded
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(key);
        }
        Ok(())
    }

    /// Rebuilds the state from the recorded outputs of the steps already finished.
    async fn rebuild(&self, run: &Run, ctx: RunContext) -> Result<RunState, PipelineError> {
        let mut state = RunState::new(ctx);
        if run.next_step == 0 {
            return Ok(state);
        }
        for log in self.store.step_logs(&run.id).await? {
            if log.step >= run.next_step || log.status != "succeeded" {
                continue;
            }
            let bad = |detail: String| PipelineError::BadRecord {
                run_id: run.id.clone(),
                step: log.stage.clone(),
                detail,
            };
            let step = Step::at(log.step).ok_or_else(|| bad("unknown step".into()))?;
            let output: StageOutput = log
                .output
                .as_ref()
                .ok_or_else(|| bad("no output recorded".into()))
                .and_then(|o| {
                    serde_json::from_value(o.0.clone()).map_err(|e| bad(e.to_string()))
                })?;
            let seen = self.seen_before(&run.id, step, &output).await?;
            state
                .absorb(step, output, &seen)
                .map_err(|_| bad("the output does not fit its step".into()))?;
        }
        Ok(state)
    }

    /// For the collector's output: the material ids earlier runs already collected.
    async fn seen_before(
        &self,
        run_id: &str,
        step: Step,
        output: &StageOutput,
    ) -> Result<HashSet<String>, PipelineError> {
        match (step, output) {
            (Step::Collect, StageOutput::Materials(all)) => {
                let ids: Vec<String> = all.iter().map(|m| m.id.clone()).collect();
                Ok(self.store.already_collected(run_id, &ids).await?)
            }
            _ => Ok(HashSet::new()),
        }
    }

    fn component_name(&self, step: Step) -> String {
        self.live.component_for(step)
    }

    /// The input of `step`, from the state (and the database, for style and policy).
    async fn input_for(
        &self,
        step: Step,
        state: &RunState,
        draft_id: Option<&str>,
    ) -> Result<StageInput, PipelineError> {
        let ctx = state.ctx.clone();
        let missing = |what: &str| PipelineError::BadRecord {
            run_id: state.ctx.run_id.clone(),
            step: step.to_string(),
            detail: format!("no {what} from an earlier step"),
        };
        Ok(match step {
            Step::Collect => StageInput::Collect { ctx },
            Step::Curate => StageInput::Curate {
                ctx,
                materials: state.materials.clone(),
            },
            Step::Persona => StageInput::Profile,
            Step::Style => StageInput::Style {
                ctx,
                persona: state.persona.clone().ok_or_else(|| missing("persona"))?,
                approved_posts: self
                    .store
                    .recent_published_texts(self.settings.style_examples)
                    .await?,
            },
            Step::Plan => StageInput::Plan {
                ctx,
                selection: state
                    .selection
                    .clone()
                    .ok_or_else(|| missing("selection"))?,
                materials: state.picked(),
                style: state.style.clone().ok_or_else(|| missing("style"))?,
            },
            Step::Write => StageInput::Write {
                ctx,
                plan: state.plan.clone().ok_or_else(|| missing("plan"))?,
                materials: state.picked(),
                style: state.style.clone().ok_or_else(|| missing("style"))?,
            },
            Step::Critique => StageInput::Critique {
                ctx,
                draft: state.written.clone().ok_or_else(|| missing("draft"))?,
                materials: state.picked(),
                style: state.style.clone().ok_or_else(|| missing("style"))?,
            },
            Step::Check => StageInput::Check {
                ctx,
                draft: state.draft.clone().ok_or_else(|| missing("draft"))?,
                rules: self.policy_rules().await?,
            },
            Step::Compose => {
                let base = &self.settings.public_url;
                let draft_id = draft_id.ok_or_else(|| missing("draft id"))?;
                let link = |action: &str, url: String| ActionLink {
                    action: action.to_owned(),
                    url,
                };
                // Placeholders stand for the tokens: the host mints them at delivery and puts
                // them only into these exact URLs (dailyx-notify refuses a message that has a
                // placeholder anywhere else).
                let mut links: Vec<ActionLink> = TOKEN_ACTIONS
                    .into_iter()
                    .map(|action| {
                        link(
                            action,
                            action_url(base, &token_placeholder(action), draft_id),
                        )
                    })
                    .collect();
                // Editing needs a login: the edit link opens the console's editor.
                links.push(link("edit", console_edit_url(base, draft_id)));
                links.push(link("review", console_url(base, draft_id)));
                StageInput::Compose {
                    ctx,
                    draft: state.draft.clone().ok_or_else(|| missing("draft"))?,
                    report: state
                        .report
                        .clone()
                        .ok_or_else(|| missing("policy report"))?,
                    links,
                }
            }
        })
    }

    /// The rules the Policy stage checks against, in the pipeline and on a reviewer's re-check.
    async fn policy_rules(&self) -> Result<PolicyRules, PipelineError> {
        Ok(PolicyRules {
            blocked_terms: self.blocked_terms().await?,
            recent_posts: self
                .store
                .recent_published_texts(self.settings.recent_posts)
                .await?,
            max_weighted_length: self.settings.max_weighted_length,
        })
    }

    /// Blocked terms from `app_config` (`blocked_terms`: a JSON array of strings).
    async fn blocked_terms(&self) -> Result<Vec<String>, PipelineError> {
        let Some(value) = self.store.config_value("blocked_terms").await? else {
            return Ok(Vec::new());
        };
        serde_json::from_value(value).map_err(|e| {
            PipelineError::Store(dailyx_store::StoreError::Corrupt {
                what: "app_config blocked_terms (expected an array of strings)",
                detail: e.to_string(),
            })
        })
    }

    /// Calls `component`, retrying transient failures with backoff. Keeps the events, logs and
    /// tokens of every attempt.
    async fn call_with_retries(
        &self,
        run_id: &str,
        step: Step,
        component: &Arc<LoadedComponent>,
        input: &StageInput,
    ) -> Attempted {
        let all = Mutex::new(Attempted::new(&component.id.name));
        let result = (|| async {
            let record = self.runtime.call_loaded(component, input.clone()).await;
            let mut acc = all.lock().unwrap_or_else(|p| p.into_inner());
            acc.absorb(&record);
            record.result
        })
        .retry(backoff(&self.settings.retry))
        .when(is_transient)
        .notify(|error: &CallError, after| {
            tracing::warn!(run_id, %step, error = %error, ?after, "transient failure; retrying");
            let mut acc = all.lock().unwrap_or_else(|p| p.into_inner());
            let attempt = acc.attempts;
            acc.warnings
                .push(format!("attempt {attempt} failed: {error}"));
            self.progress.report(&Progress::StepRetrying {
                run_id: run_id.to_owned(),
                step,
                error: error.to_string(),
                after,
            });
        })
        .await;
        let mut attempted = all.into_inner().unwrap_or_else(|p| p.into_inner());
        attempted.result = result;
        attempted
    }

    /// What a finished step produced besides its log.
    fn effects_of(
        &self,
        step: Step,
        state: &RunState,
        effects: &mut StepEffects,
        draft_id: &mut Option<String>,
        record: &mut StepRecord,
    ) {
        match step {
            Step::Collect => {
                effects.materials = state
                    .materials
                    .iter()
                    .map(|m| CollectedMaterial {
                        material_id: m.id.clone(),
                        kind: format!("{:?}", m.kind).to_lowercase(),
                        source: m.source.clone(),
                    })
                    .collect();
            }
            Step::Style => {
                if let (Some(style), Some(persona)) = (&state.style, &state.persona) {
                    effects.style_profile = Some(NewStyleProfile {
                        persona_id: persona.id.clone(),
                        profile: to_json(style),
                        source_posts: match &record.input {
                            serde_json::Value::Object(o) => o
                                .get("approved_posts")
                                .and_then(|p| p.as_array())
                                .map_or(0, |a| a.len() as i64),
                            _ => 0,
                        },
                    });
                }
            }
            Step::Check => {
                if let (Some(draft), Some(report)) = (&state.draft, &state.report) {
                    let id = new_id();
                    let verdict = verdict_name(report.verdict);
                    let fails = report
                        .findings
                        .iter()
                        .filter(|f| matches!(f.severity, Severity::Fail))
                        .count();
                    if fails > 0 {
                        metrics::counter!("policy_fail_total", "stage" => "pipeline").increment(1);
                        record
                            .warnings
                            .push(format!("policy: {fails} blocking finding(s)"));
                    }
                    effects.draft = Some(NewDraft {
                        id: id.clone(),
                        format: match state.plan.as_ref().map(|p| p.format) {
                            Some(PostFormat::Thread) => "thread".into(),
                            _ if draft.tweets.len() > 1 => "thread".into(),
                            _ => "single".into(),
                        },
                        tweets: draft
                            .tweets
                            .iter()
                            .enumerate()
                            .map(|(i, t)| DraftTweet {
                                position: i as i64,
                                text: t.text.clone(),
                                material_ids: dailyx_store::Json(t.material_ids.clone()),
                                weighted_length: report
                                    .weighted_lengths
                                    .get(i)
                                    .copied()
                                    .map_or(0, i64::from),
                            })
                            .collect(),
                        verdict: verdict.to_owned(),
                        policy_report: to_json(report),
                        critique: state.critique.as_ref().map(to_json),
                        model_used: state
                            .written
                            .as_ref()
                            .map_or_else(|| "none".into(), |d| d.model_used.clone()),
                        expires_at: Some(
                            now_ms()
                                + self
                                    .settings
                                    .review_window
                                    .as_millis()
                                    .min(i64::MAX as u128) as i64,
                        ),
                    });
                    *draft_id = Some(id);
                }
            }
            Step::Compose => {
                effects.notification = state.notification.as_ref().map(to_json);
            }
            _ => {}
        }
    }
}

/// The accumulated result of a step's attempts.
struct Attempted {
    result: Result<StageOutput, CallError>,
    attempts: usize,
    events: Vec<NewCapabilityEvent>,
    warnings: Vec<String>,
    prompt_tokens: u32,
    completion_tokens: u32,
    fuel_used: Option<u64>,
}

impl Attempted {
    /// Nothing attempted yet; `result` is replaced by the last attempt's.
    fn new(component: &str) -> Attempted {
        Attempted {
            result: Err(CallError::NotLoaded {
                component: component.to_owned(),
            }),
            attempts: 0,
            events: Vec::new(),
            warnings: Vec::new(),
            prompt_tokens: 0,
            completion_tokens: 0,
            fuel_used: None,
        }
    }

    fn not_loaded(name: &str) -> Attempted {
        Attempted {
            attempts: 1,
            ..Attempted::new(name)
        }
    }

    fn absorb(&mut self, record: &CallRecord) {
        self.attempts += 1;
        let at = now_ms();
        self.events.extend(record.events.iter().map(|e| {
            NewCapabilityEvent {
                component_name: e.component.clone(),
                component_digest: e.digest.clone(),
                capability: e.capability.to_owned(),
                target: e.target.clone(),
                outcome: serde_json::to_value(e.outcome)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_else(|| format!("{:?}", e.outcome)),
                detail: e.detail.clone(),
                at,
            }
        }));
        self.prompt_tokens += record.tokens.prompt;
        self.completion_tokens += record.tokens.completion;
        if let Some(f) = record.fuel_used {
            self.fuel_used = Some(self.fuel_used.unwrap_or(0) + f);
        }
    }
}

/// The stored name of a policy verdict.
pub fn verdict_name(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Warn => "warn",
        Verdict::Fail => "fail",
    }
}

/// One line about what `step` produced.
fn summarise(step: Step, state: &RunState, seen: &HashSet<String>) -> String {
    match step {
        Step::Collect => format!(
            "{} new material(s); {} collected by earlier runs were skipped",
            state.materials.len(),
            seen.len()
        ),
        Step::Curate => {
            let s = state.selection.as_ref();
            format!(
                "picked {} of {}, dropped {}",
                s.map_or(0, |s| s.picked.len()),
                state.materials.len(),
                s.map_or(0, |s| s.dropped.len())
            )
        }
        Step::Persona => state
            .persona
            .as_ref()
            .map_or_else(String::new, |p| format!("persona {} ({})", p.id, p.name)),
        Step::Style => state.style.as_ref().map_or_else(String::new, |s| {
            let tone: String = s.tone.chars().take(60).collect();
            let more = if tone.len() < s.tone.len() { "…" } else { "" };
            format!(
                "\"{tone}{more}\" in {}, target {} chars",
                s.language, s.target_length
            )
        }),
        Step::Plan => state.plan.as_ref().map_or_else(String::new, |p| {
            format!(
                "{} with {} beat(s)",
                match p.format {
                    PostFormat::Single => "single post",
                    PostFormat::Thread => "thread",
                },
                p.beats.len()
            )
        }),
        Step::Write => state.written.as_ref().map_or_else(String::new, |d| {
            format!("{} tweet(s) by {}", d.tweets.len(), d.model_used)
        }),
        Step::Critique => state.critique.as_ref().map_or_else(String::new, |c| {
            format!(
                "score {}, {} finding(s){}",
                c.score,
                c.findings.len(),
                if c.revision.as_ref().is_some_and(|r| !r.is_empty()) {
                    ", revision applied"
                } else {
                    ""
                }
            )
        }),
        Step::Check => state.report.as_ref().map_or_else(String::new, |r| {
            format!(
                "verdict {}, {} finding(s)",
                verdict_name(r.verdict),
                r.findings.len()
            )
        }),
        Step::Compose => state
            .notification
            .as_ref()
            .map_or_else(String::new, |n| format!("notification: {}", n.subject)),
    }
}

fn model_used(step: Step, state: &RunState) -> Option<String> {
    match step {
        Step::Write => state.written.as_ref().map(|d| d.model_used.clone()),
        Step::Critique => state.critique.as_ref().map(|c| c.model_used.clone()),
        _ => None,
    }
}

fn to_json<T: Serialize>(value: &T) -> serde_json::Value {
    // The stage types serialize to plain JSON objects; this cannot fail.
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// Test-only: aborts the process right after step `DAILYX_CRASH_AFTER_STEP` is recorded.
#[cfg(feature = "crash-points")]
fn crash_point(step: Step) {
    if std::env::var("DAILYX_CRASH_AFTER_STEP").ok().as_deref() == Some(step.stage()) {
        eprintln!("crash point: aborting after step {step}");
        std::process::abort();
    }
}

#[cfg(not(feature = "crash-points"))]
fn crash_point(_step: Step) {}
