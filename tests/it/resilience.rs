//! Retry, circuit breakers and rate limits against a fault-injection server on loopback, with a
//! fake clock so that the waits are asserted, not slept.

mod fault_server;

use std::sync::Arc;
use std::time::{Duration, Instant, UNIX_EPOCH};

use fault_server::{Fault, FaultServer};
use rnuget::ErrorKind;
use rnuget::client::{Client, ClientOptions};
use rnuget::demo::DemoFeed;
use rnuget::demo::server::{LoopbackServer, Response};
use rnuget::http::{HttpClient, HttpOptions, RetryPolicy};
use rnuget::resilience::{
    BreakerOptions, BreakerState, FakeClock, RateLimit, ResilienceOptions, SourceLimits,
    TokenBucket,
};

const BODY: &str = "{\"versions\":[\"1.0.0\",\"2.0.0\"]}";

/// NuGet's retry policy without jitter, so that the waits are exact.
fn exact_retry() -> RetryPolicy {
    RetryPolicy {
        jitter: Duration::ZERO,
        ..RetryPolicy::default()
    }
}

fn client(resilience: ResilienceOptions) -> HttpClient {
    HttpClient::new(HttpOptions {
        request_timeout: Duration::from_millis(400),
        resilience,
        ..HttpOptions::default()
    })
    .unwrap()
}

fn retrying(clock: &Arc<FakeClock>) -> HttpClient {
    client(ResilienceOptions {
        retry: Some(exact_retry()),
        clock: Arc::clone(clock).into(),
        ..ResilienceOptions::default()
    })
}

fn secs(clock: &FakeClock) -> Vec<f64> {
    clock.sleeps().iter().map(Duration::as_secs_f64).collect()
}

/// Two failures of `fault`, then success: three requests, waits of 2 s and 4 s.
fn heals_after_two(fault: Fault) {
    let server = FaultServer::start(vec![fault.clone(), fault.clone(), Fault::ok(BODY)]);
    let clock = FakeClock::new();
    let bytes = retrying(&clock).get_bytes(&server.url("/x")).unwrap();
    assert_eq!(bytes, BODY.as_bytes(), "{fault:?}");
    assert_eq!(server.requests(), 3, "{fault:?}");
    assert_eq!(secs(&clock), [2.0, 4.0], "{fault:?}");
}

#[test]
fn a_500_is_retried() {
    heals_after_two(Fault::status(500));
}

#[test]
fn a_502_is_retried() {
    heals_after_two(Fault::status(502));
}

#[test]
fn a_reset_mid_body_is_retried() {
    heals_after_two(Fault::ResetMidBody(BODY));
}

#[test]
fn a_body_that_stops_halfway_is_retried() {
    heals_after_two(Fault::StopHalfway(BODY));
}

#[test]
fn a_server_that_never_answers_is_retried_after_the_deadline() {
    heals_after_two(Fault::NeverAnswer);
}

#[test]
fn a_slow_trickle_past_the_deadline_is_retried() {
    heals_after_two(Fault::Trickle(BODY, Duration::from_millis(40)));
}

#[test]
fn a_503_with_retry_after_waits_what_it_says() {
    let busy = Fault::Status(503, vec![("Retry-After", "2".into())], "busy");
    let server = FaultServer::start(vec![busy, Fault::ok(BODY)]);
    let clock = FakeClock::new();
    retrying(&clock).get_bytes(&server.url("/x")).unwrap();
    assert_eq!(server.requests(), 2);
    assert_eq!(secs(&clock), [2.0]);
}

#[test]
fn a_429_with_an_http_date_waits_until_then() {
    // Each form RFC 9110 has recipients read; the RFC 850 year is placed from the fake clock.
    for date in [
        "Sun, 06 Nov 1994 08:50:07 GMT",
        "Sunday, 06-Nov-94 08:50:07 GMT",
        "Sun Nov  6 08:50:07 1994",
    ] {
        // The fake wall clock stands at Sun, 06 Nov 1994 08:49:37 GMT.
        let clock = FakeClock::starting_at(UNIX_EPOCH + Duration::from_secs(784_111_777));
        let throttled = Fault::Status(429, vec![("Retry-After", date.into())], "slow down");
        let server = FaultServer::start(vec![throttled, Fault::ok(BODY)]);
        retrying(&clock).get_bytes(&server.url("/x")).unwrap();
        assert_eq!(server.requests(), 2);
        assert_eq!(secs(&clock), [30.0], "{date}");
    }
}

#[test]
fn retry_after_is_capped() {
    let clock = FakeClock::new();
    let http = client(ResilienceOptions {
        retry: Some(RetryPolicy {
            max_retry_after: Duration::from_secs(5),
            ..exact_retry()
        }),
        clock: Arc::clone(&clock).into(),
        ..ResilienceOptions::default()
    });
    let busy = Fault::Status(503, vec![("Retry-After", "86400".into())], "");
    let server = FaultServer::start(vec![busy, Fault::ok(BODY)]);
    http.get_bytes(&server.url("/x")).unwrap();
    assert_eq!(secs(&clock), [5.0]);
}

#[test]
fn exhausted_retries_say_attempts_time_and_last_failure() {
    let server = FaultServer::start(vec![Fault::status(503)]);
    let clock = FakeClock::new();
    let http = client(ResilienceOptions {
        retry: Some(RetryPolicy {
            max_attempts: 3,
            ..exact_retry()
        }),
        clock: Arc::clone(&clock).into(),
        ..ResilienceOptions::default()
    });
    let url = server.url("/x");
    let err = http.get_bytes(&url).unwrap_err();
    assert_eq!(server.requests(), 3);
    assert_eq!(err.kind(), ErrorKind::HttpStatus);
    assert_eq!((err.attempts(), err.status()), (3, Some(503)));
    assert_eq!(err.url(), Some(url.as_str()));
    assert_eq!(
        err.message(),
        "gave up after 3 attempts over 6.0 s: server answered 503 Service Unavailable"
    );
}

#[test]
fn failures_that_do_not_heal_are_not_retried() {
    for fault in [Fault::status(404), Fault::status(400), Fault::status(401)] {
        let server = FaultServer::start(vec![fault.clone(), Fault::ok(BODY)]);
        let clock = FakeClock::new();
        let err = retrying(&clock).get_bytes(&server.url("/x")).unwrap_err();
        assert_eq!(server.requests(), 1, "{fault:?}");
        assert_eq!(err.attempts(), 1);
        assert!(clock.sleeps().is_empty());
    }
    // A TLS handshake with a server that speaks plain HTTP fails the same way every time.
    let server = FaultServer::start(vec![Fault::ok(BODY)]);
    let clock = FakeClock::new();
    let url = server.url("/x").replace("http://", "https://");
    let err = retrying(&clock).get_bytes(&url).unwrap_err();
    assert_eq!(server.requests(), 1, "{err}");
    assert!(clock.sleeps().is_empty());
}

/// A gzip body whose compressed data is garbage (a valid header, then bytes no deflate stream
/// starts with), and a zlib-wrapped deflate body cut to garbage the same way.
fn corrupt_bodies() -> [(&'static str, Vec<u8>); 2] {
    let mut gzip = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    gzip.extend_from_slice(&[0xff; 64]);
    let mut zlib = vec![0x78, 0x9c];
    zlib.extend_from_slice(&[0xff; 64]);
    [("gzip", gzip), ("deflate", zlib)]
}

#[test]
fn a_body_that_does_not_decompress_is_a_protocol_error_not_retried() {
    for (coding, body) in corrupt_bodies() {
        let server = LoopbackServer::start(move |_| {
            Response::json(body.clone()).with_header("Content-Encoding", coding)
        })
        .unwrap();
        let clock = FakeClock::new();
        let url = format!("{}/index.json", server.base_url());
        let err = retrying(&clock).get_bytes(&url).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Protocol, "{coding}: {err}");
        assert_eq!(server.request_count(), 1, "{coding}: {err}");
        assert_eq!(err.url(), Some(url.as_str()), "{coding}");
        assert!(
            err.message()
                .starts_with(&format!("the {coding} body does not decompress")),
            "{coding}: {err}"
        );
        assert!(clock.sleeps().is_empty(), "{coding}");
    }
}

#[test]
fn zero_delays_retry_at_once() {
    let server = FaultServer::start(vec![Fault::status(500), Fault::ok(BODY)]);
    let http = client(ResilienceOptions {
        retry: Some(RetryPolicy {
            zero_delays: true,
            ..RetryPolicy::default()
        }),
        ..ResilienceOptions::default()
    });
    http.get_bytes(&server.url("/x")).unwrap();
    assert_eq!(server.requests(), 2);
}

#[test]
fn a_download_that_handed_on_bytes_is_not_retried() {
    let server = FaultServer::start(vec![Fault::StopHalfway(BODY), Fault::ok(BODY)]);
    let clock = FakeClock::new();
    let mut out = Vec::new();
    let err = retrying(&clock)
        .download_to(&server.url("/p.nupkg"), &mut out)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    assert_eq!(server.requests(), 1);
    // Nothing handed on yet: a failed status is retried.
    let server = FaultServer::start(vec![Fault::status(503), Fault::ok(BODY)]);
    let mut out = Vec::new();
    retrying(&clock)
        .download_to(&server.url("/p.nupkg"), &mut out)
        .unwrap();
    assert_eq!((server.requests(), out.as_slice()), (2, BODY.as_bytes()));
}

fn breaking(clock: &Arc<FakeClock>, retry: Option<RetryPolicy>) -> HttpClient {
    client(ResilienceOptions {
        retry,
        circuit_breaker: Some(BreakerOptions {
            failure_threshold: 2,
            open_timeout: Duration::from_secs(30),
            half_open_probes: 1,
        }),
        clock: Arc::clone(clock).into(),
        ..ResilienceOptions::default()
    })
}

#[test]
fn the_breaker_opens_refuses_half_opens_and_closes() {
    let server = FaultServer::start(vec![
        Fault::status(500),
        Fault::status(502),
        Fault::ok(BODY),
    ]);
    let clock = FakeClock::new();
    let http = breaking(&clock, None);
    let url = server.url("/x");
    assert_eq!(http.breaker_stats(&url), None, "made on first use");
    http.get_bytes(&url).unwrap_err();
    assert_eq!(
        http.breaker_stats(&url).unwrap().state,
        BreakerState::Closed
    );
    http.get_bytes(&url).unwrap_err();
    let stats = http.breaker_stats(&url).unwrap();
    assert_eq!(stats.state, BreakerState::Open);
    assert_eq!(stats.consecutive_failures, 2);

    clock.advance(Duration::from_secs(12));
    let err = http.get_bytes(&url).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CircuitOpen);
    assert_eq!(server.requests(), 2, "nothing sent while open");
    let host = url.trim_start_matches("http://").trim_end_matches("/x");
    assert_eq!(
        err.message(),
        format!(
            "circuit breaker for {host} is open after 2 consecutive failures; it half-opens in 18.0 s"
        )
    );

    clock.advance(Duration::from_secs(18));
    assert_eq!(
        http.breaker_stats(&url).unwrap().state,
        BreakerState::HalfOpen
    );
    assert_eq!(http.get_bytes(&url).unwrap(), BODY.as_bytes());
    let stats = http.breaker_stats(host).unwrap();
    assert_eq!(stats.state, BreakerState::Closed);
    assert_eq!((stats.failures, stats.successes, stats.rejected), (2, 1, 1));
}

#[test]
fn the_breaker_wraps_the_whole_retry_sequence() {
    let server = FaultServer::start(vec![Fault::status(503)]);
    let clock = FakeClock::new();
    let retry = RetryPolicy {
        max_attempts: 3,
        ..exact_retry()
    };
    let http = breaking(&clock, Some(retry));
    let url = server.url("/x");
    for _ in 0..2 {
        assert_eq!(http.get_bytes(&url).unwrap_err().attempts(), 3);
    }
    assert_eq!(server.requests(), 6);
    // Open: the next call costs no request and no retry.
    let err = http.get_bytes(&url).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CircuitOpen);
    assert_eq!(server.requests(), 6);
    assert_eq!(clock.sleeps().len(), 4);
    // A 404 says the host works: it does not count against it.
    http.breakers().unwrap().reset_all();
    let missing = FaultServer::start(vec![Fault::status(404)]);
    for _ in 0..3 {
        http.get_bytes(&missing.url("/x")).unwrap_err();
    }
    let stats = http.breaker_stats(&missing.url("/")).unwrap();
    assert_eq!((stats.state, stats.successes), (BreakerState::Closed, 3));
}

#[test]
fn each_host_has_its_own_breaker() {
    let down = FaultServer::start(vec![Fault::status(500)]);
    let up = FaultServer::start(vec![Fault::ok(BODY)]);
    let clock = FakeClock::new();
    let http = breaking(&clock, None);
    for _ in 0..3 {
        http.get_bytes(&down.url("/x")).unwrap_err();
    }
    assert_eq!(
        http.breaker_stats(&down.url("/")).unwrap().state,
        BreakerState::Open
    );
    assert_eq!(http.get_bytes(&up.url("/x")).unwrap(), BODY.as_bytes());
    assert_eq!(
        http.breaker_stats(&up.url("/")).unwrap().state,
        BreakerState::Closed
    );
    assert_eq!(http.breakers().unwrap().all().len(), 2);
}

fn limited(limits: SourceLimits) -> HttpClient {
    let http = client(ResilienceOptions {
        per_source: vec![("corp".into(), limits)],
        ..ResilienceOptions::default()
    });
    http.for_source("corp").unwrap()
}

#[test]
fn a_rate_limited_source_gets_no_more_than_its_rate() {
    let server = FaultServer::start(vec![Fault::ok(BODY)]);
    let every = Duration::from_millis(40);
    let http = limited(SourceLimits {
        rate: Some(RateLimit {
            capacity: 2,
            refill_tokens: 1,
            refill_interval: every,
            initial_tokens: 2,
        }),
        ..SourceLimits::default()
    });
    let started = Instant::now();
    for _ in 0..7 {
        http.get_bytes(&server.url("/x")).unwrap();
    }
    // Two at once from the initial tokens, then one per refill: five refills at the least.
    assert!(started.elapsed() >= every * 5, "{:?}", started.elapsed());
    let stats = http.limiter_stats("corp").unwrap();
    assert_eq!((stats.admitted, stats.bucket.granted), (7, 7));
    assert_eq!(server.requests(), 7);
}

#[test]
fn a_rate_limit_deadline_names_the_source_and_sends_nothing() {
    let server = FaultServer::start(vec![Fault::ok(BODY)]);
    let http = limited(SourceLimits {
        rate: Some(RateLimit {
            capacity: 1,
            refill_tokens: 0,
            refill_interval: Duration::ZERO,
            initial_tokens: 1,
        }),
        max_wait: Duration::from_millis(30),
        ..SourceLimits::default()
    });
    http.get_bytes(&server.url("/x")).unwrap();
    let err = http.get_bytes(&server.url("/x")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.source_name(), Some("corp"));
    assert_eq!(server.requests(), 1);
    assert_eq!(http.limiter_stats("corp").unwrap().timed_out, 1);
}

#[test]
fn at_most_max_in_flight_requests_per_source() {
    let server = Arc::new(FaultServer::start(vec![Fault::Trickle(
        "slow",
        Duration::from_millis(10),
    )]));
    let http = Arc::new(limited(SourceLimits {
        max_in_flight: Some(2),
        ..SourceLimits::default()
    }));
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let (http, server) = (Arc::clone(&http), Arc::clone(&server));
            std::thread::spawn(move || http.get_bytes(&server.url("/x")).unwrap())
        })
        .collect();
    for thread in threads {
        assert_eq!(thread.join().unwrap(), b"slow");
    }
    let stats = http.limiter_stats("corp").unwrap();
    assert_eq!((stats.admitted, stats.in_flight), (6, 0));
    assert!((1..=2).contains(&stats.peak_in_flight), "{stats:?}");
}

/// Threads of this process whose name is `name`.
fn threads_named(name: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|comm| comm.trim_end() == name)
        .count()
}

/// Waits (up to 10 s) until `count` threads are named `name`; a new thread names itself once
/// it runs, so its name shows a moment after the spawn.
fn settles_at(name: &str, count: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(10);
    while threads_named(name) != count && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    threads_named(name)
}

#[test]
fn the_refill_thread_stops_when_the_bucket_is_dropped() {
    let bucket = TokenBucket::new(RateLimit::per_second(10)).unwrap();
    let name = bucket.refill_thread_name().unwrap().to_string();
    assert_eq!(settles_at(&name, 1), 1);
    drop(bucket);
    assert_eq!(settles_at(&name, 0), 0);
    // A client's limiters go with the client.
    let http = limited(SourceLimits {
        rate: Some(RateLimit::per_second(10)),
        ..SourceLimits::default()
    });
    let limiter = http.source_limiter("corp").unwrap();
    let name = limiter
        .bucket()
        .unwrap()
        .refill_thread_name()
        .unwrap()
        .to_string();
    drop(limiter);
    assert_eq!(settles_at(&name, 1), 1);
    drop(http);
    assert_eq!(settles_at(&name, 0), 0);
}

#[test]
fn a_client_applies_its_sources_limits_and_reports_them() {
    let feed = DemoFeed::start().unwrap();
    let resilience = ResilienceOptions {
        retry: Some(exact_retry()),
        circuit_breaker: Some(BreakerOptions::default()),
        per_source: vec![(
            "demo".into(),
            SourceLimits {
                rate: Some(RateLimit::per_second(1000)),
                max_in_flight: Some(4),
                ..SourceLimits::default()
            },
        )],
        ..ResilienceOptions::default()
    };
    let http = HttpOptions {
        resilience,
        ..HttpOptions::default()
    };
    let options = ClientOptions::new()
        .http(http)
        .named_source("demo", &feed.index_url());
    let client = Client::new(options).unwrap();
    assert!(!client.list_versions("Demo.Core").unwrap().is_empty());
    let stats = client.limiter_stats("demo").unwrap();
    assert!(stats.admitted >= 2, "service index and versions: {stats:?}");
    let breaker = client.breaker_stats(&feed.index_url()).unwrap();
    assert_eq!(breaker.state, BreakerState::Closed);
    assert_eq!(breaker.successes, stats.admitted);
    assert!(client.limiter_stats("other").is_none());
}

#[test]
fn waits_near_duration_max_saturate_instead_of_panicking() {
    // A backoff or jitter that overflows when added waits max_delay.
    let server = FaultServer::start(vec![Fault::status(503)]);
    let clock = FakeClock::new();
    let http = client(ResilienceOptions {
        retry: Some(RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::MAX,
            jitter: Duration::MAX,
            max_delay: Duration::from_secs(5),
            observe_retry_after: false,
            ..RetryPolicy::default()
        }),
        clock: Arc::clone(&clock).into(),
        ..ResilienceOptions::default()
    });
    assert_eq!(http.get_bytes(&server.url("/x")).unwrap_err().attempts(), 2);
    assert_eq!(secs(&clock), [5.0]);

    // A breaker that never half-opens refuses and reports, without overflowing an Instant.
    let clock = FakeClock::new();
    let http = client(ResilienceOptions {
        circuit_breaker: Some(BreakerOptions {
            failure_threshold: 1,
            open_timeout: Duration::MAX,
            half_open_probes: 1,
        }),
        clock: Arc::clone(&clock).into(),
        ..ResilienceOptions::default()
    });
    let url = server.url("/x");
    assert_eq!(
        http.get_bytes(&url).unwrap_err().kind(),
        ErrorKind::HttpStatus
    );
    assert_eq!(
        http.get_bytes(&url).unwrap_err().kind(),
        ErrorKind::CircuitOpen
    );
    assert_eq!(http.breaker_stats(&url).unwrap().state, BreakerState::Open);

    // A limiter that may wait forever still lets a request with a token through.
    let ok = FaultServer::start(vec![Fault::ok(BODY)]);
    let http = limited(SourceLimits {
        rate: Some(RateLimit {
            capacity: 1,
            refill_tokens: 0,
            refill_interval: Duration::ZERO,
            initial_tokens: 1,
        }),
        max_in_flight: Some(1),
        max_wait: Duration::MAX,
    });
    assert_eq!(http.get_bytes(&ok.url("/x")).unwrap(), BODY.as_bytes());
}
