//! [`CircuitBreaker`]: stops sending to a host that keeps failing, then lets a few probes test it.
//!
//! Closed: every request goes; `failure_threshold` failures in a row open it. Open: nothing goes
//! until `open_timeout` has passed. Half-open: up to `half_open_probes` requests go; when that
//! many succeed it closes, when one fails it opens again for another `open_timeout`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::clock::{SharedClock, deadline_after};

/// How a breaker decides. Defaults: open after 5 failures in a row, for 30 s, then 1 probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerOptions {
    /// Consecutive failures (network errors, timeouts, 5xx) that open the breaker (at least 1).
    pub failure_threshold: u32,
    /// How long it stays open before probes may test the host.
    pub open_timeout: Duration,
    /// Probes let through while half-open; that many successes close it (at least 1).
    pub half_open_probes: u32,
}

impl Default for BreakerOptions {
    fn default() -> Self {
        BreakerOptions {
            failure_threshold: 5,
            open_timeout: Duration::from_secs(30),
            half_open_probes: 1,
        }
    }
}

/// Where a breaker stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BreakerState {
    /// Requests go.
    Closed,
    /// Requests are refused until the open timeout passes.
    Open,
    /// A bounded number of probes may go.
    HalfOpen,
}

impl BreakerState {
    /// `closed`, `open`, `half-open`.
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half-open",
        }
    }
}

/// What a breaker has seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerStats {
    /// Where it stands now.
    pub state: BreakerState,
    /// Failures in a row so far (0 after a success).
    pub consecutive_failures: u32,
    /// Outcomes recorded as successes.
    pub successes: u64,
    /// Outcomes recorded as failures.
    pub failures: u64,
    /// Requests refused while open (or half-open with every probe taken).
    pub rejected: u64,
    /// How many times it opened.
    pub times_opened: u64,
    /// While open: how long until it half-opens.
    pub half_opens_in: Option<Duration>,
}

/// A refusal: the breaker is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejected {
    /// How long until probes may go (zero when half-open with every probe taken).
    pub half_opens_in: Duration,
    /// The failures in a row that opened it.
    pub consecutive_failures: u32,
}

/// One breaker (one host). Every method takes `&self`; the decision is one short lock.
#[derive(Debug)]
pub struct CircuitBreaker {
    options: BreakerOptions,
    clock: SharedClock,
    /// The host it guards, for its log lines (empty: a breaker of no named host).
    host: String,
    inner: Mutex<Inner>,
    successes: AtomicU64,
    failures: AtomicU64,
    rejected: AtomicU64,
    times_opened: AtomicU64,
}

#[derive(Debug)]
struct Inner {
    state: BreakerState,
    consecutive_failures: u32,
    opened_at: Instant,
    probes_in_flight: u32,
    probe_successes: u32,
}

/// Leave to send one request; say how it went with [`Permit::success`] or [`Permit::failure`].
/// Dropped without either, it counts for nothing (a probe slot is given back).
#[derive(Debug)]
#[must_use = "a permit records the outcome of the request it admits"]
pub struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    probe: bool,
    settled: bool,
}

impl Permit<'_> {
    /// True when the request is a half-open probe.
    pub fn is_probe(&self) -> bool {
        self.probe
    }

    /// The request succeeded (or failed in a way that says the host is up, such as a 404).
    pub fn success(mut self) {
        self.settled = true;
        self.breaker.record(self.probe, true);
    }

    /// The request failed in a way that counts against the host (network, timeout, 5xx).
    pub fn failure(mut self) {
        self.settled = true;
        self.breaker.record(self.probe, false);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.settled && self.probe {
            let mut inner = self.breaker.inner.lock();
            if inner.state == BreakerState::HalfOpen {
                inner.probes_in_flight = inner.probes_in_flight.saturating_sub(1);
            }
        }
    }
}

/// `circuit breaker for host:port`, as log lines name it.
impl std::fmt::Display for CircuitBreaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.host.as_str() {
            "" => f.write_str("circuit breaker"),
            host => write!(f, "circuit breaker for {host}"),
        }
    }
}

impl CircuitBreaker {
    /// A closed breaker.
    pub fn new(options: BreakerOptions, clock: SharedClock) -> CircuitBreaker {
        CircuitBreaker::for_host(options, clock, "")
    }

    /// A closed breaker for `host` (`host:port`), which its log lines name.
    pub fn for_host(options: BreakerOptions, clock: SharedClock, host: &str) -> CircuitBreaker {
        let options = BreakerOptions {
            failure_threshold: options.failure_threshold.max(1),
            half_open_probes: options.half_open_probes.max(1),
            ..options
        };
        let opened_at = clock.now();
        CircuitBreaker {
            options,
            clock,
            host: host.to_string(),
            inner: Mutex::new(Inner {
                state: BreakerState::Closed,
                consecutive_failures: 0,
                opened_at,
                probes_in_flight: 0,
                probe_successes: 0,
            }),
            successes: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            times_opened: AtomicU64::new(0),
        }
    }

    /// The options it runs under.
    pub fn options(&self) -> &BreakerOptions {
        &self.options
    }

    /// Asks to send one request: a permit, or a refusal saying when probes may go.
    pub fn try_acquire(&self) -> Result<Permit<'_>, Rejected> {
        let mut inner = self.inner.lock();
        if inner.state == BreakerState::Closed {
            return Ok(self.permit(false));
        }
        let now = self.clock.now();
        if inner.state == BreakerState::Open {
            let reopens = deadline_after(inner.opened_at, self.options.open_timeout);
            if now < reopens {
                self.rejected.fetch_add(1, Ordering::Relaxed);
                return Err(Rejected {
                    half_opens_in: reopens - now,
                    consecutive_failures: inner.consecutive_failures,
                });
            }
            inner.state = BreakerState::HalfOpen;
            inner.probes_in_flight = 0;
            inner.probe_successes = 0;
            let probes = self.options.half_open_probes;
            log::debug!(target: "rnuget::resilience",
                "{self}: half-open, letting {probes} probe(s) through");
        }
        if inner.probes_in_flight + inner.probe_successes < self.options.half_open_probes {
            inner.probes_in_flight += 1;
            return Ok(self.permit(true));
        }
        self.rejected.fetch_add(1, Ordering::Relaxed);
        Err(Rejected {
            half_opens_in: Duration::ZERO,
            consecutive_failures: inner.consecutive_failures,
        })
    }

    fn permit(&self, probe: bool) -> Permit<'_> {
        Permit {
            breaker: self,
            probe,
            settled: false,
        }
    }

    fn record(&self, probe: bool, ok: bool) {
        let counter = if ok { &self.successes } else { &self.failures };
        counter.fetch_add(1, Ordering::Relaxed);
        let mut inner = self.inner.lock();
        match (inner.state, probe, ok) {
            (BreakerState::Closed, _, true) => inner.consecutive_failures = 0,
            (BreakerState::Closed, _, false) => {
                inner.consecutive_failures += 1;
                if inner.consecutive_failures >= self.options.failure_threshold {
                    self.open(&mut inner);
                }
            }
            (BreakerState::HalfOpen, true, true) => {
                inner.probes_in_flight = inner.probes_in_flight.saturating_sub(1);
                inner.probe_successes += 1;
                if inner.probe_successes >= self.options.half_open_probes {
                    inner.state = BreakerState::Closed;
                    inner.consecutive_failures = 0;
                    // The host answers again: a fault the breaker healed.
                    let probes = inner.probe_successes;
                    log::warn!(target: "rnuget::resilience",
                        "{self}: closed, {probes} probe(s) succeeded");
                }
            }
            (BreakerState::HalfOpen, true, false) => {
                inner.consecutive_failures += 1;
                self.open(&mut inner);
            }
            // An outcome of a request admitted before the state changed says nothing new.
            _ => {}
        }
    }

    fn open(&self, inner: &mut Inner) {
        inner.state = BreakerState::Open;
        inner.opened_at = self.clock.now();
        inner.probes_in_flight = 0;
        inner.probe_successes = 0;
        self.times_opened.fetch_add(1, Ordering::Relaxed);
        let (failures, open) = (inner.consecutive_failures, self.options.open_timeout);
        log::warn!(target: "rnuget::resilience",
            "{self}: opened after {failures} consecutive failures; half-opens in {} s",
            open.as_secs_f64());
    }

    /// Where it stands (an open breaker whose timeout passed reads as half-open).
    pub fn state(&self) -> BreakerState {
        self.stats().state
    }

    /// State and counters.
    pub fn stats(&self) -> BreakerStats {
        let inner = self.inner.lock();
        let (state, half_opens_in) = match inner.state {
            BreakerState::Open => {
                let reopens = deadline_after(inner.opened_at, self.options.open_timeout);
                let left = reopens.saturating_duration_since(self.clock.now());
                if left.is_zero() {
                    (BreakerState::HalfOpen, None)
                } else {
                    (BreakerState::Open, Some(left))
                }
            }
            other => (other, None),
        };
        BreakerStats {
            state,
            consecutive_failures: inner.consecutive_failures,
            successes: self.successes.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
            rejected: self.rejected.load(Ordering::Relaxed),
            times_opened: self.times_opened.load(Ordering::Relaxed),
            half_opens_in,
        }
    }

    /// Closes it and forgets the failures in a row (the counters stay).
    pub fn reset(&self) {
        let mut inner = self.inner.lock();
        inner.state = BreakerState::Closed;
        inner.consecutive_failures = 0;
        inner.probes_in_flight = 0;
        inner.probe_successes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resilience::clock::FakeClock;
    use std::sync::Arc;

    fn breaker(threshold: u32, probes: u32) -> (CircuitBreaker, Arc<FakeClock>) {
        let clock = FakeClock::new();
        let options = BreakerOptions {
            failure_threshold: threshold,
            open_timeout: Duration::from_secs(10),
            half_open_probes: probes,
        };
        (CircuitBreaker::new(options, clock.clone().into()), clock)
    }

    #[test]
    fn opens_after_the_threshold_and_half_opens_after_the_timeout() {
        let (b, clock) = breaker(3, 1);
        for _ in 0..2 {
            b.try_acquire().unwrap().failure();
        }
        b.try_acquire().unwrap().success();
        assert_eq!(b.stats().consecutive_failures, 0);
        for _ in 0..3 {
            b.try_acquire().unwrap().failure();
        }
        assert_eq!(b.state(), BreakerState::Open);
        clock.advance(Duration::from_secs(4));
        let refused = b.try_acquire().unwrap_err();
        assert_eq!(refused.half_opens_in, Duration::from_secs(6));
        assert_eq!(refused.consecutive_failures, 3);
        clock.advance(Duration::from_secs(6));
        assert_eq!(b.state(), BreakerState::HalfOpen);
        let probe = b.try_acquire().unwrap();
        assert!(probe.is_probe());
        // One probe at a time: the next request is refused while it runs.
        assert_eq!(b.try_acquire().unwrap_err().half_opens_in, Duration::ZERO);
        probe.success();
        assert_eq!(b.state(), BreakerState::Closed);
        let stats = b.stats();
        assert_eq!((stats.successes, stats.failures, stats.rejected), (2, 5, 2));
        assert_eq!(stats.times_opened, 1);
    }

    #[test]
    fn a_breaker_names_its_host_in_its_log_lines() {
        let clock: SharedClock = FakeClock::new().into();
        let options = BreakerOptions::default();
        let named = CircuitBreaker::for_host(options, clock.clone(), "127.0.0.1:5000");
        assert_eq!(named.to_string(), "circuit breaker for 127.0.0.1:5000");
        assert_eq!(
            CircuitBreaker::new(options, clock).to_string(),
            "circuit breaker"
        );
    }

    #[test]
    fn a_failed_probe_opens_it_again_for_a_full_timeout() {
        let (b, clock) = breaker(1, 2);
        b.try_acquire().unwrap().failure();
        clock.advance(Duration::from_secs(10));
        let first = b.try_acquire().unwrap();
        let second = b.try_acquire().unwrap();
        assert!(b.try_acquire().is_err(), "only two probes");
        first.success();
        assert_eq!(b.state(), BreakerState::HalfOpen);
        second.failure();
        let stats = b.stats();
        assert_eq!(stats.state, BreakerState::Open);
        assert_eq!(stats.half_opens_in, Some(Duration::from_secs(10)));
        assert_eq!(stats.times_opened, 2);
    }

    #[test]
    fn an_unsettled_probe_gives_its_slot_back_and_reset_closes() {
        let (b, clock) = breaker(1, 1);
        b.try_acquire().unwrap().failure();
        clock.advance(Duration::from_secs(10));
        drop(b.try_acquire().unwrap());
        b.try_acquire().unwrap().failure();
        assert_eq!(b.state(), BreakerState::Open);
        b.reset();
        assert_eq!(b.state(), BreakerState::Closed);
        assert!(!b.try_acquire().unwrap().is_probe());
    }
}
