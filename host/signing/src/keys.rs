//! Keys: ed25519 public keys as `ed25519:<base64>`, private keys as PKCS#8 PEM files.

use crate::{SignatureFile, SigningError, message};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

const PUBLIC_PREFIX: &str = "ed25519:";

/// A public key that may be trusted to sign components.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
    id: String,
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.id)
    }
}

impl PublicKey {
    fn new(key: VerifyingKey) -> PublicKey {
        let hash = Sha256::digest(key.as_bytes());
        let id = hash[..8].iter().map(|b| format!("{b:02x}")).collect();
        PublicKey { key, id }
    }

    /// Parses `ed25519:<base64 of the 32 key bytes>`; `what` names it in errors.
    pub fn parse(text: &str, what: &str) -> Result<PublicKey, SigningError> {
        let bad = |reason: &str| SigningError::BadKey {
            what: what.to_owned(),
            reason: reason.to_owned(),
        };
        let b64 = text
            .trim()
            .strip_prefix(PUBLIC_PREFIX)
            .ok_or_else(|| bad("expected `ed25519:<base64>`"))?;
        let bytes = B64.decode(b64).map_err(|e| bad(&e.to_string()))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| bad("an ed25519 public key is 32 bytes"))?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|e| bad(&e.to_string()))?;
        Ok(PublicKey::new(key))
    }

    /// Reads a `.pub` file: its first line that is not empty or a `#` comment.
    pub fn read(path: &Path) -> Result<PublicKey, SigningError> {
        let text = std::fs::read_to_string(path).map_err(|source| SigningError::Io {
            path: path.to_owned(),
            source,
        })?;
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .unwrap_or_default();
        PublicKey::parse(line, &path.display().to_string())
    }

    /// A short, stable id: the first 8 bytes of the key's sha256, in hex.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// `ed25519:<base64>`, the form config files take.
    pub fn to_text(&self) -> String {
        format!("{PUBLIC_PREFIX}{}", B64.encode(self.key.as_bytes()))
    }

    /// Whether `signature` is this key's signature of `digest` + `signed_form`.
    /// A signature made by another key, over other bytes, or that does not decode is `false`.
    pub fn verifies(&self, digest: &str, signed_form: &str, signature: &SignatureFile) -> bool {
        let Ok(bytes) = B64.decode(signature.signature.trim()) else {
            return false;
        };
        let Ok(sig) = Signature::from_slice(&bytes) else {
            return false;
        };
        signature.key_id == self.id
            && self
                .key
                .verify_strict(&message(digest, signed_form), &sig)
                .is_ok()
    }
}

/// A private signing key, kept in a PKCS#8 PEM file.
pub struct SigningKeyFile {
    key: SigningKey,
}

impl SigningKeyFile {
    /// Creates a new key at `path` (mode 0600, never overwriting) and its public key at
    /// `<path without extension>.pub`; returns the key.
    pub fn generate(path: &Path) -> Result<SigningKeyFile, SigningError> {
        let io = |path: &Path, source| SigningError::Io {
            path: path.to_owned(),
            source,
        };
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| io(path, std::io::Error::other(e.to_string())))?;
        let key = SigningKey::from_bytes(&seed);
        let pem = key
            .to_pkcs8_pem(Default::default())
            .map_err(|e| io(path, std::io::Error::other(e.to_string())))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                SigningError::KeyExists(path.to_owned())
            } else {
                io(path, e)
            }
        })?;
        file.write_all(pem.as_bytes()).map_err(|e| io(path, e))?;
        let this = SigningKeyFile { key };
        let public = this.public_key();
        let pub_path = public_key_path(path);
        let text = format!(
            "# dailyx component signing key {}\n{}\n",
            public.id(),
            public.to_text()
        );
        std::fs::write(&pub_path, text).map_err(|e| io(&pub_path, e))?;
        Ok(this)
    }

    /// Reads a key written by [`SigningKeyFile::generate`] (or any PKCS#8 ed25519 PEM,
    /// e.g. `openssl genpkey -algorithm ed25519`).
    pub fn load(path: &Path) -> Result<SigningKeyFile, SigningError> {
        let text = std::fs::read_to_string(path).map_err(|source| SigningError::Io {
            path: path.to_owned(),
            source,
        })?;
        let key = SigningKey::from_pkcs8_pem(&text).map_err(|e| SigningError::BadKey {
            what: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Ok(SigningKeyFile { key })
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        PublicKey::new(self.key.verifying_key())
    }

    /// Signs `digest` + `signed_form`.
    pub fn sign(&self, digest: &str, signed_form: &str) -> SignatureFile {
        let signature = self.key.sign(&message(digest, signed_form));
        SignatureFile {
            alg: "ed25519".into(),
            key_id: self.public_key().id().to_owned(),
            signature: B64.encode(signature.to_bytes()),
        }
    }
}

/// Where [`SigningKeyFile::generate`] writes the public key of the private key at `path`.
pub fn public_key_path(path: &Path) -> PathBuf {
    path.with_extension("pub")
}
