//! `dailyx migrate`, `dailyx run`, `dailyx runs ...`, `dailyx worker`.

use crate::config::Config;
use anyhow::{Context, Result};
use dailyx_pipeline::{Pipeline, Progress, ProgressSink, RunOutcome};
use dailyx_runtime::Runtime;
use dailyx_store::{Store, redact_url};
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Opens and migrates the configured database.
pub(crate) async fn open_store(config: &Config) -> Result<Store> {
    let url = config.database_url()?;
    Store::open(&url)
        .await
        .with_context(|| format!("cannot open the database {}", redact_url(&url)))
}

/// The pipeline over the configured runtime and database, printing progress to stderr.
async fn pipeline(config: &Config) -> Result<Pipeline> {
    let store = open_store(config).await?;
    let mut runtime_config = config.runtime_config()?;
    // Reviewed against the recorded versions like the server; new activations are recorded.
    let _history = dailyx_server::plugin_history::attach(&store, &mut runtime_config, None).await?;
    let runtime = Runtime::start(runtime_config).await?;
    for (name, problem) in &runtime.registry().problems {
        eprintln!(
            "warning: component `{name}` is not loaded: {}",
            problem.message
        );
    }
    let pipeline = Pipeline::new(runtime, store, config.pipeline_settings())
        .with_progress(Arc::new(StderrProgress));
    pipeline.record_loaded_components().await?;
    Ok(pipeline)
}

pub async fn migrate(config: &Config) -> Result<ExitCode> {
    let url = config.database_url()?;
    let store = Store::connect(&url)
        .await
        .with_context(|| format!("cannot open the database {}", redact_url(&url)))?;
    let applied = store.migrate().await?;
    println!(
        "{}: {applied} migration(s) applied; schema up to date",
        redact_url(&url)
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn run(config: &Config, json: bool) -> Result<ExitCode> {
    let pipeline = pipeline(config).await?;
    let outcome = pipeline.run_now("cli").await?;
    report(&pipeline, &outcome, json).await
}

pub async fn queue(config: &Config) -> Result<ExitCode> {
    let pipeline = pipeline(config).await?;
    let run = pipeline.enqueue("cli").await?;
    println!("{}", run.id);
    Ok(ExitCode::SUCCESS)
}

pub async fn resume(config: &Config, id: &str, json: bool) -> Result<ExitCode> {
    let pipeline = pipeline(config).await?;
    let outcome = pipeline.resume(id).await?;
    report(&pipeline, &outcome, json).await
}

pub async fn worker(config: &Config, once: bool, poll_secs: u64) -> Result<ExitCode> {
    let pipeline = pipeline(config).await?;
    eprintln!("worker {} waiting for runs", pipeline.settings().worker_id);
    let mut failed = false;
    loop {
        let next = tokio::select! {
            next = pipeline.work_next() => next,
            _ = tokio::signal::ctrl_c() => {
                eprintln!("interrupted; runs in progress resume when their lease expires");
                break;
            }
        };
        match next {
            Ok(Some(outcome)) => {
                failed |= matches!(outcome, RunOutcome::Failed { .. });
                eprintln!("{}", outcome_line(&outcome));
            }
            Ok(None) if once => break,
            Ok(None) => tokio::time::sleep(Duration::from_secs(poll_secs.max(1))).await,
            // Another worker took the run over; carry on with the next one.
            Err(dailyx_pipeline::PipelineError::LeaseLost(run)) => {
                eprintln!("run {run} was taken over by another worker");
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

pub async fn list(config: &Config, limit: i64, json: bool) -> Result<ExitCode> {
    let store = open_store(config).await?;
    let runs = store.runs(limit.clamp(1, 1000), 0).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&runs)?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<36}  {:<9}  {:<8}  {:>4}  {:<10}  DRAFT / ERROR",
        "RUN", "STATUS", "TRIGGER", "STEP", "DATE"
    )?;
    for r in runs {
        let detail = r
            .last_error
            .clone()
            .or(r.draft_id.clone())
            .unwrap_or_default();
        writeln!(
            out,
            "{:<36}  {:<9}  {:<8}  {:>4}  {:<10}  {detail}",
            r.id, r.status, r.trigger, r.next_step, r.run_date
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn show(config: &Config, id: &str, json: bool) -> Result<ExitCode> {
    let store = open_store(config).await?;
    let run = store.run(id).await?;
    let steps = store.step_logs(id).await?;
    if json {
        let value = serde_json::json!({ "run": run, "steps": steps });
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "run {} — {} (trigger {}, {} claim(s))",
        run.id, run.status, run.trigger, run.claims
    )?;
    if let Some(e) = &run.last_error {
        writeln!(out, "last error: {e}")?;
    }
    for s in &steps {
        writeln!(
            out,
            "  {:>2} {:<15} {:<9} {:>8.1} ms  {}@{} {}  {}",
            s.step,
            s.stage,
            s.status,
            s.duration_us as f64 / 1000.0,
            s.component_name,
            s.component_version.as_deref().unwrap_or("?"),
            s.component_digest
                .as_deref()
                .map_or("", |d| &d[..d.len().min(12)]),
            s.error.as_deref().unwrap_or(&s.summary)
        )?;
        for w in s.warnings.0.iter() {
            writeln!(out, "       warning: {w}")?;
        }
    }
    if let Some(draft_id) = &run.draft_id {
        print_draft(&store, draft_id, &mut out).await?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn report(pipeline: &Pipeline, outcome: &RunOutcome, json: bool) -> Result<ExitCode> {
    let store = pipeline.store();
    if json {
        let draft = match outcome {
            RunOutcome::Drafted { draft_id, .. } => Some(store.draft(draft_id).await?),
            _ => None,
        };
        let value = serde_json::json!({ "outcome": outcome, "draft": draft });
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        eprintln!("{}", outcome_line(outcome));
        if let RunOutcome::Drafted { draft_id, .. } = outcome {
            print_draft(store, draft_id, &mut std::io::stdout().lock()).await?;
        }
    }
    Ok(match outcome {
        RunOutcome::Failed { .. } => ExitCode::FAILURE,
        _ => ExitCode::SUCCESS,
    })
}

fn outcome_line(outcome: &RunOutcome) -> String {
    match outcome {
        RunOutcome::Drafted { run_id, draft_id } => {
            format!("run {run_id} succeeded: draft {draft_id} waits for review")
        }
        RunOutcome::NothingNew { run_id } => {
            format!("run {run_id} succeeded: nothing new to post about since the last run")
        }
        RunOutcome::Failed {
            run_id,
            step,
            error,
        } => format!(
            "run {run_id} failed at {step}: {error}\n  resume it with: dailyx runs resume {run_id}"
        ),
    }
}

async fn print_draft(store: &Store, draft_id: &str, out: &mut impl Write) -> Result<()> {
    let draft = store.draft(draft_id).await?;
    writeln!(
        out,
        "\ndraft {} — {} ({}, policy {}, written by {})",
        draft.id, draft.status, draft.format, draft.verdict, draft.model_used
    )?;
    let n = draft.tweets.len();
    for t in &draft.tweets {
        writeln!(
            out,
            "\n[{}/{n}] ({} / 280)",
            t.position + 1,
            t.weighted_length
        )?;
        writeln!(out, "{}", t.text)?;
    }
    let findings = draft
        .policy_report
        .0
        .get("findings")
        .and_then(|f| f.as_array())
        .cloned()
        .unwrap_or_default();
    if !findings.is_empty() {
        writeln!(out, "\npolicy findings:")?;
        for f in findings {
            writeln!(
                out,
                "  - {} {}: {}",
                f.get("severity").and_then(|v| v.as_str()).unwrap_or("?"),
                f.get("code").and_then(|v| v.as_str()).unwrap_or("?"),
                f.get("message").and_then(|v| v.as_str()).unwrap_or("")
            )?;
        }
    }
    if let Some(summary) = draft
        .critique
        .as_ref()
        .and_then(|c| c.0.get("summary").and_then(|v| v.as_str()))
    {
        writeln!(out, "\ncritic: {summary}")?;
    }
    Ok(())
}

/// Prints progress, one line per event, to stderr.
struct StderrProgress;

impl ProgressSink for StderrProgress {
    fn report(&self, event: &Progress) {
        let line = match event {
            Progress::Claimed {
                run_id,
                next_step,
                claims,
            } if *claims > 1 || *next_step > 0 => {
                format!("resuming run {run_id} at step {next_step} (claim {claims})")
            }
            Progress::Claimed { run_id, .. } => format!("run {run_id}"),
            Progress::StepStarted {
                step, component, ..
            } => {
                format!("  {step:<15} {component} …")
            }
            Progress::StepRetrying {
                step, error, after, ..
            } => format!(
                "  {step:<15} transient failure, retrying in {} ms: {error}",
                after.as_millis()
            ),
            Progress::StepFinished {
                step,
                summary,
                took,
                ..
            } => format!(
                "  {step:<15} done in {:.1} ms: {summary}",
                took.as_secs_f64() * 1000.0
            ),
            Progress::StepFailed { step, error, .. } => format!("  {step:<15} FAILED: {error}"),
            Progress::CapabilityDenied {
                step,
                component,
                capability,
                target,
                detail,
                ..
            } => format!("  {step:<15} {component}: {capability} {target} denied ({detail})"),
        };
        eprintln!("{line}");
    }
}

/// Writes the event log after `after` as JSON lines, oldest first, in batches.
pub async fn export_events(
    config: &Config,
    after: i64,
    out: Option<&std::path::Path>,
) -> Result<ExitCode> {
    let store = open_store(config).await?;
    let mut sink: Box<dyn Write> = match out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut cursor = after;
    let mut written = 0usize;
    loop {
        let batch = store.events_after(cursor, 1000).await?;
        let Some(last) = batch.last() else { break };
        cursor = last.id;
        for e in &batch {
            serde_json::to_writer(&mut sink, e)?;
            sink.write_all(b"\n")?;
            written += 1;
        }
    }
    sink.flush()?;
    if out.is_some() {
        eprintln!("wrote {written} event(s), up to id {cursor}");
    }
    Ok(ExitCode::SUCCESS)
}
