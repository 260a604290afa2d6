//! The metrics collection job and the weekly report.
//!
//! One host at a time (the `metrics` lease) reads the counters of the posts published in the
//! last 30 days every `metrics_interval` through each network's provider component (`recent`
//! lists the account's posts with their counters: X's public_metrics, Mastodon's favourites,
//! boosts and replies, Bluesky's likes, reposts, replies and quotes, Instagram's likes and
//! comments), and stores a snapshot per post. After each pass, the last
//! complete week (Monday to Monday, UTC) gets its report if it has none: what was posted where,
//! the newest metrics of each X post, totals, the engagement rate and the top post.

use crate::state::AppState;
use dailyx_runtime::{StageInput, StageOutput};
use dailyx_store::{PostMetricsRow, StoreError, now_ms};
use serde::Serialize;
use std::collections::HashMap;
use std::time::Duration;
use utoipa::ToSchema;

/// The lease that makes one host collect.
pub const METRICS_LEASE: &str = "metrics";
/// How far back posts are followed.
const FOLLOW_FOR_MS: i64 = 30 * 24 * 3600 * 1000;
const DAY_MS: i64 = 24 * 3600 * 1000;

/// Why a collection or a report failed.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A bad week.
    #[error("{0}")]
    Week(String),
}

/// The posts followed on one network: remote id → (draft, position, posted at).
type Followed = HashMap<String, (String, i64, i64)>;

/// What one collection pass did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Collected {
    /// Posts whose metrics were read.
    pub posts: usize,
    /// Whether this host can read X at all (X credentials are configured).
    pub x_configured: bool,
    /// Networks that could not be read, with why (the others were still read).
    pub failures: Vec<String>,
}

/// Reads and stores the metrics of the posts of the last 30 days, from each network's
/// provider component (`recent` lists the account's posts with their counters): X, and every
/// enabled provider with real posts.
pub async fn collect(state: &AppState) -> Result<Collected, MetricsError> {
    let now = now_ms();
    let since = now - FOLLOW_FOR_MS;
    let mut wanted: Vec<(String, String, Followed)> = Vec::new();
    let x_configured = state.publisher.can_publish();
    if x_configured {
        let posts = state.store.published_x_posts(since, now + 1).await?;
        let ids = posts
            .into_iter()
            .filter_map(|p| {
                p.x_post_id
                    .map(|id| (id, (p.draft_id, p.position, p.posted_at)))
            })
            .collect();
        wanted.push(("x".into(), "x".into(), ids));
    }
    let provider_posts = state.store.published_provider_posts(since, now + 1).await?;
    for p in state.dispatcher.providers() {
        let ids: Followed = provider_posts
            .iter()
            .filter(|q| q.provider == p.name)
            .filter_map(|q| {
                q.remote_id
                    .clone()
                    .map(|id| (id, (q.draft_id.clone(), q.position, q.posted_at)))
            })
            .collect();
        wanted.push((p.name.clone(), p.component.clone(), ids));
    }
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for (provider, component, ids) in wanted {
        let Some(oldest) = ids.values().map(|(_, _, at)| *at).min() else {
            continue;
        };
        let record = state
            .runtime
            .call(
                &component,
                StageInput::Recent {
                    since_ms: oldest - 60_000,
                },
            )
            .await;
        let recent = match record.result {
            Ok(StageOutput::RecentPosts(Ok(recent))) => recent,
            Ok(StageOutput::RecentPosts(Err(e))) => {
                failures.push(format!("{provider}: {e}"));
                continue;
            }
            Ok(_) => {
                failures.push(format!("{provider}: `{component}` is not a provider"));
                continue;
            }
            Err(e) => {
                failures.push(format!("{provider}: {e}"));
                continue;
            }
        };
        for post in recent {
            let (Some(m), Some((draft_id, position, _))) = (post.metrics, ids.get(&post.remote_id))
            else {
                continue;
            };
            let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
            rows.push(PostMetricsRow {
                provider: provider.clone(),
                remote_id: post.remote_id.clone(),
                draft_id: draft_id.clone(),
                position: *position,
                impressions: n(m.impressions),
                likes: n(m.likes),
                reposts: n(m.reposts),
                replies: n(m.replies),
                quotes: n(m.quotes),
                bookmarks: n(m.bookmarks),
                collected_at: now,
            });
        }
    }
    state.store.record_post_metrics(&rows).await?;
    state.events.emit(
        "metrics.collected",
        "all",
        serde_json::json!({ "posts": rows.len(), "failures": failures }),
    );
    Ok(Collected {
        posts: rows.len(),
        x_configured,
        failures,
    })
}

/// One post in a report.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct ReportPost {
    #[allow(missing_docs)]
    pub draft_id: String,
    /// `x`, `mastodon`, ...
    pub provider: String,
    #[allow(missing_docs)]
    pub position: i64,
    #[allow(missing_docs)]
    pub remote_id: Option<String>,
    #[allow(missing_docs)]
    pub text: String,
    #[allow(missing_docs)]
    pub posted_at: i64,
    /// Newest metrics (X posts whose metrics were collected).
    pub metrics: Option<Totals>,
}

/// Summed metrics.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, ToSchema)]
#[allow(missing_docs)]
pub struct Totals {
    pub impressions: i64,
    pub likes: i64,
    pub reposts: i64,
    pub replies: i64,
    pub quotes: i64,
    pub bookmarks: i64,
}

impl Totals {
    fn add(&mut self, m: &Totals) {
        self.impressions += m.impressions;
        self.likes += m.likes;
        self.reposts += m.reposts;
        self.replies += m.replies;
        self.quotes += m.quotes;
        self.bookmarks += m.bookmarks;
    }

    /// Likes, reposts, replies, quotes and bookmarks.
    pub fn engagements(&self) -> i64 {
        self.likes + self.reposts + self.replies + self.quotes + self.bookmarks
    }
}

/// A week's report.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct WeeklyReport {
    /// Monday, `YYYY-MM-DD` (UTC).
    pub week_start: String,
    /// The next Monday (exclusive).
    pub week_end: String,
    /// Posts per provider.
    pub posts_by_provider: std::collections::BTreeMap<String, i64>,
    /// Drafts published.
    pub drafts: i64,
    /// Summed newest metrics of the week's posts (every network that reports them).
    pub totals: Totals,
    /// Engagements per impression (0 without impressions).
    pub engagement_rate: f64,
    /// The post with the most impressions (then engagements).
    pub top_post: Option<ReportPost>,
    /// Every post of the week.
    pub posts: Vec<ReportPost>,
    /// When it was built (Unix ms).
    pub built_at: i64,
}

/// Every post really published in `[from, to)` (X's and the other providers'), each with the
/// newest of `snapshots` for it.
pub async fn published_posts(
    store: &dailyx_store::Store,
    from: i64,
    to: i64,
    snapshots: &[PostMetricsRow],
) -> Result<Vec<ReportPost>, StoreError> {
    let newest: HashMap<&str, &PostMetricsRow> = snapshots
        .iter()
        .map(|m| (m.remote_id.as_str(), m))
        .collect();
    let metrics_of = |id: Option<&str>| id.and_then(|id| newest.get(id)).map(|m| totals_of(m));
    let mut posts: Vec<ReportPost> = Vec::new();
    for p in store.published_x_posts(from, to).await? {
        posts.push(ReportPost {
            metrics: metrics_of(p.x_post_id.as_deref()),
            draft_id: p.draft_id,
            provider: "x".into(),
            position: p.position,
            remote_id: p.x_post_id,
            text: p.text,
            posted_at: p.posted_at,
        });
    }
    for p in store.published_provider_posts(from, to).await? {
        posts.push(ReportPost {
            metrics: metrics_of(p.remote_id.as_deref()),
            draft_id: p.draft_id,
            provider: p.provider,
            position: p.position,
            remote_id: p.remote_id,
            text: p.text,
            posted_at: p.posted_at,
        });
    }
    Ok(posts)
}

/// The counters of a snapshot.
pub fn totals_of(m: &PostMetricsRow) -> Totals {
    Totals {
        impressions: m.impressions,
        likes: m.likes,
        reposts: m.reposts,
        replies: m.replies,
        quotes: m.quotes,
        bookmarks: m.bookmarks,
    }
}

/// Monday of the week holding `date`.
pub fn monday_of(date: jiff::civil::Date) -> jiff::civil::Date {
    let back = i64::from(date.weekday().to_monday_zero_offset());
    date.checked_sub(jiff::Span::new().days(back))
        .unwrap_or(date)
}

/// The last complete week's Monday (UTC), as of `now_ms`.
pub fn last_complete_week(now_ms: i64) -> jiff::civil::Date {
    let today = jiff::Timestamp::from_millisecond(now_ms)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let this_monday = monday_of(today);
    this_monday
        .checked_sub(jiff::Span::new().days(7))
        .unwrap_or(this_monday)
}

fn start_ms(date: jiff::civil::Date) -> Result<i64, MetricsError> {
    date.to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp().as_millisecond())
        .map_err(|e| MetricsError::Week(e.to_string()))
}

/// Builds (and stores) the report of the week starting on `week_start` (a Monday).
pub async fn build_weekly_report(
    state: &AppState,
    week_start: jiff::civil::Date,
    by: Option<&str>,
) -> Result<WeeklyReport, MetricsError> {
    if week_start.weekday() != jiff::civil::Weekday::Monday {
        return Err(MetricsError::Week(format!("{week_start} is not a Monday")));
    }
    let end = week_start
        .checked_add(jiff::Span::new().days(7))
        .map_err(|e| MetricsError::Week(e.to_string()))?;
    let (from, to) = (start_ms(week_start)?, start_ms(end)?);
    let latest = state.store.latest_post_metrics(from - DAY_MS).await?;
    let posts = published_posts(&state.store, from, to, &latest).await?;
    let mut totals = Totals::default();
    let mut by_provider = std::collections::BTreeMap::new();
    let mut drafts = std::collections::BTreeSet::new();
    for p in &posts {
        *by_provider.entry(p.provider.clone()).or_insert(0) += 1;
        drafts.insert(p.draft_id.clone());
        if let Some(m) = &p.metrics {
            totals.add(m);
        }
    }
    let top_post = posts
        .iter()
        .filter(|p| {
            p.metrics
                .as_ref()
                .is_some_and(|m| m.impressions > 0 || m.engagements() > 0)
        })
        .max_by_key(|p| {
            p.metrics
                .as_ref()
                .map_or((0, 0), |m| (m.impressions, m.engagements()))
        })
        .cloned();
    let engagement_rate = if totals.impressions > 0 {
        totals.engagements() as f64 / totals.impressions as f64
    } else {
        0.0
    };
    let report = WeeklyReport {
        week_start: week_start.to_string(),
        week_end: end.to_string(),
        posts_by_provider: by_provider,
        drafts: drafts.len() as i64,
        totals,
        engagement_rate,
        top_post,
        posts,
        built_at: now_ms(),
    };
    let text = serde_json::to_string(&report).map_err(|e| MetricsError::Week(e.to_string()))?;
    state
        .store
        .save_weekly_report(&report.week_start, &text, by)
        .await?;
    state.events.emit(
        "report.weekly",
        &report.week_start,
        serde_json::json!({ "drafts": report.drafts, "impressions": report.totals.impressions }),
    );
    Ok(report)
}

/// Collects every `interval` on the host holding the lease; then makes sure the last
/// complete week has its report.
pub async fn job(state: AppState, interval: Duration) {
    let lease_ms = (interval.as_millis() as i64).saturating_mul(2).max(60_000);
    loop {
        match state
            .store
            .acquire_lease(METRICS_LEASE, &state.node_id, lease_ms)
            .await
        {
            Ok(true) => {
                match collect(&state).await {
                    Ok(c) => tracing::info!(posts = c.posts, "post metrics collected"),
                    Err(e) => tracing::warn!(error = %e, "post metrics not collected"),
                }
                let week = last_complete_week(now_ms());
                match state.store.has_weekly_report(&week.to_string()).await {
                    Ok(false) => {
                        if let Err(e) = build_weekly_report(&state, week, None).await {
                            tracing::warn!(error = %e, %week, "weekly report not built");
                        }
                    }
                    Ok(true) => {}
                    Err(e) => tracing::warn!(error = %e, "cannot read the weekly reports"),
                }
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "cannot take the metrics lease"),
        }
        tokio::time::sleep(interval).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday_utc() {
        let d = |s: &str| s.parse::<jiff::civil::Date>().unwrap();
        assert_eq!(monday_of(d("2026-11-22")), d("2026-11-16")); // a Sunday
        assert_eq!(monday_of(d("2026-11-16")), d("2026-11-16"));
        let sunday_noon = jiff::Timestamp::from_second(1_795_348_800).unwrap(); // 2026-11-22 12:00Z
        assert_eq!(
            last_complete_week(sunday_noon.as_millisecond()),
            d("2026-11-09")
        );
    }
}
