//! Trace context over a full run with faults: every request of a traced call (service index,
//! registration index and pages, flat container, search, autocomplete, the download and its
//! redirect, every retry, the failing source's) carries the caller's trace with a span id of its
//! own and the caller's `tracestate` unchanged; every operation reports a span with its name,
//! attributes, duration and outcome.

use std::collections::HashSet;
use std::time::Duration;

use rnuget::ErrorKind;
use rnuget::observability::{Outcome, SpanRecord};

use super::full_run::{CALLER_SPAN, FullRun, TRACE_ID, TRACESTATE, full_run};
use super::relay::PACKAGE_DELAY;

/// The span id of a `traceparent` of the caller's trace, checked field by field.
fn span_id(server: &str, target: &str, header: Option<&str>) -> String {
    let header = header.unwrap_or_else(|| panic!("{server} {target}: no traceparent"));
    let fields: Vec<&str> = header.split('-').collect();
    assert_eq!(fields.len(), 4, "{target}: {header}");
    assert_eq!(
        (fields[0], fields[1], fields[3]),
        ("00", TRACE_ID, "01"),
        "{target}"
    );
    let id = fields[2];
    assert!(
        id.len() == 16
            && id
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
        "{target}: {header}"
    );
    assert!(
        id != CALLER_SPAN && id != "0000000000000000",
        "{target}: {header}"
    );
    id.to_string()
}

#[test]
fn every_request_of_a_traced_call_carries_the_trace_with_a_span_id_of_its_own() {
    let run = full_run("traced", true);
    let mut ids = HashSet::new();
    for (server, request) in &run.traced {
        let id = span_id(server, &request.target, request.header("traceparent"));
        assert!(
            ids.insert(id),
            "{server} {}: span id sent twice",
            request.target
        );
        assert_eq!(
            request.header("tracestate"),
            Some(TRACESTATE),
            "{}",
            request.target
        );
    }
    let targets = |server: &str| -> Vec<&str> {
        let of = run.traced.iter().filter(|(s, _)| *s == server);
        of.map(|(_, r)| r.target.as_str()).collect()
    };
    let relay = targets("relay");
    for part in [
        "/v3/index.json",
        "/v3/registration/demo.core/index.json",
        "/v3/registration/demo.core/page/",
        "/v3/flatcontainer/demo.core/index.json",
        "/v3/query?",
        "/v3/autocomplete?q=demo",
        "/v3/autocomplete?id=Demo.Core",
        "/v3/flatcontainer/demo.core/1.1.0/demo.core.1.1.0.nupkg",
    ] {
        // Each URL's first request got a 503: its retry is a request of its own.
        let sent = relay.iter().filter(|t| t.contains(part)).count();
        assert!(sent >= 2, "{part}: {sent} requests in {relay:#?}");
    }
    let pages = HashSet::<&&str>::from_iter(relay.iter().filter(|t| t.contains("/page/")));
    assert_eq!(
        pages.len(),
        2,
        "Demo.Core's four versions on pages of two: {pages:?}"
    );
    // The download, redirected to the demo feed (another host), and the failing source's
    // requests, retried.
    let cdn = targets("cdn");
    assert!(
        cdn[0].ends_with("/demo.core.1.1.0.nupkg") && cdn.len() == 2,
        "{cdn:?}"
    );
    assert!(targets("down").len() >= 2, "{:?}", targets("down"));
    // The health checks after the traced calls are no part of them: no trace.
    let relay_traced = relay.len();
    let after = run.relay.server.requests().split_off(relay_traced);
    assert!(!after.is_empty());
    assert!(
        after.iter().all(|r| r.header("traceparent").is_none()),
        "{after:?}"
    );
}

/// The spans named `name` (of the source `source`, when given).
fn spans<'a>(run: &'a FullRun, name: &str, source: Option<&str>) -> Vec<&'a SpanRecord> {
    let wanted = |s: &&SpanRecord| source.is_none_or(|src| s.attribute("source") == Some(src));
    run.spans
        .iter()
        .filter(|s| s.name == name)
        .filter(wanted)
        .collect()
}

#[test]
fn every_operation_reports_a_span_with_attributes_duration_and_outcome() {
    let started = std::time::Instant::now();
    let run = full_run("spans", true);
    let elapsed = started.elapsed();
    let mut ids = HashSet::new();
    let sent: HashSet<String> = run
        .traced
        .iter()
        .filter_map(|(_, r)| r.header("traceparent"))
        .map(|h| h.split('-').nth(2).unwrap_or_default().to_string())
        .collect();
    for span in &run.spans {
        assert_eq!(span.trace_id.as_deref(), Some(TRACE_ID), "{span:?}");
        assert_eq!(span.parent_id.as_deref(), Some(CALLER_SPAN), "{span:?}");
        assert!(ids.insert(span.span_id.clone()), "span id reused: {span:?}");
        assert!(
            !sent.contains(&span.span_id),
            "a request's span id: {span:?}"
        );
        assert!(span.duration <= elapsed, "{span:?}");
    }
    let index = run.relay.index_url();
    let service = spans(&run, "service_index", Some(&index));
    assert_eq!(service.len(), 1, "loaded once, then held: {service:?}");
    assert_eq!(service[0].outcome, Outcome::Ok);
    let down = format!("{}/v3/index.json", run.failing.base_url());
    let failed = spans(&run, "service_index", Some(&down));
    // Versions and search met its 500s (two failures open its host's breaker); autocomplete
    // (twice) and the missing package's download then met the open breaker.
    let outcomes: Vec<Outcome> = failed.iter().map(|s| s.outcome).collect();
    let (status, open) = (ErrorKind::HttpStatus, ErrorKind::CircuitOpen);
    assert_eq!(
        outcomes,
        [status, status, open, open, open].map(Outcome::Error)
    );

    let what = |list: &[&SpanRecord]| -> Vec<String> {
        let mut all: Vec<String> = list
            .iter()
            .map(|s| {
                format!(
                    "{} {}",
                    s.attribute("what").unwrap_or("-"),
                    s.outcome.as_str()
                )
            })
            .collect();
        all.sort();
        all
    };
    let relay = Some("relay");
    assert_eq!(what(&spans(&run, "versions", relay)), ["Demo.Core ok"]);
    assert_eq!(what(&spans(&run, "metadata", relay)), ["Demo.Core ok"; 3]);
    assert_eq!(what(&spans(&run, "search", relay)), ["demo ok"]);
    assert_eq!(
        what(&spans(&run, "search", Some("down"))),
        ["demo http status"]
    );
    assert_eq!(
        what(&spans(&run, "autocomplete", relay)),
        ["Demo.Core ok", "demo ok"]
    );
    let downloads = spans(&run, "download", relay);
    assert_eq!(
        what(&downloads),
        [
            "Demo.Core 1.1.0 ok",
            "Demo.Core 1.1.0 ok",
            "Demo.Core 9.9.9 not found"
        ]
    );
    // The first download waited for the relay's redirect; the second came from the cache.
    let first = downloads[0];
    assert!(
        first.duration >= PACKAGE_DELAY - Duration::from_millis(3),
        "{first:?}"
    );

    let lookups = spans(&run, "cache_lookup", None);
    for lookup in &lookups {
        assert!(
            lookup.attribute("key").is_some_and(|k| !k.is_empty()),
            "{lookup:?}"
        );
        assert!(
            matches!(lookup.attribute("hit"), Some("true" | "false")),
            "{lookup:?}"
        );
        assert_eq!(lookup.outcome, Outcome::Ok);
    }
    let hits = |source: &str| {
        let of = lookups
            .iter()
            .filter(|s| s.attribute("source") == Some(source));
        of.filter(|s| s.attribute("hit") == Some("true")).count()
    };
    // Metadata from memory, then from disk (index and two pages each), and the package again.
    assert!(hits(&index) >= 7, "{lookups:#?}");
    assert_eq!(hits(&down), 0, "{lookups:#?}");
}
