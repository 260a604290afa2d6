//! Critic: reviews a draft before the reviewer sees it.
//!
//! Rule checks always run (a generic or long hook, long sentences, claims
//! no material backs, tweets without provenance, banned phrases, too many
//! hashtags). When an LLM is configured it adds its own review, merged with
//! the rule findings. The score starts at 100 and loses points per finding;
//! where the rules can fix something safely, a revision is proposed.

#[cfg(target_arch = "wasm32")]
mod component;

pub mod review;
pub mod revise;
pub mod rules;
pub mod text;

use dailyx_model::{
    AgentError, Critique, Draft, Finding, Material, RunContext, Severity, StyleGuide, TokenUsage,
};
use dailyx_sdk::llm::LlmError;
use serde::Deserialize;

/// The LLM, behind a trait so tests can script its answers.
pub use dailyx_sdk::llm_client::LlmClient;

/// Settings (config keys of the same names).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Model override; the operator's default model when unset.
    pub model: Option<String>,
}

/// The `model_used` of a critique made by the rules alone.
pub const NO_MODEL: &str = "none";

/// Points a finding costs, by severity.
fn penalty(severity: Severity) -> u32 {
    match severity {
        Severity::Info => 0,
        Severity::Warn => 10,
        Severity::Fail => 25,
    }
}

/// Critiques `draft` against the materials it claims to be based on.
pub fn critique(
    _ctx: &RunContext,
    draft: &Draft,
    materials: &[Material],
    style: &StyleGuide,
    llm: &dyn LlmClient,
    settings: &Settings,
) -> Result<Critique, AgentError> {
    if draft.tweets.is_empty() {
        return Err(AgentError::InvalidInput("the draft has no tweets".into()));
    }
    let mut findings = rules::check(draft, materials, style);
    let rule_score = score(&findings);
    let rule_summary = summarise(&findings);
    let revision = revise::revise(draft, style);

    let model = settings.model.clone().filter(|m| !m.trim().is_empty());
    let request = review::request(draft, materials, style, model);
    let no_usage = TokenUsage {
        prompt: 0,
        completion: 0,
    };
    let (summary, final_score, model_used, usage) = match llm.complete(&request) {
        Ok(completion) => {
            let usage = TokenUsage {
                prompt: completion.prompt_tokens,
                completion: completion.completion_tokens,
            };
            match review::parse(&completion.text, draft) {
                Ok(review) => {
                    merge(&mut findings, review.findings);
                    // The model may lower the score, never lift it above the rules'.
                    let blended = rule_score.min((rule_score + review.score) / 2);
                    let summary = format!("{} Rule checks: {rule_summary}", review.summary)
                        .trim()
                        .to_owned();
                    (summary, blended, completion.model, usage)
                }
                Err(why) => {
                    findings.push(info(
                        "critic.llm-unreadable",
                        format!("The LLM review was not usable: {why}."),
                    ));
                    (
                        format!("Rule checks: {rule_summary}"),
                        rule_score,
                        NO_MODEL.to_owned(),
                        usage,
                    )
                }
            }
        }
        Err(error) => {
            if let Some(why) = unavailable_reason(&error) {
                findings.push(info(
                    "critic.llm-unavailable",
                    format!("No LLM review: {why}."),
                ));
            }
            (
                format!("Rule checks: {rule_summary}"),
                rule_score,
                NO_MODEL.to_owned(),
                no_usage,
            )
        }
    };

    Ok(Critique {
        score: final_score,
        summary,
        findings,
        revision,
        model_used,
        usage,
    })
}

/// Why the LLM could not review, worth telling the reviewer; `None` when no
/// LLM is set up for the critic, which is a normal configuration.
fn unavailable_reason(error: &LlmError) -> Option<String> {
    match error {
        LlmError::NotConfigured | LlmError::Denied(_) => None,
        LlmError::BudgetExceeded(m) => Some(format!("the token budget is spent ({m})")),
        LlmError::Timeout => Some("the LLM did not answer in time".into()),
        LlmError::Upstream(m) => Some(format!("the LLM failed ({m})")),
    }
}

fn info(code: &str, message: String) -> Finding {
    Finding {
        code: code.into(),
        severity: Severity::Info,
        message,
        tweet_position: None,
    }
}

/// Adds the model's findings that the rules did not already report.
fn merge(findings: &mut Vec<Finding>, from_model: Vec<Finding>) {
    for finding in from_model {
        let known = findings
            .iter()
            .any(|f| f.code == finding.code && f.tweet_position == finding.tweet_position);
        if !known {
            findings.push(finding);
        }
    }
}

/// 100 minus the penalties, never below 0.
pub fn score(findings: &[Finding]) -> u32 {
    100u32.saturating_sub(findings.iter().map(|f| penalty(f.severity)).sum())
}

fn summarise(findings: &[Finding]) -> String {
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let (fails, warns) = (count(Severity::Fail), count(Severity::Warn));
    if fails + warns == 0 {
        return "no problems found.".into();
    }
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    let mut codes: Vec<&str> = Vec::new();
    for f in findings.iter().filter(|f| f.severity != Severity::Info) {
        if !codes.contains(&f.code.as_str()) {
            codes.push(&f.code);
        }
    }
    format!(
        "{} and {} ({}).",
        plural(fails, "failure"),
        plural(warns, "warning"),
        codes.join(", ")
    )
}

#[cfg(test)]
mod tests;
