//! `/api/auth/csrf`, `/api/auth/login`, `/api/auth/logout`, `/api/auth/me`, `/api/auth/password`.

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

/// Refuses an address that has tried too many passwords this minute.
fn throttle(state: &AppState, ip: std::net::IpAddr) -> Result<(), ApiError> {
    if !state.login_limiter.allow(ip) {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "too many login attempts from this address; wait a minute",
        );
        e.retry_after = Some(60);
        return Err(e);
    }
    Ok(())
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
        (status = 401, description = "wrong name or password, or the account is locked (one answer)", body = ErrorBody),
        (status = 403, description = "CSRF token missing", body = ErrorBody),
        (status = 429, description = "too many attempts from this address", body = ErrorBody)))]
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
    throttle(&state, ip)?;
    // One answer for every refusal: an unknown name, a disabled or locked account and a wrong
    // password all get the same status, body and headers after the same work (a password hash
    // is checked in every case), so the answer tells nobody which names exist or are locked.
    let user = state.store.user_by_name(&body.username).await?;
    let now = now_ms();
    let locked = user
        .as_ref()
        .is_some_and(|u| u.locked_until.is_some_and(|t| t > now));
    let stored = user
        .as_ref()
        .filter(|u| !u.disabled && !locked)
        .map_or_else(
            || password::decoy_hash().to_owned(),
            |u| u.password_hash.clone(),
        );
    let password = body.password;
    let ok = tokio::task::spawn_blocking(move || password::verify(&password, &stored))
        .await
        .map_err(|_| ApiError::internal())?;
    let user_id = user.as_ref().map(|u| u.id.clone());
    let Some(user) = user.filter(|u| ok && !u.disabled && !locked) else {
        refuse_login(&state, ip, &body.username, user_id, locked).await?;
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "wrong user name or password (an account is refused for a while after repeated \
             failures)",
        ));
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

/// Records a refused login: a failure counts towards the account's lock (not while it is
/// locked: a running lock is never extended), and the audit says what happened.
async fn refuse_login(
    state: &AppState,
    ip: std::net::IpAddr,
    username: &str,
    user_id: Option<String>,
    locked: bool,
) -> Result<(), ApiError> {
    if locked {
        audit(
            state,
            NewAuditEntry {
                user_id,
                action: "login.locked".into(),
                ip: Some(ip.to_string()),
                ..Default::default()
            },
        )
        .await;
        return Ok(());
    }
    let mut locks = false;
    if let Some(id) = &user_id {
        locks = state
            .store
            .record_failed_login(
                id,
                state.settings.max_failed_logins,
                i64::try_from(state.settings.lockout.as_millis()).unwrap_or(i64::MAX),
            )
            .await?
            .is_some();
    }
    audit(
        state,
        NewAuditEntry {
            action: "login.failed".into(),
            ip: Some(ip.to_string()),
            detail: serde_json::json!({ "username": username, "locked": locks }),
            ..Default::default()
        },
    )
    .await;
    Ok(())
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

/// `POST /api/auth/password`.
#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    /// The password the user has now.
    pub current_password: String,
    /// The new one (12–1024 characters).
    pub new_password: String,
}

impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordChange").finish_non_exhaustive()
    }
}

/// Changes the logged-in user's own password. The session making the change stays; every
/// other session of the user ends. The current password is checked like a login's (the
/// address's limit applies, a wrong one counts towards the account's lock, a locked account
/// is refused).
#[utoipa::path(post, path = "/api/auth/password", tag = "auth", request_body = PasswordChange,
    responses(
        (status = 204, description = "changed; the user's other sessions have ended"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "CSRF token missing, or the current password is wrong", body = ErrorBody),
        (status = 422, description = "the new password is too weak", body = ErrorBody),
        (status = 429, description = "too many attempts from this address", body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    Reviewer(me): Reviewer,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<Response, ApiError> {
    throttle(&state, me.ip)?;
    password::check_strength(&body.new_password).map_err(ApiError::invalid)?;
    let user = state
        .store
        .user_by_name(&me.username)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    let locked = user.locked_until.is_some_and(|t| t > now_ms());
    let stored = if locked {
        password::decoy_hash().to_owned()
    } else {
        user.password_hash.clone()
    };
    let PasswordChange {
        current_password,
        new_password,
    } = body;
    let ok = tokio::task::spawn_blocking(move || password::verify(&current_password, &stored))
        .await
        .map_err(|_| ApiError::internal())?;
    if !ok || locked {
        refuse_login(&state, me.ip, &me.username, Some(user.id), locked).await?;
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "wrong_password",
            "the current password is wrong (an account is refused for a while after repeated \
             failures)",
        ));
    }
    let hash = tokio::task::spawn_blocking(move || password::hash(&new_password))
        .await
        .map_err(|_| ApiError::internal())?
        .map_err(|_| ApiError::internal())?;
    state
        .store
        .change_own_password(&user.id, &hash, &me.session_id)
        .await?;
    audit(
        &state,
        NewAuditEntry {
            user_id: Some(user.id.clone()),
            action: "user.password_changed".into(),
            ip: Some(me.ip.to_string()),
            ..Default::default()
        },
    )
    .await;
    tracing::info!(user_id = %user.id, "password changed; the user's other sessions ended");
    Ok(StatusCode::NO_CONTENT.into_response())
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
