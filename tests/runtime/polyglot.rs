//! Components from standard toolchains (componentize-py, jco), built by
//! scripts/build-polyglot-fixtures.sh: wasi:http held to the `http` grant through the same path
//! as `dailyx:agent/http`, and hostile Python and JavaScript stopped like Rust ones.

use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::routing::any;
use dailyx_runtime::secret::{Secret, StaticCredentials};
use dailyx_runtime::{CallError, CallRecord, Outcome, Runtime};
use dailyx_tests::*;
use std::sync::{Arc, Mutex};

type Hits = Arc<Mutex<Vec<String>>>;

/// Answers `hello <path> auth=<authorization>` and records what it saw.
async fn handler(State(hits): State<Hits>, uri: Uri, headers: HeaderMap) -> String {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    let line = format!("hello {} auth={auth}", uri.path());
    hits.lock().unwrap().push(line.clone());
    line
}

fn entry(name: &str, file: &str, extra: &str) -> String {
    format!(
        "[[component]]\nname = \"{name}\"\nversion = \"1.0.0\"\nworld = \"writer\"\nfile = \"{file}\"\n{extra}\n"
    )
}

/// Each line a request the fetcher makes; the tweets say what came back.
async fn fetch(runtime: &Runtime, component: &str, lines: &[String]) -> (Vec<String>, CallRecord) {
    let args: Vec<&str> = lines.iter().map(String::as_str).collect();
    let record = runtime.call(component, writer_input("fetch", &args)).await;
    let texts = crate::expect_draft(&record)
        .tweets
        .iter()
        .map(|t| t.text.clone())
        .collect();
    (texts, record)
}

#[tokio::test]
async fn a_python_component_fetches_through_wasi_http_only_within_its_grant() {
    let hits: Hits = Arc::default();
    let addr = serve(
        axum::Router::new()
            .fallback(any(handler))
            .with_state(hits.clone()),
    )
    .await;
    let port = addr.port();
    let reg = TestRegistry::new();
    reg.put("py-fetcher.wasm", &component_bytes("fixtures/py-fetcher"));
    let limits = "[component.limits]\nmemory_bytes = 134217728\nwall_clock_ms = 20000\n";
    let exact = format!(
        "[component.grants.http]\nmax_requests_per_run = 4\n[[component.grants.http.allow]]\n\
         origin = \"http://127.0.0.1:{port}\"\npath_prefixes = [\"/allowed\"]\n{limits}"
    );
    let wildcard = format!(
        "[component.grants.http]\n[[component.grants.http.allow]]\norigin = \"http://*\"\n[[component.grants.http.allow]]\norigin = \"http://*:{port}\"\n{limits}"
    );
    reg.manifest(
        &[
            entry("exact", "py-fetcher.wasm", &exact),
            entry("wild", "py-fetcher.wasm", &wildcard),
            entry("none", "py-fetcher.wasm", limits),
        ]
        .concat(),
    );
    let mut config = reg.config();
    config.credentials = Arc::new(StaticCredentials::with(vec![(
        format!("http://127.0.0.1:{port}"),
        "authorization".parse().unwrap(),
        Secret::new("Bearer host-secret"),
    )]));
    let runtime = Runtime::start(config).await.unwrap();
    let registry = runtime.registry();
    assert!(
        registry.problems.is_empty() && registry.manifest_error.is_none(),
        "{:?} {:?}",
        registry.problems,
        registry.manifest_error
    );

    // Within the grant: it arrives, with the host's credential instead of the guest's.
    let (texts, record) = fetch(
        &runtime,
        "exact",
        &[
            format!("GET http://127.0.0.1:{port}/allowed/a authorization: Bearer guest-chosen"),
            format!("GET http://127.0.0.1:{}/allowed/b", port + 1),
            format!("GET http://127.0.0.1:{port}/secret"),
            format!("GET http://127.0.0.1:{port}/allowed/c"),
            format!("GET http://127.0.0.1:{port}/allowed/d"),
        ],
    )
    .await;
    assert_eq!(
        texts[0], "200 hello /allowed/a auth=Bearer host-secret",
        "{texts:?}"
    );
    assert!(
        texts[1].starts_with("refused HttpRequestDenied"),
        "another origin: {texts:?}"
    );
    assert!(
        texts[2].starts_with("refused HttpRequestDenied"),
        "another path: {texts:?}"
    );
    assert_eq!(
        texts[3], "200 hello /allowed/c auth=Bearer host-secret",
        "{texts:?}"
    );
    assert!(
        texts[4].starts_with("refused HttpRequestDenied"),
        "the budget (4) counts every request through wasi:http, refused ones too: {texts:?}"
    );
    assert_eq!(
        *hits.lock().unwrap(),
        [
            "hello /allowed/a auth=Bearer host-secret",
            "hello /allowed/c auth=Bearer host-secret"
        ]
    );
    let denied: Vec<&str> = record
        .events
        .iter()
        .filter(|e| e.capability == "http" && e.outcome == Outcome::Denied)
        .map(|e| e.detail.as_str())
        .collect();
    assert!(
        denied
            .iter()
            .any(|d| d.contains("`authorization` is host-managed; dropped")),
        "{denied:?}"
    );
    assert!(
        denied.iter().any(|d| d.contains("is not granted")),
        "{denied:?}"
    );
    assert!(
        denied.iter().any(|d| d.contains("path /secret")),
        "{denied:?}"
    );
    assert!(
        denied
            .iter()
            .any(|d| d.contains("max_requests_per_run (4)")),
        "{denied:?}"
    );
    let allowed = record
        .events
        .iter()
        .filter(|e| e.capability == "http" && e.outcome == Outcome::Allowed)
        .count();
    assert_eq!(allowed, 2, "{:?}", record.events);
    assert_eq!(record.requests_sent, 2);

    // Loopback under a wildcard is refused after the name is resolved (SSRF), as is everything
    // without a grant.
    let (texts, record) = fetch(
        &runtime,
        "wild",
        &[
            format!("GET http://127.0.0.1:{port}/allowed"),
            format!("GET http://localhost:{port}/allowed"),
        ],
    )
    .await;
    assert!(
        texts
            .iter()
            .all(|t| t.starts_with("refused HttpRequestDenied")),
        "{texts:?}"
    );
    assert!(
        record
            .events
            .iter()
            .all(|e| e.outcome == Outcome::Denied && e.detail.contains("loopback")),
        "{:?}",
        record.events
    );
    let (texts, record) = fetch(
        &runtime,
        "none",
        &[format!("GET http://127.0.0.1:{port}/allowed")],
    )
    .await;
    assert!(
        texts[0].starts_with("refused HttpRequestDenied"),
        "{texts:?}"
    );
    assert!(
        record.events[0].detail.contains("no http grant"),
        "{:?}",
        record.events
    );
    assert_eq!(
        hits.lock().unwrap().len(),
        2,
        "nothing more reached the server"
    );
}

#[tokio::test]
async fn hostile_python_and_javascript_are_stopped_like_rust() {
    let reg = TestRegistry::new();
    reg.put("py-hostile.wasm", &component_bytes("fixtures/py-hostile"));
    reg.put("js-hostile.wasm", &component_bytes("fixtures/js-hostile"));
    let mut manifest = String::new();
    for lang in ["py", "js"] {
        let file = format!("{lang}-hostile.wasm");
        manifest += &entry(
            &format!("{lang}-deadline"),
            &file,
            "[component.limits]\nmemory_bytes = 134217728\nwall_clock_ms = 500\n",
        );
        manifest += &entry(
            &format!("{lang}-small"),
            &file,
            "[component.limits]\nmemory_bytes = 100663296\nwall_clock_ms = 20000\n",
        );
    }
    reg.manifest(&manifest);
    let runtime = reg.start().await;
    assert!(
        runtime.registry().problems.is_empty(),
        "{:?}",
        runtime.registry().problems
    );
    for lang in ["py", "js"] {
        let deadline = format!("{lang}-deadline");
        let record = runtime.call(&deadline, writer_input("spin", &[])).await;
        assert!(
            matches!(
                &record.result,
                Err(CallError::Timeout { limit_ms: 500, .. })
            ),
            "{deadline}: {:?}",
            record.result
        );
        assert!(record.duration.as_millis() < 3000, "{:?}", record.duration);

        let small = format!("{lang}-small");
        let record = runtime.call(&small, writer_input("grow", &[])).await;
        match &record.result {
            Err(CallError::ResourceLimit {
                resource, detail, ..
            }) => {
                assert_eq!(*resource, "memory");
                assert!(detail.contains("100663296"), "{detail}");
            }
            other => panic!("{small}: expected the memory limit, got {other:?}"),
        }
        // The next call on the same runtime is served.
        for name in [&deadline, &small] {
            let record = runtime.call(name, writer_input("ok", &["next call"])).await;
            assert_eq!(
                crate::expect_draft(&record).tweets[0].text,
                "next call",
                "{name}"
            );
        }
    }
}
