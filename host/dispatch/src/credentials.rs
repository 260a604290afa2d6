//! The credentials of the provider components, held by the host and attached to the requests
//! a provider's grant allows, at the last moment: a provider component never sees one.
//!
//! Values come from the encrypted `credentials` table (set in the console, `PUT
//! /api/credentials/...`) and are swapped in at once when an operator changes them
//! ([`ProviderCredentials::replace`]); a session derived from one (Bluesky's) is dropped with it.

use crate::catalog::{self, AuthScheme, ProviderKind};
use dailyx_common::Secret;
use dailyx_runtime::secret::{
    BoxFuture, CredentialError, CredentialHeaders, CredentialSource, OutboundRequest,
};
use parking_lot::RwLock;
use reqwest::header::HeaderName;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a Bluesky session token is used before a new session is opened (its access
/// token lives about two hours).
const SESSION_TTL: Duration = Duration::from_secs(60 * 60);

/// Credentials for provider components, by component.
pub struct ProviderCredentials {
    /// Stored values by credential name (`provider.<name>.<key>`).
    values: RwLock<HashMap<String, Secret>>,
    /// Which provider each component publishes for (component name → provider name).
    components: RwLock<HashMap<String, String>>,
    /// Open AT Protocol sessions by provider: access token and when it was opened.
    sessions: tokio::sync::Mutex<HashMap<String, (Secret, Instant)>>,
    /// The last refusal of a provider's credential by its network (a wrong app password):
    /// the dispatcher turns the request the component saw denied into "unauthorized".
    refused: parking_lot::Mutex<HashMap<String, String>>,
    /// X's credentials from the environment (OAuth 1.0a, or OAuth 2.0 with refresh), used when
    /// none are set in the console.
    x_auth: RwLock<Option<Arc<dailyx_publish::XAuth>>>,
    http: reqwest::Client,
}

impl std::fmt::Debug for ProviderCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> = self.values.read().keys().cloned().collect();
        f.debug_struct("ProviderCredentials")
            .field("set", &names)
            .finish_non_exhaustive()
    }
}

impl ProviderCredentials {
    /// Empty. Sessions (Bluesky) are opened with a client of its own: no redirects, no proxy
    /// from the environment.
    pub fn new() -> Arc<ProviderCredentials> {
        dailyx_common::install_crypto_provider();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("dailyx/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Arc::new(ProviderCredentials {
            values: RwLock::new(HashMap::new()),
            components: RwLock::new(HashMap::new()),
            sessions: tokio::sync::Mutex::new(HashMap::new()),
            refused: parking_lot::Mutex::new(HashMap::new()),
            x_auth: RwLock::new(None),
            http,
        })
    }

    /// Replaces every stored value (after an operator changed one): the next request uses the
    /// new values, and sessions opened with the old ones are dropped.
    pub async fn replace(&self, values: HashMap<String, Secret>) {
        *self.values.write() = values;
        self.sessions.lock().await.clear();
    }

    /// Uses `auth` (from the environment) for X when the console has no X credentials.
    pub fn set_x_auth(&self, auth: Option<Arc<dailyx_publish::XAuth>>) {
        *self.x_auth.write() = auth;
    }

    /// Refreshes X's OAuth 2.0 token (after a 401), when X's credential is the environment's
    /// OAuth 2.0 one with a refresh token. True when a fresh token is there to try again with.
    pub async fn refresh_x(&self) -> bool {
        let Some(x) = self.x_auth.read().clone() else {
            return false;
        };
        if !x.can_refresh() || catalog::provider("x").is_some_and(|p| self.is_complete(p)) {
            return false;
        }
        match x.refresh(&self.http).await {
            Ok(()) => {
                tracing::info!("refreshed X's OAuth 2.0 token after a 401");
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot refresh X's OAuth 2.0 token");
                false
            }
        }
    }

    /// Whether X's credentials are there (the console's, or the environment's).
    pub fn has_x(&self) -> bool {
        self.x_auth.read().is_some() || catalog::provider("x").is_some_and(|x| self.is_complete(x))
    }

    /// Takes the refusal of `provider`'s credential by its network since the last call, if any.
    pub fn take_refusal(&self, provider: &str) -> Option<String> {
        self.refused.lock().remove(provider)
    }

    /// Says that `component` publishes for `provider` (only those requests get its credential).
    pub fn bind(&self, component: &str, provider: &str) {
        self.components
            .write()
            .insert(component.to_owned(), provider.to_owned());
    }

    /// Whether every slot of at least one complete set of `provider`'s credentials is set.
    pub fn is_complete(&self, provider: &ProviderKind) -> bool {
        let values = self.values.read();
        provider.complete_when.iter().any(|set| {
            set.iter()
                .all(|key| values.contains_key(&catalog::credential_name(provider.name, key)))
        })
    }

    fn get(&self, provider: &str, key: &str) -> Option<Secret> {
        self.values
            .read()
            .get(&catalog::credential_name(provider, key))
            .cloned()
    }

    fn missing(provider: &ProviderKind) -> CredentialError {
        let sets: Vec<String> = provider
            .complete_when
            .iter()
            .map(|set| {
                set.iter()
                    .map(|k| catalog::credential_name(provider.name, k))
                    .collect::<Vec<_>>()
                    .join(" + ")
            })
            .collect();
        CredentialError(format!(
            "no {} credentials are set (set {})",
            provider.display,
            sets.join(", or ")
        ))
    }

    async fn headers(
        &self,
        provider: &ProviderKind,
        request: &OutboundRequest<'_>,
    ) -> Result<CredentialHeaders, CredentialError> {
        let auth = HeaderName::from_static("authorization");
        let bearer = |token: Secret| Secret::new(format!("Bearer {}", token.expose()));
        match provider.auth {
            AuthScheme::Bearer => {
                let key = provider.slots[0].key;
                let token = self
                    .get(provider.name, key)
                    .ok_or_else(|| Self::missing(provider))?;
                Ok(vec![(auth, bearer(token))])
            }
            AuthScheme::XOAuth => {
                let four = (
                    self.get(provider.name, "api_key"),
                    self.get(provider.name, "api_secret"),
                    self.get(provider.name, "access_token"),
                    self.get(provider.name, "access_token_secret"),
                );
                if let (Some(ck), Some(cs), Some(t), Some(ts)) = four {
                    return Ok(vec![(auth, oauth1_header(request, &ck, &cs, &t, &ts))]);
                }
                if self.get(provider.name, "bearer_token").is_none() {
                    let env_auth = self.x_auth.read().clone();
                    if let Some(x) = env_auth {
                        let query: Vec<(String, String)> = request
                            .url
                            .query_pairs()
                            .map(|(k, v)| (k.into_owned(), v.into_owned()))
                            .collect();
                        let query: Vec<(&str, String)> =
                            query.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
                        let value = x
                            .header(&self.http, request.method, request.url, &query)
                            .await
                            .map_err(|e| {
                                self.refused.lock().insert("x".into(), e.to_string());
                                CredentialError(e.to_string())
                            })?;
                        return Ok(vec![(auth, Secret::new(value))]);
                    }
                }
                let token = self
                    .get(provider.name, "bearer_token")
                    .ok_or_else(|| Self::missing(provider))?;
                Ok(vec![(auth, bearer(token))])
            }
            AuthScheme::HmacSignature => {
                let secret = self
                    .get(provider.name, "signing_secret")
                    .ok_or_else(|| Self::missing(provider))?;
                let now = jiff::Timestamp::now().as_second();
                let value = webhook_signature(secret.expose().as_bytes(), now, request.body);
                Ok(vec![(
                    HeaderName::from_static("x-dailyx-signature"),
                    Secret::new(value),
                )])
            }
            AuthScheme::AtprotoSession => {
                let token = self.session(provider, request.origin).await?;
                Ok(vec![(auth, bearer(token))])
            }
        }
    }

    /// The session token for `provider` at `origin`, opening a session when there is none or
    /// it is old.
    async fn session(
        &self,
        provider: &ProviderKind,
        origin: &str,
    ) -> Result<Secret, CredentialError> {
        let mut sessions = self.sessions.lock().await;
        if let Some((token, opened)) = sessions.get(provider.name)
            && opened.elapsed() < SESSION_TTL
        {
            return Ok(token.clone());
        }
        let (Some(identifier), Some(password)) = (
            self.get(provider.name, "identifier"),
            self.get(provider.name, "app_password"),
        ) else {
            return Err(Self::missing(provider));
        };
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Session {
            access_jwt: String,
        }
        let url = format!("{origin}/xrpc/com.atproto.server.createSession");
        let body =
            serde_json::json!({ "identifier": identifier.expose(), "password": password.expose() });
        let response = self
            .http
            .post(&url)
            .json(&body)
            .timeout(Duration::from_secs(15))
            .send()
            .await
            // reqwest's error names the URL, never the body.
            .map_err(|e| CredentialError(format!("opening a {} session: {e}", provider.display)))?;
        let status = response.status();
        if !status.is_success() {
            let message = format!(
                "opening a {} session: the server answered {status} (check the identifier and app password)",
                provider.display
            );
            if status.is_client_error() {
                self.refused
                    .lock()
                    .insert(provider.name.to_owned(), message.clone());
            }
            return Err(CredentialError(message));
        }
        let session: Session = response.json().await.map_err(|e| {
            CredentialError(format!(
                "opening a {} session: unreadable answer: {e}",
                provider.display
            ))
        })?;
        let token = Secret::new(session.access_jwt);
        sessions.insert(provider.name.to_owned(), (token.clone(), Instant::now()));
        tracing::info!(provider = provider.name, "opened a session");
        Ok(token)
    }
}

impl CredentialSource for ProviderCredentials {
    fn headers_for<'a>(
        &'a self,
        request: &'a OutboundRequest<'a>,
    ) -> BoxFuture<'a, Result<CredentialHeaders, CredentialError>> {
        Box::pin(async move {
            let provider = self.components.read().get(request.component).cloned();
            let Some(provider) = provider.as_deref().and_then(catalog::provider) else {
                return Ok(Vec::new());
            };
            // Only the provider's own API gets its credential: not another origin the grant
            // lists, and not a component that is not configured for that network at all (an
            // admin pointing the Mastodon provider at the webhook component).
            let api = api_origin(provider, request.settings);
            if api.as_deref() != Some(request.origin) {
                tracing::warn!(
                    component = request.component,
                    provider = provider.name,
                    origin = request.origin,
                    api = api.as_deref().unwrap_or("(none configured)"),
                    "no credential attached: the request is not to the provider's own API"
                );
                return Ok(Vec::new());
            }
            self.headers(provider, request).await
        })
    }
}

/// The origin of `provider`'s API for a component with `settings`: that of its setting
/// (`instance`, `pds`, ...), else the provider's default; `None` when neither is there or the
/// setting is not an http(s) URL.
pub fn api_origin(
    provider: &ProviderKind,
    settings: &std::collections::BTreeMap<String, String>,
) -> Option<String> {
    let base = match settings.get(provider.api_base.config_key) {
        Some(set) => set.as_str(),
        None => provider.api_base.default?,
    };
    dailyx_common::http_destination(base)
}

/// OAuth 1.0a `Authorization` for the request (HMAC-SHA1; the signature covers the query
/// parameters, not a JSON body, as OAuth 1.0a specifies).
fn oauth1_header(
    request: &OutboundRequest<'_>,
    consumer_key: &Secret,
    consumer_secret: &Secret,
    token: &Secret,
    token_secret: &Secret,
) -> Secret {
    let token = oauth1_request::Token::from_parts(
        consumer_key.expose(),
        consumer_secret.expose(),
        token.expose(),
        token_secret.expose(),
    );
    let query: Vec<(String, String)> = request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut sorted: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    sorted.sort();
    let params = oauth1_request::ParameterList::new(sorted);
    let mut base = request.url.clone();
    base.set_query(None);
    Secret::new(oauth1_request::authorize(
        request.method,
        base.as_str(),
        &params,
        &token,
        oauth1_request::HMAC_SHA1,
    ))
}

/// `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`: the receiver recomputes it over the
/// body it got and rejects old timestamps (replays).
pub fn webhook_signature(secret: &[u8], unix: i64, body: &[u8]) -> String {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(unix.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={unix},v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_signature_is_hmac_sha256_of_time_and_body() {
        // RFC 4231-style check against an independently computed value.
        let sig = webhook_signature(b"key", 1_700_000_000, b"{\"a\":1}");
        assert!(sig.starts_with("t=1700000000,v1="));
        assert_eq!(sig.len(), "t=1700000000,v1=".len() + 64);
        assert_ne!(
            sig,
            webhook_signature(b"other", 1_700_000_000, b"{\"a\":1}")
        );
        assert_ne!(sig, webhook_signature(b"key", 1_700_000_001, b"{\"a\":1}"));
    }
}
