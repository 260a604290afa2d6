//! Pipeline host overhead: one whole run (nine steps: eight agents and the persona) through
//! the host — every agent a sandboxed component in a fresh instance, every step persisted in
//! SQLite before the next starts, capability events recorded, the LLM a zero-latency
//! OpenAI-compatible server on loopback — side by side, in the same process and the same run,
//! with the same agent libraries called natively in-process (no sandbox, no database; the LLM
//! answers from memory, so the native side is if anything flattered).
//!
//! Both sides work on the same git repository and produce the same draft. Between host runs
//! the record of collected materials is cleared (not timed), so every run is a full run.
//!
//! `cargo bench -p dailyx-tests --bench pipeline [-- RUNS]` (default 200).

use dailyx_model::{self as m};
use dailyx_pipeline::{Pipeline, PipelineSettings, RunOutcome};
use dailyx_runtime::Runtime;
use dailyx_runtime::capability::repo::read_log;
use dailyx_sdk::llm_client::ScriptedLlm;
use dailyx_sdk::repo::{Commit, FileChange, LogQuery};
use dailyx_store::Store;
use dailyx_tests::{bench_pipeline_config, sample_repo, zero_latency_llm};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What the fake LLM answers (the writer and critic fall back to their rules on it, on both
/// sides alike).
const ANSWER: &str = "Shipped: streaming responses and a 3x faster sync.";

fn main() {
    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(200);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    rt.block_on(bench(runs));
}

async fn bench(runs: usize) {
    let repo = tempfile::tempdir().expect("tempdir");
    sample_repo(repo.path());
    let data = tempfile::tempdir().expect("tempdir");
    let llm = zero_latency_llm(ANSWER).await;

    let config = bench_pipeline_config(repo.path(), data.path(), llm);
    let runtime = Runtime::start(config).await.expect("runtime");
    assert!(
        runtime.registry().problems.is_empty(),
        "build the guests first"
    );
    let url = format!("sqlite://{}", data.path().join("bench.db").display());
    let store = Store::open(&url).await.expect("store");
    let settings = PipelineSettings {
        timezone: "UTC".into(),
        ..PipelineSettings::default()
    };
    let pipeline = Pipeline::new(runtime, store.clone(), settings);

    let warmup = 10;
    let mut last_run = String::new();
    let mut host = Vec::with_capacity(runs);
    let mut native = Vec::with_capacity(runs);
    for i in 0..warmup + runs {
        // Alternate the two sides so drift (caches, frequency) hits both alike.
        store
            .execute_admin("DELETE FROM collected_materials")
            .await
            .expect("reset");
        let t = Instant::now();
        let outcome = pipeline.run_now("bench").await.expect("run");
        let took = t.elapsed();
        let RunOutcome::Drafted { run_id, .. } = outcome else {
            panic!("{outcome:?}");
        };
        last_run = run_id;

        let t = Instant::now();
        let tweets = native_run(repo.path());
        let native_took = t.elapsed();
        assert!(tweets > 0);
        if i >= warmup {
            host.push(took);
            native.push(native_took);
        }
    }
    report(runs, &mut host, &mut native);
    // Where a run's time goes: each step's recorded duration (the component call, with
    // retries; not the database write that records it).
    let steps = store.step_logs(&last_run).await.expect("steps");
    let in_steps: i64 = steps.iter().map(|s| s.duration_us).sum();
    println!("\nlast run, per step (component call as recorded):");
    for s in &steps {
        println!(
            "  {:<15} {:>8.3} ms",
            s.stage,
            s.duration_us as f64 / 1000.0
        );
    }
    println!("  {:<15} {:>8.3} ms", "sum", in_steps as f64 / 1000.0);
}

/// The same nine steps with the agents' plain libraries, in-process. Returns the tweet count.
fn native_run(repo: &Path) -> usize {
    let now = now_ms();
    let ctx = m::RunContext {
        run_id: "native".into(),
        date: "2026-11-22".into(),
        started_at_ms: now,
        previous_run_at_ms: None,
        dry_run: true,
    };
    let host = NativeRepo(repo.to_path_buf());
    let materials = dailyx_collector::collect(&ctx, &host, &Default::default()).expect("collect");
    let selection = dailyx_curator::curate(&ctx, &materials, &Default::default()).expect("curate");
    let picked: Vec<m::Material> = selection
        .picked
        .iter()
        .filter_map(|p| materials.iter().find(|m| m.id == p.material_id).cloned())
        .collect();
    let persona = dailyx_persona_dev_advocate::profile();
    let style = dailyx_style::style(&ctx, &persona, &[], &Default::default()).expect("style");
    let plan = dailyx_thread_planner::plan(&ctx, &selection, &picked, &style, &Default::default())
        .expect("plan");
    let llm = ScriptedLlm::answering(ANSWER, 900, 60);
    let draft = dailyx_writer::write(&ctx, &plan, &picked, &style, &llm, &Default::default())
        .expect("write");
    let critique =
        dailyx_critic::critique(&ctx, &draft, &picked, &style, &llm, &Default::default())
            .expect("critique");
    let mut fin = draft.clone();
    if let Some(revision) = critique.revision.clone().filter(|r| !r.is_empty()) {
        fin.tweets = revision;
    }
    let rules = m::PolicyRules {
        blocked_terms: vec![],
        recent_posts: vec![],
        max_weighted_length: 280,
    };
    let report = dailyx_policy::check(&ctx, &fin, &rules).expect("check");
    let links = vec![m::ActionLink {
        action: "approve".into(),
        url: "http://127.0.0.1:8080/actions/__DAILYX_TOKEN_APPROVE__".into(),
    }];
    let note = dailyx_notifier::compose(&ctx, &fin, &report, &links, &Default::default())
        .expect("compose");
    std::hint::black_box(note);
    fin.tweets.len()
}

/// The collector's host natively: the same git reading code the `repo` capability uses.
struct NativeRepo(PathBuf);

impl dailyx_collector::CollectorHost for NativeRepo {
    fn repositories(&self) -> Vec<String> {
        vec!["project".into()]
    }

    fn log(&self, query: &LogQuery) -> Result<Vec<Commit>, m::AgentError> {
        let commits = read_log(&self.0, query.since_ms, query.max_count as usize)
            .map_err(|e| m::AgentError::Upstream(format!("{e:?}")))?;
        Ok(commits
            .into_iter()
            .map(|c| Commit {
                id: c.id,
                summary: c.summary,
                message: c.message,
                author: c.author,
                timestamp_ms: c.timestamp_ms,
                parent_count: c.parent_count,
                files: c
                    .files
                    .into_iter()
                    .map(|f| FileChange {
                        path: f.path,
                        insertions: f.insertions,
                        deletions: f.deletions,
                    })
                    .collect(),
            })
            .collect())
    }

    fn read_file(&self, _repository: &str, path: &str) -> Result<Option<Vec<u8>>, m::AgentError> {
        Ok(std::fs::read(self.0.join(path)).ok())
    }

    fn get(&self, url: &str, _accept: &str) -> Result<Vec<u8>, m::AgentError> {
        Err(m::AgentError::Upstream(format!(
            "no network in the benchmark: {url}"
        )))
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(runs: usize, host: &mut [Duration], native: &mut [Duration]) {
    host.sort();
    native.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (h50, h99) = (percentile(host, 0.5), percentile(host, 0.99));
    let (n50, n99) = (percentile(native, 0.5), percentile(native, 0.99));
    println!("pipeline, {runs} runs each, same process, alternating (SQLite, zero-latency LLM)");
    println!("{:<34} {:>10} {:>10}", "", "p50 ms", "p99 ms");
    println!(
        "{:<34} {:>10.3} {:>10.3}",
        "host (components + SQLite)",
        ms(h50),
        ms(h99)
    );
    println!(
        "{:<34} {:>10.3} {:>10.3}",
        "native (same libraries)",
        ms(n50),
        ms(n99)
    );
    println!(
        "{:<34} {:>9.2}x {:>9.2}x",
        "host / native",
        ms(h50) / ms(n50),
        ms(h99) / ms(n99)
    );
    println!(
        "{:<34} {:>10.3} {:>10.3}",
        "host overhead (host - native)",
        ms(h50) - ms(n50),
        ms(h99) - ms(n99)
    );
}
