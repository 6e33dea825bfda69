//! Log lines of full runs, each run alone in a process of its own so that every line counted is
//! its own: routine work logs one debug line per request and per cache decision and nothing at
//! info or above; a run with faults warns only of what the library healed; a circuit breaker
//! names its host when it opens, half-opens and closes again.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rnuget::client::{Client, ClientOptions};
use rnuget::demo::server::{LoopbackServer, Response};
use rnuget::http::HttpOptions;
use rnuget::observability::Observability;
use rnuget::observability::logging::TARGETS;
use rnuget::resilience::{BreakerOptions, ResilienceOptions};

use super::full_run::full_run;
use crate::support::alone::alone;
use crate::support::logs::lines;

/// A captured line (`LEVEL target message`) split in three.
fn parts(line: &str) -> (&str, &str, &str) {
    let mut parts = line.splitn(3, ' ');
    let level = parts.next().unwrap_or_default();
    let target = parts.next().unwrap_or_default();
    (level, target, parts.next().unwrap_or_default())
}

/// Every line, each checked to have a listed target and a level below info or warn.
fn checked_lines() -> Vec<String> {
    let lines = lines();
    assert!(!lines.is_empty());
    for line in &lines {
        let (level, target, _) = parts(line);
        assert!(TARGETS.contains(&target), "unlisted target: {line}");
        assert!(matches!(level, "TRACE" | "DEBUG" | "WARN"), "{line}");
    }
    lines
}

fn count(lines: &[String], matches: impl Fn(&str) -> bool) -> usize {
    lines.iter().filter(|l| matches(l)).count()
}

/// A cache decision: a tier answered, or the lookup went to the network.
fn is_cache_decision(line: &str) -> bool {
    let (level, target, message) = parts(line);
    (level, target) == ("DEBUG", "rnuget::cache")
        && ["memory hit ", "disk hit ", "miss "]
            .iter()
            .any(|d| message.starts_with(d))
}

#[test]
fn routine_work_logs_a_line_per_request_and_cache_decision_and_nothing_at_info_or_above() {
    if !alone(concat!(
        module_path!(),
        "::routine_work_logs_a_line_per_request_and_cache_decision_and_nothing_at_info_or_above"
    )) {
        return;
    }
    let run = full_run("routine", false);
    let lines = checked_lines();
    let warnings: Vec<&String> = lines.iter().filter(|l| l.starts_with("WARN ")).collect();
    assert!(warnings.is_empty(), "routine work warned: {warnings:#?}");
    // One line per request the relay received (the calls' and the health probes'), one per
    // package download redirected to the demo feed (Demo.Core 1.1.0, and 9.9.9 it lacks).
    let relay = format!("DEBUG rnuget::http GET {}/", run.relay.server.base_url());
    let relayed = run.relay.server.request_count();
    assert_eq!(
        count(&lines, |l| l.starts_with(&relay)),
        relayed,
        "{lines:#?}"
    );
    assert!(relayed >= 10, "{relayed}");
    let cdn = format!("DEBUG rnuget::http GET {}/", run.relay.feed.base_url());
    let downloads = run.relay.feed.server().requests();
    let downloads = downloads
        .iter()
        .filter(|r| r.path().ends_with(".nupkg"))
        .count();
    assert_eq!(
        (count(&lines, |l| l.starts_with(&cdn)), downloads),
        (2, 2),
        "{lines:#?}"
    );
    let redirects = count(&lines, |l| l.starts_with(&relay) && l.contains(" 302 -> "));
    assert_eq!(redirects, 2, "{lines:#?}");
    // One line per cache decision: as many as the cache lookups reported.
    let lookups = run
        .spans
        .iter()
        .filter(|s| s.name == "cache_lookup")
        .count();
    assert_eq!(count(&lines, is_cache_decision), lookups, "{lines:#?}");
    assert!(lookups >= 10, "{lookups}");
    // One line per health check of a source.
    let checks = count(&lines, |l| {
        l.starts_with("DEBUG rnuget::health source relay: ")
    });
    assert_eq!(checks, 1, "the second check reused the first");
}

#[test]
fn a_run_with_faults_warns_only_of_what_the_library_healed() {
    if !alone(concat!(
        module_path!(),
        "::a_run_with_faults_warns_only_of_what_the_library_healed"
    )) {
        return;
    }
    let run = full_run("faults", true);
    let lines = checked_lines();
    let relay = format!("GET {}/", run.relay.server.base_url());
    let down_host = run.failing.base_url().replace("http://", "");
    let kinds = [
        // A relay request that got a 503, then its answer.
        (
            format!("WARN rnuget::http {relay}"),
            " succeeded at attempt 2",
        ),
        // The failing source, ignored.
        (
            "WARN rnuget::client ".into(),
            "ignoring failed source 'down'",
        ),
        // Its host's breaker opened.
        (
            format!("WARN rnuget::resilience circuit breaker for {down_host}: "),
            "opened after 2 consecutive failures; half-opens in 30 s",
        ),
    ];
    let kind = |line: &str| {
        let is = |(start, has): &(String, &str)| line.starts_with(start) && line.contains(has);
        kinds.iter().position(is)
    };
    for line in lines.iter().filter(|l| l.starts_with("WARN ")) {
        assert!(
            kind(line).is_some(),
            "a warning for no healed fault: {line}"
        );
    }
    for (n, wanted) in kinds.iter().enumerate() {
        let warned = lines.iter().any(|l| kind(l) == Some(n));
        assert!(warned, "no warning {wanted:?}: {lines:#?}");
    }
    // Each relay request has its line; each 503 (the first request of each URL) also its
    // retry decision.
    let requests = run.relay.server.requests();
    let of_relay = format!("DEBUG rnuget::http {relay}");
    let sent = |l: &str| l.starts_with(&of_relay) && !l.contains(" attempt ");
    let retried = |l: &str| l.starts_with(&of_relay) && l.contains(" attempt 1 failed ");
    assert_eq!(count(&lines, sent), requests.len(), "{lines:#?}");
    let urls: HashSet<&str> = requests.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(count(&lines, retried), urls.len(), "{lines:#?}");
    // Requests the open breaker refused: a line each, though nothing was sent.
    let refused = format!(
        "DEBUG rnuget::http GET not sent: circuit open: circuit breaker for {down_host} is open"
    );
    assert!(lines.iter().any(|l| l.starts_with(&refused)), "{lines:#?}");
}

#[test]
fn a_breaker_names_its_host_when_it_opens_half_opens_and_closes_again() {
    if !alone(concat!(
        module_path!(),
        "::a_breaker_names_its_host_when_it_opens_half_opens_and_closes_again"
    )) {
        return;
    }
    let flaky = Arc::new(AtomicBool::new(true));
    let failing = Arc::clone(&flaky);
    let server = LoopbackServer::start(move |_| match failing.load(Ordering::SeqCst) {
        true => Response::new(503, "down"),
        false => Response::json(r#"{"version":"3.0.0","resources":[]}"#),
    })
    .unwrap();
    let open_timeout = Duration::from_millis(50);
    let http = HttpOptions {
        resilience: ResilienceOptions {
            circuit_breaker: Some(BreakerOptions {
                failure_threshold: 2,
                open_timeout,
                half_open_probes: 1,
            }),
            ..ResilienceOptions::default()
        },
        ..HttpOptions::default()
    };
    let url = format!("{}/v3/index.json", server.base_url());
    let client = Client::new(ClientOptions::new().named_source("flaky", &url).http(http)).unwrap();
    for _ in 0..2 {
        assert!(client.list_versions("Demo.Core").is_err());
    }
    flaky.store(false, Ordering::SeqCst);
    std::thread::sleep(open_timeout + Duration::from_millis(20));
    // The health probe is the half-open breaker's probe; it succeeds and closes it.
    assert_eq!(client.health().sources[0].breaker, Some("closed"));
    let lines = checked_lines();
    let host = server.base_url().replace("http://", "");
    let breaker: Vec<&String> = lines
        .iter()
        .filter(|l| parts(l).1 == "rnuget::resilience")
        .collect();
    let breaker_for = format!("rnuget::resilience circuit breaker for {host}:");
    let expected = [
        format!("WARN {breaker_for} opened after 2 consecutive failures; half-opens in 0.05 s"),
        format!("DEBUG {breaker_for} half-open, letting 1 probe(s) through"),
        format!("WARN {breaker_for} closed, 1 probe(s) succeeded"),
    ];
    assert_eq!(breaker, expected.iter().collect::<Vec<_>>());
}

#[test]
fn a_memory_only_cache_logs_its_package_decisions_too() {
    if !alone(concat!(
        module_path!(),
        "::a_memory_only_cache_logs_its_package_decisions_too"
    )) {
        return;
    }
    let feed = rnuget::demo::DemoFeed::start().unwrap();
    let spans = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let sink = Arc::clone(&spans);
    let hook = move |span: &rnuget::observability::Span| sink.lock().push(span.to_record());
    let options = ClientOptions::new()
        .named_source("demo", &feed.index_url())
        .cache(rnuget::cache::CacheOptions::memory_only())
        .observability(Observability::new().spans(Arc::new(hook)));
    let client = Client::new(options).unwrap();
    let version = rnuget::version::NuGetVersion::parse("1.1.0").unwrap();
    for _ in 0..2 {
        client.download_to_vec("Demo.Core", &version).unwrap();
    }
    let lines = checked_lines();
    let package: Vec<&String> = lines
        .iter()
        .filter(|l| is_cache_decision(l) && l.contains("nupkg_demo.core.1.1.0"))
        .collect();
    let url = feed.package_url("Demo.Core", "1.1.0").unwrap();
    let expected = [
        format!("DEBUG rnuget::cache miss nupkg_demo.core.1.1.0 -> network {url}"),
        "DEBUG rnuget::cache memory hit nupkg_demo.core.1.1.0".to_string(),
    ];
    assert_eq!(package, expected.iter().collect::<Vec<_>>());
    let lookups = spans
        .lock()
        .iter()
        .filter(|s| s.name == "cache_lookup")
        .count();
    assert_eq!(count(&lines, is_cache_decision), lookups, "{lines:#?}");
}
