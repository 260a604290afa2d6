use super::*;
use dailyx_sdk::repo::FileChange;
use std::collections::HashMap;

struct FakeHost {
    commits: HashMap<String, Vec<Commit>>,
    files: HashMap<(String, String), String>,
}

impl CollectorHost for FakeHost {
    fn repositories(&self) -> Vec<String> {
        let mut names: Vec<_> = self.commits.keys().cloned().collect();
        names.sort();
        names
    }
    fn log(&self, query: &LogQuery) -> Result<Vec<Commit>, AgentError> {
        let since = query.since_ms.unwrap_or(i64::MIN);
        Ok(self.commits[&query.repository]
            .iter()
            .filter(|c| c.timestamp_ms > since)
            .take(query.max_count as usize)
            .cloned()
            .collect())
    }
    fn read_file(&self, repository: &str, path: &str) -> Result<Option<Vec<u8>>, AgentError> {
        Ok(self
            .files
            .get(&(repository.to_owned(), path.to_owned()))
            .map(|s| s.clone().into_bytes()))
    }
}

fn commit(id: &str, message: &str, ts: i64, files: &[(&str, u32, u32)]) -> Commit {
    Commit {
        id: id.into(),
        summary: message.lines().next().unwrap_or_default().into(),
        message: message.into(),
        author: "Ada".into(),
        timestamp_ms: ts,
        parent_count: 1,
        files: files
            .iter()
            .map(|(p, i, d)| FileChange {
                path: (*p).into(),
                insertions: *i,
                deletions: *d,
            })
            .collect(),
    }
}

fn ctx(previous: Option<i64>) -> RunContext {
    RunContext {
        run_id: "r1".into(),
        date: "2026-11-21".into(),
        started_at_ms: 10 * DAY_MS,
        previous_run_at_ms: previous,
        dry_run: true,
    }
}

#[test]
fn parses_conventional_commit_headers() {
    let cc = parse_conventional("feat(api)!: add streaming").unwrap();
    assert_eq!(
        (cc.kind, cc.scope, cc.breaking, cc.description),
        ("feat", Some("api"), true, "add streaming")
    );
    assert_eq!(parse_conventional("fix: typo").unwrap().kind, "fix");
    assert!(parse_conventional("Merge branch 'main'").is_none());
    assert!(parse_conventional("Fix: capitalised type").is_none());
    assert!(parse_conventional("feat(api: unclosed").is_none());
}

#[test]
fn commits_since_previous_run_become_materials_with_stable_ids() {
    let host = FakeHost {
        commits: HashMap::from([(
            "app".to_string(),
            vec![
                commit(
                    "c2",
                    "feat(ui): dark mode\n\nLong body.",
                    9 * DAY_MS,
                    &[("ui.rs", 40, 2), ("ui.css", 10, 0)],
                ),
                commit("c1", "fix: old", 2 * DAY_MS, &[("a.rs", 1, 1)]),
            ],
        )]),
        files: HashMap::new(),
    };
    let materials = collect(&ctx(Some(5 * DAY_MS)), &host, &Settings::default()).unwrap();
    assert_eq!(materials.len(), 1, "only commits after the previous run");
    let m = &materials[0];
    assert_eq!(m.id, "git:app:c2");
    assert_eq!(m.title, "feat(ui): dark mode");
    assert_eq!(m.body, "Long body.");
    assert_eq!((m.insertions, m.deletions), (50, 2));
    assert_eq!(m.files_changed, vec!["ui.rs", "ui.css"]);
    assert_eq!(m.tags, vec!["feat", "scope:ui"]);
    let again = collect(&ctx(Some(5 * DAY_MS)), &host, &Settings::default()).unwrap();
    assert_eq!(again[0].id, m.id, "ids are stable across runs");
}

#[test]
fn first_run_looks_back_the_configured_days() {
    let host = FakeHost {
        commits: HashMap::from([(
            "app".to_string(),
            vec![
                commit("new", "a", 9 * DAY_MS, &[]),
                commit("old", "b", DAY_MS, &[]),
            ],
        )]),
        files: HashMap::new(),
    };
    let ids: Vec<_> = collect(&ctx(None), &host, &Settings::default())
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ids, vec!["git:app:new"]);
}

#[test]
fn newest_changelog_section_with_content_is_collected() {
    let changelog = "# Changelog\n\n## Unreleased\n\n## 1.4.0 - 2026-11-20\n- Faster sync\n- New CLI flag\n\n## 1.3.0\n- old\n";
    assert_eq!(
        latest_changelog_section(changelog),
        Some((
            "1.4.0 - 2026-11-20".into(),
            "- Faster sync\n- New CLI flag".into()
        ))
    );
    let host = FakeHost {
        commits: HashMap::from([("app".to_string(), vec![])]),
        files: HashMap::from([(
            ("app".to_string(), "CHANGELOG.md".to_string()),
            changelog.to_string(),
        )]),
    };
    let materials = collect(&ctx(None), &host, &Settings::default()).unwrap();
    assert_eq!(materials.len(), 1);
    assert_eq!(materials[0].kind, MaterialKind::Changelog);
    assert_eq!(
        materials[0].id,
        "changelog:app:CHANGELOG.md:1.4.0 - 2026-11-20"
    );
}
