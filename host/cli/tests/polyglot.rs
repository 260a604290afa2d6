//! Components from standard toolchains, through the real binary: a Python Writer and a
//! JavaScript Critic made by `dailyx plugins new`, built by `dailyx plugins build`
//! (componentize-py and jco, installed by scripts/polyglot-toolchains.sh), signed, dropped into a
//! running host's plugins folder next to the shipped ones, passed through the eval gate, bound to
//! their stages and serving a full pipeline run; and stage bindings switching between two
//! writers and back.

mod common;

use common::host::*;
use common::{add_commit, copy_shipped_plugins, root};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

/// `dailyx plugins new <world> <name> --lang <lang>` then `dailyx plugins build`, in `dir`;
/// returns the project folder.
fn new_and_build(dir: &Path, world: &str, name: &str, lang: &str) -> std::path::PathBuf {
    let project = dir.join(format!("{lang}-{name}"));
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_dailyx"))
            .current_dir(dir)
            .args(args)
            .env_remove("DAILYX_CONFIG")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "dailyx {args:?}:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let path = project.to_string_lossy().into_owned();
    run(&[
        "plugins", "new", world, name, "--lang", lang, "--dir", &path,
    ]);
    let built = run(&["plugins", "build", &path]);
    assert!(built.contains(&format!("{name}.wasm")), "{built}");
    project
}

/// Adds the project's component to `plugins` next to the others, in the order a build writes
/// files, and signs it with the build key. Returns its digest.
fn install(host: &Host, plugins: &Path, project: &Path, name: &str) -> String {
    for f in [format!("{name}.wasm.sha256"), format!("{name}.wasm")] {
        std::fs::copy(project.join(&f), plugins.join(format!("{f}.tmp"))).unwrap();
        std::fs::rename(plugins.join(format!("{f}.tmp")), plugins.join(&f)).unwrap();
    }
    let manifest_path = plugins.join("registry.toml");
    let mut manifest = std::fs::read_to_string(&manifest_path).unwrap();
    manifest.push_str(&std::fs::read_to_string(project.join("entry.toml")).unwrap());
    std::fs::write(&manifest_path, manifest).unwrap();
    let out = host
        .command(&["plugins", "sign", "--key"])
        .arg(root().join("keys/local-build.key"))
        .arg(name)
        .env("DAILYX_PLUGINS_DIR", plugins)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(project.join(format!("{name}.wasm.sha256")))
        .unwrap()
        .trim()
        .to_owned()
}

fn plugin<'a>(page: &'a Value, name: &str) -> &'a Value {
    page["plugins"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == name))
        .unwrap_or(&Value::Null)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_python_writer_and_a_javascript_critic_from_templates_serve_a_pipeline_run() {
    let work = tempfile::tempdir().unwrap();
    let writer = new_and_build(work.path(), "writer", "py-writer", "python");
    let critic = new_and_build(work.path(), "critic", "js-critic", "javascript");
    for (project, main) in [(&writer, "app.py"), (&critic, "app.js")] {
        assert!(project.join(main).exists() && project.join("wit/worlds.wit").exists());
        assert!(
            !std::fs::read_to_string(project.join("entry.toml"))
                .unwrap()
                .contains(&root().display().to_string()),
            "nothing points into the source tree"
        );
    }

    let plugins = tempfile::tempdir().unwrap();
    copy_shipped_plugins(plugins.path());
    let golden = plugins.path().join("golden");
    std::fs::create_dir_all(&golden).unwrap();
    for world in ["writer", "critic"] {
        std::fs::copy(
            root().join(format!("plugins-registry/golden/{world}.json")),
            golden.join(format!("{world}.json")),
        )
        .unwrap();
    }
    let host = Host::new(None, "");
    let dir = plugins.path().to_string_lossy().into_owned();
    let server = host.start(&[("DAILYX_PLUGINS_DIR", &dir)]);
    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;

    let digests = [
        (
            "writer",
            "py-writer",
            install(&host, plugins.path(), &writer, "py-writer"),
        ),
        (
            "critic",
            "js-critic",
            install(&host, plugins.path(), &critic, "js-critic"),
        ),
    ];
    // Hot reload: each loads next to the shipped one once the eval gate has run the world's
    // golden set against it.
    for (_, name, digest) in &digests {
        let wanted = format!("sha256:{digest}");
        let serving = admin
            .wait_for("the new component to serve", async |a| {
                let (_, page) = a.get("/api/plugins").await;
                let p = plugin(&page, name).clone();
                (p["digest"] == wanted.as_str() && p["status"] == "loaded").then_some(p)
            })
            .await;
        assert_eq!(serving["contract"], "0.2", "{serving}");
    }
    let (status, body) = admin
        .put(
            "/api/config/stages",
            json!({"bindings": {"writer": "py-writer", "critic": "js-critic"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, page) = admin.get("/api/plugins").await;
    let python = plugin(&page, "py-writer")["language"]
        .as_str()
        .unwrap_or_default();
    assert!(python.starts_with("Python 3."), "{page}");
    assert_eq!(
        plugin(&page, "js-critic")["language"],
        "JavaScript",
        "{page}"
    );
    assert_eq!(plugin(&page, "writer")["language"], "Rust", "{page}");
    // The eval report is kept as the gate runs, just before or after the component serves.
    let wanted = format!("sha256:{}", digests[0].2);
    let python_eval = admin
        .wait_for("the Python writer's eval report", async |a| {
            let (_, evals) = a.get("/api/plugins/py-writer/evals").await;
            evals
                .as_array()?
                .iter()
                .find(|e| e["digest"] == wanted.as_str())
                .cloned()
        })
        .await;
    assert_eq!(python_eval["passed"], true, "{python_eval}");
    // Something new to write about (a run at start may have taken the first commits).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    add_commit(
        &host.dir.path().join("project"),
        "src/polyglot.rs",
        "feat: components in Python and JavaScript",
    );
    let (status, run) = admin.post("/api/runs", json!({})).await;
    assert_eq!(status, 202, "{run}");
    let id = run["id"].as_str().unwrap().to_owned();
    let finished = admin
        .wait_for("the run to finish", async |a| {
            let (_, r) = a.get(&format!("/api/runs/{id}")).await;
            matches!(r["run"]["status"].as_str(), Some("succeeded" | "failed")).then_some(r)
        })
        .await;
    assert_eq!(finished["run"]["status"], "succeeded", "{finished}");
    let steps = finished["steps"].as_array().unwrap();
    for (stage, name, digest) in &digests {
        let step = steps
            .iter()
            .find(|s| s["stage"] == *stage)
            .unwrap_or_else(|| panic!("no {stage} step: {finished}"));
        assert_eq!(step["component_name"], *name, "{step}");
        assert_eq!(
            step["component_digest"],
            format!("sha256:{digest}"),
            "{step}"
        );
        assert_eq!(step["status"], "succeeded", "{step}");
    }
    let draft = admin.first_draft().await;
    assert!(!texts(&draft).is_empty(), "{draft}");
}

/// Runs the pipeline once on a new commit; returns the run with its steps.
async fn run_once(host: &Host, admin: &Api, n: u32) -> Value {
    std::thread::sleep(std::time::Duration::from_millis(1100));
    add_commit(
        &host.dir.path().join("project"),
        &format!("src/binding_{n}.rs"),
        &format!("feat: binding change number {n}"),
    );
    let (status, run) = admin.post("/api/runs", json!({})).await;
    assert_eq!(status, 202, "{run}");
    let id = run["id"].as_str().unwrap().to_owned();
    admin
        .wait_for("the run to finish", async |a| {
            let (_, r) = a.get(&format!("/api/runs/{id}")).await;
            matches!(r["run"]["status"].as_str(), Some("succeeded" | "failed")).then_some(r)
        })
        .await
}

fn writer_of(run: &Value) -> String {
    run["steps"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["stage"] == "writer"))
        .map(|s| s["component_name"].as_str().unwrap_or_default().to_owned())
        .unwrap_or_else(|| panic!("no writer step: {run}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn two_writers_side_by_side_are_switched_by_the_stage_binding_and_back() {
    let plugins = tempfile::tempdir().unwrap();
    copy_shipped_plugins(plugins.path());
    std::fs::copy(
        root().join("plugins-registry/fixtures/writer-v0-1.wasm"),
        plugins.path().join("writer-v01.wasm"),
    )
    .unwrap();
    let digest = dailyx_signing::sha256_digest(
        &std::fs::read(plugins.path().join("writer-v01.wasm")).unwrap(),
    );
    std::fs::write(
        plugins.path().join("writer-v01.wasm.sha256"),
        format!("{digest}\n"),
    )
    .unwrap();
    let mut manifest = std::fs::read_to_string(plugins.path().join("registry.toml")).unwrap();
    manifest.push_str(
        "\n[[component]]\nname = \"writer-v01\"\nversion = \"0.1.0\"\nworld = \"writer\"\nfile = \"writer-v01.wasm\"\n",
    );
    std::fs::write(plugins.path().join("registry.toml"), manifest).unwrap();
    let host = Host::new(None, "");
    let dir = plugins.path().to_string_lossy().into_owned();
    let out = host
        .command(&["plugins", "sign", "--key"])
        .arg(root().join("keys/local-build.key"))
        .arg("writer-v01")
        .env("DAILYX_PLUGINS_DIR", &dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let server = host.start(&[("DAILYX_PLUGINS_DIR", &dir)]);
    let admin = Api::login(&server.base, "admin", ADMIN_PASSWORD).await;
    let reviewer = host.add_reviewer(&server.base).await;

    let (status, stages) = reviewer.get("/api/config/stages").await;
    assert_eq!(status, 200, "{stages}");
    let writer = stages["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stage"] == "writer")
        .unwrap()
        .clone();
    assert_eq!(writer["component"], "writer", "{writer}");
    assert_eq!(writer["source"], "default");
    assert_eq!(writer["candidates"], json!(["writer", "writer-v01"]));

    // Refused, changing nothing: a reviewer, another world, a component not loaded, no stage.
    let (status, _) = reviewer
        .put(
            "/api/config/stages",
            json!({"bindings": {"writer": "writer-v01"}}),
        )
        .await;
    assert_eq!(status, 403);
    for (bindings, code) in [
        (json!({"writer": "critic"}), "wrong_world"),
        (json!({"writer": "nope"}), "not_loaded"),
        (json!({"publisher": "writer"}), "invalid_request"),
        (json!({"persona": "dev-advocate"}), "invalid_request"),
    ] {
        let (status, body) = admin
            .put("/api/config/stages", json!({ "bindings": bindings }))
            .await;
        assert!(
            status == 422 || status == 400,
            "{bindings}: {status} {body}"
        );
        assert_eq!(error_code(&body), code, "{bindings}: {body}");
    }
    assert_eq!(writer_of(&run_once(&host, &admin, 1).await), "writer");

    // One change switches the next run's writer; the audit says who, from what, to what.
    let (status, body) = admin
        .put(
            "/api/config/stages",
            json!({"bindings": {"writer": "writer-v01"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let run = run_once(&host, &admin, 2).await;
    assert_eq!(run["run"]["status"], "succeeded", "{run}");
    assert_eq!(writer_of(&run), "writer-v01", "{run}");
    let (_, audit) = admin.get("/api/audit").await;
    let entry = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "config.stages")
        .unwrap_or_else(|| panic!("{audit}"))
        .clone();
    assert_eq!(
        entry["detail"]["writer"],
        json!({"from": "writer", "to": "writer-v01"})
    );

    // And back.
    let (status, body) = admin
        .put(
            "/api/config/stages",
            json!({"bindings": {"writer": "writer"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(writer_of(&run_once(&host, &admin, 3).await), "writer");
    let (_, stages) = reviewer.get("/api/config/stages").await;
    assert!(
        stages["stages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["stage"] == "writer" && s["source"] == "default"),
        "{stages}"
    );
}
