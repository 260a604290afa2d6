//! The `http` capability: outbound requests, checked against the grant.
//!
//! Order of checks for every request: grant present → request budget → URL
//! shape → origin/method/path policy ([`grant`]) → body size → headers (the
//! host-managed ones are dropped) → addresses ([`address`], with the same
//! rule enforced again at connect time by [`resolver`]) → host credentials
//! attached → the request recorded as sending → send with the timeout capped by the grant and
//! by what is left of the call's wall clock → body read up to the cap.
//! Redirects are never followed by the host.
//!
//! Why the wall clock caps the timeout: a call stopped while its request is in flight cannot
//! tell the guest what happened, so a provider could not say "maybe posted" and its caller would
//! retry blindly. A request therefore ends, as a timeout the guest sees, [`ANSWER_MARGIN`] before
//! the call's deadline; with less than that left it is refused unsent. And the request is
//! counted and recorded before it leaves, so even a call cut off mid-request (or a host that
//! dies) says it may have gone out.

pub mod address;
pub mod grant;
pub mod resolver;
pub mod wasi_http;

pub use grant::HttpGrant;
pub(crate) use grant::review;

use crate::events::EventRecorder;
use crate::secret::{CredentialSource, OutboundRequest};
use dailyx_world::http::{self as wit, HttpError, Method, Request, Response};
use parking_lot::Mutex;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use resolver::{ExactHosts, FilteringResolver};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};
use url::Url;

/// Headers only the host may set: credentials and connection framing.
/// A component's values for these are dropped, so the host's credential
/// always wins and a component cannot smuggle one in.
const HOST_MANAGED_HEADERS: [&str; 11] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "host",
    "connection",
    "content-length",
    "transfer-encoding",
    "te",
    "upgrade",
    "keep-alive",
    "proxy-connection",
];

/// The time a guest keeps, after its last request ends, to turn the answer (or the timeout)
/// into its own before the call's wall clock stops it. A provider's `grants.http.timeout_ms`
/// must leave at least this much of its `wall_clock_ms` (checked when the manifest loads).
pub const ANSWER_MARGIN: Duration = Duration::from_secs(1);

/// How long resolving a name before a request may take.
const DNS_TIMEOUT: Duration = Duration::from_secs(5);

/// The operator-level HTTP service shared by every call.
pub struct HttpService {
    /// One client per set of exact-origin hosts (the grants' own): its resolver lets exactly
    /// those hosts reach non-public addresses. Components with the same set share a client
    /// and its connection pool; most have none and share the strict one.
    clients: Mutex<HashMap<ExactHosts, reqwest::Client>>,
    credentials: Arc<dyn CredentialSource>,
}

/// More distinct exact-host sets than this (grants changed over many reloads) start the
/// cache over rather than grow it.
const MAX_CLIENTS: usize = 64;

impl HttpService {
    /// The service; clients are built on first use.
    pub fn new(credentials: Arc<dyn CredentialSource>) -> Self {
        dailyx_common::install_crypto_provider();
        HttpService {
            clients: Mutex::new(HashMap::new()),
            credentials,
        }
    }

    /// The client for a component whose grant names `exact_hosts` exactly: no redirects, no
    /// proxy from the environment, and a resolver that lets only those hosts resolve to
    /// non-public addresses.
    fn client_for(&self, exact_hosts: &ExactHosts) -> Result<reqwest::Client, reqwest::Error> {
        let mut clients = self.clients.lock();
        if let Some(c) = clients.get(exact_hosts) {
            return Ok(c.clone());
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(FilteringResolver::new(exact_hosts.clone())))
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("dailyx/", env!("CARGO_PKG_VERSION")))
            .build()?;
        if clients.len() >= MAX_CLIENTS {
            clients.clear();
        }
        clients.insert(exact_hosts.clone(), client.clone());
        Ok(client)
    }
}

/// Per-call state of the `http` capability. Cloned for `wasi:http` (whose requests are sent
/// from a task of their own): the clones share the call's counters, so the grant's budget holds
/// across both interfaces.
#[derive(Clone)]
pub struct HttpState {
    service: Arc<HttpService>,
    grant: Option<Arc<HttpGrant>>,
    /// The component's settings, shown to the credential source (which of the granted
    /// origins is the component's own API is a setting: a provider's `instance`, `pds`, ...).
    settings: Arc<BTreeMap<String, String>>,
    events: EventRecorder,
    counters: Arc<Counters>,
    /// When the call's wall clock stops it.
    deadline: Instant,
}

/// What one call's requests have used, over every interface they came through.
#[derive(Default)]
struct Counters {
    /// Requests the grant's budget has counted (sent or refused after the budget check).
    requests: AtomicU32,
    /// Requests that began to leave the host: counted before each is sent.
    sent: AtomicU32,
    /// Sent requests that got a complete answer (any status).
    answered: AtomicU32,
}

impl HttpState {
    /// State for one call of a component with `grant` and `settings`, which the wall clock
    /// stops at `deadline`.
    pub fn new(
        service: Arc<HttpService>,
        grant: Option<Arc<HttpGrant>>,
        settings: Arc<BTreeMap<String, String>>,
        events: EventRecorder,
        deadline: Instant,
    ) -> Self {
        HttpState {
            service,
            grant,
            settings,
            events,
            counters: Arc::default(),
            deadline,
        }
    }

    /// The most bytes a request may carry (none without a grant).
    pub(crate) fn max_request_bytes(&self) -> u64 {
        self.grant.as_ref().map_or(0, |g| g.max_request_bytes)
    }

    /// Requests that began to leave the host in this call, whatever became of them.
    pub fn sent(&self) -> u32 {
        self.counters.sent.load(Ordering::SeqCst)
    }

    /// Sent requests that got no complete answer (timed out, cut off, or stopped with the
    /// call): the far side may have acted on them without anyone here knowing.
    pub fn unanswered(&self) -> u32 {
        self.sent() - self.counters.answered.load(Ordering::SeqCst)
    }

    fn deny(&self, target: &str, reason: String) -> HttpError {
        self.events.denied("http", target, reason.clone());
        HttpError::Denied(reason)
    }
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::Get => "GET",
        Method::Head => "HEAD",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Patch => "PATCH",
        Method::Delete => "DELETE",
    }
}

impl wit::Host for HttpState {
    async fn fetch(&mut self, request: Request) -> Result<Response, HttpError> {
        self.send(request).await
    }
}

impl HttpState {
    /// Checks `request` against the grant and, if it passes, sends it and reads the answer.
    /// The one path for every outbound request of a component, through `dailyx:agent/http`
    /// and `wasi:http` alike.
    pub(crate) async fn send(&self, request: Request) -> Result<Response, HttpError> {
        let method = method_name(request.method);
        let target = format!("{method} {}", truncate(&request.url, 200));
        let Some(grant) = self.grant.clone() else {
            return Err(self.deny(&target, "this component has no http grant".into()));
        };
        let counted =
            self.counters
                .requests
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                    (n < grant.max_requests_per_run).then_some(n + 1)
                });
        if counted.is_err() {
            return Err(self.deny(
                &target,
                format!(
                    "max_requests_per_run ({}) reached",
                    grant.max_requests_per_run
                ),
            ));
        }

        let url = parse_url(&request.url).inspect_err(|m| {
            self.events
                .denied("http", target.clone(), format!("invalid request: {m}"));
        })?;
        let allowed = grant
            .check(method, &url)
            .map_err(|reason| self.deny(&target, reason))?;
        // Everything the guest makes the host hold and send counts: URL, headers (": " and
        // CRLF included, as on the wire) and body.
        let body = request.body.unwrap_or_default();
        let header_bytes: usize = request
            .headers
            .iter()
            .map(|(n, v)| n.len() + v.len() + 4)
            .sum();
        let size = (request.url.len() + header_bytes + body.len()) as u64;
        if size > grant.max_request_bytes {
            let reason = format!(
                "request of {size} bytes ({header_bytes} in headers, {} in the body) exceeds \
                 max_request_bytes ({})",
                body.len(),
                grant.max_request_bytes
            );
            self.events.denied("http", target.clone(), reason.clone());
            return Err(HttpError::TooLarge(reason));
        }
        let mut headers = HeaderMap::new();
        for (name, value) in &request.headers {
            let lower = name.to_ascii_lowercase();
            if HOST_MANAGED_HEADERS.contains(&lower.as_str()) {
                self.events.denied(
                    "http",
                    target.clone(),
                    format!("header `{lower}` is host-managed; dropped"),
                );
                continue;
            }
            let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) else {
                self.events.denied(
                    "http",
                    target.clone(),
                    format!("invalid header `{}`", truncate(name, 64)),
                );
                return Err(HttpError::InvalidRequest(format!(
                    "invalid header `{}`",
                    truncate(name, 64)
                )));
            };
            headers.append(n, v);
        }
        if !allowed.exact_origin {
            check_addresses(&url)
                .await
                .map_err(|reason| self.deny(&target, reason))?;
        }
        let origin = url.origin().ascii_serialization();
        let outbound = OutboundRequest {
            component: &self.events.component().name,
            origin: &origin,
            method,
            url: &url,
            body: &body,
            settings: &self.settings,
        };
        let credentials = self
            .service
            .credentials
            .headers_for(&outbound)
            .await
            .map_err(|e| {
                self.deny(
                    &target,
                    format!("the host could not prepare the credential for {origin}: {e}"),
                )
            })?;
        for (name, secret) in credentials {
            match HeaderValue::from_str(secret.expose()) {
                Ok(mut value) => {
                    value.set_sensitive(true);
                    headers.insert(name, value);
                }
                // Never the value: only which credential is unusable.
                Err(_) => {
                    tracing::warn!(%origin, header = %name, "credential value is not a valid header value; not attached")
                }
            }
        }

        let asked = Duration::from_millis(u64::from(
            request
                .timeout_ms
                .unwrap_or(grant.timeout_ms)
                .min(grant.timeout_ms),
        ));
        let left = self
            .deadline
            .saturating_duration_since(Instant::now())
            .saturating_sub(ANSWER_MARGIN);
        if left.is_zero() {
            return Err(self.deny(
                &target,
                "too little of the call's wall clock is left to wait for an answer".into(),
            ));
        }
        let timeout = asked.min(left);
        let reqwest_method =
            reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let client = self
            .service
            .client_for(&grant.exact_host_set())
            .map_err(|e| {
                tracing::error!(error = %e, "building the HTTP client failed");
                HttpError::Transport("the host could not build its HTTP client".into())
            })?;
        let mut builder = client
            .request(reqwest_method, url.clone())
            .headers(headers)
            .timeout(timeout);
        if !body.is_empty() {
            builder = builder.body(body);
        }
        let exchange = async {
            let mut response = builder.send().await.map_err(transport_error)?;
            let status = response.status().as_u16();
            let limit = grant.max_response_bytes;
            if response.content_length().is_some_and(|len| len > limit) {
                return Err(HttpError::TooLarge(format!(
                    "response of {} bytes exceeds max_response_bytes ({limit})",
                    response.content_length().unwrap_or_default()
                )));
            }
            let headers = response
                .headers()
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                .collect();
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
                if body.len() as u64 + chunk.len() as u64 > limit {
                    return Err(HttpError::TooLarge(format!(
                        "response exceeds max_response_bytes ({limit})"
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Response {
                status,
                headers,
                body,
            })
        };
        self.counters.sent.fetch_add(1, Ordering::SeqCst);
        let sending = self.events.sending("http", target);
        let result = match tokio::time::timeout(timeout, exchange).await {
            Ok(r) => r,
            Err(_) => Err(HttpError::Timeout),
        };
        if matches!(result, Ok(_) | Err(HttpError::TooLarge(_))) {
            self.counters.answered.fetch_add(1, Ordering::SeqCst);
        }
        let detail = match &result {
            Ok(r) => format!("{}, {} bytes", r.status, r.body.len()),
            Err(e) => format!("failed: {}", describe(e)),
        };
        self.events.finish(sending, detail);
        result
    }
}

/// Parses and vets the URL: http(s), a host, no credentials in it.
fn parse_url(raw: &str) -> Result<Url, HttpError> {
    let url = Url::parse(raw).map_err(|e| HttpError::InvalidRequest(format!("bad URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(HttpError::InvalidRequest(format!(
            "scheme `{}` is not http or https",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(HttpError::InvalidRequest("URL has no host".into()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(HttpError::InvalidRequest(
            "credentials in URLs are not allowed".into(),
        ));
    }
    Ok(url)
}

/// Refuses URLs whose host is, or resolves to, a non-public address.
async fn check_addresses(url: &Url) -> Result<(), String> {
    let port = url.port_or_known_default().unwrap_or(0);
    let ips: Vec<std::net::IpAddr> = match url.host() {
        Some(url::Host::Ipv4(ip)) => vec![ip.into()],
        Some(url::Host::Ipv6(ip)) => vec![ip.into()],
        Some(url::Host::Domain(name)) => {
            match tokio::time::timeout(DNS_TIMEOUT, resolver::lookup(name, port)).await {
                Ok(Ok(addrs)) => addrs.into_iter().map(|a| a.ip()).collect(),
                Ok(Err(e)) => return Err(format!("cannot resolve {name}: {e}")),
                Err(_) => return Err(format!("resolving {name} timed out")),
            }
        }
        None => return Err("URL has no host".into()),
    };
    for ip in ips {
        if let Some(reason) = address::non_public_reason(ip) {
            return Err(format!(
                "{} is {ip}, {reason}; only a grant naming this exact origin may reach it",
                url.host_str().unwrap_or_default()
            ));
        }
    }
    Ok(())
}

fn transport_error(e: reqwest::Error) -> HttpError {
    if e.is_timeout() {
        return HttpError::Timeout;
    }
    // The chain carries the useful part ("connection refused", the resolver's refusal).
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    HttpError::Transport(message)
}

fn describe(e: &HttpError) -> String {
    match e {
        HttpError::Denied(m)
        | HttpError::InvalidRequest(m)
        | HttpError::TooLarge(m)
        | HttpError::Transport(m) => m.clone(),
        HttpError::Timeout => "timed out".into(),
    }
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::StaticCredentials;
    use std::collections::BTreeSet;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Issue 17: the resolver's exact-host exception is the calling component's own. Before,
    /// one client's resolver let every host any grant named exactly resolve to loopback, so a
    /// component with only a wildcard grant got through at connect time (DNS rebinding past
    /// the pre-check) to a name another component was trusted with.
    #[tokio::test]
    async fn one_grants_exact_host_is_not_anothers_exception() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                let mut buf = [0u8; 1024];
                let _ = conn.read(&mut buf).await;
                let _ = conn
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                    )
                    .await;
            }
        });
        let service = HttpService::new(Arc::new(StaticCredentials::default()));
        let trusted: ExactHosts = Arc::new(BTreeSet::from(["localhost".to_owned()]));
        let other: ExactHosts = Arc::new(BTreeSet::new());
        let url = format!("http://localhost:{port}/");

        let answer = service.client_for(&trusted).unwrap().get(&url).send().await;
        assert_eq!(answer.map(|r| r.status().as_u16()).ok(), Some(200));
        let refused = service.client_for(&other).unwrap().get(&url).send().await;
        let e = refused.expect_err("a grant without the exact host connects nowhere private");
        let chain = format!("{:?}", e);
        assert!(
            chain.contains("resolves to no address this component may reach"),
            "{chain}"
        );
        // Same sets share one client (and its pool).
        let again = service.client_for(&Arc::new(BTreeSet::new())).unwrap();
        assert_eq!(service.clients.lock().len(), 2);
        drop(again);
    }
}
