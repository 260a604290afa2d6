//! Runtime benchmarks (a bench binary, so it can report percentiles):
//!
//! 1. Per shipped component: fresh Store + instantiate + call + drop (the
//!    production path, pooling allocator) against the same call on one
//!    reused instance, p50 and p99 over N iterations, side by side.
//! 2. Host start with every component compiled vs loaded from the cache.
//!
//! Inputs are real: a small git repository is made, and each stage's input is
//! the previous stage's output, as in the pipeline.
//!
//! `cargo bench -p dailyx-tests --bench runtime [-- ITERATIONS]` (default 10000).

use dailyx_runtime::capability::repo::Repositories;
use dailyx_runtime::types::{ActionLink, PolicyRules};
use dailyx_runtime::{Runtime, RuntimeConfig, StageInput, StageOutput};
use dailyx_tests::{ctx, shipped_config};
use std::time::{Duration, Instant};

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

async fn output(runtime: &Runtime, name: &str, input: StageInput) -> StageOutput {
    let record = runtime.call(name, input).await;
    record.result.unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Each stage's input, built by running the stages in order.
async fn stage_inputs(runtime: &Runtime) -> Vec<(&'static str, StageInput)> {
    let mut c = ctx("bench");
    c.started_at_ms = now_ms();
    let collect = StageInput::Collect { ctx: c.clone() };
    let StageOutput::Materials(materials) = output(runtime, "collector", collect.clone()).await
    else {
        panic!()
    };
    let curate = StageInput::Curate {
        ctx: c.clone(),
        materials: materials.clone(),
    };
    let StageOutput::Selection(selection) = output(runtime, "curator", curate.clone()).await else {
        panic!()
    };
    let StageOutput::Persona(persona) = output(runtime, "dev-advocate", StageInput::Profile).await
    else {
        panic!()
    };
    let style_in = StageInput::Style {
        ctx: c.clone(),
        persona,
        approved_posts: vec![],
    };
    let StageOutput::StyleGuide(style) = output(runtime, "style", style_in.clone()).await else {
        panic!()
    };
    let plan_in = StageInput::Plan {
        ctx: c.clone(),
        selection,
        materials: materials.clone(),
        style: style.clone(),
    };
    let StageOutput::Plan(plan) = output(runtime, "thread-planner", plan_in.clone()).await else {
        panic!()
    };
    let write_in = StageInput::Write {
        ctx: c.clone(),
        plan,
        materials: materials.clone(),
        style: style.clone(),
    };
    let StageOutput::Draft(draft) = output(runtime, "writer", write_in.clone()).await else {
        panic!()
    };
    let critique_in = StageInput::Critique {
        ctx: c.clone(),
        draft: draft.clone(),
        materials,
        style,
    };
    let rules = PolicyRules {
        blocked_terms: vec!["crypto".into()],
        recent_posts: vec![],
        max_weighted_length: 280,
    };
    let check_in = StageInput::Check {
        ctx: c.clone(),
        draft: draft.clone(),
        rules,
    };
    let StageOutput::PolicyReport(report) = output(runtime, "policy", check_in.clone()).await
    else {
        panic!()
    };
    let links = vec![ActionLink {
        action: "approve".into(),
        url: "http://127.0.0.1:8080/a/t".into(),
    }];
    let compose_in = StageInput::Compose {
        ctx: c,
        draft,
        report,
        links,
    };
    vec![
        ("collector", collect),
        ("curator", curate),
        ("style", style_in),
        ("thread-planner", plan_in),
        ("writer", write_in),
        ("critic", critique_in),
        ("policy", check_in),
        ("notifier", compose_in),
        ("dev-advocate", StageInput::Profile),
    ]
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

async fn per_component(runtime: &Runtime, iterations: usize) {
    println!(
        "\n1. per component: fresh instance per call vs one reused instance ({iterations} iterations each)"
    );
    println!(
        "{:<16} {:>10} {:>10} {:>11} {:>11} {:>8}",
        "component", "fresh p50", "fresh p99", "reused p50", "reused p99", "p50 ×"
    );
    for (name, input) in stage_inputs(runtime).await {
        // The collector reads git on every call; fewer iterations keep the run short.
        let n = if name == "collector" {
            iterations / 10
        } else {
            iterations
        };
        let mut fresh = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            let record = runtime.call(name, input.clone()).await;
            fresh.push(t.elapsed());
            assert!(record.result.is_ok(), "{name}: {:?}", record.result);
        }
        let mut reused_instance = runtime.reused_instance(name).await.expect("instance");
        let mut reused = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            let result = reused_instance.call(&input).await;
            reused.push(t.elapsed());
            assert!(result.is_ok(), "{name}: {result:?}");
        }
        fresh.sort();
        reused.sort();
        let (f50, r50) = (percentile(&fresh, 0.5), percentile(&reused, 0.5));
        println!(
            "{name:<16} {:>8.1}µs {:>8.1}µs {:>9.1}µs {:>9.1}µs {:>8.2}",
            us(f50),
            us(percentile(&fresh, 0.99)),
            us(r50),
            us(percentile(&reused, 0.99)),
            us(f50) / us(r50).max(0.001),
        );
    }
}

async fn start_times(config: &RuntimeConfig) {
    println!("\n2. host start, every shipped component (median of 5)");
    let cache = tempfile::tempdir().expect("cache dir");
    let mut cached_config = config.clone();
    cached_config.cache_dir = Some(cache.path().to_path_buf());
    let mut uncached = Vec::new();
    let mut cached = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let r = Runtime::start(config.clone()).await.expect("start");
        uncached.push(t.elapsed());
        assert!(r.registry().problems.is_empty());
        drop(r);
        // Fill the cache once, then time starts that read it.
        let _warm = Runtime::start(cached_config.clone()).await.expect("start");
        let t = Instant::now();
        let r = Runtime::start(cached_config.clone()).await.expect("start");
        cached.push(t.elapsed());
        assert!(r.registry().problems.is_empty());
    }
    uncached.sort();
    cached.sort();
    let (u, c) = (uncached[2], cached[2]);
    println!("compiled: {:>8.1} ms", u.as_secs_f64() * 1e3);
    println!(
        "cached:   {:>8.1} ms   ({:.1}× faster)",
        c.as_secs_f64() * 1e3,
        u.as_secs_f64() / c.as_secs_f64()
    );
}

fn main() {
    let iterations: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    rt.block_on(async {
        let repo = tempfile::tempdir().expect("repo dir");
        dailyx_tests::sample_repo(repo.path());
        let mut config = shipped_config();
        config.repositories =
            Repositories([("self".to_string(), repo.path().to_path_buf())].into());
        let runtime = Runtime::start(config.clone()).await.expect("runtime");
        assert!(
            runtime.registry().problems.is_empty(),
            "{:?}",
            runtime.registry().problems
        );
        println!(
            "dailyx runtime benchmarks ({} cores)",
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );
        per_component(&runtime, iterations).await;
        start_times(&config).await;
    });
}
