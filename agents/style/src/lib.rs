//! Style: turns a persona and the posts a reviewer recently approved into a
//! concrete style guide for the writer and the critic.
//!
//! The persona gives the voice (tone, language, hashtags, emoji, rules,
//! banned phrases); approved posts refine it: they become examples, their
//! recurring phrases become preferred phrases, and their median length sets
//! the target length.

#[cfg(target_arch = "wasm32")]
mod component;

pub mod phrases;

use dailyx_model::{AgentError, Persona, RunContext, StyleGuide};
use dailyx_xtext::{MAX_TWEET_WEIGHT, weighted_length};
use serde::Deserialize;

/// Settings (config keys of the same names).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// At most this many recent approved posts become examples.
    pub max_examples: u32,
    /// Target tweet length (weighted characters) when there are no
    /// approved posts to learn it from.
    pub target_length: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_examples: 3,
            target_length: 220,
        }
    }
}

/// Bounds of a target length learnt from approved posts: shorter reads as
/// terse, longer leaves no room for a link or a hashtag.
pub const LEARNT_TARGET_RANGE: std::ops::RangeInclusive<u32> = 120..=260;
/// Hashtags per tweet when the persona has any.
const MAX_HASHTAGS: u32 = 2;

/// Builds the style guide. `approved_posts` are recent approved texts,
/// newest first.
pub fn style(
    _ctx: &RunContext,
    persona: &Persona,
    approved_posts: &[String],
    settings: &Settings,
) -> Result<StyleGuide, AgentError> {
    if persona.id.trim().is_empty() {
        return Err(AgentError::InvalidInput("the persona has no id".into()));
    }
    if settings.target_length == 0 || settings.target_length > MAX_TWEET_WEIGHT {
        return Err(AgentError::InvalidInput(format!(
            "target_length must be between 1 and {MAX_TWEET_WEIGHT}, not {}",
            settings.target_length
        )));
    }
    let approved: Vec<String> = approved_posts
        .iter()
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    let hashtags = clean_list(
        persona
            .hashtags
            .iter()
            .map(|h| h.trim().trim_start_matches('#')),
    );
    let banned = clean_list(persona.avoid.iter().map(|a| a.trim()));

    let mut examples = clean_list(persona.examples.iter().map(|e| e.trim()));
    let mut added = 0;
    for post in &approved {
        if added == settings.max_examples {
            break;
        }
        if !examples.contains(post) {
            examples.push(post.clone());
            added += 1;
        }
    }

    Ok(StyleGuide {
        persona_id: persona.id.trim().to_owned(),
        tone: tone(&persona.voice),
        language: persona
            .languages
            .iter()
            .map(|l| l.trim())
            .find(|l| !l.is_empty())
            .unwrap_or("en")
            .to_owned(),
        max_hashtags: if hashtags.is_empty() { 0 } else { MAX_HASHTAGS },
        hashtags,
        emoji: persona.uses_emoji,
        target_length: median_weighted_length(&approved).map_or(settings.target_length, |m| {
            m.clamp(*LEARNT_TARGET_RANGE.start(), *LEARNT_TARGET_RANGE.end())
        }),
        preferred_phrases: phrases::preferred_phrases(&approved, &banned),
        banned_phrases: banned,
        rules: clean_list(persona.rules.iter().map(|r| r.trim())),
        examples,
    })
}

/// The tone: the first sentence of the persona's voice, which by
/// convention sums it up; the whole voice when it is one sentence.
pub fn tone(voice: &str) -> String {
    let voice = voice.split_whitespace().collect::<Vec<_>>().join(" ");
    if voice.is_empty() {
        return "clear and friendly".into();
    }
    match voice.find(". ") {
        Some(end) => voice[..=end].to_owned(),
        None => voice,
    }
}

/// Non-empty, de-duplicated (case-insensitively), in order.
fn clean_list<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    items
        .filter(|s| !s.is_empty() && seen.insert(s.to_lowercase()))
        .map(str::to_owned)
        .collect()
}

/// The median of the posts' weighted lengths as X counts them (a link 23,
/// an emoji sequence 2), so the target is in the units the limit is.
fn median_weighted_length(posts: &[String]) -> Option<u32> {
    let mut lengths: Vec<u32> = posts.iter().map(|p| weighted_length(p)).collect();
    lengths.sort_unstable();
    let mid = lengths.len() / 2;
    match lengths.len() {
        0 => None,
        n if n % 2 == 1 => Some(lengths[mid]),
        _ => Some((lengths[mid - 1] + lengths[mid]) / 2),
    }
}

#[cfg(test)]
mod tests;
