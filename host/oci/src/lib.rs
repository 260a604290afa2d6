//! Components as OCI artifacts, in the format the Wasm ecosystem uses (the CNCF TAG Runtime
//! "Wasm OCI artifact" layout, as `wkg oci push` writes it): an OCI image manifest whose config
//! is `application/vnd.wasm.config.v0+json` and whose one layer is the component,
//! `application/wasm`. What the host needs besides the bytes travels in the manifest's
//! annotations, not in more layers (the format allows one layer, and `wkg oci pull` refuses
//! more): the component's manifest entry exactly as it was signed, and its `.sig`.
//!
//! Pulling checks the shape first, then lets the client verify what the registry serves: the
//! manifest against the digest a reference pins, the layer against the manifest's descriptor.
//! Whether the signature is trusted is the caller's to decide (the host's trust policy), before
//! anything is written.

mod format;
mod reference;

pub use format::{
    ANNOTATION_ENTRY, ANNOTATION_NAME, ANNOTATION_SIGNATURE, CONFIG_MEDIA_TYPE, LAYER_MEDIA_TYPE,
    WasmConfig,
};
pub use reference::{OciRef, ReferenceError};

use oci_client::Client;
use oci_client::client::{ClientConfig, ClientProtocol, Config, ImageLayer};
use oci_client::manifest::{OCI_IMAGE_MEDIA_TYPE, OciImageManifest};
use oci_client::secrets::RegistryAuth;
use std::collections::BTreeMap;

/// A component as pushed or pulled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// The component's name (its manifest entry's `name`).
    pub name: String,
    /// Its version (the entry's `version`).
    pub version: String,
    /// The component.
    pub wasm: Vec<u8>,
    /// Its manifest entry as signed: the canonical JSON the signature covers.
    pub signed_form: String,
    /// Its `.sig` file (JSON), if it is signed.
    pub signature: Option<String>,
}

/// What a pull brought.
#[derive(Debug, Clone)]
pub struct Pulled {
    /// The artifact.
    pub artifact: Artifact,
    /// The manifest's digest: pin it (`oci://…@sha256:…`) to get exactly this again.
    pub manifest_digest: String,
}

/// How to authenticate to a registry.
#[derive(Clone, Default)]
pub enum Auth {
    /// No credentials (anonymous pull).
    #[default]
    Anonymous,
    /// HTTP Basic (the registry's user and password, or a token as the password).
    Basic {
        #[allow(missing_docs)]
        user: String,
        #[allow(missing_docs)]
        password: String,
    },
    /// A bearer token sent as is.
    Bearer(String),
}

impl std::fmt::Debug for Auth {
    // Never the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Anonymous => f.write_str("Anonymous"),
            Auth::Basic { user, .. } => write!(f, "Basic({user}, ***)"),
            Auth::Bearer(_) => f.write_str("Bearer(***)"),
        }
    }
}

impl Auth {
    fn to_client(&self) -> RegistryAuth {
        match self {
            Auth::Anonymous => RegistryAuth::Anonymous,
            Auth::Basic { user, password } => RegistryAuth::Basic(user.clone(), password.clone()),
            Auth::Bearer(token) => RegistryAuth::Bearer(token.clone()),
        }
    }
}

/// Why a push or pull failed.
#[derive(Debug, thiserror::Error)]
pub enum OciError {
    /// The registry could not be reached or refused the operation.
    #[error("{reference}: {message}")]
    Registry {
        #[allow(missing_docs)]
        reference: String,
        #[allow(missing_docs)]
        message: String,
    },
    /// What the registry served is not a component artifact of this format.
    #[error("{reference} is not a dailyx component artifact: {message}")]
    Format {
        #[allow(missing_docs)]
        reference: String,
        #[allow(missing_docs)]
        message: String,
    },
    /// The client could not be set up.
    #[error("OCI client: {0}")]
    Client(String),
}

impl OciError {
    fn registry(reference: &OciRef, e: oci_client::errors::OciDistributionError) -> OciError {
        OciError::Registry {
            reference: reference.to_string(),
            message: e.to_string(),
        }
    }

    fn format(reference: &OciRef, message: String) -> OciError {
        OciError::Format {
            reference: reference.to_string(),
            message,
        }
    }
}

/// A registry client.
pub struct Registry {
    client: Client,
}

impl Registry {
    /// A client that speaks HTTPS, except plain HTTP to loopback registries (`127.0.0.0/8`,
    /// `[::1]`, `localhost`), as docker and wkg do for local development registries.
    pub fn new(reference: &OciRef) -> Result<Registry, OciError> {
        let protocol = if reference.is_loopback() {
            ClientProtocol::HttpsExcept(vec![reference.registry().to_owned()])
        } else {
            ClientProtocol::Https
        };
        let config = ClientConfig {
            protocol,
            connect_timeout: Some(std::time::Duration::from_secs(10)),
            read_timeout: Some(std::time::Duration::from_secs(60)),
            ..Default::default()
        };
        // `Client::new` would fall back to a default client (HTTPS, no timeouts) on an error.
        let client = Client::try_from(config).map_err(|e| OciError::Client(e.to_string()))?;
        Ok(Registry { client })
    }

    /// Pushes `artifact` to `reference` (a tag); returns the manifest's digest.
    pub async fn push(
        &self,
        reference: &OciRef,
        artifact: &Artifact,
        auth: &Auth,
    ) -> Result<String, OciError> {
        let layer = ImageLayer::new(
            artifact.wasm.clone(),
            LAYER_MEDIA_TYPE.to_owned(),
            Some(BTreeMap::from([(
                "org.opencontainers.image.title".to_owned(),
                format!("{}.wasm", artifact.name),
            )])),
        );
        let config = WasmConfig::of(&artifact.wasm, layer.sha256_digest());
        let config = Config::new(
            serde_json::to_vec(&config).map_err(|e| OciError::Client(e.to_string()))?,
            CONFIG_MEDIA_TYPE.to_owned(),
            None,
        );
        let mut manifest = OciImageManifest::build(
            std::slice::from_ref(&layer),
            &config,
            Some(format::annotations(artifact)),
        );
        // `build` leaves it out; the format names it.
        manifest.media_type = Some(OCI_IMAGE_MEDIA_TYPE.to_owned());
        let pushed = self
            .client
            .push(
                reference.client_ref(),
                &[layer],
                config,
                &auth.to_client(),
                Some(manifest),
            )
            .await
            .map_err(|e| OciError::registry(reference, e))?;
        // The registry answers with the manifest's URL by digest.
        pushed
            .manifest_url
            .rsplit('/')
            .next()
            .filter(|d| d.starts_with("sha256:"))
            .map(str::to_owned)
            .ok_or_else(|| OciError::Registry {
                reference: reference.to_string(),
                message: format!(
                    "the registry did not say the manifest's digest ({})",
                    pushed.manifest_url
                ),
            })
    }

    /// Pulls the artifact at `reference`: the manifest (verified against the digest the
    /// reference pins, if any), its shape, then the layer (verified against its descriptor).
    pub async fn pull(&self, reference: &OciRef, auth: &Auth) -> Result<Pulled, OciError> {
        let r = reference.client_ref();
        let (manifest, manifest_digest) = self
            .client
            .pull_image_manifest(r, &auth.to_client())
            .await
            .map_err(|e| OciError::registry(reference, e))?;
        if let Some(pinned) = reference.digest()
            && pinned != manifest_digest
        {
            return Err(OciError::format(
                reference,
                format!("the registry served manifest {manifest_digest}, not {pinned}"),
            ));
        }
        let layer = format::check_manifest(&manifest)
            .map_err(|message| OciError::format(reference, message))?;
        let mut wasm = Vec::new();
        self.client
            .pull_blob(r, layer, &mut wasm)
            .await
            .map_err(|e| OciError::registry(reference, e))?;
        let artifact = format::artifact(&manifest, wasm)
            .map_err(|message| OciError::format(reference, message))?;
        Ok(Pulled {
            artifact,
            manifest_digest,
        })
    }

    /// The repository's tags.
    pub async fn tags(&self, reference: &OciRef, auth: &Auth) -> Result<Vec<String>, OciError> {
        let tags = self
            .client
            .list_tags(reference.client_ref(), &auth.to_client(), None, None)
            .await
            .map_err(|e| OciError::registry(reference, e))?;
        Ok(tags.tags)
    }
}
