//! Upgrade review: a new version that asks for more than the one serving waits for an
//! administrator's confirmation while the old one keeps serving; one that asks for less
//! activates at once. After a restart the recorded version is what a new one is compared
//! with, and what serves while it waits.

use dailyx_runtime::install::VersionSnapshot;
use dailyx_runtime::{ConfirmError, Confirmation, Direction, Runtime};
use dailyx_tests::*;

const V1: &str = "[[component]]\nname = \"w\"\nversion = \"0.1.0\"\nworld = \"writer\"\nfile = \"w.wasm\"\n[component.grants.llm]\nmax_tokens_per_run = 100\n";

/// V1 plus an origin on the network: wider.
const V2_WIDER: &str = "[[component]]\nname = \"w\"\nversion = \"0.2.0\"\nworld = \"writer\"\nfile = \"w.wasm\"\n[component.grants.llm]\nmax_tokens_per_run = 100\n[[component.grants.http.allow]]\norigin = \"https://evil.example\"\n";

/// V2 without the origin and with a smaller budget: narrower than V2.
const V3_NARROWER: &str = "[[component]]\nname = \"w\"\nversion = \"0.3.0\"\nworld = \"writer\"\nfile = \"w.wasm\"\n[component.grants.llm]\nmax_tokens_per_run = 50\n";

fn serving(runtime: &Runtime) -> String {
    runtime.registry().components["w"].id.digest.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_widened_grant_waits_for_confirmation_and_a_narrowed_one_activates_at_once() {
    let reg = TestRegistry::new();
    let v1 = component_bytes("fixtures/hostile");
    let v2 = component_bytes("fixtures/wasi-probe");
    reg.manifest_unsigned(V1);
    reg.put("w.wasm", &v1);
    let runtime = reg.start().await;
    let d1 = serving(&runtime);

    // A new build that also asks for an origin: it waits, and v1 keeps serving.
    reg.manifest_unsigned(V2_WIDER);
    reg.put("w.wasm", &v2);
    let d2 = dailyx_runtime::engine::digest_of(&v2);
    let report = runtime.reload().await;
    assert!(report.activated.is_empty(), "{report:?}");
    assert_eq!(serving(&runtime), d1, "the old version keeps serving");
    let pending = runtime.pending_upgrades();
    let waiting = &pending["w"];
    assert_eq!(
        (waiting.from.digest.as_str(), waiting.to.digest.as_str()),
        (d1.as_str(), d2.as_str())
    );
    let shown: Vec<String> = waiting.changes.iter().map(|c| c.to_string()).collect();
    assert_eq!(
        shown,
        [
            "+ grants.http.allow https://evil.example: (none) -> GET /",
            "+ grants.http.max_requests_per_run: 0 -> 20",
            "+ grants.http.max_response_bytes: 0 -> 1048576",
            "+ grants.http.max_request_bytes: 0 -> 65536",
            "+ grants.http.timeout_ms: 0 -> 10000",
        ]
    );
    let problem = &runtime.registry().problems["w"].message;
    assert!(
        problem.contains("waits for an administrator to confirm it")
            && problem.contains("https://evil.example")
            && problem.contains("version 0.1.0"),
        "{problem}"
    );
    // Reloading again changes nothing and keeps when it started waiting.
    let since = waiting.since;
    runtime.reload().await;
    assert_eq!(runtime.pending_upgrades()["w"].since, since);
    assert_eq!(serving(&runtime), d1);

    // Only the version that waits can be confirmed.
    let wrong = runtime.confirm_upgrade("w", &d1, "admin").await;
    assert!(
        matches!(wrong, Err(ConfirmError::NotPending { .. })),
        "{wrong:?}"
    );
    let (confirmation, _) = runtime
        .confirm_upgrade("w", &d2, "admin")
        .await
        .expect("confirmed");
    assert_eq!(confirmation.digest, d2);
    assert_eq!(serving(&runtime), d2, "the confirmed version serves");
    assert!(runtime.pending_upgrades().is_empty());
    assert!(!runtime.registry().problems.contains_key("w"));

    // Narrower than what serves: activates at once, nothing to confirm.
    reg.manifest_unsigned(V3_NARROWER);
    reg.put("w.wasm", &v1);
    let report = runtime.reload().await;
    assert_eq!(report.activated.len(), 1, "{report:?}");
    assert_eq!(runtime.registry().components["w"].id.version, "0.3.0");
    assert!(runtime.pending_upgrades().is_empty());

    // A confirmation covers the exact entry: the same bytes with a wider entry wait again.
    reg.manifest_unsigned(V2_WIDER);
    reg.put("w.wasm", &v2);
    runtime.reload().await;
    assert_eq!(
        runtime.registry().components["w"].id.version,
        "0.2.0",
        "confirmed before"
    );
    let wider_still = V2_WIDER.replace("max_tokens_per_run = 100", "max_tokens_per_run = 101");
    reg.manifest_unsigned(&wider_still);
    reg.sign_entries(None);
    runtime.reload().await;
    let pending = runtime.pending_upgrades();
    let shown: Vec<String> = pending["w"].changes.iter().map(|c| c.to_string()).collect();
    assert_eq!(shown, ["+ grants.llm.max_tokens_per_run: 100 -> 101"]);
    assert_eq!(serving(&runtime), d2);
    assert!(
        pending["w"]
            .changes
            .iter()
            .all(|c| c.direction == Direction::Widened)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_restart_the_recorded_version_serves_while_a_widened_one_waits() {
    let reg = TestRegistry::new();
    let v1 = component_bytes("fixtures/hostile");
    let v2 = component_bytes("fixtures/wasi-probe");
    reg.manifest_unsigned(V1);
    reg.put("w.wasm", &v1);
    let first = reg.start().await;
    let d1 = serving(&first);
    let snapshot = VersionSnapshot {
        name: "w".into(),
        digest: d1.clone(),
        signed_form: first.registry().components["w"].entry.signed_form.clone(),
        signature: Some(std::fs::read_to_string(reg.path().join("w.sig")).expect("signature")),
        bytes: v1.clone(),
    };
    drop(first);

    // While the host was down, a wider version landed.
    reg.manifest_unsigned(V2_WIDER);
    reg.put("w.wasm", &v2);
    let d2 = dailyx_runtime::engine::digest_of(&v2);
    let mut config = reg.config();
    config.baselines.insert("w".into(), snapshot.clone());
    let runtime = Runtime::start(config).await.expect("starts");
    assert_eq!(
        serving(&runtime),
        d1,
        "the recorded version serves from the history"
    );
    assert_eq!(runtime.registry().components["w"].id.version, "0.1.0");
    assert_eq!(runtime.pending_upgrades()["w"].to.digest, d2);

    // A confirmation kept from before the restart lets it through.
    let form = std::fs::read_to_string(reg.path().join("registry.toml")).unwrap();
    let entry_form = dailyx_signing::signed_entries(&form).unwrap()[0]
        .form
        .clone();
    let mut config = reg.config();
    config.baselines.insert("w".into(), snapshot.clone());
    config
        .confirmed
        .insert(Confirmation::of("w", &d2, &entry_form));
    let runtime = Runtime::start(config).await.expect("starts");
    assert_eq!(serving(&runtime), d2);
    assert!(runtime.pending_upgrades().is_empty());

    // A recorded version that cannot pass the checks any more (here: its signature is gone)
    // does not serve: nothing does until the new one is confirmed, and the problem says so.
    let mut config = reg.config();
    config.baselines.insert(
        "w".into(),
        VersionSnapshot {
            signature: None,
            ..snapshot
        },
    );
    let runtime = Runtime::start(config).await.expect("starts");
    assert!(!runtime.registry().components.contains_key("w"));
    let problem = &runtime.registry().problems["w"].message;
    assert!(
        problem.contains("waits for an administrator") && problem.contains("nothing serves"),
        "{problem}"
    );
}
