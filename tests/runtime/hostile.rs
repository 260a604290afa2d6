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

/// What the host logged while a capture was installed: the first lines (each cut at 4 KiB) and
/// counts, so that a flood of lines does not flood the test too.
#[derive(Default)]
struct Logged {
    lines: Vec<String>,
    count: usize,
    longest: usize,
    /// The longest run of `K` (the hostile key's letter) in any line.
    longest_k_run: usize,
}

#[derive(Clone, Default)]
struct LogCapture(Arc<parking_lot::Mutex<Logged>>);

/// One formatted event: tracing-subscriber's fmt layer takes a writer per event.
struct CaptureLine {
    capture: LogCapture,
    kept: Vec<u8>,
    len: usize,
    k_run: usize,
    longest_k_run: usize,
}

impl std::io::Write for CaptureLine {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.len += buf.len();
        for &b in buf {
            self.k_run = if b == b'K' { self.k_run + 1 } else { 0 };
            self.longest_k_run = self.longest_k_run.max(self.k_run);
        }
        let room = 4096usize.saturating_sub(self.kept.len());
        self.kept.extend_from_slice(&buf[..buf.len().min(room)]);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for CaptureLine {
    fn drop(&mut self) {
        let mut logged = self.capture.0.lock();
        logged.count += 1;
        logged.longest = logged.longest.max(self.len);
        logged.longest_k_run = logged.longest_k_run.max(self.longest_k_run);
        if logged.lines.len() < 10_000 {
            logged
                .lines
                .push(String::from_utf8_lossy(&self.kept).into_owned());
        }
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogCapture {
    type Writer = CaptureLine;

    fn make_writer(&'a self) -> CaptureLine {
        CaptureLine {
            capture: self.clone(),
            kept: Vec::new(),
            len: 0,
            k_run: 0,
            longest_k_run: 0,
        }
    }
}

impl LogCapture {
    /// Captures this thread's events at DEBUG and above until the guard drops (the tests run
    /// on a current-thread runtime, so a call's host functions run here).
    fn install(&self) -> tracing::subscriber::DefaultGuard {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(self.clone())
            .finish();
        tracing::subscriber::set_default(subscriber)
    }

    fn lines_containing(&self, needle: &str) -> Vec<String> {
        let logged = self.0.lock();
        logged
            .lines
            .iter()
            .filter(|l| l.contains(needle))
            .cloned()
            .collect()
    }
}

async fn flood_runtime() -> (TestRegistry, Arc<Runtime>) {
    let reg = TestRegistry::new();
    reg.put("event-flood.wasm", &component_bytes("fixtures/event-flood"));
    reg.manifest(
        "[[component]]\nname = \"flood\"\nversion = \"0.1.0\"\nworld = \"writer\"\n\
         file = \"event-flood.wasm\"\n[component.limits]\nmemory_bytes = 134217728\n\
         wall_clock_ms = 2000\n\
         [[component]]\nname = \"flood-long\"\nversion = \"0.1.0\"\nworld = \"writer\"\n\
         file = \"event-flood.wasm\"\n[component.limits]\nwall_clock_ms = 120000\n",
    );
    let runtime = reg.start().await;
    assert!(
        runtime.registry().problems.is_empty(),
        "{:?}",
        runtime.registry().problems
    );
    (reg, runtime)
}

/// Every kept event is within the per-field cap (length and allocation), and the call's events
/// within the per-call caps.
fn assert_events_bounded(record: &dailyx_runtime::CallRecord) {
    use dailyx_runtime::events::{
        CUT_MARKER, MAX_EVENT_BYTES_PER_CALL, MAX_EVENTS_PER_CALL, MAX_FIELD_BYTES,
    };
    let most = MAX_FIELD_BYTES + CUT_MARKER.len();
    assert!(
        record.events.len() <= MAX_EVENTS_PER_CALL,
        "{} events",
        record.events.len()
    );
    let mut total = 0;
    for e in &record.events {
        for field in [&e.target, &e.detail] {
            assert!(
                field.len() <= most && field.capacity() <= 2 * most,
                "a field of {} bytes ({} allocated) was kept: {}…",
                field.len(),
                field.capacity(),
                &field[..field.floor_char_boundary(80)]
            );
        }
        total += e.target.len() + e.detail.len();
    }
    assert!(
        total <= MAX_EVENT_BYTES_PER_CALL,
        "{total} bytes of events kept"
    );
}

/// The leading number of a summary's detail ("9990 more ...").
fn leading_count(detail: &str) -> u64 {
    detail
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {detail:?}"))
}

#[tokio::test]
async fn a_multi_mib_config_key_in_a_loop_leaves_events_and_logs_bounded() {
    let (_reg, runtime) = flood_runtime().await;

    // 16 MiB: more than one host call's arguments may hold, so the host stops the call before
    // it copies the key at all (item 3's transfer budget).
    let record = runtime
        .call("flood", writer_input("huge-key", &["16"]))
        .await;
    assert!(
        matches!(
            &record.result,
            Err(CallError::ResourceLimit {
                resource: "host-call data",
                ..
            })
        ),
        "{:?}",
        record.result.as_ref().map(|_| "a draft")
    );
    assert_events_bounded(&record);

    // 3 MiB fits that budget: the host copies each key, and only the event caps keep what it
    // records, logs and stores small while the loop runs until the wall clock.
    let capture = LogCapture::default();
    let guard = capture.install();
    let record = runtime
        .call("flood", writer_input("huge-key", &["3"]))
        .await;
    drop(guard);
    assert!(
        matches!(record.result, Err(CallError::Timeout { .. })),
        "the wall clock ends the loop: {:?}",
        record.result.as_ref().map(|_| "a draft")
    );
    assert!(!record.events.is_empty(), "the denials are recorded");
    assert_events_bounded(&record);
    let first = &record.events[0];
    assert_eq!(
        (first.capability, first.outcome),
        ("config", dailyx_runtime::Outcome::Denied)
    );
    assert!(
        first.target.ends_with(dailyx_runtime::events::CUT_MARKER),
        "a cut target says so"
    );
    // The key reached no log line: no line is long, none carries more of the key than a cut
    // target holds.
    {
        let logged = capture.0.lock();
        assert!(
            logged.longest < 8192,
            "a log line of {} bytes",
            logged.longest
        );
        assert!(
            logged.longest_k_run <= dailyx_runtime::events::MAX_FIELD_BYTES,
            "{} bytes of the key in one log line",
            logged.longest_k_run
        );
    }
    let denials = capture.lines_containing("capability denied");
    assert!(
        denials.len() <= dailyx_runtime::events::MAX_DENIALS_LOGGED,
        "{} denials logged one by one",
        denials.len()
    );
    still_serves(&runtime, "flood").await;
}

#[tokio::test]
async fn a_million_denied_config_reads_are_counted_not_logged_one_by_one() {
    let (_reg, runtime) = flood_runtime().await;
    let capture = LogCapture::default();
    let guard = capture.install();
    let record = runtime
        .call("flood-long", writer_input("many-keys", &["1000000"]))
        .await;
    drop(guard);
    let draft = crate::expect_draft(&record);
    assert_eq!(
        draft.notes,
        ["1000000 of 1000000 denied"],
        "every read is still denied after the caps"
    );
    assert_events_bounded(&record);
    // The events kept one by one and the summary of the rest account for every denial.
    let (summaries, kept): (Vec<_>, Vec<_>) = record
        .events
        .iter()
        .filter(|e| e.outcome == dailyx_runtime::Outcome::Denied)
        .partition(|e| e.target == dailyx_runtime::events::SUMMARY_TARGET);
    assert_eq!(summaries.len(), 1, "one summary for config's denials");
    assert_eq!(summaries[0].capability, "config");
    let summarised = leading_count(&summaries[0].detail);
    assert_eq!(kept.len() as u64 + summarised, 1_000_000);
    assert!(kept.iter().all(|e| e.target == "k"));

    let logged = capture.0.lock().count;
    assert!(logged < 100, "{logged} log lines for one call");
    let denials = capture.lines_containing("capability denied");
    assert!(
        denials.len() <= dailyx_runtime::events::MAX_DENIALS_LOGGED,
        "{} denials logged one by one",
        denials.len()
    );
    let summary = capture.lines_containing("denials=1000000");
    assert_eq!(summary.len(), 1, "one summary line: {summary:?}");
    assert!(summary[0].contains("WARN"), "{}", summary[0]);
    still_serves(&runtime, "flood-long").await;
}

// ---- Handwritten components: what one call may hold, and what it may make the host copy ----

use crate::handwritten::{LOG_IMPORT, LOG_LOWER, PAGE, STDOUT_IMPORT, Writer, instances};
use crate::peak::peak_during;

/// A runtime serving each `(name, component, limits)` and the hostile fixture as `plain`.
async fn handwritten_runtime(
    components: &[(&str, Vec<u8>, &str)],
    max_instances: Option<u32>,
) -> (TestRegistry, Arc<Runtime>) {
    let reg = TestRegistry::new();
    let mut manifest = String::from(
        "[[component]]\nname = \"plain\"\nversion = \"0.1.0\"\nworld = \"writer\"\nfile = \"hostile.wasm\"\n",
    );
    for (name, _, limits) in components {
        manifest.push_str(&format!(
            "[[component]]\nname = \"{name}\"\nversion = \"0.1.0\"\nworld = \"writer\"\nfile = \"{name}.wasm\"\n[component.limits]\n{limits}\n"
        ));
    }
    reg.manifest_unsigned(&manifest);
    reg.put("hostile.wasm", &component_bytes("fixtures/hostile"));
    for (name, bytes, _) in components {
        reg.put(&format!("{name}.wasm"), bytes);
    }
    reg.sign_entries(None);
    let mut config = reg.config();
    if let Some(n) = max_instances {
        config.engine.max_instances = n;
    }
    let runtime = Runtime::start(config).await.expect("runtime starts");
    (reg, runtime)
}

fn assert_loaded(runtime: &Runtime, names: &[&str]) {
    let registry = runtime.registry();
    for name in names {
        assert!(
            registry.components.contains_key(*name),
            "{name} should load: {:?}",
            registry.problems.get(*name)
        );
    }
}

fn resource_limit(record: &dailyx_runtime::CallRecord) -> (&'static str, &str) {
    match &record.result {
        Err(CallError::ResourceLimit {
            resource, detail, ..
        }) => (resource, detail.as_str()),
        other => panic!(
            "expected a resource limit, got {:?}",
            other.as_ref().map(|_| "an output")
        ),
    }
}

#[tokio::test]
async fn hundreds_of_core_instances_with_their_own_memories_are_refused_at_load() {
    // 100 core instances, each with a memory just under the call's whole limit (16 MiB).
    let defs = instances("m", 100, r#"(memory (export "m") 255)"#);
    let hundred = Writer {
        defs: &defs,
        ..Writer::default()
    }
    .build();
    let (_reg, runtime) =
        handwritten_runtime(&[("hundred", hundred, "memory_bytes = 16777216")], None).await;
    assert_loaded(&runtime, &["plain"]);
    let registry = runtime.registry();
    let problem = registry
        .problems
        .get("hundred")
        .map(|p| p.message.clone())
        .unwrap_or_else(|| panic!("a component with 102 core instances must not load"));
    assert!(
        problem.contains("102 core module instances") && problem.contains("maximum of"),
        "{problem}"
    );
    let record = runtime.call("hundred", writer_input("ok", &[])).await;
    assert!(
        matches!(record.result, Err(CallError::NotLoaded { .. })),
        "{:?}",
        record.result
    );
    still_serves(&runtime, "plain").await;
}

/// Core instance `$g` with a memory of its own and an export growing it.
const GROWER: &str = r#"
  (core module $grower-module
    (memory (export "m") 1)
    (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))
  (core instance $g (instantiate $grower-module))
"#;

#[tokio::test]
async fn memories_of_one_call_share_its_memory_limit() {
    // The call's limit is 512 pages (32 MiB); each memory grows to 301 pages, under it alone.
    let grow_both = Writer {
        defs: GROWER,
        main_imports: r#"(import "sib" "grow" (func $grow (param i32) (result i32)))"#,
        main_with: r#"(with "sib" (instance $g))"#,
        body: r#"
          i32.const 300 memory.grow i32.const -1 i32.eq (if (then unreachable))
          i32.const 300 call $grow i32.const -1 i32.eq (if (then unreachable))"#,
        ..Writer::default()
    }
    .build();
    // Two memories of 300 pages each from the start.
    let defs = instances("big", 1, r#"(memory (export "m") 300)"#);
    let big_at_start = Writer {
        pages: 300,
        defs: &defs,
        ..Writer::default()
    }
    .build();
    let limits = "memory_bytes = 33554432";
    let (_reg, runtime) = handwritten_runtime(
        &[
            ("grow-both", grow_both, limits),
            ("big-at-start", big_at_start, limits),
        ],
        None,
    )
    .await;
    assert_loaded(&runtime, &["plain", "grow-both", "big-at-start"]);
    for name in ["grow-both", "big-at-start"] {
        let record = runtime.call(name, writer_input("ok", &[])).await;
        let (resource, detail) = resource_limit(&record);
        assert_eq!(resource, "memory", "{name}");
        assert!(
            detail.contains("33554432") && detail.contains("all memories of the call"),
            "{name}: {detail}"
        );
        still_serves(&runtime, "plain").await;
    }
    // A call's budget starts afresh in the next call.
    let record = runtime.call("grow-both", writer_input("ok", &[])).await;
    assert_eq!(resource_limit(&record).0, "memory");
}

#[tokio::test]
async fn tables_of_one_call_share_one_budget() {
    // Six tables of 20,000 elements: each fits the pool, together they pass 100,000.
    let defs = instances("t", 6, r#"(table (export "t") 20000 funcref)"#);
    let tables = Writer {
        defs: &defs,
        ..Writer::default()
    }
    .build();
    let (_reg, runtime) = handwritten_runtime(&[("tables", tables, "")], None).await;
    assert_loaded(&runtime, &["plain", "tables"]);
    let record = runtime.call("tables", writer_input("ok", &[])).await;
    let (resource, detail) = resource_limit(&record);
    assert_eq!(resource, "table");
    assert!(detail.contains("100000"), "{detail}");
    still_serves(&runtime, "plain").await;
}

#[tokio::test]
async fn a_call_at_its_limits_leaves_other_calls_their_slots() {
    use dailyx_runtime::engine::{
        MAX_CORE_INSTANCES_PER_CALL, MAX_MEMORIES_PER_CALL, MAX_TABLES_PER_CALL,
    };
    // A component with as many core instances, memories and tables as one call may have
    // (`$mem` and `$main` are two instances and one memory), spinning until its deadline.
    let tables = MAX_TABLES_PER_CALL as usize;
    let memories = MAX_MEMORIES_PER_CALL as usize - 1;
    let empty = MAX_CORE_INSTANCES_PER_CALL as usize - 2 - tables - memories;
    let defs = [
        instances("t", tables, r#"(table (export "t") 1 funcref)"#),
        instances("m", memories, r#"(memory (export "m") 1)"#),
        instances("e", empty, ""),
    ]
    .concat();
    let hog = Writer {
        defs: &defs,
        body: "(loop $spin br $spin)",
        ..Writer::default()
    }
    .build();
    // Room for two calls at once.
    let (_reg, runtime) =
        handwritten_runtime(&[("hog", hog, "wall_clock_ms = 1500")], Some(2)).await;
    assert_loaded(&runtime, &["plain", "hog"]);
    let hog_call = {
        let runtime = runtime.clone();
        tokio::spawn(async move { runtime.call("hog", writer_input("ok", &[])).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    still_serves(&runtime, "plain").await;
    let record = hog_call.await.unwrap();
    assert!(
        matches!(record.result, Err(CallError::Timeout { .. })),
        "the hog ran until its deadline: {:?}",
        record.result
    );
}

#[tokio::test]
async fn an_output_of_aliased_strings_is_refused_before_the_host_copies_it() {
    // 100 notes, every one the same 1 MiB of guest memory: 100 MiB for the host to copy.
    let aliased = Writer {
        pages: 64,
        body: r#"
          (local $i i32)
          (memory.fill (i32.const 0x100000) (i32.const 120) (i32.const 0x100000))
          (loop $notes
            (i32.store (i32.add (i32.const 0x300000) (i32.mul (local.get $i) (i32.const 8))) (i32.const 0x100000))
            (i32.store (i32.add (i32.const 0x300004) (i32.mul (local.get $i) (i32.const 8))) (i32.const 0x100000))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $notes (i32.lt_u (local.get $i) (i32.const 100))))
          ;; ok(draft { notes: list at 0x300000 of 100 }): the notes field is at offset 44.
          (i32.store (i32.const 44) (i32.const 0x300000))
          (i32.store (i32.const 48) (i32.const 100))"#,
        ..Writer::default()
    }
    .build();
    let (_reg, runtime) =
        handwritten_runtime(&[("aliased", aliased, "max_output_bytes = 1048576")], None).await;
    assert_loaded(&runtime, &["plain", "aliased"]);
    let (record, peak) = peak_during(runtime.call("aliased", writer_input("ok", &[]))).await;
    assert!(
        matches!(
            &record.result,
            Err(CallError::OutputTooLarge {
                limit: 1_048_576,
                ..
            })
        ),
        "{:?}",
        record.result.as_ref().map(|_| "an output")
    );
    assert!(
        peak < 16 << 20,
        "the host allocated {} MiB for a 1 MiB output limit",
        peak >> 20
    );
    still_serves(&runtime, "plain").await;
}

#[tokio::test]
async fn a_host_call_cannot_make_the_host_copy_a_huge_argument() {
    // A 64 MiB log message (the log keeps a few KiB of it).
    let pages = (64 << 20) / PAGE as u32 + 2;
    let shout = Writer {
        imports: LOG_IMPORT,
        pages,
        defs: &format!("{LOG_LOWER}(core instance $host (export \"log-write\" (func $log-write)))"),
        main_imports: r#"(import "host" "log-write" (func $log (param i32 i32 i32)))"#,
        main_with: r#"(with "host" (instance $host))"#,
        body: "(call $log (i32.const 2) (i32.const 0x10000) (i32.const 0x4000000))",
        ..Writer::default()
    }
    .build();
    let (_reg, runtime) =
        handwritten_runtime(&[("shout", shout, "memory_bytes = 268435456")], None).await;
    assert_loaded(&runtime, &["plain", "shout"]);
    let (record, peak) = peak_during(runtime.call("shout", writer_input("ok", &[]))).await;
    let (resource, detail) = resource_limit(&record);
    assert_eq!(resource, "host-call data", "{detail}");
    assert!(peak < 16 << 20, "the host allocated {} MiB", peak >> 20);
    still_serves(&runtime, "plain").await;
}

/// `write` calls `$f` (returning a handle it never drops) 5,000 times.
const FIVE_THOUSAND_CALLS: &str = r#"
  (local $i i32)
  (loop $again
    (drop (call $f))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br_if $again (i32.lt_u (local.get $i) (i32.const 5000))))"#;

#[tokio::test]
async fn wasi_resources_of_one_call_are_capped() {
    let streams = Writer {
        imports: STDOUT_IMPORT,
        defs: r#"(core instance $host (export "get-stdout" (func $get-stdout)))"#,
        main_imports: r#"(import "host" "get-stdout" (func $f (result i32)))"#,
        main_with: r#"(with "host" (instance $host))"#,
        body: FIVE_THOUSAND_CALLS,
        ..Writer::default()
    }
    .build();
    let (_reg, runtime) = handwritten_runtime(&[("streams", streams, "")], None).await;
    assert_loaded(&runtime, &["plain", "streams"]);
    let record = runtime.call("streams", writer_input("ok", &[])).await;
    let (resource, detail) = resource_limit(&record);
    assert_eq!(resource, "handles", "{detail}");
    still_serves(&runtime, "plain").await;
}

#[tokio::test]
async fn resource_handles_a_guest_makes_for_itself_are_capped() {
    let handles = Writer {
        imports: "(type $r (resource (rep i32)))",
        defs: r#"
          (core func $r-new (canon resource.new $r))
          (core instance $host (export "r-new" (func $r-new)))"#,
        main_imports: r#"(import "host" "r-new" (func $new (param i32) (result i32)))"#,
        main_with: r#"(with "host" (instance $host))"#,
        main_extra: "(func $f (result i32) (call $new (i32.const 7)))",
        body: FIVE_THOUSAND_CALLS,
        ..Writer::default()
    }
    .build();
    let (_reg, runtime) = handwritten_runtime(&[("handles", handles, "")], None).await;
    assert_loaded(&runtime, &["plain", "handles"]);
    let record = runtime.call("handles", writer_input("ok", &[])).await;
    let (resource, detail) = resource_limit(&record);
    assert_eq!(resource, "handles", "{detail}");
    still_serves(&runtime, "plain").await;
}
