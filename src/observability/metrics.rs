//! [`Metrics`]: the Prometheus metrics rnuget updates, in a registry it owns or the caller's.
//!
//! ```text
//! rnuget_http_requests_total{method,status,source}         counter  every GET (each redirect hop
//!                                                                    is part of its request)
//! rnuget_http_request_duration_seconds{method,source}      histogram
//! rnuget_cache_hits_total{tier} / rnuget_cache_misses_total{tier}   tier: memory, disk
//! rnuget_cache_bytes{tier}                                 gauge    bytes held (disk: when capped)
//! rnuget_package_downloads_total{source,outcome}           counter  .nupkg bodies from the network
//! rnuget_package_download_bytes_total{source}              counter
//! rnuget_package_download_duration_seconds{source}         histogram
//! rnuget_http_retries_total{host,reason}                   counter  tries that failed and were
//!                                                                    tried again
//! rnuget_circuit_breaker_state{host}                       gauge    0 closed, 1 half-open, 2 open
//! rnuget_circuit_breaker_failures_total{host}              counter  failures counted against it
//! rnuget_rate_limit_wait_seconds{source}                   histogram time a request waited for
//!                                                                    its source's limiter
//! rnuget_rate_limit_tokens{source}                         gauge    tokens left in the bucket
//! ```
//!
//! `status` is the HTTP status code, or the error kind (`network`, `timeout`, ...) when no
//! status arrived; `reason` is the same for the failure that was retried; `source` is the source
//! URL in the log-safe form, credentials removed and secret query values masked (for the
//! rate-limit metrics: the source's name, as the limits are configured); `host` is `host:port`.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use parking_lot::RwLock;

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

use super::host_labels::HostLabels;
use crate::resilience::BreakerState;
use crate::{Error, ErrorKind, Result};

/// Buckets of request durations, in seconds: loopback to slow feeds.
const REQUEST_BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 100.0,
];

/// Buckets of package download durations, in seconds.
const DOWNLOAD_BUCKETS: &[f64] = &[0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0];

/// Buckets of rate-limit waits, in seconds: no wait to a long queue.
const WAIT_BUCKETS: &[f64] = &[0.0001, 0.001, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0];

/// A cache tier, as a metric label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// The memory LRU.
    Memory,
    /// The disk cache.
    Disk,
}

impl Tier {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Memory => "memory",
            Tier::Disk => "disk",
        }
    }
}

/// What one HTTP request did, as the metrics record it.
#[derive(Debug, Clone, Copy)]
pub struct RequestRecord<'a> {
    /// `GET`.
    pub method: &'a str,
    /// The source URL without credentials, or `""` when unknown.
    pub source: &'a str,
    /// The status code, or `None` when no response arrived.
    pub status: Option<u16>,
    /// The error kind when the request failed.
    pub error: Option<ErrorKind>,
    /// From sending to the end of the body.
    pub duration: Duration,
    /// Whether the body was a package (a download).
    pub package: bool,
    /// Body bytes received (after decompression).
    pub bytes: u64,
}

/// rnuget's Prometheus metrics. Every method takes `&self` and may be called from many threads.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    cache_hits: IntCounterVec,
    cache_misses: IntCounterVec,
    cache_bytes: IntGaugeVec,
    /// The series of each tier, looked up by label once (on first use, so that a tier that
    /// is never used shows no series): a cache hit is on every warm call.
    tiers: [TierSeries; 2],
    /// The request series of each source, looked up by label once: a request is recorded on
    /// every call that reaches the network.
    sources: Arc<RwLock<HashMap<String, SourceSeries>>>,
    downloads: IntCounterVec,
    download_bytes: IntCounterVec,
    download_duration: HistogramVec,
    retries: IntCounterVec,
    breaker_state: IntGaugeVec,
    breaker_failures: IntCounterVec,
    limit_wait: HistogramVec,
    limit_tokens: IntGaugeVec,
    /// The name of every family above, as registered.
    families: Arc<[String]>,
    /// The hosts the per-host families have series for (capped: a feed names the hosts).
    hosts: Arc<HostLabels>,
}

/// One source's request series, by method: the duration histogram and the counter of each
/// status seen so far.
#[derive(Debug, Default)]
struct SourceSeries {
    methods: Vec<MethodSeries>,
}

#[derive(Debug)]
struct MethodSeries {
    method: String,
    duration: Histogram,
    statuses: Vec<(&'static str, IntCounter)>,
}

impl SourceSeries {
    /// The duration histogram and the counter of `status`, when both were made already.
    fn get(&self, method: &str, status: &'static str) -> Option<(&Histogram, &IntCounter)> {
        let series = self.methods.iter().find(|m| m.method == method)?;
        let (_, counter) = series.statuses.iter().find(|(s, _)| *s == status)?;
        Some((&series.duration, counter))
    }
}

/// One tier's cache series, made on first use.
#[derive(Debug, Clone, Default)]
struct TierSeries {
    hits: OnceLock<IntCounter>,
    misses: OnceLock<IntCounter>,
    bytes: OnceLock<IntGauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Metrics in a registry of their own ([`Metrics::registry`]).
    pub fn new() -> Metrics {
        // Registering fresh metrics in a fresh registry cannot collide.
        Metrics::register(Registry::new()).unwrap_or_else(|_| unreachable!("fresh registry"))
    }

    /// Metrics registered in `registry` (a caller's own, shared with its other metrics). Fails
    /// when the registry already holds metrics of the same names.
    pub fn register(registry: Registry) -> Result<Metrics> {
        let metrics = Metrics {
            http_requests: counter(
                "rnuget_http_requests_total",
                "HTTP requests sent, by method, status (or error kind) and source.",
                &["method", "status", "source"],
            )?,
            http_duration: histogram(
                "rnuget_http_request_duration_seconds",
                "HTTP request duration, headers and body, by method and source.",
                &["method", "source"],
                REQUEST_BUCKETS,
            )?,
            cache_hits: counter(
                "rnuget_cache_hits_total",
                "Cache lookups answered, by tier.",
                &["tier"],
            )?,
            cache_misses: counter(
                "rnuget_cache_misses_total",
                "Cache lookups not answered, by tier.",
                &["tier"],
            )?,
            cache_bytes: gauge(
                "rnuget_cache_bytes",
                "Bytes held by a cache tier (disk: counted when it has a byte cap).",
                &["tier"],
            )?,
            downloads: counter(
                "rnuget_package_downloads_total",
                "Package bodies fetched from a feed, by source and outcome (ok, error).",
                &["source", "outcome"],
            )?,
            download_bytes: counter(
                "rnuget_package_download_bytes_total",
                "Package bytes fetched from a feed, by source.",
                &["source"],
            )?,
            download_duration: histogram(
                "rnuget_package_download_duration_seconds",
                "Package download duration, by source.",
                &["source"],
                DOWNLOAD_BUCKETS,
            )?,
            retries: counter(
                "rnuget_http_retries_total",
                "Failed tries that were tried again, by host and reason (status or error kind).",
                &["host", "reason"],
            )?,
            breaker_state: gauge(
                "rnuget_circuit_breaker_state",
                "Circuit breaker state by host: 0 closed, 1 half-open, 2 open.",
                &["host"],
            )?,
            breaker_failures: counter(
                "rnuget_circuit_breaker_failures_total",
                "Failures counted against a host's circuit breaker.",
                &["host"],
            )?,
            limit_wait: histogram(
                "rnuget_rate_limit_wait_seconds",
                "Time a request waited for its source's rate limiter, by source name.",
                &["source"],
                WAIT_BUCKETS,
            )?,
            limit_tokens: gauge(
                "rnuget_rate_limit_tokens",
                "Tokens left in a source's rate-limit bucket, by source name.",
                &["source"],
            )?,
            tiers: Default::default(),
            sources: Arc::default(),
            families: Arc::new([]),
            hosts: Arc::default(),
            registry,
        };
        let families: Vec<String> = metrics
            .collectors()
            .iter()
            .flat_map(|c| c.desc().into_iter().map(|d| d.fq_name.clone()))
            .collect();
        metrics.register_all()?;
        Ok(Metrics {
            families: families.into(),
            ..metrics
        })
    }

    /// Every metric family, as collectors to register (or unregister: a registry tells them by
    /// their descriptions, so a clone stands for the one registered).
    fn collectors(&self) -> [Box<dyn prometheus::core::Collector>; 13] {
        [
            Box::new(self.http_requests.clone()),
            Box::new(self.http_duration.clone()),
            Box::new(self.cache_hits.clone()),
            Box::new(self.cache_misses.clone()),
            Box::new(self.cache_bytes.clone()),
            Box::new(self.downloads.clone()),
            Box::new(self.download_bytes.clone()),
            Box::new(self.download_duration.clone()),
            Box::new(self.retries.clone()),
            Box::new(self.breaker_state.clone()),
            Box::new(self.breaker_failures.clone()),
            Box::new(self.limit_wait.clone()),
            Box::new(self.limit_tokens.clone()),
        ]
    }

    /// Registers every family, or none: on a clash (a caller's registry holding a metric of
    /// one of these names) those already registered are taken out again, so that the registry
    /// is left as it was, and the error names the family that clashed.
    fn register_all(&self) -> Result<()> {
        for (index, collector) in self.collectors().into_iter().enumerate() {
            let name = collector
                .desc()
                .first()
                .map(|d| d.fq_name.clone())
                .unwrap_or_default();
            if let Err(err) = self.registry.register(collector) {
                for done in self.collectors().into_iter().take(index) {
                    let _ = self.registry.unregister(done);
                }
                return Err(prometheus_error(err).context(format!("registering {name}")));
            }
        }
        Ok(())
    }

    /// The name of every metric family rnuget defines, in the order registered. A family
    /// shows in [`Metrics::text`] only once one of its series was updated (Prometheus leaves
    /// empty families out), so this is the list to hold the text against.
    pub fn family_names(&self) -> &[String] {
        &self.families
    }

    /// The registry the metrics are in.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The registry's metrics in Prometheus' text exposition format (version 0.0.4).
    pub fn text(&self) -> Result<String> {
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .map_err(prometheus_error)?;
        String::from_utf8(out).map_err(|_| Error::new(ErrorKind::Io, "metrics text is not UTF-8"))
    }

    /// Records one HTTP request (and, for a package body, one download).
    pub fn record_request(&self, request: &RequestRecord<'_>) {
        let status = match (request.status, request.error) {
            (Some(code), _) => status_label(code),
            (None, Some(kind)) => kind_label(kind),
            (None, None) => "unknown",
        };
        let seconds = request.duration.as_secs_f64();
        self.request_series(
            request.method,
            status,
            request.source,
            |duration, counter| {
                counter.inc();
                duration.observe(seconds);
            },
        );
        if request.package {
            let outcome = if request.error.is_none() {
                "ok"
            } else {
                "error"
            };
            self.downloads
                .with_label_values(&[request.source, outcome])
                .inc();
            if request.bytes > 0 {
                self.download_bytes
                    .with_label_values(&[request.source])
                    .inc_by(request.bytes);
            }
            self.download_duration
                .with_label_values(&[request.source])
                .observe(seconds);
        }
    }

    /// Runs `record` on the duration histogram and status counter of `source`'s `method`
    /// requests, made (and kept) on first use.
    fn request_series(
        &self,
        method: &str,
        status: &'static str,
        source: &str,
        record: impl FnOnce(&Histogram, &IntCounter),
    ) {
        if let Some((duration, counter)) = self
            .sources
            .read()
            .get(source)
            .and_then(|s| s.get(method, status))
        {
            record(duration, counter);
            return;
        }
        let mut sources = self.sources.write();
        let series = sources.entry(source.to_string()).or_default();
        let index = match series.methods.iter().position(|m| m.method == method) {
            Some(index) => index,
            None => {
                series.methods.push(MethodSeries {
                    method: method.to_string(),
                    duration: self.http_duration.with_label_values(&[method, source]),
                    statuses: Vec::new(),
                });
                series.methods.len() - 1
            }
        };
        let by_method = &mut series.methods[index];
        if !by_method.statuses.iter().any(|(s, _)| *s == status) {
            let counter = self
                .http_requests
                .with_label_values(&[method, status, source]);
            by_method.statuses.push((status, counter));
        }
        if let Some((duration, counter)) = series.get(method, status) {
            record(duration, counter);
        }
    }

    /// Records a lookup answered by `tier`.
    pub fn cache_hit(&self, tier: Tier) {
        self.tier(tier)
            .hits
            .get_or_init(|| self.cache_hits.with_label_values(&[tier.as_str()]))
            .inc();
    }

    /// Records a lookup `tier` could not answer.
    pub fn cache_miss(&self, tier: Tier) {
        self.tier(tier)
            .misses
            .get_or_init(|| self.cache_misses.with_label_values(&[tier.as_str()]))
            .inc();
    }

    /// Sets the bytes `tier` holds now.
    pub fn set_cache_bytes(&self, tier: Tier, bytes: u64) {
        let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
        self.tier(tier)
            .bytes
            .get_or_init(|| self.cache_bytes.with_label_values(&[tier.as_str()]))
            .set(bytes);
    }

    fn tier(&self, tier: Tier) -> &TierSeries {
        match tier {
            Tier::Memory => &self.tiers[0],
            Tier::Disk => &self.tiers[1],
        }
    }
}

impl Metrics {
    /// Records that a try to `host` failed with `err` and is tried again. Past the first
    /// [`MAX_HOST_LABELS`](super::MAX_HOST_LABELS) hosts, retries count under the host
    /// [`OTHER_HOSTS`](super::OTHER_HOSTS).
    pub fn retry(&self, host: &str, err: &Error) {
        let reason = match err.status() {
            Some(code) => status_label(code),
            None => kind_label(err.kind()),
        };
        let host = self.hosts.label(host);
        self.retries.with_label_values(&[host, reason]).inc();
    }

    /// Sets the state of `host`'s breaker. A host past the first
    /// [`MAX_HOST_LABELS`](super::MAX_HOST_LABELS) has no state series (one series for many
    /// breakers would say nothing true).
    pub fn set_breaker_state(&self, host: &str, state: BreakerState) {
        let value = match state {
            BreakerState::Closed => 0,
            BreakerState::HalfOpen => 1,
            BreakerState::Open => 2,
        };
        if let Some(host) = self.hosts.own(host) {
            self.breaker_state.with_label_values(&[host]).set(value);
        }
    }

    /// Records a failure counted against `host`'s breaker; past the first
    /// [`MAX_HOST_LABELS`](super::MAX_HOST_LABELS) hosts, under the host
    /// [`OTHER_HOSTS`](super::OTHER_HOSTS).
    pub fn breaker_failure(&self, host: &str) {
        let host = self.hosts.label(host);
        self.breaker_failures.with_label_values(&[host]).inc();
    }

    /// Records that a request of the source `name` waited `waited` for its limiter, which has
    /// `tokens` left (`None`: the source has no rate, only a cap on requests in flight).
    pub fn rate_limit_wait(&self, name: &str, waited: Duration, tokens: Option<u32>) {
        self.limit_wait
            .with_label_values(&[name])
            .observe(waited.as_secs_f64());
        if let Some(tokens) = tokens {
            self.limit_tokens
                .with_label_values(&[name])
                .set(i64::from(tokens));
        }
    }
}

/// A status code as a label, from a table made once, so that recording allocates nothing.
fn status_label(code: u16) -> &'static str {
    static TABLE: OnceLock<Vec<String>> = OnceLock::new();
    let table = TABLE.get_or_init(|| (100..600).map(|c: u16| c.to_string()).collect());
    match code {
        100..=599 => &table[usize::from(code - 100)],
        _ => "other",
    }
}

/// An error kind as a label: one lowercase word.
fn kind_label(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Network => "network",
        ErrorKind::Timeout => "timeout",
        ErrorKind::TooLarge => "too_large",
        ErrorKind::Protocol => "protocol",
        ErrorKind::InvalidArgument => "invalid_argument",
        ErrorKind::Io => "io",
        ErrorKind::NotFound => "not_found",
        ErrorKind::HttpStatus => "http_status",
        _ => "other",
    }
}

fn counter(name: &str, help: &str, labels: &[&str]) -> Result<IntCounterVec> {
    IntCounterVec::new(Opts::new(name, help), labels).map_err(prometheus_error)
}

fn gauge(name: &str, help: &str, labels: &[&str]) -> Result<IntGaugeVec> {
    IntGaugeVec::new(Opts::new(name, help), labels).map_err(prometheus_error)
}

fn histogram(name: &str, help: &str, labels: &[&str], buckets: &[f64]) -> Result<HistogramVec> {
    let opts = HistogramOpts::new(name, help).buckets(buckets.to_vec());
    HistogramVec::new(opts, labels).map_err(prometheus_error)
}

fn prometheus_error(err: prometheus::Error) -> Error {
    Error::new(ErrorKind::InvalidArgument, format!("metrics: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registry_takes_rnuget_metrics_once() {
        let registry = Registry::new();
        let metrics = Metrics::register(registry.clone()).unwrap();
        metrics.cache_hit(Tier::Memory);
        assert!(Metrics::register(registry.clone()).is_err());
        let names: Vec<String> = registry
            .gather()
            .iter()
            .map(|f| f.name().to_string())
            .collect();
        assert!(
            names.contains(&"rnuget_cache_hits_total".to_string()),
            "{names:?}"
        );
    }

    /// A registry holding a metric of one of rnuget's names refuses rnuget's, naming it, and
    /// is left as it was: none of the families registered before the clash stays behind, so
    /// that once the clash is gone the same registry takes them all. (Prometheus pins a name to
    /// the labels and help it was first registered with, so the caller's metric here has
    /// rnuget's.)
    #[test]
    fn a_clash_is_an_error_that_leaves_the_registry_as_it_was() {
        let registry = Registry::new();
        let help = "Bytes held by a cache tier (disk: counted when it has a byte cap).";
        let own = IntGaugeVec::new(Opts::new("rnuget_cache_bytes", help), &["tier"]).unwrap();
        own.with_label_values(&["1"]).set(7);
        registry.register(Box::new(own.clone())).unwrap();
        let Err(err) = Metrics::register(registry.clone()) else {
            panic!("a registry holding rnuget_cache_bytes took rnuget's metrics");
        };
        assert!(err.message().contains("rnuget_cache_bytes"), "{err}");
        let names: Vec<String> = registry
            .gather()
            .iter()
            .map(|f| f.name().to_string())
            .collect();
        assert_eq!(names, ["rnuget_cache_bytes"]);
        let families = registry.gather();
        assert_eq!(families[0].get_metric()[0].get_gauge().get_value(), 7.0);

        registry.unregister(Box::new(own)).unwrap();
        let metrics = Metrics::register(registry.clone()).expect("no clash left");
        metrics.cache_hit(Tier::Memory);
        assert!(metrics.text().unwrap().contains("rnuget_cache_hits_total"));
    }

    /// The hosts of the per-host families are named by feeds (a registration page or a package
    /// anywhere): a feed naming a thousand hosts must not make a thousand series of each.
    #[test]
    fn per_host_series_are_capped_and_later_hosts_count_as_other() {
        use crate::observability::{MAX_HOST_LABELS, OTHER_HOSTS};
        let metrics = Metrics::new();
        let err = Error::new(ErrorKind::Network, "refused");
        let hosts = 10 * MAX_HOST_LABELS;
        for i in 0..hosts {
            let host = format!("h{i}.example:443");
            metrics.retry(&host, &err);
            metrics.breaker_failure(&host);
            metrics.set_breaker_state(&host, BreakerState::Open);
        }
        let text = metrics.text().unwrap();
        let series = |family: &str| text.lines().filter(|l| l.starts_with(family)).count();
        assert_eq!(series("rnuget_http_retries_total{"), MAX_HOST_LABELS + 1);
        assert_eq!(
            series("rnuget_circuit_breaker_failures_total{"),
            MAX_HOST_LABELS + 1
        );
        assert_eq!(series("rnuget_circuit_breaker_state{"), MAX_HOST_LABELS);
        let other = format!(
            "rnuget_circuit_breaker_failures_total{{host=\"{OTHER_HOSTS}\"}} {}",
            hosts - MAX_HOST_LABELS
        );
        assert!(text.contains(&other), "{text}");
        assert!(
            text.contains(
                "rnuget_http_retries_total{host=\"h0.example:443\",reason=\"network\"} 1"
            )
        );
    }

    #[test]
    fn every_family_is_named_once_though_the_text_shows_only_updated_ones() {
        let metrics = Metrics::new();
        let names = metrics.family_names();
        assert_eq!(names.len(), 13, "{names:?}");
        assert_eq!(names[0], "rnuget_http_requests_total");
        assert_eq!(names[12], "rnuget_rate_limit_tokens");
        let unique: std::collections::HashSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        // Nothing updated yet: Prometheus leaves every family out of the text.
        assert_eq!(metrics.text().unwrap(), "");
        metrics.cache_miss(Tier::Disk);
        let text = metrics.text().unwrap();
        assert!(
            text.contains("# TYPE rnuget_cache_misses_total counter"),
            "{text}"
        );
        assert_eq!(text.matches("# TYPE ").count(), 1, "{text}");
    }

    #[test]
    fn requests_are_labelled_by_status_or_error_kind() {
        let metrics = Metrics::new();
        let mut record = RequestRecord {
            method: "GET",
            source: "http://127.0.0.1:1/index.json",
            status: Some(200),
            error: None,
            duration: Duration::from_millis(3),
            package: true,
            bytes: 10,
        };
        metrics.record_request(&record);
        record.status = None;
        record.error = Some(ErrorKind::Timeout);
        record.bytes = 0;
        metrics.record_request(&record);
        let text = metrics.text().unwrap();
        let source = "source=\"http://127.0.0.1:1/index.json\"";
        assert!(
            text.contains(&format!(
                "rnuget_http_requests_total{{method=\"GET\",{source},status=\"200\"}} 1"
            )),
            "{text}"
        );
        assert!(text.contains("status=\"timeout\"} 1"), "{text}");
        assert!(
            text.contains(&format!(
                "rnuget_package_download_bytes_total{{{source}}} 10"
            )),
            "{text}"
        );
        assert!(text.contains("outcome=\"error\""), "{text}");
        // The series kept per source count on: the same status again, and another source.
        record.status = Some(200);
        record.error = None;
        metrics.record_request(&record);
        record.source = "http://127.0.0.1:2/index.json";
        metrics.record_request(&record);
        let text = metrics.text().unwrap();
        assert!(
            text.contains(&format!(
                "rnuget_http_requests_total{{method=\"GET\",{source},status=\"200\"}} 2"
            )),
            "{text}"
        );
        let other = "source=\"http://127.0.0.1:2/index.json\"";
        assert!(
            text.contains(&format!(
                "rnuget_http_request_duration_seconds_count{{method=\"GET\",{other}}} 1"
            )),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "rnuget_http_request_duration_seconds_count{{method=\"GET\",{source}}} 3"
            )),
            "{text}"
        );
        assert_eq!((status_label(418), status_label(600)), ("418", "other"));
    }
}
