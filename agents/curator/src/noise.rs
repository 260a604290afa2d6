//! Noise: materials that are never worth a post, whatever their score.

use dailyx_model::{Material, MaterialKind};

/// Why `material` is noise, or `None` when it is worth scoring.
pub fn noise_reason(material: &Material) -> Option<&'static str> {
    let title = material.title.trim();
    if title.is_empty() {
        return Some("empty title");
    }
    if material.tags.iter().any(|t| t == "merge") || title.starts_with("Merge ") {
        return Some("merge commit");
    }
    // Releases and changelog sections are titled by their version on
    // purpose; only a commit or pull request that is just a bump is noise.
    let is_change = matches!(
        material.kind,
        MaterialKind::Commit | MaterialKind::PullRequest
    );
    if is_change && is_version_bump(title) {
        return Some("version bump");
    }
    None
}

/// `bump version`, `chore(release): 1.2.0`, `Release v1.2.3`, `v1.2.3`...
pub fn is_version_bump(title: &str) -> bool {
    let lower = title.trim().to_lowercase();
    if lower.contains("bump version") || lower.starts_with("chore(release)") {
        return true;
    }
    let rest = [
        "chore: release",
        "release:",
        "release",
        "bump to",
        "version",
    ]
    .iter()
    .find_map(|prefix| lower.strip_prefix(prefix))
    .unwrap_or(&lower);
    is_version(rest.trim())
}

/// `1.2`, `v1.2.3`, `2.0.0-rc.1`: a version number and nothing else.
pub fn is_version(text: &str) -> bool {
    let text = text.strip_prefix('v').unwrap_or(text);
    let core = text.split_once(['-', '+']).map_or(text, |(core, _)| core);
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() >= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}
