//! Loading: every shipped component loads; misfits, corrupt files, digest
//! mismatches and missing files are refused by name while the rest serve.

use dailyx_runtime::types::{Draft, PolicyRules, TokenUsage, Tweet, Verdict};
use dailyx_runtime::{Runtime, Stage, StageInput, StageOutput};
use dailyx_tests::*;

#[tokio::test]
async fn every_shipped_component_loads_and_fits_its_world() {
    let runtime = Runtime::start(shipped_config()).await.unwrap();
    let registry = runtime.registry();
    assert!(
        registry.problems.is_empty(),
        "problems: {:?}",
        registry.problems
    );
    assert!(registry.manifest_error.is_none());
    let stages: Vec<Stage> = registry
        .components
        .values()
        .map(|c| c.entry.stage)
        .collect();
    for stage in Stage::ALL {
        assert!(
            stages.contains(&stage),
            "no shipped component for world {stage}"
        );
    }
    assert_eq!(
        registry.components.len(),
        16,
        "10 agents and personas, 6 providers"
    );
    for c in registry.components.values() {
        assert!(
            !c.imports_wasi,
            "{} imports WASI; first-party agents must not",
            c.id.name
        );
        assert!(c.id.digest.starts_with("sha256:"));
    }
}

#[tokio::test]
async fn shipped_personas_and_policy_answer() {
    let runtime = Runtime::start(shipped_config()).await.unwrap();
    for name in ["dev-advocate", "jasmine-salmon"] {
        let record = runtime.call(name, StageInput::Profile).await;
        let Ok(StageOutput::Persona(p)) = &record.result else {
            panic!("{name}: {:?}", record.result)
        };
        assert_eq!(p.id, name);
        assert!(!p.voice.is_empty() && !p.examples.is_empty());
    }
    let jasmine = runtime.call("jasmine-salmon", StageInput::Profile).await;
    let Ok(StageOutput::Persona(p)) = jasmine.result else {
        unreachable!()
    };
    assert!(
        p.languages.iter().any(|l| l == "th"),
        "jasmine-salmon writes Thai"
    );

    let draft = Draft {
        tweets: vec![Tweet {
            position: 0,
            text: "x".repeat(300),
            material_ids: vec![],
        }],
        model_used: "none".into(),
        usage: TokenUsage {
            prompt: 0,
            completion: 0,
        },
        notes: vec![],
    };
    let rules = PolicyRules {
        blocked_terms: vec![],
        recent_posts: vec![],
        max_weighted_length: 280,
    };
    let record = runtime
        .call(
            "policy",
            StageInput::Check {
                ctx: ctx("r"),
                draft,
                rules,
            },
        )
        .await;
    let Ok(StageOutput::PolicyReport(report)) = record.result else {
        panic!("{:?}", record.result)
    };
    assert_eq!(
        report.verdict,
        Verdict::Fail,
        "a 300-character tweet fails policy"
    );
    assert_eq!(report.weighted_lengths, vec![300]);
}

fn manifest_entry(name: &str, world: &str, extra: &str) -> String {
    format!("[[component]]\nname = \"{name}\"\nversion = \"1.0.0\"\nworld = \"{world}\"\n{extra}\n")
}

#[tokio::test]
async fn a_component_built_for_another_world_is_refused_by_name() {
    let reg = TestRegistry::new();
    reg.put("wrong.wasm", &component_bytes("fixtures/wrong-world"));
    reg.put("good.wasm", &component_bytes("fixtures/hostile"));
    reg.manifest(&(manifest_entry("wrong", "writer", "") + &manifest_entry("good", "writer", "")));
    let runtime = reg.start().await;
    let registry = runtime.registry();
    let problem = &registry.problems["wrong"];
    assert!(
        problem
            .message
            .contains("component `wrong` does not fit world `writer`")
            && problem
                .message
                .contains("does not export `dailyx:agent/writer-api@0.2.0` (nor, as a 0.1.0 component, `write`)")
            && problem
                .message
                .contains("`dailyx:agent/thread-planner-api@0.2.0` (of world `thread-planner`)"),
        "{}",
        problem.message
    );
    assert!(!registry.components.contains_key("wrong"));
    let record = runtime
        .call("good", writer_input("ok", &["still serving"]))
        .await;
    assert_eq!(crate::expect_draft(&record).tweets[0].text, "still serving");
}

#[tokio::test]
async fn corrupt_mismatched_and_missing_files_each_get_a_clear_error() {
    let reg = TestRegistry::new();
    let good = component_bytes("fixtures/hostile");
    reg.put("good.wasm", &good);
    reg.put("corrupt.wasm", b"\0asm this is not a component");
    reg.put("tampered.wasm", &good);
    let mut tampered = good.clone();
    tampered.extend_from_slice(b"\0\0");
    std::fs::write(reg.path().join("tampered.wasm"), &tampered).unwrap();
    reg.put("pinned.wasm", &good);
    reg.put("nodigest.wasm", &good);
    std::fs::remove_file(reg.path().join("nodigest.wasm.sha256")).unwrap();
    reg.manifest(
        &[
            manifest_entry("good", "writer", ""),
            manifest_entry("corrupt", "writer", ""),
            manifest_entry("tampered", "writer", ""),
            manifest_entry("pinned", "writer", "digest = \"sha256:0000\""),
            manifest_entry("missing", "writer", ""),
            manifest_entry("nodigest", "writer", ""),
        ]
        .concat(),
    );
    let runtime = reg.start().await;
    let registry = runtime.registry();
    let message = |n: &str| registry.problems[n].message.clone();
    assert!(
        message("corrupt").contains("is not a valid Wasm component"),
        "{}",
        message("corrupt")
    );
    assert!(
        message("tampered").contains("digest mismatch"),
        "{}",
        message("tampered")
    );
    assert!(
        message("pinned").contains("expected sha256:0000"),
        "{}",
        message("pinned")
    );
    assert!(
        message("missing").contains("cannot read") && message("missing").contains("missing.wasm")
    );
    assert!(
        message("nodigest").contains("no digest to verify"),
        "{}",
        message("nodigest")
    );
    assert_eq!(registry.components.keys().collect::<Vec<_>>(), vec!["good"]);
    let record = runtime.call("good", writer_input("ok", &["fine"])).await;
    assert!(record.result.is_ok());
}

#[tokio::test]
async fn a_broken_manifest_at_start_is_reported_not_fatal() {
    let reg = TestRegistry::new();
    reg.manifest("[[component]\nname=");
    let runtime = reg.start().await;
    let registry = runtime.registry();
    assert!(
        registry
            .manifest_error
            .as_deref()
            .is_some_and(|e| e.contains("registry.toml"))
    );
    assert!(registry.components.is_empty());
    let record = runtime.call("anything", StageInput::Profile).await;
    assert!(matches!(
        record.result,
        Err(dailyx_runtime::CallError::NotLoaded { .. })
    ));
}

#[tokio::test]
async fn input_for_another_world_is_refused_without_running_anything() {
    let reg = TestRegistry::new();
    reg.put("w.wasm", &component_bytes("fixtures/hostile"));
    reg.manifest(&manifest_entry("w", "writer", "file = \"w.wasm\""));
    let runtime = reg.start().await;
    let record = runtime.call("w", StageInput::Profile).await;
    let err = record.result.unwrap_err().to_string();
    assert!(
        err.contains("implements world `writer`") && err.contains("`profile`"),
        "{err}"
    );
}

#[tokio::test]
async fn compiled_components_are_cached_by_digest() {
    let reg = TestRegistry::new();
    reg.put("w.wasm", &component_bytes("fixtures/hostile"));
    reg.manifest(&manifest_entry("w", "writer", ""));
    let cache = tempfile::tempdir().unwrap();
    let mut config = reg.config();
    config.cache_dir = Some(cache.path().to_path_buf());
    let first = Runtime::start(config.clone()).await.unwrap();
    use dailyx_runtime::compile_cache::CompileSource;
    assert_eq!(
        first.registry().components["w"].compile_source,
        CompileSource::Compiled
    );
    let second = Runtime::start(config.clone()).await.unwrap();
    assert_eq!(
        second.registry().components["w"].compile_source,
        CompileSource::Cache
    );
    assert!(
        second
            .call("w", writer_input("ok", &["cached"]))
            .await
            .result
            .is_ok()
    );

    // A corrupted cache entry is detected by its checksum and recompiled.
    for entry in std::fs::read_dir(cache.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "cwasm") {
            let mut bytes = std::fs::read(&path).unwrap();
            let mid = bytes.len() / 2;
            bytes[mid] ^= 0xff;
            std::fs::write(&path, bytes).unwrap();
        }
    }
    let third = Runtime::start(config).await.unwrap();
    assert_eq!(
        third.registry().components["w"].compile_source,
        CompileSource::Compiled
    );
    assert!(
        third
            .call("w", writer_input("ok", &["recompiled"]))
            .await
            .result
            .is_ok()
    );
}

/// The cache entry of the component whose digest is `digest`.
fn cache_entry(cache: &std::path::Path, digest: &str) -> std::path::PathBuf {
    let hex = digest.strip_prefix("sha256:").unwrap();
    std::fs::read_dir(cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.extension().is_some_and(|e| e == "cwasm")
                && p.file_name().unwrap().to_string_lossy().starts_with(hex)
        })
        .unwrap_or_else(|| panic!("no cache entry for {digest}"))
}

/// Issue 17: a `.cwasm` is native code the host maps and runs. Whoever can write into the cache
/// directory plants one; a checksum beside it, recomputed by the same hand, proves nothing.
#[tokio::test]
async fn a_planted_cwasm_with_a_recomputed_checksum_is_compiled_again_never_run() {
    use dailyx_runtime::compile_cache::CompileSource;
    use dailyx_runtime::engine::digest_of;
    let own = component_bytes("fixtures/hostile");
    let foreign = component_bytes("fixtures/long-writer");
    let reg = TestRegistry::new();
    reg.put("w.wasm", &own);
    reg.put("lw.wasm", &foreign);
    reg.manifest(
        &(manifest_entry("w", "writer", "file = \"w.wasm\"")
            + &manifest_entry("lw", "writer", "file = \"lw.wasm\"")),
    );
    let cache = tempfile::tempdir().unwrap();
    let mut config = reg.config();
    config.cache_dir = Some(cache.path().to_path_buf());
    let serves_its_own_code = |runtime: &Runtime, why: &str| {
        let c = &runtime.registry().components["w"];
        assert_eq!(c.compile_source, CompileSource::Compiled, "{why}");
    };
    let first = Runtime::start(config.clone()).await.unwrap();
    serves_its_own_code(&first, "nothing cached yet");
    drop(first);
    let entry = cache_entry(cache.path(), &digest_of(&own));

    // 1. The attacker compiles another component with the host's engine settings (in the
    // format the cache used to hold: the bare artifact) and writes its checksum beside it.
    let engine = dailyx_runtime::engine::build_engine(Default::default()).unwrap();
    let planted = wasmtime_component(&engine, &foreign);
    std::fs::write(&entry, &planted).unwrap();
    std::fs::write(entry.with_extension("cwasm.sha256"), digest_of(&planted)).unwrap();
    let second = Runtime::start(config.clone()).await.unwrap();
    serves_its_own_code(
        &second,
        "a planted artifact is compiled again, not deserialised",
    );
    let record = second.call("w", writer_input("ok", &["my own code"])).await;
    assert_eq!(crate::expect_draft(&record).tweets[0].text, "my own code");
    assert_ne!(
        std::fs::read(&entry).unwrap(),
        planted,
        "the planted file is replaced"
    );
    drop(second);

    // 2. Another component's entry, as the host itself wrote it, copied over this one's.
    let other = cache_entry(cache.path(), &digest_of(&foreign));
    std::fs::copy(&other, &entry).unwrap();
    let copied = std::fs::read(&entry).unwrap();
    std::fs::write(entry.with_extension("cwasm.sha256"), digest_of(&copied)).unwrap();
    let third = Runtime::start(config.clone()).await.unwrap();
    serves_its_own_code(&third, "an entry is bound to its component");
    let record = third.call("w", writer_input("ok", &["still mine"])).await;
    assert_eq!(crate::expect_draft(&record).tweets[0].text, "still mine");
    drop(third);

    // What the host wrote itself it uses again.
    let fourth = Runtime::start(config).await.unwrap();
    assert_eq!(
        fourth.registry().components["w"].compile_source,
        CompileSource::Cache
    );
}

/// `bytes` compiled and serialised by `engine`, as `Component::serialize` writes it.
fn wasmtime_component(engine: &wasmtime::Engine, bytes: &[u8]) -> Vec<u8> {
    wasmtime::component::Component::new(engine, bytes)
        .unwrap()
        .serialize()
        .unwrap()
}

/// A writer built against the 0.1.0 contract (bare `write`, 0.1.0 imports) loads and serves next
/// to 0.2.0 components, and its imports are held to the same grants: the config key it asks for
/// is read when granted and refused (with its event) when not.
#[tokio::test]
async fn a_0_1_0_writer_serves_next_to_0_2_0_components_under_the_same_grants() {
    use dailyx_runtime::{ContractVersion, Outcome};
    let reg = TestRegistry::new();
    reg.put("old.wasm", &component_bytes("fixtures/writer-v0-1"));
    reg.put("new.wasm", &component_bytes("writer"));
    reg.manifest(
        &(manifest_entry(
            "old",
            "writer",
            "[component.grants.config]\nkeys = [\"signature\"]\n[component.config]\nsignature = \"(v0.1)\"\n",
        ) + &manifest_entry("old-ungranted", "writer", "file = \"old.wasm\"")
            + &manifest_entry(
                "new",
                "writer",
                "[component.grants.config]\nkeys = [\"model\", \"temperature\"]\n",
            )),
    );
    let runtime = reg.start().await;
    let registry = runtime.registry();
    assert!(registry.problems.is_empty(), "{:?}", registry.problems);
    let version = |name: &str| registry.components[name].contract();
    assert_eq!(version("old"), ContractVersion::V0_1);
    assert_eq!(version("old-ungranted"), ContractVersion::V0_1);
    assert_eq!(version("new"), ContractVersion::V0_2);

    let input = writer_input("r", &["Streaming uploads landed", "Sync is twice as fast"]);
    let old = runtime.call("old", input.clone()).await;
    let Ok(StageOutput::Draft(draft)) = &old.result else {
        panic!("{:?}", old.result)
    };
    let texts: Vec<&str> = draft.tweets.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(
        texts,
        ["Streaming uploads landed", "Sync is twice as fast (v0.1)"]
    );
    assert!(
        old.logs
            .iter()
            .any(|l| l.message.contains("0.1.0 writer: 2 tweets")),
        "its 0.1.0 log import reaches the host: {:?}",
        old.logs
    );
    assert!(
        old.events.is_empty(),
        "granted reads are routine: {:?}",
        old.events
    );

    let ungranted = runtime.call("old-ungranted", input.clone()).await;
    let Ok(StageOutput::Draft(draft)) = &ungranted.result else {
        panic!("{:?}", ungranted.result)
    };
    assert_eq!(draft.tweets[1].text, "Sync is twice as fast");
    assert!(
        ungranted.events.iter().any(|e| e.capability == "config"
            && e.target == "signature"
            && e.outcome == Outcome::Denied),
        "{:?}",
        ungranted.events
    );

    let new = runtime
        .call("new", writer_input("r", &["Streaming uploads landed"]))
        .await;
    assert!(
        matches!(new.result, Ok(StageOutput::Draft(_))),
        "{:?}",
        new.result
    );
}
