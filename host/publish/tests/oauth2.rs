//! OAuth 2.0 user tokens against a real token endpoint and a real X API stand-in on loopback:
//! refresh before an expired token is used, refresh once on a 401, rotated tokens saved 0600
//! and preferred on restart, a refused refresh reported without any secret.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use dailyx_publish::{
    AuthError, CallError, CreatePost, OAuth2Credentials, OAuth2Tokens, Secret, XAuth, XClient,
};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use url::Url;

const CLIENT_SECRET: &str = "client-secret-never-shown";

#[derive(Default)]
struct Account {
    /// The refresh token the endpoint accepts next (X rotates it on every refresh).
    refresh: String,
    /// The access token X accepts.
    access: String,
    issued: u32,
    /// Refresh requests: form fields and the Authorization header.
    token_calls: Vec<(HashMap<String, String>, String)>,
    tweets: u32,
    /// X answers 401 to everything (revoked app).
    revoked: bool,
}

#[derive(Clone, Default)]
struct Fake(Arc<Mutex<Account>>);

impl Fake {
    fn lock(&self) -> std::sync::MutexGuard<'_, Account> {
        self.0.lock().unwrap()
    }
}

async fn token(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut a = fake.lock();
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    a.token_calls.push((form.clone(), auth));
    if form.get("grant_type").map(String::as_str) != Some("refresh_token")
        || form.get("refresh_token") != Some(&a.refresh)
    {
        return (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({
                "error": "invalid_request",
                "error_description": "Value passed for the token was invalid."
            })),
        )
            .into_response();
    }
    a.issued += 1;
    a.access = format!("access-{}", a.issued);
    a.refresh = format!("refresh-{}", a.issued);
    Json(serde_json::json!({
        "token_type": "bearer",
        "expires_in": 7200,
        "access_token": a.access,
        "refresh_token": a.refresh,
        "scope": "tweet.read tweet.write users.read offline.access"
    }))
    .into_response()
}

async fn tweet(State(fake): State<Fake>, headers: HeaderMap) -> Response {
    let mut a = fake.lock();
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if a.revoked || bearer != a.access {
        return (
            StatusCode::UNAUTHORIZED,
            Json(serde_json::json!({ "title": "Unauthorized", "status": 401 })),
        )
            .into_response();
    }
    a.tweets += 1;
    (
        StatusCode::CREATED,
        Json(serde_json::json!({ "data": { "id": format!("{}", 9000 + a.tweets), "text": "t" } })),
    )
        .into_response()
}

async fn start(fake: &Fake) -> SocketAddr {
    let app = Router::new()
        .route("/2/oauth2/token", post(token))
        .route("/2/tweets", post(tweet))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

fn credentials(
    addr: SocketAddr,
    access: &str,
    refresh: &str,
    expires_at: Option<i64>,
    token_file: &std::path::Path,
) -> OAuth2Credentials {
    OAuth2Credentials {
        client_id: "client-id".into(),
        client_secret: Some(Secret::new(CLIENT_SECRET)),
        token_url: Url::parse(&format!("http://{addr}/2/oauth2/token")).unwrap(),
        tokens: OAuth2Tokens {
            access_token: Secret::new(access),
            refresh_token: Some(Secret::new(refresh)),
            expires_at,
        },
        token_file: Some(token_file.to_path_buf()),
    }
}

fn client(addr: SocketAddr, creds: OAuth2Credentials) -> XClient {
    XClient::new(
        Url::parse(&format!("http://{addr}/")).unwrap(),
        XAuth::oauth2(creds),
        Duration::from_secs(5),
    )
    .unwrap()
}

fn post_body() -> CreatePost {
    CreatePost {
        text: "Shipped it".into(),
        reply: None,
    }
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

#[tokio::test]
async fn an_expired_token_is_refreshed_before_use_and_the_rotated_pair_is_kept() {
    let fake = Fake::default();
    fake.lock().refresh = "refresh-0".into();
    let addr = start(&fake).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x-oauth2-tokens.json");

    let x = client(
        addr,
        credentials(addr, "stale", "refresh-0", Some(now() - 10), &file),
    );
    assert_eq!(x.create_post(&post_body()).await.unwrap(), "9001");
    {
        let a = fake.lock();
        assert_eq!(a.token_calls.len(), 1, "refreshed once, before the call");
        let (form, auth) = &a.token_calls[0];
        assert_eq!(form["grant_type"], "refresh_token");
        assert_eq!(form["refresh_token"], "refresh-0");
        assert_eq!(form["client_id"], "client-id");
        assert!(auth.starts_with("Basic "), "confidential client: {auth}");
    }

    // The rotated pair is on disk, readable by the owner only...
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(saved["refresh_token"], "refresh-1");
    assert_eq!(saved["access_token"], "access-1");
    assert!(saved["expires_at"].as_i64().unwrap() > now() + 7000);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // ...and wins over the (now revoked) pair a restart is configured with.
    let restarted = client(
        addr,
        credentials(addr, "stale", "refresh-0", Some(now() - 10), &file),
    );
    assert_eq!(restarted.create_post(&post_body()).await.unwrap(), "9002");
    assert_eq!(fake.lock().token_calls.len(), 1, "no refresh needed");
}

#[tokio::test]
async fn a_401_refreshes_once_and_tries_again() {
    let fake = Fake::default();
    fake.lock().refresh = "refresh-0".into();
    let addr = start(&fake).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.json");
    // No expiry known: the token is used until X refuses it.
    let x = client(
        addr,
        credentials(addr, "revoked-by-x", "refresh-0", None, &file),
    );
    assert_eq!(x.create_post(&post_body()).await.unwrap(), "9001");
    assert_eq!(fake.lock().token_calls.len(), 1);

    // X keeps refusing after a refresh: one refresh, then the 401 is reported (no loop).
    fake.lock().revoked = true;
    let err = x.create_post(&post_body()).await.unwrap_err();
    assert!(
        matches!(err, CallError::Unauthorized { status: 401, .. }),
        "{err:?}"
    );
    assert_eq!(fake.lock().token_calls.len(), 2);
    assert_eq!(fake.lock().tweets, 1);
}

#[tokio::test]
async fn a_refused_refresh_is_reported_without_secrets_and_posts_nothing() {
    let fake = Fake::default();
    fake.lock().refresh = "a-different-refresh-token".into();
    let addr = start(&fake).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.json");
    let x = client(
        addr,
        credentials(
            addr,
            "stale-access-secret",
            "refresh-secret-value",
            Some(now() - 10),
            &file,
        ),
    );
    let err = x.create_post(&post_body()).await.unwrap_err();
    assert!(
        matches!(err, CallError::Auth(AuthError::Refresh(_))),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("400"), "{message}");
    for secret in ["stale-access-secret", "refresh-secret-value", CLIENT_SECRET] {
        assert!(!message.contains(secret), "{message}");
        assert!(!format!("{err:?}").contains(secret), "{err:?}");
    }
    assert_eq!(fake.lock().tweets, 0);
    assert!(!file.exists(), "nothing saved from a refused refresh");
}
