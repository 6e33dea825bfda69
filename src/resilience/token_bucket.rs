//! [`TokenBucket`]: at most `capacity` requests at once, then `refill_tokens` more every
//! `refill_interval`, refilled by a std thread that ends when the bucket is dropped. The thread
//! wakes at most every [`MIN_REFILL_INTERVAL`]: a shorter interval is served by adding
//! proportionally more tokens per wake-up, so the configured rate holds without spinning a core.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

/// The shortest wait between two refills. An interval below it (1 ns, say) would keep the
/// refill thread busy on a core; such a limit is refilled every whole multiple of its
/// interval that reaches this, with that many times its tokens.
pub const MIN_REFILL_INTERVAL: Duration = Duration::from_millis(1);

/// A token bucket's settings. Zero is allowed everywhere: a bucket of capacity 0, or one that
/// never refills, grants nothing once empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Most tokens the bucket holds.
    pub capacity: u32,
    /// Tokens added every `refill_interval` (0: never refilled).
    pub refill_tokens: u32,
    /// How often tokens are added (zero: never refilled). Below one millisecond the refill
    /// thread still wakes only once a millisecond, adding as many tokens as the intervals that
    /// passed would have (the rate holds).
    pub refill_interval: Duration,
    /// Tokens at the start (at most `capacity`).
    pub initial_tokens: u32,
}

impl RateLimit {
    /// How the refill thread serves this limit: how long it sleeps between refills and how
    /// many tokens each adds. The interval as set, unless it is below
    /// one millisecond: then the smallest whole multiple of it that reaches the
    /// minimum, with as many times the tokens (saturating; a bucket holds at most `u32::MAX`).
    pub fn refill_tick(&self) -> (Duration, u32) {
        let interval = self.refill_interval;
        if interval.is_zero() || interval >= MIN_REFILL_INTERVAL {
            return (interval, self.refill_tokens);
        }
        let nanos = interval.as_nanos();
        let times = MIN_REFILL_INTERVAL.as_nanos().div_ceil(nanos);
        let tick = Duration::from_nanos(u64::try_from(nanos * times).unwrap_or(u64::MAX));
        let tokens = u128::from(self.refill_tokens) * times;
        (tick, u32::try_from(tokens).unwrap_or(u32::MAX))
    }

    /// `per_second` requests a second, bursts of up to `per_second`, starting full.
    pub fn per_second(per_second: u32) -> RateLimit {
        RateLimit {
            capacity: per_second,
            refill_tokens: per_second,
            refill_interval: Duration::from_secs(1),
            initial_tokens: per_second,
        }
    }
}

/// Counters of a bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BucketStats {
    /// Tokens in the bucket now.
    pub available: u32,
    /// Tokens handed out.
    pub granted: u64,
    /// Requests that got none (a failed `try_acquire`, or a deadline that passed).
    pub denied: u64,
}

#[derive(Debug)]
struct Shared {
    tokens: AtomicU32,
    capacity: u32,
    granted: AtomicU64,
    denied: AtomicU64,
    /// Waiters sleep here; the refill thread wakes them under the lock, so none is missed.
    lock: Mutex<()>,
    refilled: Condvar,
}

impl Shared {
    fn take(&self) -> bool {
        let taken = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(1))
            .is_ok();
        if taken {
            self.granted.fetch_add(1, Ordering::Relaxed);
        }
        taken
    }

    fn refill(&self, amount: u32) {
        let capacity = self.capacity;
        let _ = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                Some(t.saturating_add(amount).min(capacity))
            });
        let _guard = self.lock.lock();
        self.refilled.notify_all();
    }
}

/// A token bucket. `try_acquire` never blocks; `acquire_until` waits up to a deadline.
#[derive(Debug)]
pub struct TokenBucket {
    limit: RateLimit,
    shared: Arc<Shared>,
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
    thread_name: Option<String>,
}

impl TokenBucket {
    /// A bucket holding `initial_tokens`; a refill thread starts when the limit refills.
    pub fn new(limit: RateLimit) -> std::io::Result<TokenBucket> {
        static SERIAL: AtomicU64 = AtomicU64::new(0);
        let shared = Arc::new(Shared {
            tokens: AtomicU32::new(limit.initial_tokens.min(limit.capacity)),
            capacity: limit.capacity,
            granted: AtomicU64::new(0),
            denied: AtomicU64::new(0),
            lock: Mutex::new(()),
            refilled: Condvar::new(),
        });
        let mut bucket = TokenBucket {
            limit,
            shared,
            stop: None,
            thread: None,
            thread_name: None,
        };
        if limit.refill_tokens > 0 && !limit.refill_interval.is_zero() && limit.capacity > 0 {
            let (stop, stopped) = mpsc::channel::<()>();
            // Thread names show in /proc as at most 15 bytes: keep them short and distinct.
            let name = format!(
                "rnuget-tb{}",
                SERIAL.fetch_add(1, Ordering::Relaxed) % 100_000
            );
            let shared = Arc::clone(&bucket.shared);
            let (tick, tokens) = limit.refill_tick();
            let thread = std::thread::Builder::new()
                .name(name.clone())
                .spawn(move || {
                    // Any other answer means the bucket was dropped (its sender with it).
                    while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(tick) {
                        shared.refill(tokens);
                    }
                })?;
            bucket.stop = Some(stop);
            bucket.thread = Some(thread);
            bucket.thread_name = Some(name);
        }
        Ok(bucket)
    }

    /// The settings.
    pub fn limit(&self) -> &RateLimit {
        &self.limit
    }

    /// Takes a token if there is one, without waiting.
    pub fn try_acquire(&self) -> bool {
        let taken = self.shared.take();
        if !taken {
            self.shared.denied.fetch_add(1, Ordering::Relaxed);
        }
        taken
    }

    /// Takes a token, waiting for a refill until `deadline`; false when it passed first.
    pub fn acquire_until(&self, deadline: Instant) -> bool {
        if self.shared.take() {
            return true;
        }
        let mut guard = self.shared.lock.lock();
        loop {
            if self.shared.take() {
                return true;
            }
            if self.thread.is_none()
                || self
                    .shared
                    .refilled
                    .wait_until(&mut guard, deadline)
                    .timed_out()
            {
                // One last look: a refill may have come with the deadline.
                if self.shared.take() {
                    return true;
                }
                self.shared.denied.fetch_add(1, Ordering::Relaxed);
                return false;
            }
        }
    }

    /// Tokens now and counters.
    pub fn stats(&self) -> BucketStats {
        BucketStats {
            available: self.shared.tokens.load(Ordering::Acquire),
            granted: self.shared.granted.load(Ordering::Relaxed),
            denied: self.shared.denied.load(Ordering::Relaxed),
        }
    }

    /// The name of the refill thread, `None` when the bucket never refills (and has none).
    pub fn refill_thread_name(&self) -> Option<&str> {
        self.thread_name.as_deref()
    }
}

impl Drop for TokenBucket {
    fn drop(&mut self) {
        // Closing the channel wakes the refill thread at once; joining makes the stop certain.
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(capacity: u32, refill: u32, every_ms: u64, initial: u32) -> RateLimit {
        RateLimit {
            capacity,
            refill_tokens: refill,
            refill_interval: Duration::from_millis(every_ms),
            initial_tokens: initial,
        }
    }

    #[test]
    fn grants_the_initial_tokens_then_nothing_without_refill() {
        let bucket = TokenBucket::new(limit(5, 0, 0, 3)).unwrap();
        assert!(bucket.refill_thread_name().is_none());
        assert_eq!((0..10).filter(|_| bucket.try_acquire()).count(), 3);
        assert!(!bucket.acquire_until(Instant::now() + Duration::from_millis(20)));
        let stats = bucket.stats();
        assert_eq!((stats.available, stats.granted, stats.denied), (0, 3, 8));
    }

    #[test]
    fn zero_capacity_grants_nothing() {
        let bucket = TokenBucket::new(limit(0, 10, 10, 10)).unwrap();
        assert!(!bucket.try_acquire());
        assert!(!bucket.acquire_until(Instant::now()));
    }

    #[test]
    fn initial_tokens_are_capped_and_refills_stop_at_capacity() {
        let bucket = TokenBucket::new(limit(2, 5, 5, 9)).unwrap();
        assert_eq!(bucket.stats().available, 2);
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(bucket.stats().available, 2);
    }

    #[test]
    fn intervals_below_the_minimum_refill_proportionally_more_per_tick() {
        let tick = |refill: u32, interval: Duration| {
            RateLimit {
                capacity: 10,
                refill_tokens: refill,
                refill_interval: interval,
                initial_tokens: 0,
            }
            .refill_tick()
        };
        let ms = Duration::from_millis;
        // At or above the minimum, as set.
        assert_eq!(tick(3, ms(1)), (ms(1), 3));
        assert_eq!(tick(3, ms(250)), (ms(250), 3));
        assert_eq!(tick(3, Duration::ZERO), (Duration::ZERO, 3));
        // Below it: whole multiples of the interval, the tokens scaled alike.
        assert_eq!(tick(1, Duration::from_nanos(1)), (ms(1), 1_000_000));
        assert_eq!(tick(2, Duration::from_micros(100)), (ms(1), 20));
        assert_eq!(
            tick(1, Duration::from_micros(300)),
            (Duration::from_micros(1200), 4)
        );
        assert_eq!(tick(u32::MAX, Duration::from_nanos(1)), (ms(1), u32::MAX));
    }

    #[test]
    fn a_nanosecond_interval_refills_without_spinning() {
        let bucket = TokenBucket::new(limit_nanos(1, 1, 1)).unwrap();
        assert!(bucket.acquire_until(Instant::now() + Duration::from_secs(10)));
    }

    fn limit_nanos(capacity: u32, refill: u32, every_ns: u64) -> RateLimit {
        RateLimit {
            capacity,
            refill_tokens: refill,
            refill_interval: Duration::from_nanos(every_ns),
            initial_tokens: 0,
        }
    }

    #[test]
    fn a_waiter_gets_the_next_refill() {
        let bucket = TokenBucket::new(limit(1, 1, 20, 0)).unwrap();
        assert!(!bucket.try_acquire());
        assert!(bucket.acquire_until(Instant::now() + Duration::from_secs(10)));
    }
}
