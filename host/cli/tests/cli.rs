//! The `dailyx` binary as a user runs it: exit codes and what it prints.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

use common::{local_build_key, root};

/// Runs `dailyx` in `dir` with no config file and the given plugins directory.
fn dailyx(dir: &Path, plugins: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dailyx"));
    cmd.current_dir(dir)
        .args(args)
        .env_remove("DAILYX_CONFIG")
        .env("DAILYX_PLUGINS_DIR", plugins)
        .env("DAILYX_TRUSTED_KEYS", local_build_key())
        .env("DAILYX_DATA_DIR", dir.join("data"));
    if let Some(input) = stdin {
        use std::io::Write;
        cmd.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("spawn dailyx");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
        return child.wait_with_output().expect("dailyx output");
    }
    cmd.output().expect("run dailyx")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn plugins_check_passes_on_the_shipped_registry() {
    let dir = tempfile::tempdir().unwrap();
    let out = dailyx(
        dir.path(),
        &root().join("plugins-registry"),
        &["plugins", "check"],
        None,
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(
        stdout.contains("16 component(s) loaded, 0 problem(s)"),
        "{stdout}"
    );
    assert!(stdout.contains("ok    writer"), "{stdout}");
}

#[test]
fn keygen_sign_and_trust_a_key_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    let shipped = root().join("plugins-registry");
    std::fs::copy(shipped.join("writer.wasm"), plugins.join("writer.wasm")).unwrap();
    std::fs::copy(
        shipped.join("writer.wasm.sha256"),
        plugins.join("writer.wasm.sha256"),
    )
    .unwrap();
    std::fs::write(
        plugins.join("registry.toml"),
        "[[component]]\nname = \"writer\"\nversion = \"1.0.0\"\nworld = \"writer\"\n",
    )
    .unwrap();
    let run = |args: &[&str], keys: &str| {
        Command::new(env!("CARGO_BIN_EXE_dailyx"))
            .current_dir(dir.path())
            .args(args)
            .env_remove("DAILYX_CONFIG")
            .env("DAILYX_PLUGINS_DIR", &plugins)
            .env("DAILYX_DATA_DIR", dir.path().join("data"))
            .env("DAILYX_TRUSTED_KEYS", keys)
            .output()
            .unwrap()
    };

    // Unsigned: refused, and the error says what to do.
    let out = run(&["plugins", "check"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("writer.wasm is not signed"),
        "{}",
        text(&out.stdout)
    );

    let out = run(&["plugins", "keygen", "--out", "vendor/team.key"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    let key = printed
        .lines()
        .find_map(|l| l.strip_prefix("trusted_keys = [\"")?.strip_suffix("\"]"))
        .unwrap_or_else(|| panic!("no config line in {printed}"))
        .to_owned();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("vendor/team.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // keygen never overwrites a key.
    let again = run(&["plugins", "keygen", "--out", "vendor/team.key"], "");
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("exists already"));

    let out = run(&["plugins", "sign", "--key", "vendor/team.key"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("signed writer"));
    assert!(text(&out.stdout).contains("is not in this host's trusted keys"));

    // Signed, but by a key this host does not trust.
    let out = run(&["plugins", "check"], "");
    assert!(
        text(&out.stdout).contains("which is not trusted"),
        "{}",
        text(&out.stdout)
    );
    // Trusted: it loads and says by whom.
    let out = run(&["plugins", "check"], &key);
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("signed by"),
        "{}",
        text(&out.stdout)
    );

    // The development switch: an unsigned component loads, with a warning.
    std::fs::remove_file(plugins.join("writer.sig")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_dailyx"))
        .current_dir(dir.path())
        .args(["plugins", "check"])
        .env_remove("DAILYX_CONFIG")
        .env("DAILYX_PLUGINS_DIR", &plugins)
        .env("DAILYX_DATA_DIR", dir.path().join("data"))
        .env("DAILYX_DEV_ALLOW_UNSIGNED", "1")
        .env("DAILYX_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("UNSIGNED, allowed for development"));
    assert!(
        text(&out.stderr).contains("loading UNSIGNED component"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn plugins_check_fails_on_any_problem_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    std::fs::write(
        plugins.join("registry.toml"),
        "[[component]]\nname = \"ghost\"\nversion = \"1.0.0\"\nworld = \"writer\"\n",
    )
    .unwrap();
    let out = dailyx(dir.path(), &plugins, &["plugins", "check"], None);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL  ghost") && stdout.contains("ghost.wasm"),
        "{stdout}"
    );
}

#[test]
fn agent_call_prints_the_output_and_the_capability_calls() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = root().join("plugins-registry");
    let out = dailyx(
        dir.path(),
        &plugins,
        &["agent", "call", "jasmine-salmon"],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(json["persona"]["id"], "jasmine-salmon");

    // A draft with a secret in it: policy fails it, and the call itself succeeds.
    let input = r#"{"draft": {"tweets": [{"position": 0, "text": "our key ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "material_ids": []}],
                   "model_used": "none", "usage": {"prompt": 0, "completion": 0}, "notes": []},
         "rules": {"blocked_terms": [], "recent_posts": [], "max_weighted_length": 280}}"#;
    let out = dailyx(
        dir.path(),
        &plugins,
        &["agent", "call", "policy", "--input", "-"],
        Some(input),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(json["policy-report"]["verdict"], "Fail", "{json}");
}

#[test]
fn bad_input_and_unknown_components_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = root().join("plugins-registry");
    let out = dailyx(
        dir.path(),
        &plugins,
        &["agent", "call", "policy", "--input", "-"],
        Some("{\"draft\": 5}"),
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("does not fit `check` of world `policy`"),
        "{stderr}"
    );

    let out = dailyx(dir.path(), &plugins, &["agent", "call", "nope"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no component `nope`; loaded: bluesky, collector"));

    let out = dailyx(
        dir.path(),
        &plugins,
        &["agent", "call", "policy", "--input", "-"],
        Some("not json"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("is not valid JSON"));
}

#[test]
fn a_bad_config_file_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dailyx.toml"), "plugin_dir = \"x\"\n").unwrap();
    let out = dailyx(
        dir.path(),
        &root().join("plugins-registry"),
        &["plugins", "check"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("dailyx.toml is not valid"),
        "{}",
        text(&out.stderr)
    );
}

/// The shipped plugins (manifest, components, digests, signatures, golden sets) in `to`.
fn copy_registry(to: &Path) {
    let shipped = root().join("plugins-registry");
    std::fs::create_dir_all(to.join("golden")).unwrap();
    for entry in std::fs::read_dir(&shipped).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
    for entry in std::fs::read_dir(shipped.join("golden")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join("golden").join(path.file_name().unwrap())).unwrap();
    }
}

#[test]
fn a_writer_made_by_plugins_new_builds_signs_loads_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    copy_registry(&plugins);
    let krate = dir.path().join("my-writer");
    let krate_arg = krate.to_string_lossy().into_owned();

    let out = dailyx(
        dir.path(),
        &plugins,
        &["plugins", "new", "writer", "my-writer", "--dir", &krate_arg],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("dailyx plugins build"),
        "{}",
        text(&out.stdout)
    );
    let source = std::fs::read_to_string(krate.join("src/lib.rs")).unwrap();
    assert!(
        source.lines().count() <= 30,
        "a minimal Writer is at most 30 lines, this one is {}:\n{source}",
        source.lines().count()
    );
    for wit in ["host.wit", "types.wit", "worlds.wit"] {
        assert_eq!(
            std::fs::read_to_string(krate.join("wit").join(wit)).unwrap(),
            std::fs::read_to_string(root().join("wit/0.2").join(wit)).unwrap(),
            "the crate builds against this host's contract"
        );
    }
    // Creating it again over a non-empty folder is refused, and nothing is overwritten.
    let again = dailyx(
        dir.path(),
        &plugins,
        &["plugins", "new", "writer", "my-writer", "--dir", &krate_arg],
        None,
    );
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("already exists"),
        "{}",
        text(&again.stderr)
    );
    let bad = dailyx(
        dir.path(),
        &plugins,
        &["plugins", "new", "scribe", "x"],
        None,
    );
    assert!(
        text(&bad.stderr).contains("unknown world `scribe`"),
        "{}",
        text(&bad.stderr)
    );

    build_and_install(&krate, "my-writer", &plugins);
    sign(dir.path(), &plugins, &["my-writer"]);

    // It loads (having passed the writer's golden set, as every new Writer must) ...
    let out = dailyx(dir.path(), &plugins, &["plugins", "check"], None);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("my-writer"), "{stdout}");
    let out = dailyx(
        dir.path(),
        &plugins,
        &["plugins", "eval", "my-writer"],
        None,
    );
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("passed all 3 golden cases"),
        "{}",
        text(&out.stdout)
    );

    // ... and runs.
    let input = r#"{"plan": {"format": "Single", "beats": [{"kind": "Point",
        "summary": "Initial sync is 3x faster", "material_ids": ["commit:1"]}],
        "max_tweets": 1, "max_weighted_length": 280},
      "materials": [], "style": {"persona_id": "p", "tone": "", "language": "en",
        "max_hashtags": 0, "hashtags": [], "emoji": false, "target_length": 200,
        "preferred_phrases": [], "banned_phrases": [], "rules": [], "examples": []}}"#;
    let out = dailyx(
        dir.path(),
        &plugins,
        &["agent", "call", "my-writer", "--input", "-"],
        Some(input),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(
        json["draft"]["tweets"][0]["text"], "Initial sync is 3x faster",
        "{json}"
    );
    assert_eq!(json["draft"]["tweets"][0]["material_ids"][0], "commit:1");
}

/// Builds the crate at `krate` with `dailyx plugins build` and installs the component (file,
/// digest, manifest entry) into `plugins`. The workspace's lock file pins the versions the shipped
/// guests use; a shared target folder keeps std built once.
fn build_and_install(krate: &Path, name: &str, plugins: &Path) {
    std::fs::copy(root().join("Cargo.lock"), krate.join("Cargo.lock")).unwrap();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
        .join("plugin-template");
    let build = Command::new(env!("CARGO_BIN_EXE_dailyx"))
        .args(["plugins", "build"])
        .arg(krate)
        .env("DAILYX_GUEST_TARGET_DIR", &target)
        .output()
        .expect("run dailyx plugins build");
    assert!(
        build.status.success(),
        "{}\n{}",
        text(&build.stdout),
        text(&build.stderr)
    );
    for f in [format!("{name}.wasm"), format!("{name}.wasm.sha256")] {
        std::fs::copy(krate.join(&f), plugins.join(&f)).unwrap();
    }
    let mut manifest = std::fs::read_to_string(plugins.join("registry.toml")).unwrap();
    manifest.push_str(&std::fs::read_to_string(krate.join("entry.toml")).unwrap());
    std::fs::write(plugins.join("registry.toml"), manifest).unwrap();
}

/// Signs `names` with the build key, which the host under test trusts.
fn sign(dir: &Path, plugins: &Path, names: &[&str]) {
    let key = root()
        .join("keys/local-build.key")
        .to_string_lossy()
        .into_owned();
    let mut args = vec!["plugins", "sign", "--key", &key];
    args.extend_from_slice(names);
    let out = dailyx(dir, plugins, &args, None);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn every_world_has_a_template_that_builds_signs_and_loads() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    copy_registry(&plugins);
    let rust = [
        "collector",
        "curator",
        "style",
        "thread-planner",
        "critic",
        "policy",
        "notifier",
        "persona",
        "provider",
    ];
    let polyglot = ["writer", "critic", "policy", "provider"];
    let projects: Vec<(&str, &str, String)> = rust
        .iter()
        .map(|w| ("rust", *w, format!("my-{w}")))
        .chain(polyglot.iter().map(|w| ("python", *w, format!("py-{w}"))))
        .chain(
            polyglot
                .iter()
                .map(|w| ("javascript", *w, format!("js-{w}"))),
        )
        .collect();
    for (lang, world, name) in &projects {
        let krate = dir.path().join(name);
        let krate_arg = krate.to_string_lossy().into_owned();
        let out = dailyx(
            dir.path(),
            &plugins,
            &[
                "plugins", "new", world, name, "--lang", lang, "--dir", &krate_arg,
            ],
            None,
        );
        assert!(
            out.status.success(),
            "{lang} {world}: {}",
            text(&out.stderr)
        );
        build_and_install(&krate, name, &plugins);
    }
    // No template yet for a Python collector: a clear refusal, nothing written.
    let out = dailyx(
        dir.path(),
        &plugins,
        &[
            "plugins",
            "new",
            "collector",
            "py-collector",
            "--lang",
            "python",
        ],
        None,
    );
    assert!(
        !out.status.success()
            && text(&out.stderr).contains("no Python template for the `collector` world"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dir.path().join("py-collector").exists());
    let names: Vec<&str> = projects.iter().map(|(_, _, n)| n.as_str()).collect();
    sign(dir.path(), &plugins, &names);
    let out = dailyx(dir.path(), &plugins, &["plugins", "check"], None);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(
        stdout.contains("33 component(s) loaded, 0 problem(s)"),
        "{stdout}"
    );
    // The critic and writer templates pass their world's golden set (they are gated).
    for name in [
        "my-critic",
        "py-critic",
        "js-critic",
        "py-writer",
        "js-writer",
    ] {
        let out = dailyx(dir.path(), &plugins, &["plugins", "eval", name], None);
        assert!(out.status.success(), "{name}: {}", text(&out.stdout));
    }
    // The persona template answers with its profile.
    let out = dailyx(dir.path(), &plugins, &["agent", "call", "my-persona"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(json["persona"]["id"], "my-persona");
}
