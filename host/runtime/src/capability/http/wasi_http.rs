//! `wasi:http/outgoing-handler` under the same `http` grant.
//!
//! Standard toolchains reach the network through wasi:http: `fetch` in JavaScript
//! (componentize-js), `urllib`-style clients in Python (componentize-py's `poll_loop`), `wstd`
//! or `waki` in Rust. wasmtime-wasi-http implements the interface's resources and streams, and
//! hands each finished request to [`GrantedHttp::send_request`] (it is built without a sender of
//! its own, so there is no other way out). That hook reads the body, at most one byte past the
//! grant's `max_request_bytes`, and passes the request to [`HttpState::send`]: the path every
//! `dailyx:agent/http` request takes, with its rules (origin, method and path; counts and
//! byte caps; timeouts within the call's wall clock; addresses after DNS; the host's
//! credentials attached; host-managed headers dropped) and its capability events.

use super::HttpState;
use bytes::Bytes;
use dailyx_world::http::{HttpError, Method, Request};
use http_body_util::{BodyExt, Full};
use std::future::Future;
use wasmtime_wasi_http::{Error as WasiHttpError, RequestOptions, WasiBody, WasiHttpHooks};

/// The wasi:http hooks of one call: its requests go where its `http` grant lets them.
pub struct GrantedHttp {
    http: HttpState,
}

impl GrantedHttp {
    /// Hooks sending through `http`, the call's own `http` capability state.
    pub fn new(http: HttpState) -> Self {
        GrantedHttp { http }
    }
}

type ResponseIo = Box<dyn Future<Output = Result<(), WasiHttpError>> + Send>;

impl WasiHttpHooks for GrantedHttp {
    /// The host's client sets `host` from the URL; one set by wasi:http would be dropped (and
    /// recorded) as a host-managed header on every request.
    fn set_host_header(&mut self) -> bool {
        false
    }

    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _response_io: ResponseIo,
    ) -> Box<
        dyn Future<Output = Result<(http::Response<WasiBody>, ResponseIo), WasiHttpError>> + Send,
    > {
        let http = self.http.clone();
        Box::new(async move {
            let request = into_request(request, options, http.max_request_bytes()).await?;
            let response = http.send(request).await.map_err(into_error_code)?;
            let mut builder = http::Response::builder().status(response.status);
            for (name, value) in &response.headers {
                builder = builder.header(name, value);
            }
            let body = Full::new(Bytes::from(response.body))
                .map_err(|never| match never {})
                .boxed_unsync();
            let response = builder
                .body(body)
                .map_err(|e| WasiHttpError::InternalError(Some(e.to_string())))?;
            Ok((response, Box::new(async { Ok(()) }) as ResponseIo))
        })
    }
}

/// The request as the `http` capability takes it. The body is read up to one byte past
/// `max_body`, so an oversized one reaches the size check (and its event) without the host
/// holding more than that.
async fn into_request(
    request: http::Request<WasiBody>,
    options: Option<RequestOptions>,
    max_body: u64,
) -> Result<Request, WasiHttpError> {
    let (parts, mut body) = request.into_parts();
    let method = match parts.method {
        http::Method::GET => Method::Get,
        http::Method::HEAD => Method::Head,
        http::Method::POST => Method::Post,
        http::Method::PUT => Method::Put,
        http::Method::PATCH => Method::Patch,
        http::Method::DELETE => Method::Delete,
        _ => return Err(WasiHttpError::HttpRequestMethodInvalid),
    };
    let mut headers = Vec::with_capacity(parts.headers.len());
    for (name, value) in &parts.headers {
        let value = value.to_str().map_err(|_| {
            WasiHttpError::InternalError(Some(format!("header `{name}` is not text")))
        })?;
        headers.push((name.as_str().to_owned(), value.to_owned()));
    }
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            let room = (max_body + 1).saturating_sub(bytes.len() as u64) as usize;
            bytes.extend_from_slice(&data[..data.len().min(room)]);
            if bytes.len() as u64 > max_body {
                break;
            }
        }
    }
    let timeout = options.and_then(|o| o.first_byte_timeout.or(o.connect_timeout));
    Ok(Request {
        method,
        url: parts.uri.to_string(),
        headers,
        body: (!bytes.is_empty()).then_some(bytes),
        timeout_ms: timeout.map(|t| u32::try_from(t.as_millis()).unwrap_or(u32::MAX)),
    })
}

/// The wasi:http error for a refusal or failure; the reason is in the capability event (and,
/// where wasi:http has room for one, in the error).
fn into_error_code(error: HttpError) -> WasiHttpError {
    match error {
        HttpError::Denied(_) => WasiHttpError::HttpRequestDenied,
        HttpError::Timeout => WasiHttpError::HttpResponseTimeout,
        HttpError::InvalidRequest(m) => {
            WasiHttpError::InternalError(Some(format!("invalid request: {m}")))
        }
        HttpError::TooLarge(m) => WasiHttpError::InternalError(Some(format!("too large: {m}"))),
        HttpError::Transport(m) => WasiHttpError::InternalError(Some(m)),
    }
}
