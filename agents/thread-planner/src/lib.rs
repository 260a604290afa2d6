//! Thread planner: decides between a single post and a thread, and lays out
//! the beats within X's limits.
//!
//! One picked material makes a single post. Two or more make a thread: a
//! hook, one point per material (best first, as many as fit), a closing
//! beat and, when a material has a public link, a link beat. Every beat
//! names the materials behind it, so provenance survives into the tweets.

#[cfg(target_arch = "wasm32")]
mod component;

use std::collections::HashSet;

use dailyx_model::{
    AgentError, Beat, BeatKind, Material, PostFormat, RunContext, Selection, StyleGuide, ThreadPlan,
};
use serde::Deserialize;

/// Settings (config keys of the same names).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Most tweets in a thread, hook and closing included.
    pub max_tweets: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { max_tweets: 6 }
    }
}

/// X's limit for one tweet, in weighted characters.
pub const MAX_WEIGHTED_LENGTH: u32 = 280;
/// A thread needs a hook, a point and a closing.
const MIN_THREAD_TWEETS: u32 = 3;
/// Threads longer than this lose readers; a setting above it is a mistake.
const MAX_THREAD_TWEETS: u32 = 25;

/// Plans the post for the picked materials.
pub fn plan(
    _ctx: &RunContext,
    selection: &Selection,
    materials: &[Material],
    style: &StyleGuide,
    settings: &Settings,
) -> Result<ThreadPlan, AgentError> {
    if !(MIN_THREAD_TWEETS..=MAX_THREAD_TWEETS).contains(&settings.max_tweets) {
        return Err(AgentError::InvalidInput(format!(
            "max_tweets must be between {MIN_THREAD_TWEETS} and {MAX_THREAD_TWEETS}, not {}",
            settings.max_tweets
        )));
    }
    let picked = picked_materials(selection, materials)?;
    match picked.as_slice() {
        [] => Err(AgentError::InvalidInput("nothing selected".into())),
        [only] => Ok(single(only, style)),
        _ => Ok(thread(&picked, settings.max_tweets)),
    }
}

/// The picked materials in selection order (best first), each once.
fn picked_materials<'m>(
    selection: &Selection,
    materials: &'m [Material],
) -> Result<Vec<&'m Material>, AgentError> {
    let mut seen = HashSet::new();
    let mut picked = Vec::new();
    for item in &selection.picked {
        if !seen.insert(item.material_id.as_str()) {
            continue;
        }
        let material = materials
            .iter()
            .find(|m| m.id == item.material_id)
            .ok_or_else(|| {
                AgentError::InvalidInput(format!(
                    "the selection picks {}, which is not among the materials",
                    item.material_id
                ))
            })?;
        picked.push(material);
    }
    Ok(picked)
}

fn single(material: &Material, style: &StyleGuide) -> ThreadPlan {
    let mut summary = format!(
        "Announce {} ({}): what it lets people do now",
        clean_title(&material.title),
        material.source
    );
    if style.target_length > 0 {
        summary.push_str(&format!(", in about {} characters", style.target_length));
    }
    ThreadPlan {
        format: PostFormat::Single,
        beats: vec![Beat {
            kind: BeatKind::Hook,
            summary,
            material_ids: vec![material.id.clone()],
        }],
        max_tweets: 1,
        max_weighted_length: MAX_WEIGHTED_LENGTH,
    }
}

fn thread(picked: &[&Material], max_tweets: u32) -> ThreadPlan {
    // Hook and closing always; the slots between hold points and a link
    // beat, but the link never takes the only point's slot.
    let room = (max_tweets - 2) as usize;
    let with_link = room >= 2 && picked.iter().take(room - 1).any(|m| url_of(m).is_some());
    let point_room = if with_link { room - 1 } else { room };
    let covered = &picked[..picked.len().min(point_room)];
    let link = covered
        .iter()
        .find_map(|m| url_of(m).map(|url| (*m, url)))
        .filter(|_| with_link);
    let ids: Vec<String> = covered.iter().map(|m| m.id.clone()).collect();

    let mut beats = vec![Beat {
        kind: BeatKind::Hook,
        summary: format!(
            "Hook: {} updates from {}, led by \"{}\"",
            covered.len(),
            sources(covered),
            covered
                .first()
                .map(|m| clean_title(&m.title))
                .unwrap_or_default()
        ),
        material_ids: ids.clone(),
    }];
    beats.extend(covered.iter().map(|m| Beat {
        kind: BeatKind::Point,
        summary: point_summary(m),
        material_ids: vec![m.id.clone()],
    }));
    beats.push(Beat {
        kind: BeatKind::Closing,
        summary: format!(
            "Close: sum up the {} updates and invite readers to try them",
            covered.len()
        ),
        material_ids: ids,
    });
    if let Some((material, url)) = link {
        beats.push(Beat {
            kind: BeatKind::Link,
            summary: format!("Link to read more: {url}"),
            material_ids: vec![material.id.clone()],
        });
    }
    ThreadPlan {
        format: PostFormat::Thread,
        max_tweets: beats.len() as u32,
        beats,
        max_weighted_length: MAX_WEIGHTED_LENGTH,
    }
}

fn url_of(material: &Material) -> Option<&str> {
    material
        .url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
}

fn point_summary(material: &Material) -> String {
    let mut summary = format!("{} ({})", clean_title(&material.title), material.source);
    if material.tags.iter().any(|t| t == "breaking") {
        summary.push_str(": a breaking change, say what users must do");
    }
    summary
}

/// The distinct sources, in order, joined for a sentence.
fn sources(materials: &[&Material]) -> String {
    let mut seen = Vec::new();
    for m in materials {
        if !seen.contains(&m.source.as_str()) {
            seen.push(m.source.as_str());
        }
    }
    match seen.as_slice() {
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        [] => String::new(),
    }
}

/// A title without its conventional-commit prefix (`feat(ui): `), with a
/// capital first letter: `feat(ui): dark mode` becomes `Dark mode`.
pub fn clean_title(title: &str) -> String {
    let title = title.trim();
    let description = match title.split_once(": ") {
        Some((head, rest)) if is_conventional_head(head) => rest.trim(),
        _ => title,
    };
    let mut chars = description.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn is_conventional_head(head: &str) -> bool {
    let head = head.trim_end_matches('!');
    let kind = head.split_once('(').map_or(head, |(k, _)| k);
    !kind.is_empty() && kind.chars().all(|c| c.is_ascii_lowercase())
}

#[cfg(test)]
mod tests;
