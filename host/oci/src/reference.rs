//! `oci://<registry>/<repository>[:<tag>][@sha256:<hex>]`.

use oci_client::Reference;
use std::net::IpAddr;

/// Why a reference is not usable.
#[derive(Debug, thiserror::Error)]
#[error(
    "`{reference}` is not an OCI reference (oci://<registry>/<repository>:<tag>[@sha256:<digest>]): {message}"
)]
pub struct ReferenceError {
    reference: String,
    message: String,
}

/// A component's place in a registry.
#[derive(Debug, Clone)]
pub struct OciRef {
    inner: Reference,
}

impl std::str::FromStr for OciRef {
    type Err = ReferenceError;

    fn from_str(s: &str) -> Result<OciRef, ReferenceError> {
        let bad = |message: &str| ReferenceError {
            reference: s.to_owned(),
            message: message.to_owned(),
        };
        let rest = s
            .strip_prefix("oci://")
            .ok_or_else(|| bad("it must start with oci://"))?;
        // Without a registry host, the client would quietly pick Docker Hub.
        let (host, path) = rest
            .split_once('/')
            .ok_or_else(|| bad("it names no repository"))?;
        if host.is_empty() || path.is_empty() {
            return Err(bad("it needs a registry and a repository"));
        }
        if !(host.contains('.') || host.contains(':') || host == "localhost") {
            return Err(bad(
                "the registry must be a host name with a dot, a port, or localhost",
            ));
        }
        // The client's parser would default to `latest`: an install names what it means.
        let last = path.rsplit('/').next().unwrap_or(path);
        if !last.contains(':') && !last.contains('@') {
            return Err(bad("it names neither a tag nor a digest"));
        }
        let inner: Reference = rest.parse().map_err(|e| bad(&format!("{e}")))?;
        Ok(OciRef { inner })
    }
}

impl std::fmt::Display for OciRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "oci://{}", self.inner.whole())
    }
}

impl OciRef {
    /// `host[:port]`.
    pub fn registry(&self) -> &str {
        self.inner.registry()
    }

    /// The repository path.
    pub fn repository(&self) -> &str {
        self.inner.repository()
    }

    /// The tag, if it names one.
    pub fn tag(&self) -> Option<&str> {
        self.inner.tag()
    }

    /// The digest it pins, if any.
    pub fn digest(&self) -> Option<&str> {
        self.inner.digest()
    }

    /// The same repository at another tag (for `outdated` and `upgrade`).
    pub fn with_tag(&self, tag: &str) -> OciRef {
        OciRef {
            inner: Reference::with_tag(
                self.registry().to_owned(),
                self.repository().to_owned(),
                tag.to_owned(),
            ),
        }
    }

    /// Whether the registry is on this machine (plain HTTP is allowed only there).
    pub fn is_loopback(&self) -> bool {
        let registry = self.registry();
        let host = match registry.rsplit_once(':') {
            // `[::1]:5000`
            Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
            _ => registry,
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    pub(crate) fn client_ref(&self) -> &Reference {
        &self.inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_name_a_registry_a_repository_and_a_tag_or_digest() {
        let r: OciRef = "oci://127.0.0.1:5000/team/writer:0.2.0".parse().unwrap();
        assert_eq!(r.registry(), "127.0.0.1:5000");
        assert_eq!(r.repository(), "team/writer");
        assert_eq!(r.tag(), Some("0.2.0"));
        assert!(r.is_loopback());
        assert_eq!(r.to_string(), "oci://127.0.0.1:5000/team/writer:0.2.0");
        let digest = format!("sha256:{}", "a".repeat(64));
        let r: OciRef = format!("oci://ghcr.io/team/writer@{digest}")
            .parse()
            .unwrap();
        assert_eq!(r.digest(), Some(digest.as_str()));
        assert!(!r.is_loopback());
        assert!(
            "oci://localhost:5000/w:1"
                .parse::<OciRef>()
                .unwrap()
                .is_loopback()
        );
        for bad in [
            "ghcr.io/team/writer:1",
            "oci://writer:1",
            "oci://ghcr.io/",
            "oci://ghcr.io/team/writer",
            "oci://ghcr.io/Team/Writer:1",
        ] {
            let e = bad.parse::<OciRef>().unwrap_err().to_string();
            assert!(e.contains("is not an OCI reference"), "{bad}: {e}");
        }
    }
}
