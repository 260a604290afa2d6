//! The `repo` capability: read-only git history and files of repositories
//! the operator names.
//!
//! Components address repositories by the operator's name, never by path.
//! Files are read from git objects at a revision (tree lookups), not from
//! the working directory, so no path — `..`, absolute, or a symlink in the
//! tree — can reach anything outside the repository's tracked content.
//! git2 is blocking; every call runs on tokio's blocking pool.

use crate::events::EventRecorder;
use dailyx_world::repo::{self as wit, Commit, FileChange, LogQuery, RepoError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// The `[component.grants.repo]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepoGrant {
    /// Operator names of repositories; `"*"` means every named repository.
    pub repositories: Vec<String>,
}

/// Upgrade review of the `repo` grant: a new repository (or `*`) widens it.
pub(crate) fn review(
    old: Option<&RepoGrant>,
    new: Option<&RepoGrant>,
    out: &mut Vec<crate::review::Change>,
) {
    let nothing = RepoGrant {
        repositories: Vec::new(),
    };
    crate::review::grant(old, new, nothing, out, |old, new, out| {
        crate::review::items(
            "grants.repo.repositories",
            &old.repositories,
            &new.repositories,
            out,
        );
    });
}

/// Most commits one `log` call returns.
pub const MAX_LOG_COUNT: u32 = 1000;
/// Most files listed per commit.
pub const MAX_FILES_PER_COMMIT: usize = 300;
/// Largest file `read-file` returns.
pub const MAX_FILE_BYTES: usize = 2 << 20;
/// Most branches and tags a repository may have for reads at a revision (each is a root of
/// the reachability check).
pub const MAX_REFS: usize = 10_000;

/// The operator's repositories: name → path.
#[derive(Debug, Clone, Default)]
pub struct Repositories(pub BTreeMap<String, PathBuf>);

/// Per-call state of the `repo` capability.
pub struct RepoState {
    repositories: Arc<Repositories>,
    grant: Option<Arc<RepoGrant>>,
    events: EventRecorder,
}

impl RepoState {
    /// State for one call of a component with `grant`.
    pub fn new(
        repositories: Arc<Repositories>,
        grant: Option<Arc<RepoGrant>>,
        events: EventRecorder,
    ) -> Self {
        RepoState {
            repositories,
            grant,
            events,
        }
    }

    /// Names this component may read, in order.
    fn granted(&self) -> Vec<String> {
        let Some(grant) = &self.grant else {
            return Vec::new();
        };
        let all = grant.repositories.iter().any(|r| r == "*");
        self.repositories
            .0
            .keys()
            .filter(|name| all || grant.repositories.contains(name))
            .cloned()
            .collect()
    }

    /// The path of `name` if granted; records the denial otherwise.
    fn resolve(&self, name: &str, target: &str) -> Result<PathBuf, RepoError> {
        if self.grant.is_none() {
            let reason = "this component has no repo grant".to_owned();
            self.events.denied("repo", target, reason.clone());
            return Err(RepoError::Denied(reason));
        }
        if !self.granted().iter().any(|g| g == name) {
            let reason = format!("repository `{name}` is not granted to this component");
            self.events.denied("repo", target, reason.clone());
            return Err(RepoError::Denied(reason));
        }
        Ok(self.repositories.0[name].clone())
    }
}

impl wit::Host for RepoState {
    async fn repositories(&mut self) -> Vec<String> {
        self.granted()
    }

    async fn log(&mut self, query: LogQuery) -> Result<Vec<Commit>, RepoError> {
        let target = format!("log {}", query.repository);
        let path = self.resolve(&query.repository, &target)?;
        let max = query.max_count.min(MAX_LOG_COUNT) as usize;
        let since = query.since_ms;
        let result = blocking(move || read_log(&path, since, max)).await;
        match &result {
            Ok(commits) => {
                self.events
                    .allowed("repo", target, format!("{} commits", commits.len()))
            }
            Err(e) => self
                .events
                .allowed("repo", target, format!("failed: {e:?}")),
        }
        result
    }

    async fn read_file(
        &mut self,
        repository: String,
        path: String,
        revision: Option<String>,
    ) -> Result<Vec<u8>, RepoError> {
        let target = format!("read {repository}:{path}");
        let repo_path = self.resolve(&repository, &target)?;
        let relative = match confine(&path) {
            Ok(p) => p,
            Err(reason) => {
                self.events.denied("repo", target, reason.clone());
                return Err(RepoError::InvalidPath(reason));
            }
        };
        let revision = revision.unwrap_or_else(|| "HEAD".into());
        let result = blocking(move || read_blob(&repo_path, &relative, &revision)).await;
        match &result {
            Ok(bytes) => self
                .events
                .allowed("repo", target, format!("{} bytes", bytes.len())),
            Err(e) => self
                .events
                .allowed("repo", target, format!("failed: {e:?}")),
        }
        result
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, RepoError> + Send + 'static,
) -> Result<T, RepoError> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(RepoError::Internal(format!("git task failed: {e}"))))
}

/// Checks a repository-relative path: relative, no `..`, no NUL, not empty.
pub fn confine(path: &str) -> Result<PathBuf, String> {
    if path.is_empty() || path.contains('\0') {
        return Err("path is empty or contains NUL".into());
    }
    let p = Path::new(path);
    let mut clean = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(part) => clean.push(part),
            Component::CurDir => {}
            Component::ParentDir => return Err(format!("path `{path}` contains `..`")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!("path `{path}` must be relative to the repository"));
            }
        }
    }
    if clean.as_os_str().is_empty() {
        return Err(format!("path `{path}` names the repository root"));
    }
    if clean
        .components()
        .next()
        .is_some_and(|c| c.as_os_str() == ".git")
    {
        return Err("paths inside .git are not readable".into());
    }
    Ok(clean)
}

fn git_err(e: git2::Error) -> RepoError {
    match e.code() {
        git2::ErrorCode::NotFound => RepoError::NotFound(e.message().to_owned()),
        _ => RepoError::Internal(e.message().to_owned()),
    }
}

fn open(path: &Path) -> Result<git2::Repository, RepoError> {
    // NO_SEARCH: the operator's path is the repository; never walk up to a parent one.
    git2::Repository::open_ext(
        path,
        git2::RepositoryOpenFlags::NO_SEARCH,
        std::iter::empty::<&str>(),
    )
    .map_err(|e| RepoError::Internal(format!("cannot open repository: {}", e.message())))
}

/// The newest `max` commits of the repository at `path` since `since_ms`, with files changed and
/// line counts. Public so benchmarks can give native agent code the same input.
pub fn read_log(path: &Path, since_ms: Option<i64>, max: usize) -> Result<Vec<Commit>, RepoError> {
    let repo = open(path)?;
    let mut walk = repo.revwalk().map_err(git_err)?;
    if let Err(e) = walk.push_head() {
        // An empty repository (unborn HEAD) has no history yet.
        return if e.code() == git2::ErrorCode::UnbornBranch {
            Ok(Vec::new())
        } else {
            Err(git_err(e))
        };
    }
    walk.set_sorting(git2::Sort::TIME).map_err(git_err)?;
    let mut commits = Vec::new();
    for oid in walk {
        if commits.len() >= max {
            break;
        }
        let commit = repo.find_commit(oid.map_err(git_err)?).map_err(git_err)?;
        let timestamp_ms = commit.time().seconds() * 1000;
        if since_ms.is_some_and(|since| timestamp_ms <= since) {
            // Sorted by time: everything after this is older.
            break;
        }
        commits.push(Commit {
            id: commit.id().to_string(),
            // Lossy: a commit message that is not UTF-8 must not hide the whole history.
            summary: lossy(commit.summary_bytes()),
            message: lossy(Some(commit.message_bytes())),
            author: lossy(Some(commit.author().name_bytes())),
            timestamp_ms,
            parent_count: commit.parent_count() as u32,
            files: file_changes(&repo, &commit)?,
        });
    }
    Ok(commits)
}

fn lossy(bytes: Option<&[u8]>) -> String {
    String::from_utf8_lossy(bytes.unwrap_or_default()).into_owned()
}

fn file_changes(
    repo: &git2::Repository,
    commit: &git2::Commit<'_>,
) -> Result<Vec<FileChange>, RepoError> {
    let tree = commit.tree().map_err(git_err)?;
    let parent_tree = match commit.parent(0) {
        Ok(p) => Some(p.tree().map_err(git_err)?),
        Err(_) => None,
    };
    let diff = repo
        .diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), None)
        .map_err(git_err)?;
    let mut files = Vec::new();
    for (i, delta) in diff.deltas().enumerate().take(MAX_FILES_PER_COMMIT) {
        let path = delta
            .new_file()
            .path()
            .or_else(|| delta.old_file().path())
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (insertions, deletions) = match git2::Patch::from_diff(&diff, i) {
            Ok(Some(patch)) => patch
                .line_stats()
                .map(|(_, add, del)| (add as u32, del as u32))
                .unwrap_or((0, 0)),
            _ => (0, 0),
        };
        files.push(FileChange {
            path,
            insertions,
            deletions,
        });
    }
    Ok(files)
}

fn read_blob(repo_path: &Path, relative: &Path, revision: &str) -> Result<Vec<u8>, RepoError> {
    let repo = open(repo_path)?;
    let object = repo.revparse_single(revision).map_err(git_err)?;
    let commit = object
        .peel_to_commit()
        .map_err(|_| not_published(revision))?;
    if !published(&repo, commit.id())? {
        return Err(not_published(revision));
    }
    let tree = commit.tree().map_err(git_err)?;
    let entry = tree.get_path(relative).map_err(git_err)?;
    if entry.kind() != Some(git2::ObjectType::Blob) || entry.filemode() == 0o120000 {
        return Err(RepoError::NotFound(format!(
            "{} is not a regular file",
            relative.display()
        )));
    }
    let blob = repo.find_blob(entry.id()).map_err(git_err)?;
    if blob.size() > MAX_FILE_BYTES {
        return Err(RepoError::TooLarge(format!(
            "{} is {} bytes (limit {MAX_FILE_BYTES})",
            relative.display(),
            blob.size()
        )));
    }
    Ok(blob.content().to_vec())
}

/// Refs whose history counts as published: branches and tags (and HEAD, the checkout). A stash
/// (`refs/stash`), notes, remote-tracking and other refs, and the reflog are not.
fn published_roots(repo: &git2::Repository) -> Result<Vec<git2::Oid>, RepoError> {
    let mut roots = Vec::new();
    if let Ok(head) = repo.head()
        && let Ok(c) = head.peel_to_commit()
    {
        roots.push(c.id());
    }
    for glob in ["refs/heads/*", "refs/tags/*"] {
        for r in repo.references_glob(glob).map_err(git_err)? {
            let r = r.map_err(git_err)?;
            // An annotated tag peels to its commit; a tag of a tree or blob is no history.
            if let Ok(c) = r.peel_to_commit() {
                roots.push(c.id());
            }
            if roots.len() > MAX_REFS {
                return Err(RepoError::TooLarge(format!(
                    "the repository has more than {MAX_REFS} branches and tags"
                )));
            }
        }
    }
    roots.sort();
    roots.dedup();
    Ok(roots)
}

/// Whether `commit` is on a branch or tag: a root itself or one of its ancestors.
fn published(repo: &git2::Repository, commit: git2::Oid) -> Result<bool, RepoError> {
    for root in published_roots(repo)? {
        if root == commit || repo.graph_descendant_of(root, commit).map_err(git_err)? {
            return Ok(true);
        }
    }
    Ok(false)
}

fn not_published(revision: &str) -> RepoError {
    RepoError::NotFound(format!(
        "revision `{}` is not on a branch or tag",
        revision.chars().take(80).collect::<String>()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confine_table() {
        assert_eq!(
            confine("CHANGELOG.md").unwrap(),
            PathBuf::from("CHANGELOG.md")
        );
        assert_eq!(confine("./docs/a.md").unwrap(), PathBuf::from("docs/a.md"));
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "docs/../../x",
            "a\0b",
            ".",
            ".git/config",
        ] {
            assert!(confine(bad).is_err(), "{bad:?} must be refused");
        }
    }
}
