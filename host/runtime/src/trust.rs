//! Which components the host trusts: ed25519 signatures over the digest and the manifest
//! entry, checked at every (re)load before anything is compiled.
//!
//! By default a component must carry a `<name>.sig` made by a key in [`TrustPolicy::keys`].
//! The development switch [`TrustPolicy::allow_unsigned`] lets components without a signature
//! load, with a warning on every load; a signature that is present must still verify and come
//! from a trusted key (a tampered file is refused even in development).

use crate::manifest::ManifestEntry;
use dailyx_signing::{PublicKey, SignatureFile, signature_path};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// A public key the operator trusts, with the name it was configured under.
#[derive(Debug, Clone)]
pub struct TrustedKey {
    /// Where it came from (a config name or the `.pub` file), for messages.
    pub name: String,
    /// The key.
    pub key: PublicKey,
}

/// The operator's trust settings.
#[derive(Debug, Clone, Default)]
pub struct TrustPolicy {
    /// Keys whose signatures are accepted.
    pub keys: Vec<TrustedKey>,
    /// Development only: load components that have no signature at all.
    pub allow_unsigned: bool,
}

/// Who vouched for a loaded component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Signer {
    /// Signed by a trusted key.
    Key {
        /// The key's id.
        key_id: String,
        /// The name it is trusted under.
        key_name: String,
    },
    /// Loaded without a signature because `allow_unsigned` is on.
    UnsignedAllowed,
}

/// Why a component's signature is not accepted.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// No `.sig` file and unsigned components are not allowed.
    #[error(
        "{path} is not signed (no {sig}); sign it with `dailyx plugins sign {component}` and a trusted key, or, for development only, set signing.dev_allow_unsigned"
    )]
    Unsigned {
        #[allow(missing_docs)]
        component: String,
        #[allow(missing_docs)]
        path: PathBuf,
        #[allow(missing_docs)]
        sig: PathBuf,
    },
    /// Signed, by a key the operator does not trust.
    #[error(
        "{path} is signed by key {key_id}, which is not trusted (add its public key to signing.trusted_keys)"
    )]
    UntrustedKey {
        #[allow(missing_docs)]
        path: PathBuf,
        #[allow(missing_docs)]
        key_id: String,
    },
    /// The signature does not match the file and the entry.
    #[error(
        "the signature of {path} by key {key_id} does not match the file and its manifest entry (the component or its grants and limits changed since it was signed)"
    )]
    BadSignature {
        #[allow(missing_docs)]
        path: PathBuf,
        #[allow(missing_docs)]
        key_id: String,
    },
    /// The `.sig` file could not be read.
    #[error("{0}")]
    Unreadable(#[from] dailyx_signing::SigningError),
}

impl TrustPolicy {
    /// Checks the signature of `entry`'s file (at `path`, with `digest`); returns who signed
    /// it and the signature that verified (kept with the version's history).
    pub fn check(
        &self,
        plugins_dir: &Path,
        entry: &ManifestEntry,
        path: &Path,
        digest: &str,
    ) -> Result<(Signer, Option<SignatureFile>), TrustError> {
        let sig_path = signature_path(plugins_dir, &entry.name);
        let signature = SignatureFile::read(&sig_path)?;
        self.verify(entry, path, &sig_path, digest, signature)
    }

    /// Checks `signature` (as read from `sig_path`, or kept in the history) over `entry` and
    /// `digest`; `path` names the component in messages.
    pub fn verify(
        &self,
        entry: &ManifestEntry,
        path: &Path,
        sig_path: &Path,
        digest: &str,
        signature: Option<SignatureFile>,
    ) -> Result<(Signer, Option<SignatureFile>), TrustError> {
        self.verify_form(
            &entry.name,
            &entry.signed_form,
            path,
            sig_path,
            digest,
            signature,
        )
    }

    /// Checks `signature` over the component `name`'s entry in its signed form and `digest`
    /// (for a component not in the manifest yet, e.g. one pulled from a registry).
    pub fn verify_form(
        &self,
        name: &str,
        signed_form: &str,
        path: &Path,
        sig_path: &Path,
        digest: &str,
        signature: Option<SignatureFile>,
    ) -> Result<(Signer, Option<SignatureFile>), TrustError> {
        let Some(signature) = signature else {
            if self.allow_unsigned {
                tracing::warn!(
                    component = %name,
                    "loading UNSIGNED component {} because signing.dev_allow_unsigned is on (development only)",
                    path.display()
                );
                return Ok((Signer::UnsignedAllowed, None));
            }
            return Err(TrustError::Unsigned {
                component: name.to_owned(),
                path: path.to_owned(),
                sig: sig_path.to_owned(),
            });
        };
        let Some(trusted) = self.keys.iter().find(|k| k.key.id() == signature.key_id) else {
            return Err(TrustError::UntrustedKey {
                path: path.to_owned(),
                key_id: signature.key_id,
            });
        };
        if !trusted.key.verifies(digest, signed_form, &signature) {
            return Err(TrustError::BadSignature {
                path: path.to_owned(),
                key_id: signature.key_id,
            });
        }
        let signer = Signer::Key {
            key_id: signature.key_id.clone(),
            key_name: trusted.name.clone(),
        };
        Ok((signer, Some(signature)))
    }
}
