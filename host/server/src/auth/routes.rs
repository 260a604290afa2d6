//! `/api/auth/csrf`, `/api/auth/login`, `/api/auth/logout`, `/api/auth/me`.

use crate::audit::audit;
use crate::auth::extract::{ClientIp, Reviewer};
use crate::auth::password;
use crate::auth::session::{
    CSRF_HEADER, LOGIN_CSRF_COOKIE, SESSION_COOKIE, clear_cookie, csrf_for, random_token,
    read_cookie, same_token, set_cookie,
};
use crate::error::{ApiError, ApiJson, ErrorBody};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dailyx_store::{NewAuditEntry, Role, now_ms};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A CSRF token to send back in `X-CSRF-Token`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CsrfResponse {
    #[allow(missing_docs)]
    pub csrf_token: String,
}

/// `POST /api/auth/login`.
#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    #[allow(missing_docs)]
    pub username: String,
    #[allow(missing_docs)]
    pub password: String,
}

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// A user, as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserInfo {
    #[allow(missing_docs)]
    pub id: String,
    #[allow(missing_docs)]
    pub username: String,
    /// `admin` or `reviewer`.
    #[schema(value_type = String)]
    pub role: Role,
}

/// A successful login.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    #[allow(missing_docs)]
    pub user: UserInfo,
    /// The session's CSRF token.
    pub csrf_token: String,
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// A CSRF token: the session's when logged in, otherwise a fresh login token (also set as the
/// `dailyx_csrf` cookie, to be sent back with the login).
#[utoipa::path(get, path = "/api/auth/csrf", tag = "auth",
    responses((status = 200, body = CsrfResponse)))]
pub async fn csrf(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(sid) = read_cookie(&headers, SESSION_COOKIE)
        && state.store.session(&sid).await?.is_some()
    {
        return Ok(axum::Json(CsrfResponse {
            csrf_token: csrf_for(&sid),
        })
        .into_response());
    }
    let token = random_token();
    let cookie = set_cookie(
        LOGIN_CSRF_COOKIE,
        &token,
        3600,
        state.settings.secure_cookies,
    );
    Ok(with_cookie(
        axum::Json(CsrfResponse { csrf_token: token }).into_response(),
        &cookie,
    ))
}

/// Logs in. Needs the `dailyx_csrf` cookie and the same token in `X-CSRF-Token`.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, description = "wrong name or password", body = ErrorBody),
        (status = 403, description = "CSRF token missing", body = ErrorBody),
        (status = 429, description = "too many attempts or account locked", body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let cookie = read_cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    let sent = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if cookie.is_empty() || !same_token(&cookie, sent) {
        return Err(ApiError::csrf());
    }
    if state.login_limiter.check_key(&ip).is_err() {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "too many login attempts from this address; wait a minute",
        );
        e.retry_after = Some(60);
        return Err(e);
    }
    let invalid = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "wrong user name or password",
        )
    };
    let user = state.store.user_by_name(&body.username).await?;
    let now = now_ms();
    if let Some(u) = &user
        && let Some(until) = u.locked_until.filter(|&t| t > now)
    {
        audit(
            &state,
            NewAuditEntry {
                user_id: Some(u.id.clone()),
                action: "login.locked".into(),
                ip: Some(ip.to_string()),
                ..Default::default()
            },
        )
        .await;
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "this account is locked after too many failed logins; try again later",
        );
        e.retry_after = Some(u64::try_from((until - now) / 1000 + 1).unwrap_or(1));
        return Err(e);
    }
    let stored = user.as_ref().filter(|u| !u.disabled).map_or_else(
        || password::decoy_hash().to_owned(),
        |u| u.password_hash.clone(),
    );
    let password = body.password;
    let ok = tokio::task::spawn_blocking(move || password::verify(&password, &stored))
        .await
        .map_err(|_| ApiError::internal())?;
    let user_id = user.as_ref().map(|u| u.id.clone());
    let Some(user) = user.filter(|u| ok && !u.disabled) else {
        let mut locked = None;
        if let Some(u) = &user_id {
            locked = state
                .store
                .record_failed_login(
                    u,
                    state.settings.max_failed_logins,
                    state.settings.lockout.as_millis() as i64,
                )
                .await?;
        }
        audit(&state, NewAuditEntry {
            action: "login.failed".into(),
            ip: Some(ip.to_string()),
            detail: serde_json::json!({ "username": body.username, "locked": locked.is_some() }),
            ..Default::default()
        })
        .await;
        return Err(invalid());
    };
    state.store.record_successful_login(&user.id).await?;
    let session_id = random_token();
    let csrf_token = csrf_for(&session_id);
    let ttl = state.settings.session_ttl;
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    state
        .store
        .create_session(
            &session_id,
            &csrf_token,
            &user.id,
            Some(&ip.to_string()),
            user_agent,
            now + ttl.as_millis() as i64,
        )
        .await?;
    audit(
        &state,
        NewAuditEntry {
            user_id: Some(user.id.clone()),
            action: "login".into(),
            ip: Some(ip.to_string()),
            ..Default::default()
        },
    )
    .await;
    tracing::info!(user_id = %user.id, "login");
    let body = LoginResponse {
        user: UserInfo {
            id: user.id.clone(),
            username: user.username.clone(),
            role: user.role(),
        },
        csrf_token,
    };
    let secure = state.settings.secure_cookies;
    let response = axum::Json(body).into_response();
    let response = with_cookie(
        response,
        &set_cookie(SESSION_COOKIE, &session_id, ttl.as_secs() as i64, secure),
    );
    Ok(with_cookie(
        response,
        &clear_cookie(LOGIN_CSRF_COOKIE, secure),
    ))
}

/// Logs out (ends the session).
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth",
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    Reviewer(user): Reviewer,
) -> Result<Response, ApiError> {
    state.store.delete_session(&user.session_id).await?;
    audit(
        &state,
        NewAuditEntry {
            user_id: Some(user.id.clone()),
            action: "logout".into(),
            ip: Some(user.ip.to_string()),
            ..Default::default()
        },
    )
    .await;
    let response = StatusCode::NO_CONTENT.into_response();
    Ok(with_cookie(
        response,
        &clear_cookie(SESSION_COOKIE, state.settings.secure_cookies),
    ))
}

/// The logged-in user.
#[utoipa::path(get, path = "/api/auth/me", tag = "auth",
    responses((status = 200, body = UserInfo), (status = 401, body = ErrorBody)))]
pub async fn me(Reviewer(user): Reviewer) -> axum::Json<UserInfo> {
    axum::Json(UserInfo {
        id: user.id,
        username: user.username,
        role: user.role,
    })
}
