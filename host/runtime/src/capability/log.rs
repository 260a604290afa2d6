//! The `log` capability: guest log lines into the host's tracing, tagged
//! with the component, and kept with the call's record.
//!
//! Always available, but bounded: a line is cut at 4 KiB and a call keeps
//! at most 1,000 lines, so a component cannot flood the host's logs.

use crate::events::ComponentId;
use dailyx_world::log::{self as wit, Level};
use serde::Serialize;
use std::sync::Arc;

/// Longest line kept, bytes.
pub const MAX_LINE_BYTES: usize = 4096;
/// Most lines kept per call.
pub const MAX_LINES_PER_CALL: usize = 1000;

/// One line a guest logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GuestLogLine {
    /// `trace` .. `error`.
    pub level: &'static str,
    /// The message (possibly cut).
    pub message: String,
}

/// Per-call state of the `log` capability.
pub struct LogState {
    component: Arc<ComponentId>,
    /// Lines logged during this call.
    pub lines: Vec<GuestLogLine>,
    dropped: usize,
}

impl LogState {
    /// State for one call of `component`.
    pub fn new(component: Arc<ComponentId>) -> Self {
        LogState {
            component,
            lines: Vec::new(),
            dropped: 0,
        }
    }

    /// Lines dropped because the call exceeded [`MAX_LINES_PER_CALL`].
    pub fn dropped(&self) -> usize {
        self.dropped
    }
}

fn cut(mut s: String) -> String {
    if s.len() > MAX_LINE_BYTES {
        let mut end = MAX_LINE_BYTES;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
    s
}

impl wit::Host for LogState {
    async fn write(&mut self, level: Level, message: String) {
        if self.lines.len() >= MAX_LINES_PER_CALL {
            self.dropped += 1;
            return;
        }
        let message = cut(message);
        let c = &self.component;
        let level_name = match level {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        };
        match level {
            Level::Trace => {
                tracing::trace!(target: "guest", component = %c.name, version = %c.version, digest = c.short_digest(), "{message}")
            }
            Level::Debug => {
                tracing::debug!(target: "guest", component = %c.name, version = %c.version, digest = c.short_digest(), "{message}")
            }
            Level::Info => {
                tracing::info!(target: "guest", component = %c.name, version = %c.version, digest = c.short_digest(), "{message}")
            }
            Level::Warn => {
                tracing::warn!(target: "guest", component = %c.name, version = %c.version, digest = c.short_digest(), "{message}")
            }
            Level::Error => {
                tracing::error!(target: "guest", component = %c.name, version = %c.version, digest = c.short_digest(), "{message}")
            }
        }
        self.lines.push(GuestLogLine {
            level: level_name,
            message,
        });
    }
}
