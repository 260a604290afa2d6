//! Hot reload: a component replaced while calls run serves every call, and
//! a broken replacement is refused while the old version keeps serving.

use dailyx_runtime::Runtime;
use dailyx_tests::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const MANIFEST: &str =
    "[[component]]\nname = \"w\"\nversion = \"0.1.0\"\nworld = \"writer\"\nfile = \"w.wasm\"\n";

async fn wait_for(runtime: &Runtime, what: &str, done: impl Fn(&Runtime) -> bool) {
    let start = Instant::now();
    while !done(runtime) {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replacing_a_component_under_load_fails_no_call() {
    let reg = TestRegistry::new();
    let old = component_bytes("fixtures/hostile");
    let new = component_bytes("fixtures/wasi-probe");
    reg.put("w.wasm", &old);
    reg.manifest(MANIFEST);
    let runtime = reg.start().await;
    let _watcher = runtime.watch().unwrap();
    let old_digest = runtime.registry().components["w"].id.digest.clone();

    let stop = Arc::new(AtomicBool::new(false));
    let calls = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut loops = Vec::new();
    for _ in 0..2 {
        let (runtime, stop, calls, failures) = (
            runtime.clone(),
            stop.clone(),
            calls.clone(),
            failures.clone(),
        );
        loops.push(tokio::spawn(async move {
            // Digests seen by this loop, in order: its calls are sequential.
            let mut digests = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let record = runtime.call("w", writer_input("ok", &["x"])).await;
                calls.fetch_add(1, Ordering::Relaxed);
                if let Err(e) = &record.result {
                    failures.lock().unwrap().push(e.to_string());
                }
                digests.push(record.component.map(|c| c.digest).unwrap_or_default());
            }
            digests
        }));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    reg.put("w.wasm", &new);
    let new_digest = dailyx_runtime::engine::digest_of(&new);
    wait_for(&runtime, "the new version", |r| {
        r.registry().components["w"].id.digest == new_digest
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    let mut per_loop = Vec::new();
    for l in loops {
        per_loop.push(l.await.unwrap());
    }
    let failures = failures.lock().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} calls failed: {:?}",
        failures.len(),
        calls.load(Ordering::Relaxed),
        &failures[..failures.len().min(3)]
    );
    for digests in &per_loop {
        assert!(
            digests.first() == Some(&old_digest) && digests.last() == Some(&new_digest),
            "each loop started on the old version and ended on the new one"
        );
        // Calls in flight finish on the version they started with, but once a loop's call ran
        // the new version, none of its later calls ran the old one: the swap is atomic.
        let first_new = digests.iter().position(|d| *d == new_digest).unwrap();
        assert!(digests[first_new..].iter().all(|d| *d == new_digest));
    }
}

#[tokio::test]
async fn a_broken_replacement_is_refused_and_the_old_version_keeps_serving() {
    let reg = TestRegistry::new();
    reg.put("w.wasm", &component_bytes("fixtures/hostile"));
    reg.manifest(MANIFEST);
    let runtime = reg.start().await;
    let _watcher = runtime.watch().unwrap();
    let digest = runtime.registry().components["w"].id.digest.clone();

    reg.put("w.wasm", b"\0asm\x0d\0\x01\0 broken");
    wait_for(&runtime, "the refusal", |r| {
        r.registry().problems.contains_key("w")
    })
    .await;
    let registry = runtime.registry();
    let problem = &registry.problems["w"];
    assert!(
        problem.old_version_serving && problem.message.contains("keeps serving"),
        "{problem:?}"
    );
    assert_eq!(registry.components["w"].id.digest, digest);
    let record = runtime.call("w", writer_input("ok", &["old one"])).await;
    assert_eq!(crate::expect_draft(&record).tweets[0].text, "old one");

    // A manifest that no longer parses changes nothing either.
    reg.manifest("this is not toml [");
    wait_for(&runtime, "the manifest error", |r| {
        r.registry().manifest_error.is_some()
    })
    .await;
    assert!(
        runtime
            .call("w", writer_input("ok", &["still"]))
            .await
            .result
            .is_ok()
    );

    // An empty file is a write in progress (an editor truncates, then writes): nothing changes.
    reg.manifest("");
    wait_for(&runtime, "the empty-manifest error", |r| {
        r.registry()
            .manifest_error
            .as_deref()
            .is_some_and(|e| e.contains("is empty"))
    })
    .await;
    assert_eq!(runtime.registry().components.len(), 1);

    // A manifest that drops the entry unloads it.
    reg.manifest("# no components\n");
    wait_for(&runtime, "the removal", |r| {
        r.registry().components.is_empty()
    })
    .await;
}
