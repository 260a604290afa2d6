//! Real HTTP and SMTP servers on loopback standing in for X, SendGrid, Twilio and a mail
//! server. They record what they receive and fail on demand.

use axum::extract::{Path as AxPath, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Serves `app` on a free loopback port.
pub async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.ok();
    });
    addr
}

/// How the fake X answers the next `POST /2/tweets`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XFault {
    /// Creates the post, then answers only after the client gave up (a timeout after sending).
    CreateThenHang,
    /// Creates the post, then answers 503 (a 5xx after X acted).
    CreateThen503,
    /// 503 without creating anything.
    Plain503,
    /// 429 with `x-rate-limit-reset` one second ahead; nothing created.
    RateLimited,
    /// 403 duplicate content (an identical post exists); nothing created.
    Duplicate,
}

/// A post the fake X created.
#[derive(Debug, Clone, serde::Serialize)]
pub struct XPost {
    pub id: String,
    pub text: String,
    pub reply_to: Option<String>,
    pub authorization: String,
}

#[derive(Default)]
pub struct XState {
    pub posts: Vec<XPost>,
    pub faults: VecDeque<XFault>,
    /// Every request: method and path.
    pub requests: Vec<String>,
    next_id: u64,
    metric_reads: u64,
}

/// The fake X API v2.
#[derive(Clone, Default)]
pub struct FakeX(pub Arc<Mutex<XState>>);

impl FakeX {
    pub async fn start() -> (FakeX, SocketAddr) {
        let fake = FakeX::default();
        let app = Router::new()
            .route("/2/tweets", post(create))
            .route("/2/users/me", get(me))
            .route("/2/users/{id}/tweets", get(timeline))
            .with_state(fake.clone());
        (fake.clone(), serve(app).await)
    }

    pub fn fail_next(&self, faults: &[XFault]) {
        self.0.lock().unwrap().faults.extend(faults.iter().copied());
    }

    pub fn posts(&self) -> Vec<XPost> {
        self.0.lock().unwrap().posts.clone()
    }

    pub fn requests(&self) -> Vec<String> {
        self.0.lock().unwrap().requests.clone()
    }
}

async fn create(
    State(x): State<FakeX>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Response {
    let text = body["text"].as_str().unwrap_or_default().to_owned();
    let reply_to = body["reply"]["in_reply_to_tweet_id"]
        .as_str()
        .map(str::to_owned);
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let (fault, id) = {
        let mut s = x.0.lock().unwrap();
        s.requests.push("POST /2/tweets".into());
        let fault = s.faults.pop_front();
        let creates = matches!(
            fault,
            None | Some(XFault::CreateThenHang) | Some(XFault::CreateThen503)
        );
        let id = creates.then(|| {
            s.next_id += 1;
            let id = format!("{}", 1_000 + s.next_id);
            s.posts.push(XPost {
                id: id.clone(),
                text: text.clone(),
                reply_to,
                authorization,
            });
            id
        });
        (fault, id)
    };
    match fault {
        None => (StatusCode::CREATED, Json(serde_json::json!({ "data": { "id": id, "text": text } }))).into_response(),
        Some(XFault::CreateThenHang) => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            (StatusCode::CREATED, Json(serde_json::json!({ "data": { "id": id, "text": text } }))).into_response()
        }
        Some(XFault::CreateThen503) | Some(XFault::Plain503) => {
            (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({ "title": "Service Unavailable" }))).into_response()
        }
        Some(XFault::RateLimited) => {
            let reset = (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 1).to_string();
            (StatusCode::TOO_MANY_REQUESTS, [("x-rate-limit-reset", reset)], Json(serde_json::json!({ "title": "Too Many Requests" })))
                .into_response()
        }
        Some(XFault::Duplicate) => (
            StatusCode::FORBIDDEN,
            Json(serde_json::json!({ "detail": "You are not allowed to create a Tweet with duplicate content.", "status": 403, "title": "Forbidden" })),
        )
            .into_response(),
    }
}

async fn me(State(x): State<FakeX>) -> Json<serde_json::Value> {
    x.0.lock().unwrap().requests.push("GET /2/users/me".into());
    Json(serde_json::json!({ "data": { "id": "42", "username": "dailyx_test" } }))
}

async fn timeline(
    State(x): State<FakeX>,
    AxPath(id): AxPath<String>,
    Query(_q): Query<HashMap<String, String>>,
) -> Json<serde_json::Value> {
    let mut s = x.0.lock().unwrap();
    s.requests.push(format!("GET /2/users/{id}/tweets"));
    // With `public_metrics` asked for, counters that grow with each read: post i (in posting
    // order) shows 100·(i+1) + 10·reads impressions, 3·(i+1) likes, 1 repost, 2 replies, 1
    // bookmark.
    let metrics = _q
        .get("tweet.fields")
        .is_some_and(|f| f.contains("public_metrics"));
    if metrics {
        s.metric_reads += 1;
    }
    let reads = s.metric_reads as i64;
    let data: Vec<serde_json::Value> = s
        .posts
        .iter()
        .enumerate()
        .rev()
        .map(|(i, p)| {
            let mut v = serde_json::json!({ "id": p.id, "text": p.text });
            if let Some(r) = &p.reply_to {
                v["referenced_tweets"] = serde_json::json!([{ "type": "replied_to", "id": r }]);
            }
            if metrics {
                let i = i as i64;
                v["public_metrics"] = serde_json::json!({
                    "impression_count": 100 * (i + 1) + 10 * reads, "like_count": 3 * (i + 1),
                    "retweet_count": 1, "reply_count": 2, "quote_count": 0, "bookmark_count": 1 });
            }
            v
        })
        .collect();
    Json(serde_json::json!({ "data": data }))
}

/// A fake HTTP API that records request bodies and answers from a script (default 2xx).
#[derive(Clone, Default)]
pub struct Recorder {
    pub bodies: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    pub statuses: Arc<Mutex<VecDeque<u16>>>,
}

impl Recorder {
    /// SendGrid (`POST /v3/mail/send` → 202) and Twilio (`POST .../Messages.json` → 201).
    pub async fn start() -> (Recorder, SocketAddr) {
        let r = Recorder::default();
        let app = Router::new()
            .route("/v3/mail/send", post(record_202))
            .route("/2010-04-01/Accounts/{sid}/Messages.json", post(record_201))
            .with_state(r.clone());
        (r.clone(), serve(app).await)
    }

    pub fn bodies(&self) -> Vec<String> {
        self.bodies
            .lock()
            .unwrap()
            .iter()
            .map(|(_, b)| b.clone())
            .collect()
    }
}

fn scripted(r: &Recorder, headers: HeaderMap, body: String, ok: u16) -> StatusCode {
    r.bodies.lock().unwrap().push((headers, body));
    let code = r.statuses.lock().unwrap().pop_front().unwrap_or(ok);
    StatusCode::from_u16(code).unwrap()
}

async fn record_202(State(r): State<Recorder>, headers: HeaderMap, body: String) -> StatusCode {
    scripted(&r, headers, body, 202)
}

async fn record_201(State(r): State<Recorder>, headers: HeaderMap, body: String) -> StatusCode {
    scripted(&r, headers, body, 201)
}

/// A minimal real SMTP server: speaks enough RFC 5321 for a client to deliver, and keeps
/// each message's DATA.
#[derive(Clone, Default)]
pub struct SmtpSink {
    pub messages: Arc<Mutex<Vec<String>>>,
}

impl SmtpSink {
    pub async fn start() -> (SmtpSink, SocketAddr) {
        let sink = SmtpSink::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let s = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut lines = BufReader::new(read).lines();
                    write.write_all(b"220 sink ESMTP\r\n").await.ok();
                    let mut data: Option<String> = None;
                    while let Ok(Some(line)) = lines.next_line().await {
                        if let Some(buf) = data.as_mut() {
                            if line == "." {
                                s.messages.lock().unwrap().push(std::mem::take(buf));
                                data = None;
                                write.write_all(b"250 OK queued\r\n").await.ok();
                            } else {
                                buf.push_str(line.strip_prefix('.').unwrap_or(&line));
                                buf.push('\n');
                            }
                            continue;
                        }
                        let verb = line
                            .split_whitespace()
                            .next()
                            .unwrap_or_default()
                            .to_ascii_uppercase();
                        let reply: &[u8] = match verb.as_str() {
                            "EHLO" => b"250-sink\r\n250 8BITMIME\r\n",
                            "HELO" | "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 OK\r\n",
                            "DATA" => {
                                data = Some(String::new());
                                b"354 go ahead\r\n"
                            }
                            "QUIT" => {
                                write.write_all(b"221 bye\r\n").await.ok();
                                break;
                            }
                            _ => b"502 not implemented\r\n",
                        };
                        write.write_all(reply).await.ok();
                    }
                });
            }
        });
        (sink, addr)
    }
}

/// A span as the fake OTLP collector received it.
#[derive(Debug, Clone)]
pub struct ReceivedSpan {
    pub name: String,
    /// String and integer attributes, as text.
    pub attributes: HashMap<String, String>,
    /// The `service.name` of the resource it came with.
    pub service: String,
}

/// An OpenTelemetry collector's OTLP/HTTP traces endpoint (`POST /v1/traces`, protobuf).
#[derive(Clone, Default)]
pub struct OtlpSink {
    pub spans: Arc<Mutex<Vec<ReceivedSpan>>>,
    /// Every request body as received (to check that no secret is exported).
    pub raw: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl OtlpSink {
    pub async fn start() -> (OtlpSink, SocketAddr) {
        let sink = OtlpSink::default();
        let app = Router::new()
            .route("/v1/traces", post(receive_traces))
            .with_state(sink.clone());
        (sink.clone(), serve(app).await)
    }

    pub fn spans(&self) -> Vec<ReceivedSpan> {
        self.spans.lock().unwrap().clone()
    }
}

async fn receive_traces(
    State(sink): State<OtlpSink>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
    use prost::Message;
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if content_type != "application/x-protobuf" {
        return (StatusCode::UNSUPPORTED_MEDIA_TYPE, content_type.to_owned()).into_response();
    }
    let Ok(request) = ExportTraceServiceRequest::decode(body.as_ref()) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    sink.raw.lock().unwrap().push(body.to_vec());
    let text = |v: &Option<opentelemetry_proto::tonic::common::v1::AnyValue>| match v
        .as_ref()
        .and_then(|v| v.value.as_ref())
    {
        Some(Any::StringValue(s)) => s.clone(),
        Some(Any::IntValue(i)) => i.to_string(),
        Some(Any::BoolValue(b)) => b.to_string(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    };
    let mut received = Vec::new();
    for resource_spans in request.resource_spans {
        let service = resource_spans
            .resource
            .iter()
            .flat_map(|r| r.attributes.iter())
            .find(|kv| kv.key == "service.name")
            .map(|kv| text(&kv.value))
            .unwrap_or_default();
        for scope in resource_spans.scope_spans {
            for span in scope.spans {
                received.push(ReceivedSpan {
                    name: span.name,
                    attributes: span
                        .attributes
                        .iter()
                        .map(|kv| (kv.key.clone(), text(&kv.value)))
                        .collect(),
                    service: service.clone(),
                });
            }
        }
    }
    sink.spans.lock().unwrap().extend(received);
    (
        StatusCode::OK,
        [("content-type", "application/x-protobuf")],
        Vec::<u8>::new(),
    )
        .into_response()
}
