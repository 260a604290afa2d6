//! Hostile components: each misbehaviour is stopped with a specific error,
//! and the very next call on the same runtime is served normally.

use dailyx_runtime::{CallError, Runtime};
use dailyx_tests::*;
use std::sync::Arc;

async fn hostile_runtime() -> (TestRegistry, Arc<Runtime>) {
    let reg = TestRegistry::new();
    reg.put("hostile.wasm", &component_bytes("fixtures/hostile"));
    let entry = |name: &str, limits: &str| {
        format!(
            "[[component]]\nname = \"{name}\"\nversion = \"0.1.0\"\nworld = \"writer\"\nfile = \"hostile.wasm\"\n[component.limits]\n{limits}\n"
        )
    };
    reg.manifest(
        &[
            entry("deadline", "wall_clock_ms = 300"),
            entry("small", "memory_bytes = 33554432"),
            entry(
                "big",
                "memory_bytes = 536870912\nmax_output_bytes = 1048576\nwall_clock_ms = 30000",
            ),
            entry("metered", "fuel = 20000000\nwall_clock_ms = 30000"),
            entry("plain", ""),
        ]
        .concat(),
    );
    let runtime = reg.start().await;
    assert!(
        runtime.registry().problems.is_empty(),
        "{:?}",
        runtime.registry().problems
    );
    (reg, runtime)
}

async fn still_serves(runtime: &Runtime, name: &str) {
    let record = runtime.call(name, writer_input("ok", &["next call"])).await;
    assert_eq!(
        crate::expect_draft(&record).tweets[0].text,
        "next call",
        "{name} serves after misbehaviour"
    );
}

#[tokio::test]
async fn an_infinite_loop_is_stopped_by_the_deadline() {
    let (_reg, runtime) = hostile_runtime().await;
    let record = runtime.call("deadline", writer_input("spin", &[])).await;
    match &record.result {
        Err(CallError::Timeout {
            component,
            limit_ms,
        }) => {
            assert_eq!((component.as_str(), *limit_ms), ("deadline", 300));
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(
        record.duration.as_millis() < 2000,
        "stopped promptly: {:?}",
        record.duration
    );
    still_serves(&runtime, "deadline").await;
}

#[tokio::test]
async fn memory_growth_past_the_limit_is_stopped() {
    let (_reg, runtime) = hostile_runtime().await;
    let record = runtime.call("small", writer_input("grow", &[])).await;
    match &record.result {
        Err(CallError::ResourceLimit {
            resource, detail, ..
        }) => {
            assert_eq!(*resource, "memory");
            assert!(detail.contains("33554432"), "{detail}");
        }
        other => panic!("expected the memory limit, got {other:?}"),
    }
    still_serves(&runtime, "small").await;
}

#[tokio::test]
async fn a_100_mb_output_is_refused() {
    let (_reg, runtime) = hostile_runtime().await;
    let record = runtime.call("big", writer_input("flood", &[])).await;
    assert!(
        matches!(
            &record.result,
            Err(CallError::OutputTooLarge {
                limit: 1_048_576,
                ..
            })
        ),
        "{:?}",
        record.result.as_ref().map(|_| "a draft")
    );
    still_serves(&runtime, "big").await;
}

#[tokio::test]
async fn a_panic_reaches_the_log_and_the_error() {
    let (_reg, runtime) = hostile_runtime().await;
    let record = runtime.call("plain", writer_input("panic", &[])).await;
    match &record.result {
        Err(CallError::Trap {
            panic: Some(message),
            ..
        }) => {
            assert!(
                message.contains("deliberate panic from the hostile fixture"),
                "{message}"
            );
        }
        other => panic!("expected a trap with the panic message, got {other:?}"),
    }
    assert!(
        record
            .logs
            .iter()
            .any(|l| l.level == "error" && l.message.contains("deliberate panic"))
    );
    still_serves(&runtime, "plain").await;
}

#[tokio::test]
async fn fuel_bounds_computation() {
    let (_reg, runtime) = hostile_runtime().await;
    let record = runtime.call("metered", writer_input("spin", &[])).await;
    assert!(
        matches!(
            &record.result,
            Err(CallError::ResourceLimit {
                resource: "fuel",
                ..
            })
        ),
        "{:?}",
        record.result
    );
    still_serves(&runtime, "metered").await;
}

#[tokio::test]
async fn concurrent_hostile_calls_do_not_disturb_good_ones() {
    let (_reg, runtime) = hostile_runtime().await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let runtime = runtime.clone();
        tasks.push(tokio::spawn(async move {
            let (name, mode) = if i % 2 == 0 {
                ("deadline", "spin")
            } else {
                ("plain", "ok")
            };
            (mode, runtime.call(name, writer_input(mode, &["x"])).await)
        }));
    }
    for task in tasks {
        let (mode, record) = task.await.unwrap();
        match mode {
            "spin" => assert!(matches!(record.result, Err(CallError::Timeout { .. }))),
            _ => assert!(record.result.is_ok(), "{:?}", record.result),
        }
    }
}
