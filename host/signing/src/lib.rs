//! Component signatures: ed25519 over a component's digest and its manifest entry.
//!
//! What is signed is the *signed form* of an entry ([`signed_entries`]): every key of its
//! `[[component]]` table except where the file lives (`file`, `source`, `digest`), with
//! `[defaults.limits]` folded into its `limits`, as canonical JSON (keys sorted, no spaces).
//! The message binds that to the file's digest ([`message`]), so a changed byte, a widened
//! grant or a raised limit each need a new signature.
//!
//! A signature lives in the plugins directory as `<name>.sig` ([`SignatureFile`]); public keys are
//! written `ed25519:<base64>` ([`PublicKey`]) and private keys are PKCS#8 PEM files created 0600
//! ([`SigningKeyFile`]). The host verifies with [`PublicKey::verify`]; `dailyx plugins sign`
//! and the build's `dailyx-sign` sign with [`SigningKeyFile::sign`].

#![deny(missing_docs)]

mod canonical;
mod keys;
mod sidecar;

pub use canonical::{SignedEntry, canonical_json, message, signed_entries};
pub use keys::{PublicKey, SigningKeyFile, public_key_path};
pub use sidecar::{SIGNATURE_EXTENSION, SignatureFile, signature_path};

/// Why signing or verifying could not be done.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    /// A key or signature file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A key is not in a form this program reads.
    #[error("{what} is not a valid ed25519 key: {reason}")]
    BadKey {
        /// Which key (a path or a config value).
        what: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A `.sig` file is malformed.
    #[error("signature file {path} is malformed: {reason}")]
    BadSignatureFile {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The manifest cannot be read as TOML, or an entry has no name.
    #[error("manifest: {0}")]
    Manifest(String),
    /// The key file exists already (keygen never overwrites a key).
    #[error("{0} exists already; refusing to overwrite a signing key")]
    KeyExists(std::path::PathBuf),
}

#[cfg(test)]
mod tests;

/// What [`sign_plugins`] signed: `(component, key id)`.
pub type Signed = Vec<(String, String)>;

/// Signs the components of the manifest in `plugins_dir` (`registry.toml`) with `key`, writing
/// each `<name>.sig`: all of them, or only those named in `only`. A named component that is not
/// in the manifest, or whose file is missing, is an error; nothing after it is signed.
pub fn sign_plugins(
    plugins_dir: &std::path::Path,
    key: &SigningKeyFile,
    only: &[String],
) -> Result<Signed, SigningError> {
    let targets: Vec<(String, Option<std::path::PathBuf>)> =
        only.iter().map(|n| (n.clone(), None)).collect();
    sign_staged(plugins_dir, key, &targets)
}

/// Like [`sign_plugins`], but a target may give the bytes to sign from another file (a build
/// staging the new `.wasm` before renaming it into place, so that a watching host finds the
/// signature already there when the component lands). No targets: every component.
pub fn sign_staged(
    plugins_dir: &std::path::Path,
    key: &SigningKeyFile,
    targets: &[(String, Option<std::path::PathBuf>)],
) -> Result<Signed, SigningError> {
    let manifest_path = plugins_dir.join("registry.toml");
    let text = std::fs::read_to_string(&manifest_path).map_err(|source| SigningError::Io {
        path: manifest_path.clone(),
        source,
    })?;
    let entries = signed_entries(&text)?;
    if let Some((missing, _)) = targets
        .iter()
        .find(|(n, _)| !entries.iter().any(|e| &e.name == n))
    {
        return Err(SigningError::Manifest(format!(
            "no component named `{missing}` in {}",
            manifest_path.display()
        )));
    }
    let mut signed = Vec::new();
    for entry in entries {
        let staged = match targets.iter().find(|(n, _)| *n == entry.name) {
            Some((_, staged)) => staged.clone(),
            None if targets.is_empty() => None,
            None => continue,
        };
        let path = plugins_dir.join(&entry.file);
        let source = staged.unwrap_or_else(|| path.clone());
        let bytes = std::fs::read(&source).map_err(|e| SigningError::Io {
            path: source.clone(),
            source: e,
        })?;
        let signature = key.sign(&sha256_digest(&bytes), &entry.form);
        signature.write(&signature_path(plugins_dir, &entry.name))?;
        signed.push((entry.name, signature.key_id));
    }
    Ok(signed)
}

/// `sha256:<hex>` of `bytes`, the form digests take everywhere in the host.
pub fn sha256_digest(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    let hash = sha2::Sha256::digest(bytes);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}
