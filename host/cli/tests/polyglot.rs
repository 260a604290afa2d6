//! Components from standard toolchains, through the real binary: a Python Writer and a
//! JavaScript Critic made by `dailyx plugins new`, built by `dailyx plugins build`
//! (componentize-py and jco, installed by scripts/polyglot-toolchains.sh), signed, dropped into a
//! running host's plugins folder, confirmed (they need more memory than the Rust ones they
//! replace), passed through the eval gate, and serving a full pipeline run.

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

/// Puts the project's component in place of the entry of the same name in `plugins`, in the
/// order a build writes files, and signs it with the build key.
fn install_over(host: &Host, plugins: &Path, project: &Path, name: &str) -> String {
    let manifest_path = plugins.join("registry.toml");
    let manifest = std::fs::read_to_string(&manifest_path).unwrap();
    let start = manifest
        .find(&format!("[[component]]\nname = \"{name}\"\n"))
        .expect("the shipped entry");
    let end = manifest[start + 1..]
        .find("[[component]]")
        .map_or(manifest.len(), |i| start + 1 + i);
    let entry = std::fs::read_to_string(project.join("entry.toml")).unwrap();
    let replaced = format!(
        "{}{}\n{}",
        &manifest[..start],
        entry.trim(),
        &manifest[end..]
    );
    for f in [format!("{name}.wasm.sha256"), format!("{name}.wasm")] {
        std::fs::copy(project.join(&f), plugins.join(format!("{f}.tmp"))).unwrap();
        std::fs::rename(plugins.join(format!("{f}.tmp")), plugins.join(&f)).unwrap();
    }
    std::fs::write(&manifest_path, replaced).unwrap();
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
    let writer = new_and_build(work.path(), "writer", "writer", "python");
    let critic = new_and_build(work.path(), "critic", "critic", "javascript");
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
            install_over(&host, plugins.path(), &writer, "writer"),
        ),
        (
            "critic",
            install_over(&host, plugins.path(), &critic, "critic"),
        ),
    ];
    // Each asks for more memory than the Rust version serving: an admin confirms, then the eval
    // gate runs the world's golden set before it serves.
    for (name, digest) in &digests {
        let wanted = format!("sha256:{digest}");
        admin
            .wait_for("the new version to wait for confirmation", async |a| {
                let (_, page) = a.get("/api/plugins").await;
                page["pending"]
                    .as_array()?
                    .iter()
                    .any(|p| p["name"] == *name && p["to_digest"] == wanted.as_str())
                    .then_some(())
            })
            .await;
        let (status, body) = admin
            .post(
                &format!("/api/plugins/{name}/confirm"),
                json!({"digest": wanted}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let serving = admin
            .wait_for("the confirmed version to serve", async |a| {
                let (_, page) = a.get("/api/plugins").await;
                let p = plugin(&page, name).clone();
                (p["digest"] == wanted.as_str() && p["status"] == "loaded").then_some(p)
            })
            .await;
        assert_eq!(serving["contract"], "0.2", "{serving}");
    }
    let (_, page) = admin.get("/api/plugins").await;
    let python = plugin(&page, "writer")["language"]
        .as_str()
        .unwrap_or_default();
    assert!(python.starts_with("Python 3."), "{page}");
    assert_eq!(plugin(&page, "critic")["language"], "JavaScript", "{page}");
    let (_, evals) = admin.get("/api/plugins/writer/evals").await;
    let python_eval = evals.as_array().and_then(|e| {
        e.iter()
            .find(|e| e["digest"] == format!("sha256:{}", digests[0].1).as_str())
    });
    assert_eq!(
        python_eval.map(|e| &e["passed"]),
        Some(&json!(true)),
        "{evals}"
    );

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
    for (name, digest) in &digests {
        let step = steps
            .iter()
            .find(|s| s["stage"] == *name)
            .unwrap_or_else(|| panic!("no {name} step: {finished}"));
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
