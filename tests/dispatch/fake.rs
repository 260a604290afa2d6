//! One loopback server standing in for every network: X, Mastodon, Bluesky (PDS), the Graph
//! API (Facebook and Instagram) and a webhook receiver. It keeps every request it got and the
//! posts it made, answers each API as the real one does, and can be told to fail.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use parking_lot::Mutex;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

/// A request as the fake got it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// A post the fake made: network, id, text, what it replies to.
#[derive(Debug, Clone, PartialEq)]
pub struct Made {
    pub network: &'static str,
    pub id: String,
    pub text: String,
    pub reply_to: Option<String>,
}

/// How the fake answers the next post-creating request.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// Answer with this status without posting.
    Refuse(u16),
    /// Post, then answer 503 (the caller cannot know it worked).
    PostThen503,
    /// Post, then answer only after this long (past the caller's timeout).
    PostThenSlow(std::time::Duration),
    /// Answer as usual (to aim a later fault at a later request).
    Pass,
}

#[derive(Default)]
pub struct Inner {
    pub seen: Vec<Seen>,
    pub made: Vec<Made>,
    pub faults: Vec<Fault>,
    pub next_id: u64,
    pub idempotency: HashMap<String, String>,
    /// When set, X answers 401 unless the request carries `Bearer <this>`.
    pub x_access: Option<String>,
    /// X refuses every token (the app was revoked).
    pub x_revoked: bool,
    /// OAuth 2.0 refreshes: the refresh tokens presented.
    pub refreshes: Vec<String>,
}

#[derive(Clone, Default)]
pub struct Fake(pub Arc<Mutex<Inner>>);

impl Fake {
    pub fn seen(&self) -> Vec<Seen> {
        self.0.lock().seen.clone()
    }

    pub fn made(&self, network: &str) -> Vec<Made> {
        self.0
            .lock()
            .made
            .iter()
            .filter(|m| m.network == network)
            .cloned()
            .collect()
    }

    pub fn fail_next(&self, faults: &[Fault]) {
        self.0.lock().faults.extend_from_slice(faults);
    }

    /// Takes the next fault, if any.
    fn fault(&self) -> Option<Fault> {
        let mut inner = self.0.lock();
        (!inner.faults.is_empty()).then(|| inner.faults.remove(0))
    }

    fn make(&self, network: &'static str, text: &str, reply_to: Option<String>) -> String {
        let mut inner = self.0.lock();
        inner.next_id += 1;
        let id = format!("{}{}", network, inner.next_id);
        inner.made.push(Made {
            network,
            id: id.clone(),
            text: text.to_owned(),
            reply_to,
        });
        id
    }

    /// Runs `make` unless a fault says otherwise.
    async fn create(&self, make: impl FnOnce() -> Response) -> Response {
        match self.fault() {
            Some(Fault::Refuse(status)) => {
                (StatusCode::from_u16(status).unwrap(), "injected failure").into_response()
            }
            Some(Fault::PostThen503) => {
                let _ = make();
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "injected: posted, then failed",
                )
                    .into_response()
            }
            Some(Fault::PostThenSlow(delay)) => {
                let answer = make();
                tokio::time::sleep(delay).await;
                answer
            }
            Some(Fault::Pass) | None => make(),
        }
    }
}

async fn record(
    State(fake): State<Fake>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Seen {
    let seen = Seen {
        method: method.to_string(),
        path: uri.path().to_owned(),
        headers,
        body: body.to_vec(),
    };
    fake.0.lock().seen.push(seen.clone());
    seen
}

pub async fn start() -> (Fake, SocketAddr) {
    let fake = Fake::default();
    let app = Router::new()
        // X API v2
        .route("/2/tweets", post(x_create))
        .route("/2/users/me", get(x_me))
        .route("/2/users/{id}/tweets", get(x_timeline))
        .route("/2/oauth2/token", post(x_token))
        // Mastodon
        .route("/api/v1/statuses", post(mastodon_create))
        .route("/api/v2/media", post(mastodon_media))
        .route("/api/v1/accounts/verify_credentials", get(mastodon_me))
        .route("/api/v1/accounts/{id}/statuses", get(mastodon_statuses))
        // Bluesky PDS
        .route("/xrpc/com.atproto.server.createSession", post(bsky_session))
        .route("/xrpc/com.atproto.repo.createRecord", post(bsky_create))
        .route("/xrpc/com.atproto.repo.uploadBlob", post(bsky_blob))
        .route("/xrpc/app.bsky.feed.getAuthorFeed", get(bsky_feed))
        // Graph API
        .route("/v21.0/{node}/{edge}", post(graph_post).get(graph_get))
        // Webhook receiver
        .route("/hooks/dailyx", post(webhook))
        .with_state(fake.clone());
    let addr = dailyx_tests::serve(app).await;
    (fake, addr)
}

type Req = (State<Fake>, Method, Uri, HeaderMap, Bytes);

async fn seen(req: Req) -> (Fake, Seen) {
    let (State(fake), m, u, h, b) = req;
    let s = record(State(fake.clone()), m, u, h, b).await;
    (fake, s)
}

/// The OAuth 2.0 token endpoint: `refresh-N` buys `access-N+1` and rotates to `refresh-N+1`.
async fn x_token(s: State<Fake>, m: Method, u: Uri, h: HeaderMap, b: Bytes) -> Response {
    let (fake, req) = seen((s, m, u, h, b)).await;
    let form: HashMap<String, String> = url::form_urlencoded::parse(&req.body)
        .into_owned()
        .collect();
    let presented = form.get("refresh_token").cloned().unwrap_or_default();
    let mut inner = fake.0.lock();
    inner.refreshes.push(presented.clone());
    let n: u32 = presented
        .trim_start_matches("refresh-")
        .parse()
        .unwrap_or(0);
    inner.x_access = Some(format!("access-{}", n + 1));
    Json(json!({
        "token_type": "bearer", "expires_in": 7200,
        "access_token": format!("access-{}", n + 1), "refresh_token": format!("refresh-{}", n + 1),
    }))
    .into_response()
}

fn x_refuses(fake: &Fake, req: &Seen) -> bool {
    let (wanted, revoked) = {
        let inner = fake.0.lock();
        (inner.x_access.clone(), inner.x_revoked)
    };
    revoked
        || wanted.is_some_and(|token| {
            req.header("authorization") != Some(format!("Bearer {token}").as_str())
        })
}

async fn x_create(s: State<Fake>, m: Method, u: Uri, h: HeaderMap, b: Bytes) -> Response {
    let (fake, req) = seen((s, m, u, h, b)).await;
    if x_refuses(&fake, &req) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"title": "Unauthorized"})),
        )
            .into_response();
    }
    let body = req.json();
    let text = body["text"].as_str().unwrap_or_default().to_owned();
    let reply = body["reply"]["in_reply_to_tweet_id"]
        .as_str()
        .map(str::to_owned);
    fake.create(|| {
        let id = fake.make("x", &text, reply);
        (
            StatusCode::CREATED,
            Json(json!({"data": {"id": id, "text": text}})),
        )
            .into_response()
    })
    .await
}

async fn x_me(s: State<Fake>, m: Method, u: Uri, h: HeaderMap, b: Bytes) -> Response {
    let _ = seen((s, m, u, h, b)).await;
    Json(json!({"data": {"id": "42", "username": "dailyx"}})).into_response()
}

async fn x_timeline(s: State<Fake>, m: Method, u: Uri, h: HeaderMap, b: Bytes) -> Response {
    let (fake, _) = seen((s, m, u, h, b)).await;
    let data: Vec<Value> = fake
        .made("x")
        .into_iter()
        .rev()
        .map(|p| {
            let refs: Vec<Value> = p
                .reply_to
                .iter()
                .map(|r| json!({"type": "replied_to", "id": r}))
                .collect();
            json!({"id": p.id, "text": p.text, "referenced_tweets": refs})
        })
        .collect();
    Json(json!({ "data": data })).into_response()
}

async fn mastodon_create(s: State<Fake>, m: Method, u: Uri, h: HeaderMap, b: Bytes) -> Response {
    let (fake, req) = seen((s, m, u, h, b)).await;
    let body = req.json();
    let text = body["status"].as_str().unwrap_or_default().to_owned();
    let reply = body["in_reply_to_id"].as_str().map(str::to_owned);
    // Mastodon keeps idempotency keys: a repeat returns the first status.
    if let Some(key) = req.header("idempotency-key")
        && let Some(id) = fake.0.lock().idempotency.get(key).cloned()
    {
        return Json(
            json!({"id": id, "url": format!("https://m.example/@d/{id}"), "content": text}),
        )
        .into_response();
    }
    let key = req.header("idempotency-key").map(str::to_owned);
    fake.create(|| {
        let id = fake.make("mastodon", &text, reply.clone());
        if let Some(key) = key {
            fake.0.lock().idempotency.insert(key, id.clone());
        }
        Json(json!({"id": id, "url": format!("https://m.example/@d/{id}"), "content": format!("<p>{text}</p>"), "in_reply_to_id": reply}))
            .into_response()
    }).await
}

async fn mastodon_media(s: State<Fake>, m: Method, u: Uri, h: HeaderMap, b: Bytes) -> Response {
    let _ = seen((s, m, u, h, b)).await;
    Json(json!({"id": "media1"})).into_response()
}

async fn mastodon_me(s: State<Fake>, m: Method, u: Uri, h: HeaderMap, b: Bytes) -> Response {
    let _ = seen((s, m, u, h, b)).await;
    Json(json!({"id": "7"})).into_response()
}

async fn mastodon_statuses(s: State<Fake>, m: Method, u: Uri, h: HeaderMap, b: Bytes) -> Response {
    let (fake, _) = seen((s, m, u, h, b)).await;
    let list: Vec<Value> = fake
        .made("mastodon")
        .into_iter()
        .rev()
        .map(|p| json!({"id": p.id, "content": format!("<p>{}</p>", p.text), "in_reply_to_id": p.reply_to}))
        .collect();
    Json(Value::Array(list)).into_response()
}

async fn bsky_session(s: State<Fake>, m: Method, u: Uri, h: HeaderMap, b: Bytes) -> Response {
    let (_, req) = seen((s, m, u, h, b)).await;
    let body = req.json();
    if body["identifier"] == "dailyx.bsky.social" && body["password"] == "app-pass-1234" {
        Json(json!({"accessJwt": "bsky-session-token", "refreshJwt": "r", "did": "did:plc:dailyx"}))
            .into_response()
    } else {
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "AuthenticationRequired"})),
        )
            .into_response()
    }
}

async fn bsky_create(s: State<Fake>, m: Method, u: Uri, h: HeaderMap, b: Bytes) -> Response {
    let (fake, req) = seen((s, m, u, h, b)).await;
    if req.header("authorization") != Some("Bearer bsky-session-token") {
        return (StatusCode::UNAUTHORIZED, "no session").into_response();
    }
    let body = req.json();
    let text = body["record"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let parent = body["record"]["reply"]["parent"]["uri"]
        .as_str()
        .map(str::to_owned);
    fake.create(|| {
        let id = fake.make("bluesky", &text, parent);
        let uri = format!("at://did:plc:dailyx/app.bsky.feed.post/{id}");
        Json(json!({"uri": uri, "cid": format!("cid-{id}")})).into_response()
    })
    .await
}

async fn bsky_blob(s: State<Fake>, m: Method, u: Uri, h: HeaderMap, b: Bytes) -> Response {
    let _ = seen((s, m, u, h, b)).await;
    Json(json!({"blob": {"$type": "blob", "ref": {"$link": "bafy"}, "mimeType": "image/png", "size": 1}})).into_response()
}

async fn bsky_feed(s: State<Fake>, m: Method, u: Uri, h: HeaderMap, b: Bytes) -> Response {
    let (fake, _) = seen((s, m, u, h, b)).await;
    let made = fake.made("bluesky");
    let uri = |id: &str| format!("at://did:plc:dailyx/app.bsky.feed.post/{id}");
    let strong = |uri: &str| {
        let id = uri.rsplit('/').next().unwrap_or_default();
        json!({"uri": uri, "cid": format!("cid-{id}")})
    };
    // A reply's record names its parent and its thread's root, as the PDS keeps them.
    let root_of = |parent: &str| {
        let mut at = parent.to_owned();
        while let Some(up) = made
            .iter()
            .find(|p| uri(&p.id) == at)
            .and_then(|p| p.reply_to.clone())
        {
            at = up;
        }
        at
    };
    let feed: Vec<Value> = made
        .iter()
        .rev()
        .map(|p| {
            let mut record = json!({"text": p.text});
            if let Some(parent) = &p.reply_to {
                record["reply"] =
                    json!({"parent": strong(parent), "root": strong(&root_of(parent))});
            }
            json!({"post": {"uri": uri(&p.id), "cid": format!("cid-{}", p.id), "record": record}})
        })
        .collect();
    Json(json!({ "feed": feed })).into_response()
}

async fn graph_post(
    s: State<Fake>,
    Path((node, edge)): Path<(String, String)>,
    m: Method,
    u: Uri,
    h: HeaderMap,
    b: Bytes,
) -> Response {
    let (fake, req) = seen((s, m, u, h, b)).await;
    let body = req.json();
    match edge.as_str() {
        "feed" | "comments" => {
            let text = body["message"].as_str().unwrap_or_default().to_owned();
            let reply = (edge == "comments").then(|| node.clone());
            fake.create(|| Json(json!({"id": fake.make("facebook", &text, reply)})).into_response())
                .await
        }
        "photos" => {
            let text = body["caption"].as_str().unwrap_or_default().to_owned();
            fake.create(|| {
                let id = fake.make("facebook", &text, None);
                Json(json!({"id": "photo1", "post_id": id})).into_response()
            })
            .await
        }
        "media" => {
            // An Instagram container: nothing is posted yet.
            let caption = body["caption"].as_str().unwrap_or_default().to_owned();
            let image = body["image_url"].as_str().unwrap_or_default().to_owned();
            let mut inner = fake.0.lock();
            inner.next_id += 1;
            let id = format!("container{}", inner.next_id);
            inner
                .idempotency
                .insert(id.clone(), format!("{caption}\u{0}{image}"));
            Json(json!({"id": id})).into_response()
        }
        "media_publish" => {
            let container = body["creation_id"].as_str().unwrap_or_default().to_owned();
            let Some(stored) = fake.0.lock().idempotency.get(&container).cloned() else {
                return (StatusCode::BAD_REQUEST, "unknown container").into_response();
            };
            let caption = stored.split('\u{0}').next().unwrap_or_default().to_owned();
            fake.create(|| {
                Json(json!({"id": fake.make("instagram", &caption, None)})).into_response()
            })
            .await
        }
        _ => (StatusCode::NOT_FOUND, "unknown edge").into_response(),
    }
}

async fn graph_get(
    s: State<Fake>,
    Path((_node, edge)): Path<(String, String)>,
    _q: Query<HashMap<String, String>>,
    m: Method,
    u: Uri,
    h: HeaderMap,
    b: Bytes,
) -> Response {
    let (fake, _) = seen((s, m, u, h, b)).await;
    let network = if edge == "media" {
        "instagram"
    } else {
        "facebook"
    };
    let made = fake.made(network);
    // Instagram lists media; Facebook lists Page posts, each with its comments (replies to
    // comments too, naming their parent) as `comments.filter(stream){id,message,parent{id}}`.
    let post_of = |id: &str| {
        let mut at = id.to_owned();
        while let Some(up) = made
            .iter()
            .find(|p| p.id == at)
            .and_then(|p| p.reply_to.clone())
        {
            at = up;
        }
        at
    };
    let data: Vec<Value> = made
        .iter()
        .filter(|p| p.reply_to.is_none())
        .map(|p| {
            let comments: Vec<Value> = made
                .iter()
                .filter(|c| c.reply_to.is_some() && post_of(&c.id) == p.id)
                .map(|c| {
                    let mut comment = json!({"id": c.id, "message": c.text});
                    if c.reply_to.as_deref() != Some(p.id.as_str()) {
                        comment["parent"] = json!({"id": c.reply_to});
                    }
                    comment
                })
                .collect();
            json!({"id": p.id, "message": p.text, "caption": p.text, "comments": {"data": comments}})
        })
        .collect();
    Json(json!({ "data": data })).into_response()
}

async fn webhook(s: State<Fake>, m: Method, u: Uri, h: HeaderMap, b: Bytes) -> Response {
    let (fake, req) = seen((s, m, u, h, b)).await;
    let body = req.json();
    let text = body["text"].as_str().unwrap_or_default().to_owned();
    let reply = body["reply_to"].as_str().map(str::to_owned);
    // A receiver that drops repeats by idempotency key, as the contract asks.
    if let Some(key) = req.header("idempotency-key")
        && let Some(id) = fake.0.lock().idempotency.get(key).cloned()
    {
        return Json(json!({"id": id})).into_response();
    }
    let key = req.header("idempotency-key").map(str::to_owned);
    fake.create(|| {
        let id = fake.make("webhook", &text, reply);
        if let Some(key) = key {
            fake.0.lock().idempotency.insert(key, id.clone());
        }
        Json(json!({"id": id})).into_response()
    })
    .await
}
