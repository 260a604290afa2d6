//! The `repo` capability and the shipped collector against a real git
//! repository the test creates.

use dailyx_runtime::capability::repo::Repositories;
use dailyx_runtime::types::MaterialKind;
use dailyx_runtime::{Runtime, StageInput, StageOutput};
use dailyx_tests::*;
use std::path::Path;

/// A repository with a changelog and three commits.
fn make_repo(dir: &Path) {
    let repo = git2::Repository::init(dir).unwrap();
    let sig = git2::Signature::now("Ada", "ada@example.com").unwrap();
    let mut parent: Option<git2::Oid> = None;
    for (file, content, message) in [
        (
            "CHANGELOG.md",
            "# Changelog\n\n## 2.0.0\n- Streaming API\n",
            "docs: changelog",
        ),
        (
            "src/stream.rs",
            "pub fn stream() {}\n",
            "feat(api): streaming responses\n\nAdds a streaming API.",
        ),
        (
            "src/fix.rs",
            "pub fn fix() {}\npub fn two() {}\n",
            "fix: handle empty input",
        ),
    ] {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        let mut index = repo.index().unwrap();
        index.add_path(Path::new(file)).unwrap();
        index.write().unwrap();
        let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
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
    // Not tracked: must never be readable through the capability.
    std::fs::write(dir.join("untracked-secret.txt"), "nope").unwrap();
}

#[tokio::test]
async fn the_collector_reads_commits_and_the_changelog() {
    let git = tempfile::tempdir().unwrap();
    make_repo(git.path());
    let reg = TestRegistry::new();
    reg.put("collector.wasm", &component_bytes("collector"));
    reg.manifest(
        "[[component]]\nname = \"collector\"\nversion = \"0.1.0\"\nworld = \"collector\"\n\
         [component.grants.repo]\nrepositories = [\"app\"]\n\
         [component.grants.config]\nkeys = [\"max_commits\", \"changelog_files\", \"first_run_days\", \"github_repositories\", \"github_api\", \"feeds\", \"max_items\"]\n",
    );
    let mut config = reg.config();
    config.repositories = Repositories([("app".to_string(), git.path().to_path_buf())].into());
    let runtime = Runtime::start(config).await.unwrap();
    let mut context = ctx("run-1");
    context.started_at_ms = jiff_now_ms();
    let record = runtime
        .call("collector", StageInput::Collect { ctx: context })
        .await;
    let Ok(StageOutput::Materials(materials)) = &record.result else {
        panic!("{:?}", record.result)
    };
    let commits: Vec<_> = materials
        .iter()
        .filter(|m| m.kind == MaterialKind::Commit)
        .collect();
    assert_eq!(commits.len(), 3, "{materials:#?}");
    let feat = commits
        .iter()
        .find(|m| m.title.starts_with("feat(api)"))
        .unwrap();
    assert!(feat.id.starts_with("git:app:"));
    assert_eq!(feat.files_changed, vec!["src/stream.rs"]);
    assert_eq!(feat.insertions, 1);
    assert_eq!(feat.body, "Adds a streaming API.");
    assert!(feat.tags.contains(&"feat".to_string()));
    let changelog = materials
        .iter()
        .find(|m| m.kind == MaterialKind::Changelog)
        .unwrap();
    assert_eq!(changelog.title, "2.0.0");
    assert!(
        record
            .events
            .iter()
            .any(|e| e.capability == "repo" && e.target == "log app")
    );
}

fn jiff_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test]
async fn paths_are_confined_and_repositories_must_be_granted() {
    let git = tempfile::tempdir().unwrap();
    make_repo(git.path());
    let other = tempfile::tempdir().unwrap();
    make_repo(other.path());
    let reg = TestRegistry::new();
    reg.put("hostile.wasm", &component_bytes("fixtures/hostile"));
    reg.manifest(
        "[[component]]\nname = \"w\"\nversion = \"0.1.0\"\nworld = \"writer\"\nfile = \"hostile.wasm\"\n\
         [component.grants.repo]\nrepositories = [\"app\"]\n",
    );
    let mut config = reg.config();
    config.repositories = Repositories(
        [
            ("app".to_string(), git.path().to_path_buf()),
            ("other".to_string(), other.path().to_path_buf()),
        ]
        .into(),
    );
    let runtime = Runtime::start(config).await.unwrap();
    let record = runtime
        .call(
            "w",
            writer_input(
                "repo",
                &[
                    "app CHANGELOG.md",
                    "app ../other/CHANGELOG.md",
                    "app /etc/passwd",
                    "app .git/config",
                    "app untracked-secret.txt",
                    "other CHANGELOG.md",
                    "app src",
                ],
            ),
        )
        .await;
    let notes = &crate::expect_draft(&record).notes;
    assert!(notes[0].starts_with("ok "), "{notes:?}");
    assert!(
        notes[1].contains("InvalidPath") && notes[1].contains(".."),
        "{notes:?}"
    );
    assert!(notes[2].contains("InvalidPath"), "{notes:?}");
    assert!(notes[3].contains("InvalidPath"), "{notes:?}");
    assert!(
        notes[4].contains("NotFound"),
        "untracked files are not readable: {notes:?}"
    );
    assert!(
        notes[5].contains("Denied") && notes[5].contains("`other`"),
        "{notes:?}"
    );
    assert!(
        notes[6].contains("NotFound"),
        "a directory is not a file: {notes:?}"
    );
}

/// Issue 17: a guest reads only what the project published: commits reachable from a branch
/// or a tag. A stash (work someone set aside, perhaps with a secret in it), a reflog entry of a
/// commit reset away, or a bare object id are refused; a branch, a tag and a commit on one are
/// read.
#[tokio::test]
async fn only_commits_reachable_from_branches_and_tags_are_read() {
    let git = tempfile::tempdir().unwrap();
    make_repo(git.path());
    let mut repo = git2::Repository::open(git.path()).unwrap();
    let sig = git2::Signature::now("Ada", "ada@example.com").unwrap();
    let (head_id, first_id) = {
        let head = repo.head().unwrap().peel_to_commit().unwrap();
        let first = head.parent(0).unwrap().parent(0).unwrap();
        repo.tag_lightweight("v1.0.0", first.as_object(), false)
            .unwrap();
        (head.id(), first.id())
    };
    // A stash with a secret in the working tree.
    std::fs::write(git.path().join("CHANGELOG.md"), "SECRET=hunter2\n").unwrap();
    repo.stash_save(&sig, "wip", None).unwrap();
    // A commit that was reset away: only the reflog still names it.
    let orphan = {
        let head = repo.find_commit(head_id).unwrap();
        let tree = head.tree().unwrap();
        let orphan = repo
            .commit(Some("HEAD"), &sig, &sig, "oops: secret", &tree, &[&head])
            .unwrap();
        repo.reset(head.as_object(), git2::ResetType::Soft, None)
            .unwrap();
        orphan
    };
    let blob = repo.blob(b"loose").unwrap();
    drop(repo);

    let reg = TestRegistry::new();
    reg.put("hostile.wasm", &component_bytes("fixtures/hostile"));
    reg.manifest(
        "[[component]]\nname = \"w\"\nversion = \"0.1.0\"\nworld = \"writer\"\nfile = \"hostile.wasm\"\n\
         [component.grants.repo]\nrepositories = [\"app\"]\n",
    );
    let mut config = reg.config();
    config.repositories = Repositories([("app".to_string(), git.path().to_path_buf())].into());
    let runtime = Runtime::start(config).await.unwrap();
    let lines = [
        "app CHANGELOG.md HEAD".to_owned(),
        "app CHANGELOG.md v1.0.0".to_owned(),
        format!("app CHANGELOG.md {head_id}"),
        format!("app CHANGELOG.md {first_id}"),
        "app CHANGELOG.md stash@{0}".to_owned(),
        "app CHANGELOG.md refs/stash".to_owned(),
        "app CHANGELOG.md HEAD@{1}".to_owned(),
        format!("app CHANGELOG.md {orphan}"),
        format!("app CHANGELOG.md {blob}"),
    ];
    let args: Vec<&str> = lines.iter().map(String::as_str).collect();
    let record = runtime.call("w", writer_input("repo", &args)).await;
    let notes = &crate::expect_draft(&record).notes;
    for (i, note) in notes.iter().enumerate().take(4) {
        assert!(note.starts_with("ok "), "{}: {note}", lines[i]);
    }
    for (i, note) in notes.iter().enumerate().skip(4) {
        assert!(
            note.contains("NotFound") && note.contains("not on a branch or tag"),
            "{}: {note}",
            lines[i]
        );
    }
}
