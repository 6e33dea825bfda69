//! [`HealthChecker`]: is each source answering, is the cache within its cap; overall the worst.
//!
//! A source is checked with one GET of its service index under a short deadline (default 5 s),
//! sent through the source's own [`HttpClient`] ([`HttpClient::for_probe`]): the same TLS,
//! identity, headers, credentials, source limiter, circuit breakers and metrics as its calls,
//! but one try (retries would outlast the deadline). Each result is kept for a while (default
//! 10 s), so that a health endpoint polled often does not load the feeds.
//!
//! ```text
//! source   healthy: 2xx within half the deadline; degraded: 2xx but slower;
//!          unhealthy: any failure (status, network, timeout, a breaker refusing the probe),
//!          or the client's circuit breaker for any host the source uses is open
//!          (half-open: at least degraded); at least degraded while the source's rate
//!          limiter turns requests away (one ran out of time waiting for a token or a slot
//!          within the last minute, the probe included: the feed may be fine, but the
//!          client's own calls are failing)
//! cache    healthy; degraded when the disk tier holds more than its byte cap
//! overall  the worst of them
//! ```
//!
//! The hosts a source uses are its service index's and every host its requests went to (a
//! flat container or registrations on a CDN host, say: [`HttpClient::hosts_of_source`]). Their
//! breakers are read live on every check, so a reused probe result still meets the breakers'
//! state now, and so is the source's rate limiter. A probe refused by an open breaker or by
//! the limiter is not kept: the next check probes again.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use serde::Serialize;

use crate::ErrorKind;
use crate::cache::Cache;
use crate::http::{HttpClient, RequestScope, loggable};
use crate::resilience::{BreakerState, BreakerStats, HostBreakers, host_key};

/// How long after a source's rate limiter last turned a request away the source reads as
/// degraded.
pub const LIMITER_REFUSAL_MEMORY: Duration = Duration::from_secs(60);

/// How healthy something is; ordered from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// Working.
    Healthy,
    /// Working, but slow or over a limit.
    Degraded,
    /// Not working.
    Unhealthy,
}

/// Settings of a [`HealthChecker`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthOptions {
    /// Deadline of one source check (connect and request). Default 5 s.
    pub timeout: Duration,
    /// How long a source's result is reused. Default 10 s.
    pub cache_for: Duration,
}

impl Default for HealthOptions {
    fn default() -> Self {
        HealthOptions {
            timeout: Duration::from_secs(5),
            cache_for: Duration::from_secs(10),
        }
    }
}

/// One source's health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceHealth {
    /// The source's name.
    pub name: String,
    /// Its URL in the log-safe form: credentials removed, secret query values (`token=`,
    /// `sig=`, ...) masked.
    pub url: String,
    /// Its status.
    pub status: HealthStatus,
    /// How long the check took, in milliseconds.
    pub latency_ms: u64,
    /// The HTTP status of a failed check, when one arrived.
    pub http_status: Option<u16>,
    /// Why the source is unhealthy (the error, credentials removed).
    pub error: Option<String>,
    /// Whether this result was reused from an earlier check.
    pub cached: bool,
    /// The worst state of the client's circuit breakers for the hosts the source uses
    /// (`closed`, `open`, `half-open`), when breakers are on and a request went there.
    pub breaker: Option<&'static str>,
}

/// The cache's health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CacheHealth {
    /// Its status.
    pub status: HealthStatus,
    /// Bytes in the memory tier, when there is one.
    pub memory_bytes: Option<u64>,
    /// Bytes in the disk tier, when it has a byte cap (only then are they counted).
    pub disk_bytes: Option<u64>,
    /// The disk tier's byte cap, if any.
    pub disk_max_bytes: Option<u64>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HealthReport {
    /// The worst of everything below.
    pub status: HealthStatus,
    /// Every source, in order.
    pub sources: Vec<SourceHealth>,
    /// The cache.
    pub cache: CacheHealth,
}

impl HealthReport {
    /// The report as JSON (`{"status": "healthy", "sources": [...], "cache": {...}}`).
    pub fn to_json(&self) -> String {
        // Plain structs of strings and numbers always serialize.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// One source to check.
#[derive(Debug, Clone, Copy)]
pub struct SourceProbe<'a> {
    /// The source's name.
    pub name: &'a str,
    /// Its service index URL as configured (credentials included).
    pub url: &'a str,
    /// The HTTP client its requests go through (the client's, or its per-source view).
    pub http: &'a HttpClient,
}

/// Checks sources and a cache, remembering source results for [`HealthOptions::cache_for`].
pub struct HealthChecker {
    options: HealthOptions,
    results: Mutex<HashMap<String, (SourceHealth, Instant)>>,
}

impl std::fmt::Debug for HealthChecker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HealthChecker")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl HealthChecker {
    /// A checker with `options`.
    pub fn new(options: HealthOptions) -> HealthChecker {
        HealthChecker {
            options,
            results: Mutex::new(HashMap::new()),
        }
    }

    /// The health of `sources`, each probed through its own HTTP client, and of `cache`.
    pub fn check(&self, sources: &[SourceProbe<'_>], cache: &Cache) -> HealthReport {
        let sources: Vec<SourceHealth> = std::thread::scope(|scope| {
            let checks: Vec<_> = sources
                .iter()
                .map(|&probe| {
                    scope.spawn(move || {
                        with_limiter(with_breakers(self.source(probe), probe), probe)
                    })
                })
                .collect();
            checks
                .into_iter()
                .zip(sources)
                .map(|(check, probe)| {
                    check
                        .join()
                        .unwrap_or_else(|_| failed(probe.name, probe.url, "the check panicked"))
                })
                .collect()
        });
        let cache = cache_health(cache);
        let status = sources
            .iter()
            .map(|s| s.status)
            .chain([cache.status])
            .max()
            .unwrap_or(HealthStatus::Healthy);
        HealthReport {
            status,
            sources,
            cache,
        }
    }

    fn source(&self, probe: SourceProbe<'_>) -> SourceHealth {
        let key = format!("{}\n{}", probe.name, probe.url);
        if let Some((health, at)) = self.results.lock().get(&key)
            && at.elapsed() < self.options.cache_for
        {
            return SourceHealth {
                cached: true,
                ..health.clone()
            };
        }
        let (health, refused) = self.probe(probe);
        if !refused {
            self.results
                .lock()
                .insert(key, (health.clone(), Instant::now()));
        }
        health
    }

    /// The probe's result, and whether an open breaker refused it (nothing was sent).
    fn probe(&self, probe: SourceProbe<'_>) -> (SourceHealth, bool) {
        let SourceProbe { name, url, http } = probe;
        let http = http.for_probe(self.options.timeout);
        let source = loggable(url.trim());
        let scope = RequestScope {
            source: &source,
            ..RequestScope::default()
        };
        let started = Instant::now();
        // The probe view's deadline covers both the wait for the source's limiter and the
        // request: a probe ends in time whatever the limiter's `max_wait`.
        let result = http.get_bytes_scoped(url, scope);
        let elapsed = started.elapsed();
        let refused = matches!(&result, Err(err)
            if matches!(err.kind(), ErrorKind::CircuitOpen | ErrorKind::RateLimited));
        let (status, http_status, error) = match result {
            Ok(_) if elapsed <= self.options.timeout / 2 => (HealthStatus::Healthy, None, None),
            Ok(_) => (HealthStatus::Degraded, None, None),
            // The client's own limit, not the feed, stopped the probe.
            Err(err) if err.kind() == ErrorKind::RateLimited => {
                (HealthStatus::Degraded, None, Some(err.to_string()))
            }
            Err(err) => (HealthStatus::Unhealthy, err.status(), Some(err.to_string())),
        };
        log::debug!(
            target: "rnuget::health",
            "source {}: {status:?} in {} ms",
            super::printable::printable(name),
            elapsed.as_millis()
        );
        let health = SourceHealth {
            name: name.to_string(),
            url: source,
            status,
            latency_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            http_status,
            error,
            cached: false,
            breaker: None,
        };
        (health, refused)
    }
}

/// `health` met with the worst state of the breakers of the hosts `probe`'s source uses: its
/// service index's and every host its requests went to.
fn with_breakers(mut health: SourceHealth, probe: SourceProbe<'_>) -> SourceHealth {
    let Some(breakers) = probe.http.breakers() else {
        return health;
    };
    let Some((host, stats)) = worst_breaker(breakers, probe) else {
        return health;
    };
    health.breaker = Some(stats.state.as_str());
    let floor = match stats.state {
        BreakerState::Closed => return health,
        BreakerState::HalfOpen => HealthStatus::Degraded,
        BreakerState::Open => HealthStatus::Unhealthy,
    };
    if health.status < floor {
        health.status = floor;
    }
    if health.error.is_none() {
        health.error = Some(format!(
            "circuit breaker for {host} is {} after {} consecutive failures",
            stats.state.as_str(),
            stats.consecutive_failures
        ));
    }
    health
}

/// `health` at least degraded while the source's rate limiter turns requests away (it did
/// within [`LIMITER_REFUSAL_MEMORY`]), saying so when nothing worse was said.
fn with_limiter(mut health: SourceHealth, probe: SourceProbe<'_>) -> SourceHealth {
    let Some(limiter) = probe.http.source_limiter(probe.name) else {
        return health;
    };
    let Some(ago) = limiter.last_refused().map(|at| at.elapsed()) else {
        return health;
    };
    if ago > LIMITER_REFUSAL_MEMORY {
        return health;
    }
    health.status = health.status.max(HealthStatus::Degraded);
    if health.error.is_none() {
        let count = limiter.stats().timed_out;
        let plural = if count == 1 { "" } else { "s" };
        health.error = Some(format!(
            "rate limit of source {:?} turned away {count} request{plural} (waiting for a token \
             or a slot), the last {:.1} s ago",
            limiter.source(),
            ago.as_secs_f64()
        ));
    }
    health
}

/// The host whose breaker is worst (open, then half-open, then closed; the first such host in
/// the order the source used them), among those that have a breaker.
fn worst_breaker(
    breakers: &HostBreakers,
    probe: SourceProbe<'_>,
) -> Option<(String, BreakerStats)> {
    let mut hosts: Vec<String> = host_key(probe.url).into_iter().collect();
    for host in probe.http.hosts_of_source(&loggable(probe.url.trim())) {
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    let rank = |state: BreakerState| match state {
        BreakerState::Closed => 0,
        BreakerState::HalfOpen => 1,
        BreakerState::Open => 2,
    };
    let mut worst: Option<(String, BreakerStats)> = None;
    for host in hosts {
        let Some(stats) = breakers.stats(&host) else {
            continue;
        };
        if worst
            .as_ref()
            .is_none_or(|(_, w)| rank(stats.state) > rank(w.state))
        {
            worst = Some((host, stats));
        }
    }
    worst
}

fn failed(name: &str, url: &str, why: &str) -> SourceHealth {
    SourceHealth {
        name: name.to_string(),
        url: loggable(url),
        status: HealthStatus::Unhealthy,
        latency_ms: 0,
        http_status: None,
        error: Some(why.to_string()),
        cached: false,
        breaker: None,
    }
}

fn cache_health(cache: &Cache) -> CacheHealth {
    let stats = cache.stats();
    // Counted on disk when nothing was written yet: a cache filled before can be over the cap.
    let disk_bytes = cache.disk().and_then(|d| d.usage());
    let disk_max_bytes = cache.disk().and_then(|d| d.max_bytes());
    let over = matches!((disk_bytes, disk_max_bytes), (Some(b), Some(cap)) if b > cap);
    CacheHealth {
        status: if over {
            HealthStatus::Degraded
        } else {
            HealthStatus::Healthy
        },
        memory_bytes: stats.memory.map(|m| m.bytes),
        disk_bytes,
        disk_max_bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_order_from_best_to_worst_and_serialize_lowercase() {
        assert!(HealthStatus::Healthy < HealthStatus::Degraded);
        assert!(HealthStatus::Degraded < HealthStatus::Unhealthy);
        assert_eq!(
            serde_json::to_string(&HealthStatus::Unhealthy).unwrap(),
            "\"unhealthy\""
        );
    }

    #[test]
    fn an_unreachable_source_is_unhealthy_and_its_result_is_reused() {
        let options = HealthOptions {
            timeout: Duration::from_secs(2),
            cache_for: Duration::from_secs(60),
        };
        let checker = HealthChecker::new(options);
        let http = HttpClient::new(crate::http::HttpOptions::default()).unwrap();
        // Port 9 (discard) on loopback: nothing listens, the connection is refused.
        let url = "http://u:secret@127.0.0.1:9/index.json";
        let probes = [SourceProbe {
            name: "down",
            url,
            http: &http,
        }];
        let report = checker.check(&probes, &Cache::disabled());
        assert_eq!(report.status, HealthStatus::Unhealthy);
        let source = &report.sources[0];
        assert_eq!(source.url, "http://127.0.0.1:9/index.json");
        assert!(!source.cached);
        assert!(!report.to_json().contains("secret"), "{}", report.to_json());
        let again = checker.check(&probes, &Cache::disabled());
        assert!(again.sources[0].cached);
        assert_eq!(again.cache.status, HealthStatus::Healthy);
    }
}
