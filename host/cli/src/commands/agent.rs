//! `dailyx agent call`: run one component once.

use crate::config::Config;
use anyhow::{Context, Result, bail};
use dailyx_runtime::types::RunContext;
use dailyx_runtime::{Outcome, Runtime, Stage, StageInput};
use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

/// Calls `name` with the parameters in `input`; prints the output, the
/// capability calls (allowed and denied) and the guest's log lines.
pub async fn call(
    config: &Config,
    name: &str,
    input: Option<&Path>,
    json: bool,
) -> Result<ExitCode> {
    let runtime = Runtime::start(config.runtime_config()?).await?;
    let registry = runtime.registry();
    let Some(component) = registry.components.get(name) else {
        if let Some(problem) = registry.problems.get(name) {
            bail!("{}", problem.message);
        }
        bail!(
            "no component `{name}`; loaded: {}",
            registry
                .components
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    let stage_input = read_input(component.entry.stage, input)?;
    let record = runtime.call(name, stage_input).await;
    if json {
        println!("{}", serde_json::to_string_pretty(&record)?);
        return Ok(if record.result.is_ok() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    if let Some(id) = &record.component {
        eprintln!(
            "component {id}, {:.1} ms",
            record.duration.as_secs_f64() * 1000.0
        );
    }
    for e in &record.events {
        let mark = match e.outcome {
            Outcome::Allowed => "allowed",
            Outcome::Denied => "DENIED ",
            Outcome::Unavailable => "n/a    ",
        };
        eprintln!("  {mark} {:<6} {} — {}", e.capability, e.target, e.detail);
    }
    for l in &record.logs {
        eprintln!("  log {:<5} {}", l.level, l.message);
    }
    match &record.result {
        Ok(output) => {
            println!("{}", serde_json::to_string_pretty(output)?);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Builds the stage input from a JSON object of the export's parameters.
/// A missing `ctx` becomes a context for today (run id `cli`).
fn read_input(stage: Stage, path: Option<&Path>) -> Result<StageInput> {
    let mut value = match path {
        None => serde_json::json!({}),
        Some(p) => {
            let text = if p == Path::new("-") {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .context("cannot read standard input")?;
                s
            } else {
                std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read {}", p.display()))?
            };
            serde_json::from_str(&text)
                .with_context(|| format!("{} is not valid JSON", p.display()))?
        }
    };
    let Some(object) = value.as_object_mut() else {
        bail!(
            "the input must be a JSON object with the parameters of `{}`",
            stage.export()
        );
    };
    object.insert("stage".into(), stage.export().into());
    if stage != Stage::Persona && !object.contains_key("ctx") {
        object.insert("ctx".into(), serde_json::to_value(default_context())?);
    }
    serde_json::from_value(value).with_context(|| {
        format!(
            "the input does not fit `{}` of world `{}`",
            stage.export(),
            stage.world()
        )
    })
}

fn default_context() -> RunContext {
    let now = jiff::Zoned::now();
    RunContext {
        run_id: "cli".into(),
        date: now.date().to_string(),
        started_at_ms: now.timestamp().as_millisecond(),
        previous_run_at_ms: None,
        dry_run: true,
    }
}
