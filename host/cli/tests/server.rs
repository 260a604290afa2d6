//! `dailyx serve` as a process, over HTTP: the v3 API's auth, CSRF, roles and error shape on
//! every route; approval through to publishing on a fake X API (faults on demand); kill -9 at
//! every publish step; action links delivered over real SMTP / SendGrid / Twilio stand-ins;
//! the scheduler across a restart; no secret in any log line.

mod common;

use common::fakes::{FakeX, OtlpSink, Recorder, SmtpSink, XFault};
use common::host::*;
use dailyx_store::Store;
use dailyx_tests::db::TestDb;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread")]
async fn every_route_refuses_bad_requests_with_the_error_shape() {
    let host = Host::new(None, "");
    let server = host.start(&[]);
    let anon = Api::anonymous(&server.base);
    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
    let draft = admin.first_draft().await;
    let id = draft["id"].as_str().unwrap().to_owned();
    let hash = draft["content_hash"].as_str().unwrap().to_owned();

    // A reviewer, added with the CLI while the server runs.
    let reviewer = host.add_reviewer(&server.base).await;
    let (status, me) = reviewer.get("/api/auth/me").await;
    assert_eq!((status, me["role"].as_str()), (200, Some("reviewer")));

    let edit = json!({ "version": draft["version"], "tweets": texts(&draft) });
    let approve = json!({ "content_hash": hash });
    let schedule = json!({ "cron": "0 9 * * *", "timezone": "UTC" });
    // (method, path, body, admin only)
    let routes: Vec<(&str, String, Option<Value>, bool)> = vec![
        ("GET", "/api/auth/me".into(), None, false),
        ("POST", "/api/auth/logout".into(), Some(json!({})), false),
        (
            "POST",
            "/api/auth/password".into(),
            Some(json!({ "current_password": ADMIN_PASSWORD, "new_password": "x".repeat(16) })),
            false,
        ),
        ("GET", "/api/drafts".into(), None, false),
        ("GET", format!("/api/drafts/{id}"), None, false),
        (
            "POST",
            format!("/api/drafts/{id}/edit"),
            Some(edit.clone()),
            false,
        ),
        (
            "POST",
            format!("/api/drafts/{id}/approve"),
            Some(approve.clone()),
            false,
        ),
        (
            "POST",
            format!("/api/drafts/{id}/skip"),
            Some(json!({})),
            false,
        ),
        (
            "POST",
            format!("/api/drafts/{id}/regenerate"),
            Some(json!({})),
            false,
        ),
        (
            "POST",
            format!("/api/drafts/{id}/resume"),
            Some(json!({})),
            false,
        ),
        ("GET", "/api/runs".into(), None, false),
        ("POST", "/api/runs".into(), Some(json!({})), true),
        ("GET", "/api/config/schedule".into(), None, false),
        (
            "PUT",
            "/api/config/schedule".into(),
            Some(schedule.clone()),
            true,
        ),
        ("GET", "/api/config/blocked-terms".into(), None, false),
        (
            "PUT",
            "/api/config/blocked-terms".into(),
            Some(json!({ "terms": ["x"] })),
            true,
        ),
        ("GET", "/api/config/notifications".into(), None, true),
        (
            "PUT",
            "/api/config/notifications".into(),
            Some(json!({ "channels": [] })),
            true,
        ),
        ("GET", "/api/audit".into(), None, true),
    ];
    for (method, path, body, admin_only) in &routes {
        let body = body.as_ref().map(Value::to_string);
        // Unauthenticated.
        let (status, err) = anon.send(method, path, body.as_deref(), true).await;
        assert_eq!(
            (status, error_code(&err)),
            (401, "unauthenticated"),
            "{method} {path}"
        );
        if *method != "GET" {
            // Logged in, no CSRF token.
            let (status, err) = admin.send(method, path, body.as_deref(), false).await;
            assert_eq!(
                (status, error_code(&err)),
                (403, "csrf_failed"),
                "{method} {path}"
            );
        }
        if *admin_only {
            let (status, err) = reviewer.send(method, path, body.as_deref(), true).await;
            assert_eq!(
                (status, error_code(&err)),
                (403, "forbidden"),
                "{method} {path}"
            );
        }
    }
    // Malformed and ill-typed bodies; unknown ids.
    for path in [
        format!("/api/drafts/{id}/edit"),
        format!("/api/drafts/{id}/approve"),
        "/api/config/schedule".to_owned(),
    ] {
        let method = if path.contains("schedule") {
            "PUT"
        } else {
            "POST"
        };
        let (status, err) = admin.send(method, &path, Some("{,"), true).await;
        assert_eq!(
            (status, error_code(&err)),
            (400, "malformed_json"),
            "{path}"
        );
        let (status, err) = admin
            .send(
                method,
                &path,
                Some("{\"version\": \"one\", \"cron\": 5}"),
                true,
            )
            .await;
        assert_eq!(
            (status, error_code(&err)),
            (422, "invalid_request"),
            "{path}: {err}"
        );
    }
    for (method, suffix, body) in [
        ("GET", "", None),
        ("POST", "/edit", Some(edit.clone())),
        ("POST", "/approve", Some(approve.clone())),
        ("POST", "/skip", Some(json!({}))),
        ("POST", "/regenerate", Some(json!({}))),
        ("POST", "/resume", Some(json!({}))),
    ] {
        let path = format!("/api/drafts/no-such-draft{suffix}");
        let (status, err) = admin
            .send(method, &path, body.map(|b| b.to_string()).as_deref(), true)
            .await;
        assert_eq!((status, error_code(&err)), (404, "not_found"), "{path}");
    }
    let (status, err) = admin.get("/api/drafts?status=bogus").await;
    assert_eq!((status, error_code(&err)), (422, "invalid_request"));
    let (status, err) = admin.get("/api/no-such-route").await;
    assert_eq!((status, error_code(&err)), (404, "not_found"));
    let (status, err) = admin
        .put(
            "/api/config/schedule",
            json!({ "cron": "99 9 * * *", "timezone": "UTC" }),
        )
        .await;
    assert_eq!((status, error_code(&err)), (422, "invalid_request"));
    let (status, err) = admin
        .post(
            &format!("/api/drafts/{id}/approve"),
            json!({ "content_hash": "0000" }),
        )
        .await;
    assert_eq!((status, error_code(&err)), (409, "conflict"));
    let (status, err) = admin
        .post(&format!("/api/drafts/{id}/resume"), json!({}))
        .await;
    assert_eq!((status, error_code(&err)), (409, "illegal_transition"));

    // Nothing was half-written by any of that.
    let after = admin.draft(&id).await;
    assert_eq!(after["draft"]["version"], draft["version"]);
    assert_eq!(after["draft"]["content_hash"], draft["content_hash"]);
    assert_eq!(after["draft"]["status"], draft["status"]);

    // Happy paths of the settings routes.
    let (status, view) = admin.put("/api/config/schedule", schedule).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["next"].as_array().unwrap().len(), 5);
    let (status, _) = admin
        .put(
            "/api/config/blocked-terms",
            json!({ "terms": ["secret sauce"] }),
        )
        .await;
    assert_eq!(status, 200);
    let (status, terms) = reviewer.get("/api/config/blocked-terms").await;
    assert_eq!(
        (status, terms["terms"][0].as_str()),
        (200, Some("secret sauce"))
    );
    let (status, err) = admin
        .put(
            "/api/config/notifications",
            json!({ "channels": [{ "kind": "pigeon" }] }),
        )
        .await;
    assert_eq!((status, error_code(&err)), (422, "invalid_request"));
    // Plain SMTP carries the login and the action links in the clear: only to this machine.
    let (status, err) = admin
        .put(
            "/api/config/notifications",
            json!({ "channels": [{ "kind": "smtp", "host": "mail.example.com", "port": 25,
                "tls": "none", "from": "a@example.com", "to": ["b@example.com"] }] }),
        )
        .await;
    assert_eq!(
        (status, error_code(&err)),
        (422, "invalid_request"),
        "{err}"
    );
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("this machine"),
        "{err}"
    );

    // Login throttling: five wrong passwords lock the account, even for the right one (with
    // the answer a wrong password gets: a lock does not tell that the name exists).
    let mut bad = Api::anonymous(&server.base);
    for _ in 0..5 {
        let (status, err) = bad.try_login("rev", "wrong password, long enough").await;
        assert_eq!((status, error_code(&err)), (401, "invalid_credentials"));
    }
    let (status, err) = bad.try_login("rev", REVIEWER_PASSWORD).await;
    assert_eq!((status, error_code(&err)), (401, "invalid_credentials"));
    let (status, err) = bad.try_login("nobody", "whatever password here").await;
    assert_eq!((status, error_code(&err)), (401, "invalid_credentials"));
    // Login without the CSRF cookie.
    let r = reqwest::Client::new()
        .post(format!("{}/api/auth/login", server.base))
        .json(&json!({ "username": "admin", "password": ADMIN_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // The system routes.
    let (status, health) = anon.get("/api/health").await;
    assert_eq!(
        (
            status,
            health["status"].as_str(),
            health["dry_run"].as_bool()
        ),
        (200, Some("ok"), Some(true))
    );
    let (status, doc) = anon.get("/api/openapi.json").await;
    assert_eq!(status, 200);
    for path in [
        "/api/auth/login",
        "/api/drafts",
        "/api/drafts/{id}/approve",
        "/api/runs",
        "/api/health",
        "/api/metrics",
    ] {
        assert!(doc["paths"][path].is_object(), "OpenAPI lacks {path}");
    }
    let metrics = reqwest::get(format!("{}/api/metrics", server.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for name in [
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "runs_total",
        "job_latency_seconds",
        "agent_latency_seconds",
        "db_pool_connections",
    ] {
        assert!(metrics.contains(name), "metrics lack {name}:\n{metrics}");
    }
    assert!(
        metrics.contains("route=\"/api/drafts/{id}/approve\""),
        "routes are labelled by template"
    );

    // Audit: who did what.
    let (_, audit) = admin.get("/api/audit").await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in ["login", "login.failed", "login.locked", "config.set"] {
        assert!(actions.contains(&a), "no {a} in {actions:?}");
    }
    // Logout ends the session.
    let (status, _) = reviewer.post("/api/auth/logout", json!({})).await;
    assert_eq!(status, 204);
    let (status, _) = reviewer.get("/api/auth/me").await;
    assert_eq!(status, 401);
    assert_no_secrets(
        &host,
        &[
            admin.cookie.as_deref().unwrap(),
            admin.csrf.as_deref().unwrap(),
        ],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_approval_records_the_exact_payloads_and_sends_nothing() {
    dry_run_approval(Host::new(None, "")).await;
}

#[tokio::test]
async fn dry_run_approval_on_postgres() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    dry_run_approval(Host::on_postgres(&db.url)).await;
    db.finish().await;
}

async fn dry_run_approval(host: Host) {
    let (x, x_addr) = FakeX::start().await;
    // Even with an X API reachable, dry-run sends nothing.
    let server = host.start(&[("DAILYX_X_API_BASE", &format!("http://{x_addr}"))]);
    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
    let draft = admin.first_draft().await;
    let id = draft["id"].as_str().unwrap();
    let (list_tag, _) = admin.list_revalidated(None).await;
    let (again, unchanged) = admin.list_revalidated(Some(&list_tag)).await;
    assert_eq!(
        (again.as_str(), unchanged),
        (list_tag.as_str(), None),
        "304 while nothing changed"
    );
    let mut edited = texts(&draft);
    edited[0] = format!("{} (edited)", edited[0]);
    let (status, approved) = admin
        .post(
            &format!("/api/drafts/{id}/approve"),
            json!({ "version": draft["version"], "tweets": edited }),
        )
        .await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["status"], "publishing");
    let done = admin.wait_status(id, &["dry_run_posted"]).await;
    let posts = done["posts"].as_array().unwrap();
    assert_eq!(posts.len(), edited.len());
    for (post, text) in posts.iter().zip(&edited) {
        assert_eq!(post["dry_run"], true);
        assert_eq!(post["x_post_id"], Value::Null);
        let payload: Value = serde_json::from_str(post["payload"].as_str().unwrap()).unwrap();
        assert_eq!(payload["text"].as_str(), Some(text.as_str()));
    }
    assert!(
        x.requests().is_empty(),
        "dry-run called X: {:?}",
        x.requests()
    );
    // The audit has the edit and the approval, with the hashes before and after.
    let (_, audit) = admin.get(&format!("/api/audit?draft_id={id}")).await;
    let entries = audit["entries"].as_array().unwrap();
    let approve = entries
        .iter()
        .find(|e| e["action"] == "draft.approve")
        .expect("approve audited");
    let edit = entries
        .iter()
        .find(|e| e["action"] == "draft.edit")
        .expect("edit audited");
    assert_eq!(edit["before_hash"], draft["content_hash"]);
    assert_eq!(approve["after_hash"], done["draft"]["content_hash"]);
    assert_ne!(edit["before_hash"], edit["after_hash"]);
    // The list the console polls changed with the approval and the publisher's write.
    let (new_tag, page) = admin.list_revalidated(Some(&list_tag)).await;
    assert_ne!(new_tag, list_tag);
    let page = page.expect("a fresh page after the writes");
    let listed = page["drafts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id)
        .expect("listed");
    assert_eq!(listed["status"], "dry_run_posted");
    assert_eq!(texts(listed), edited);
    // Approving again is refused by the state machine.
    let (status, err) = admin
        .post(
            &format!("/api/drafts/{id}/approve"),
            json!({ "content_hash": done["draft"]["content_hash"] }),
        )
        .await;
    assert_eq!((status, error_code(&err)), (409, "illegal_transition"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_failure_on_the_final_text_blocks_publishing() {
    let host = Host::new(None, "");
    let server = host.start(&[]);
    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
    let draft = admin.first_draft().await;
    let id = draft["id"].as_str().unwrap();
    admin
        .put(
            "/api/config/blocked-terms",
            json!({ "terms": ["forbidden-word"] }),
        )
        .await;
    let mut edited = texts(&draft);
    edited[0] = format!("{} forbidden-word", edited[0]);
    let (status, err) = admin
        .post(
            &format!("/api/drafts/{id}/approve"),
            json!({ "version": draft["version"], "tweets": edited }),
        )
        .await;
    assert_eq!((status, error_code(&err)), (422, "policy_failed"), "{err}");
    assert!(
        err["error"]["detail"]["findings"]
            .as_array()
            .is_some_and(|f| !f.is_empty())
    );
    // The edit is kept (nothing the reviewer wrote is lost), the draft is not publishing.
    let after = admin.draft(id).await;
    assert_eq!(texts(&after["draft"]), edited);
    assert_eq!(after["draft"]["verdict"], "fail");
    assert_ne!(after["draft"]["status"], "publishing");
}

/// Approves the first draft for real publishing on the fake X; returns the draft's texts.
async fn approve_first(admin: &Api) -> (String, Vec<String>) {
    let draft = admin.first_draft().await;
    admin.approve(&draft).await;
    (draft["id"].as_str().unwrap().to_owned(), texts(&draft))
}

/// Each position posted exactly once, in order, each replying to the one before.
fn assert_thread_posted_once(x: &FakeX, texts: &[String], detail: &Value) {
    let posts = x.posts();
    let got: Vec<&str> = posts.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(
        got,
        texts.iter().map(String::as_str).collect::<Vec<_>>(),
        "posted texts"
    );
    for (i, p) in posts.iter().enumerate() {
        let expected = (i > 0).then(|| posts[i - 1].id.clone());
        assert_eq!(
            p.reply_to, expected,
            "position {i} replies to the previous post"
        );
        assert!(
            p.authorization.starts_with("OAuth ") && p.authorization.contains("oauth_signature=")
        );
    }
    let recorded: Vec<&str> = detail["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["x_post_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        recorded,
        posts.iter().map(|p| p.id.as_str()).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn publishing_survives_timeouts_5xx_and_rate_limits_without_duplicates() {
    let (x, x_addr) = FakeX::start().await;
    let host = Host::new(Some(&format!("http://{x_addr}")), "");
    let server = host.start(&[]);
    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
    // The first call creates the post but the answer never arrives in time; the next is a
    // 5xx after X acted; then a plain 5xx; then a rate limit.
    x.fail_next(&[
        XFault::CreateThenHang,
        XFault::CreateThen503,
        XFault::Plain503,
        XFault::RateLimited,
    ]);
    let (id, texts) = approve_first(&admin).await;
    let done = admin.wait_status(&id, &["posted", "error"]).await;
    assert_eq!(done["draft"]["status"], "posted", "{done}");
    assert_thread_posted_once(&x, &texts, &done);
    // Reconciliation looked at the timeline instead of posting again.
    assert!(x.requests().iter().any(|r| r == "GET /2/users/42/tweets"));
    let metrics = reqwest::get(format!("{}/api/metrics", server.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("publish_total{outcome=\"posted\"} 1"),
        "{metrics}"
    );
    assert_no_secrets(&host, &[]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_duplicate_content_refusal_is_reconciled_not_retried() {
    let (x, x_addr) = FakeX::start().await;
    let host = Host::new(Some(&format!("http://{x_addr}")), "");
    let server = host.start(&[]);
    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
    x.fail_next(&[XFault::Duplicate]);
    let (id, _) = approve_first(&admin).await;
    let done = admin.wait_status(&id, &["posted", "error"]).await;
    assert_eq!(done["draft"]["status"], "error");
    assert!(
        done["draft"]["last_error"]
            .as_str()
            .unwrap()
            .contains("duplicate"),
        "{done}"
    );
    let creates = x
        .requests()
        .iter()
        .filter(|r| *r == "POST /2/tweets")
        .count();
    assert_eq!(creates, 1, "a duplicate is never retried");
    // Resume after fixing things: continues and posts.
    let (status, _) = admin
        .post(&format!("/api/drafts/{id}/resume"), json!({}))
        .await;
    assert_eq!(status, 200);
    let done = admin.wait_status(&id, &["posted", "error"]).await;
    assert_eq!(done["draft"]["status"], "posted", "{done}");
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_at_every_publish_step_posts_every_position_once_in_order() {
    use rand::{Rng, SeedableRng};
    let seed = std::env::var("DAILYX_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20261122u64);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let points = ["before_call", "after_call", "after_record", "between"];
    for trial in 0..6 {
        let (x, x_addr) = FakeX::start().await;
        let host = Host::new(Some(&format!("http://{x_addr}")), "");
        // Learn the thread's length from a first server, then crash it during publishing.
        let server = host.start(&[]);
        let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
        let draft = admin.first_draft().await;
        let n = draft["tweets"].as_array().unwrap().len();
        drop(server);
        let point = points[rng.random_range(0..points.len())];
        let position = rng.random_range(0..n);
        let crash = format!("{point}:{position}");
        let crashing = host.start(&[("DAILYX_CRASH_AT", &crash)]);
        let admin = Api::login(&crashing.base, "admin", ADMIN_PASSWORD).await;
        let (id, texts) = approve_first(&admin).await;
        let mut crashing = crashing;
        let started = Instant::now();
        let status = loop {
            if let Some(s) = crashing.child.try_wait().unwrap() {
                break s;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "trial {trial}: no crash at {crash}"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(
            !status.success(),
            "trial {trial}: the server must die at {crash}"
        );
        // Restart: the publisher finds the draft mid-publish and finishes it.
        let server = host.start(&[]);
        let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
        let done = admin.wait_status(&id, &["posted", "error"]).await;
        assert_eq!(
            done["draft"]["status"], "posted",
            "trial {trial} ({crash}, seed {seed}): {done}"
        );
        assert_thread_posted_once(&x, &texts, &done);
    }
}

/// The action links in a delivered message.
fn links(message: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for part in message.split("http://review.example/actions/").skip(1) {
        let token: String = part.chars().take_while(char::is_ascii_hexdigit).collect();
        let rest = &part[token.len()..];
        let draft: String = rest
            .strip_prefix("?draft=")
            .unwrap_or("")
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        found.push((token, draft));
    }
    found
}

/// The operator's word that the environment's SendGrid key and Twilio token are for the
/// stand-ins (the environment's secrets go nowhere else).
fn operator_destinations(sendgrid: SocketAddr, twilio: SocketAddr) -> [(&'static str, String); 2] {
    [
        ("DAILYX_SENDGRID_API_BASE", format!("http://{sendgrid}")),
        ("DAILYX_TWILIO_API_BASE", format!("http://{twilio}")),
    ]
}

fn env_of<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// SMTP, SendGrid and Twilio WhatsApp channels, pointing at the stand-ins.
async fn set_channels(store: &Store, smtp: SocketAddr, sendgrid: SocketAddr, twilio: SocketAddr) {
    store
        .set_config_value(
            "notify.channels",
            &json!([
                { "kind": "smtp", "host": "127.0.0.1", "port": smtp.port(), "tls": "none", "from": "dailyx@example.com", "to": ["reviewer@example.com"] },
                { "kind": "sendgrid", "api_base": format!("http://{sendgrid}"), "from": "dailyx@example.com", "to": ["reviewer@example.com"] },
                { "kind": "twilio_whatsapp", "api_base": format!("http://{twilio}"), "account_sid": "AC123", "from": "+15550001111", "to": ["+15552223333"] },
            ]),
            None,
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn notifications_carry_single_use_action_links() {
    let (smtp, smtp_addr) = SmtpSink::start().await;
    let (rec, rec_addr) = Recorder::start().await;
    // SendGrid fails twice before it accepts.
    rec.statuses.lock().unwrap().extend([500, 503]);
    let host = Host::new(None, "");
    let store = host.store().await;
    set_channels(&store, smtp_addr, rec_addr, rec_addr).await;
    let server = host.start(&env_of(&operator_destinations(rec_addr, rec_addr)));
    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
    let (draft, detail) = admin.first_draft_delivered().await;
    let id = draft["id"].as_str().unwrap().to_owned();
    for d in detail["deliveries"].as_array().unwrap() {
        assert_eq!(d["status"], "sent", "{d}");
        if d["channel"] == "sendgrid" {
            assert_eq!(d["attempts"], 3);
        }
    }
    let mail = smtp.messages.lock().unwrap().join("\n");
    assert!(mail.contains("Subject:"), "{mail}");
    let bodies = rec.bodies();
    let sendgrid = bodies
        .iter()
        .find(|b| b.contains("personalizations"))
        .unwrap();
    assert!(
        bodies
            .iter()
            .any(|b| b.contains("whatsapp%3A%2B15552223333")),
        "{bodies:?}"
    );
    assert!(
        !sendgrid.contains("__DAILYX_TOKEN_"),
        "placeholders were replaced"
    );
    // And a link to the draft in the console.
    assert!(
        sendgrid.contains(&format!("http://review.example/drafts/{id}")),
        "{sendgrid}"
    );
    // Editing needs a login: the edit link opens the console's editor, without a token.
    assert!(
        sendgrid.contains(&format!("http://review.example/drafts/{id}?edit=1")),
        "{sendgrid}"
    );
    let found = links(sendgrid);
    assert_eq!(found.len(), 4, "approve, skip in text and html: {found:?}");
    let token = |i: usize| found[i].0.clone();
    let (approve, skip) = (token(0), token(1));
    assert_eq!(found[2].0, approve, "the html carries the same tokens");
    assert!(found.iter().all(|(_, d)| *d == id));
    let http = reqwest::Client::new();
    let page = |t: &str, draft: &str| {
        http.get(format!("{}/actions/{t}?draft={draft}", server.base))
            .send()
    };
    let act = |t: &str, form: Vec<(String, String)>| {
        http.post(format!("{}/actions/{t}", server.base))
            .form(&form)
            .send()
    };

    // GET shows a confirmation page and changes nothing.
    let r = page(&approve, &id).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["referrer-policy"], "no-referrer");
    assert!(r.text().await.unwrap().contains("<form method=\"post\""));
    assert_eq!(admin.draft(&id).await["draft"]["status"], draft["status"]);
    // Another draft's id: refused.
    assert_eq!(page(&skip, "other-draft").await.unwrap().status(), 400);
    assert_eq!(
        act(&skip, vec![("draft".into(), "other-draft".into())])
            .await
            .unwrap()
            .status(),
        400
    );
    // An edit token minted before editing needed a login: it edits nothing, is not spent,
    // and its page sends the reviewer to the console.
    let edit = store
        .mint_action_token(&dailyx_store::NewActionToken {
            draft_id: id.clone(),
            action: "edit".into(),
            content_hash: draft["content_hash"].as_str().unwrap().to_owned(),
            ttl: Duration::from_secs(3600),
        })
        .await
        .unwrap();
    let r = page(&edit, &id).await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains(&format!("http://review.example/drafts/{id}?edit=1"))
    );
    let form = vec![
        ("draft".to_owned(), id.clone()),
        ("tweet_0".to_owned(), "any text at all".to_owned()),
    ];
    assert_eq!(act(&edit, form.clone()).await.unwrap().status(), 403);
    assert_eq!(act(&edit, form).await.unwrap().status(), 403, "not spent");
    assert_eq!(texts(&admin.draft(&id).await["draft"]), texts(&draft));
    // Expired: refused.
    store
        .execute_admin(&format!(
            "UPDATE action_tokens SET expires_at = 0 WHERE token_hash = '{}'",
            dailyx_store::sha256_hex(skip.as_bytes())
        ))
        .await
        .unwrap();
    assert_eq!(page(&skip, &id).await.unwrap().status(), 410);
    assert_eq!(
        act(&skip, vec![("draft".into(), id.clone())])
            .await
            .unwrap()
            .status(),
        410
    );
    // Content changed since the link was sent: refused, and the token is not spent.
    let mut changed = texts(&draft);
    changed[0].push_str(" (changed)");
    let (status, edited) = admin
        .post(
            &format!("/api/drafts/{id}/edit"),
            json!({ "version": draft["version"], "tweets": changed }),
        )
        .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(page(&approve, &id).await.unwrap().status(), 409);
    assert_eq!(
        act(&approve, vec![("draft".into(), id.clone())])
            .await
            .unwrap()
            .status(),
        409
    );
    // Back to the text the link was made for: the link works, once.
    let (status, _) = admin
        .post(
            &format!("/api/drafts/{id}/edit"),
            json!({ "version": edited["version"], "tweets": texts(&draft) }),
        )
        .await;
    assert_eq!(status, 200);
    let r = act(&approve, vec![("draft".into(), id.clone())])
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    assert_eq!(
        act(&approve, vec![("draft".into(), id.clone())])
            .await
            .unwrap()
            .status(),
        410
    );
    admin.wait_status(&id, &["dry_run_posted"]).await;
    let (_, audit) = admin.get(&format!("/api/audit?draft_id={id}")).await;
    let via_link = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "draft.approve" && e["detail"]["via"] == "action_link");
    assert!(via_link, "{audit}");
    assert_no_secrets(&host, &[&approve, &edit, &skip]);
}

/// Midnight UTC every day, set long ago (catch-up is two days here): today's midnight is due.
async fn midnight_schedule_set_long_ago(store: &Store) {
    store
        .set_config_value(
            "schedule",
            &json!({ "cron": "0 0 * * *", "timezone": "UTC" }),
            None,
        )
        .await
        .unwrap();
    store
        .execute_admin("UPDATE app_config SET updated_at = 0 WHERE key = 'schedule'")
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_scheduler_runs_a_slot_once_across_restarts() {
    let host = Host::new(None, "");
    let store = host.store().await;
    midnight_schedule_set_long_ago(&store).await;
    let scheduled = async || {
        let runs = store.runs(100, 0).await.unwrap();
        runs.into_iter()
            .filter(|r| r.trigger == "schedule")
            .map(|r| r.scheduled_slot.unwrap())
            .collect::<Vec<_>>()
    };
    for _ in 0..2 {
        let server = host.start(&[]);
        let started = Instant::now();
        while scheduled().await.is_empty() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "no scheduled run"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        // Several scheduler passes.
        tokio::time::sleep(Duration::from_secs(3)).await;
        drop(server);
    }
    let slots = scheduled().await;
    assert_eq!(slots.len(), 1, "{slots:?}");
    assert!(slots[0].ends_with("T00:00:00Z"), "{slots:?}");
}

#[tokio::test]
async fn with_two_hosts_on_one_postgres_only_the_lease_holder_schedules() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let store = &db.store;
    midnight_schedule_set_long_ago(store).await;
    let hosts = [Host::on_postgres(&db.url), Host::on_postgres(&db.url)];
    let mut servers: Vec<Option<Running>> = hosts.iter().map(|h| Some(h.start(&[]))).collect();
    // Each server's node id, as its health endpoint reports it (the id in the leases table).
    let mut nodes = Vec::new();
    for r in servers.iter().flatten() {
        let (_, health) = Api::anonymous(&r.base).get("/api/health").await;
        nodes.push(health["node_id"].as_str().unwrap().to_owned());
    }
    let scheduled = async || {
        store
            .runs(100, 0)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.trigger == "schedule")
            .count()
    };
    let started = Instant::now();
    while scheduled().await == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no scheduled run"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Several passes of both schedulers.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(scheduled().await, 1);
    let holder = store
        .lease_holder("scheduler")
        .await
        .unwrap()
        .expect("held");
    let holder_index = nodes
        .iter()
        .position(|n| *n == holder)
        .expect("the holder is one of the two hosts");
    // Each host touched slots only while it held the lease (the lease may change hands
    // under load; the log says when), and one host queued the run.
    let mut queued = 0;
    for (i, h) in hosts.iter().enumerate() {
        let mut holds = false;
        for line in h.logs().lines() {
            if line.contains("this host now holds the scheduler lease") {
                holds = true;
            } else if line.contains("this host no longer holds the scheduler lease") {
                holds = false;
            } else if line.contains("scheduled run queued")
                || line.contains("slot already has its run")
            {
                assert!(holds, "host {i} touched a slot without the lease: {line}");
                queued += usize::from(line.contains("scheduled run queued"));
            }
        }
    }
    assert_eq!(queued, 1, "one host queued the run");

    // The other host's console sees the first host's writes at once (no stale cached page).
    let other = 1 - holder_index;
    let other_base = servers[other].as_ref().unwrap().base.clone();
    let holder_base = servers[holder_index].as_ref().unwrap().base.clone();
    let reader = Api::login(&other_base, "admin", ADMIN_PASSWORD).await;
    let writer = Api::login(&holder_base, "admin", ADMIN_PASSWORD).await;
    let draft = reader.first_draft().await;
    let id = draft["id"].as_str().unwrap().to_owned();
    let (tag, _) = reader.list_revalidated(None).await;
    let (status, body) = writer
        .post(&format!("/api/drafts/{id}/skip"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, page) = reader.list_revalidated(Some(&tag)).await;
    let page = page.expect("changed by the other host");
    let listed = page["drafts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(listed["status"], "skipped");

    // The holder dies: the other host takes the lease over once it expires (3 ticks).
    servers[holder_index].take();
    let other_node = &nodes[other];
    let started = Instant::now();
    while store.lease_holder("scheduler").await.unwrap().as_deref() != Some(other_node.as_str()) {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the surviving host never took the scheduler lease"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        scheduled().await,
        1,
        "the slot is not run again by the new holder"
    );
    drop(servers);
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thread_that_does_not_fit_the_daily_budget_is_not_started() {
    let (x, x_addr) = FakeX::start().await;
    let host = Host::with_database(
        Some(&format!("http://{x_addr}")),
        "",
        None,
        "daily_post_budget = 1",
    );
    let server = host.start(&[]);
    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
    let (id, texts) = approve_first(&admin).await;
    assert!(texts.len() >= 2, "the first draft is a thread: {texts:?}");
    let failed = admin.wait_status(&id, &["error", "posted"]).await;
    assert_eq!(failed["draft"]["status"], "error", "{failed}");
    let message = failed["draft"]["last_error"].as_str().unwrap();
    assert!(message.contains("daily post budget"), "{message}");
    assert!(x.posts().is_empty(), "nothing posted: {:?}", x.posts());
    drop(server);

    // With room in the budget, resuming publishes the whole thread once.
    let config = host.dir.path().join("dailyx.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("daily_post_budget = 1", "daily_post_budget = 17"),
    )
    .unwrap();
    let server = host.start(&[]);
    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
    let (status, body) = admin
        .post(&format!("/api/drafts/{id}/resume"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let done = admin.wait_status(&id, &["posted", "error"]).await;
    assert_eq!(done["draft"]["status"], "posted", "{done}");
    assert_eq!(done["draft"]["last_error"], Value::Null);
    assert_thread_posted_once(&x, &texts, &done);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_draft_past_its_review_window_expires_and_cannot_be_approved() {
    let host = Host::new(None, "");
    let server = host.start(&[]);
    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
    let draft = admin.first_draft().await;
    let id = draft["id"].as_str().unwrap().to_owned();
    assert!(
        draft["expires_at"].as_i64().is_some(),
        "a review window is set"
    );
    // The window closes (the server's clock job runs every second here).
    let store = host.store().await;
    store
        .execute_admin(&format!(
            "UPDATE drafts SET expires_at = 1 WHERE id = '{id}'"
        ))
        .await
        .unwrap();
    let expired = admin.wait_status(&id, &["expired"]).await;
    assert_eq!(expired["draft"]["status"], "expired");
    let (status, err) = admin
        .post(
            &format!("/api/drafts/{id}/approve"),
            json!({ "content_hash": draft["content_hash"] }),
        )
        .await;
    assert_eq!(
        (status, error_code(&err)),
        (409, "illegal_transition"),
        "{err}"
    );
    let (_, audit) = admin.get(&format!("/api/audit?draft_id={id}")).await;
    assert!(
        audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "draft.expire" && e["user_id"].is_null()),
        "{audit}"
    );
    assert!(store.posts(&id).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_channel_that_keeps_failing_is_recorded_and_the_others_still_deliver() {
    let (smtp, smtp_addr) = SmtpSink::start().await;
    let (sendgrid, sendgrid_addr) = Recorder::start().await;
    let (twilio, twilio_addr) = Recorder::start().await;
    // SendGrid is down for longer than the retries last; Twilio refuses the request (4xx:
    // permanent, not retried).
    sendgrid.statuses.lock().unwrap().extend([503; 20]);
    twilio.statuses.lock().unwrap().push_back(400);
    let host = Host::new(None, "");
    let store = host.store().await;
    set_channels(&store, smtp_addr, sendgrid_addr, twilio_addr).await;
    let server = host.start(&env_of(&operator_destinations(sendgrid_addr, twilio_addr)));
    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
    let (draft, detail) = admin.first_draft_delivered().await;
    let by_channel = |name: &str| {
        detail["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["channel"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(by_channel("smtp")["status"], "sent");
    let sg = by_channel("sendgrid");
    assert_eq!(
        (sg["status"].as_str(), sg["attempts"].as_i64()),
        (Some("failed"), Some(4)),
        "{sg}"
    );
    assert!(sg["error"].as_str().unwrap().contains("503"), "{sg}");
    assert_eq!(sendgrid.bodies().len(), 4, "tried max_tries times");
    let tw = by_channel("twilio_whatsapp");
    assert_eq!(
        (tw["status"].as_str(), tw["attempts"].as_i64()),
        (Some("failed"), Some(1)),
        "{tw}"
    );
    assert!(tw["error"].as_str().unwrap().contains("400"), "{tw}");
    assert!(!smtp.messages.lock().unwrap().is_empty());
    // The draft is still there to review, and the failures are counted.
    let id = draft["id"].as_str().unwrap();
    assert_eq!(admin.draft(id).await["draft"]["status"], draft["status"]);
    let (_, metrics) = admin.get("/api/metrics").await;
    let metrics = metrics.as_str().unwrap().to_owned();
    assert!(
        metrics.lines().any(|l| l.starts_with("notify_total")
            && l.contains("channel=\"sendgrid\"")
            && l.contains("outcome=\"failed\"")),
        "{metrics}"
    );
    assert_no_secrets(&host, &[]);
}

#[tokio::test(flavor = "multi_thread")]
async fn spans_are_exported_over_otlp_when_a_collector_is_configured() {
    let (collector, collector_addr) = OtlpSink::start().await;
    let host = Host::new(None, "");
    let server = host.start(&[
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            &format!("http://{collector_addr}"),
        ),
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
    ]);
    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
    let draft = admin.first_draft().await;
    let run_id = draft["run_id"].as_str().unwrap().to_owned();
    let spans = admin
        .wait_for("the run's and the requests' spans", async |_| {
            let spans = collector.spans();
            let run = spans
                .iter()
                .any(|s| s.name == "run" && s.attributes.get("run_id") == Some(&run_id));
            let request = spans.iter().any(|s| {
                s.name == "request"
                    && s.attributes.get("route").map(String::as_str) == Some("/api/drafts/{id}")
                    && s.attributes
                        .get("request_id")
                        .is_some_and(|id| !id.is_empty())
            });
            (run && request).then_some(spans)
        })
        .await;
    assert!(spans.iter().all(|s| s.service == "dailyx"), "{spans:?}");
    // Nothing secret is exported.
    let raw = collector.raw.lock().unwrap().concat();
    let raw = String::from_utf8_lossy(&raw);
    for secret in [
        ADMIN_PASSWORD,
        X_SECRET,
        X_TOKEN_SECRET,
        SENDGRID_KEY,
        TWILIO_TOKEN,
    ] {
        assert!(!raw.contains(secret), "{secret} exported");
    }
    assert!(
        !raw.contains(admin.cookie.as_deref().unwrap()),
        "session id exported"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_circuit_opens_after_repeated_failures_and_a_probe_closes_it() {
    let (x, x_addr) = FakeX::start().await;
    let host = Host::with_database(
        Some(&format!("http://{x_addr}")),
        "",
        None,
        "circuit_failure_threshold = 2\ncircuit_cool_down_secs = 2\n",
    );
    let server = host.start(&[]);
    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
    let (_, circuits) = admin.get("/api/circuit-states").await;
    assert_eq!(circuits[0]["provider"], "x");
    assert_eq!(circuits[0]["state"], "closed", "{circuits}");
    assert_eq!(circuits[0]["failure_threshold"], 2);

    // X fails twice (nothing created): the circuit opens, nothing is sent for the cool-down,
    // then one probe goes, succeeds, and the circuit closes; the draft is posted once.
    x.fail_next(&[XFault::Plain503, XFault::Plain503]);
    let (id, texts) = approve_first(&admin).await;
    let done = admin.wait_status(&id, &["posted", "error"]).await;
    assert_eq!(done["draft"]["status"], "posted", "{done}");
    assert_thread_posted_once(&x, &texts, &done);
    let creates = x
        .requests()
        .iter()
        .filter(|r| *r == "POST /2/tweets")
        .count();
    assert_eq!(
        creates,
        2 + texts.len(),
        "no call while the circuit was open"
    );

    let (_, circuits) = admin.get("/api/circuit-states").await;
    assert_eq!(circuits[0]["state"], "closed", "{circuits}");
    assert_eq!(circuits[0]["failures"], 0);
    let changes: Vec<String> = admin
        .wait_for("the circuit's three changes in the event log", async |a| {
            let (_, feed) = a.get("/api/feed?limit=500").await;
            let mut kinds: Vec<String> = feed["events"]
                .as_array()?
                .iter()
                .filter_map(|e| e["kind"].as_str())
                .filter(|k| k.starts_with("circuit."))
                .map(str::to_owned)
                .collect();
            kinds.reverse();
            (kinds.len() >= 3).then_some(kinds)
        })
        .await;
    assert_eq!(
        changes,
        ["circuit.open", "circuit.half-open", "circuit.closed"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn post_now_wakes_the_publisher_but_an_open_circuit_still_sends_nothing() {
    let (x, x_addr) = FakeX::start().await;
    let host = Host::with_database(
        Some(&format!("http://{x_addr}")),
        "",
        None,
        "circuit_failure_threshold = 2\ncircuit_cool_down_secs = 600\n",
    );
    let server = host.start(&[]);
    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
    let reviewer = host.add_reviewer(&server.base).await;

    // Nothing approved yet: nothing to post.
    let (status, body) = admin.post("/api/post-now", json!({})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(error_code(&body), "nothing_to_post");
    let (status, _) = reviewer.post("/api/post-now", json!({})).await;
    assert_eq!(status, 403);
    let (status, schedule) = admin.post("/api/reload-schedule", json!({})).await;
    assert_eq!(status, 200, "{schedule}");
    let (status, _) = reviewer.post("/api/reload-schedule", json!({})).await;
    assert_eq!(status, 403);

    // X fails twice: the circuit opens for ten minutes and the approved draft waits.
    x.fail_next(&[XFault::Plain503, XFault::Plain503]);
    let (id, _) = approve_first(&admin).await;
    admin
        .wait_for("the circuit to open", async |a| {
            let (_, c) = a.get("/api/circuit-states").await;
            (c[0]["state"] == "open").then_some(())
        })
        .await;
    let (status, body) = admin.post("/api/post-now", json!({})).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["draft_id"], id.as_str());
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let draft = admin.draft(&id).await;
    assert_eq!(
        draft["draft"]["status"], "publishing",
        "approval rules and the circuit hold"
    );
    let creates = x
        .requests()
        .iter()
        .filter(|r| *r == "POST /2/tweets")
        .count();
    assert_eq!(creates, 2, "nothing sent while the circuit is open");
    let (_, feed) = admin.get("/api/feed?kind=draft.post_now").await;
    assert_eq!(feed["events"][0]["subject"], id.as_str(), "{feed}");
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_of_published_posts_are_collected_and_the_weekly_report_sums_them() {
    let (x, x_addr) = FakeX::start().await;
    let host = Host::new(Some(&format!("http://{x_addr}")), "");
    let server = host.start(&[]);
    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
    let reviewer = host.add_reviewer(&server.base).await;
    let (id, texts) = approve_first(&admin).await;
    admin.wait_status(&id, &["posted"]).await;

    // Before any collection: the posts are listed without metrics.
    let (status, before) = reviewer.get("/api/metrics/posts?days=7").await;
    assert_eq!(status, 200, "{before}");
    assert_eq!(before["posts"].as_array().unwrap().len(), texts.len());
    assert!(before["posts"][0]["metrics"].is_null());
    assert_eq!(before["daily"].as_array().unwrap().len(), 7);

    // Reviewers cannot trigger a collection; admins can, twice: the newest snapshot counts.
    assert_eq!(
        reviewer.post("/api/metrics/collect", json!({})).await.0,
        403
    );
    for _ in 0..2 {
        let (status, c) = admin.post("/api/metrics/collect", json!({})).await;
        assert_eq!(status, 200, "{c}");
        assert_eq!(c["posts"], texts.len());
    }
    // Read through the `x` component's `recent` (the account's timeline with its counters).
    let reads = x
        .requests()
        .iter()
        .filter(|r| *r == "GET /2/users/42/tweets")
        .count();
    assert_eq!(reads, 2);
    let (_, after) = reviewer.get("/api/metrics/posts?days=7").await;
    let n = texts.len() as i64;
    // Post i (0-based, in posting order) reads 100·(i+1) + 10·reads impressions; 2 reads.
    let want_impressions: i64 = (0..n).map(|i| 100 * (i + 1) + 20).sum();
    let got: i64 = after["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["metrics"]["impressions"].as_i64().unwrap())
        .sum();
    assert_eq!(got, want_impressions, "{after}");
    let today = after["daily"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (today["posts"].as_i64(), today["impressions"].as_i64()),
        (Some(n), Some(want_impressions))
    );

    // This week's report: built on demand, stored, listed.
    let now = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let monday = now
        .checked_sub(jiff::Span::new().days(i64::from(now.weekday().to_monday_zero_offset())))
        .unwrap()
        .to_string();
    let (status, err) = admin
        .post("/api/reports/weekly", json!({ "week_start": "2026-11-17" }))
        .await;
    assert_eq!(
        (status, error_code(&err)),
        (422, "invalid_request"),
        "a Tuesday: {err}"
    );
    let (status, err) = admin
        .post("/api/reports/weekly", json!({ "week_start": "2030-01-07" }))
        .await;
    assert_eq!(
        (status, error_code(&err)),
        (422, "invalid_request"),
        "a week to come: {err}"
    );
    let (status, report) = admin
        .post("/api/reports/weekly", json!({ "week_start": monday }))
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["drafts"], 1);
    assert_eq!(report["posts_by_provider"]["x"], n);
    assert_eq!(report["totals"]["impressions"], want_impressions);
    let engagements = (0..n).map(|i| 3 * (i + 1) + 1 + 2 + 1).sum::<i64>();
    let rate = report["engagement_rate"].as_f64().unwrap();
    assert!(
        (rate - engagements as f64 / want_impressions as f64).abs() < 1e-9,
        "{rate}"
    );
    assert_eq!(
        report["top_post"]["text"],
        texts[texts.len() - 1].as_str(),
        "the last post read the most impressions"
    );
    let (_, reports) = reviewer.get("/api/reports/weekly").await;
    assert_eq!(reports[0]["week_start"], monday.as_str());
    let (_, feed) = admin.get("/api/feed?kind=report.weekly").await;
    assert_eq!(feed["events"].as_array().unwrap().len(), 1, "{feed}");
    assert_no_secrets(&host, &[]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_channel_credential_set_in_the_console_wins_over_the_environment() {
    let (smtp, smtp_addr) = SmtpSink::start().await;
    let (rec, rec_addr) = Recorder::start().await;
    let host = Host::new(None, "");
    let store = host.store().await;
    set_channels(&store, smtp_addr, rec_addr, rec_addr).await;
    // Set (sealed) as the console would, before the host starts: it applies before the first
    // notification goes out.
    let key = [7u8; 32];
    let vault = dailyx_common::Vault::from_key(&key);
    let stored = "SG.stored-in-the-console-5e1f";
    let name = "notify.sendgrid_api_key";
    store
        .set_credential(
            name,
            &vault.seal(name, &dailyx_common::Secret::new(stored)),
            "5e1f",
            Some(&[format!("http://{rec_addr}")]),
            None,
        )
        .await
        .unwrap();
    use base64::Engine as _;
    let master = base64::engine::general_purpose::STANDARD.encode(key);
    let server = host.start(&[("DAILYX_MASTER_KEY", master.as_str())]);
    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
    admin.first_draft_delivered().await;
    let auth: Vec<String> = rec
        .bodies
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, body)| body.contains("personalizations"))
        .map(|(h, _)| h["authorization"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(auth, [format!("Bearer {stored}")]);
    let (_, list) = admin.get("/api/credentials").await;
    let sendgrid = list
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "sendgrid")
        .unwrap();
    assert_eq!(sendgrid["credentials"][0]["set"], true, "{sendgrid}");
    assert!(!list.to_string().contains(stored));
    drop(smtp);
    assert_no_secrets(&host, &[stored]);
}
