//! Writer: turns the plan into tweets in the voice of the style guide.
//!
//! The LLM writes when one is configured; its answer is checked (one tweet
//! per beat, known material ids, within X's limit) before it is used. When
//! there is no LLM, it fails, or its answer is unusable, the deterministic
//! composer writes the draft from the materials instead, and a note tells
//! the reviewer why. Either way every tweet names the materials behind it.

#[cfg(target_arch = "wasm32")]
mod component;

pub mod answer;
pub mod compose;
pub mod prompt;

use dailyx_model::{AgentError, Draft, Material, RunContext, StyleGuide, ThreadPlan, TokenUsage};
use dailyx_sdk::llm::LlmError;
use serde::Deserialize;

/// The LLM, behind a trait so tests can script its answers.
pub use dailyx_sdk::llm_client::LlmClient;

/// Settings (config keys of the same names).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Model override; the operator's default model when unset.
    pub model: Option<String>,
    /// Sampling temperature, 0 to 2.
    pub temperature: f32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            model: None,
            temperature: 0.7,
        }
    }
}

/// The `model_used` of a draft written without an LLM.
pub const NO_MODEL: &str = "none";

/// Writes the draft for `plan` from `materials` in the voice of `style`.
pub fn write(
    _ctx: &RunContext,
    plan: &ThreadPlan,
    materials: &[Material],
    style: &StyleGuide,
    llm: &dyn LlmClient,
    settings: &Settings,
) -> Result<Draft, AgentError> {
    validate(plan, materials, settings)?;
    let mut notes = Vec::new();
    if !compose::speaks(&style.language) {
        notes.push(format!(
            "The deterministic composer has no phrases for \"{}\"; it would write English.",
            style.language
        ));
    }
    let model = settings.model.clone().filter(|m| !m.trim().is_empty());
    let request = prompt::request(plan, materials, style, model, settings.temperature);
    let (reason, usage) = match llm.complete(&request) {
        Ok(completion) => {
            let usage = TokenUsage {
                prompt: completion.prompt_tokens,
                completion: completion.completion_tokens,
            };
            match answer::parse(&completion.text, plan, materials) {
                Ok(tweets) => {
                    notes.push(format!(
                        "Written by {}. Check every fact against the materials named on each tweet.",
                        completion.model
                    ));
                    return Ok(Draft {
                        tweets,
                        model_used: completion.model,
                        usage,
                        notes,
                    });
                }
                Err(why) => (format!("The LLM's answer was not usable: {why}"), usage),
            }
        }
        Err(e) => (
            fallback_reason(&e),
            TokenUsage {
                prompt: 0,
                completion: 0,
            },
        ),
    };
    notes.push(format!(
        "{reason}. Written by the deterministic composer from the materials."
    ));
    Ok(Draft {
        tweets: compose::compose(plan, materials, style),
        model_used: NO_MODEL.into(),
        usage,
        notes,
    })
}

fn fallback_reason(error: &LlmError) -> String {
    match error {
        LlmError::NotConfigured => "No LLM endpoint is configured".into(),
        LlmError::Denied(m) => format!("The LLM was denied ({m})"),
        LlmError::BudgetExceeded(m) => format!("The LLM token budget for this run is spent ({m})"),
        LlmError::Timeout => "The LLM did not answer in time".into(),
        LlmError::Upstream(m) => format!("The LLM failed ({m})"),
    }
}

fn validate(
    plan: &ThreadPlan,
    materials: &[Material],
    settings: &Settings,
) -> Result<(), AgentError> {
    let invalid = |m: String| Err(AgentError::InvalidInput(m));
    if plan.beats.is_empty() {
        return invalid("the plan has no beats".into());
    }
    if plan.max_weighted_length == 0 {
        return invalid("the plan's max_weighted_length must be positive".into());
    }
    if plan.beats.len() > plan.max_tweets as usize {
        return invalid(format!(
            "the plan has {} beats but allows only {} tweets",
            plan.beats.len(),
            plan.max_tweets
        ));
    }
    for (i, beat) in plan.beats.iter().enumerate() {
        if let Some(id) = beat
            .material_ids
            .iter()
            .find(|id| !materials.iter().any(|m| &m.id == *id))
        {
            return invalid(format!("beat {} names an unknown material \"{id}\"", i + 1));
        }
    }
    if !(settings.temperature.is_finite() && (0.0..=2.0).contains(&settings.temperature)) {
        return invalid(format!(
            "temperature must be between 0 and 2, not {}",
            settings.temperature
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
