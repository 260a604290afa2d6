//! `dailyx plugins build <dir>`: builds a component project with its language's standard tool
//! and writes `<name>.wasm` and `<name>.wasm.sha256` into it (each written beside, then renamed,
//! so a plugins folder being watched never sees half a file).
//!
//! - Rust: `cargo build --release --target wasm32-wasip2` where rustup has that target;
//!   otherwise Debian's route (rustc-web with build-std, for wasm32-unknown-unknown, linked by
//!   wasm-component-ld), which this project's `scripts/guest-toolchain.sh` installs.
//! - Python: `componentize-py -d wit -w <world> componentize app`.
//! - JavaScript: `jco componentize app.js --wit wit --world-name <world>`.
//!
//! Tools are looked for in the project (`.venv/bin`, `node_modules/.bin`), then in the folder
//! `scripts/polyglot-toolchains.sh` fills (`$DAILYX_TOOLS`, default `~/.cache/dailyx/tools`),
//! then on `PATH`.

use super::plugin_new::Lang;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// Debian's guest toolchain: its cargo, its std sources and its component linker.
const DEBIAN_CARGO: &str = "/usr/bin/cargo";
const DEBIAN_STD: &str = "/usr/lib/rustlib/src/rust/library/std/Cargo.toml";
const DEBIAN_LINKER: &str = "/usr/lib/rustlib/x86_64-unknown-linux-gnu/bin/wasm-component-ld";

pub fn build(dir: &Path) -> Result<ExitCode> {
    let dir = dir
        .canonicalize()
        .with_context(|| format!("the project folder {}", dir.display()))?;
    let (name, world) = read_entry(&dir)?;
    let Some(lang) = Lang::of_project(&dir) else {
        bail!(
            "{} has no Cargo.toml, package.json or app.py: not a component project",
            dir.display()
        );
    };
    let staged = dir.join(format!("{name}.wasm.tmp"));
    let built = match lang {
        Lang::Rust => build_rust(&dir, &name)?,
        Lang::Python => {
            let tool = find_tool(&dir, &[".venv/bin"], "python/bin", "componentize-py")?;
            let mut command = Command::new(tool);
            command.current_dir(&dir).args([
                "-d",
                "wit",
                "-w",
                &world,
                "componentize",
                "app",
                "-o",
            ]);
            run(command.arg(&staged), "componentize-py")?;
            staged.clone()
        }
        Lang::JavaScript => {
            let tool = find_tool(
                &dir,
                &["node_modules/.bin"],
                "node/node_modules/.bin",
                "jco",
            )?;
            let mut command = Command::new(tool);
            command.current_dir(&dir).args([
                "componentize",
                "app.js",
                "--wit",
                "wit",
                "--world-name",
                &world,
                "-o",
            ]);
            run(command.arg(&staged), "jco componentize")?;
            staged.clone()
        }
    };
    let bytes = std::fs::read(&built).with_context(|| format!("reading {}", built.display()))?;
    if !bytes.starts_with(&[0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]) {
        bail!("{} is not a WebAssembly component", built.display());
    }
    let digest = dailyx_signing::sha256_digest(&bytes);
    let hex = digest.trim_start_matches("sha256:");
    let out = dir.join(format!("{name}.wasm"));
    if built != staged {
        std::fs::write(&staged, &bytes).with_context(|| format!("writing {}", staged.display()))?;
    }
    let sha_file = dir.join(format!("{name}.wasm.sha256"));
    std::fs::write(
        dir.join(format!("{name}.wasm.sha256.tmp")),
        format!("{hex}\n"),
    )?;
    std::fs::rename(dir.join(format!("{name}.wasm.sha256.tmp")), &sha_file)?;
    std::fs::rename(&staged, &out)?;
    println!(
        "built {} ({} bytes, {digest}) with {lang:?}'s toolchain",
        out.display(),
        bytes.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// The name and world of the project's manifest entry (`entry.toml`).
fn read_entry(dir: &Path) -> Result<(String, String)> {
    let path = dir.join("entry.toml");
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "{} (the manifest entry `plugins new` writes)",
            path.display()
        )
    })?;
    let value: toml::Table =
        toml::from_str(&text).with_context(|| format!("{}", path.display()))?;
    let entry = value
        .get("component")
        .and_then(|c| c.as_array())
        .and_then(|a| a.first())
        .with_context(|| format!("{} has no [[component]]", path.display()))?;
    let field = |k: &str| {
        entry
            .get(k)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .with_context(|| format!("{} has no `{k}`", path.display()))
    };
    let name = field("name")?;
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        bail!("`{name}` in {} is not a component name", path.display());
    }
    Ok((name, field("world")?))
}

/// Builds a Rust project; returns the component cargo wrote.
fn build_rust(dir: &Path, name: &str) -> Result<PathBuf> {
    let target_dir = std::env::var_os("DAILYX_GUEST_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.join("target"));
    let artifact = name.replace('-', "_") + ".wasm";
    if rustup_has_wasip2() {
        let mut command = Command::new("cargo");
        command
            .current_dir(dir)
            .args([
                "build",
                "--release",
                "--target",
                "wasm32-wasip2",
                "--target-dir",
            ])
            .arg(&target_dir);
        run(&mut command, "cargo build --target wasm32-wasip2")?;
        return Ok(target_dir.join("wasm32-wasip2/release").join(artifact));
    }
    if Path::new(DEBIAN_STD).exists() && Path::new(DEBIAN_LINKER).exists() {
        let mut command = Command::new(DEBIAN_CARGO);
        command
            .current_dir(dir)
            .env("PATH", "/usr/bin:/bin")
            .env("RUSTC", "/usr/bin/rustc")
            .env("RUSTC_BOOTSTRAP", "1")
            .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER", DEBIAN_LINKER)
            .env_remove("RUSTUP_TOOLCHAIN")
            .args(["build", "--release", "--target", "wasm32-unknown-unknown"])
            .args(["-Zbuild-std=std,panic_abort", "--target-dir"])
            .arg(&target_dir);
        run(
            &mut command,
            "Debian's cargo (build-std, wasm32-unknown-unknown)",
        )?;
        return Ok(target_dir
            .join("wasm32-unknown-unknown/release")
            .join(artifact));
    }
    bail!(
        "no Rust toolchain for components: `rustup target add wasm32-wasip2`, or on Debian 12 \
         install rustc-web, cargo-web, rust-web-src, rust-web-llvm and lld-22 (the project's \
         scripts/guest-toolchain.sh does)"
    )
}

/// Whether rustup's toolchain here has the wasm32-wasip2 standard library.
fn rustup_has_wasip2() -> bool {
    Command::new("rustc")
        .args(["--print", "target-libdir", "--target", "wasm32-wasip2"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|dir| std::fs::read_dir(dir.trim()).ok())
        .is_some_and(|mut entries| {
            entries.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().starts_with("libstd-")))
        })
}

/// The first of: the project's own copy (`local` folders), the shared tools folder, `PATH`.
fn find_tool(dir: &Path, local: &[&str], shared: &str, tool: &str) -> Result<PathBuf> {
    let tools = std::env::var_os("DAILYX_TOOLS")
        .map(PathBuf::from)
        .or_else(|| {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
            Some(cache.join("dailyx/tools"))
        });
    let candidates = local
        .iter()
        .map(|l| dir.join(l).join(tool))
        .chain(tools.map(|t| t.join(shared).join(tool)));
    for candidate in candidates {
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|p| p.join(tool))
        .find(|p| p.is_file());
    on_path.with_context(|| {
        format!(
            "`{tool}` not found in the project, in $DAILYX_TOOLS or on PATH: see README.md \
             (pip install -r requirements.txt, or npm install)"
        )
    })
}

/// Runs `command`, its output going to the terminal; fails naming `what`.
fn run(command: &mut Command, what: &str) -> Result<()> {
    let status = command
        .status()
        .with_context(|| format!("cannot start {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}
