//! Secrets the host holds on behalf of components: LLM keys and the
//! credentials attached to outbound requests.
//!
//! A [`Secret`] never prints its value (Debug and Display are redacted) and
//! never crosses into a guest: capabilities attach it to the outgoing
//! request at the last moment.

use reqwest::header::HeaderName;
use serde::Deserialize;

pub use dailyx_common::Secret;

/// One outgoing request as a credential source sees it: already allowed by the component's
/// grant, with the exact bytes that will be sent (so a source can sign them).
#[derive(Debug)]
pub struct OutboundRequest<'a> {
    /// The component making it.
    pub component: &'a str,
    /// `https://host[:port]`, default ports omitted (`url::Origin::ascii_serialization`).
    pub origin: &'a str,
    /// `GET`, `POST`, ...
    pub method: &'a str,
    /// The full URL.
    pub url: &'a url::Url,
    /// The body.
    pub body: &'a [u8],
    /// The component's settings as it reads them (not secret: the manifest's defaults and the
    /// operator's `[plugins.<name>.config]`), so a source can tell which origin is the
    /// component's own API and attach a credential there only.
    pub settings: &'a std::collections::BTreeMap<String, String>,
}

/// Headers a credential source attaches.
pub type CredentialHeaders = Vec<(HeaderName, Secret)>;

/// Why a credential could not be prepared (e.g. a session could not be opened). The message
/// never contains the secret.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct CredentialError(pub String);

/// Where credentials for outbound requests come from.
pub trait CredentialSource: Send + Sync {
    /// Headers to attach to `request`. Sources that sign requests (OAuth 1.0a, HMAC) or open
    /// sessions (AT Protocol) do so here, at the last moment, on the host side.
    fn headers_for<'a>(
        &'a self,
        request: &'a OutboundRequest<'a>,
    ) -> BoxFuture<'a, Result<CredentialHeaders, CredentialError>>;
}

/// A boxed, sendable future (what [`CredentialSource::headers_for`] returns).
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Several sources; each request gets the headers of all of them (later sources win on a
/// header both set).
pub struct CredentialChain(pub Vec<std::sync::Arc<dyn CredentialSource>>);

impl CredentialSource for CredentialChain {
    fn headers_for<'a>(
        &'a self,
        request: &'a OutboundRequest<'a>,
    ) -> BoxFuture<'a, Result<CredentialHeaders, CredentialError>> {
        Box::pin(async move {
            let mut all = Vec::new();
            for source in &self.0 {
                all.extend(source.headers_for(request).await?);
            }
            Ok(all)
        })
    }
}

/// One configured credential (`[[http.credentials]]` in the config file).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialConfig {
    /// The origin it is attached to, e.g. `https://api.github.com`.
    pub origin: String,
    /// Header name; `authorization` by default.
    #[serde(default = "default_header")]
    pub header: String,
    /// Name of the environment variable that holds the header's value.
    pub value_env: String,
}

fn default_header() -> String {
    "authorization".into()
}

/// Credentials read once from the environment, per the config file.
#[derive(Default)]
pub struct StaticCredentials {
    entries: Vec<(String, HeaderName, Secret)>,
}

impl StaticCredentials {
    /// Resolves each entry's value from the environment. Entries whose
    /// variable is unset are skipped with a warning (naming the variable,
    /// never a value).
    pub fn from_config(configs: &[CredentialConfig]) -> Result<Self, String> {
        let mut entries = Vec::new();
        for c in configs {
            let origin = url::Url::parse(&c.origin)
                .map_err(|e| format!("credential origin `{}`: {e}", c.origin))?
                .origin()
                .ascii_serialization();
            let header = HeaderName::from_bytes(c.header.as_bytes()).map_err(|_| {
                format!(
                    "credential header `{}` is not a valid header name",
                    c.header
                )
            })?;
            match std::env::var(&c.value_env) {
                Ok(v) if !v.is_empty() => entries.push((origin, header, Secret::new(v))),
                _ => {
                    tracing::warn!(origin, variable = %c.value_env, "credential variable is unset; no credential attached")
                }
            }
        }
        Ok(StaticCredentials { entries })
    }

    /// A source with the given values (for tests and embedders).
    pub fn with(entries: Vec<(String, HeaderName, Secret)>) -> Self {
        StaticCredentials { entries }
    }
}

impl StaticCredentials {
    /// The headers configured for `origin`.
    pub fn for_origin(&self, origin: &str) -> CredentialHeaders {
        self.entries
            .iter()
            .filter(|(o, _, _)| o == origin)
            .map(|(_, h, s)| (h.clone(), s.clone()))
            .collect()
    }
}

impl CredentialSource for StaticCredentials {
    fn headers_for<'a>(
        &'a self,
        request: &'a OutboundRequest<'a>,
    ) -> BoxFuture<'a, Result<CredentialHeaders, CredentialError>> {
        let headers = self.for_origin(request.origin);
        Box::pin(async move { Ok(headers) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("sk-very-secret");
        assert_eq!(format!("{s:?} {s}"), "Secret(***) ***");
        assert_eq!(s.expose(), "sk-very-secret");
    }

    #[test]
    fn credentials_match_the_normalised_origin_only() {
        let creds = StaticCredentials::with(vec![(
            "https://api.github.com".into(),
            HeaderName::from_static("authorization"),
            Secret::new("token t"),
        )]);
        assert_eq!(creds.for_origin("https://api.github.com").len(), 1);
        assert!(creds.for_origin("https://api.github.com:8443").is_empty());
        assert!(creds.for_origin("http://api.github.com").is_empty());
    }
}
