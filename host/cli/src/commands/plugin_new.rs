//! `dailyx plugins new <world> <name> --lang rust|python|javascript`: a component project from
//! a template, which builds outside this source tree with its language's standard tool
//! (`dailyx plugins build`, or cargo / componentize-py / jco by hand).
//!
//! The project gets the host's WIT contract (`wit/`, dailyx:agent@0.2.0 with the WASI packages it
//! uses, written from this binary, so it builds against exactly what this host speaks), a minimal
//! working component for the world, the manifest entry to install it with (no more grants than
//! the template uses) and a README with the steps.

use anyhow::{Context, Result, bail};
use dailyx_runtime::Stage;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The contract, as this host was built with it: (path under `wit/`, text).
pub(crate) const WIT: [(&str, &str); 10] = [
    ("host.wit", include_str!("../../../../wit/0.2/host.wit")),
    ("types.wit", include_str!("../../../../wit/0.2/types.wit")),
    ("worlds.wit", include_str!("../../../../wit/0.2/worlds.wit")),
    (
        "deps/cli/cli.wit",
        include_str!("../../../../wit/0.2/deps/cli/cli.wit"),
    ),
    (
        "deps/clocks/clocks.wit",
        include_str!("../../../../wit/0.2/deps/clocks/clocks.wit"),
    ),
    (
        "deps/filesystem/filesystem.wit",
        include_str!("../../../../wit/0.2/deps/filesystem/filesystem.wit"),
    ),
    (
        "deps/http/http.wit",
        include_str!("../../../../wit/0.2/deps/http/http.wit"),
    ),
    (
        "deps/io/io.wit",
        include_str!("../../../../wit/0.2/deps/io/io.wit"),
    ),
    (
        "deps/random/random.wit",
        include_str!("../../../../wit/0.2/deps/random/random.wit"),
    ),
    (
        "deps/sockets/sockets.wit",
        include_str!("../../../../wit/0.2/deps/sockets/sockets.wit"),
    ),
];

/// A language a component project can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    Rust,
    Python,
    JavaScript,
}

impl Lang {
    fn parse(s: &str) -> Result<Lang> {
        Ok(match s {
            "rust" | "rs" => Lang::Rust,
            "python" | "py" => Lang::Python,
            "javascript" | "js" => Lang::JavaScript,
            other => bail!("unknown language `{other}` (known: rust, python, javascript)"),
        })
    }

    /// The language of the project in `dir`, from the file its tool reads.
    pub(crate) fn of_project(dir: &Path) -> Option<Lang> {
        if dir.join("Cargo.toml").exists() {
            Some(Lang::Rust)
        } else if dir.join("package.json").exists() {
            Some(Lang::JavaScript)
        } else if dir.join("app.py").exists() {
            Some(Lang::Python)
        } else {
            None
        }
    }
}

/// The project files of `stage` in `lang` (relative path, template text), or `None` if there is
/// no template for that pair.
fn files(stage: Stage, lang: Lang) -> Option<Vec<(&'static str, &'static str)>> {
    macro_rules! rust {
        ($file:literal) => {
            vec![
                (
                    "Cargo.toml",
                    include_str!("../../templates/rust/Cargo.toml.tmpl"),
                ),
                (
                    "src/lib.rs",
                    include_str!(concat!("../../templates/rust/", $file)),
                ),
                (
                    "README.md",
                    include_str!("../../templates/rust/README.md.tmpl"),
                ),
            ]
        };
    }
    macro_rules! python {
        ($file:literal $(, $extra:literal)?) => {
            vec![
                ("app.py", include_str!(concat!("../../templates/python/", $file))),
                ("requirements.txt", include_str!("../../templates/python/requirements.txt")),
                ("README.md", include_str!("../../templates/python/README.md.tmpl")),
                $(($extra, include_str!(concat!("../../templates/python/", $extra))),)?
            ]
        };
    }
    macro_rules! javascript {
        ($file:literal) => {
            vec![
                (
                    "app.js",
                    include_str!(concat!("../../templates/javascript/", $file)),
                ),
                (
                    "package.json",
                    include_str!("../../templates/javascript/package.json.tmpl"),
                ),
                (
                    "README.md",
                    include_str!("../../templates/javascript/README.md.tmpl"),
                ),
            ]
        };
    }
    Some(match (lang, stage) {
        (Lang::Rust, Stage::Collector) => rust!("collector.rs"),
        (Lang::Rust, Stage::Curator) => rust!("curator.rs"),
        (Lang::Rust, Stage::Style) => rust!("style.rs"),
        (Lang::Rust, Stage::ThreadPlanner) => rust!("thread-planner.rs"),
        (Lang::Rust, Stage::Writer) => rust!("writer.rs"),
        (Lang::Rust, Stage::Critic) => rust!("critic.rs"),
        (Lang::Rust, Stage::Policy) => rust!("policy.rs"),
        (Lang::Rust, Stage::Notifier) => rust!("notifier.rs"),
        (Lang::Rust, Stage::Persona) => rust!("persona.rs"),
        (Lang::Rust, Stage::Provider) => rust!("provider.rs"),
        (Lang::Python, Stage::Writer) => python!("writer.py"),
        (Lang::Python, Stage::Critic) => python!("critic.py"),
        (Lang::Python, Stage::Policy) => python!("policy.py"),
        (Lang::Python, Stage::Provider) => python!("provider.py", "wasi_fetch.py"),
        (Lang::JavaScript, Stage::Writer) => javascript!("writer.js"),
        (Lang::JavaScript, Stage::Critic) => javascript!("critic.js"),
        (Lang::JavaScript, Stage::Policy) => javascript!("policy.js"),
        (Lang::JavaScript, Stage::Provider) => javascript!("provider.js"),
        _ => return None,
    })
}

/// Extra dependencies of a Rust template (the provider builds its JSON with serde_json).
fn rust_deps(stage: Stage) -> &'static str {
    match stage {
        Stage::Provider => "\nserde_json = \"1\"",
        _ => "",
    }
}

/// The grants the template of `stage` uses (deny by default: nothing else), and the limits it
/// needs: a provider's requests must end before its call does; Python and JavaScript bring
/// their interpreter, whose memory the default limit does not hold.
fn entry_extra(stage: Stage, lang: Lang) -> String {
    let mut out = String::new();
    match stage {
        Stage::Collector => out.push_str("[component.grants.repo]\nrepositories = [\"*\"]\n"),
        Stage::Provider => out.push_str(concat!(
            "[component.grants.http]\n",
            "max_requests_per_run = 10\n",
            "[[component.grants.http.allow]]\n",
            "origin = \"https://hooks.example.com\"\n",
            "methods = [\"POST\"]\n",
            "path_prefixes = [\"/\"]\n",
            "[component.grants.config]\n",
            "keys = [\"endpoint\"]\n",
        )),
        _ => {}
    }
    let mut limits = Vec::new();
    if lang != Lang::Rust {
        limits.push("memory_bytes = 134217728  # 128 MiB: the interpreter and its heap");
    }
    if stage == Stage::Provider {
        limits.push(
            "wall_clock_ms = 30000  # each request times out (10 s) well before the call ends",
        );
    }
    if !limits.is_empty() {
        out.push_str("[component.limits]\n");
        for l in limits {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

pub fn new(world: &str, name: &str, lang: &str, dir: Option<PathBuf>) -> Result<ExitCode> {
    let Some(stage) = Stage::from_world(world) else {
        let known: Vec<&str> = Stage::ALL.iter().map(|s| s.world()).collect();
        bail!("unknown world `{world}` (known: {})", known.join(", "));
    };
    let lang = Lang::parse(lang)?;
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
    let Some(files) = files(stage, lang) else {
        bail!(
            "there is no {lang:?} template for the `{}` world yet (Python and JavaScript: writer, critic, policy, provider; Rust: every world)",
            stage.world()
        );
    };
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
            .replace("{{extra_deps}}", rust_deps(stage))
    };
    let write = |rel: &str, text: String| -> Result<()> {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
    };
    for (rel, text) in files {
        write(rel, fill(text))?;
    }
    for (file, text) in WIT {
        write(&format!("wit/{file}"), text.to_owned())?;
    }
    let entry = format!(
        "\n[[component]]\nname = \"{name}\"\nversion = \"0.1.0\"\nworld = \"{}\"\nfile = \"{name}.wasm\"\n{}",
        stage.world(),
        entry_extra(stage, lang)
    );
    write("entry.toml", entry)?;
    println!(
        "created {} ({} world, {lang:?})",
        dir.display(),
        stage.world()
    );
    println!("next (see {}/README.md):", dir.display());
    println!("  dailyx plugins build {}", dir.display());
    println!(
        "  then copy {name}.wasm and {name}.wasm.sha256 into the plugins directory, append entry.toml to its registry.toml,"
    );
    println!("  and run `dailyx plugins sign {name}` and `dailyx plugins check`");
    Ok(ExitCode::SUCCESS)
}
