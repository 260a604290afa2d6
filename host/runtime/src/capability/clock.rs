//! The `clock` capability: wall-clock and monotonic time. Always available
//! (guests on wasm32-unknown-unknown have no clock of their own).

use dailyx_world::clock as wit;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// A source of time; a trait so tests can fix it.
pub trait Clock: Send + Sync {
    /// Wall-clock time, Unix ms.
    fn now_ms(&self) -> i64;
    /// Monotonic nanoseconds since an arbitrary start.
    fn monotonic_ns(&self) -> u64;
}

/// The system's clocks.
pub struct SystemClock {
    start: Instant,
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock {
            start: Instant::now(),
        }
    }
}

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64)
    }

    fn monotonic_ns(&self) -> u64 {
        self.start.elapsed().as_nanos() as u64
    }
}

/// Per-call state of the `clock` capability.
pub struct ClockState(pub Arc<dyn Clock>);

impl wit::Host for ClockState {
    async fn now_ms(&mut self) -> i64 {
        self.0.now_ms()
    }

    async fn monotonic_ns(&mut self) -> u64 {
        self.0.monotonic_ns()
    }
}
