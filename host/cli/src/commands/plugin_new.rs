//! `dailyx plugins new <world> <name>`: a component crate from a template, ready to build with
//! the project's guest toolchain (`scripts/build-plugin.sh`), sign and install.
//!
//! The crate gets a copy of the host's WIT contract (so it builds against exactly what this host
//! speaks), the guest SDK as a path dependency, a minimal working component for the world, and
//! the manifest entry to install it with (no more grants than the template uses).

use anyhow::{Context, Result, bail};
use dailyx_runtime::Stage;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The contract, as this host was built with it.
const WIT: [(&str, &str); 3] = [
    ("host.wit", include_str!("../../../../wit/0.2/host.wit")),
    ("types.wit", include_str!("../../../../wit/0.2/types.wit")),
    ("worlds.wit", include_str!("../../../../wit/0.2/worlds.wit")),
];

const CARGO_TOML: &str = include_str!("../../templates/plugin/Cargo.toml.tmpl");
const README: &str = include_str!("../../templates/plugin/README.md.tmpl");

/// The component source of each world.
fn template(stage: Stage) -> &'static str {
    match stage {
        Stage::Collector => include_str!("../../templates/plugin/collector.rs"),
        Stage::Curator => include_str!("../../templates/plugin/curator.rs"),
        Stage::Style => include_str!("../../templates/plugin/style.rs"),
        Stage::ThreadPlanner => include_str!("../../templates/plugin/thread-planner.rs"),
        Stage::Writer => include_str!("../../templates/plugin/writer.rs"),
        Stage::Critic => include_str!("../../templates/plugin/critic.rs"),
        Stage::Policy => include_str!("../../templates/plugin/policy.rs"),
        Stage::Notifier => include_str!("../../templates/plugin/notifier.rs"),
        Stage::Persona => include_str!("../../templates/plugin/persona.rs"),
        Stage::Provider => include_str!("../../templates/plugin/provider.rs"),
    }
}

/// The grants the template of `stage` uses (deny by default: nothing else), and the limits a
/// provider needs: its requests must end before its call does.
fn grants(stage: Stage) -> &'static str {
    match stage {
        Stage::Collector => "[component.grants.repo]\nrepositories = [\"*\"]\n",
        Stage::Provider => concat!(
            "[component.grants.http]\n",
            "max_requests_per_run = 10\n",
            "[[component.grants.http.allow]]\n",
            "origin = \"https://hooks.example.com\"\n",
            "methods = [\"POST\"]\n",
            "path_prefixes = [\"/\"]\n",
            "[component.grants.config]\n",
            "keys = [\"endpoint\"]\n",
            "[component.limits]\n",
            "wall_clock_ms = 30000  # each request times out (10 s) well before the call ends\n",
        ),
        _ => "",
    }
}

/// Where this host's source tree keeps the guest SDK, if it is still there.
fn default_sdk() -> Option<PathBuf> {
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../agents/sdk");
    sdk.join("Cargo.toml")
        .exists()
        .then(|| sdk.canonicalize().ok())
        .flatten()
}

pub fn new(
    world: &str,
    name: &str,
    dir: Option<PathBuf>,
    sdk: Option<PathBuf>,
) -> Result<ExitCode> {
    let Some(stage) = Stage::from_world(world) else {
        let known: Vec<&str> = Stage::ALL.iter().map(|s| s.world()).collect();
        bail!("unknown world `{world}` (known: {})", known.join(", "));
    };
    let valid = !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        bail!(
            "`{name}` is not a component name: 1-64 characters of a-z, 0-9 and '-', starting with a letter"
        );
    }
    let sdk = match sdk.or_else(default_sdk) {
        Some(s) => s
            .canonicalize()
            .with_context(|| format!("the SDK folder {}", s.display()))?,
        None => bail!(
            "cannot find the guest SDK (agents/sdk of the Daily X Agent source tree); pass --sdk <path>"
        ),
    };
    let repo = sdk
        .join("../..")
        .canonicalize()
        .context("the SDK's source tree")?;
    let dir = dir.unwrap_or_else(|| PathBuf::from(name));
    if dir.exists()
        && std::fs::read_dir(&dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        bail!(
            "{} already exists and is not empty; choose another --dir",
            dir.display()
        );
    }
    let fill = |t: &str| {
        t.replace("{{name}}", name)
            .replace("{{world}}", stage.world())
            .replace("{{sdk}}", &sdk.display().to_string())
            .replace("{{repo}}", &repo.display().to_string())
    };
    let write = |rel: &str, text: String| -> Result<()> {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
    };
    write("Cargo.toml", fill(CARGO_TOML))?;
    write("src/lib.rs", fill(template(stage)))?;
    write("README.md", fill(README))?;
    for (file, text) in WIT {
        write(&format!("wit/{file}"), text.to_owned())?;
    }
    let entry = format!(
        "\n[[component]]\nname = \"{name}\"\nversion = \"0.1.0\"\nworld = \"{}\"\nfile = \"{name}.wasm\"\n{}",
        stage.world(),
        grants(stage)
    );
    write("entry.toml", entry)?;
    println!("created {} ({} world)", dir.display(), stage.world());
    println!("next:");
    println!(
        "  bash {}/scripts/build-plugin.sh {}",
        repo.display(),
        dir.display()
    );
    println!(
        "  then copy {name}.wasm and {name}.wasm.sha256 into the plugins directory, append entry.toml to its registry.toml,"
    );
    println!(
        "  and run `dailyx plugins sign {name}` and `dailyx plugins check` (see {}/README.md)",
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
