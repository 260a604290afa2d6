//! GitHub: published releases and merged pull requests of the repositories the operator names
//! (`github_repositories = ["owner/name", ...]`), through the `http` capability. The operator's
//! token, if any, is attached by the host; this code never sees it.

use crate::{CollectorHost, Settings};
use dailyx_model::{AgentError, Material, MaterialKind};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Release {
    tag_name: String,
    name: Option<String>,
    body: Option<String>,
    html_url: Option<String>,
    published_at: Option<String>,
    #[serde(default)]
    draft: bool,
    #[serde(default)]
    prerelease: bool,
    author: Option<User>,
}

#[derive(Debug, Deserialize)]
struct Pull {
    number: u64,
    title: String,
    body: Option<String>,
    html_url: Option<String>,
    merged_at: Option<String>,
    user: Option<User>,
    #[serde(default)]
    labels: Vec<Label>,
}

#[derive(Debug, Deserialize)]
struct User {
    login: String,
}

#[derive(Debug, Deserialize)]
struct Label {
    name: String,
}

/// `owner/name`, checked so it cannot change the URL's path.
pub fn valid_repository(full_name: &str) -> bool {
    let mut parts = full_name.split('/');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| {
            !p.is_empty()
                && p != "."
                && p != ".."
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

/// Releases and merged pull requests of `full_name` since `since_ms`.
pub fn collect(
    host: &dyn CollectorHost,
    settings: &Settings,
    full_name: &str,
    since_ms: i64,
) -> Result<Vec<Material>, AgentError> {
    if !valid_repository(full_name) {
        return Err(AgentError::InvalidInput(format!(
            "github_repositories: `{full_name}` is not `owner/name`"
        )));
    }
    let api = settings.github_api.trim_end_matches('/');
    let per_page = settings.max_items.clamp(1, 100);
    let mut materials = Vec::new();

    let url = format!("{api}/repos/{full_name}/releases?per_page={per_page}");
    let releases: Vec<Release> = parse(&url, &host.get(&url, GITHUB_JSON)?)?;
    for r in releases.into_iter().filter(|r| !r.draft) {
        let Some(at) = r.published_at.as_deref().and_then(crate::time::rfc3339_ms) else {
            continue;
        };
        if at < since_ms {
            continue;
        }
        let mut tags = vec!["release".to_owned(), format!("tag:{}", r.tag_name)];
        if r.prerelease {
            tags.push("prerelease".into());
        }
        let title = r
            .name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| r.tag_name.clone());
        materials.push(Material {
            id: format!("github:{full_name}:release:{}", r.tag_name),
            kind: MaterialKind::Release,
            source: full_name.to_owned(),
            title,
            body: r.body.unwrap_or_default(),
            url: r.html_url,
            author: r.author.map(|a| a.login),
            timestamp_ms: at,
            files_changed: Vec::new(),
            insertions: 0,
            deletions: 0,
            tags,
        });
    }

    let url = format!(
        "{api}/repos/{full_name}/pulls?state=closed&sort=updated&direction=desc&per_page={per_page}"
    );
    let pulls: Vec<Pull> = parse(&url, &host.get(&url, GITHUB_JSON)?)?;
    for p in pulls {
        // Closed without merging is not news.
        let Some(at) = p.merged_at.as_deref().and_then(crate::time::rfc3339_ms) else {
            continue;
        };
        if at < since_ms {
            continue;
        }
        let mut tags: Vec<String> = p.labels.into_iter().map(|l| l.name).collect();
        if let Some(cc) = crate::parse_conventional(&p.title) {
            tags.insert(0, cc.kind.to_owned());
            if cc.breaking {
                tags.push("breaking".into());
            }
        }
        materials.push(Material {
            id: format!("github:{full_name}:pr:{}", p.number),
            kind: MaterialKind::PullRequest,
            source: full_name.to_owned(),
            title: p.title,
            body: p.body.unwrap_or_default(),
            url: p.html_url,
            author: p.user.map(|u| u.login),
            timestamp_ms: at,
            files_changed: Vec::new(),
            insertions: 0,
            deletions: 0,
            tags,
        });
    }
    Ok(materials)
}

const GITHUB_JSON: &str = "application/vnd.github+json";

fn parse<T: for<'de> Deserialize<'de>>(url: &str, body: &[u8]) -> Result<T, AgentError> {
    serde_json::from_slice(body).map_err(|e| {
        AgentError::Upstream(format!("GET {url}: not the JSON GitHub's API returns: {e}"))
    })
}
