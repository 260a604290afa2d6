//! `/api/metrics/posts` (the published posts with their newest metrics, and per-day totals, for
//! the console's charts), `POST /api/metrics/collect` (collect now), and the weekly reports
//! (`GET`/`POST /api/reports/weekly`).

use crate::audit::audit;
use crate::auth::{Admin, Reviewer};
use crate::error::{ApiError, ApiJson, ErrorBody};
use crate::post_metrics::{
    Collected, MetricsError, ReportPost, WeeklyReport, build_weekly_report, last_complete_week,
};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use dailyx_store::{NewAuditEntry, now_ms};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

const DAY_MS: i64 = 24 * 3600 * 1000;

impl From<MetricsError> for ApiError {
    fn from(e: MetricsError) -> Self {
        match e {
            MetricsError::Store(e) => e.into(),
            MetricsError::Week(m) => ApiError::invalid(m),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PostsQuery {
    /// Days back (1..=90, default 30).
    pub days: Option<i64>,
}

/// One day of the chart.
#[derive(Debug, Serialize, ToSchema)]
pub struct Day {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    /// Posts published that day (every provider).
    pub posts: i64,
    #[allow(missing_docs)]
    pub impressions: i64,
    /// Likes, reposts, replies, quotes and bookmarks.
    pub engagements: i64,
}

/// Published posts and their metrics.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostsView {
    #[allow(missing_docs)]
    pub posts: Vec<ReportPost>,
    /// Every day of the range, oldest first (days without posts included).
    pub daily: Vec<Day>,
    /// When metrics were last collected (Unix ms).
    pub collected_at: Option<i64>,
}

fn date_of(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string())
        .unwrap_or_default()
}

/// `GET /api/metrics/posts`.
#[utoipa::path(get, path = "/api/metrics/posts", tag = "metrics", params(PostsQuery),
    responses((status = 200, body = PostsView), (status = 401, body = ErrorBody)))]
pub async fn posts(
    State(state): State<AppState>,
    _auth: Reviewer,
    Query(q): Query<PostsQuery>,
) -> Result<Json<PostsView>, ApiError> {
    let days = q.days.unwrap_or(30).clamp(1, 90);
    let now = now_ms();
    let today_start = now - now.rem_euclid(DAY_MS);
    let from = today_start - (days - 1) * DAY_MS;
    let latest = state.store.latest_post_metrics(from - 30 * DAY_MS).await?;
    // The last collection run (even one that found nothing to read), else the newest snapshot.
    let last_run = state
        .store
        .latest_event_of_kind("metrics.collected")
        .await?
        .map(|e| e.at);
    let collected_at = last_run.or_else(|| latest.iter().map(|m| m.collected_at).max());
    let mut posts =
        crate::post_metrics::published_posts(&state.store, from, now + 1, &latest).await?;
    let mut daily: BTreeMap<String, Day> = (0..days)
        .map(|i| {
            let date = date_of(from + i * DAY_MS);
            (
                date.clone(),
                Day {
                    date,
                    posts: 0,
                    impressions: 0,
                    engagements: 0,
                },
            )
        })
        .collect();
    for p in &posts {
        if let Some(day) = daily.get_mut(&date_of(p.posted_at)) {
            day.posts += 1;
            if let Some(m) = &p.metrics {
                day.impressions += m.impressions;
                day.engagements += m.engagements();
            }
        }
    }
    posts.sort_by_key(|p| std::cmp::Reverse(p.posted_at));
    Ok(Json(PostsView {
        posts,
        daily: daily.into_values().collect(),
        collected_at,
    }))
}

/// `POST /api/metrics/collect`: reads the X posts' metrics now.
#[utoipa::path(post, path = "/api/metrics/collect", tag = "metrics",
    responses((status = 200, body = Collected), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 502, body = ErrorBody)))]
pub async fn collect(
    State(state): State<AppState>,
    _admin: Admin,
) -> Result<Json<Collected>, ApiError> {
    Ok(Json(crate::post_metrics::collect(&state).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ReportsQuery {
    /// How many (1..=52, default 12), newest week first.
    pub limit: Option<i64>,
}

/// `GET /api/reports/weekly`.
#[utoipa::path(get, path = "/api/reports/weekly", tag = "metrics", params(ReportsQuery),
    responses((status = 200, body = Vec<WeeklyReport>), (status = 401, body = ErrorBody)))]
pub async fn weekly(
    State(state): State<AppState>,
    _auth: Reviewer,
    Query(q): Query<ReportsQuery>,
) -> Result<Json<Vec<WeeklyReport>>, ApiError> {
    let rows = state
        .store
        .weekly_reports(q.limit.unwrap_or(12).clamp(1, 52))
        .await?;
    let mut reports = Vec::new();
    for r in rows {
        match serde_json::from_str(&r.report) {
            Ok(report) => reports.push(report),
            // Kept in the database; rebuilding the week replaces it.
            Err(e) => {
                tracing::warn!(week = %r.week_start, error = %e, "a stored weekly report cannot be read; rebuild it")
            }
        }
    }
    Ok(Json(reports))
}

/// `POST /api/reports/weekly`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BuildReport {
    /// A Monday, `YYYY-MM-DD`; default: the last complete week.
    pub week_start: Option<String>,
}

/// `POST /api/reports/weekly`: (re)builds a week's report now.
#[utoipa::path(post, path = "/api/reports/weekly", tag = "metrics", request_body = BuildReport,
    responses((status = 200, body = WeeklyReport), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn build(
    State(state): State<AppState>,
    Admin(user): Admin,
    ApiJson(body): ApiJson<BuildReport>,
) -> Result<Json<WeeklyReport>, ApiError> {
    let week = match body.week_start.as_deref() {
        Some(s) => s
            .parse::<jiff::civil::Date>()
            .map_err(|_| ApiError::invalid(format!("`{s}` is not a date (YYYY-MM-DD)")))?,
        None => last_complete_week(now_ms()),
    };
    if week.weekday() != jiff::civil::Weekday::Monday {
        return Err(ApiError::invalid(format!("{week} is not a Monday")));
    }
    let this_week = crate::post_metrics::monday_of(
        jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date(),
    );
    if week > this_week {
        return Err(ApiError::invalid(format!(
            "the week of {week} has not begun; the newest week with a report is {this_week}"
        )));
    }
    let report = build_weekly_report(&state, week, Some(&user.id)).await?;
    audit(
        &state,
        NewAuditEntry {
            user_id: Some(user.id.clone()),
            action: "report.weekly".into(),
            ip: Some(user.ip.to_string()),
            detail: serde_json::json!({ "week_start": report.week_start }),
            ..Default::default()
        },
    )
    .await;
    Ok(Json(report))
}
