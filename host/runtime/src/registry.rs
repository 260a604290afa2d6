//! The set of loaded components, and how one manifest entry becomes a
//! loaded component: read → verify digest → compile (or load from cache) →
//! check against its world → pre-instantiate.
//!
//! A [`Registry`] is immutable; reloads build a new one and swap it in
//! atomically, so a call holds the `Arc<LoadedComponent>` it started with
//! and finishes on that version whatever happens meanwhile.

use crate::call::CallState;
use crate::capability::clock::Clock;
use crate::capability::config::ConfigGrant;
use crate::capability::http::{HttpGrant, HttpService};
use crate::capability::llm::{LlmGrant, LlmService};
use crate::capability::repo::{RepoGrant, Repositories};
use crate::compile_cache::{CompileCache, CompileSource, compile_cached};
use crate::engine::digest_of;
use crate::events::ComponentId;
use crate::manifest::ManifestEntry;
use crate::producers::Producers;
use crate::trust::{Signer, TrustError, TrustPolicy};
use crate::world::{ContractVersion, StagePre, check_fit};
use dailyx_signing::SignatureFile;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;
use wasmtime::Engine;
use wasmtime::component::Linker;

/// Operator-level services shared by every call.
pub struct HostServices {
    pub(crate) http: Arc<HttpService>,
    pub(crate) llm: Arc<LlmService>,
    pub(crate) repositories: Arc<Repositories>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) plugin_config: BTreeMap<String, BTreeMap<String, String>>,
}

/// A component's grants, shared by all its calls.
#[derive(Debug)]
pub struct PreparedGrants {
    pub(crate) http: Option<Arc<HttpGrant>>,
    pub(crate) llm: Option<Arc<LlmGrant>>,
    pub(crate) repo: Option<Arc<RepoGrant>>,
    pub(crate) config: Option<Arc<ConfigGrant>>,
    /// Manifest defaults overridden by the operator's values.
    pub(crate) config_values: Arc<BTreeMap<String, String>>,
}

/// A component ready to be called.
pub struct LoadedComponent {
    /// Name, version, digest.
    pub id: Arc<ComponentId>,
    /// Its manifest entry as loaded.
    pub entry: ManifestEntry,
    pub(crate) pre: StagePre,
    pub(crate) grants: PreparedGrants,
    /// When this version was activated.
    pub loaded_at: SystemTime,
    /// Whether it came from the compile cache.
    pub compile_source: CompileSource,
    /// Whether it imports WASI (a third-party build).
    pub imports_wasi: bool,
    /// Who signed it.
    pub signer: Signer,
    /// The language and toolchain it says produced it.
    pub producers: Producers,
}

impl LoadedComponent {
    /// The contract version it was built against.
    pub fn contract(&self) -> ContractVersion {
        self.pre.exports.version
    }
}

/// Why an entry is not loaded (or why its new version was refused).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoadProblem {
    /// The component.
    pub component: String,
    /// What went wrong, naming the component, file and world.
    pub message: String,
    /// Whether an older version keeps serving.
    pub old_version_serving: bool,
}

/// The loaded components and the problems of the last (re)load.
#[derive(Default)]
pub struct Registry {
    /// Active components by name.
    pub components: BTreeMap<String, Arc<LoadedComponent>>,
    /// Problems by component name.
    pub problems: BTreeMap<String, LoadProblem>,
    /// Set when the manifest itself could not be used (the previous set keeps serving).
    pub manifest_error: Option<String>,
}

/// Why one entry could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The `.wasm` file is missing or unreadable.
    #[error("component `{component}`: cannot read {path}: {source}")]
    Read {
        #[allow(missing_docs)]
        component: String,
        #[allow(missing_docs)]
        path: PathBuf,
        #[allow(missing_docs)]
        source: std::io::Error,
    },
    /// The digest does not match the pinned or recorded one.
    #[error(
        "component `{component}`: digest mismatch for {path}: expected {expected}, file is {actual}"
    )]
    DigestMismatch {
        #[allow(missing_docs)]
        component: String,
        #[allow(missing_docs)]
        path: PathBuf,
        #[allow(missing_docs)]
        expected: String,
        #[allow(missing_docs)]
        actual: String,
    },
    /// Nothing to verify the file against.
    #[error(
        "component `{component}`: no digest to verify {path} against (no {path}.sha256 and no `digest` in the manifest)"
    )]
    NoDigest {
        #[allow(missing_docs)]
        component: String,
        #[allow(missing_docs)]
        path: PathBuf,
    },
    /// The bytes are not a valid component for this engine.
    #[error("component `{component}`: {path} is not a valid Wasm component: {message}")]
    Compile {
        #[allow(missing_docs)]
        component: String,
        #[allow(missing_docs)]
        path: PathBuf,
        #[allow(missing_docs)]
        message: String,
    },
    /// Its signature is missing, untrusted or does not match.
    #[error("component `{component}`: {source}")]
    Trust {
        #[allow(missing_docs)]
        component: String,
        #[allow(missing_docs)]
        source: TrustError,
    },
    /// It does not fit the world its entry names.
    #[error("component `{component}` does not fit world `{world}`: {message}")]
    WorldMismatch {
        #[allow(missing_docs)]
        component: String,
        #[allow(missing_docs)]
        world: &'static str,
        #[allow(missing_docs)]
        message: String,
    },
}

/// Compares a file digest with an expected one given as `sha256:<hex>` or `<hex>`.
fn digest_matches(actual: &str, expected: &str) -> bool {
    let norm = |d: &str| d.trim().trim_start_matches("sha256:").to_ascii_lowercase();
    norm(actual) == norm(expected)
}

/// The expected digest of `path`: the manifest's pin, else the `.sha256` file beside it.
fn expected_digest(entry: &ManifestEntry, path: &Path) -> Result<String, LoadError> {
    if let Some(pin) = &entry.digest {
        return Ok(pin.clone());
    }
    let sidecar = PathBuf::from(format!("{}.sha256", path.display()));
    match std::fs::read_to_string(&sidecar) {
        // `sha256sum` format (`<hex>  <file>`) or a bare digest.
        Ok(text) => Ok(text
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned()),
        Err(_) => Err(LoadError::NoDigest {
            component: entry.name.clone(),
            path: path.to_owned(),
        }),
    }
}

/// A component file whose digest and signature have been checked.
pub(crate) struct VerifiedFile {
    pub(crate) bytes: Vec<u8>,
    pub(crate) digest: String,
    pub(crate) signer: Signer,
    /// The signature that verified (`None`: loaded unsigned for development).
    pub(crate) signature: Option<SignatureFile>,
}

/// Reads an entry's file and verifies its digest, then its signature.
pub(crate) fn read_verified(
    plugins_dir: &Path,
    entry: &ManifestEntry,
    trust: &TrustPolicy,
) -> Result<VerifiedFile, LoadError> {
    let path = plugins_dir.join(&entry.file);
    let bytes = std::fs::read(&path).map_err(|source| LoadError::Read {
        component: entry.name.clone(),
        path: path.clone(),
        source,
    })?;
    let actual = digest_of(&bytes);
    let expected = expected_digest(entry, &path)?;
    if !digest_matches(&actual, &expected) {
        return Err(LoadError::DigestMismatch {
            component: entry.name.clone(),
            path,
            expected,
            actual,
        });
    }
    let (signer, signature) =
        trust
            .check(plugins_dir, entry, &path, &actual)
            .map_err(|source| LoadError::Trust {
                component: entry.name.clone(),
                source,
            })?;
    Ok(VerifiedFile {
        bytes,
        digest: actual,
        signer,
        signature,
    })
}

/// What loading a component needs from the runtime.
pub(crate) struct Loader<'a> {
    pub(crate) engine: &'a Engine,
    pub(crate) linker: &'a Linker<CallState>,
    pub(crate) cache: Option<&'a CompileCache>,
    pub(crate) services: &'a HostServices,
    pub(crate) plugins_dir: &'a Path,
}

impl Loader<'_> {
    /// Turns a verified file into a loaded component. Blocking (compiles).
    pub(crate) fn load(
        &self,
        entry: &ManifestEntry,
        file: &VerifiedFile,
    ) -> Result<LoadedComponent, LoadError> {
        let VerifiedFile {
            bytes,
            digest,
            signer,
            ..
        } = file;
        let path = self.plugins_dir.join(&entry.file);
        let (component, compile_source) = compile_cached(self.engine, self.cache, digest, bytes)
            .map_err(|e| LoadError::Compile {
                component: entry.name.clone(),
                path: path.clone(),
                message: format!("{e:#}"),
            })?;
        let mismatch = |message: String| LoadError::WorldMismatch {
            component: entry.name.clone(),
            world: entry.stage.world(),
            message,
        };
        let exports = check_fit(self.engine, &component, entry.stage).map_err(mismatch)?;
        let imports_wasi = component
            .component_type()
            .imports(self.engine)
            .any(|(name, _)| name.starts_with("wasi:"));
        let instance_pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(|e| mismatch(format!("its imports cannot be satisfied: {e:#}")))?;
        let pre = StagePre {
            pre: instance_pre,
            exports,
        };
        let mut config_values = entry.config.clone();
        if let Some(overrides) = self.services.plugin_config.get(&entry.name) {
            config_values.extend(overrides.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let g = &entry.grants;
        Ok(LoadedComponent {
            id: Arc::new(ComponentId {
                name: entry.name.clone(),
                version: entry.version.clone(),
                digest: digest.clone(),
            }),
            entry: entry.clone(),
            pre,
            grants: PreparedGrants {
                http: g.http.clone().map(Arc::new),
                llm: g.llm.clone().map(Arc::new),
                repo: g.repo.clone().map(Arc::new),
                config: g.config.clone().map(Arc::new),
                config_values: Arc::new(config_values),
            },
            loaded_at: SystemTime::now(),
            compile_source,
            imports_wasi,
            signer: signer.clone(),
            producers: Producers::of(bytes),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::digest_matches;

    #[test]
    fn digests_compare_with_or_without_prefix_and_case() {
        assert!(digest_matches("sha256:abcd", "abcd"));
        assert!(digest_matches("sha256:abcd", "sha256:ABCD\n"));
        assert!(!digest_matches("sha256:abcd", "abce"));
    }
}
