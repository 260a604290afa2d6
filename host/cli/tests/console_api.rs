//! What the console stands on, through the real binary over HTTP: the embedded app served with
//! a strict policy, the live draft events (SSE), the policy re-check of proposed text,
//! provenance, the plugins page and reload, and the runtime settings — persona, dry-run, the
//! LLM endpoint and a write-only key that is encrypted at rest, applied at once and after a
//! restart, and never shown, logged or audited.

mod common;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use common::fakes::serve;
use common::host::*;
use common::{add_commit, copy_shipped_plugins, root};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn header<'a>(r: &'a reqwest::Response, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_console_is_served_from_the_binary_with_a_strict_policy() {
    let host = Host::new(None, "");
    let server = host.start(&[]);
    let http = reqwest::Client::new();
    let get = |path: &str| http.get(format!("{}{path}", server.base)).send();

    let index = get("/").await.unwrap();
    assert_eq!(index.status(), 200);
    assert!(header(&index, "content-type").starts_with("text/html"));
    let csp = header(&index, "content-security-policy").to_owned();
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "CSP {csp} lacks {directive}");
    }
    assert_eq!(header(&index, "x-frame-options"), "DENY");
    assert_eq!(header(&index, "cache-control"), "no-cache");
    let html = index.text().await.unwrap();
    assert!(
        html.contains("id=\"root\""),
        "the built console is embedded (scripts/build-console.sh runs before cargo): {html}"
    );
    let script = html
        .split("src=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a script tag")
        .to_owned();
    assert!(script.starts_with("/assets/"), "{script}");

    // Hashed assets: typed, cached for a year, revalidated by ETag.
    let js = get(&script).await.unwrap();
    assert_eq!(js.status(), 200);
    assert!(header(&js, "content-type").contains("javascript"));
    assert!(header(&js, "cache-control").contains("immutable"));
    let etag = header(&js, "etag").to_owned();
    let again = http
        .get(format!("{}{script}", server.base))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    // The app's own routes get index.html; a missing file is a 404, not the app.
    let route = get("/drafts/0192-some-draft").await.unwrap();
    assert_eq!(route.status(), 200);
    assert!(route.text().await.unwrap().contains("id=\"root\""));
    assert_eq!(get("/assets/missing-1234.js").await.unwrap().status(), 404);
    // The API keeps its JSON errors.
    let api = get("/api/nope").await.unwrap();
    assert_eq!(api.status(), 404);
    assert_eq!(
        api.json::<Value>().await.unwrap()["error"]["code"],
        "not_found"
    );
    let post = http.post(format!("{}/", server.base)).send().await.unwrap();
    assert_eq!(post.status(), 405);
}

/// Reads SSE events from `response` until `want` accepts one's data (or the deadline passes).
async fn next_event(
    response: &mut reqwest::Response,
    buffer: &mut String,
    want: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        while let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            let is_drafts = event.lines().any(|l| l == "event: drafts");
            let data = event.lines().find_map(|l| l.strip_prefix("data: "));
            if let (true, Some(data)) = (is_drafts, data) {
                let v: Value = serde_json::from_str(data).unwrap();
                if want(&v) {
                    return v;
                }
            }
        }
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .expect("timed out waiting for an event")
            .unwrap()
            .expect("the stream ended");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_draft_stream_reports_every_change_with_counts() {
    let host = Host::new(None, "");
    let server = host.start(&[]);
    let anon = Api::anonymous(&server.base);
    let (status, _) = anon.get("/api/drafts/events").await;
    assert_eq!(status, 401);

    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
    let mut stream = admin
        .http
        .get(format!("{}/api/drafts/events", server.base))
        .header(
            "cookie",
            format!("dailyx_session={}", admin.cookie.clone().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert!(header(&stream, "content-type").starts_with("text/event-stream"));
    let mut buffer = String::new();
    // The first run's draft appears on the stream without asking.
    let created = next_event(&mut stream, &mut buffer, |v| {
        v["counts"].as_object().is_some_and(|c| !c.is_empty())
    })
    .await;
    let draft = admin.first_draft().await;
    let status = draft["status"].as_str().unwrap().to_owned();
    assert_eq!(created["counts"][&status], 1, "{created}");

    let id = draft["id"].as_str().unwrap();
    let (code, body) = admin
        .post(&format!("/api/drafts/{id}/skip"), json!({}))
        .await;
    assert_eq!(code, 200, "{body}");
    let skipped = next_event(&mut stream, &mut buffer, |v| v["counts"]["skipped"] == 1).await;
    assert_ne!(skipped["revision"], created["revision"]);
    assert!(
        skipped["counts"].get(&status).is_none_or(|n| n == 0),
        "{skipped}"
    );

    // A graceful shutdown does not wait for open streams: they end, and the server exits.
    let mut server = server;
    let pid = server.child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the event stream stayed open after SIGTERM");
    let exited = tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                return Some(status);
            }
            if started.elapsed() > Duration::from_secs(10) {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    })
    .await
    .unwrap();
    assert!(
        exited.is_some_and(|s| s.success()),
        "the server did not stop cleanly: {exited:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_check_re_runs_the_policy_on_proposed_text_without_saving_it() {
    let host = Host::new(None, "");
    let server = host.start(&[]);
    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
    let draft = admin.first_draft().await;
    let id = draft["id"].as_str().unwrap();
    let detail = admin.draft(id).await;

    // Provenance: every material a tweet cites is in the detail; the generated text is kept.
    let materials: Vec<&str> = detail["materials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(!materials.is_empty());
    for tweet in draft["tweets"].as_array().unwrap() {
        for cited in tweet["material_ids"].as_array().unwrap() {
            assert!(
                materials.contains(&cited.as_str().unwrap()),
                "{cited} missing"
            );
        }
    }
    assert_eq!(detail["generated"], json!(texts(&draft)));
    assert_eq!(detail["max_weighted_length"], 280);

    let long = format!(
        "{} {}",
        "a".repeat(290),
        "https://example.com/a/very/long/link"
    );
    let (status, check) = admin
        .post(
            &format!("/api/drafts/{id}/check"),
            json!({ "tweets": [long, "Short and fine."] }),
        )
        .await;
    assert_eq!(status, 200, "{check}");
    assert_eq!(check["verdict"], "fail");
    assert_eq!(check["max_weighted_length"], 280);
    // 290 letters, a space, and a link counted as 23.
    assert_eq!(check["weighted_lengths"], json!([314, 15]));
    let pinned = check["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["severity"] == "fail")
        .unwrap_or_else(|| panic!("a failing finding: {check}"));
    assert_eq!(pinned["tweet_position"], 0, "{check}");

    // Nothing was saved.
    let after = admin.draft(id).await;
    assert_eq!(after["draft"]["version"], detail["draft"]["version"]);
    assert_eq!(texts(&after["draft"]), texts(&draft));

    let (status, err) = admin
        .post(&format!("/api/drafts/{id}/check"), json!({ "tweets": [] }))
        .await;
    assert_eq!(
        (status, error_code(&err)),
        (422, "invalid_request"),
        "{err}"
    );
    let (status, _) = admin
        .post(
            "/api/drafts/no-such-draft/check",
            json!({ "tweets": ["x"] }),
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn plugins_are_listed_for_reviewers_and_reloaded_by_admins() {
    let host = Host::new(None, "");
    let server = host.start(&[]);
    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
    let reviewer = host.add_reviewer(&server.base).await;

    let (status, page) = reviewer.get("/api/plugins").await;
    assert_eq!(status, 200, "{page}");
    let plugins = page["plugins"].as_array().unwrap();
    let names: Vec<&str> = plugins
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in [
        "collector",
        "writer",
        "policy",
        "dev-advocate",
        "jasmine-salmon",
    ] {
        assert!(names.contains(&name), "{name} not listed: {names:?}");
    }
    for p in plugins {
        assert_eq!(p["status"], "loaded", "{p}");
        assert!(p["digest"].as_str().unwrap().starts_with("sha256:"));
        assert!(p["limits"]["memory_bytes"].as_u64().unwrap() > 0);
    }
    let writer = plugins.iter().find(|p| p["name"] == "writer").unwrap();
    assert_eq!(writer["world"], "writer");
    assert_eq!(writer["grants"]["llm"]["max_tokens_per_run"], 6000);
    assert!(
        writer["grants"]["http"].is_null(),
        "the writer has no http grant"
    );
    assert!(page["last_reload"]["at"].as_i64().unwrap() > 0);

    let (status, err) = reviewer.post("/api/plugins/reload", json!({})).await;
    assert_eq!((status, error_code(&err)), (403, "forbidden"));
    let (status, reloaded) = admin.post("/api/plugins/reload", json!({})).await;
    assert_eq!(status, 200, "{reloaded}");
    assert!(reloaded["last_reload"]["at"].as_i64() >= page["last_reload"]["at"].as_i64());
    assert_eq!(reloaded["plugins"].as_array().unwrap().len(), plugins.len());
    let (_, audit) = admin.get("/api/audit").await;
    assert!(
        audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "plugins.reload"),
        "{audit}"
    );
}

/// An OpenAI-compatible endpoint that records what reaches it and answers 503.
#[derive(Clone, Default)]
struct FakeLlm {
    seen: Arc<Mutex<Vec<(String, Value)>>>,
}

async fn completions(State(llm): State<FakeLlm>, headers: HeaderMap, body: String) -> StatusCode {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = serde_json::from_str(&body).unwrap_or(Value::Null);
    llm.seen.lock().unwrap().push((auth, body));
    StatusCode::SERVICE_UNAVAILABLE
}

const LLM_KEY: &str = "sk-or-v1-console-set-key-5e1f9c2d";

#[tokio::test(flavor = "multi_thread")]
async fn runtime_settings_apply_at_once_and_the_llm_key_stays_secret() {
    let llm = FakeLlm::default();
    let addr = serve(
        Router::new()
            .route("/v1/chat/completions", post(completions))
            .with_state(llm.clone()),
    )
    .await;
    let host = Host::new(None, "");
    let server = host.start(&[]);
    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
    admin.first_draft().await;
    let reviewer = host.add_reviewer(&server.base).await;
    assert_eq!(reviewer.get("/api/config/runtime").await.0, 403);
    assert_eq!(
        reviewer
            .put("/api/config/runtime", json!({ "dry_run": true }))
            .await
            .0,
        403
    );

    let (status, before) = admin.get("/api/config/runtime").await;
    assert_eq!(status, 200, "{before}");
    assert_eq!(before["persona"], "dev-advocate");
    assert_eq!(before["dry_run"], true);
    assert_eq!(before["llm"]["configured"], false);
    let personas = before["personas"].as_array().unwrap();
    assert!(personas.contains(&json!("jasmine-salmon")), "{before}");

    // Refused, each with a reason, and nothing changed; the key is never echoed.
    for (body, code) in [
        (json!({ "persona": "writer" }), 422),
        (
            json!({ "llm": { "base_url": "ftp://x/v1", "model": "m" } }),
            422,
        ),
        (
            json!({ "llm": { "base_url": "http://127.0.0.1:1/v1", "model": "two words" } }),
            422,
        ),
        (json!({ "llm_api_key": "has a space-5e1f9c2d" }), 422),
        (json!({ "unknown": 1 }), 422),
        (json!({}), 422),
    ] {
        let (status, err) = admin.put("/api/config/runtime", body.clone()).await;
        assert_eq!(status, code, "{body} → {err}");
        assert!(!err.to_string().contains("5e1f9c2d"), "{err}");
    }

    let (status, set) = admin
        .put(
            "/api/config/runtime",
            json!({
                "persona": "jasmine-salmon",
                "dry_run": false,
                "llm": { "base_url": format!("http://{addr}/v1"), "model": "test/model-1" },
                "llm_api_key": LLM_KEY,
            }),
        )
        .await;
    assert_eq!(status, 200, "{set}");
    assert_eq!(set["persona"], "jasmine-salmon");
    assert_eq!(set["dry_run"], false);
    assert_eq!(set["llm"]["configured"], true);
    assert_eq!(set["llm"]["model"], "test/model-1");
    assert_eq!(set["llm"]["api_key_set"], true);
    assert_eq!(set["llm"]["api_key_last4"], "9c2d");
    assert!(!set.to_string().contains(LLM_KEY));
    let (_, health) = admin.get("/api/health").await;
    assert_eq!(health["dry_run"], false, "the publisher switched at once");
    // Back to dry-run: nothing in this test may reach X.
    let (status, _) = admin
        .put("/api/config/runtime", json!({ "dry_run": true }))
        .await;
    assert_eq!(status, 200);

    // A run now calls the new endpoint with the key, and writes as the new persona.
    let project = host.dir.path().join("project");
    let mut commits = 0;
    let mut run_with_key = async |api: &Api| {
        // New material, so the run gets as far as the writer. Commit times have whole seconds
        // and the collector takes commits after the previous run's start: wait a second.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        commits += 1;
        add_commit(
            &project,
            &format!("src/feature_{commits}.rs"),
            &format!("feat: feature number {commits} for the console"),
        );
        let before = llm.seen.lock().unwrap().len();
        let (status, run) = api.post("/api/runs", json!({})).await;
        assert_eq!(status, 202, "{run}");
        let id = run["id"].as_str().unwrap().to_owned();
        let finished = api
            .wait_for("the run to finish", async |api| {
                let (_, r) = api.get(&format!("/api/runs/{id}")).await;
                matches!(r["run"]["status"].as_str(), Some("succeeded" | "failed")).then_some(r)
            })
            .await;
        let seen = llm.seen.lock().unwrap();
        assert!(
            seen.len() > before,
            "the LLM endpoint was not called: {finished}"
        );
        let (auth, body) = &seen[seen.len() - 1];
        assert_eq!(auth, &format!("Bearer {LLM_KEY}"));
        assert_eq!(body["model"], "test/model-1");
        id
    };
    let run_id = run_with_key(&admin).await;
    let (_, run) = admin.get(&format!("/api/runs/{run_id}")).await;
    let persona_step = run["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stage"] == "persona");
    assert_eq!(
        persona_step.unwrap()["component_name"],
        "jasmine-salmon",
        "{run}"
    );

    // At rest: only ciphertext and the last four; the master key file is 0600.
    let store = host.store().await;
    let stored = store.credential("llm.api_key").await.unwrap().unwrap();
    assert!(!stored.ciphertext.contains(LLM_KEY) && !stored.ciphertext.contains("5e1f9c2d"));
    assert_eq!(stored.last4, "9c2d");
    let key_file = host.dir.path().join("data").join("master.key");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // After a restart the settings and the key still apply.
    drop(server);
    let server = host.start(&[]);
    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
    let (_, after) = admin.get("/api/config/runtime").await;
    assert_eq!(after["persona"], "jasmine-salmon");
    assert_eq!(after["llm"]["model"], "test/model-1");
    run_with_key(&admin).await;

    // Removing the key: the endpoint stays, without a key.
    let (status, removed) = admin
        .put("/api/config/runtime", json!({ "llm_api_key": "" }))
        .await;
    assert_eq!(status, 200, "{removed}");
    assert_eq!(removed["llm"]["api_key_set"], false);
    assert!(store.credential("llm.api_key").await.unwrap().is_none());

    // The audit says what changed, never the key.
    let (_, audit) = admin.get("/api/audit").await;
    let changes: Vec<&Value> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "config.runtime")
        .collect();
    assert!(
        changes.iter().any(|e| e["detail"]["llm_api_key"] == "set"),
        "{audit}"
    );
    assert!(!audit.to_string().contains(LLM_KEY));
    assert_no_secrets(&host, &[LLM_KEY, "5e1f9c2d"]);
}

/// The shipped components in a private plugins directory the test may change.
/// Component `name` in a `GET /api/plugins` page (`null` when it is not listed).
fn plugin(page: &Value, name: &str) -> Value {
    page["plugins"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == name))
        .cloned()
        .unwrap_or(Value::Null)
}

fn private_plugins() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_shipped_plugins(dir.path());
    dir
}

/// A new build of the shipped writer: the same code with a custom section appended (so a new
/// digest), as version 0.2.0, signed with the build key and installed as a build would.
fn install_writer_v2(plugins: &std::path::Path) -> String {
    let mut bytes = std::fs::read(plugins.join("writer.wasm")).unwrap();
    let name = b"dailyx-test";
    let payload = b"v2";
    bytes.push(0); // custom section
    bytes.push((1 + name.len() + payload.len()) as u8);
    bytes.push(name.len() as u8);
    bytes.extend_from_slice(name);
    bytes.extend_from_slice(payload);
    install_writer(plugins, &bytes, "0.2.0", "")
}

/// Installs `bytes` as the writer at `version`, with `extra_grants` (TOML) added to its entry,
/// signed with the build key, in the order a build writes files. Returns the digest.
fn install_writer(
    plugins: &std::path::Path,
    bytes: &[u8],
    version: &str,
    extra_grants: &str,
) -> String {
    let mut manifest = std::fs::read_to_string(plugins.join("registry.toml")).unwrap();
    let head = "name = \"writer\"\nversion = \"";
    let start = manifest
        .find(head)
        .expect("the writer's entry changed; update this test")
        + head.len();
    let end = start + manifest[start..].find('"').unwrap();
    manifest.replace_range(start..end, version);
    if !extra_grants.is_empty() {
        let budget = "max_tokens_per_run = 6000\n";
        let at = manifest[start..]
            .find(budget)
            .expect("the writer's llm grant")
            + start;
        manifest.insert_str(at + budget.len(), extra_grants);
    }
    std::fs::write(plugins.join("registry.toml"), manifest).unwrap();
    let digest = dailyx_signing::sha256_digest(bytes);
    let staged = plugins.join("writer.wasm.staged");
    std::fs::write(&staged, bytes).unwrap();
    std::fs::write(plugins.join("writer.wasm.sha256"), format!("{digest}\n")).unwrap();
    let key = dailyx_signing::SigningKeyFile::load(&root().join("keys/local-build.key")).unwrap();
    dailyx_signing::sign_staged(plugins, &key, &[("writer".into(), Some(staged.clone()))]).unwrap();
    std::fs::rename(staged, plugins.join("writer.wasm")).unwrap();
    digest
}

#[tokio::test(flavor = "multi_thread")]
async fn plugin_history_is_recorded_and_rollback_restores_the_exact_version() {
    let plugins = private_plugins();
    let host = Host::new(None, "");
    let dir = plugins.path().to_string_lossy().into_owned();
    let server = host.start(&[("DAILYX_PLUGINS_DIR", &dir)]);
    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
    let reviewer = host.add_reviewer(&server.base).await;

    let (status, history) = reviewer.get("/api/plugins/writer/history").await;
    assert_eq!(status, 200, "{history}");
    let versions = history["versions"].as_array().unwrap().clone();
    assert_eq!(versions.len(), 1, "{history}");
    assert_eq!(versions[0]["actor"], "system (start)");
    assert_eq!(versions[0]["active"], true);
    assert_eq!(versions[0]["signed"], true);
    assert_eq!(
        versions[0]["entry"]["grants"]["llm"]["max_tokens_per_run"],
        6000
    );
    let v1 = versions[0]["digest"].as_str().unwrap().to_owned();
    let v1_bytes = std::fs::read(plugins.path().join("writer.wasm")).unwrap();

    // A new version lands; the watcher activates it and the history records it.
    let v2 = install_writer_v2(plugins.path());
    let page = admin
        .wait_for("writer 0.2.0 to serve", async |a| {
            let (_, page) = a.get("/api/plugins/writer/history").await;
            (page["active_digest"] == v2.as_str() && page["versions"].as_array()?.len() == 2)
                .then_some(page)
        })
        .await;
    assert_eq!(page["versions"][0]["version"], "0.2.0");
    assert_eq!(page["versions"][0]["actor"], "system (file watcher)");
    assert_eq!(page["versions"][1]["active"], false);

    // Only admins roll back; an unknown target is a 404 that changes nothing.
    let (status, body) = reviewer
        .post("/api/plugins/writer/rollback", json!({}))
        .await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = admin
        .post("/api/plugins/writer/rollback", json!({"to": "9.9.9"}))
        .await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = admin.post("/api/plugins/nope/rollback", json!({})).await;
    assert_eq!(status, 404, "{body}");

    // Roll back: the exact earlier bytes, entry and signature serve again.
    let (status, page) = admin.post("/api/plugins/writer/rollback", json!({})).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["active_digest"], v1.as_str());
    assert_eq!(page["versions"][0]["action"], "rollback");
    assert_eq!(page["versions"][0]["actor"], "admin");
    assert_eq!(page["versions"][0]["version"], "0.1.0");
    assert_eq!(page["versions"][0]["active"], true);
    assert_eq!(
        std::fs::read(plugins.path().join("writer.wasm")).unwrap(),
        v1_bytes
    );
    let manifest = std::fs::read_to_string(plugins.path().join("registry.toml")).unwrap();
    assert!(
        manifest.contains("name = \"writer\"\nversion = \"0.1.0\""),
        "{manifest}"
    );
    assert!(
        manifest.contains("# The plugin registry"),
        "comments are kept: {manifest}"
    );
    let (_, list) = reviewer.get("/api/plugins").await;
    let writer = plugin(&list, "writer");
    assert_eq!(writer["digest"], v1.as_str());
    assert_eq!(writer["status"], "loaded", "{writer}");

    // And forward again, by version.
    let (status, page) = admin
        .post("/api/plugins/writer/rollback", json!({"to": "0.2.0"}))
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["active_digest"], v2.as_str());

    let (_, audit) = admin.get("/api/audit").await;
    let rollbacks: Vec<&Value> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "plugins.rollback")
        .collect();
    assert!(rollbacks.len() >= 2, "{audit}");
    assert!(
        rollbacks
            .iter()
            .any(|e| e["detail"]["to_digest"] == v1.as_str()
                && e["detail"]["from_digest"] == v2.as_str()
                && e["detail"]["ok"] == true),
        "{audit}"
    );
    drop(server);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_widened_writer_waits_for_an_admin_and_the_eval_gate_refuses_a_long_writer() {
    let plugins = private_plugins();
    let host = Host::new(None, "");
    let dir = plugins.path().to_string_lossy().into_owned();
    let server = host.start(&[("DAILYX_PLUGINS_DIR", &dir)]);
    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
    let reviewer = host.add_reviewer(&server.base).await;
    let writer = |page: &Value| plugin(page, "writer");

    // The shipped writer passed its golden set at its first activation; the report is kept.
    let (status, evals) = reviewer.get("/api/plugins/writer/evals").await;
    assert_eq!(status, 200, "{evals}");
    assert_eq!(evals[0]["passed"], true, "{evals}");
    assert_eq!(evals[0]["report"]["cases"].as_array().unwrap().len(), 3);
    let (_, page) = reviewer.get("/api/plugins").await;
    let v1 = writer(&page)["digest"].as_str().unwrap().to_owned();

    // A new build that also asks to reach an origin: it waits, v1 keeps serving.
    let mut bytes = std::fs::read(plugins.path().join("writer.wasm")).unwrap();
    bytes.extend_from_slice(&[0, 4, 3, b'a', b'b', b'c']); // a custom section: new digest
    let grant = "[[component.grants.http.allow]]\norigin = \"https://api.example.org\"\n";
    let v2 = install_writer(plugins.path(), &bytes, "0.2.0", grant);
    let page = reviewer
        .wait_for("the widened writer to wait", async |r| {
            let (_, page) = r.get("/api/plugins").await;
            (page["pending"][0]["to_digest"] == v2.as_str()).then_some(page)
        })
        .await;
    let pending = &page["pending"][0];
    assert_eq!(pending["name"], "writer");
    assert_eq!(pending["from_digest"], v1.as_str());
    assert!(
        pending["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["what"] == "grants.http.allow https://api.example.org"
                && c["direction"] == "widened"),
        "{pending}"
    );
    assert_eq!(writer(&page)["digest"], v1.as_str());
    assert_eq!(writer(&page)["status"], "loaded_old_version");
    assert!(
        writer(&page)["problem"]
            .as_str()
            .unwrap()
            .contains("waits for an administrator"),
        "{page}"
    );

    // Only an admin confirms, and only the version that waits.
    let (status, body) = reviewer
        .post("/api/plugins/writer/confirm", json!({ "digest": v2 }))
        .await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = admin
        .post("/api/plugins/writer/confirm", json!({ "digest": v1 }))
        .await;
    assert_eq!(status, 404, "{body}");
    let (status, page) = admin
        .post("/api/plugins/writer/confirm", json!({ "digest": v2 }))
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["pending"], json!([]));
    assert_eq!(writer(&page)["digest"], v2.as_str());
    assert_eq!(
        writer(&page)["grants"]["http"]["allow"][0]["origin"],
        "https://api.example.org"
    );
    let (_, history) = reviewer.get("/api/plugins/writer/history").await;
    assert_eq!(history["versions"][0]["digest"], v2.as_str());
    assert_eq!(history["versions"][0]["actor"], "admin");
    let (_, audit) = admin.get("/api/audit").await;
    assert!(
        audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "plugins.confirm"
                && e["detail"]["digest"] == v2.as_str()
                && e["detail"]["ok"] == true
                && e["detail"]["changes"]
                    .as_array()
                    .is_some_and(|c| !c.is_empty())),
        "{audit}"
    );

    // A writer that emits a 400-character tweet, with no wider grants: the eval gate refuses it.
    let long = std::fs::read(root().join("plugins-registry/fixtures/long-writer.wasm"))
        .expect("build the guests first: bash scripts/build-guests.sh");
    let v3 = install_writer(plugins.path(), &long, "0.3.0", "");
    let page = reviewer
        .wait_for("the eval gate to refuse the long writer", async |r| {
            let (_, page) = r.get("/api/plugins").await;
            writer(&page)["problem"]
                .as_str()
                .is_some_and(|p| p.contains("refused by the eval gate"))
                .then_some(page)
        })
        .await;
    assert_eq!(writer(&page)["digest"], v2.as_str(), "v2 keeps serving");
    let (_, evals) = reviewer.get("/api/plugins/writer/evals").await;
    assert_eq!(evals[0]["digest"], v3.as_str());
    assert_eq!(evals[0]["passed"], false);
    let failures = evals[0]["report"]["cases"][0]["failures"].to_string();
    assert!(failures.contains("400 weighted characters"), "{failures}");
    drop(server);
}

/// Reads SSE frames from `response` until `count` events arrived; returns their ids and kinds.
async fn read_events(
    response: &mut reqwest::Response,
    buffer: &mut String,
    count: usize,
) -> Vec<(i64, String)> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    while seen.len() < count {
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            let id = frame.lines().find_map(|l| l.strip_prefix("id: "));
            let kind = frame.lines().find_map(|l| l.strip_prefix("event: "));
            let data = frame.lines().find_map(|l| l.strip_prefix("data: "));
            if let (Some(id), Some(kind), Some(data)) = (id, kind, data) {
                let v: Value = serde_json::from_str(data).unwrap();
                assert_eq!(v["id"].to_string(), id, "the data is the event");
                assert_eq!(v["kind"], kind);
                seen.push((id.parse().unwrap(), kind.to_owned()));
            }
        }
        if seen.len() >= count {
            break;
        }
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .expect("timed out waiting for events")
            .unwrap()
            .expect("the stream ended");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
    seen
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_stream_client_that_reconnects_with_last_event_id_misses_nothing() {
    let host = Host::new(None, "");
    let server = host.start(&[]);
    let anon = Api::anonymous(&server.base);
    let (status, _) = anon.get("/api/recent").await;
    assert_eq!(status, 401);
    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
    let open = |last: Option<i64>| {
        let mut req = admin
            .http
            .get(format!("{}/events?after=0", server.base))
            .header(
                "cookie",
                format!("dailyx_session={}", admin.cookie.clone().unwrap()),
            );
        if let Some(id) = last {
            req = req.header("last-event-id", id.to_string());
        }
        req.send()
    };

    // The first start's run and component activations are in the log; read a few, then drop.
    let mut stream = open(None).await.unwrap();
    assert_eq!(stream.status(), 200);
    assert!(header(&stream, "content-type").starts_with("text/event-stream"));
    let mut buffer = String::new();
    let first = read_events(&mut stream, &mut buffer, 3).await;
    assert!(first.windows(2).all(|w| w[0].0 < w[1].0), "{first:?}");
    drop(stream);
    let last_seen = first.last().unwrap().0;

    // While disconnected, a run writes more events.
    let (code, body) = admin.post("/api/runs", json!({})).await;
    assert!(code == 200 || code == 202, "{code} {body}");
    // Wait for this run's outcome event (by the run's id: the feed also holds the first start's
    // run); the run finds nothing new, so its outcome is the newest event the host writes.
    let run_id = body["id"].as_str().unwrap().to_owned();
    let newest = admin
        .wait_for("the run's outcome event", async |a| {
            let (_, recent) = a.get("/api/recent?limit=20").await;
            recent.as_array()?.iter().find_map(|e| {
                let outcome = e["subject"] == run_id.as_str()
                    && matches!(
                        e["kind"].as_str(),
                        Some("run.nothing-new" | "run.drafted" | "run.failed")
                    );
                outcome.then(|| e["id"].as_i64()).flatten()
            })
        })
        .await;

    // What the log holds after the last event seen, oldest first (paging the feed back).
    let mut logged = Vec::new();
    let mut before: Option<i64> = None;
    loop {
        let path = match before {
            Some(b) => format!("/api/feed?limit=100&before={b}"),
            None => "/api/feed?limit=100".to_owned(),
        };
        let (_, page) = admin.get(&path).await;
        for e in page["events"].as_array().unwrap() {
            logged.push((
                e["id"].as_i64().unwrap(),
                e["kind"].as_str().unwrap().to_owned(),
            ));
        }
        match page["next_before"].as_i64() {
            Some(b) => before = Some(b),
            None => break,
        }
    }
    logged.reverse();
    let after_last: Vec<(i64, String)> = logged
        .into_iter()
        .filter(|(id, _)| *id > last_seen && *id <= newest)
        .collect();
    assert!(!after_last.is_empty());

    // Reconnecting with Last-Event-ID (it wins over ?after=0) resumes right after it: exactly
    // those events, in order, nothing missed and nothing repeated.
    let mut stream = open(Some(last_seen)).await.unwrap();
    let mut buffer = String::new();
    let resumed = read_events(&mut stream, &mut buffer, after_last.len()).await;
    assert_eq!(resumed, after_last);
    let kinds: Vec<&str> = resumed.iter().map(|e| e.1.as_str()).collect();
    assert!(
        kinds.contains(&"run.claimed") && kinds.contains(&"step.finished"),
        "{kinds:?}"
    );

    // The same events as JSON lines, from the command line.
    let export = host
        .command(&["events", "export", "--after", &last_seen.to_string()])
        .output()
        .unwrap();
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let exported: Vec<(i64, String)> = String::from_utf8_lossy(&export.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|v| {
            (
                v["id"].as_i64().unwrap(),
                v["kind"].as_str().unwrap().to_owned(),
            )
        })
        .filter(|(id, _)| *id <= newest)
        .collect();
    assert_eq!(exported, after_last);

    let (_, latest) = admin.get("/api/latest").await;
    assert_eq!(latest["newest"]["id"].as_i64(), Some(newest), "{latest}");
    assert!(
        latest["by_kind"]["component.activated"]["subject"].is_string(),
        "{latest}"
    );
    drop(server);
}

#[tokio::test(flavor = "multi_thread")]
async fn nodes_heartbeat_and_a_node_that_stops_is_reported_dead() {
    let a = Host::new(None, "");
    let server_a = a.start(&[]);
    // A second host process on the same database.
    let b = Host::with_database(None, "", Some(a.database_url()), "");
    let server_b = b.start(&[]);
    let admin = Api::login(&server_a.base, "admin", ADMIN_PASSWORD).await;
    let (_, health_b) = Api::anonymous(&server_b.base).get("/healthz").await;
    let b_id = health_b["node_id"].as_str().expect("node id").to_owned();
    let (_, health_a) = Api::anonymous(&server_a.base).get("/healthz").await;
    assert_eq!(health_a["status"], "ok", "{health_a}");
    let a_id = health_a["node_id"].as_str().unwrap().to_owned();
    assert_ne!(a_id, b_id);

    let nodes = admin
        .wait_for("both nodes alive", async |api| {
            let (_, nodes) = api.get("/api/nodes").await;
            let alive = nodes
                .as_array()?
                .iter()
                .filter(|n| n["state"] == "alive")
                .count();
            (alive == 2).then_some(nodes)
        })
        .await;
    let this = nodes
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == a_id.as_str())
        .unwrap();
    assert_eq!(this["this_node"], true);
    assert!(
        this["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "worker")
    );
    assert!(this["version"].is_string() && this["hostname"].is_string());

    // B stops (killed: no goodbye); after the timeout A reports it dead and itself alive.
    drop(server_b);
    let nodes = admin
        .wait_for("B reported dead", async |api| {
            let (_, nodes) = api.get("/api/nodes").await;
            let b = nodes
                .as_array()?
                .iter()
                .find(|n| n["id"] == b_id.as_str())?;
            (b["state"] == "dead").then_some(nodes.clone())
        })
        .await;
    let a_view = nodes
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == a_id.as_str())
        .unwrap();
    assert_eq!(a_view["state"], "alive", "{nodes}");
    let (_, latest) = admin.get("/api/latest").await;
    assert!(latest["by_kind"]["node.started"].is_object(), "{latest}");
    // Its death is an event, announced once (A keeps heartbeating and looking).
    let deaths = admin
        .wait_for("node.dead", async |api| {
            let (_, feed) = api.get("/api/feed?kind=node.dead").await;
            let events = feed["events"].as_array()?.clone();
            (!events.is_empty()).then_some(events)
        })
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (_, feed) = admin.get("/api/feed?kind=node.dead").await;
    assert_eq!(feed["events"].as_array().unwrap().len(), 1, "{feed}");
    assert_eq!(deaths[0]["subject"], b_id.as_str(), "{deaths:?}");
    drop(server_a);
}

/// An admin cannot read a write-only secret back, and must not be able to send it elsewhere by
/// changing the address it is used with. Tried: the operator's LLM key (environment) with the
/// base URL moved to another endpoint in the console; the operator's SendGrid key with the
/// channel's API base moved to another receiver; a SendGrid key set in the console for one
/// receiver with the channel moved afterwards. Before, each went to the new address. Now none
/// leaves the host, the deliveries say to set the secret again, and a secret cannot be set
/// before the address it is for.
#[tokio::test(flavor = "multi_thread")]
async fn a_write_only_secret_never_follows_a_changed_address() {
    use common::fakes::Recorder;
    const FILE_LLM_KEY: &str = "sk-operator-file-key-7a1b2c3d";
    const CONSOLE_SG_KEY: &str = "SG.console-set-key-9f8e7d6c";
    let llm = |fake: &FakeLlm| {
        Router::new()
            .route("/v1/chat/completions", post(completions))
            .with_state(fake.clone())
    };
    let (ours, theirs) = (FakeLlm::default(), FakeLlm::default());
    let ours_addr = serve(llm(&ours)).await;
    let theirs_addr = serve(llm(&theirs)).await;
    let (good, good_addr) = Recorder::start().await;
    let (evil, evil_addr) = Recorder::start().await;
    let host = Host::new(None, "");
    let ours_url = format!("http://{ours_addr}/v1");
    let good_base = format!("http://{good_addr}");
    let server = host.start(&[
        ("DAILYX_LLM_BASE_URL", ours_url.as_str()),
        ("DAILYX_LLM_MODEL", "test/model-1"),
        ("DAILYX_LLM_API_KEY", FILE_LLM_KEY),
        ("DAILYX_SENDGRID_API_BASE", good_base.as_str()),
    ]);
    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
    admin.first_draft().await;
    let first_calls = ours.seen.lock().unwrap().clone();
    assert!(
        first_calls
            .iter()
            .all(|(auth, _)| auth == &format!("Bearer {FILE_LLM_KEY}")),
        "the operator's endpoint gets the operator's key: {first_calls:?}"
    );

    // A run on new material; the id of its draft.
    let project = host.dir.path().join("project");
    let mut commits = 0;
    let mut run = async |api: &Api| {
        tokio::time::sleep(Duration::from_millis(1100)).await;
        commits += 1;
        add_commit(
            &project,
            &format!("src/moved_{commits}.rs"),
            &format!("feat: moved address number {commits}"),
        );
        let (status, run) = api.post("/api/runs", json!({})).await;
        assert_eq!(status, 202, "{run}");
        let id = run["id"].as_str().unwrap().to_owned();
        api.wait_for("the run's draft", async |api| {
            let (_, r) = api.get(&format!("/api/runs/{id}")).await;
            r["run"]["draft_id"].as_str().map(str::to_owned)
        })
        .await
    };
    let sendgrid_delivery = async |api: &Api, draft: &str| {
        api.wait_for("the SendGrid delivery", async |api| {
            let d = api.draft(draft).await;
            d["deliveries"]
                .as_array()?
                .iter()
                .find(|d| d["channel"] == "sendgrid" && d["status"] != "pending")
                .cloned()
        })
        .await
    };
    let channel = |base: &str| {
        json!({ "channels": [{ "kind": "sendgrid", "api_base": base,
            "from": "dailyx@example.com", "to": ["reviewer@example.com"] }] })
    };

    // 1. The LLM base URL moves to another origin: the file's key stays with the file's URL.
    let (status, set) = admin
        .put(
            "/api/config/runtime",
            json!({ "llm": { "base_url": format!("http://{theirs_addr}/v1"), "model": "test/model-1" } }),
        )
        .await;
    assert_eq!(status, 200, "{set}");
    // 2. The SendGrid channel points at another receiver: the operator's key is for `good`.
    let (status, _) = admin
        .put(
            "/api/config/notifications",
            channel(&format!("http://{evil_addr}")),
        )
        .await;
    assert_eq!(status, 200);
    let draft = run(&admin).await;
    let seen = theirs.seen.lock().unwrap().clone();
    assert!(!seen.is_empty(), "the moved endpoint was called");
    assert!(
        seen.iter().all(|(auth, _)| auth.is_empty()),
        "the operator's LLM key followed the base URL: {seen:?}"
    );
    let delivery = sendgrid_delivery(&admin, &draft).await;
    assert_eq!(delivery["status"], "failed", "{delivery}");
    assert!(
        delivery["error"].as_str().unwrap().contains("set it again"),
        "{delivery}"
    );
    assert!(evil.bodies().is_empty(), "the receiver got nothing");

    // 3. A key set in the console is tied to the channel it was set for.
    let (status, _) = admin
        .put("/api/config/notifications", channel(&good_base))
        .await;
    assert_eq!(status, 200);
    let (status, list) = admin
        .put(
            "/api/credentials/notify.sendgrid_api_key",
            json!({ "value": CONSOLE_SG_KEY }),
        )
        .await;
    assert_eq!(status, 200, "{list}");
    let sendgrid = list
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "sendgrid")
        .unwrap()
        .clone();
    assert_eq!(
        sendgrid["credentials"][0]["bound_to"],
        json!([good_base]),
        "{sendgrid}"
    );
    let (status, _) = admin
        .put(
            "/api/config/notifications",
            channel(&format!("http://{evil_addr}")),
        )
        .await;
    assert_eq!(status, 200);
    let draft = run(&admin).await;
    let delivery = sendgrid_delivery(&admin, &draft).await;
    assert_eq!(delivery["status"], "failed", "{delivery}");
    assert!(evil.bodies().is_empty(), "the receiver got nothing");
    // Back where it was set for, it is used again.
    let (status, _) = admin
        .put("/api/config/notifications", channel(&good_base))
        .await;
    assert_eq!(status, 200);
    let draft = run(&admin).await;
    let delivery = sendgrid_delivery(&admin, &draft).await;
    assert_eq!(delivery["status"], "sent", "{delivery}");
    let auth: Vec<String> = good
        .bodies
        .lock()
        .unwrap()
        .iter()
        .map(|(h, _)| h["authorization"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        auth.last(),
        Some(&format!("Bearer {CONSOLE_SG_KEY}")),
        "{auth:?}"
    );

    // 4. A secret for an address that is not configured cannot be set.
    let (status, err) = admin
        .put(
            "/api/credentials/notify.smtp_password",
            json!({ "value": "smtp-password-for-nowhere" }),
        )
        .await;
    assert_eq!((status, error_code(&err)), (409, "no_destination"), "{err}");
    assert_no_secrets(&host, &[FILE_LLM_KEY, CONSOLE_SG_KEY]);
}
