//! The eval gate: a new Writer (or Critic) runs against its world's golden set in the sandbox
//! before it is activated, and is refused if any case fails; the report is kept either way.

use dailyx_runtime::{Runtime, RuntimeConfig};
use dailyx_tests::*;

/// The shipped writer and policy, with the shipped golden sets.
const MANIFEST: &str = r#"
[[component]]
name = "writer"
version = "0.1.0"
world = "writer"
file = "writer.wasm"
[component.grants.llm]
max_tokens_per_run = 6000
[component.grants.config]
keys = ["model", "temperature"]

[[component]]
name = "policy"
version = "0.1.0"
world = "policy"
file = "policy.wasm"
[component.grants.config]
keys = ["allowed_link_domains"]
"#;

fn registry_with_golden_sets() -> TestRegistry {
    let reg = TestRegistry::new();
    let golden = reg.path().join("golden");
    std::fs::create_dir_all(&golden).unwrap();
    for world in ["writer", "critic"] {
        std::fs::copy(
            shipped_plugins().join(format!("golden/{world}.json")),
            golden.join(format!("{world}.json")),
        )
        .expect("the shipped golden sets");
    }
    reg.manifest_unsigned(MANIFEST);
    reg.put("policy.wasm", &component_bytes("policy"));
    reg
}

fn with_reports(
    reg: &TestRegistry,
) -> (
    RuntimeConfig,
    tokio::sync::mpsc::UnboundedReceiver<dailyx_runtime::EvalReport>,
) {
    let mut config = reg.config();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    config.eval_reports = Some(tx);
    (config, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_eval_gate_refuses_a_writer_that_emits_a_400_character_tweet() {
    let reg = registry_with_golden_sets();
    reg.put("writer.wasm", &component_bytes("writer"));
    let (config, mut reports) = with_reports(&reg);
    let runtime = Runtime::start(config).await.expect("starts");

    // The shipped writer passes its golden set at its first activation.
    let good = runtime.registry().components["writer"].id.digest.clone();
    let first = reports
        .try_recv()
        .expect("a report for the first activation");
    assert!(first.passed, "{}", first.summary());
    assert_eq!(
        (first.component.as_str(), first.digest.as_str()),
        ("writer", good.as_str())
    );
    assert_eq!(first.cases.len(), 3);
    let too_long = first
        .cases
        .iter()
        .find(|c| c.name == "refuses an LLM answer over X's limit")
        .expect("case");
    assert!(
        too_long.tweets.iter().all(|t| t.chars().count() <= 280),
        "the shipped writer falls back to the composer: {:?}",
        too_long.tweets
    );

    // A writer that ignores the limit is refused; the good one keeps serving.
    reg.put("writer.wasm", &component_bytes("fixtures/long-writer"));
    let report = runtime.reload().await;
    assert!(report.activated.is_empty(), "{report:?}");
    assert_eq!(runtime.registry().components["writer"].id.digest, good);
    let problem = &runtime.registry().problems["writer"].message;
    assert!(
        problem.contains("refused by the eval gate")
            && problem.contains("400 weighted characters, over the limit of 280")
            && problem.contains("keeps serving"),
        "{problem}"
    );
    let refused = reports
        .try_recv()
        .expect("a report for the refused version");
    assert!(!refused.passed);
    assert_eq!(
        refused.digest,
        dailyx_runtime::engine::digest_of(&component_bytes("fixtures/long-writer"))
    );
    assert!(refused.cases.iter().all(|c| !c.passed), "{refused:?}");
    assert_eq!(report.evaluations, vec![refused.clone()]);
    assert_eq!(refused.cases[0].tweets[0].chars().count(), 400);

    // Putting the good writer back is no change to what serves: the problem goes, and there
    // is nothing new to evaluate.
    reg.put("writer.wasm", &component_bytes("writer"));
    let report = runtime.reload().await;
    assert!(
        report.activated.is_empty() && report.problems.is_empty(),
        "{report:?}"
    );
    assert!(!runtime.registry().problems.contains_key("writer"));
    assert!(reports.try_recv().is_err(), "no new evaluation");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_that_fails_its_first_evaluation_never_serves() {
    let reg = registry_with_golden_sets();
    reg.put("writer.wasm", &component_bytes("fixtures/long-writer"));
    let runtime = reg.start().await;
    assert!(!runtime.registry().components.contains_key("writer"));
    let problem = &runtime.registry().problems["writer"].message;
    assert!(problem.contains("refused by the eval gate"), "{problem}");
    assert!(!runtime.registry().problems["writer"].old_version_serving);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unusable_golden_set_refuses_the_new_version_with_a_clear_error() {
    let reg = registry_with_golden_sets();
    reg.put("writer.wasm", &component_bytes("writer"));
    let runtime = reg.start().await;
    let good = runtime.registry().components["writer"].id.digest.clone();
    std::fs::write(
        reg.path().join("golden/writer.json"),
        "{\"cases\": [{\"name\": 1}]}",
    )
    .unwrap();
    reg.put("writer.wasm", &component_bytes("fixtures/long-writer"));
    runtime.reload().await;
    assert_eq!(runtime.registry().components["writer"].id.digest, good);
    let problem = &runtime.registry().problems["writer"].message;
    assert!(
        problem.contains("golden set") && problem.contains("is not valid"),
        "{problem}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shipped_writer_and_critic_pass_their_golden_sets() {
    let runtime = Runtime::start(shipped_config()).await.expect("starts");
    for name in ["writer", "critic"] {
        let report = runtime
            .evaluate(name)
            .await
            .expect("evaluates")
            .expect("has a golden set");
        assert!(report.passed, "{name}: {report:#?}");
    }
    assert!(
        runtime
            .evaluate("curator")
            .await
            .expect("evaluates")
            .is_none()
    );
}
