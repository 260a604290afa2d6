//! Curator: scores the collected materials and picks what the post is about.
//!
//! Noise (merges, version bumps, empty titles, repeated titles) is dropped
//! first; the rest is scored (see [`score`]) and the best materials above a
//! threshold are picked. Every material ends up either picked, with the
//! reasons for its score, or dropped, with the reason it was left out, so the
//! reviewer can see why the post is about what it is about.

#[cfg(target_arch = "wasm32")]
mod component;

pub mod noise;
pub mod score;

use std::collections::{BTreeMap, HashMap, HashSet};

use dailyx_model::{
    AgentError, CuratedItem, DroppedItem, Material, MaterialKind, RunContext, Selection,
};
use serde::Deserialize;

/// Settings (config keys of the same names).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// At most this many materials are picked.
    pub max_picks: u32,
    /// Days after which a material's recency points halve.
    pub half_life_days: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_picks: 5,
            half_life_days: 3.0,
        }
    }
}

/// Materials scoring below this are not worth a post (a fresh chore that
/// only touches tests scores around 10; a fresh small fix around 60).
pub const SCORE_THRESHOLD: f64 = 25.0;

/// Picks the materials the post will be about, best first.
pub fn curate(
    ctx: &RunContext,
    materials: &[Material],
    settings: &Settings,
) -> Result<Selection, AgentError> {
    validate(materials, settings)?;
    if materials.is_empty() {
        return Ok(Selection {
            picked: vec![],
            dropped: vec![],
            rationale: "Nothing to post about: no materials were collected for this run.".into(),
        });
    }

    let mut dropped = Dropped::default();
    let mut seen_ids = HashSet::new();
    let mut candidates = Vec::new();
    for material in materials {
        if !seen_ids.insert(material.id.as_str()) {
            dropped.push(
                material,
                "duplicate",
                "same id as an earlier material".into(),
            );
        } else if let Some(reason) = noise::noise_reason(material) {
            dropped.push(material, reason, reason.into());
        } else {
            candidates.push(score::score(
                material,
                ctx.started_at_ms,
                settings.half_life_days,
            ));
        }
    }
    candidates.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.material.timestamp_ms.cmp(&a.material.timestamp_ms))
            .then(a.material.id.cmp(&b.material.id))
    });

    let mut picked: Vec<CuratedItem> = Vec::new();
    let mut picked_titles = Vec::new();
    let mut first_with_title: HashMap<String, &str> = HashMap::new();
    for (rank, candidate) in candidates.iter().enumerate() {
        let material = candidate.material;
        // Candidates are sorted, so the best of the same-titled ones is kept.
        if let Some(first) = first_with_title.get(&title_key(material)) {
            dropped.push(material, "duplicate", format!("same title as {first}"));
            continue;
        }
        first_with_title.insert(title_key(material), &material.id);
        if candidate.score < SCORE_THRESHOLD {
            let why = format!(
                "score {:.1} is below the threshold of {SCORE_THRESHOLD} ({})",
                candidate.score,
                candidate.reasons.join("; ")
            );
            dropped.push(material, "below the score threshold", why);
        } else if picked.len() >= settings.max_picks as usize {
            let why = format!(
                "ranked #{} with {:.1}; only {} picks",
                rank + 1,
                candidate.score,
                settings.max_picks
            );
            dropped.push(material, "over the pick limit", why);
        } else {
            let top_reasons: Vec<&str> = candidate
                .reasons
                .iter()
                .take(2)
                .map(String::as_str)
                .collect();
            picked_titles.push(format!(
                "\"{}\" ({})",
                material.title.trim(),
                top_reasons.join(", ")
            ));
            picked.push(CuratedItem {
                material_id: material.id.clone(),
                score: candidate.score,
                reasons: candidate.reasons.clone(),
            });
        }
    }

    let rationale = rationale(materials.len(), &picked_titles, &dropped.counts);
    Ok(Selection {
        picked,
        dropped: dropped.items,
        rationale,
    })
}

fn validate(materials: &[Material], settings: &Settings) -> Result<(), AgentError> {
    if settings.max_picks == 0 {
        return Err(AgentError::InvalidInput(
            "max_picks must be at least 1".into(),
        ));
    }
    if !(settings.half_life_days.is_finite() && settings.half_life_days > 0.0) {
        return Err(AgentError::InvalidInput(format!(
            "half_life_days must be a positive number of days, not {}",
            settings.half_life_days
        )));
    }
    if let Some(i) = materials.iter().position(|m| m.id.trim().is_empty()) {
        return Err(AgentError::InvalidInput(format!(
            "material #{i} has an empty id"
        )));
    }
    Ok(())
}

/// Titles compare case- and space-insensitively. A release or changelog
/// title is a version, which only means the same thing within one source.
fn title_key(material: &Material) -> String {
    let title = material
        .title
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    match material.kind {
        MaterialKind::Release | MaterialKind::Changelog => format!("{}\n{title}", material.source),
        _ => title,
    }
}

/// Dropped items, and how many were dropped for each kind of reason.
#[derive(Default)]
struct Dropped {
    items: Vec<DroppedItem>,
    counts: BTreeMap<&'static str, usize>,
}

impl Dropped {
    fn push(&mut self, material: &Material, kind: &'static str, reason: String) {
        *self.counts.entry(kind).or_default() += 1;
        self.items.push(DroppedItem {
            material_id: material.id.clone(),
            reason,
        });
    }
}

fn rationale(
    total: usize,
    picked_titles: &[String],
    drop_counts: &BTreeMap<&'static str, usize>,
) -> String {
    let dropped: Vec<String> = drop_counts
        .iter()
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect();
    let dropped = if dropped.is_empty() {
        String::new()
    } else {
        format!(" Dropped: {}.", dropped.join(", "))
    };
    if picked_titles.is_empty() {
        return format!(
            "Nothing to post about: none of the {total} materials was worth a post.{dropped}"
        );
    }
    format!(
        "Picked {} of {total} materials, best first: {}.{dropped}",
        picked_titles.len(),
        picked_titles.join("; ")
    )
}

#[cfg(test)]
mod tests;
