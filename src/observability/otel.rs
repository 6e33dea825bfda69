//! [`OpenTelemetryHook`]: rnuget's spans as OpenTelemetry spans, with the cargo feature
//! `opentelemetry` (the API crate only: the caller brings the SDK, its exporter and, if it
//! wants one, its runtime; rnuget starts none).
//!
//! Each [`Span`] an operation reports becomes one finished span on the hook's tracer:
//!
//! ```text
//! name        the operation (`service_index`, `metadata`, `cache_lookup`, ...)
//! start, end  end when the operation finished (the hook is called then), start = end - duration
//! attributes  `rnuget.<key>` for each of the span's attributes, and `rnuget.outcome`
//! status      ok -> Ok; not found -> Unset (a source without the package is not a fault);
//!             an error -> Error, described by its kind (`network`, `timeout`, ...)
//! parent      the caller's `traceparent` (a remote parent with its flags and `tracestate`),
//!             else whatever span is current on the operation's thread (OpenTelemetry's context)
//! kind        Internal
//! ```
//!
//! The span is built and ended on the thread that ran the operation; what happens next is the
//! tracer's business (a simple span processor exports it there and then, a batch processor on
//! a thread of its own).

use std::str::FromStr;
use std::time::SystemTime;

use opentelemetry::global::{self, BoxedTracer};
use opentelemetry::trace::{
    self as otel, SpanBuilder, SpanContext, SpanKind, Status, TraceContextExt, TraceFlags,
    TraceState, Tracer,
};
use opentelemetry::{Context, InstrumentationScope, KeyValue};

use super::{Outcome, Span, SpanHook, TraceContext};

/// A [`SpanHook`] that hands every span to an OpenTelemetry [`Tracer`]; set it with
/// [`super::Observability::spans`].
///
/// ```
/// use std::sync::Arc;
/// use rnuget::observability::{Observability, OpenTelemetryHook};
///
/// // The tracer provider the program installed globally (a no-op one until it does).
/// let observability = Observability::new().spans(Arc::new(OpenTelemetryHook::global()));
/// assert!(observability.span_hook().is_some());
/// ```
#[derive(Debug)]
pub struct OpenTelemetryHook<T> {
    tracer: T,
}

impl OpenTelemetryHook<BoxedTracer> {
    /// A hook on a tracer named `rnuget` (with rnuget's version) from the global tracer
    /// provider, as it is when this is called: install the provider first.
    pub fn global() -> Self {
        let scope = InstrumentationScope::builder("rnuget")
            .with_version(env!("CARGO_PKG_VERSION"))
            .build();
        OpenTelemetryHook::new(global::tracer_with_scope(scope))
    }
}

impl<T: Tracer> OpenTelemetryHook<T> {
    /// A hook on the caller's `tracer`.
    pub fn new(tracer: T) -> Self {
        OpenTelemetryHook { tracer }
    }

    /// The tracer spans go to.
    pub fn tracer(&self) -> &T {
        &self.tracer
    }
}

impl<T: Tracer + Send + Sync> SpanHook for OpenTelemetryHook<T> {
    fn on_span(&self, span: &Span<'_>) {
        let end = SystemTime::now();
        let start = end.checked_sub(span.duration).unwrap_or(end);
        let mut attributes: Vec<KeyValue> = span
            .attributes
            .iter()
            .map(|(key, value)| KeyValue::new(format!("rnuget.{key}"), value.to_string()))
            .collect();
        attributes.push(KeyValue::new("rnuget.outcome", span.outcome.as_str()));
        let builder = SpanBuilder::from_name(span.name)
            .with_kind(SpanKind::Internal)
            .with_start_time(start)
            .with_attributes(attributes);
        let current = Context::current();
        let parent = match span.trace.and_then(remote_parent) {
            Some(parent) => current.with_remote_span_context(parent),
            None => current,
        };
        let mut otel_span = self.tracer.build_with_context(builder, &parent);
        otel::Span::set_status(&mut otel_span, status(span.outcome));
        otel::Span::end_with_timestamp(&mut otel_span, end);
    }
}

/// The caller's span as a remote parent; `None` for ids OpenTelemetry cannot read (none:
/// [`TraceContext::parse`] checked them).
fn remote_parent(trace: &TraceContext) -> Option<SpanContext> {
    let trace_id = otel::TraceId::from_hex(trace.trace_id()).ok()?;
    let span_id = otel::SpanId::from_hex(trace.parent_id()).ok()?;
    // A `tracestate` OpenTelemetry does not accept (it checks keys and values more strictly
    // than rnuget passes them on) is left out of the parent rather than losing the parent.
    let state = trace
        .tracestate()
        .and_then(|s| TraceState::from_str(s).ok())
        .unwrap_or_default();
    let flags = TraceFlags::new(trace.flags());
    Some(SpanContext::new(trace_id, span_id, flags, true, state))
}

fn status(outcome: Outcome) -> Status {
    match outcome {
        Outcome::Ok => Status::Ok,
        Outcome::NotFound => Status::Unset,
        Outcome::Error(kind) => Status::error(kind.as_str()),
    }
}
