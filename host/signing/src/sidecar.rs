//! `<name>.sig`: a component's signature, in the plugins directory.

use crate::SigningError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The extension of signature files.
pub const SIGNATURE_EXTENSION: &str = "sig";

/// The signature file of the component `name` in `plugins_dir`: `<name>.sig`. It is named after
/// the entry, not the file, because it signs both (entries may share one file).
pub fn signature_path(plugins_dir: &Path, name: &str) -> PathBuf {
    plugins_dir.join(format!("{name}.{SIGNATURE_EXTENSION}"))
}

/// The content of a `.sig` file (one JSON object).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureFile {
    /// Always `ed25519`.
    pub alg: String,
    /// Which key signed ([`crate::PublicKey::id`]).
    pub key_id: String,
    /// The signature, base64 (64 bytes).
    pub signature: String,
}

impl SignatureFile {
    /// Reads `path`; `Ok(None)` when there is no such file.
    pub fn read(path: &Path) -> Result<Option<SignatureFile>, SigningError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(SigningError::Io {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        let file: SignatureFile =
            serde_json::from_str(&text).map_err(|e| SigningError::BadSignatureFile {
                path: path.to_owned(),
                reason: e.to_string(),
            })?;
        if file.alg != "ed25519" {
            return Err(SigningError::BadSignatureFile {
                path: path.to_owned(),
                reason: format!("unsupported algorithm `{}`", file.alg),
            });
        }
        Ok(Some(file))
    }

    /// Writes it to `path` atomically (a temporary file renamed into place), so a host
    /// watching the folder never reads half of it.
    pub fn write(&self, path: &Path) -> Result<(), SigningError> {
        let io = |source| SigningError::Io {
            path: path.to_owned(),
            source,
        };
        let mut text = serde_json::to_string(self).map_err(|e| io(std::io::Error::other(e)))?;
        text.push('\n');
        let tmp = PathBuf::from(format!("{}.tmp.{}", path.display(), std::process::id()));
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }
}
