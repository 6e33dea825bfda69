//! The cost of resilience: a breaker decision and a limiter `try_acquire` on their own (goal:
//! under 100 ns each), and a warm metadata call with retry, breaker and limits all on against
//! the same call with all off (goal: at most 5 % slower).
//!
//! `cargo bench --bench resilience`; `RNUGET_BENCH_SHORT=1` for the quick CI run.

mod harness;

use std::hint::black_box;
use std::time::{Duration, Instant};

use rnuget::client::{Client, ClientOptions};
use rnuget::demo::{DemoFeed, DemoPackage};
use rnuget::http::{HttpOptions, RetryPolicy};
use rnuget::protocol::MetadataOptions;
use rnuget::resilience::{
    BreakerOptions, CircuitBreaker, RateLimit, ResilienceOptions, SharedClock, SourceLimits,
    TokenBucket,
};

fn main() {
    let breaker = CircuitBreaker::new(BreakerOptions::default(), SharedClock::default());
    harness::measure("resilience/breaker decision (acquire + success)", 1, || {
        black_box(&breaker).try_acquire().map(|p| p.success()).ok();
    });
    // A bucket that never runs dry, so that every call takes the fast path it takes in use.
    let bucket = TokenBucket::new(RateLimit {
        capacity: u32::MAX,
        refill_tokens: u32::MAX,
        refill_interval: Duration::from_millis(1),
        initial_tokens: u32::MAX,
    })
    .expect("bucket");
    harness::measure("resilience/token bucket try_acquire", 1, || {
        black_box(black_box(&bucket).try_acquire());
    });
    warm_metadata();
}

/// A warm metadata call (client built, service index read, connection pooled) with every
/// guard on against every guard off, alternated in pairs so that a shared machine slows both.
fn warm_metadata() {
    if !harness::selected("resilience/metadata") {
        return;
    }
    let feed = DemoFeed::with_packages([
        DemoPackage::new("Bench.Warm", "1.0.0"),
        DemoPackage::new("Bench.Warm", "2.0.0"),
    ])
    .expect("feed");
    let off = client(&feed, ResilienceOptions::default());
    let on = client(
        &feed,
        ResilienceOptions {
            retry: Some(RetryPolicy::default()),
            circuit_breaker: Some(BreakerOptions::default()),
            source_limits: Some(SourceLimits {
                rate: Some(RateLimit::per_second(1_000_000)),
                max_in_flight: Some(16),
                ..SourceLimits::default()
            }),
            ..ResilienceOptions::default()
        },
    );
    let (calls, pairs) = if harness::short_mode() {
        (50, 5)
    } else {
        (2_000, 21)
    };
    let options = MetadataOptions::default();
    let run = |client: &Client| {
        let started = Instant::now();
        for _ in 0..calls {
            black_box(
                client
                    .get_metadata("Bench.Warm", &options)
                    .expect("metadata"),
            );
        }
        started.elapsed().as_secs_f64() / calls as f64
    };
    run(&off);
    run(&on);
    let mut ratios = Vec::new();
    let (mut on_times, mut off_times) = (Vec::new(), Vec::new());
    for _ in 0..pairs {
        let a = run(&off);
        let b = run(&on);
        off_times.push(a);
        on_times.push(b);
        ratios.push(b / a);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "resilience/metadata warm, all off   {:>8.1} us/call",
        median(&mut off_times) * 1e6
    );
    println!(
        "resilience/metadata warm, all on    {:>8.1} us/call",
        median(&mut on_times) * 1e6
    );
    println!(
        "resilience/metadata ratio on / off: median {:.3} over {pairs} pairs of {calls} calls; goal: at most 1.05",
        median(&mut ratios)
    );
}

fn client(feed: &DemoFeed, resilience: ResilienceOptions) -> Client {
    let http = HttpOptions {
        resilience,
        ..HttpOptions::default()
    };
    let options = ClientOptions::new()
        .http(http)
        .named_source("demo", &feed.index_url());
    let client = Client::new(options).expect("client");
    client
        .get_metadata("Bench.Warm", &MetadataOptions::default())
        .expect("warm up");
    client
}
