//! The scheduler: a cron expression and a timezone in `app_config` (`schedule`), one run per
//! due slot. The slot's time is the run's `scheduled_slot`, which is unique in the database, so
//! a restart inside a slot, or two hosts scheduling at once, cannot queue it twice; on top of
//! that only the holder of the `scheduler` lease schedules at all.

use crate::state::{AppState, Heartbeats};
use dailyx_store::{StoreError, now_ms};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use utoipa::ToSchema;

/// The `app_config` key.
pub const SCHEDULE_KEY: &str = "schedule";
/// The lease only one host holds.
pub const SCHEDULER_LEASE: &str = "scheduler";

/// The schedule as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// Five-field cron expression (minute hour day-of-month month day-of-week).
    pub cron: String,
    /// IANA timezone the expression is read in, e.g. `Asia/Bangkok`.
    pub timezone: String,
    /// Whether runs are scheduled at all.
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// Why a schedule is refused.
#[derive(Debug, thiserror::Error)]
#[error("invalid schedule: {0}")]
pub struct ScheduleError(pub String);

impl Schedule {
    fn crontab(&self) -> Result<cronexpr::Crontab, ScheduleError> {
        if self.cron.split_whitespace().count() != 5 {
            return Err(ScheduleError(format!(
                "`{}` is not a five-field cron expression (minute hour day month weekday)",
                self.cron
            )));
        }
        jiff::tz::TimeZone::get(&self.timezone)
            .map_err(|_| ScheduleError(format!("unknown timezone `{}`", self.timezone)))?;
        cronexpr::parse_crontab(&format!("{} {}", self.cron.trim(), self.timezone))
            .map_err(|e| ScheduleError(format!("`{}`: {e}", self.cron)))
    }

    /// Checks the expression and the timezone.
    pub fn validate(&self) -> Result<(), ScheduleError> {
        self.crontab().map(|_| ())
    }

    /// The next `n` slots after `after`.
    pub fn next(&self, after: Timestamp, n: usize) -> Result<Vec<Timestamp>, ScheduleError> {
        let crontab = self.crontab()?;
        let iter = crontab
            .iter_after(cronexpr::MakeTimestamp(after))
            .map_err(|e| ScheduleError(e.to_string()))?;
        iter.take(n)
            .map(|z| {
                z.map(|z| z.timestamp())
                    .map_err(|e| ScheduleError(e.to_string()))
            })
            .collect()
    }

    /// The latest slot in `(after, now]`, if any: the one to run now.
    pub fn due(
        &self,
        after: Timestamp,
        now: Timestamp,
    ) -> Result<Option<Timestamp>, ScheduleError> {
        let crontab = self.crontab()?;
        let mut due = None;
        let iter = crontab
            .iter_after(cronexpr::MakeTimestamp(after))
            .map_err(|e| ScheduleError(e.to_string()))?;
        for slot in iter {
            let slot = slot.map_err(|e| ScheduleError(e.to_string()))?.timestamp();
            if slot > now {
                break;
            }
            due = Some(slot);
        }
        Ok(due)
    }
}

/// The stored schedule and when it was last changed (Unix ms).
pub async fn load(state: &AppState) -> Result<Option<(Schedule, i64)>, StoreError> {
    let Some(entry) = state.store.config_entry(SCHEDULE_KEY).await? else {
        return Ok(None);
    };
    match serde_json::from_value::<Schedule>(entry.value.0) {
        Ok(s) => Ok(Some((s, entry.updated_at))),
        Err(e) => {
            tracing::error!(error = %e, "the stored schedule is malformed; nothing is scheduled");
            Ok(None)
        }
    }
}

/// One scheduler pass: if this host holds the lease and a slot is due, queue its run.
pub async fn tick(state: &AppState) -> Result<(), StoreError> {
    let lease_ms = (state.settings.tick.as_millis() as i64) * 3;
    let held = state
        .store
        .acquire_lease(SCHEDULER_LEASE, &state.node_id, lease_ms)
        .await?;
    if state.holds_scheduler_lease.swap(held, Ordering::Relaxed) != held {
        if held {
            tracing::info!(node = %state.node_id, "this host now holds the scheduler lease");
        } else {
            tracing::info!(node = %state.node_id, "this host no longer holds the scheduler lease");
        }
    }
    if !held {
        return Ok(());
    }
    Heartbeats::beat(&state.heartbeats.scheduler);
    let Some((schedule, changed_at)) = load(state).await? else {
        return Ok(());
    };
    if !schedule.enabled {
        return Ok(());
    }
    let now = now_ms();
    // Slots from before the schedule was set, or too long ago, are not caught up.
    let catch_up = state.settings.schedule_catch_up.as_millis() as i64;
    let after_ms = changed_at.max(now - catch_up);
    let (Ok(after), Ok(now_ts)) = (
        Timestamp::from_millisecond(after_ms),
        Timestamp::from_millisecond(now),
    ) else {
        return Ok(());
    };
    let due = match schedule.due(after, now_ts) {
        Ok(due) => due,
        Err(e) => {
            tracing::error!(error = %e, "the stored schedule is invalid; nothing is scheduled");
            return Ok(());
        }
    };
    let Some(slot) = due else {
        return Ok(());
    };
    let slot = slot.to_string();
    match state
        .pipeline
        .enqueue_slot("schedule", Some(slot.clone()))
        .await
    {
        Ok(run) => {
            tracing::info!(run_id = %run.id, %slot, "scheduled run queued");
            state.wake.runs.notify_one();
        }
        Err(dailyx_pipeline::PipelineError::Store(StoreError::Conflict { .. })) => {
            tracing::debug!(%slot, "slot already has its run");
        }
        Err(e) => tracing::error!(%slot, error = %e, "cannot queue the scheduled run"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(cron: &str, tz: &str) -> Schedule {
        Schedule {
            cron: cron.into(),
            timezone: tz.into(),
            enabled: true,
        }
    }

    #[test]
    fn due_is_the_latest_slot_not_after_now() {
        let s = schedule("0 9 * * *", "Asia/Bangkok");
        let after: Timestamp = "2026-11-21T00:00:00Z".parse().unwrap();
        // 09:00 Bangkok is 02:00 UTC.
        let now: Timestamp = "2026-11-22T03:00:00Z".parse().unwrap();
        assert_eq!(
            s.due(after, now).unwrap().unwrap().to_string(),
            "2026-11-22T02:00:00Z"
        );
        let before: Timestamp = "2026-11-21T01:59:00Z".parse().unwrap();
        assert_eq!(s.due(after, before).unwrap(), None);
    }

    #[test]
    fn next_slots_follow_the_timezone() {
        let s = schedule("30 8 * * 1-5", "Europe/Berlin");
        let from: Timestamp = "2026-11-20T12:00:00Z".parse().unwrap(); // a Friday
        let next: Vec<String> = s
            .next(from, 2)
            .unwrap()
            .iter()
            .map(|t| t.to_string())
            .collect();
        assert_eq!(next, ["2026-11-23T07:30:00Z", "2026-11-24T07:30:00Z"]);
    }

    #[test]
    fn bad_schedules_are_refused() {
        assert!(schedule("0 9 * *", "UTC").validate().is_err());
        assert!(schedule("61 9 * * *", "UTC").validate().is_err());
        assert!(schedule("0 9 * * *", "Mars/Olympus").validate().is_err());
        assert!(schedule("0 9 * * *", "UTC").validate().is_ok());
    }
}
