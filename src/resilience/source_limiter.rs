//! [`SourceLimiter`]: the limits of one package source, a rate (a [`TokenBucket`]) and a cap on
//! requests in flight (NuGet's per-source throttle), both waited for up to a deadline.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use super::clock::{LONGEST_WAIT, deadline_after};
use super::token_bucket::{BucketStats, RateLimit, TokenBucket};
use crate::{Error, ErrorKind, Result};

/// The limits of one source. Default: none (and then no limiter is made at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceLimits {
    /// Requests per time, as a token bucket; `None` for no rate limit.
    pub rate: Option<RateLimit>,
    /// Most requests in flight at once; `None` for no cap.
    pub max_in_flight: Option<usize>,
    /// Longest wait for a token and a slot before the request fails as
    /// [`ErrorKind::RateLimited`]. Default 60 s.
    pub max_wait: Duration,
}

impl Default for SourceLimits {
    fn default() -> Self {
        SourceLimits {
            rate: None,
            max_in_flight: None,
            max_wait: Duration::from_secs(60),
        }
    }
}

impl SourceLimits {
    /// True when nothing is limited.
    pub fn is_unlimited(&self) -> bool {
        self.rate.is_none() && self.max_in_flight.is_none()
    }
}

/// What a source's limiter has done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LimiterStats {
    /// The token bucket's counters (all zero without a rate limit).
    pub bucket: BucketStats,
    /// Requests let through.
    pub admitted: u64,
    /// Requests that failed because the deadline passed first.
    pub timed_out: u64,
    /// Requests in flight now.
    pub in_flight: usize,
    /// Most requests that were in flight at once.
    pub peak_in_flight: usize,
}

/// The limiter of one source.
#[derive(Debug)]
pub struct SourceLimiter {
    source: String,
    limits: SourceLimits,
    bucket: Option<TokenBucket>,
    slots: Mutex<Slots>,
    freed: Condvar,
    admitted: AtomicU64,
    timed_out: AtomicU64,
    /// When a request last failed for want of a token or a slot (health reads it).
    last_refused: Mutex<Option<Instant>>,
}

#[derive(Debug, Default)]
struct Slots {
    in_flight: usize,
    peak: usize,
}

/// A request's place under the limits; dropping it frees its in-flight slot.
#[derive(Debug)]
pub struct SourcePermit<'a> {
    limiter: &'a SourceLimiter,
}

impl Drop for SourcePermit<'_> {
    fn drop(&mut self) {
        let mut slots = self.limiter.slots.lock();
        slots.in_flight = slots.in_flight.saturating_sub(1);
        self.limiter.freed.notify_one();
    }
}

impl SourceLimiter {
    /// The limiter of `source` (a name used in errors); starts a refill thread for a rate.
    pub fn new(source: &str, limits: SourceLimits) -> Result<SourceLimiter> {
        let bucket = limits
            .rate
            .map(TokenBucket::new)
            .transpose()
            .map_err(|e| Error::from(e).context("starting a rate limiter"))?;
        Ok(SourceLimiter {
            source: source.to_string(),
            limits,
            bucket,
            slots: Mutex::new(Slots::default()),
            freed: Condvar::new(),
            admitted: AtomicU64::new(0),
            timed_out: AtomicU64::new(0),
            last_refused: Mutex::new(None),
        })
    }

    /// The source's name.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The limits.
    pub fn limits(&self) -> &SourceLimits {
        &self.limits
    }

    /// The token bucket, when there is a rate limit.
    pub fn bucket(&self) -> Option<&TokenBucket> {
        self.bucket.as_ref()
    }

    /// Waits for a token, then for a slot, up to `max_wait` in all; fails as
    /// [`ErrorKind::RateLimited`] naming the source when the deadline passes first.
    pub fn acquire(&self) -> Result<SourcePermit<'_>> {
        self.acquire_by(
            deadline_after(Instant::now(), LONGEST_WAIT),
            self.limits.max_wait,
        )
    }

    /// [`SourceLimiter::acquire`], waiting no later than `deadline` when that comes before
    /// `max_wait` runs out: a health probe waits no longer than its own deadline, the end of
    /// its `budget` (which the error then names).
    pub fn acquire_by(&self, deadline: Instant, budget: Duration) -> Result<SourcePermit<'_>> {
        let own = deadline_after(Instant::now(), self.limits.max_wait);
        let (deadline, wait) = if deadline < own {
            (deadline, budget)
        } else {
            (own, self.limits.max_wait)
        };
        if let Some(bucket) = &self.bucket
            && !bucket.acquire_until(deadline)
        {
            return Err(self.deadline_error("no request token", wait));
        }
        let mut slots = self.slots.lock();
        if let Some(max) = self.limits.max_in_flight {
            while slots.in_flight >= max {
                if self.freed.wait_until(&mut slots, deadline).timed_out() && slots.in_flight >= max
                {
                    return Err(self.deadline_error("no free request slot", wait));
                }
            }
        }
        slots.in_flight += 1;
        slots.peak = slots.peak.max(slots.in_flight);
        self.admitted.fetch_add(1, Ordering::Relaxed);
        Ok(SourcePermit { limiter: self })
    }

    /// When a request last failed because the deadline passed first; `None` if none did.
    pub fn last_refused(&self) -> Option<Instant> {
        *self.last_refused.lock()
    }

    fn deadline_error(&self, what: &str, waited: Duration) -> Error {
        self.timed_out.fetch_add(1, Ordering::Relaxed);
        *self.last_refused.lock() = Some(Instant::now());
        Error::new(
            ErrorKind::RateLimited,
            format!(
                "rate limit of source {:?}: {what} within {} s",
                self.source,
                waited.as_secs_f64()
            ),
        )
        .with_source(&self.source)
    }

    /// Counters.
    pub fn stats(&self) -> LimiterStats {
        let slots = self.slots.lock();
        LimiterStats {
            bucket: self.bucket.as_ref().map(|b| b.stats()).unwrap_or_default(),
            admitted: self.admitted.load(Ordering::Relaxed),
            timed_out: self.timed_out.load(Ordering::Relaxed),
            in_flight: slots.in_flight,
            peak_in_flight: slots.peak,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn the_deadline_error_names_the_source() {
        let limits = SourceLimits {
            rate: Some(RateLimit {
                capacity: 1,
                refill_tokens: 0,
                refill_interval: Duration::ZERO,
                initial_tokens: 1,
            }),
            max_in_flight: None,
            max_wait: Duration::from_millis(10),
        };
        let limiter = SourceLimiter::new("corp", limits).unwrap();
        drop(limiter.acquire().unwrap());
        let err = limiter.acquire().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::RateLimited);
        assert_eq!(err.source_name(), Some("corp"));
        assert!(
            err.message().contains("no request token within 0.01 s"),
            "{err}"
        );
        assert_eq!(limiter.stats().timed_out, 1);
        assert!(limiter.last_refused().is_some());
    }

    #[test]
    fn at_most_max_in_flight_at_once() {
        let limits = SourceLimits {
            max_in_flight: Some(2),
            max_wait: Duration::from_secs(10),
            ..SourceLimits::default()
        };
        let limiter = Arc::new(SourceLimiter::new("s", limits).unwrap());
        let threads: Vec<_> = (0..6)
            .map(|_| {
                let limiter = Arc::clone(&limiter);
                std::thread::spawn(move || {
                    let _permit = limiter.acquire().unwrap();
                    std::thread::sleep(Duration::from_millis(20));
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let stats = limiter.stats();
        assert_eq!((stats.admitted, stats.in_flight), (6, 0));
        assert!((1..=2).contains(&stats.peak_in_flight), "{stats:?}");
    }

    #[test]
    fn a_full_slot_table_times_out() {
        let limits = SourceLimits {
            max_in_flight: Some(1),
            max_wait: Duration::from_millis(10),
            ..SourceLimits::default()
        };
        let limiter = SourceLimiter::new("s", limits).unwrap();
        let _held = limiter.acquire().unwrap();
        let err = limiter.acquire().unwrap_err();
        assert!(err.message().contains("no free request slot"), "{err}");
    }

    #[test]
    fn a_shorter_wait_bounds_the_deadline_and_a_longer_one_does_not() {
        let limits = SourceLimits {
            max_in_flight: Some(1),
            max_wait: Duration::from_millis(20),
            ..SourceLimits::default()
        };
        let limiter = SourceLimiter::new("s", limits).unwrap();
        let _held = limiter.acquire().unwrap();
        let soon = Instant::now() + Duration::from_millis(5);
        let err = limiter
            .acquire_by(soon, Duration::from_millis(5))
            .unwrap_err();
        assert!(err.message().contains("within 0.005 s"), "{err}");
        let late = Instant::now() + Duration::from_secs(60);
        let err = limiter
            .acquire_by(late, Duration::from_secs(60))
            .unwrap_err();
        assert!(err.message().contains("within 0.02 s"), "{err}");
        assert_eq!(limiter.stats().timed_out, 2);
    }
}
