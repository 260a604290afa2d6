//! What one call's capability events may cost the host. A guest chooses what it asks for (a
//! 16 MiB config key, a million calls), so every event is capped before it is logged or kept.

/// Longest target or detail kept, bytes; longer ones are cut on a char boundary and end in
/// [`CUT_MARKER`].
pub const MAX_FIELD_BYTES: usize = 256;
/// What a cut target or detail ends with.
pub const CUT_MARKER: &str = "…(cut)";
/// Events kept per call.
pub const MAX_EVENTS_PER_CALL: usize = 10_000;
/// Bytes of targets and details kept per call.
pub const MAX_EVENT_BYTES_PER_CALL: usize = 1 << 20;
/// Denials logged one by one per call (at WARN); the rest are counted in one line at the end.
pub const MAX_DENIALS_LOGGED: usize = 5;
/// The target of the event that sums up a capability's events a call could not keep.
pub const SUMMARY_TARGET: &str = "(events not kept)";
