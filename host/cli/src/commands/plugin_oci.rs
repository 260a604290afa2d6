//! `dailyx plugins push` and `dailyx plugins install oci://…`: a component, its signature and
//! its signed manifest entry as one OCI artifact (see `dailyx-oci` for the format).
//!
//! Install verifies everything before it writes anything: the registry's answers against the
//! digests (the client), the artifact's shape, the name, and the signature against this host's
//! trusted keys. Then the version is written the way a rollback writes one (digest, signature
//! and manifest entry first, the component last by a rename), and a running host's watcher
//! takes it through every check a local file gets: world, upgrade review (a new grant waits for
//! an admin), eval gate.

use crate::config::Config;
use anyhow::{Context, Result, anyhow, bail};
use dailyx_oci::{Artifact, Auth, OciRef, Registry};
use dailyx_runtime::{VersionSnapshot, install::install_version};
use dailyx_signing::{SignatureFile, sha256_digest, signature_path, signed_entries};
use std::path::Path;
use std::process::ExitCode;

/// Registry credentials from the environment: `DAILYX_REGISTRY_TOKEN` (bearer), else
/// `DAILYX_REGISTRY_USER` and `DAILYX_REGISTRY_PASSWORD` (basic), else anonymous.
fn auth() -> Auth {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if let Some(token) = var("DAILYX_REGISTRY_TOKEN") {
        return Auth::Bearer(token);
    }
    match (var("DAILYX_REGISTRY_USER"), var("DAILYX_REGISTRY_PASSWORD")) {
        (Some(user), Some(password)) => Auth::Basic { user, password },
        _ => Auth::Anonymous,
    }
}

/// Pushes the installed component `name` (its file, `.sig` and manifest entry) to `target`.
pub async fn push(config: &Config, name: &str, target: &str) -> Result<ExitCode> {
    dailyx_runtime::install_crypto_provider();
    let reference: OciRef = target.parse()?;
    let plugins = &config.plugins_dir;
    let manifest_path = plugins.join(dailyx_runtime::manifest::MANIFEST_FILE);
    let text = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("reading {}", manifest_path.display()))?;
    let entry = signed_entries(&text)?
        .into_iter()
        .find(|e| e.name == name)
        .ok_or_else(|| anyhow!("no component `{name}` in {}", manifest_path.display()))?;
    let file = plugins.join(&entry.file);
    let wasm = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    let sig_path = signature_path(plugins, name);
    // The host refuses unsigned components by default; an artifact without a signature would
    // be refused by every host that pulls it.
    let Some(signature) = SignatureFile::read(&sig_path)? else {
        bail!(
            "`{name}` is not signed (no {}): sign it with `dailyx plugins sign --key <key> {name}` before pushing",
            sig_path.display()
        );
    };
    let form: serde_json::Value = serde_json::from_str(&entry.form)?;
    let version = form["version"].as_str().unwrap_or_default().to_owned();
    let artifact = Artifact {
        name: name.to_owned(),
        version: version.clone(),
        wasm,
        signed_form: entry.form,
        signature: Some(serde_json::to_string(&signature)?),
    };
    let digest = Registry::new(&reference)?
        .push(&reference, &artifact, &auth())
        .await?;
    println!("pushed {name} {version} to {reference}");
    println!(
        "  pinned: oci://{}/{}@{digest}",
        reference.registry(),
        reference.repository()
    );
    Ok(ExitCode::SUCCESS)
}

/// Pulls the component at `source`, checks it, and writes it into the plugins directory.
pub async fn install(config: &Config, source: &str) -> Result<ExitCode> {
    dailyx_runtime::install_crypto_provider();
    let reference: OciRef = source.parse()?;
    let pulled = Registry::new(&reference)?.pull(&reference, &auth()).await?;
    let artifact = pulled.artifact;
    let name = &artifact.name;
    if !dailyx_runtime::manifest::valid_name(name) {
        bail!(
            "{reference} names its component `{name}`, which is not a component name (1-64 characters of a-z, 0-9 and '-')"
        );
    }
    let digest = sha256_digest(&artifact.wasm);
    let signature = artifact
        .signature
        .as_deref()
        .map(serde_json::from_str::<SignatureFile>)
        .transpose()
        .map_err(|e| anyhow!("{reference}: the signature is not a .sig file: {e}"))?;
    let trust = config.signing.trust_policy()?;
    let (signer, _) = trust
        .verify_form(
            name,
            &artifact.signed_form,
            Path::new(&reference.to_string()),
            &signature_path(&config.plugins_dir, name),
            &digest,
            signature,
        )
        .map_err(|e| anyhow!("{e}; nothing was installed"))?;
    let entry: serde_json::Value = serde_json::from_str(&artifact.signed_form)?;
    println!(
        "{name} {} ({} world) from {reference}",
        artifact.version,
        entry["world"].as_str().unwrap_or("?")
    );
    println!("  manifest {}", pulled.manifest_digest);
    println!("  component {digest} ({} bytes)", artifact.wasm.len());
    match &signer {
        dailyx_runtime::Signer::Key { key_id, key_name } => {
            println!("  signed by {key_id} (trusted as {key_name})")
        }
        dailyx_runtime::Signer::UnsignedAllowed => {
            println!("  UNSIGNED, allowed because signing.dev_allow_unsigned is on")
        }
    }
    for part in ["grants", "limits"] {
        println!(
            "  {part}: {}",
            serde_json::to_string(&entry[part]).unwrap_or_default()
        );
    }
    install_version(
        &config.plugins_dir,
        &VersionSnapshot {
            name: name.clone(),
            digest,
            signed_form: artifact.signed_form.clone(),
            signature: artifact.signature.clone(),
            bytes: artifact.wasm,
        },
    )?;
    println!(
        "installed into {}; a running host loads it (a new grant waits for an admin's confirmation)",
        config.plugins_dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
