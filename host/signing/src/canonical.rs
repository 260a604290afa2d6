//! The signed form of a manifest entry and the message a signature covers.

use crate::SigningError;
use std::collections::BTreeMap;

/// Keys that say where a component's bytes are, not what it may do: the digest in the message
/// covers the bytes themselves, wherever they are.
const LOCATION_KEYS: [&str; 3] = ["file", "source", "digest"];

/// Domain separation: a signature made for something else can never verify as a component's.
const MESSAGE_PREFIX: &str = "dailyx-component-signature-v1\n";

/// One manifest entry as signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedEntry {
    /// The component's name.
    pub name: String,
    /// Its `.wasm` file, relative to the plugins directory.
    pub file: String,
    /// The canonical JSON that is signed (with the digest; see [`message`]).
    pub form: String,
}

/// The signed form of every `[[component]]` in `manifest_text`, in file order.
///
/// Only the TOML structure is read here; the host validates the entries themselves.
pub fn signed_entries(manifest_text: &str) -> Result<Vec<SignedEntry>, SigningError> {
    let doc: toml::Table = manifest_text
        .parse()
        .map_err(|e: toml::de::Error| SigningError::Manifest(e.to_string()))?;
    let default_limits = doc
        .get("defaults")
        .and_then(|d| d.get("limits"))
        .and_then(toml::Value::as_table)
        .cloned()
        .unwrap_or_default();
    let Some(components) = doc.get("component") else {
        return Ok(Vec::new());
    };
    let components = components
        .as_array()
        .ok_or_else(|| SigningError::Manifest("`component` must be an array of tables".into()))?;
    components
        .iter()
        .map(|c| {
            let table = c.as_table().ok_or_else(|| {
                SigningError::Manifest("every `component` must be a table".into())
            })?;
            signed_entry(table, &default_limits)
        })
        .collect()
}

fn signed_entry(
    table: &toml::Table,
    default_limits: &toml::Table,
) -> Result<SignedEntry, SigningError> {
    let name = table
        .get("name")
        .and_then(toml::Value::as_str)
        .ok_or_else(|| SigningError::Manifest("a component has no `name`".into()))?
        .to_owned();
    let file = table
        .get("file")
        .and_then(toml::Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{name}.wasm"));
    let mut signed = table.clone();
    for key in LOCATION_KEYS {
        signed.remove(key);
    }
    // The limits that apply, not only the ones written in the entry: raising a default raises
    // every entry that does not set its own value.
    let mut limits = default_limits.clone();
    if let Some(own) = table.get("limits").and_then(toml::Value::as_table) {
        limits.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    if !limits.is_empty() {
        signed.insert("limits".into(), toml::Value::Table(limits));
    }
    Ok(SignedEntry {
        name,
        file,
        form: canonical_json(&toml::Value::Table(signed)),
    })
}

/// Canonical JSON of a TOML value: object keys sorted by their bytes, no insignificant
/// whitespace, integers in decimal, datetimes as their TOML text.
pub fn canonical_json(value: &toml::Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &toml::Value, out: &mut String) {
    let quoted = |s: &str| serde_json::Value::String(s.to_owned()).to_string();
    match value {
        toml::Value::String(s) => out.push_str(&quoted(s)),
        toml::Value::Integer(i) => out.push_str(&i.to_string()),
        toml::Value::Float(f) => out.push_str(&serde_json::Value::from(*f).to_string()),
        toml::Value::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        toml::Value::Datetime(d) => out.push_str(&quoted(&d.to_string())),
        toml::Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        toml::Value::Table(table) => {
            // Sorted here rather than trusting the map's order (a feature elsewhere in the
            // build could make it insertion-ordered).
            let sorted: BTreeMap<&str, &toml::Value> =
                table.iter().map(|(k, v)| (k.as_str(), v)).collect();
            out.push('{');
            for (i, (k, v)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&quoted(k));
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
    }
}

/// The bytes a signature covers: a fixed prefix, the digest (`sha256:<hex>`, lower case) and
/// the entry's signed form.
pub fn message(digest: &str, signed_form: &str) -> Vec<u8> {
    let hex = digest
        .trim()
        .trim_start_matches("sha256:")
        .to_ascii_lowercase();
    format!("{MESSAGE_PREFIX}sha256:{hex}\n{signed_form}").into_bytes()
}
