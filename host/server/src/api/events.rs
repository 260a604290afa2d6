//! The event log over HTTP: `GET /events` (Server-Sent Events, resumable with `Last-Event-ID`),
//! `GET /api/recent`, `GET /api/feed` (paged back in time), `GET /api/latest`.

use crate::auth::Reviewer;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use dailyx_store::{Event, Store};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::watch;
use utoipa::{IntoParams, ToSchema};

/// How often a stream looks for events other hosts wrote (this host's wake it at once).
const POLL: Duration = Duration::from_secs(1);
/// Events read per query while a stream catches up.
const BATCH: i64 = 200;

/// One event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
    /// Increasing; the SSE `id` (send it back as `Last-Event-ID` to resume).
    pub id: i64,
    /// `run.claimed`, `step.finished`, `component.activated`, `component.evaluated`, ...
    pub kind: String,
    /// What it is about: a run id, a component name, ...
    pub subject: String,
    /// The host process that wrote it.
    pub node: String,
    /// Details.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// Unix ms.
    pub at: i64,
}

impl From<Event> for EventView {
    fn from(e: Event) -> Self {
        EventView {
            id: e.id,
            kind: e.kind,
            subject: e.subject,
            node: e.node,
            payload: e.payload.0,
            at: e.at,
        }
    }
}

/// Where a stream starts.
#[derive(Debug, Deserialize, IntoParams)]
pub struct StreamQuery {
    /// Send the events after this id (the `Last-Event-ID` header wins); default: only new ones.
    pub after: Option<i64>,
}

struct Cursor {
    store: Store,
    after: i64,
    buffered: VecDeque<Event>,
    newest: watch::Receiver<i64>,
}

/// The live event feed: every event after `Last-Event-ID` (or `?after=`), then each new one as
/// it is written, by any host. A client that reconnects with the last id it saw misses nothing.
#[utoipa::path(get, path = "/events", tag = "events", params(StreamQuery),
    responses((status = 200, description = "text/event-stream: `id`, `event` (the kind), `data` (the event as JSON)"),
        (status = 401, body = ErrorBody)))]
pub async fn stream(
    State(state): State<AppState>,
    _auth: Reviewer,
    headers: HeaderMap,
    Query(q): Query<StreamQuery>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let after = match resume.or(q.after) {
        Some(id) => id,
        None => state.store.newest_event_id().await?,
    };
    let cursor = Cursor {
        store: state.store.clone(),
        after,
        buffered: VecDeque::new(),
        newest: state.events.newest(),
    };
    let events = futures_util::stream::unfold(cursor, |mut c| async move {
        loop {
            if let Some(e) = c.buffered.pop_front() {
                c.after = e.id;
                return Some((Ok(sse_event(e)), c));
            }
            match c.store.events_after(c.after, BATCH).await {
                Ok(batch) if !batch.is_empty() => {
                    c.buffered.extend(batch);
                    continue;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot read the event log; retrying"),
            }
            tokio::select! {
                changed = c.newest.changed() => {
                    if changed.is_err() {
                        tokio::time::sleep(POLL).await;
                    }
                }
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

fn sse_event(e: Event) -> SseEvent {
    let id = e.id.to_string();
    let kind = e.kind.clone();
    let view = EventView::from(e);
    SseEvent::default()
        .id(id)
        .event(kind)
        .json_data(&view)
        .unwrap_or_else(|_| SseEvent::default().comment("unserialisable event"))
}

/// How many.
#[derive(Debug, Deserialize, IntoParams)]
pub struct RecentQuery {
    /// At most this many (default 50, at most 500).
    pub limit: Option<i64>,
}

fn clamp(limit: Option<i64>) -> i64 {
    limit.unwrap_or(50).clamp(1, 500)
}

/// The newest events, newest first.
#[utoipa::path(get, path = "/api/recent", tag = "events", params(RecentQuery),
    responses((status = 200, body = Vec<EventView>), (status = 401, body = ErrorBody)))]
pub async fn recent(
    State(state): State<AppState>,
    _auth: Reviewer,
    Query(q): Query<RecentQuery>,
) -> Result<Json<Vec<EventView>>, ApiError> {
    let events = state.store.events_page(None, None, clamp(q.limit)).await?;
    Ok(Json(events.into_iter().map(EventView::from).collect()))
}

/// A page of the feed.
#[derive(Debug, Deserialize, IntoParams)]
pub struct FeedQuery {
    /// Events before this id (default: from the newest).
    pub before: Option<i64>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Page size (default 50, at most 500).
    pub limit: Option<i64>,
}

/// One page of the feed, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedPage {
    #[allow(missing_docs)]
    pub events: Vec<EventView>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_before: Option<i64>,
}

/// The event feed, paged back in time, optionally one kind.
#[utoipa::path(get, path = "/api/feed", tag = "events", params(FeedQuery),
    responses((status = 200, body = FeedPage), (status = 401, body = ErrorBody)))]
pub async fn feed(
    State(state): State<AppState>,
    _auth: Reviewer,
    Query(q): Query<FeedQuery>,
) -> Result<Json<FeedPage>, ApiError> {
    let limit = clamp(q.limit);
    let events = state
        .store
        .events_page(q.before, q.kind.as_deref(), limit)
        .await?;
    let next_before = (events.len() as i64 == limit)
        .then(|| events.last().map(|e| e.id))
        .flatten();
    Ok(Json(FeedPage {
        events: events.into_iter().map(EventView::from).collect(),
        next_before,
    }))
}

/// The newest event, and the newest of each kind.
#[derive(Debug, Serialize, ToSchema)]
pub struct Latest {
    #[allow(missing_docs)]
    pub newest: Option<EventView>,
    /// By kind.
    pub by_kind: BTreeMap<String, EventView>,
}

/// The newest event overall and of each kind (the last run step, the last activation, ...).
#[utoipa::path(get, path = "/api/latest", tag = "events",
    responses((status = 200, body = Latest), (status = 401, body = ErrorBody)))]
pub async fn latest(
    State(state): State<AppState>,
    _auth: Reviewer,
) -> Result<Json<Latest>, ApiError> {
    let by_kind: BTreeMap<String, EventView> = state
        .store
        .latest_event_per_kind()
        .await?
        .into_iter()
        .map(|e| (e.kind.clone(), EventView::from(e)))
        .collect();
    let newest = by_kind.values().max_by_key(|e| e.id).cloned();
    Ok(Json(Latest { newest, by_kind }))
}
