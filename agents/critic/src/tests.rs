use super::*;
use dailyx_model::{MaterialKind, Tweet};

use dailyx_sdk::llm_client::ScriptedLlm as FakeLlm;

/// A scripted answer with this file's token counts.
fn answering(text: &str) -> FakeLlm {
    FakeLlm::answering(text, 700, 90)
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

fn materials() -> Vec<Material> {
    let m = |id: &str, title: &str, body: &str| Material {
        id: id.into(),
        kind: MaterialKind::Commit,
        source: "acme/app".into(),
        title: title.into(),
        body: body.into(),
        url: None,
        author: None,
        timestamp_ms: 0,
        files_changed: vec![],
        insertions: 0,
        deletions: 0,
        tags: vec![],
    };
    vec![
        m(
            "m1",
            "perf: faster cold starts",
            "Cold starts drop from 1.8s to 0.6s in v2.3.0.",
        ),
        m("m2", "feat(ui): dark mode", "Follows the system theme."),
    ]
}

fn style() -> StyleGuide {
    StyleGuide {
        persona_id: "dev-advocate".into(),
        tone: "Concrete.".into(),
        language: "en".into(),
        max_hashtags: 2,
        hashtags: vec!["devtools".into()],
        emoji: true,
        target_length: 220,
        preferred_phrases: vec![],
        banned_phrases: vec!["revolutionary".into(), "game-changer".into()],
        rules: vec![],
        examples: vec![],
    }
}

fn draft(tweets: &[(&str, &[&str])]) -> Draft {
    Draft {
        tweets: tweets
            .iter()
            .enumerate()
            .map(|(i, (text, ids))| Tweet {
                position: i as u32,
                text: (*text).into(),
                material_ids: ids.iter().map(|s| (*s).into()).collect(),
            })
            .collect(),
        model_used: "none".into(),
        usage: TokenUsage {
            prompt: 0,
            completion: 0,
        },
        notes: vec![],
    }
}

fn no_llm() -> FakeLlm {
    FakeLlm::failing(LlmError::NotConfigured)
}

fn codes(c: &Critique) -> Vec<(&str, Option<u32>)> {
    c.findings
        .iter()
        .map(|f| (f.code.as_str(), f.tweet_position))
        .collect()
}

fn run(d: &Draft) -> Critique {
    critique(
        &ctx(),
        d,
        &materials(),
        &style(),
        &no_llm(),
        &Settings::default(),
    )
    .unwrap()
}

#[test]
fn a_good_draft_scores_100_with_no_revision() {
    let d = draft(&[
        ("2 things just shipped in acme/app 🧵", &["m1", "m2"]),
        ("⚡ Cold starts drop from 1.8s to 0.6s in v2.3.0.", &["m1"]),
        ("✨ Dark mode follows the system theme. #devtools", &["m2"]),
    ]);
    let c = run(&d);
    assert_eq!(c.findings, vec![], "{:?}", c.findings);
    assert_eq!(c.score, 100);
    assert_eq!(c.revision, None);
    assert_eq!(c.model_used, "none");
    assert_eq!(c.summary, "Rule checks: no problems found.");
}

#[test]
fn generic_hooks_are_flagged_and_rewritten() {
    let d = draft(&[
        (
            "🎉 We’re excited to announce that dark mode is here!",
            &["m2"],
        ),
        ("Follows the system theme.", &["m2"]),
    ]);
    let c = run(&d);
    assert_eq!(codes(&c), vec![("hook.generic", Some(0))]);
    assert_eq!(c.score, 90);
    let revision = c.revision.expect("a revision");
    assert_eq!(revision[0].text, "Dark mode is here!");
    assert_eq!(revision[1].text, "Follows the system theme.");
    assert_eq!(revision[0].material_ids, vec!["m2"], "provenance is kept");

    for (hook, rewritten) in [
        ("Today we shipped dark mode.", "Shipped dark mode."),
        ("Big news: dark mode!", "Dark mode!"),
        ("Check out dark mode", "Dark mode"),
    ] {
        assert_eq!(
            revise::rewrite_generic_hook(hook).as_deref(),
            Some(rewritten),
            "{hook}"
        );
    }
    assert_eq!(revise::rewrite_generic_hook("Dark mode is here"), None);
}

#[test]
fn long_thread_hooks_are_flagged() {
    let long = format!("Dark mode {}", "and more ".repeat(30));
    let c = run(&draft(&[
        (&long, &["m2"]),
        ("Follows the system theme.", &["m2"]),
    ]));
    assert!(
        codes(&c).contains(&("hook.too-long", Some(0))),
        "{:?}",
        c.findings
    );
    let single = run(&draft(&[(&"Dark mode. ".repeat(20), &["m2"])]));
    assert!(
        !codes(&single).iter().any(|(c, _)| *c == "hook.too-long"),
        "a single post may use the full tweet"
    );
}

#[test]
fn hook_length_is_counted_as_x_counts_it() {
    let too_long = |hook: &str| {
        let c = run(&draft(&[
            (hook, &["m2"]),
            ("Follows the system theme.", &["m2"]),
        ]));
        codes(&c).contains(&("hook.too-long", Some(0)))
    };
    // A bare domain counts 23, not its 9 characters: 10 + 180 + 1 + 23.
    assert!(too_long(&format!(
        "Dark mode {} docs.rs/x",
        "x".repeat(180)
    )));
    // An emoji ZWJ sequence counts 2, not per code point: 10 + 60 × 3.
    assert!(!too_long(&format!("Dark mode {}", "👩‍💻 ".repeat(60))));
}

#[test]
fn long_sentences_are_flagged() {
    let long = format!("Dark mode {} theme.", "follows the system ".repeat(10));
    let c = run(&draft(&[("Dark mode is here.", &["m2"]), (&long, &["m2"])]));
    assert_eq!(codes(&c), vec![("clarity.long-sentence", Some(1))]);
    assert!(
        c.findings[0].message.contains("33 words"),
        "{}",
        c.findings[0].message
    );
}

#[test]
fn claims_must_be_backed_by_the_tweets_materials() {
    let d = draft(&[
        ("Cold starts are 3x faster: 1.8s to 0.6s in v2.3.0", &["m1"]),
        (
            "Dark mode cuts battery use by 40%, and 40% is a lot",
            &["m2"],
        ),
        ("Also 0.6s cold starts", &["m2"]),
    ]);
    let c = run(&d);
    assert_eq!(
        codes(&c),
        vec![
            ("claim.unbacked", Some(0)),
            ("claim.unbacked", Some(1)),
            ("claim.unbacked", Some(2))
        ]
    );
    assert!(
        c.findings[0].message.contains("\"3x\""),
        "{}",
        c.findings[0].message
    );
    assert!(c.findings[1].message.contains("\"40%\""));
    assert!(
        c.findings[2].message.contains("\"0.6s\""),
        "backed by m1, but the tweet names m2"
    );
    assert_eq!(c.score, 70);
    assert_eq!(c.revision, None, "claims are for a person to fix");
}

#[test]
fn counts_of_the_tweets_materials_are_backed() {
    let c = run(&draft(&[
        ("2 things just shipped", &["m1", "m2"]),
        ("3 more soon", &["m1", "m2"]),
    ]));
    assert_eq!(codes(&c), vec![("claim.unbacked", Some(1))]);
}

#[test]
fn tweets_without_provenance_are_flagged() {
    let c = run(&draft(&[
        ("Dark mode is here", &[]),
        ("Follows the theme", &["ghost"]),
    ]));
    assert_eq!(
        codes(&c),
        vec![
            ("provenance.missing", Some(0)),
            ("provenance.unknown-material", Some(1))
        ]
    );
}

#[test]
fn banned_phrases_fail_and_are_removed_in_the_revision() {
    let c = run(&draft(&[(
        "A revolutionary dark mode, a Game-Changer!",
        &["m2"],
    )]));
    assert_eq!(
        codes(&c),
        vec![
            ("style.banned-phrase", Some(0)),
            ("style.banned-phrase", Some(0))
        ]
    );
    assert!(c.findings.iter().all(|f| f.severity == Severity::Fail));
    assert_eq!(c.score, 50);
    assert_eq!(c.revision.unwrap()[0].text, "A dark mode, a!");
    assert!(
        c.summary
            .contains("2 failures and 0 warnings (style.banned-phrase)"),
        "{}",
        c.summary
    );
}

#[test]
fn too_many_hashtags_are_flagged() {
    let c = run(&draft(&[("Dark mode #a #b #c", &["m2"])]));
    assert_eq!(codes(&c), vec![("style.too-many-hashtags", Some(0))]);
}

#[test]
fn the_score_never_goes_below_zero() {
    let banned = "revolutionary game-changer ".repeat(3);
    let c = run(&draft(&[(&banned, &[]), (&banned, &[])]));
    assert_eq!(c.score, 0);
}

#[test]
fn an_llm_review_is_merged_with_the_rules() {
    let answer = r#"```json
{"score": 60, "summary": "Solid, but the hook is flat.",
 "findings": [
   {"code": "hook.generic", "severity": "warn", "message": "Flat hook", "tweet_position": 0},
   {"code": "tone.off", "severity": "warning", "message": "Too formal", "tweet_position": 1},
   {"code": "", "severity": "whatever", "message": "Consider a link", "tweet_position": 9},
   {"code": "x", "severity": "fail", "message": "  "}
 ]}
```"#;
    let llm = answering(answer);
    let d = draft(&[
        ("We are excited to share dark mode", &["m2"]),
        ("Follows the system theme.", &["m2"]),
    ]);
    let c = critique(
        &ctx(),
        &d,
        &materials(),
        &style(),
        &llm,
        &Settings {
            model: Some("gpt-critic".into()),
        },
    )
    .unwrap();
    assert_eq!(c.model_used, "gpt-test");
    assert_eq!((c.usage.prompt, c.usage.completion), (700, 90));
    assert_eq!(
        codes(&c),
        vec![
            ("hook.generic", Some(0)),
            ("tone.off", Some(1)),
            ("review.note", None)
        ]
    );
    assert_eq!(c.findings[1].severity, Severity::Warn);
    assert_eq!(c.findings[2].severity, Severity::Info);
    assert_eq!(c.score, 75, "min(rules 90, mean of 90 and 60)");
    assert!(
        c.summary
            .starts_with("Solid, but the hook is flat. Rule checks: 0 failures and 1 warning"),
        "{}",
        c.summary
    );

    let requests = llm.requests();
    assert!(requests[0].json);
    assert_eq!(requests[0].model.as_deref(), Some("gpt-critic"));
    assert!(
        requests[0].messages[1]
            .content
            .contains("[1] (materials: m2) Follows the system theme.")
    );
    assert!(
        requests[0].messages[0]
            .content
            .contains("revolutionary, game-changer")
    );
}

#[test]
fn a_generous_llm_cannot_lift_the_rule_score() {
    let llm = answering(r#"{"score": 100, "summary": "Great.", "findings": []}"#);
    let d = draft(&[("Dark mode is revolutionary", &["m2"])]);
    let c = critique(
        &ctx(),
        &d,
        &materials(),
        &style(),
        &llm,
        &Settings::default(),
    )
    .unwrap();
    assert_eq!(c.score, 75);
}

#[test]
fn llm_trouble_leaves_the_rule_review() {
    let d = draft(&[("Dark mode is here", &["m2"])]);
    let unreadable = answering("I think it's good!");
    let c = critique(
        &ctx(),
        &d,
        &materials(),
        &style(),
        &unreadable,
        &Settings::default(),
    )
    .unwrap();
    assert_eq!(c.model_used, "none");
    assert_eq!(c.usage.prompt, 700, "the tokens were spent");
    assert_eq!(codes(&c), vec![("critic.llm-unreadable", None)]);
    assert_eq!(c.score, 100, "an info finding costs nothing");

    let down = FakeLlm::failing(LlmError::Upstream("HTTP 503".into()));
    let c = critique(
        &ctx(),
        &d,
        &materials(),
        &style(),
        &down,
        &Settings::default(),
    )
    .unwrap();
    assert_eq!(codes(&c), vec![("critic.llm-unavailable", None)]);
    assert!(c.findings[0].message.contains("HTTP 503"));

    let denied = FakeLlm::failing(LlmError::Denied("no grant".into()));
    let c = critique(
        &ctx(),
        &d,
        &materials(),
        &style(),
        &denied,
        &Settings::default(),
    )
    .unwrap();
    assert!(c.findings.is_empty());
    assert_eq!(c.model_used, "none");
}

#[test]
fn an_empty_draft_is_invalid_input() {
    let err = critique(
        &ctx(),
        &draft(&[]),
        &materials(),
        &style(),
        &no_llm(),
        &Settings::default(),
    );
    assert_eq!(
        err,
        Err(AgentError::InvalidInput("the draft has no tweets".into()))
    );
}
