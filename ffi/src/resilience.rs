//! `rnuget_client_options_set_retry*`, `_set_max_retry_after_ms`, `_set_circuit_breaker`,
//! `_set_source_limits` and `rnuget_client_breaker_stats`, `_limiter_stats`, `_reset_breakers`:
//! retries, a circuit breaker per host and limits per source, set from C and read back as JSON.
//!
//! Each is off unless set, as in `rnuget::resilience::ResilienceOptions`.

use std::ffi::{c_char, c_int};
use std::time::Duration;

use rnuget::client::ClientOptions;
use rnuget::http::RetryPolicy;
use rnuget::resilience::{BreakerOptions, BreakerStats, LimiterStats, RateLimit, SourceLimits};
use serde::Serialize;

use crate::args;
use crate::boundary::guard;
use crate::client::rnuget_client;
use crate::error::FfiError;
use crate::json::to_owned_json;
use crate::options::{rnuget_client_options, update};
use crate::status::rnuget_status;

/// The retry policy of `options`, made with NuGet's defaults when there is none yet.
fn retry_of(options: &mut ClientOptions) -> &mut RetryPolicy {
    options
        .http
        .resilience
        .retry
        .get_or_insert_with(RetryPolicy::default)
}

/// Turns retries on: a failed request (connection errors, timeouts, truncated bodies, 5xx, 408,
/// 429) is tried up to `max_attempts` times in all, waiting `base_delay_ms` × 2^n (plus up to
/// 200 ms of jitter, at most `max_delay_ms`) after the n-th failure, or what `Retry-After` asks.
/// NuGet's defaults are 6 attempts, 1000 ms and 60000 ms. Off by default: each request is sent
/// once. After the last attempt the error says how many were made and what the last failure was.
///
/// Ownership: nothing is allocated.
/// NULL: `options` NULL gives `RNUGET_ERR_NULL_ARGUMENT`.
/// Errors: `RNUGET_ERR_INVALID_ARGUMENT` for 0 attempts or `max_delay_ms` < `base_delay_ms`.
/// Threads: callable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_options_set_retry(
    options: *mut rnuget_client_options,
    max_attempts: u32,
    base_delay_ms: u64,
    max_delay_ms: u64,
) -> rnuget_status {
    // SAFETY: `options` is as this function's contract requires.
    unsafe {
        update("rnuget_client_options_set_retry", options, |o| {
            if max_attempts == 0 {
                return Err(FfiError::invalid("max_attempts", "must be at least 1"));
            }
            if max_delay_ms < base_delay_ms {
                return Err(FfiError::invalid(
                    "max_delay_ms",
                    "is less than base_delay_ms",
                ));
            }
            let retry = retry_of(o);
            retry.max_attempts = max_attempts;
            retry.base_delay = Duration::from_millis(base_delay_ms);
            retry.max_delay = Duration::from_millis(max_delay_ms);
            Ok(())
        })
    }
}

/// Sets whether every retry wait (backoff and `Retry-After`) is zero: `zero` non-zero for yes.
/// Meant for tests. Turns retries on with NuGet's defaults when `rnuget_client_options_set_retry`
/// was not called.
///
/// Ownership: nothing is allocated.
/// NULL: `options` NULL gives `RNUGET_ERR_NULL_ARGUMENT`.
/// Threads: callable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_options_set_retry_zero_delays(
    options: *mut rnuget_client_options,
    zero: c_int,
) -> rnuget_status {
    // SAFETY: `options` is as this function's contract requires.
    unsafe {
        update(
            "rnuget_client_options_set_retry_zero_delays",
            options,
            |o| {
                retry_of(o).zero_delays = zero != 0;
                Ok(())
            },
        )
    }
}

/// Sets the longest wait a server's `Retry-After` header may ask for before a retry:
/// `max_ms` milliseconds (a longer one is cut to it), or with `max_ms` 0 the header is ignored
/// and the backoff alone sets every wait. The default (NuGet's) obeys up to one hour, so that a
/// hostile or broken server can stall a request that long; lower it where that matters. Turns
/// retries on with NuGet's defaults when `rnuget_client_options_set_retry` was not called.
///
/// Ownership: nothing is allocated.
/// NULL: `options` NULL gives `RNUGET_ERR_NULL_ARGUMENT`.
/// Threads: callable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_options_set_max_retry_after_ms(
    options: *mut rnuget_client_options,
    max_ms: u64,
) -> rnuget_status {
    // SAFETY: `options` is as this function's contract requires.
    unsafe {
        update(
            "rnuget_client_options_set_max_retry_after_ms",
            options,
            |o| {
                let retry = retry_of(o);
                retry.observe_retry_after = max_ms > 0;
                if max_ms > 0 {
                    retry.max_retry_after = Duration::from_millis(max_ms);
                }
                Ok(())
            },
        )
    }
}

/// Turns on a circuit breaker per host (`host:port`), made on first use: `failure_threshold`
/// failures in a row (network errors, timeouts, 5xx; a whole retry sequence counts once) open
/// it; while open every request to the host fails at once with `RNUGET_ERR_CIRCUIT_OPEN`; after
/// `open_timeout_ms` up to `half_open_probes` requests go, and that many successes close it
/// again while one failure reopens it. Suggested values 5, 30000, 1. Off by default.
///
/// Ownership: nothing is allocated.
/// NULL: `options` NULL gives `RNUGET_ERR_NULL_ARGUMENT`.
/// Errors: `RNUGET_ERR_INVALID_ARGUMENT` for a threshold, timeout or probe count of 0.
/// Threads: callable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_options_set_circuit_breaker(
    options: *mut rnuget_client_options,
    failure_threshold: u32,
    open_timeout_ms: u64,
    half_open_probes: u32,
) -> rnuget_status {
    // SAFETY: `options` is as this function's contract requires.
    unsafe {
        update("rnuget_client_options_set_circuit_breaker", options, |o| {
            for (name, value) in [
                ("failure_threshold", u64::from(failure_threshold)),
                ("open_timeout_ms", open_timeout_ms),
                ("half_open_probes", u64::from(half_open_probes)),
            ] {
                if value == 0 {
                    return Err(FfiError::invalid(name, "must be at least 1"));
                }
            }
            o.http.resilience.circuit_breaker = Some(BreakerOptions {
                failure_threshold,
                open_timeout: Duration::from_millis(open_timeout_ms),
                half_open_probes,
            });
            Ok(())
        })
    }
}

/// Limits the requests to the source named `source` (as named by
/// `rnuget_client_options_add_source`, or its URL), or with `source` NULL to every source not
/// limited by name: at most `rate_per_second` requests a second in bursts of up to `capacity`
/// (a token bucket, starting full; `capacity` 0 means `rate_per_second`), and at most
/// `max_in_flight` at once. 0 turns a limit off (`rate_per_second` 0: no rate limit; both 0:
/// unlimited). A request waits for its turn up to `max_wait_ms` (0: 60000) and then fails with
/// `RNUGET_ERR_RATE_LIMITED`, having sent nothing. Setting a source again replaces its limits.
///
/// Ownership: `source` is copied.
/// NULL: `options` NULL gives `RNUGET_ERR_NULL_ARGUMENT`; `source` may be NULL.
/// Errors: `RNUGET_ERR_INVALID_ARGUMENT` for an empty `source`, `RNUGET_ERR_INVALID_UTF8`.
/// Lifetime: `source` is read during the call only.
/// Threads: callable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_options_set_source_limits(
    options: *mut rnuget_client_options,
    source: *const c_char,
    rate_per_second: u32,
    capacity: u32,
    max_in_flight: u32,
    max_wait_ms: u64,
) -> rnuget_status {
    // SAFETY: the pointers are as this function's contract requires.
    unsafe {
        update("rnuget_client_options_set_source_limits", options, |o| {
            let source = args::optional_text(source, "source")?;
            let limits = SourceLimits {
                rate: (rate_per_second > 0).then(|| {
                    let capacity = if capacity == 0 {
                        rate_per_second
                    } else {
                        capacity
                    };
                    RateLimit {
                        capacity,
                        refill_tokens: rate_per_second,
                        refill_interval: Duration::from_secs(1),
                        initial_tokens: capacity,
                    }
                }),
                max_in_flight: (max_in_flight > 0).then_some(max_in_flight as usize),
                max_wait: match max_wait_ms {
                    0 => SourceLimits::default().max_wait,
                    ms => Duration::from_millis(ms),
                },
            };
            let resilience = &mut o.http.resilience;
            match source {
                None => resilience.source_limits = Some(limits),
                Some(name) if name.trim().is_empty() => {
                    return Err(FfiError::invalid("source", "is empty"));
                }
                Some(name) => {
                    resilience.per_source.retain(|(known, _)| known != name);
                    resilience.per_source.push((name.to_string(), limits));
                }
            }
            Ok(())
        })
    }
}

/// One host's breaker in the JSON of `rnuget_client_breaker_stats`.
#[derive(Serialize)]
struct BreakerJson {
    host: String,
    state: &'static str,
    consecutive_failures: u32,
    successes: u64,
    failures: u64,
    rejected: u64,
    times_opened: u64,
    half_opens_in_ms: Option<u64>,
}

impl BreakerJson {
    fn new(host: String, stats: BreakerStats) -> Self {
        BreakerJson {
            host,
            state: stats.state.as_str(),
            consecutive_failures: stats.consecutive_failures,
            successes: stats.successes,
            failures: stats.failures,
            rejected: stats.rejected,
            times_opened: stats.times_opened,
            half_opens_in_ms: stats
                .half_opens_in
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        }
    }
}

/// Writes the state and counters of every host's circuit breaker, sorted by host, into
/// `*out_json` as a JSON array. `state` is `"closed"`, `"open"` or `"half-open"`;
/// `half_opens_in_ms` is set while open, else null; the counters count outcomes since the
/// client was made (a whole retry sequence is one outcome), `rejected` the requests refused
/// while open:
///
///     [{"host": "127.0.0.1:8080", "state": "open", "consecutive_failures": 3,
///       "successes": 0, "failures": 3, "rejected": 1, "times_opened": 1,
///       "half_opens_in_ms": 29980}]
///
/// A host appears once a request was sent to it; without a breaker configured the array is
/// empty.
///
/// Ownership: `*out_json` receives a new string; release it with `rnuget_string_free`.
/// NULL: any pointer NULL gives `RNUGET_ERR_NULL_ARGUMENT`; on failure `*out_json` is NULL.
/// Lifetime: `client` must be live during the call.
/// Threads: callable from any thread, also while other threads use the client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_breaker_stats(
    client: *const rnuget_client,
    out_json: *mut *mut c_char,
) -> rnuget_status {
    guard("rnuget_client_breaker_stats", || {
        // SAFETY: the pointers are NULL or valid as the contract above requires.
        let (out_json, client) = unsafe {
            (
                args::out_ptr(out_json, "out_json")?,
                args::handle(client, "client")?,
            )
        };
        let breakers: Vec<BreakerJson> = client
            .0
            .http()
            .breakers()
            .map(|b| b.all())
            .unwrap_or_default()
            .into_iter()
            .map(|(host, stats)| BreakerJson::new(host, stats))
            .collect();
        *out_json = to_owned_json(&breakers)?;
        Ok(())
    })
}

/// One source's limiter in the JSON of `rnuget_client_limiter_stats`.
#[derive(Serialize)]
struct LimiterJson {
    source: String,
    available_tokens: u32,
    granted_tokens: u64,
    denied_tokens: u64,
    admitted: u64,
    timed_out: u64,
    in_flight: usize,
    peak_in_flight: usize,
}

impl LimiterJson {
    fn new(source: String, stats: LimiterStats) -> Self {
        LimiterJson {
            source,
            available_tokens: stats.bucket.available,
            granted_tokens: stats.bucket.granted,
            denied_tokens: stats.bucket.denied,
            admitted: stats.admitted,
            timed_out: stats.timed_out,
            in_flight: stats.in_flight,
            peak_in_flight: stats.peak_in_flight,
        }
    }
}

/// Writes the counters of every limited source's limiter, in source order, into `*out_json` as
/// a JSON array. The token counts are 0 for a source with no rate limit; `admitted` counts
/// requests let through, `timed_out` those that failed with `RNUGET_ERR_RATE_LIMITED`:
///
///     [{"source": "corp-feed", "available_tokens": 4, "granted_tokens": 6,
///       "denied_tokens": 0, "admitted": 6, "timed_out": 0, "in_flight": 0,
///       "peak_in_flight": 2}]
///
/// A source appears once the client used it; unlimited sources never do.
///
/// Ownership: `*out_json` receives a new string; release it with `rnuget_string_free`.
/// NULL: any pointer NULL gives `RNUGET_ERR_NULL_ARGUMENT`; on failure `*out_json` is NULL.
/// Lifetime: `client` must be live during the call.
/// Threads: callable from any thread, also while other threads use the client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_limiter_stats(
    client: *const rnuget_client,
    out_json: *mut *mut c_char,
) -> rnuget_status {
    guard("rnuget_client_limiter_stats", || {
        // SAFETY: the pointers are NULL or valid as the contract above requires.
        let (out_json, client) = unsafe {
            (
                args::out_ptr(out_json, "out_json")?,
                args::handle(client, "client")?,
            )
        };
        let limiters: Vec<LimiterJson> = client
            .0
            .repositories()
            .sources()
            .iter()
            .filter_map(|s| {
                let stats = client.0.limiter_stats(s.name())?;
                Some(LimiterJson::new(s.name().to_string(), stats))
            })
            .collect();
        *out_json = to_owned_json(&limiters)?;
        Ok(())
    })
}

/// Closes every circuit breaker of the client, as if its hosts had never failed; the counters
/// stay. Does nothing without a breaker configured.
///
/// Ownership: nothing is allocated.
/// NULL: `client` NULL gives `RNUGET_ERR_NULL_ARGUMENT`.
/// Lifetime: `client` must be live during the call.
/// Threads: callable from any thread, also while other threads use the client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_reset_breakers(
    client: *const rnuget_client,
) -> rnuget_status {
    guard("rnuget_client_reset_breakers", || {
        // SAFETY: `client` is NULL or live as the contract above requires.
        let client = unsafe { args::handle(client, "client")? };
        client.0.reset_breakers();
        Ok(())
    })
}
