//! Operation spans: what an operation reports ([`Span`]) to the client's [`SpanHook`], and the
//! [`Timer`] that times it by a cheap clock.
//!
//! Operations (service index, metadata, versions, search, download, cache lookup) report a
//! span parented by the caller's span when the call carries a trace context. With the cargo
//! feature `opentelemetry`, [`super::otel::OpenTelemetryHook`] turns them into OpenTelemetry
//! spans.

use std::sync::OnceLock;
use std::time::Duration;

use super::Observability;
use super::span_id::SpanId;
use super::trace::TraceContext;
use crate::Result;
use crate::error::ErrorKind;

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

    /// Whether the span is timed (there is a hook): attributes that cost something to build
    /// need building only then.
    pub fn is_timed(&self) -> bool {
        self.started.is_some()
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use parking_lot::Mutex;

    use super::*;

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
}
