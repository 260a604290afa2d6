//! Hot swap under load: while pipeline runs execute back to back on several workers (every
//! agent a sandboxed component, every step persisted in SQLite, a zero-latency LLM on
//! loopback), a new Writer lands in the watched plugins directory the way a build writes it
//! (digest, signature, then the component by an atomic rename). It goes through every gate
//! (signature, world check, upgrade review, the writer's golden set) and is swapped in.
//!
//! Reported: runs per second, failed runs (target 0), which runs used which writer, and the
//! time from the file landing to the registry swap and to the first Writer call on the new
//! version (target ≤ 1 s), with throughput in the second before and the second after the
//! landing side by side.
//!
//! `cargo bench -p dailyx-tests --bench hotswap [-- SECONDS [WORKERS]]` (default 8 s, 6 workers).

use dailyx_pipeline::{Pipeline, PipelineSettings, RunOutcome};
use dailyx_runtime::Runtime;
use dailyx_store::Store;
use dailyx_tests::{
    bench_pipeline_config, sample_repo, shipped_plugins, workspace_root, zero_latency_llm,
};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const ANSWER: &str = "Shipped: streaming responses and a 3x faster sync.";

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse::<u64>().ok());
    let seconds = args.next().unwrap_or(8);
    let workers = args.next().unwrap_or(6) as usize;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    rt.block_on(bench(Duration::from_secs(seconds), workers));
}

/// One finished run, as a worker saw it.
struct RunRecord {
    started: Instant,
    finished: Instant,
    ok: bool,
    error: Option<String>,
    writer_digest: Option<String>,
    writer_started_ms: Option<i64>,
}

async fn bench(duration: Duration, workers: usize) {
    let repo = tempfile::tempdir().expect("tempdir");
    sample_repo(repo.path());
    let data = tempfile::tempdir().expect("tempdir");
    let plugins = data.path().join("plugins");
    copy_plugins(&shipped_plugins(), &plugins);
    let llm = zero_latency_llm(ANSWER).await;

    let mut config = bench_pipeline_config(repo.path(), data.path(), llm);
    config.plugins_dir = plugins.clone();
    let runtime = Runtime::start(config).await.expect("runtime");
    assert!(
        runtime.registry().problems.is_empty(),
        "build the guests first: {:?}",
        runtime.registry().problems
    );
    let _watcher = runtime.watch().expect("watch the plugins directory");
    let old_digest = runtime.registry().components["writer"].id.digest.clone();

    // One SQLite database per worker: the runs share the component host, which is what the
    // swap exercises, not a database lock.
    let stop = Arc::new(AtomicBool::new(false));
    let mut handles = Vec::new();
    for w in 0..workers {
        let url = format!(
            "sqlite://{}",
            data.path().join(format!("w{w}.db")).display()
        );
        let store = Store::open(&url).await.expect("store");
        let settings = PipelineSettings {
            timezone: "UTC".into(),
            worker_id: format!("bench-{w}"),
            ..PipelineSettings::default()
        };
        let pipeline = Pipeline::new(runtime.clone(), store.clone(), settings);
        let stop = stop.clone();
        handles.push(tokio::spawn(async move {
            let mut records = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                // Every run a full run (the collector would otherwise find nothing new).
                store
                    .execute_admin("DELETE FROM collected_materials")
                    .await
                    .expect("reset");
                let started = Instant::now();
                let outcome = pipeline.run_now("bench").await;
                let finished = Instant::now();
                let (ok, error, run_id) = match outcome {
                    Ok(RunOutcome::Drafted { run_id, .. }) => (true, None, Some(run_id)),
                    Ok(other) => (false, Some(format!("{other:?}")), None),
                    Err(e) => (false, Some(e.to_string()), None),
                };
                let writer = match &run_id {
                    Some(id) => store
                        .step_logs(id)
                        .await
                        .expect("steps")
                        .into_iter()
                        .find(|s| s.stage == "writer"),
                    None => None,
                };
                records.push(RunRecord {
                    started,
                    finished,
                    ok,
                    error,
                    writer_digest: writer.as_ref().and_then(|s| s.component_digest.clone()),
                    writer_started_ms: writer.map(|s| s.started_at),
                });
            }
            records
        }));
    }

    // Half-way through, a new build of the writer lands.
    let begin = Instant::now();
    tokio::time::sleep(duration / 2).await;
    let (new_digest, landed_ms, landed) = land_new_writer(&plugins);
    let mut swapped = None;
    while swapped.is_none() && landed.elapsed() < Duration::from_secs(10) {
        if runtime.registry().components["writer"].id.digest == new_digest {
            swapped = Some(landed.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    tokio::time::sleep(duration.saturating_sub(begin.elapsed())).await;
    stop.store(true, Ordering::Relaxed);
    let mut records = Vec::new();
    for h in handles {
        records.extend(h.await.expect("worker"));
    }
    let problems = runtime.registry().problems.clone();
    report(
        &records,
        begin,
        landed,
        landed_ms,
        swapped,
        &old_digest,
        &new_digest,
        workers,
    );
    if !problems.is_empty() {
        println!("problems after the swap: {problems:?}");
    }
}

/// Writes a new build of the shipped writer (a custom section appended: same code and entry,
/// new digest) as the build does: digest and signature first, the component last by rename.
/// Returns its digest and when it landed.
fn land_new_writer(plugins: &Path) -> (String, i64, Instant) {
    let mut bytes = std::fs::read(plugins.join("writer.wasm")).expect("writer");
    bytes.extend_from_slice(&[0, 4, 3, b'h', b'o', b't']);
    let digest = dailyx_signing::sha256_digest(&bytes);
    let staged = plugins.join("writer.wasm.staged");
    std::fs::write(&staged, &bytes).expect("stage");
    std::fs::write(plugins.join("writer.wasm.sha256"), format!("{digest}\n")).expect("digest");
    let key = dailyx_signing::SigningKeyFile::load(&workspace_root().join("keys/local-build.key"))
        .expect("the build key (bash scripts/build-guests.sh)");
    dailyx_signing::sign_staged(plugins, &key, &[("writer".into(), Some(staged.clone()))])
        .expect("sign");
    std::fs::rename(&staged, plugins.join("writer.wasm")).expect("land");
    let landed_ms = now_ms();
    (digest, landed_ms, Instant::now())
}

#[allow(clippy::too_many_arguments)]
fn report(
    records: &[RunRecord],
    begin: Instant,
    landed: Instant,
    landed_ms: i64,
    swapped: Option<Duration>,
    old: &str,
    new: &str,
    workers: usize,
) {
    let total = records.len();
    let failed: Vec<&RunRecord> = records.iter().filter(|r| !r.ok).collect();
    let elapsed = records
        .iter()
        .map(|r| r.finished)
        .max()
        .map_or(Duration::ZERO, |end| end - begin);
    let on_old = records
        .iter()
        .filter(|r| r.writer_digest.as_deref() == Some(old))
        .count();
    let on_new = records
        .iter()
        .filter(|r| r.writer_digest.as_deref() == Some(new))
        .count();
    let first_new_call = records
        .iter()
        .filter(|r| r.writer_digest.as_deref() == Some(new))
        .filter_map(|r| r.writer_started_ms)
        .min()
        .map(|ms| ms - landed_ms);
    let window = |from: Instant, to: Instant| {
        records
            .iter()
            .filter(|r| r.finished >= from && r.finished < to)
            .count()
    };
    let second = Duration::from_secs(1);
    let before = window(landed - second, landed);
    let after = window(landed, landed + second);
    let durations: Vec<Duration> = {
        let mut d: Vec<Duration> = records.iter().map(|r| r.finished - r.started).collect();
        d.sort();
        d
    };
    let pct = |p: f64| durations[((durations.len() as f64 - 1.0) * p).round() as usize];
    println!("hot swap under load: {workers} workers, SQLite per worker, zero-latency LLM");
    println!(
        "  runs                      {total} in {:.2} s = {:.1} runs/s (p50 {:.1} ms, p99 {:.1} ms per run)",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        pct(0.5).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0
    );
    println!("  failed runs               {} (target 0)", failed.len());
    for r in failed.iter().take(3) {
        println!("    {}", r.error.as_deref().unwrap_or("?"));
    }
    println!("  runs on the old writer    {on_old}");
    println!("  runs on the new writer    {on_new}");
    match swapped {
        Some(d) => println!(
            "  landing -> swap           {:.1} ms (watcher debounce, signature, compile, review, golden set)",
            d.as_secs_f64() * 1000.0
        ),
        None => println!("  landing -> swap           NOT SWAPPED within 10 s"),
    }
    match first_new_call {
        Some(ms) => {
            println!("  landing -> first call     {ms} ms on the new writer (target <= 1000 ms)")
        }
        None => println!("  landing -> first call     no run used the new writer"),
    }
    println!(
        "  runs finished             {before} in the second before the landing, {after} in the second after ({:.2}x)",
        after as f64 / before.max(1) as f64
    );
}

fn copy_plugins(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.join("golden")).expect("plugins dir");
    for entry in std::fs::read_dir(from).expect("shipped plugins") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            std::fs::copy(&path, to.join(path.file_name().expect("name"))).expect("copy");
        }
    }
    for entry in std::fs::read_dir(from.join("golden")).expect("golden sets") {
        let path = entry.expect("entry").path();
        std::fs::copy(
            &path,
            to.join("golden").join(path.file_name().expect("name")),
        )
        .expect("copy");
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
