//! Collector: gathers materials from the sources the operator names.
//!
//! - local git repositories (`repo`): commits since the previous run become `commit`
//!   materials (with files changed and line counts), and the newest section of each
//!   repository's CHANGELOG / release notes becomes a `changelog` material;
//! - GitHub (`http`, api.github.com): published releases and merged pull requests of
//!   `github_repositories`;
//! - RSS and Atom feeds (`http`): items of `feeds`.
//!
//! Material ids are stable, so the host can drop what earlier runs already collected. A source
//! that fails transiently (an HTTP error) fails the call as `upstream`, which the host retries.
//!
//! The host capabilities are reached through [`CollectorHost`], so this
//! logic runs natively in tests and inside the component unchanged.

#[cfg(target_arch = "wasm32")]
mod component;
pub mod feeds;
pub mod github;
pub mod time;

use dailyx_model::{AgentError, Material, MaterialKind, RunContext};
use dailyx_sdk::repo::{Commit, LogQuery};
use serde::Deserialize;

/// What the collector needs from the host.
pub trait CollectorHost {
    /// Repositories this component may read.
    fn repositories(&self) -> Vec<String>;
    /// Commits of `query.repository`, newest first.
    fn log(&self, query: &LogQuery) -> Result<Vec<Commit>, AgentError>;
    /// A file at HEAD, or `None` when the repository has no such file.
    fn read_file(&self, repository: &str, path: &str) -> Result<Option<Vec<u8>>, AgentError>;
    /// The body of a successful GET of `url` (`accept`: the Accept header); any other status
    /// is an `upstream` error.
    fn get(&self, url: &str, accept: &str) -> Result<Vec<u8>, AgentError>;
}

/// Settings (config keys of the same names).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Maximum commits read per repository per run.
    pub max_commits: u32,
    /// Changelog files looked for, in order; the first found is used.
    pub changelog_files: Vec<String>,
    /// Look-back when there was no previous run, in days.
    pub first_run_days: u32,
    /// GitHub repositories (`owner/name`) whose releases and merged pull requests to collect.
    pub github_repositories: Vec<String>,
    /// The GitHub API's base URL (GitHub Enterprise, or a test server).
    pub github_api: String,
    /// RSS or Atom feed URLs.
    pub feeds: Vec<String>,
    /// Maximum items read per GitHub list or feed.
    pub max_items: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_commits: 200,
            changelog_files: vec![
                "CHANGELOG.md".into(),
                "CHANGES.md".into(),
                "RELEASE_NOTES.md".into(),
            ],
            first_run_days: 7,
            github_repositories: Vec::new(),
            github_api: "https://api.github.com".into(),
            feeds: Vec::new(),
            max_items: 30,
        }
    }
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Collects materials from every repository, newest first.
pub fn collect(
    ctx: &RunContext,
    host: &dyn CollectorHost,
    settings: &Settings,
) -> Result<Vec<Material>, AgentError> {
    let since = ctx
        .previous_run_at_ms
        .unwrap_or(ctx.started_at_ms - i64::from(settings.first_run_days) * DAY_MS);
    let mut materials = Vec::new();
    for repository in host.repositories() {
        let query = LogQuery {
            repository: repository.clone(),
            since_ms: Some(since),
            max_count: settings.max_commits,
        };
        materials.extend(
            host.log(&query)?
                .iter()
                .map(|c| commit_material(&repository, c)),
        );
        if let Some(m) = changelog_material(host, &repository, settings)? {
            materials.push(m);
        }
    }
    for full_name in &settings.github_repositories {
        materials.extend(github::collect(host, settings, full_name, since)?);
    }
    for url in &settings.feeds {
        materials.extend(feeds::collect(host, url, since, settings.max_items)?);
    }
    materials.sort_by(|a, b| b.timestamp_ms.cmp(&a.timestamp_ms).then(a.id.cmp(&b.id)));
    Ok(materials)
}

/// A commit as a material; its conventional-commit type becomes a tag.
pub fn commit_material(repository: &str, commit: &Commit) -> Material {
    let body = commit
        .message
        .split_once('\n')
        .map(|(_, rest)| rest.trim().to_owned())
        .unwrap_or_default();
    let mut tags = Vec::new();
    if let Some(cc) = parse_conventional(&commit.summary) {
        tags.push(cc.kind.to_owned());
        if let Some(scope) = cc.scope {
            tags.push(format!("scope:{scope}"));
        }
        if cc.breaking {
            tags.push("breaking".into());
        }
    }
    if commit.parent_count > 1 {
        tags.push("merge".into());
    }
    Material {
        id: format!("git:{repository}:{}", commit.id),
        kind: MaterialKind::Commit,
        source: repository.to_owned(),
        title: commit.summary.clone(),
        body,
        url: None,
        author: Some(commit.author.clone()),
        timestamp_ms: commit.timestamp_ms,
        files_changed: commit.files.iter().map(|f| f.path.clone()).collect(),
        insertions: commit.files.iter().map(|f| f.insertions).sum(),
        deletions: commit.files.iter().map(|f| f.deletions).sum(),
        tags,
    }
}

/// A parsed conventional-commit header (`feat(api)!: ...`).
#[derive(Debug, PartialEq, Eq)]
pub struct Conventional<'a> {
    /// `feat`, `fix`, ...
    pub kind: &'a str,
    /// The scope in parentheses, if any.
    pub scope: Option<&'a str>,
    /// `!` after the type/scope.
    pub breaking: bool,
    /// The description after `: `.
    pub description: &'a str,
}

/// Parses a conventional-commit summary line; `None` when it is not one.
pub fn parse_conventional(summary: &str) -> Option<Conventional<'_>> {
    let (head, description) = summary.split_once(": ")?;
    let (head, breaking) = match head.strip_suffix('!') {
        Some(h) => (h, true),
        None => (head, false),
    };
    let (kind, scope) = match head.split_once('(') {
        Some((k, rest)) => (k, Some(rest.strip_suffix(')')?)),
        None => (head, None),
    };
    let valid = !kind.is_empty() && kind.chars().all(|c| c.is_ascii_lowercase());
    valid.then_some(Conventional {
        kind,
        scope,
        breaking,
        description: description.trim(),
    })
}

fn changelog_material(
    host: &dyn CollectorHost,
    repository: &str,
    settings: &Settings,
) -> Result<Option<Material>, AgentError> {
    for file in &settings.changelog_files {
        let Some(bytes) = host.read_file(repository, file)? else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        return Ok(
            latest_changelog_section(&text).map(|(heading, body)| Material {
                id: format!("changelog:{repository}:{file}:{heading}"),
                kind: MaterialKind::Changelog,
                source: repository.to_owned(),
                title: heading.clone(),
                body,
                url: None,
                author: None,
                timestamp_ms: 0,
                files_changed: vec![file.clone()],
                insertions: 0,
                deletions: 0,
                tags: vec!["changelog".into()],
            }),
        );
    }
    Ok(None)
}

/// The first `## ` section of a Markdown changelog that has content,
/// skipping an empty "Unreleased" heading: `(heading, body)`.
pub fn latest_changelog_section(text: &str) -> Option<(String, String)> {
    let mut sections = Vec::new();
    let mut current: Option<(String, Vec<&str>)> = None;
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            sections.extend(current.take());
            current = Some((heading.trim().to_owned(), Vec::new()));
        } else if let Some((_, body)) = current.as_mut() {
            body.push(line);
        }
    }
    sections.extend(current);
    sections
        .into_iter()
        .map(|(h, body)| (h, body.join("\n").trim().to_owned()))
        .find(|(_, body)| !body.is_empty())
}

#[cfg(test)]
mod tests;
