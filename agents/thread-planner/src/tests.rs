use super::*;
use dailyx_model::{CuratedItem, MaterialKind};

fn ctx() -> RunContext {
    RunContext {
        run_id: "r1".into(),
        date: "2026-11-21".into(),
        started_at_ms: 0,
        previous_run_at_ms: None,
        dry_run: true,
    }
}

fn material(id: &str, title: &str, url: Option<&str>) -> Material {
    Material {
        id: id.into(),
        kind: MaterialKind::Commit,
        source: "acme/app".into(),
        title: title.into(),
        body: String::new(),
        url: url.map(Into::into),
        author: None,
        timestamp_ms: 0,
        files_changed: vec![],
        insertions: 0,
        deletions: 0,
        tags: vec![],
    }
}

fn selection(ids: &[&str]) -> Selection {
    Selection {
        picked: ids
            .iter()
            .map(|id| CuratedItem {
                material_id: (*id).into(),
                score: 50.0,
                reasons: vec!["new feature".into()],
            })
            .collect(),
        dropped: vec![],
        rationale: String::new(),
    }
}

fn style() -> StyleGuide {
    StyleGuide {
        persona_id: "dev-advocate".into(),
        tone: "Concrete.".into(),
        language: "en".into(),
        max_hashtags: 2,
        hashtags: vec![],
        emoji: true,
        target_length: 220,
        preferred_phrases: vec![],
        banned_phrases: vec![],
        rules: vec![],
        examples: vec![],
    }
}

fn kinds(plan: &ThreadPlan) -> Vec<BeatKind> {
    plan.beats.iter().map(|b| b.kind).collect()
}

fn materials(n: usize) -> Vec<Material> {
    (0..n)
        .map(|i| material(&format!("m{i}"), &format!("feat: thing {i}"), None))
        .collect()
}

fn ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("m{i}")).collect()
}

#[test]
fn nothing_selected_is_invalid_input() {
    let err = plan(
        &ctx(),
        &selection(&[]),
        &materials(2),
        &style(),
        &Settings::default(),
    );
    assert_eq!(
        err,
        Err(AgentError::InvalidInput("nothing selected".into()))
    );
}

#[test]
fn one_material_makes_a_single_post() {
    let ms = vec![material(
        "m0",
        "feat(ui): dark mode",
        Some("https://example.com/dark"),
    )];
    let p = plan(
        &ctx(),
        &selection(&["m0"]),
        &ms,
        &style(),
        &Settings::default(),
    )
    .unwrap();
    assert_eq!(p.format, PostFormat::Single);
    assert_eq!(kinds(&p), vec![BeatKind::Hook]);
    assert_eq!(p.beats[0].material_ids, vec!["m0"]);
    assert!(
        p.beats[0].summary.contains("Dark mode (acme/app)"),
        "{}",
        p.beats[0].summary
    );
    assert!(p.beats[0].summary.contains("about 220 characters"));
    assert_eq!((p.max_tweets, p.max_weighted_length), (1, 280));
}

#[test]
fn several_materials_make_a_thread() {
    let ms = materials(3);
    let sel: Vec<&str> = vec!["m2", "m0", "m1"];
    let p = plan(
        &ctx(),
        &selection(&sel),
        &ms,
        &style(),
        &Settings::default(),
    )
    .unwrap();
    assert_eq!(p.format, PostFormat::Thread);
    assert_eq!(
        kinds(&p),
        vec![
            BeatKind::Hook,
            BeatKind::Point,
            BeatKind::Point,
            BeatKind::Point,
            BeatKind::Closing
        ]
    );
    assert_eq!(
        p.beats[0].material_ids,
        vec!["m2", "m0", "m1"],
        "the hook covers every point"
    );
    let point_ids: Vec<&str> = p.beats[1..4]
        .iter()
        .map(|b| b.material_ids[0].as_str())
        .collect();
    assert_eq!(point_ids, sel, "points follow the selection's order");
    assert_eq!(p.beats[1].summary, "Thing 2 (acme/app)");
    assert!(
        p.beats[0].summary.contains("3 updates from acme/app"),
        "{}",
        p.beats[0].summary
    );
    assert_eq!(p.beats[4].material_ids.len(), 3);
    assert_eq!(p.max_tweets, 5);
    assert!(
        p.beats.iter().all(|b| !b.material_ids.is_empty()),
        "every beat has provenance"
    );
}

#[test]
fn a_link_beat_follows_when_a_material_has_a_url() {
    let mut ms = materials(2);
    ms[1].url = Some("https://example.com/release".into());
    let p = plan(
        &ctx(),
        &selection(&["m0", "m1"]),
        &ms,
        &style(),
        &Settings::default(),
    )
    .unwrap();
    assert_eq!(
        kinds(&p),
        vec![
            BeatKind::Hook,
            BeatKind::Point,
            BeatKind::Point,
            BeatKind::Closing,
            BeatKind::Link
        ]
    );
    let link = &p.beats[4];
    assert_eq!(link.material_ids, vec!["m1"]);
    assert!(link.summary.contains("https://example.com/release"));
}

#[test]
fn points_are_capped_so_the_thread_fits_max_tweets() {
    let ms = materials(10);
    let id_strings = ids(10);
    let all: Vec<&str> = id_strings.iter().map(String::as_str).collect();
    let p = plan(
        &ctx(),
        &selection(&all),
        &ms,
        &style(),
        &Settings::default(),
    )
    .unwrap();
    assert_eq!(p.beats.len(), 6);
    assert_eq!(
        kinds(&p).iter().filter(|k| **k == BeatKind::Point).count(),
        4,
        "max_tweets - 2"
    );

    let mut with_url = ms.clone();
    with_url[0].url = Some("https://example.com".into());
    let p = plan(
        &ctx(),
        &selection(&all),
        &with_url,
        &style(),
        &Settings::default(),
    )
    .unwrap();
    assert_eq!(p.beats.len(), 6);
    assert_eq!(
        kinds(&p).iter().filter(|k| **k == BeatKind::Point).count(),
        3,
        "the link takes a slot"
    );
    assert_eq!(p.beats[0].material_ids, vec!["m0", "m1", "m2"]);

    let tight = plan(
        &ctx(),
        &selection(&all),
        &with_url,
        &style(),
        &Settings { max_tweets: 3 },
    )
    .unwrap();
    assert_eq!(
        kinds(&tight),
        vec![BeatKind::Hook, BeatKind::Point, BeatKind::Closing],
        "no room for a link"
    );
}

#[test]
fn a_link_on_a_material_left_out_is_not_used() {
    let mut ms = materials(6);
    ms[5].url = Some("https://example.com/late".into());
    let id_strings = ids(6);
    let all: Vec<&str> = id_strings.iter().map(String::as_str).collect();
    let p = plan(
        &ctx(),
        &selection(&all),
        &ms,
        &style(),
        &Settings::default(),
    )
    .unwrap();
    assert!(!kinds(&p).contains(&BeatKind::Link));
    assert_eq!(p.beats.len(), 6);
}

#[test]
fn thread_hooks_name_every_source() {
    let mut ms = materials(3);
    ms[1].source = "acme/cli".into();
    ms[2].source = "acme/docs".into();
    let p = plan(
        &ctx(),
        &selection(&["m0", "m1", "m2"]),
        &ms,
        &style(),
        &Settings::default(),
    )
    .unwrap();
    assert!(
        p.beats[0]
            .summary
            .contains("from acme/app, acme/cli and acme/docs"),
        "{}",
        p.beats[0].summary
    );
}

#[test]
fn breaking_changes_are_called_out() {
    let mut ms = materials(2);
    ms[0].tags = vec!["feat".into(), "breaking".into()];
    let p = plan(
        &ctx(),
        &selection(&["m0", "m1"]),
        &ms,
        &style(),
        &Settings::default(),
    )
    .unwrap();
    assert!(p.beats[1].summary.contains("breaking change"));
}

#[test]
fn repeated_picks_count_once() {
    let p = plan(
        &ctx(),
        &selection(&["m0", "m0"]),
        &materials(1),
        &style(),
        &Settings::default(),
    )
    .unwrap();
    assert_eq!(p.format, PostFormat::Single);
}

#[test]
fn unknown_picks_and_bad_settings_are_invalid_input() {
    let err = plan(
        &ctx(),
        &selection(&["m0", "ghost"]),
        &materials(1),
        &style(),
        &Settings::default(),
    );
    assert_eq!(
        err,
        Err(AgentError::InvalidInput(
            "the selection picks ghost, which is not among the materials".into()
        ))
    );
    for max_tweets in [0, 2, 26] {
        let err = plan(
            &ctx(),
            &selection(&["m0"]),
            &materials(1),
            &style(),
            &Settings { max_tweets },
        );
        assert!(matches!(err, Err(AgentError::InvalidInput(m)) if m.contains("max_tweets")));
    }
}

#[test]
fn titles_lose_their_conventional_prefix() {
    assert_eq!(clean_title("feat(ui)!: dark mode"), "Dark mode");
    assert_eq!(clean_title("fix: émoji in names"), "Émoji in names");
    assert_eq!(
        clean_title("Release 1.4: faster sync"),
        "Release 1.4: faster sync"
    );
    assert_eq!(clean_title("  "), "");
}
