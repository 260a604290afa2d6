//! The HTTP listener: HTTP/1.1 connections that must send their request head within the header
//! read timeout, and a graceful shutdown.
//!
//! `axum::serve` has no timer, so hyper's header read timeout never ran: a client that sent its
//! headers a byte at a time (slowloris), or sent nothing at all, held its connection and its
//! task for as long as it liked, and enough of them exhaust the server. Here hyper gets a timer
//! and the timeout, which covers both the first request and the idle time before each next
//! one on a kept-alive connection. HTTP/2 without TLS (h2c) is not offered: its preface would be
//! read with no timeout, and browsers and reverse proxies speak HTTP/1.1 to this server.

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;

/// How long to pause after a failed accept (out of file descriptors, say) before the next.
const ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

/// Serves `app` on `listener` until `shutdown` resolves, then lets the requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    // `stop` tells the connections to finish; each holds a `done` receiver until it has.
    let (stop, _) = watch::channel(false);
    let (done, _) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::error!(error = %e, "cannot accept a connection");
                    tokio::select! {
                        () = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                        () = &mut shutdown => break,
                    }
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let app = app.clone();
            async move {
                let Ok(response) = app.oneshot(request).await;
                Ok::<_, Infallible>(response)
            }
        });
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let mut stopping = stop.subscribe();
        let finished = done.subscribe();
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => log_end(result),
                // The value changes once, to `true`.
                _ = stopping.changed() => {
                    connection.as_mut().graceful_shutdown();
                    log_end(connection.await);
                }
            }
            drop(finished);
        });
    }
    drop(listener);
    stop.send_replace(true);
    done.closed().await;
}

fn log_end(result: Result<(), hyper::Error>) {
    if let Err(e) = result {
        // A client that took too long with its headers, or went away: routine, not an error
        // of ours.
        tracing::debug!(error = %e, timeout = e.is_timeout(), "connection ended");
    }
}
