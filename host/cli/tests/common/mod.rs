//! Shared by the CLI's integration tests: the repository root and a sample git project.

#![allow(dead_code)]

pub mod fakes;
pub mod host;

use git2::{Repository, Signature};
use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The public key the build signed the shipped components with (`ed25519:…`).
pub fn local_build_key() -> String {
    let text = std::fs::read_to_string(root().join("keys/local-build.pub"))
        .expect("keys/local-build.pub: build the guests first (bash scripts/build-guests.sh)");
    text.lines()
        .find(|l| l.starts_with("ed25519:"))
        .expect("a key line")
        .to_owned()
}

/// Copies the shipped components (files, digests, signatures) and their manifest into `to`,
/// a plugins directory a test may change.
pub fn copy_shipped_plugins(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(root().join("plugins-registry")).unwrap() {
        let path = entry.unwrap().path();
        let wanted = path.file_name().is_some_and(|n| n == "registry.toml")
            || matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("wasm" | "sha256" | "sig")
            );
        if wanted {
            std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
    // The golden sets the eval gate runs new writers and critics against.
    let golden = to.join("golden");
    std::fs::create_dir_all(&golden).unwrap();
    for entry in std::fs::read_dir(root().join("plugins-registry/golden")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, golden.join(path.file_name().unwrap())).unwrap();
    }
}

/// A git repository with a few real-looking commits and a changelog.
pub fn project(dir: &Path) -> PathBuf {
    let path = dir.join("project");
    let repo = Repository::init(&path).expect("git init");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let commits: &[(&str, &str, &str)] = &[
        (
            "src/cache.rs",
            "feat(cache): persistent compile cache cuts cold starts from 2.1 s to 26 ms",
            "pub fn cache() {}\n",
        ),
        (
            "src/limits.rs",
            "fix: enforce the memory limit when a component grows its table",
            "pub fn limits() {}\n",
        ),
        (
            "CHANGELOG.md",
            "docs: changelog for 0.2.0",
            "# Changelog\n\n## 0.2.0\n\n- Persistent compile cache.\n- Table growth is limited.\n",
        ),
        (
            "Cargo.toml",
            "chore: bump version to 0.2.0",
            "[package]\nversion = \"0.2.0\"\n",
        ),
    ];
    let mut parent: Option<git2::Oid> = None;
    for (i, (file, message, content)) in commits.iter().enumerate() {
        let full = path.join(file);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(&full, content).unwrap();
        let mut index = repo.index().unwrap();
        index.add_path(Path::new(file)).unwrap();
        index.write().unwrap();
        let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
        let when = git2::Time::new(now - 3600 * (commits.len() - i) as i64, 0);
        let sig = Signature::new("Ann Dev", "ann@example.com", &when).unwrap();
        let parents: Vec<git2::Commit> = parent
            .iter()
            .map(|p| repo.find_commit(*p).unwrap())
            .collect();
        let refs: Vec<&git2::Commit> = parents.iter().collect();
        parent = Some(
            repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &refs)
                .unwrap(),
        );
    }
    path
}

/// Adds a commit (one file) on top of HEAD of the repository at `path`, dated now: new
/// material for the next run.
pub fn add_commit(path: &Path, file: &str, message: &str) {
    let repo = Repository::open(path).expect("open the project");
    let full = path.join(file);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(&full, format!("// {message}\n")).unwrap();
    let mut index = repo.index().unwrap();
    index.add_path(Path::new(file)).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = Signature::now("Ann Dev", "ann@example.com").unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &[&head])
        .unwrap();
}
