//! The deterministic composer: real tweets from the plan and the materials
//! without an LLM, used when none is configured or its answer is unusable.
//!
//! Each beat becomes one tweet. Text comes from the materials themselves
//! (titles without their conventional-commit prefix, the first sentence of
//! a body when it fits), so nothing is claimed that the materials do not
//! say. Links are never cut: text is shortened around them.

use dailyx_model::{
    Beat, BeatKind, Material, MaterialKind, PostFormat, StyleGuide, ThreadPlan, Tweet,
};

use dailyx_xtext::{truncate_to, weighted_length};

/// Fixed phrases, per language.
struct Phrases {
    hook: fn(usize, &str) -> String,
    closing: &'static str,
    read_more: &'static str,
    breaking: &'static str,
}

const ENGLISH: Phrases = Phrases {
    hook: |n, source| format!("{n} things just shipped in {source}"),
    closing: "That's the round-up. Update, try it and tell us what you think!",
    read_more: "Read more:",
    breaking: "Breaking change: check your setup before upgrading.",
};

const THAI: Phrases = Phrases {
    hook: |n, source| format!("อัปเดตใหม่ {n} อย่างจาก {source} ค่ะ"),
    closing: "ลองอัปเดตแล้วมาเล่าให้ฟังหน่อยนะคะ",
    read_more: "อ่านต่อได้ที่",
    breaking: "Breaking change: เช็กก่อนอัปเกรดนะคะ",
};

/// Whether the composer has phrases for `language` (else it writes English).
pub fn speaks(language: &str) -> bool {
    phrases_for(language).is_some()
}

fn phrases_for(language: &str) -> Option<&'static Phrases> {
    let primary = language
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match primary.as_str() {
        "en" => Some(&ENGLISH),
        "th" => Some(&THAI),
        _ => None,
    }
}

/// Composes one tweet per beat. Beat material ids must name `materials`
/// (the caller checks).
pub fn compose(plan: &ThreadPlan, materials: &[Material], style: &StyleGuide) -> Vec<Tweet> {
    let phrases = phrases_for(&style.language).unwrap_or(&ENGLISH);
    let max = plan.max_weighted_length;
    let target = style.target_length.clamp(1, max);
    plan.beats
        .iter()
        .enumerate()
        .map(|(i, beat)| {
            let beat_materials: Vec<&Material> = beat
                .material_ids
                .iter()
                .filter_map(|id| materials.iter().find(|m| &m.id == id))
                .collect();
            let mut text = match beat.kind {
                BeatKind::Hook if plan.format == PostFormat::Single => {
                    single(&beat_materials, phrases, style, target, max)
                }
                BeatKind::Hook => thread_hook(&beat_materials, phrases, style, max),
                BeatKind::Point => point(&beat_materials, phrases, style, target, max),
                BeatKind::Closing => truncate_to(phrases.closing, max),
                BeatKind::Link => link(beat, &beat_materials, phrases, max),
            };
            if i == 0 {
                text = with_hashtags(text, style, max);
            }
            Tweet {
                position: i as u32,
                text,
                material_ids: beat.material_ids.clone(),
            }
        })
        .collect()
}

fn single(
    materials: &[&Material],
    phrases: &Phrases,
    style: &StyleGuide,
    target: u32,
    max: u32,
) -> String {
    let Some(material) = materials.first() else {
        return String::new();
    };
    let url = url_of(material)
        .map(|u| format!(" {u}"))
        .unwrap_or_default();
    let room = max.saturating_sub(weighted_length(&url));
    let mut text = sentence(&format!(
        "{}{}",
        emoji_prefix(material, style),
        describe(material)
    ));
    if is_breaking(material) {
        text = append_if_fits(text, phrases.breaking, target.min(room));
    }
    if let Some(detail) = first_sentence(&material.body) {
        text = append_if_fits(text, &detail, target.min(room));
    }
    format!("{}{url}", truncate_to(&text, room))
}

fn thread_hook(materials: &[&Material], phrases: &Phrases, style: &StyleGuide, max: u32) -> String {
    let mut sources: Vec<&str> = Vec::new();
    for m in materials {
        if !sources.contains(&m.source.as_str()) {
            sources.push(&m.source);
        }
    }
    let sources = match sources.as_slice() {
        [rest @ .., last] if !rest.is_empty() => format!("{} & {last}", rest.join(", ")),
        _ => sources.join(""),
    };
    let thread_marker = if style.emoji { " 🧵" } else { "" };
    truncate_to(
        &format!(
            "{}{thread_marker}",
            (phrases.hook)(materials.len(), &sources)
        ),
        max,
    )
}

fn point(
    materials: &[&Material],
    phrases: &Phrases,
    style: &StyleGuide,
    target: u32,
    max: u32,
) -> String {
    let Some(material) = materials.first() else {
        return String::new();
    };
    let scope = scope_of(material)
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    let mut text = sentence(&format!(
        "{}{}{scope}",
        emoji_prefix(material, style),
        describe(material)
    ));
    if is_breaking(material) {
        text = append_if_fits(text, phrases.breaking, max);
    }
    if let Some(detail) = first_sentence(&material.body) {
        text = append_if_fits(text, &detail, target);
    }
    truncate_to(&text, max)
}

fn link(beat: &Beat, materials: &[&Material], phrases: &Phrases, max: u32) -> String {
    match materials.iter().find_map(|m| url_of(m)) {
        Some(url) => format!("{} {url}", phrases.read_more),
        // The planner only plans a link beat for a material with a URL;
        // without one, say what the beat was for rather than post nothing.
        None => truncate_to(&beat.summary, max),
    }
}

/// Appends hashtags (up to the style's maximum) while the tweet still fits.
fn with_hashtags(mut text: String, style: &StyleGuide, max: u32) -> String {
    for tag in style.hashtags.iter().take(style.max_hashtags as usize) {
        let tag = tag.trim().trim_start_matches('#');
        if tag.is_empty()
            || text
                .to_lowercase()
                .contains(&format!("#{}", tag.to_lowercase()))
        {
            continue;
        }
        let candidate = format!("{text} #{tag}");
        if weighted_length(&candidate) <= max {
            text = candidate;
        }
    }
    text
}

fn append_if_fits(text: String, addition: &str, limit: u32) -> String {
    let candidate = format!("{text} {}", sentence(addition));
    if weighted_length(&candidate) <= limit {
        candidate
    } else {
        text
    }
}

/// Ends `text` with a full stop unless it already ends a sentence.
fn sentence(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() || text.ends_with(['.', '!', '?', '…']) {
        text.to_owned()
    } else {
        format!("{text}.")
    }
}

fn url_of(material: &Material) -> Option<&str> {
    material
        .url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
}

fn is_breaking(material: &Material) -> bool {
    material.tags.iter().any(|t| t == "breaking")
}

fn change_type(material: &Material) -> Option<&str> {
    const TYPES: &[&str] = &["feat", "fix", "perf", "docs", "refactor"];
    material
        .tags
        .iter()
        .map(String::as_str)
        .find(|t| TYPES.contains(t))
        .or_else(|| {
            let head = conventional_head(&material.title)?;
            let kind = head.split_once('(').map_or(head, |(k, _)| k);
            TYPES.iter().copied().find(|t| *t == kind)
        })
}

fn emoji_prefix(material: &Material, style: &StyleGuide) -> &'static str {
    if !style.emoji {
        return "";
    }
    if is_breaking(material) {
        return "⚠️ ";
    }
    match change_type(material) {
        Some("feat") => "✨ ",
        Some("fix") => "🐛 ",
        Some("perf") => "⚡ ",
        Some("docs") => "📚 ",
        Some("refactor") => "🧹 ",
        _ => "🔹 ",
    }
}

/// The scope: the `scope:` tag the collector adds, else `(scope)` in the title.
fn scope_of(material: &Material) -> Option<&str> {
    material
        .tags
        .iter()
        .find_map(|t| t.strip_prefix("scope:"))
        .or_else(|| {
            let head = conventional_head(&material.title)?;
            head.split_once('(')?.1.strip_suffix(')')
        })
}

/// `feat(ui)!` of `feat(ui)!: dark mode`, without the `!`.
fn conventional_head(title: &str) -> Option<&str> {
    let (head, _) = title.trim().split_once(": ")?;
    let head = head.trim_end_matches('!');
    let kind = head.split_once('(').map_or(head, |(k, _)| k);
    (!kind.is_empty() && kind.chars().all(|c| c.is_ascii_lowercase())).then_some(head)
}

/// What a material is about, in a phrase: a commit's title without its
/// prefix, or a release's title with its first notes.
pub fn describe(material: &Material) -> String {
    let title = material.title.trim();
    let description = if conventional_head(title).is_some() {
        title
            .split_once(": ")
            .map_or(title, |(_, rest)| rest.trim())
    } else {
        title
    };
    let description = capitalise(description);
    if !matches!(
        material.kind,
        MaterialKind::Release | MaterialKind::Changelog
    ) {
        return description;
    }
    let notes: Vec<String> = material
        .body
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("- ")
                .or_else(|| l.trim().strip_prefix("* "))
        })
        .map(|l| l.trim().trim_end_matches('.').to_owned())
        .filter(|l| !l.is_empty())
        .take(3)
        .collect();
    if notes.is_empty() {
        description
    } else {
        format!("{description}: {}", notes.join("; "))
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The first sentence of a body's first paragraph, unless that is a
/// trailer (`Signed-off-by: ...`), a list or a heading.
fn first_sentence(body: &str) -> Option<String> {
    let paragraph: Vec<&str> = body
        .trim()
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .collect();
    let paragraph = paragraph
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let is_trailer = paragraph
        .split_once(": ")
        .is_some_and(|(k, _)| !k.contains(' ') && k.contains('-'));
    if paragraph.is_empty() || is_trailer || paragraph.starts_with(['-', '*', '#']) {
        return None;
    }
    let end = paragraph.find(". ").map_or(paragraph.len(), |i| i + 1);
    Some(paragraph[..end].to_owned())
}
