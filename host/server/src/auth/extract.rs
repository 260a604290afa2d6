//! Who is calling: the session cookie's user, checked in this order so each failure has its
//! own answer: no valid session → 401 `unauthenticated`; a mutating request without the
//! session's CSRF token → 403 `csrf_failed`; an admin route for a reviewer → 403 `forbidden`.

use crate::auth::session::{CSRF_HEADER, SESSION_COOKIE, csrf_for, read_cookie, same_token};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::request::Parts;
use dailyx_store::{Role, sha256_hex};
use std::net::{IpAddr, Ipv4Addr};

/// The logged-in user.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    #[allow(missing_docs)]
    pub id: String,
    #[allow(missing_docs)]
    pub username: String,
    #[allow(missing_docs)]
    pub role: Role,
    /// The raw session id (from the cookie; never logged).
    pub session_id: String,
    /// The client's address.
    pub ip: IpAddr,
}

/// Any logged-in user (reviewer or admin).
#[derive(Debug, Clone)]
pub struct Reviewer(pub CurrentUser);

/// A logged-in admin.
#[derive(Debug, Clone)]
pub struct Admin(pub CurrentUser);

/// The client's address, set by the middleware in `crate::telemetry`.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

/// The client address of a request.
pub fn client_ip(parts: &Parts) -> IpAddr {
    parts
        .extensions
        .get::<ClientIp>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0)
}

async fn authenticate(parts: &Parts, state: &AppState) -> Result<CurrentUser, ApiError> {
    let session_id =
        read_cookie(&parts.headers, SESSION_COOKIE).ok_or_else(ApiError::unauthenticated)?;
    let session = state
        .store
        .session(&session_id)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe {
        let sent = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let expected = csrf_for(&session_id);
        if !same_token(sent, &expected)
            || sha256_hex(expected.as_bytes()) != session.csrf_token_hash
        {
            return Err(ApiError::csrf());
        }
    }
    tracing::Span::current().record("user_id", session.user_id.as_str());
    Ok(CurrentUser {
        id: session.user_id,
        username: session.username,
        role: Role::parse(&session.role).unwrap_or(Role::Reviewer),
        session_id,
        ip: client_ip(parts),
    })
}

impl FromRequestParts<AppState> for Reviewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        authenticate(parts, state).await.map(Reviewer)
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let user = authenticate(parts, state).await?;
        if user.role != Role::Admin {
            return Err(ApiError::forbidden(&format!(
                "{} {}",
                parts.method,
                parts.uri.path()
            )));
        }
        Ok(Admin(user))
    }
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts)))
    }
}
