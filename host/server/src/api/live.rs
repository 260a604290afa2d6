//! `GET /api/drafts/events`: a Server-Sent Events stream that tells the console when the drafts
//! changed (any host's write), with the counts per status, so the inbox refreshes itself.
//!
//! One watcher per host ([`watch_drafts`]) reads the drafts' revision once a second (two
//! aggregate queries) and publishes it on a `tokio::sync::watch` channel; every open stream
//! follows that channel, so a hundred consoles cost the database nothing more than one.

use crate::auth::Reviewer;
use crate::state::AppState;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde::Serialize;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::time::Duration;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::WatchStream;
use utoipa::ToSchema;

/// What a `drafts` event carries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct DraftsChanged {
    /// Changes whenever any draft changes (the list's ETag follows it).
    pub revision: String,
    /// Drafts per status.
    pub counts: BTreeMap<String, i64>,
}

/// How often the watcher looks.
const WATCH_EVERY: Duration = Duration::from_secs(1);

/// Publishes the drafts' revision whenever it changes. Runs for the life of the server.
pub async fn watch_drafts(state: AppState) {
    let mut interval = tokio::time::interval(WATCH_EVERY);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        match state.store.draft_summary().await {
            Ok(summary) => {
                let next = DraftsChanged {
                    revision: summary.revision,
                    counts: summary.counts.into_iter().collect(),
                };
                state.drafts_changed.send_if_modified(|current| {
                    if *current == next {
                        false
                    } else {
                        *current = next;
                        true
                    }
                });
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the drafts' revision"),
        }
    }
}

/// Live draft changes: an event `drafts` (data: `DraftsChanged`) at once and after every
/// change; a comment every 15 s keeps proxies from closing the stream.
#[utoipa::path(get, path = "/api/drafts/events", tag = "drafts",
    responses((status = 200, description = "text/event-stream of `drafts` events", body = DraftsChanged, content_type = "text/event-stream"),
        (status = 401, body = crate::error::ErrorBody)))]
pub async fn drafts_events(
    State(state): State<AppState>,
    _auth: Reviewer,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stream = WatchStream::new(state.drafts_changed.subscribe())
        .filter(|change| !change.revision.is_empty())
        .map(|change| {
            Ok(Event::default()
                .event("drafts")
                .id(change.revision.clone())
                .json_data(&change)
                .unwrap_or_else(|_| Event::default().event("drafts")))
        });
    // Ends when the server shuts down (graceful shutdown waits for open responses).
    let mut stopping = state.shutting_down.subscribe();
    let stopped = async move {
        let _ = stopping.wait_for(|s| *s).await;
    };
    let stream = futures_util::StreamExt::take_until(stream, stopped);
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
