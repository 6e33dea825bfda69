//! Observability on loopback feeds: one run against the demo feed (with a password in its URL
//! and an API key header) and a source that always fails, then the log lines, the metrics text,
//! the spans, the health report and the `traceparent` headers the feed received.

mod breaker_gauge;
mod cache_health;
mod cache_hits;
mod fern_setup;
mod full_run;
mod health;
mod log_injection;
mod log_lines;
#[cfg(feature = "opentelemetry")]
mod otel;
mod relay;
mod secrets;
mod traced_requests;

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use parking_lot::Mutex;
use rnuget::cache::{CacheOptions, DiskOptions};
use rnuget::client::{Client, ClientOptions};
use rnuget::demo::DemoFeed;
use rnuget::demo::server::{LoopbackServer, Response};
use rnuget::http::{HttpOptions, RetryPolicy};
use rnuget::observability::{
    HealthStatus, Metrics, Observability, Outcome, Span, SpanRecord, TraceContext,
};
use rnuget::protocol::{MetadataOptions, SearchQuery};
use rnuget::resilience::{BreakerOptions, RateLimit, ResilienceOptions, SourceLimits};
use rnuget::version::NuGetVersion;

use crate::support::logs::{capture_logs, lines};

const PASSWORD: &str = "pw-Obs3rvS3cret";
const API_KEY: &str = "key-Obs3rvS3cret";
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

struct Dir(PathBuf);
impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What one run left behind.
struct Run {
    feed: DemoFeed,
    failing: LoopbackServer,
    client: Client,
    spans: Arc<Mutex<Vec<SpanRecord>>>,
    _dir: Dir,
}

fn with_password(url: &str) -> String {
    let rest = url.strip_prefix("http://").unwrap();
    format!("http://alice:{PASSWORD}@{rest}")
}

/// Versions, metadata (network, memory, disk), search and two downloads, all under one traced
/// context, against the demo feed (rate-limited) and a source answering 500 (ignored as a
/// failed source; retried, until its host's breaker opens).
fn run(name: &str) -> Run {
    capture_logs();
    let dir = std::env::temp_dir().join(format!("rnuget-obs-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let feed = DemoFeed::start().unwrap();
    let failing = LoopbackServer::start(|_| Response::new(500, "down")).unwrap();
    let spans = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&spans);
    let observability = Observability::with_metrics().spans(Arc::new(move |span: &Span| {
        sink.lock().push(span.to_record())
    }));
    // Retries, breakers and a limit on the demo source, so that the down source's 500s are
    // retried until its host's breaker opens.
    let http = scenario_http("demo", API_KEY);
    let cache = scenario_cache(dir.clone());
    let options = ClientOptions::new()
        .named_source("demo", &with_password(&feed.index_url()))
        .named_source("down", &format!("{}/v3/index.json", failing.base_url()))
        .http(http)
        .cache(cache)
        .ignore_failed_sources(true)
        .observability(observability);
    let client = Client::new(options).unwrap();
    let traceparent = format!("00-{TRACE_ID}-{CALLER_SPAN}-01");
    let trace = TraceContext::parse(&traceparent, Some("rnuget=test")).unwrap();
    let context = client.new_context().with_trace(trace);
    let version = NuGetVersion::parse("1.1.0").unwrap();

    let versions = client.list_versions_with(&context, "Demo.Core").unwrap();
    assert!(versions.contains(&version), "{versions:?}");
    let all = MetadataOptions::default();
    let first = client
        .get_metadata_with(&context, "Demo.Core", &all)
        .unwrap();
    let from_memory = client
        .get_metadata_with(&context, "Demo.Core", &all)
        .unwrap();
    client.clear_cache(false).unwrap();
    let from_disk = client
        .get_metadata_with(&context, "Demo.Core", &all)
        .unwrap();
    assert_eq!(first, from_memory);
    assert_eq!(first, from_disk);
    let query = SearchQuery {
        query: "demo".into(),
        ..SearchQuery::default()
    };
    let answers = client.search_with(&context, &query);
    assert!(answers[0].result.is_ok() && answers[1].result.is_err());
    let package = client
        .download_to_vec_with(&context, "Demo.Core", &version)
        .unwrap();
    assert!(package.value.starts_with(b"PK"));
    let again = client
        .download_to_vec_with(&context, "Demo.Core", &version)
        .unwrap();
    assert_eq!(package.value, again.value);
    Run {
        feed,
        failing,
        client,
        spans,
        _dir: Dir(dir),
    }
}

/// The HTTP options of a full run: two tries without delays, a breaker per host that opens
/// after two failures, a rate limit on source `limited`, and `api_key` sent as
/// `X-NuGet-ApiKey`.
fn scenario_http(limited: &str, api_key: &str) -> HttpOptions {
    let resilience = ResilienceOptions {
        retry: Some(RetryPolicy {
            max_attempts: 2,
            zero_delays: true,
            ..RetryPolicy::default()
        }),
        circuit_breaker: Some(BreakerOptions {
            failure_threshold: 2,
            ..BreakerOptions::default()
        }),
        per_source: vec![(
            limited.into(),
            SourceLimits {
                rate: Some(RateLimit::per_second(1000)),
                ..SourceLimits::default()
            },
        )],
        ..ResilienceOptions::default()
    };
    HttpOptions {
        extra_headers: vec![("X-NuGet-ApiKey".into(), api_key.into())],
        resilience,
        ..HttpOptions::default()
    }
}

/// The cache of a full run: the memory tier and a disk tier in `dir`, capped at 1 GiB.
fn scenario_cache(dir: PathBuf) -> CacheOptions {
    CacheOptions {
        disk: Some(DiskOptions {
            root: Some(dir),
            max_bytes: Some(1 << 30),
        }),
        ..CacheOptions::default()
    }
}

/// Every sample of the metrics text: `name{labels}` -> value.
fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| {
            let (name, value) = line.rsplit_once(' ')?;
            Some((name.to_string(), value.parse().ok()?))
        })
        .collect()
}

fn value(samples: &BTreeMap<String, f64>, name: &str, labels: &[&str]) -> f64 {
    samples
        .iter()
        .filter(|(key, _)| {
            key.split('{').next() == Some(name) && labels.iter().all(|l| key.contains(l))
        })
        .map(|(_, v)| *v)
        .sum()
}

/// Every metric family rnuget defines, each checked below against what the run did: a family
/// added to `Metrics` without a check here fails the test.
const CHECKED_FAMILIES: &[&str] = &[
    "rnuget_http_requests_total",
    "rnuget_http_request_duration_seconds",
    "rnuget_cache_hits_total",
    "rnuget_cache_misses_total",
    "rnuget_cache_bytes",
    "rnuget_package_downloads_total",
    "rnuget_package_download_bytes_total",
    "rnuget_package_download_duration_seconds",
    "rnuget_http_retries_total",
    "rnuget_circuit_breaker_state",
    "rnuget_circuit_breaker_failures_total",
    "rnuget_rate_limit_wait_seconds",
    "rnuget_rate_limit_tokens",
];

/// Whether a series of `family` (a histogram's `_bucket`, `_sum` or `_count` included) is
/// above zero.
fn moved(samples: &BTreeMap<String, f64>, family: &str) -> bool {
    samples.iter().any(|(key, v)| {
        let name = key.split('{').next().unwrap_or("");
        let own = name == family
            || ["_bucket", "_sum", "_count"]
                .iter()
                .any(|suffix| name.strip_suffix(suffix) == Some(family));
        own && *v > 0.0
    })
}

#[test]
fn every_metric_moves_and_counts_what_happened() {
    let run = run("metrics");
    let text = run.client.metrics_text().unwrap();
    let samples = samples(&text);
    // The registry's own list, not the text (which leaves out families never updated).
    let metrics = run.client.observability().metrics_ref().unwrap();
    assert_eq!(metrics.family_names(), CHECKED_FAMILIES);
    let exposed: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split(' ').next())
        .collect();
    for family in CHECKED_FAMILIES {
        assert!(exposed.contains(family), "{family} not exposed:\n{text}");
        assert!(moved(&samples, family), "{family} never moved:\n{text}");
    }
    let demo = format!("source=\"{}\"", run.feed.index_url());
    let down = format!("source=\"{}/v3/index.json\"", run.failing.base_url());
    let requests = "rnuget_http_requests_total";
    let ok = value(&samples, requests, &[&demo, "status=\"200\""]);
    assert_eq!(ok as usize, run.feed.server().request_count(), "{text}");
    let failed = value(&samples, requests, &[&down, "status=\"500\""]);
    assert_eq!(failed as usize, run.failing.request_count(), "{text}");
    let timed = value(
        &samples,
        "rnuget_http_request_duration_seconds_count",
        &[&demo],
    );
    assert_eq!(timed, ok);
    // Metadata: one network read, then memory, then (memory cleared) disk.
    assert!(value(&samples, "rnuget_cache_hits_total", &["tier=\"memory\""]) >= 2.0);
    assert!(value(&samples, "rnuget_cache_hits_total", &["tier=\"disk\""]) >= 1.0);
    assert!(value(&samples, "rnuget_cache_misses_total", &["tier=\"disk\""]) >= 1.0);
    assert!(value(&samples, "rnuget_cache_misses_total", &["tier=\"memory\""]) >= 1.0);
    assert!(value(&samples, "rnuget_cache_bytes", &["tier=\"disk\""]) > 0.0);
    assert!(value(&samples, "rnuget_cache_bytes", &["tier=\"memory\""]) > 0.0);
    // One package body from the network; the second download came from the cache.
    let downloads = value(
        &samples,
        "rnuget_package_downloads_total",
        &[&demo, "outcome=\"ok\""],
    );
    assert_eq!(downloads, 1.0, "{text}");
    let version = NuGetVersion::parse("1.1.0").unwrap();
    let size = run
        .feed
        .package_bytes("Demo.Core", "1.1.0")
        .unwrap()
        .unwrap()
        .len();
    let bytes = value(&samples, "rnuget_package_download_bytes_total", &[&demo]);
    assert_eq!(bytes as usize, size);
    let timed = "rnuget_package_download_duration_seconds_count";
    assert_eq!(value(&samples, timed, &[&demo]), 1.0, "{text}");
    assert!(!version.is_prerelease());
    // Resilience: the down host's 500s were retried and opened its breaker; the demo host's
    // stays closed; every demo request waited for the demo source's limiter.
    let down_host = format!(
        "host=\"{}\"",
        run.failing.base_url().strip_prefix("http://").unwrap()
    );
    let demo_host = format!(
        "host=\"{}\"",
        run.feed.base_url().strip_prefix("http://").unwrap()
    );
    let retries = "rnuget_http_retries_total";
    let retried = value(&samples, retries, &[&down_host, "reason=\"500\""]);
    assert!(retried >= 1.0, "{text}");
    assert_eq!(value(&samples, retries, &[&demo_host]), 0.0, "{text}");
    let state = "rnuget_circuit_breaker_state";
    assert_eq!(value(&samples, state, &[&down_host]), 2.0, "{text}");
    assert_eq!(value(&samples, state, &[&demo_host]), 0.0, "{text}");
    let failures = "rnuget_circuit_breaker_failures_total";
    assert_eq!(value(&samples, failures, &[&down_host]), 2.0, "{text}");
    // Each guarded request that failed made both of its attempts.
    assert_eq!(
        run.failing.request_count() as f64,
        2.0 * value(&samples, failures, &[&down_host]),
        "{text}"
    );
    let waits = value(
        &samples,
        "rnuget_rate_limit_wait_seconds_count",
        &["source=\"demo\""],
    );
    assert_eq!(waits as usize, run.feed.server().request_count(), "{text}");
    let tokens = value(&samples, "rnuget_rate_limit_tokens", &["source=\"demo\""]);
    assert!(tokens > 0.0 && tokens < 1000.0, "{text}");
    assert!(
        !text.contains(PASSWORD) && !text.contains("alice"),
        "{text}"
    );
}

#[test]
fn every_request_of_a_traced_call_carries_the_callers_trace_with_a_fresh_span() {
    let run = run("trace");
    let requests = run.feed.server().requests();
    assert!(requests.len() >= 5, "{}", requests.len());
    let mut span_ids = HashSet::new();
    for request in &requests {
        let header = request.header("traceparent").expect("traceparent sent");
        let fields: Vec<&str> = header.split('-').collect();
        assert_eq!(fields.len(), 4, "{header}");
        assert_eq!((fields[0], fields[1], fields[3]), ("00", TRACE_ID, "01"));
        assert_ne!(fields[2], CALLER_SPAN);
        assert!(
            span_ids.insert(fields[2].to_string()),
            "span id reused: {header}"
        );
        assert_eq!(request.header("tracestate"), Some("rnuget=test"));
    }
    let spans = run.spans.lock().clone();
    let names: HashSet<&str> = spans.iter().map(|s| s.name).collect();
    for name in [
        "service_index",
        "versions",
        "metadata",
        "search",
        "download",
        "cache_lookup",
    ] {
        assert!(names.contains(name), "no {name} span in {names:?}");
    }
    assert!(
        spans
            .iter()
            .all(|s| s.trace_id.as_deref() == Some(TRACE_ID))
    );
    assert!(
        spans
            .iter()
            .all(|s| s.parent_id.as_deref() == Some(CALLER_SPAN))
    );
    let search_down = spans
        .iter()
        .find(|s| s.name == "search" && s.attributes.contains(&("source", "down".to_string())))
        .expect("a search span for the failing source");
    assert_eq!(
        search_down.outcome,
        Outcome::Error(rnuget::ErrorKind::HttpStatus)
    );
    let hits = spans
        .iter()
        .filter(|s| s.name == "cache_lookup" && s.attributes.contains(&("hit", "true".into())))
        .count();
    assert!(hits >= 3, "{hits}");
    // A context without a trace sends none.
    run.feed.server().clear_requests();
    run.client.clear_cache(false).unwrap();
    let plain = run.client.new_context().no_cache(true);
    run.client.list_versions_with(&plain, "Demo.Core").unwrap();
    let untraced = run.feed.server().requests();
    assert!(!untraced.is_empty());
    assert!(untraced.iter().all(|r| r.header("traceparent").is_none()));
}

#[test]
fn health_reports_each_source_the_cache_and_the_worst_overall() {
    let run = run("health");
    let down_requests = run.failing.request_count();
    let report = run.client.health();
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["status"], "unhealthy", "{json}");
    assert_eq!(json["sources"][0]["name"], "demo");
    assert_eq!(json["sources"][0]["status"], "healthy", "{json}");
    assert_eq!(json["sources"][0]["url"], run.feed.index_url());
    // The run opened the client's breaker for the down host (the demo host's is closed), so
    // the probe, sent through the client's own HTTP client, was refused and sent nothing.
    assert_eq!(json["sources"][1]["status"], "unhealthy");
    assert_eq!(json["sources"][1]["http_status"], serde_json::Value::Null);
    assert_eq!(json["sources"][0]["breaker"], "closed", "{json}");
    assert_eq!(json["sources"][1]["breaker"], "open", "{json}");
    let down_error = json["sources"][1]["error"].as_str().unwrap();
    assert!(down_error.contains("circuit breaker for"), "{json}");
    assert_eq!(run.failing.request_count(), down_requests);
    assert_eq!(json["cache"]["status"], "healthy");
    assert!(json["cache"]["disk_bytes"].as_u64().unwrap() > 0, "{json}");
    assert_eq!(json["cache"]["disk_max_bytes"], 1u64 << 30);
    assert!(!report.to_json().contains(PASSWORD));
    // A second check within the reuse time sends nothing: the demo result is reused; the down
    // one, refused by its breaker, is not kept, and is refused again.
    let before = run.feed.server().request_count();
    let again = run.client.health();
    assert!(again.sources[0].cached);
    assert!(!again.sources[1].cached);
    assert_eq!(again.sources[1].status, HealthStatus::Unhealthy);
    assert_eq!(run.feed.server().request_count(), before);
    assert_eq!(run.failing.request_count(), down_requests);
}

#[test]
fn no_log_line_of_the_demo_run_holds_a_secret_or_is_above_warn() {
    let run = run("logs");
    let authorization = run.feed.server().requests()[0]
        .header("Authorization")
        .map(str::to_string)
        .expect("the demo feed got credentials");
    let basic = authorization.trim_start_matches("Basic ").to_string();
    let lines = lines();
    let http_lines = lines
        .iter()
        .filter(|l| l.starts_with("DEBUG rnuget::http GET ") && l.contains(&run.feed.base_url()))
        .count();
    assert!(
        http_lines >= run.feed.server().request_count(),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("DEBUG rnuget::cache memory hit"))
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("DEBUG rnuget::cache disk hit"))
    );
    // The failing source, ignored, is a fault the library healed: a warning.
    let down = run.failing.base_url();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("WARN rnuget::client") && l.contains("'down'")),
        "{down}"
    );
    for line in &lines {
        for secret in [PASSWORD, API_KEY, basic.as_str(), "Authorization", "alice"] {
            assert!(!line.contains(secret), "{secret} shows in {line}");
        }
        assert!(
            !line.starts_with("INFO ") && !line.starts_with("ERROR "),
            "{line}"
        );
    }
}

#[test]
fn a_callers_registry_takes_the_metrics() {
    let registry = prometheus::Registry::new();
    // The caller's own metrics share the registry with rnuget's.
    let own = prometheus::IntCounter::new("callers_jobs_total", "The caller's own.").unwrap();
    registry.register(Box::new(own.clone())).unwrap();
    own.inc_by(7);
    let metrics = Arc::new(Metrics::register(registry.clone()).unwrap());
    let feed = DemoFeed::start().unwrap();
    let options = ClientOptions::new()
        .source(&feed.index_url())
        .observability(Observability::new().metrics(metrics));
    let client = Client::new(options).unwrap();
    client.list_versions("Demo.Core").unwrap();
    let families = registry.gather();
    let requests = families
        .iter()
        .find(|f| f.name() == "rnuget_http_requests_total")
        .unwrap();
    let total: f64 = requests
        .get_metric()
        .iter()
        .map(|m| m.get_counter().get_value())
        .sum();
    assert_eq!(total as usize, feed.server().request_count());
    // The client's text is the registry's: the caller's metric beside rnuget's.
    let text = client.metrics_text().unwrap();
    assert!(text.contains("\ncallers_jobs_total 7\n"), "{text}");
    let requests = format!("source=\"{}\",status=\"200\"}} {total}", feed.index_url());
    assert!(text.contains(&requests), "{text}");
    // Without metrics the text is empty.
    let plain = Client::for_sources(&[feed.index_url()]).unwrap();
    assert_eq!(plain.metrics_text().unwrap(), "");
}

#[test]
fn an_open_breaker_makes_its_source_unhealthy_even_when_the_feed_answers_again() {
    let failing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let down = Arc::clone(&failing);
    let feed = LoopbackServer::start(move |_| {
        if down.load(std::sync::atomic::Ordering::SeqCst) {
            Response::new(503, "down")
        } else {
            Response::json(r#"{"version":"3.0.0","resources":[]}"#)
        }
    })
    .unwrap();
    let http = HttpOptions {
        resilience: ResilienceOptions {
            circuit_breaker: Some(BreakerOptions {
                failure_threshold: 2,
                ..BreakerOptions::default()
            }),
            ..ResilienceOptions::default()
        },
        ..HttpOptions::default()
    };
    let client = Client::new(
        ClientOptions::new()
            .named_source("flaky", &format!("{}/v3/index.json", feed.base_url()))
            .http(http),
    )
    .unwrap();
    for _ in 0..2 {
        assert!(client.list_versions("Demo.Core").is_err());
    }
    // The feed answers again, but the client's breaker for its host stays open: the probe,
    // which goes through the client's HTTP client, is refused and sends nothing.
    failing.store(false, std::sync::atomic::Ordering::SeqCst);
    let sent = feed.request_count();
    let report = client.health();
    assert_eq!(feed.request_count(), sent);
    let source = &report.sources[0];
    assert_eq!(source.breaker, Some("open"), "{report:?}");
    assert_eq!(
        source.http_status, None,
        "the probe itself got through: {report:?}"
    );
    assert_eq!(source.status, HealthStatus::Unhealthy, "{report:?}");
    assert_eq!(report.status, HealthStatus::Unhealthy);
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["sources"][0]["breaker"], "open", "{json}");
    let error = source.error.as_deref().unwrap();
    let host = feed.base_url().strip_prefix("http://").unwrap().to_string();
    assert!(
        error.contains(&format!("circuit breaker for {host} is open")),
        "{error}"
    );
    // A refused probe is not kept: closed again, the next check probes and reads healthy, and
    // that result is the one reused.
    client.reset_breakers();
    let report = client.health();
    assert!(!report.sources[0].cached, "{report:?}");
    assert_eq!(feed.request_count(), sent + 1);
    assert_eq!(report.sources[0].breaker, Some("closed"));
    assert_eq!(report.status, HealthStatus::Healthy, "{report:?}");
    assert!(client.health().sources[0].cached);
}
