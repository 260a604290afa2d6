//! Installing a version into the plugins directory (what a rollback and an install from a
//! registry do): the exact bytes, their digest, the signature, and the manifest entry the
//! signature covers.
//!
//! The plugins directory stays the single source of truth: after an install it says what runs,
//! and the usual reload (with every check: digest, signature, world) activates it. Files land in
//! the same order as a build writes them — digest, signature and manifest first, the component
//! last by an atomic rename.

use crate::manifest::MANIFEST_FILE;
use dailyx_signing::{sha256_digest, signature_path};
use std::path::{Path, PathBuf};

/// A version as recorded in the history.
#[derive(Debug, Clone)]
pub struct VersionSnapshot {
    /// The component's name.
    pub name: String,
    /// `sha256:<hex>` of `bytes`.
    pub digest: String,
    /// Its manifest entry as signed (canonical JSON).
    pub signed_form: String,
    /// Its `.sig` JSON, if it was signed.
    pub signature: Option<String>,
    /// The component file.
    pub bytes: Vec<u8>,
}

/// Why a version could not be installed.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// The bytes do not hash to the recorded digest.
    #[error("the stored bytes of `{name}` hash to {actual}, not the recorded {expected}")]
    Corrupt {
        #[allow(missing_docs)]
        name: String,
        #[allow(missing_docs)]
        expected: String,
        #[allow(missing_docs)]
        actual: String,
    },
    /// The manifest cannot be read or has no entry of that name.
    #[error("manifest {path}: {message}")]
    Manifest {
        #[allow(missing_docs)]
        path: PathBuf,
        #[allow(missing_docs)]
        message: String,
    },
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        #[allow(missing_docs)]
        path: PathBuf,
        #[allow(missing_docs)]
        source: std::io::Error,
    },
}

/// Writes `snapshot` into `plugins_dir` as the component's current version.
pub fn install_version(plugins_dir: &Path, snapshot: &VersionSnapshot) -> Result<(), InstallError> {
    let actual = sha256_digest(&snapshot.bytes);
    if actual != snapshot.digest {
        return Err(InstallError::Corrupt {
            name: snapshot.name.clone(),
            expected: snapshot.digest.clone(),
            actual,
        });
    }
    let manifest_path = plugins_dir.join(MANIFEST_FILE);
    let bad = |message: String| InstallError::Manifest {
        path: manifest_path.clone(),
        message,
    };
    if !crate::manifest::valid_name(&snapshot.name) {
        return Err(bad(format!(
            "`{}` is not a component name (1-64 characters of a-z, 0-9 and '-')",
            snapshot.name
        )));
    }
    // A plugins folder without a manifest yet is an empty one.
    let text = match std::fs::read_to_string(&manifest_path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(bad(e.to_string())),
    };
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| bad(format!("{e}")))?;
    let signed: serde_json::Value =
        serde_json::from_str(&snapshot.signed_form).map_err(|e| bad(e.to_string()))?;
    let serde_json::Value::Object(fields) = signed else {
        return Err(bad("the recorded entry is not a table".into()));
    };
    // Where the file lives is this folder's business: a signed form never says it (signing
    // leaves these keys out), so one that does is not taken, whoever signed it.
    if let Some(key) = ["file", "source", "digest"]
        .into_iter()
        .find(|k| fields.contains_key(*k))
    {
        return Err(bad(format!(
            "the entry of `{}` names a location (`{key}`), which a signed entry never holds",
            snapshot.name
        )));
    }
    let components = doc
        .entry("component")
        .or_insert_with(|| toml_edit::Item::ArrayOfTables(toml_edit::ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .ok_or_else(|| bad("`component` is not a list of [[component]] tables".into()))?;
    // A component not in the manifest yet (installed from a registry) gets a new entry.
    let found = components
        .iter()
        .position(|t| t.get("name").and_then(|n| n.as_str()) == Some(snapshot.name.as_str()));
    let at = match found {
        Some(at) => at,
        None => {
            components.push(toml_edit::Table::new());
            components.len() - 1
        }
    };
    let entry = components
        .get_mut(at)
        .ok_or_else(|| bad(format!("no component named `{}`", snapshot.name)))?;
    let file = entry
        .get("file")
        .and_then(|f| f.as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{}.wasm", snapshot.name));
    // Keep where the file lives; replace what the signature covers.
    let keep: Vec<(String, toml_edit::Item)> = ["source", "file"]
        .iter()
        .filter_map(|k| entry.get(k).map(|v| (k.to_string(), v.clone())))
        .collect();
    let pinned = entry.contains_key("digest");
    entry.clear();
    for key in ["name", "version", "world"] {
        if let Some(v) = fields.get(key) {
            entry.insert(key, json_to_item(v));
        }
    }
    for (k, v) in keep {
        entry.insert(&k, v);
    }
    if pinned {
        entry.insert("digest", toml_edit::value(snapshot.digest.clone()));
    }
    for (k, v) in &fields {
        if !entry.contains_key(k) {
            entry.insert(k, json_to_item(v));
        }
    }

    let component_path = plugins_dir.join(&file);
    let hex = snapshot.digest.trim_start_matches("sha256:");
    write_atomic(
        &PathBuf::from(format!("{}.sha256", component_path.display())),
        format!("{hex}\n").as_bytes(),
    )?;
    let sig_path = signature_path(plugins_dir, &snapshot.name);
    match &snapshot.signature {
        Some(sig) => write_atomic(&sig_path, sig.as_bytes())?,
        None => match std::fs::remove_file(&sig_path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(InstallError::Write {
                    path: sig_path,
                    source,
                });
            }
        },
    }
    write_atomic(&manifest_path, doc.to_string().as_bytes())?;
    write_atomic(&component_path, &snapshot.bytes)
}

/// A JSON value (from a signed form) as TOML: objects become tables, arrays of objects arrays of
/// tables, so the entry reads as a person would have written it.
fn json_to_item(v: &serde_json::Value) -> toml_edit::Item {
    use serde_json::Value as J;
    match v {
        J::Object(map) => {
            let mut table = toml_edit::Table::new();
            let only_tables = map.values().all(|v| v.is_object());
            table.set_implicit(only_tables);
            for (k, v) in map {
                table.insert(k, json_to_item(v));
            }
            toml_edit::Item::Table(table)
        }
        J::Array(items) if !items.is_empty() && items.iter().all(J::is_object) => {
            let mut array = toml_edit::ArrayOfTables::new();
            for item in items {
                if let toml_edit::Item::Table(t) = json_to_item(item) {
                    array.push(t);
                }
            }
            toml_edit::Item::ArrayOfTables(array)
        }
        other => toml_edit::Item::Value(json_to_value(other)),
    }
}

fn json_to_value(v: &serde_json::Value) -> toml_edit::Value {
    use serde_json::Value as J;
    match v {
        J::String(s) => s.as_str().into(),
        J::Bool(b) => (*b).into(),
        J::Number(n) => match n.as_i64() {
            Some(i) => i.into(),
            None => n.as_f64().unwrap_or_default().into(),
        },
        J::Array(items) => {
            let mut array = toml_edit::Array::new();
            for item in items {
                array.push(json_to_value(item));
            }
            toml_edit::Value::Array(array)
        }
        J::Object(map) => {
            let mut table = toml_edit::InlineTable::new();
            for (k, v) in map {
                table.insert(k, json_to_value(v));
            }
            toml_edit::Value::InlineTable(table)
        }
        // TOML has no null; signed forms never contain one.
        J::Null => "".into(),
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), InstallError> {
    let err = |source| InstallError::Write {
        path: path.to_owned(),
        source,
    };
    let tmp = PathBuf::from(format!("{}.tmp.{}", path.display(), std::process::id()));
    std::fs::write(&tmp, bytes).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}
