use super::*;

fn ctx() -> RunContext {
    RunContext {
        run_id: "r1".into(),
        date: "2026-11-21".into(),
        started_at_ms: 1_700_000_000_000,
        previous_run_at_ms: None,
        dry_run: true,
    }
}

fn draft(texts: &[&str]) -> Draft {
    Draft {
        tweets: texts
            .iter()
            .enumerate()
            .map(|(i, t)| Tweet {
                position: i as u32,
                text: (*t).into(),
                material_ids: vec!["m1".into()],
            })
            .collect(),
        model_used: "none".into(),
        usage: dailyx_model::TokenUsage {
            prompt: 0,
            completion: 0,
        },
        notes: vec![],
    }
}

fn rules() -> PolicyRules {
    PolicyRules {
        blocked_terms: vec![],
        recent_posts: vec![],
        max_weighted_length: 280,
    }
}

fn codes(report: &PolicyReport) -> Vec<(&str, Option<u32>)> {
    report
        .findings
        .iter()
        .map(|f| (f.code.as_str(), f.tweet_position))
        .collect()
}

#[test]
fn a_clean_draft_passes_with_lengths_by_position() {
    let mut d = draft(&[
        "Dark mode is here 🌙",
        "Read more: https://example.com/blog/dark-mode",
    ]);
    d.tweets.reverse();
    let report = check(&ctx(), &d, &rules()).unwrap();
    assert_eq!(report.verdict, Verdict::Pass, "{:?}", report.findings);
    assert!(report.findings.is_empty());
    assert_eq!(report.weighted_lengths, vec![20, 11 + 23]);
}

#[test]
fn empty_drafts_and_tweets_fail() {
    let report = check(&ctx(), &draft(&[]), &rules()).unwrap();
    assert_eq!(report.verdict, Verdict::Fail);
    assert_eq!(codes(&report), vec![("draft.empty", None)]);

    let report = check(&ctx(), &draft(&["fine", "  \n"]), &rules()).unwrap();
    assert_eq!(codes(&report), vec![("tweet.empty", Some(1))]);
    assert_eq!(report.verdict, Verdict::Fail);
}

#[test]
fn tweets_over_the_weighted_limit_fail() {
    let thai = "ก".repeat(280);
    let cjk = "字".repeat(141);
    let report = check(&ctx(), &draft(&[&thai, &cjk]), &rules()).unwrap();
    assert_eq!(report.weighted_lengths, vec![280, 282]);
    assert_eq!(codes(&report), vec![("length.over-limit", Some(1))]);
    assert!(report.findings[0].message.contains("282"));

    let tight = PolicyRules {
        max_weighted_length: 100,
        ..rules()
    };
    let report = check(&ctx(), &draft(&[&"a".repeat(101)]), &tight).unwrap();
    assert_eq!(codes(&report), vec![("length.over-limit", Some(0))]);
}

#[test]
fn blocked_terms_fail() {
    let r = PolicyRules {
        blocked_terms: vec!["Crypto".into()],
        ..rules()
    };
    let report = check(&ctx(), &draft(&["ok", "Now with crypto wallets"]), &r).unwrap();
    assert_eq!(report.verdict, Verdict::Fail);
    assert_eq!(codes(&report), vec![("policy.blocked-term", Some(1))]);
    assert!(report.findings[0].message.contains("\"Crypto\""));
}

#[test]
fn secrets_fail_and_are_not_repeated_in_the_report() {
    let token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
    let report = check(
        &ctx(),
        &draft(&[&format!("oops {token}"), "AKIAIOSFODNN7EXAMPLE"]),
        &rules(),
    )
    .unwrap();
    assert_eq!(report.verdict, Verdict::Fail);
    assert_eq!(
        codes(&report),
        vec![
            ("secret.github-token", Some(0)),
            ("secret.aws-access-key", Some(1))
        ]
    );
    assert!(
        report
            .findings
            .iter()
            .all(|f| !f.message.contains(token) && !f.message.contains("AKIAIOSFODNN7EXAMPLE"))
    );
}

#[test]
fn personal_data_and_link_problems_warn() {
    let report = check(
        &ctx(),
        &draft(&[
            "Questions? jane@example.com or +66 81 234 5678",
            "Details: http://example.com and https://bit.ly/abc",
        ]),
        &rules(),
    )
    .unwrap();
    assert_eq!(report.verdict, Verdict::Warn);
    assert_eq!(
        codes(&report),
        vec![
            ("pii.email", Some(0)),
            ("pii.phone", Some(0)),
            ("link.insecure", Some(1)),
            ("link.shortener", Some(1))
        ]
    );
}

#[test]
fn near_duplicates_of_recent_posts_fail() {
    let recent = "You can now stream build logs straight to your terminal with the follow flag";
    let r = PolicyRules {
        recent_posts: vec![recent.into(), "   ".into()],
        ..rules()
    };
    let report = check(
        &ctx(),
        &draft(&[
            "Big news today",
            "You can now stream build logs straight to your terminal with the --follow flag!",
        ]),
        &r,
    )
    .unwrap();
    assert_eq!(codes(&report), vec![("duplicate.recent-post", Some(1))]);
    assert!(report.findings[0].message.contains("% similar"));

    let fresh = check(&ctx(), &draft(&["Dark mode lands in settings"]), &r).unwrap();
    assert_eq!(fresh.verdict, Verdict::Pass);
}

#[test]
fn a_whole_thread_repeating_a_recent_thread_fails_without_a_position() {
    let thread = [
        "Three things shipped in acme today",
        "Dark mode for the settings page",
        "Faster cold starts for the CLI",
    ];
    let r = PolicyRules {
        recent_posts: vec![thread.join("\n")],
        ..rules()
    };
    let report = check(&ctx(), &draft(&thread), &r).unwrap();
    assert_eq!(codes(&report), vec![("duplicate.recent-post", None)]);
}

#[test]
fn unusable_input_is_an_error() {
    let zero = PolicyRules {
        max_weighted_length: 0,
        ..rules()
    };
    assert!(matches!(
        check(&ctx(), &draft(&["x"]), &zero),
        Err(AgentError::InvalidInput(_))
    ));

    let mut d = draft(&["a", "b"]);
    d.tweets[1].position = 0;
    let err = check(&ctx(), &d, &rules()).unwrap_err();
    assert_eq!(
        err,
        AgentError::InvalidInput("two tweets at position 0".into())
    );
}
