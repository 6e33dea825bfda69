//! W3C trace context: a caller's `traceparent` (and `tracestate`) carried by every request of
//! a call with a fresh span id, and the [`Span`]s operations report to a [`SpanHook`].
//!
//! A call takes part in the caller's trace through its
//! [`crate::cache::SourceCacheContext::with_trace`]. Each HTTP request then sends
//! `traceparent: 00-<trace id>-<fresh span id>-<flags>` and the caller's `tracestate` as is.
//! Operations (service index, metadata, versions, search, download, cache lookup) report a
//! [`Span`] to the client's hook, parented by the caller's span.
//!
//! With the cargo feature `opentelemetry`, [`super::otel::OpenTelemetryHook`] turns these spans
//! into OpenTelemetry spans.

use std::cell::Cell;
use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use super::Observability;
use crate::{Error, ErrorKind, Result};

/// Longest `tracestate` passed on (the W3C limit is 32 members of at most 256 characters).
const MAX_TRACESTATE: usize = 512;

/// A caller's trace context, parsed from W3C `traceparent` and `tracestate` headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceContext {
    trace_id: String,
    parent_id: String,
    flags: u8,
    tracestate: Option<String>,
}

impl TraceContext {
    /// Parses `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`, lowercase, ids not all zero) and
    /// keeps `tracestate` when it is printable ASCII of at most 512 characters. Later versions
    /// than `00` are read by their first four fields, as the W3C text asks.
    pub fn parse(traceparent: &str, tracestate: Option<&str>) -> Result<TraceContext> {
        let bad = |why: &str| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("bad traceparent {:?}: {why}", shorten(traceparent)),
            )
        };
        let text = traceparent.trim();
        let fields: Vec<&str> = text.split('-').collect();
        if fields.len() < 4 {
            return Err(bad("expected version-traceid-parentid-flags"));
        }
        let (version, trace_id, parent_id, flags) = (fields[0], fields[1], fields[2], fields[3]);
        if !is_hex(version, 2) || version == "ff" {
            return Err(bad("the version is not two hex digits (or is ff)"));
        }
        if version == "00" && fields.len() != 4 {
            return Err(bad("version 00 has exactly four fields"));
        }
        if !is_hex(trace_id, 32) || trace_id.bytes().all(|b| b == b'0') {
            return Err(bad(
                "the trace id is not 32 lowercase hex digits, not all zero",
            ));
        }
        if !is_hex(parent_id, 16) || parent_id.bytes().all(|b| b == b'0') {
            return Err(bad(
                "the parent id is not 16 lowercase hex digits, not all zero",
            ));
        }
        if !is_hex(flags, 2) {
            return Err(bad("the flags are not two hex digits"));
        }
        let flags = u8::from_str_radix(flags, 16).map_err(|_| bad("bad flags"))?;
        let tracestate = tracestate
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                if s.len() > MAX_TRACESTATE || !s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                    Err(Error::new(
                        ErrorKind::InvalidArgument,
                        "bad tracestate: printable ASCII of at most 512 characters expected",
                    ))
                } else {
                    Ok(s.to_string())
                }
            })
            .transpose()?;
        Ok(TraceContext {
            trace_id: trace_id.to_string(),
            parent_id: parent_id.to_string(),
            flags,
            tracestate,
        })
    }

    /// The 32 hex digits of the trace id.
    pub fn trace_id(&self) -> &str {
        &self.trace_id
    }

    /// The caller's span id (16 hex digits): the parent of every span of the call.
    pub fn parent_id(&self) -> &str {
        &self.parent_id
    }

    /// The trace flags (bit 0: sampled).
    pub fn flags(&self) -> u8 {
        self.flags
    }

    /// The caller's `tracestate`, passed on unchanged.
    pub fn tracestate(&self) -> Option<&str> {
        self.tracestate.as_deref()
    }

    /// The `traceparent` a request with span id `span_id` sends.
    pub fn traceparent_for(&self, span_id: &str) -> String {
        self.traceparent_with(span_id.as_bytes())
    }

    /// The `traceparent` of a request that is a span of its own under the caller's: this
    /// trace, a fresh span id ([`SpanId::fresh`]); one allocation, sent for every request of
    /// a traced call.
    pub fn child_traceparent(&self) -> String {
        self.traceparent_with(&SpanId::fresh().to_hex())
    }

    fn traceparent_with(&self, span_id: &[u8]) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = Vec::with_capacity(55);
        out.extend_from_slice(b"00-");
        out.extend_from_slice(self.trace_id.as_bytes());
        out.push(b'-');
        out.extend_from_slice(span_id);
        out.push(b'-');
        out.push(HEX[usize::from(self.flags >> 4)]);
        out.push(HEX[usize::from(self.flags & 0xf)]);
        // Every piece is ASCII: the trace id and flags were checked by `parse`, the span id
        // is hex (or the caller's text, passed on as it is).
        String::from_utf8(out).unwrap_or_default()
    }
}

/// A span id: 8 bytes, shown as 16 lowercase hex digits, never all zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpanId(u64);

impl SpanId {
    /// A fresh id, different on every call.
    ///
    /// A per-process count, offset by a seed drawn once from the clock and the process id,
    /// goes through the SplitMix64 finaliser (a bijection, so ids do not repeat within a
    /// process and look random across processes). It is called for every request of a traced
    /// call and every span, so it stays cheap: each thread counts through a block of 65,536
    /// numbers of its own (one shared atomic step per block, not per id), no hash of the clock
    /// per call, no allocation.
    pub fn fresh() -> SpanId {
        static SEED: OnceLock<u64> = OnceLock::new();
        let seed = *SEED.get_or_init(|| {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let mut hasher = Sha256::new();
            hasher.update(nanos.to_le_bytes());
            hasher.update(std::process::id().to_le_bytes());
            let digest = hasher.finalize();
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(&digest[..8]);
            u64::from_le_bytes(bytes)
        });
        match splitmix64(seed.wrapping_add(next_count())) {
            0 => SpanId(1),
            id => SpanId(id),
        }
    }

    /// The id as a number (its 8 bytes, big-endian, are the W3C span id).
    pub fn to_u64(self) -> u64 {
        self.0
    }

    /// The 16 hex digits, without allocating.
    pub fn to_hex(self) -> [u8; 16] {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 16];
        for (i, digit) in out.iter_mut().enumerate() {
            *digit = HEX[((self.0 >> ((15 - i) * 4)) & 0xf) as usize];
        }
        out
    }
}

impl fmt::Display for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = self.to_hex();
        // Hex digits are ASCII.
        f.write_str(std::str::from_utf8(&hex).unwrap_or_default())
    }
}

/// A fresh span id as 16 lowercase hex digits ([`SpanId::fresh`]).
pub fn new_span_id() -> String {
    let hex = SpanId::fresh().to_hex();
    // Hex digits are ASCII.
    String::from_utf8(hex.to_vec()).unwrap_or_default()
}

/// Numbers a thread takes from the process-wide count at once.
const COUNT_BLOCK: u64 = 1 << 16;

/// The next number of the process-wide count, never the same twice in a process: this
/// thread's next one, from a block it took for itself.
fn next_count() -> u64 {
    static BLOCKS: AtomicU64 = AtomicU64::new(0);
    thread_local! {
        /// This thread's next number and the end of its block.
        static NEXT: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
    }
    NEXT.with(|next| {
        let (mut count, mut end) = next.get();
        if count == end {
            count = BLOCKS
                .fetch_add(1, Ordering::Relaxed)
                .wrapping_mul(COUNT_BLOCK);
            end = count.wrapping_add(COUNT_BLOCK);
        }
        next.set((count.wrapping_add(1), end));
        count
    })
}

/// The SplitMix64 output function: a bijection of `u64` that mixes every bit.
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// How an operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It answered.
    Ok,
    /// The feed does not have what was asked for.
    NotFound,
    /// It failed with an error of this kind.
    Error(ErrorKind),
}

impl Outcome {
    /// The outcome of `result`.
    pub fn of<T>(result: &Result<T>) -> Outcome {
        match result {
            Ok(_) => Outcome::Ok,
            Err(err) if err.is_not_found() => Outcome::NotFound,
            Err(err) => Outcome::Error(err.kind()),
        }
    }

    /// `ok`, `not found`, or the error kind's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::NotFound => "not found",
            Outcome::Error(kind) => kind.as_str(),
        }
    }
}

/// One finished operation, as the [`SpanHook`] sees it: borrowed for the length of the call,
/// so that reporting it allocates nothing ([`Span::to_record`] keeps a copy).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span<'a> {
    /// `service_index` (only when the index is loaded, not when a provider's in-memory copy
    /// answers), `metadata`, `versions`, `search`, `autocomplete`, `download` or
    /// `cache_lookup`.
    pub name: &'static str,
    /// This span's id.
    pub span_id: SpanId,
    /// The caller's trace context (its trace id, its span id as this span's parent, its flags
    /// and `tracestate`), when the call carried one.
    pub trace: Option<&'a TraceContext>,
    /// How long it took.
    pub duration: Duration,
    /// What it was about (`source`, `id`, `version`, `key`, `hit`, ...), no credentials.
    pub attributes: &'a [(&'static str, &'a str)],
    /// How it ended.
    pub outcome: Outcome,
}

impl Span<'_> {
    /// The caller's trace id, when the call carried a trace context.
    pub fn trace_id(&self) -> Option<&str> {
        self.trace.map(TraceContext::trace_id)
    }

    /// The caller's span id (this span's parent), when the call carried a trace context.
    pub fn parent_id(&self) -> Option<&str> {
        self.trace.map(TraceContext::parent_id)
    }

    /// The value of attribute `key`, if the span has it.
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }

    /// An owned copy, for a hook that keeps spans.
    pub fn to_record(&self) -> SpanRecord {
        SpanRecord {
            name: self.name,
            span_id: self.span_id.to_string(),
            trace_id: self.trace_id().map(str::to_string),
            parent_id: self.parent_id().map(str::to_string),
            duration: self.duration,
            attributes: self
                .attributes
                .iter()
                .map(|(k, v)| (*k, (*v).to_string()))
                .collect(),
            outcome: self.outcome,
        }
    }
}

/// An owned copy of a [`Span`].
#[derive(Debug, Clone, PartialEq)]
pub struct SpanRecord {
    /// [`Span::name`].
    pub name: &'static str,
    /// [`Span::span_id`], as 16 hex digits.
    pub span_id: String,
    /// [`Span::trace_id`].
    pub trace_id: Option<String>,
    /// [`Span::parent_id`].
    pub parent_id: Option<String>,
    /// [`Span::duration`].
    pub duration: Duration,
    /// [`Span::attributes`].
    pub attributes: Vec<(&'static str, String)>,
    /// [`Span::outcome`].
    pub outcome: Outcome,
}

impl SpanRecord {
    /// The value of attribute `key`, if the span has it.
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Receives finished spans. Called on the thread that ran the operation; keep it quick.
pub trait SpanHook: Send + Sync {
    /// One operation finished.
    fn on_span(&self, span: &Span<'_>);
}

impl<F: Fn(&Span<'_>) + Send + Sync> SpanHook for F {
    fn on_span(&self, span: &Span<'_>) {
        self(span)
    }
}

/// The clock spans are timed by: the CPU's time stamp counter where it runs at a steady rate
/// (a read takes about 9 ns, half of `Instant::now`, which matters on a cached call of 400 ns),
/// else the OS's monotonic clock. It is calibrated against the OS clock once, when a span hook
/// is first set.
pub(crate) fn span_clock() -> &'static quanta::Clock {
    static CLOCK: OnceLock<quanta::Clock> = OnceLock::new();
    CLOCK.get_or_init(quanta::Clock::new)
}

/// A span being timed; [`Timer::finish`] reports it. Without a hook it holds nothing.
#[derive(Debug)]
pub struct Timer {
    /// The span clock's reading at the start, when there is a hook.
    started: Option<u64>,
    name: &'static str,
}

impl Timer {
    /// Starts timing `name` when `observability` has a span hook.
    pub fn start(observability: &Observability, name: &'static str) -> Timer {
        Timer {
            started: observability.spans.as_ref().map(|_| span_clock().raw()),
            name,
        }
    }

    /// Reports the span with `attributes` and the outcome of `result` (when there is a hook),
    /// then hands `result` back.
    pub fn finish<T>(
        self,
        observability: &Observability,
        trace: Option<&TraceContext>,
        attributes: &[(&'static str, &str)],
        result: Result<T>,
    ) -> Result<T> {
        if let (Some(started), Some(hook)) = (self.started, observability.span_hook()) {
            let clock = span_clock();
            let duration = clock.delta(started, clock.raw());
            hook.on_span(&Span {
                name: self.name,
                span_id: SpanId::fresh(),
                trace,
                duration,
                attributes,
                outcome: Outcome::of(&result),
            });
        }
        result
    }
}

fn is_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn shorten(text: &str) -> String {
    text.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use parking_lot::Mutex;

    use super::*;

    const PARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn a_w3c_traceparent_parses_and_children_keep_the_trace() {
        let trace = TraceContext::parse(PARENT, Some("congo=t61rcWkgMzE")).unwrap();
        assert_eq!(trace.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(trace.parent_id(), "00f067aa0ba902b7");
        assert_eq!(trace.flags(), 1);
        assert_eq!(trace.tracestate(), Some("congo=t61rcWkgMzE"));
        let child = trace.traceparent_for("b7ad6b7169203331");
        assert_eq!(
            child,
            "00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01"
        );
        let fresh = trace.child_traceparent();
        assert_eq!(fresh.len(), 55);
        assert!(fresh.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"));
        assert!(fresh.ends_with("-01") && !fresh.contains("00f067aa0ba902b7"));
        let unsampled = TraceContext::parse(&PARENT.replace("-01", "-a0"), None).unwrap();
        assert!(unsampled.child_traceparent().ends_with("-a0"));
        // A later version may add fields; the first four are read.
        let later = "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what";
        assert!(TraceContext::parse(later, None).is_ok());
    }

    #[test]
    fn bad_traceparents_are_invalid_arguments() {
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
        ] {
            let err = TraceContext::parse(bad, None).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{bad}");
        }
        let err = TraceContext::parse(PARENT, Some("a=\u{1}")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    }

    #[test]
    fn span_ids_are_fresh_hex() {
        let a = new_span_id();
        let b = new_span_id();
        assert_ne!(a, b);
        assert!(is_hex(&a, 16) && is_hex(&b, 16), "{a} {b}");
        let many: std::collections::HashSet<String> = (0..10_000).map(|_| new_span_id()).collect();
        assert_eq!(many.len(), 10_000);
        assert!(
            many.iter()
                .all(|id| is_hex(id, 16) && id != "0000000000000000")
        );
        // The first output of SplitMix64 seeded with 0, as its reference implementation gives.
        assert_eq!(splitmix64(0), 0xe220_a839_7b1d_cdaf);
        assert_eq!(
            SpanId(0x00f0_67aa_0ba9_02b7).to_string(),
            "00f067aa0ba902b7"
        );
    }

    #[test]
    fn a_span_lasts_as_long_as_its_operation_by_the_os_clock() {
        // The span clock is calibrated against the OS clock: a 30 ms operation is reported as
        // 30 ms at least and at most what `Instant` measured around it, give or take the
        // calibration's error (parts per million; 1 ms is far more than that).
        let durations = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&durations);
        let observability = Observability::new().spans(Arc::new(move |span: &Span<'_>| {
            sink.lock().push((span.name, span.duration));
        }));
        let outer = std::time::Instant::now();
        let timer = Timer::start(&observability, "sleep");
        std::thread::sleep(Duration::from_millis(30));
        let result = timer.finish(&observability, None, &[], Ok(7));
        let elapsed = outer.elapsed();
        assert_eq!(result.unwrap(), 7);
        let reported = durations.lock().clone();
        assert_eq!(reported.len(), 1);
        let (name, duration) = reported[0];
        assert_eq!(name, "sleep");
        let tolerance = Duration::from_millis(1);
        assert!(
            duration + tolerance >= Duration::from_millis(30),
            "{duration:?}"
        );
        assert!(
            duration <= elapsed + tolerance,
            "{duration:?} > {elapsed:?}"
        );
    }

    #[test]
    fn span_ids_of_many_threads_never_repeat() {
        // Each thread counts through blocks of its own; together they still never collide,
        // across block boundaries too.
        let per_thread = (COUNT_BLOCK + 10) as usize;
        let ids: Vec<Vec<SpanId>> = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..4)
                .map(|_| scope.spawn(move || (0..per_thread).map(|_| SpanId::fresh()).collect()))
                .collect();
            threads.into_iter().map(|t| t.join().unwrap()).collect()
        });
        let all: std::collections::HashSet<SpanId> = ids.into_iter().flatten().collect();
        assert_eq!(all.len(), 4 * per_thread);
    }
}
