//! The cost of observability: a disabled log call site (goal: under 5 ns), a metric update
//! (goal: under 100 ns), and a warm metadata call with metrics, span hook, trace context and a
//! logger at its usual level all on against the same call with all off (goal: at most 5 %
//! slower), side by side in the same rounds, from memory and over the loopback network.
//!
//! `cargo bench --bench observability`; `RNUGET_BENCH_SHORT=1` for the quick CI run.

mod harness;

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use log::LevelFilter;
use rnuget::cache::{CacheOptions, SourceCacheContext};
use rnuget::client::{Client, ClientOptions};
use rnuget::demo::{DemoFeed, DemoPackage};
use rnuget::observability::metrics::{RequestRecord, Tier};
use rnuget::observability::trace::{Timer, new_span_id};
use rnuget::observability::{Metrics, Observability, Span, SpanId, TraceContext};
use rnuget::protocol::MetadataOptions;

/// A logger that counts the lines it writes, so that the bench sees none are. Like a program
/// that logs its own debug lines but its libraries' from warn up (fern's `level_for`), it
/// filters other targets below warn itself: with the level at debug, rnuget's (and ureq's)
/// debug call sites are enabled and reach the logger, which drops them.
struct CountingLogger(AtomicU64);

impl log::Log for CountingLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
            && (metadata.level() <= log::Level::Warn || metadata.target().starts_with("bench"))
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
    // (the disabled call site: off by the level alone, the logger is not asked)
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
    harness::measure("observability/fresh span id (SpanId::fresh)", 1, || {
        black_box(SpanId::fresh());
    });
    harness::measure("observability/fresh span id as text", 1, || {
        black_box(new_span_id());
    });
    harness::measure("observability/clock read (Instant::now)", 1, || {
        black_box(Instant::now());
    });
    let observed = Observability::new().spans(Arc::new(|span: &Span<'_>| {
        black_box(span);
    }));
    harness::measure("observability/span timed and reported", 1, || {
        let timer = Timer::start(&observed, "bench");
        let attributes = [("source", "demo"), ("what", "Bench.Warm")];
        let _ = black_box(timer.finish(&observed, None, &attributes, Ok(())));
    });
    let trace = TraceContext::parse(
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        None,
    )
    .expect("traceparent");
    harness::measure("observability/child traceparent", 1, || {
        black_box(black_box(&trace).child_traceparent());
    });
    warm_metadata();
    println!("log lines written: {}", LOGGER.0.load(Ordering::Relaxed));
}

/// A warm metadata call with all observability on against all off, and each part on its own,
/// all in the same rounds: a round runs every setup once (each round starting one setup later,
/// so that every setup takes every place in the order alike), and the ratio to "off" is taken
/// per round; the median over the rounds is reported. Two calls are timed:
///
/// - cached: a client with a memory tier, the answer already in memory (no request);
/// - network: a client without cache, so each call GETs the registration index from the
///   loopback feed over a pooled connection (the in-process server's work is part of it).
///
/// Both by wall clock; the network call also by the calling thread's CPU time, which leaves
/// out the loopback server's threads (parsing and recording the request headers, which a
/// trace context adds to) and so is rnuget's own share. (Linux brings a thread's CPU time up
/// to date at scheduler events: each network call blocks on its socket, so that time is exact
/// there, but it is too coarse for the cached call, which never blocks.)
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
    let short = harness::short_mode();
    for cached in [true, false] {
        let setups = setups(&feed, cached, &spans);
        let (calls, rounds) = match (cached, short) {
            (true, false) => (20_000, 31),
            (true, true) => (5_000, 6),
            (false, false) => (100, 151),
            (false, true) => (50, 6),
        };
        compare(cached, &setups, calls, rounds);
    }
    println!("spans reported: {}", spans.load(Ordering::Relaxed));
}

/// Off, then all on, then each part on its own.
fn setups<'a>(
    feed: &'a DemoFeed,
    cached: bool,
    spans: &Arc<AtomicU64>,
) -> Vec<(&'static str, Setup<'a>)> {
    let counted = Arc::clone(spans);
    let hook = Arc::new(move |_: &Span<'_>| {
        counted.fetch_add(1, Ordering::Relaxed);
    });
    let trace = TraceContext::parse(
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        Some("rnuget=bench"),
    )
    .expect("traceparent");
    let plain = SourceCacheContext::new();
    let traced = SourceCacheContext::new().with_trace(trace);
    let setup = |observability: Observability, context: &SourceCacheContext, level| Setup {
        feed,
        client: client(feed, observability, cached),
        context: context.clone(),
        level,
    };
    let all = Observability::with_metrics().spans(hook.clone());
    vec![
        ("off", setup(Observability::new(), &plain, LevelFilter::Off)),
        ("all on", setup(all, &traced, LevelFilter::Debug)),
        (
            "metrics only",
            setup(Observability::with_metrics(), &plain, LevelFilter::Off),
        ),
        (
            "span hook only",
            setup(Observability::new().spans(hook), &plain, LevelFilter::Off),
        ),
        (
            "trace context only",
            setup(Observability::new(), &traced, LevelFilter::Off),
        ),
        (
            "logger at warn only",
            setup(Observability::new(), &plain, LevelFilter::Warn),
        ),
        (
            "logger at debug only",
            setup(Observability::new(), &plain, LevelFilter::Debug),
        ),
    ]
}

/// A client with what it observes, the context its calls run under and the log level.
struct Setup<'a> {
    feed: &'a DemoFeed,
    client: Client,
    context: SourceCacheContext,
    level: LevelFilter,
}

impl Setup<'_> {
    /// Nanoseconds per call over `calls` warm metadata calls: wall clock, and this thread's
    /// CPU time when the system tells it.
    fn run(&self, calls: u32) -> (f64, Option<f64>) {
        // The feed records every request it serves; a record that grows through the whole
        // bench would cost whichever setup runs when it reallocates.
        self.feed.server().clear_requests();
        log::set_max_level(self.level);
        let options = MetadataOptions::default();
        let cpu_started = harness::thread_cpu_ns();
        let started = Instant::now();
        for _ in 0..calls {
            black_box(
                self.client
                    .get_metadata_with(&self.context, "Bench.Warm", &options)
                    .expect("metadata"),
            );
        }
        let wall = started.elapsed().as_nanos() as f64 / f64::from(calls);
        let cpu = match (cpu_started, harness::thread_cpu_ns()) {
            (Some(begin), Some(end)) if end > begin => {
                Some((end - begin) as f64 / f64::from(calls))
            }
            _ => None,
        };
        (wall, cpu)
    }
}

/// Runs every setup once per round, rotating the order, and prints each one's median time
/// per call and the median of its per-round ratios to "off" (and, for the network call, the
/// same by CPU time).
fn compare(cached: bool, setups: &[(&str, Setup<'_>)], calls: u32, rounds: usize) {
    let mut wall = vec![Vec::new(); setups.len()];
    let mut cpu = vec![Vec::new(); setups.len()];
    for (_, setup) in setups {
        setup.run(calls / 10 + 1);
    }
    for round in 0..rounds {
        for i in (0..setups.len()).map(|i| (i + round) % setups.len()) {
            let (w, c) = setups[i].1.run(calls);
            wall[i].push(w);
            cpu[i].extend(c);
        }
    }
    let kind = if cached { "cached" } else { "network" };
    println!(
        "observability/metadata warm, {kind}: {rounds} rounds of {calls} calls per setup \
         (goal: all on / off <= 1.05)"
    );
    let with_cpu = !cached && cpu.iter().all(|c| c.len() == rounds);
    for (i, (name, _)) in setups.iter().enumerate() {
        let mut line = format!("  {name:<20} {}", summary(&wall[i], &wall[0]));
        if with_cpu {
            line.push_str(&format!("   cpu: {}", summary(&cpu[i], &cpu[0])));
        }
        println!("{line}");
    }
}

/// `median ns/call (min), on / off: median of the per-round ratios (ratio of the minima)`.
fn summary(own: &[f64], off: &[f64]) -> String {
    let median = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let ratios: Vec<f64> = own.iter().zip(off).map(|(on, off)| on / off).collect();
    format!(
        "{:>8.1} ns/call (min {:>8.1}), on / off {:.3} (minima {:.3})",
        median(own),
        min(own),
        median(&ratios),
        min(own) / min(off)
    )
}

fn client(feed: &DemoFeed, observability: Observability, cached: bool) -> Client {
    let mut options = ClientOptions::new()
        .observability(observability)
        .named_source("demo", &feed.index_url());
    if cached {
        options = options.cache(CacheOptions::memory_only());
    }
    let client = Client::new(options).expect("client");
    client
        .get_metadata("Bench.Warm", &MetadataOptions::default())
        .expect("warm up");
    let requests = feed.server().request_count();
    client
        .get_metadata("Bench.Warm", &MetadataOptions::default())
        .expect("warm");
    // Cached: the second call sent nothing; network: exactly one GET.
    let sent = feed.server().request_count() - requests;
    assert_eq!(sent, usize::from(!cached), "requests of a warm call");
    client
}
