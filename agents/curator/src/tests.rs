use super::*;

const DAY: i64 = 24 * 60 * 60 * 1000;
const NOW: i64 = 100 * DAY;

fn ctx() -> RunContext {
    RunContext {
        run_id: "r1".into(),
        date: "2026-11-21".into(),
        started_at_ms: NOW,
        previous_run_at_ms: None,
        dry_run: true,
    }
}

fn commit(
    id: &str,
    title: &str,
    age_days: f64,
    tags: &[&str],
    files: &[&str],
    lines: u32,
) -> Material {
    Material {
        id: id.into(),
        kind: MaterialKind::Commit,
        source: "acme/app".into(),
        title: title.into(),
        body: String::new(),
        url: None,
        author: Some("Ada".into()),
        timestamp_ms: NOW - (age_days * DAY as f64) as i64,
        files_changed: files.iter().map(|f| (*f).into()).collect(),
        insertions: lines,
        deletions: 0,
        tags: tags.iter().map(|t| (*t).into()).collect(),
    }
}

fn feat(id: &str, title: &str) -> Material {
    commit(id, title, 0.5, &["feat"], &["src/ui.rs"], 120)
}

fn picked_ids(s: &Selection) -> Vec<&str> {
    s.picked.iter().map(|p| p.material_id.as_str()).collect()
}

fn drop_reason<'s>(s: &'s Selection, id: &str) -> &'s str {
    &s.dropped
        .iter()
        .find(|d| d.material_id == id)
        .unwrap_or_else(|| panic!("{id} not dropped"))
        .reason
}

#[test]
fn no_materials_is_an_empty_selection_not_an_error() {
    let s = curate(&ctx(), &[], &Settings::default()).unwrap();
    assert!(s.picked.is_empty() && s.dropped.is_empty());
    assert!(
        s.rationale.starts_with("Nothing to post about"),
        "{}",
        s.rationale
    );
}

#[test]
fn features_outrank_fixes_docs_and_chores() {
    let materials = vec![
        commit("chore", "chore: tidy", 0.5, &["chore"], &["src/a.rs"], 120),
        commit(
            "docs",
            "docs: explain config",
            0.5,
            &["docs"],
            &["src/lib.rs"],
            120,
        ),
        commit(
            "fix",
            "fix: crash on empty input",
            0.5,
            &["fix"],
            &["src/a.rs"],
            120,
        ),
        feat("feat", "feat(ui): dark mode"),
    ];
    let s = curate(&ctx(), &materials, &Settings::default()).unwrap();
    assert_eq!(picked_ids(&s), vec!["feat", "fix", "docs", "chore"]);
    let scores: Vec<f64> = s.picked.iter().map(|p| p.score).collect();
    assert!(scores.windows(2).all(|w| w[0] > w[1]), "{scores:?}");
    assert!(s.picked[0].reasons.iter().any(|r| r == "new feature"));
    assert!(s.picked[1].reasons.iter().any(|r| r == "bug fix"));
}

#[test]
fn type_comes_from_the_title_when_tags_have_none() {
    let m = commit("x", "perf(db)!: faster queries", 0.5, &[], &[], 0);
    assert_eq!(score::change_type(&m).as_deref(), Some("perf"));
    let scored = score::score(&m, NOW, 3.0);
    assert!(
        scored
            .reasons
            .iter()
            .any(|r| r == "performance improvement")
    );
    assert!(
        scored
            .reasons
            .iter()
            .any(|r| r.starts_with("breaking change")),
        "`!` marks a breaking change"
    );
}

#[test]
fn recency_decays_with_the_half_life() {
    let now = Material {
        timestamp_ms: NOW,
        ..feat("a", "feat: a")
    };
    let fresh = score::score(&now, NOW, 3.0).score;
    let old = Material {
        timestamp_ms: NOW - 3 * DAY,
        ..feat("b", "feat: b")
    };
    let three_days = score::score(&old, NOW, 3.0).score;
    assert!(
        (fresh - three_days - 15.0).abs() < 0.11,
        "one half-life loses half of 30 points: {fresh} vs {three_days}"
    );
    let slow = score::score(&old, NOW, 30.0).score;
    assert!(slow > three_days);

    let mut future = feat("c", "feat: c");
    future.timestamp_ms = NOW + DAY;
    assert_eq!(
        score::score(&future, NOW, 3.0).score,
        fresh,
        "the future counts as now"
    );
}

#[test]
fn undated_changelog_sections_count_as_fresh() {
    let changelog = Material {
        id: "changelog:acme:CHANGELOG.md:1.4.0".into(),
        kind: MaterialKind::Changelog,
        title: "1.4.0 - 2026-11-20".into(),
        body: "- Faster sync".into(),
        timestamp_ms: 0,
        tags: vec!["changelog".into()],
        files_changed: vec!["CHANGELOG.md".into()],
        ..commit("", "", 0.0, &[], &[], 0)
    };
    let s = curate(&ctx(), &[changelog], &Settings::default()).unwrap();
    assert_eq!(s.picked.len(), 1, "{:?}", s.dropped);
    assert!(
        s.picked[0]
            .reasons
            .iter()
            .any(|r| r == "latest changelog section")
    );
    assert!(s.picked[0].reasons.iter().any(|r| r == "release notes"));
}

#[test]
fn size_and_breaking_changes_add_points() {
    let small = commit("s", "feat: s", 0.5, &["feat"], &["src/a.rs"], 5);
    let big = commit("b", "feat: b", 0.5, &["feat"], &["src/a.rs"], 900);
    let breaking = commit("k", "feat: k", 0.5, &["feat", "breaking"], &["src/a.rs"], 5);
    let (small, big, breaking) = (
        score::score(&small, NOW, 3.0),
        score::score(&big, NOW, 3.0),
        score::score(&breaking, NOW, 3.0),
    );
    assert!(big.score > small.score);
    assert!((breaking.score - small.score - 15.0).abs() < 0.01);
    assert!(big.reasons.iter().any(|r| r == "900 lines changed"));
}

#[test]
fn changes_only_to_tests_ci_docs_or_lockfiles_are_chores() {
    for path in [
        "tests/it.rs",
        ".github/workflows/ci.yml",
        "ci/run.sh",
        "docs/guide.md",
        "Cargo.lock",
        "web/package-lock.json",
        "crates/x/tests/a.rs",
    ] {
        assert!(score::is_chore_path(path), "{path}");
    }
    for path in ["src/main.rs", "contest/a.rs", "README.md"] {
        assert!(!score::is_chore_path(path), "{path}");
    }
    let materials = vec![commit(
        "t",
        "test: more cases",
        0.5,
        &["test"],
        &["tests/a.rs", "Cargo.lock"],
        300,
    )];
    let s = curate(&ctx(), &materials, &Settings::default()).unwrap();
    assert!(s.picked.is_empty());
    assert!(
        drop_reason(&s, "t").contains("only touches tests, CI, docs or lockfiles"),
        "{}",
        drop_reason(&s, "t")
    );
    assert!(s.rationale.starts_with("Nothing to post about"));
}

#[test]
fn noise_is_dropped_with_a_reason() {
    let materials = vec![
        commit("merge-tag", "Sync", 0.5, &["merge"], &["src/a.rs"], 10),
        commit(
            "merge-title",
            "Merge branch 'main' into dev",
            0.5,
            &[],
            &["src/a.rs"],
            10,
        ),
        commit(
            "bump",
            "Bump version to 1.3.0",
            0.5,
            &[],
            &["Cargo.toml"],
            2,
        ),
        commit(
            "release",
            "chore(release): 1.3.0",
            0.5,
            &["chore"],
            &["Cargo.toml"],
            2,
        ),
        commit("release-v", "Release v1.2.3", 0.5, &[], &["Cargo.toml"], 2),
        commit("only-version", "v2.0.0-rc.1", 0.5, &[], &["Cargo.toml"], 2),
        commit("empty", "   ", 0.5, &[], &["src/a.rs"], 2),
        feat("keep", "feat: release notes page"),
    ];
    let s = curate(&ctx(), &materials, &Settings::default()).unwrap();
    assert_eq!(picked_ids(&s), vec!["keep"]);
    assert_eq!(drop_reason(&s, "merge-tag"), "merge commit");
    assert_eq!(drop_reason(&s, "merge-title"), "merge commit");
    for id in ["bump", "release", "release-v", "only-version"] {
        assert_eq!(drop_reason(&s, id), "version bump", "{id}");
    }
    assert_eq!(drop_reason(&s, "empty"), "empty title");
    assert!(s.rationale.contains("2 merge commit"), "{}", s.rationale);
}

#[test]
fn version_detection() {
    for t in [
        "1.2",
        "v1.2.3",
        "2.0.0-rc.1",
        "release 1.0.0",
        "Version 3.1",
    ] {
        assert!(noise::is_version_bump(t), "{t}");
    }
    for t in [
        "feat: support 1.2 configs",
        "v2 API",
        "Bump serde from 1.0 to 1.1",
        "1.2.x",
    ] {
        assert!(!noise::is_version_bump(t), "{t}");
    }
}

#[test]
fn releases_titled_by_version_are_not_noise() {
    let release = Material {
        kind: MaterialKind::Release,
        ..commit("rel", "v1.4.0", 0.5, &[], &[], 0)
    };
    assert_eq!(noise::noise_reason(&release), None);
}

#[test]
fn repeated_titles_keep_the_best_copy() {
    let materials = vec![
        commit("small", "feat: Dark mode", 0.5, &["feat"], &["src/a.rs"], 3),
        commit(
            "big",
            "feat:  dark MODE",
            0.5,
            &["feat"],
            &["src/a.rs"],
            300,
        ),
        commit(
            "big",
            "feat: repeated id",
            0.5,
            &["feat"],
            &["src/a.rs"],
            300,
        ),
    ];
    let s = curate(&ctx(), &materials, &Settings::default()).unwrap();
    assert_eq!(picked_ids(&s), vec!["big"]);
    assert_eq!(drop_reason(&s, "small"), "same title as big");
    assert_eq!(s.dropped.len(), 2, "the repeated id is dropped too");
}

#[test]
fn picks_at_most_max_picks_and_accounts_for_every_material() {
    let materials: Vec<Material> = (0..8)
        .map(|i| feat(&format!("m{i}"), &format!("feat: thing {i}")))
        .collect();
    let s = curate(
        &ctx(),
        &materials,
        &Settings {
            max_picks: 3,
            ..Settings::default()
        },
    )
    .unwrap();
    assert_eq!(s.picked.len(), 3);
    assert_eq!(s.picked.len() + s.dropped.len(), materials.len());
    assert!(
        s.dropped.iter().all(|d| d.reason.contains("only 3 picks")),
        "{:?}",
        s.dropped
    );
    assert!(s.picked.iter().all(|p| !p.reasons.is_empty()));
    assert!(
        s.rationale.starts_with("Picked 3 of 8 materials"),
        "{}",
        s.rationale
    );
    assert!(
        s.rationale.contains("5 over the pick limit"),
        "{}",
        s.rationale
    );
}

#[test]
fn curation_is_deterministic() {
    let materials: Vec<Material> = (0..6)
        .map(|i| feat(&format!("m{i}"), &format!("feat: thing {i}")))
        .collect();
    let a = curate(&ctx(), &materials, &Settings::default()).unwrap();
    let b = curate(&ctx(), &materials, &Settings::default()).unwrap();
    assert_eq!(a, b);
    assert_eq!(
        picked_ids(&a),
        vec!["m0", "m1", "m2", "m3", "m4"],
        "ties break by id"
    );
}

#[test]
fn bad_input_is_invalid_input() {
    let err = curate(
        &ctx(),
        &[feat("a", "feat: a")],
        &Settings {
            max_picks: 0,
            ..Settings::default()
        },
    );
    assert_eq!(
        err,
        Err(AgentError::InvalidInput(
            "max_picks must be at least 1".into()
        ))
    );
    for half_life in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let err = curate(
            &ctx(),
            &[],
            &Settings {
                half_life_days: half_life,
                ..Settings::default()
            },
        );
        assert!(matches!(err, Err(AgentError::InvalidInput(m)) if m.contains("half_life_days")));
    }
    let err = curate(&ctx(), &[feat("", "feat: a")], &Settings::default());
    assert_eq!(
        err,
        Err(AgentError::InvalidInput(
            "material #0 has an empty id".into()
        ))
    );
}
