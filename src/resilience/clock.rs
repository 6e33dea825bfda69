//! Time as the resilience layer sees it: a [`Clock`] that can be faked so that tests assert the
//! waits of a retry or a breaker's timeout without sleeping.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use parking_lot::Mutex;

/// The longest wait rnuget hands to a timer, some 136 years: a longer one (`Duration::MAX`
/// for "no limit") would overflow an [`Instant`], here or in ureq.
pub(crate) const LONGEST_WAIT: Duration = Duration::from_secs(u32::MAX as u64);

/// `now + wait`, with `wait` cut to [`LONGEST_WAIT`]: a wait of `Duration::MAX` means "no
/// deadline", not a panic.
pub(crate) fn deadline_after(now: Instant, wait: Duration) -> Instant {
    now.checked_add(wait.min(LONGEST_WAIT)).unwrap_or(now)
}

/// Where the resilience layer reads the time and how it waits.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Monotonic now, for durations and deadlines.
    fn now(&self) -> Instant;
    /// Wall-clock now, for `Retry-After` given as an HTTP date.
    fn wall(&self) -> SystemTime;
    /// Waits `duration` (a fake clock records it and moves on).
    fn sleep(&self, duration: Duration);
}

/// The real clock: `Instant::now`, `SystemTime::now`, `std::thread::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn wall(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep(&self, duration: Duration) {
        if !duration.is_zero() {
            std::thread::sleep(duration);
        }
    }
}

/// A clock for tests: time moves only when something sleeps on it or a test advances it, and
/// every sleep is recorded.
#[derive(Debug)]
pub struct FakeClock {
    start: Instant,
    wall_start: SystemTime,
    state: Mutex<FakeState>,
}

#[derive(Debug, Default)]
struct FakeState {
    elapsed: Duration,
    sleeps: Vec<Duration>,
}

impl FakeClock {
    /// A fake clock whose wall time starts at `wall`.
    pub fn starting_at(wall: SystemTime) -> Arc<FakeClock> {
        Arc::new(FakeClock {
            start: Instant::now(),
            wall_start: wall,
            state: Mutex::new(FakeState::default()),
        })
    }

    /// A fake clock whose wall time starts now.
    pub fn new() -> Arc<FakeClock> {
        FakeClock::starting_at(SystemTime::now())
    }

    /// Moves time forward without recording a sleep.
    pub fn advance(&self, by: Duration) {
        self.state.lock().elapsed += by;
    }

    /// Every sleep so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.state.lock().sleeps.clone()
    }

    /// Forgets the recorded sleeps (time stays where it is).
    pub fn clear_sleeps(&self) {
        self.state.lock().sleeps.clear();
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Instant {
        self.start + self.state.lock().elapsed
    }

    fn wall(&self) -> SystemTime {
        self.wall_start + self.state.lock().elapsed
    }

    fn sleep(&self, duration: Duration) {
        let mut state = self.state.lock();
        state.elapsed += duration;
        state.sleeps.push(duration);
    }
}

/// A shared [`Clock`] that can sit in plain option structs: equal when it is the same clock.
#[derive(Clone)]
pub struct SharedClock(Arc<dyn Clock>);

impl SharedClock {
    /// Wraps a clock.
    pub fn new(clock: Arc<dyn Clock>) -> SharedClock {
        SharedClock(clock)
    }

    /// The clock.
    pub fn clock(&self) -> &dyn Clock {
        &*self.0
    }
}

impl Default for SharedClock {
    /// The [`SystemClock`].
    fn default() -> Self {
        SharedClock(Arc::new(SystemClock))
    }
}

impl<C: Clock + 'static> From<Arc<C>> for SharedClock {
    fn from(clock: Arc<C>) -> Self {
        SharedClock(clock)
    }
}

impl PartialEq for SharedClock {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::addr_eq(Arc::as_ptr(&self.0), Arc::as_ptr(&other.0))
    }
}

impl Eq for SharedClock {}

impl fmt::Debug for SharedClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::ops::Deref for SharedClock {
    type Target = dyn Clock;

    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fake_clock_moves_only_when_slept_on_or_advanced() {
        let clock = FakeClock::new();
        let t0 = clock.now();
        clock.sleep(Duration::from_secs(2));
        clock.advance(Duration::from_millis(500));
        assert_eq!(clock.now() - t0, Duration::from_millis(2500));
        assert_eq!(clock.sleeps(), [Duration::from_secs(2)]);
        let shared = SharedClock::from(Arc::clone(&clock));
        assert_eq!(shared, shared.clone());
        assert_ne!(shared, SharedClock::default());
    }
}
