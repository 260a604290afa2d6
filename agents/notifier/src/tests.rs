use super::*;
use dailyx_model::TokenUsage;

fn ctx() -> RunContext {
    RunContext {
        run_id: "run-7".into(),
        date: "2026-11-21".into(),
        started_at_ms: 0,
        previous_run_at_ms: None,
        dry_run: false,
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
        usage: TokenUsage {
            prompt: 0,
            completion: 0,
        },
        notes: vec!["No LLM endpoint is configured.".into()],
    }
}

fn report(verdict: Verdict, findings: Vec<Finding>, lengths: &[u32]) -> PolicyReport {
    PolicyReport {
        verdict,
        findings,
        weighted_lengths: lengths.to_vec(),
    }
}

fn link(action: &str, url: &str) -> ActionLink {
    ActionLink {
        action: action.into(),
        url: url.into(),
    }
}

fn links() -> Vec<ActionLink> {
    vec![
        link("skip", "https://agent.example/a/skip?t=s1"),
        link("approve", "https://agent.example/a/approve?t=a1"),
        link("edit", "https://agent.example/a/edit?t=e1"),
    ]
}

#[test]
fn subject_names_product_date_and_verdict() {
    let n = compose(
        &ctx(),
        &draft(&["hi"]),
        &report(Verdict::Warn, vec![], &[2]),
        &links(),
        &Settings::default(),
    )
    .unwrap();
    assert_eq!(n.subject, "[Daily X Agent] Draft for 2026-11-21 — warn");
    let custom = Settings {
        product_name: "Acme Posts".into(),
    };
    let n = compose(
        &ctx(),
        &draft(&["hi"]),
        &report(Verdict::Pass, vec![], &[2]),
        &links(),
        &custom,
    )
    .unwrap();
    assert_eq!(n.subject, "[Acme Posts] Draft for 2026-11-21 — pass");
}

#[test]
fn subject_cannot_carry_header_injection() {
    let evil = Settings {
        product_name: "Acme\r\nBcc: victim@example.com".into(),
    };
    let n = compose(
        &ctx(),
        &draft(&["hi"]),
        &report(Verdict::Fail, vec![], &[2]),
        &[],
        &evil,
    )
    .unwrap();
    assert!(!n.subject.contains('\n') && !n.subject.contains('\r'));
    assert_eq!(
        n.subject,
        "[Acme Bcc: victim@example.com] Draft for 2026-11-21 — fail"
    );
    let blank = Settings {
        product_name: " \n ".into(),
    };
    let n = compose(
        &ctx(),
        &draft(&["hi"]),
        &report(Verdict::Pass, vec![], &[2]),
        &[],
        &blank,
    )
    .unwrap();
    assert!(n.subject.starts_with("[Daily X Agent]"));
}

#[test]
fn text_body_numbers_tweets_with_lengths_findings_and_actions() {
    let findings = vec![Finding {
        code: "link.insecure".into(),
        severity: Severity::Warn,
        message: "Tweet 2 links over plain HTTP.".into(),
        tweet_position: Some(1),
    }];
    let mut d = draft(&["First tweet", "Second http://x.io"]);
    d.tweets.reverse();
    let n = compose(
        &ctx(),
        &d,
        &report(Verdict::Warn, findings, &[11, 30]),
        &links(),
        &Settings::default(),
    )
    .unwrap();
    let t = &n.text;
    assert!(t.contains("1/2 (11 chars)\nFirst tweet"), "{t}");
    assert!(t.contains("2/2 (30 chars)\nSecond http://x.io"), "{t}");
    assert!(
        t.contains("- [warn] link.insecure (tweet 2): Tweet 2 links over plain HTTP."),
        "{t}"
    );
    assert!(t.contains("Notes from the writer:\n- No LLM endpoint is configured."));
    let approve = t
        .find("Approve: https://agent.example/a/approve?t=a1")
        .unwrap();
    let edit = t.find("Edit: https://agent.example/a/edit?t=e1").unwrap();
    let skip = t.find("Skip: https://agent.example/a/skip?t=s1").unwrap();
    assert!(approve < edit && edit < skip, "approve, edit, skip");
    assert!(!t.contains("Dry run"));
}

#[test]
fn html_escapes_everything_from_the_draft() {
    let d = draft(&["<script>alert('pwned')</script> & more"]);
    let findings = vec![Finding {
        code: "x<y".into(),
        severity: Severity::Fail,
        message: "<b>bold</b>".into(),
        tweet_position: None,
    }];
    let n = compose(
        &ctx(),
        &d,
        &report(Verdict::Fail, findings, &[40]),
        &links(),
        &Settings::default(),
    )
    .unwrap();
    assert!(!n.html.contains("<script>"), "{}", n.html);
    assert!(
        n.html
            .contains("&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt; &amp; more")
    );
    assert!(n.html.contains("&lt;b&gt;bold&lt;/b&gt;"));
    assert!(n.html.contains("x&lt;y"));
    assert!(
        n.text.contains("<script>"),
        "the text body shows the tweet as written"
    );
}

#[test]
fn html_links_are_buttons_and_unsafe_links_are_dropped() {
    let mut l = links();
    l.push(link("evil", "javascript:alert(1)"));
    l.push(link(
        "approve\"><img",
        "https://agent.example/a?x=\"><img src=x>",
    ));
    let n = compose(
        &ctx(),
        &draft(&["hi"]),
        &report(Verdict::Pass, vec![], &[2]),
        &l,
        &Settings::default(),
    )
    .unwrap();
    assert!(
        n.html
            .contains("<a href=\"https://agent.example/a/approve?t=a1\""),
        "{}",
        n.html
    );
    assert!(n.html.contains(">Approve</a>"));
    assert!(!n.html.contains("javascript:"));
    assert!(!n.text.contains("javascript:"));
    assert!(
        n.html
            .contains("href=\"https://agent.example/a?x=&quot;&gt;&lt;img src=x&gt;\"")
    );
    assert!(!n.html.contains("<img"));
}

#[test]
fn missing_approve_link_still_composes() {
    let only_skip = vec![link("skip", "https://agent.example/a/skip?t=s1")];
    let n = compose(
        &ctx(),
        &draft(&["hi"]),
        &report(Verdict::Pass, vec![], &[2]),
        &only_skip,
        &Settings::default(),
    )
    .unwrap();
    assert!(n.text.contains("No approve link came with this draft"));
    assert!(n.html.contains("No approve link came with this draft"));
    assert!(n.text.contains("Skip: https://agent.example/a/skip?t=s1"));

    let none = compose(
        &ctx(),
        &draft(&["hi"]),
        &report(Verdict::Pass, vec![], &[2]),
        &[],
        &Settings::default(),
    )
    .unwrap();
    assert!(none.text.contains("No approve link"));
}

#[test]
fn empty_drafts_missing_lengths_and_dry_runs_are_shown() {
    let dry = RunContext {
        dry_run: true,
        ..ctx()
    };
    let n = compose(
        &dry,
        &draft(&[]),
        &report(Verdict::Fail, vec![], &[]),
        &links(),
        &Settings::default(),
    )
    .unwrap();
    assert!(n.text.contains("The draft has no tweets."));
    assert!(n.text.contains("Dry run: approving will not publish."));
    assert!(n.html.contains("Dry run"));

    let n = compose(
        &ctx(),
        &draft(&["a", "b"]),
        &report(Verdict::Pass, vec![], &[1]),
        &links(),
        &Settings::default(),
    )
    .unwrap();
    assert!(n.text.contains("2/2 (? chars)"), "{}", n.text);
}

#[test]
fn a_run_without_a_date_is_invalid_input() {
    let undated = RunContext {
        date: " ".into(),
        ..ctx()
    };
    let err = compose(
        &undated,
        &draft(&["hi"]),
        &report(Verdict::Pass, vec![], &[2]),
        &links(),
        &Settings::default(),
    );
    assert_eq!(
        err,
        Err(AgentError::InvalidInput("the run has no date".into()))
    );
}
