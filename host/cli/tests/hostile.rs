//! Hostile text through the real binary: what an attacker who can get text into a commit
//! message (or a feed item, or an LLM answer) can and cannot make the host do.

mod common;

use common::add_commit;
use common::fakes::SmtpSink;
use common::host::*;
use serde_json::json;

/// The body of a quoted-printable mail as a reader sees it: soft line breaks joined, `=3D`
/// back to `=` (the only escapes a URL in these messages needs).
fn unfold(mail: &str) -> String {
    mail.replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=")
}

/// The token of every `/actions/<token>` link in `mail`.
fn action_tokens(mail: &str) -> Vec<String> {
    mail.match_indices("/actions/")
        .map(|(at, m)| {
            mail[at + m.len()..]
                .chars()
                .take_while(char::is_ascii_hexdigit)
                .collect::<String>()
        })
        .filter(|t| t.len() == 64)
        .collect()
}

/// The attack from issue 17: a commit message carrying a URL with a token placeholder went
/// into the draft, the e-mail then carried the real edit token inside the attacker's URL, and
/// a POST of any text to that token approved and published it without a login.
#[tokio::test(flavor = "multi_thread")]
async fn a_commit_message_cannot_carry_an_action_token_out_or_approve_anything() {
    let (smtp, smtp_addr) = SmtpSink::start().await;
    let host = Host::new(
        None,
        "[plugins.policy.config]\nallowed_link_domains = [\"github.com\"]\n",
    );
    let evil =
        "https://evil.example/__DAILYX_TOKEN_APPROVE__ https://evil.example/__DAILYX_TOKEN_EDIT__";
    add_commit(
        &host.dir.path().join("project"),
        "src/fast.rs",
        &format!("feat(release): ten times faster publishing, details at {evil}"),
    );
    let store = host.store().await;
    store
        .set_config_value(
            "notify.channels",
            &json!([{ "kind": "smtp", "host": "127.0.0.1", "port": smtp_addr.port(), "tls": "none",
                      "from": "dailyx@example.com", "to": ["reviewer@example.com"] }]),
            None,
        )
        .await
        .unwrap();
    let server = host.start(&[]);
    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
    let draft = admin.first_draft().await;
    let id = draft["id"].as_str().unwrap().to_owned();
    let text = texts(&draft).join("\n");
    assert!(
        text.contains("evil.example/__DAILYX_TOKEN_"),
        "the hostile URL must reach the draft for this test to mean anything: {text}"
    );
    // Policy flags the link to a domain nobody listed, so the draft waits for a human.
    let detail = admin.draft(&id).await;
    let findings = detail["draft"]["policy_report"]["findings"].to_string();
    assert!(
        findings.contains("link.unlisted-domain") && findings.contains("evil.example"),
        "{findings}"
    );
    assert_eq!(detail["draft"]["status"], "needs_human_attention");

    let mail = admin
        .wait_for("the notification", async |_| {
            smtp.messages.lock().unwrap().first().cloned()
        })
        .await;
    let mail = unfold(&mail);
    // The composed message had a placeholder outside the host's links: the host sent its own
    // message instead, with no token in it at all, and a link to the console.
    assert!(
        action_tokens(&mail).is_empty(),
        "no action token may be sent with hostile text around: {mail}"
    );
    assert!(!mail.contains("evil.example"), "{mail}");
    assert!(
        mail.contains(&format!("http://review.example/drafts/{id}")),
        "{mail}"
    );
    let minted = store
        .query_pairs("SELECT 'tokens', CAST(COUNT(*) AS TEXT) FROM action_tokens")
        .await
        .unwrap();
    assert_eq!(minted[0].1, "0", "a refused message mints no token");

    // Whatever an attacker posts to an action URL changes nothing.
    let http = reqwest::Client::new();
    for token in [
        "__DAILYX_TOKEN_EDIT__",
        "__DAILYX_TOKEN_APPROVE__",
        &"0".repeat(64),
    ] {
        let r = http
            .post(format!("{}/actions/{token}", server.base))
            .form(&[("tweet_0", "attacker text"), ("draft", &id)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 410, "{token}");
    }
    let after = admin.draft(&id).await;
    assert_eq!(after["draft"]["status"], "needs_human_attention");
    assert_eq!(texts(&after["draft"]), texts(&draft));
}
