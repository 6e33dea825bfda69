//! The breaker-state gauge through a breaker's whole cycle: closed, open, half-open while its
//! probe is in the air, closed again.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use rnuget::client::{Client, ClientOptions};
use rnuget::demo::server::{LoopbackServer, Response};
use rnuget::http::HttpOptions;
use rnuget::observability::{Metrics, Observability};
use rnuget::resilience::{BreakerOptions, ResilienceOptions};

/// The gauge's value for `host` in `text`, if it has a series.
fn state(text: &str, host: &str) -> Option<String> {
    let series = format!("rnuget_circuit_breaker_state{{host=\"{host}\"}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&series))
        .map(str::to_string)
}

#[test]
fn the_breaker_gauge_reads_closed_open_half_open_during_the_probe_then_closed() {
    let metrics = Arc::new(Metrics::new());
    let failing = Arc::new(AtomicBool::new(true));
    // What the gauge said while the feed answered the probe, read from inside the handler.
    let during_probe = Arc::new(Mutex::new(None::<String>));
    let (down, seen, scraped) = (
        Arc::clone(&failing),
        Arc::clone(&during_probe),
        Arc::clone(&metrics),
    );
    let feed = LoopbackServer::start(move |request| {
        if down.load(Ordering::SeqCst) {
            return Response::new(503, "down");
        }
        let host = request.header("host").unwrap_or_default().to_string();
        *seen.lock() = state(&scraped.text().unwrap_or_default(), &host);
        Response::json(r#"{"version":"3.0.0","resources":[]}"#)
    })
    .unwrap();
    let host = feed.base_url().strip_prefix("http://").unwrap().to_string();
    let http = HttpOptions {
        resilience: ResilienceOptions {
            circuit_breaker: Some(BreakerOptions {
                failure_threshold: 2,
                open_timeout: Duration::from_millis(100),
                half_open_probes: 1,
            }),
            ..ResilienceOptions::default()
        },
        ..HttpOptions::default()
    };
    let observability = Observability {
        metrics: Some(Arc::clone(&metrics)),
        ..Observability::default()
    };
    let client = Client::new(
        ClientOptions::new()
            .named_source("flaky", &format!("{}/v3/index.json", feed.base_url()))
            .http(http)
            .observability(observability),
    )
    .unwrap();

    assert!(client.list_versions("Demo.Core").is_err());
    assert_eq!(state(&metrics.text().unwrap(), &host).as_deref(), Some("0"));
    assert!(client.list_versions("Demo.Core").is_err());
    assert_eq!(state(&metrics.text().unwrap(), &host).as_deref(), Some("2"));

    // Past the open timeout the next request is the probe: half-open while it is answered,
    // closed once it succeeded.
    failing.store(false, Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(150));
    let answer = client.list_versions("Demo.Core");
    assert!(
        during_probe.lock().is_some(),
        "the probe never reached the feed: {answer:?}"
    );
    assert_eq!(during_probe.lock().as_deref(), Some("1"));
    assert_eq!(state(&metrics.text().unwrap(), &host).as_deref(), Some("0"));
}
