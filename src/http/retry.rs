//! Retrying failed requests: which failures retry, how long to wait, and the error that says
//! how it ended.
//!
//! | failure                                         | retried |
//! |-------------------------------------------------|---------|
//! | connection reset, refused, DNS, truncated body   | yes     |
//! | connect, read or overall timeout                 | yes     |
//! | 5xx                                              | yes     |
//! | 408 Request Timeout                              | yes     |
//! | 429 Too Many Requests                            | yes (unless `retry_429` is off) |
//! | other 4xx (404 included), other statuses        | no      |
//! | TLS faults (certificate rejected, bad handshake) | no      |
//! | invalid responses (bad encoding, JSON), too large | no     |
//! | a body that does not decompress (corrupt gzip or deflate data) | no |
//! | a compressed body cut short (the stream ends early) | yes   |
//!
//! The defaults are NuGet.Client's (its "enhanced" retry, on by default): 6 tries, waits of
//! `2^n` × 1 s plus up to 200 ms of jitter after the n-th failure, a `Retry-After` header
//! obeyed up to one hour.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use log::{debug, warn};

use super::date::parse_http_date_at;
use crate::resilience::Clock;
use crate::{Error, ErrorKind, Result};

/// How failed requests are retried. `Default` is NuGet.Client's behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included (at least 1). Default 6.
    pub max_attempts: u32,
    /// The wait after the n-th failure is `base_delay × 2^n`. Default 1 s.
    pub base_delay: Duration,
    /// Longest wait between two tries from the backoff (jitter included). Default 60 s.
    pub max_delay: Duration,
    /// Up to this much, at random, is added to each backoff wait. Default 200 ms.
    pub jitter: Duration,
    /// Whether a 429 is retried. Default true.
    pub retry_429: bool,
    /// Whether a `Retry-After` header (seconds or an HTTP date) sets the wait. Default true.
    pub observe_retry_after: bool,
    /// Longest wait a `Retry-After` may ask for; longer ones are cut to it. Default 1 hour.
    pub max_retry_after: Duration,
    /// Every wait is zero (tests). Default false.
    pub zero_delays: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            jitter: Duration::from_millis(200),
            retry_429: true,
            observe_retry_after: true,
            max_retry_after: Duration::from_secs(3600),
            zero_delays: false,
        }
    }
}

impl RetryPolicy {
    /// Whether `err` may heal by asking again (the table in the module docs).
    pub fn is_retryable(&self, err: &Error) -> bool {
        if err.is_permanent() {
            return false;
        }
        match err.kind() {
            ErrorKind::Network | ErrorKind::Timeout => true,
            ErrorKind::HttpStatus => match err.status() {
                Some(429) => self.retry_429,
                Some(status) => status == 408 || (500..600).contains(&status),
                None => false,
            },
            _ => false,
        }
    }

    /// The wait after `failures` failed tries, the last being `err`, at wall time `now`.
    pub fn delay_after(&self, failures: u32, err: &Error, now: SystemTime) -> Duration {
        if self.zero_delays {
            return Duration::ZERO;
        }
        if self.observe_retry_after
            && let Some(after) = err.retry_after().and_then(|v| parse_retry_after(v, now))
        {
            return after.min(self.max_retry_after);
        }
        let factor = 2u32.saturating_pow(failures.min(31));
        let backoff = self.base_delay.saturating_mul(factor);
        // Saturating: absurd settings (a base delay or jitter near `Duration::MAX`) must wait
        // `max_delay`, not overflow.
        backoff
            .saturating_add(jitter(self.jitter))
            .min(self.max_delay)
    }

    /// Runs `attempt` until it succeeds, fails in a way that does not retry, or the tries run
    /// out; `can_retry` says whether another try is still possible (nothing was handed on).
    /// The final error says how many tries were made, over how long, and the last failure;
    /// `on_retry` hears of each failure that is tried again (for the metrics).
    pub(crate) fn run<T>(
        &self,
        clock: &dyn Clock,
        url: &str,
        mut attempt: impl FnMut() -> Result<T>,
        can_retry: impl Fn() -> bool,
        mut on_retry: impl FnMut(&Error),
    ) -> Result<T> {
        let started = clock.now();
        let max = self.max_attempts.max(1);
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let err = match attempt() {
                Ok(value) => {
                    if attempts > 1 {
                        warn!(
                            target: "rnuget::http",
                            "GET {} succeeded at attempt {attempts}",
                            super::url::loggable(url)
                        );
                    }
                    return Ok(value);
                }
                Err(err) => err,
            };
            if attempts >= max || !self.is_retryable(&err) || !can_retry() {
                return Err(exhausted(err, attempts, clock.now() - started));
            }
            on_retry(&err);
            let wait = self.delay_after(attempts, &err, clock.wall());
            debug!(
                target: "rnuget::http",
                "GET {} attempt {attempts} failed ({err}); retrying in {} ms",
                super::url::loggable(url),
                wait.as_millis()
            );
            clock.sleep(wait);
        }
    }
}

/// The last failure, saying how many tries it took and over how long.
fn exhausted(err: Error, attempts: u32, elapsed: Duration) -> Error {
    if attempts <= 1 {
        return err.with_attempts(attempts);
    }
    err.context(format!(
        "gave up after {attempts} attempts over {:.1} s",
        elapsed.as_secs_f64()
    ))
    .with_attempts(attempts)
}

/// A `Retry-After` value as a wait from `now`: whole seconds, or an HTTP date in any of the
/// three forms of RFC 9110 (a date in the past is no wait). `None` when it is neither.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = parse_http_date_at(value, now)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A random wait in `[0, max)`: a splitmix64 sequence seeded from the time; jitter only needs
/// clients not to retry in step, not cryptographic randomness.
fn jitter(max: Duration) -> Duration {
    static STATE: AtomicU64 = AtomicU64::new(0);
    if max.is_zero() {
        return Duration::ZERO;
    }
    let mut seed = STATE.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
    if seed == 0 {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        STATE.store(nanos | 1, Ordering::Relaxed);
        seed = nanos;
    }
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    let nanos = max.as_nanos().min(u128::from(u64::MAX)) as u64;
    Duration::from_nanos(z % nanos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resilience::FakeClock;
    use std::cell::Cell;

    fn status(code: u16) -> Error {
        super::super::errors::from_status(code, "http://h/x")
    }

    fn policy() -> RetryPolicy {
        RetryPolicy {
            jitter: Duration::ZERO,
            ..RetryPolicy::default()
        }
    }

    /// One row of the table: what error, retried or not.
    fn row(err: Error, retried: bool) {
        assert_eq!(policy().is_retryable(&err), retried, "{err}");
    }

    #[test]
    fn row_connection_reset_retries() {
        let reset = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        row(
            super::super::errors::from_ureq(ureq::Error::Io(reset), "u", &DEADLINES),
            true,
        );
    }

    #[test]
    fn row_connection_refused_retries() {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        row(
            super::super::errors::from_ureq(ureq::Error::Io(refused), "u", &DEADLINES),
            true,
        );
    }

    #[test]
    fn row_host_not_found_retries() {
        row(
            super::super::errors::from_ureq(ureq::Error::HostNotFound, "u", &DEADLINES),
            true,
        );
    }

    #[test]
    fn row_timeouts_retry() {
        for phase in [
            ureq::Timeout::Connect,
            ureq::Timeout::Global,
            ureq::Timeout::RecvBody,
        ] {
            row(
                super::super::errors::from_ureq(ureq::Error::Timeout(phase), "u", &DEADLINES),
                true,
            );
        }
    }

    #[test]
    fn row_truncated_body_retries() {
        let eof = std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "eof");
        row(super::super::errors::from_io(eof, "u", &DEADLINES), true);
    }

    #[test]
    fn row_corrupt_compressed_bodies_do_not_retry_cut_ones_do() {
        let corrupt =
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "corrupt deflate stream");
        let err = super::super::errors::from_ureq(
            ureq::Error::Decompress("gzip", corrupt),
            "u",
            &DEADLINES,
        );
        assert_eq!(err.kind(), ErrorKind::Protocol);
        assert_eq!(
            err.message(),
            "the gzip body does not decompress: corrupt deflate stream"
        );
        row(err, false);
        let corrupt =
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "corrupt deflate stream");
        let err =
            super::super::errors::from_decoded_read(corrupt, Some("deflate"), "u", &DEADLINES);
        assert_eq!(err.kind(), ErrorKind::Protocol);
        row(err, false);
        for cut in [
            std::io::ErrorKind::UnexpectedEof,
            std::io::ErrorKind::ConnectionReset,
        ] {
            let inner = std::io::Error::new(cut, "peer disconnected");
            row(
                super::super::errors::from_ureq(
                    ureq::Error::Decompress("gzip", inner),
                    "u",
                    &DEADLINES,
                ),
                true,
            );
            let inner = std::io::Error::new(cut, "peer disconnected");
            row(
                super::super::errors::from_decoded_read(inner, Some("deflate"), "u", &DEADLINES),
                true,
            );
        }
    }

    #[test]
    fn row_5xx_retries() {
        for code in [500, 502, 503, 504, 599] {
            row(status(code), true);
        }
    }

    #[test]
    fn row_408_retries() {
        row(status(408), true);
    }

    #[test]
    fn row_429_retries_unless_switched_off() {
        row(status(429), true);
        let off = RetryPolicy {
            retry_429: false,
            ..policy()
        };
        assert!(!off.is_retryable(&status(429)));
    }

    #[test]
    fn row_other_4xx_do_not_retry() {
        for code in [400, 401, 403, 404, 410, 451] {
            row(status(code), false);
        }
    }

    #[test]
    fn row_tls_faults_do_not_retry() {
        let tls = ureq::Error::Tls("certificate rejected");
        row(super::super::errors::from_ureq(tls, "u", &DEADLINES), false);
        // rustls reports a rejected certificate inside an io::Error of kind InvalidData.
        let bad = std::io::Error::new(std::io::ErrorKind::InvalidData, "invalid peer certificate");
        row(super::super::errors::from_io(bad, "u", &DEADLINES), false);
    }

    #[test]
    fn row_invalid_responses_do_not_retry() {
        row(Error::new(ErrorKind::Protocol, "invalid JSON"), false);
        row(super::super::errors::too_large(10, "u"), false);
        row(
            Error::new(ErrorKind::HttpStatus, "more than 10 redirects"),
            false,
        );
    }

    const DEADLINES: super::super::errors::Deadlines = super::super::errors::Deadlines {
        connect: Duration::from_secs(10),
        request: Duration::from_secs(100),
        per_read: None,
        body: None,
    };

    #[test]
    fn backoff_doubles_from_twice_the_base_and_is_capped() {
        let p = RetryPolicy {
            max_delay: Duration::from_secs(10),
            ..policy()
        };
        let now = SystemTime::now();
        let waits: Vec<u64> = (1..=5)
            .map(|n| p.delay_after(n, &status(500), now).as_secs())
            .collect();
        assert_eq!(waits, [2, 4, 8, 10, 10]);
        let zero = RetryPolicy {
            zero_delays: true,
            ..p
        };
        assert_eq!(zero.delay_after(3, &status(500), now), Duration::ZERO);
    }

    #[test]
    fn jitter_stays_below_its_bound() {
        let p = RetryPolicy::default();
        let now = SystemTime::now();
        let waits: Vec<Duration> = (0..200)
            .map(|_| p.delay_after(1, &status(500), now))
            .collect();
        for wait in &waits {
            assert!(*wait >= Duration::from_secs(2) && *wait < Duration::from_millis(2200));
        }
        assert!(waits.iter().any(|w| *w != waits[0]), "no jitter at all");
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date_is_obeyed_and_capped() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        let p = RetryPolicy {
            max_retry_after: Duration::from_secs(30),
            ..policy()
        };
        let in_seconds = status(503).with_retry_after("2");
        assert_eq!(p.delay_after(1, &in_seconds, now), Duration::from_secs(2));
        let dated = status(429).with_retry_after("Sun, 06 Nov 1994 08:49:47 GMT");
        assert_eq!(p.delay_after(4, &dated, now), Duration::from_secs(10));
        let far = status(429).with_retry_after("99999");
        assert_eq!(p.delay_after(1, &far, now), Duration::from_secs(30));
        // The obsolete forms too (RFC 850's two-digit year is placed relative to `now`).
        let rfc850 = status(503).with_retry_after("Sunday, 06-Nov-94 08:49:42 GMT");
        assert_eq!(p.delay_after(1, &rfc850, now), Duration::from_secs(5));
        let asctime = status(503).with_retry_after("Sun Nov  6 08:49:57 1994");
        assert_eq!(p.delay_after(1, &asctime, now), Duration::from_secs(20));
        let past = status(429).with_retry_after("Sat, 05 Nov 1994 08:49:37 GMT");
        assert_eq!(p.delay_after(1, &past, now), Duration::ZERO);
        // Anything else, a date with the wrong weekday included, leaves the backoff to decide.
        for garbage in [
            "soon",
            "Mon, 06 Nov 1994 08:49:47 GMT",
            "Sun Nov 6 08:49:47 1994",
        ] {
            let garbage = status(503).with_retry_after(garbage);
            assert_eq!(p.delay_after(1, &garbage, now), Duration::from_secs(2));
        }
        let ignored = RetryPolicy {
            observe_retry_after: false,
            ..p
        };
        assert_eq!(
            ignored.delay_after(1, &in_seconds, now),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn the_final_error_says_attempts_time_and_last_failure() {
        let clock = FakeClock::new();
        let tries = Cell::new(0);
        let mut retried = Vec::new();
        let err = policy()
            .run(
                &*clock,
                "http://u:p@h/x",
                || -> Result<()> {
                    tries.set(tries.get() + 1);
                    Err(status(503))
                },
                || true,
                |err| retried.push(err.status()),
            )
            .unwrap_err();
        assert_eq!(tries.get(), 6);
        assert_eq!(retried, [Some(503); 5]);
        assert_eq!(err.attempts(), 6);
        assert_eq!(err.status(), Some(503));
        assert_eq!(err.kind(), ErrorKind::HttpStatus);
        let secs: Vec<u64> = clock.sleeps().iter().map(Duration::as_secs).collect();
        assert_eq!(secs, [2, 4, 8, 16, 32]);
        assert_eq!(
            err.message(),
            "gave up after 6 attempts over 62.0 s: server answered 503 Service Unavailable"
        );
    }

    #[test]
    fn a_failure_that_does_not_retry_ends_at_once() {
        let clock = FakeClock::new();
        let tries = Cell::new(0);
        let err = policy()
            .run(
                &*clock,
                "u",
                || -> Result<()> {
                    tries.set(tries.get() + 1);
                    Err(status(404))
                },
                || true,
                |_| panic!("a 404 is not retried"),
            )
            .unwrap_err();
        assert_eq!((tries.get(), err.attempts()), (1, 1));
        assert_eq!(err.message(), "server answered 404 Not Found");
        assert!(clock.sleeps().is_empty());
        // Nor when something was already handed on.
        let err = policy()
            .run(
                &*clock,
                "u",
                || -> Result<()> { Err(status(500)) },
                || false,
                |_| panic!("nothing is retried once handed on"),
            )
            .unwrap_err();
        assert_eq!(err.attempts(), 1);
    }
}
