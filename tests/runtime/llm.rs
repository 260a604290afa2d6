//! The `llm` capability against a fake OpenAI-compatible server on loopback.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use dailyx_runtime::capability::llm::LlmEndpoint;
use dailyx_runtime::secret::Secret;
use dailyx_runtime::{Outcome, Runtime};
use dailyx_tests::*;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Seen = Arc<Mutex<Vec<(Option<String>, Value)>>>;

async fn completions(
    State(seen): State<Seen>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Json<Value> {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    seen.lock().unwrap().push((auth, body.clone()));
    let question = body["messages"][0]["content"].as_str().unwrap_or_default();
    let mut answer = json!({
        "id": "c1",
        "model": body["model"],
        "choices": [{ "index": 0, "message": { "role": "assistant", "content": format!("echo: {question}") } }],
        "usage": { "prompt_tokens": 30, "completion_tokens": 12 }
    });
    // Some OpenAI-compatible servers leave the count out.
    if question.starts_with("uncounted") {
        answer.as_object_mut().unwrap().remove("usage");
    }
    Json(answer)
}

fn manifest(reg: &TestRegistry, budget: u32) {
    reg.put("hostile.wasm", &component_bytes("fixtures/hostile"));
    reg.manifest(&format!(
        "[[component]]\nname = \"w\"\nversion = \"0.1.0\"\nworld = \"writer\"\nfile = \"hostile.wasm\"\n\
         [component.grants.llm]\nmax_tokens_per_run = {budget}\n\
         [[component]]\nname = \"nollm\"\nversion = \"0.1.0\"\nworld = \"writer\"\nfile = \"hostile.wasm\"\n"
    ));
}

async fn with_server(budget: u32) -> (TestRegistry, Arc<Runtime>, Seen) {
    let seen: Seen = Arc::default();
    let addr = serve(
        axum::Router::new()
            .route("/v1/chat/completions", post(completions))
            .with_state(seen.clone()),
    )
    .await;
    let reg = TestRegistry::new();
    manifest(&reg, budget);
    let mut config = reg.config();
    config.llm = Some(LlmEndpoint {
        base_url: format!("http://{addr}/v1"),
        api_key: Some(Secret::new("sk-test-key")),
        model: "test/model".into(),
        timeout: Duration::from_secs(5),
    });
    (reg, Runtime::start(config).await.unwrap(), seen)
}

#[tokio::test]
async fn completions_go_to_the_operators_endpoint_with_the_hosts_key() {
    let (_reg, runtime, seen) = with_server(1000).await;
    let record = runtime
        .call("w", writer_input("llm", &["hello there"]))
        .await;
    let notes = &crate::expect_draft(&record).notes;
    assert_eq!(notes[0], "ok echo: hello there [test/model] 30+12");
    assert_eq!((record.tokens.prompt, record.tokens.completion), (30, 12));
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].0.as_deref(), Some("Bearer sk-test-key"));
    assert_eq!(seen[0].1["model"], "test/model");
    assert_eq!(seen[0].1["max_tokens"], 64);
    let event = &record.events[0];
    assert_eq!((event.capability, event.outcome), ("llm", Outcome::Allowed));
    assert!(
        !format!("{record:?}").contains("sk-test-key"),
        "the key never appears in the record"
    );
}

#[tokio::test]
async fn the_token_budget_is_enforced_per_run() {
    // 42 tokens per answer: the first call spends 42 of 50, and the request is clamped to 8.
    let (_reg, runtime, seen) = with_server(50).await;
    let record = runtime.call("w", writer_input("llm", &["one"])).await;
    assert!(crate::expect_draft(&record).notes[0].starts_with("ok"));
    assert_eq!(
        seen.lock().unwrap()[0].1["max_tokens"],
        50 - 5,
        "clamped to the remaining budget less the prompt's estimate (1 token + 4 of framing)"
    );
    // A second completion in the same call would exceed it: the fixture asks once per call, so
    // check that a fresh call (a new run) gets a fresh budget.
    let again = runtime.call("w", writer_input("llm", &["two"])).await;
    assert!(
        crate::expect_draft(&again).notes[0].starts_with("ok"),
        "a new run has a new budget"
    );
}

/// Issue 17: the prompt is paid for before it is sent, and an answer that does not say what it
/// cost is counted by estimate, not as free.
#[tokio::test]
async fn a_prompt_that_does_not_fit_is_not_sent_and_an_uncounted_answer_is_not_free() {
    let (_reg, runtime, seen) = with_server(1000).await;
    // ~34 000 tokens of prompt against a 1000-token budget: refused, nothing sent.
    let long = "word ".repeat(20_000);
    let record = runtime.call("w", writer_input("llm", &[&long])).await;
    let note = &crate::expect_draft(&record).notes[0];
    assert!(
        note.contains("BudgetExceeded") && note.contains("does not fit"),
        "{}",
        &note[..note.len().min(200)]
    );
    assert!(seen.lock().unwrap().is_empty(), "nothing was sent");
    assert_eq!(record.tokens.total(), 0);

    // No `usage` in the answer: the prompt and the answer are counted by estimate.
    let question = "uncounted: what changed in 2.0?";
    let record = runtime.call("w", writer_input("llm", &[question])).await;
    let note = &crate::expect_draft(&record).notes[0];
    assert!(note.starts_with("ok echo: uncounted"), "{note}");
    let answer = format!("echo: {question}");
    assert_eq!(
        (record.tokens.prompt, record.tokens.completion),
        (
            dailyx_runtime::capability::llm::estimate_tokens(question) + 4,
            dailyx_runtime::capability::llm::estimate_tokens(&answer)
        )
    );
    assert!(record.tokens.completion > 0);
    assert!(
        record.events[0].detail.contains("estimated"),
        "{:?}",
        record.events[0]
    );
}

#[tokio::test]
async fn an_exhausted_budget_is_refused() {
    let (_reg, runtime, seen) = with_server(0).await;
    let record = runtime.call("w", writer_input("llm", &["anything"])).await;
    let note = &crate::expect_draft(&record).notes[0];
    assert!(note.contains("BudgetExceeded"), "{note}");
    assert!(seen.lock().unwrap().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn no_grant_is_denied_and_no_endpoint_is_not_configured() {
    let (_reg, runtime, seen) = with_server(1000).await;
    let record = runtime.call("nollm", writer_input("llm", &["x"])).await;
    assert!(
        crate::expect_draft(&record).notes[0].contains("Denied"),
        "{:?}",
        record.result
    );
    assert!(seen.lock().unwrap().is_empty());

    let reg = TestRegistry::new();
    manifest(&reg, 1000);
    let runtime = reg.start().await;
    let record = runtime.call("w", writer_input("llm", &["x"])).await;
    assert_eq!(
        crate::expect_draft(&record).notes[0],
        "err LlmError::NotConfigured"
    );
    // Not set up is not a denial: the event says so (the pipeline reports only denials).
    let llm: Vec<_> = record
        .events
        .iter()
        .filter(|e| e.capability == "llm")
        .collect();
    assert_eq!(llm.len(), 1, "{llm:?}");
    assert_eq!(llm[0].outcome, dailyx_runtime::Outcome::Unavailable);
    assert_eq!(llm[0].detail, "no LLM endpoint is configured");
}

#[tokio::test]
async fn an_unreachable_endpoint_is_an_upstream_error_not_a_hang() {
    let reg = TestRegistry::new();
    manifest(&reg, 1000);
    let mut config = reg.config();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    config.llm = Some(LlmEndpoint {
        base_url: format!("http://{closed}/v1"),
        api_key: None,
        model: "m".into(),
        timeout: Duration::from_secs(2),
    });
    let runtime = Runtime::start(config).await.unwrap();
    let record = runtime.call("w", writer_input("llm", &["x"])).await;
    let note = &crate::expect_draft(&record).notes[0];
    assert!(
        note.contains("Upstream") && note.contains("cannot reach"),
        "{note}"
    );
}
