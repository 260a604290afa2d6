//! The prompt: the style guide as instructions, the plan and the materials
//! as the task, and the JSON shape of the answer.

use dailyx_model::{BeatKind, Material, MaterialKind, PostFormat, StyleGuide, ThreadPlan};
use dailyx_sdk::llm::{CompletionRequest, Message, Role};

/// Most characters of a material's body put in the prompt; the rest costs
/// tokens without helping a tweet.
const MAX_BODY_CHARS: usize = 800;
/// Completion tokens asked for: a six-tweet thread in JSON fits easily.
const MAX_COMPLETION_TOKENS: u32 = 1500;

/// The completion request for `plan`.
pub fn request(
    plan: &ThreadPlan,
    materials: &[Material],
    style: &StyleGuide,
    model: Option<String>,
    temperature: f32,
) -> CompletionRequest {
    CompletionRequest {
        messages: vec![
            Message {
                role: Role::System,
                content: system_prompt(plan, style),
            },
            Message {
                role: Role::User,
                content: user_prompt(plan, materials),
            },
        ],
        model,
        max_tokens: Some(MAX_COMPLETION_TOKENS),
        temperature: Some(temperature),
        json: true,
    }
}

fn system_prompt(plan: &ThreadPlan, style: &StyleGuide) -> String {
    let mut p = format!(
        "You write posts for X (Twitter) in the voice of the persona \"{}\".\n\
         Tone: {}\n\
         Language: write in {} (BCP 47).\n",
        style.persona_id, style.tone, style.language
    );
    list(&mut p, "Rules", &style.rules);
    if !style.banned_phrases.is_empty() {
        p.push_str(&format!(
            "Never use these words or phrases: {}.\n",
            quoted(&style.banned_phrases)
        ));
    }
    if !style.preferred_phrases.is_empty() {
        p.push_str(&format!(
            "Phrases that worked before (use where natural): {}.\n",
            quoted(&style.preferred_phrases)
        ));
    }
    p.push_str(if style.emoji {
        "Emoji: allowed, sparingly.\n"
    } else {
        "Emoji: do not use any.\n"
    });
    if style.max_hashtags == 0 || style.hashtags.is_empty() {
        p.push_str("Hashtags: do not use any.\n");
    } else {
        let tags: Vec<String> = style.hashtags.iter().map(|h| format!("#{h}")).collect();
        p.push_str(&format!(
            "Hashtags: at most {} per tweet, only from: {}.\n",
            style.max_hashtags,
            tags.join(" ")
        ));
    }
    p.push_str(&format!(
        "Length: aim for about {} characters per tweet; never exceed {} weighted characters \
         (a URL counts 23, CJK characters and emoji count 2).\n\
         Only state facts found in the materials. Never invent numbers, versions, dates, \
         benchmarks or quotes.\n",
        style.target_length, plan.max_weighted_length
    ));
    list(&mut p, "Examples of the voice", &style.examples);
    p.push_str(&format!(
        "Answer with a JSON object only, no prose: \
         {{\"tweets\":[{{\"text\":\"...\",\"material_ids\":[\"...\"]}}]}} \
         with exactly {} tweets, one per beat, in the order of the beats. \
         material_ids lists the ids of the materials each tweet is based on.",
        plan.beats.len()
    ));
    p
}

fn user_prompt(plan: &ThreadPlan, materials: &[Material]) -> String {
    let format = match plan.format {
        PostFormat::Single => "a single tweet",
        PostFormat::Thread => "a thread",
    };
    let mut p = format!("Plan ({format}, {} beats):\n", plan.beats.len());
    for (i, beat) in plan.beats.iter().enumerate() {
        p.push_str(&format!(
            "{}. [{}] {} (materials: {})\n",
            i + 1,
            beat_kind(beat.kind),
            beat.summary,
            beat.material_ids.join(", ")
        ));
    }
    p.push_str("\nMaterials:\n");
    let used = materials
        .iter()
        .filter(|m| plan.beats.iter().any(|b| b.material_ids.contains(&m.id)));
    for m in used {
        p.push_str(&format!(
            "- id: {}\n  kind: {}\n  source: {}\n  title: {}\n",
            m.id,
            material_kind(m.kind),
            m.source,
            m.title
        ));
        if let Some(url) = &m.url {
            p.push_str(&format!("  url: {url}\n"));
        }
        if !m.tags.is_empty() {
            p.push_str(&format!("  tags: {}\n", m.tags.join(", ")));
        }
        let body = m.body.trim();
        if !body.is_empty() {
            let clipped: String = body.chars().take(MAX_BODY_CHARS).collect();
            p.push_str(&format!(
                "  body: |\n    {}\n",
                clipped.replace('\n', "\n    ")
            ));
        }
    }
    p
}

fn beat_kind(kind: BeatKind) -> &'static str {
    match kind {
        BeatKind::Hook => "hook",
        BeatKind::Point => "point",
        BeatKind::Closing => "closing",
        BeatKind::Link => "link",
    }
}

fn material_kind(kind: MaterialKind) -> &'static str {
    match kind {
        MaterialKind::Commit => "commit",
        MaterialKind::Release => "release",
        MaterialKind::Changelog => "changelog",
        MaterialKind::PullRequest => "pull request",
        MaterialKind::FeedItem => "feed item",
        MaterialKind::Note => "note",
    }
}

fn list(p: &mut String, heading: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    p.push_str(&format!("{heading}:\n"));
    for item in items {
        p.push_str(&format!("- {}\n", item.replace('\n', " ")));
    }
}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("\"{i}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
