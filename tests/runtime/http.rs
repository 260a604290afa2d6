//! The `http` capability against a real server on loopback: grants,
//! SSRF refusals, host-managed credentials, limits, redirects, timeouts.

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::any;
use dailyx_runtime::secret::{Secret, StaticCredentials};
use dailyx_runtime::{Outcome, Runtime};
use dailyx_tests::*;
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Hits = Arc<Mutex<Vec<String>>>;

/// Echoes `METHOD PATH auth=<authorization>` and records it; a few paths misbehave.
async fn handler(
    State(hits): State<Hits>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> axum::response::Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let line = format!("{method} {} auth={auth}", uri.path());
    hits.lock().unwrap().push(line.clone());
    match uri.path() {
        "/big" => "y".repeat(2 << 20).into_response(),
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            "late".into_response()
        }
        "/redirect" => (StatusCode::FOUND, [("location", "/secret")], "").into_response(),
        _ => line.into_response(),
    }
}

struct Net {
    _reg: TestRegistry,
    runtime: Arc<Runtime>,
    hits: Hits,
    port: u16,
}

async fn net() -> Net {
    let hits: Hits = Arc::default();
    let addr = serve(
        axum::Router::new()
            .fallback(any(handler))
            .with_state(hits.clone()),
    )
    .await;
    let port = addr.port();
    let reg = TestRegistry::new();
    reg.put("hostile.wasm", &component_bytes("fixtures/hostile"));
    let entry = |name: &str, grant: &str| {
        format!(
            "[[component]]\nname = \"{name}\"\nversion = \"0.1.0\"\nworld = \"writer\"\nfile = \"hostile.wasm\"\n{grant}\n"
        )
    };
    let exact = format!(
        "[component.grants.http]\nmax_requests_per_run = 4\nmax_response_bytes = 1048576\ntimeout_ms = 500\n\
         [[component.grants.http.allow]]\norigin = \"http://127.0.0.1:{port}\"\nmethods = [\"GET\"]\n\
         path_prefixes = [\"/allowed\", \"/big\", \"/slow\", \"/redirect\"]\n"
    );
    let wildcard = format!(
        "[component.grants.http]\n[[component.grants.http.allow]]\norigin = \"http://*:{port}\"\n\
         [[component.grants.http.allow]]\norigin = \"http://*\"\n"
    );
    let by_name = format!(
        "[component.grants.http]\n[[component.grants.http.allow]]\norigin = \"http://localhost:{port}\"\n"
    );
    // Requests may take 10 s, the call 2.5 s.
    let clamped = format!(
        "[component.grants.http]\ntimeout_ms = 10000\n[[component.grants.http.allow]]\n\
         origin = \"http://127.0.0.1:{port}\"\n[component.limits]\nwall_clock_ms = 2500\n"
    );
    reg.manifest(
        &[
            entry("exact", &exact),
            entry("clamped", &clamped),
            entry("wild", &wildcard),
            entry("named", &by_name),
            entry("none", ""),
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
    assert!(
        runtime.registry().problems.is_empty(),
        "{:?}",
        runtime.registry().problems
    );
    Net {
        _reg: reg,
        runtime,
        hits,
        port,
    }
}

async fn fetch(
    net: &Net,
    component: &str,
    lines: &[String],
) -> (Vec<String>, dailyx_runtime::CallRecord) {
    let args: Vec<&str> = lines.iter().map(String::as_str).collect();
    let record = net
        .runtime
        .call(component, writer_input("fetch", &args))
        .await;
    (crate::expect_draft(&record).notes.clone(), record)
}

#[tokio::test]
async fn granted_origin_method_and_path_are_allowed_and_recorded() {
    let net = net().await;
    let (notes, record) = fetch(
        &net,
        "exact",
        &[format!("GET http://127.0.0.1:{}/allowed/x", net.port)],
    )
    .await;
    assert!(notes[0].starts_with("ok 200 GET /allowed/x"), "{notes:?}");
    let event = &record.events[0];
    assert_eq!(
        (event.capability, event.outcome),
        ("http", Outcome::Allowed)
    );
    assert!(event.detail.starts_with("200"), "{}", event.detail);
    assert!(event.digest.starts_with("sha256:") && event.component == "exact");
}

#[tokio::test]
async fn other_origins_methods_and_paths_are_denied_before_sending() {
    let net = net().await;
    let p = net.port;
    let (notes, record) = fetch(
        &net,
        "exact",
        &[
            format!("GET http://127.0.0.1:{}/allowed", p + 1),
            format!("POST http://127.0.0.1:{p}/allowed"),
            format!("GET http://127.0.0.1:{p}/secret"),
            format!("GET http://127.0.0.1:{p}/allowed/../secret"),
        ],
    )
    .await;
    assert!(
        notes[0].contains("Denied") && notes[0].contains("is not granted"),
        "{notes:?}"
    );
    assert!(
        notes[1].contains("Denied") && notes[1].contains("method POST"),
        "{notes:?}"
    );
    assert!(
        notes[2].contains("Denied") && notes[2].contains("path /secret"),
        "{notes:?}"
    );
    assert!(
        notes[3].contains("Denied") && notes[3].contains("path /secret"),
        "{notes:?}"
    );
    assert!(
        net.hits.lock().unwrap().is_empty(),
        "nothing reached the server"
    );
    assert_eq!(
        record
            .events
            .iter()
            .filter(|e| e.outcome == Outcome::Denied)
            .count(),
        4
    );
}

#[tokio::test]
async fn ssrf_to_loopback_metadata_and_names_resolving_to_loopback_is_refused() {
    let net = net().await;
    let p = net.port;
    let (notes, record) = fetch(
        &net,
        "wild",
        &[
            format!("GET http://127.0.0.1:{p}/allowed"),
            format!("GET http://localhost:{p}/allowed"),
            "GET http://169.254.169.254/latest/meta-data/".to_string(),
            format!("GET http://[::ffff:127.0.0.1]:{p}/allowed"),
        ],
    )
    .await;
    assert!(
        notes[0].contains("loopback address") && notes[0].contains("exact origin"),
        "{notes:?}"
    );
    assert!(
        notes[1].contains("localhost is 127.0.0.1") || notes[1].contains("localhost is ::1"),
        "{notes:?}"
    );
    assert!(notes[2].contains("cloud metadata"), "{notes:?}");
    assert!(notes[3].contains("loopback"), "{notes:?}");
    assert!(
        net.hits.lock().unwrap().is_empty(),
        "nothing reached the server: {:?}",
        net.hits.lock().unwrap()
    );
    assert!(record.events.iter().all(|e| e.outcome == Outcome::Denied));
}

#[tokio::test]
async fn an_exact_origin_grant_may_reach_a_name_on_loopback() {
    let net = net().await;
    let (notes, _) = fetch(
        &net,
        "named",
        &[format!("GET http://localhost:{}/allowed", net.port)],
    )
    .await;
    assert!(notes[0].starts_with("ok 200"), "{notes:?}");
}

#[tokio::test]
async fn the_hosts_credential_wins_over_a_guest_authorization_header() {
    let net = net().await;
    let p = net.port;
    let (notes, record) = fetch(
        &net,
        "exact",
        &[format!(
            "GET http://127.0.0.1:{p}/allowed Authorization: Bearer guest-chosen"
        )],
    )
    .await;
    assert!(notes[0].contains("auth=Bearer host-secret"), "{notes:?}");
    assert!(!net.hits.lock().unwrap()[0].contains("guest-chosen"));
    assert!(
        record
            .events
            .iter()
            .any(|e| e.detail.contains("`authorization` is host-managed"))
    );
    // Without a configured credential the guest's header is still dropped.
    let (notes, _) = fetch(
        &net,
        "named",
        &[format!(
            "GET http://localhost:{p}/allowed Authorization: Bearer guest-chosen"
        )],
    )
    .await;
    assert!(notes[0].contains("auth=-"), "{notes:?}");
    // And the secret never reaches the guest's records.
    assert!(
        record
            .events
            .iter()
            .all(|e| !e.detail.contains("host-secret") && !e.target.contains("host-secret"))
    );
}

#[tokio::test]
async fn size_count_timeout_and_redirect_limits_hold() {
    let net = net().await;
    let p = net.port;
    let (notes, _) = fetch(
        &net,
        "exact",
        &[
            format!("GET http://127.0.0.1:{p}/big"),
            format!("GET http://127.0.0.1:{p}/slow"),
            format!("GET http://127.0.0.1:{p}/redirect"),
            format!("GET http://127.0.0.1:{p}/allowed"),
            format!("GET http://127.0.0.1:{p}/allowed"),
        ],
    )
    .await;
    assert!(notes[0].contains("TooLarge"), "{notes:?}");
    assert!(notes[1].contains("Timeout"), "{notes:?}");
    assert!(
        notes[2].starts_with("ok 302"),
        "redirects are returned, not followed: {notes:?}"
    );
    assert!(notes[3].starts_with("ok 200"), "{notes:?}");
    assert!(notes[4].contains("max_requests_per_run (4)"), "{notes:?}");
    // Issue 17: headers count toward max_request_bytes (64 KiB by default), not only the body.
    let (notes, _) = fetch(
        &net,
        "exact",
        &[format!(
            "GET http://127.0.0.1:{p}/allowed X-Padding: {}",
            "h".repeat(70 << 10)
        )],
    )
    .await;
    assert!(
        notes[0].contains("TooLarge") && notes[0].contains("in headers"),
        "{}",
        &notes[0][..notes[0].len().min(300)]
    );
    assert!(
        !net.hits
            .lock()
            .unwrap()
            .iter()
            .any(|h| h.contains("/secret"))
    );
}

/// Issue 17: a request never outlives its call. Its timeout ends a second before the call's
/// wall clock, so the guest sees the timeout (and can say "maybe sent") instead of being stopped
/// mid-request; a request with less than that left is refused unsent; and the record counts
/// the request that left and got no answer.
#[tokio::test]
async fn a_request_times_out_before_the_calls_wall_clock_and_is_counted() {
    let net = net().await;
    let p = net.port;
    let (notes, record) = fetch(
        &net,
        "clamped",
        &[
            format!("GET http://127.0.0.1:{p}/slow"),
            format!("GET http://127.0.0.1:{p}/allowed"),
        ],
    )
    .await;
    assert!(notes[0].contains("Timeout"), "{notes:?}");
    assert!(
        notes[1].contains("Denied") && notes[1].contains("too little of the call's wall clock"),
        "{notes:?}"
    );
    assert_eq!(record.requests_sent, 1);
    assert_eq!(record.requests_unanswered, 1);
    let http: Vec<_> = record
        .events
        .iter()
        .filter(|e| e.capability == "http")
        .collect();
    assert_eq!(http.len(), 2, "{http:?}");
    assert!(http[0].detail.starts_with("failed"), "{:?}", http[0]);
    // The server got the slow request; the refused one never left.
    let hits = net.hits.lock().unwrap().clone();
    assert_eq!(hits.iter().filter(|h| h.contains("/slow")).count(), 1);
    assert!(!hits.iter().any(|h| h.contains("/allowed")), "{hits:?}");
}

#[tokio::test]
async fn no_grant_means_no_http() {
    let net = net().await;
    let (notes, _) = fetch(
        &net,
        "none",
        &[format!("GET http://127.0.0.1:{}/allowed", net.port)],
    )
    .await;
    assert!(notes[0].contains("no http grant"), "{notes:?}");
    assert!(net.hits.lock().unwrap().is_empty());
}
