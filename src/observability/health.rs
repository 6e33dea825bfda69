//! [`HealthChecker`]: is each source answering, is the cache within its cap; overall the worst.
//!
//! A source is checked with one GET of its service index under a short deadline (default 5 s),
//! sent by an HTTP client of the checker's own (so that a check neither waits behind nor counts
//! as the client's traffic). Each result is kept for a while (default 10 s), so that a health
//! endpoint polled often does not load the feeds.
//!
//! ```text
//! source   healthy: 2xx within half the deadline; degraded: 2xx but slower;
//!          unhealthy: any failure (status, network, timeout), or the client's circuit
//!          breaker for the host of its service index is open (half-open: at least degraded)
//! cache    healthy; degraded when the disk tier holds more than its byte cap
//! overall  the worst of them
//! ```
//!
//! The breaker is read live on every check (a reused probe result still meets the breaker's
//! state now). Only the service index's host is looked at: a source whose packages or
//! registrations live on another host is not marked by that host's breaker.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use serde::Serialize;

use crate::cache::Cache;
use crate::error::strip_credentials;
use crate::http::{HttpClient, HttpOptions};
use crate::resilience::{BreakerState, HostBreakers, host_key};

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
    /// Its URL, credentials removed.
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
    /// The state of the client's circuit breaker for the source's host (`closed`, `open`,
    /// `half-open`), when breakers are on and a request went there.
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

/// Checks sources and a cache, remembering source results for [`HealthOptions::cache_for`].
pub struct HealthChecker {
    options: HealthOptions,
    http: Option<HttpClient>,
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
    /// A checker sending what a client with `http` sends, under the checker's deadline.
    pub fn new(http: &HttpOptions, options: HealthOptions) -> HealthChecker {
        let http = HttpOptions {
            connect_timeout: http.connect_timeout.min(options.timeout),
            request_timeout: options.timeout,
            ..http.clone()
        };
        HealthChecker {
            options,
            // The client's own options were accepted already, so this cannot fail in practice;
            // if it does, every source reports the reason.
            http: HttpClient::new(http).ok(),
            results: Mutex::new(HashMap::new()),
        }
    }

    /// The health of `sources` (name, URL as configured) and of `cache`.
    pub fn check(&self, sources: &[(&str, &str)], cache: &Cache) -> HealthReport {
        self.check_with_breakers(sources, cache, None)
    }

    /// [`HealthChecker::check`], with an open breaker of `breakers` (the client's) making the
    /// source of its host unhealthy.
    pub fn check_with_breakers(
        &self,
        sources: &[(&str, &str)],
        cache: &Cache,
        breakers: Option<&HostBreakers>,
    ) -> HealthReport {
        let sources: Vec<SourceHealth> = std::thread::scope(|scope| {
            let checks: Vec<_> = sources
                .iter()
                .map(|&(name, url)| {
                    scope.spawn(move || with_breaker(self.source(name, url), url, breakers))
                })
                .collect();
            checks
                .into_iter()
                .zip(sources)
                .map(|(check, &(name, url))| {
                    check
                        .join()
                        .unwrap_or_else(|_| failed(name, url, "the check panicked"))
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

    fn source(&self, name: &str, url: &str) -> SourceHealth {
        let key = format!("{name}\n{url}");
        if let Some((health, at)) = self.results.lock().get(&key)
            && at.elapsed() < self.options.cache_for
        {
            return SourceHealth {
                cached: true,
                ..health.clone()
            };
        }
        let health = self.probe(name, url);
        self.results
            .lock()
            .insert(key, (health.clone(), Instant::now()));
        health
    }

    fn probe(&self, name: &str, url: &str) -> SourceHealth {
        let Some(http) = &self.http else {
            return failed(name, url, "the HTTP options cannot be used");
        };
        let started = Instant::now();
        let result = http.get_bytes(url);
        let elapsed = started.elapsed();
        let (status, http_status, error) = match result {
            Ok(_) if elapsed <= self.options.timeout / 2 => (HealthStatus::Healthy, None, None),
            Ok(_) => (HealthStatus::Degraded, None, None),
            Err(err) => (HealthStatus::Unhealthy, err.status(), Some(err.to_string())),
        };
        log::debug!(target: "rnuget::health", "source {name}: {status:?} in {} ms", elapsed.as_millis());
        SourceHealth {
            name: name.to_string(),
            url: strip_credentials(url),
            status,
            latency_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            http_status,
            error,
            cached: false,
            breaker: None,
        }
    }
}

/// `health` met with the state of the breaker for `url`'s host, if there is one.
fn with_breaker(
    mut health: SourceHealth,
    url: &str,
    breakers: Option<&HostBreakers>,
) -> SourceHealth {
    let Some(stats) = breakers.and_then(|b| b.stats(&host_key(url)?)) else {
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
            "circuit breaker for {} is {} after {} consecutive failures",
            host_key(url).unwrap_or_default(),
            stats.state.as_str(),
            stats.consecutive_failures
        ));
    }
    health
}

fn failed(name: &str, url: &str, why: &str) -> SourceHealth {
    SourceHealth {
        name: name.to_string(),
        url: strip_credentials(url),
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
    let disk_bytes = stats.disk.and_then(|d| d.bytes);
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
        let checker = HealthChecker::new(&HttpOptions::default(), options);
        // Port 9 (discard) on loopback: nothing listens, the connection is refused.
        let url = "http://u:secret@127.0.0.1:9/index.json";
        let report = checker.check(&[("down", url)], &Cache::disabled());
        assert_eq!(report.status, HealthStatus::Unhealthy);
        let source = &report.sources[0];
        assert_eq!(source.url, "http://127.0.0.1:9/index.json");
        assert!(!source.cached);
        assert!(!report.to_json().contains("secret"), "{}", report.to_json());
        let again = checker.check(&[("down", url)], &Cache::disabled());
        assert!(again.sources[0].cached);
        assert_eq!(again.cache.status, HealthStatus::Healthy);
    }
}
