//! What one call's capability events may cost the host. A guest chooses what it asks for (a
//! 16 MiB config key, a million calls), so every event is capped before it is logged or kept:
//! each target and detail is cut at [`MAX_FIELD_BYTES`], a call keeps at most
//! [`MAX_EVENTS_PER_CALL`] events and [`MAX_EVENT_BYTES_PER_CALL`] bytes of them, and only the
//! first [`MAX_DENIALS_LOGGED`] denials are logged one by one. What the caps leave out is
//! counted: one summary event per capability and outcome closes the call's events, one WARN
//! line gives the number of denials, and the `capability_denials_total` and
//! `capability_events_dropped_total` counters add them up.

use super::{CapabilityEvent, ComponentId, Outcome};
use std::borrow::Cow;

/// Longest target or detail kept, bytes; longer ones are cut on a char boundary and end in
/// [`CUT_MARKER`].
pub const MAX_FIELD_BYTES: usize = 256;
/// What a cut target or detail ends with.
pub const CUT_MARKER: &str = "…(cut)";
/// Events kept per call (summaries included).
pub const MAX_EVENTS_PER_CALL: usize = 10_000;
/// Bytes of targets and details kept per call (summaries included).
pub const MAX_EVENT_BYTES_PER_CALL: usize = 1 << 20;
/// Denials logged one by one per call (at WARN); the rest are counted in one line at the end.
pub const MAX_DENIALS_LOGGED: usize = 5;
/// The target of the event that sums up a capability's events a call could not keep.
pub const SUMMARY_TARGET: &str = "(events not kept)";

/// Room kept for the summaries: one per capability and outcome (five capabilities record
/// events, with three outcomes each).
const SUMMARY_SLOTS: usize = 16;
const SUMMARY_BYTES: usize = SUMMARY_TARGET.len() + MAX_FIELD_BYTES + CUT_MARKER.len();
const EVENTS_BEFORE_SUMMARIES: usize = MAX_EVENTS_PER_CALL - SUMMARY_SLOTS;
const BYTES_BEFORE_SUMMARIES: usize = MAX_EVENT_BYTES_PER_CALL - SUMMARY_SLOTS * SUMMARY_BYTES;

/// `s` cut to at most `max` bytes on a char boundary, then [`CUT_MARKER`]; borrowed when it
/// fits.
fn cut_at(s: &str, max: usize) -> Cow<'_, str> {
    if s.len() <= max {
        return Cow::Borrowed(s);
    }
    let end = s.floor_char_boundary(max);
    let mut out = String::with_capacity(end + CUT_MARKER.len());
    out.push_str(&s[..end]);
    out.push_str(CUT_MARKER);
    Cow::Owned(out)
}

/// `s` within [`MAX_FIELD_BYTES`] (and the marker), for text a capability builds from what a
/// guest sent (a reason naming a key) before it reaches an event, a log line or the guest.
pub fn cut(s: &str) -> Cow<'_, str> {
    cut_at(s, MAX_FIELD_BYTES)
}

/// An owned field within the cap. A long one is copied into a small new string, so the
/// guest's large one is freed rather than kept truncated in its whole allocation.
pub(super) fn capped(s: String) -> String {
    if s.len() <= MAX_FIELD_BYTES {
        s
    } else {
        cut(&s).into_owned()
    }
}

/// One call's events and the count of what the caps left out.
#[derive(Default)]
pub(super) struct CallEvents {
    kept: Vec<CapabilityEvent>,
    bytes: usize,
    denials_logged: usize,
    /// Denials per capability, kept or not.
    denials: Vec<(&'static str, u64)>,
    /// Events not kept, per capability and outcome.
    dropped: Vec<((&'static str, Outcome), u64)>,
}

fn bump<K: PartialEq>(counts: &mut Vec<(K, u64)>, key: K) {
    match counts.iter_mut().find(|(k, _)| *k == key) {
        Some((_, n)) => *n += 1,
        None => counts.push((key, 1)),
    }
}

impl CallEvents {
    /// Keeps `event` (its fields already capped) if the call's caps allow; where it went.
    pub(super) fn push(&mut self, event: CapabilityEvent) -> Option<usize> {
        if event.outcome == Outcome::Denied {
            bump(&mut self.denials, event.capability);
        }
        let size = event.target.len() + event.detail.len();
        if !self.has_room(size) {
            bump(&mut self.dropped, (event.capability, event.outcome));
            return None;
        }
        self.bytes += size;
        self.kept.push(event);
        Some(self.kept.len() - 1)
    }

    fn has_room(&self, size: usize) -> bool {
        self.kept.len() < EVENTS_BEFORE_SUMMARIES && self.bytes + size <= BYTES_BEFORE_SUMMARIES
    }

    /// Whether the next event, with `outcome` and `size` bytes of fields, is logged one by
    /// one: the first denials of the call, and other events (at DEBUG) while they are kept.
    pub(super) fn log_one(&mut self, outcome: Outcome, size: usize) -> bool {
        match outcome {
            Outcome::Denied if self.denials_logged < MAX_DENIALS_LOGGED => {
                self.denials_logged += 1;
                true
            }
            Outcome::Denied => false,
            Outcome::Allowed | Outcome::Unavailable => self.has_room(size),
        }
    }

    /// Replaces the detail of the kept event `at` (capped, and cut further if the call's bytes
    /// would pass their cap).
    pub(super) fn set_detail(&mut self, at: usize, detail: String) {
        let Some(event) = self.kept.get_mut(at) else {
            return;
        };
        let others = self.bytes - event.detail.len();
        let room = BYTES_BEFORE_SUMMARIES.saturating_sub(others);
        let detail = capped(detail);
        let detail = if detail.len() <= room {
            detail
        } else {
            cut_at(&detail, room.saturating_sub(CUT_MARKER.len())).into_owned()
        };
        if detail.len() > room {
            return;
        }
        self.bytes = others + detail.len();
        event.detail = detail;
    }

    /// The call's events, closed by a summary of what was not kept; logs the number of
    /// denials when not all were logged, and counts both in the metrics. Leaves the state
    /// empty.
    pub(super) fn finish(&mut self, component: &ComponentId) -> Vec<CapabilityEvent> {
        let done = std::mem::take(self);
        let mut events = done.kept;
        for ((capability, outcome), n) in done.dropped.into_iter().take(SUMMARY_SLOTS) {
            metrics::counter!("capability_events_dropped_total", "capability" => capability)
                .increment(n);
            let what = match outcome {
                Outcome::Allowed => "allowed",
                Outcome::Denied => "denied",
                Outcome::Unavailable => "unavailable",
            };
            let detail = format!(
                "{n} more {what} calls not kept: the call reached its cap of \
                 {MAX_EVENTS_PER_CALL} events or {MAX_EVENT_BYTES_PER_CALL} bytes of them"
            );
            events.push(CapabilityEvent {
                component: component.name.clone(),
                digest: component.digest.clone(),
                capability,
                target: SUMMARY_TARGET.to_owned(),
                outcome,
                detail: capped(detail),
            });
        }
        let mut total = 0;
        for (capability, n) in done.denials {
            metrics::counter!("capability_denials_total", "capability" => capability).increment(n);
            total += n;
        }
        if total > done.denials_logged as u64 {
            tracing::warn!(
                component = %component.name, digest = component.short_digest(),
                denials = total, logged = done.denials_logged,
                "capability denials in this call: only the first {MAX_DENIALS_LOGGED} were logged one by one"
            );
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_keeps_short_text_and_cuts_long_text_on_a_char_boundary() {
        assert!(matches!(cut("short"), Cow::Borrowed("short")));
        let exact = "a".repeat(MAX_FIELD_BYTES);
        assert_eq!(cut(&exact), exact.as_str());
        // 'é' is two bytes: byte 256 falls inside the 129th, which is dropped whole.
        let long = format!("a{}", "é".repeat(200));
        let c = cut(&long);
        assert!(c.ends_with(CUT_MARKER));
        let body = c.strip_suffix(CUT_MARKER).unwrap();
        assert_eq!(body.len(), 255);
        assert!(long.starts_with(body));
        let big = capped("K".repeat(1 << 20));
        assert!(big.capacity() < 2 * (MAX_FIELD_BYTES + CUT_MARKER.len()));
    }

    fn event(outcome: Outcome, detail: &str) -> CapabilityEvent {
        CapabilityEvent {
            component: "c".into(),
            digest: "sha256:00".into(),
            capability: "config",
            target: "k".into(),
            outcome,
            detail: detail.into(),
        }
    }

    #[test]
    fn a_call_keeps_what_its_caps_allow_and_sums_up_the_rest() {
        let id = ComponentId {
            name: "c".into(),
            version: "0.1.0".into(),
            digest: "sha256:00".into(),
        };
        let mut events = CallEvents::default();
        let n = MAX_EVENTS_PER_CALL + 5;
        let mut logged = 0;
        for _ in 0..n {
            logged += usize::from(events.log_one(Outcome::Denied, 3));
            events.push(event(Outcome::Denied, "no"));
        }
        assert_eq!(logged, MAX_DENIALS_LOGGED);
        let all = events.finish(&id);
        assert!(all.len() <= MAX_EVENTS_PER_CALL);
        let summary = all.last().unwrap();
        assert_eq!(summary.target, SUMMARY_TARGET);
        let more: usize = summary.detail.split(' ').next().unwrap().parse().unwrap();
        assert_eq!(all.len() - 1 + more, n);
        assert!(
            events.finish(&id).is_empty(),
            "finish leaves nothing behind"
        );
    }

    #[test]
    fn a_replaced_detail_stays_within_the_bytes_cap() {
        let mut events = CallEvents::default();
        let big = "d".repeat(MAX_FIELD_BYTES);
        let mut last = None;
        while let Some(at) = events.push(event(Outcome::Allowed, &big)) {
            last = Some(at);
        }
        let at = last.unwrap();
        events.set_detail(at, "x".repeat(10 * MAX_FIELD_BYTES));
        assert!(events.bytes <= BYTES_BEFORE_SUMMARIES);
        assert!(events.kept[at].detail.len() <= MAX_FIELD_BYTES + CUT_MARKER.len());
    }
}
