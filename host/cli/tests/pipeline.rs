//! `dailyx run`, `dailyx runs resume` and `dailyx worker` as processes, on a real git
//! repository, real SQLite and real Postgres. Killing a process between two steps (the test-only
//! `DAILYX_CRASH_AFTER_STEP` switch) and resuming must finish the run without re-running a
//! finished step.

use dailyx_store::{RunStatus, Store};
use dailyx_tests::db::TestDb;

mod common;
use common::{copy_shipped_plugins, project, root};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A working directory with a config naming `repo`, the shipped plugins and `database_url`.
struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new(database_url: &str) -> Setup {
        Setup::with(database_url, &root().join("plugins-registry"), "")
    }

    /// With another plugins directory and extra config (appended as is).
    fn with(database_url: &str, plugins: &Path, extra: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let repo = project(dir.path());
        let config = format!(
            "data_dir = {data:?}\nplugins_dir = {plugins:?}\ndatabase_url = {database_url:?}\n\
             [repositories]\nproject = {repo:?}\n\
             [runtime]\ncache_dir = {cache:?}\ncache_key_file = {cache_key:?}\n\
             [pipeline]\nlease_secs = 2\nretry_delay_ms = 10\ntimezone = \"UTC\"\n\
             [signing]\ntrusted_key_files = [{key:?}]\n{extra}",
            data = dir.path().join("data"),
            key = root().join("keys/local-build.pub"),
            cache = root().join("target").join("dailyx-test-cache"),
            // The tests share one cache, so they share its key too.
            cache_key = root().join("target").join("dailyx-test-cache.key"),
        );
        std::fs::write(dir.path().join("dailyx.toml"), config).unwrap();
        Setup { dir }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dailyx"));
        cmd.current_dir(self.dir.path())
            .args(args)
            .env_remove("DAILYX_CONFIG")
            .env_remove("DATABASE_URL")
            .env_remove("DAILYX_CRASH_AFTER_STEP")
            .env("DAILYX_LOG", "warn");
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run dailyx")
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\n{}",
            text(&out.stdout),
            text(&out.stderr)
        )
    })
}

const STAGES: [&str; 9] = [
    "collector",
    "curator",
    "persona",
    "style",
    "thread-planner",
    "writer",
    "critic",
    "policy",
    "notifier",
];

/// `dailyx run` drafts from the repository's history; a second run finds nothing new.
async fn run_drafts_then_finds_nothing_new(db: TestDb) {
    let setup = Setup::new(&db.url);
    let out = setup.run(&["run", "--json"]);
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["outcome"]["outcome"], "drafted", "{v}");
    let run_id = v["outcome"]["run_id"].as_str().unwrap().to_owned();
    let draft = &v["draft"];
    assert!(
        ["pending", "needs_human_attention"].contains(&draft["status"].as_str().unwrap()),
        "{draft}"
    );
    assert_eq!(draft["model_used"], "none");
    let tweets = draft["tweets"].as_array().unwrap();
    assert!(!tweets.is_empty());
    for t in tweets {
        assert!(t["weighted_length"].as_i64().unwrap() <= 280, "{t}");
        let ids = t["material_ids"].as_array().unwrap();
        assert!(
            ids.iter()
                .all(|id| id.as_str().unwrap().starts_with("git:project:")
                    || id.as_str().unwrap().starts_with("changelog:project:")),
            "{t}"
        );
    }
    let all_text: String = tweets.iter().map(|t| t["text"].as_str().unwrap()).collect();
    assert!(
        all_text.to_lowercase().contains("cache"),
        "the draft is about the repository: {all_text}"
    );

    let store: &Store = &db.store;
    let run = store.run(&run_id).await.unwrap();
    assert_eq!(run.status(), RunStatus::Succeeded);
    let logs = store.step_logs(&run_id).await.unwrap();
    assert_eq!(
        logs.iter().map(|l| l.stage.as_str()).collect::<Vec<_>>(),
        STAGES
    );
    for l in &logs {
        assert_eq!(l.status, "succeeded");
        assert_eq!(l.attempts, 1);
        let digest = l.component_digest.as_deref().unwrap_or_default();
        assert!(
            digest.starts_with("sha256:") && digest.len() == 71,
            "{}: {digest}",
            l.stage
        );
        assert!(l.output.is_some() && !l.summary.is_empty(), "{}", l.stage);
    }
    let writer = &logs[5];
    assert_eq!(writer.model_used.as_deref(), Some("none"));
    assert!(
        store
            .capability_events(&run_id)
            .await
            .unwrap()
            .iter()
            .any(|e| e.capability == "repo")
    );
    assert_eq!(store.components().await.unwrap().len(), 16);
    let draft = store.draft(run.draft_id.as_deref().unwrap()).await.unwrap();
    let notification = draft.notification.expect("notification stored").0;
    let body = notification["text"].as_str().unwrap();
    assert!(
        body.contains("__DAILYX_TOKEN_APPROVE__"),
        "links carry token placeholders, never tokens: {body}"
    );
    assert!(
        store
            .latest_style_profile("dev-advocate")
            .await
            .unwrap()
            .is_some()
    );

    // Nothing new since: the second run collects nothing twice and writes no draft.
    let out = setup.run(&["run", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(v["outcome"]["outcome"], "nothing-new", "{v}");
    let second = v["outcome"]["run_id"].as_str().unwrap();
    let logs = store.step_logs(second).await.unwrap();
    assert_eq!(logs.len(), 1, "only the collector ran");
    assert!(
        logs[0].summary.starts_with("0 new material(s)"),
        "{}",
        logs[0].summary
    );
    drop(setup);
    db.finish().await;
}

#[tokio::test]
async fn run_on_sqlite() {
    run_drafts_then_finds_nothing_new(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn run_on_postgres() {
    if let Some(db) = TestDb::postgres().await {
        run_drafts_then_finds_nothing_new(db).await;
    }
}

/// Kills `dailyx run` right after the writer step, then resumes: finished steps are not run
/// again, and the run ends as if nothing happened.
async fn crash_then_resume(db: TestDb) {
    let setup = Setup::new(&db.url);
    let out = setup
        .command(&["run"])
        .env("DAILYX_CRASH_AFTER_STEP", "writer")
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "the crash switch must abort: {}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr).contains("crash point: aborting after step writer"),
        "{}",
        text(&out.stderr)
    );
    let store = &db.store;
    let runs = store.runs(10, 0).await.unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(
        (run.status(), run.next_step),
        (RunStatus::Running, 6),
        "stopped after step 5"
    );
    let before = store.step_logs(&run.id).await.unwrap();
    assert_eq!(before.len(), 6);

    // Resumed by id (its lease is 2 s; `runs resume` waits for nobody: the owner is dead but
    // the lease is live, so it is refused until the lease runs out).
    let early = setup.run(&["runs", "resume", &run.id]);
    assert!(!early.status.success());
    assert!(
        text(&early.stderr).contains("cannot be claimed"),
        "{}",
        text(&early.stderr)
    );
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    let out = setup.run(&["runs", "resume", &run.id, "--json"]);
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(json(&out)["outcome"]["outcome"], "drafted");
    let after = store.step_logs(&run.id).await.unwrap();
    assert_eq!(after.len(), 9);
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(
            (&b.id, b.finished_at, &b.worker),
            (&a.id, a.finished_at, &a.worker),
            "step {} ran again",
            b.stage
        );
    }
    assert_ne!(
        after[6].worker, after[5].worker,
        "a different process finished the run"
    );
    let run = store.run(&run.id).await.unwrap();
    assert_eq!((run.status(), run.claims), (RunStatus::Succeeded, 2));
    db.finish().await;
}

#[tokio::test]
async fn crash_and_resume_on_sqlite() {
    crash_then_resume(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn crash_and_resume_on_postgres() {
    if let Some(db) = TestDb::postgres().await {
        crash_then_resume(db).await;
    }
}

/// A worker picks up a run abandoned by a dead process on its own once the lease expires.
#[tokio::test]
async fn a_worker_resumes_an_abandoned_run_automatically() {
    let db = TestDb::sqlite().await;
    let setup = Setup::new(&db.url);
    let out = setup
        .command(&["run"])
        .env("DAILYX_CRASH_AFTER_STEP", "curator")
        .output()
        .unwrap();
    assert!(!out.status.success());
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    let out = setup.run(&["worker", "--once"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("resuming run"),
        "{}",
        text(&out.stderr)
    );
    let run = &db.store.runs(1, 0).await.unwrap()[0];
    assert_eq!(run.status(), RunStatus::Succeeded);
    assert_eq!(db.store.step_logs(&run.id).await.unwrap().len(), 9);
    db.finish().await;
}

/// Two worker processes on one Postgres share the queue; no run (and so no step) is taken by both.
#[tokio::test]
async fn two_workers_on_one_postgres_never_run_the_same_step() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let setup = Setup::new(&db.url);
    let mut ids = Vec::new();
    for _ in 0..6 {
        let out = setup.run(&["runs", "queue"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        ids.push(text(&out.stdout).trim().to_owned());
    }
    let a = setup.command(&["worker", "--once"]).spawn().unwrap();
    let b = setup.command(&["worker", "--once"]).spawn().unwrap();
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success() && b.status.success());
    let mut workers = std::collections::HashSet::new();
    for id in &ids {
        let run = db.store.run(id).await.unwrap();
        assert_eq!(
            (run.status(), run.claims),
            (RunStatus::Succeeded, 1),
            "run {id}"
        );
        let logs = db.store.step_logs(id).await.unwrap();
        let owners: std::collections::HashSet<_> = logs.iter().map(|l| l.worker.clone()).collect();
        assert_eq!(owners.len(), 1, "run {id} was worked on by {owners:?}");
        workers.extend(owners);
    }
    // Runs collecting at the same moment do not both take the same materials: exactly one
    // run drafts, the others find nothing new.
    let drafted = db.store.drafts(None, 100, 0).await.unwrap().len();
    assert_eq!(drafted, 1, "a material was drafted by two runs");
    assert!(!workers.is_empty());
    db.finish().await;
}

/// The shipped components in a new plugins directory whose manifest also lets the collector
/// GET `origin` (a loopback server standing in for GitHub and a blog).
fn plugins_allowing(dir: &Path, origin: &str) -> PathBuf {
    let plugins = dir.join("plugins");
    copy_shipped_plugins(&plugins);
    let manifest = std::fs::read_to_string(plugins.join("registry.toml")).unwrap();
    let anchor = "[component.grants.config]\nkeys = [\"max_commits\"";
    assert!(
        manifest.contains(anchor),
        "the collector's entry changed; update this test"
    );
    let rule = format!(
        "[[component.grants.http.allow]]\norigin = {origin:?}\nmethods = [\"GET\"]\n\
         path_prefixes = [\"/repos/\", \"/feed.xml\"]\n"
    );
    std::fs::write(
        plugins.join("registry.toml"),
        manifest.replacen(anchor, &format!("{rule}{anchor}"), 1),
    )
    .unwrap();
    // A widened grant needs a new signature, as it would for an operator.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dailyx"))
        .current_dir(dir)
        .env_remove("DAILYX_CONFIG")
        .env("DAILYX_PLUGINS_DIR", &plugins)
        .args(["plugins", "sign", "collector", "--key"])
        .arg(root().join("keys/local-build.key"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("signed collector"));
    plugins
}

/// GitHub releases, merged pull requests and a feed, from servers on loopback; the first
/// GitHub answer is a 503, which the host retries with backoff. (Multi-threaded: the servers
/// keep answering while the test blocks on the `dailyx` process.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_and_feeds_are_collected_and_a_503_is_retried() {
    use axum::{Router, http::StatusCode, routing::get};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let now = jiff::Timestamp::now().to_string();
    let releases_hits = Arc::new(AtomicUsize::new(0));
    let hits = releases_hits.clone();
    let releases = format!(
        r#"[{{"tag_name":"v2.0.0","name":"Tool 2.0","body":"Persistent compile cache and limits.","html_url":"https://github.com/acme/tool/releases/v2.0.0","published_at":"{now}","draft":false,"prerelease":false,"author":{{"login":"ann"}}}}]"#
    );
    let pulls = format!(
        r#"[{{"number":42,"title":"feat: persistent compile cache","body":"Cuts cold starts.","html_url":"https://github.com/acme/tool/pull/42","merged_at":"{now}","user":{{"login":"bob"}},"labels":[]}}]"#
    );
    let feed = format!(
        r#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><title>Why our cache is fast</title><link href="https://blog.acme.test/cache"/><id>post-1</id><updated>{now}</updated><summary>Numbers.</summary></entry></feed>"#
    );
    let app = Router::new()
        .route(
            "/repos/acme/tool/releases",
            get(move || {
                let body = releases.clone();
                let n = hits.fetch_add(1, Ordering::SeqCst);
                async move {
                    if n == 0 {
                        (StatusCode::SERVICE_UNAVAILABLE, String::from("try later"))
                    } else {
                        (StatusCode::OK, body)
                    }
                }
            }),
        )
        .route(
            "/repos/acme/tool/pulls",
            get(move || {
                let b = pulls.clone();
                async move { b }
            }),
        )
        .route(
            "/feed.xml",
            get(move || {
                let b = feed.clone();
                async move { b }
            }),
        );
    let addr = dailyx_tests::serve(app).await;
    let origin = format!("http://{addr}");
    let db = TestDb::sqlite().await;
    let holder = tempfile::tempdir().unwrap();
    let plugins = plugins_allowing(holder.path(), &origin);
    let extra = format!(
        "[plugins.collector.config]\ngithub_repositories = [\"acme/tool\"]\ngithub_api = {origin:?}\n\
         feeds = [\"{origin}/feed.xml\"]\n"
    );
    let setup = Setup::with(&db.url, &plugins, &extra);
    let out = setup.run(&["run", "--json"]);
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let v = json(&out);
    let run_id = v["outcome"]["run_id"].as_str().unwrap();
    let logs = db.store.step_logs(run_id).await.unwrap();
    let collector = &logs[0];
    assert_eq!(collector.attempts, 2, "the 503 was retried once");
    assert!(
        collector
            .warnings
            .0
            .iter()
            .any(|w| w.contains("attempt 1 failed") && w.contains("503")),
        "{:?}",
        collector.warnings
    );
    assert_eq!(releases_hits.load(Ordering::SeqCst), 2);
    let output = collector.output.as_ref().unwrap().0.to_string();
    for id in [
        "github:acme/tool:release:v2.0.0",
        "github:acme/tool:pr:42",
        "post-1",
        "git:project:",
    ] {
        assert!(output.contains(id), "{id} missing from {output}");
    }
    let events = db.store.capability_events(run_id).await.unwrap();
    let http: Vec<_> = events.iter().filter(|e| e.capability == "http").collect();
    assert!(http.len() >= 4, "every request is an event: {http:?}");
    assert!(
        http.iter()
            .all(|e| e.target.starts_with(&format!("GET {origin}/"))),
        "{http:?}"
    );
    db.finish().await;
}

#[tokio::test]
async fn a_denied_capability_is_reported_as_it_happens() {
    // The shipped collector may reach only https://api.github.com; pointed elsewhere, its
    // request is denied (the collector then fails the step: a source it was told to read is
    // unreachable), and the denial is reported live, before the step's outcome.
    let db = TestDb::sqlite().await;
    let extra = "[plugins.collector.config]\ngithub_repositories = [\"acme/tool\"]\n\
                 github_api = \"http://127.0.0.1:9\"\n";
    let setup = Setup::with(&db.url, &root().join("plugins-registry"), extra);
    let out = setup.run(&["run", "--json"]);
    let stderr = text(&out.stderr);
    let v = json(&out);
    assert_eq!(v["outcome"]["outcome"], "failed", "{v}");
    let denied = stderr
        .find("collector: http GET http://127.0.0.1:9/repos/acme/tool/releases")
        .expect("the denial is reported");
    assert!(stderr[denied..].contains("denied (origin http://127.0.0.1:9 is not granted)"));
    assert!(
        stderr.find("FAILED").is_some_and(|f| f > denied),
        "{stderr}"
    );
    let run_id = v["outcome"]["run_id"].as_str().unwrap().to_owned();
    let events = db.store.capability_events(&run_id).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.capability == "http" && e.outcome == "denied"),
        "{events:?}"
    );
    db.finish().await;
}
