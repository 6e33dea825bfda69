//! The cost of observability: a disabled log call site (goal: under 5 ns), a metric update
//! (goal: under 100 ns), and a warm metadata call with metrics, span hook, trace context and a
//! logger at its usual level all on against the same call with all off (goal: at most 5 %
//! slower), side by side in the same rounds, from memory and over the loopback network.
//!
//! `cargo bench --bench observability`; `RNUGET_BENCH_SHORT=1` for the quick CI run.

mod harness;

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use log::LevelFilter;
use rnuget::cache::{CacheOptions, SourceCacheContext};
use rnuget::client::{Client, ClientOptions};
use rnuget::demo::{DemoFeed, DemoPackage};
use rnuget::observability::metrics::{RequestRecord, Tier};
use rnuget::observability::{
    Metrics, Observability, Span, SpanId, Timer, TraceContext, new_span_id,
};
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
    // What spans are timed by (`quanta`'s time stamp counter, converted once per span).
    let clock = quanta::Clock::new();
    harness::measure("observability/clock read (span clock)", 1, || {
        black_box(clock.raw());
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

/// Where a warm call's answer comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Warm {
    /// The memory tier: no request, no file; the whole call is a few hundred nanoseconds.
    Memory,
    /// The disk tier only (NuGet's HTTP cache): the registration index is read from a file.
    Disk,
    /// No cache: each call GETs the registration index from the loopback feed over a pooled
    /// connection (the in-process server's work is part of it).
    Network,
}

impl Warm {
    fn name(self) -> &'static str {
        match self {
            Warm::Memory => "cached in memory",
            Warm::Disk => "cached on disk",
            Warm::Network => "network",
        }
    }
}

/// A warm metadata call with all observability on against all off, and each part on its own,
/// all in the same rounds: a round runs every setup once (each round starting one setup later,
/// so that every setup takes every place in the order alike), and the ratio to "off" is taken
/// per round; the median over the rounds is reported. Three warm calls are timed ([`Warm`]).
///
/// Every round gives each setup a fresh client, warmed up before it is timed. Over the
/// network that is a fresh connection, so a fresh server thread: one connection for a whole
/// run let the scheduler's placement of a single server thread make one setup slow for the
/// whole run, while the median over rounds now sees each placement once.
///
/// All by wall clock; the network call also by the calling thread's CPU time, which leaves
/// out the loopback server's threads (parsing and recording the request headers, which a
/// trace context adds to) and so is rnuget's own share. (Linux brings a thread's CPU time up
/// to date at scheduler events: each network call blocks on its socket, so that time is exact
/// there, but it is too coarse for the cached calls, which never block.)
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
    for warm in [Warm::Memory, Warm::Disk, Warm::Network] {
        let cache = harness::TempDir::new("observability-disk");
        let setups = setups(&feed, warm, cache.path(), &spans);
        let (calls, rounds) = match (warm, short) {
            (Warm::Memory, false) => (20_000, 31),
            (Warm::Memory, true) => (5_000, 6),
            (Warm::Disk, false) => (1_000, 31),
            (Warm::Disk, true) => (300, 6),
            (Warm::Network, false) => (100, 151),
            (Warm::Network, true) => (50, 6),
        };
        compare(warm, &setups, calls, rounds);
    }
    println!("spans reported: {}", spans.load(Ordering::Relaxed));
}

/// Off, then all on, then each part on its own.
fn setups<'a>(
    feed: &'a DemoFeed,
    warm: Warm,
    cache: &'a Path,
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
        warm,
        cache,
        observability,
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

/// What a client observes, the context its calls run under and the log level.
struct Setup<'a> {
    feed: &'a DemoFeed,
    warm: Warm,
    /// The disk tier's folder (for [`Warm::Disk`]; the setups share it, as they share the
    /// feed, so each finds the file the first one wrote).
    cache: &'a Path,
    observability: Observability,
    context: SourceCacheContext,
    level: LevelFilter,
}

impl Setup<'_> {
    /// Nanoseconds per call over `calls` warm metadata calls of a fresh, warmed-up client:
    /// wall clock, and this thread's CPU time when the system tells it.
    fn run(&self, calls: u32) -> (f64, Option<f64>) {
        let client = self.client();
        // The feed records every request it serves; a record that grows through the whole
        // bench would cost whichever setup runs when it reallocates.
        self.feed.server().clear_requests();
        log::set_max_level(self.level);
        let options = MetadataOptions::default();
        let cpu_started = harness::thread_cpu_ns();
        let started = Instant::now();
        for _ in 0..calls {
            black_box(
                client
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

    /// A client of this setup, its service index loaded and (when cached) the answer stored.
    fn client(&self) -> Client {
        log::set_max_level(LevelFilter::Warn);
        let mut options = ClientOptions::new()
            .observability(self.observability.clone())
            .named_source("demo", &self.feed.index_url());
        options = match self.warm {
            Warm::Memory => options.cache(CacheOptions::memory_only()),
            Warm::Disk => options.cache(CacheOptions::at(self.cache).memory(None)),
            Warm::Network => options,
        };
        let client = Client::new(options).expect("client");
        client
            .get_metadata_with(&self.context, "Bench.Warm", &MetadataOptions::default())
            .expect("warm up");
        let requests = self.feed.server().request_count();
        client
            .get_metadata_with(&self.context, "Bench.Warm", &MetadataOptions::default())
            .expect("warm");
        // Cached: the second call sent nothing; network: exactly one GET.
        let sent = self.feed.server().request_count() - requests;
        assert_eq!(
            sent,
            usize::from(self.warm == Warm::Network),
            "requests of a warm call"
        );
        client
    }
}

/// Runs every setup once per round, rotating the order, and prints each one's median time
/// per call and the median of its per-round ratios to "off" (and, for the network call, the
/// same by CPU time).
fn compare(warm: Warm, setups: &[(&str, Setup<'_>)], calls: u32, rounds: usize) {
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
    println!(
        "observability/metadata warm, {}: {rounds} rounds of {calls} calls per setup \
         (goal: all on / off <= 1.05)",
        warm.name()
    );
    let with_cpu = warm == Warm::Network && cpu.iter().all(|c| c.len() == rounds);
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
