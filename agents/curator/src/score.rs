//! Scoring: how much a material deserves a post, with the reasons in words.
//!
//! Points add up from five signals so that every reason can be shown to the
//! reviewer: recency (up to 30), the kind of change (up to 30), breaking
//! changes (15), size (up to 15) and whether users can see it (+10, or -20
//! for changes that only touch tests, CI, docs or lockfiles).

use dailyx_model::{Material, MaterialKind};

const DAY_MS: f64 = 24.0 * 60.0 * 60.0 * 1000.0;
const RECENCY_POINTS: f64 = 30.0;
const SIZE_POINTS: f64 = 15.0;
/// Lines changed at which a change earns the full size points.
const FULL_SIZE_LINES: f64 = 1000.0;
const BREAKING_POINTS: f64 = 15.0;
const USER_FACING_POINTS: f64 = 10.0;
const CHORE_ONLY_PENALTY: f64 = 20.0;

/// A material with its score and the reasons behind it.
#[derive(Debug, Clone)]
pub struct Scored<'a> {
    /// The material.
    pub material: &'a Material,
    /// Points, rounded to one decimal.
    pub score: f64,
    /// Why, in plain words.
    pub reasons: Vec<String>,
}

/// Scores `material` as of `now_ms`.
pub fn score(material: &Material, now_ms: i64, half_life_days: f64) -> Scored<'_> {
    let mut points = 0.0;
    let mut reasons = Vec::new();

    let recency = recency(material, now_ms, half_life_days);
    points += RECENCY_POINTS * recency.0;
    reasons.push(recency.1);

    let (kind_points, kind_reason) = change_kind(material);
    points += kind_points;
    reasons.push(kind_reason);

    if is_breaking(material) {
        points += BREAKING_POINTS;
        reasons.push("breaking change: users need to know".into());
    }

    let lines = u64::from(material.insertions) + u64::from(material.deletions);
    if lines > 0 {
        let scale = ((1.0 + lines as f64).ln() / (1.0 + FULL_SIZE_LINES).ln()).min(1.0);
        points += SIZE_POINTS * scale;
        reasons.push(format!("{lines} lines changed"));
    }

    if !material.files_changed.is_empty() {
        if material.files_changed.iter().all(|f| is_chore_path(f)) {
            points -= CHORE_ONLY_PENALTY;
            reasons.push("only touches tests, CI, docs or lockfiles".into());
        } else {
            points += USER_FACING_POINTS;
            reasons.push("touches user-facing code".into());
        }
    }

    Scored {
        material,
        score: (points * 10.0).round() / 10.0,
        reasons,
    }
}

/// Exponential decay with the given half-life, 1.0 for "now".
fn recency(material: &Material, now_ms: i64, half_life_days: f64) -> (f64, String) {
    // The collector gives changelog sections no date; the newest section
    // is what is new, so it counts as fresh.
    if material.kind == MaterialKind::Changelog && material.timestamp_ms == 0 {
        return (1.0, "latest changelog section".into());
    }
    let age_days = (now_ms.saturating_sub(material.timestamp_ms)).max(0) as f64 / DAY_MS;
    let factor = 0.5f64.powf(age_days / half_life_days);
    let reason = if age_days < 1.0 {
        "fresh: less than a day old".to_owned()
    } else {
        format!("{age_days:.1} days old")
    };
    (factor, reason)
}

/// The conventional-commit type from the tags, else from the title.
pub fn change_type(material: &Material) -> Option<String> {
    const TYPES: &[&str] = &[
        "feat", "fix", "perf", "docs", "refactor", "chore", "ci", "build", "test", "style",
        "revert",
    ];
    if let Some(tag) = material.tags.iter().find(|t| TYPES.contains(&t.as_str())) {
        return Some(tag.clone());
    }
    let (head, _) = material.title.split_once(':')?;
    let head = head.trim_end_matches('!');
    let kind = head.split_once('(').map_or(head, |(k, _)| k);
    TYPES.contains(&kind).then(|| kind.to_owned())
}

fn change_kind(material: &Material) -> (f64, String) {
    let (points, what) = match change_type(material).as_deref() {
        Some("feat") => (30.0, "new feature"),
        Some("fix") => (22.0, "bug fix"),
        Some("perf") => (22.0, "performance improvement"),
        Some("docs") => (12.0, "documentation"),
        Some("refactor") => (8.0, "refactoring"),
        Some("revert") => (8.0, "revert"),
        Some(_) => (0.0, "maintenance"),
        None if matches!(
            material.kind,
            MaterialKind::Release | MaterialKind::Changelog
        ) =>
        {
            (25.0, "release notes")
        }
        None => (10.0, "change of unknown type"),
    };
    (points, what.to_owned())
}

fn is_breaking(material: &Material) -> bool {
    material.tags.iter().any(|t| t == "breaking")
        || material
            .title
            .split_once(':')
            .is_some_and(|(head, _)| head.ends_with('!'))
        || material.body.contains("BREAKING CHANGE")
}

/// Paths users never see: tests, CI, docs and lockfiles.
pub fn is_chore_path(path: &str) -> bool {
    const DIRS: &[&str] = &["tests/", "test/", ".github/", "ci/", ".ci/", "docs/"];
    const LOCKFILES: &[&str] = &[
        "Cargo.lock",
        "package-lock.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "poetry.lock",
        "Gemfile.lock",
        "go.sum",
        "composer.lock",
        "uv.lock",
        "bun.lockb",
    ];
    let name = path.rsplit('/').next().unwrap_or(path);
    DIRS.iter()
        .any(|d| path.starts_with(d) || path.contains(&format!("/{d}")))
        || LOCKFILES.contains(&name)
}
