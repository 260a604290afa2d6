//! The registry manifest (`plugins-registry/registry.toml`): which components
//! exist, which world each implements, what each is granted, its limits.
//!
//! Deny by default: a component has exactly what its entry grants. Each
//! capability owns its grant type (`capability::http::HttpGrant`, ...), so
//! the policy and the schema of a grant live side by side. Unknown keys are
//! errors, so a misspelt grant never silently becomes "no grant".

use crate::capability::{config::ConfigGrant, http::HttpGrant, llm::LlmGrant, repo::RepoGrant};
use crate::world::Stage;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The manifest's file name inside the plugins directory.
pub const MANIFEST_FILE: &str = "registry.toml";

/// A parsed, validated manifest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Manifest {
    /// Entries by component name.
    pub components: BTreeMap<String, ManifestEntry>,
}

/// One component's entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ManifestEntry {
    /// Unique name; also the `.wasm` file name unless `file` says otherwise.
    pub name: String,
    /// The component's version (semver).
    pub version: String,
    /// The world it implements.
    pub stage: Stage,
    /// Source folder, relative to the repository root (for the build).
    pub source: Option<String>,
    /// The `.wasm` file, relative to the plugins directory.
    pub file: PathBuf,
    /// Optional pinned digest (`sha256:<hex>` or `<hex>`); checked at load.
    pub digest: Option<String>,
    /// What the component may use.
    pub grants: Grants,
    /// Resource limits of one call.
    pub limits: Limits,
    /// Default values of config keys (the operator's config overrides them).
    pub config: BTreeMap<String, String>,
    /// The entry as its signature covers it (see `dailyx_signing::signed_entries`).
    #[serde(skip)]
    pub signed_form: String,
}

/// Everything a component is granted. `None` means not granted at all.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grants {
    /// Outbound HTTP.
    pub http: Option<HttpGrant>,
    /// The LLM.
    pub llm: Option<LlmGrant>,
    /// Git repositories.
    pub repo: Option<RepoGrant>,
    /// Config keys.
    pub config: Option<ConfigGrant>,
}

/// Resource limits of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Linear memory, bytes.
    pub memory_bytes: u64,
    /// Wall-clock time of the whole call, host calls included.
    pub wall_clock_ms: u64,
    /// Optional instruction budget (wasmtime fuel).
    pub fuel: Option<u64>,
    /// Maximum size of the returned value, as JSON bytes.
    pub max_output_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 64 << 20,
            wall_clock_ms: 10_000,
            fuel: None,
            max_output_bytes: 1 << 20,
        }
    }
}

/// Upper bounds that no manifest may exceed (the engine's pool is sized by them).
pub const MAX_MEMORY_BYTES: u64 = 1 << 30;

/// Why a manifest could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file could not be read.
    #[error("cannot read manifest {path}: {source}")]
    Read {
        /// The manifest path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is empty: caught between an editor's truncate and write (a manifest that means
    /// "no components" says so with at least a comment). The loaded components keep serving
    /// and the next change of the file is read again.
    #[error("manifest {path} is empty (being written?); nothing changed")]
    Empty {
        /// The manifest path.
        path: PathBuf,
    },
    /// The TOML is malformed or has unknown keys.
    #[error("manifest {path} is not valid: {message}")]
    Parse {
        /// The manifest path.
        path: PathBuf,
        /// What is wrong, with line and column.
        message: String,
    },
    /// An entry is invalid.
    #[error("manifest {path}, component `{component}`: {message}")]
    Entry {
        /// The manifest path.
        path: PathBuf,
        /// The component's name.
        component: String,
        /// What is wrong.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    #[serde(default)]
    defaults: RawDefaults,
    #[serde(default)]
    component: Vec<RawEntry>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    #[serde(default)]
    limits: RawLimits,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    memory_bytes: Option<u64>,
    wall_clock_ms: Option<u64>,
    fuel: Option<u64>,
    max_output_bytes: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    name: String,
    version: String,
    world: String,
    source: Option<String>,
    file: Option<PathBuf>,
    digest: Option<String>,
    #[serde(default)]
    grants: Grants,
    #[serde(default)]
    limits: RawLimits,
    #[serde(default)]
    config: BTreeMap<String, toml::Value>,
}

impl Manifest {
    /// Reads and validates the manifest at `path`.
    pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
        let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read {
            path: path.to_owned(),
            source,
        })?;
        if text.trim().is_empty() {
            return Err(ManifestError::Empty {
                path: path.to_owned(),
            });
        }
        Manifest::parse(&text, path)
    }

    /// Parses and validates manifest text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Manifest, ManifestError> {
        let raw: RawManifest = toml::from_str(text).map_err(|e| ManifestError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        // The same text read as plain TOML, in the same order: what signatures cover.
        let signed = dailyx_signing::signed_entries(text).map_err(|e| ManifestError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        let mut components = BTreeMap::new();
        for (entry, signed) in raw.component.into_iter().zip(signed) {
            let name = entry.name.clone();
            let mut entry =
                validate(entry, &raw.defaults.limits).map_err(|message| ManifestError::Entry {
                    path: path.to_owned(),
                    component: name,
                    message,
                })?;
            entry.signed_form = signed.form;
            if components.contains_key(&entry.name) {
                return Err(ManifestError::Entry {
                    path: path.to_owned(),
                    component: entry.name,
                    message: "the name is used by more than one entry".into(),
                });
            }
            components.insert(entry.name.clone(), entry);
        }
        Ok(Manifest { components })
    }
}

/// Whether `name` is a component name: 1-64 characters of a-z, 0-9 and '-' (it names files in
/// the plugins directory).
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Validates one raw entry; the error says what is wrong with it.
fn validate(raw: RawEntry, defaults: &RawLimits) -> Result<ManifestEntry, String> {
    if !valid_name(&raw.name) {
        return Err("names are 1-64 characters of a-z, 0-9 and '-'".into());
    }
    let stage = Stage::from_world(&raw.world).ok_or_else(|| {
        format!(
            "unknown world `{}` (known: {})",
            raw.world,
            Stage::ALL
                .iter()
                .map(|s| s.world())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    if raw.version.split('.').count() != 3
        || !raw
            .version
            .split(['.', '-', '+'])
            .take(3)
            .all(|p| p.parse::<u64>().is_ok())
    {
        return Err(format!("version `{}` is not semver (x.y.z)", raw.version));
    }
    let file = raw
        .file
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}.wasm", raw.name)));
    if file.is_absolute()
        || file
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        return Err(format!(
            "file `{}` must be a relative path inside the plugins directory",
            file.display()
        ));
    }
    if let Some(http) = &raw.grants.http {
        http.validate().map_err(|m| format!("grants.http: {m}"))?;
    }
    let pick =
        |own: Option<u64>, default: Option<u64>, builtin: u64| own.or(default).unwrap_or(builtin);
    let builtin = Limits::default();
    let limits = Limits {
        memory_bytes: pick(
            raw.limits.memory_bytes,
            defaults.memory_bytes,
            builtin.memory_bytes,
        ),
        wall_clock_ms: pick(
            raw.limits.wall_clock_ms,
            defaults.wall_clock_ms,
            builtin.wall_clock_ms,
        ),
        fuel: raw.limits.fuel.or(defaults.fuel),
        max_output_bytes: pick(
            raw.limits.max_output_bytes,
            defaults.max_output_bytes,
            builtin.max_output_bytes,
        ),
    };
    if limits.memory_bytes == 0 || limits.memory_bytes > MAX_MEMORY_BYTES {
        return Err(format!(
            "limits.memory_bytes must be between 1 and {MAX_MEMORY_BYTES}"
        ));
    }
    if limits.wall_clock_ms == 0 {
        return Err("limits.wall_clock_ms must be positive".into());
    }
    // A provider stopped mid-request cannot say whether it posted: its requests must time out
    // (and it must answer "maybe posted") before the wall clock stops it.
    if stage == Stage::Provider
        && let Some(http) = &raw.grants.http
    {
        let margin = crate::capability::http::ANSWER_MARGIN.as_millis() as u64;
        if u64::from(http.timeout_ms) + margin > limits.wall_clock_ms {
            return Err(format!(
                "grants.http.timeout_ms ({}) must end at least {margin} ms before \
                 limits.wall_clock_ms ({}): a provider stopped mid-request cannot tell \
                 whether it posted",
                http.timeout_ms, limits.wall_clock_ms
            ));
        }
    }
    let config = raw
        .config
        .into_iter()
        .map(|(k, v)| {
            let value = match v {
                toml::Value::String(s) => s,
                other => serde_json::to_string(&other).unwrap_or_default(),
            };
            (k, value)
        })
        .collect();
    Ok(ManifestEntry {
        name: raw.name,
        version: raw.version,
        stage,
        source: raw.source,
        file,
        digest: raw.digest,
        grants: raw.grants,
        limits,
        config,
        signed_form: String::new(),
    })
}

#[cfg(test)]
mod tests;
