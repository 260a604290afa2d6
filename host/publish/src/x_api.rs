//! The X API v2 calls the publisher needs: create a post (`POST /2/tweets`), who am I
//! (`GET /2/users/me`) and the account's recent posts (`GET /2/users/{id}/tweets`), with every
//! failure sorted by what it means for exactly-once publishing: was the post certainly not
//! created, or may it have been?

use crate::auth::{AuthError, XAuth};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use url::Url;

/// The body of `POST /2/tweets`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatePost {
    /// The text.
    pub text: String,
    /// Set for every tweet of a thread after the first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply: Option<Reply>,
}

/// `reply` in [`CreatePost`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    /// The post this one answers.
    pub in_reply_to_tweet_id: String,
}

/// A post on the account's timeline.
#[derive(Debug, Clone, Deserialize)]
pub struct TimelinePost {
    /// X's id.
    pub id: String,
    /// The text as X stores it (links shortened to t.co).
    pub text: String,
    /// `replied_to` (and other) references.
    #[serde(default)]
    pub referenced_tweets: Vec<Reference>,
}

/// A reference from one post to another.
#[derive(Debug, Clone, Deserialize)]
pub struct Reference {
    /// `replied_to`, `quoted` or `retweeted`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The referenced post.
    pub id: String,
}

impl TimelinePost {
    /// The post this one replies to.
    pub fn replied_to(&self) -> Option<&str> {
        self.referenced_tweets
            .iter()
            .find(|r| r.kind == "replied_to")
            .map(|r| r.id.as_str())
    }
}

/// Why a call failed, sorted by what it says about the post.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The request never reached X (connection refused, DNS): certainly not posted.
    #[error("X API unreachable: {0}")]
    NotSent(String),
    /// The request may have reached X and been acted on (timeout, connection reset, 5xx): the
    /// post may exist.
    #[error("X API outcome unknown: {0}")]
    Unknown(String),
    /// 429: nothing was posted; try again after `reset_at` (Unix seconds) if X said when.
    #[error("X API rate limit reached{}", .reset_at.map(|r| format!(" (resets at {r})")).unwrap_or_default())]
    RateLimited {
        /// `x-rate-limit-reset`.
        reset_at: Option<i64>,
    },
    /// 403 "duplicate content": X refused the text because an identical post exists, which
    /// may be our own earlier, unconfirmed attempt.
    #[error("X refused the post as duplicate content")]
    Duplicate,
    /// 401 or 403: the credentials are wrong or lack a permission. Nothing was posted.
    #[error("X refused the credentials ({status}): {message}")]
    Unauthorized {
        #[allow(missing_docs)]
        status: u16,
        #[allow(missing_docs)]
        message: String,
    },
    /// Any other 4xx: X refused the request. Nothing was posted.
    #[error("X refused the post ({status}): {message}")]
    Rejected {
        #[allow(missing_docs)]
        status: u16,
        #[allow(missing_docs)]
        message: String,
    },
    /// A 2xx whose body is not what the API documents.
    #[error("X answered with an unexpected body: {0}")]
    Malformed(String),
    /// The credentials could not be prepared (OAuth 2.0 refresh failed).
    #[error(transparent)]
    Auth(#[from] AuthError),
}

/// An X API v2 client for one account.
pub struct XClient {
    http: reqwest::Client,
    base: Url,
    auth: XAuth,
}

#[derive(Deserialize)]
struct Data<T> {
    data: T,
}

#[derive(Deserialize)]
struct Timeline {
    #[serde(default)]
    data: Vec<TimelinePost>,
}

#[derive(Deserialize)]
struct Created {
    id: String,
}

#[derive(Deserialize)]
struct Me {
    id: String,
}

impl XClient {
    /// A client for the API at `base` (`https://api.x.com`) signing with `auth`; each call
    /// gives up after `timeout`.
    pub fn new(base: Url, auth: XAuth, timeout: Duration) -> Result<XClient, CallError> {
        dailyx_common::install_crypto_provider();
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("dailyx/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CallError::NotSent(format!("cannot build the HTTP client: {e}")))?;
        Ok(XClient { http, base, auth })
    }

    fn url(&self, path: &str) -> Result<Url, CallError> {
        self.base
            .join(path)
            .map_err(|e| CallError::NotSent(format!("bad X API URL {path}: {e}")))
    }

    /// Creates a post; returns its id.
    pub async fn create_post(&self, body: &CreatePost) -> Result<String, CallError> {
        let url = self.url("2/tweets")?;
        let response = self
            .send(
                |auth| {
                    self.http
                        .post(url.clone())
                        .header(reqwest::header::AUTHORIZATION, auth)
                        .json(body)
                },
                "POST",
                &url,
                &[],
            )
            .await?;
        let created: Data<Created> = parse(response).await?;
        Ok(created.data.id)
    }

    /// The authenticated account's user id.
    pub async fn me(&self) -> Result<String, CallError> {
        let url = self.url("2/users/me")?;
        let response = self
            .send(
                |auth| {
                    self.http
                        .get(url.clone())
                        .header(reqwest::header::AUTHORIZATION, auth)
                },
                "GET",
                &url,
                &[],
            )
            .await?;
        let me: Data<Me> = parse(response).await?;
        Ok(me.data.id)
    }

    /// The account's posts since `since_ms` (Unix ms), newest first, at most 100.
    pub async fn recent_posts(
        &self,
        user_id: &str,
        since_ms: i64,
    ) -> Result<Vec<TimelinePost>, CallError> {
        let url = self.url(&format!("2/users/{user_id}/tweets"))?;
        let start = jiff::Timestamp::from_millisecond(since_ms)
            .map_err(|e| CallError::NotSent(format!("bad start time: {e}")))?
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        let query = [
            ("max_results", "100".to_owned()),
            ("start_time", start),
            ("tweet.fields", "referenced_tweets".to_owned()),
        ];
        let response = self
            .send(
                |auth| {
                    self.http
                        .get(url.clone())
                        .query(&query)
                        .header(reqwest::header::AUTHORIZATION, auth)
                },
                "GET",
                &url,
                &query,
            )
            .await?;
        let timeline: Timeline = parse(response).await?;
        Ok(timeline.data)
    }

    /// Sends a request built by `build` with a fresh `Authorization` header. With OAuth 2.0 a
    /// 401 refreshes the access token once and tries again (a 401 means nothing was done).
    async fn send(
        &self,
        build: impl Fn(String) -> reqwest::RequestBuilder,
        method: &str,
        url: &Url,
        query: &[(&str, String)],
    ) -> Result<reqwest::Response, CallError> {
        let mut refreshed = false;
        loop {
            let auth = self.auth.header(&self.http, method, url, query).await?;
            let response = build(auth).send().await.map_err(classify_transport)?;
            if response.status() == reqwest::StatusCode::UNAUTHORIZED
                && !refreshed
                && self.auth.can_refresh()
            {
                self.auth.refresh(&self.http).await?;
                refreshed = true;
                continue;
            }
            return check_status(response).await;
        }
    }
}

/// A transport error: certainly unsent only when the connection was never made.
fn classify_transport(e: reqwest::Error) -> CallError {
    // reqwest's messages carry the URL, never headers, so no credential leaks here.
    if e.is_connect() && !e.is_timeout() {
        CallError::NotSent(e.to_string())
    } else {
        CallError::Unknown(e.to_string())
    }
}

async fn check_status(response: reqwest::Response) -> Result<reqwest::Response, CallError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let reset_at = response
        .headers()
        .get("x-rate-limit-reset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let body = response.text().await.unwrap_or_default();
    let message = error_message(&body);
    let code = status.as_u16();
    Err(match code {
        429 => CallError::RateLimited { reset_at },
        403 if message.to_ascii_lowercase().contains("duplicate") => CallError::Duplicate,
        401 | 403 => CallError::Unauthorized {
            status: code,
            message,
        },
        400..=499 => CallError::Rejected {
            status: code,
            message,
        },
        _ => CallError::Unknown(format!("HTTP {code}: {message}")),
    })
}

/// The human part of an X error body (`detail`, `title` or `errors[0].message`), shortened.
fn error_message(body: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let text = value["detail"]
        .as_str()
        .or_else(|| value["errors"][0]["message"].as_str())
        .or_else(|| value["title"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| body.chars().take(200).collect());
    text.chars().take(300).collect()
}

async fn parse<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
) -> Result<T, CallError> {
    let bytes = response
        .bytes()
        .await
        .map_err(|e| CallError::Unknown(format!("reading the answer: {e}")))?;
    serde_json::from_slice(&bytes).map_err(|e| CallError::Malformed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_prefer_detail() {
        assert_eq!(
            error_message(
                r#"{"detail":"You are not allowed to create a Tweet with duplicate content.","title":"Forbidden"}"#
            ),
            "You are not allowed to create a Tweet with duplicate content."
        );
        assert_eq!(
            error_message(r#"{"errors":[{"message":"Bad text"}]}"#),
            "Bad text"
        );
        assert_eq!(error_message("plain"), "plain");
    }

    #[test]
    fn reply_is_omitted_for_the_first_tweet() {
        let body = CreatePost {
            text: "hi".into(),
            reply: None,
        };
        assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"text":"hi"}"#);
        let body = CreatePost {
            text: "more".into(),
            reply: Some(Reply {
                in_reply_to_tweet_id: "42".into(),
            }),
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"text":"more","reply":{"in_reply_to_tweet_id":"42"}}"#
        );
    }
}
