//! Health probes go through each source's own HTTP client (identity, credentials, limiter,
//! breakers, metrics; one try under the check's deadline), and a source is as healthy as the
//! breakers of every host it uses.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rnuget::client::{Client, ClientOptions};
use rnuget::demo::server::{LoopbackServer, Response};
use rnuget::http::{HttpOptions, RetryPolicy};
use rnuget::observability::{HealthOptions, HealthStatus, Observability};
use rnuget::resilience::{BreakerOptions, RateLimit, ResilienceOptions, SourceLimits};

const EMPTY_INDEX: &str = r#"{"version":"3.0.0","resources":[]}"#;

fn host(server: &LoopbackServer) -> String {
    server.base_url().trim_start_matches("http://").to_string()
}

fn breakers(threshold: u32) -> ResilienceOptions {
    ResilienceOptions {
        circuit_breaker: Some(BreakerOptions {
            failure_threshold: threshold,
            ..BreakerOptions::default()
        }),
        ..ResilienceOptions::default()
    }
}

#[test]
fn an_open_breaker_of_a_resource_host_makes_the_source_unhealthy() {
    // The service index answers on one host; the flat container and registrations live on
    // another (a CDN, say), which fails.
    let cdn_down = Arc::new(AtomicBool::new(true));
    let down = Arc::clone(&cdn_down);
    let cdn = LoopbackServer::start(move |_| match down.load(Ordering::SeqCst) {
        true => Response::new(503, "down"),
        false => Response::json(r#"{"versions":["1.0.0"]}"#),
    })
    .unwrap();
    let index = format!(
        r#"{{"version":"3.0.0","resources":[
            {{"@id":"{0}/flat/","@type":"PackageBaseAddress/3.0.0"}},
            {{"@id":"{0}/reg/","@type":"RegistrationsBaseUrl/3.6.0"}}]}}"#,
        cdn.base_url()
    );
    let origin = LoopbackServer::start(move |_| Response::json(index.clone())).unwrap();
    let http = HttpOptions {
        resilience: breakers(2),
        ..HttpOptions::default()
    };
    let url = format!("{}/v3/index.json", origin.base_url());
    let client = Client::new(ClientOptions::new().named_source("cdn", &url).http(http)).unwrap();
    for _ in 0..2 {
        assert!(client.list_versions("Demo.Core").is_err());
    }
    let report = client.health();
    let source = &report.sources[0];
    // The probe of the service index went through and answered; the CDN's breaker is open.
    assert_eq!(source.http_status, None, "{report:?}");
    assert_eq!(source.status, HealthStatus::Unhealthy, "{report:?}");
    assert_eq!(source.breaker, Some("open"), "{report:?}");
    let error = source.error.as_deref().unwrap_or_default();
    assert!(
        error.contains(&format!("circuit breaker for {} is open", host(&cdn))),
        "{error}"
    );
    assert_eq!(report.status, HealthStatus::Unhealthy);
    let origin_breaker = client.breaker_stats(&url).unwrap();
    assert_eq!(origin_breaker.state.as_str(), "closed");

    // With the CDN's breaker closed, the same (reused) probe result reads healthy.
    cdn_down.store(false, Ordering::SeqCst);
    client.reset_breakers();
    let report = client.health();
    assert!(report.sources[0].cached);
    assert_eq!(report.sources[0].breaker, Some("closed"));
    assert_eq!(report.status, HealthStatus::Healthy, "{report:?}");
}

#[test]
fn the_probe_is_sent_like_the_sources_own_requests_in_one_try() {
    let feed = LoopbackServer::start(|_| Response::json(EMPTY_INDEX)).unwrap();
    let failing = LoopbackServer::start(|_| Response::new(500, "down")).unwrap();
    let resilience = ResilienceOptions {
        retry: Some(RetryPolicy {
            max_attempts: 3,
            zero_delays: true,
            ..RetryPolicy::default()
        }),
        per_source: vec![(
            "feed".into(),
            SourceLimits {
                rate: Some(RateLimit::per_second(1000)),
                ..SourceLimits::default()
            },
        )],
        ..breakers(5)
    };
    let http = HttpOptions {
        user_agent: "health-test/1.0".into(),
        extra_headers: vec![("X-Health-Test".into(), "yes".into())],
        resilience,
        ..HttpOptions::default()
    };
    let with_password = feed.base_url().replace("http://", "http://alice:pw@");
    let options = ClientOptions::new()
        .named_source("feed", &format!("{with_password}/v3/index.json"))
        .named_source("failing", &format!("{}/v3/index.json", failing.base_url()))
        .http(http)
        .observability(Observability::with_metrics());
    let client = Client::new(options).unwrap();
    let report = client.health();
    assert_eq!(
        report.sources[0].status,
        HealthStatus::Healthy,
        "{report:?}"
    );
    // The cheap request: one GET of the service index.
    assert_eq!(feed.request_count(), 1);
    let probe = &feed.requests()[0];
    assert_eq!(
        (probe.method.as_str(), probe.target.as_str()),
        ("GET", "/v3/index.json")
    );
    assert_eq!(probe.header("User-Agent"), Some("health-test/1.0"));
    assert_eq!(probe.header("X-Health-Test"), Some("yes"));
    assert_eq!(
        probe.header("X-NuGet-Session-Id"),
        Some(client.session_id())
    );
    // alice:pw, as the source's own requests send it.
    assert_eq!(probe.header("Authorization"), Some("Basic YWxpY2U6cHc="));
    // One try, though the client retries its own calls three times.
    assert_eq!(report.sources[1].http_status, Some(500), "{report:?}");
    assert_eq!(failing.request_count(), 1);
    // Counted as the source's traffic, and it waited for the source's limiter.
    let text = client.metrics_text().unwrap();
    let requests = format!(
        "rnuget_http_requests_total{{method=\"GET\",source=\"{}/v3/index.json\",status=\"200\"}} 1",
        feed.base_url()
    );
    assert!(text.contains(&requests), "{text}");
    assert!(
        text.contains("rnuget_rate_limit_wait_seconds_count{source=\"feed\"} 1"),
        "{text}"
    );
    assert!(!text.contains("alice") && !text.contains(":pw"), "{text}");
}

#[test]
fn a_result_is_reused_for_its_time_only() {
    let feed = LoopbackServer::start(|_| Response::json(EMPTY_INDEX)).unwrap();
    let cache_for = Duration::from_millis(200);
    let options = ClientOptions {
        health: HealthOptions {
            cache_for,
            ..HealthOptions::default()
        },
        ..ClientOptions::new().named_source("feed", &format!("{}/v3/index.json", feed.base_url()))
    };
    let client = Client::new(options).unwrap();
    let started = std::time::Instant::now();
    assert!(!client.health().sources[0].cached);
    let again = client.health();
    // Within the reuse time (a slow machine may pass it: then nothing is claimed).
    if started.elapsed() < cache_for {
        assert!(again.sources[0].cached, "{again:?}");
        assert_eq!(feed.request_count(), 1);
    }
    std::thread::sleep(cache_for);
    let later = client.health();
    assert!(!later.sources[0].cached, "{later:?}");
    assert_eq!(later.sources[0].status, HealthStatus::Healthy);
    assert_eq!(
        feed.request_count(),
        if again.sources[0].cached { 2 } else { 3 }
    );
}

#[test]
fn a_probe_slower_than_the_checks_deadline_is_unhealthy() {
    // The body trickles in over about three seconds; the check's deadline is 300 ms (the
    // client's own request deadline stays 100 s).
    let slow = LoopbackServer::start(|_| {
        Response::json(EMPTY_INDEX).trickled(1, Duration::from_millis(100))
    })
    .unwrap();
    let options = ClientOptions {
        health: HealthOptions {
            timeout: Duration::from_millis(300),
            ..HealthOptions::default()
        },
        ..ClientOptions::new().named_source("slow", &format!("{}/v3/index.json", slow.base_url()))
    };
    let client = Client::new(options).unwrap();
    let report = client.health();
    let source = &report.sources[0];
    assert_eq!(source.status, HealthStatus::Unhealthy, "{report:?}");
    let error = source.error.as_deref().unwrap_or_default();
    assert!(error.contains("timed out"), "{error}");
}

#[test]
fn a_source_whose_limiter_refused_a_request_recently_is_degraded() {
    let feed = LoopbackServer::start(|_| Response::json(EMPTY_INDEX)).unwrap();
    let resilience = ResilienceOptions {
        per_source: vec![(
            "feed".into(),
            SourceLimits {
                max_in_flight: Some(1),
                max_wait: Duration::from_millis(5),
                ..SourceLimits::default()
            },
        )],
        ..ResilienceOptions::default()
    };
    let http = HttpOptions {
        resilience,
        ..HttpOptions::default()
    };
    let url = format!("{}/v3/index.json", feed.base_url());
    // Every check probes afresh.
    let options = ClientOptions {
        health: HealthOptions {
            cache_for: Duration::ZERO,
            ..HealthOptions::default()
        },
        ..ClientOptions::new().named_source("feed", &url).http(http)
    };
    let client = Client::new(options).unwrap();
    assert_eq!(client.health().status, HealthStatus::Healthy);

    // Every slot taken: the source's own call is refused by its limiter, and so is the probe;
    // the client's own limit, not the feed, is at fault: degraded, not unhealthy.
    let limiter = client.http().source_limiter("feed").unwrap();
    let held = limiter.acquire().unwrap();
    let err = client.list_versions("Demo.Core").unwrap_err();
    assert_eq!(err.kind(), rnuget::ErrorKind::RateLimited, "{err}");
    let report = client.health();
    assert_eq!(
        report.sources[0].status,
        HealthStatus::Degraded,
        "{report:?}"
    );
    let error = report.sources[0].error.as_deref().unwrap_or_default();
    assert!(
        error.contains("rate limit of source \"feed\": no free request slot"),
        "{error}"
    );
    drop(held);

    // The probe goes through now, but the limiter has been turning requests away.
    let report = client.health();
    let source = &report.sources[0];
    assert_eq!(source.status, HealthStatus::Degraded, "{report:?}");
    assert_eq!(report.status, HealthStatus::Degraded, "{report:?}");
    let error = source.error.as_deref().unwrap_or_default();
    assert!(
        error.contains("rate limit of source \"feed\" turned away 2 requests"),
        "{error}"
    );
}

#[test]
fn a_probe_waits_for_the_limiter_no_longer_than_the_checks_deadline() {
    let feed = LoopbackServer::start(|_| Response::json(EMPTY_INDEX)).unwrap();
    // No token now and the next one in an hour; the limiter itself would wait its default
    // `max_wait` (60 s), the check's deadline is 200 ms.
    let limits = SourceLimits {
        rate: Some(RateLimit {
            capacity: 1,
            refill_tokens: 1,
            refill_interval: Duration::from_secs(3600),
            initial_tokens: 0,
        }),
        ..SourceLimits::default()
    };
    assert_eq!(limits.max_wait, Duration::from_secs(60));
    let http = HttpOptions {
        resilience: ResilienceOptions {
            per_source: vec![("feed".into(), limits)],
            ..ResilienceOptions::default()
        },
        ..HttpOptions::default()
    };
    let options = ClientOptions {
        health: HealthOptions {
            timeout: Duration::from_millis(200),
            ..HealthOptions::default()
        },
        ..ClientOptions::new()
            .named_source("feed", &format!("{}/v3/index.json", feed.base_url()))
            .http(http)
    };
    let client = Client::new(options).unwrap();
    let report = client.health();
    assert_eq!(
        feed.request_count(),
        0,
        "the probe got no permit: {report:?}"
    );
    let source = &report.sources[0];
    assert_eq!(source.status, HealthStatus::Degraded, "{report:?}");
    assert_eq!(report.status, HealthStatus::Degraded, "{report:?}");
    let error = source.error.as_deref().unwrap_or_default();
    assert!(
        error.contains("rate limit of source \"feed\": no request token within 0.2 s"),
        "{error}"
    );
    assert_eq!(client.http().limiter_stats("feed").unwrap().timed_out, 1);
}

#[test]
fn a_probe_that_waited_for_its_permit_has_only_the_rest_of_the_deadline_for_its_request() {
    // The body trickles in over about three seconds; the check's deadline is one second, of
    // which the probe spends at least 300 ms waiting for the source's only slot.
    let slow = LoopbackServer::start(|_| {
        Response::json(EMPTY_INDEX).trickled(1, Duration::from_millis(100))
    })
    .unwrap();
    let limits = SourceLimits {
        max_in_flight: Some(1),
        ..SourceLimits::default()
    };
    let http = HttpOptions {
        resilience: ResilienceOptions {
            per_source: vec![("slow".into(), limits)],
            ..ResilienceOptions::default()
        },
        ..HttpOptions::default()
    };
    let options = ClientOptions {
        health: HealthOptions {
            timeout: Duration::from_secs(1),
            ..HealthOptions::default()
        },
        ..ClientOptions::new()
            .named_source("slow", &format!("{}/v3/index.json", slow.base_url()))
            .http(http)
    };
    let client = Client::new(options).unwrap();
    let limiter = client.http().source_limiter("slow").unwrap();
    let report = std::thread::scope(|scope| {
        let held = limiter.acquire().unwrap();
        let release = scope.spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            drop(held);
        });
        let report = client.health();
        release.join().unwrap();
        report
    });
    let source = &report.sources[0];
    assert_eq!(source.status, HealthStatus::Unhealthy, "{report:?}");
    let error = source.error.as_deref().unwrap_or_default();
    // The request's own deadline is what was left of the second, not a whole second again.
    let limit: f64 = error
        .split("timed out after ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no deadline in {error:?}"));
    assert!(limit < 0.71, "{error}");
    assert_eq!(client.http().limiter_stats("slow").unwrap().timed_out, 0);
}
