//! The `opentelemetry` feature: rnuget's spans of a loopback run, exported by the OpenTelemetry
//! SDK (a simple span processor, so each span is exported when it ends; no async runtime) to an
//! in-memory exporter, checked against the spans the same run reported to rnuget's own hook.

use std::sync::Arc;

use opentelemetry::trace::{SpanId, Status, TraceId, TracerProvider};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
use parking_lot::Mutex;
use rnuget::cache::CacheOptions;
use rnuget::client::{Client, ClientOptions};
use rnuget::demo::DemoFeed;
use rnuget::demo::server::{LoopbackServer, Response};
use rnuget::observability::{
    Observability, OpenTelemetryHook, Span, SpanHook, SpanRecord, TraceContext,
};
use rnuget::protocol::{MetadataOptions, SearchQuery};
use rnuget::version::NuGetVersion;

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

/// Keeps every exported span.
#[derive(Debug, Clone, Default)]
struct Exported(Arc<Mutex<Vec<SpanData>>>);

impl SpanExporter for Exported {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0.lock().extend(batch);
        Ok(())
    }
}

/// A provider exporting each span to `exported` as it ends.
fn provider(exported: &Exported) -> SdkTracerProvider {
    SdkTracerProvider::builder()
        .with_simple_exporter(exported.clone())
        .build()
}

/// Hands each span to rnuget's own record and to the OpenTelemetry hook, under one lock, so
/// that both see spans of concurrent threads in the same order.
struct Both {
    records: Arc<Mutex<Vec<SpanRecord>>>,
    otel: Box<dyn SpanHook>,
}

impl SpanHook for Both {
    fn on_span(&self, span: &Span<'_>) {
        let mut records = self.records.lock();
        records.push(span.to_record());
        self.otel.on_span(span);
    }
}

fn attribute<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv: &KeyValue| &kv.value)
}

fn text(span: &SpanData, key: &str) -> String {
    attribute(span, key)
        .map(|v| v.as_str().into_owned())
        .unwrap_or_else(|| panic!("{} has no {key}: {:?}", span.name, span.attributes))
}

/// A client over the demo feed (memory cache) and a source answering 500, ignored as failed.
fn client(observability: Observability, feed: &DemoFeed, down: &LoopbackServer) -> Client {
    let options = ClientOptions::new()
        .named_source("demo", &feed.index_url())
        .named_source("down", &format!("{}/v3/index.json", down.base_url()))
        .cache(CacheOptions::memory_only())
        .ignore_failed_sources(true)
        .observability(observability);
    Client::new(options).unwrap()
}

#[test]
fn spans_of_a_traced_run_become_opentelemetry_spans_under_the_callers_span() {
    let exported = Exported::default();
    let provider = provider(&exported);
    let records = Arc::new(Mutex::new(Vec::new()));
    let hook = Both {
        records: Arc::clone(&records),
        otel: Box::new(OpenTelemetryHook::new(provider.tracer("rnuget-test"))),
    };
    let feed = DemoFeed::start().unwrap();
    let down = LoopbackServer::start(|_| Response::new(500, "down")).unwrap();
    let client = client(Observability::new().spans(Arc::new(hook)), &feed, &down);
    let traceparent = format!("00-{TRACE_ID}-{CALLER_SPAN}-01");
    let trace = TraceContext::parse(&traceparent, Some("rnuget=test")).unwrap();
    let context = client.new_context().with_trace(trace);

    let all = MetadataOptions::default();
    client
        .get_metadata_with(&context, "Demo.Core", &all)
        .unwrap();
    client
        .get_metadata_with(&context, "Demo.Core", &all)
        .unwrap();
    // Not on the demo feed: "not found" there, then the down source fails (ignored).
    let missing = NuGetVersion::parse("9.9.9").unwrap();
    assert!(
        client
            .get_version_metadata_with(&context, "Demo.Core", &missing)
            .is_err()
    );
    let query = SearchQuery {
        query: "demo".into(),
        ..SearchQuery::default()
    };
    let answers = client.search_with(&context, &query);
    assert!(answers[0].result.is_ok() && answers[1].result.is_err());

    let records = records.lock().clone();
    let spans = exported.0.lock().clone();
    // One OpenTelemetry span per rnuget span, in the order they ended.
    assert_eq!(spans.len(), records.len(), "{records:#?}");
    assert!(records.len() >= 10, "{records:#?}");
    for (record, span) in records.iter().zip(&spans) {
        assert_eq!(span.name, record.name);
        for (key, value) in &record.attributes {
            let otel_value = text(span, &format!("rnuget.{key}"));
            assert_eq!(&otel_value, value, "{} {key}", record.name);
        }
        assert_eq!(text(span, "rnuget.outcome"), record.outcome.as_str());
        assert!(span.start_time <= span.end_time, "{span:?}");
    }
    // Every span is a child of the caller's span, in the caller's trace, with its state.
    let trace_id = TraceId::from_hex(TRACE_ID).unwrap();
    let caller = SpanId::from_hex(CALLER_SPAN).unwrap();
    for span in &spans {
        assert_eq!(span.span_context.trace_id(), trace_id, "{}", span.name);
        assert_eq!(span.parent_span_id, caller, "{}", span.name);
        assert!(span.parent_span_is_remote, "{}", span.name);
        assert!(span.span_context.is_sampled());
        assert_eq!(span.span_context.trace_state().header(), "rnuget=test");
    }
    let names: Vec<&str> = spans.iter().map(|s| s.name.as_ref()).collect();
    for name in ["service_index", "cache_lookup", "metadata", "search"] {
        assert!(names.contains(&name), "no {name} span in {names:?}");
    }
    // Outcomes as statuses: ok, not found (not a fault: unset), and the failing source.
    let metadata: Vec<&SpanData> = spans.iter().filter(|s| s.name == "metadata").collect();
    let found = metadata[0];
    assert_eq!(found.status, Status::Ok);
    assert_eq!(text(found, "rnuget.source"), "demo");
    assert_eq!(text(found, "rnuget.what"), "Demo.Core");
    let not_found = metadata
        .iter()
        .find(|s| text(s, "rnuget.what") == "Demo.Core 9.9.9" && text(s, "rnuget.source") == "demo")
        .expect("a metadata span for the missing version on the demo source");
    assert_eq!(not_found.status, Status::Unset);
    assert_eq!(text(not_found, "rnuget.outcome"), "not found");
    let failed = spans
        .iter()
        .find(|s| s.name == "search" && text(s, "rnuget.source") == "down")
        .expect("a search span for the down source");
    assert_eq!(failed.status, Status::error("http status"));
    // The second metadata call was answered from memory.
    let hits: Vec<String> = spans
        .iter()
        .filter(|s| s.name == "cache_lookup")
        .map(|s| text(s, "rnuget.hit"))
        .collect();
    assert!(hits.contains(&"true".to_string()), "{hits:?}");
    assert!(hits.contains(&"false".to_string()), "{hits:?}");
}

#[test]
fn without_a_traceparent_spans_are_roots_and_an_unsampled_caller_exports_none() {
    let exported = Exported::default();
    let provider = provider(&exported);
    let hook = OpenTelemetryHook::new(provider.tracer("rnuget-test"));
    let feed = DemoFeed::start().unwrap();
    let down = LoopbackServer::start(|_| Response::new(500, "down")).unwrap();
    let client = client(Observability::new().spans(Arc::new(hook)), &feed, &down);
    client
        .list_versions_with(&client.new_context(), "Demo.Core")
        .unwrap();
    let spans = exported.0.lock().clone();
    assert!(!spans.is_empty());
    for span in &spans {
        assert_eq!(span.parent_span_id, SpanId::INVALID, "{}", span.name);
        assert_ne!(span.span_context.trace_id().to_string(), TRACE_ID);
    }
    // The caller's flags say "not sampled": the SDK's default (parent-based) sampler drops
    // every span of the call.
    exported.0.lock().clear();
    let unsampled = TraceContext::parse(&format!("00-{TRACE_ID}-{CALLER_SPAN}-00"), None).unwrap();
    let context = client.new_context().with_trace(unsampled).no_cache(true);
    client.list_versions_with(&context, "Demo.Core").unwrap();
    assert!(exported.0.lock().is_empty(), "{:?}", exported.0.lock());
}

#[test]
fn the_global_hook_uses_the_global_provider_with_rnugets_name_and_version() {
    // The only test that sets the global provider.
    let exported = Exported::default();
    opentelemetry::global::set_tracer_provider(provider(&exported));
    let hook = OpenTelemetryHook::global();
    let feed = DemoFeed::start().unwrap();
    let client = Client::new(
        ClientOptions::new()
            .named_source("demo", &feed.index_url())
            .observability(Observability::new().spans(Arc::new(hook))),
    )
    .unwrap();
    client.list_versions("Demo.Core").unwrap();
    let spans = exported.0.lock().clone();
    let versions = spans
        .iter()
        .find(|s| s.name == "versions")
        .expect("a versions span");
    assert_eq!(versions.instrumentation_scope.name(), "rnuget");
    assert_eq!(
        versions.instrumentation_scope.version(),
        Some(env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(versions.status, Status::Ok);
}
