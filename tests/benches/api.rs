//! Review API throughput: `GET /api/drafts` on the real router (every middleware layer, the
//! session looked up in SQLite, the page of 50 drafts and their tweets read from SQLite,
//! counts per status, JSON logs formatted into a sink) side by side, in the same process and
//! the same run, with a bare axum handler answering the same JSON body from memory.
//!
//! The load generator is in-process: `CONNECTIONS` keep-alive HTTP/1.1 clients on loopback,
//! each sending its next request when the last answer is read (closed loop). The two servers
//! take turns, round after round, so drift (caches, frequency, background work) hits both alike.
//! Generator and server share the machine's cores: the figures are a ratio, not a capacity.
//!
//! `cargo bench -p dailyx-tests --bench api [-- SECONDS_PER_ROUND]` (default 3; 4 rounds).

use axum::Json;
use axum::routing::get;
use dailyx_notify::{ChannelSecrets, Notifier, NotifySettings};
use dailyx_pipeline::{Pipeline, PipelineSettings};
use dailyx_publish::{PublishSettings, Publisher};
use dailyx_runtime::Runtime;
use dailyx_server::auth::session::{SESSION_COOKIE, random_token};
use dailyx_server::{Parts, ServerSettings};
use dailyx_store::{Role, Store};
use dailyx_tests::fixtures::seed_draft;
use dailyx_tests::shipped_config;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

const DRAFTS: usize = 50;
const CONNECTIONS: usize = 16;
const ROUNDS: usize = 4;

fn main() {
    let seconds: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(3);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    rt.block_on(bench(Duration::from_secs(seconds)));
}

async fn bench(per_round: Duration) {
    // What `dailyx serve` installs, writing to a sink: spans and fields are still built.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
        .with_writer(std::io::sink)
        .json()
        .flatten_event(true)
        .init();

    let data = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", data.path().join("bench.db").display());
    let store = Store::open(&url).await.expect("store");
    seed(&store).await;
    let session_id = session(&store).await;
    let cookie = format!("{SESSION_COOKIE}={session_id}");
    let store_for_breakdown = store.clone();

    let dailyx = serve_dailyx(store, data.path()).await;
    let client = reqwest::Client::new();
    let body = client
        .get(format!("http://{dailyx}/api/drafts?limit={DRAFTS}"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("GET /api/drafts");
    assert_eq!(body.status(), 200);
    let page: serde_json::Value = body.json().await.expect("json");
    check_page(&page);
    let body_len = serde_json::to_vec(&page).expect("json").len();
    let bare = serve_bare(page).await;

    let targets = [
        Target {
            name: "bare axum (same JSON from memory)",
            url: format!("http://{bare}/api/drafts?limit={DRAFTS}"),
            cookie: None,
        },
        Target {
            name: "dailyx GET /api/drafts (SQLite)",
            url: format!("http://{dailyx}/api/drafts?limit={DRAFTS}"),
            cookie: Some(cookie),
        },
    ];
    // Warm-up: connections, page cache, allocator.
    for t in &targets {
        load(t, Duration::from_millis(500)).await;
    }
    let mut results: Vec<Measured> = targets.iter().map(|_| Measured::default()).collect();
    for _ in 0..ROUNDS {
        for (t, r) in targets.iter().zip(results.iter_mut()) {
            r.add(load(t, per_round).await);
        }
    }
    report(&targets, &mut results, per_round, body_len);
    breakdown(&store_for_breakdown, &session_id).await;
}

/// Where a request's time goes: each store call the handler makes, alone and sequential.
async fn breakdown(store: &Store, session: &str) {
    const N: u32 = 500;
    println!("\none request's store calls, {N} sequential calls each:");
    let t = Instant::now();
    for _ in 0..N {
        store
            .session(session)
            .await
            .expect("session")
            .expect("live");
    }
    println!("  {:<36} {:>8.3} ms", "session lookup", ms_per(t, N));
    for page in [1, 10, DRAFTS] {
        let t = Instant::now();
        for _ in 0..N {
            store.drafts(None, page as i64, 0).await.expect("drafts");
        }
        let what = format!("{page} drafts with tweets");
        println!("  {what:<36} {:>8.3} ms", ms_per(t, N));
    }
    let t = Instant::now();
    for _ in 0..N {
        store.draft_summary().await.expect("summary");
    }
    println!("  {:<36} {:>8.3} ms", "counts and revision", ms_per(t, N));
}

fn ms_per(started: Instant, n: u32) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0 / f64::from(n)
}

/// 50 drafts as the pipeline leaves them: threads of three tweets of realistic length, some
/// waiting for review and some flagged.
async fn seed(store: &Store) {
    let texts = [
        "Shipped streaming responses in the sync engine today: large exports now start in under \
         a second instead of waiting for the whole file. Details and numbers in the thread.",
        "The trick was to stop buffering the whole result set: rows go out as they are read, \
         with back-pressure from the socket, so memory stays flat at any export size.",
        "Also in this release: a 3x faster initial sync, fewer retries on flaky networks, and \
         a fix for empty input crashing the importer. Changelog: https://example.com/changes",
    ];
    for i in 0..DRAFTS {
        let verdict = if i % 5 == 0 { "warn" } else { "pass" };
        seed_draft(store, verdict, &texts).await;
    }
}

/// A reviewer's live session; returns its id.
async fn session(store: &Store) -> String {
    let hash = dailyx_server::password::hash("bench password 123").expect("hash");
    let user = store
        .create_user("bench", &hash, Role::Reviewer)
        .await
        .expect("user");
    let session = random_token();
    let expires = dailyx_store::now_ms() + 3_600_000;
    store
        .create_session(&session, "unused", &user.id, None, None, expires)
        .await
        .expect("session");
    session
}

/// The real router with the real state (runtime, pipeline, dry-run publisher), without the
/// background jobs (nothing is queued, so they would only sleep).
async fn serve_dailyx(store: Store, data: &std::path::Path) -> SocketAddr {
    let mut config = shipped_config();
    config.cache_dir = Some(data.join("cache"));
    let runtime = Runtime::start(config).await.expect("runtime");
    let pipeline = Pipeline::new(runtime.clone(), store.clone(), PipelineSettings::default());
    let runtime_for_dispatch = runtime.clone();
    let publisher = Publisher::new(store.clone(), None, PublishSettings::default(), "bench");
    let notifier = Notifier::new(
        store.clone(),
        ChannelSecrets::default(),
        NotifySettings::default(),
    );
    let state = dailyx_server::state(
        Parts {
            store: store.clone(),
            runtime,
            pipeline: Arc::new(pipeline),
            publisher: Arc::new(publisher),
            notifier: Arc::new(notifier),
            node_id: "bench".into(),
            vault: Arc::new(dailyx_common::Vault::from_key(&[0u8; 32])),
            llm_from_file: None,
            events: dailyx_server::event_log::EventLog::start(store.clone(), "bench".into()),
            dispatcher: Arc::new(dailyx_dispatch::Dispatcher::new(
                store.clone(),
                runtime_for_dispatch,
                dailyx_dispatch::ProviderCredentials::new(),
                Default::default(),
                "bench",
            )),
            provider_credentials: dailyx_dispatch::ProviderCredentials::new(),
            providers_from_file: Vec::new(),
            media: None,
        },
        ServerSettings::default(),
    )
    .expect("state");
    let app = dailyx_server::api::router(state);
    let (listener, addr) = dailyx_server::bind("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("bind");
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    addr
}

/// A bare axum handler answering `page` (serialised per request, as a handler would).
async fn serve_bare(page: serde_json::Value) -> SocketAddr {
    let page = Arc::new(page);
    let app = axum::Router::new().route(
        "/api/drafts",
        get(move || {
            let page = page.clone();
            async move { Json(page) }
        }),
    );
    dailyx_tests::serve(app).await
}

fn check_page(page: &serde_json::Value) {
    let drafts = page["drafts"].as_array().expect("drafts");
    assert_eq!(drafts.len(), DRAFTS, "the whole page");
    assert!(
        drafts
            .iter()
            .all(|d| d["tweets"].as_array().is_some_and(|t| t.len() == 3)),
        "every draft with its tweets"
    );
}

struct Target {
    name: &'static str,
    url: String,
    cookie: Option<String>,
}

#[derive(Default)]
struct Measured {
    latencies: Vec<Duration>,
    elapsed: Duration,
}

impl Measured {
    fn add(&mut self, other: Measured) {
        self.latencies.extend(other.latencies);
        self.elapsed += other.elapsed;
    }

    fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }
}

/// `CONNECTIONS` closed-loop clients against `target` for `duration`.
async fn load(target: &Target, duration: Duration) -> Measured {
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::with_capacity(CONNECTIONS);
    for _ in 0..CONNECTIONS {
        // One client each: one keep-alive connection each.
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .build()
            .expect("client");
        let url = target.url.clone();
        let cookie = target.cookie.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                let mut request = client.get(&url);
                if let Some(c) = &cookie {
                    request = request.header("cookie", c);
                }
                let response = request.send().await.expect("request");
                assert_eq!(response.status(), 200);
                let body = response.bytes().await.expect("body");
                assert!(!body.is_empty());
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut measured = Measured::default();
    for task in tasks {
        measured.latencies.extend(task.await.expect("client task"));
    }
    measured.elapsed = started.elapsed();
    measured
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

fn report(targets: &[Target], results: &mut [Measured], per_round: Duration, body_len: usize) {
    println!(
        "GET /api/drafts?limit={DRAFTS}, {body_len} byte body, {CONNECTIONS} connections, \
         {ROUNDS} rounds x {:.1} s per side, alternating",
        per_round.as_secs_f64()
    );
    println!(
        "{:<38} {:>10} {:>9} {:>9} {:>9}",
        "", "req/s", "p50 ms", "p99 ms", "requests"
    );
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    for (t, r) in targets.iter().zip(results.iter_mut()) {
        r.latencies.sort();
        println!(
            "{:<38} {:>10.0} {:>9.2} {:>9.2} {:>9}",
            t.name,
            r.per_second(),
            ms(percentile(&r.latencies, 0.5)),
            ms(percentile(&r.latencies, 0.99)),
            r.latencies.len()
        );
    }
    if let [bare, dailyx] = results {
        println!(
            "{:<38} {:>9.0}% {:>8.2}x {:>8.2}x",
            "dailyx / bare",
            100.0 * dailyx.per_second() / bare.per_second(),
            ms(percentile(&dailyx.latencies, 0.5)) / ms(percentile(&bare.latencies, 0.5)),
            ms(percentile(&dailyx.latencies, 0.99)) / ms(percentile(&bare.latencies, 0.99)),
        );
    }
}
