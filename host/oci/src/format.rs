//! The artifact's shape: the Wasm OCI config, one `application/wasm` layer, and the
//! annotations that carry the signed manifest entry and the signature.

use crate::Artifact;
use oci_client::manifest::{OCI_IMAGE_MEDIA_TYPE, OciDescriptor, OciImageManifest};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The config's media type in the Wasm OCI format.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v0+json";
/// The one layer's media type.
pub const LAYER_MEDIA_TYPE: &str = "application/wasm";
/// The component's name.
pub const ANNOTATION_NAME: &str = "dev.dailyx.component.name";
/// The manifest entry as signed (canonical JSON).
pub const ANNOTATION_ENTRY: &str = "dev.dailyx.component.entry";
/// The `.sig` file (JSON).
pub const ANNOTATION_SIGNATURE: &str = "dev.dailyx.component.signature";
const ANNOTATION_VERSION: &str = "org.opencontainers.image.version";

/// The config blob, as wkg writes it (fields in the format's camelCase; `author` and `target`
/// written as null when absent, as wkg does).
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct WasmConfig {
    /// RFC 3339. Fixed, so pushing the same component twice gives the same digest.
    pub created: String,
    #[allow(missing_docs)]
    pub author: Option<String>,
    /// `wasm`.
    pub architecture: String,
    /// `wasip2` for a component.
    pub os: String,
    /// The layers' digests, in order.
    pub layer_digests: Vec<String>,
    /// What the component imports and exports.
    pub component: Option<ComponentInfo>,
}

/// The component's top-level imports and exports.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ComponentInfo {
    #[allow(missing_docs)]
    pub exports: Vec<String>,
    #[allow(missing_docs)]
    pub imports: Vec<String>,
    #[allow(missing_docs)]
    pub target: Option<String>,
}

impl WasmConfig {
    pub(crate) fn of(wasm: &[u8], layer_digest: String) -> WasmConfig {
        WasmConfig {
            created: "1970-01-01T00:00:00Z".to_owned(),
            author: None,
            architecture: "wasm".to_owned(),
            os: "wasip2".to_owned(),
            layer_digests: vec![layer_digest],
            component: Some(component_info(wasm)),
        }
    }
}

/// The names of the component's top-level imports and exports (`dailyx:agent/log@0.2.0`, ...);
/// empty lists for bytes that do not parse (the host refuses those at load, with the reason).
fn component_info(wasm: &[u8]) -> ComponentInfo {
    use wasmparser::{Parser, Payload};
    let mut info = ComponentInfo {
        exports: vec![],
        imports: vec![],
        target: None,
    };
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(wasm) {
        let Ok(payload) = payload else { break };
        match payload {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(imports) if depth == 0 => {
                for import in imports.into_iter().flatten() {
                    info.imports.push(import.name.name.to_owned());
                }
            }
            Payload::ComponentExportSection(exports) if depth == 0 => {
                for export in exports.into_iter().flatten() {
                    info.exports.push(export.name.name.to_owned());
                }
            }
            _ => {}
        }
    }
    info
}

pub(crate) fn annotations(artifact: &Artifact) -> BTreeMap<String, String> {
    let mut a = BTreeMap::from([
        (ANNOTATION_NAME.to_owned(), artifact.name.clone()),
        (ANNOTATION_VERSION.to_owned(), artifact.version.clone()),
        (ANNOTATION_ENTRY.to_owned(), artifact.signed_form.clone()),
    ]);
    if let Some(signature) = &artifact.signature {
        a.insert(ANNOTATION_SIGNATURE.to_owned(), signature.clone());
    }
    a
}

/// The one layer of a manifest of this format, or what is wrong with it.
pub(crate) fn check_manifest(manifest: &OciImageManifest) -> Result<&OciDescriptor, String> {
    if manifest.media_type.as_deref() != Some(OCI_IMAGE_MEDIA_TYPE) {
        return Err(format!(
            "manifest media type {:?}, not {OCI_IMAGE_MEDIA_TYPE}",
            manifest.media_type
        ));
    }
    if manifest.config.media_type != CONFIG_MEDIA_TYPE {
        return Err(format!(
            "config media type {}, not {CONFIG_MEDIA_TYPE}",
            manifest.config.media_type
        ));
    }
    let [layer] = manifest.layers.as_slice() else {
        return Err(format!(
            "{} layers; the format has exactly one",
            manifest.layers.len()
        ));
    };
    if layer.media_type != LAYER_MEDIA_TYPE {
        return Err(format!(
            "layer media type {}, not {LAYER_MEDIA_TYPE}",
            layer.media_type
        ));
    }
    Ok(layer)
}

/// The artifact a checked manifest and its layer's bytes make.
pub(crate) fn artifact(manifest: &OciImageManifest, wasm: Vec<u8>) -> Result<Artifact, String> {
    let annotations = manifest.annotations.clone().unwrap_or_default();
    let get = |key: &str| annotations.get(key).cloned();
    let name = get(ANNOTATION_NAME).ok_or_else(|| format!("no {ANNOTATION_NAME} annotation"))?;
    let signed_form =
        get(ANNOTATION_ENTRY).ok_or_else(|| format!("no {ANNOTATION_ENTRY} annotation"))?;
    let entry: serde_json::Value = serde_json::from_str(&signed_form)
        .map_err(|e| format!("the {ANNOTATION_ENTRY} annotation is not JSON: {e}"))?;
    if entry.get("name").and_then(|n| n.as_str()) != Some(name.as_str()) {
        return Err(format!(
            "the entry's name is not the artifact's name `{name}`"
        ));
    }
    let version = entry
        .get("version")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned();
    Ok(Artifact {
        name,
        version,
        wasm,
        signed_form,
        signature: get(ANNOTATION_SIGNATURE),
    })
}
