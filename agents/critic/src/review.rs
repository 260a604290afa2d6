//! The LLM review: a second opinion on tone, clarity and claims that rules
//! cannot judge. Its findings are merged with the rule findings.

use dailyx_model::{Draft, Finding, Material, Severity, StyleGuide};
use dailyx_sdk::llm::{CompletionRequest, Message, Role};
use serde::Deserialize;

const MAX_BODY_CHARS: usize = 600;
const MAX_COMPLETION_TOKENS: u32 = 1000;
/// More than this many findings from the model is noise, not review.
pub const MAX_LLM_FINDINGS: usize = 10;

/// The completion request for reviewing `draft`.
pub fn request(
    draft: &Draft,
    materials: &[Material],
    style: &StyleGuide,
    model: Option<String>,
) -> CompletionRequest {
    let system = format!(
        "You are a demanding editor of developer posts on X. Review the draft against its \
         materials and the style guide: is the hook specific, is every sentence clear, is every \
         claim (numbers, versions, comparisons) backed by the materials the tweet names, does \
         the tone fit?\n\
         Style: persona \"{}\", tone: {}, language: {}, emoji {}, at most {} hashtags per tweet.\n\
         Banned phrases: {}.\n\
         Answer with a JSON object only: {{\"score\":0-100,\"summary\":\"one paragraph\",\
         \"findings\":[{{\"code\":\"area.problem\",\"severity\":\"info|warn|fail\",\
         \"message\":\"...\",\"tweet_position\":0}}]}}. Use `fail` only for what must not be \
         published (false claims, banned phrases). At most {MAX_LLM_FINDINGS} findings.",
        style.persona_id,
        style.tone,
        style.language,
        if style.emoji {
            "allowed"
        } else {
            "not allowed"
        },
        style.max_hashtags,
        if style.banned_phrases.is_empty() {
            "none".to_owned()
        } else {
            style.banned_phrases.join(", ")
        },
    );
    let mut user = String::from("Draft:\n");
    for tweet in &draft.tweets {
        user.push_str(&format!(
            "[{}] (materials: {}) {}\n",
            tweet.position,
            tweet.material_ids.join(", "),
            tweet.text
        ));
    }
    user.push_str("\nMaterials:\n");
    for m in materials {
        let body: String = m.body.trim().chars().take(MAX_BODY_CHARS).collect();
        user.push_str(&format!(
            "- id: {}\n  title: {}\n  body: {}\n",
            m.id,
            m.title,
            body.replace('\n', " ")
        ));
    }
    CompletionRequest {
        messages: vec![
            Message {
                role: Role::System,
                content: system,
            },
            Message {
                role: Role::User,
                content: user,
            },
        ],
        model,
        max_tokens: Some(MAX_COMPLETION_TOKENS),
        temperature: Some(0.2),
        json: true,
    }
}

#[derive(Deserialize)]
struct Answer {
    score: f64,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    findings: Vec<AnswerFinding>,
}

#[derive(Deserialize)]
struct AnswerFinding {
    #[serde(default)]
    code: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    tweet_position: Option<i64>,
}

/// The model's review: its score (0 to 100), summary and findings.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    /// Score, clamped to 0..=100.
    pub score: u32,
    /// The model's summary.
    pub summary: String,
    /// Findings, positions checked against the draft.
    pub findings: Vec<Finding>,
}

/// Reads the model's answer; `Err` says why it is unusable.
pub fn parse(text: &str, draft: &Draft) -> Result<Review, String> {
    let text = text.trim();
    let json = match (text.find('{'), text.rfind('}')) {
        (Some(start), Some(end)) if start < end => &text[start..=end],
        _ => text,
    };
    let answer: Answer =
        serde_json::from_str(json).map_err(|e| format!("not the expected JSON ({e})"))?;
    if !answer.score.is_finite() {
        return Err("the score is not a number".into());
    }
    let positions: Vec<u32> = draft.tweets.iter().map(|t| t.position).collect();
    let findings = answer
        .findings
        .into_iter()
        .filter(|f| !f.message.trim().is_empty())
        .take(MAX_LLM_FINDINGS)
        .map(|f| Finding {
            code: if f.code.trim().is_empty() {
                "review.note".into()
            } else {
                f.code.trim().to_owned()
            },
            severity: severity(&f.severity),
            message: f.message.trim().to_owned(),
            tweet_position: f
                .tweet_position
                .and_then(|p| u32::try_from(p).ok())
                .filter(|p| positions.contains(p)),
        })
        .collect();
    Ok(Review {
        score: answer.score.clamp(0.0, 100.0).round() as u32,
        summary: answer.summary.trim().to_owned(),
        findings,
    })
}

fn severity(word: &str) -> Severity {
    match word.trim().to_ascii_lowercase().as_str() {
        "fail" | "error" | "critical" | "blocker" => Severity::Fail,
        "warn" | "warning" | "major" => Severity::Warn,
        _ => Severity::Info,
    }
}
