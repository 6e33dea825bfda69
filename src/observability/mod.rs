//! Observability beside the request flow: log setup, Prometheus metrics, health checks and W3C
//! trace context. Everything here is off until a caller turns it on, and then cheap.
//!
//! ```text
//! logging.rs  a fern setup helper (level, format, stderr or a file) and the log targets
//! metrics.rs  Metrics: the Prometheus registry rnuget updates, text exposition
//! health.rs   HealthChecker: sources, cache, overall status, JSON report
//! host_labels.rs the host label of per-host metrics, capped (a feed names the hosts)
//! printable.rs outside text (feed data, URLs, source names) escaped for log lines and errors
//! trace.rs    TraceContext: the caller's traceparent and tracestate
//! span_id.rs  SpanId: fresh span ids
//! span.rs     Span, the SpanHook spans go to, and the Timer that times them
//! otel.rs     OpenTelemetryHook: spans to an OpenTelemetry tracer (cargo feature `opentelemetry`)
//! ```
//!
//! One [`Observability`] (cheap to clone) is shared by a client's HTTP layer, cache and
//! providers: with neither metrics nor a span hook, each instrumented spot costs one branch.

pub mod health;
mod host_labels;
pub mod logging;
pub mod metrics;
#[cfg(feature = "opentelemetry")]
pub mod otel;
pub mod printable;
pub mod span;
pub mod span_id;
pub mod trace;

use std::fmt;
use std::sync::Arc;

pub use health::{
    CacheHealth, HealthChecker, HealthOptions, HealthReport, HealthStatus, SourceHealth,
    SourceProbe,
};
pub use host_labels::{MAX_HOST_LABELS, OTHER_HOSTS};
pub use metrics::Metrics;
#[cfg(feature = "opentelemetry")]
pub use otel::OpenTelemetryHook;
pub use span::{Outcome, Span, SpanHook, SpanRecord, Timer};
pub use span_id::{SpanId, new_span_id};
pub use trace::TraceContext;

/// What a client reports to: its metrics and its span hook, both optional.
#[derive(Clone, Default)]
pub struct Observability {
    /// Prometheus metrics to update; `None` (the default) updates none.
    pub metrics: Option<Arc<Metrics>>,
    /// Where finished operation spans go; `None` (the default) times nothing.
    pub spans: Option<Arc<dyn SpanHook>>,
}

impl fmt::Debug for Observability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Observability")
            .field("metrics", &self.metrics.is_some())
            .field("spans", &self.spans.is_some())
            .finish()
    }
}

impl Observability {
    /// Nothing observed.
    pub fn new() -> Self {
        Observability::default()
    }

    /// Metrics in a registry of their own, no span hook.
    pub fn with_metrics() -> Self {
        Observability {
            metrics: Some(Arc::new(Metrics::new())),
            spans: None,
        }
    }

    /// Sets [`Observability::metrics`].
    pub fn metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Sets [`Observability::spans`].
    pub fn spans(mut self, hook: Arc<dyn SpanHook>) -> Self {
        // Calibrating the span clock takes a millisecond or so: here, not in the first call.
        span::span_clock();
        self.spans = Some(hook);
        self
    }

    /// The metrics, if any.
    pub fn metrics_ref(&self) -> Option<&Metrics> {
        self.metrics.as_deref()
    }

    /// The span hook, if any.
    pub fn span_hook(&self) -> Option<&dyn SpanHook> {
        self.spans.as_deref()
    }
}
