//! A circuit breaker per provider: after `failure_threshold` consecutive failures that say the
//! provider is unwell (unreachable, outcome unknown, 5xx), calls stop for `cool_down`; then one
//! probe is let through (half-open): its success closes the circuit, its failure opens it again.
//!
//! Refusals (4xx, duplicates, bad credentials) and rate limits are answers from a working
//! provider, so they count as successes here; rate limits have their own handling.
//!
//! Hand-written rather than a crate: the host needs an injectable clock (tests control time),
//! a hook on every transition (each one is an event) and a snapshot for `/api/circuit-states`,
//! which the maintained breaker crates do not offer together. The state machine is small.

use parking_lot::Mutex;
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Thresholds (from `[publish]` in the config).
#[derive(Debug, Clone, Copy)]
pub struct BreakerSettings {
    /// Consecutive failures that open the circuit.
    pub failure_threshold: u32,
    /// How long it stays open before a probe is let through.
    pub cool_down: Duration,
}

impl Default for BreakerSettings {
    fn default() -> Self {
        BreakerSettings {
            failure_threshold: 5,
            cool_down: Duration::from_secs(60),
        }
    }
}

/// Where a circuit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CircuitState {
    /// Calls go through.
    Closed,
    /// Calls are refused until the cool-down ends.
    Open,
    /// One probe is in flight (or may go); others are refused.
    HalfOpen,
}

impl CircuitState {
    /// `closed`, `open`, `half-open`.
    pub fn as_str(self) -> &'static str {
        match self {
            CircuitState::Closed => "closed",
            CircuitState::Open => "open",
            CircuitState::HalfOpen => "half-open",
        }
    }
}

/// Time, as the breaker sees it (tests substitute their own).
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> Instant;
}

/// The monotonic system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A state change, for the event log.
#[derive(Debug, Clone, Serialize)]
pub struct Transition {
    /// The provider.
    pub provider: String,
    #[allow(missing_docs)]
    pub from: CircuitState,
    #[allow(missing_docs)]
    pub to: CircuitState,
    /// Consecutive failures when it changed.
    pub failures: u32,
}

/// What `/api/circuit-states` shows of one breaker.
#[derive(Debug, Clone, Serialize)]
pub struct CircuitSnapshot {
    /// The provider.
    pub provider: String,
    /// Where it is now (an open circuit whose cool-down ended shows `half-open`).
    pub state: CircuitState,
    /// Consecutive failures.
    pub failures: u32,
    /// The threshold that opens it.
    pub failure_threshold: u32,
    /// While open: milliseconds until a probe is let through.
    pub retry_in_ms: Option<u64>,
}

/// Why a call may not go now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    /// How long until a probe may go (zero while another probe is in flight).
    pub retry_in: Duration,
}

struct Inner {
    state: CircuitState,
    failures: u32,
    opened_at: Option<Instant>,
    probe_in_flight: bool,
}

type OnTransition = Arc<dyn Fn(&Transition) + Send + Sync>;

/// One provider's breaker.
pub struct CircuitBreaker {
    provider: String,
    settings: BreakerSettings,
    clock: Arc<dyn Clock>,
    inner: Mutex<Inner>,
    on_transition: Option<OnTransition>,
}

impl CircuitBreaker {
    /// A closed breaker for `provider`.
    pub fn new(
        provider: impl Into<String>,
        settings: BreakerSettings,
        clock: Arc<dyn Clock>,
    ) -> Self {
        CircuitBreaker {
            provider: provider.into(),
            settings,
            clock,
            inner: Mutex::new(Inner {
                state: CircuitState::Closed,
                failures: 0,
                opened_at: None,
                probe_in_flight: false,
            }),
            on_transition: None,
        }
    }

    /// Calls `f` on every state change (the host turns them into events).
    pub fn on_transition(mut self, f: impl Fn(&Transition) + Send + Sync + 'static) -> Self {
        self.on_transition = Some(Arc::new(f));
        self
    }

    /// The provider.
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// Asks to make a call: `Ok` lets it go (after an open circuit's cool-down, as the one
    /// probe); `Err` says how long until one may.
    pub fn try_acquire(&self) -> Result<(), Refused> {
        let mut transition = None;
        let result = {
            let mut s = self.inner.lock();
            match s.state {
                CircuitState::Closed => Ok(()),
                CircuitState::Open => {
                    let since = s.opened_at.map_or(Duration::ZERO, |t| self.clock.now() - t);
                    if since >= self.settings.cool_down {
                        transition = Some(self.set(&mut s, CircuitState::HalfOpen));
                        s.probe_in_flight = true;
                        Ok(())
                    } else {
                        Err(Refused {
                            retry_in: self.settings.cool_down - since,
                        })
                    }
                }
                CircuitState::HalfOpen if s.probe_in_flight => Err(Refused {
                    retry_in: Duration::ZERO,
                }),
                CircuitState::HalfOpen => {
                    s.probe_in_flight = true;
                    Ok(())
                }
            }
        };
        self.notify(transition);
        result
    }

    /// The call reached a working provider.
    pub fn record_success(&self) {
        let transition = {
            let mut s = self.inner.lock();
            s.failures = 0;
            s.probe_in_flight = false;
            (s.state != CircuitState::Closed).then(|| self.set(&mut s, CircuitState::Closed))
        };
        self.notify(transition);
    }

    /// Gives back a permit that was not used for a call (the try ended before reaching the
    /// provider): a half-open circuit may let its probe go again.
    pub fn release(&self) {
        self.inner.lock().probe_in_flight = false;
    }

    /// The call failed in a way that says the provider is unwell.
    pub fn record_failure(&self) {
        let transition = {
            let mut s = self.inner.lock();
            s.failures = s.failures.saturating_add(1);
            s.probe_in_flight = false;
            let open = match s.state {
                CircuitState::HalfOpen => true,
                CircuitState::Closed => s.failures >= self.settings.failure_threshold,
                CircuitState::Open => false,
            };
            open.then(|| {
                s.opened_at = Some(self.clock.now());
                self.set(&mut s, CircuitState::Open)
            })
        };
        self.notify(transition);
    }

    /// Where it is now.
    pub fn snapshot(&self) -> CircuitSnapshot {
        let s = self.inner.lock();
        let (state, retry_in_ms) = match (s.state, s.opened_at) {
            (CircuitState::Open, Some(at)) => {
                let since = self.clock.now() - at;
                match self.settings.cool_down.checked_sub(since) {
                    Some(left) if !left.is_zero() => {
                        (CircuitState::Open, Some(left.as_millis() as u64))
                    }
                    _ => (CircuitState::HalfOpen, None),
                }
            }
            (state, _) => (state, None),
        };
        CircuitSnapshot {
            provider: self.provider.clone(),
            state,
            failures: s.failures,
            failure_threshold: self.settings.failure_threshold,
            retry_in_ms,
        }
    }

    fn set(&self, s: &mut Inner, to: CircuitState) -> Transition {
        let from = s.state;
        s.state = to;
        Transition {
            provider: self.provider.clone(),
            from,
            to,
            failures: s.failures,
        }
    }

    fn notify(&self, transition: Option<Transition>) {
        if let Some(t) = transition {
            tracing::warn!(provider = %t.provider, from = t.from.as_str(), to = t.to.as_str(), failures = t.failures, "circuit changed");
            if let Some(f) = &self.on_transition {
                f(&t);
            }
        }
    }
}

/// Holds a breaker permit for one try; a try that ends without an answer from the provider
/// (an early return, an error before the call) gives the permit back unused.
pub struct Permit<'a> {
    breaker: Option<&'a CircuitBreaker>,
}

impl<'a> Permit<'a> {
    /// A permit of `breaker` (after [`CircuitBreaker::try_acquire`] let the call go).
    pub fn of(breaker: &'a CircuitBreaker) -> Permit<'a> {
        Permit {
            breaker: Some(breaker),
        }
    }

    /// No breaker involved (dry-run and simulation send nothing).
    pub fn none() -> Permit<'a> {
        Permit { breaker: None }
    }

    /// The provider answered: it works.
    pub fn success(mut self) {
        if let Some(b) = self.breaker.take() {
            b.record_success();
        }
    }

    /// No answer (unreachable, timeout, 5xx): the provider is unwell.
    pub fn failure(mut self) {
        if let Some(b) = self.breaker.take() {
            b.record_failure();
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let Some(b) = self.breaker.take() {
            b.release();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A clock the test moves.
    struct ManualClock {
        start: Instant,
        offset: Mutex<Duration>,
    }

    impl ManualClock {
        fn advance(&self, by: Duration) {
            *self.offset.lock() += by;
        }
    }

    impl Clock for ManualClock {
        fn now(&self) -> Instant {
            self.start + *self.offset.lock()
        }
    }

    fn breaker() -> (Arc<ManualClock>, CircuitBreaker, Arc<Mutex<Vec<String>>>) {
        let clock = Arc::new(ManualClock {
            start: Instant::now(),
            offset: Mutex::new(Duration::ZERO),
        });
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let settings = BreakerSettings {
            failure_threshold: 3,
            cool_down: Duration::from_secs(30),
        };
        let b = CircuitBreaker::new("x", settings, clock.clone()).on_transition(move |t| {
            log.lock()
                .push(format!("{}->{}", t.from.as_str(), t.to.as_str()));
        });
        (clock, b, seen)
    }

    #[test]
    fn opens_after_n_failures_and_half_opens_after_the_cool_down() {
        let (clock, b, seen) = breaker();
        for _ in 0..2 {
            assert!(b.try_acquire().is_ok());
            b.record_failure();
        }
        assert_eq!(b.snapshot().state, CircuitState::Closed, "2 of 3 failures");
        assert!(b.try_acquire().is_ok());
        b.record_failure();
        assert_eq!(b.snapshot().state, CircuitState::Open);
        assert_eq!(
            b.try_acquire(),
            Err(Refused {
                retry_in: Duration::from_secs(30)
            })
        );

        clock.advance(Duration::from_secs(29));
        assert_eq!(
            b.try_acquire(),
            Err(Refused {
                retry_in: Duration::from_secs(1)
            })
        );
        assert_eq!(b.snapshot().retry_in_ms, Some(1000));

        clock.advance(Duration::from_secs(1));
        assert_eq!(b.snapshot().state, CircuitState::HalfOpen);
        assert!(b.try_acquire().is_ok(), "the probe goes");
        assert!(b.try_acquire().is_err(), "only one probe at a time");
        b.record_success();
        assert_eq!(b.snapshot().state, CircuitState::Closed);
        assert_eq!(b.snapshot().failures, 0);
        assert!(b.try_acquire().is_ok());
        assert_eq!(
            *seen.lock(),
            ["closed->open", "open->half-open", "half-open->closed"]
        );
    }

    #[test]
    fn a_failed_probe_opens_it_again_for_a_whole_cool_down() {
        let (clock, b, seen) = breaker();
        for _ in 0..3 {
            b.record_failure();
        }
        clock.advance(Duration::from_secs(31));
        assert!(b.try_acquire().is_ok());
        b.record_failure();
        assert_eq!(b.snapshot().state, CircuitState::Open);
        assert_eq!(
            b.try_acquire(),
            Err(Refused {
                retry_in: Duration::from_secs(30)
            })
        );
        assert_eq!(
            *seen.lock(),
            ["closed->open", "open->half-open", "half-open->open"]
        );
    }

    #[test]
    fn a_success_resets_the_count_of_consecutive_failures() {
        let (_clock, b, seen) = breaker();
        b.record_failure();
        b.record_failure();
        b.record_success();
        b.record_failure();
        b.record_failure();
        assert_eq!(b.snapshot().state, CircuitState::Closed);
        assert!(seen.lock().is_empty());
    }
}
