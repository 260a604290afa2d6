//! The same Writer in Rust, Python and JavaScript, side by side in one run.
//!
//! Each is what `dailyx plugins new writer <name> --lang <lang>` writes (the three templates
//! hold the same logic: one tweet per beat, cut to X's weighted limit), built with
//! `dailyx plugins build` (cargo, componentize-py, jco) and signed as a user would. The shipped
//! Rust writer (the full composer) is the fourth row, the reference for "Rust unchanged".
//!
//! 1. Build: `plugins build` wall time and the component's size.
//! 2. Compile and start: a host started over that one component, compiled (no cache) and then
//!    from the compile cache (median of 3 each).
//! 3. Per call: a fresh instance from the pooling allocator plus the call (the production path),
//!    and the same call on one reused instance, p50 and p99 over N calls each.
//!
//! Needs the polyglot toolchains (`bash scripts/polyglot-toolchains.sh`) and the shipped
//! components (`bash scripts/build-guests.sh`).
//! `cargo bench -p dailyx --bench polyglot [-- CALLS]` (default 2000).

use dailyx_runtime::{Runtime, RuntimeConfig, StageInput, TrustedKey};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs the `dailyx` this bench was built with; panics with its output if it fails.
fn dailyx(args: &[&str], plugins: &Path) -> Duration {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let t = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_dailyx"))
        .args(args)
        .env_remove("DAILYX_CONFIG")
        .env("DAILYX_PLUGINS_DIR", plugins)
        .env("DAILYX_GUEST_TARGET_DIR", target.join("plugin-template"))
        .output()
        .expect("run dailyx");
    let took = t.elapsed();
    assert!(
        out.status.success(),
        "dailyx {args:?}:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

struct Writer {
    name: String,
    label: &'static str,
    plugins: PathBuf,
    build: Option<Duration>,
    bytes: u64,
}

/// Makes, builds and signs the template writer in `lang`, alone in a plugins folder of its own.
fn template_writer(work: &Path, lang: &'static str) -> Writer {
    let name = format!("bench-{lang}");
    let project = work.join(&name);
    let plugins = work.join(format!("plugins-{lang}"));
    std::fs::create_dir_all(&plugins).expect("plugins dir");
    let project_arg = project.to_string_lossy().into_owned();
    let new = [
        "plugins",
        "new",
        "writer",
        &name,
        "--lang",
        lang,
        "--dir",
        &project_arg,
    ];
    dailyx(&new, &plugins);
    if lang == "rust" {
        // The workspace's lock: the same wit-bindgen the tests build with, resolved offline.
        std::fs::copy(root().join("Cargo.lock"), project.join("Cargo.lock")).expect("lock");
    }
    let build = dailyx(&["plugins", "build", &project_arg], &plugins);
    for f in [format!("{name}.wasm"), format!("{name}.wasm.sha256")] {
        std::fs::copy(project.join(&f), plugins.join(&f)).expect("copy component");
    }
    std::fs::copy(project.join("entry.toml"), plugins.join("registry.toml")).expect("manifest");
    sign(&plugins, &name);
    let bytes = std::fs::metadata(plugins.join(format!("{name}.wasm")))
        .expect("wasm")
        .len();
    let label = match lang {
        "rust" => "Rust (template)",
        "python" => "Python (template)",
        _ => "JavaScript (template)",
    };
    Writer {
        name,
        label,
        plugins,
        build: Some(build),
        bytes,
    }
}

fn sign(plugins: &Path, name: &str) {
    let key = root().join("keys/local-build.key");
    let key = key.to_string_lossy();
    dailyx(&["plugins", "sign", "--key", &key, name], plugins);
}

/// The shipped writer, alone in a plugins folder of its own.
fn shipped_writer(work: &Path) -> Writer {
    let plugins = work.join("plugins-shipped");
    std::fs::create_dir_all(&plugins).expect("plugins dir");
    let shipped = root().join("plugins-registry");
    for f in ["writer.wasm", "writer.wasm.sha256"] {
        std::fs::copy(shipped.join(f), plugins.join(f))
            .unwrap_or_else(|e| panic!("{f}: {e}; build the guests: bash scripts/build-guests.sh"));
    }
    let manifest =
        std::fs::read_to_string(shipped.join("registry.toml")).expect("shipped manifest");
    let manifest: toml::Table = toml::from_str(&manifest).expect("shipped manifest is TOML");
    let entry = manifest["component"]
        .as_array()
        .and_then(|c| c.iter().find(|e| e["name"].as_str() == Some("writer")))
        .expect("the shipped writer's entry")
        .clone();
    let mut table = toml::Table::new();
    table.insert("component".into(), toml::Value::Array(vec![entry]));
    std::fs::write(
        plugins.join("registry.toml"),
        toml::to_string(&table).expect("manifest"),
    )
    .expect("manifest");
    sign(&plugins, "writer");
    let bytes = std::fs::metadata(plugins.join("writer.wasm"))
        .expect("wasm")
        .len();
    Writer {
        name: "writer".into(),
        label: "Rust (shipped)",
        plugins,
        build: None,
        bytes,
    }
}

/// A host over `plugins` trusting the build key, with the compile cache in `cache` if given.
/// Clones share one cache key (a new config gets a random one, under which no entry verifies).
fn config(plugins: &Path) -> RuntimeConfig {
    let mut config = RuntimeConfig::new(plugins);
    let pub_file = root().join("keys/local-build.pub");
    config.trust.keys.push(TrustedKey {
        name: pub_file.display().to_string(),
        key: dailyx_signing::PublicKey::read(&pub_file).expect("the build key"),
    });
    config
}

fn with_cache(config: &RuntimeConfig, cache: Option<&Path>) -> RuntimeConfig {
    let mut config = config.clone();
    config.cache_dir = cache.map(Path::to_path_buf);
    config
}

async fn start(config: RuntimeConfig, name: &str) -> (std::sync::Arc<Runtime>, Duration) {
    let t = Instant::now();
    let runtime = Runtime::start(config).await.expect("runtime starts");
    let took = t.elapsed();
    let registry = runtime.registry();
    assert!(
        registry.problems.is_empty() && registry.components.contains_key(name),
        "{name}: {:?}",
        registry.problems
    );
    (runtime, took)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// A writer's input: a plan of three beats (one with CJK and an emoji, which weigh 2).
fn write_input() -> StageInput {
    let mut input = dailyx_tests::writer_input(
        "bench",
        &[
            "Streaming responses land in the API: first byte in 40 ms instead of 900 ms.",
            "Initial sync is 3× faster after moving the diff to a rolling hash.",
            "Empty input no longer panics the parser; thanks to 山田 for the report 🙏",
        ],
    );
    if let StageInput::Write { plan, .. } = &mut input {
        plan.max_tweets = 3;
    }
    input
}

fn main() {
    let calls: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(2000);
    let work = tempfile::tempdir().expect("work dir");
    println!(
        "dailyx polyglot writer benchmark ({} cores, {calls} calls per row)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let writers = vec![
        shipped_writer(work.path()),
        template_writer(work.path(), "rust"),
        template_writer(work.path(), "python"),
        template_writer(work.path(), "javascript"),
    ];
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    rt.block_on(async {
        println!("\n1. build (`dailyx plugins build`) and size");
        println!("{:<22} {:>10} {:>11}", "writer", "build", "size");
        for w in &writers {
            let build = w
                .build
                .map_or("—".to_owned(), |d| format!("{:.1} s", d.as_secs_f64()));
            println!(
                "{:<22} {:>10} {:>8.2} MB",
                w.label,
                build,
                w.bytes as f64 / 1e6
            );
        }

        println!(
            "\n2. host start over the one component: compiled vs from the cache (median of 3)"
        );
        println!(
            "{:<22} {:>12} {:>12} {:>8}",
            "writer", "compiled", "cached", "×"
        );
        for w in &writers {
            let base = config(&w.plugins);
            let mut compiled = Vec::new();
            let mut cached = Vec::new();
            for _ in 0..3 {
                compiled.push(start(with_cache(&base, None), &w.name).await.1);
                let cache = tempfile::tempdir().expect("cache dir");
                // Fill the cache once, then time a start that reads it.
                drop(start(with_cache(&base, Some(cache.path())), &w.name).await);
                cached.push(
                    start(with_cache(&base, Some(cache.path())), &w.name)
                        .await
                        .1,
                );
            }
            let (c, k) = (median(compiled), median(cached));
            println!(
                "{:<22} {:>9.1} ms {:>9.1} ms {:>8.1}",
                w.label,
                ms(c),
                ms(k),
                ms(c) / ms(k).max(0.001)
            );
        }

        println!("\n3. per call: fresh instance + call vs one reused instance");
        println!(
            "{:<22} {:>10} {:>10} {:>11} {:>11}",
            "writer", "fresh p50", "fresh p99", "reused p50", "reused p99"
        );
        let input = write_input();
        for w in &writers {
            let cache = tempfile::tempdir().expect("cache dir");
            let (runtime, _) =
                start(with_cache(&config(&w.plugins), Some(cache.path())), &w.name).await;
            // Warm: the first calls fault in the pooling allocator's slots.
            for _ in 0..20 {
                let record = runtime.call(&w.name, input.clone()).await;
                assert!(record.result.is_ok(), "{}: {:?}", w.name, record.result);
            }
            let mut fresh = Vec::with_capacity(calls);
            for _ in 0..calls {
                let t = Instant::now();
                let record = runtime.call(&w.name, input.clone()).await;
                fresh.push(t.elapsed());
                assert!(record.result.is_ok(), "{}: {:?}", w.name, record.result);
            }
            let mut instance = runtime.reused_instance(&w.name).await.expect("instance");
            let mut reused = Vec::with_capacity(calls);
            for _ in 0..calls {
                let t = Instant::now();
                let result = instance.call(&input).await;
                reused.push(t.elapsed());
                assert!(result.is_ok(), "{}: {result:?}", w.name);
            }
            fresh.sort();
            reused.sort();
            println!(
                "{:<22} {:>7.3} ms {:>7.3} ms {:>8.3} ms {:>8.3} ms",
                w.label,
                ms(percentile(&fresh, 0.5)),
                ms(percentile(&fresh, 0.99)),
                ms(percentile(&reused, 0.5)),
                ms(percentile(&reused, 0.99)),
            );
        }
    });
}
