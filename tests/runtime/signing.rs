//! Signatures: a component loads only with a valid signature by a trusted key over its bytes
//! and its manifest entry; the development switch lets unsigned ones load, never bad ones.

use dailyx_runtime::{Runtime, Signer};
use dailyx_signing::SigningKeyFile;
use dailyx_tests::*;

const ENTRY: &str = "[[component]]\nname = \"w\"\nversion = \"1.0.0\"\nworld = \"writer\"\n";
const WIDER: &str = "[[component]]\nname = \"w\"\nversion = \"1.0.0\"\nworld = \"writer\"\n\
                     [component.grants.llm]\nmax_tokens_per_run = 100000\n";

fn problem(runtime: &Runtime) -> String {
    runtime
        .registry()
        .problems
        .get("w")
        .map(|p| p.message.clone())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_signed_component_loads_and_names_its_key() {
    let reg = TestRegistry::new();
    reg.manifest(ENTRY);
    reg.put("w.wasm", &component_bytes("fixtures/hostile"));
    let runtime = reg.start().await;
    let loaded = &runtime.registry().components["w"];
    assert_eq!(
        loaded.signer,
        Signer::Key {
            key_id: reg.key.public_key().id().to_owned(),
            key_name: "test key".into()
        }
    );
    let record = runtime.call("w", writer_input("ok", &["signed"])).await;
    assert_eq!(crate::expect_draft(&record).tweets[0].text, "signed");
}

#[tokio::test]
async fn unsigned_tampered_and_untrusted_components_are_refused_with_clear_errors() {
    // Unsigned.
    let reg = TestRegistry::new();
    reg.manifest(ENTRY);
    reg.put_unsigned("w.wasm", &component_bytes("fixtures/hostile"));
    let runtime = reg.start().await;
    assert!(runtime.registry().components.is_empty());
    let p = problem(&runtime);
    assert!(
        p.contains("component `w`")
            && p.contains("w.wasm is not signed (no ")
            && p.contains("w.sig)")
            && p.contains("dailyx plugins sign w"),
        "{p}"
    );

    // Tampered: other bytes with a matching digest file, but the old signature.
    let reg = TestRegistry::new();
    reg.manifest(ENTRY);
    reg.put("w.wasm", &component_bytes("fixtures/hostile"));
    let sig = std::fs::read(reg.path().join("w.sig")).unwrap();
    reg.put_unsigned("w.wasm", &component_bytes("fixtures/wasi-probe"));
    std::fs::write(reg.path().join("w.sig"), sig).unwrap();
    let runtime = reg.start().await;
    assert!(runtime.registry().components.is_empty());
    let p = problem(&runtime);
    assert!(
        p.contains("does not match the file and its manifest entry")
            && p.contains(reg.key.public_key().id()),
        "{p}"
    );

    // The same file, but its entry widened without a new signature.
    let reg = TestRegistry::new();
    reg.manifest(ENTRY);
    reg.put("w.wasm", &component_bytes("fixtures/hostile"));
    reg.manifest_unsigned(WIDER);
    let runtime = reg.start().await;
    assert!(
        problem(&runtime).contains("does not match the file and its manifest entry"),
        "{}",
        problem(&runtime)
    );

    // Signed by a key the host does not trust.
    let reg = TestRegistry::new();
    reg.manifest(ENTRY);
    reg.put("w.wasm", &component_bytes("fixtures/hostile"));
    let keys = tempfile::tempdir().unwrap();
    let stranger = SigningKeyFile::generate(&keys.path().join("stranger.key")).unwrap();
    dailyx_signing::sign_plugins(reg.path(), &stranger, &[]).unwrap();
    let runtime = reg.start().await;
    let p = problem(&runtime);
    assert!(
        p.contains(&format!(
            "signed by key {}, which is not trusted",
            stranger.public_key().id()
        )),
        "{p}"
    );
    // ... unless the operator trusts it.
    let mut config = reg.config();
    config.trust.keys.push(dailyx_runtime::TrustedKey {
        name: "vendor".into(),
        key: stranger.public_key(),
    });
    let runtime = Runtime::start(config).await.unwrap();
    assert!(runtime.registry().components.contains_key("w"));
}

#[tokio::test]
async fn the_development_switch_allows_unsigned_components_but_never_bad_signatures() {
    let reg = TestRegistry::new();
    reg.manifest(ENTRY);
    reg.put_unsigned("w.wasm", &component_bytes("fixtures/hostile"));
    let mut config = reg.config();
    config.trust.allow_unsigned = true;
    let runtime = Runtime::start(config.clone()).await.unwrap();
    assert_eq!(
        runtime.registry().components["w"].signer,
        Signer::UnsignedAllowed
    );

    // A signature that is there must still verify: widen the entry after signing.
    reg.put("w.wasm", &component_bytes("fixtures/hostile"));
    reg.manifest_unsigned(WIDER);
    let runtime = Runtime::start(config).await.unwrap();
    assert!(runtime.registry().components.is_empty());
    assert!(
        problem(&runtime).contains("does not match"),
        "{}",
        problem(&runtime)
    );
}

#[tokio::test]
async fn a_bad_new_signature_keeps_the_old_version_serving() {
    let reg = TestRegistry::new();
    reg.manifest(ENTRY);
    reg.put("w.wasm", &component_bytes("fixtures/hostile"));
    let runtime = reg.start().await;
    let digest = runtime.registry().components["w"].id.digest.clone();
    // A new file lands without a signature.
    reg.put_unsigned("w.wasm", &component_bytes("fixtures/wasi-probe"));
    let report = runtime.reload().await;
    assert!(report.activated.is_empty());
    let registry = runtime.registry();
    assert_eq!(registry.components["w"].id.digest, digest);
    assert!(registry.problems["w"].old_version_serving);
    assert!(registry.problems["w"].message.contains("is not signed"));
}
