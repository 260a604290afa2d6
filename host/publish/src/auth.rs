//! Credentials for the X API: OAuth 1.0a user context (signed with the `oauth1-request` crate)
//! or OAuth 2.0 user tokens, refreshed with the refresh token when they expire (X rotates the
//! refresh token on every refresh, so the new pair is written back to a 0600 file).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;
use tokio::sync::Mutex;
use url::Url;

pub use dailyx_common::Secret;

/// OAuth 1.0a user-context credentials.
#[derive(Debug, Clone)]
pub struct OAuth1Credentials {
    #[allow(missing_docs)]
    pub consumer_key: String,
    #[allow(missing_docs)]
    pub consumer_secret: Secret,
    #[allow(missing_docs)]
    pub access_token: String,
    #[allow(missing_docs)]
    pub access_token_secret: Secret,
}

/// OAuth 2.0 user-token credentials.
#[derive(Debug, Clone)]
pub struct OAuth2Credentials {
    /// The app's client id.
    pub client_id: String,
    /// Confidential clients only.
    pub client_secret: Option<Secret>,
    /// `https://api.x.com/2/oauth2/token`.
    pub token_url: Url,
    /// The current tokens.
    pub tokens: OAuth2Tokens,
    /// Where refreshed tokens are written (0600), so a restart keeps the rotated refresh token.
    pub token_file: Option<PathBuf>,
}

/// An access token and the refresh token that renews it.
#[derive(Debug, Clone)]
pub struct OAuth2Tokens {
    #[allow(missing_docs)]
    pub access_token: Secret,
    #[allow(missing_docs)]
    pub refresh_token: Option<Secret>,
    /// Unix seconds; `None` when unknown.
    pub expires_at: Option<i64>,
}

/// Why credentials could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The token endpoint refused the refresh or could not be reached.
    #[error("refreshing the X OAuth 2.0 token failed: {0}")]
    Refresh(String),
    /// There is no refresh token to refresh with.
    #[error("the X OAuth 2.0 access token expired and there is no refresh token")]
    NoRefreshToken,
}

/// How requests are authorised.
pub enum XAuth {
    /// Signed per request.
    OAuth1(OAuth1Credentials),
    /// A bearer token, refreshed when it expires or X answers 401.
    OAuth2 {
        /// Fixed parts (boxed: much larger than the OAuth 1.0a variant).
        creds: Box<OAuth2Credentials>,
        /// The live tokens.
        tokens: Mutex<OAuth2Tokens>,
    },
}

impl fmt::Debug for XAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            XAuth::OAuth1(_) => f.write_str("XAuth::OAuth1"),
            XAuth::OAuth2 { .. } => f.write_str("XAuth::OAuth2"),
        }
    }
}

/// The token file's contents: the one place the tokens are written out, on purpose.
#[derive(Serialize, Deserialize)]
struct TokenFile {
    access_token: String,
    refresh_token: Option<String>,
    expires_at: Option<i64>,
}

impl From<&OAuth2Tokens> for TokenFile {
    fn from(t: &OAuth2Tokens) -> TokenFile {
        TokenFile {
            access_token: t.access_token.expose().to_owned(),
            refresh_token: t.refresh_token.as_ref().map(|s| s.expose().to_owned()),
            expires_at: t.expires_at,
        }
    }
}

impl From<TokenFile> for OAuth2Tokens {
    fn from(t: TokenFile) -> OAuth2Tokens {
        OAuth2Tokens {
            access_token: Secret::new(t.access_token),
            refresh_token: t.refresh_token.map(Secret::new),
            expires_at: t.expires_at,
        }
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    refresh_token: Option<String>,
    expires_in: Option<i64>,
}

impl XAuth {
    /// OAuth 2.0 from credentials; tokens saved in `token_file` earlier win over the given ones
    /// (they are newer: X rotated them).
    pub fn oauth2(creds: OAuth2Credentials) -> XAuth {
        let saved = creds
            .token_file
            .as_ref()
            .and_then(|p| std::fs::read(p).ok())
            .and_then(|b| serde_json::from_slice::<TokenFile>(&b).ok())
            .map(OAuth2Tokens::from);
        let tokens = saved.unwrap_or_else(|| creds.tokens.clone());
        XAuth::OAuth2 {
            creds: Box::new(creds),
            tokens: Mutex::new(tokens),
        }
    }

    /// Whether a 401 can be answered by refreshing.
    pub fn can_refresh(&self) -> bool {
        matches!(self, XAuth::OAuth2 { .. })
    }

    /// The `Authorization` header for `method url?query`.
    pub async fn header(
        &self,
        http: &reqwest::Client,
        method: &str,
        url: &Url,
        query: &[(&str, String)],
    ) -> Result<String, AuthError> {
        match self {
            XAuth::OAuth1(c) => {
                let token = oauth1_request::Token::from_parts(
                    c.consumer_key.as_str(),
                    c.consumer_secret.expose(),
                    c.access_token.as_str(),
                    c.access_token_secret.expose(),
                );
                // The signature covers the query parameters; the JSON body is not signed
                // (OAuth 1.0a signs only form bodies).
                let params = oauth1_request::ParameterList::new(
                    query
                        .iter()
                        .map(|(k, v)| (*k, v.as_str()))
                        .collect::<Vec<_>>(),
                );
                let mut base = url.clone();
                base.set_query(None);
                Ok(oauth1_request::authorize(
                    method,
                    base.as_str(),
                    &params,
                    &token,
                    oauth1_request::HMAC_SHA1,
                ))
            }
            XAuth::OAuth2 { tokens, .. } => {
                let expired = {
                    let t = tokens.lock().await;
                    t.expires_at
                        .is_some_and(|at| at <= jiff::Timestamp::now().as_second() + 30)
                };
                if expired {
                    self.refresh(http).await?;
                }
                let t = tokens.lock().await;
                Ok(format!("Bearer {}", t.access_token.expose()))
            }
        }
    }

    /// Refreshes the OAuth 2.0 access token (RFC 6749 §6) and saves the new pair.
    pub async fn refresh(&self, http: &reqwest::Client) -> Result<(), AuthError> {
        let XAuth::OAuth2 { creds, tokens } = self else {
            return Ok(());
        };
        let mut current = tokens.lock().await;
        let refresh = current
            .refresh_token
            .clone()
            .ok_or(AuthError::NoRefreshToken)?;
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.expose()),
            ("client_id", creds.client_id.as_str()),
        ];
        let mut request = http.post(creds.token_url.clone()).form(&form);
        if let Some(secret) = &creds.client_secret {
            request = request.basic_auth(&creds.client_id, Some(secret.expose()));
        }
        let response = request
            .send()
            .await
            .map_err(|e| AuthError::Refresh(e.without_url().to_string()))?;
        let status = response.status();
        if !status.is_success() {
            // The body of a refusal (`invalid_grant`, ...) names no secret.
            let body: String = response
                .text()
                .await
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect();
            return Err(AuthError::Refresh(format!("HTTP {status}: {body}")));
        }
        let fresh: TokenResponse = response
            .json()
            .await
            .map_err(|e| AuthError::Refresh(format!("unexpected token response: {e}")))?;
        *current = OAuth2Tokens {
            access_token: Secret::new(fresh.access_token),
            refresh_token: fresh.refresh_token.map(Secret::new).or(Some(refresh)),
            expires_at: fresh
                .expires_in
                .map(|s| jiff::Timestamp::now().as_second() + s),
        };
        if let Some(path) = &creds.token_file
            && let Err(e) = save_private(path, &current)
        {
            tracing::warn!(path = %path.display(), error = %e, "cannot save refreshed X tokens");
        }
        tracing::info!("refreshed the X OAuth 2.0 access token");
        Ok(())
    }
}

/// Writes `tokens` to `path` readable by the owner only (written aside, then renamed).
fn save_private(path: &std::path::Path, tokens: &OAuth2Tokens) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        let saved = TokenFile::from(tokens);
        file.write_all(&serde_json::to_vec(&saved).map_err(std::io::Error::other)?)?;
        file.sync_all()?;
    }
    std::fs::rename(tmp, path)
}
