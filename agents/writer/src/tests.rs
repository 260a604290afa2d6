use super::*;
use dailyx_model::{Beat, BeatKind, MaterialKind, PostFormat};
use dailyx_sdk::llm::Role;

use dailyx_sdk::llm_client::ScriptedLlm as FakeLlm;

/// A scripted answer with this file's token counts.
fn answering(text: &str) -> FakeLlm {
    FakeLlm::answering(text, 900, 150)
}

fn ctx() -> RunContext {
    RunContext {
        run_id: "r1".into(),
        date: "2026-11-21".into(),
        started_at_ms: 0,
        previous_run_at_ms: None,
        dry_run: true,
    }
}

fn material(id: &str, title: &str, tags: &[&str]) -> Material {
    Material {
        id: id.into(),
        kind: MaterialKind::Commit,
        source: "acme/app".into(),
        title: title.into(),
        body: String::new(),
        url: None,
        author: None,
        timestamp_ms: 0,
        files_changed: vec![],
        insertions: 0,
        deletions: 0,
        tags: tags.iter().map(|t| (*t).into()).collect(),
    }
}

fn materials() -> Vec<Material> {
    let mut dark = material(
        "m1",
        "feat(ui): dark mode for the settings page",
        &["feat", "scope:ui"],
    );
    dark.body =
        "Follows the system theme by default. Toggle it in Settings.\n\nSigned-off-by: Ada".into();
    let mut crash = material("m2", "fix: crash when the config file is empty", &["fix"]);
    crash.url = Some("https://github.com/acme/app/pull/42".into());
    vec![dark, crash]
}

fn beat(kind: BeatKind, ids: &[&str]) -> Beat {
    Beat {
        kind,
        summary: format!("{kind:?}"),
        material_ids: ids.iter().map(|i| (*i).into()).collect(),
    }
}

fn thread_plan() -> ThreadPlan {
    ThreadPlan {
        format: PostFormat::Thread,
        beats: vec![
            beat(BeatKind::Hook, &["m1", "m2"]),
            beat(BeatKind::Point, &["m1"]),
            beat(BeatKind::Point, &["m2"]),
            beat(BeatKind::Closing, &["m1", "m2"]),
            beat(BeatKind::Link, &["m2"]),
        ],
        max_tweets: 5,
        max_weighted_length: 280,
    }
}

fn single_plan(id: &str) -> ThreadPlan {
    ThreadPlan {
        format: PostFormat::Single,
        beats: vec![beat(BeatKind::Hook, &[id])],
        max_tweets: 1,
        max_weighted_length: 280,
    }
}

fn style() -> StyleGuide {
    StyleGuide {
        persona_id: "dev-advocate".into(),
        tone: "Concrete and benefit-first.".into(),
        language: "en".into(),
        max_hashtags: 2,
        hashtags: vec!["opensource".into(), "devtools".into(), "rust".into()],
        emoji: true,
        target_length: 220,
        preferred_phrases: vec!["you can now".into()],
        banned_phrases: vec!["revolutionary".into()],
        rules: vec!["Lead with the benefit.".into()],
        examples: vec!["You can now stream logs.".into()],
    }
}

fn texts(draft: &Draft) -> Vec<&str> {
    draft.tweets.iter().map(|t| t.text.as_str()).collect()
}

fn llm_answer(tweets: &[(&str, &[&str])]) -> String {
    let tweets: Vec<serde_json::Value> = tweets
        .iter()
        .map(|(text, ids)| serde_json::json!({ "text": text, "material_ids": ids }))
        .collect();
    serde_json::json!({ "tweets": tweets }).to_string()
}

#[test]
fn uses_a_valid_llm_answer() {
    // 100 family emoji of 7 code points each: X counts 2 apiece, 200 fits.
    let families = "👨‍👩‍👧‍👦".repeat(100);
    let answer = llm_answer(&[
        ("Two fixes and a feature", &["m1", "m2"]),
        ("Dark mode", &["m1"]),
        ("No more crash", &[]),
        (&families, &["m1", "m2"]),
        ("https://github.com/acme/app/pull/42", &["m2"]),
    ]);
    let llm = answering(&format!("```json\n{answer}\n```"));
    let draft = write(
        &ctx(),
        &thread_plan(),
        &materials(),
        &style(),
        &llm,
        &Settings::default(),
    )
    .unwrap();
    assert_eq!(draft.model_used, "gpt-test");
    assert_eq!((draft.usage.prompt, draft.usage.completion), (900, 150));
    assert_eq!(texts(&draft)[1], "Dark mode");
    assert_eq!(texts(&draft)[3], families);
    assert_eq!(
        draft.tweets[2].material_ids,
        vec!["m2"],
        "missing ids come from the beat"
    );
    assert_eq!(
        draft.tweets.iter().map(|t| t.position).collect::<Vec<_>>(),
        vec![0, 1, 2, 3, 4]
    );
}

#[test]
fn the_prompt_carries_the_style_plan_and_materials() {
    let llm = FakeLlm::failing(LlmError::NotConfigured);
    let settings = Settings {
        model: Some("gpt-x".into()),
        temperature: 0.3,
    };
    write(
        &ctx(),
        &thread_plan(),
        &materials(),
        &style(),
        &llm,
        &settings,
    )
    .unwrap();
    let requests = llm.requests();
    let request = &requests[0];
    assert!(request.json);
    assert_eq!(request.model.as_deref(), Some("gpt-x"));
    assert_eq!(request.temperature, Some(0.3));
    assert_eq!(request.messages[0].role, Role::System);
    let system = &request.messages[0].content;
    for expected in [
        "Concrete and benefit-first.",
        "\"revolutionary\"",
        "Lead with the benefit.",
        "#opensource",
        "exactly 5 tweets",
        "280 weighted characters",
        "in en",
    ] {
        assert!(
            system.contains(expected),
            "system prompt lacks {expected:?}:\n{system}"
        );
    }
    let user = &request.messages[1].content;
    for expected in [
        "id: m1",
        "id: m2",
        "https://github.com/acme/app/pull/42",
        "(materials: m1, m2)",
        "Follows the system theme",
    ] {
        assert!(
            user.contains(expected),
            "user prompt lacks {expected:?}:\n{user}"
        );
    }
}

#[test]
fn without_an_llm_the_composer_writes_a_real_thread() {
    let llm = FakeLlm::failing(LlmError::NotConfigured);
    let draft = write(
        &ctx(),
        &thread_plan(),
        &materials(),
        &style(),
        &llm,
        &Settings::default(),
    )
    .unwrap();
    assert_eq!(draft.model_used, NO_MODEL);
    assert_eq!((draft.usage.prompt, draft.usage.completion), (0, 0));
    assert!(
        draft
            .notes
            .iter()
            .any(|n| n.contains("No LLM endpoint is configured")),
        "{:?}",
        draft.notes
    );
    assert_eq!(
        texts(&draft),
        vec![
            "2 things just shipped in acme/app 🧵 #opensource #devtools",
            "✨ Dark mode for the settings page (ui). Follows the system theme by default.",
            "🐛 Crash when the config file is empty.",
            "That's the round-up. Update, try it and tell us what you think!",
            "Read more: https://github.com/acme/app/pull/42",
        ]
    );
    let ids: Vec<&Vec<String>> = draft.tweets.iter().map(|t| &t.material_ids).collect();
    assert_eq!(ids[1], &vec!["m1".to_string()]);
    assert_eq!(ids[4], &vec!["m2".to_string()]);
}

#[test]
fn a_single_post_has_the_description_the_link_and_hashtags() {
    let llm = FakeLlm::failing(LlmError::Denied("no llm grant".into()));
    let draft = write(
        &ctx(),
        &single_plan("m2"),
        &materials(),
        &style(),
        &llm,
        &Settings::default(),
    )
    .unwrap();
    assert_eq!(
        texts(&draft),
        vec![
            "🐛 Crash when the config file is empty. https://github.com/acme/app/pull/42 #opensource #devtools"
        ]
    );
    assert!(draft.notes[0].contains("denied (no llm grant)"));
}

#[test]
fn style_without_emoji_or_hashtags_is_respected() {
    let plain = StyleGuide {
        emoji: false,
        max_hashtags: 0,
        ..style()
    };
    let llm = FakeLlm::failing(LlmError::NotConfigured);
    let draft = write(
        &ctx(),
        &thread_plan(),
        &materials(),
        &plain,
        &llm,
        &Settings::default(),
    )
    .unwrap();
    assert_eq!(texts(&draft)[0], "2 things just shipped in acme/app");
    assert_eq!(
        texts(&draft)[1],
        "Dark mode for the settings page (ui). Follows the system theme by default."
    );
}

#[test]
fn thai_style_gets_thai_phrases() {
    let thai = StyleGuide {
        language: "th".into(),
        max_hashtags: 0,
        ..style()
    };
    let llm = FakeLlm::failing(LlmError::NotConfigured);
    let draft = write(
        &ctx(),
        &thread_plan(),
        &materials(),
        &thai,
        &llm,
        &Settings::default(),
    )
    .unwrap();
    assert_eq!(texts(&draft)[0], "อัปเดตใหม่ 2 อย่างจาก acme/app ค่ะ 🧵");
    assert_eq!(
        texts(&draft)[4],
        "อ่านต่อได้ที่ https://github.com/acme/app/pull/42"
    );

    let other = StyleGuide {
        language: "ja".into(),
        ..style()
    };
    let draft = write(
        &ctx(),
        &thread_plan(),
        &materials(),
        &other,
        &llm,
        &Settings::default(),
    )
    .unwrap();
    assert!(
        draft
            .notes
            .iter()
            .any(|n| n.contains("no phrases for \"ja\""))
    );
}

#[test]
fn long_text_is_trimmed_to_fit_but_links_are_kept() {
    let mut long = material(
        "m9",
        &format!("feat: {}", "very long words ".repeat(30)),
        &["feat"],
    );
    long.url = Some(format!("https://example.com/{}", "x".repeat(200)));
    let llm = FakeLlm::failing(LlmError::NotConfigured);
    let draft = write(
        &ctx(),
        &single_plan("m9"),
        &[long],
        &style(),
        &llm,
        &Settings::default(),
    )
    .unwrap();
    let text = &draft.tweets[0].text;
    assert!(
        dailyx_xtext::weighted_length(text) <= 280,
        "{}",
        dailyx_xtext::weighted_length(text)
    );
    assert!(text.contains("… https://example.com/xxx"), "{text}");
}

#[test]
fn releases_are_described_with_their_notes() {
    let release = Material {
        kind: MaterialKind::Release,
        title: "v1.4.0".into(),
        body: "- Faster sync.\n- New `--follow` flag\n* Fewer allocations\n- Fourth".into(),
        ..material("r1", "", &[])
    };
    assert_eq!(
        compose::describe(&release),
        "V1.4.0: Faster sync; New `--follow` flag; Fewer allocations"
    );
}

#[test]
fn llm_failures_fall_back_with_a_note_why() {
    for (error, expected) in [
        (
            LlmError::Upstream("HTTP 502".into()),
            "The LLM failed (HTTP 502)",
        ),
        (LlmError::Timeout, "did not answer in time"),
        (
            LlmError::BudgetExceeded("6000 tokens".into()),
            "token budget for this run is spent",
        ),
    ] {
        let llm = FakeLlm::failing(error);
        let draft = write(
            &ctx(),
            &thread_plan(),
            &materials(),
            &style(),
            &llm,
            &Settings::default(),
        )
        .unwrap();
        assert_eq!(draft.model_used, NO_MODEL);
        assert_eq!(draft.tweets.len(), 5);
        assert!(
            draft.notes.iter().any(|n| n.contains(expected)),
            "{:?}",
            draft.notes
        );
    }
}

#[test]
fn unusable_answers_fall_back_with_a_note_and_count_the_tokens() {
    let too_few = llm_answer(&[("only one", &["m1"])]);
    let unknown_id = llm_answer(&[
        ("a", &["m1"]),
        ("b", &["m1"]),
        ("c", &["ghost"]),
        ("d", &[]),
        ("e", &[]),
    ]);
    let with_second =
        |text: &str| llm_answer(&[("a", &[]), (text, &[]), ("c", &[]), ("d", &[]), ("e", &[])]);
    let empty = with_second("  ");
    let too_long = with_second(&"x".repeat(281));
    // A bare domain is short to look at but X counts it 23: 270 + 1 + 23.
    let bare_link = with_second(&format!("{} x.io/a", "a".repeat(270)));
    for (answer, expected) in [
        (too_few.as_str(), "expected 5 tweets (one per beat), got 1"),
        (
            unknown_id.as_str(),
            "tweet 3 names an unknown material \"ghost\"",
        ),
        (empty.as_str(), "tweet 2 is empty"),
        (
            too_long.as_str(),
            "tweet 2 is 281 weighted characters (max 280)",
        ),
        (
            bare_link.as_str(),
            "tweet 2 is 294 weighted characters (max 280)",
        ),
        ("Sure! Here is your thread.", "not the expected JSON"),
    ] {
        let llm = answering(answer);
        let draft = write(
            &ctx(),
            &thread_plan(),
            &materials(),
            &style(),
            &llm,
            &Settings::default(),
        )
        .unwrap();
        assert_eq!(draft.model_used, NO_MODEL);
        assert_eq!(draft.usage.prompt, 900, "tokens were spent");
        assert!(
            draft.notes.iter().any(|n| n.contains(expected)),
            "{expected}: {:?}",
            draft.notes
        );
        assert_eq!(
            draft.tweets[0].text,
            "2 things just shipped in acme/app 🧵 #opensource #devtools"
        );
    }
}

#[test]
fn bad_input_is_invalid_input() {
    let llm = FakeLlm::failing(LlmError::NotConfigured);
    let no_beats = ThreadPlan {
        beats: vec![],
        ..thread_plan()
    };
    assert_eq!(
        write(
            &ctx(),
            &no_beats,
            &materials(),
            &style(),
            &llm,
            &Settings::default()
        ),
        Err(AgentError::InvalidInput("the plan has no beats".into()))
    );
    let unknown = single_plan("ghost");
    assert_eq!(
        write(
            &ctx(),
            &unknown,
            &materials(),
            &style(),
            &llm,
            &Settings::default()
        ),
        Err(AgentError::InvalidInput(
            "beat 1 names an unknown material \"ghost\"".into()
        ))
    );
    let too_many = ThreadPlan {
        max_tweets: 2,
        ..thread_plan()
    };
    assert!(matches!(
        write(
            &ctx(),
            &too_many,
            &materials(),
            &style(),
            &llm,
            &Settings::default()
        ),
        Err(AgentError::InvalidInput(_))
    ));
    let hot = Settings {
        temperature: 3.0,
        ..Settings::default()
    };
    assert!(
        matches!(write(&ctx(), &thread_plan(), &materials(), &style(), &llm, &hot), Err(AgentError::InvalidInput(m)) if m.contains("temperature"))
    );
    assert!(
        llm.requests().is_empty(),
        "nothing is asked of the LLM for bad input"
    );
}
