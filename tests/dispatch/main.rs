//! The dispatcher with the real provider components against one loopback server standing in
//! for every network: credentials attached by the host, threads chained, exactly once per
//! provider (an unknown outcome is reconciled, never blindly retried), the circuit breaker on
//! test-controlled time, simulation, budgets and clear failures.

mod fake;

use dailyx_common::Secret;
use dailyx_dispatch::{
    DeliveryOutcome, DispatchEvent, DispatchSettings, Dispatcher, ProviderConfig,
    ProviderCredentials, webhook_signature,
};
use dailyx_publish::circuit::{BreakerSettings, Clock};
use dailyx_runtime::Runtime;
use dailyx_store::{Store, content_hash};
use dailyx_tests::TestRegistry;
use dailyx_tests::db::TestDb;
use dailyx_tests::fixtures::seed_draft;
use fake::{Fake, Fault};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

const PROVIDERS: [&str; 6] = [
    "x",
    "mastodon",
    "bluesky",
    "facebook",
    "instagram",
    "webhook",
];
const WEBHOOK_SECRET: &str = "whsec-test-9999";
const MASTODON_TOKEN: &str = "masto-token-5678";
const FACEBOOK_TOKEN: &str = "fb-page-token-4321";

/// Test-controlled time for the breakers.
struct ManualClock {
    start: Instant,
    offset: Mutex<Duration>,
}

impl ManualClock {
    fn advance(&self, by: Duration) {
        *self.offset.lock() += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.start + *self.offset.lock()
    }
}

/// The shipped provider entries with every network's origin replaced by the fake's.
fn manifest(origin: &str) -> String {
    let shipped = std::fs::read_to_string(dailyx_tests::shipped_plugins().join("registry.toml"))
        .expect("shipped manifest");
    let start = shipped
        .find("[[component]]\nname = \"x\"")
        .expect("the x provider entry");
    let mut providers = shipped[start..].to_owned();
    for real in [
        "https://api.x.com",
        "https://mastodon.social",
        "https://bsky.social",
        "https://graph.facebook.com",
        "https://hooks.example.com",
    ] {
        providers = providers.replace(real, origin);
    }
    format!(
        "[defaults.limits]\nmemory_bytes = 67108864\nwall_clock_ms = 10000\nmax_output_bytes = 1048576\n\n{providers}"
    )
}

struct Net {
    fake: Fake,
    origin: String,
    db: TestDb,
    runtime: Arc<Runtime>,
    credentials: Arc<ProviderCredentials>,
    clock: Arc<ManualClock>,
    events: Arc<Mutex<Vec<DispatchEvent>>>,
    transitions: Arc<Mutex<Vec<String>>>,
    _registry: TestRegistry,
}

impl Net {
    async fn start() -> Net {
        Net::start_with(|m| m).await
    }

    /// Like [`Net::start`], with `edit` applied to the test manifest first.
    async fn start_with(edit: impl FnOnce(String) -> String) -> Net {
        let (fake, addr) = fake::start().await;
        let origin = format!("http://{addr}");
        let registry = TestRegistry::new();
        registry.manifest_unsigned(&edit(manifest(&origin)));
        for name in PROVIDERS {
            registry.put(
                &format!("{name}.wasm"),
                &dailyx_tests::component_bytes(name),
            );
        }
        let credentials = ProviderCredentials::new();
        let mut config = registry.config();
        config.credentials = credentials.clone();
        config.plugin_config = plugin_config(addr);
        let runtime = Runtime::start(config).await.expect("runtime");
        let problems = &runtime.registry().problems;
        assert!(problems.is_empty(), "{problems:?}");
        Net {
            fake,
            origin,
            db: TestDb::sqlite().await,
            runtime,
            credentials,
            clock: Arc::new(ManualClock {
                start: Instant::now(),
                offset: Mutex::new(Duration::ZERO),
            }),
            events: Arc::default(),
            transitions: Arc::default(),
            _registry: registry,
        }
    }

    async fn set_all_credentials(&self) {
        let values = [
            ("provider.x.api_key", "ck-1234"),
            ("provider.x.api_secret", "cs-secret-1234"),
            ("provider.x.access_token", "at-1234"),
            ("provider.x.access_token_secret", "ats-secret-1234"),
            ("provider.mastodon.access_token", MASTODON_TOKEN),
            ("provider.bluesky.identifier", "dailyx.bsky.social"),
            ("provider.bluesky.app_password", "app-pass-1234"),
            ("provider.facebook.page_access_token", FACEBOOK_TOKEN),
            ("provider.instagram.access_token", "ig-token-1234"),
            ("provider.webhook.signing_secret", WEBHOOK_SECRET),
        ];
        self.credentials
            .replace(
                values
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), Secret::new(*v)))
                    .collect(),
            )
            .await;
    }

    fn dispatcher(&self, providers: &[(&str, bool, Option<u32>)]) -> Dispatcher {
        let events = self.events.clone();
        let transitions = self.transitions.clone();
        let d = Dispatcher::new(
            self.db.store.clone(),
            self.runtime.clone(),
            self.credentials.clone(),
            DispatchSettings {
                max_tries: 10,
                retry_delay: Duration::from_millis(5),
                max_retry_delay: Duration::from_millis(20),
                lease: Duration::from_secs(30),
                max_rate_limit_wait: Duration::from_secs(2),
                breaker: BreakerSettings {
                    failure_threshold: 3,
                    cool_down: Duration::from_secs(60),
                },
            },
            "test-node",
        )
        .with_clock(self.clock.clone())
        .with_dry_run(|| false)
        .on_event(move |e| events.lock().push(e))
        .on_transition(move |t| {
            transitions.lock().push(format!(
                "{}:{}->{}",
                t.provider,
                t.from.as_str(),
                t.to.as_str()
            ))
        });
        d.set_providers(
            providers
                .iter()
                .map(|(name, simulate, budget)| ProviderConfig {
                    name: (*name).into(),
                    component: (*name).into(),
                    simulate: *simulate,
                    budget_per_24h: *budget,
                })
                .collect(),
        );
        d
    }

    fn fake_origin(&self) -> String {
        self.origin.clone()
    }

    fn store(&self) -> &Store {
        &self.db.store
    }

    /// An approved draft with `texts`.
    async fn approved(&self, texts: &[&str]) -> String {
        let id = seed_draft(self.store(), "pass", texts).await;
        let hash = content_hash(texts);
        self.store()
            .approve_draft(&id, "ann", &hash)
            .await
            .expect("approve");
        id
    }
}

fn plugin_config(
    addr: SocketAddr,
) -> std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>> {
    let origin = format!("http://{addr}");
    let entries: [(&str, &[(&str, String)]); 6] = [
        ("x", &[("api_base", origin.clone())]),
        ("mastodon", &[("instance", origin.clone())]),
        (
            "bluesky",
            &[
                ("pds", origin.clone()),
                ("handle", "dailyx.bsky.social".into()),
            ],
        ),
        (
            "facebook",
            &[("graph_base", origin.clone()), ("page_id", "page1".into())],
        ),
        (
            "instagram",
            &[("graph_base", origin.clone()), ("ig_user_id", "ig1".into())],
        ),
        ("webhook", &[("url", format!("{origin}/hooks/dailyx"))]),
    ];
    entries
        .iter()
        .map(|(name, kv)| {
            (
                (*name).to_owned(),
                kv.iter()
                    .map(|(k, v)| ((*k).to_owned(), v.clone()))
                    .collect(),
            )
        })
        .collect()
}

const THREAD: [&str; 2] = [
    "Release 2.0 is out: streaming sync",
    "It also fixes empty input",
];

#[tokio::test]
async fn every_provider_posts_a_thread_with_credentials_the_host_attaches() {
    let net = Net::start().await;
    net.set_all_credentials().await;
    let all: Vec<(&str, bool, Option<u32>)> = PROVIDERS.iter().map(|p| (*p, false, None)).collect();
    let d = net.dispatcher(&all);
    let draft = net.approved(&THREAD).await;
    d.queue(&draft).await.unwrap();
    assert_eq!(d.sweep().await.unwrap(), 6);

    let deliveries: HashMap<String, (String, Option<String>)> = net
        .store()
        .provider_deliveries(&draft)
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.provider, (d.status, d.detail)))
        .collect();
    for p in ["x", "mastodon", "bluesky", "facebook", "webhook"] {
        assert_eq!(deliveries[p].0, "delivered", "{p}: {:?}", deliveries[p]);
        let posts = net.store().provider_posts(&draft, p).await.unwrap();
        assert_eq!(posts.len(), 2, "{p}");
        assert!(posts.iter().all(|p| !p.simulated && p.remote_id.is_some()));
    }
    // Instagram needs the quote card at a public URL; without media it fails clearly and
    // sends nothing.
    assert_eq!(deliveries["instagram"].0, "failed");
    assert!(
        deliveries["instagram"]
            .1
            .as_deref()
            .unwrap()
            .contains("public URL"),
        "{:?}",
        deliveries["instagram"]
    );
    assert!(net.fake.made("instagram").is_empty());

    let seen = net.fake.seen();
    let posts_to = |path: &str| {
        seen.iter()
            .filter(|s| s.method == "POST" && s.path == path)
            .cloned()
            .collect::<Vec<_>>()
    };

    // X: OAuth 1.0a signed by the host; the thread chains.
    let x = net.fake.made("x");
    assert_eq!(x[0].text, THREAD[0]);
    assert_eq!(x[1].reply_to.as_deref(), Some(x[0].id.as_str()));
    for req in posts_to("/2/tweets") {
        let auth = req.header("authorization").unwrap();
        assert!(
            auth.starts_with("OAuth ")
                && auth.contains("oauth_consumer_key=\"ck-1234\"")
                && auth.contains("oauth_signature="),
            "{auth}"
        );
        assert!(
            !auth.contains("cs-secret-1234") && !auth.contains("ats-secret-1234"),
            "secrets are never sent"
        );
    }

    // Mastodon: bearer token, the idempotency key per position, replies chain.
    let m = net.fake.made("mastodon");
    assert_eq!(m[1].reply_to.as_deref(), Some(m[0].id.as_str()));
    let statuses = posts_to("/api/v1/statuses");
    for (i, req) in statuses.iter().enumerate() {
        assert_eq!(
            req.header("authorization"),
            Some(format!("Bearer {MASTODON_TOKEN}").as_str())
        );
        assert_eq!(
            req.header("idempotency-key"),
            Some(format!("dailyx-{draft}-mastodon-{i}").as_str())
        );
    }

    // Bluesky: one session opened by the host with the app password, its token on each
    // createRecord; the reply names its parent and the root.
    assert_eq!(posts_to("/xrpc/com.atproto.server.createSession").len(), 1);
    let records = posts_to("/xrpc/com.atproto.repo.createRecord");
    assert_eq!(records.len(), 2);
    let second = records[1].json();
    let first_uri = format!(
        "at://did:plc:dailyx/app.bsky.feed.post/{}",
        net.fake.made("bluesky")[0].id
    );
    assert_eq!(
        second["record"]["reply"]["parent"]["uri"],
        first_uri.as_str()
    );
    assert_eq!(second["record"]["reply"]["root"]["uri"], first_uri.as_str());
    assert_eq!(second["repo"], "dailyx.bsky.social");

    // Facebook: the Page post, then a comment on it; the Page token.
    let fb = net.fake.made("facebook");
    assert_eq!(fb[1].reply_to.as_deref(), Some(fb[0].id.as_str()));
    assert!(seen.iter().filter(|s| s.path.starts_with("/v21.0/")).all(|s| s.header("authorization") == Some(format!("Bearer {FACEBOOK_TOKEN}").as_str())));

    // Webhook: the host's HMAC over the exact body, verifiable by the receiver.
    for req in posts_to("/hooks/dailyx") {
        let sig = req.header("x-dailyx-signature").unwrap();
        let t: i64 = sig
            .strip_prefix("t=")
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            sig,
            webhook_signature(WEBHOOK_SECRET.as_bytes(), t, &req.body)
        );
    }

    // No component ever had a secret: none is in anything a component built.
    let secrets = [
        MASTODON_TOKEN,
        FACEBOOK_TOKEN,
        WEBHOOK_SECRET,
        "cs-secret-1234",
        "ats-secret-1234",
        "app-pass-1234",
    ];
    for req in seen
        .iter()
        .filter(|s| s.path != "/xrpc/com.atproto.server.createSession")
    {
        let body = String::from_utf8_lossy(&req.body);
        for s in secrets {
            assert!(
                !body.contains(s),
                "{} carried a secret in its body",
                req.path
            );
        }
    }
    for p in PROVIDERS {
        for a in net.store().provider_attempts(&draft, p).await.unwrap() {
            for s in secrets {
                assert!(!a.request.contains(s) && !a.error.clone().unwrap_or_default().contains(s));
            }
        }
    }

    // Exactly once: delivering again sends nothing more.
    let before = net.fake.seen().len();
    for p in ["x", "mastodon", "bluesky", "facebook", "webhook"] {
        assert_eq!(
            d.deliver(&draft, p).await.unwrap(),
            DeliveryOutcome::Delivered
        );
    }
    assert_eq!(net.fake.seen().len(), before);
    let kinds: Vec<&str> = net
        .events
        .lock()
        .iter()
        .map(|e| e.kind)
        .collect::<Vec<_>>()
        .into_iter()
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "provider.posted").count(),
        10
    );
    db_finish(net).await;
}

async fn db_finish(net: Net) {
    net.db.finish().await;
}

#[tokio::test]
async fn a_call_whose_outcome_is_unknown_is_reconciled_not_posted_twice() {
    let net = Net::start().await;
    net.set_all_credentials().await;
    let d = net.dispatcher(&[("mastodon", false, None), ("x", false, None)]);
    let draft = net.approved(&THREAD).await;
    // Each network posts the first position, then answers 503.
    net.fake.fail_next(&[Fault::PostThen503]);
    assert_eq!(
        d.deliver(&draft, "mastodon").await.unwrap(),
        DeliveryOutcome::Delivered
    );
    net.fake.fail_next(&[Fault::PostThen503]);
    assert_eq!(
        d.deliver(&draft, "x").await.unwrap(),
        DeliveryOutcome::Delivered
    );
    for network in ["mastodon", "x"] {
        let made = net.fake.made(network);
        assert_eq!(made.len(), 2, "{network}: {made:?}");
        assert_eq!(made[1].reply_to.as_deref(), Some(made[0].id.as_str()));
        let attempts = net
            .store()
            .provider_attempts(&draft, network)
            .await
            .unwrap();
        // Position 0's one call was unconfirmed, then reconciled as posted: no second call.
        assert_eq!(
            attempts.iter().filter(|a| a.position == 0).count(),
            1,
            "{network}: {attempts:?}"
        );
        assert_eq!(attempts[0].status, "succeeded");
        assert_eq!(attempts[0].remote_id.as_deref(), Some(made[0].id.as_str()));
    }
    // The reconciliation read the account's posts.
    assert!(
        net.fake
            .seen()
            .iter()
            .any(|s| s.path == "/api/v1/accounts/7/statuses")
    );
    assert!(
        net.fake
            .seen()
            .iter()
            .any(|s| s.path == "/2/users/42/tweets")
    );
    db_finish(net).await;
}

#[tokio::test]
async fn the_circuit_opens_after_n_failures_and_half_opens_after_the_cool_down() {
    let net = Net::start().await;
    net.set_all_credentials().await;
    let d = net.dispatcher(&[("webhook", false, None)]);
    let draft = net.approved(&THREAD).await;
    net.fake.fail_next(&[Fault::Refuse(503); 20]);
    let hooks = |net: &Net| {
        net.fake
            .seen()
            .iter()
            .filter(|s| s.path == "/hooks/dailyx")
            .count()
    };

    let outcome = d.deliver(&draft, "webhook").await.unwrap();
    let DeliveryOutcome::Waiting { reason, .. } = &outcome else {
        panic!("{outcome:?}")
    };
    assert!(reason.contains("circuit is open"), "{reason}");
    assert_eq!(hooks(&net), 3, "the threshold is 3 failures");
    assert_eq!(d.circuits()[0].state.as_str(), "open");
    assert_eq!(*net.transitions.lock(), ["webhook:closed->open"]);
    let retrying = net
        .events
        .lock()
        .iter()
        .filter(|e| e.kind == "provider.retrying")
        .count();
    assert_eq!(
        retrying, 2,
        "two retries with backoff before the third failure opened it"
    );

    // While open: nothing is sent, no try is spent.
    net.clock.advance(Duration::from_secs(30));
    assert!(matches!(
        d.deliver(&draft, "webhook").await.unwrap(),
        DeliveryOutcome::Waiting { .. }
    ));
    assert_eq!(hooks(&net), 3);

    // After the cool-down one probe goes; the network has recovered, so it closes.
    net.fake.0.lock().faults.clear();
    net.clock.advance(Duration::from_secs(31));
    assert_eq!(d.circuits()[0].state.as_str(), "half-open");
    assert_eq!(
        d.deliver(&draft, "webhook").await.unwrap(),
        DeliveryOutcome::Delivered
    );
    assert_eq!(d.circuits()[0].state.as_str(), "closed");
    assert_eq!(net.fake.made("webhook").len(), 2);
    let transitions = net.transitions.lock().clone();
    assert_eq!(
        transitions.first().map(String::as_str),
        Some("webhook:closed->open")
    );
    assert_eq!(
        transitions.last().map(String::as_str),
        Some("webhook:half-open->closed")
    );
    // Every failed try used the same idempotency key, so the receiver could drop repeats.
    let keys: std::collections::BTreeSet<String> = net
        .fake
        .seen()
        .iter()
        .filter(|s| s.path == "/hooks/dailyx")
        .filter_map(|s| s.header("idempotency-key").map(str::to_owned))
        .collect();
    assert_eq!(keys.len(), 2, "one key per position: {keys:?}");
    db_finish(net).await;
}

#[tokio::test]
async fn simulation_records_what_would_be_sent_and_sends_nothing() {
    let net = Net::start().await;
    // No credentials at all: a simulation needs none.
    let d = net.dispatcher(&[
        ("mastodon", true, None),
        ("bluesky", true, None),
        ("webhook", true, None),
    ]);
    let draft = net.approved(&THREAD).await;
    d.queue(&draft).await.unwrap();
    d.sweep().await.unwrap();
    assert!(
        net.fake.seen().is_empty(),
        "a simulation sends nothing: {:?}",
        net.fake.seen()
    );
    for p in ["mastodon", "bluesky", "webhook"] {
        let posts = net.store().provider_posts(&draft, p).await.unwrap();
        assert_eq!(posts.len(), 2);
        assert!(posts.iter().all(|p| p.simulated && p.remote_id.is_none()));
        let request: serde_json::Value = serde_json::from_str(&posts[1].request).unwrap();
        assert_eq!(request["text"], THREAD[1]);
        assert_eq!(request["idempotency_key"], format!("dailyx-{draft}-{p}-1"));
    }
    let statuses: Vec<String> = net
        .store()
        .provider_deliveries(&draft)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.status)
        .collect();
    assert_eq!(statuses, ["simulated", "simulated", "simulated"]);
    // A delivery keeps its mode: switching simulation off later does not make it half real.
    let d = net.dispatcher(&[("mastodon", false, None)]);
    assert_eq!(
        d.deliver(&draft, "mastodon").await.unwrap(),
        DeliveryOutcome::Simulated
    );
    assert!(net.fake.seen().is_empty());
    db_finish(net).await;
}

#[tokio::test]
async fn a_thread_that_does_not_fit_the_budget_waits_and_nothing_is_sent() {
    let net = Net::start().await;
    net.set_all_credentials().await;
    let d = net.dispatcher(&[("webhook", false, Some(1))]);
    let draft = net.approved(&THREAD).await;
    let outcome = d.deliver(&draft, "webhook").await.unwrap();
    let DeliveryOutcome::Waiting {
        reason,
        next_try_at,
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert!(
        reason.contains("budget is 1 posts per 24 hours and 1 are left, 2 needed"),
        "{reason}"
    );
    assert!(next_try_at > dailyx_store::now_ms());
    assert!(net.fake.seen().is_empty());
    // It waits in the sweep until its time: not due now.
    assert_eq!(d.sweep().await.unwrap(), 0);
    db_finish(net).await;
}

#[tokio::test]
async fn missing_credentials_and_rejected_posts_fail_clearly() {
    let net = Net::start().await;
    let d = net.dispatcher(&[("mastodon", false, None), ("bluesky", false, None)]);
    let draft = net.approved(&THREAD).await;
    let outcome = d.deliver(&draft, "mastodon").await.unwrap();
    assert_eq!(
        outcome,
        DeliveryOutcome::Failed {
            error: "no Mastodon credentials are set; set them on the Credentials page, then resume"
                .into()
        }
    );
    assert!(net.fake.seen().is_empty());

    // A wrong Bluesky app password: the host's session fails, the component's request is
    // denied, nothing is posted, and the error names no secret.
    net.credentials
        .replace(
            [
                (
                    "provider.bluesky.identifier".to_owned(),
                    Secret::new("dailyx.bsky.social"),
                ),
                (
                    "provider.bluesky.app_password".to_owned(),
                    Secret::new("wrong-password-1"),
                ),
                (
                    "provider.mastodon.access_token".to_owned(),
                    Secret::new(MASTODON_TOKEN),
                ),
            ]
            .into_iter()
            .collect(),
        )
        .await;
    let outcome = d.deliver(&draft, "bluesky").await.unwrap();
    let DeliveryOutcome::Failed { error } = &outcome else {
        panic!("{outcome:?}")
    };
    // Failed at once: a refused credential is an operator's to fix, not a reason to retry
    // (nor a sign the network is unwell: the circuit stays closed).
    assert!(
        error.starts_with("bluesky: unauthorized: opening a Bluesky session")
            && error.contains("check the identifier and app password"),
        "{error}"
    );
    let sessions = net
        .fake
        .seen()
        .iter()
        .filter(|s| s.path == "/xrpc/com.atproto.server.createSession")
        .count();
    assert_eq!(sessions, 1);
    assert_eq!(
        d.circuits()
            .iter()
            .find(|c| c.provider == "bluesky")
            .unwrap()
            .state
            .as_str(),
        "closed"
    );
    assert!(!error.contains("wrong-password-1"));
    assert!(net.fake.made("bluesky").is_empty());

    // A 422 is a refusal for good: one call, no retry.
    net.fake.fail_next(&[Fault::Refuse(422)]);
    let outcome = d.deliver(&draft, "mastodon").await.unwrap();
    let DeliveryOutcome::Failed { error } = &outcome else {
        panic!("{outcome:?}")
    };
    assert!(
        error.starts_with("mastodon: rejected: status 422"),
        "{error}"
    );
    assert_eq!(
        net.fake
            .seen()
            .iter()
            .filter(|s| s.path == "/api/v1/statuses")
            .count(),
        1
    );
    db_finish(net).await;
}

#[tokio::test]
async fn x_through_its_component_refreshes_an_expired_oauth2_token_once_and_posts() {
    use dailyx_publish::{CreatePost, OAuth2Credentials, OAuth2Tokens, PostContext, XApi, XAuth};
    let net = Net::start().await;
    let origin = net.fake_origin();
    // X already rotated to access-2: the host's access-1 gets a 401.
    net.fake.0.lock().x_access = Some("access-2".into());
    let auth = XAuth::oauth2(OAuth2Credentials {
        client_id: "client-1".into(),
        client_secret: None,
        token_url: format!("{origin}/2/oauth2/token").parse().unwrap(),
        tokens: OAuth2Tokens {
            access_token: Secret::new("access-1"),
            refresh_token: Some(Secret::new("refresh-1")),
            expires_at: None,
        },
        token_file: None,
    });
    net.credentials.set_x_auth(Some(Arc::new(auth)));
    let x = dailyx_dispatch::ComponentX::new(net.runtime.clone(), "x", net.credentials.clone());
    let context = PostContext {
        draft_id: "d1".into(),
        position: 0,
        total: 1,
    };
    let body = CreatePost {
        text: "hello from the component".into(),
        reply: None,
    };
    let id = x
        .create_post(&body, &context)
        .await
        .expect("posted after one refresh");
    assert_eq!(
        net.fake
            .made("x")
            .iter()
            .map(|p| p.id.clone())
            .collect::<Vec<_>>(),
        [id]
    );
    let auths: Vec<String> = net
        .fake
        .seen()
        .iter()
        .filter(|s| s.path == "/2/tweets")
        .map(|s| s.header("authorization").unwrap_or_default().to_owned())
        .collect();
    assert_eq!(auths, ["Bearer access-1", "Bearer access-2"]);
    assert_eq!(net.fake.0.lock().refreshes, ["refresh-1"]);

    // A token X still refuses after one refresh is an error, not a loop.
    net.fake.0.lock().x_revoked = true;
    let err = x.create_post(&body, &context).await.unwrap_err();
    assert!(
        matches!(err, dailyx_publish::CallError::Unauthorized { .. }),
        "{err}"
    );
    assert_eq!(net.fake.0.lock().refreshes.len(), 2, "one refresh per call");
    db_finish(net).await;
}

/// The quote card at a public URL, as the host's media serves it (Instagram needs one).
struct Card(String);

impl dailyx_dispatch::MediaSource for Card {
    fn media_for<'a>(
        &'a self,
        _draft: &'a dailyx_store::Draft,
        _provider: &'a dailyx_dispatch::ProviderKind,
    ) -> dailyx_runtime::secret::BoxFuture<
        'a,
        Result<Vec<dailyx_runtime::types::MediaAttachment>, String>,
    > {
        Box::pin(async move {
            Ok(vec![dailyx_runtime::types::MediaAttachment {
                kind: "image".into(),
                mime: "image/png".into(),
                url: Some(format!("{}/media/card.png", self.0)),
                data: vec![0x89, b'P', b'N', b'G'],
                alt: "The quote card".into(),
            }])
        })
    }
}

/// Issue 17: a receiver that makes the post and answers only after the component's wall
/// clock. Each request now times out (inside the component, which says "maybe posted")
/// before the wall clock, so every network is reconciled through `recent` before anything is
/// sent again: each gets the post exactly once. The webhook cannot be asked, so its delivery
/// ends `unconfirmed` (not `failed`, and not sent again) until an operator resends.
#[tokio::test]
async fn a_receiver_that_answers_after_the_wall_clock_gets_each_post_once() {
    // Short limits so the test is quick: 3 s wall clock, 1.5 s per request.
    let net = Net::start_with(|m| {
        m.replace("wall_clock_ms = 30000", "wall_clock_ms = 3000")
            .replace(
                "max_requests_per_run = 10\n",
                "max_requests_per_run = 10\ntimeout_ms = 1500\n",
            )
    })
    .await;
    net.set_all_credentials().await;
    let all: Vec<(&str, bool, Option<u32>)> = PROVIDERS.iter().map(|p| (*p, false, None)).collect();
    let d = net
        .dispatcher(&all)
        .with_media(Arc::new(Card(net.fake_origin())));
    let draft = net.approved(&THREAD).await;
    let slow = Fault::PostThenSlow(Duration::from_secs(4));
    for p in PROVIDERS {
        // A thread's reply is the slow one (its reconciliation needs the reply's parent);
        // Instagram has one post.
        let faults: &[Fault] = if p == "instagram" {
            &[slow]
        } else {
            &[Fault::Pass, slow]
        };
        net.fake.fail_next(faults);
        let outcome = d.deliver(&draft, p).await.unwrap();
        let made = net.fake.made(p);
        let expected = if p == "instagram" { 1 } else { 2 };
        assert_eq!(made.len(), expected, "{p} got each post once: {made:?}");
        let attempts = net.store().provider_attempts(&draft, p).await.unwrap();
        let slow_position = expected as i64 - 1;
        let slow_attempts: Vec<_> = attempts
            .iter()
            .filter(|a| a.position == slow_position)
            .collect();
        assert_eq!(
            slow_attempts.len(),
            1,
            "{p}: one call, no retry: {attempts:?}"
        );
        if p == "webhook" {
            let DeliveryOutcome::Unconfirmed { detail } = &outcome else {
                panic!("webhook: {outcome:?}")
            };
            assert!(
                detail.contains("position 1 may have reached webhook"),
                "{detail}"
            );
            assert_eq!(slow_attempts[0].status, "unconfirmed");
        } else {
            assert_eq!(outcome, DeliveryOutcome::Delivered, "{p}");
            assert_eq!(slow_attempts[0].status, "succeeded", "{p}: reconciled");
            let posts = net.store().provider_posts(&draft, p).await.unwrap();
            // (Bluesky's id carries the record's URI and its thread's root.)
            let remote = posts.last().and_then(|p| p.remote_id.clone()).unwrap();
            let made_id = &made.last().unwrap().id;
            assert!(
                remote == *made_id
                    || remote.starts_with(&format!(
                        "at://did:plc:dailyx/app.bsky.feed.post/{made_id}|"
                    )),
                "{p}: the reconciled post {remote} is the one the network made, {made_id}"
            );
        }
    }
    let deliveries: HashMap<String, String> = net
        .store()
        .provider_deliveries(&draft)
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.provider, d.status))
        .collect();
    assert_eq!(deliveries["webhook"], "unconfirmed");
    // The sweep leaves an unconfirmed delivery alone: nothing is sent on the host's judgement.
    let hooks = |net: &Net| {
        net.fake
            .seen()
            .iter()
            .filter(|s| s.path == "/hooks/dailyx")
            .count()
    };
    assert_eq!(hooks(&net), 2);
    d.sweep().await.unwrap();
    assert_eq!(hooks(&net), 2);

    // The operator checked the receiver and resends: the same idempotency key, which this
    // receiver honours, so it still has the post once, and the delivery is delivered.
    assert!(d.resend(&draft, "webhook", "ann").await.unwrap());
    assert!(!d.resend(&draft, "webhook", "ann").await.unwrap(), "once");
    assert_eq!(
        d.deliver(&draft, "webhook").await.unwrap(),
        DeliveryOutcome::Delivered
    );
    let seen = net.fake.seen();
    let keys: Vec<_> = seen
        .iter()
        .filter(|s| s.path == "/hooks/dailyx")
        .map(|s| s.header("idempotency-key").unwrap_or_default().to_owned())
        .collect();
    assert_eq!(keys[1], keys[2], "the resend carries the same key");
    assert_eq!(net.fake.made("webhook").len(), 2);
    let attempts = net
        .store()
        .provider_attempts(&draft, "webhook")
        .await
        .unwrap();
    let resent = attempts
        .iter()
        .find(|a| a.position == 1 && a.try_number == 1)
        .unwrap();
    assert_eq!(resent.status, "failed");
    assert!(
        resent
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("ann checked the receiver")
    );
    db_finish(net).await;
}

/// An admin (or a mistake) points the Mastodon and Bluesky providers at the webhook component,
/// whose URL is a receiver of their choosing. Before the fix the host attached the Mastodon
/// token to the webhook's request and opened a Bluesky session there, posting the handle and
/// app password to the receiver: a provider's credential followed whatever the component sent.
/// Now a credential goes only to its provider's own API origin (the component's `instance` /
/// `pds` setting or the network's default), so neither leaves the host.
#[tokio::test]
async fn a_providers_credential_goes_only_to_its_own_api_origin() {
    let net = Net::start().await;
    net.set_all_credentials().await;
    let d = net.dispatcher(&[]);
    d.set_providers(
        ["mastodon", "bluesky"]
            .into_iter()
            .map(|name| ProviderConfig {
                name: name.into(),
                component: "webhook".into(),
                simulate: false,
                budget_per_24h: None,
            })
            .collect(),
    );
    let draft = net.approved(&THREAD).await;
    for provider in ["mastodon", "bluesky"] {
        // What the delivery does with an unsigned webhook call is the receiver's business;
        // what matters is what the receiver got.
        let _ = d.deliver(&draft, provider).await.unwrap();
    }
    let seen = net.fake.seen();
    assert!(
        !seen.is_empty(),
        "the webhook component did send its requests"
    );
    for s in &seen {
        let headers = format!("{:?}", s.headers);
        let body = String::from_utf8_lossy(&s.body);
        for secret in [MASTODON_TOKEN, "app-pass-1234", "dailyx.bsky.social"] {
            assert!(
                !headers.contains(secret) && !body.contains(secret),
                "{} {} carried `{secret}`",
                s.method,
                s.path
            );
        }
        assert_ne!(s.path, "/xrpc/com.atproto.server.createSession");
        assert!(
            s.header("authorization").is_none(),
            "{} {}",
            s.method,
            s.path
        );
    }

    // The networks' own components, configured for the fake, still get their credentials.
    let d = net.dispatcher(&[("mastodon", false, None), ("bluesky", false, None)]);
    let draft = net.approved(&["Another day, another release"]).await;
    for provider in ["mastodon", "bluesky"] {
        let outcome = d.deliver(&draft, provider).await.unwrap();
        assert_eq!(outcome, DeliveryOutcome::Delivered, "{provider}");
    }
    let bearer = format!("Bearer {MASTODON_TOKEN}");
    assert!(
        net.fake
            .seen()
            .iter()
            .any(|s| s.path == "/api/v1/statuses" && s.header("authorization") == Some(&bearer))
    );
    db_finish(net).await;
}
