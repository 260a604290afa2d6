use super::*;

fn ctx() -> RunContext {
    RunContext {
        run_id: "r1".into(),
        date: "2026-11-21".into(),
        started_at_ms: 0,
        previous_run_at_ms: None,
        dry_run: true,
    }
}

fn persona() -> Persona {
    Persona {
        id: "dev-advocate".into(),
        name: "Developer Advocate".into(),
        audience: "developers".into(),
        voice: "Concrete and benefit-first.  Plain words, no hype.".into(),
        languages: vec!["en".into(), "th".into()],
        rules: vec!["Lead with the benefit.".into(), " ".into()],
        avoid: vec![
            "revolutionary".into(),
            "Game-changer".into(),
            "game-changer".into(),
        ],
        hashtags: vec!["#opensource".into(), "devtools".into(), "".into()],
        uses_emoji: true,
        examples: vec!["You can now stream logs with --follow.".into()],
    }
}

fn posts(texts: &[&str]) -> Vec<String> {
    texts.iter().map(|t| (*t).to_string()).collect()
}

#[test]
fn takes_the_voice_from_the_persona() {
    let guide = style(&ctx(), &persona(), &[], &Settings::default()).unwrap();
    assert_eq!(guide.persona_id, "dev-advocate");
    assert_eq!(guide.tone, "Concrete and benefit-first.");
    assert_eq!(guide.language, "en");
    assert_eq!(guide.hashtags, vec!["opensource", "devtools"]);
    assert_eq!(guide.max_hashtags, 2);
    assert!(guide.emoji);
    assert_eq!(guide.banned_phrases, vec!["revolutionary", "Game-changer"]);
    assert_eq!(guide.rules, vec!["Lead with the benefit."]);
    assert_eq!(
        guide.examples,
        vec!["You can now stream logs with --follow."]
    );
    assert!(guide.preferred_phrases.is_empty());
    assert_eq!(
        guide.target_length, 220,
        "the setting without approved posts"
    );
}

#[test]
fn defaults_for_a_sparse_persona() {
    let sparse = Persona {
        voice: "   ".into(),
        languages: vec![],
        hashtags: vec![],
        uses_emoji: false,
        ..persona()
    };
    let guide = style(
        &ctx(),
        &sparse,
        &[],
        &Settings {
            target_length: 180,
            ..Settings::default()
        },
    )
    .unwrap();
    assert_eq!(guide.language, "en");
    assert_eq!(guide.tone, "clear and friendly");
    assert_eq!(guide.max_hashtags, 0, "no hashtags to use");
    assert!(!guide.emoji);
    assert_eq!(guide.target_length, 180);
}

#[test]
fn the_first_language_wins() {
    let thai = Persona {
        languages: vec![" ".into(), "th".into(), "en".into()],
        ..persona()
    };
    assert_eq!(
        style(&ctx(), &thai, &[], &Settings::default())
            .unwrap()
            .language,
        "th"
    );
}

#[test]
fn recent_approved_posts_become_examples_up_to_the_limit() {
    let approved = posts(&[
        "newest",
        "  ",
        "You can now stream logs with --follow.",
        "second",
        "third",
        "fourth",
    ]);
    let guide = style(
        &ctx(),
        &persona(),
        &approved,
        &Settings {
            max_examples: 3,
            ..Settings::default()
        },
    )
    .unwrap();
    assert_eq!(
        guide.examples,
        vec![
            "You can now stream logs with --follow.",
            "newest",
            "second",
            "third"
        ],
        "persona examples first, then newest approved posts, no blanks, no repeats"
    );
    let none = style(
        &ctx(),
        &persona(),
        &approved,
        &Settings {
            max_examples: 0,
            ..Settings::default()
        },
    )
    .unwrap();
    assert_eq!(none.examples.len(), 1);
}

#[test]
fn target_length_is_the_clamped_median_of_approved_posts() {
    let guide = style(
        &ctx(),
        &persona(),
        &posts(&[&"a".repeat(150), &"b".repeat(170), &"c".repeat(250)]),
        &Settings::default(),
    )
    .unwrap();
    assert_eq!(guide.target_length, 170);
    let even = style(
        &ctx(),
        &persona(),
        &posts(&[&"a".repeat(150), &"b".repeat(170)]),
        &Settings::default(),
    )
    .unwrap();
    assert_eq!(even.target_length, 160);
    let short = style(
        &ctx(),
        &persona(),
        &posts(&["tiny", "small"]),
        &Settings::default(),
    )
    .unwrap();
    assert_eq!(short.target_length, 120);
    let cjk = style(
        &ctx(),
        &persona(),
        &posts(&[&"字".repeat(140)]),
        &Settings::default(),
    )
    .unwrap();
    assert_eq!(cjk.target_length, 260, "CJK counts double, then the clamp");
}

#[test]
fn links_and_emoji_are_learnt_as_x_counts_them() {
    // 150 letters, a space and a 120-character link: 174 on X, not 271.
    let link = format!("https://example.com/{}", "p".repeat(100));
    let post = format!("{} {link}", "a".repeat(150));
    let guide = style(&ctx(), &persona(), &posts(&[&post]), &Settings::default()).unwrap();
    assert_eq!(guide.target_length, 150 + 1 + 23);
    // 70 families of 7 code points each weigh 2 apiece.
    let family = "👨‍👩‍👧‍👦".repeat(70);
    let guide = style(&ctx(), &persona(), &posts(&[&family]), &Settings::default()).unwrap();
    assert_eq!(guide.target_length, 140);
}

#[test]
fn phrases_shared_by_approved_posts_are_preferred() {
    let approved = posts(&[
        "You can now stream build logs. Thanks to everyone who tested it! https://x.io/a",
        "You can now pin versions in the CLI. Thanks to everyone who reported the bug.",
        "Dark mode is revolutionary, you can now switch it on. #devtools",
        "The revolutionary dark mode",
    ]);
    let guide = style(&ctx(), &persona(), &approved, &Settings::default()).unwrap();
    assert_eq!(
        guide.preferred_phrases[0], "you can now",
        "{:?}",
        guide.preferred_phrases
    );
    assert!(
        guide
            .preferred_phrases
            .contains(&"thanks to everyone".to_string())
    );
    assert!(
        !guide.preferred_phrases.contains(&"can now".to_string()),
        "inside a longer phrase found as often"
    );
    assert!(
        guide
            .preferred_phrases
            .iter()
            .all(|p| !p.contains("revolutionary")),
        "banned phrases are never preferred"
    );
    assert!(guide.preferred_phrases.len() <= phrases::MAX_PHRASES);
}

#[test]
fn phrases_of_stopwords_only_or_from_one_post_are_not_preferred() {
    let approved = posts(&["it is in the box and it is in the box", "of the day"]);
    let guide = style(&ctx(), &persona(), &approved, &Settings::default()).unwrap();
    assert!(
        guide.preferred_phrases.is_empty(),
        "{:?}",
        guide.preferred_phrases
    );
}

#[test]
fn bad_input_is_invalid_input() {
    let nameless = Persona {
        id: " ".into(),
        ..persona()
    };
    assert_eq!(
        style(&ctx(), &nameless, &[], &Settings::default()),
        Err(AgentError::InvalidInput("the persona has no id".into()))
    );
    for target_length in [0, 281] {
        let err = style(
            &ctx(),
            &persona(),
            &[],
            &Settings {
                target_length,
                ..Settings::default()
            },
        );
        assert!(matches!(err, Err(AgentError::InvalidInput(m)) if m.contains("target_length")));
    }
}
