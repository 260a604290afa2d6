//! `dailyx plugins ...`: list, check, eval, history, rollback, keygen, sign.

use crate::config::Config;
use anyhow::Result;
use dailyx_runtime::compile_cache::CompileSource;
use dailyx_runtime::manifest::Grants;
use dailyx_runtime::{Runtime, Signer};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

/// Lists every component with its grants and limits (and load problems).
pub async fn list(config: &Config, json: bool) -> Result<ExitCode> {
    let runtime = Runtime::start(config.runtime_config()?).await?;
    let registry = runtime.registry();
    if json {
        let out = serde_json::json!({
            "components": registry.summaries(),
            "problems": registry.problems.values().collect::<Vec<_>>(),
            "manifest_error": registry.manifest_error,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<16} {:<8} {:<15} {:<14} {:<44} LIMITS",
        "NAME", "VERSION", "WORLD", "DIGEST", "GRANTS"
    );
    for s in registry.summaries() {
        let l = s.limits;
        let limits = format!(
            "mem {} MiB, {} ms, out {} KiB{}",
            l.memory_bytes >> 20,
            l.wall_clock_ms,
            l.max_output_bytes >> 10,
            l.fuel.map(|f| format!(", fuel {f}")).unwrap_or_default()
        );
        println!(
            "{:<16} {:<8} {:<15} {:<14} {:<44} {limits}",
            s.id.name,
            s.id.version,
            s.world.world(),
            s.id.short_digest(),
            describe_grants(&s.grants, s.imports_wasi),
        );
    }
    for p in registry.problems.values() {
        println!("! {}: {}", p.component, p.message);
    }
    if let Some(e) = &registry.manifest_error {
        println!("! manifest: {e}");
    }
    Ok(ExitCode::SUCCESS)
}

/// A one-line description of a component's grants.
fn describe_grants(g: &Grants, wasi: bool) -> String {
    let mut parts = Vec::new();
    if let Some(h) = &g.http {
        let origins: Vec<&str> = h.allow.iter().map(|r| r.origin.as_str()).collect();
        parts.push(format!("http[{}]", origins.join(" ")));
    }
    if let Some(l) = &g.llm {
        parts.push(format!("llm({} tok)", l.max_tokens_per_run));
    }
    if let Some(r) = &g.repo {
        parts.push(format!("repo[{}]", r.repositories.join(" ")));
    }
    if let Some(c) = &g.config {
        parts.push(format!("config({} keys)", c.keys.len()));
    }
    if wasi {
        parts.push("wasi(sealed)".into());
    }
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join(" ")
    }
}

/// Loads and validates everything; non-zero exit on any problem.
pub async fn check(config: &Config) -> Result<ExitCode> {
    let started = Instant::now();
    let runtime = Runtime::start(config.runtime_config()?).await?;
    let registry = runtime.registry();
    for c in registry.components.values() {
        let source = match c.compile_source {
            CompileSource::Cache => "cached",
            CompileSource::Compiled => "compiled",
        };
        let signer = match &c.signer {
            Signer::Key { key_id, .. } => format!("signed by {key_id}"),
            Signer::UnsignedAllowed => "UNSIGNED, allowed for development".into(),
        };
        println!(
            "ok    {:<16} {:<8} {:<15} {} ({source}, {signer})",
            c.id.name,
            c.id.version,
            c.entry.stage.world(),
            c.id.short_digest()
        );
    }
    for p in registry.problems.values() {
        println!("FAIL  {:<16} {}", p.component, p.message);
    }
    if let Some(e) = &registry.manifest_error {
        println!("FAIL  manifest: {e}");
    }
    let failed = !registry.problems.is_empty() || registry.manifest_error.is_some();
    println!(
        "{} component(s) loaded, {} problem(s), in {:.2} s",
        registry.components.len(),
        registry.problems.len() + usize::from(registry.manifest_error.is_some()),
        started.elapsed().as_secs_f64()
    );
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Creates a signing key and prints how to trust it.
pub fn keygen(out: &Path) -> Result<ExitCode> {
    let key = dailyx_signing::SigningKeyFile::generate(out)?;
    let public = key.public_key();
    println!("created {} (keep it private)", out.display());
    println!(
        "public key {} written to {}",
        public.id(),
        dailyx_signing::public_key_path(out).display()
    );
    println!(
        "to trust it, add to dailyx.toml:\n\n[signing]\ntrusted_keys = [\"{}\"]",
        public.to_text()
    );
    Ok(ExitCode::SUCCESS)
}

/// Signs components in the plugins directory with `key`.
pub fn sign(config: &Config, key: &Path, components: &[String]) -> Result<ExitCode> {
    let key = dailyx_signing::SigningKeyFile::load(key)?;
    let signed = dailyx_signing::sign_plugins(&config.plugins_dir, &key, components)?;
    for (name, key_id) in &signed {
        println!("signed {name:<16} with key {key_id}");
    }
    if !config
        .signing
        .trust_policy()?
        .keys
        .iter()
        .any(|k| k.key.id() == key.public_key().id())
    {
        println!(
            "note: key {} is not in this host's trusted keys; the host will refuse these until it is",
            key.public_key().id()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints a component's recorded versions.
pub async fn history(config: &Config, name: &str, json: bool) -> Result<ExitCode> {
    let store = crate::commands::pipeline::open_store(config).await?;
    let rows = store.component_history(name).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        println!("no recorded history for `{name}` (versions are recorded by `dailyx serve`)");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<6} {:<10} {:<14} {:<9} {:<24} {:<8} ACTOR",
        "ID", "VERSION", "DIGEST", "ACTION", "AT", "SIGNED"
    );
    for a in rows {
        let hex = a.digest.trim_start_matches("sha256:");
        let at = jiff::Timestamp::from_millisecond(a.at)
            .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_default();
        println!(
            "{:<6} {:<10} {:<14} {:<9} {:<24} {:<8} {}",
            a.id,
            a.version,
            &hex[..hex.len().min(12)],
            a.action,
            at,
            if a.signature.is_some() { "yes" } else { "no" },
            a.actor
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Restores a recorded version into the plugins directory, checked by a reload here first.
pub async fn rollback(config: &Config, name: &str, to: Option<&str>) -> Result<ExitCode> {
    let store = crate::commands::pipeline::open_store(config).await?;
    let mut rc = config.runtime_config()?;
    let recorder = dailyx_server::plugin_history::attach(&store, &mut rc, None).await?;
    let runtime = Runtime::start(rc).await?;
    let by = dailyx_server::plugin_history::Requester {
        actor: format!(
            "cli ({})",
            std::env::var("USER").unwrap_or_else(|_| "unknown user".into())
        ),
        ..Default::default()
    };
    let digest = dailyx_server::plugin_history::roll_back(&store, &runtime, name, to, &by).await?;
    let version = runtime
        .registry()
        .components
        .get(name)
        .map(|c| c.id.version.clone())
        .unwrap_or_default();
    // Let the recorder write the rollback before the process exits.
    drop(runtime);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), recorder).await;
    println!(
        "rolled back {name} to {version} ({digest}); a running host picks it up from the plugins directory"
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs the golden set of `name`'s world against the version serving and prints the report.
/// Exits 1 when a case fails (what the eval gate would refuse), 2 when there is nothing to run.
pub async fn eval(config: &Config, name: &str, json: bool) -> Result<ExitCode> {
    let runtime = Runtime::start(config.runtime_config()?).await?;
    let report = match runtime.evaluate(name).await {
        Ok(Some(r)) => r,
        Ok(None) => {
            eprintln!(
                "component `{name}`'s world has no golden set (plugins directory: golden/<world>.json)"
            );
            return Ok(ExitCode::from(2));
        }
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(2));
        }
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "{} {} ({}) against the {} golden set: {}",
            report.component,
            report.version,
            &report.digest,
            report.world,
            report.summary()
        );
        for c in &report.cases {
            println!(
                "  {} {} ({} ms)",
                if c.passed { "PASS" } else { "FAIL" },
                c.name,
                c.duration_ms
            );
            for f in &c.failures {
                println!("       - {f}");
            }
        }
    }
    Ok(if report.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Confirms the widened version of `name` that waits (reviewed against the recorded history,
/// as the server does) and keeps the confirmation for every later start.
pub async fn confirm(config: &Config, name: &str, digest: Option<&str>) -> Result<ExitCode> {
    let store = crate::commands::pipeline::open_store(config).await?;
    let mut rc = config.runtime_config()?;
    let recorder = dailyx_server::plugin_history::attach(&store, &mut rc, None).await?;
    let runtime = Runtime::start(rc).await?;
    let pending = runtime.pending_upgrades();
    let Some(waiting) = pending.get(name) else {
        eprintln!("no new version of `{name}` waits for confirmation");
        return Ok(ExitCode::from(2));
    };
    let digest = digest.unwrap_or(&waiting.to.digest).to_owned();
    println!(
        "{name} {} -> {} ({}) asks for:",
        waiting.from.version, waiting.to.version, waiting.to.digest
    );
    for c in &waiting.changes {
        println!("  {c}");
    }
    let by = dailyx_server::plugin_history::Requester {
        actor: format!(
            "cli ({})",
            std::env::var("USER").unwrap_or_else(|_| "unknown user".into())
        ),
        ..Default::default()
    };
    dailyx_server::plugin_history::confirm(&store, &runtime, name, &digest, &by).await?;
    drop(runtime);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), recorder).await;
    println!(
        "confirmed and activated {name} {digest}; runs started from now on use it (a running `dailyx serve` needs the confirmation in its console, or a restart)"
    );
    Ok(ExitCode::SUCCESS)
}
