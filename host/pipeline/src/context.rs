//! The run context every stage is given, fixed when the run is queued.

use dailyx_runtime::types::RunContext;
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// The context of a new run `run_id` started now.
pub(crate) fn new_context(
    run_id: &str,
    timezone: &str,
    previous_run_at_ms: Option<i64>,
    dry_run: bool,
) -> RunContext {
    let now = Timestamp::now();
    let tz = TimeZone::get(timezone).unwrap_or(TimeZone::UTC);
    RunContext {
        run_id: run_id.to_owned(),
        date: now.to_zoned(tz).date().to_string(),
        started_at_ms: now.as_millisecond(),
        previous_run_at_ms,
        dry_run,
    }
}
