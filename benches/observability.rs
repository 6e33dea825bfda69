//! The cost of observability: a disabled log call site (goal: under 5 ns), a metric update
//! (goal: under 100 ns), and a warm metadata call with metrics, span hook, trace context and a
//! logger at its usual level all on against the same call with all off (goal: at most 5 %
//! slower), side by side in one run.
//!
//! `cargo bench --bench observability`; `RNUGET_BENCH_SHORT=1` for the quick CI run.

mod harness;

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use log::LevelFilter;
use rnuget::cache::SourceCacheContext;
use rnuget::client::{Client, ClientOptions};
use rnuget::demo::{DemoFeed, DemoPackage};
use rnuget::observability::metrics::{RequestRecord, Tier};
use rnuget::observability::trace::new_span_id;
use rnuget::observability::{Metrics, Observability, Span, TraceContext};
use rnuget::protocol::MetadataOptions;

/// A logger that counts the lines that reach it, so that the bench sees none are written.
struct CountingLogger(AtomicU64);

impl log::Log for CountingLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }
    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
    fn flush(&self) {}
}

static LOGGER: CountingLogger = CountingLogger(AtomicU64::new(0));

fn main() {
    log::set_logger(&LOGGER).expect("logger");
    // The level a program runs at: rnuget's routine work logs at debug, which is off.
    log::set_max_level(LevelFilter::Warn);
    harness::measure("observability/disabled log call site", 1, || {
        log::debug!(target: "rnuget::http", "GET {} -> {}", black_box("url"), black_box(200));
    });
    let metrics = Metrics::new();
    harness::measure("observability/metric update (cache hit)", 1, || {
        black_box(&metrics).cache_hit(Tier::Memory);
    });
    let record = RequestRecord {
        method: "GET",
        source: "http://127.0.0.1:1/index.json",
        status: Some(200),
        error: None,
        duration: Duration::from_micros(300),
        package: false,
        bytes: 0,
    };
    harness::measure("observability/metric update (request)", 1, || {
        black_box(&metrics).record_request(black_box(&record));
    });
    harness::measure("observability/fresh span id", 1, || {
        black_box(new_span_id());
    });
    warm_metadata();
    println!("log lines written: {}", LOGGER.0.load(Ordering::Relaxed));
}

/// A warm metadata call (client built, service index read, connection pooled) with all
/// observability on against all off, alternated in pairs so that a shared machine slows both;
/// then each part on its own against off, to show where the cost is.
fn warm_metadata() {
    if !harness::selected("observability/metadata") {
        return;
    }
    let feed = DemoFeed::with_packages([
        DemoPackage::new("Bench.Warm", "1.0.0"),
        DemoPackage::new("Bench.Warm", "2.0.0"),
    ])
    .expect("feed");
    let spans = Arc::new(AtomicU64::new(0));
    let counted = spans.clone();
    let hook = Arc::new(move |_: &Span| {
        counted.fetch_add(1, Ordering::Relaxed);
    });
    let trace = TraceContext::parse(
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        Some("rnuget=bench"),
    )
    .expect("traceparent");
    let plain = SourceCacheContext::new();
    let traced = SourceCacheContext::new().with_trace(trace);
    let off = Setup {
        client: client(&feed, Observability::new()),
        context: plain.clone(),
        level: LevelFilter::Off,
    };
    let variants = [
        (
            "all on",
            Setup {
                client: client(&feed, Observability::with_metrics().spans(hook.clone())),
                context: traced.clone(),
                level: LevelFilter::Warn,
            },
        ),
        (
            "metrics only",
            Setup {
                client: client(&feed, Observability::with_metrics()),
                context: plain.clone(),
                level: LevelFilter::Off,
            },
        ),
        (
            "span hook only",
            Setup {
                client: client(&feed, Observability::new().spans(hook)),
                context: plain.clone(),
                level: LevelFilter::Off,
            },
        ),
        (
            "trace context only",
            Setup {
                client: client(&feed, Observability::new()),
                context: traced,
                level: LevelFilter::Off,
            },
        ),
    ];
    let (calls, pairs) = if harness::short_mode() {
        (50, 5)
    } else {
        (2_000, 21)
    };
    for (name, on) in &variants {
        compare(name, &off, on, calls, pairs);
    }
    println!("spans reported: {}", spans.load(Ordering::Relaxed));
}

/// A client with what it observes, the context its calls run under and the log level.
struct Setup {
    client: Client,
    context: SourceCacheContext,
    level: LevelFilter,
}

impl Setup {
    /// Seconds per call over `calls` warm metadata calls.
    fn run(&self, calls: u32) -> f64 {
        log::set_max_level(self.level);
        let options = MetadataOptions::default();
        let started = Instant::now();
        for _ in 0..calls {
            black_box(
                self.client
                    .get_metadata_with(&self.context, "Bench.Warm", &options)
                    .expect("metadata"),
            );
        }
        started.elapsed().as_secs_f64() / f64::from(calls)
    }
}

/// Runs `off` and `on` alternately `pairs` times and prints both medians and the ratio.
fn compare(name: &str, off: &Setup, on: &Setup, calls: u32, pairs: usize) {
    off.run(calls);
    on.run(calls);
    let mut ratios = Vec::new();
    let (mut on_times, mut off_times) = (Vec::new(), Vec::new());
    for _ in 0..pairs {
        let a = off.run(calls);
        let b = on.run(calls);
        off_times.push(a);
        on_times.push(b);
        ratios.push(b / a);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "observability/metadata warm, {name:<18}  off {:>7.1} us/call  on {:>7.1} us/call  \
         ratio on / off: median {:.3} over {pairs} pairs of {calls} calls (goal <= 1.05)",
        median(&mut off_times) * 1e6,
        median(&mut on_times) * 1e6,
        median(&mut ratios)
    );
}

fn client(feed: &DemoFeed, observability: Observability) -> Client {
    let options = ClientOptions::new()
        .observability(observability)
        .named_source("demo", &feed.index_url());
    let client = Client::new(options).expect("client");
    client
        .get_metadata("Bench.Warm", &MetadataOptions::default())
        .expect("warm up");
    client
}
