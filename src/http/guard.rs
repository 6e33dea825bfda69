//! What stands around every request of an [`super::HttpClient`], in this order: the source's
//! limiter, the host's circuit breaker, the retry loop, then the request itself.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::retry::RetryPolicy;
use super::url::loggable;
use crate::observability::Metrics;
use crate::resilience::{
    BreakerState, HostBreakers, Rejected, ResilienceOptions, SharedClock, SourceLimiter,
    SourcePermit, host_key,
};
use crate::{Error, ErrorKind, Result};

/// The resilience state one client and its per-source views share.
#[derive(Debug)]
pub(crate) struct Guards {
    options: ResilienceOptions,
    retry: Option<RetryPolicy>,
    breakers: Option<HostBreakers>,
    limiters: Mutex<HashMap<String, Arc<SourceLimiter>>>,
    /// The hosts each source's requests went to (with breakers on only), for health checks.
    source_hosts: Mutex<HashMap<String, Vec<String>>>,
    clock: SharedClock,
}

impl Guards {
    /// The guards `options` turn on; `None` when they turn on nothing.
    pub(crate) fn new(options: &ResilienceOptions) -> Option<Arc<Guards>> {
        if options.is_off() {
            return None;
        }
        let clock = options.clock.clone();
        Some(Arc::new(Guards {
            retry: options.retry,
            breakers: options
                .circuit_breaker
                .map(|b| HostBreakers::new(b, clock.clone())),
            limiters: Mutex::new(HashMap::new()),
            source_hosts: Mutex::new(HashMap::new()),
            options: options.clone(),
            clock,
        }))
    }

    /// The limiter of `source`, made on first use; `None` when the source is unlimited.
    pub(crate) fn limiter(&self, source: &str) -> Result<Option<Arc<SourceLimiter>>> {
        let Some(limits) = self.options.limits_of(source) else {
            return Ok(None);
        };
        let mut limiters = self.limiters.lock();
        if let Some(limiter) = limiters.get(source) {
            return Ok(Some(Arc::clone(limiter)));
        }
        let limiter = Arc::new(SourceLimiter::new(source, limits)?);
        limiters.insert(source.to_string(), Arc::clone(&limiter));
        Ok(Some(limiter))
    }

    /// The limiter of `source` if one was made.
    pub(crate) fn existing_limiter(&self, source: &str) -> Option<Arc<SourceLimiter>> {
        self.limiters.lock().get(source).cloned()
    }

    pub(crate) fn breakers(&self) -> Option<&HostBreakers> {
        self.breakers.as_ref()
    }

    /// Remembers that the source `source` sends to the host of `url`, when breakers are on
    /// (a health check then reads every breaker the source depends on).
    pub(crate) fn note_host(&self, source: &str, url: &str) {
        if self.breakers.is_none() || source.is_empty() {
            return;
        }
        let Some(host) = host_key(url) else {
            return;
        };
        let mut hosts = self.source_hosts.lock();
        match hosts.get_mut(source) {
            Some(known) if known.contains(&host) => {}
            Some(known) => known.push(host),
            None => {
                hosts.insert(source.to_string(), vec![host]);
            }
        }
    }

    /// The hosts [`Guards::note_host`] saw for `source`, in the order first seen.
    pub(crate) fn hosts_of_source(&self, source: &str) -> Vec<String> {
        self.source_hosts
            .lock()
            .get(source)
            .cloned()
            .unwrap_or_default()
    }

    /// Runs one request under the guards; see the module docs for the order. What they do
    /// goes to `metrics` when there are any. `mode` says whether the retry policy applies and
    /// how long the limiter may be waited for.
    pub(crate) fn run<T>(
        &self,
        source: Option<&SourceLimiter>,
        url: &str,
        mut attempt: impl FnMut() -> Result<T>,
        can_retry: impl Fn() -> bool,
        metrics: Option<&Metrics>,
        mode: RunMode,
    ) -> Result<T> {
        let _slot = source
            .map(|limiter| {
                acquire(limiter, mode.deadline, metrics)
                    .map_err(|e| not_sent(e.with_url(&loggable(url))))
            })
            .transpose()?;
        let breaker = self
            .breakers
            .as_ref()
            .and_then(|b| host_key(url).map(|host| (b.get(&host), host)));
        let permit = match &breaker {
            Some((breaker, host)) => Some(breaker.try_acquire().map_err(|refused| {
                if let Some(metrics) = metrics {
                    metrics.set_breaker_state(host, breaker.state());
                }
                not_sent(circuit_open(host, url, refused))
            })?),
            None => None,
        };
        // A permit past the open timeout made the breaker half-open: the gauge says so while
        // that probe is in the air, not only once it ended.
        // (Closed is what the gauge already says: no series update on every request.)
        if let (Some(metrics), Some((breaker, host))) = (metrics, &breaker)
            && breaker.state() == BreakerState::HalfOpen
        {
            metrics.set_breaker_state(host, BreakerState::HalfOpen);
        }
        let on_retry = |err: &Error| {
            if let Some(metrics) = metrics {
                let host = host_key(url).unwrap_or_default();
                metrics.retry(&host, err);
            }
        };
        let result = match self.retry.as_ref().filter(|_| mode.retries) {
            Some(policy) => policy.run(self.clock.clock(), url, attempt, can_retry, on_retry),
            None => attempt(),
        };
        if let (Some(permit), Some((breaker, host))) = (permit, &breaker) {
            let failed = matches!(&result, Err(err) if counts_against_host(err));
            if failed {
                permit.failure();
            } else {
                permit.success();
            }
            if let Some(metrics) = metrics {
                if failed {
                    metrics.breaker_failure(host);
                }
                metrics.set_breaker_state(host, breaker.state());
            }
        }
        result
    }
}

/// How one request of a client view runs under the guards.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunMode {
    /// Whether failed requests are retried (by the retry policy, when there is one).
    pub(crate) retries: bool,
    /// A deadline for the wait for the source's limiter, when it comes before the limiter's
    /// `max_wait` runs out, with the budget it ends (a health probe's); `None`: `max_wait`.
    pub(crate) deadline: Option<(Instant, Duration)>,
}

/// A slot from `limiter` by `deadline` (else within its `max_wait`), timing the wait for
/// `metrics` when there are any.
fn acquire<'a>(
    limiter: &'a SourceLimiter,
    deadline: Option<(Instant, Duration)>,
    metrics: Option<&Metrics>,
) -> Result<SourcePermit<'a>> {
    let take = || match deadline {
        Some((deadline, budget)) => limiter.acquire_by(deadline, budget),
        None => limiter.acquire(),
    };
    let Some(metrics) = metrics else {
        return take();
    };
    let started = Instant::now();
    let permit = take();
    let tokens = limiter.bucket().map(|b| b.stats().available);
    metrics.rate_limit_wait(limiter.source(), started.elapsed(), tokens);
    permit
}

/// A request the guards refused: one debug line, as for every request, though nothing was sent.
fn not_sent(err: Error) -> Error {
    log::debug!(target: "rnuget::http", "GET not sent: {err}");
    err
}

/// Whether a failure says the host is in trouble: network faults, timeouts and 5xx. Other
/// answers (404, 401, a bad document) come from a host that works.
fn counts_against_host(err: &Error) -> bool {
    match err.kind() {
        ErrorKind::Network | ErrorKind::Timeout => true,
        ErrorKind::HttpStatus => err.status().is_some_and(|s| s >= 500),
        _ => false,
    }
}

fn circuit_open(host: &str, url: &str, refused: Rejected) -> Error {
    let when = if refused.half_opens_in.is_zero() {
        "it is half-open and a probe is testing the host".to_string()
    } else {
        format!(
            "it half-opens in {:.1} s",
            refused.half_opens_in.as_secs_f64()
        )
    };
    Error::new(
        ErrorKind::CircuitOpen,
        format!(
            "circuit breaker for {host} is open after {} consecutive failures; {when}",
            refused.consecutive_failures
        ),
    )
    .with_url(&loggable(url))
}
